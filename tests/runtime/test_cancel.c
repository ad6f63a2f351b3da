/*
 * test_cancel.c - cancellation is a value.
 *
 *  A. a gather child sleeping 10 s is cancelled by its sibling: its sleep
 *     returns AC_ECANCELED, the timer entry left the heap at once, the
 *     sibling's ac_task_cancel returned before the victim ran (no
 *     re-entrant completion), and every later await of the victim (sleep,
 *     yield, to_thread, gather) returns AC_ECANCELED without suspending;
 *     its lvalue is not written; the gather itself returns 0;
 *  B. a pending ac_yield cancelled synchronously by a sibling;
 *  C. to_thread cancelled while its function runs: the await returns
 *     AC_ECANCELED only once the function is over; to_thread cancelled
 *     while queued (pool of one thread kept busy): its function never runs;
 *  D. the task that waits in a gather is cancelled: every child is
 *     cancelled and waited for, no store runs, the gather returns
 *     AC_ECANCELED, the next await in that task returns AC_ECANCELED
 *     without suspending, and a gather started in it starts no child.
 */
#include <unistd.h>

#include "rt_test.h"

/* ---- generic children ---------------------------------------------------- */

static ac_task *victim_task; /* set by the parent before the gather */

/* async int victim(void): see A. */
static int v_r1 = 1, v_r2 = 1, v_r3 = 1, v_r4 = 1, v_r5 = 1;
static int v_sync2, v_sync3, v_sync4, v_sync5, v_cancelled_seen;
static int v_resumed;
static double v_t0, v_dt;

struct th_int {
    struct ac_to_thread__frame w;
    int ret;
};
static int never_ran = 1;
static void th_int_run(struct ac_to_thread__frame *w)
{
    never_ran = 0;
    ((struct th_int *)w)->ret = 99;
}

struct victim {
    ac_coro co;
    int ret;
    union {
        struct ac_sleep__frame s;
        struct ac_yield__frame y;
        struct th_int t;
        struct ac_gather__frame g;
    } sub;
};

static void victim_resume(ac_coro *co)
{
    struct victim *f = (struct victim *)co;
    switch (co->state) {
    case 0: goto s0;
    case 1: goto s1;
    case 2: goto s2;
    case 3: goto s3;
    case 4: goto s4;
    case 5: goto s5;
    }
s0:
    v_t0 = wall_ms();
    ac_sleep__init(&f->sub.s, 10000);
    if (ac_await(&f->co, &f->sub.s.co, 1))
        return;
s1:
    v_resumed = 1;
    v_r1 = f->sub.s.ret;
    v_dt = wall_ms() - v_t0;
    v_cancelled_seen = ac_cancelled();
    ac_sleep__init(&f->sub.s, 10000);
    v_sync2 = 1;
    if (ac_await(&f->co, &f->sub.s.co, 2)) {
        v_sync2 = 0;
        return;
    }
s2:
    v_r2 = f->sub.s.ret;
    ac_yield__init(&f->sub.y);
    v_sync3 = 1;
    if (ac_await(&f->co, &f->sub.y.co, 3)) {
        v_sync3 = 0;
        return;
    }
s3:
    v_r3 = f->sub.y.ret;
    ac_to_thread__init(&f->sub.t.w, th_int_run);
    v_sync4 = 1;
    if (ac_await(&f->co, &f->sub.t.w.co, 4)) {
        v_sync4 = 0;
        return;
    }
s4:
    v_r4 = f->sub.t.w.ret;
    ac_gather__init(&f->sub.g, NULL, 0);
    v_sync5 = 1;
    if (ac_await(&f->co, &f->sub.g.co, 5)) {
        v_sync5 = 0;
        return;
    }
s5:
    v_r5 = f->sub.g.ret;
    f->ret = 5;
    ac_return(&f->co);
}

/* async void killer(int ms, int *wait_for)
 * { do await ac_sleep(ms); while (wait_for && !*wait_for);
 *   ac_task_cancel(victim); } */
