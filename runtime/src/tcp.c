/*
 * tcp.c - streams and servers: ac_tcp_listen, ac_server_port, ac_accept,
 * ac_tcp_connect, ac_read, ac_write, ac_shutdown, ac_close, ac_server_close;
 * and beyond TCP: ac_unix_listen, ac_unix_connect, ac_stream_open.
 *
 * Objects.  ac_stream and ac_server are heap objects that start with their
 * libuv handle, a union over the stream kinds (TCP, uv_pipe_t for Unix
 * sockets and pipes, uv_tty_t), so a handle pointer converts back with a
 * cast and everything but opening and connecting is the same code for every
 * kind: libuv's uv_stream_t calls dispatch on the handle's type.  Every live one
 * is on a list so that ac_run's shutdown can close and free what the program
 * did not.  An object is freed once both (a) its handle's close callback has
 * run and (b) the program has given it up (ac_close / ac_server_close, or
 * shutdown).  The two can happen in either order: cancelling a write closes
 * the handle early (libuv cannot take a queued write back) while the program
 * still holds the pointer.
 *
 * Reading.  ac_read hands libuv the caller's buffer and stops reading after
 * the first callback, so no byte is ever buffered (or lost) inside the
 * runtime.  EOF and read errors are sticky: later reads return them at once.
 * A protocol library (the HTTP server) attaches a sink instead (internal.h):
 * the stream keeps reading into the sink's own buffer until it pauses, so a
 * busy connection costs one read() per arrival and no start/stop per call.
 *
 * SIGPIPE.  Writing to a socket the peer has reset raises SIGPIPE, which by
 * default kills the process; so does writing to a pipe whose reader is gone
 * (a child that exited).  A peer must not be able to do that, so the first
 * stream or server created sets SIGPIPE to "ignore" when it is still at its
 * default (a handler the program installed is left alone); the write then
 * fails with UV_EPIPE.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#include "internal.h"

/* Any libuv stream; `handle.type` says which member is live. */
typedef union {
    uv_handle_t handle;
    uv_stream_t stream;
    uv_tcp_t tcp;
    uv_pipe_t pipe;
    uv_tty_t tty;
} any_stream;

struct ac_stream {
    any_stream h;                /* first: (ac_stream *)handle works        */
    struct ac_read__frame *reader; /* the pending ac_read, if any           */
    ac_coro *closer;             /* the ac_close waiting for the handle     */
    int err;                     /* sticky: UV_EOF or a read error          */
    int closing;                 /* uv_close has been called                */
    int closed;                  /* ... and its callback has run            */
    int released;                /* the program gave the object up          */
    ac__sink *sink;              /* the continuous reader, if attached      */
    int sink_reading;            /* uv_read_start is in effect for it       */
    int shut;                    /* a shutdown (FIN) has been requested     */
    uv_shutdown_t shut_req;
    struct ac_shutdown__frame *shutter; /* the ac_shutdown waiting for it  */
    ac_stream *prev, *next;      /* every live stream                       */
};

struct ac_server {
    any_stream h;                /* a uv_tcp_t or a listening uv_pipe_t     */
    struct ac_accept__frame *head, *tail; /* waiting ac_accept calls        */
    int pending;                 /* a connection waits to be accepted       */
    int err;                     /* a connection error nobody has seen yet  */
    int closing;
    ac_coro *closer;
    ac_server *prev, *next;      /* every live server                       */
};

static _Thread_local ac_stream *streams;
static _Thread_local ac_server *servers;

static void tcp_shutdown(void);
static _Thread_local ac__shutdown_hook shutdown_hook = {.fn = tcp_shutdown};

/* Result view shared by every frame here: { ac_coro co; RET ret; ... }. */
static void finish_int(ac_coro *co, int *ret_field, int ret)
{
    *ret_field = ret;
    ac__enter();
    ac__leaf_finish(co);
    ac__leave();
}

static int start_cancelled(ac_coro *co)
{
    return ac_task_cancelled(co->task);
}

static void ignore_sigpipe(void)
{
    struct sigaction old;
    if (sigaction(SIGPIPE, NULL, &old) == 0 && old.sa_handler == SIG_DFL)
        signal(SIGPIPE, SIG_IGN);
}

/* Once per process, whichever thread's loop gets there first. */
static void ignore_sigpipe_once(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, ignore_sigpipe);
}

int ac__gai_error(int e)
{
    switch (e) {
    case EAI_AGAIN: return UV_EAI_AGAIN;
    case EAI_FAMILY: return UV_EAI_FAMILY;
    case EAI_MEMORY: return UV_EAI_MEMORY;
    case EAI_NONAME: return UV_EAI_NONAME;
    case EAI_SERVICE: return UV_EAI_SERVICE;
    case EAI_SOCKTYPE: return UV_EAI_SOCKTYPE;
    case EAI_SYSTEM: return errno ? -errno : UV_EAI_FAIL;
    default: return UV_EAI_FAIL;
    }
}

static int port_string(char out[8], int port)
{
    if (port < 0 || port > 65535)
        return UV_EINVAL;
    snprintf(out, 8, "%d", port);
    return 0;
}

/* Resolve synchronously.  With `numeric_only` a name fails at once with
 * UV_EAI_NONAME instead of blocking on DNS. */
