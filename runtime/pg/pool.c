/*
 * pool.c - the connection pool of <asyncc/pg.h>: ac_pg_pool_init,
 * ac_pg_pool_acquire, ac_pg_pool_release, ac_pg_pool_query,
 * ac_pg_pool_close.
 *
 * A pool has at most `size` connections ("slots": ac_pg objects with
 * c->pool set).  They are opened lazily, by the task that acquires a slot
 * that has no connection (yet, or any more), so a pool of 20 used by one
 * task at a time keeps one connection.  Idle slots wait on a list, most
 * recently used first (its caches are warm), broken ones last.  Tasks that
 * find no slot wait in a FIFO (the runtime's ac_waitq); a released slot is
 * handed straight to the oldest waiter, so a task that comes later cannot
 * overtake the queue.
 *
 * A released connection goes back only once it is clean: a cancelled query
 * still draining, or a transaction left open (rolled back in the
 * background), keeps it out of the list until then (conn.c, ac_pg__settle).
 * A broken one goes back unconnected and is reconnected by its next user,
 * which is how the pool replaces connections the server killed.
 */
#include <stdlib.h>
#include <string.h>

#include "pg_internal.h"

struct ac_pg_pool {
    char *conninfo;
    int size;
    int nslots;          /* slots that exist: idle, in use, or settling   */
    ac_pg *idle;         /* idle slots (c->pool_next)                     */
    ac_waitq waiters;    /* acquire frames waiting for a slot             */
    int closing;
    struct ac_pg_pool_close__frame *closer; /* waits for the last slot    */
    struct ac_pg__err err;
    ac_pg_pool *prev, *next; /* every live pool                           */
};

static _Thread_local ac_pg_pool *pools;

static void pool_shutdown(void);
static _Thread_local ac__shutdown_hook shutdown_hook = {.fn = pool_shutdown};

const char *ac_pg_pool_error(const ac_pg_pool *p)
{
    return p != NULL ? ac_pg__err_text(&p->err) : "no pool";
}

const char *ac_pg_pool_sqlstate(const ac_pg_pool *p)
{
    return p != NULL ? p->err.sqlstate : "";
}

static void copy_error(ac_pg_pool *p, const ac_pg *c)
{
    ac_pg__err_set(&p->err, ac_pg_error(c), ac_pg_sqlstate(c));
}

/* ---- the pool object ------------------------------------------------------ */

int ac_pg_pool_init(ac_pg_pool **out, const char *conninfo, int size)
{
    ac_pg_pool *p;
    if (out == NULL)
        return UV_EINVAL;
    *out = NULL;
    if (conninfo == NULL || size < 1 || ac_loop() == NULL)
        return UV_EINVAL;
    p = calloc(1, sizeof *p);
    if (p == NULL || (p->conninfo = strdup(conninfo)) == NULL) {
        free(p);
        return UV_ENOMEM;
    }
    p->size = size;
    AC__LIST_PUSH(pools, p);
    ac__on_shutdown(&shutdown_hook);
    *out = p;
    return 0;
}

static void pool_free(ac_pg_pool *p)
{
    AC__LIST_REMOVE(pools, p);
    ac_pg__err_free(&p->err);
    free(p->conninfo);
    free(p);
}

/* At the end of ac_run: the connections are conn.c's to free (its hook may
 * have run already), waiting frames are abandoned. */
static void pool_shutdown(void)
{
    while (pools != NULL)
        pool_free(pools);
}

static void slot_free(ac_pg_pool *p, ac_pg *c)
{
    ac_pg__free(c);
    p->nslots--;
    if (p->closing && p->nslots == 0) {
        struct ac_pg_pool_close__frame *f = p->closer;
        pool_free(p);
        if (f != NULL) {
            f->ret = 0;
            ac__leaf_finish(&f->co);
        }
    }
}

static ac_pg *slot_new(ac_pg_pool *p)
{
    ac_pg *c = ac_pg__new();
    if (c != NULL) {
        c->pool = p;
        p->nslots++;
    }
    return c;
}

/* Onto the idle list: first when connected, last when not. */
static void idle_push(ac_pg_pool *p, ac_pg *c)
{
    ac_pg **at = &p->idle;
    if (c->conn == NULL)
        while (*at != NULL)
            at = &(*at)->pool_next;
    c->pool_next = *at;
    *at = c;
}

/* A settled slot is free again: to the oldest waiter, or the idle list. */
static void pool_put(ac_pg_pool *p, ac_pg *c)
{
    ac_waitq_node *n;
    if (p->closing) {
        slot_free(p, c);
        return;
    }
    n = ac__waitq_pop(&p->waiters);
    if (n == NULL) {
        idle_push(p, c);
        return;
    }
    struct ac_pg_pool_acquire__frame *f =
        AC__CONTAINER_OF(n, struct ac_pg_pool_acquire__frame, node);
    f->slot = c;
    f->ret = 0;
    ac__leaf_finish(&f->co);
}