static int k_victim_ran_inside_cancel = -1;
static size_t k_sleepers_after;

struct killer {
    ac_coro co;
    int ret;
    uint64_t ms;
    int *wait_for; /* cancel only once this flag is set (atomic) */
    union {
        struct ac_sleep__frame s;
    } sub;
};

static void killer_resume(ac_coro *co)
{
    struct killer *f = (struct killer *)co;
    switch (co->state) {
    case 0: goto s0;
    case 1: goto s1;
    }
s0:
    while (f->ms > 0) {
        ac_sleep__init(&f->sub.s, f->ms);
        if (ac_await(&f->co, &f->sub.s.co, 1))
            return;
    s1:
        if (f->wait_for == NULL || __atomic_load_n(f->wait_for, __ATOMIC_SEQ_CST))
            break;
    }
    v_resumed = 0;
    ac_task_cancel(victim_task);
    k_victim_ran_inside_cancel = v_resumed;
    k_sleepers_after = ac_stats().sleepers;
    ac_return(&f->co);
}

static void killer_init(struct killer *f, uint64_t ms)
{
    coro_init(&f->co, killer_resume);
    f->ms = ms;
    f->wait_for = NULL;
}

/* ---- A ------------------------------------------------------------------------ */

struct root_a {
    ac_coro co;
    int ret;
    int victim_result;
    struct ac_gather__frame g;
    ac_gather_child ch[2];
    struct victim v;
    struct killer k;
};

static void store_victim(void *ctx)
{
    struct root_a *f = ctx;
    f->victim_result = f->v.ret;
}

static void root_a_resume(ac_coro *co)
{
    struct root_a *f = (struct root_a *)co;
    switch (co->state) {
    case 0: goto s0;
    case 1: goto s1;
    }
s0:
    coro_init(&f->v.co, victim_resume);
    killer_init(&f->k, 20);
    f->ch[0] = (ac_gather_child){.co = &f->v.co, .store = store_victim, .ctx = f};
    f->ch[1] = (ac_gather_child){.co = &f->k.co};
    victim_task = &f->ch[0].task;
    ac_gather__init(&f->g, f->ch, 2);
    if (ac_await(&f->co, &f->g.co, 1))
        return;
s1:
    f->ret = f->g.ret;
    CHECK(!ac_cancelled());
    ac_return(&f->co);
}

static void test_a(void)
{
    struct root_a r;
    coro_init(&r.co, root_a_resume);
    r.ret = -1;
    r.victim_result = -1;
    CHECK_EQ(ac_run(&r.co), 0);
    CHECK_EQ(r.ret, 0);
    CHECK_EQ(r.victim_result, -1); /* cancelled: result discarded */
    CHECK_EQ(r.v.ret, 5);          /* though the function did return */
    CHECK_EQ(v_r1, AC_ECANCELED);
    CHECK(v_dt < 1000.0);
    CHECK_EQ(v_cancelled_seen, 1);
    CHECK_EQ(k_victim_ran_inside_cancel, 0);
    CHECK_EQ(k_sleepers_after, 0);
    CHECK_EQ(v_r2, AC_ECANCELED);
    CHECK_EQ(v_sync2, 1);
    CHECK_EQ(v_r3, AC_ECANCELED);
    CHECK_EQ(v_sync3, 1);
    CHECK_EQ(v_r4, AC_ECANCELED);
    CHECK_EQ(v_sync4, 1);
    CHECK_EQ(never_ran, 1);
    CHECK_EQ(v_r5, AC_ECANCELED);
    CHECK_EQ(v_sync5, 1);
    CHECK(r.ch[0].task.flags & AC_TASK_CANCELLED);
    CHECK(!(r.ch[1].task.flags & AC_TASK_CANCELLED));
    check_stats_zero();
}

/* ---- B: a pending yield, cancelled by a sibling that does not suspend ---- */

static int yv_ret = 1;

