/*
 * test_deep.c - the C stack stays bounded.
 *
 *  1. a loop of N awaits of a callee that completes synchronously;
 *  2. recursion N deep whose bottom returns at once
 *        async long rec(int n) { if (n == 0) return 0;
 *                                return await rec(n - 1) + n; }
 *     with heap frames from ac_frame_alloc (what recursion generates);
 *  3. the same recursion with `await ac_sleep(1)` at the bottom, so all N
 *     frames are suspended and then complete one after another from a
 *     libuv callback.
 *
 * N = 1,000,000 (100,000 with "quick", for valgrind).  Every level records
 * the address of a local: the spread must stay far below what N nested
 * calls would take.  At the bottom, ac_stats().frame_bytes must equal the N
 * frames handed out; after ac_run, zero.
 */
#include "rt_test.h"

static long n_levels;
static uintptr_t sp_min = UINTPTR_MAX, sp_max;
static size_t bytes_at_bottom;

static void note_stack(void)
{
    volatile char here;
    uintptr_t a = (uintptr_t)&here;
    if (a < sp_min)
        sp_min = a;
    if (a > sp_max)
        sp_max = a;
}

/* ---- 1. async int one(void) { return 1; }, awaited N times in a row ------ */

struct one {
    ac_coro co;
    int ret;
};

static void one_resume(ac_coro *co)
{
    note_stack();
    ((struct one *)co)->ret = 1;
    ac_return(co);
}

struct loop_root {
    ac_coro co;
    long ret;
    long i;
    union {
        struct one o;
    } sub;
};

static void loop_root_resume(ac_coro *co)
{
    struct loop_root *f = (struct loop_root *)co;
    switch (co->state) {
    case 0: goto s0;
    case 1: goto s1;
    }
s0:
    f->ret = 0;
    for (f->i = 0; f->i < n_levels; f->i++) {
        coro_init(&f->sub.o.co, one_resume);
        if (ac_await(&f->co, &f->sub.o.co, 1))
            return;
    s1:
        f->ret += f->sub.o.ret;
    }
    ac_return(&f->co);
}

/* ---- 2./3. the recursion ------------------------------------------------------- */

static int sleep_at_bottom;

struct rec {
    ac_coro co;
    long ret;
    int n;
    struct rec *child; /* recursion: the callee frame is on the heap */
    union {
        struct ac_sleep__frame s;
    } sub;
};

static void rec_init(struct rec *f, int n)
{
    coro_init(&f->co, NULL);
    f->n = n;
    f->child = NULL;
}

static void rec_resume(ac_coro *co)
{
    struct rec *f = (struct rec *)co;
    switch (co->state) {
    case 0: goto s0;
    case 1: goto s1;
    case 2: goto s2;
    }
s0:
    note_stack();
    if (f->n == 0) {
        bytes_at_bottom = ac_stats().frame_bytes;
        if (!sleep_at_bottom) {
            f->ret = 0;
            ac_return(&f->co);
            return;
        }
        ac_sleep__init(&f->sub.s, 1);
        if (ac_await(&f->co, &f->sub.s.co, 2))
            return;
    s2:
        CHECK_EQ(f->sub.s.ret, 0);
        f->ret = 0;
        ac_return(&f->co);
        return;
    }
    f->child = ac_frame_alloc(sizeof *f->child);
    CHECK(f->child != NULL);
    rec_init(f->child, f->n - 1);
    f->child->co.resume = rec_resume;
    if (ac_await(&f->co, &f->child->co, 1))
        return;
s1:
    note_stack();
    f->ret = f->child->ret + f->n;
    ac_frame_free(f->child, sizeof *f->child);
    f->child = NULL;
    ac_return(&f->co);
}

static void run_recursion(int with_sleep)
{
    struct rec root;
    sleep_at_bottom = with_sleep;
    sp_min = UINTPTR_MAX;
    sp_max = 0;
    bytes_at_bottom = 0;
    rec_init(&root, (int)n_levels);
    root.co.resume = rec_resume;
    root.ret = -1;
    CHECK_EQ(ac_run(&root.co), 0);
    CHECK_EQ(root.ret, n_levels * (n_levels + 1) / 2);
    CHECK_EQ(bytes_at_bottom, (size_t)n_levels * sizeof(struct rec));
    /* N nested resume calls would need N * (two frames) of stack: tens of
     * megabytes.  Bounded nesting stays within a few hundred kilobytes. */
    CHECK(sp_max - sp_min < 2u * 1024 * 1024);
    check_stats_zero();
}

int main(int argc, char **argv)
{
    n_levels = quick_mode(argc, argv) ? 100000 : 1000000;

    struct loop_root lr;
    coro_init(&lr.co, loop_root_resume);
    CHECK_EQ(ac_run(&lr.co), 0);
    CHECK_EQ(lr.ret, n_levels);
    check_stats_zero();

    run_recursion(0);
    run_recursion(1);
    printf("test_deep: ok (N = %ld, stack spread %lu bytes)\n", n_levels,
           (unsigned long)(sp_max - sp_min));
    return 0;
}