static int resolve_now(const char *host, int port, int passive,
                       int numeric_only, struct addrinfo **out)
{
    struct addrinfo hints;
    char service[8];
    int r = port_string(service, port);
    if (r < 0)
        return r;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0) |
                     (numeric_only ? AI_NUMERICHOST : 0);
    r = getaddrinfo(host, service, &hints, out);
    return r == 0 ? 0 : ac__gai_error(r);
}

/* ---- streams ---------------------------------------------------------------- */

static void stream_unlink_free(ac_stream *s)
{
    AC__LIST_REMOVE(streams, s);
    free(s);
}

static void stream_close_cb(uv_handle_t *h)
{
    ac_stream *s = (ac_stream *)h;
    ac_coro *closer = s->closer;
    ac__handle_closed();
    s->closed = 1;
    s->closer = NULL;
    if (s->released)
        stream_unlink_free(s);
    if (closer != NULL)
        finish_int(closer, &((struct ac_close__frame *)closer)->ret, 0);
}

/* Close the handle (once).  A pending read cannot survive it, and an
 * attached sink is told (UV_ECANCELED) and detached. */
static void stream_start_close(ac_stream *s)
{
    struct ac_read__frame *r = s->reader;
    ac__sink *k = s->sink;
    if (s->closing)
        return;
    s->closing = 1;
    s->sink = NULL;
    s->sink_reading = 0;
    if (k != NULL)
        k->data(k, UV_ECANCELED);
    if (r != NULL) {
        s->reader = NULL;
        r->ret = UV_ECANCELED;
        ac__enter();
        ac__leaf_finish(&r->co);
        ac__leave();
    }
    uv_close(&s->h.handle, stream_close_cb);
}

/* The program (or shutdown) gives `s` up: close it, free it when closed. */
static void stream_release(ac_stream *s)
{
    s->released = 1;
    if (s->closed)
        stream_unlink_free(s);
    else
        stream_start_close(s);
}

/* Initialise `h` as a handle of `type`: a TCP socket or a pipe (opened or
 * connected later), or a tty over `fd` (uv_tty_init opens it at once). */
static int handle_init(uv_loop_t *loop, any_stream *h, uv_handle_type type,
                       int fd)
{
    switch (type) {
    case UV_TCP:
        return uv_tcp_init(loop, &h->tcp);
    case UV_NAMED_PIPE:
        return uv_pipe_init(loop, &h->pipe, 0);
    case UV_TTY:
        return uv_tty_init(loop, &h->tty, fd, 1);
    default:
        return UV_EINVAL;
    }
}

static int stream_new(ac_stream **out, uv_handle_type type, int fd)
{
    ac_stream *s = calloc(1, sizeof *s);
    uv_loop_t *loop = ac_loop();
    int r;
    if (loop == NULL) {
        free(s);
        return UV_EINVAL;
    }
    if (s == NULL)
        return UV_ENOMEM;
    r = handle_init(loop, &s->h, type, fd);
    if (r < 0) {
        free(s);
        return r;
    }
    ac__handle_opened();
    ac__on_shutdown(&shutdown_hook);
    ignore_sigpipe_once();
    AC__LIST_PUSH(streams, s);
    *out = s;
    return 0;
}

int ac__stream_new_pipe(ac_stream **out)
{
    return stream_new(out, UV_NAMED_PIPE, -1);
}

uv_stream_t *ac__stream_uv(ac_stream *s)
{
    return &s->h.stream;
}

/* Where a stream leads, for dumps: "fd 7", and the peer of a TCP socket. */
static void stream_where(const ac_stream *s, char *buf, size_t cap)
{
    struct sockaddr_storage ss;
    int len = sizeof ss;
    char ip[INET6_ADDRSTRLEN] = "";
    uv_os_fd_t fd;

    if (uv_fileno(&s->h.handle, &fd) < 0) {
        snprintf(buf, cap, "closing");
        return;
    }
    if (s->h.handle.type == UV_TCP &&
        uv_tcp_getpeername(&s->h.tcp, (struct sockaddr *)&ss, &len) == 0) {
        if (ss.ss_family == AF_INET) {
            const struct sockaddr_in *a = (const struct sockaddr_in *)&ss;
            uv_ip4_name(a, ip, sizeof ip);
            snprintf(buf, cap, "fd %d, peer %s:%d", fd, ip, ntohs(a->sin_port));
            return;
        }
        if (ss.ss_family == AF_INET6) {
            const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)&ss;
            uv_ip6_name(a, ip, sizeof ip);
            snprintf(buf, cap, "fd %d, peer [%s]:%d", fd, ip, ntohs(a->sin6_port));
            return;
        }
    }
    snprintf(buf, cap, "fd %d", fd);
}

/* ---- ac_read ------------------------------------------------------------------- */

static void read_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    ac_stream *s = (ac_stream *)h;
    size_t cap;
    (void)suggested;
    if (s->reader == NULL) {
        *buf = uv_buf_init(NULL, 0); /* read_cb gets UV_ENOBUFS and stops */
        return;
    }
    cap = s->reader->cap;
    if (cap > 0x7fffffffu)
        cap = 0x7fffffffu;
    *buf = uv_buf_init(s->reader->buf, (unsigned)cap);
}

static void read_cb(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf)
{
    ac_stream *s = (ac_stream *)st;
    struct ac_read__frame *f = s->reader;
    (void)buf;
    if (nread == 0)
        return; /* EAGAIN: nothing this time */
    uv_read_stop(st);
    if (nread < 0 && nread != UV_ENOBUFS)
        s->err = (int)nread;
    if (f == NULL)
        return;
    s->reader = NULL;
    f->ret = nread == UV_EOF ? 0 : nread;
    ac__enter();
    ac__leaf_finish(&f->co);
    ac__leave();
}

