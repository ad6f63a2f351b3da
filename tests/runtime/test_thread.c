/*
 * test_thread.c - to_thread.
 *
 *  - a function returning a large struct: the thunk writes it, the caller
 *    reads it; it ran on a pool thread, not the loop thread;
 *  - a void function (side effect only);
 *  - while a 300 ms blocking function runs on the pool, a ticker coroutine
 *    on the loop keeps ticking every 10 ms.
 *
 * The thunk structs are what the transpiler generates for
 * `await to_thread(fn, args...)`.
 */
#include <pthread.h>
#include <unistd.h>

#include "rt_test.h"

static pthread_t loop_thread;

struct big {
    int v[32];
    long sum;
    int on_loop_thread;
};

static struct big make_big(int a)
{
    struct big b;
    b.sum = 0;
    for (int i = 0; i < 32; i++) {
        b.v[i] = a * i;
        b.sum += b.v[i];
    }
    b.on_loop_thread = pthread_equal(pthread_self(), loop_thread);
    return b;
}

static int void_calls;
static int void_arg_seen;

static void do_side_effect(int a)
{
    void_arg_seen = a;
    __atomic_add_fetch(&void_calls, 1, __ATOMIC_SEQ_CST);
}

static int blocking_done;

static int block_ms(int ms)
{
    usleep((useconds_t)ms * 1000);
    __atomic_store_n(&blocking_done, 1, __ATOMIC_SEQ_CST);
    return ms * 2;
}

/* Generated thunks: the frame first, then the result, then the arguments. */
struct thunk_big {
    struct ac_to_thread__frame w;
    struct big ret;
    int a;
};
static void thunk_big_run(struct ac_to_thread__frame *w)
{
    struct thunk_big *t = (struct thunk_big *)w;
    t->ret = make_big(t->a);
}

struct thunk_void {
    struct ac_to_thread__frame w;
    int a;
};
static void thunk_void_run(struct ac_to_thread__frame *w)
{
    struct thunk_void *t = (struct thunk_void *)w;
    do_side_effect(t->a);
}

struct thunk_block {
    struct ac_to_thread__frame w;
    int ret;
    int ms;
};
static void thunk_block_run(struct ac_to_thread__frame *w)
{
    struct thunk_block *t = (struct thunk_block *)w;
    t->ret = block_ms(t->ms);
}

/* async void ticker(void)
 * { while (!stop) { ticks++; await ac_sleep(10); } } */
static int stop_ticker, ticks, ticks_while_blocked;

struct ticker {
    ac_coro co;
    int ret;
    union {
        struct ac_sleep__frame s;
    } sub;
};

static void ticker_resume(ac_coro *co)
{
    struct ticker *f = (struct ticker *)co;
    switch (co->state) {
    case 0: goto s0;
    case 1: goto s1;
    }
s0:
    while (!stop_ticker) {
        ticks++;
        if (!__atomic_load_n(&blocking_done, __ATOMIC_SEQ_CST))
            ticks_while_blocked++;
        ac_sleep__init(&f->sub.s, 10);
        if (ac_await(&f->co, &f->sub.s.co, 1))
            return;
    s1:;
    }
    ac_return(&f->co);
}

/* async int blocker(void)
 * { int r = await to_thread(block_ms, 300); stop_ticker = 1; return r; } */
struct blocker {
    ac_coro co;
    int ret;
    union {
        struct thunk_block t;
    } sub;
};

static void blocker_resume(ac_coro *co)
{
    struct blocker *f = (struct blocker *)co;
    switch (co->state) {
    case 0: goto s0;
    case 1: goto s1;
    }
s0:
    ac_to_thread__init(&f->sub.t.w, thunk_block_run);
    f->sub.t.ms = 300;
    if (ac_await(&f->co, &f->sub.t.w.co, 1))
        return;
s1:
    CHECK_EQ(f->sub.t.w.ret, 0);
    stop_ticker = 1;
    f->ret = f->sub.t.ret;
    ac_return(&f->co);
}

struct root {
    ac_coro co;
    int ret;
    struct big b;
    int blocked_result;
    union {
        struct thunk_big tb;
        struct thunk_void tv;
        struct {
            struct ac_gather__frame g;
            ac_gather_child ch[2];
            struct ticker tk;
            struct { struct blocker fr; int *dst; } bl;
        } g;
    } sub;
};

static void store_blocked(void *ctx)
{
    struct root *f = ctx;
    *f->sub.g.bl.dst = f->sub.g.bl.fr.ret;
}

static void root_resume(ac_coro *co)
{
    struct root *f = (struct root *)co;
    switch (co->state) {
    case 0: goto s0;
    case 1: goto s1;
    case 2: goto s2;
    case 3: goto s3;
    }
s0:
    /* b = await to_thread(make_big, 3); */
    ac_to_thread__init(&f->sub.tb.w, thunk_big_run);
    f->sub.tb.a = 3;
    if (ac_await(&f->co, &f->sub.tb.w.co, 1))
        return;
s1:
    CHECK_EQ(f->sub.tb.w.ret, 0);
    f->b = f->sub.tb.ret;

    /* await to_thread(do_side_effect, 17); */
    ac_to_thread__init(&f->sub.tv.w, thunk_void_run);
    f->sub.tv.a = 17;
    if (ac_await(&f->co, &f->sub.tv.w.co, 2))
        return;
s2:
    CHECK_EQ(f->sub.tv.w.ret, 0);

    /* await gather(ticker(), blocked_result = blocker()); */
    coro_init(&f->sub.g.tk.co, ticker_resume);
    coro_init(&f->sub.g.bl.fr.co, blocker_resume);
    f->sub.g.bl.dst = &f->blocked_result;
    f->sub.g.ch[0] = (ac_gather_child){.co = &f->sub.g.tk.co};
    f->sub.g.ch[1] = (ac_gather_child){.co = &f->sub.g.bl.fr.co,
                                       .store = store_blocked, .ctx = f};
    ac_gather__init(&f->sub.g.g, f->sub.g.ch, 2);
    if (ac_await(&f->co, &f->sub.g.g.co, 3))
        return;
s3:
    CHECK_EQ(f->sub.g.g.ret, 0);
    f->ret = 1;
    ac_return(&f->co);
}

int main(void)
{
    struct root r;
    loop_thread = pthread_self();
    coro_init(&r.co, root_resume);
    r.ret = 0;
    r.blocked_result = 0;
    CHECK_EQ(ac_run(&r.co), 0);
    CHECK_EQ(r.ret, 1);

    long sum = 0;
    for (int i = 0; i < 32; i++) {
        CHECK_EQ(r.b.v[i], 3 * i);
        sum += 3 * i;
    }
    CHECK_EQ(r.b.sum, sum);
    CHECK_EQ(r.b.on_loop_thread, 0);

    CHECK_EQ(void_calls, 1);
    CHECK_EQ(void_arg_seen, 17);

    CHECK_EQ(r.blocked_result, 600);
    /* 300 ms of blocking work, 10 ms ticks: the loop kept running.  Allow
     * for slow machines (valgrind) but demand clearly more than one. */
    CHECK(ticks_while_blocked >= 5);
    check_stats_zero();
    printf("test_thread: ok (%d ticks while blocked)\n", ticks_while_blocked);
    return 0;
}
