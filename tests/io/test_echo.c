/*
 * test_echo.c - an echo server with 100 concurrent clients, on 127.0.0.1.
 *
 * The server task accepts in a loop and spawns one handler per connection
 * into the server group; a handler echoes until EOF, then closes.  100
 * client tasks (another group) connect at once, each writes 64 KiB of its
 * own pattern in pieces while reading the echo back, and checks every byte.
 * The 64 KiB exceed the socket buffers, so writes really wait and reads
 * really come in pieces.  At the end the server group is cancelled (its
 * acceptor waits in ac_accept), the listener closed, and no handle, frame or
 * task is left.  Argument "quick": 10 clients (valgrind).
 */
#include "io_test.h"

#define MSG_LEN (64 * 1024)
#define CHUNK 4096

static int n_clients = 100;
static int port;
static int clients_ok, handlers_done, max_handlers, live_handlers;

/* The byte client c sends at offset i. */
static unsigned char pattern(int c, size_t i)
{
    return (unsigned char)(c * 31 + i * 7 + (i >> 9));
}

/* async int handler(ac_stream *s): echo until EOF. */
struct handler__frame {
    ac_coro co;
    int ret;
    ac_stream *s;
    ssize_t n;
    char buf[CHUNK];
    union {
        struct ac_read__frame r;
        struct ac_write__frame w;
        struct ac_close__frame c;
    } sub;
};
static void handler__resume(ac_coro *co)
{
    struct handler__frame *f = (struct handler__frame *)co;
    CO_BEGIN(co);
    if (++live_handlers > max_handlers)
        max_handlers = live_handlers;
    for (;;) {
        ac_read__init(&f->sub.r, f->s, f->buf, sizeof f->buf);
        CO_AWAIT(co, &f->sub.r, 1);
        f->n = f->sub.r.ret;
        if (f->n <= 0)
            break;
        ac_write__init(&f->sub.w, f->s, f->buf, (size_t)f->n);
        CO_AWAIT(co, &f->sub.w, 2);
        CHECK_EQ(f->sub.w.ret, 0);
    }
    CHECK_EQ(f->n, 0); /* a clean EOF */
    ac_close__init(&f->sub.c, f->s);
    CO_AWAIT(co, &f->sub.c, 3);
    CHECK_EQ(f->sub.c.ret, 0);
    live_handlers--;
    handlers_done++;
    CO_RETURN(co);
    CO_END;
}
static void handler__init(struct handler__frame *f, ac_stream *s)
{
    memset(f, 0, sizeof *f);
    f->co.resume = handler__resume;
    f->s = s;
}

/* async int acceptor(ac_server *srv, ac_group *g): accept until cancelled. */
static int acceptor_end = 1;
struct acceptor__frame {
    ac_coro co;
    int ret;
    ac_server *srv;
    ac_group *g;
    ac_stream *conn;
    struct ac_accept__frame a;
};
static void acceptor__resume(ac_coro *co)
{
    struct acceptor__frame *f = (struct acceptor__frame *)co;
    CO_BEGIN(co);
    for (;;) {
        ac_accept__init(&f->a, f->srv, &f->conn);
        CO_AWAIT(co, &f->a, 1);
        if (f->a.ret < 0)
            break;
        SPAWN(f->g, struct handler__frame, handler__init, f->conn);
    }
    acceptor_end = f->a.ret;
    CO_RETURN(co);
    CO_END;
}
static void acceptor__init(struct acceptor__frame *f, ac_server *srv,
                           ac_group *g)
{
    memset(f, 0, sizeof *f);
    f->co.resume = acceptor__resume;
    f->srv = srv;
    f->g = g;
}

/* async int reader(ac_stream *s, int c): reads MSG_LEN bytes, checks them. */
struct reader__frame {
    ac_coro co;
    int ret;
    ac_stream *s;
    int c;
    size_t got;
    unsigned char buf[CHUNK];
    struct ac_read__frame r;
};
static void reader__resume(ac_coro *co)
{
    struct reader__frame *f = (struct reader__frame *)co;
    CO_BEGIN(co);
    while (f->got < MSG_LEN) {
        ac_read__init(&f->r, f->s, f->buf, sizeof f->buf);
        CO_AWAIT(co, &f->r, 1);
        CHECK(f->r.ret > 0);
        for (ssize_t i = 0; i < f->r.ret; i++)
            CHECK_EQ(f->buf[i], pattern(f->c, f->got + (size_t)i));
        f->got += (size_t)f->r.ret;
    }
    CHECK_EQ(f->got, MSG_LEN);
    CO_RETURN(co);
    CO_END;
}

/* async int writer(ac_stream *s, int c): writes MSG_LEN bytes in pieces. */
struct writer__frame {
    ac_coro co;
    int ret;
    ac_stream *s;
    int c;
    size_t off;
    unsigned char *msg;
    struct ac_write__frame w;
};
static void writer__resume(ac_coro *co)
{
    struct writer__frame *f = (struct writer__frame *)co;
    CO_BEGIN(co);
    f->msg = malloc(MSG_LEN);
    CHECK(f->msg != NULL);
    for (size_t i = 0; i < MSG_LEN; i++)
        f->msg[i] = pattern(f->c, i);
    for (f->off = 0; f->off < MSG_LEN; f->off += 8192) {
        ac_write__init(&f->w, f->s, f->msg + f->off, 8192);
        CO_AWAIT(co, &f->w, 1);
        CHECK_EQ(f->w.ret, 0);
    }
    free(f->msg);
    CO_RETURN(co);
    CO_END;
}

