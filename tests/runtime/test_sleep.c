/*
 * test_sleep.c - ac_sleep through the timer heap, and ac_yield.
 *
 *  - sleepers started in shuffled order wake in deadline order, equal
 *    deadlines in start order; each slept at least its time;
 *  - ac_stats counts the sleepers, tasks and the timer handle meanwhile;
 *  - three 200 ms sleeps gathered take >= 190 ms and < 450 ms;
 *  - two yielding coroutines alternate; a yield loop does not starve a timer.
 */
#include "rt_test.h"

/* ---- async int sleeper(int id, uint64_t ms)
 *      { t0 = now; await ac_sleep(ms); log id; return id; } ---------------- */

static int order[64];
static int norder;

struct sleeper {
    ac_coro co;
    int ret;
    int id;
    uint64_t ms;
    uint64_t t0;
    union {
        struct ac_sleep__frame s;
    } sub;
};

static void sleeper_resume(ac_coro *co)
{
    struct sleeper *f = (struct sleeper *)co;
    switch (co->state) {
    case 0: goto s0;
    case 1: goto s1;
    }
s0:
    f->t0 = ac_now_ms();
    ac_sleep__init(&f->sub.s, f->ms);
    if (ac_await(&f->co, &f->sub.s.co, 1))
        return;
s1:
    CHECK_EQ(f->sub.s.ret, 0);
    CHECK(ac_now_ms() - f->t0 >= f->ms);
    order[norder++] = f->id;
    f->ret = f->id;
    ac_return(&f->co);
}

static void sleeper_init(struct sleeper *f, int id, uint64_t ms)
{
    coro_init(&f->co, sleeper_resume);
    f->id = id;
    f->ms = ms;
}

/* ---- a probe child, started last: what ac_stats sees while they sleep -- */

static ac_stats_t seen;

struct probe {
    ac_coro co;
    int ret;
};

static void probe_resume(ac_coro *co)
{
    seen = ac_stats();
    ((struct probe *)co)->ret = 0;
    ac_return(co);
}

/* ---- root: gather every sleeper and the probe ---------------------------- */

#define NS 10
static const uint64_t shuffled_ms[NS] = {50, 10, 30, 10, 40, 0, 30, 20, 10, 0};

struct order_root {
    ac_coro co;
    int ret;
    struct ac_gather__frame g;
    ac_gather_child ch[NS + 1];
    struct sleeper s[NS];
    struct probe p;
};

static void order_root_resume(ac_coro *co)
{
    struct order_root *f = (struct order_root *)co;
    switch (co->state) {
    case 0: goto s0;
    case 1: goto s1;
    }
s0:
    for (int i = 0; i < NS; i++) {
        sleeper_init(&f->s[i], i, shuffled_ms[i]);
        f->ch[i] = (ac_gather_child){.co = &f->s[i].co};
    }
    coro_init(&f->p.co, probe_resume);
    f->ch[NS] = (ac_gather_child){.co = &f->p.co};
    ac_gather__init(&f->g, f->ch, NS + 1);
    if (ac_await(&f->co, &f->g.co, 1))
        return;
s1:
    f->ret = f->g.ret;
    ac_return(&f->co);
}

static void test_order(void)
{
    struct order_root r;
    coro_init(&r.co, order_root_resume);
    r.ret = -1;
    norder = 0;
    CHECK_EQ(ac_run(&r.co), 0);
    CHECK_EQ(r.ret, 0);
    CHECK_EQ(norder, NS);

    /* Expected: stable sort of the ids by their sleep time. */
    int expect[NS], ne = 0;
    for (uint64_t ms = 0; ms <= 50; ms++)
        for (int i = 0; i < NS; i++)
            if (shuffled_ms[i] == ms)
                expect[ne++] = i;
    CHECK_EQ(ne, NS);
    for (int i = 0; i < NS; i++)
        CHECK_EQ(order[i], expect[i]);

    /* While they slept: every sleeper in the heap, main + NS + probe tasks
     * alive, the one timer handle open (and no uv_timer_t per sleeper). */
    CHECK_EQ(seen.sleepers, NS);
    CHECK_EQ(seen.live_tasks, NS + 2);
    CHECK_EQ(seen.open_handles, 1);
    check_stats_zero();
}

/* ---- three 200 ms sleeps gathered ------------------------------------------ */

struct three_root {
    ac_coro co;
    int ret;
    struct ac_gather__frame g;
    ac_gather_child ch[3];
    struct sleeper s[3];
};

static void three_root_resume(ac_coro *co)
{
    struct three_root *f = (struct three_root *)co;
    switch (co->state) {
    case 0: goto s0;
    case 1: goto s1;
    }
s0:
    for (int i = 0; i < 3; i++) {
        sleeper_init(&f->s[i], i, 200);
        f->ch[i] = (ac_gather_child){.co = &f->s[i].co};
    }
    ac_gather__init(&f->g, f->ch, 3);
    if (ac_await(&f->co, &f->g.co, 1))
        return;
s1:
    f->ret = f->g.ret;
    ac_return(&f->co);
}

