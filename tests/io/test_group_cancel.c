/*
 * test_group_cancel.c - structured concurrency: groups and cancellation.
 *
 *  A. 10,000 sleepers (60 s each) spawned into one group: all are sleeping
 *     (10,000 timer-heap entries, no uv handle each); ac_group_cancel ends
 *     every one of them with AC_ECANCELED at once, their stores do not run,
 *     ac_join returns 0 quickly, and their frames went back.
 *  B. The joining task itself is cancelled (through with_timeout): the join
 *     cancels the children, waits for them, returns AC_ECANCELED; a later
 *     await in that task returns AC_ECANCELED without suspending.
 *  C. A group is reusable after ac_join; children that finish normally get
 *     their results stored; a join with no children returns 0 at once.
 */
#include "io_test.h"

#define N_SLEEPERS 10000

static int results[N_SLEEPERS];
static int stored[N_SLEEPERS];

/* A spawned sleeper whose result is stored into stored[i] when it was not
 * cancelled (the store runs only then). */
struct kid {
    ac_spawn_child hdr;
    struct sleeper__frame c;
    int *dst;
};
static void kid_store(void *ctx)
{
    struct kid *k = ctx;
    *k->dst = 100 + k->c.ret;
}
static void spawn_kid(ac_group *g, uint64_t ms, int *result, int *dst)
{
    struct kid *k = ac_frame_alloc(sizeof *k);
    CHECK(k != NULL);
    sleeper__init(&k->c, ms, result);
    k->dst = dst;
    k->hdr.co = &k->c.co;
    k->hdr.store = kid_store;
    k->hdr.ctx = k;
    k->hdr.alloc_size = sizeof *k;
    ac_spawn(g, &k->hdr);
}

/* async int joiner(void): spawns 50 long sleepers, joins (cancelled from
 * outside), then tries one more sleep.  B. */
static int j_join_ret = 1, j_after_ret = 1, j_after_sync, j_kids_cancelled;
static int j_kid_res[50];
struct joiner__frame {
    ac_coro co;
    int ret;
    ac_group g;
    union {
        struct ac_join__frame j;
        struct ac_sleep__frame s;
    } sub;
};
static void joiner__resume(ac_coro *co)
{
    struct joiner__frame *f = (struct joiner__frame *)co;
    CO_BEGIN(co);
    ac_group_init(&f->g);
    for (int i = 0; i < 50; i++)
        spawn_kid(&f->g, 60000, &j_kid_res[i], &stored[i]);
    ac_join__init(&f->sub.j, &f->g);
    CO_AWAIT(co, &f->sub.j, 1);
    j_join_ret = f->sub.j.ret;
    CHECK_EQ(f->g.live, 0); /* every child has finished */
    for (int i = 0; i < 50; i++)
        j_kids_cancelled += j_kid_res[i] == AC_ECANCELED;
    ac_sleep__init(&f->sub.s, 1000);
    j_after_sync = 1;
    if (ac_await(co, &f->sub.s.co, 2)) {
        j_after_sync = 0;
        return;
    }
    __attribute__((fallthrough));
    case 2:
    j_after_ret = f->sub.s.ret;
    f->ret = 7;
    CO_RETURN(co);
    CO_END;
}
static void joiner__init(struct joiner__frame *f)
{
    memset(f, 0, sizeof *f);
    f->co.resume = joiner__resume;
}

struct wt_joiner {
    struct ac_with_timeout__frame wt;
    struct joiner__frame op;
    int result;
};
static void wt_joiner_store(void *ctx)
{
    struct wt_joiner *w = ctx;
    w->result = w->op.ret;
}

struct main__frame {
    ac_coro co;
    int ret;
    ac_group g;
    double t0;
    union {
        struct ac_join__frame j;
        struct ac_sleep__frame s;
        struct wt_joiner w;
    } sub;
};

static void main__resume(ac_coro *co)
{
    struct main__frame *f = (struct main__frame *)co;
    CO_BEGIN(co);
    /* ---- A */
    ac_group_init(&f->g);
    for (int i = 0; i < N_SLEEPERS; i++) {
        results[i] = 1;
        stored[i] = -1;
        spawn_kid(&f->g, 60000, &results[i], &stored[i]);
    }
    CHECK_EQ(f->g.live, N_SLEEPERS);
    CHECK_EQ(ac_stats().sleepers, N_SLEEPERS);
    CHECK_EQ(ac_stats().live_tasks, N_SLEEPERS + 1);
    CHECK_EQ(ac_stats().open_handles, io_base_handles);
    /* Let them all reach their sleep for real, then cancel. */
    ac_sleep__init(&f->sub.s, 10);
    CO_AWAIT(co, &f->sub.s, 1);
    f->t0 = wall_ms();
    ac_group_cancel(&f->g);
    CHECK_EQ(ac_stats().sleepers, 0); /* timer entries removed at once */
    ac_join__init(&f->sub.j, &f->g);
    CO_AWAIT(co, &f->sub.j, 2);
    CHECK_EQ(f->sub.j.ret, 0);
    CHECK(wall_ms() - f->t0 < 5000);
    CHECK_EQ(f->g.live, 0);
    for (int i = 0; i < N_SLEEPERS; i++) {
        CHECK_EQ(results[i], AC_ECANCELED);
        CHECK_EQ(stored[i], -1);
    }
    CHECK_EQ(ac_stats().frame_bytes, 0);
    CHECK_EQ(ac_stats().live_tasks, 1);

    /* ---- B */
    memset(stored, 0xff, sizeof stored);
    ac_with_timeout__init(&f->sub.w.wt, 30, &f->sub.w.op.co, wt_joiner_store,
                          &f->sub.w);
    joiner__init(&f->sub.w.op);
    f->sub.w.result = -1;
    f->t0 = wall_ms();
    CO_AWAIT(co, &f->sub.w.wt, 3);
    CHECK_EQ(f->sub.w.wt.ret, AC_ETIMEDOUT);
    CHECK_EQ(f->sub.w.result, -1); /* no store for a cancelled operand */
    CHECK_EQ(j_join_ret, AC_ECANCELED);
    CHECK_EQ(j_kids_cancelled, 50);
    CHECK_EQ(j_after_ret, AC_ECANCELED);
    CHECK_EQ(j_after_sync, 1);
    CHECK_EQ(f->sub.w.op.ret, 7);
    for (int i = 0; i < 50; i++)
        CHECK_EQ(stored[i], -1);
    CHECK(wall_ms() - f->t0 < 5000);

    /* ---- C: reuse the group of A; children finish normally */
    for (int i = 0; i < 20; i++) {
        results[i] = 1;
        stored[i] = -1;
        spawn_kid(&f->g, (uint64_t)(i % 5), &results[i], &stored[i]);
    }
    ac_join__init(&f->sub.j, &f->g);
    CO_AWAIT(co, &f->sub.j, 4);
    CHECK_EQ(f->sub.j.ret, 0);
    for (int i = 0; i < 20; i++) {
        CHECK_EQ(results[i], 0);
        CHECK_EQ(stored[i], 100);
    }
    /* An empty group joins at once. */
    ac_join__init(&f->sub.j, &f->g);
    CHECK_EQ(ac_await(co, &f->sub.j.co, 5), 0);
    CHECK_EQ(f->sub.j.ret, 0);

    check_quiet();
    f->ret = 42;
    CO_RETURN(co);
    CO_END;
}

int main(void)
{
    struct main__frame f;
    memset(&f, 0, sizeof f);
    f.co.resume = main__resume;
    io_run(&f.co);
    CHECK_EQ(f.ret, 42);
    puts("test_group_cancel: ok");
    return 0;
}
