/*
 * udp.c - UDP sockets: ac_udp_bind, ac_udp_port, ac_udp_recv, ac_udp_send,
 * ac_udp_close.
 *
 * Objects.  An ac_udp is a heap object that starts with its uv_udp_t, so a
 * handle pointer converts back with a cast.  Every live one is on a list so
 * that ac_run's shutdown can close and free what the program did not.
 * Nothing but ac_udp_close (or shutdown) closes the handle, so the object
 * is freed by its close callback.
 *
 * Receiving.  libuv reads datagrams only while uv_udp_recv_start is in
 * effect, and ac_udp_recv keeps it in effect only while a receive waits:
 * the callback stops it at the first datagram (libuv then stops its own
 * loop of up to 32 recvmsg calls), so no datagram is ever taken from the
 * kernel without a receiver to hand it to, and a cancelled receive leaves
 * the next datagram queued in the kernel for the next receive.  The
 * datagram goes straight into the caller's buffer: one recvmsg per call,
 * nothing copied or allocated.
 *
 * Sending.  uv_udp_try_send first: a datagram that fits in the socket
 * buffer is sent without suspending.  Otherwise uv_udp_send queues it with
 * the request in the frame; libuv cannot take a queued send back (only a
 * close can), so a cancelled send waits for its callback, which comes as
 * soon as the socket is writable again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct ac_udp {
    uv_udp_t udp;                      /* first: (ac_udp *)handle works   */
    struct ac_udp_recv__frame *reader; /* the pending receive, if any     */
    ac_coro *closer;                   /* the ac_udp_close waiting        */
    int closing;                       /* uv_close has been called        */
    ac_udp *prev, *next;               /* every live socket               */
};

static _Thread_local ac_udp *sockets;

static void udp_shutdown(void);
static _Thread_local ac__shutdown_hook shutdown_hook = {.fn = udp_shutdown};

static void finish(ac_coro *co)
{
    ac__enter();
    ac__leaf_finish(co);
    ac__leave();
}

/* ---- closing -------------------------------------------------------------------- */

static void udp_close_cb(uv_handle_t *h)
{
    ac_udp *u = (ac_udp *)h;
    ac_coro *closer = u->closer;
    ac__handle_closed();
    AC__LIST_REMOVE(sockets, u);
    free(u);
    if (closer != NULL) {
        ((struct ac_udp_close__frame *)closer)->ret = 0;
        finish(closer);
    }
}

/* Close the handle (once).  A pending receive completes with AC_ECANCELED;
 * libuv completes pending sends with UV_ECANCELED before the close
 * callback frees the object. */
static void udp_start_close(ac_udp *u)
{
    struct ac_udp_recv__frame *r = u->reader;
    if (u->closing)
        return;
    u->closing = 1;
    u->reader = NULL;
    uv_close((uv_handle_t *)&u->udp, udp_close_cb);
    if (r != NULL) {
        r->ret = AC_ECANCELED;
        finish(&r->co);
    }
}

static void udp_shutdown(void)
{
    /* The close callbacks unlink, later: a plain walk is safe. */
    for (ac_udp *u = sockets; u != NULL; u = u->next)
        udp_start_close(u);
}

/* ---- ac_udp_bind, ac_udp_port ----------------------------------------------------- */

/* Resolve host:port for binding, synchronously (NULL host: 0.0.0.0). */
static int resolve_bind(const char *host, int port, struct addrinfo **out)
{
    struct addrinfo hints;
    char service[8];
    int r;
    if (port < 0 || port > 65535)
        return UV_EINVAL;
    snprintf(service, sizeof service, "%d", port);
    memset(&hints, 0, sizeof hints);
    hints.ai_family = host == NULL ? AF_INET : AF_UNSPEC;
    hints.ai_socktype = SOCK_DGRAM;
    hints.ai_flags = AI_NUMERICSERV | AI_PASSIVE;
    r = getaddrinfo(host, service, &hints, out);
    return r == 0 ? 0 : ac__gai_error(r);
}

/* A new, unbound socket on the list. */
static int udp_new(ac_udp **out)
{
    ac_udp *u = calloc(1, sizeof *u);
    int r;
    if (u == NULL)
        return UV_ENOMEM;
    r = uv_udp_init(ac_loop(), &u->udp);
    if (r < 0) {
        free(u);
        return r;
    }
    ac__handle_opened();
    ac__on_shutdown(&shutdown_hook);
    AC__LIST_PUSH(sockets, u);
    *out = u;
    return 0;
}

