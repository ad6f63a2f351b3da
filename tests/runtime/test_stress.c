/*
 * test_stress.c - random trees of tasks, with random cancellation.
 *
 * A worker does a random sequence of: sleep (0-2 ms), yield, to_thread of a
 * tiny function, a gather of 0-3 child workers (frames from ac_frame_alloc),
 * and cancelling a random live worker task.  Invariants checked all along:
 *  - an await in a task that is already cancelled completes without
 *    suspending and returns AC_ECANCELED;
 *  - an await returns 0, or AC_ECANCELED only when its task is cancelled;
 *  - a gather stores exactly the children whose task was not cancelled;
 *  - every worker started finishes; ac_stats is zero after each ac_run.
 * Seeded per run (xorshift), 40 runs; pool-thread timing still varies the
 * interleavings from one execution to the next.
 */
#include "rt_test.h"

static unsigned rng_state;

static unsigned rnd(unsigned n)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state % n;
}

/* Live child-task registry, for random cancels. */
#define MAXLIVE 4096
static ac_task *live[MAXLIVE];
static int nlive;
static long started, finished, cancels, thread_calls;

static void live_add(ac_task *t)
{
    if (nlive < MAXLIVE)
        live[nlive++] = t;
}

static void live_remove(ac_task *t)
{
    for (int i = 0; i < nlive; i++)
        if (live[i] == t) {
            live[i] = live[--nlive];
            return;
        }
}

struct tiny {
    struct ac_to_thread__frame w;
    int ret;
    int a;
};
static void tiny_run(struct ac_to_thread__frame *w)
{
    struct tiny *t = (struct tiny *)w;
    t->ret = t->a * 2;
    __atomic_add_fetch(&thread_calls, 1, __ATOMIC_RELAXED);
}

struct worker;
struct gath {
    struct ac_gather__frame g;
    ac_gather_child ch[3];
    struct worker *w[3];
    int out[3];
    int n;
};

struct worker {
    ac_coro co;
    int ret;
    int depth;
    int op, nops, k;
    int was_cancelled; /* before the current await */
    int is_child;      /* runs as a gather child (registered in live[]) */
    int ran;           /* it started */
    struct gath *g;
    union {
        struct ac_sleep__frame s;
        struct ac_yield__frame y;
        struct tiny t;
    } sub;
};

static void worker_resume(ac_coro *co);

static void worker_init(struct worker *f, int depth, int is_child)
{
    coro_init(&f->co, worker_resume);
    f->depth = depth;
    f->is_child = is_child;
    f->ran = 0;
    f->g = NULL;
}

static void store_out(void *ctx)
{
    /* ctx: &g->out[i]; the worker pointer sits at the same index of w[]. */
    int *slot = ctx;
    *slot = 1;
}

/* An await's result is acceptable for the task's state. */
static void check_result(struct worker *f, int ret, int suspended)
{
    if (f->was_cancelled) {
        CHECK_EQ(suspended, 0);
        CHECK_EQ(ret, AC_ECANCELED);
    } else if (ret != 0) {
        CHECK_EQ(ret, AC_ECANCELED);
        CHECK(ac_cancelled());
    }
}

