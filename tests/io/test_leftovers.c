/*
 * test_leftovers.c - async_run closes what the program left open.
 *
 * The root coroutine opens a listener, connects a client, accepts it,
 * writes bytes nobody reads, and returns without closing anything.  ac_run
 * must close every handle and free the runtime's stream and server objects:
 * every counter is at zero afterwards, and under valgrind (and ASan)
 * nothing leaks.  A second run on a fresh loop works the same.
 *
 * (Tasks still running when the root returns are a programming error,
 * DESIGN 1: "a function must not return while a group in its frame has
 * running children"; their frames are not reclaimed, so this test has
 * none.)
 */
#include "io_test.h"

struct main__frame {
    ac_coro co;
    int ret;
    ac_server *srv;
    ac_stream *c, *s;
    union {
        struct ac_tcp_connect__frame conn;
        struct ac_accept__frame a;
        struct ac_write__frame w;
    } sub;
};

static void main__resume(ac_coro *co)
{
    struct main__frame *f = (struct main__frame *)co;
    CO_BEGIN(co);
    CHECK_EQ(ac_tcp_listen(&f->srv, "127.0.0.1", 0), 0);
    ac_tcp_connect__init(&f->sub.conn, &f->c, "127.0.0.1",
                         ac_server_port(f->srv));
    CO_AWAIT(co, &f->sub.conn, 1);
    CHECK_EQ(f->sub.conn.ret, 0);
    ac_accept__init(&f->sub.a, f->srv, &f->s);
    CO_AWAIT(co, &f->sub.a, 2);
    CHECK_EQ(f->sub.a.ret, 0);
    ac_write__init(&f->sub.w, f->c, "unread", 6);
    CO_AWAIT(co, &f->sub.w, 3);
    CHECK_EQ(f->sub.w.ret, 0);
    CHECK(ac_stats().open_handles >= 3); /* server, 2 streams */
    f->ret = 42;
    CO_RETURN(co);
    CO_END;
}

int main(void)
{
    struct main__frame f;
    memset(&f, 0, sizeof f);
    f.co.resume = main__resume;
    CHECK_EQ(ac_run(&f.co), 0);
    CHECK_EQ(f.ret, 42);
    check_stats_zero();
    /* A second run on a fresh loop works and starts from zero. */
    memset(&f, 0, sizeof f);
    f.co.resume = main__resume;
    CHECK_EQ(ac_run(&f.co), 0);
    CHECK_EQ(f.ret, 42);
    check_stats_zero();
    puts("test_leftovers: ok");
    return 0;
}
