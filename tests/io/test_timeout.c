/*
 * test_timeout.c - with_timeout both ways, and its cancellation.
 *
 *  A. the operand wins: 0, its result is stored, the deadline's timer entry
 *     left the heap, and it took about the operand's time;
 *  B. the deadline wins: AC_ETIMEDOUT after about the deadline, the
 *     operand's sleep saw AC_ECANCELED, no store;
 *  C. an operand that completes without suspending: 0 and the store, and
 *     the with_timeout itself completes without suspending;
 *  D. the awaiting task is cancelled while it waits in with_timeout: the
 *     operand is cancelled and awaited, the result is AC_ECANCELED, no
 *     store, and a with_timeout started afterwards in that task returns
 *     AC_ECANCELED at once without running its operand;
 *  E. nested deadlines: the inner (shorter) one fires first, and the outer
 *     operand completes normally (with the inner's AC_ETIMEDOUT).
 */
#include "io_test.h"

/* async int quick(int x): returns x + 1 without suspending. */
struct quick__frame {
    ac_coro co;
    int ret;
    int x;
};
static int quick_runs;
static void quick__resume(ac_coro *co)
{
    struct quick__frame *f = (struct quick__frame *)co;
    quick_runs++;
    f->ret = f->x + 1;
    ac_return(co);
}
static void quick__init(struct quick__frame *f, int x)
{
    memset(f, 0, sizeof *f);
    f->co.resume = quick__resume;
    f->x = x;
}

/* with_timeout(MS, dst = sleeper(ms)) */
struct wt_sleep {
    struct ac_with_timeout__frame wt;
    struct sleeper__frame op;
    int *dst;
};
static void wt_sleep_store(void *ctx)
{
    struct wt_sleep *w = ctx;
    *w->dst = 1000 + w->op.ret;
}
static void wt_sleep_init(struct wt_sleep *w, uint64_t deadline, uint64_t ms,
                          int *sleep_res, int *dst)
{
    sleeper__init(&w->op, ms, sleep_res);
    w->dst = dst;
    ac_with_timeout__init(&w->wt, deadline, &w->op.co, wt_sleep_store, w);
}

struct wt_quick {
    struct ac_with_timeout__frame wt;
    struct quick__frame op;
    int *dst;
};
static void wt_quick_store(void *ctx)
{
    struct wt_quick *w = ctx;
    *w->dst = w->op.ret;
}

/* async int victim(void): D.  Waits in with_timeout(10 s, sleep 10 s). */
static int d_wt_ret = 1, d_sleep_res = 1, d_dst = -1, d_after = 1;
static int d_after_sync, d_quick_dst = -1;
struct victim__frame {
    ac_coro co;
    int ret;
    union {
        struct wt_sleep ws;
        struct wt_quick wq;
    } sub;
};
static void victim__resume(ac_coro *co)
{
    struct victim__frame *f = (struct victim__frame *)co;
    CO_BEGIN(co);
    wt_sleep_init(&f->sub.ws, 10000, 10000, &d_sleep_res, &d_dst);
    CO_AWAIT(co, &f->sub.ws.wt, 1);
    d_wt_ret = f->sub.ws.wt.ret;
    quick__init(&f->sub.wq.op, 5);
    f->sub.wq.dst = &d_quick_dst;
    ac_with_timeout__init(&f->sub.wq.wt, 1000, &f->sub.wq.op.co,
                          wt_quick_store, &f->sub.wq);
    quick_runs = 0;
    d_after_sync = ac_await(co, &f->sub.wq.wt.co, 2) == 0;
    if (!d_after_sync)
        return;
    __attribute__((fallthrough));
    case 2:
    d_after = f->sub.wq.wt.ret;
    CO_RETURN(co);
    CO_END;
}
static void victim__init(struct victim__frame *f)
{
    memset(f, 0, sizeof *f);
    f->co.resume = victim__resume;
}

/* E: with_timeout(3000, with_timeout(15, sleeper(5000))) */
struct inner_wt__frame {
    ac_coro co;
    int ret;
    struct wt_sleep w;
};
static int e_sleep = 1, e_dst = -1;
static void inner_wt__resume(ac_coro *co)
{
    struct inner_wt__frame *f = (struct inner_wt__frame *)co;
    CO_BEGIN(co);
    wt_sleep_init(&f->w, 15, 5000, &e_sleep, &e_dst);
    CO_AWAIT(co, &f->w.wt, 1);
    f->ret = f->w.wt.ret;
    CO_RETURN(co);
    CO_END;
}