static void read_cancel(ac_coro *co)
{
    struct ac_read__frame *f = (struct ac_read__frame *)co;
    uv_read_stop(&f->s->h.stream);
    f->s->reader = NULL;
    f->ret = AC_ECANCELED;
    ac__leaf_finish(co);
}

/* 0 when a read can start now, else the result to return at once. */
static ssize_t read_precheck(struct ac_read__frame *f)
{
    ac_stream *s = f->s;
    if (start_cancelled(&f->co))
        return AC_ECANCELED;
    if (s == NULL || s->closing)
        return UV_EBADF;
    if (s->err == UV_EOF)
        return 0;
    if (s->err < 0)
        return s->err;
    if (s->reader != NULL || s->sink != NULL)
        return UV_EALREADY; /* one reader per stream at a time */
    if (f->cap == 0)
        return UV_EINVAL;
    return 1;
}

static void read_resume(ac_coro *co)
{
    struct ac_read__frame *f = (struct ac_read__frame *)co;
    ssize_t r;
    int err;

    if (co->state != 0) {
        ac_return(co);
        return;
    }
    r = read_precheck(f);
    if (r <= 0) {
        f->ret = r;
        ac_return(co);
        return;
    }
    f->s->reader = f;
    err = uv_read_start(&f->s->h.stream, read_alloc, read_cb);
    if (err < 0) {
        f->s->reader = NULL;
        f->ret = err;
        ac_return(co);
        return;
    }
    ac_leaf_wait(co, read_cancel);
    co->state = 1;
}

static int read_describe(const ac_coro *co, char *buf, size_t cap)
{
    const struct ac_read__frame *f = (const struct ac_read__frame *)co;
    char where[128];
    stream_where(f->s, where, sizeof where);
    return snprintf(buf, cap, "%s, up to %zu bytes", where, f->cap);
}
AC__LEAF_INFO(read_resume, "ac_read", read_describe)

void ac_read__init(struct ac_read__frame *f, ac_stream *s, void *buf,
                   size_t cap)
{
    ac__coro_init(&f->co, read_resume);
    f->ret = 0;
    f->s = s;
    f->buf = buf;
    f->cap = cap;
}

/* ---- sinks (internal.h) ------------------------------------------------------ */

static void sink_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    ac_stream *s = (ac_stream *)h;
    (void)suggested;
    if (s->sink == NULL)
        *buf = uv_buf_init(NULL, 0); /* sink_read_cb gets UV_ENOBUFS */
    else
        s->sink->alloc(s->sink, buf);
}

static void sink_pause(ac_stream *s)
{
    if (s->sink_reading)
        uv_read_stop(&s->h.stream);
    s->sink_reading = 0;
}

static void sink_read_cb(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf)
{
    ac_stream *s = (ac_stream *)st;
    ac__sink *k = s->sink;
    (void)buf;
    if (nread == 0)
        return; /* EAGAIN */
    if (nread == UV_ENOBUFS || k == NULL) {
        sink_pause(s); /* the sink had no room; it restarts itself */
        return;
    }
    if (nread < 0) {
        s->err = (int)nread;
        sink_pause(s);
    }
    k->data(k, nread); /* last: the sink may give the stream up */
}

int ac__stream_sink_start(ac_stream *s, ac__sink *k)
{
    int r;
    if (s == NULL || s->closing)
        return UV_EBADF;
    if (s->reader != NULL || (s->sink != NULL && s->sink != k))
        return UV_EALREADY;
    if (s->err < 0)
        return s->err;
    s->sink = k;
    if (s->sink_reading)
        return 0;
    r = uv_read_start(&s->h.stream, sink_alloc, sink_read_cb);
    if (r < 0)
        return r;
    s->sink_reading = 1;
    return 0;
}

void ac__stream_sink_pause(ac_stream *s)
{
    if (s != NULL)
        sink_pause(s);
}

int ac__stream_try_write(ac_stream *s, const void *buf, size_t len)
{
    uv_buf_t b = uv_buf_init((char *)buf, len > 0x7fffffffu ? 0x7fffffffu
                                                             : (unsigned)len);
    if (s == NULL || s->closing)
        return UV_EBADF;
    return uv_try_write(&s->h.stream, &b, 1);
}

/* The FIN went out (0), or failed, or the stream closed first (libuv then
 * says UV_ECANCELED, before the close callback: `s` is still there). */
static void shutdown_cb(uv_shutdown_t *req, int status)
{
    ac_stream *s = AC__CONTAINER_OF(req, ac_stream, shut_req);
    struct ac_shutdown__frame *f = s->shutter;
    if (f == NULL)
        return; /* ac__stream_shutdown, or an ac_shutdown that was cancelled */
    s->shutter = NULL;
    finish_int(&f->co, &f->ret, status);
}

/* Request the FIN (once per stream: the request lives in the stream, so a
 * cancelled ac_shutdown can leave it in flight). */
static int stream_shutdown(ac_stream *s)
{
    int r;
    if (s == NULL || s->closing)
        return UV_EBADF;
    if (s->shut)
        return UV_ENOTCONN; /* what libuv says to a second shutdown */
    r = uv_shutdown(&s->shut_req, &s->h.stream, shutdown_cb);
    if (r == 0)
        s->shut = 1;
    return r;
}

