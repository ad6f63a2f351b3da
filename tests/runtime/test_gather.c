/*
 * test_gather.c - gather result placement.
 *
 *   await gather(a = twice(5), b = plus1(10), arr[2] = twice(1), plus1(3),
 *                c = twice(0), pairs[1] = mkpair(7));
 *
 * Each child's store writes its own lvalue (checked against values computed
 * here, not read from the program); children that complete synchronously
 * (plus1) are stored too; a child without lvalue stores nothing; the
 * children really overlap (total time ~ the longest, not the sum); n = 0
 * completes at once without suspending.
 */
#include "rt_test.h"

/* async int twice(int x) { await ac_sleep(10 * x); return 2 * x; } */
struct twice {
    ac_coro co;
    int ret;
    int x;
    union {
        struct ac_sleep__frame s;
    } sub;
};

static void twice_resume(ac_coro *co)
{
    struct twice *f = (struct twice *)co;
    switch (co->state) {
    case 0: goto s0;
    case 1: goto s1;
    }
s0:
    ac_sleep__init(&f->sub.s, 10 * (uint64_t)f->x);
    if (ac_await(&f->co, &f->sub.s.co, 1))
        return;
s1:
    f->ret = 2 * f->x;
    ac_return(&f->co);
}

static void twice_init(struct twice *f, int x)
{
    coro_init(&f->co, twice_resume);
    f->x = x;
}

/* async int plus1(int x) { return x + 1; }   (never suspends) */
struct plus1 {
    ac_coro co;
    int ret;
    int x;
};

static void plus1_resume(ac_coro *co)
{
    struct plus1 *f = (struct plus1 *)co;
    f->ret = f->x + 1;
    ac_return(&f->co);
}

static void plus1_init(struct plus1 *f, int x)
{
    coro_init(&f->co, plus1_resume);
    f->x = x;
}

/* async struct pair mkpair(int x) { await ac_yield(); return (struct pair){x, -x}; } */
struct pair {
    int a, b;
};

struct mkpair {
    ac_coro co;
    struct pair ret;
    int x;
    union {
        struct ac_yield__frame y;
    } sub;
};

static void mkpair_resume(ac_coro *co)
{
    struct mkpair *f = (struct mkpair *)co;
    switch (co->state) {
    case 0: goto s0;
    case 1: goto s1;
    }
s0:
    ac_yield__init(&f->sub.y);
    if (ac_await(&f->co, &f->sub.y.co, 1))
        return;
s1:
    f->ret = (struct pair){f->x, -f->x};
    ac_return(&f->co);
}

/* The generated gather struct: operand frames plus the lvalues' addresses. */
struct gather1 {
    struct ac_gather__frame g;
    ac_gather_child ch[6];
    struct { struct twice fr; int *dst; } a;
    struct { struct plus1 fr; int *dst; } b;
    struct { struct twice fr; int *dst; } arr2;
    struct { struct plus1 fr; } nostore;
    struct { struct twice fr; int *dst; } c;
    struct { struct mkpair fr; struct pair *dst; } pr;
};

static void store_twice_a(void *ctx)
{
    struct gather1 *g = ctx;
    *g->a.dst = g->a.fr.ret;
}
static void store_plus1_b(void *ctx)
{
    struct gather1 *g = ctx;
    *g->b.dst = g->b.fr.ret;
}
static void store_twice_arr2(void *ctx)
{
    struct gather1 *g = ctx;
    *g->arr2.dst = g->arr2.fr.ret;
}
static void store_twice_c(void *ctx)
{
    struct gather1 *g = ctx;
    *g->c.dst = g->c.fr.ret;
}
static void store_pair(void *ctx)
{
    struct gather1 *g = ctx;
    *g->pr.dst = g->pr.fr.ret;
}

static int stores_seen;

struct root {
    ac_coro co;
    int ret;
    int a, b, c;
    int arr[4];
    struct pair pairs[3];
    int zero_sync;      /* the n = 0 gather completed without suspending */
    union {
        struct gather1 g1;
        struct ac_gather__frame g0;
    } sub;
};

