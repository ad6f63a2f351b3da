/*
 * test_tasks.c - ac_queue_close, ac_join_one, task names, and the texts of
 * ac_strerror for AC_ETIMEDOUT and AC_ECLOSED.
 *
 *  A. Three getters wait on an empty queue; ac_queue_close completes each
 *     with AC_ECLOSED (after the close, not before) and empties the list.
 *  B. Items queued before the close are still got, in order, then every
 *     get returns AC_ECLOSED at once; a put after the close returns
 *     AC_ECLOSED at once and queues nothing.
 *  C. A putter waiting on a full queue gets AC_ECLOSED when it closes, and
 *     its item is not queued; the item already there is still got.
 *  D. ac_join_one reports children in the order they finish (sleeps of
 *     30, 10, 20 ms come back as 10, 20, 30), then 1 at once; finishes
 *     that happened before the call are reported at once, one per call;
 *     on an empty group it returns 1 at once; after ac_join it returns 1.
 *  E. A task waiting in ac_join_one is cancelled: AC_ECANCELED, the group's
 *     child is not cancelled, and the group is still joinable (a later
 *     ac_join_one reports the child's finish).  While one ac_join_one
 *     waits, a second one gets UV_EBUSY.
 *  F. Task names: each task its own, copied, replaced, cleared; freed when
 *     the task ends (valgrind and ASan find no leak), and when ac_run ends
 *     with a named task still waiting (a deadlocked root).
 */
#include "io_test.h"

/* ---- small children ------------------------------------------------------- */

/* async int getter(ac_queue *q, int *out, void **item): *out = get's result. */
struct getter__frame {
    ac_coro co;
    int ret;
    int *out;
    void **item;
    struct ac_queue_get__frame get;
};
static void getter__resume(ac_coro *co)
{
    struct getter__frame *f = (struct getter__frame *)co;
    CO_BEGIN(co);
    CO_AWAIT(co, &f->get, 1);
    *f->out = f->get.ret;
    CO_RETURN(co);
    CO_END;
}
static void getter__init(struct getter__frame *f, ac_queue *q, int *out,
                         void **item)
{
    memset(f, 0, sizeof *f);
    f->co.resume = getter__resume;
    f->out = out;
    f->item = item;
    ac_queue_get__init(&f->get, q, item);
}

/* async int putter(ac_queue *q, void *item, int *out) */
struct putter__frame {
    ac_coro co;
    int ret;
    int *out;
    struct ac_queue_put__frame put;
};
static void putter__resume(ac_coro *co)
{
    struct putter__frame *f = (struct putter__frame *)co;
    CO_BEGIN(co);
    CO_AWAIT(co, &f->put, 1);
    *f->out = f->put.ret;
    CO_RETURN(co);
    CO_END;
}
static void putter__init(struct putter__frame *f, ac_queue *q, void *item,
                         int *out)
{
    memset(f, 0, sizeof *f);
    f->co.resume = putter__resume;
    f->out = out;
    ac_queue_put__init(&f->put, q, item);
}

/* async int finisher(uint64_t ms): sleeps, then appends ms to the order in
 * which children finished. */
static uint64_t finish_order[8];
static int n_finished;
struct finisher__frame {
    ac_coro co;
    int ret;
    uint64_t ms;
    struct ac_sleep__frame s;
};
static void finisher__resume(ac_coro *co)
{
    struct finisher__frame *f = (struct finisher__frame *)co;
    CO_BEGIN(co);
    ac_sleep__init(&f->s, f->ms);
    CO_AWAIT(co, &f->s, 1);
    f->ret = f->s.ret;
    finish_order[n_finished++] = f->ms;
    CO_RETURN(co);
    CO_END;
}
static void finisher__init(struct finisher__frame *f, uint64_t ms)
{
    memset(f, 0, sizeof *f);
    f->co.resume = finisher__resume;
    f->ms = ms;
}