int ac__stream_shutdown(ac_stream *s)
{
    int r = stream_shutdown(s);
    return r == UV_ENOTCONN && s->shut ? 0 : r;
}

size_t ac__stream_write_queue(const ac_stream *s)
{
    if (s == NULL || s->closing)
        return 0;
    return uv_stream_get_write_queue_size(&s->h.stream);
}

void ac__stream_abort(ac_stream *s)
{
    if (s != NULL)
        stream_start_close(s);
}

void ac__stream_release(ac_stream *s)
{
    if (s == NULL || s->released)
        return;
    s->sink = NULL; /* the owner is not called back for its own release */
    sink_pause(s);
    stream_release(s);
}

/* ---- ac_write ---------------------------------------------------------------- */

static void write_cb(uv_write_t *req, int status);

/* Queue the next piece (libuv buffers are at most 4 GiB; we use 2 GiB). */
static int write_piece(struct ac_write__frame *f, size_t off)
{
    size_t n = f->len - off;
    uv_buf_t b = uv_buf_init((char *)f->buf + off,
                             n > 0x7fffffffu ? 0x7fffffffu : (unsigned)n);
    f->ubuf = b; /* what is in flight, for write_cb's bookkeeping */
    /* libuv copies the buffer descriptors, so a local one will do. */
    return uv_write(&f->req, &f->s->h.stream, &b, 1, write_cb);
}

static void write_cb(uv_write_t *req, int status)
{
    struct ac_write__frame *f =
        AC__CONTAINER_OF(req, struct ac_write__frame, req);
    size_t done = (size_t)(f->ubuf.base - (char *)f->buf) + f->ubuf.len;
    int cancelled = ac_task_cancelled(f->co.task);

    if (status == 0 && !cancelled && done < f->len) {
        status = write_piece(f, done);
        if (status == 0)
            return; /* the next piece is queued */
    }
    f->pending = 0;
    finish_int(&f->co, &f->ret, cancelled ? AC_ECANCELED : status);
}

/* libuv cannot take back a queued write; closing the stream makes its
 * callback come (with UV_ECANCELED).  A half-written stream is useless to
 * its peer anyway. */
static void write_cancel(ac_coro *co)
{
    struct ac_write__frame *f = (struct ac_write__frame *)co;
    stream_start_close(f->s);
}

static void write_resume(ac_coro *co)
{
    struct ac_write__frame *f = (struct ac_write__frame *)co;
    uv_stream_t *st;
    size_t off = 0;
    int r;

    if (co->state != 0) {
        ac_return(co);
        return;
    }
    if (start_cancelled(co) || f->s == NULL || f->s->closing || f->len == 0) {
        f->ret = start_cancelled(co) ? AC_ECANCELED
                 : (f->s == NULL || f->s->closing) ? UV_EBADF : 0;
        ac_return(co);
        return;
    }
    st = &f->s->h.stream;
    /* Most writes fit in the socket buffer: try without suspending. */
    while (off < f->len) {
        size_t n = f->len - off;
        uv_buf_t b = uv_buf_init((char *)f->buf + off,
                                 n > 0x7fffffffu ? 0x7fffffffu : (unsigned)n);
        r = uv_try_write(st, &b, 1);
        if (r == UV_EAGAIN)
            break;
        if (r < 0) {
            f->ret = r;
            ac_return(co);
            return;
        }
        off += (size_t)r;
    }
    if (off == f->len) {
        f->ret = 0;
        ac_return(co);
        return;
    }
    r = write_piece(f, off);
    if (r < 0) {
        f->ret = r;
        ac_return(co);
        return;
    }
    f->pending = 1;
    ac_leaf_wait(co, write_cancel);
    co->state = 1;
}

static int write_describe(const ac_coro *co, char *buf, size_t cap)
{
    const struct ac_write__frame *f = (const struct ac_write__frame *)co;
    size_t sent = (size_t)(f->ubuf.base - (const char *)f->buf); /* before the piece in flight */
    char where[128];
    stream_where(f->s, where, sizeof where);
    return snprintf(buf, cap, "%s, %zu of %zu bytes left", where, f->len - sent, f->len);
}
AC__LEAF_INFO(write_resume, "ac_write", write_describe)

void ac_write__init(struct ac_write__frame *f, ac_stream *s, const void *buf,
                    size_t len)
{
    ac__coro_init(&f->co, write_resume);
    f->ret = 0;
    f->s = s;
    f->buf = buf;
    f->len = len;
    f->pending = 0;
}

/* ---- ac_close -------------------------------------------------------------------- */

/*
 * ac_close always gives the stream up, even in a cancelled task: cleanup
 * code typically runs after a cancellation, and refusing would leak the
 * socket.  A cancelled task gets AC_ECANCELED at once and does not wait for
 * the close callback (which then frees the stream by itself).
 */
static void close_resume(ac_coro *co)
{
    struct ac_close__frame *f = (struct ac_close__frame *)co;
    ac_stream *s = f->s;

    if (co->state != 0) {
        ac_return(co);
        return;
    }
    if (s == NULL || s->released) {
        f->ret = UV_EBADF;
        ac_return(co);
        return;
    }
    if (s->closed || start_cancelled(co)) {
        f->ret = start_cancelled(co) ? AC_ECANCELED : 0;
        stream_release(s);
        ac_return(co);
        return;
    }
    s->closer = co;
    stream_release(s);
    ac_leaf_wait(co, NULL); /* a close cannot be stopped; it is quick */
    co->state = 1;
}