void ac_pg__pool_return(ac_pg *c)
{
    if (!ac_pg__settle(c))
        pool_put(c->pool, c);
}

void ac_pg_pool_release(ac_pg_pool *p, ac_pg *c)
{
    if (p == NULL || c == NULL || c->pool != p)
        return;
    ac__enter(); /* woken waiters run after the lists are consistent */
    ac_pg__pool_return(c);
    ac__leave();
}

/* ---- ac_pg_pool_acquire ------------------------------------------------------- */

static void acquire_cancel(ac_coro *co)
{
    struct ac_pg_pool_acquire__frame *f = (struct ac_pg_pool_acquire__frame *)co;
    ac__waitq_remove(&f->p->waiters, &f->node);
    ac_pg__err_set(&f->p->err, ac_strerror(AC_ECANCELED), NULL);
    f->ret = AC_ECANCELED;
    ac__leaf_finish(co);
}

/* State 0: a slot at once (0; f->slot), an error (< 0), or wait (1: f is
 * on the queue). */
static int acquire_begin(struct ac_pg_pool_acquire__frame *f)
{
    ac_pg_pool *p = f->p;
    if (ac_task_cancelled(f->co.task))
        return AC_ECANCELED;
    if (p == NULL || f->out == NULL)
        return UV_EINVAL;
    if (p->closing)
        return AC_ECANCELED;
    if (p->idle != NULL) {
        f->slot = p->idle;
        p->idle = f->slot->pool_next;
        f->slot->pool_next = NULL;
        return 0;
    }
    if (p->nslots < p->size)
        return (f->slot = slot_new(p)) != NULL ? 0 : UV_ENOMEM;
    ac__waitq_push(&p->waiters, &f->node, &f->co);
    ac_leaf_wait(&f->co, acquire_cancel);
    return 1;
}

/* Gives the slot back on a failed or cancelled acquire. */
static void acquire_fail(struct ac_pg_pool_acquire__frame *f, int err)
{
    ac_pg *c = f->slot;
    f->slot = NULL;
    if (err != AC_ECANCELED)
        copy_error(f->p, c);
    else
        ac_pg__err_set(&f->p->err, ac_strerror(err), NULL);
    f->ret = err;
    ac_pg_pool_release(f->p, c);
}

static void acquire_done(struct ac_pg_pool_acquire__frame *f)
{
    *f->out = f->slot;
    f->ret = 0;
}

/*
 * State 0 takes a slot or queues; state 1 (woken by pool_put with a slot,
 * or by close_start with an error) checks it: a slot without a live
 * connection is connected here, in the acquiring task (state 2).
 */
static void acquire_resume(ac_coro *co)
{
    struct ac_pg_pool_acquire__frame *f = (struct ac_pg_pool_acquire__frame *)co;

    if (co->state == 0) {
        if (f->out != NULL)
            *f->out = NULL;
        int r = acquire_begin(f);
        if (r == 1) {
            co->state = 1;
            return;
        }
        f->ret = r;
    }
    if (co->state <= 1) {
        if (f->ret < 0) {
            ac_return(co);
            return;
        }
        if (ac_task_cancelled(co->task)) {
            /* Handed a slot, then cancelled before running: keep
             * nothing. */
            acquire_fail(f, AC_ECANCELED);
            ac_return(co);
            return;
        }
        ac_pg *c = f->slot;
        if (c->conn != NULL && PQstatus(c->conn) == CONNECTION_OK) {
            acquire_done(f);
            ac_return(co);
            return;
        }
        ac_pg__disconnect(c, AC_EPGCONN); /* what is left of a broken one */
        ac_pg__connect_into__init(&f->connect, c, f->p->conninfo);
        if (ac_await(co, &f->connect.co, 2))
            return;
    }
    if (f->connect.ret < 0)
        acquire_fail(f, f->connect.ret);
    else
        acquire_done(f);
    ac_return(co);
}

static int acquire_describe(const ac_coro *co, char *buf, size_t cap)
{
    const struct ac_pg_pool_acquire__frame *f = (const struct ac_pg_pool_acquire__frame *)co;
    size_t waiting = 0;
    if (co->state == 2) /* awaiting the connect of its slot, which says where */
        return snprintf(buf, cap, "opening a connection");
    for (const ac_waitq_node *n = f->p->waiters.head; n != NULL; n = n->next)
        waiting++;
    return snprintf(buf, cap, "%d of %d connections busy, %zu task%s waiting", f->p->nslots,
                    f->p->size, waiting, waiting == 1 ? "" : "s");
}
AC__LEAF_INFO(acquire_resume, "ac_pg_pool_acquire", acquire_describe)