/* async int join_one_waiter(ac_group *g, int *out) (E) */
struct jwaiter__frame {
    ac_coro co;
    int ret;
    int *out;
    struct ac_join_one__frame j;
};
static void jwaiter__resume(ac_coro *co)
{
    struct jwaiter__frame *f = (struct jwaiter__frame *)co;
    CO_BEGIN(co);
    CO_AWAIT(co, &f->j, 1);
    *f->out = f->j.ret;
    CO_RETURN(co);
    CO_END;
}
static void jwaiter__init(struct jwaiter__frame *f, ac_group *g, int *out)
{
    memset(f, 0, sizeof *f);
    f->co.resume = jwaiter__resume;
    f->out = out;
    ac_join_one__init(&f->j, g);
}

/* async int named(void) (F): names itself, yields (the main task names
 * itself meanwhile), renames, clears, and ends with a name set. */
static int named_steps;
struct named__frame {
    ac_coro co;
    int ret;
    struct ac_yield__frame y;
};
static void named__resume(ac_coro *co)
{
    struct named__frame *f = (struct named__frame *)co;
    CO_BEGIN(co);
    CHECK(ac_task_name() == NULL); /* a new task has none */
    ac_task_set_name("child");
    CHECK(strcmp(ac_task_name(), "child") == 0);
    ac_yield__init(&f->y);
    CO_AWAIT(co, &f->y, 1);
    CHECK(strcmp(ac_task_name(), "child") == 0);
    ac_task_set_name("child, renamed");
    CHECK(strcmp(ac_task_name(), "child, renamed") == 0);
    CHECK_EQ(ac_stats().task_names, 2); /* replaced, not added */
    ac_task_set_name(NULL);
    CHECK(ac_task_name() == NULL);
    ac_task_set_name("child at its end"); /* freed when the task ends */
    named_steps++;
    CO_RETURN(co);
    CO_END;
}
static void named__init(struct named__frame *f)
{
    memset(f, 0, sizeof *f);
    f->co.resume = named__resume;
}

/* ---- the test --------------------------------------------------------------- */

/* D's sleeps are 10 ms apart; under valgrind ("quick") the loop can stall
 * for that long, so the gaps are wider there. */
static uint64_t scale = 1;

static int item_value(void *p) { return (int)(intptr_t)p; }
#define ITEM(n) ((void *)(intptr_t)(n))

struct main__frame {
    ac_coro co;
    int ret;
    ac_queue q;
    ac_group g, w;
    int got[3];
    void *items[3];
    int i, r, kid_ret;
    void *item;
    char namebuf[16];
    union {
        struct ac_queue_get__frame get;
        struct ac_queue_put__frame put;
        struct ac_join_one__frame j1;
        struct ac_join__frame j;
        struct ac_sleep__frame s;
    } sub;
};

