/*
 * test_process.c - child processes with pipes.
 *
 *  A. `cat` with stdin and stdout pipes: a writer task writes 200 KiB
 *     (more than both pipes hold, so writing and reading must overlap) and
 *     shuts stdin down; the main task reads the echo until EOF and checks
 *     every byte (shutting its stdout down: UV_ENOTCONN); the exit
 *     status is 0 and no signal;
 *  B. `false` with every descriptor inherited: exit status 1;
 *  C. `sh -c 'echo err >&2; exit 3'` with a stderr pipe only: reads
 *     "err\n" then EOF; exit status 3;
 *  D. `sleep 10` killed with SIGTERM: term_signal SIGTERM within 3 s;
 *     killing it again: UV_ESRCH;
 *  E. an exit nobody waits for yet: `sh -c 'exit 5'` has exited (kill with
 *     signal 0 says UV_ESRCH) before the wait, which still returns 5;
 *  F. a wait cancelled (its group cancelled) returns AC_ECANCELED and
 *     leaves the process usable: SIGKILL, and a second wait returns it;
 *  G. spawning a missing program: UV_ENOENT, *out and the three stream
 *     pointers NULL, no handle and no descriptor left; argv NULL:
 *     UV_EINVAL;
 *  I. writing to the stdin of a child that has exited: UV_EPIPE (SIGPIPE
 *     is ignored, so the test is not killed);
 *  H. a child still running when ac_run returns (`sleep 10`, never
 *     waited for, its stdout pipe never closed) is killed and reaped:
 *     ac_run returns at once, nothing is left open, and the pid is gone.
 *
 * alarm(60) turns a hang into a failure.
 */
#include <dirent.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "io_test.h"

/* Open descriptors of this process (the entries of /proc/self/fd, less
 * the directory's own). */
static int open_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    int n = 0;
    CHECK(d != NULL);
    while (readdir(d) != NULL)
        n++;
    closedir(d);
    return n - 3; /* ".", ".." and d's descriptor */
}

#define MSG_LEN (200 * 1024)
#define CHUNK 8192

static unsigned char msg[MSG_LEN];

/* async int feeder(ac_stream *s): write msg, then shut down. */
struct feeder__frame {
    ac_coro co;
    int ret;
    ac_stream *s;
    union {
        struct ac_write__frame w;
        struct ac_shutdown__frame sh;
    } sub;
};
static int feeder_done;
static void feeder__resume(ac_coro *co)
{
    struct feeder__frame *f = (struct feeder__frame *)co;
    CO_BEGIN(co);
    ac_write__init(&f->sub.w, f->s, msg, MSG_LEN);
    CO_AWAIT(co, &f->sub.w, 1);
    CHECK_EQ(f->sub.w.ret, 0);
    ac_shutdown__init(&f->sub.sh, f->s);
    CO_AWAIT(co, &f->sub.sh, 2);
    CHECK_EQ(f->sub.sh.ret, 0);
    feeder_done = 1;
    CO_RETURN(co);
    CO_END;
}
static void feeder__init(struct feeder__frame *f, ac_stream *s)
{
    memset(f, 0, sizeof *f);
    f->co.resume = feeder__resume;
    f->s = s;
}

/* async int waiter1(ac_process *p, int *res): one wait. */
struct waiter1__frame {
    ac_coro co;
    int ret;
    int *res;
    struct ac_process_wait__frame w;
};
static void waiter1__resume(ac_coro *co)
{
    struct waiter1__frame *f = (struct waiter1__frame *)co;
    CO_BEGIN(co);
    CO_AWAIT(co, &f->w, 1);
    *f->res = f->w.ret;
    CO_RETURN(co);
    CO_END;
}
static void waiter1__init(struct waiter1__frame *f, ac_process *p, int *res)
{
    memset(f, 0, sizeof *f);
    f->co.resume = waiter1__resume;
    f->res = res;
    ac_process_wait__init(&f->w, p, NULL, NULL);
}

struct main__frame {
    ac_coro co;
    int ret;
    ac_process *p;
    ac_stream *in, *out, *err;
    ac_group g;
    int64_t status;
    int sig, res, tries, fds;
    size_t got;
    double t0;
    unsigned char buf[CHUNK];
    union {
        struct ac_read__frame r;
        struct ac_close__frame cl;
        struct ac_shutdown__frame sh;
        struct ac_write__frame wr;
        struct ac_process_wait__frame w;
        struct ac_join__frame j;
        struct ac_sleep__frame s;
    } sub;
};

