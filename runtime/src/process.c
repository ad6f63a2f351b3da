/*
 * process.c - child processes: ac_process_spawn, ac_process_wait,
 * ac_process_kill, ac_process_pid.
 *
 * An ac_process is a heap object that starts with its uv_process_t.  libuv
 * reaps the child (SIGCHLD, waitpid) and calls exit_cb, which may come
 * before anyone waits: the status is kept in the object and the handle is
 * closed at once (it has nothing left to do), so an exited child costs
 * memory only.  The object is freed once both (a) the handle's close
 * callback has run and (b) it was given up: by the ac_process_wait that
 * returned its status, or by ac_run's shutdown.
 *
 * Pipes.  Each stdio slot the caller asks for is an ac_stream over a
 * uv_pipe_t (libuv makes a socketpair), an ordinary stream of tcp.c's
 * registry: the caller reads, writes, shuts down and closes it like any
 * other, and an unclosed one is closed at the end of ac_run.
 *
 * The end of ac_run.  A child still running then is killed (SIGKILL) and
 * reaped with a blocking waitpid, so neither a zombie nor an orphan that
 * runs on outlives the run; SIGKILL cannot be caught, so the wait is short.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>

#include "internal.h"

struct ac_process {
    uv_process_t proc;          /* first: (ac_process *)handle works       */
    struct ac_process_wait__frame *waiter; /* the pending wait, if any     */
    int64_t exit_status;
    int term_signal;
    int exited;                 /* exit_cb ran: libuv reaped the child      */
    int closed;                 /* the handle's close callback ran          */
    int released;               /* free once closed                         */
    ac_process *prev, *next;    /* every live process                       */
};

static _Thread_local ac_process *processes;

static void process_shutdown(void);
static _Thread_local ac__shutdown_hook shutdown_hook = {.fn = process_shutdown};

static void process_unlink_free(ac_process *p)
{
    AC__LIST_REMOVE(processes, p);
    free(p);
}

static void process_close_cb(uv_handle_t *h)
{
    ac_process *p = (ac_process *)h;
    ac__handle_closed();
    p->closed = 1;
    if (p->released)
        process_unlink_free(p);
}

static void process_release(ac_process *p)
{
    p->released = 1;
    if (p->closed)
        process_unlink_free(p);
}

/* Hand the status to a wait; the wait gives the object up. */
static void deliver(struct ac_process_wait__frame *f, ac_process *p)
{
    if (f->exit_status != NULL)
        *f->exit_status = p->exit_status;
    if (f->term_signal != NULL)
        *f->term_signal = p->term_signal;
    process_release(p);
}

static void exit_cb(uv_process_t *h, int64_t exit_status, int term_signal)
{
    ac_process *p = (ac_process *)h;
    struct ac_process_wait__frame *f = p->waiter;
    p->exited = 1;
    p->exit_status = exit_status;
    p->term_signal = term_signal;
    uv_close((uv_handle_t *)&p->proc, process_close_cb);
    if (f == NULL)
        return;
    p->waiter = NULL;
    deliver(f, p);
    f->ret = 0;
    ac__enter();
    ac__leaf_finish(&f->co);
    ac__leave();
}

/* ---- ac_process_spawn ------------------------------------------------------- */

/* A handle uv_spawn initialised but failed to start is still on the loop
 * and must be closed; it was never counted as open. */
static void failed_close_cb(uv_handle_t *h)
{
    free(h);
}