/* Nothing to show: the close callback frees the stream. */
AC__LEAF_INFO(close_resume, "ac_close", NULL)

void ac_close__init(struct ac_close__frame *f, ac_stream *s)
{
    ac__coro_init(&f->co, close_resume);
    f->ret = 0;
    f->s = s;
}

/* ---- ac_tcp_connect ---------------------------------------------------------------- */

enum { CONN_IDLE, CONN_RESOLVING, CONN_CONNECTING };

static void connect_cb(uv_connect_t *req, int status);

/* Start connecting to the next address.  1: a connect is pending; 0: no
 * address left (f->err says why). */
static int connect_next(struct ac_tcp_connect__frame *f)
{
    while (f->ai_next != NULL) {
        struct addrinfo *ai = f->ai_next;
        ac_stream *s;
        int r;
        f->ai_next = ai->ai_next;
        r = stream_new(&s, UV_TCP, -1);
        if (r < 0) {
            f->err = r;
            return 0;
        }
        r = uv_tcp_connect(&f->req, &s->h.tcp, ai->ai_addr, connect_cb);
        if (r < 0) {
            f->err = r;
            stream_release(s);
            continue;
        }
        f->stream = s;
        f->phase = CONN_CONNECTING;
        return 1;
    }
    return 0;
}

static void connect_complete(struct ac_tcp_connect__frame *f, int ret)
{
    if (f->ai_list != NULL)
        freeaddrinfo(f->ai_list);
    f->ai_list = f->ai_next = NULL;
    f->phase = CONN_IDLE;
    finish_int(&f->co, &f->ret, ret);
}

static void connect_cb(uv_connect_t *req, int status)
{
    struct ac_tcp_connect__frame *f =
        AC__CONTAINER_OF(req, struct ac_tcp_connect__frame, req);
    ac_stream *s = f->stream;
    int cancelled = ac_task_cancelled(f->co.task);

    f->stream = NULL;
    if (status == 0 && !cancelled) {
        uv_tcp_nodelay(&s->h.tcp, 1);
        *f->out = s;
        connect_complete(f, 0);
        return;
    }
    f->err = status < 0 ? status : AC_ECANCELED;
    stream_release(s);
    if (cancelled)
        connect_complete(f, AC_ECANCELED);
    else if (!connect_next(f))
        connect_complete(f, f->err);
}

static void gai_cb(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
    struct ac_tcp_connect__frame *f =
        AC__CONTAINER_OF(req, struct ac_tcp_connect__frame, gai);
    f->ai_list = f->ai_next = res;
    if (ac_task_cancelled(f->co.task))
        connect_complete(f, AC_ECANCELED);
    else if (status < 0)
        connect_complete(f, status);
    else if (!connect_next(f))
        connect_complete(f, f->err);
}

static void connect_cancel(ac_coro *co)
{
    struct ac_tcp_connect__frame *f = (struct ac_tcp_connect__frame *)co;
    /* Either way the operation's own callback completes the leaf. */
    if (f->phase == CONN_RESOLVING)
        uv_cancel((uv_req_t *)&f->gai);
    else if (f->phase == CONN_CONNECTING && f->stream != NULL)
        stream_start_close(f->stream);
}

/* Start resolving; 1 when suspended, 0 when f->ret is final. */
static int connect_start(struct ac_tcp_connect__frame *f)
{
    struct addrinfo hints;
    char service[8];
    int r = resolve_now(f->host, f->port, 0, 1, &f->ai_list);

    f->err = UV_EAI_NONAME;
    if (r == 0) {
        f->ai_next = f->ai_list;
        if (connect_next(f))
            return 1;
        freeaddrinfo(f->ai_list);
        f->ai_list = f->ai_next = NULL;
        f->ret = f->err;
        return 0;
    }
    if (r != UV_EAI_NONAME || f->host == NULL) {
        f->ret = r;
        return 0;
    }
    /* A name: resolve it on the thread pool. */
    port_string(service, f->port);
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    r = uv_getaddrinfo(ac_loop(), &f->gai, gai_cb, f->host, service, &hints);
    if (r < 0) {
        f->ret = r;
        return 0;
    }
    f->phase = CONN_RESOLVING;
    return 1;
}

static void tcp_connect_resume(ac_coro *co)
{
    struct ac_tcp_connect__frame *f = (struct ac_tcp_connect__frame *)co;

    if (co->state != 0) {
        ac_return(co);
        return;
    }
    *f->out = NULL;
    if (start_cancelled(co) || ac_loop() == NULL) {
        f->ret = start_cancelled(co) ? AC_ECANCELED : UV_EINVAL;
        ac_return(co);
        return;
    }
    if (!connect_start(f)) {
        ac_return(co);
        return;
    }
    ac_leaf_wait(co, connect_cancel);
    co->state = 1;
}

static int tcp_connect_describe(const ac_coro *co, char *buf, size_t cap)
{
    const struct ac_tcp_connect__frame *f = (const struct ac_tcp_connect__frame *)co;
    const char *host = f->host != NULL ? f->host : "localhost"; /* getaddrinfo's NULL */
    int v6 = strchr(host, ':') != NULL;
    return snprintf(buf, cap, "%s %s%s%s:%d",
                    f->phase == CONN_RESOLVING ? "resolving" : "connecting to", v6 ? "[" : "",
                    host, v6 ? "]" : "", f->port);
}
AC__LEAF_INFO(tcp_connect_resume, "ac_tcp_connect", tcp_connect_describe)