struct yvictim {
    ac_coro co;
    int ret;
    union {
        struct ac_yield__frame y;
    } sub;
};

static void yvictim_resume(ac_coro *co)
{
    struct yvictim *f = (struct yvictim *)co;
    switch (co->state) {
    case 0: goto s0;
    case 1: goto s1;
    }
s0:
    ac_yield__init(&f->sub.y);
    if (ac_await(&f->co, &f->sub.y.co, 1))
        return;
s1:
    v_resumed = 1;
    yv_ret = f->sub.y.ret;
    ac_return(&f->co);
}

struct root_b {
    ac_coro co;
    int ret;
    struct ac_gather__frame g;
    ac_gather_child ch[2];
    struct yvictim v;
    struct killer k;
};

static void root_b_resume(ac_coro *co)
{
    struct root_b *f = (struct root_b *)co;
    switch (co->state) {
    case 0: goto s0;
    case 1: goto s1;
    }
s0:
    coro_init(&f->v.co, yvictim_resume);
    killer_init(&f->k, 0);
    f->ch[0] = (ac_gather_child){.co = &f->v.co};
    f->ch[1] = (ac_gather_child){.co = &f->k.co};
    victim_task = &f->ch[0].task;
    ac_gather__init(&f->g, f->ch, 2);
    if (ac_await(&f->co, &f->g.co, 1))
        return;
s1:
    f->ret = f->g.ret;
    ac_return(&f->co);
}

static void test_b(void)
{
    struct root_b r;
    coro_init(&r.co, root_b_resume);
    k_victim_ran_inside_cancel = -1;
    CHECK_EQ(ac_run(&r.co), 0);
    CHECK_EQ(r.ret, 0);
    CHECK_EQ(yv_ret, AC_ECANCELED);
    CHECK_EQ(k_victim_ran_inside_cancel, 0);
    check_stats_zero();
}

/* ---- C: to_thread cancelled while running, and while queued --------------- */

static int work_started;    /* set by the pool thread first thing */
static int work_finished;   /* set by the pool thread at the very end */
static int saw_finished;    /* what the victim saw when it was resumed */
static int tv_ret = 1;
static double tv_dt;

struct th_block {
    struct ac_to_thread__frame w;
    int ret;
    int ms;
};
static void th_block_run(struct ac_to_thread__frame *w)
{
    struct th_block *t = (struct th_block *)w;
    __atomic_store_n(&work_started, 1, __ATOMIC_SEQ_CST);
    usleep((useconds_t)t->ms * 1000);
    t->ret = t->ms;
    __atomic_store_n(&work_finished, 1, __ATOMIC_SEQ_CST);
}

/* async void tvictim(void) { r = await to_thread(block, 200); } */
struct tvictim {
    ac_coro co;
    int ret;
    double t0;
    union {
        struct th_block t;
    } sub;
};

static void tvictim_resume(ac_coro *co)
{
    struct tvictim *f = (struct tvictim *)co;
    switch (co->state) {
    case 0: goto s0;
    case 1: goto s1;
    }
s0:
    f->t0 = wall_ms();
    ac_to_thread__init(&f->sub.t.w, th_block_run);
    f->sub.t.ms = 200;
    if (ac_await(&f->co, &f->sub.t.w.co, 1))
        return;
s1:
    saw_finished = __atomic_load_n(&work_finished, __ATOMIC_SEQ_CST);
    tv_ret = f->sub.t.w.ret;
    tv_dt = wall_ms() - f->t0;
    ac_return(&f->co);
}

/* async void qvictim(void) { r = await to_thread(th_int_run); } */
static int qv_ret = 1;
static double qv_dt;

struct qvictim {
    ac_coro co;
    int ret;
    double t0;
    union {
        struct th_int t;
    } sub;
};

