/*
 * sync.c - coordination between tasks: ac_queue, ac_sem, ac_event.
 *
 * All three keep their waiters on an intrusive FIFO (ac_waitq) whose nodes
 * live in the waiting leaf's frame, so waiting allocates nothing.  A waker
 * hands the waiter what it waited for (an item, a slot, a permit) at the
 * moment it wakes it and unlinks it; the waiter's resume only returns.  So
 * a wake-up can never be lost to a third task that runs in between, and a
 * cancellation that arrives after the hand-off finds no leaf registered
 * (ac__leaf_finish cleared it) and cannot take the item back out.
 *
 * ac_queue_close only stops the puts: the items already queued stay there
 * for the getters, and AC_ECLOSED comes once the queue is empty.
 *
 * Every function that may wake coroutines from plain C (release, set,
 * close, destroy) brackets itself with ac__enter/ac__leave: the woken coroutines
 * run only after the waiter list is consistent again.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* ---- the waiter list ------------------------------------------------------ */

void ac__waitq_push(ac_waitq *q, ac_waitq_node *n, ac_coro *co)
{
    n->co = co;
    n->next = NULL;
    n->prev = q->tail;
    if (q->tail != NULL)
        q->tail->next = n;
    else
        q->head = n;
    q->tail = n;
}

void ac__waitq_remove(ac_waitq *q, ac_waitq_node *n)
{
    if (n->prev != NULL)
        n->prev->next = n->next;
    else
        q->head = n->next;
    if (n->next != NULL)
        n->next->prev = n->prev;
    else
        q->tail = n->prev;
    n->prev = n->next = NULL;
}

ac_waitq_node *ac__waitq_pop(ac_waitq *q)
{
    ac_waitq_node *n = q->head;
    if (n != NULL)
        ac__waitq_remove(q, n);
    return n;
}

/*
 * Every waiting frame below has the layout { ac_coro co; int ret; ... }, so
 * a woken waiter's result is written through this view of it.
 */
struct ac__wait_result {
    ac_coro co;
    int ret;
};

static void wake_with(ac_waitq_node *n, int ret)
{
    ((struct ac__wait_result *)n->co)->ret = ret;
    ac__leaf_finish(n->co);
}

/* Complete every waiter of q with `ret` (used by close and destroy). */
static void wake_all(ac_waitq *q, int ret)
{
    ac_waitq_node *n;
    while ((n = ac__waitq_pop(q)) != NULL)
        wake_with(n, ret);
}

/* The common start of every leaf here: a cancelled task returns at once. */
static int start_cancelled(ac_coro *co, int *ret)
{
    if (!ac_task_cancelled(co->task))
        return 0;
    *ret = AC_ECANCELED;
    ac_return(co);
    return 1;
}

/* Suspend `co` on q with `cancel` as its hook. */
static void suspend_on(ac_waitq *q, ac_waitq_node *n, ac_coro *co,
                       ac_cancel_fn cancel)
{
    ac__waitq_push(q, n, co);
    ac_leaf_wait(co, cancel);
    co->state = 1;
}

/* "N tasks" waiting on q, for a dump: counted up to WAITQ_COUNTED (a dump
 * of a million tasks on one queue must not take a million squared steps). */
#define WAITQ_COUNTED 1000
static const char *waitq_count(const ac_waitq *q, const char *what, char *buf, size_t cap)
{
    size_t n = 0;
    const ac_waitq_node *w = q->head;
    for (; w != NULL && n < WAITQ_COUNTED; w = w->next)
        n++;
    snprintf(buf, cap, "%zu%s %s%s", n, w != NULL ? "+" : "", what, n == 1 ? "" : "s");
    return buf;
}

/* ---- ac_queue -------------------------------------------------------------- */

void ac_queue_init(ac_queue *q, size_t capacity)
{
    memset(q, 0, sizeof *q);
    q->limit = capacity;
}

size_t ac_queue_size(const ac_queue *q)
{
    return q->count;
}

void ac_queue_destroy(ac_queue *q)
{
    ac__enter();
    wake_all(&q->getters, AC_ECANCELED);
    wake_all(&q->putters, AC_ECANCELED);
    free(q->items);
    q->items = NULL;
    q->cap = q->head = q->count = 0;
    ac__leave();
}

void ac_queue_close(ac_queue *q)
{
    /* Waiting putters fail (their items were never queued).  Getters wait
     * only while the queue is empty, so any that wait now get nothing more:
     * they fail too.  Bracketed: they run once the lists are empty. */
    ac__enter();
    q->closed = 1;
    wake_all(&q->putters, AC_ECLOSED);
    wake_all(&q->getters, AC_ECLOSED);
    ac__leave();
}