static void worker_resume(ac_coro *co)
{
    struct worker *f = (struct worker *)co;
    int suspended = 1;
    switch (co->state) {
    case 0: goto s0;
    case 1: goto s1;
    case 2: goto s2;
    case 3: goto s3;
    case 4: goto s4;
    }
s0:
    f->ran = 1;
    started++;
    if (f->is_child)
        live_add(f->co.task);
    f->nops = 1 + (int)rnd(4);
    for (f->k = 0; f->k < f->nops; f->k++) {
        f->op = (int)rnd(f->depth > 0 ? 6 : 4);
        f->was_cancelled = ac_cancelled();
        suspended = 1;
        switch (f->op) {
        case 0:
            ac_sleep__init(&f->sub.s, rnd(3));
            if (ac_await(&f->co, &f->sub.s.co, 1))
                return;
            suspended = 0;
        s1:
            check_result(f, f->sub.s.ret, suspended);
            break;
        case 1:
            ac_yield__init(&f->sub.y);
            if (ac_await(&f->co, &f->sub.y.co, 2))
                return;
            suspended = 0;
        s2:
            check_result(f, f->sub.y.ret, suspended);
            break;
        case 2:
            ac_to_thread__init(&f->sub.t.w, tiny_run);
            f->sub.t.a = f->k;
            f->sub.t.ret = -1;
            if (ac_await(&f->co, &f->sub.t.w.co, 3))
                return;
            suspended = 0;
        s3:
            check_result(f, f->sub.t.w.ret, suspended);
            if (f->sub.t.w.ret == 0)
                CHECK_EQ(f->sub.t.ret, 2 * f->k);
            break;
        case 3:
            if (nlive > 0 && rnd(3) == 0) {
                cancels++;
                ac_task_cancel(live[rnd((unsigned)nlive)]);
            }
            break;
        default: {
            struct gath *g = ac_frame_alloc(sizeof *g);
            CHECK(g != NULL);
            f->g = g;
            g->n = (int)rnd(4);
            for (int i = 0; i < g->n; i++) {
                g->w[i] = ac_frame_alloc(sizeof(struct worker));
                CHECK(g->w[i] != NULL);
                worker_init(g->w[i], f->depth - 1, 1);
                g->out[i] = 0;
                g->ch[i] = (ac_gather_child){.co = &g->w[i]->co,
                                             .store = store_out,
                                             .ctx = &g->out[i]};
            }
            ac_gather__init(&g->g, g->ch, (size_t)g->n);
            if (ac_await(&f->co, &g->g.co, 4))
                return;
            suspended = 0;
        }
        s4: {
            struct gath *g = f->g;
            check_result(f, g->g.ret, suspended);
            for (int i = 0; i < g->n; i++) {
                if (f->was_cancelled) {
                    /* a gather in a cancelled task starts nobody */
                    CHECK_EQ(g->w[i]->ran, 0);
                    CHECK_EQ(g->out[i], 0);
                } else {
                    CHECK(g->ch[i].task.flags & AC_TASK_DONE);
                    int stored = g->out[i];
                    int cancelled = ac_task_cancelled(&g->ch[i].task);
                    CHECK_EQ(stored, !cancelled);
                }
                ac_frame_free(g->w[i], sizeof(struct worker));
            }
            ac_frame_free(g, sizeof *g);
            f->g = NULL;
            break;
        }
        }
    }
    if (f->is_child)
        live_remove(f->co.task);
    finished++;
    f->ret = f->depth;
    ac_return(&f->co);
}

struct root {
    ac_coro co;
    int ret;
    struct ac_gather__frame g;
    ac_gather_child ch[8];
    struct worker w[8];
    int out[8];
};

static void root_resume(ac_coro *co)
{
    struct root *f = (struct root *)co;
    switch (co->state) {
    case 0: goto s0;
    case 1: goto s1;
    }
s0:
    for (int i = 0; i < 8; i++) {
        worker_init(&f->w[i], 4, 1);
        f->out[i] = 0;
        f->ch[i] = (ac_gather_child){.co = &f->w[i].co, .store = store_out,
                                     .ctx = &f->out[i]};
    }
    ac_gather__init(&f->g, f->ch, 8);
    if (ac_await(&f->co, &f->g.co, 1))
        return;
s1:
    CHECK_EQ(f->g.ret, 0); /* nobody cancels the main task */
    for (int i = 0; i < 8; i++)
        CHECK_EQ(f->out[i], !ac_task_cancelled(&f->ch[i].task));
    f->ret = 1;
    ac_return(co);
}

int main(int argc, char **argv)
{
    int runs = quick_mode(argc, argv) ? 10 : 40;
    long total = 0, total_cancels = 0;
    for (int run = 0; run < runs; run++) {
        rng_state = 2463534242u + (unsigned)run * 7919u;
        started = finished = cancels = 0;
        nlive = 0;
        struct root r;
        coro_init(&r.co, root_resume);
        r.ret = 0;
        CHECK_EQ(ac_run(&r.co), 0);
        CHECK_EQ(r.ret, 1);
        CHECK_EQ(started, finished);
        CHECK_EQ(nlive, 0);
        check_stats_zero();
        total += started;
        total_cancels += cancels;
    }
    CHECK(total_cancels > 0);
    printf("test_stress: ok (%ld workers, %ld cancels, %ld thread calls)\n",
           total, total_cancels, thread_calls);
    return 0;
}
