/*
 * users_db.c - routes, rows to JSON, request bodies from JSON; shared by
 * users_service.ac and users_service_sync.c (see users_db.h).
 */
#include "users_db.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* A positive decimal number of at most 9 digits, copied to arg. */
static int decimal(const char *s, size_t n, char arg[32])
{
    if (n == 0 || n > 9)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    memcpy(arg, s, n);
    arg[n] = '\0';
    return atol(arg) > 0;
}

/* The value of `name` in a query string a=1&b=2, or NULL; *len its length. */
static const char *query_param(const char *q, const char *name, size_t *len)
{
    size_t n = strlen(name);
    while (q != NULL && *q != '\0') {
        const char *end = strchr(q, '&');
        size_t plen = end ? (size_t)(end - q) : strlen(q);
        if (plen > n && strncmp(q, name, n) == 0 && q[n] == '=') {
            *len = plen - n - 1;
            return q + n + 1;
        }
        q = end ? end + 1 : NULL;
    }
    return NULL;
}

enum users_route users_route(const char *method, const char *path,
                             const char *query, char arg[32])
{
    int get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    if (strcmp(path, "/report") == 0)
        return get ? USERS_REPORT : USERS_BADMETHOD;
    if (strcmp(path, "/users") == 0) {
        if (strcmp(method, "POST") == 0)
            return USERS_CREATE;
        if (!get)
            return USERS_BADMETHOD;
        size_t n;
        const char *v = query_param(query, "limit", &n);
        if (v == NULL) {
            strcpy(arg, "10");
            return USERS_LIST;
        }
        if (!decimal(v, n, arg) || atol(arg) > USERS_LIST_MAX)
            return USERS_BADARG;
        return USERS_LIST;
    }
    if (strncmp(path, "/users/", 7) == 0) {
        if (!get)
            return USERS_BADMETHOD;
        /* An id that is not a number names no user. */
        return decimal(path + 7, strlen(path + 7), arg) ? USERS_GET
                                                        : USERS_NOTFOUND;
    }
    return USERS_NOTFOUND;
}

static json_t *user_object(const PGresult *r, int row)
{
    return json_pack("{s:I, s:s, s:s}", "id",
                     (json_int_t)atoll(PQgetvalue(r, row, 0)), "name",
                     PQgetvalue(r, row, 1), "email", PQgetvalue(r, row, 2));
}

/* Serialise and free; NULL when j is NULL (a failed pack) or on OOM. */
static char *dump(json_t *j)
{
    char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    return s;
}

char *users_json_user(const PGresult *r, int row)
{
    return dump(user_object(r, row));
}

char *users_json_list(const PGresult *r)
{
    json_t *a = json_array();
    for (int i = 0; a != NULL && i < PQntuples(r); i++)
        if (json_array_append_new(a, user_object(r, i)) < 0) {
            json_decref(a);
            a = NULL;
        }
    return dump(a);
}

char *users_json_report(const PGresult *r)
{
    return dump(json_pack("{s:I, s:I, s:I}",
                          "recent", (json_int_t)atoll(PQgetvalue(r, 0, 0)),
                          "domains", (json_int_t)atoll(PQgetvalue(r, 0, 1)),
                          "max_id", (json_int_t)atoll(PQgetvalue(r, 0, 2))));
}

char *users_json_error(const char *message)
{
    return dump(json_pack("{s:s}", "error", message));
}

int users_parse_new(const char *body, size_t len, char **name, char **email,
                    const char **why)
{
    json_error_t err;
    const char *n, *e;
    json_t *doc = json_loadb(body, len, 0, &err);

    *name = *email = NULL;
    if (doc == NULL) {
        *why = "the body is not JSON";
        return -1;
    }
    if (json_unpack(doc, "{s:s, s:s}", "name", &n, "email", &e) < 0 ||
        n[0] == '\0' || e[0] == '\0') {
        *why = "expected {\"name\": \"...\", \"email\": \"...\"}";
        json_decref(doc);
        return -1;
    }
    *name = strdup(n);
    *email = strdup(e);
    json_decref(doc);
    if (*name == NULL || *email == NULL) {
        free(*name);
        free(*email);
        *name = *email = NULL;
        *why = "out of memory";
        return -1;
    }
    return 0;
}