void ac_tcp_connect__init(struct ac_tcp_connect__frame *f, ac_stream **out,
                          const char *host, int port)
{
    ac__coro_init(&f->co, tcp_connect_resume);
    f->ret = 0;
    f->out = out;
    f->host = host;
    f->port = port;
    f->phase = CONN_IDLE;
    f->err = 0;
    f->stream = NULL;
    f->ai_list = f->ai_next = NULL;
}

/* ---- servers ------------------------------------------------------------------------ */

static void server_unlink_free(ac_server *s)
{
    AC__LIST_REMOVE(servers, s);
    free(s);
}

static void server_close_cb(uv_handle_t *h)
{
    ac_server *s = (ac_server *)h;
    ac_coro *closer = s->closer;
    ac__handle_closed();
    server_unlink_free(s);
    if (closer != NULL)
        finish_int(closer, &((struct ac_server_close__frame *)closer)->ret, 0);
}

static struct ac_accept__frame *accept_pop(ac_server *s)
{
    struct ac_accept__frame *f = s->head;
    if (f == NULL)
        return NULL;
    s->head = f->next;
    if (s->head != NULL)
        s->head->prev = NULL;
    else
        s->tail = NULL;
    f->next = f->prev = NULL;
    return f;
}

static void server_start_close(ac_server *s)
{
    struct ac_accept__frame *f;
    if (s->closing)
        return;
    s->closing = 1;
    ac__enter();
    while ((f = accept_pop(s)) != NULL) {
        f->ret = UV_ECANCELED;
        ac__leaf_finish(&f->co);
    }
    ac__leave();
    uv_close(&s->h.handle, server_close_cb);
}

static int do_accept(ac_server *s, ac_stream **out)
{
    ac_stream *c;
    int r = stream_new(&c, s->h.handle.type, -1);
    if (r < 0)
        return r;
    r = uv_accept(&s->h.stream, &c->h.stream);
    if (r < 0) {
        stream_release(c);
        return r;
    }
    if (s->h.handle.type == UV_TCP)
        uv_tcp_nodelay(&c->h.tcp, 1);
    *out = c;
    return 0;
}

static void connection_cb(uv_stream_t *st, int status)
{
    ac_server *s = (ac_server *)st;
    struct ac_accept__frame *f = accept_pop(s);
    if (f == NULL) {
        /* Nobody waits: libuv keeps the connection until uv_accept. */
        if (status < 0)
            s->err = status;
        else
            s->pending = 1;
        return;
    }
    finish_int(&f->co, &f->ret, status < 0 ? status : do_accept(s, f->out));
}

static void tcp_shutdown(void)
{
    /* Closing unlinks nothing yet (the close callbacks do), so plain walks
     * are safe; a stream already closed is freed at once, hence `next`. */
    for (ac_server *s = servers; s != NULL; s = s->next)
        server_start_close(s);
    for (ac_stream *s = streams, *next; s != NULL; s = next) {
        next = s->next;
        if (!s->released)
            stream_release(s);
    }
}

/* A socket for `ai` with SO_REUSEPORT set, handed to the server's handle
 * (libuv 1.44 has no flag for it, and the option must precede bind). */
static int open_reuseport(ac_server *s, const struct addrinfo *ai)
{
    int one = 1;
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -errno;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) < 0) {
        int e = -errno;
        close(fd);
        return e;
    }
    int r = uv_tcp_open(&s->h.tcp, fd);
    if (r < 0)
        close(fd);
    return r;
}

static int listen_on(ac_server *s, struct addrinfo *ai, unsigned flags)
{
    int r = UV_EAI_NONAME;
    if (flags & AC_TCP_REUSEPORT) {
        /* One socket per handle: only the first address can be tried. */
        r = ai == NULL ? r : open_reuseport(s, ai);
        if (r == 0)
            r = uv_tcp_bind(&s->h.tcp, ai->ai_addr, 0);
        if (r == 0)
            r = uv_listen(&s->h.stream, 1024, connection_cb);
        return r;
    }
    for (; ai != NULL; ai = ai->ai_next) {
        r = uv_tcp_bind(&s->h.tcp, ai->ai_addr, 0);
        if (r == 0)
            r = uv_listen(&s->h.stream, 1024, connection_cb);
        if (r == 0)
            return 0;
    }
    return r;
}

static int server_new(ac_server **out, uv_handle_type type)
{
    ac_server *s = calloc(1, sizeof *s);
    int r;
    if (s == NULL)
        return UV_ENOMEM;
    r = handle_init(ac_loop(), &s->h, type, -1);
    if (r < 0) {
        free(s);
        return r;
    }
    ac__handle_opened();
    ac__on_shutdown(&shutdown_hook);
    ignore_sigpipe_once();
    AC__LIST_PUSH(servers, s);
    *out = s;
    return 0;
}

int ac_tcp_listen(ac_server **out, const char *host, int port)
{
    return ac_tcp_listen_ex(out, host, port, 0);
}

