/*
 * group.c - task groups: ac_spawn, ac_join, ac_group_cancel.
 *
 * A spawned child is a task of its own whose owner (internal.h,
 * ac__task_start) is one static "reaper" coroutine: when any spawned child
 * finishes, the reaper runs, stores the child's result (unless the child was
 * cancelled), unlinks it from its group, frees the child's allocation, and
 * wakes the group's joiner when the group has become empty.
 *
 * ac_join is a leaf whose cancel hook cancels the group's children and then
 * keeps waiting until every one of them has finished.  Returning earlier
 * would leave children running whose frames (and the lvalues their results
 * go to) live in the joining frame, which is about to be unwound: a frame
 * must never be left with running children.
 */
#include "internal.h"

/* Runs the bookkeeping of a finished child; `c` is freed on return. */
static void child_finished(ac_spawn_child *c)
{
    ac_group *g = c->group;
    void (*store)(void *) = c->store;
    void *ctx = c->ctx;
    size_t size = c->alloc_size;
    void (*release)(void *) = c->release;
    int cancelled = ac_task_cancelled(&c->task);

    AC__LIST_REMOVE(g->head, c);
    g->live--;

    if (store != NULL && !cancelled)
        store(ctx);
    if (release != NULL)
        release(ctx);
    ac_frame_free(ctx, size); /* c lives inside ctx */

    if (g->live == 0 && g->joiner != NULL) {
        ac_coro *j = g->joiner;
        g->joiner = NULL;
        ac__leaf_finish(j);
    }
}

static void reaper_resume(ac_coro *co)
{
    ac_task *t = ac__finished_task();
    (void)co;
    if (t != NULL)
        child_finished(AC__CONTAINER_OF(t, ac_spawn_child, task));
}

/* The owner of every spawned task (it has no task or state of its own). */
static ac_coro reaper = {.resume = reaper_resume};

void ac_group_init(ac_group *g)
{
    g->head = NULL;
    g->live = 0;
    g->joiner = NULL;
    g->flags = 0;
}

void ac_spawn(ac_group *g, ac_spawn_child *c)
{
    ac_spawn_release(g, c, NULL);
}

void ac_spawn_release(ac_group *g, ac_spawn_child *c, void (*release)(void *ctx))
{
    c->release = release;
    c->group = g;
    AC__LIST_PUSH(g->head, c);
    g->live++;
    if (ac__task_start(&c->task, ac_current_task(), c->co, &reaper))
        child_finished(c); /* finished without suspending */
}

void ac_group_cancel(ac_group *g)
{
    /* Bracketed: the children complete only after the walk is over, so the
     * list is not unlinked under our feet. */
    ac__enter();
    for (ac_spawn_child *c = g->head; c != NULL; c = c->next)
        ac_task_cancel(&c->task);
    ac__leave();
}

static void join_cancel(ac_coro *co)
{
    struct ac_join__frame *f = (struct ac_join__frame *)co;
    ac_group_cancel(f->g); /* then wait for them: see the top of the file */
}

static void join_resume(ac_coro *co)
{
    struct ac_join__frame *f = (struct ac_join__frame *)co;
    int cancelled = ac_task_cancelled(co->task);

    if (co->state == 0) {
        if (f->g->live != 0 && f->g->joiner != NULL) {
            f->ret = UV_EBUSY; /* one joiner per group at a time */
            ac_return(co);
            return;
        }
        if (f->g->live != 0) {
            f->g->joiner = co;
            ac_leaf_wait(co, join_cancel);
            co->state = 1;
            if (cancelled)
                ac_group_cancel(f->g); /* already cancelled: same as the hook */
            return;
        }
    }
    /* Every child has finished. */
    f->ret = cancelled ? AC_ECANCELED : 0;
    ac_return(co);
}

void ac_join__init(struct ac_join__frame *f, ac_group *g)
{
    ac__coro_init(&f->co, join_resume);
    f->ret = 0;
    f->g = g;
}
