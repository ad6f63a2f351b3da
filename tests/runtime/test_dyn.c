/*
 * test_dyn.c - the two ABI pieces pointers to async functions use.
 *
 *  A. ac_dyn: a coroutine awaits a hand-written coroutine through a plain
 *     C function pointer to its entry, with the arguments converted by C
 *     (a char passed where the entry takes an int); the entry's frame
 *     comes back from ac_dyn_end, the result is the member after the
 *     header, and once freed nothing is left over.  Two calls in a row
 *     each get their own frame.
 *  B. ac_spawn_release: release(ctx) runs once per child, after the store,
 *     for a child that completes and for one cancelled by ac_group_cancel
 *     (whose store does not run), before the allocation is freed.
 *  C. misuse ends the process with a message, never silently: the entry
 *     called outside ac_dyn_begin (plain C calling an async function), and
 *     ac_dyn_end after a plain function was called through the pointer.
 */
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rt_test.h"

/* ---- the callee: async int twice(int x) { await ac_yield(); return 2 * x; } */

struct twice {
    ac_coro co;
    int ret; /* right after the header: what a caller through ac_dyn reads */
    int x;
    struct ac_yield__frame y;
};

static void twice_resume(ac_coro *co)
{
    struct twice *f = (struct twice *)co;
    if (co->state == 0) {
        ac_yield__init(&f->y);
        if (ac_await(&f->co, &f->y.co, 1))
            return;
    }
    f->ret = 2 * f->x;
    ac_return(&f->co);
}

/* Its entry, as asyncc generates one: the value of a pointer to `twice`. */
static int entries;
static int twice_entry(int x)
{
    ac_dyn *d = ac_dyn_take("twice");
    struct twice *f = ac_frame_alloc(sizeof *f);
    coro_init(&f->co, twice_resume);
    f->x = x;
    d->co = &f->co;
    d->size = sizeof *f;
    entries++;
    return 0;
}

/* ---- A: the caller -------------------------------------------------------- */

struct caller {
    ac_coro co;
    int ret;
    int (*p)(int);
    ac_dyn d;
    ac_coro *callee;
    int first;
};

static void caller_resume(ac_coro *co)
{
    struct caller *f = (struct caller *)co;
    switch (co->state) {
    case 1: goto r1;
    case 2: goto r2;
    }
    ac_dyn_begin(&f->d);
    f->p((char)21);
    f->callee = ac_dyn_end(&f->d);
    CHECK(f->callee != NULL);
    CHECK_EQ(f->d.size, sizeof(struct twice));
    if (ac_await(&f->co, f->callee, 1))
        return;
r1:
    f->first = ((struct { ac_coro co; int ret; } *)f->callee)->ret;
    ac_frame_free(f->callee, f->d.size);
    ac_dyn_begin(&f->d);
    (*f->p)(f->first);
    f->callee = ac_dyn_end(&f->d);
    if (ac_await(&f->co, f->callee, 2))
        return;
r2:
    f->ret = ((struct { ac_coro co; int ret; } *)f->callee)->ret;
    ac_frame_free(f->callee, f->d.size);
    ac_return(&f->co);
}

static void test_dyn(void)
{
    struct caller c;
    coro_init(&c.co, caller_resume);
    c.p = twice_entry;
    CHECK_EQ(ac_run(&c.co), 0);
    CHECK_EQ(c.first, 42);
    CHECK_EQ(c.ret, 84);
    CHECK_EQ(entries, 2);
    check_stats_zero();
}

/* ---- B: spawn with release ------------------------------------------------- */

static int order[16], norder;
static int released, stored;

/* A child that sleeps `ms`, its frame allocated apart and only pointed to. */
struct sleeper {
    ac_coro co;
    int ret;
    struct ac_sleep__frame s;
    int ms;
};
static void sleeper_resume(ac_coro *co)
{
    struct sleeper *f = (struct sleeper *)co;
    if (co->state == 0) {
        ac_sleep__init(&f->s, (uint64_t)f->ms);
        if (ac_await(&f->co, &f->s.co, 1))
            return;
    }
    f->ret = f->s.ret == 0 ? 7 : -1;
    ac_return(&f->co);
}

