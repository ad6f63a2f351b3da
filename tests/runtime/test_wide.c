/*
 * test_wide.c - many tasks at once, and tasks nested deep.
 *
 *  1. gather of 10,000 children that complete synchronously and 10,000 that
 *     sleep (1..8 ms): every store lands in its own slot;
 *  2. recursion through gather, 20,000 levels:
 *        async long nest(int n) { long r = 0;
 *            if (n > 0) await gather(r = nest(n - 1));
 *            return r + n; }
 *     every level is a child task started from inside its parent's start;
 *     the C stack must stay bounded (the ready queue takes over);
 *     and again 200,000 deep with the bottom cancelling the main task
 *     (cancellation goes down every level without deep C recursion);
 *  3. a task cancelled from a plain libuv callback (a uv_timer_t the test
 *     opens on ac_loop()): the sleeping victim returns AC_ECANCELED;
 *  4. 50,000 tasks spinning on ac_yield, all cancelled at once.
 */
#include "rt_test.h"

/* ---- children --------------------------------------------------------------- */

/* async int ident(int x) { return x; } */
struct ident {
    ac_coro co;
    int ret;
    int x;
};

static void ident_resume(ac_coro *co)
{
    struct ident *f = (struct ident *)co;
    f->ret = f->x;
    ac_return(co);
}

/* async int napper(int x) { await ac_sleep(1 + x % 8); return -x; } */
struct napper {
    ac_coro co;
    int ret;
    int x;
    union {
        struct ac_sleep__frame s;
    } sub;
};

static void napper_resume(ac_coro *co)
{
    struct napper *f = (struct napper *)co;
    switch (co->state) {
    case 0: goto s0;
    case 1: goto s1;
    }
s0:
    ac_sleep__init(&f->sub.s, 1 + (uint64_t)(f->x % 8));
    if (ac_await(&f->co, &f->sub.s.co, 1))
        return;
s1:
    CHECK_EQ(f->sub.s.ret, 0);
    f->ret = -f->x;
    ac_return(co);
}

#define NW 10000

struct wide {
    struct ac_gather__frame g;
    ac_gather_child ch[2 * NW];
    struct ident id[NW];
    struct napper nap[NW];
    int out[2 * NW];
};

struct store_ctx {
    struct wide *w;
    int i;
};
static struct store_ctx ctxs[2 * NW];

static void store_slot(void *p)
{
    struct store_ctx *c = p;
    struct wide *w = c->w;
    w->out[c->i] = c->i < NW ? w->id[c->i].ret : w->nap[c->i - NW].ret;
}

struct wide_root {
    ac_coro co;
    int ret;
    struct wide *w;
};

static void wide_root_resume(ac_coro *co)
{
    struct wide_root *f = (struct wide_root *)co;
    struct wide *w = f->w;
    switch (co->state) {
    case 0: goto s0;
    case 1: goto s1;
    }
s0:
    for (int i = 0; i < NW; i++) {
        coro_init(&w->id[i].co, ident_resume);
        w->id[i].x = i * 3;
        coro_init(&w->nap[i].co, napper_resume);
        w->nap[i].x = i;
    }
    for (int i = 0; i < 2 * NW; i++) {
        ctxs[i] = (struct store_ctx){w, i};
        w->out[i] = 12345;
        w->ch[i] = (ac_gather_child){
            .co = i < NW ? &w->id[i].co : &w->nap[i - NW].co,
            .store = store_slot,
            .ctx = &ctxs[i]};
    }
    ac_gather__init(&w->g, w->ch, 2 * NW);
    if (ac_await(&f->co, &w->g.co, 1))
        return;
s1:
    f->ret = w->g.ret;
    ac_return(co);
}

static void test_wide(void)
{
    struct wide *w = calloc(1, sizeof *w);
    CHECK(w != NULL);
    struct wide_root r;
    coro_init(&r.co, wide_root_resume);
    r.w = w;
    r.ret = -1;
    CHECK_EQ(ac_run(&r.co), 0);
    CHECK_EQ(r.ret, 0);
    for (int i = 0; i < NW; i++) {
        CHECK_EQ(w->out[i], i * 3);
        CHECK_EQ(w->out[NW + i], -i);
    }
    free(w);
    check_stats_zero();
}

/* ---- nested gathers ------------------------------------------------------------ */

#define NEST 20000

struct nest {
    ac_coro co;
    long ret;
    int n;
    long r;
    struct nest__g {
        struct ac_gather__frame g;
        ac_gather_child ch[1];
        struct nest *child; /* recursion: on the heap */
        long *dst;
    } g1;
};

static size_t max_live_tasks;
static int cancel_from_bottom;
static ac_task *main_task;
static long cancelled_levels;
static uintptr_t sp_min = UINTPTR_MAX, sp_max;