int ac_tcp_listen_ex(ac_server **out, const char *host, int port,
                     unsigned flags)
{
    struct addrinfo *ai;
    uv_loop_t *loop = ac_loop();
    ac_server *s;
    int r;

    *out = NULL;
    if (loop == NULL)
        return UV_EINVAL;
    if (host != NULL && host[0] == '\0')
        host = NULL;
    r = resolve_now(host, port, 1, 0, &ai);
    if (r < 0)
        return r;
    r = server_new(&s, UV_TCP);
    if (r < 0) {
        freeaddrinfo(ai);
        return r;
    }
    if (flags & ~(unsigned)AC_TCP_REUSEPORT)
        r = UV_EINVAL;
    else
        r = listen_on(s, ai, flags);
    freeaddrinfo(ai);
    if (r < 0) {
        server_start_close(s); /* frees it */
        return r;
    }
    *out = s;
    return 0;
}

int ac_server_port(const ac_server *s)
{
    struct sockaddr_storage ss;
    int len = sizeof ss;
    int r;
    if (s == NULL)
        return UV_EINVAL;
    if (s->h.handle.type != UV_TCP)
        return UV_EAFNOSUPPORT; /* a Unix server has a path, not a port */
    r = uv_tcp_getsockname(&s->h.tcp, (struct sockaddr *)&ss, &len);
    if (r < 0)
        return r;
    if (ss.ss_family == AF_INET)
        return ntohs(((struct sockaddr_in *)&ss)->sin_port);
    if (ss.ss_family == AF_INET6)
        return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    return UV_EAFNOSUPPORT;
}

/* ---- ac_accept ------------------------------------------------------------------------ */

static void accept_cancel(ac_coro *co)
{
    struct ac_accept__frame *f = (struct ac_accept__frame *)co;
    ac_server *s = f->s;
    if (f->prev != NULL)
        f->prev->next = f->next;
    else
        s->head = f->next;
    if (f->next != NULL)
        f->next->prev = f->prev;
    else
        s->tail = f->prev;
    f->prev = f->next = NULL;
    f->ret = AC_ECANCELED;
    ac__leaf_finish(co);
}

static void accept_resume(ac_coro *co)
{
    struct ac_accept__frame *f = (struct ac_accept__frame *)co;
    ac_server *s = f->s;

    if (co->state != 0) {
        ac_return(co);
        return;
    }
    if (start_cancelled(co) || s == NULL || s->closing) {
        f->ret = start_cancelled(co) ? AC_ECANCELED : UV_EBADF;
    } else if (s->pending) {
        s->pending = 0;
        f->ret = do_accept(s, f->out);
    } else if (s->err < 0) {
        f->ret = s->err;
        s->err = 0;
    } else {
        f->next = NULL;
        f->prev = s->tail;
        if (s->tail != NULL)
            s->tail->next = f;
        else
            s->head = f;
        s->tail = f;
        ac_leaf_wait(co, accept_cancel);
        co->state = 1;
        return;
    }
    ac_return(co);
}

static int accept_describe(const ac_coro *co, char *buf, size_t cap)
{
    const struct ac_accept__frame *f = (const struct ac_accept__frame *)co;
    char path[256];
    size_t len = sizeof path;
    if (f->s->h.handle.type == UV_TCP)
        return snprintf(buf, cap, "port %d", ac_server_port(f->s));
    if (uv_pipe_getsockname(&f->s->h.pipe, path, &len) == 0)
        return snprintf(buf, cap, "path %.*s", (int)len, path);
    return 0;
}
AC__LEAF_INFO(accept_resume, "ac_accept", accept_describe)

void ac_accept__init(struct ac_accept__frame *f, ac_server *s,
                     ac_stream **out)
{
    ac__coro_init(&f->co, accept_resume);
    f->ret = 0;
    f->s = s;
    f->out = out;
    f->prev = f->next = NULL;
}

/* ---- ac_server_close ---------------------------------------------------------------------- */

/* Like ac_close: always closes; a cancelled task does not wait. */
static void server_close_resume(ac_coro *co)
{
    struct ac_server_close__frame *f = (struct ac_server_close__frame *)co;
    ac_server *s = f->s;

    if (co->state != 0) {
        ac_return(co);
        return;
    }
    if (s == NULL || s->closing) {
        f->ret = UV_EBADF;
        ac_return(co);
        return;
    }
    if (start_cancelled(co)) {
        server_start_close(s);
        f->ret = AC_ECANCELED;
        ac_return(co);
        return;
    }
    s->closer = co;
    server_start_close(s);
    ac_leaf_wait(co, NULL);
    co->state = 1;
}

/* Nothing to show: the close callback frees the server. */
AC__LEAF_INFO(server_close_resume, "ac_server_close", NULL)

void ac_server_close__init(struct ac_server_close__frame *f, ac_server *s)
{
    ac__coro_init(&f->co, server_close_resume);
    f->ret = 0;
    f->s = s;
}

/* ---- ac_shutdown ---------------------------------------------------------------------- */

/* libuv cannot take a shutdown request back, and it does not need to: the
 * request lives in the stream, so a cancelled ac_shutdown only stops
 * waiting; the FIN still goes out after the queued writes. */
static void shutdown_cancel(ac_coro *co)
{
    struct ac_shutdown__frame *f = (struct ac_shutdown__frame *)co;
    f->s->shutter = NULL;
    f->ret = AC_ECANCELED;
    ac__leaf_finish(co);
}

static void shutdown_resume(ac_coro *co)
{
    struct ac_shutdown__frame *f = (struct ac_shutdown__frame *)co;
    int r;

    if (co->state != 0) {
        ac_return(co);
        return;
    }
    r = start_cancelled(co) ? AC_ECANCELED : stream_shutdown(f->s);
    if (r < 0) {
        f->ret = r;
        ac_return(co);
        return;
    }
    f->s->shutter = f;
    ac_leaf_wait(co, shutdown_cancel);
    co->state = 1;
}