struct spawned {
    ac_spawn_child hdr;
    struct sleeper *child; /* ac_frame_alloc'd: release frees it */
    int *lv;
};
static void spawned_store(void *ctx)
{
    struct spawned *s = ctx;
    *s->lv = s->child->ret;
    stored++;
    order[norder++] = 1;
}
static void spawned_release(void *ctx)
{
    struct spawned *s = ctx;
    ac_frame_free(s->child, sizeof *s->child);
    released++;
    order[norder++] = 2;
}

static void spawn_one(ac_group *g, int ms, int *lv)
{
    struct spawned *s = ac_frame_alloc(sizeof *s);
    memset(s, 0, sizeof *s);
    s->child = ac_frame_alloc(sizeof *s->child);
    coro_init(&s->child->co, sleeper_resume);
    s->child->ms = ms;
    s->lv = lv;
    s->hdr.co = &s->child->co;
    s->hdr.store = spawned_store;
    s->hdr.ctx = s;
    s->hdr.alloc_size = sizeof *s;
    ac_spawn_release(g, &s->hdr, spawned_release);
}

struct parent {
    ac_coro co;
    int ret;
    ac_group g;
    struct ac_join__frame j;
    struct ac_sleep__frame s;
    int fast, slow;
};
static void parent_resume(ac_coro *co)
{
    struct parent *f = (struct parent *)co;
    switch (co->state) {
    case 1: goto r1;
    case 2: goto r2;
    }
    ac_group_init(&f->g);
    f->fast = f->slow = 0;
    spawn_one(&f->g, 1, &f->fast);
    spawn_one(&f->g, 10000, &f->slow);
    ac_sleep__init(&f->s, 20);
    if (ac_await(&f->co, &f->s.co, 1))
        return;
r1:
    /* the fast child is over: stored, then released */
    CHECK_EQ(stored, 1);
    CHECK_EQ(released, 1);
    ac_group_cancel(&f->g);
    ac_join__init(&f->j, &f->g);
    if (ac_await(&f->co, &f->j.co, 2))
        return;
r2:
    f->ret = f->j.ret;
    ac_return(&f->co);
}

static void test_spawn_release(void)
{
    struct parent p;
    coro_init(&p.co, parent_resume);
    CHECK_EQ(ac_run(&p.co), 0);
    CHECK_EQ(p.ret, 0);
    CHECK_EQ(p.fast, 7);
    CHECK_EQ(p.slow, 0);    /* cancelled: no store */
    CHECK_EQ(stored, 1);
    CHECK_EQ(released, 2);  /* but released */
    CHECK_EQ(norder, 3);
    CHECK_EQ(order[0], 1);
    CHECK_EQ(order[1], 2);
    CHECK_EQ(order[2], 2);
    check_stats_zero();     /* every frame, pointed-to ones included, freed */
}

/* ---- C: misuse aborts with a message --------------------------------------- */

static int plain(int x)
{
    return x;
}

/* Runs fn in a child process; checks it died of SIGABRT saying `want`. */
static void check_aborts(void (*fn)(void), const char *want)
{
    int fds[2];
    CHECK(pipe(fds) == 0);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        dup2(fds[1], 2);
        close(fds[0]);
        fn();
        _exit(0);
    }
    close(fds[1]);
    char buf[512];
    size_t n = 0;
    ssize_t k;
    while (n < sizeof buf - 1 && (k = read(fds[0], buf + n, sizeof buf - 1 - n)) > 0)
        n += (size_t)k;
    buf[n] = 0;
    close(fds[0]);
    int st;
    CHECK(waitpid(pid, &st, 0) == pid);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT);
    if (strstr(buf, want) == NULL) {
        fprintf(stderr, "wanted \"%s\" in: %s\n", want, buf);
        CHECK(0);
    }
}

static void entry_called_plainly(void)
{
    int (*volatile p)(int) = twice_entry;
    p(1);
}

static void plain_through_dyn(void)
{
    int (*volatile p)(int) = plain;
    ac_dyn d;
    ac_dyn_begin(&d);
    p(1);
    ac_dyn_end(&d);
}

int main(void)
{
    test_dyn();
    test_spawn_release();
    check_aborts(entry_called_plainly,
                 "asyncc: async function 'twice' called as a plain function; "
                 "await it, or run it with async_run");
    check_aborts(plain_through_dyn, "reached a function that is not async");
    puts("ok");
    return 0;
}
