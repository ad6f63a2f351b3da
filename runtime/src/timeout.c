/*
 * timeout.c - with_timeout(MS, A): A runs as a child task of the awaiting
 * task, racing a timer-heap entry.
 *
 * Whatever happens, the frame completes only once the child has finished:
 * when the deadline wins (or the awaiting task is cancelled) the child is
 * cancelled and awaited, because its frame lives inside this one.  The
 * frame is the child's owner (ac__task_start), so the child's completion is
 * what resumes it; the timer and the cancel hook only cancel the child.
 */
#include <inttypes.h>

#include "internal.h"

enum {
    WT_RUNNING = 0,   /* the child runs, the timer is armed       */
    WT_TIMED_OUT = 1, /* the deadline won: the child is cancelled */
    WT_CANCELLED = 2, /* the awaiting task was cancelled          */
};
/* A negative phase is a libuv error that stopped the race (timer start). */

static void wt_fire(ac_timer_entry *e)
{
    struct ac_with_timeout__frame *f =
        AC__CONTAINER_OF(e, struct ac_with_timeout__frame, timer);
    if (f->phase == WT_RUNNING) {
        f->phase = WT_TIMED_OUT;
        ac_task_cancel(&f->child.task);
    }
}

static void wt_cancel(ac_coro *co)
{
    struct ac_with_timeout__frame *f = (struct ac_with_timeout__frame *)co;
    ac__timer_stop(&f->timer);
    if (f->phase == WT_RUNNING)
        f->phase = WT_CANCELLED;
    ac_task_cancel(&f->child.task);
}

/* The child has finished: compute the result and complete. */
static void wt_complete(struct ac_with_timeout__frame *f)
{
    ac__timer_stop(&f->timer);
    ac_leaf_done(&f->co);
    if (f->phase == WT_TIMED_OUT)
        f->ret = AC_ETIMEDOUT;
    else if (f->phase == WT_CANCELLED || ac_task_cancelled(f->co.task))
        f->ret = AC_ECANCELED;
    else if (f->phase < 0)
        f->ret = f->phase;
    else {
        if (f->child.store != NULL && !ac_task_cancelled(&f->child.task))
            f->child.store(f->child.ctx);
        f->ret = 0;
    }
    ac_return(&f->co);
}

static void wt_resume(ac_coro *co)
{
    struct ac_with_timeout__frame *f = (struct ac_with_timeout__frame *)co;
    int err;

    if (co->state != 0) {
        wt_complete(f); /* resumed as the child's owner: it has finished */
        return;
    }
    if (ac_task_cancelled(co->task)) {
        f->ret = AC_ECANCELED; /* the operand never starts */
        ac_return(co);
        return;
    }
    /* From here on every resume is the child's completion. */
    co->state = 1;
    if (ac__task_start(&f->child.task, co->task, f->child.co, co)) {
        wt_complete(f);
        return;
    }
    ac_leaf_wait(co, wt_cancel);
    err = ac__timer_start(&f->timer, f->ms, wt_fire);
    if (err < 0) {
        /* No deadline can be kept: stop the child and report why. */
        f->phase = err;
        ac_task_cancel(&f->child.task);
    }
}

void ac_with_timeout__init(struct ac_with_timeout__frame *f, uint64_t ms,
                           ac_coro *operand, void (*store)(void *ctx),
                           void *ctx)
{
    ac__coro_init(&f->co, wt_resume);
    f->ret = 0;
    f->child.co = operand;
    f->child.store = store;
    f->child.ctx = ctx;
    ac__timer_init(&f->timer);
    f->ms = ms;
    f->phase = WT_RUNNING;
}

static int wt_describe(const ac_coro *co, char *buf, size_t cap)
{
    const struct ac_with_timeout__frame *f = (const struct ac_with_timeout__frame *)co;
    if (f->phase == WT_TIMED_OUT)
        return snprintf(buf, cap, "timed out, waiting for the operand to stop");
    if (f->phase == WT_CANCELLED)
        return snprintf(buf, cap, "cancelled, waiting for the operand to stop");
    if (!ac__timer_active(&f->timer))
        return snprintf(buf, cap, "no deadline");
    uint64_t now = ac_now_ms();
    uint64_t left = f->timer.deadline > now ? f->timer.deadline - now : 0;
    return snprintf(buf, cap, "%" PRIu64 " of %" PRIu64 " ms left", left, f->ms);
}
AC__LEAF_INFO(wt_resume, "with_timeout", wt_describe)

int ac__timeout_child(const ac_coro *leaf, ac__task_visit *visit, void *arg)
{
    if (leaf->resume != wt_resume)
        return 0;
    const struct ac_with_timeout__frame *f = (const struct ac_with_timeout__frame *)leaf;
    ac_task *t = (ac_task *)&f->child.task;
    if (t->root != NULL && !(t->flags & AC_TASK_DONE))
        visit(t, arg);
    return 1;
}