static int shutdown_describe(const ac_coro *co, char *buf, size_t cap)
{
    const struct ac_shutdown__frame *f = (const struct ac_shutdown__frame *)co;
    char where[128];
    stream_where(f->s, where, sizeof where);
    return snprintf(buf, cap, "%s, %zu bytes queued", where,
                    uv_stream_get_write_queue_size(&f->s->h.stream));
}
AC__LEAF_INFO(shutdown_resume, "ac_shutdown", shutdown_describe)

void ac_shutdown__init(struct ac_shutdown__frame *f, ac_stream *s)
{
    ac__coro_init(&f->co, shutdown_resume);
    f->ret = 0;
    f->s = s;
}

/* ---- Unix-domain sockets ---------------------------------------------------------------- */

/* libuv (1.44) silently truncates a path longer than sun_path: refuse it,
 * or we would bind or connect to another name. */
static int check_unix_path(const char *path)
{
    struct sockaddr_un sun;
    if (path == NULL || path[0] == '\0')
        return UV_EINVAL;
    if (strlen(path) >= sizeof sun.sun_path)
        return UV_ENAMETOOLONG;
    return 0;
}

/* The socket file is created by the bind and removed by libuv when the
 * handle closes (ac_server_close, or the end of ac_run). */
int ac_unix_listen(ac_server **out, const char *path)
{
    ac_server *s;
    int r;

    *out = NULL;
    if (ac_loop() == NULL)
        return UV_EINVAL;
    r = check_unix_path(path);
    if (r < 0)
        return r;
    r = server_new(&s, UV_NAMED_PIPE);
    if (r < 0)
        return r;
    r = uv_pipe_bind(&s->h.pipe, path);
    if (r == 0)
        r = uv_listen(&s->h.stream, 1024, connection_cb);
    if (r < 0) {
        server_start_close(s); /* frees it */
        return r;
    }
    *out = s;
    return 0;
}

static void unix_connect_cb(uv_connect_t *req, int status)
{
    struct ac_unix_connect__frame *f =
        AC__CONTAINER_OF(req, struct ac_unix_connect__frame, req);
    ac_stream *s = f->stream;
    int cancelled = ac_task_cancelled(f->co.task);

    f->stream = NULL;
    if (status == 0 && !cancelled) {
        *f->out = s;
        finish_int(&f->co, &f->ret, 0);
        return;
    }
    stream_release(s);
    finish_int(&f->co, &f->ret, cancelled ? AC_ECANCELED : status);
}

/* Closing the socket makes libuv complete the connect (UV_ECANCELED). */
static void unix_connect_cancel(ac_coro *co)
{
    struct ac_unix_connect__frame *f = (struct ac_unix_connect__frame *)co;
    if (f->stream != NULL)
        stream_start_close(f->stream);
}

static void unix_connect_resume(ac_coro *co)
{
    struct ac_unix_connect__frame *f = (struct ac_unix_connect__frame *)co;
    ac_stream *s;
    int r;

    if (co->state != 0) {
        ac_return(co);
        return;
    }
    *f->out = NULL;
    r = start_cancelled(co) ? AC_ECANCELED : check_unix_path(f->path);
    if (r == 0)
        r = stream_new(&s, UV_NAMED_PIPE, -1);
    if (r < 0) {
        f->ret = r;
        ac_return(co);
        return;
    }
    /* Even an immediate failure (no such file) comes through the callback. */
    f->stream = s;
    uv_pipe_connect(&f->req, &s->h.pipe, f->path, unix_connect_cb);
    ac_leaf_wait(co, unix_connect_cancel);
    co->state = 1;
}

static int unix_connect_describe(const ac_coro *co, char *buf, size_t cap)
{
    const struct ac_unix_connect__frame *f = (const struct ac_unix_connect__frame *)co;
    return snprintf(buf, cap, "path %s", f->path);
}
AC__LEAF_INFO(unix_connect_resume, "ac_unix_connect", unix_connect_describe)

void ac_unix_connect__init(struct ac_unix_connect__frame *f, ac_stream **out,
                           const char *path)
{
    ac__coro_init(&f->co, unix_connect_resume);
    f->ret = 0;
    f->out = out;
    f->path = path;
    f->stream = NULL;
}

/* ---- ac_stream_open ------------------------------------------------------------------------ */

int ac_stream_open(ac_stream **out, int fd)
{
    uv_handle_type type;
    ac_stream *s;
    int r;

    *out = NULL;
    if (ac_loop() == NULL)
        return UV_EINVAL;
    if (fd < 0)
        return UV_EBADF;
    type = uv_guess_handle(fd);
    if (type != UV_TCP && type != UV_NAMED_PIPE && type != UV_TTY)
        return UV_EINVAL; /* a file, a datagram socket, nothing at all */
    r = stream_new(&s, type, fd);
    if (r < 0)
        return r;
    if (type == UV_TCP)
        r = uv_tcp_open(&s->h.tcp, fd);
    else if (type == UV_NAMED_PIPE)
        r = uv_pipe_open(&s->h.pipe, fd);
    if (r < 0) {
        /* The handle never took the descriptor: it stays the caller's. */
        stream_release(s);
        return r;
    }
    *out = s;
    return 0;
}