static void note_stack(void)
{
    volatile char here;
    uintptr_t a = (uintptr_t)&here;
    if (a < sp_min)
        sp_min = a;
    if (a > sp_max)
        sp_max = a;
}

static void nest_store(void *ctx)
{
    struct nest__g *g = ctx;
    *g->dst = g->child->ret;
}

static void nest_resume(ac_coro *co)
{
    struct nest *f = (struct nest *)co;
    switch (co->state) {
    case 0: goto s0;
    case 1: goto s1;
    }
s0:
    note_stack();
    f->r = 0;
    if (f->n == 0) {
        max_live_tasks = ac_stats().live_tasks;
        if (cancel_from_bottom)
            ac_task_cancel(main_task);
        goto out;
    }
    f->g1.child = ac_frame_alloc(sizeof *f->g1.child);
    CHECK(f->g1.child != NULL);
    coro_init(&f->g1.child->co, nest_resume);
    f->g1.child->n = f->n - 1;
    f->g1.dst = &f->r;
    f->g1.ch[0] = (ac_gather_child){.co = &f->g1.child->co,
                                    .store = nest_store, .ctx = &f->g1};
    ac_gather__init(&f->g1.g, f->g1.ch, 1);
    if (ac_await(&f->co, &f->g1.g.co, 1))
        return;
s1:
    if (cancel_from_bottom) {
        /* every level's task was cancelled: results are discarded */
        CHECK_EQ(f->g1.g.ret, AC_ECANCELED);
        CHECK(f->g1.ch[0].task.flags & AC_TASK_CANCELLED);
        CHECK_EQ(f->r, 0);
        cancelled_levels++;
    } else {
        CHECK_EQ(f->g1.g.ret, 0);
    }
    /* the child's task is a child of ours */
    CHECK(f->g1.ch[0].task.parent == f->co.task);
    ac_frame_free(f->g1.child, sizeof *f->g1.child);
out:
    f->ret = f->r + f->n;
    ac_return(co);
}

/* The root of the nested run: remembers the main task first. */
static void nest_root_resume(ac_coro *co)
{
    if (co->state == 0)
        main_task = ac_current_task();
    nest_resume(co);
}

/*
 * 200,000 nested gathers, and the bottom cancels the main task: the cancel
 * goes down through every level's gather to every child task, which must
 * not take one C stack frame per level either.
 */
#define NEST_CANCEL 200000

static void test_nest_cancel(void)
{
    struct nest r;
    coro_init(&r.co, nest_root_resume);
    r.n = NEST_CANCEL;
    cancel_from_bottom = 1;
    cancelled_levels = 0;
    CHECK_EQ(ac_run(&r.co), 0);
    cancel_from_bottom = 0;
    CHECK_EQ(cancelled_levels, NEST_CANCEL);
    CHECK_EQ(r.ret, NEST_CANCEL); /* r stayed 0: only its own n */
    check_stats_zero();
}

static void test_nest(void)
{
    struct nest r;
    coro_init(&r.co, nest_resume);
    r.n = NEST;
    CHECK_EQ(ac_run(&r.co), 0);
    CHECK_EQ(r.ret, (long)NEST * (NEST + 1) / 2);
    CHECK_EQ(max_live_tasks, NEST + 1); /* every level's task, plus main */
    /* 20,000 nested starts on the C stack would take several megabytes. */
    CHECK(sp_max - sp_min < 1024 * 1024);
    check_stats_zero();
}

/* ---- cancel from a plain libuv callback ---------------------------------------- */

static ac_task *victim;
static int victim_ret = 1, victim_after_cancel = -1;

static void raw_closed(uv_handle_t *h)
{
    (void)h;
}

static void raw_timer_cb(uv_timer_t *t)
{
    victim_ret = 1;
    ac_task_cancel(victim);
    /* From plain libuv code the queued completion ran before
     * ac_task_cancel returned (the cancel was the outermost driver). */
    victim_after_cancel = victim_ret;
    uv_close((uv_handle_t *)t, raw_closed);
}

struct sleepy {
    ac_coro co;
    int ret;
    union {
        struct ac_sleep__frame s;
    } sub;
};

static void sleepy_resume(ac_coro *co)
{
    struct sleepy *f = (struct sleepy *)co;
    switch (co->state) {
    case 0: goto s0;
    case 1: goto s1;
    }
s0:
    ac_sleep__init(&f->sub.s, 10000);
    if (ac_await(&f->co, &f->sub.s.co, 1))
        return;
s1:
    victim_ret = f->sub.s.ret;
    ac_return(co);
}

struct raw_root {
    ac_coro co;
    int ret;
    uv_timer_t timer;
    struct ac_gather__frame g;
    ac_gather_child ch[1];
    struct sleepy s;
};

