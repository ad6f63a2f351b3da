/*
 * test_udp.c - UDP sockets on 127.0.0.1.
 *
 *  A. a round trip between two sockets bound to port 0: content, length
 *     and the sender's address (127.0.0.1 and its port) both ways; an
 *     empty datagram is received as 0 bytes; a datagram bigger than the
 *     buffer returns cap bytes and the rest is discarded (the next receive
 *     gets the next datagram);
 *  B. with_timeout(20, ac_udp_recv) on a silent socket: AC_ETIMEDOUT, the
 *     receive saw AC_ECANCELED, and the socket still works after; a
 *     receive cancelled while a datagram waits in the kernel does not
 *     take it (the next receive gets it);
 *  C. a second receiver while one waits: UV_EALREADY;
 *  D. ac_udp_close with a receive pending: the close returns 0, the
 *     receive AC_ECANCELED, and the handle count is back;
 *  E. bind errors leave *out NULL: an address not on this host
 *     (UV_EADDRNOTAVAIL), a port in use (UV_EADDRINUSE), port 70000
 *     (UV_EINVAL), an unknown name (AC_EAI_NONAME, or AC_EAI_AGAIN where
 *     no name server answers), and their handles are closed;
 *  F. a socket left open when ac_run ends is closed and freed by it.
 */
#include <arpa/inet.h>

#include "io_test.h"

static void loopback(struct sockaddr_in *a, int port)
{
    CHECK_EQ(uv_ip4_addr("127.0.0.1", port, a), 0);
}

static int from_port(const struct sockaddr_storage *ss)
{
    const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
    CHECK_EQ(a->sin_family, AF_INET);
    CHECK_EQ(ntohl(a->sin_addr.s_addr), INADDR_LOOPBACK);
    return ntohs(a->sin_port);
}

/* A child receiving one datagram into its own buffer; *res = the result. */
struct rx__frame {
    ac_coro co;
    int ret;
    ac_udp *u;
    long *res;
    char buf[64];
    struct ac_udp_recv__frame r;
};
static void rx__resume(ac_coro *co)
{
    struct rx__frame *f = (struct rx__frame *)co;
    CO_BEGIN(co);
    ac_udp_recv__init(&f->r, f->u, f->buf, sizeof f->buf, NULL);
    CO_AWAIT(co, &f->r, 1);
    *f->res = f->r.ret;
    CO_RETURN(co);
    CO_END;
}
static void rx__init(struct rx__frame *f, ac_udp *u, long *res)
{
    memset(f, 0, sizeof *f);
    f->co.resume = rx__resume;
    f->u = u;
    f->res = res;
}

struct main__frame {
    ac_coro co;
    int ret;
    ac_udp *a, *b, *c, *x;
    int pa, pb;
    long res;
    size_t handles;
    struct sockaddr_in to_a, to_b;
    struct sockaddr_storage from;
    char buf[64];
    ac_group g;
    union {
        struct ac_udp_recv__frame r;
        struct ac_udp_send__frame s;
        struct ac_udp_close__frame c;
        struct ac_join__frame j;
        struct ac_yield__frame y;
        struct ac_sleep__frame sl;
        struct {
            struct ac_with_timeout__frame wt;
            struct ac_udp_recv__frame r;
        } t;
    } sub;
};

#define SEND(n, from_sock, addr, data, len)                                \
    do {                                                                   \
        ac_udp_send__init(&f->sub.s, (from_sock), (data), (len),           \
                          (const struct sockaddr *)(addr));                \
        CO_AWAIT(co, &f->sub.s, n);                                        \
        CHECK_EQ(f->sub.s.ret, 0);                                         \
    } while (0)
#define RECV(n, sock, cap)                                                 \
    do {                                                                   \
        memset(&f->from, 0, sizeof f->from);                               \
        ac_udp_recv__init(&f->sub.r, (sock), f->buf, (cap), &f->from);     \
        CO_AWAIT(co, &f->sub.r, n);                                        \
    } while (0)

