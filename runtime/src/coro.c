/*
 * coro.c - the resume protocol: ac_await / ac_return / ac_wake, the ready
 * queue that keeps the C stack bounded, tasks, cancellation and leaves.
 *
 * Stack discipline.  `depth` counts the resume calls (and ac__enter
 * brackets) active on the C stack.  ac_await runs the callee directly and
 * ac_return runs the waiter directly while depth < AC__MAX_DEPTH; past it
 * they put the coroutine on the ready queue and let the stack unwind.  When
 * depth falls back to 0 the outermost driver drains the queue.  So a chain
 * of any length of synchronous completions, or a recursion of any depth,
 * uses at most AC__MAX_DEPTH nested resume calls.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static void name_drop(ac_task *t);
static void names_free_all(void);

/* One ready-queue slot: a coroutine to resume, and the finished child task
 * to report to it (ac__finished_task) when it is a task owner. */
typedef struct {
    ac_coro *co;
    ac_task *done;
} ac__slot;

static _Thread_local struct {
    int debug;            /* ASYNCC_DEBUG: time the steps (debug.c)      */
    int in_step;          /* a timed step is running                     */
    unsigned depth;       /* nested resume calls / brackets on the stack */
    ac_task *current;     /* task of the coroutine running now           */
    ac_task *done;        /* ac__finished_task() of the running resume   */
    ac_task *main_task;   /* ac_run's task                               */
    ac__slot *ring;       /* ready queue: a growable ring               */
    size_t cap, head, len;
} rt;

/* ---- the ready queue ---------------------------------------------------- */

static int ring_grow(void)
{
    size_t ncap = rt.cap ? rt.cap * 2 : 256;
    ac__slot *n = malloc(ncap * sizeof *n);
    if (n == NULL)
        return UV_ENOMEM;
    /* Unroll the ring into the new buffer so head starts at 0. */
    for (size_t i = 0; i < rt.len; i++)
        n[i] = rt.ring[(rt.head + i) % rt.cap];
    free(rt.ring);
    rt.ring = n;
    rt.cap = ncap;
    rt.head = 0;
    return 0;
}

static void run(ac_coro *co, ac_task *done);

static void push(ac_coro *co, ac_task *done)
{
    if (rt.len == rt.cap && ring_grow() < 0) {
        /* Out of memory: running it now costs stack depth but loses no
         * wake-up, which is the lesser evil. */
        run(co, done);
        return;
    }
    rt.ring[(rt.head + rt.len) % rt.cap] = (ac__slot){co, done};
    rt.len++;
}

static int pop(ac__slot *out)
{
    if (rt.len == 0)
        return 0;
    *out = rt.ring[rt.head];
    rt.head = (rt.head + 1) % rt.cap;
    rt.len--;
    return 1;
}

/* Run one resume call with the current task (and finished child) set. */
static void run_plain(ac_coro *co, ac_task *done)
{
    ac_task *prev_cur = rt.current, *prev_done = rt.done;
    rt.current = co->task;
    rt.done = done;
    rt.depth++;
    co->resume(co);
    rt.depth--;
    rt.current = prev_cur;
    rt.done = prev_done;
}

/* In debug mode, the outermost resume call is a step, and timed. */
static void run(ac_coro *co, ac_task *done)
{
    if (!rt.debug || rt.in_step) {
        run_plain(co, done);
        return;
    }
    rt.in_step = 1;
    ac__debug_step_begin(co);
    run_plain(co, done);
    ac__debug_step_end();
    rt.in_step = 0;
}

void ac__set_debug(int on)
{
    rt.debug = on;
    rt.in_step = 0;
}

/* Resume now if the stack allows it, else queue. */
static void resume_or_queue(ac_coro *co, ac_task *done)
{
    if (rt.depth < AC__MAX_DEPTH && !ac__closing())
        run(co, done);
    else
        push(co, done);
}

static void drain(void)
{
    ac__slot s;
    if (ac__closing()) {
        rt.len = 0; /* shutting down: coroutines no longer run */
        return;
    }
    while (rt.depth == 0 && pop(&s))
        run(s.co, s.done);
}

void ac__enter(void)
{
    rt.depth++;
}