static void qvictim_resume(ac_coro *co)
{
    struct qvictim *f = (struct qvictim *)co;
    switch (co->state) {
    case 0: goto s0;
    case 1: goto s1;
    }
s0:
    f->t0 = wall_ms();
    ac_to_thread__init(&f->sub.t.w, th_int_run);
    if (ac_await(&f->co, &f->sub.t.w.co, 1))
        return;
s1:
    qv_ret = f->sub.t.w.ret;
    qv_dt = wall_ms() - f->t0;
    ac_return(&f->co);
}

struct root_c {
    ac_coro co;
    int ret;
    struct ac_gather__frame g;
    ac_gather_child ch[2];
    struct tvictim v;
    struct killer k;
    struct ac_gather__frame g2;
    ac_gather_child ch2[3];
    struct tvictim busy;
    struct qvictim q;
    struct killer k2;
};

static void root_c_resume(ac_coro *co)
{
    struct root_c *f = (struct root_c *)co;
    switch (co->state) {
    case 0: goto s0;
    case 1: goto s1;
    case 2: goto s2;
    }
s0:
    coro_init(&f->v.co, tvictim_resume);
    killer_init(&f->k, 5);
    f->k.wait_for = &work_started; /* cancel while it runs */
    f->ch[0] = (ac_gather_child){.co = &f->v.co};
    f->ch[1] = (ac_gather_child){.co = &f->k.co};
    victim_task = &f->ch[0].task;
    ac_gather__init(&f->g, f->ch, 2);
    if (ac_await(&f->co, &f->g.co, 1))
        return;
s1:
    CHECK_EQ(f->g.ret, 0);
    CHECK_EQ(tv_ret, AC_ECANCELED);
    CHECK_EQ(saw_finished, 1);
    CHECK(tv_dt >= 190.0); /* it waited for the whole function */

    /* The one pool thread is busy for 200 ms; q's work waits in the queue
     * and is cancelled there after 30 ms. */
    work_started = work_finished = 0;
    never_ran = 1;
    coro_init(&f->busy.co, tvictim_resume);
    coro_init(&f->q.co, qvictim_resume);
    killer_init(&f->k2, 5);
    f->k2.wait_for = &work_started; /* busy holds the one thread */
    f->ch2[0] = (ac_gather_child){.co = &f->busy.co};
    f->ch2[1] = (ac_gather_child){.co = &f->q.co};
    f->ch2[2] = (ac_gather_child){.co = &f->k2.co};
    victim_task = &f->ch2[1].task;
    ac_gather__init(&f->g2, f->ch2, 3);
    if (ac_await(&f->co, &f->g2.co, 2))
        return;
s2:
    CHECK_EQ(f->g2.ret, 0);
    CHECK_EQ(qv_ret, AC_ECANCELED);
    CHECK_EQ(never_ran, 1);
    CHECK(qv_dt < 150.0); /* did not wait for the busy thread */
    CHECK_EQ(work_finished, 1);
    CHECK_EQ(tv_ret, 0);  /* the busy one was not cancelled */
    f->ret = 1;
    ac_return(&f->co);
}

static void test_c(void)
{
    struct root_c r;
    coro_init(&r.co, root_c_resume);
    r.ret = 0;
    CHECK_EQ(ac_run(&r.co), 0);
    CHECK_EQ(r.ret, 1);
    check_stats_zero();
}

/* ---- D: the gathering task itself is cancelled ----------------------------- */

static ac_task *main_task;
static int d_stores;

/* async int lazy(void) { await ac_sleep(10000); return 1; } */
struct lazy {
    ac_coro co;
    int ret;
    union {
        struct ac_sleep__frame s;
    } sub;
};

static void lazy_resume(ac_coro *co)
{
    struct lazy *f = (struct lazy *)co;
    switch (co->state) {
    case 0: goto s0;
    case 1: goto s1;
    }
s0:
    ac_sleep__init(&f->sub.s, 10000);
    if (ac_await(&f->co, &f->sub.s.co, 1))
        return;
s1:
    CHECK_EQ(f->sub.s.ret, AC_ECANCELED);
    f->ret = 1;
    ac_return(&f->co);
}