static void main__resume(ac_coro *co)
{
    struct main__frame *f = (struct main__frame *)co;
    CO_BEGIN(co);
    /* ---- A: three getters on an empty queue */
    ac_queue_init(&f->q, 0);
    ac_group_init(&f->g);
    for (int i = 0; i < 3; i++) {
        f->got[i] = 1;
        SPAWN(&f->g, struct getter__frame, getter__init, &f->q, &f->got[i],
              &f->items[i]);
    }
    ac_sleep__init(&f->sub.s, 5);
    CO_AWAIT(co, &f->sub.s, 1);
    for (int i = 0; i < 3; i++)
        CHECK_EQ(f->got[i], 1); /* still waiting before the close */
    ac_queue_close(&f->q);
    CHECK(f->q.getters.head == NULL);
    ac_join__init(&f->sub.j, &f->g);
    CO_AWAIT(co, &f->sub.j, 2);
    for (int i = 0; i < 3; i++)
        CHECK_EQ(f->got[i], AC_ECLOSED);
    /* A get after the close, on the empty queue: at once. */
    ac_queue_get__init(&f->sub.get, &f->q, &f->item);
    CHECK_EQ(ac_await(co, &f->sub.get.co, 3), 0);
    CHECK_EQ(f->sub.get.ret, AC_ECLOSED);
    ac_queue_close(&f->q); /* idempotent */
    ac_queue_destroy(&f->q);

    /* ---- B: the items queued before the close drain in order */
    ac_queue_init(&f->q, 4);
    for (f->i = 1; f->i <= 3; f->i++) {
        ac_queue_put__init(&f->sub.put, &f->q, ITEM(10 * f->i));
        CHECK_EQ(ac_await(co, &f->sub.put.co, 4), 0);
        CHECK_EQ(f->sub.put.ret, 0);
    }
    ac_queue_close(&f->q);
    CHECK_EQ(ac_queue_size(&f->q), 3);
    ac_queue_put__init(&f->sub.put, &f->q, ITEM(99));
    CHECK_EQ(ac_await(co, &f->sub.put.co, 5), 0); /* at once */
    CHECK_EQ(f->sub.put.ret, AC_ECLOSED);
    CHECK_EQ(ac_queue_size(&f->q), 3);
    for (f->i = 1; f->i <= 3; f->i++) {
        f->item = NULL;
        ac_queue_get__init(&f->sub.get, &f->q, &f->item);
        CHECK_EQ(ac_await(co, &f->sub.get.co, 6), 0);
        CHECK_EQ(f->sub.get.ret, 0);
        CHECK_EQ(item_value(f->item), 10 * f->i);
    }
    for (f->i = 0; f->i < 2; f->i++) {
        ac_queue_get__init(&f->sub.get, &f->q, &f->item);
        CHECK_EQ(ac_await(co, &f->sub.get.co, 7), 0);
        CHECK_EQ(f->sub.get.ret, AC_ECLOSED);
    }
    ac_queue_destroy(&f->q);

    /* ---- C: a putter waiting on a full queue when it closes */
    ac_queue_init(&f->q, 1);
    ac_queue_put__init(&f->sub.put, &f->q, ITEM(1));
    CHECK_EQ(ac_await(co, &f->sub.put.co, 8), 0);
    f->got[0] = 1;
    SPAWN(&f->g, struct putter__frame, putter__init, &f->q, ITEM(2),
          &f->got[0]);
    CHECK(f->q.putters.head != NULL); /* it waits */
    ac_queue_close(&f->q);
    CHECK(f->q.putters.head == NULL);
    ac_join__init(&f->sub.j, &f->g);
    CO_AWAIT(co, &f->sub.j, 9);
    CHECK_EQ(f->got[0], AC_ECLOSED);
    CHECK_EQ(ac_queue_size(&f->q), 1); /* its item was not queued */
    ac_queue_get__init(&f->sub.get, &f->q, &f->item);
    CHECK_EQ(ac_await(co, &f->sub.get.co, 10), 0);
    CHECK_EQ(f->sub.get.ret, 0);
    CHECK_EQ(item_value(f->item), 1);
    ac_queue_get__init(&f->sub.get, &f->q, &f->item);
    CHECK_EQ(ac_await(co, &f->sub.get.co, 11), 0);
    CHECK_EQ(f->sub.get.ret, AC_ECLOSED);
    ac_queue_destroy(&f->q);

    /* ---- D: ac_join_one in finish order */
    ac_join_one__init(&f->sub.j1, &f->g); /* empty group: 1 at once */
    CHECK_EQ(ac_await(co, &f->sub.j1.co, 12), 0);
    CHECK_EQ(f->sub.j1.ret, 1);
    /* The sleeps start from the loop's cached time: refresh it first (the
     * parts above may have taken a while under valgrind). */
    ac_sleep__init(&f->sub.s, 1);
    CO_AWAIT(co, &f->sub.s, 25);
    n_finished = 0;
    SPAWN(&f->g, struct finisher__frame, finisher__init, 30 * scale);
    SPAWN(&f->g, struct finisher__frame, finisher__init, 10 * scale);
    SPAWN(&f->g, struct finisher__frame, finisher__init, 20 * scale);
    for (f->i = 1; f->i <= 3; f->i++) {
        ac_join_one__init(&f->sub.j1, &f->g);
        CO_AWAIT(co, &f->sub.j1, 13);
        CHECK_EQ(f->sub.j1.ret, 0);
        /* Exactly one more child has finished: the next shortest. */
        CHECK_EQ(n_finished, f->i);
        CHECK_EQ(finish_order[f->i - 1], 10 * (uint64_t)f->i * scale);
        CHECK_EQ(f->g.live, (size_t)(3 - f->i));
    }
    ac_join_one__init(&f->sub.j1, &f->g);
    CHECK_EQ(ac_await(co, &f->sub.j1.co, 14), 0); /* none left: at once */
    CHECK_EQ(f->sub.j1.ret, 1);

    /* Finishes before the call are reported one per call, at once. */
    n_finished = 0;
    SPAWN(&f->g, struct finisher__frame, finisher__init, 1);
    SPAWN(&f->g, struct finisher__frame, finisher__init, 2);
    ac_sleep__init(&f->sub.s, 20);
    CO_AWAIT(co, &f->sub.s, 15);
    CHECK_EQ(n_finished, 2);
    for (f->i = 0; f->i < 3; f->i++) {
        ac_join_one__init(&f->sub.j1, &f->g);
        CHECK_EQ(ac_await(co, &f->sub.j1.co, 16), 0);
        CHECK_EQ(f->sub.j1.ret, f->i < 2 ? 0 : 1);
    }

    /* ac_join reports every finish: ac_join_one has nothing left. */
    SPAWN(&f->g, struct finisher__frame, finisher__init, 1);
    SPAWN(&f->g, struct finisher__frame, finisher__init, 3);
    ac_join__init(&f->sub.j, &f->g);
    CO_AWAIT(co, &f->sub.j, 17);
    CHECK_EQ(f->sub.j.ret, 0);
    ac_join_one__init(&f->sub.j1, &f->g);
    CHECK_EQ(ac_await(co, &f->sub.j1.co, 18), 0);
    CHECK_EQ(f->sub.j1.ret, 1);

    /* ---- E: cancelling the task that waits in ac_join_one */
    ac_group_init(&f->w);
    n_finished = 0;
    SPAWN(&f->g, struct finisher__frame, finisher__init, 30);
    f->kid_ret = 1;
    SPAWN(&f->w, struct jwaiter__frame, jwaiter__init, &f->g, &f->kid_ret);
    CHECK(f->g.joiner != NULL); /* it waits on g */
    /* A second joiner meanwhile: busy, at once. */
    ac_join_one__init(&f->sub.j1, &f->g);
    CHECK_EQ(ac_await(co, &f->sub.j1.co, 19), 0);
    CHECK_EQ(f->sub.j1.ret, UV_EBUSY);
    ac_sleep__init(&f->sub.s, 5);
    CO_AWAIT(co, &f->sub.s, 20);
    CHECK_EQ(f->kid_ret, 1);
    ac_group_cancel(&f->w);
    ac_join__init(&f->sub.j, &f->w);
    CO_AWAIT(co, &f->sub.j, 21);
    CHECK_EQ(f->kid_ret, AC_ECANCELED);
    CHECK(f->g.joiner == NULL);
    CHECK_EQ(f->g.live, 1);   /* the child goes on, not cancelled */
    CHECK_EQ(n_finished, 0);
    ac_join_one__init(&f->sub.j1, &f->g);
    CO_AWAIT(co, &f->sub.j1, 22);
    CHECK_EQ(f->sub.j1.ret, 0);
    CHECK_EQ(n_finished, 1);
    CHECK_EQ(finish_order[0], 30); /* slept its whole time: not cancelled */
    ac_join_one__init(&f->sub.j1, &f->g);
    CHECK_EQ(ac_await(co, &f->sub.j1.co, 23), 0);
    CHECK_EQ(f->sub.j1.ret, 1);

    /* ---- F: names */
    CHECK(ac_task_name() == NULL);
    strcpy(f->namebuf, "main");
    ac_task_set_name(f->namebuf);
    f->namebuf[0] = 'X'; /* a copy was kept */
    CHECK(ac_task_name() != f->namebuf);
    CHECK(strcmp(ac_task_name(), "main") == 0);
    CHECK(strcmp(ac_current_task()->name, "main") == 0);
    CHECK_EQ(ac_stats().task_names, 1);
    SPAWN(&f->g, struct named__frame, named__init);
    CHECK(strcmp(ac_task_name(), "main") == 0); /* the child's is its own */
    CHECK_EQ(ac_stats().task_names, 2);
    ac_join__init(&f->sub.j, &f->g);
    CO_AWAIT(co, &f->sub.j, 24);
    CHECK_EQ(named_steps, 1);
    CHECK_EQ(ac_stats().task_names, 1); /* the child's went with it */
    CHECK(strcmp(ac_task_name(), "main") == 0);
    ac_task_set_name(NULL);
    CHECK(ac_task_name() == NULL);
    CHECK(ac_current_task()->name == NULL);
    CHECK_EQ(ac_stats().task_names, 0);
    ac_task_set_name("main, again"); /* freed when the task ends */
    ac_task_set_name("main, replaced"); /* the old one freed now */
    CHECK_EQ(ac_stats().task_names, 1);

    f->ret = 42;
    CO_RETURN(co);
    CO_END;
}