void ac_pg_pool_acquire__init(struct ac_pg_pool_acquire__frame *f,
                              ac_pg_pool *p, ac_pg **out)
{
    ac__coro_init(&f->co, acquire_resume);
    f->ret = 0;
    f->p = p;
    f->out = out;
    f->slot = NULL;
}

/* ---- ac_pg_pool_query ------------------------------------------------------------ */

static void pool_query_resume(ac_coro *co)
{
    struct ac_pg_pool_query__frame *f = (struct ac_pg_pool_query__frame *)co;
    int r;

    switch (co->state) {
    case 0:
        if (f->out != NULL)
            *f->out = NULL;
        if (f->out == NULL) {
            f->ret = UV_EINVAL;
            break;
        }
        ac_pg_pool_acquire__init(&f->sub.acquire, f->p, &f->c);
        if (ac_await(co, &f->sub.acquire.co, 1))
            return;
        /* fall through */
    case 1:
        if (f->sub.acquire.ret < 0) {
            f->ret = f->sub.acquire.ret;
            break;
        }
        ac_pg_query__init(&f->sub.query, f->c, f->out, f->sql, f->nparams,
                          f->params);
        if (ac_await(co, &f->sub.query.co, 2))
            return;
        /* fall through */
    case 2:
        r = f->sub.query.ret;
        if (r < 0)
            copy_error(f->p, f->c);
        ac_pg_pool_release(f->p, f->c);
        f->c = NULL;
        f->ret = r;
        break;
    }
    ac_return(co);
}

/* Awaits an acquire, then a query: the SQL says which while it acquires. */
static int pool_query_describe(const ac_coro *co, char *buf, size_t cap)
{
    char sql[64];
    ac_pg__sql_snippet(((const struct ac_pg_pool_query__frame *)co)->sql, sql, sizeof sql);
    return snprintf(buf, cap, "%s", sql);
}
AC__LEAF_INFO(pool_query_resume, "ac_pg_pool_query", pool_query_describe)

void ac_pg_pool_query__init(struct ac_pg_pool_query__frame *f, ac_pg_pool *p,
                            PGresult **out, const char *sql, int nparams,
                            const char *const *params)
{
    ac__coro_init(&f->co, pool_query_resume);
    f->ret = 0;
    f->p = p;
    f->out = out;
    f->sql = sql;
    f->nparams = nparams;
    f->params = params;
    f->c = NULL;
}

/* ---- ac_pg_pool_close ------------------------------------------------------------- */

static void close_cancel(ac_coro *co)
{
    struct ac_pg_pool_close__frame *f = (struct ac_pg_pool_close__frame *)co;
    f->p->closer = NULL; /* the pool still goes once every slot is back */
    f->ret = AC_ECANCELED;
    ac__leaf_finish(co);
}

/* Refuses new users, fails the waiting ones, closes the idle slots.
 * Returns 1 when the pool is gone already. */
static int close_start(ac_pg_pool *p)
{
    ac_waitq_node *n;
    p->closing = 1;
    ac__enter();
    while ((n = ac__waitq_pop(&p->waiters)) != NULL) {
        struct ac_pg_pool_acquire__frame *f =
            AC__CONTAINER_OF(n, struct ac_pg_pool_acquire__frame, node);
        f->ret = AC_ECANCELED;
        ac__leaf_finish(&f->co);
    }
    while (p->idle != NULL) {
        ac_pg *c = p->idle;
        p->idle = c->pool_next;
        ac_pg__free(c);
        p->nslots--;
    }
    ac__leave();
    if (p->nslots > 0)
        return 0;
    pool_free(p);
    return 1;
}

static void close_resume(ac_coro *co)
{
    struct ac_pg_pool_close__frame *f = (struct ac_pg_pool_close__frame *)co;

    if (co->state != 0) {
        ac_return(co);
        return;
    }
    if (f->p == NULL || f->p->closing) {
        f->ret = UV_EINVAL;
    } else {
        /* Even a cancelled task closes (cleanup must not leak); it just
         * does not wait. */
        int gone = close_start(f->p);
        if (ac_task_cancelled(co->task))
            f->ret = AC_ECANCELED;
        else if (!gone) {
            f->p->closer = f;
            ac_leaf_wait(co, close_cancel);
            co->state = 1;
            return;
        }
    }
    ac_return(co);
}

static int close_describe(const ac_coro *co, char *buf, size_t cap)
{
    const struct ac_pg_pool_close__frame *f = (const struct ac_pg_pool_close__frame *)co;
    return snprintf(buf, cap, "%d connections still in use", f->p->nslots);
}
AC__LEAF_INFO(close_resume, "ac_pg_pool_close", close_describe)

void ac_pg_pool_close__init(struct ac_pg_pool_close__frame *f, ac_pg_pool *p)
{
    ac__coro_init(&f->co, close_resume);
    f->ret = 0;
    f->p = p;
}