static void count_store(void *ctx)
{
    (void)ctx;
    d_stores++;
}

struct root_d {
    ac_coro co;
    int ret;
    int sync_sleep, sync_gather;
    int sleep_ret;
    double t0, dt;
    struct ac_gather__frame g;
    ac_gather_child ch[3];
    struct lazy l1, l2;
    struct killer k;
    union {
        struct ac_sleep__frame s;
        struct {
            struct ac_gather__frame g;
            ac_gather_child ch[1];
            struct lazy l;
        } g2;
    } sub;
};

static void root_d_resume(ac_coro *co)
{
    struct root_d *f = (struct root_d *)co;
    switch (co->state) {
    case 0: goto s0;
    case 1: goto s1;
    case 2: goto s2;
    case 3: goto s3;
    }
s0:
    main_task = ac_current_task();
    CHECK(main_task != NULL);
    f->t0 = wall_ms();
    coro_init(&f->l1.co, lazy_resume);
    coro_init(&f->l2.co, lazy_resume);
    killer_init(&f->k, 20);
    f->ch[0] = (ac_gather_child){.co = &f->l1.co, .store = count_store};
    f->ch[1] = (ac_gather_child){.co = &f->l2.co, .store = count_store};
    f->ch[2] = (ac_gather_child){.co = &f->k.co, .store = count_store};
    victim_task = main_task;
    ac_gather__init(&f->g, f->ch, 3);
    if (ac_await(&f->co, &f->g.co, 1))
        return;
s1:
    f->dt = wall_ms() - f->t0;
    CHECK_EQ(f->g.ret, AC_ECANCELED);
    CHECK(ac_cancelled());
    for (int i = 0; i < 3; i++) {
        CHECK(f->ch[i].task.flags & AC_TASK_DONE);
        CHECK(f->ch[i].task.flags & AC_TASK_CANCELLED);
    }
    CHECK_EQ(f->l1.ret, 1); /* both children ran to their end */
    CHECK_EQ(f->l2.ret, 1);

    ac_sleep__init(&f->sub.s, 10000);
    f->sync_sleep = 1;
    if (ac_await(&f->co, &f->sub.s.co, 2)) {
        f->sync_sleep = 0;
        return;
    }
s2:
    f->sleep_ret = f->sub.s.ret;

    coro_init(&f->sub.g2.l.co, lazy_resume);
    f->sub.g2.l.ret = -7;
    f->sub.g2.ch[0] = (ac_gather_child){.co = &f->sub.g2.l.co,
                                        .store = count_store};
    ac_gather__init(&f->sub.g2.g, f->sub.g2.ch, 1);
    f->sync_gather = 1;
    if (ac_await(&f->co, &f->sub.g2.g.co, 3)) {
        f->sync_gather = 0;
        return;
    }
s3:
    CHECK_EQ(f->sub.g2.g.ret, AC_ECANCELED);
    CHECK_EQ(f->sub.g2.l.ret, -7);          /* never started */
    CHECK_EQ(f->sub.g2.l.co.state, 0);
    f->ret = 1;
    ac_return(&f->co);
}

static void test_d(void)
{
    struct root_d r;
    coro_init(&r.co, root_d_resume);
    r.ret = 0;
    CHECK_EQ(ac_run(&r.co), 0);
    CHECK_EQ(r.ret, 1);
    CHECK_EQ(d_stores, 0);
    CHECK(r.dt < 1000.0);
    CHECK_EQ(r.sync_sleep, 1);
    CHECK_EQ(r.sleep_ret, AC_ECANCELED);
    CHECK_EQ(r.sync_gather, 1);
    check_stats_zero();
}

int main(void)
{
    /* One pool thread, so C can keep it busy; set before the pool starts. */
    setenv("UV_THREADPOOL_SIZE", "1", 1);
    test_a();
    test_b();
    test_c();
    test_d();
    printf("test_cancel: ok\n");
    return 0;
}