static void root_resume(ac_coro *co)
{
    struct root *f = (struct root *)co;
    struct gather1 *g = &f->sub.g1;
    switch (co->state) {
    case 0: goto s0;
    case 1: goto s1;
    case 2: goto s2;
    }
s0:
    f->a = f->b = f->c = -1;
    for (int i = 0; i < 4; i++)
        f->arr[i] = -1;
    memset(f->pairs, 0, sizeof f->pairs);
    /* Operands are initialised, lvalue addresses taken, then the gather. */
    twice_init(&g->a.fr, 5);
    g->a.dst = &f->a;
    plus1_init(&g->b.fr, 10);
    g->b.dst = &f->b;
    twice_init(&g->arr2.fr, 1);
    g->arr2.dst = &f->arr[2];
    plus1_init(&g->nostore.fr, 3);
    twice_init(&g->c.fr, 0);
    g->c.dst = &f->c;
    coro_init(&g->pr.fr.co, mkpair_resume);
    g->pr.fr.x = 7;
    g->pr.dst = &f->pairs[1];
    g->ch[0] = (ac_gather_child){.co = &g->a.fr.co, .store = store_twice_a, .ctx = g};
    g->ch[1] = (ac_gather_child){.co = &g->b.fr.co, .store = store_plus1_b, .ctx = g};
    g->ch[2] = (ac_gather_child){.co = &g->arr2.fr.co, .store = store_twice_arr2, .ctx = g};
    g->ch[3] = (ac_gather_child){.co = &g->nostore.fr.co};
    g->ch[4] = (ac_gather_child){.co = &g->c.fr.co, .store = store_twice_c, .ctx = g};
    g->ch[5] = (ac_gather_child){.co = &g->pr.fr.co, .store = store_pair, .ctx = g};
    ac_gather__init(&g->g, g->ch, 6);
    if (ac_await(&f->co, &g->g.co, 1))
        return;
s1:
    CHECK_EQ(g->g.ret, 0);
    /* Every child's task finished and is marked so. */
    for (int i = 0; i < 6; i++)
        CHECK(g->ch[i].task.flags & AC_TASK_DONE);
    stores_seen = 1;

    ac_gather__init(&f->sub.g0, NULL, 0);
    if (ac_await(&f->co, &f->sub.g0.co, 2))
        return;
    f->zero_sync = 1;
s2:
    CHECK_EQ(f->sub.g0.ret, 0);
    f->ret = 42;
    ac_return(&f->co);
}

int main(void)
{
    struct root r;
    coro_init(&r.co, root_resume);
    r.ret = -1;
    r.zero_sync = 0;
    double t0 = wall_ms();
    CHECK_EQ(ac_run(&r.co), 0);
    double dt = wall_ms() - t0;
    CHECK_EQ(r.ret, 42);
    CHECK_EQ(stores_seen, 1);
    CHECK_EQ(r.a, 10);
    CHECK_EQ(r.b, 11);
    CHECK_EQ(r.arr[2], 2);
    CHECK_EQ(r.arr[0], -1);
    CHECK_EQ(r.arr[1], -1);
    CHECK_EQ(r.arr[3], -1);
    CHECK_EQ(r.c, 0);
    CHECK_EQ(r.pairs[1].a, 7);
    CHECK_EQ(r.pairs[1].b, -7);
    CHECK_EQ(r.pairs[0].a, 0);
    CHECK_EQ(r.pairs[2].a, 0);
    CHECK_EQ(r.zero_sync, 1);
    /* The gather waited for its slowest child (twice(5) sleeps 50 ms). */
    CHECK(dt >= 45.0);
    CHECK(dt < 500.0);
    check_stats_zero();

    /* A gather whose operands all complete synchronously never suspends:
     * run it by hand, outside any loop. */
    struct {
        struct ac_gather__frame g;
        ac_gather_child ch[2];
        struct plus1 p[2];
    } s;
    struct root caller; /* only its header is used, as the awaiting frame */
    coro_init(&caller.co, root_resume);
    plus1_init(&s.p[0], 1);
    plus1_init(&s.p[1], 2);
    s.ch[0] = (ac_gather_child){.co = &s.p[0].co};
    s.ch[1] = (ac_gather_child){.co = &s.p[1].co};
    ac_gather__init(&s.g, s.ch, 2);
    CHECK_EQ(ac_await(&caller.co, &s.g.co, 7), 0);
    CHECK_EQ(s.g.ret, 0);
    CHECK_EQ(s.p[0].ret, 2);
    CHECK_EQ(s.p[1].ret, 3);
    CHECK_EQ(ac_stats().live_tasks, 0);

    printf("test_gather: ok\n");
    return 0;
}