int ac_udp_bind(ac_udp **out, const char *host, int port)
{
    struct addrinfo *ai;
    ac_udp *u;
    int r;

    if (out == NULL)
        return UV_EINVAL;
    *out = NULL;
    if (ac_loop() == NULL)
        return UV_EINVAL;
    if (host != NULL && host[0] == '\0')
        host = NULL;
    r = resolve_bind(host, port, &ai);
    if (r < 0)
        return r;
    r = udp_new(&u);
    if (r == 0) {
        /* The socket is created by the first bind, in that address's
         * family; a later address would need another socket, so only the
         * first one is tried. */
        r = uv_udp_bind(&u->udp, ai->ai_addr, 0);
        if (r < 0)
            udp_start_close(u); /* frees it */
    }
    freeaddrinfo(ai);
    if (r < 0)
        return r;
    *out = u;
    return 0;
}

int ac_udp_port(const ac_udp *u)
{
    struct sockaddr_storage ss;
    int len = sizeof ss;
    int r;
    if (u == NULL || u->closing)
        return UV_EBADF;
    r = uv_udp_getsockname(&u->udp, (struct sockaddr *)&ss, &len);
    if (r < 0)
        return r;
    if (ss.ss_family == AF_INET)
        return ntohs(((struct sockaddr_in *)&ss)->sin_port);
    if (ss.ss_family == AF_INET6)
        return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    return UV_EAFNOSUPPORT;
}

/* ---- ac_udp_recv ---------------------------------------------------------------- */

static void recv_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    ac_udp *u = (ac_udp *)h;
    size_t cap;
    (void)suggested;
    if (u->reader == NULL) {
        *buf = uv_buf_init(NULL, 0); /* recv_cb gets UV_ENOBUFS and stops */
        return;
    }
    cap = u->reader->cap;
    *buf = uv_buf_init(u->reader->buf,
                       cap > 0x7fffffffu ? 0x7fffffffu : (unsigned)cap);
}

static void copy_from(struct sockaddr_storage *to, const struct sockaddr *a)
{
    memset(to, 0, sizeof *to);
    if (a->sa_family == AF_INET6)
        memcpy(to, a, sizeof(struct sockaddr_in6));
    else if (a->sa_family == AF_INET)
        memcpy(to, a, sizeof(struct sockaddr_in));
}

static void recv_cb(uv_udp_t *h, ssize_t nread, const uv_buf_t *buf,
                    const struct sockaddr *addr, unsigned flags)
{
    ac_udp *u = (ac_udp *)h;
    struct ac_udp_recv__frame *f = u->reader;
    (void)buf;
    (void)flags; /* UV_UDP_PARTIAL: truncated to cap, the rest is gone */
    if (nread == 0 && addr == NULL)
        return; /* nothing to read after all (EAGAIN) */
    uv_udp_recv_stop(h); /* also ends libuv's loop over recvmsg */
    if (f == NULL)
        return; /* UV_ENOBUFS: nothing was read */
    u->reader = NULL;
    if (nread >= 0 && f->from != NULL && addr != NULL)
        copy_from(f->from, addr);
    f->ret = nread;
    finish(&f->co);
}

static void recv_cancel(ac_coro *co)
{
    struct ac_udp_recv__frame *f = (struct ac_udp_recv__frame *)co;
    uv_udp_recv_stop(&f->u->udp);
    f->u->reader = NULL;
    f->ret = AC_ECANCELED;
    ac__leaf_finish(co);
}

/* 1 when a receive can start now, else the result to return at once. */
static ssize_t recv_precheck(struct ac_udp_recv__frame *f)
{
    if (ac_task_cancelled(f->co.task))
        return AC_ECANCELED;
    if (f->u == NULL || f->u->closing)
        return UV_EBADF;
    if (f->u->reader != NULL)
        return UV_EALREADY; /* one receiver per socket at a time */
    if (f->cap == 0 || f->buf == NULL)
        return UV_EINVAL;
    return 1;
}

static void udp_recv_resume(ac_coro *co)
{
    struct ac_udp_recv__frame *f = (struct ac_udp_recv__frame *)co;
    ssize_t r;

    if (co->state != 0) {
        ac_return(co);
        return;
    }
    r = recv_precheck(f);
    if (r == 1) {
        f->u->reader = f;
        r = uv_udp_recv_start(&f->u->udp, recv_alloc, recv_cb);
        if (r == 0) {
            ac_leaf_wait(co, recv_cancel);
            co->state = 1;
            return;
        }
        f->u->reader = NULL;
    }
    f->ret = r;
    ac_return(co);
}

