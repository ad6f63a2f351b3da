/*
 * gather.c - run several coroutines concurrently, wait for all.
 *
 * Each operand runs as a child task of the gather's task, started in order
 * when the gather starts (each runs until its first suspension).  The
 * gather frame is the owner of every child task: when a child that
 * suspended finishes, the gather is resumed and ac__finished_task() names
 * the child.  A child's store(ctx) runs when it finished without its task
 * having been cancelled.
 *
 * Cancellation: a gather whose task is already cancelled starts no child and
 * returns AC_ECANCELED at once.  Cancelled while waiting (the gather is its
 * task's leaf), it cancels every unfinished child and still waits for all of
 * them, then returns AC_ECANCELED: no child outlives the gather, so the
 * child frames embedded in the caller's frame stay valid while they run.
 */
#include "internal.h"

static void child_finished(struct ac_gather__frame *f, ac_gather_child *c)
{
    if (c->store != NULL && !ac_task_cancelled(&c->task))
        c->store(c->ctx);
    f->pending--;
}

static void gather_cancel(ac_coro *co)
{
    struct ac_gather__frame *f = (struct ac_gather__frame *)co;
    for (size_t i = 0; i < f->n; i++) {
        ac_task *t = &f->children[i].task;
        /* root == NULL: not started (the start loop will skip it). */
        if (t->root != NULL && !(t->flags & AC_TASK_DONE))
            ac_task_cancel(t);
    }
}

static void gather_finish(struct ac_gather__frame *f)
{
    ac_leaf_done(&f->co);
    f->ret = ac_task_cancelled(f->co.task) ? AC_ECANCELED : 0;
    ac_return(&f->co);
}

static void gather_start(struct ac_gather__frame *f)
{
    ac_coro *co = &f->co;
    f->pending = f->n;
    for (size_t i = 0; i < f->n; i++) {
        f->children[i].task.root = NULL;
        f->children[i].task.flags = 0;
    }
    /* Registered first, so a child that cancels our task while starting is
     * handled like any other cancel.  Owner resumes arrive at state 1. */
    ac_leaf_wait(co, gather_cancel);
    co->state = 1;
    for (size_t i = 0; i < f->n; i++) {
        ac_gather_child *c = &f->children[i];
        if (ac_task_cancelled(co->task)) {
            /* Cancelled meanwhile: the rest never start. */
            c->task.flags = AC_TASK_DONE | AC_TASK_CANCELLED;
            f->pending--;
            continue;
        }
        if (ac__task_start(&c->task, co->task, c->co, co))
            child_finished(f, c);
    }
    if (f->pending == 0)
        gather_finish(f);
}

static void gather_resume(ac_coro *co)
{
    struct ac_gather__frame *f = (struct ac_gather__frame *)co;
    switch (co->state) {
    case 0:
        if (ac_task_cancelled(co->task)) {
            f->ret = AC_ECANCELED;
            ac_return(co);
            return;
        }
        gather_start(f);
        return;
    default: {
        ac_task *t = ac__finished_task();
        if (t == NULL)
            return; /* not a child completion: nothing to do */
        child_finished(f, AC__CONTAINER_OF(t, ac_gather_child, task));
        if (f->pending == 0)
            gather_finish(f);
        return;
    }
    }
}

void ac_gather__init(struct ac_gather__frame *f, ac_gather_child *children,
                     size_t n)
{
    ac__coro_init(&f->co, gather_resume);
    f->ret = 0;
    f->children = children;
    f->n = n;
    f->pending = n;
}

static int gather_describe(const ac_coro *co, char *buf, size_t cap)
{
    const struct ac_gather__frame *f = (const struct ac_gather__frame *)co;
    return snprintf(buf, cap, "%zu of %zu tasks running", f->pending, f->n);
}
AC__LEAF_INFO(gather_resume, "gather", gather_describe)

int ac__gather_children(const ac_coro *leaf, ac__task_visit *visit, void *arg)
{
    if (leaf->resume != gather_resume)
        return 0;
    const struct ac_gather__frame *f = (const struct ac_gather__frame *)leaf;
    for (size_t i = 0; i < f->n; i++) {
        ac_task *t = &f->children[i].task;
        if (t->root != NULL && !(t->flags & AC_TASK_DONE))
            visit(t, arg);
    }
    return 1;
}
