/*
 * asyncc/pg.h - PostgreSQL for Async C, on libpq's nonblocking API and
 * driven by the asyncc loop: no thread per query, no polling interval.
 *
 * Part of libasyncc_pg (CMake: asyncc::pg, pkg-config: asyncc-pg);
 * asyncc-cc links it when a source includes this header.  Results are
 * libpq's own PGresult (read them with PQntuples, PQgetvalue, PQgetisnull,
 * ...; free them with PQclear), so this header includes <libpq-fe.h>.
 *
 * Like asyncc.h it has three readers: the transpiler and IDEs see `async`
 * prototypes; generated C (__ASYNCC_OUTPUT__) sees the leaf frames, which
 * awaiting code embeds; the erased build (ASYNCC_ERASED) sees plain
 * prototypes, so erased programs still compile (they link only against a
 * library that defines them).
 *
 * The reference, with every return value and what cancellation does, is
 * the "PostgreSQL" section of docs/API.md.  In short:
 *
 *   - Errors are negative codes: AC_EPG (the server reported an error; the
 *     connection is fine), AC_EPGCONN (no connection: it could not be made
 *     or was lost), AC_ECANCELED, AC_ETIMEDOUT (with_timeout), UV_EINVAL,
 *     UV_ENOMEM.  ac_pg_error / ac_pg_pool_error hold the message.
 *   - A cancelled query returns AC_ECANCELED at once; in the background the
 *     connection sends the server a cancel request and reads what is left
 *     of the query's results, so it is usable again (the next query on it
 *     waits for that).
 *   - Queries are prepared once per connection and SQL text, then executed
 *     by name (asyncpg does the same): the server parses and plans each
 *     distinct statement once per connection.
 *   - Everything here belongs to the ac_run that created it; what the
 *     program did not close is closed and freed when that run ends.
 */
#ifndef ASYNCC_PG_H
#define ASYNCC_PG_H

#include <asyncc.h>
#include <libpq-fe.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ac_pg ac_pg;           /* one connection            */
typedef struct ac_pg_pool ac_pg_pool; /* connections shared by tasks */

/* The message of the connection's last failure (the server's text, e.g.
 * "ERROR:  duplicate key value violates unique constraint ...\nDETAIL: ..."
 * with libpq's layout, or what asyncc knows about a lost connection), or ""
 * when nothing failed yet.  Valid until the next operation on `c`.  NULL c:
 * a text that says so. */
const char *ac_pg_error(const ac_pg *c);

/* The SQLSTATE of the connection's last server error ("23505": unique
 * violation, "57014": query cancelled, ...), or "" when the last failure
 * did not come from the server. */
const char *ac_pg_sqlstate(const ac_pg *c);

/* Closes the connection and frees it, at once (a query still running on it
 * completes with AC_ECANCELED).  A connection taken from a pool is given
 * back to it closed: the pool opens a new one in its place when needed.
 * NULL is ignored. */
void ac_pg_close(ac_pg *c);

/* The libpq connection, for what only reads it or formats text with it
 * (PQescapeLiteral, PQserverVersion, PQbackendPID, ...); NULL when there is
 * none.  Never send queries on it or change its blocking mode. */
PGconn *ac_pg_conn(const ac_pg *c);

/* A pool of at most `size` connections to `conninfo` (copied), opened
 * lazily.  0, UV_EINVAL (size < 1, or no ac_run is running), UV_ENOMEM. */
int ac_pg_pool_init(ac_pg_pool **out, const char *conninfo, int size);

/* Gives back a connection from ac_pg_pool_acquire.  A transaction left open
 * is rolled back, and a cancelled query drained, before the connection is
 * handed out again; a broken one is replaced. */
void ac_pg_pool_release(ac_pg_pool *p, ac_pg *c);

/* The message and SQLSTATE of the pool's last failed ac_pg_pool_query or
 * ac_pg_pool_acquire (read them before the next await: other tasks share
 * the pool). */
const char *ac_pg_pool_error(const ac_pg_pool *p);
const char *ac_pg_pool_sqlstate(const ac_pg_pool *p);

/* ---- the coroutines ------------------------------------------------------ */

#if defined(ASYNCC_ERASED)
#ifndef AC_EPG /* asyncc_abi.h's values; the erased build does not read it */
#define AC_EPG (-5101)
#define AC_EPGCONN (-5102)
#endif
int ac_pg_connect(ac_pg **out, const char *conninfo);
int ac_pg_query(ac_pg *c, PGresult **out, const char *sql, int nparams,
                const char *const *params);