/* F, the end of ac_run with a named task that never finished: a root that
 * names itself and waits on an empty queue forever (AC_EDEADLK). */
static ac_queue never;
struct stuck__frame {
    ac_coro co;
    int ret;
    void *item;
    struct ac_queue_get__frame get;
};
static void stuck__resume(ac_coro *co)
{
    struct stuck__frame *f = (struct stuck__frame *)co;
    CO_BEGIN(co);
    ac_task_set_name("stuck forever");
    CHECK_EQ(ac_stats().task_names, 1);
    ac_queue_get__init(&f->get, &never, &f->item);
    CO_AWAIT(co, &f->get, 1);
    /* Reached only once the deadlock was found: cancelled. */
    f->ret = f->get.ret == AC_ECANCELED ? 2 : 1;
    CO_RETURN(co);
    CO_END;
}

int main(int argc, char **argv)
{
    struct main__frame f;
    struct stuck__frame s;

    /* H: the texts (the runtime's, not libuv's "connection timed out"). */
    CHECK(strcmp(ac_strerror(AC_ETIMEDOUT), "timed out") == 0);
    CHECK(strcmp(ac_strerror(AC_ECLOSED), "the queue is closed") == 0);
    CHECK(AC_ECLOSED < 0);

    /* Outside any task: no name, and setting one does nothing. */
    ac_task_set_name("nobody");
    CHECK(ac_task_name() == NULL);

    if (quick_mode(argc, argv))
        scale = 5;
    memset(&f, 0, sizeof f);
    f.co.resume = main__resume;
    io_run(&f.co);
    CHECK_EQ(f.ret, 42);

    /* The name of the task that never ended is freed by ac_run's end.  The
     * runtime's list of live names would keep it reachable, so leak
     * checkers would not see it stay: ac_stats().task_names does. */
    ac_queue_init(&never, 0);
    memset(&s, 0, sizeof s);
    s.co.resume = stuck__resume;
    CHECK_EQ(ac_run(&s.co), AC_EDEADLK);
    CHECK_EQ(s.ret, 2); /* the deadlocked task was cancelled and unwound */
    check_stats_zero(); /* task_names among them */
    /* Its cancelled get left the queue's getter list. */
    CHECK(never.getters.head == NULL);
    ac_queue_destroy(&never);
    puts("test_tasks: ok");
    return 0;
}
