/*
 * pg_internal.h - what conn.c (connections, queries) and pool.c (the pool)
 * of libasyncc_pg share.  Private: the ac_pg__ prefix.
 */
#ifndef AC_PG_INTERNAL_H
#define AC_PG_INTERNAL_H

/* The library reads its header as generated C does: frames, no `async`
 * prototypes (docs/ABI.md, "A coroutine written by hand"). */
#define __ASYNCC_OUTPUT__ 1
#include "internal.h" /* first: the runtime's view of asyncc_abi.h */
#include "asyncc/pg.h"

/* A failure's message and SQLSTATE, as ac_pg_error / ac_pg_sqlstate
 * (and the pool's) report them. */
struct ac_pg__err {
    char *text;       /* malloc'd; NULL reads as ""                  */
    char sqlstate[6]; /* "" when the failure is not the server's     */
};
/* Copies `text` (trailing newlines dropped) and `sqlstate` (may be NULL).
 * When memory runs out the text reads "out of memory". */
void ac_pg__err_set(struct ac_pg__err *e, const char *text,
                    const char *sqlstate);
const char *ac_pg__err_text(const struct ac_pg__err *e);
void ac_pg__err_free(struct ac_pg__err *e);

/* What a connection is doing. */
enum ac_pg__op {
    AC_PG__IDLE,    /* nothing: the next query may start                  */
    AC_PG__CONNECT, /* PQconnectPoll steps; `cf` waits                    */
    AC_PG__QUERY,   /* a query runs; `qf` waits for its result            */
    AC_PG__DRAIN,   /* a query nobody waits for any more (cancelled, or a
                       ROLLBACK on release): its results are discarded    */
    AC_PG__SETTLE,  /* drained; waiting for the cancel request to finish  */
};

struct ac_pg__watch;  /* the socket's uv_poll_t (conn.c)          */
struct ac_pg__cancel; /* a PQcancel on the thread pool (conn.c)    */
struct ac_pg__stmt;   /* a prepared statement (conn.c)             */

struct ac_pg {
    PGconn *conn;              /* NULL: none (failed, lost or closed)      */
    struct ac_pg__watch *w;    /* the socket's poll handle, or NULL        */
    enum ac_pg__op op;
    struct ac_pg_connect__frame *cf; /* AC_PG__CONNECT: who waits          */
    struct ac_pg_query__frame *qf;   /* AC_PG__QUERY: who waits            */
    struct ac_pg_query__frame *qhead, *qtail; /* queries waiting their turn */
    PGresult *res;             /* the running query's result so far        */
    int flushing;              /* libpq has output it could not send yet   */
    int copy_out;              /* discarding COPY TO STDOUT data           */
    int copy_refused;          /* the statement was a COPY: it fails       */
    int preparing;             /* the running step prepares a statement    */
    int retried;               /* ... the running query re-prepared it     */
    int stmt;                  /* its cache slot / the executed one, or -1 */
    unsigned prep_id;          /* the name being prepared (ac_<id>)        */
    struct ac_pg__cancel *cancel; /* the cancel request in flight, if any  */
    struct ac_pg__stmt *stmts; /* the prepared-statement cache (or NULL)   */
    unsigned nstmts;           /* slots used in it                         */
    unsigned next_id;          /* statement names: ac_1, ac_2, ...         */
    struct ac_pg__err err;
    /* Pool connections (NULL pool: a connection of ac_pg_connect). */
    ac_pg_pool *pool;
    ac_pg *pool_next;          /* the pool's idle list                     */
    int release_pending;       /* released while busy: return when idle    */
    ac_pg *prev, *next;        /* every live connection                    */
};

/* conn.c */
ac_pg *ac_pg__new(void);       /* not connected; NULL when out of memory  */
void ac_pg__free(ac_pg *c);    /* disconnects first; waiters: AC_ECANCELED */
/* Closes the connection (if any); the running and queued queries, or the
 * connect, complete with `err`.  The object stays, unconnected. */
void ac_pg__disconnect(ac_pg *c, int err);
/* A frame that (re)connects the existing, unconnected `c`. */
void ac_pg__connect_into__init(struct ac_pg_connect__frame *f, ac_pg *c,
                               const char *conninfo);
/*
 * Gets a released connection ready for its next user: 0 when it is ready
 * now (idle outside a transaction, or unconnected); 1 when it needs time
 * (a cancelled query still draining, a transaction to roll back): then
 * ac_pg__pool_return(c) is called once it is ready.
 */
int ac_pg__settle(ac_pg *c);

/* conn.c: `sql` on one line (blanks squeezed), cut to fit cap with "..."
 * (cap >= 4), for task dumps. */
void ac_pg__sql_snippet(const char *sql, char *out, size_t cap);

/* pool.c: `c` (c->pool set) has settled; give it back. */
void ac_pg__pool_return(ac_pg *c);

#endif /* AC_PG_INTERNAL_H */