#define WAIT(f, n)                                                         \
    do {                                                                   \
        (f)->status = -1;                                                  \
        (f)->sig = -1;                                                     \
        ac_process_wait__init(&(f)->sub.w, (f)->p, &(f)->status, &(f)->sig); \
        CO_AWAIT(co, &(f)->sub.w, n);                                      \
        CHECK_EQ((f)->sub.w.ret, 0);                                       \
    } while (0)
/* Let pending close callbacks run: they come in a loop iteration's last
 * phase, which may follow the next timer (up to 100 ms). */
#define SETTLE(f, n)                                                       \
    do {                                                                   \
        for ((f)->tries = 0; (f)->tries < 100 &&                           \
             ac_stats().open_handles != io_base_handles; (f)->tries++) {   \
            ac_sleep__init(&(f)->sub.s, 1);                                \
            CO_AWAIT(co, &(f)->sub.s, n);                                  \
        }                                                                  \
    } while (0)
#define CLOSE(f, st, n)                                                    \
    do {                                                                   \
        ac_close__init(&(f)->sub.cl, (st));                                \
        CO_AWAIT(co, &(f)->sub.cl, n);                                     \
        CHECK_EQ((f)->sub.cl.ret, 0);                                      \
    } while (0)

static void main__resume(ac_coro *co)
{
    struct main__frame *f = (struct main__frame *)co;
    CO_BEGIN(co);
    ac_group_init(&f->g);

    /* ---- A */
    {
        const char *const argv[] = {"cat", NULL};
        CHECK_EQ(ac_process_spawn(&f->p, argv, &f->in, &f->out, NULL), 0);
    }
    CHECK(f->p != NULL && f->in != NULL && f->out != NULL);
    CHECK(ac_process_pid(f->p) > 0);
    SPAWN(&f->g, struct feeder__frame, feeder__init, f->in);
    for (f->got = 0;;) {
        ac_read__init(&f->sub.r, f->out, f->buf, sizeof f->buf);
        CO_AWAIT(co, &f->sub.r, 1);
        if (f->sub.r.ret <= 0)
            break;
        CHECK(f->got + (size_t)f->sub.r.ret <= MSG_LEN);
        CHECK(memcmp(f->buf, msg + f->got, (size_t)f->sub.r.ret) == 0);
        f->got += (size_t)f->sub.r.ret;
    }
    CHECK_EQ(f->sub.r.ret, 0);
    CHECK_EQ(f->got, MSG_LEN);
    CHECK(feeder_done);
    ac_shutdown__init(&f->sub.sh, f->out); /* a read-only stream */
    CO_AWAIT(co, &f->sub.sh, 6);
    CHECK_EQ(f->sub.sh.ret, UV_ENOTCONN);
    WAIT(f, 2);
    CHECK_EQ(f->status, 0);
    CHECK_EQ(f->sig, 0);
    ac_join__init(&f->sub.j, &f->g);
    CO_AWAIT(co, &f->sub.j, 3);
    CLOSE(f, f->in, 4);
    CLOSE(f, f->out, 5);

    /* ---- B */
    {
        const char *const argv[] = {"false", NULL};
        CHECK_EQ(ac_process_spawn(&f->p, argv, NULL, NULL, NULL), 0);
    }
    WAIT(f, 10);
    CHECK_EQ(f->status, 1);
    CHECK_EQ(f->sig, 0);

    /* ---- C */
    {
        const char *const argv[] = {"sh", "-c", "echo err >&2; exit 3", NULL};
        f->out = (ac_stream *)f; /* not asked for: stays as it is */
        CHECK_EQ(ac_process_spawn(&f->p, argv, NULL, NULL, &f->err), 0);
        CHECK(f->out == (ac_stream *)f);
    }
    for (f->got = 0;;) {
        ac_read__init(&f->sub.r, f->err, f->buf + f->got,
                      sizeof f->buf - f->got);
        CO_AWAIT(co, &f->sub.r, 20);
        if (f->sub.r.ret <= 0)
            break;
        f->got += (size_t)f->sub.r.ret;
    }
    CHECK_EQ(f->sub.r.ret, 0);
    CHECK_EQ(f->got, 4);
    CHECK(memcmp(f->buf, "err\n", 4) == 0);
    WAIT(f, 21);
    CHECK_EQ(f->status, 3);
    CHECK_EQ(f->sig, 0);
    CLOSE(f, f->err, 22);

    /* ---- D */
    {
        const char *const argv[] = {"sleep", "10", NULL};
        CHECK_EQ(ac_process_spawn(&f->p, argv, NULL, NULL, NULL), 0);
    }
    f->t0 = wall_ms();
    CHECK_EQ(ac_process_kill(f->p, SIGTERM), 0);
    WAIT(f, 30);
    CHECK_EQ(f->sig, SIGTERM);
    CHECK_EQ(f->status, 0);
    CHECK(wall_ms() - f->t0 < 3000);

    /* ---- E */
    {
        const char *const argv[] = {"sh", "-c", "exit 5", NULL};
        CHECK_EQ(ac_process_spawn(&f->p, argv, NULL, NULL, NULL), 0);
    }
    for (f->tries = 0; ac_process_kill(f->p, 0) == 0; f->tries++) {
        CHECK(f->tries < 2500);
        ac_sleep__init(&f->sub.s, 2);
        CO_AWAIT(co, &f->sub.s, 40);
    }
    CHECK_EQ(ac_process_kill(f->p, 0), UV_ESRCH);
    CHECK_EQ(ac_process_kill(f->p, SIGTERM), UV_ESRCH);
    WAIT(f, 41);
    CHECK_EQ(f->status, 5);
    CHECK_EQ(f->sig, 0);

    /* ---- F */
    {
        const char *const argv[] = {"sleep", "10", NULL};
        CHECK_EQ(ac_process_spawn(&f->p, argv, NULL, NULL, NULL), 0);
    }
    f->res = 1;
    SPAWN(&f->g, struct waiter1__frame, waiter1__init, f->p, &f->res);
    CHECK_EQ(f->res, 1);
    ac_group_cancel(&f->g);
    ac_join__init(&f->sub.j, &f->g);
    CO_AWAIT(co, &f->sub.j, 50);
    CHECK_EQ(f->res, AC_ECANCELED);
    CHECK_EQ(ac_process_kill(f->p, SIGKILL), 0);
    WAIT(f, 51);
    CHECK_EQ(f->sig, SIGKILL);

    /* ---- I */
    {
        const char *const argv[] = {"true", NULL};
        CHECK_EQ(ac_process_spawn(&f->p, argv, &f->in, NULL, NULL), 0);
    }
    WAIT(f, 55);
    CHECK_EQ(f->status, 0);
    ac_write__init(&f->sub.wr, f->in, msg, MSG_LEN);
    CO_AWAIT(co, &f->sub.wr, 56);
    CHECK_EQ(f->sub.wr.ret, UV_EPIPE); /* and no death by SIGPIPE */
    CLOSE(f, f->in, 57);

    /* ---- G */
    f->fds = open_fds();
    {
        const char *const argv[] = {"/nonexistent/asyncc-no-such-program", NULL};
        f->p = (ac_process *)f;
        f->in = f->out = f->err = (ac_stream *)f;
        CHECK_EQ(ac_process_spawn(&f->p, argv, &f->in, &f->out, &f->err),
                 UV_ENOENT);
        CHECK(f->p == NULL);
        CHECK(f->in == NULL && f->out == NULL && f->err == NULL);
        CHECK_EQ(ac_process_spawn(&f->p, NULL, NULL, NULL, NULL), UV_EINVAL);
        CHECK(f->p == NULL);
    }
    SETTLE(f, 60);
    CHECK_EQ(ac_stats().open_handles, io_base_handles);
    CHECK_EQ(open_fds(), f->fds); /* the pipes libuv made are closed */

    f->ret = 42;
    CO_RETURN(co);
    CO_END;
}