/* async int client(int c):
 *     connect; await gather(writer(s, c), reader(s, c)); close. */
struct client__frame {
    ac_coro co;
    int ret;
    int c;
    ac_stream *s;
    ac_gather_child kids[2];
    struct writer__frame wr;
    struct reader__frame rd;
    union {
        struct ac_tcp_connect__frame conn;
        struct ac_gather__frame g;
        struct ac_close__frame cl;
    } sub;
};
static void client__resume(ac_coro *co)
{
    struct client__frame *f = (struct client__frame *)co;
    CO_BEGIN(co);
    ac_tcp_connect__init(&f->sub.conn, &f->s, "127.0.0.1", port);
    CO_AWAIT(co, &f->sub.conn, 1);
    CHECK_EQ(f->sub.conn.ret, 0);
    CHECK(f->s != NULL);
    memset(&f->wr, 0, sizeof f->wr);
    f->wr.co.resume = writer__resume;
    f->wr.s = f->s;
    f->wr.c = f->c;
    memset(&f->rd, 0, sizeof f->rd);
    f->rd.co.resume = reader__resume;
    f->rd.s = f->s;
    f->rd.c = f->c;
    memset(f->kids, 0, sizeof f->kids);
    f->kids[0].co = &f->wr.co;
    f->kids[1].co = &f->rd.co;
    ac_gather__init(&f->sub.g, f->kids, 2);
    CO_AWAIT(co, &f->sub.g, 2);
    CHECK_EQ(f->sub.g.ret, 0);
    CHECK_EQ(f->rd.got, MSG_LEN);
    /* Closing tells the server's handler EOF. */
    ac_close__init(&f->sub.cl, f->s);
    CO_AWAIT(co, &f->sub.cl, 3);
    CHECK_EQ(f->sub.cl.ret, 0);
    clients_ok++;
    CO_RETURN(co);
    CO_END;
}
static void client__init(struct client__frame *f, int c)
{
    memset(f, 0, sizeof *f);
    f->co.resume = client__resume;
    f->c = c;
}

struct main__frame {
    ac_coro co;
    int ret;
    ac_server *srv;
    ac_group servers, clients;
    double t0;
    union {
        struct ac_join__frame j;
        struct ac_server_close__frame sc;
        struct ac_sleep__frame s;
    } sub;
};

static void main__resume(ac_coro *co)
{
    struct main__frame *f = (struct main__frame *)co;
    CO_BEGIN(co);
    CHECK_EQ(ac_tcp_listen(&f->srv, "127.0.0.1", 0), 0);
    port = ac_server_port(f->srv);
    CHECK(port > 0);
    CHECK_EQ(ac_stats().open_handles, io_base_handles + 1);
    ac_group_init(&f->servers);
    ac_group_init(&f->clients);
    SPAWN(&f->servers, struct acceptor__frame, acceptor__init, f->srv,
          &f->servers);
    f->t0 = wall_ms();
    for (int c = 0; c < n_clients; c++)
        SPAWN(&f->clients, struct client__frame, client__init, c);
    ac_join__init(&f->sub.j, &f->clients);
    CO_AWAIT(co, &f->sub.j, 1);
    CHECK_EQ(f->sub.j.ret, 0);
    CHECK_EQ(clients_ok, n_clients);
    printf("%d clients echoed %d KiB each in %.1f ms; at most %d handlers "
           "at once\n", n_clients, MSG_LEN / 1024, wall_ms() - f->t0,
           max_handlers);
    /* The handlers see EOF right after their client closed; give them the
     * moment, then stop the acceptor. */
    while (handlers_done < n_clients) {
        ac_sleep__init(&f->sub.s, 1);
        CO_AWAIT(co, &f->sub.s, 2);
    }
    CHECK(max_handlers > 1); /* the server really served concurrently */
    ac_group_cancel(&f->servers);
    ac_join__init(&f->sub.j, &f->servers);
    CO_AWAIT(co, &f->sub.j, 3);
    CHECK_EQ(acceptor_end, AC_ECANCELED);
    ac_server_close__init(&f->sub.sc, f->srv);
    CO_AWAIT(co, &f->sub.sc, 4);
    CHECK_EQ(f->sub.sc.ret, 0);
    f->ret = 42;
    CO_RETURN(co);
    CO_END;
}

int main(int argc, char **argv)
{
    struct main__frame f;
    if (quick_mode(argc, argv))
        n_clients = 10;
    memset(&f, 0, sizeof f);
    f.co.resume = main__resume;
    io_run(&f.co);
    CHECK_EQ(f.ret, 42);
    puts("test_echo: ok");
    return 0;
}
