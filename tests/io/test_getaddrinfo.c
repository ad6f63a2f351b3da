/*
 * test_getaddrinfo.c - ac_getaddrinfo on the thread pool.
 *
 *  A. "localhost" finds 127.0.0.1 or ::1; with hints (AF_INET, a numeric
 *     service) exactly 127.0.0.1 and the port; the list is freed with
 *     freeaddrinfo (valgrind and ASan see it freed);
 *  B. an unknown name: AC_EAI_NONAME (AC_EAI_AGAIN where no name server
 *     answers), *out NULL, and ac_strerror names it; a name under
 *     AI_NUMERICHOST: AC_EAI_NONAME always; neither host nor service:
 *     UV_EINVAL;
 *  C. 30 lookups cancelled right after they started (queued: taken back;
 *     already running: the result is freed when it arrives): AC_ECANCELED
 *     and *out NULL, nothing leaks;
 *  D. 10 lookups cancelled after a yield: either done already (0, the list
 *     is ours to free) or AC_ECANCELED with *out NULL.
 */
#include <arpa/inet.h>

#include "io_test.h"

/* A child awaiting one lookup of "localhost". */
struct child__frame {
    ac_coro co;
    int ret;
    int *res;
    struct addrinfo **out;
    struct ac_getaddrinfo__frame g;
};
static void child__resume(ac_coro *co)
{
    struct child__frame *f = (struct child__frame *)co;
    CO_BEGIN(co);
    ac_getaddrinfo__init(&f->g, "localhost", "80", NULL, f->out);
    CO_AWAIT(co, &f->g, 1);
    *f->res = f->g.ret;
    CO_RETURN(co);
    CO_END;
}
static void child__init(struct child__frame *f, int *res,
                        struct addrinfo **out)
{
    memset(f, 0, sizeof *f);
    f->co.resume = child__resume;
    f->res = res;
    f->out = out;
}

static int has_loopback(const struct addrinfo *ai)
{
    for (; ai != NULL; ai = ai->ai_next) {
        if (ai->ai_family == AF_INET) {
            const struct sockaddr_in *a = (const void *)ai->ai_addr;
            if (ntohl(a->sin_addr.s_addr) == INADDR_LOOPBACK)
                return 1;
        } else if (ai->ai_family == AF_INET6) {
            const struct sockaddr_in6 *a = (const void *)ai->ai_addr;
            if (IN6_IS_ADDR_LOOPBACK(&a->sin6_addr))
                return 1;
        }
    }
    return 0;
}

struct main__frame {
    ac_coro co;
    int ret;
    int res, round;
    struct addrinfo hints, *ai;
    ac_group g;
    union {
        struct ac_getaddrinfo__frame g;
        struct ac_yield__frame y;
        struct ac_join__frame j;
    } sub;
};

static void main__resume(ac_coro *co)
{
    struct main__frame *f = (struct main__frame *)co;
    const struct sockaddr_in *sin;
    CO_BEGIN(co);
    /* ---- A */
    f->ai = (struct addrinfo *)&f->ai;
    ac_getaddrinfo__init(&f->sub.g, "localhost", NULL, NULL, &f->ai);
    CO_AWAIT(co, &f->sub.g, 1);
    CHECK_EQ(f->sub.g.ret, 0);
    CHECK(f->ai != NULL && f->ai != (struct addrinfo *)&f->ai);
    CHECK(has_loopback(f->ai));
    freeaddrinfo(f->ai);

    memset(&f->hints, 0, sizeof f->hints);
    f->hints.ai_family = AF_INET;
    f->hints.ai_socktype = SOCK_DGRAM;
    f->hints.ai_flags = AI_NUMERICSERV;
    ac_getaddrinfo__init(&f->sub.g, "localhost", "5353", &f->hints, &f->ai);
    CO_AWAIT(co, &f->sub.g, 2);
    CHECK_EQ(f->sub.g.ret, 0);
    CHECK(f->ai != NULL);
    CHECK_EQ(f->ai->ai_family, AF_INET);
    CHECK_EQ(f->ai->ai_socktype, SOCK_DGRAM);
    sin = (const struct sockaddr_in *)f->ai->ai_addr;
    CHECK_EQ(ntohl(sin->sin_addr.s_addr), INADDR_LOOPBACK);
    CHECK_EQ(ntohs(sin->sin_port), 5353);
    freeaddrinfo(f->ai);

    /* ---- B */
    f->ai = (struct addrinfo *)&f->ai;
    ac_getaddrinfo__init(&f->sub.g, "no-such-host.invalid", NULL, NULL,
                         &f->ai);
    CO_AWAIT(co, &f->sub.g, 3);
    CHECK(f->sub.g.ret == AC_EAI_NONAME || f->sub.g.ret == AC_EAI_AGAIN);
    CHECK(f->ai == NULL);
    CHECK_EQ(strcmp(ac_strerror(AC_EAI_NONAME), "unknown node or service"),
             0);
    f->hints.ai_flags = AI_NUMERICHOST;
    ac_getaddrinfo__init(&f->sub.g, "localhost", NULL, &f->hints, &f->ai);
    CO_AWAIT(co, &f->sub.g, 4);
    CHECK_EQ(f->sub.g.ret, AC_EAI_NONAME);
    CHECK(f->ai == NULL);
    ac_getaddrinfo__init(&f->sub.g, NULL, NULL, NULL, &f->ai);
    CO_AWAIT(co, &f->sub.g, 5);
    CHECK_EQ(f->sub.g.ret, UV_EINVAL);

    /* ---- C */
    ac_group_init(&f->g);
    for (f->round = 0; f->round < 30; f->round++) {
        f->res = 1;
        f->ai = (struct addrinfo *)&f->ai;
        SPAWN(&f->g, struct child__frame, child__init, &f->res, &f->ai);
        ac_group_cancel(&f->g);
        ac_join__init(&f->sub.j, &f->g);
        CO_AWAIT(co, &f->sub.j, 6);
        CHECK_EQ(f->res, AC_ECANCELED);
        CHECK(f->ai == NULL);
    }

    /* ---- D */
    for (f->round = 0; f->round < 10; f->round++) {
        f->res = 1;
        f->ai = NULL;
        SPAWN(&f->g, struct child__frame, child__init, &f->res, &f->ai);
        ac_yield__init(&f->sub.y);
        CO_AWAIT(co, &f->sub.y, 7);
        ac_group_cancel(&f->g);
        ac_join__init(&f->sub.j, &f->g);
        CO_AWAIT(co, &f->sub.j, 8);
        if (f->res == 0) {
            CHECK(has_loopback(f->ai));
            freeaddrinfo(f->ai);
        } else {
            CHECK_EQ(f->res, AC_ECANCELED);
            CHECK(f->ai == NULL);
        }
    }

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
    puts("test_getaddrinfo: ok");
    return 0;
}
