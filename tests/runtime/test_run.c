/*
 * test_run.c - ac_run's contract and the small pieces around it.
 *
 *  - a root that never suspends: ac_run returns 0 without needing the loop;
 *  - ac_loop / ac_current_task are NULL outside, set inside; ac_now_ms is
 *    the loop's time inside and a monotonic clock outside;
 *  - a nested ac_run returns UV_EBUSY;
 *  - a deadlocked root (waits on a leaf nothing will ever complete, after a
 *    sleep so the timer handle exists but is idle) makes ac_run return
 *    AC_EDEADLK instead of hanging, and everything is closed afterwards;
 *  - ac_frame_alloc: sizes of every class and beyond, frame_bytes exact,
 *    freed blocks reused inside ac_run; alloc/free outside ac_run.
 */
#include "rt_test.h"

/* ---- a root that completes synchronously ---------------------------------- */

struct sync_root {
    ac_coro co;
    int ret;
};

static void sync_root_resume(ac_coro *co)
{
    struct sync_root *f = (struct sync_root *)co;
    CHECK(ac_loop() != NULL);
    CHECK(ac_current_task() != NULL);
    CHECK_EQ(ac_now_ms(), uv_now(ac_loop()));
    CHECK_EQ(ac_stats().live_tasks, 1);
    f->ret = 7;
    ac_return(co);
}

/* ---- a nested ac_run ----------------------------------------------------------- */

struct nest_root {
    ac_coro co;
    int ret;
};

static void nest_root_resume(ac_coro *co)
{
    struct sync_root inner;
    coro_init(&inner.co, sync_root_resume);
    ((struct nest_root *)co)->ret = ac_run(&inner.co);
    ac_return(co);
}

/* ---- a leaf that never completes (waits on nothing) ----------------------- */

struct never {
    ac_coro co;
    int ret;
};

static int never_cancel_calls;

static void never_cancel(ac_coro *co)
{
    (void)co;
    never_cancel_calls++;
}

static void never_resume(ac_coro *co)
{
    ac_leaf_wait(co, never_cancel);
    co->state = 1; /* suspended for good */
}

/* async int stuck(void) { await ac_sleep(1); await never(); return 1; } */
static int stuck_reached_never;

struct stuck {
    ac_coro co;
    int ret;
    union {
        struct ac_sleep__frame s;
        struct never n;
    } sub;
};

static void stuck_resume(ac_coro *co)
{
    struct stuck *f = (struct stuck *)co;
    switch (co->state) {
    case 0: goto s0;
    case 1: goto s1;
    case 2: goto s2;
    }
s0:
    ac_sleep__init(&f->sub.s, 1);
    if (ac_await(&f->co, &f->sub.s.co, 1))
        return;
s1:
    CHECK_EQ(ac_stats().open_handles, 1); /* the idle timer handle */
    stuck_reached_never = 1;
    coro_init(&f->sub.n.co, never_resume);
    if (ac_await(&f->co, &f->sub.n.co, 2))
        return;
s2:
    f->ret = 1;
    ac_return(&f->co);
}

/* ---- frame allocation ------------------------------------------------------------ */

static void test_frames(void)
{
    static const size_t sizes[] = {1, 15, 16, 17, 100, 511, 512, 513, 1000,
                                   1024, 1025, 4096, 65535, 65536, 65537,
                                   300000};
    enum { NSZ = sizeof sizes / sizeof sizes[0] };
    void *p[NSZ];
    size_t total = 0;
    for (int i = 0; i < NSZ; i++) {
        p[i] = ac_frame_alloc(sizes[i]);
        CHECK(p[i] != NULL);
        CHECK_EQ((uintptr_t)p[i] % 16, 0);
        memset(p[i], 0xAB, sizes[i]); /* the whole size is usable */
        total += sizes[i];
        CHECK_EQ(ac_stats().frame_bytes, total);
    }
    for (int i = 0; i < NSZ; i++) {
        ac_frame_free(p[i], sizes[i]);
        total -= sizes[i];
        CHECK_EQ(ac_stats().frame_bytes, total);
    }
    /* A freed block of a class comes back for the next frame of the class. */
    void *a = ac_frame_alloc(100);
    ac_frame_free(a, 100);
    void *b = ac_frame_alloc(112); /* same 16-byte class as 100 */
    CHECK(a == b);
    ac_frame_free(b, 112);
    CHECK_EQ(ac_stats().frame_bytes, 0);
}

/* The free lists live inside ac_run: run the frame checks as a root. */
struct frames_root {
    ac_coro co;
    int ret;
};

static void frames_root_resume(ac_coro *co)
{
    test_frames();
    ((struct frames_root *)co)->ret = 1;
    ac_return(co);
}

int main(void)
{
    CHECK(ac_loop() == NULL);
    CHECK(ac_current_task() == NULL);
    CHECK(!ac_cancelled());

    /* ac_now_ms outside the loop: monotonic milliseconds. */
    uint64_t t0 = ac_now_ms();
    double w0 = wall_ms();
    while (wall_ms() - w0 < 20.0)
        ;
    uint64_t t1 = ac_now_ms();
    CHECK(t1 >= t0 + 19 && t1 <= t0 + 1000);

    struct sync_root sr;
    coro_init(&sr.co, sync_root_resume);
    CHECK_EQ(ac_run(&sr.co), 0);
    CHECK_EQ(sr.ret, 7);
    CHECK(ac_loop() == NULL);
    CHECK(ac_current_task() == NULL);
    check_stats_zero();

    struct nest_root nr;
    coro_init(&nr.co, nest_root_resume);
    nr.ret = 0;
    CHECK_EQ(ac_run(&nr.co), 0);
    CHECK_EQ(nr.ret, UV_EBUSY);
    check_stats_zero();

    struct stuck st;
    coro_init(&st.co, stuck_resume);
    st.ret = 0;
    double d0 = wall_ms();
    CHECK_EQ(ac_run(&st.co), AC_EDEADLK);
    CHECK(wall_ms() - d0 < 2000.0);
    CHECK_EQ(stuck_reached_never, 1);
    CHECK_EQ(st.ret, 0);            /* never resumed past the stuck await */
    /* The deadlocked task was cancelled once; this leaf's hook does not
     * complete it, so the run gives up on it at once (the loop has nothing
     * left that could) instead of waiting. */
    CHECK_EQ(never_cancel_calls, 1);
    CHECK(ac_loop() == NULL);
    check_stats_zero();

    /* The runtime is usable again after a deadlock. */
    coro_init(&sr.co, sync_root_resume);
    sr.ret = 0;
    CHECK_EQ(ac_run(&sr.co), 0);
    CHECK_EQ(sr.ret, 7);

    struct frames_root fr;
    coro_init(&fr.co, frames_root_resume);
    fr.ret = 0;
    CHECK_EQ(ac_run(&fr.co), 0);
    CHECK_EQ(fr.ret, 1);
    check_stats_zero();

    /* Outside ac_run, frames work too (async_run allocates the root frame of
     * a function defined elsewhere before ac_run and frees it after). */
    void *p = ac_frame_alloc(200);
    CHECK(p != NULL);
    CHECK_EQ(ac_stats().frame_bytes, 200);
    ac_frame_free(p, 200);
    check_stats_zero();
    printf("test_run: ok\n");
    return 0;
}