static void main__resume(ac_coro *co)
{
    struct main__frame *f = (struct main__frame *)co;
    CO_BEGIN(co);
    /* ---- A */
    CHECK_EQ(ac_udp_bind(&f->a, "127.0.0.1", 0), 0);
    CHECK_EQ(ac_udp_bind(&f->b, "127.0.0.1", 0), 0);
    CHECK_EQ(ac_stats().open_handles, io_base_handles + 2);
    f->pa = ac_udp_port(f->a);
    f->pb = ac_udp_port(f->b);
    CHECK(f->pa > 0 && f->pb > 0 && f->pa != f->pb);
    loopback(&f->to_a, f->pa);
    loopback(&f->to_b, f->pb);
    SEND(1, f->a, &f->to_b, "ping", 4);
    RECV(2, f->b, sizeof f->buf);
    CHECK_EQ(f->sub.r.ret, 4);
    CHECK(memcmp(f->buf, "ping", 4) == 0);
    CHECK_EQ(from_port(&f->from), f->pa);
    /* Answer whoever sent it, at the address the receive reported. */
    SEND(3, f->b, &f->from, "pong!", 5);
    RECV(4, f->a, sizeof f->buf);
    CHECK_EQ(f->sub.r.ret, 5);
    CHECK(memcmp(f->buf, "pong!", 5) == 0);
    CHECK_EQ(from_port(&f->from), f->pb);
    SEND(5, f->a, &f->to_b, "", 0);
    RECV(6, f->b, sizeof f->buf);
    CHECK_EQ(f->sub.r.ret, 0);
    CHECK_EQ(from_port(&f->from), f->pa);
    SEND(7, f->a, &f->to_b, "0123456789", 10);
    SEND(8, f->a, &f->to_b, "next", 4);
    memset(f->buf, '.', sizeof f->buf);
    RECV(9, f->b, 4);
    CHECK_EQ(f->sub.r.ret, 4);
    CHECK(memcmp(f->buf, "0123.", 5) == 0); /* nothing beyond cap */
    RECV(10, f->b, sizeof f->buf);
    CHECK_EQ(f->sub.r.ret, 4);
    CHECK(memcmp(f->buf, "next", 4) == 0);

    /* ---- B */
    ac_udp_recv__init(&f->sub.t.r, f->b, f->buf, sizeof f->buf, NULL);
    ac_with_timeout__init(&f->sub.t.wt, 20, &f->sub.t.r.co, NULL, NULL);
    CO_AWAIT(co, &f->sub.t.wt, 11);
    CHECK_EQ(f->sub.t.wt.ret, AC_ETIMEDOUT);
    CHECK_EQ(f->sub.t.r.ret, AC_ECANCELED);
    SEND(12, f->a, &f->to_b, "after", 5);
    RECV(13, f->b, sizeof f->buf);
    CHECK_EQ(f->sub.r.ret, 5);
    CHECK(memcmp(f->buf, "after", 5) == 0);
    /* A datagram waits in b's kernel queue; a receive started and
     * cancelled before the loop polls again must leave it there. */
    SEND(14, f->a, &f->to_b, "kept", 4);
    ac_group_init(&f->g);
    f->res = 1;
    SPAWN(&f->g, struct rx__frame, rx__init, f->b, &f->res);
    ac_group_cancel(&f->g);
    ac_join__init(&f->sub.j, &f->g);
    CO_AWAIT(co, &f->sub.j, 15);
    CHECK_EQ(f->res, AC_ECANCELED);
    RECV(16, f->b, sizeof f->buf);
    CHECK_EQ(f->sub.r.ret, 4);
    CHECK(memcmp(f->buf, "kept", 4) == 0);

    /* ---- C */
    f->res = 1;
    SPAWN(&f->g, struct rx__frame, rx__init, f->b, &f->res);
    RECV(17, f->b, sizeof f->buf); /* completes at once: b is busy */
    CHECK_EQ(f->sub.r.ret, UV_EALREADY);
    SEND(18, f->a, &f->to_b, "one", 3);
    ac_join__init(&f->sub.j, &f->g);
    CO_AWAIT(co, &f->sub.j, 19);
    CHECK_EQ(f->res, 3); /* the first receiver got it */

    /* ---- D */
    f->handles = ac_stats().open_handles;
    CHECK_EQ(ac_udp_bind(&f->c, NULL, 0), 0);
    CHECK(ac_udp_port(f->c) > 0);
    f->res = 1;
    SPAWN(&f->g, struct rx__frame, rx__init, f->c, &f->res);
    ac_yield__init(&f->sub.y);
    CO_AWAIT(co, &f->sub.y, 20);
    CHECK_EQ(f->res, 1); /* still waiting */
    ac_udp_close__init(&f->sub.c, f->c);
    CO_AWAIT(co, &f->sub.c, 21);
    CHECK_EQ(f->sub.c.ret, 0);
    CHECK_EQ(f->res, AC_ECANCELED);
    ac_join__init(&f->sub.j, &f->g);
    CO_AWAIT(co, &f->sub.j, 22);
    CHECK_EQ(ac_stats().open_handles, f->handles);

    /* ---- E */
    f->x = (ac_udp *)&f->x;
    CHECK_EQ(ac_udp_bind(&f->x, "192.0.2.1", 0), UV_EADDRNOTAVAIL);
    CHECK(f->x == NULL);
    f->x = (ac_udp *)&f->x;
    CHECK_EQ(ac_udp_bind(&f->x, "127.0.0.1", f->pb), UV_EADDRINUSE);
    CHECK(f->x == NULL);
    f->x = (ac_udp *)&f->x;
    CHECK_EQ(ac_udp_bind(&f->x, "127.0.0.1", 70000), UV_EINVAL);
    CHECK(f->x == NULL);
    f->x = (ac_udp *)&f->x;
    f->res = ac_udp_bind(&f->x, "no-such-host.invalid", 0);
    CHECK(f->res == AC_EAI_NONAME || f->res == AC_EAI_AGAIN);
    CHECK(f->x == NULL);
    /* The failed binds' handles are closing: their callbacks come at the
     * end of a loop iteration (which one depends on where we are now). */
    for (f->pa = 0; f->pa < 100; f->pa++) {
        if (ac_stats().open_handles == f->handles)
            break;
        ac_sleep__init(&f->sub.sl, 1);
        CO_AWAIT(co, &f->sub.sl, 23);
    }
    CHECK_EQ(ac_stats().open_handles, f->handles); /* none left behind */

    ac_udp_close__init(&f->sub.c, f->a);
    CO_AWAIT(co, &f->sub.c, 24);
    CHECK_EQ(f->sub.c.ret, 0);
    ac_udp_close__init(&f->sub.c, f->b);
    CO_AWAIT(co, &f->sub.c, 25);
    CHECK_EQ(f->sub.c.ret, 0);
    f->ret = 42;
    CO_RETURN(co);
    CO_END;
}

/* F: binds, receives nothing, returns with the socket open. */
struct leftover__frame {
    ac_coro co;
    int ret;
    ac_udp *u;
};
static void leftover__resume(ac_coro *co)
{
    struct leftover__frame *f = (struct leftover__frame *)co;
    f->ret = ac_udp_bind(&f->u, "127.0.0.1", 0);
    CHECK(ac_stats().open_handles >= 1);
    ac_return(co);
}

int main(void)
{
    struct main__frame f;
    struct leftover__frame l;
    memset(&f, 0, sizeof f);
    f.co.resume = main__resume;
    io_run(&f.co);
    CHECK_EQ(f.ret, 42);

    memset(&l, 0, sizeof l);
    l.co.resume = leftover__resume;
    CHECK_EQ(ac_run(&l.co), 0);
    CHECK_EQ(l.ret, 0);
    check_stats_zero();
    puts("test_udp: ok");
    return 0;
}