static int udp_recv_describe(const ac_coro *co, char *buf, size_t cap)
{
    const struct ac_udp_recv__frame *f = (const struct ac_udp_recv__frame *)co;
    return snprintf(buf, cap, "port %d, up to %zu bytes", ac_udp_port(f->u), f->cap);
}
AC__LEAF_INFO(udp_recv_resume, "ac_udp_recv", udp_recv_describe)

void ac_udp_recv__init(struct ac_udp_recv__frame *f, ac_udp *u, void *buf,
                       size_t cap, struct sockaddr_storage *from)
{
    ac__coro_init(&f->co, udp_recv_resume);
    f->ret = 0;
    f->u = u;
    f->buf = buf;
    f->cap = cap;
    f->from = from;
}

/* ---- ac_udp_send ---------------------------------------------------------------- */

static void send_cb(uv_udp_send_t *req, int status)
{
    struct ac_udp_send__frame *f =
        AC__CONTAINER_OF(req, struct ac_udp_send__frame, req);
    f->ret = ac_task_cancelled(f->co.task) ? AC_ECANCELED : status;
    finish(&f->co);
}

static void udp_send_resume(ac_coro *co)
{
    struct ac_udp_send__frame *f = (struct ac_udp_send__frame *)co;
    uv_buf_t b;
    int r;

    if (co->state != 0) {
        ac_return(co);
        return;
    }
    if (ac_task_cancelled(co->task)) {
        r = AC_ECANCELED;
    } else if (f->u == NULL || f->u->closing) {
        r = UV_EBADF;
    } else if (f->to == NULL || f->len > 0x7fffffffu) {
        r = f->to == NULL ? UV_EINVAL : UV_EMSGSIZE;
    } else {
        b = uv_buf_init((char *)f->buf, (unsigned)f->len);
        r = uv_udp_try_send(&f->u->udp, &b, 1, f->to);
        if (r == UV_EAGAIN) {
            /* libuv copies the buffer descriptor: a local one will do. */
            r = uv_udp_send(&f->req, &f->u->udp, &b, 1, f->to, send_cb);
            if (r == 0) {
                ac_leaf_wait(co, NULL); /* see the top of the file */
                co->state = 1;
                return;
            }
        }
    }
    f->ret = r < 0 ? r : 0; /* try_send's byte count: all of it */
    ac_return(co);
}

static int udp_send_describe(const ac_coro *co, char *buf, size_t cap)
{
    const struct ac_udp_send__frame *f = (const struct ac_udp_send__frame *)co;
    char ip[INET6_ADDRSTRLEN] = "?";
    int port = 0;
    if (f->to->sa_family == AF_INET) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)f->to;
        uv_ip4_name(a, ip, sizeof ip);
        port = ntohs(a->sin_port);
    } else if (f->to->sa_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)f->to;
        uv_ip6_name(a, ip, sizeof ip);
        return snprintf(buf, cap, "%zu bytes to [%s]:%d", f->len, ip, ntohs(a->sin6_port));
    }
    return snprintf(buf, cap, "%zu bytes to %s:%d", f->len, ip, port);
}
AC__LEAF_INFO(udp_send_resume, "ac_udp_send", udp_send_describe)

void ac_udp_send__init(struct ac_udp_send__frame *f, ac_udp *u,
                       const void *buf, size_t len, const struct sockaddr *to)
{
    ac__coro_init(&f->co, udp_send_resume);
    f->ret = 0;
    f->u = u;
    f->buf = buf;
    f->len = len;
    f->to = to;
}

/* ---- ac_udp_close ---------------------------------------------------------------- */

/* Like ac_close: always closes (cleanup must not leak); a cancelled task
 * gets AC_ECANCELED at once and the close callback frees by itself. */
static void udp_close_resume(ac_coro *co)
{
    struct ac_udp_close__frame *f = (struct ac_udp_close__frame *)co;
    ac_udp *u = f->u;

    if (co->state != 0) {
        ac_return(co);
        return;
    }
    if (u == NULL || u->closing) {
        f->ret = UV_EBADF;
        ac_return(co);
        return;
    }
    if (ac_task_cancelled(co->task)) {
        udp_start_close(u);
        f->ret = AC_ECANCELED;
        ac_return(co);
        return;
    }
    u->closer = co;
    udp_start_close(u);
    ac_leaf_wait(co, NULL); /* a close cannot be stopped; it is quick */
    co->state = 1;
}

/* Nothing to show: the close callback frees the socket. */
AC__LEAF_INFO(udp_close_resume, "ac_udp_close", NULL)

void ac_udp_close__init(struct ac_udp_close__frame *f, ac_udp *u)
{
    ac__coro_init(&f->co, udp_close_resume);
    f->ret = 0;
    f->u = u;
}