void ac__leave(void)
{
    if (rt.depth == 0)
        return; /* unbalanced: ignore rather than wrap around */
    if (--rt.depth == 0)
        drain();
}

void ac__ready(ac_coro *co)
{
    push(co, NULL);
}

void ac_wake(ac_coro *co)
{
    if (ac__closing())
        return;
    push(co, NULL);
    if (rt.depth == 0)
        drain();
}

/* ---- await / return -------------------------------------------------------- */

int ac_await(ac_coro *caller, ac_coro *callee, int state)
{
    if (rt.debug)
        ac__debug_await(caller, state);
    caller->state = state;
    callee->waiter = caller;
    callee->task = caller->task;
    callee->flags = (callee->flags & ~AC_CORO_DONE) | AC_CORO_SYNC;
    if (rt.depth >= AC__MAX_DEPTH) {
        /* Too deep: unwind; the callee runs from the queue and its
         * ac_return resumes the caller at `state`. */
        callee->flags &= ~AC_CORO_SYNC;
        push(callee, NULL);
        return 1;
    }
    run(callee, NULL);
    if (callee->flags & AC_CORO_DONE)
        return 0;
    callee->flags &= ~AC_CORO_SYNC;
    return 1;
}

/* The root of task t returned: account for it. */
static void task_finished(ac_task *t)
{
    t->flags |= AC_TASK_DONE;
    t->leaf = NULL;
    t->leaf_cancel = NULL;
    name_drop(t);
    ac__live_tasks_add(-1);
    if (t == rt.main_task)
        ac__main_done();
}

void ac_return(ac_coro *co)
{
    ac_task *t = co->task, *done = NULL;
    if (rt.debug)
        ac__debug_return(co);
    co->flags |= AC_CORO_DONE;
    if (t != NULL && t->root == co) {
        task_finished(t);
        done = t;
    }
    if (co->flags & AC_CORO_SYNC)
        return; /* the ac_await (or ac__task_start) that started it sees DONE */
    if (co->waiter != NULL)
        resume_or_queue(co->waiter, done);
}

/* ---- tasks ---------------------------------------------------------------- */

int ac__task_start(ac_task *t, ac_task *parent, ac_coro *co, ac_coro *owner)
{
    t->parent = parent;
    t->root = co;
    t->leaf = NULL;
    t->leaf_cancel = NULL;
    t->flags = 0;
    t->name = NULL;
    co->task = t;
    co->waiter = owner;
    ac__live_tasks_add(1);
    if (rt.depth >= AC__MAX_DEPTH) {
        co->flags &= ~(AC_CORO_SYNC | AC_CORO_DONE);
        push(co, NULL);
        return 0;
    }
    /* Bracketed, for a start from plain libuv code (depth 0): wake-ups the
     * child causes are queued until the verdict below is read, then run. */
    ac__enter();
    co->flags = (co->flags & ~AC_CORO_DONE) | AC_CORO_SYNC;
    run(co, NULL);
    co->flags &= ~AC_CORO_SYNC;
    int done = (t->flags & AC_TASK_DONE) != 0;
    ac__leave();
    return done;
}

ac_task *ac__finished_task(void)
{
    return rt.done;
}

ac_task *ac_current_task(void)
{
    return rt.current;
}

int ac_task_cancelled(const ac_task *t)
{
    return t != NULL && (t->flags & AC_TASK_CANCELLED) != 0;
}

int ac_cancelled(void)
{
    return ac_task_cancelled(rt.current);
}

/*
 * Cancellation spreads downwards: a gather's hook cancels its children,
 * whose leaves may be gathers too, and so on, as deep as tasks nest.  To
 * keep that off the C stack, only the outermost ac_task_cancel calls hooks;
 * a nested call marks its task and leaves it on a worklist (`cq`) that the
 * outermost call empties.  Nothing runs in between (wake-ups are queued),
 * so a task's leaf cannot change while it waits on the list.
 */
static _Thread_local struct {
    ac_task **v;
    size_t len, cap;
    int active;
} cq;

