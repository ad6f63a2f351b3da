/*
 * conn.c - connections and queries of <asyncc/pg.h> on libpq's nonblocking
 * API: ac_pg_connect, ac_pg_query, ac_pg_close, ac_pg_error.
 *
 * The socket.  Each connection keeps one uv_poll_t on its libpq socket for
 * its whole life (not one per wait, which would cost a loop iteration and
 * two epoll_ctl calls each time).  It watches READABLE always, WRITABLE
 * while libpq has output it could not send, and is unreferenced while the
 * connection is idle: an idle connection neither keeps the loop alive nor
 * hides a deadlock, yet a server that closes it (pg_terminate_backend, a
 * restart) is noticed at once instead of at the next query.  libpq closes
 * its socket by itself when the connection fails (and opens new ones while
 * connecting: another address, SSL refused), so after every libpq call
 * that may do that the handle is checked against PQsocket and replaced; a
 * handle must never be started on a descriptor libpq has since reused.
 *
 * Queries.  One runs at a time per connection; others queue in the order
 * they were awaited.  Each is sent with the extended protocol and text
 * parameters, by name when possible: the first time a connection sees an
 * SQL text it prepares it as ac_<n> (PQsendPrepare, one more round trip),
 * then and afterwards executes that (PQsendQueryPrepared), so the server
 * parses and plans it once per connection rather than per query.  The
 * cache holds CACHE_MAX texts per connection; beyond that, new texts run
 * unnamed (PQsendQueryParams).  Names are never reused, so a prepare that
 * was cancelled halfway cannot collide with a later one.
 *
 * Cancellation.  A cancelled query's await returns AC_ECANCELED at once;
 * the connection goes on in the background: it asks the server to cancel
 * the query, reads and discards what is left of its results, and only then
 * takes the next query (or goes back to its pool).  libpq 15 (Debian 12)
 * has only the blocking PQcancel, and keeps the backend's cancel key
 * private (PGcancel is opaque), so the cancel request cannot be written on
 * a socket of our own without reading libpq's private structs: PQcancel
 * runs on the libuv thread pool instead.  The connection also waits for
 * that request to finish before its next query: a cancel request that
 * arrives late must not hit the next query.  When the request cannot be
 * made, the connection is closed rather than left waiting for a query that
 * may run for hours (a pool opens a new one).
 *
 * Notices (e.g. "table does not exist, skipping") are discarded: libpq
 * would print them on stderr.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pg_internal.h"

/* Prepared statements kept per connection, and the table's slots. */
#define CACHE_MAX 256
#define CACHE_SLOTS 512 /* a power of two, > CACHE_MAX: probes terminate */

struct ac_pg__stmt {
    char *sql;     /* NULL: an empty slot                             */
    unsigned hash;
    unsigned id;   /* the statement is named ac_<id>; 0: not prepared */
};

struct ac_pg__watch {
    uv_poll_t h;
    ac_pg *c;      /* NULL once the handle is closing                  */
    int fd;
    ino_t ino;     /* tells a new socket from an old one with its fd   */
    int events;    /* what the handle was started with (0: stopped)    */
    int errors;    /* error reports in a row without progress          */
};

struct ac_pg__cancel {
    uv_work_t req;
    PGcancel *pc;
    ac_pg *c;      /* NULL once the connection has gone away          */
    int ok;
    char msg[256];
};

static _Thread_local ac_pg *conns; /* every live connection */

static void pg_shutdown(void);
static _Thread_local ac__shutdown_hook shutdown_hook = {.fn = pg_shutdown};

static void after_op(ac_pg *c);

/* ---- errors ------------------------------------------------------------------ */

void ac_pg__err_set(struct ac_pg__err *e, const char *text,
                    const char *sqlstate)
{
    size_t n = text != NULL ? strlen(text) : 0;
    while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == ' '))
        n--;
    char *t = malloc(n + 1);
    free(e->text);
    e->text = t;
    if (t != NULL) {
        memcpy(t, text, n);
        t[n] = '\0';
    }
    snprintf(e->sqlstate, sizeof e->sqlstate, "%s",
             sqlstate != NULL ? sqlstate : "");
}

const char *ac_pg__err_text(const struct ac_pg__err *e)
{
    if (e->text == NULL)
        return e->sqlstate[0] != '\0' ? "out of memory" : "";
    return e->text;
}