/* Make room for one more item; the ring is unrolled so head becomes 0. */
static int queue_grow(ac_queue *q)
{
    size_t ncap = q->cap ? q->cap * 2 : 16;
    void **n;
    if (q->limit != 0 && ncap > q->limit)
        ncap = q->limit;
    n = malloc(ncap * sizeof *n);
    if (n == NULL)
        return UV_ENOMEM;
    for (size_t i = 0; i < q->count; i++)
        n[i] = q->items[(q->head + i) % q->cap];
    free(q->items);
    q->items = n;
    q->cap = ncap;
    q->head = 0;
    return 0;
}

static int queue_push_item(ac_queue *q, void *item)
{
    if (q->count == q->cap) {
        int err = queue_grow(q);
        if (err < 0)
            return err;
    }
    q->items[(q->head + q->count) % q->cap] = item;
    q->count++;
    return 0;
}

static void *queue_pop_item(ac_queue *q)
{
    void *item = q->items[q->head];
    q->head = (q->head + 1) % q->cap;
    q->count--;
    return item;
}

static int queue_full(const ac_queue *q)
{
    return q->limit != 0 && q->count >= q->limit;
}

static void queue_put_cancel(ac_coro *co)
{
    struct ac_queue_put__frame *f = (struct ac_queue_put__frame *)co;
    ac__waitq_remove(&f->q->putters, &f->node);
    f->ret = AC_ECANCELED;
    ac__leaf_finish(co);
}

static void queue_put_resume(ac_coro *co)
{
    struct ac_queue_put__frame *f = (struct ac_queue_put__frame *)co;
    ac_queue *q = f->q;
    ac_waitq_node *g;

    if (co->state != 0) {
        ac_return(co); /* the getter that made room stored the item */
        return;
    }
    if (start_cancelled(co, &f->ret))
        return;
    if (q->closed) {
        f->ret = AC_ECLOSED;
    } else if ((g = ac__waitq_pop(&q->getters)) != NULL) {
        /* A getter waits, so the queue is empty: hand the item over. */
        struct ac_queue_get__frame *gf = (struct ac_queue_get__frame *)g->co;
        *gf->item = f->item;
        wake_with(g, 0);
        f->ret = 0;
    } else if (!queue_full(q)) {
        f->ret = queue_push_item(q, f->item);
    } else {
        suspend_on(&q->putters, &f->node, co, queue_put_cancel);
        return;
    }
    ac_return(co);
}

/* What a waiting put or get shows: the queue and who waits on it. */
static int queue_describe(const ac_queue *q, const ac_waitq *w, const char *who,
                          char *buf, size_t cap)
{
    char limit[32] = ""; /* none: unbounded */
    if (q->limit != 0)
        snprintf(limit, sizeof limit, "/%zu", q->limit);
    char n[48];
    return snprintf(buf, cap, "queue of %zu%s items, %s waiting%s", q->count, limit,
                    waitq_count(w, who, n, sizeof n), q->closed ? ", closed" : "");
}

static int queue_put_describe(const ac_coro *co, char *buf, size_t cap)
{
    const struct ac_queue_put__frame *f = (const struct ac_queue_put__frame *)co;
    return queue_describe(f->q, &f->q->putters, "putter", buf, cap);
}
AC__LEAF_INFO(queue_put_resume, "ac_queue_put", queue_put_describe)

void ac_queue_put__init(struct ac_queue_put__frame *f, ac_queue *q,
                        void *item)
{
    ac__coro_init(&f->co, queue_put_resume);
    f->ret = 0;
    f->q = q;
    f->item = item;
}

static void queue_get_cancel(ac_coro *co)
{
    struct ac_queue_get__frame *f = (struct ac_queue_get__frame *)co;
    ac__waitq_remove(&f->q->getters, &f->node);
    f->ret = AC_ECANCELED;
    ac__leaf_finish(co);
}

/* A slot became free: move the oldest waiting putter's item in. */
static void queue_admit_putter(ac_queue *q)
{
    ac_waitq_node *p = ac__waitq_pop(&q->putters);
    struct ac_queue_put__frame *pf;
    if (p == NULL)
        return;
    pf = (struct ac_queue_put__frame *)p->co;
    wake_with(p, queue_push_item(q, pf->item));
}

static void queue_get_resume(ac_coro *co)
{
    struct ac_queue_get__frame *f = (struct ac_queue_get__frame *)co;
    ac_queue *q = f->q;

    if (co->state != 0) {
        ac_return(co); /* the putter stored the item in *f->item */
        return;
    }
    if (start_cancelled(co, &f->ret))
        return;
    if (q->count == 0 && q->closed) {
        f->ret = AC_ECLOSED; /* drained */
        ac_return(co);
        return;
    }
    if (q->count == 0) {
        suspend_on(&q->getters, &f->node, co, queue_get_cancel);
        return;
    }
    *f->item = queue_pop_item(q);
    queue_admit_putter(q);
    f->ret = 0;
    ac_return(co);
}

