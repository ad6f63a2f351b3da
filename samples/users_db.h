/*
 * users_db.h - what users_service.ac (asyncc) and users_service_sync.c (one
 * request at a time) share, so that both answer the same requests with the
 * same bytes: the routes, the SQL, and turning rows into JSON (jansson).
 * Plain C; nothing here waits.
 */
#ifndef USERS_DB_H
#define USERS_DB_H

#include <libpq-fe.h>
#include <stddef.h>

/* The table (samples/users_schema.sql creates it). */
#define USERS_SQL_GET "SELECT id, name, email FROM users WHERE id = $1"
#define USERS_SQL_LIST "SELECT id, name, email FROM users ORDER BY id LIMIT $1"
/* No row back when the email is taken (a 409, not an error). */
#define USERS_SQL_CREATE                                                    \
    "INSERT INTO users (name, email) VALUES ($1, $2)"                      \
    " ON CONFLICT (email) DO NOTHING RETURNING id, name, email"
/* Deliberately slow: a report on the 100 newest users that spends about
 * 20 ms in the database (pg_sleep stands for the work a real report does),
 * the way a heavy query keeps a pool connection busy.  Its own CPU cost is
 * small, so the pool, not the database's CPU, is what limits it. */
#define USERS_SQL_REPORT                                                    \
    "SELECT count(*), count(DISTINCT split_part(email, '@', 2)),"          \
    " coalesce(max(id), 0) FROM (SELECT id, email FROM users"              \
    " ORDER BY id DESC LIMIT 100) AS recent, pg_sleep(0.02)"

enum users_route {
    USERS_GET,      /* GET /users/{id}        */
    USERS_LIST,     /* GET /users?limit=N     */
    USERS_CREATE,   /* POST /users            */
    USERS_REPORT,   /* GET /report            */
    USERS_NOTFOUND, /* anything else: 404     */
    USERS_BADARG,   /* a bad id or limit: 400 */
    USERS_BADMETHOD /* a known path, another method: 405 */
};

#define USERS_LIST_DEFAULT 10
#define USERS_LIST_MAX 1000

/* Which route; the query parameter (an id or a limit, as decimal text)
 * goes into arg[32]. */
enum users_route users_route(const char *method, const char *path,
                             const char *query, char arg[32]);

/* JSON bodies, malloc'd and NUL-terminated (NULL: out of memory). */
char *users_json_user(const PGresult *r, int row);  /* {"id":..,...}  */
char *users_json_list(const PGresult *r);           /* [{...}, ...]   */
char *users_json_report(const PGresult *r);         /* {"recent":..}  */
char *users_json_error(const char *message);        /* {"error":".."} */

/* A POST /users body: {"name": "...", "email": "..."} with two non-empty
 * strings.  0 and *name / *email malloc'd, or -1 and *why says what is
 * wrong (static text). */
int users_parse_new(const char *body, size_t len, char **name, char **email,
                    const char **why);

#endif