void ac_pg__err_free(struct ac_pg__err *e)
{
    free(e->text);
    e->text = NULL;
}

/* The error's text when libpq knows nothing better (its own message when
 * it does: PQerrorMessage). */
static void set_code_error(ac_pg *c, int err)
{
    ac_pg__err_set(&c->err, ac_strerror(err), NULL);
}

static void set_libpq_error(ac_pg *c)
{
    const char *m = c->conn != NULL ? PQerrorMessage(c->conn) : "";
    if (m[0] == '\0')
        m = ac_strerror(AC_EPGCONN);
    ac_pg__err_set(&c->err, m, NULL);
}

static void set_result_error(ac_pg *c, const PGresult *r)
{
    if (r == NULL) {
        set_libpq_error(c);
        return;
    }
    ac_pg__err_set(&c->err, PQresultErrorMessage(r),
                   PQresultErrorField(r, PG_DIAG_SQLSTATE));
}

const char *ac_pg_error(const ac_pg *c)
{
    if (c == NULL)
        return "no connection object (out of memory)";
    return ac_pg__err_text(&c->err);
}

const char *ac_pg_sqlstate(const ac_pg *c)
{
    return c != NULL ? c->err.sqlstate : "";
}

PGconn *ac_pg_conn(const ac_pg *c)
{
    return c != NULL ? c->conn : NULL;
}

/* ---- the socket ------------------------------------------------------------------ */

static void on_ready(uv_poll_t *h, int status, int events);

static void watch_closed(uv_handle_t *h)
{
    ac__handle_closed();
    free(h);
}

static void watch_close(ac_pg *c)
{
    struct ac_pg__watch *w = c->w;
    if (w == NULL)
        return;
    c->w = NULL;
    w->c = NULL;
    /* Stops it first, so libuv forgets the descriptor before libpq closes
     * it (or after: libuv ignores the failed epoll removal then). */
    uv_close((uv_handle_t *)&w->h, watch_closed);
}

static ino_t socket_inode(int fd)
{
    struct stat st;
    return fstat(fd, &st) == 0 ? st.st_ino : 0;
}

/* The handle for libpq's current socket, opened (or replaced) as needed. */
static int watch_socket(ac_pg *c, struct ac_pg__watch **out)
{
    int fd = PQsocket(c->conn);
    struct ac_pg__watch *w = c->w;
    if (fd < 0)
        return UV_EBADF;
    /* While connecting libpq may close a socket and open another that gets
     * the same number: only the inode tells them apart.  Afterwards it
     * never opens one. */
    if (w != NULL && (w->fd != fd || (c->op == AC_PG__CONNECT &&
                                      w->ino != socket_inode(fd)))) {
        watch_close(c);
        w = NULL;
    }
    if (w == NULL) {
        w = calloc(1, sizeof *w);
        if (w == NULL)
            return UV_ENOMEM;
        int r = uv_poll_init_socket(ac_loop(), &w->h, fd);
        if (r < 0) {
            free(w);
            return r;
        }
        ac__handle_opened();
        w->c = c;
        w->fd = fd;
        w->ino = socket_inode(fd);
        c->w = w;
    }
    *out = w;
    return 0;
}

/* Watch for `events`; the handle keeps the loop alive unless idle. */
static int watch(ac_pg *c, int events)
{
    struct ac_pg__watch *w;
    int r = watch_socket(c, &w);
    if (r < 0)
        return r;
    if (w->events != events) {
        r = uv_poll_start(&w->h, events, on_ready);
        if (r < 0)
            return r;
        w->events = events;
    }
    if (c->op == AC_PG__IDLE)
        uv_unref((uv_handle_t *)&w->h);
    else
        uv_ref((uv_handle_t *)&w->h);
    return 0;
}

/* ---- finishing waiters ------------------------------------------------------------- */

/* Completes a waiting leaf; during ac_run's shutdown the frames are
 * abandoned instead (nothing may run any more). */
static void finish(ac_coro *co, int *ret, int value)
{
    if (ac__closing())
        return;
    *ret = value;
    ac__leaf_finish(co);
}

static void queue_push(ac_pg *c, struct ac_pg_query__frame *f)
{
    f->next = NULL;
    if (c->qtail != NULL)
        c->qtail->next = f;
    else
        c->qhead = f;
    c->qtail = f;
}