static void test_three_concurrent(void)
{
    struct three_root r;
    coro_init(&r.co, three_root_resume);
    norder = 0;
    double t0 = wall_ms();
    CHECK_EQ(ac_run(&r.co), 0);
    double dt = wall_ms() - t0;
    CHECK_EQ(r.ret, 0);
    CHECK_EQ(norder, 3);
    CHECK(dt >= 190.0);
    CHECK(dt < 450.0);
    check_stats_zero();
}

/* ---- async void yielder(char id, int n)
 *      { for (i = 0; i < n; i++) { log id; await ac_yield(); } } ------------ */

static char ylog[64];
static int nylog;

struct yielder {
    ac_coro co;
    int ret;
    char id;
    int n, i;
    union {
        struct ac_yield__frame y;
    } sub;
};

static void yielder_resume(ac_coro *co)
{
    struct yielder *f = (struct yielder *)co;
    switch (co->state) {
    case 0: goto s0;
    case 1: goto s1;
    }
s0:
    for (f->i = 0; f->i < f->n; f->i++) {
        ylog[nylog++] = f->id;
        ac_yield__init(&f->sub.y);
        if (ac_await(&f->co, &f->sub.y.co, 1))
            return;
    s1:
        CHECK_EQ(f->sub.y.ret, 0);
    }
    ac_return(&f->co);
}

/* async void spinner(void) { while (!flag) { spins++; await ac_yield(); } } */
static int flag, spins;

struct spinner {
    ac_coro co;
    int ret;
    union {
        struct ac_yield__frame y;
    } sub;
};

static void spinner_resume(ac_coro *co)
{
    struct spinner *f = (struct spinner *)co;
    switch (co->state) {
    case 0: goto s0;
    case 1: goto s1;
    }
s0:
    while (!flag) {
        spins++;
        ac_yield__init(&f->sub.y);
        if (ac_await(&f->co, &f->sub.y.co, 1))
            return;
    s1:;
    }
    ac_return(&f->co);
}

/* async void flagger(void) { await ac_sleep(5); flag = 1; } */
struct flagger {
    ac_coro co;
    int ret;
    union {
        struct ac_sleep__frame s;
    } sub;
};

static void flagger_resume(ac_coro *co)
{
    struct flagger *f = (struct flagger *)co;
    switch (co->state) {
    case 0: goto s0;
    case 1: goto s1;
    }
s0:
    ac_sleep__init(&f->sub.s, 5);
    if (ac_await(&f->co, &f->sub.s.co, 1))
        return;
s1:
    flag = 1;
    ac_return(&f->co);
}

struct yield_root {
    ac_coro co;
    int ret;
    struct ac_gather__frame g;
    ac_gather_child ch[2];
    struct yielder a, b;
    struct ac_gather__frame g2;
    ac_gather_child ch2[2];
    struct spinner sp;
    struct flagger fl;
};

static void yield_root_resume(ac_coro *co)
{
    struct yield_root *f = (struct yield_root *)co;
    switch (co->state) {
    case 0: goto s0;
    case 1: goto s1;
    case 2: goto s2;
    }
s0:
    coro_init(&f->a.co, yielder_resume);
    f->a.id = 'A';
    f->a.n = 3;
    coro_init(&f->b.co, yielder_resume);
    f->b.id = 'B';
    f->b.n = 3;
    f->ch[0] = (ac_gather_child){.co = &f->a.co};
    f->ch[1] = (ac_gather_child){.co = &f->b.co};
    ac_gather__init(&f->g, f->ch, 2);
    if (ac_await(&f->co, &f->g.co, 1))
        return;
s1:
    CHECK_EQ(f->g.ret, 0);
    coro_init(&f->sp.co, spinner_resume);
    coro_init(&f->fl.co, flagger_resume);
    f->ch2[0] = (ac_gather_child){.co = &f->sp.co};
    f->ch2[1] = (ac_gather_child){.co = &f->fl.co};
    ac_gather__init(&f->g2, f->ch2, 2);
    if (ac_await(&f->co, &f->g2.co, 2))
        return;
s2:
    f->ret = f->g2.ret;
    ac_return(&f->co);
}

static void test_yield(void)
{
    struct yield_root r;
    coro_init(&r.co, yield_root_resume);
    r.ret = -1;
    CHECK_EQ(ac_run(&r.co), 0);
    CHECK_EQ(r.ret, 0);
    ylog[nylog] = 0;
    CHECK(strcmp(ylog, "ABABAB") == 0);
    CHECK_EQ(flag, 1);
    CHECK(spins >= 1);
    check_stats_zero();
}

int main(void)
{
    test_order();
    test_three_concurrent();
    test_yield();
    printf("test_sleep: ok\n");
    return 0;
}