struct main__frame {
    ac_coro co;
    int ret;
    double t0;
    uint64_t l0; /* loop time: lower bounds hold exactly in loop time */
    int res, dst;
    ac_group g;
    union {
        struct wt_sleep ws;
        struct wt_quick wq;
        struct ac_sleep__frame s;
        struct ac_join__frame j;
        struct {
            struct ac_with_timeout__frame wt;
            struct inner_wt__frame op;
        } e;
    } sub;
};

static void main__resume(ac_coro *co)
{
    struct main__frame *f = (struct main__frame *)co;
    CO_BEGIN(co);
    /* ---- A */
    f->res = 1;
    f->dst = -1;
    wt_sleep_init(&f->sub.ws, 1000, 20, &f->res, &f->dst);
    f->t0 = wall_ms();
    f->l0 = ac_now_ms();
    CO_AWAIT(co, &f->sub.ws.wt, 1);
    CHECK_EQ(f->sub.ws.wt.ret, 0);
    CHECK_EQ(f->res, 0);
    CHECK_EQ(f->dst, 1000);
    CHECK(ac_now_ms() - f->l0 >= 20 && wall_ms() - f->t0 < 900);
    CHECK_EQ(ac_stats().sleepers, 0); /* the deadline's entry is gone */
    CHECK_EQ(ac_stats().live_tasks, 1);

    /* ---- B */
    f->res = 1;
    f->dst = -1;
    wt_sleep_init(&f->sub.ws, 30, 10000, &f->res, &f->dst);
    f->t0 = wall_ms();
    f->l0 = ac_now_ms();
    CO_AWAIT(co, &f->sub.ws.wt, 2);
    CHECK_EQ(f->sub.ws.wt.ret, AC_ETIMEDOUT);
    CHECK_EQ(f->res, AC_ECANCELED);
    CHECK_EQ(f->dst, -1);
    CHECK(ac_now_ms() - f->l0 >= 30 && wall_ms() - f->t0 < 2000);
    CHECK_EQ(ac_stats().sleepers, 0);
    CHECK_EQ(ac_stats().live_tasks, 1);

    /* ---- C */
    f->dst = -1;
    quick__init(&f->sub.wq.op, 41);
    f->sub.wq.dst = &f->dst;
    ac_with_timeout__init(&f->sub.wq.wt, 5, &f->sub.wq.op.co, wt_quick_store,
                          &f->sub.wq);
    CHECK_EQ(ac_await(co, &f->sub.wq.wt.co, 3), 0); /* no suspension */
    CHECK_EQ(f->sub.wq.wt.ret, 0);
    CHECK_EQ(f->dst, 42);
    CHECK_EQ(ac_stats().sleepers, 0);

    /* ---- D: the victim runs as a spawned child; cancel its group. */
    ac_group_init(&f->g);
    SPAWN(&f->g, struct victim__frame, victim__init);
    ac_sleep__init(&f->sub.s, 10);
    CO_AWAIT(co, &f->sub.s, 4);
    CHECK_EQ(d_wt_ret, 1); /* still waiting */
    f->t0 = wall_ms();
    ac_group_cancel(&f->g);
    ac_join__init(&f->sub.j, &f->g);
    CO_AWAIT(co, &f->sub.j, 5);
    CHECK(wall_ms() - f->t0 < 1000);
    CHECK_EQ(d_wt_ret, AC_ECANCELED);
    CHECK_EQ(d_sleep_res, AC_ECANCELED);
    CHECK_EQ(d_dst, -1);
    CHECK_EQ(d_after, AC_ECANCELED);
    CHECK_EQ(d_after_sync, 1);
    CHECK_EQ(quick_runs, 0); /* the operand never started */
    CHECK_EQ(d_quick_dst, -1);

    /* ---- E */
    e_sleep = 1;
    e_dst = -1;
    memset(&f->sub.e.op, 0, sizeof f->sub.e.op);
    f->sub.e.op.co.resume = inner_wt__resume;
    ac_with_timeout__init(&f->sub.e.wt, 3000, &f->sub.e.op.co, NULL, NULL);
    f->t0 = wall_ms();
    f->l0 = ac_now_ms();
    CO_AWAIT(co, &f->sub.e.wt, 6);
    CHECK_EQ(f->sub.e.wt.ret, 0);            /* the outer one did not fire */
    CHECK_EQ(f->sub.e.op.ret, AC_ETIMEDOUT); /* the inner one did */
    CHECK_EQ(e_sleep, AC_ECANCELED);
    CHECK_EQ(e_dst, -1);
    CHECK(ac_now_ms() - f->l0 >= 15 && wall_ms() - f->t0 < 2500);

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
    puts("test_timeout: ok");
    return 0;
}