static struct ac_pg_query__frame *queue_pop(ac_pg *c)
{
    struct ac_pg_query__frame *f = c->qhead;
    if (f != NULL) {
        c->qhead = f->next;
        if (c->qhead == NULL)
            c->qtail = NULL;
        f->next = NULL;
    }
    return f;
}

static void queue_remove(ac_pg *c, struct ac_pg_query__frame *f)
{
    struct ac_pg_query__frame **p = &c->qhead, *prev = NULL;
    while (*p != NULL && *p != f) {
        prev = *p;
        p = &(*p)->next;
    }
    if (*p == NULL)
        return;
    *p = f->next;
    if (c->qtail == f)
        c->qtail = prev;
    f->next = NULL;
}

/* ---- connection objects ----------------------------------------------------------- */

ac_pg *ac_pg__new(void)
{
    ac_pg *c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    c->stmt = -1;
    AC__LIST_PUSH(conns, c);
    ac__on_shutdown(&shutdown_hook);
    return c;
}

static void cancel_detach(ac_pg *c)
{
    if (c->cancel != NULL) {
        c->cancel->c = NULL; /* it frees itself when the thread is done */
        c->cancel = NULL;
    }
}

void ac_pg__disconnect(ac_pg *c, int err)
{
    struct ac_pg_query__frame *f;
    watch_close(c); /* before PQfinish closes the descriptor */
    cancel_detach(c);
    if (c->conn != NULL)
        PQfinish(c->conn);
    c->conn = NULL;
    PQclear(c->res);
    c->res = NULL;
    c->flushing = c->copy_out = c->copy_refused = c->preparing = 0;
    c->stmt = -1;
    for (unsigned i = 0; c->stmts != NULL && i < CACHE_SLOTS; i++)
        free(c->stmts[i].sql);
    free(c->stmts);
    c->stmts = NULL;
    c->nstmts = 0;
    c->op = AC_PG__IDLE;
    if (c->cf != NULL) {
        struct ac_pg_connect__frame *cf = c->cf;
        c->cf = NULL;
        finish(&cf->co, &cf->ret, err);
    }
    if (c->qf != NULL) {
        f = c->qf;
        c->qf = NULL;
        finish(&f->co, &f->ret, err);
    }
    while ((f = queue_pop(c)) != NULL)
        finish(&f->co, &f->ret, err);
}

void ac_pg__free(ac_pg *c)
{
    ac_pg__disconnect(c, AC_ECANCELED);
    AC__LIST_REMOVE(conns, c);
    ac_pg__err_free(&c->err);
    free(c);
}

/* The server or the network ended the connection (or we gave up on it):
 * everyone waiting learns AC_EPGCONN, the message says why. */
static void conn_lost(ac_pg *c)
{
    if (c->res != NULL && PQresultStatus(c->res) == PGRES_FATAL_ERROR)
        set_result_error(c, c->res); /* the server's last words */
    else
        set_libpq_error(c);
    ac_pg__disconnect(c, AC_EPGCONN);
    after_op(c);
}

static void pg_shutdown(void)
{
    while (conns != NULL)
        ac_pg__free(conns);
}

void ac_pg_close(ac_pg *c)
{
    if (c == NULL)
        return;
    ac__enter();
    if (c->pool != NULL) {
        set_code_error(c, AC_ECANCELED);
        ac_pg__disconnect(c, AC_ECANCELED);
        ac_pg__pool_return(c); /* an empty slot: the pool reconnects it */
    } else {
        ac_pg__free(c);
    }
    ac__leave();
}

/* ---- the statement cache ----------------------------------------------------------- */