static int queue_get_describe(const ac_coro *co, char *buf, size_t cap)
{
    const struct ac_queue_get__frame *f = (const struct ac_queue_get__frame *)co;
    return queue_describe(f->q, &f->q->getters, "getter", buf, cap);
}
AC__LEAF_INFO(queue_get_resume, "ac_queue_get", queue_get_describe)

void ac_queue_get__init(struct ac_queue_get__frame *f, ac_queue *q,
                        void **item)
{
    ac__coro_init(&f->co, queue_get_resume);
    f->ret = 0;
    f->q = q;
    f->item = item;
}

/* ---- ac_sem ----------------------------------------------------------------- */

void ac_sem_init(ac_sem *s, int permits)
{
    s->permits = permits;
    s->waiters.head = s->waiters.tail = NULL;
}

void ac_sem_release(ac_sem *s)
{
    ac_waitq_node *n;
    ac__enter();
    /* A waiter takes the permit directly, so a task that calls acquire in
     * between cannot overtake the queue (FIFO fairness). */
    if ((n = ac__waitq_pop(&s->waiters)) != NULL)
        wake_with(n, 0);
    else
        s->permits++;
    ac__leave();
}

static void sem_acquire_cancel(ac_coro *co)
{
    struct ac_sem_acquire__frame *f = (struct ac_sem_acquire__frame *)co;
    ac__waitq_remove(&f->s->waiters, &f->node);
    f->ret = AC_ECANCELED;
    ac__leaf_finish(co);
}

static void sem_acquire_resume(ac_coro *co)
{
    struct ac_sem_acquire__frame *f = (struct ac_sem_acquire__frame *)co;

    if (co->state != 0) {
        ac_return(co); /* ac_sem_release handed us its permit */
        return;
    }
    if (start_cancelled(co, &f->ret))
        return;
    if (f->s->permits > 0 && f->s->waiters.head == NULL) {
        f->s->permits--;
        f->ret = 0;
        ac_return(co);
        return;
    }
    suspend_on(&f->s->waiters, &f->node, co, sem_acquire_cancel);
}

static int sem_acquire_describe(const ac_coro *co, char *buf, size_t cap)
{
    const struct ac_sem_acquire__frame *f = (const struct ac_sem_acquire__frame *)co;
    char n[48];
    return snprintf(buf, cap, "%ld permits, %s waiting", f->s->permits,
                    waitq_count(&f->s->waiters, "task", n, sizeof n));
}
AC__LEAF_INFO(sem_acquire_resume, "ac_sem_acquire", sem_acquire_describe)

void ac_sem_acquire__init(struct ac_sem_acquire__frame *f, ac_sem *s)
{
    ac__coro_init(&f->co, sem_acquire_resume);
    f->ret = 0;
    f->s = s;
}

/* ---- ac_event ----------------------------------------------------------------- */

void ac_event_init(ac_event *e)
{
    e->is_set = 0;
    e->waiters.head = e->waiters.tail = NULL;
}

void ac_event_set(ac_event *e)
{
    ac__enter();
    e->is_set = 1;
    wake_all(&e->waiters, 0);
    ac__leave();
}

void ac_event_clear(ac_event *e)
{
    e->is_set = 0;
}

int ac_event_is_set(const ac_event *e)
{
    return e->is_set;
}

static void event_wait_cancel(ac_coro *co)
{
    struct ac_event_wait__frame *f = (struct ac_event_wait__frame *)co;
    ac__waitq_remove(&f->e->waiters, &f->node);
    f->ret = AC_ECANCELED;
    ac__leaf_finish(co);
}

static void event_wait_resume(ac_coro *co)
{
    struct ac_event_wait__frame *f = (struct ac_event_wait__frame *)co;

    if (co->state != 0) {
        ac_return(co);
        return;
    }
    if (start_cancelled(co, &f->ret))
        return;
    if (f->e->is_set) {
        f->ret = 0;
        ac_return(co);
        return;
    }
    suspend_on(&f->e->waiters, &f->node, co, event_wait_cancel);
}

static int event_wait_describe(const ac_coro *co, char *buf, size_t cap)
{
    const struct ac_event_wait__frame *f = (const struct ac_event_wait__frame *)co;
    char n[48];
    return snprintf(buf, cap, "%s waiting", waitq_count(&f->e->waiters, "task", n, sizeof n));
}
AC__LEAF_INFO(event_wait_resume, "ac_event_wait", event_wait_describe)

void ac_event_wait__init(struct ac_event_wait__frame *f, ac_event *e)
{
    ac__coro_init(&f->co, event_wait_resume);
    f->ret = 0;
    f->e = e;
}
