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
 *
 * ac_join_one waits for one finish, not for the group: each finish a child
 * makes either goes to the ac_join_one waiting then or is counted in
 * g->finished for a later call (so none is lost between two calls).  Its
 * cancel hook only stops the wait: the children stay in the group, which
 * its owner still joins, so no frame is left with running children.  The
 * group's one joiner slot is shared: g->flags says which kind waits.
 */
#include "internal.h"

/* ac_group.flags */
enum {
    GROUP_JOINER_ONE = 1u << 0, /* g->joiner is an ac_join_one */
};

/* Give one finish to the waiting ac_join_one, or count it for a later one. */
static void report_finish(ac_group *g)
{
    if (g->joiner != NULL && (g->flags & GROUP_JOINER_ONE)) {
        struct ac_join_one__frame *f = (struct ac_join_one__frame *)g->joiner;
        g->joiner = NULL;
        g->flags &= ~GROUP_JOINER_ONE;
        f->ret = 0;
        ac__leaf_finish(&f->co);
        return;
    }
    g->finished++;
}

/* The groups with running children, for dumps and the end of ac_run. */
static _Thread_local ac_group *live_groups;

ac_group *ac__live_groups(void)
{
    return live_groups;
}

void ac__groups_reset(void)
{
    live_groups = NULL; /* groups of tasks abandoned by the run that ended */
}

size_t ac__spawned_count(void)
{
    size_t n = 0;
    for (ac_group *g = live_groups; g != NULL; g = g->next)
        n += g->live;
    return n;
}

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
    if (--g->live == 0)
        AC__LIST_REMOVE(live_groups, g);

    if (store != NULL && !cancelled)
        store(ctx);
    if (release != NULL)
        release(ctx);
    ac_frame_free(ctx, size); /* c lives inside ctx */

    report_finish(g);
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
static _Thread_local ac_coro reaper = {.resume = reaper_resume};

void ac_group_init(ac_group *g)
{
    g->head = NULL;
    g->live = 0;
    g->joiner = NULL;
    g->flags = 0;
    g->finished = 0;
    g->prev = g->next = NULL;
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
    if (g->live++ == 0)
        AC__LIST_PUSH(live_groups, g);
    if (ac__task_start(&c->task, ac_current_task(), c->co, &reaper))
        child_finished(c); /* finished without suspending */
}

/* The end of ac_run: every spawned task still running is cancelled. */
void ac__cancel_spawned(void)
{
    ac__enter();
    for (ac_group *g = live_groups; g != NULL; g = g->next)
        ac_group_cancel(g);
    ac__leave();
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
    /* Every child has finished, and this join reports all of it. */
    f->g->finished = 0;
    f->ret = cancelled ? AC_ECANCELED : 0;
    ac_return(co);
}

/* What a waiting ac_join or ac_join_one shows. */
static int children_describe(const ac_group *g, char *buf, size_t cap)
{
    return snprintf(buf, cap, "%zu task%s running", g->live, g->live == 1 ? "" : "s");
}

static int join_describe(const ac_coro *co, char *buf, size_t cap)
{
    return children_describe(((const struct ac_join__frame *)co)->g, buf, cap);
}
AC__LEAF_INFO(join_resume, "ac_join", join_describe)

void ac_join__init(struct ac_join__frame *f, ac_group *g)
{
    ac__coro_init(&f->co, join_resume);
    f->ret = 0;
    f->g = g;
}

static void join_one_cancel(ac_coro *co)
{
    struct ac_join_one__frame *f = (struct ac_join_one__frame *)co;
    /* Stop waiting only; a later finish is counted for the next call. */
    f->g->joiner = NULL;
    f->g->flags &= ~GROUP_JOINER_ONE;
    f->ret = AC_ECANCELED;
    ac__leaf_finish(co);
}

static void join_one_resume(ac_coro *co)
{
    struct ac_join_one__frame *f = (struct ac_join_one__frame *)co;
    ac_group *g = f->g;

    if (co->state != 0) {
        ac_return(co); /* report_finish or the hook set ret */
        return;
    }
    if (ac_task_cancelled(co->task))
        f->ret = AC_ECANCELED;
    else if (g->joiner != NULL)
        f->ret = UV_EBUSY; /* one joiner per group at a time */
    else if (g->finished > 0) {
        g->finished--;
        f->ret = 0;
    } else if (g->live == 0)
        f->ret = 1; /* nothing running, nothing to report */
    else {
        g->joiner = co;
        g->flags |= GROUP_JOINER_ONE;
        ac_leaf_wait(co, join_one_cancel);
        co->state = 1;
        return;
    }
    ac_return(co);
}

static int join_one_describe(const ac_coro *co, char *buf, size_t cap)
{
    return children_describe(((const struct ac_join_one__frame *)co)->g, buf, cap);
}
AC__LEAF_INFO(join_one_resume, "ac_join_one", join_one_describe)

void ac_join_one__init(struct ac_join_one__frame *f, ac_group *g)
{
    ac__coro_init(&f->co, join_one_resume);
    f->ret = 0;
    f->g = g;
}
