/*
 * poll.c - ac_poll_fd (uv_poll): a leaf whose libuv handle lives in the
 * awaiting frame.
 *
 * A handle in a frame must be closed before the frame may go away, so the
 * leaf completes only from its handle's close callback: the event (or the
 * cancellation) records the result and starts the close, and the close
 * callback wakes the coroutine.  That costs one loop iteration per call and
 * buys a frame that needs no heap allocation.
 *
 * Note: uv_poll_init puts the descriptor in nonblocking mode, and libuv
 * allows only one poll handle per descriptor, so only one ac_poll_fd per fd
 * may be pending at a time (a second one fails with UV_EEXIST).
 */
#include "internal.h"

static void finish_from_close(ac_coro *co, int *ret, int result)
{
    ac__handle_closed();
    *ret = ac_task_cancelled(co->task) ? AC_ECANCELED : result;
    ac__enter();
    ac__leaf_finish(co);
    ac__leave();
}

/* ---- ac_poll_fd ---------------------------------------------------------------- */

static void poll_close_cb(uv_handle_t *h)
{
    struct ac_poll_fd__frame *f =
        AC__CONTAINER_OF(h, struct ac_poll_fd__frame, handle);
    finish_from_close(&f->co, &f->ret, f->result);
}

static void poll_end(struct ac_poll_fd__frame *f, int result)
{
    if (uv_is_closing((uv_handle_t *)&f->handle))
        return;
    f->result = result;
    uv_poll_stop(&f->handle);
    uv_close((uv_handle_t *)&f->handle, poll_close_cb);
}

static void poll_cb(uv_poll_t *h, int status, int events)
{
    struct ac_poll_fd__frame *f =
        AC__CONTAINER_OF(h, struct ac_poll_fd__frame, handle);
    poll_end(f, status < 0 ? status : events);
}

static void poll_cancel(ac_coro *co)
{
    poll_end((struct ac_poll_fd__frame *)co, AC_ECANCELED);
}

static void poll_fd_resume(ac_coro *co)
{
    struct ac_poll_fd__frame *f = (struct ac_poll_fd__frame *)co;
    int r;

    if (co->state != 0) {
        ac_return(co);
        return;
    }
    if (ac_task_cancelled(co->task) || ac_loop() == NULL ||
        (f->events & ~(AC_READABLE | AC_WRITABLE)) != 0 || f->events == 0) {
        f->ret = ac_task_cancelled(co->task) ? AC_ECANCELED : UV_EINVAL;
        ac_return(co);
        return;
    }
    r = uv_poll_init(ac_loop(), &f->handle, f->fd);
    if (r < 0) {
        f->ret = r; /* no handle was made: nothing to close */
        ac_return(co);
        return;
    }
    ac__handle_opened();
    ac_leaf_wait(co, poll_cancel);
    co->state = 1;
    r = uv_poll_start(&f->handle, f->events, poll_cb);
    if (r < 0)
        poll_end(f, r);
}

static int poll_fd_describe(const ac_coro *co, char *buf, size_t cap)
{
    const struct ac_poll_fd__frame *f = (const struct ac_poll_fd__frame *)co;
    const char *what = f->events == (AC_READABLE | AC_WRITABLE) ? "readable or writable"
                       : f->events == AC_READABLE                ? "readable"
                                                                 : "writable";
    if (uv_is_closing((const uv_handle_t *)&f->handle))
        return snprintf(buf, cap, "fd %d, done, closing the poll handle", f->fd);
    return snprintf(buf, cap, "fd %d, until %s", f->fd, what);
}
AC__LEAF_INFO(poll_fd_resume, "ac_poll_fd", poll_fd_describe)

void ac_poll_fd__init(struct ac_poll_fd__frame *f, int fd, int events)
{
    ac__coro_init(&f->co, poll_fd_resume);
    f->ret = 0;
    f->fd = fd;
    f->events = events;
    f->result = 0;
}
