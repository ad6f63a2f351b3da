/*
 * test_poll.c - ac_poll_fd on a pipe, and ac_signal.
 *
 *  A. the read end of a pipe becomes readable when a sibling task writes
 *     20 ms later: the mask is AC_READABLE, not before the write;
 *  B. the write end is writable at once: AC_WRITABLE;
 *  C. a poll nobody satisfies, cancelled by with_timeout: AC_ETIMEDOUT, the
 *     poll returned AC_ECANCELED and its handle is closed;
 *  D. a bad descriptor: an error at once, no handle;
 *  E. ac_signal(SIGUSR1) returns 0 once a sibling raises the signal; the
 *     signal stays caught (its handle stays open until the loop ends):
 *     two deliveries while nobody waits are counted, and the next two
 *     waits return 0 at once, without suspending; a third waits again;
 *  F. ac_signal cancelled by with_timeout: AC_ETIMEDOUT; SIGUSR2 is still
 *     caught afterwards (raising it does not kill the process), and the
 *     next wait takes that delivery at once; a signal that cannot be
 *     caught (SIGKILL) fails with UV_EINVAL;
 *  G. a second ac_poll_fd on a descriptor already being polled fails with
 *     UV_EEXIST at once (libuv allows one poll handle per descriptor).
 */
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include "io_test.h"

static int fds[2];
static double t_write;

/* async int later(int what, uint64_t ms): after ms, write to the pipe
 * (what == 0) or raise SIGUSR1 (what == 1). */
struct later__frame {
    ac_coro co;
    int ret;
    int what;
    uint64_t ms;
    struct ac_sleep__frame s;
};
static void later__resume(ac_coro *co)
{
    struct later__frame *f = (struct later__frame *)co;
    CO_BEGIN(co);
    ac_sleep__init(&f->s, f->ms);
    CO_AWAIT(co, &f->s, 1);
    t_write = wall_ms();
    if (f->what == 0)
        CHECK_EQ(write(fds[1], "x", 1), 1);
    else
        CHECK_EQ(kill(getpid(), SIGUSR1), 0);
    CO_RETURN(co);
    CO_END;
}
static void later__init(struct later__frame *f, int what, uint64_t ms)
{
    memset(f, 0, sizeof *f);
    f->co.resume = later__resume;
    f->what = what;
    f->ms = ms;
}

struct main__frame {
    ac_coro co;
    int ret;
    ac_group g;
    uint64_t l0;
    char c;
    struct ac_poll_fd__frame sub2;
    union {
        struct ac_poll_fd__frame p;
        struct ac_signal__frame sig;
        struct ac_sleep__frame sl;
        struct ac_join__frame j;
        struct {
            struct ac_with_timeout__frame wt;
            union {
                struct ac_poll_fd__frame p;
                struct ac_signal__frame sig;
            } op;
        } t;
    } sub;
};