int ac_pg_pool_query(ac_pg_pool *p, PGresult **out, const char *sql,
                     int nparams, const char *const *params);
int ac_pg_pool_acquire(ac_pg_pool *p, ac_pg **out);
int ac_pg_pool_close(ac_pg_pool *p);

#else
/* The leaf frames (the ABI's frame convention, docs/ABI.md): generated C
 * embeds them in the awaiting frame; the transpiler sees them too, which
 * is how it knows they can be embedded.  Fields after "private" are the
 * library's. */

struct ac_pg_connect__frame {
    ac_coro co;
    int ret;
    ac_pg **out;
    const char *conninfo;
    /* private */
    ac_pg *c;
};
void ac_pg_connect__init(struct ac_pg_connect__frame *f, ac_pg **out,
                         const char *conninfo);

struct ac_pg_query__frame {
    ac_coro co;
    int ret;
    ac_pg *c;
    PGresult **out;
    const char *sql;
    int nparams;
    const char *const *params;
    /* private: the connection's queue of queries waiting for it */
    struct ac_pg_query__frame *next;
};
void ac_pg_query__init(struct ac_pg_query__frame *f, ac_pg *c, PGresult **out,
                       const char *sql, int nparams,
                       const char *const *params);

struct ac_pg_pool_acquire__frame {
    ac_coro co;
    int ret;
    ac_pg_pool *p;
    ac_pg **out;
    /* private */
    ac_waitq_node node;  /* the pool's queue of waiting tasks       */
    ac_pg *slot;         /* the connection handed to us             */
    struct ac_pg_connect__frame connect; /* (re)opening the slot    */
};
void ac_pg_pool_acquire__init(struct ac_pg_pool_acquire__frame *f,
                              ac_pg_pool *p, ac_pg **out);

struct ac_pg_pool_query__frame {
    ac_coro co;
    int ret;
    ac_pg_pool *p;
    PGresult **out;
    const char *sql;
    int nparams;
    const char *const *params;
    /* private */
    ac_pg *c;
    union {
        struct ac_pg_pool_acquire__frame acquire;
        struct ac_pg_query__frame query;
    } sub;
};
void ac_pg_pool_query__init(struct ac_pg_pool_query__frame *f, ac_pg_pool *p,
                            PGresult **out, const char *sql, int nparams,
                            const char *const *params);

struct ac_pg_pool_close__frame {
    ac_coro co;
    int ret;
    ac_pg_pool *p;
};
void ac_pg_pool_close__init(struct ac_pg_pool_close__frame *f, ac_pg_pool *p);

#if !defined(__ASYNCC_OUTPUT__)
/* Opens a connection (PQconnectStart/PQconnectPoll; conninfo as for
 * PQconnectdb).  0: *out is ready for queries.  < 0 (AC_EPGCONN,
 * AC_ECANCELED, ...): *out holds only the reason, ac_pg_error(*out).
 * Either way close *out with ac_pg_close; it is NULL only when memory ran
 * out (UV_ENOMEM).  Host names are resolved by libpq, blocking the loop
 * (use an address, hostaddr=, or a socket directory to avoid that). */
async int ac_pg_connect(ac_pg **out, const char *conninfo);

/* Runs one SQL statement with nparams text parameters ($1, $2, ...; a NULL
 * element is SQL NULL).  0: *out is the result (tuples or command ok); the
 * caller PQclear()s it.  < 0: *out is NULL and ac_pg_error(c) holds the
 * server's message.  Queries on one connection run one at a time, in the
 * order they were awaited. */
async int ac_pg_query(ac_pg *c, PGresult **out, const char *sql,
                      int nparams, const char *const *params);

/* ac_pg_pool_acquire + ac_pg_query + ac_pg_pool_release; errors in
 * ac_pg_pool_error(p). */
async int ac_pg_pool_query(ac_pg_pool *p, PGresult **out, const char *sql,
                           int nparams, const char *const *params);

/* A connection for the caller alone (a transaction: BEGIN ... COMMIT),
 * until ac_pg_pool_release.  Waiting tasks are served first come, first
 * served.  0, or < 0: AC_EPGCONN (a new connection failed), AC_ECANCELED
 * (nothing is kept: the connection stays in the pool). */
async int ac_pg_pool_acquire(ac_pg_pool *p, ac_pg **out);

/* Closes the pool once every connection is back; tasks still waiting in
 * acquire get AC_ECANCELED.  Frees it: `p` is invalid afterwards. */
async int ac_pg_pool_close(ac_pg_pool *p);

#endif
#endif

#ifdef __cplusplus
}
#endif
#endif /* ASYNCC_PG_H */