static void raw_root_resume(ac_coro *co)
{
    struct raw_root *f = (struct raw_root *)co;
    switch (co->state) {
    case 0: goto s0;
    case 1: goto s1;
    }
s0:
    CHECK_EQ(uv_timer_init(ac_loop(), &f->timer), 0);
    CHECK_EQ(uv_timer_start(&f->timer, raw_timer_cb, 10, 0), 0);
    coro_init(&f->s.co, sleepy_resume);
    f->ch[0] = (ac_gather_child){.co = &f->s.co};
    victim = &f->ch[0].task;
    ac_gather__init(&f->g, f->ch, 1);
    if (ac_await(&f->co, &f->g.co, 1))
        return;
s1:
    f->ret = f->g.ret;
    ac_return(co);
}

static void test_raw_cancel(void)
{
    struct raw_root r;
    coro_init(&r.co, raw_root_resume);
    r.ret = -1;
    double t0 = wall_ms();
    CHECK_EQ(ac_run(&r.co), 0);
    CHECK(wall_ms() - t0 < 2000.0);
    CHECK_EQ(r.ret, 0);
    CHECK_EQ(victim_ret, AC_ECANCELED);
    CHECK_EQ(victim_after_cancel, AC_ECANCELED);
    check_stats_zero();
}

/* ---- many yielders, all cancelled at once ------------------------------------ */

#define NY 50000

/* async void spin(void) { while (await ac_yield() == 0) rounds++; } */
static long spin_rounds, spin_cancelled;

struct spin {
    ac_coro co;
    int ret;
    union {
        struct ac_yield__frame y;
    } sub;
};

static void spin_resume(ac_coro *co)
{
    struct spin *f = (struct spin *)co;
    switch (co->state) {
    case 0: goto s0;
    case 1: goto s1;
    }
s0:
    for (;;) {
        ac_yield__init(&f->sub.y);
        if (ac_await(&f->co, &f->sub.y.co, 1))
            return;
    s1:
        if (f->sub.y.ret != 0)
            break;
        spin_rounds++;
    }
    CHECK_EQ(f->sub.y.ret, AC_ECANCELED);
    spin_cancelled++;
    ac_return(co);
}

/* async void stopper(void) { for 3 rounds: await ac_yield(); cancel main; } */
struct stopper {
    ac_coro co;
    int ret;
    int i;
    union {
        struct ac_yield__frame y;
    } sub;
};

static void stopper_resume(ac_coro *co)
{
    struct stopper *f = (struct stopper *)co;
    switch (co->state) {
    case 0: goto s0;
    case 1: goto s1;
    }
s0:
    for (f->i = 0; f->i < 3; f->i++) {
        ac_yield__init(&f->sub.y);
        if (ac_await(&f->co, &f->sub.y.co, 1))
            return;
    s1:
        CHECK_EQ(f->sub.y.ret, 0);
    }
    ac_task_cancel(main_task);
    ac_return(co);
}

struct spin_root {
    ac_coro co;
    int ret;
    struct ac_gather__frame g;
    ac_gather_child ch[NY + 1];
    struct spin sp[NY];
    struct stopper st;
};

static void spin_root_resume(ac_coro *co)
{
    struct spin_root *f = (struct spin_root *)co;
    switch (co->state) {
    case 0: goto s0;
    case 1: goto s1;
    }
s0:
    main_task = ac_current_task();
    for (int i = 0; i < NY; i++) {
        coro_init(&f->sp[i].co, spin_resume);
        f->ch[i] = (ac_gather_child){.co = &f->sp[i].co};
    }
    coro_init(&f->st.co, stopper_resume);
    f->ch[NY] = (ac_gather_child){.co = &f->st.co};
    ac_gather__init(&f->g, f->ch, NY + 1);
    if (ac_await(&f->co, &f->g.co, 1))
        return;
s1:
    f->ret = f->g.ret;
    ac_return(co);
}

/* Cancelling each of NY pending yields must not scan the others (NY^2
 * would take many seconds). */
static void test_yield_cancel_many(void)
{
    struct spin_root *r = calloc(1, sizeof *r);
    CHECK(r != NULL);
    coro_init(&r->co, spin_root_resume);
    double t0 = wall_ms();
    CHECK_EQ(ac_run(&r->co), 0);
    double dt = wall_ms() - t0;
    CHECK_EQ(r->ret, AC_ECANCELED);
    CHECK_EQ(spin_cancelled, NY);
    /* two full rounds before the stopper's third yield returned */
    CHECK(spin_rounds >= 2L * NY);
    CHECK(dt < 3000.0);
    free(r);
    check_stats_zero();
}

int main(void)
{
    test_wide();
    test_nest();
    test_nest_cancel();
    test_raw_cancel();
    test_yield_cancel_many();
    printf("test_wide: ok\n");
    return 0;
}
