/*
 * bench_sleepers.c - spawn and join N sleeping tasks with asyncc, and do the
 * same work with raw libuv timers, in one run.
 *
 *   asyncc:  spawn(g, sleeper(ms)) N times, then await ac_join(g).  Each
 *            task is one spawn allocation from the frame free lists and one
 *            timer-heap entry; there is no uv_timer_t per task.
 *   libuv:   N malloc'd uv_timer_t, each started once; its callback closes
 *            it, the close callback frees it; uv_run until all are done.
 *
 * For each it prints the wall time from the first spawn / timer start to
 * the last completion, that time minus the sleep itself (the overhead), and
 * the resident-set growth while all N sleep, divided by N.  Each variant
 * runs in a forked child, so neither inherits the other's heap.
 *
 * Usage: bench_sleepers [N [MS]]   (defaults: 100000 tasks, 200 ms)
 */
#define __ASYNCC_OUTPUT__ 1
#include <asyncc.h>
#include <uv.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static long n_tasks = 100000;
static uint64_t sleep_ms = 200;

/* Resident set size in bytes (/proc/self/statm, second field). */
static long rss_bytes(void)
{
    long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f == NULL)
        return -1;
    if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
        resident = -1;
    fclose(f);
    return resident < 0 ? -1 : resident * sysconf(_SC_PAGESIZE);
}

static double now_ms(void)
{
    return (double)uv_hrtime() / 1e6;
}

static void report(const char *what, double t0, double t1, long rss0,
                   long rss1)
{
    printf("%-14s %ld tasks sleeping %llu ms: %8.1f ms total, %7.1f ms "
           "overhead, %6.1f bytes/task (RSS)\n",
           what, n_tasks, (unsigned long long)sleep_ms, t1 - t0,
           t1 - t0 - (double)sleep_ms, (double)(rss1 - rss0) / (double)n_tasks);
}

/* ---- asyncc ------------------------------------------------------------------ */

/* async void sleeper(uint64_t ms) { await ac_sleep(ms); } */
struct sleeper__frame {
    ac_coro co;
    struct ac_sleep__frame s;
};
static void sleeper__resume(ac_coro *co)
{
    struct sleeper__frame *f = (struct sleeper__frame *)co;
    if (co->state == 0) {
        ac_sleep__init(&f->s, sleep_ms);
        if (ac_await(co, &f->s.co, 1))
            return;
    }
    ac_return(co);
}

struct sleeper_spawn {
    ac_spawn_child hdr;
    struct sleeper__frame c;
};

/* async int bench(void) */
struct bench__frame {
    ac_coro co;
    int ret;
    ac_group g;
    double t0;
    long rss0;
    struct ac_join__frame j;
};
static void bench__resume(ac_coro *co)
{
    struct bench__frame *f = (struct bench__frame *)co;
    if (co->state == 1)
        goto joined;
    ac_group_init(&f->g);
    f->rss0 = rss_bytes();
    f->t0 = now_ms();
    for (long i = 0; i < n_tasks; i++) {
        struct sleeper_spawn *a = ac_frame_alloc(sizeof *a);
        if (a == NULL) {
            f->ret = UV_ENOMEM;
            break;
        }
        memset(&a->c.co, 0, sizeof a->c.co);
        a->c.co.resume = sleeper__resume;
        a->hdr.co = &a->c.co;
        a->hdr.store = NULL;
        a->hdr.ctx = a;
        a->hdr.alloc_size = sizeof *a;
        ac_spawn(&f->g, &a->hdr);
    }
    {
        long rss1 = rss_bytes();
        ac_join__init(&f->j, &f->g);
        if (ac_await(co, &f->j.co, 1)) {
            f->rss0 = rss1 - f->rss0; /* keep the growth for the report */
            return;
        }
        f->rss0 = rss1 - f->rss0;
    }
joined:
    report("asyncc spawn", f->t0, now_ms(), 0, f->rss0);
    ac_return(co);
}

static int run_asyncc(void)
{
    struct bench__frame f;
    memset(&f, 0, sizeof f);
    f.co.resume = bench__resume;
    int r = ac_run(&f.co);
    return r < 0 ? r : f.ret;
}

/* ---- raw libuv ------------------------------------------------------------------ */

static long timers_left;

static void timer_closed(uv_handle_t *h)
{
    free(h);
}

static void timer_fired(uv_timer_t *t)
{
    timers_left--;
    uv_close((uv_handle_t *)t, timer_closed);
}

static int run_libuv(void)
{
    uv_loop_t loop;
    long rss0, rss1;
    double t0;
    int r = uv_loop_init(&loop);
    if (r < 0)
        return r;
    rss0 = rss_bytes();
    t0 = now_ms();
    for (long i = 0; i < n_tasks; i++) {
        uv_timer_t *t = malloc(sizeof *t);
        if (t == NULL)
            return UV_ENOMEM;
        uv_timer_init(&loop, t);
        uv_timer_start(t, timer_fired, sleep_ms, 0);
        timers_left++;
    }
    rss1 = rss_bytes();
    uv_run(&loop, UV_RUN_DEFAULT);
    report("libuv timers", t0, now_ms(), rss0, rss1);
    if (timers_left != 0)
        return UV_EINVAL;
    return uv_loop_close(&loop);
}

/* Run fn in a child process; its exit status says whether it worked. */
static int in_child(int (*fn)(void))
{
    int status;
    pid_t pid;
    fflush(stdout);
    pid = fork();
    if (pid < 0)
        return fn(); /* no fork: run here */
    if (pid == 0) {
        int r = fn();
        fflush(stdout);
        _exit(r == 0 ? 0 : 1);
    }
    if (waitpid(pid, &status, 0) < 0)
        return -1;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
    int bad = 0;
    if (argc > 1)
        n_tasks = atol(argv[1]);
    if (argc > 2)
        sleep_ms = (uint64_t)atol(argv[2]);
    if (n_tasks <= 0) {
        fprintf(stderr, "usage: %s [N [MS]]\n", argv[0]);
        return 2;
    }
    printf("per task: asyncc spawn allocation %zu bytes (ac_spawn_child %zu "
           "+ frame %zu) + a timer-heap slot; libuv uv_timer_t %zu bytes\n",
           sizeof(struct sleeper_spawn), sizeof(ac_spawn_child),
           sizeof(struct sleeper__frame), sizeof(uv_timer_t));
    bad |= in_child(run_asyncc) != 0;
    bad |= in_child(run_libuv) != 0;
    if (bad)
        fprintf(stderr, "bench_sleepers: a variant failed\n");
    return bad;
}