/* H: a root that leaves a child running (and its pipe open). */
static int leftover_pid;
struct leftover__frame {
    ac_coro co;
    int ret;
};
static void leftover__resume(ac_coro *co)
{
    const char *const argv[] = {"sleep", "10", NULL};
    ac_process *p;
    ac_stream *out;
    CHECK_EQ(ac_process_spawn(&p, argv, NULL, &out, NULL), 0);
    leftover_pid = ac_process_pid(p);
    CHECK_EQ(ac_stats().open_handles, 2);
    ac_return(co);
}

int main(void)
{
    struct main__frame f;
    struct leftover__frame l;
    double t0;
    alarm(60);
    for (size_t i = 0; i < MSG_LEN; i++)
        msg[i] = (unsigned char)(i * 7 + (i >> 11));
    memset(&f, 0, sizeof f);
    f.co.resume = main__resume;
    io_run(&f.co);
    CHECK_EQ(f.ret, 42);

    memset(&l, 0, sizeof l);
    l.co.resume = leftover__resume;
    t0 = wall_ms();
    CHECK_EQ(ac_run(&l.co), 0);
    CHECK(wall_ms() - t0 < 3000);
    check_stats_zero();
    CHECK(leftover_pid > 0);
    CHECK(waitpid(leftover_pid, NULL, WNOHANG) < 0 && errno == ECHILD);
    CHECK(kill(leftover_pid, 0) < 0 && errno == ESRCH);
    puts("test_process: ok");
    return 0;
}