static int cq_push(ac_task *t)
{
    if (cq.len == cq.cap) {
        size_t ncap = cq.cap ? cq.cap * 2 : 64;
        ac_task **n = realloc(cq.v, ncap * sizeof *n);
        if (n == NULL)
            return UV_ENOMEM;
        cq.v = n;
        cq.cap = ncap;
    }
    cq.v[cq.len++] = t;
    return 0;
}

static void cancel_leaf(ac_task *t)
{
    if (t->leaf != NULL && t->leaf_cancel != NULL)
        t->leaf_cancel(t->leaf);
}

void ac_task_cancel(ac_task *t)
{
    if (t == NULL || (t->flags & (AC_TASK_CANCELLED | AC_TASK_DONE)))
        return;
    t->flags |= AC_TASK_CANCELLED;
    if (cq.active && cq_push(t) == 0)
        return; /* the outermost call will cancel its leaf */
    /* The bracket makes every wake-up a hook causes a queued one: the leaf
     * completes after the canceller is done, never inside it. */
    ac__enter();
    if (cq.active) {
        cancel_leaf(t); /* worklist out of memory: recurse instead */
    } else {
        cq.active = 1;
        cancel_leaf(t);
        while (cq.len > 0)
            cancel_leaf(cq.v[--cq.len]);
        cq.active = 0;
    }
    ac__leave();
}

/* ---- leaves --------------------------------------------------------------- */

void ac_leaf_wait(ac_coro *co, ac_cancel_fn cancel)
{
    if (co->task == NULL)
        return; /* outside any task (a coroutine run by hand) */
    co->task->leaf = co;
    co->task->leaf_cancel = cancel;
}

void ac_leaf_done(ac_coro *co)
{
    ac_task *t = co->task;
    if (t != NULL && t->leaf == co) {
        t->leaf = NULL;
        t->leaf_cancel = NULL;
    }
}

void ac__leaf_finish(ac_coro *co)
{
    ac_leaf_done(co);
    ac_wake(co);
}

/* ---- task names ---------------------------------------------------------- *
 *
 * A name is one allocation: a header and the text, with t->name pointing at
 * the text.  The headers form a list of every name alive, because a task
 * whose root never returns (a child still waiting when ac_run ends) is
 * never told it ended: ac_run's shutdown frees what is left on the list.
 */
struct ac__name {
    struct ac__name *prev, *next;
    char text[];
};
static _Thread_local struct ac__name *names;
static _Thread_local size_t n_names;

size_t ac__task_name_count(void)
{
    return n_names;
}

static void name_drop(ac_task *t)
{
    struct ac__name *n;
    if (t->name == NULL)
        return;
    n = AC__CONTAINER_OF(t->name, struct ac__name, text);
    AC__LIST_REMOVE(names, n);
    n_names--;
    free(n);
    t->name = NULL;
}

static void names_free_all(void)
{
    while (names != NULL) {
        struct ac__name *n = names;
        names = n->next;
        free(n);
    }
    n_names = 0;
}

void ac_task_set_name(const char *name)
{
    ac_task *t = rt.current;
    struct ac__name *n;
    size_t len;
    if (t == NULL)
        return;
    name_drop(t);
    if (name == NULL)
        return;
    len = strlen(name);
    n = malloc(sizeof *n + len + 1);
    if (n == NULL)
        return; /* no name rather than a stale one */
    memcpy(n->text, name, len + 1);
    AC__LIST_PUSH(names, n);
    n_names++;
    t->name = n->text;
}

const char *ac_task_name(void)
{
    return rt.current != NULL ? rt.current->name : NULL;
}

/* ---- ac_run support --------------------------------------------------------- */

void ac__set_main_task(ac_task *t)
{
    rt.main_task = t;
}

ac_task *ac__main_task(void)
{
    return rt.main_task;
}

void ac__coro_reset(void)
{
    names_free_all();
    free(rt.ring);
    rt.ring = NULL;
    free(cq.v);
    cq.v = NULL;
    cq.len = cq.cap = 0;
    cq.active = 0;
    rt.cap = rt.head = rt.len = 0;
    rt.depth = 0;
    rt.debug = rt.in_step = 0;
    rt.current = NULL;
    rt.done = NULL;
    rt.main_task = NULL;
}