static unsigned sql_hash(const char *s)
{
    unsigned h = 2166136261u; /* FNV-1a */
    for (; *s != '\0'; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

/* The slot of `sql` in the cache (prepared or not), or the free slot where
 * it would go; -1 when there is no room (or no table). */
static int stmt_slot(ac_pg *c, const char *sql, unsigned h)
{
    if (c->stmts == NULL) {
        c->stmts = calloc(CACHE_SLOTS, sizeof *c->stmts);
        if (c->stmts == NULL)
            return -1;
    }
    for (unsigned i = h & (CACHE_SLOTS - 1);; i = (i + 1) & (CACHE_SLOTS - 1)) {
        struct ac_pg__stmt *s = &c->stmts[i];
        if (s->sql == NULL)
            return c->nstmts < CACHE_MAX ? (int)i : -1;
        if (s->hash == h && strcmp(s->sql, sql) == 0)
            return (int)i;
    }
}

/* The prepare of slot c->stmt succeeded: remember it under prep_id. */
static void stmt_prepared(ac_pg *c, const char *sql)
{
    struct ac_pg__stmt *s = &c->stmts[c->stmt];
    if (s->sql == NULL) {
        s->sql = strdup(sql);
        if (s->sql == NULL)
            return; /* not cached; this one execution still works */
        s->hash = sql_hash(sql);
        c->nstmts++;
    }
    s->id = c->prep_id;
}

/* The server no longer has the cached statement, or no longer accepts its
 * plan (DEALLOCATE, DISCARD ALL; a table altered under SELECT *): forget
 * it, so that the text is prepared afresh.  Returns 1 when it did. */
static int stmt_forget_stale(ac_pg *c, const char *sqlstate)
{
    if (c->stmt < 0 || c->preparing || c->stmts[c->stmt].id == 0)
        return 0;
    if (strcmp(sqlstate, "26000") != 0 && strcmp(sqlstate, "0A000") != 0)
        return 0;
    c->stmts[c->stmt].id = 0;
    return 1;
}

/* ---- sending ----------------------------------------------------------------------- */

static void stmt_name(char *buf, size_t cap, unsigned id)
{
    snprintf(buf, cap, "ac_%u", id);
}

static int exec_prepared(ac_pg *c, unsigned id,
                         const struct ac_pg_query__frame *f)
{
    char name[16];
    stmt_name(name, sizeof name, id);
    return PQsendQueryPrepared(c->conn, name, f->nparams, f->params, NULL,
                               NULL, 0);
}

/* Puts the query (or its prepare) in libpq's output: 1, or 0 on error. */
static int send_query(ac_pg *c, const struct ac_pg_query__frame *f)
{
    unsigned h = sql_hash(f->sql);
    int slot = stmt_slot(c, f->sql, h);
    char name[16];

    c->stmt = slot;
    c->preparing = 0;
    if (slot < 0)
        return PQsendQueryParams(c->conn, f->sql, f->nparams, NULL,
                                 f->params, NULL, NULL, 0);
    if (c->stmts[slot].id != 0)
        return exec_prepared(c, c->stmts[slot].id, f);
    c->preparing = 1;
    c->prep_id = ++c->next_id;
    stmt_name(name, sizeof name, c->prep_id);
    return PQsendPrepare(c->conn, name, f->sql, f->nparams, NULL);
}

/* Sends what libpq could not send yet and watches for what comes next. */
static int flush_and_watch(ac_pg *c)
{
    int r = PQflush(c->conn);
    if (r < 0)
        return AC_EPGCONN;
    c->flushing = r;
    return watch(c, r ? UV_READABLE | UV_WRITABLE : UV_READABLE) < 0
               ? AC_EPGCONN
               : 0;
}

/*
 * Starts `f` on the idle connection `c`.  0: it runs, f waits in c->qf.
 * < 0: it failed at once; c is idle again (or disconnected), nobody was
 * finished: the caller completes f.
 */
static int query_start(ac_pg *c, struct ac_pg_query__frame *f)
{
    if (c->conn == NULL)
        return AC_EPGCONN;
    c->op = AC_PG__QUERY;
    c->qf = f;
    c->retried = 0;
    if (send_query(c, f) && flush_and_watch(c) == 0)
        return 0;
    c->qf = NULL;
    c->op = AC_PG__IDLE;
    if (PQstatus(c->conn) != CONNECTION_OK) {
        conn_lost(c); /* sets the message */
        return AC_EPGCONN;
    }
    set_libpq_error(c);
    /* Still connected, so libpq refused the query itself (e.g. too many
     * parameters): the connection is fine. */
    return AC_EPG;
}

/* ---- receiving --------------------------------------------------------------------- */

/* COPY is a sub-protocol ac_pg_query does not speak; the statement fails
 * rather than leaving the connection stuck in it.  Returns 0 while more
 * data is to come (wait for the socket). */
static int copy_discard(ac_pg *c)
{
    char *buf;
    int n;
    while ((n = PQgetCopyData(c->conn, &buf, 1)) > 0)
        PQfreemem(buf);
    if (n == 0)
        return 0;
    c->copy_out = 0;
    return 1;
}

/* One result of the running step: keep the first, or the first error. */
static void keep_result(ac_pg *c, PGresult *r)
{
    ExecStatusType st = PQresultStatus(r);
    if (st == PGRES_COPY_IN || st == PGRES_COPY_OUT || st == PGRES_COPY_BOTH) {
        c->copy_refused = 1;
        if (st == PGRES_COPY_IN) /* the server answers with an error */
            PQputCopyEnd(c->conn, "not supported by ac_pg_query");
        else
            c->copy_out = 1;
        PQclear(r);
        return;
    }
    if (c->res == NULL)
        c->res = r;
    else if (st == PGRES_FATAL_ERROR &&
             PQresultStatus(c->res) != PGRES_FATAL_ERROR) {
        PQclear(c->res);
        c->res = r;
    } else {
        PQclear(r);
    }
}

/* The running query failed: the message and the code for its waiter. */
static int query_error(ac_pg *c, const PGresult *r)
{
    ExecStatusType st = r != NULL ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (st == PGRES_EMPTY_QUERY)
        ac_pg__err_set(&c->err, "empty query", NULL);
    else if (c->copy_refused && st != PGRES_FATAL_ERROR)
        ac_pg__err_set(&c->err, "COPY is not supported by ac_pg_query", NULL);
    else
        set_result_error(c, r);
    stmt_forget_stale(c, c->err.sqlstate);
    return AC_EPG;
}

static int send_query(ac_pg *c, const struct ac_pg_query__frame *f);
static int flush_and_watch(ac_pg *c);

/* The cached statement went stale: both errors come before anything is
 * executed, so outside a transaction block the query is simply prepared
 * again and run, once.  (Inside one the failed statement has aborted the
 * transaction: the caller must see the error.)  1 when it was resent. */
static int retry_stale(ac_pg *c, const PGresult *r)
{
    const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    if (c->retried || state == NULL ||
        PQtransactionStatus(c->conn) != PQTRANS_IDLE ||
        !stmt_forget_stale(c, state))
        return 0;
    c->retried = 1;
    return send_query(c, c->qf) && flush_and_watch(c) == 0;
}

/* The running step's results are all in (PQgetResult gave NULL). */
static void step_done(ac_pg *c)
{
    struct ac_pg_query__frame *f = c->qf;
    PGresult *r = c->res;
    ExecStatusType st = r != NULL ? PQresultStatus(r) : PGRES_FATAL_ERROR;

    c->res = NULL;
    if (c->preparing && st == PGRES_COMMAND_OK && f != NULL) {
        /* Prepared: now execute it, while the frame still waits. */
        PQclear(r);
        c->preparing = 0;
        stmt_prepared(c, f->sql);
        if (!exec_prepared(c, c->prep_id, f) || flush_and_watch(c) < 0) {
            conn_lost(c);
            return;
        }
        return;
    }
    if (f != NULL && st == PGRES_FATAL_ERROR && r != NULL && retry_stale(c, r)) {
        PQclear(r);
        return;
    }
    if (f != NULL) {
        c->qf = NULL;
        if ((st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) &&
            !c->copy_refused) {
            *f->out = r;
            finish(&f->co, &f->ret, 0);
        } else {
            int err = query_error(c, r);
            PQclear(r);
            finish(&f->co, &f->ret, err);
        }
    } else {
        PQclear(r);
    }
    c->preparing = c->copy_refused = 0;
    c->op = c->cancel != NULL ? AC_PG__SETTLE : AC_PG__IDLE;
    after_op(c);
}

/* Read what arrived and collect results until libpq needs more input. */
static void collect(ac_pg *c)
{
    for (;;) {
        if (c->copy_out && !copy_discard(c))
            break;
        if (PQisBusy(c->conn))
            break;
        PGresult *r = PQgetResult(c->conn);
        if (r == NULL) {
            step_done(c);
            return;
        }
        keep_result(c, r);
    }
    if (PQstatus(c->conn) != CONNECTION_OK || flush_and_watch(c) < 0)
        conn_lost(c);
}

static void io_step(ac_pg *c, int events)
{
    if ((events & UV_READABLE) && !PQconsumeInput(c->conn)) {
        conn_lost(c);
        return;
    }
    collect(c);
}

/* Readable while idle: a notice, a notification, or the server closing. */
static void idle_step(ac_pg *c)
{
    PGnotify *n;
    if (!PQconsumeInput(c->conn) || PQstatus(c->conn) != CONNECTION_OK) {
        conn_lost(c);
        return;
    }
    while ((n = PQnotifies(c->conn)) != NULL)
        PQfreemem(n);
}

/* The connection has finished an operation, or lost its connection: the
 * next queued query starts, or a pool takes it back. */
static void after_op(ac_pg *c)
{
    struct ac_pg_query__frame *f;
    if (c->op != AC_PG__IDLE)
        return;
    while ((f = queue_pop(c)) != NULL) {
        int r = query_start(c, f);
        if (r == 0)
            return;
        finish(&f->co, &f->ret, r);
    }
    if (c->conn != NULL && watch(c, UV_READABLE) < 0) {
        conn_lost(c);
        return;
    }
    if (c->release_pending && !ac__closing()) {
        c->release_pending = 0;
        ac_pg__pool_return(c);
    }
}

/* ---- connecting -------------------------------------------------------------------- */

static void ignore_notice(void *arg, const PGresult *r)
{
    (void)arg;
    (void)r;
}

static void connect_done(ac_pg *c, int err)
{
    struct ac_pg_connect__frame *f = c->cf;
    if (err == 0 && PQsetnonblocking(c->conn, 1) != 0)
        err = AC_EPGCONN;
    if (err == 0) {
        c->op = AC_PG__IDLE;
        if (watch(c, UV_READABLE) < 0)
            err = AC_EPGCONN;
    }
    if (err < 0) {
        set_libpq_error(c);
        ac_pg__disconnect(c, err); /* finishes f */
        return;
    }
    c->cf = NULL;
    finish(&f->co, &f->ret, 0);
    after_op(c); /* queries that were queued meanwhile */
}

static void connect_step(ac_pg *c)
{
    int r;
    switch (PQconnectPoll(c->conn)) {
    case PGRES_POLLING_READING:
        r = watch(c, UV_READABLE);
        break;
    case PGRES_POLLING_WRITING:
        r = watch(c, UV_WRITABLE);
        break;
    case PGRES_POLLING_OK:
        connect_done(c, 0);
        return;
    default:
        connect_done(c, AC_EPGCONN);
        return;
    }
    if (r < 0)
        connect_done(c, AC_EPGCONN);
}

/* Starts connecting `c` for `f`: 0 when under way (f waits in c->cf),
 * < 0 when it failed at once (the message is set). */
static int connect_start(ac_pg *c, struct ac_pg_connect__frame *f)
{
    c->conn = PQconnectStart(f->conninfo);
    if (c->conn == NULL) {
        set_code_error(c, UV_ENOMEM);
        return UV_ENOMEM;
    }
    PQsetNoticeReceiver(c->conn, ignore_notice, NULL);
    if (PQstatus(c->conn) == CONNECTION_BAD) {
        set_libpq_error(c);
        ac_pg__disconnect(c, AC_EPGCONN);
        return AC_EPGCONN;
    }
    c->op = AC_PG__CONNECT;
    /* Before the first PQconnectPoll, libpq wants writability. */
    int r = watch(c, UV_WRITABLE);
    if (r < 0) {
        set_code_error(c, r);
        ac_pg__disconnect(c, AC_EPGCONN);
        return AC_EPGCONN;
    }
    c->cf = f;
    return 0;
}

/* ---- the socket's events ----------------------------------------------------------- */

static void on_ready(uv_poll_t *h, int status, int events)
{
    struct ac_pg__watch *w = (struct ac_pg__watch *)h;
    ac_pg *c = w->c;
    if (c == NULL)
        return;
    if (status < 0) {
        /* libuv stopped the handle (POLLERR).  libpq finds out what went
         * wrong when it next touches the socket; let it, but give up if
         * that keeps happening without libpq noticing. */
        w->events = 0;
        events = UV_READABLE | UV_WRITABLE;
        if (++w->errors > 3) {
            ac__enter();
            set_code_error(c, status);
            ac_pg__disconnect(c, AC_EPGCONN);
            after_op(c);
            ac__leave();
            return;
        }
    } else {
        w->errors = 0;
    }
    ac__enter();
    switch (c->op) {
    case AC_PG__CONNECT:
        connect_step(c);
        break;
    case AC_PG__QUERY:
    case AC_PG__DRAIN:
    case AC_PG__SETTLE:
        io_step(c, events);
        break;
    case AC_PG__IDLE:
        idle_step(c);
        break;
    }
    ac__leave();
}

/* ---- cancel requests ----------------------------------------------------------------- */

static void cancel_work(uv_work_t *req)
{
    struct ac_pg__cancel *k = AC__CONTAINER_OF(req, struct ac_pg__cancel, req);
    k->ok = PQcancel(k->pc, k->msg, sizeof k->msg);
}

static void cancel_after(uv_work_t *req, int status)
{
    struct ac_pg__cancel *k = AC__CONTAINER_OF(req, struct ac_pg__cancel, req);
    ac_pg *c = k->c;
    int ok = status == 0 && k->ok;
    char msg[sizeof k->msg + 40];

    snprintf(msg, sizeof msg, "the cancel request failed: %s", k->msg);
    PQfreeCancel(k->pc);
    free(k);
    if (c == NULL || ac__closing())
        return;
    c->cancel = NULL;
    ac__enter();
    if (!ok) {
        ac_pg__err_set(&c->err, msg, NULL);
        ac_pg__disconnect(c, AC_EPGCONN);
        after_op(c);
    } else if (c->op == AC_PG__SETTLE) {
        c->op = AC_PG__IDLE; /* drained already */
        after_op(c);
    }
    ac__leave();
}

/* Asks the server to cancel the running query; 0, or < 0 when the request
 * could not even be started. */
static int cancel_send(ac_pg *c)
{
    struct ac_pg__cancel *k = calloc(1, sizeof *k);
    int r = UV_ENOMEM;
    if (k != NULL && (k->pc = PQgetCancel(c->conn)) != NULL) {
        r = uv_queue_work(ac_loop(), &k->req, cancel_work, cancel_after);
        if (r == 0) {
            k->c = c;
            c->cancel = k;
            return 0;
        }
        PQfreeCancel(k->pc);
    }
    free(k);
    return r;
}

/* ---- what task dumps show ---------------------------------------------------- */

void ac_pg__sql_snippet(const char *sql, char *out, size_t cap)
{
    size_t n = 0;
    for (const char *s = sql; *s != '\0'; s++) {
        int blank = (unsigned char)*s <= ' '; /* line breaks, tabs: one space */
        if (blank && (n == 0 || out[n - 1] == ' '))
            continue;
        if (n + 4 >= cap) {
            if (((unsigned char)*s & 0xC0) == 0x80) { /* inside a UTF-8 character */
                while (n > 0 && ((unsigned char)out[n - 1] & 0xC0) == 0x80)
                    n--;
                n -= n > 0; /* its first byte */
            }
            memcpy(out + n, "...", 3);
            n += 3;
            break;
        }
        out[n++] = blank ? ' ' : *s;
    }
    n -= n > 0 && out[n - 1] == ' ';
    out[n] = '\0';
}

/* ---- ac_pg_query --------------------------------------------------------------------- */

static void query_cancel(ac_coro *co)
{
    struct ac_pg_query__frame *f = (struct ac_pg_query__frame *)co;
    ac_pg *c = f->c;

    if (c->qf != f) { /* still queued */
        queue_remove(c, f);
        finish(co, &f->ret, AC_ECANCELED);
        return;
    }
    c->qf = NULL;
    c->op = AC_PG__DRAIN;
    set_code_error(c, AC_ECANCELED);
    finish(co, &f->ret, AC_ECANCELED);
    int r = cancel_send(c);
    if (r < 0) {
        set_code_error(c, r);
        ac_pg__disconnect(c, AC_EPGCONN);
        after_op(c);
    }
}

static void query_resume(ac_coro *co)
{
    struct ac_pg_query__frame *f = (struct ac_pg_query__frame *)co;
    ac_pg *c = f->c;
    int r;

    if (co->state != 0) {
        ac_return(co);
        return;
    }
    if (f->out != NULL)
        *f->out = NULL;
    if (ac_task_cancelled(co->task))
        r = AC_ECANCELED;
    else if (c == NULL || f->out == NULL || f->sql == NULL || f->nparams < 0 ||
             (f->nparams > 0 && f->params == NULL))
        r = UV_EINVAL;
    else if (c->conn == NULL)
        r = AC_EPGCONN; /* the message says why there is none */
    else if (c->op != AC_PG__IDLE || c->qhead != NULL) {
        queue_push(c, f);
        r = 0;
    } else {
        r = query_start(c, f);
    }
    if (r < 0) {
        f->ret = r;
        ac_return(co);
        return;
    }
    ac_leaf_wait(co, query_cancel);
    co->state = 1;
}

static int query_describe(const ac_coro *co, char *buf, size_t cap)
{
    const struct ac_pg_query__frame *f = (const struct ac_pg_query__frame *)co;
    char sql[64];
    ac_pg__sql_snippet(f->sql, sql, sizeof sql);
    return snprintf(buf, cap, "%s: %s", f->c->qf == f ? "running" : "queued", sql);
}
AC__LEAF_INFO(query_resume, "ac_pg_query", query_describe)

void ac_pg_query__init(struct ac_pg_query__frame *f, ac_pg *c, PGresult **out,
                       const char *sql, int nparams,
                       const char *const *params)
{
    ac__coro_init(&f->co, query_resume);
    f->ret = 0;
    f->c = c;
    f->out = out;
    f->sql = sql;
    f->nparams = nparams;
    f->params = params;
    f->next = NULL;
}

/* ---- ac_pg_connect ------------------------------------------------------------------- */

static void connect_cancel(ac_coro *co)
{
    struct ac_pg_connect__frame *f = (struct ac_pg_connect__frame *)co;
    set_code_error(f->c, AC_ECANCELED);
    ac_pg__disconnect(f->c, AC_ECANCELED); /* finishes f */
}

static void connect_resume(ac_coro *co)
{
    struct ac_pg_connect__frame *f = (struct ac_pg_connect__frame *)co;
    int r;

    if (co->state != 0) {
        ac_return(co);
        return;
    }
    if (f->c == NULL) { /* ac_pg_connect: a new object */
        if (f->out == NULL || (*f->out = f->c = ac_pg__new()) == NULL) {
            f->ret = f->out == NULL ? UV_EINVAL : UV_ENOMEM;
            ac_return(co);
            return;
        }
    }
    if (ac_task_cancelled(co->task))
        r = AC_ECANCELED;
    else if (f->conninfo == NULL || ac_loop() == NULL || f->c->conn != NULL)
        r = UV_EINVAL;
    else
        r = connect_start(f->c, f);
    if (r < 0) {
        if (r == AC_ECANCELED || r == UV_EINVAL)
            set_code_error(f->c, r);
        f->ret = r;
        ac_return(co);
        return;
    }
    ac_leaf_wait(co, connect_cancel);
    co->state = 1;
}

/* Not the conninfo: it may hold a password. */
static int connect_describe(const ac_coro *co, char *buf, size_t cap)
{
    const PGconn *conn = ((const struct ac_pg_connect__frame *)co)->c->conn;
    const char *host = PQhost(conn), *port = PQport(conn), *db = PQdb(conn);
    return snprintf(buf, cap, "host %s, port %s, db %s", host != NULL ? host : "",
                    port != NULL ? port : "", db != NULL ? db : "");
}
AC__LEAF_INFO(connect_resume, "ac_pg_connect", connect_describe)

void ac_pg_connect__init(struct ac_pg_connect__frame *f, ac_pg **out,
                         const char *conninfo)
{
    ac__coro_init(&f->co, connect_resume);
    f->ret = 0;
    f->out = out;
    f->conninfo = conninfo;
    f->c = NULL;
}

void ac_pg__connect_into__init(struct ac_pg_connect__frame *f, ac_pg *c,
                               const char *conninfo)
{
    ac_pg_connect__init(f, NULL, conninfo);
    f->c = c;
}

/* ---- settling a released pool connection ----------------------------------------------- */

int ac_pg__settle(ac_pg *c)
{
    if (c->conn == NULL)
        return 0;
    if (c->op != AC_PG__IDLE || c->qhead != NULL) {
        c->release_pending = 1; /* after_op brings it back */
        return 1;
    }
    switch (PQtransactionStatus(c->conn)) {
    case PQTRANS_IDLE:
        return 0;
    case PQTRANS_INTRANS:
    case PQTRANS_INERROR:
        /* A transaction left open must not leak into the next user's
         * queries: roll it back in the background. */
        c->op = AC_PG__DRAIN;
        c->release_pending = 1;
        if (PQsendQuery(c->conn, "ROLLBACK") && flush_and_watch(c) == 0)
            return 1;
        c->release_pending = 0;
        set_libpq_error(c);
        ac_pg__disconnect(c, AC_EPGCONN);
        return 0;
    default: /* busy or broken: start afresh */
        set_libpq_error(c);
        ac_pg__disconnect(c, AC_EPGCONN);
        return 0;
    }
}
