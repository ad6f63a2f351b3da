/*
 * signal.c - ac_signal: waiting for a signal.
 *
 * A signal the program has waited for once stays caught until the loop
 * ends (DESIGN.md section 10): one uv_signal_t per signal number, started
 * at the first wait, closed by ac_run's shutdown.  A one-shot handler per
 * wait would put the default action back between two waits, and a second
 * Ctrl-C arriving before the program waits again (a supervisor that sends
 * SIGINT to the process and then to its group does exactly that) would
 * kill it in the middle of its cleanup.
 *
 * A delivery wakes every task waiting for that signal at the time;
 * deliveries while none waits are counted, and the next wait takes one and
 * returns at once, so none is lost between two waits.
 *
 * The handle keeps the loop alive only while a task waits on it (uv_ref /
 * uv_unref): a loop whose tasks are all done ends although SIGINT is still
 * caught, and a task that waits for SIGINT alone is not a deadlock.
 */
#include <stdlib.h>

#include "internal.h"

struct watch {
    uv_signal_t h;
    int signum;
    unsigned long pending; /* deliveries nobody has waited for yet */
    ac_waitq waiters;
    struct watch *next;
};

static _Thread_local struct watch *watches;

static void signals_shutdown(void);
static _Thread_local ac__shutdown_hook shutdown_hook = {.fn = signals_shutdown};

static struct watch *find(int signum)
{
    struct watch *w = watches;
    while (w != NULL && w->signum != signum)
        w = w->next;
    return w;
}

static void on_signal(uv_signal_t *h, int signum)
{
    struct watch *w = (struct watch *)h;
    ac_waitq_node *n;
    (void)signum;
    if (w->waiters.head == NULL) {
        w->pending++;
        return;
    }
    ac__enter();
    while ((n = ac__waitq_pop(&w->waiters)) != NULL) {
        ((struct ac_signal__frame *)n->co)->ret = 0;
        ac__leaf_finish(n->co);
    }
    uv_unref((uv_handle_t *)h);
    ac__leave();
}

static void watch_closed(uv_handle_t *h)
{
    ac__handle_closed();
    free(h);
}

/* The watch of `signum`, started at the first wait.  0 or < 0. */
static int watch_get(int signum, struct watch **out)
{
    struct watch *w = find(signum);
    int r;
    if (w != NULL) {
        *out = w;
        return 0;
    }
    w = calloc(1, sizeof *w);
    if (w == NULL)
        return UV_ENOMEM;
    r = uv_signal_init(ac_loop(), &w->h);
    if (r < 0) {
        free(w);
        return r;
    }
    ac__handle_opened();
    r = uv_signal_start(&w->h, on_signal, signum);
    if (r < 0) { /* a signal that cannot be caught (SIGKILL, 0, ...) */
        uv_close((uv_handle_t *)&w->h, watch_closed);
        return r;
    }
    uv_unref((uv_handle_t *)&w->h);
    ac__on_shutdown(&shutdown_hook);
    w->signum = signum;
    w->next = watches;
    watches = w;
    *out = w;
    return 0;
}

static void signals_shutdown(void)
{
    /* Waiters belong to abandoned frames; closing puts the default
     * actions back. */
    while (watches != NULL) {
        struct watch *w = watches;
        watches = w->next;
        uv_close((uv_handle_t *)&w->h, watch_closed);
    }
}

static void signal_cancel(ac_coro *co)
{
    struct ac_signal__frame *f = (struct ac_signal__frame *)co;
    struct watch *w = find(f->signum);
    if (w != NULL) {
        ac__waitq_remove(&w->waiters, &f->node);
        if (w->waiters.head == NULL)
            uv_unref((uv_handle_t *)&w->h);
    }
    f->ret = AC_ECANCELED;
    ac__leaf_finish(co); /* queued: we are inside ac_task_cancel */
}

static void signal_resume(ac_coro *co)
{
    struct ac_signal__frame *f = (struct ac_signal__frame *)co;
    struct watch *w;
    int r;

    if (co->state != 0) {
        ac_return(co);
        return;
    }
    if (ac_task_cancelled(co->task) || ac_loop() == NULL) {
        f->ret = ac_task_cancelled(co->task) ? AC_ECANCELED : UV_EINVAL;
        ac_return(co);
        return;
    }
    r = watch_get(f->signum, &w);
    if (r < 0 || w->pending > 0) {
        if (r == 0)
            w->pending--;
        f->ret = r;
        ac_return(co);
        return;
    }
    ac__waitq_push(&w->waiters, &f->node, co);
    uv_ref((uv_handle_t *)&w->h);
    ac_leaf_wait(co, signal_cancel);
    co->state = 1;
}

static int signal_describe(const ac_coro *co, char *buf, size_t cap)
{
    return snprintf(buf, cap, "signal %d", ((const struct ac_signal__frame *)co)->signum);
}
AC__LEAF_INFO(signal_resume, "ac_signal", signal_describe)

void ac_signal__init(struct ac_signal__frame *f, int signum)
{
    ac__coro_init(&f->co, signal_resume);
    f->ret = 0;
    f->signum = signum;
    f->node.prev = f->node.next = NULL;
    f->node.co = NULL;
}