int ac_process_spawn(ac_process **out, const char *const argv[],
                     ac_stream **to_stdin, ac_stream **from_stdout,
                     ac_stream **from_stderr)
{
    ac_stream **want[3] = {to_stdin, from_stdout, from_stderr};
    ac_stream *pipes[3] = {NULL, NULL, NULL};
    uv_stdio_container_t stdio[3];
    uv_process_options_t opt;
    ac_process *p = NULL;
    int r = 0;

    *out = NULL;
    for (int i = 0; i < 3; i++)
        if (want[i] != NULL)
            *want[i] = NULL;
    if (ac_loop() == NULL || argv == NULL || argv[0] == NULL)
        return UV_EINVAL;
    for (int i = 0; i < 3 && r == 0; i++) {
        if (want[i] == NULL) {
            stdio[i].flags = UV_INHERIT_FD;
            stdio[i].data.fd = i;
            continue;
        }
        r = ac__stream_new_pipe(&pipes[i]);
        /* The flags say what the child does with its end. */
        stdio[i].flags = UV_CREATE_PIPE |
                         (i == 0 ? UV_READABLE_PIPE : UV_WRITABLE_PIPE);
        stdio[i].data.stream = r == 0 ? ac__stream_uv(pipes[i]) : NULL;
    }
    if (r == 0) {
        p = calloc(1, sizeof *p);
        r = p == NULL ? UV_ENOMEM : 0;
    }
    if (r == 0) {
        memset(&opt, 0, sizeof opt);
        opt.exit_cb = exit_cb;
        opt.file = argv[0];
        opt.args = (char **)argv; /* libuv does not write to them */
        opt.stdio_count = 3;
        opt.stdio = stdio;
        r = uv_spawn(ac_loop(), &p->proc, &opt);
        if (r < 0) {
            uv_close((uv_handle_t *)&p->proc, failed_close_cb);
            p = NULL;
        }
    }
    if (r < 0) {
        /* Streams libuv may have opened (a failed exec still connects
         * them) are closed with the handles. */
        for (int i = 0; i < 3; i++)
            if (pipes[i] != NULL)
                ac__stream_release(pipes[i]);
        free(p);
        return r;
    }
    ac__handle_opened();
    ac__on_shutdown(&shutdown_hook);
    AC__LIST_PUSH(processes, p);
    for (int i = 0; i < 3; i++)
        if (want[i] != NULL)
            *want[i] = pipes[i];
    *out = p;
    return 0;
}

/* ---- ac_process_wait --------------------------------------------------------- */

static void wait_cancel(ac_coro *co)
{
    struct ac_process_wait__frame *f = (struct ac_process_wait__frame *)co;
    f->p->waiter = NULL;
    f->ret = AC_ECANCELED;
    ac__leaf_finish(co);
}

static void wait_resume(ac_coro *co)
{
    struct ac_process_wait__frame *f = (struct ac_process_wait__frame *)co;
    ac_process *p = f->p;

    if (co->state != 0) {
        ac_return(co);
        return;
    }
    if (ac_task_cancelled(co->task)) {
        f->ret = AC_ECANCELED;
    } else if (p == NULL) {
        f->ret = UV_EINVAL;
    } else if (p->waiter != NULL) {
        f->ret = UV_EALREADY; /* one waiter: the first frees the object */
    } else if (p->exited) {
        deliver(f, p); /* it exited before anyone waited */
        f->ret = 0;
    } else {
        p->waiter = f;
        ac_leaf_wait(co, wait_cancel);
        co->state = 1;
        return;
    }
    ac_return(co);
}

static int wait_describe(const ac_coro *co, char *buf, size_t cap)
{
    const struct ac_process_wait__frame *f = (const struct ac_process_wait__frame *)co;
    return snprintf(buf, cap, "pid %d", f->p->proc.pid);
}
AC__LEAF_INFO(wait_resume, "ac_process_wait", wait_describe)

void ac_process_wait__init(struct ac_process_wait__frame *f, ac_process *p,
                           int64_t *exit_status, int *term_signal)
{
    ac__coro_init(&f->co, wait_resume);
    f->ret = 0;
    f->p = p;
    f->exit_status = exit_status;
    f->term_signal = term_signal;
}

/* ---- kill, pid, shutdown -------------------------------------------------------- */

int ac_process_kill(ac_process *p, int signum)
{
    if (p == NULL)
        return UV_EINVAL;
    if (p->exited)
        return UV_ESRCH; /* reaped: the pid may already be someone else's */
    return uv_process_kill(&p->proc, signum);
}

int ac_process_pid(const ac_process *p)
{
    return p == NULL ? UV_EINVAL : p->proc.pid;
}

static void process_shutdown(void)
{
    for (ac_process *p = processes, *next; p != NULL; p = next) {
        next = p->next;
        if (!p->exited) {
            int pid = p->proc.pid;
            uv_process_kill(&p->proc, SIGKILL);
            /* Closing first takes the child off libuv's SIGCHLD list, so
             * the waitpid below is the only one. */
            uv_close((uv_handle_t *)&p->proc, process_close_cb);
            while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
                ;
        }
        process_release(p); /* now, or when the close completes */
    }
}