static void main__resume(ac_coro *co)
{
    struct main__frame *f = (struct main__frame *)co;
    CO_BEGIN(co);
    CHECK_EQ(pipe(fds), 0);
    ac_group_init(&f->g);

    /* ---- A */
    t_write = 0;
    SPAWN(&f->g, struct later__frame, later__init, 0, 20);
    f->l0 = ac_now_ms(); /* loop time: the sleep's 20 ms hold exactly */
    ac_poll_fd__init(&f->sub.p, fds[0], AC_READABLE);
    CO_AWAIT(co, &f->sub.p, 1);
    CHECK_EQ(f->sub.p.ret, AC_READABLE);
    CHECK(t_write > 0);
    CHECK(ac_now_ms() - f->l0 >= 20);
    CHECK_EQ(read(fds[0], &f->c, 1), 1);
    CHECK_EQ(f->c, 'x');
    ac_join__init(&f->sub.j, &f->g);
    CO_AWAIT(co, &f->sub.j, 2);
    CHECK_EQ(ac_stats().open_handles, io_base_handles);

    /* ---- B */
    ac_poll_fd__init(&f->sub.p, fds[1], AC_WRITABLE);
    CO_AWAIT(co, &f->sub.p, 3);
    CHECK_EQ(f->sub.p.ret, AC_WRITABLE);

    /* ---- C */
    ac_poll_fd__init(&f->sub.t.op.p, fds[0], AC_READABLE);
    ac_with_timeout__init(&f->sub.t.wt, 20, &f->sub.t.op.p.co, NULL, NULL);
    CO_AWAIT(co, &f->sub.t.wt, 4);
    CHECK_EQ(f->sub.t.wt.ret, AC_ETIMEDOUT);
    CHECK_EQ(f->sub.t.op.p.ret, AC_ECANCELED);
    CHECK_EQ(ac_stats().open_handles, io_base_handles);

    /* ---- D */
    ac_poll_fd__init(&f->sub.p, 12345, AC_READABLE);
    CHECK_EQ(ac_await(co, &f->sub.p.co, 5), 0);
    CHECK(f->sub.p.ret < 0);
    ac_poll_fd__init(&f->sub.p, fds[0], 0);
    CHECK_EQ(ac_await(co, &f->sub.p.co, 6), 0);
    CHECK_EQ(f->sub.p.ret, UV_EINVAL);
    CHECK_EQ(ac_stats().open_handles, io_base_handles);

    /* ---- E */
    t_write = 0;
    SPAWN(&f->g, struct later__frame, later__init, 1, 10);
    ac_signal__init(&f->sub.sig, SIGUSR1);
    CO_AWAIT(co, &f->sub.sig, 7);
    CHECK_EQ(f->sub.sig.ret, 0);
    CHECK(t_write > 0);
    ac_join__init(&f->sub.j, &f->g);
    CO_AWAIT(co, &f->sub.j, 8);
    CHECK_EQ(ac_stats().open_handles, io_base_handles + 1);
    /* two deliveries nobody waits for, seen by the loop during a sleep */
    CHECK_EQ(raise(SIGUSR1), 0);
    CHECK_EQ(raise(SIGUSR1), 0);
    ac_sleep__init(&f->sub.sl, 20);
    CO_AWAIT(co, &f->sub.sl, 13);
    ac_signal__init(&f->sub.sig, SIGUSR1);
    CHECK_EQ(ac_await(co, &f->sub.sig.co, 14), 0);
    CHECK_EQ(f->sub.sig.ret, 0);
    ac_signal__init(&f->sub.sig, SIGUSR1);
    CHECK_EQ(ac_await(co, &f->sub.sig.co, 15), 0);
    CHECK_EQ(f->sub.sig.ret, 0);
    t_write = 0;
    SPAWN(&f->g, struct later__frame, later__init, 1, 10);
    ac_signal__init(&f->sub.sig, SIGUSR1);
    CO_AWAIT(co, &f->sub.sig, 16); /* the third waits for the sibling */
    CHECK_EQ(f->sub.sig.ret, 0);
    CHECK(t_write > 0);
    ac_join__init(&f->sub.j, &f->g);
    CO_AWAIT(co, &f->sub.j, 17);

    /* ---- F */
    ac_signal__init(&f->sub.t.op.sig, SIGUSR2);
    ac_with_timeout__init(&f->sub.t.wt, 10, &f->sub.t.op.sig.co, NULL, NULL);
    CO_AWAIT(co, &f->sub.t.wt, 9);
    CHECK_EQ(f->sub.t.wt.ret, AC_ETIMEDOUT);
    CHECK_EQ(f->sub.t.op.sig.ret, AC_ECANCELED);
    CHECK_EQ(raise(SIGUSR2), 0); /* caught: the process lives on */
    ac_sleep__init(&f->sub.sl, 20);
    CO_AWAIT(co, &f->sub.sl, 18);
    ac_signal__init(&f->sub.sig, SIGUSR2);
    CHECK_EQ(ac_await(co, &f->sub.sig.co, 19), 0);
    CHECK_EQ(f->sub.sig.ret, 0);
    /* The two watches stay until the loop ends (check_quiet). */
    CHECK_EQ(ac_stats().open_handles, io_base_handles + 2);
    io_base_handles += 2;
    ac_signal__init(&f->sub.sig, SIGKILL); /* its handle closes again */
    CHECK_EQ(ac_await(co, &f->sub.sig.co, 20), 0);
    CHECK_EQ(f->sub.sig.ret, UV_EINVAL);

    /* ---- G: the first poll waits (as an operand), the second fails */
    ac_poll_fd__init(&f->sub.t.op.p, fds[0], AC_READABLE);
    ac_with_timeout__init(&f->sub.t.wt, 20, &f->sub.t.op.p.co, NULL, NULL);
    CHECK_EQ(ac_await(co, &f->sub.t.wt.co, 10), 1);
    ac_poll_fd__init(&f->sub2, fds[0], AC_READABLE);
    CHECK_EQ(ac_await(co, &f->sub2.co, 11), 0);
    CHECK_EQ(f->sub2.ret, UV_EEXIST);
    co->state = 12;
    return; /* the with_timeout resumes us at 12 */
    case 12:
    CHECK_EQ(f->sub.t.wt.ret, AC_ETIMEDOUT);

    close(fds[0]);
    close(fds[1]);
    f->ret = 42;
    CO_RETURN(co);
    CO_END;
}

int main(void)
{
    struct main__frame f;
    memset(&f, 0, sizeof f);
    f.co.resume = main__resume;
    io_run(&f.co);
    CHECK_EQ(f.ret, 42);
    puts("test_poll: ok");
    return 0;
}
