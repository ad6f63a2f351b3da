/*
 * test_unix.c - streams beyond TCP: Unix-domain sockets, half-close,
 * descriptors opened by the program.
 *
 *  A. a Unix-socket echo in a temp dir with half-close: the client writes
 *     256 KiB (more than the socket buffers, so the writes wait), calls
 *     ac_shutdown, and still reads the server's whole reply until EOF; the
 *     server reads until EOF and only then replies, so the reply proves it
 *     saw EOF after every byte.  A second ac_shutdown: UV_ENOTCONN; a write
 *     after it fails.  ac_server_port of a Unix server: UV_EAFNOSUPPORT; a
 *     second listen on the path: UV_EADDRINUSE; closing the server removes
 *     the socket file;
 *  B. connect errors: a missing path gives UV_ENOENT, a file nobody listens
 *     on UV_ECONNREFUSED, a path too long for sun_path UV_ENAMETOOLONG
 *     (libuv would truncate it), an empty one UV_EINVAL; *out stays NULL
 *     and no handle is left;
 *  C. cancellation: an ac_unix_connect cancelled right after it started
 *     returns AC_ECANCELED with *out NULL and leaves no handle; a cancelled
 *     ac_shutdown returns AC_ECANCELED and the FIN still goes out;
 *  D. ac_stream_open on one end of a socketpair (read, write, shutdown with
 *     reads going on, EOF; ac_close closes the descriptor), on both ends of
 *     a pipe (ac_shutdown there: UV_ENOTSOCK), on a pty's slave (a tty); a
 *     regular file and a bad descriptor are refused and the file's
 *     descriptor stays open.
 *
 * alarm(60) turns a hang (a FIN that never comes) into a failure.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "io_test.h"

#define MSG_LEN (256 * 1024)
#define REPLY_LEN (100 * 1000)
#define CHUNK 8192

static char dir[64];
static char sock_path[128];
static unsigned char msg[MSG_LEN];
static unsigned char reply[REPLY_LEN];
static size_t server_got; /* bytes the server read before its EOF */
static int server_done;

static void fill(unsigned char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)(seed + i * 13 + (i >> 10));
}

/* Nonzero when a raw descriptor has something to read (or EOF).  The
 * loop must go on running while a test waits for that (it is what sends
 * the bytes), hence RAW_WAIT below instead of a blocking poll. */
static int raw_ready(int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    return poll(&p, 1, 0) == 1;
}

/* async int server1(ac_server *srv): accept one connection, read it to EOF
 * (checking every byte), then reply and close both. */
struct server1__frame {
    ac_coro co;
    int ret;
    ac_server *srv;
    ac_stream *s;
    unsigned char buf[CHUNK];
    union {
        struct ac_accept__frame a;
        struct ac_read__frame r;
        struct ac_write__frame w;
        struct ac_close__frame c;
        struct ac_server_close__frame sc;
    } sub;
};
static void server1__resume(ac_coro *co)
{
    struct server1__frame *f = (struct server1__frame *)co;
    CO_BEGIN(co);
    ac_accept__init(&f->sub.a, f->srv, &f->s);
    CO_AWAIT(co, &f->sub.a, 1);
    CHECK_EQ(f->sub.a.ret, 0);
    for (;;) {
        ac_read__init(&f->sub.r, f->s, f->buf, sizeof f->buf);
        CO_AWAIT(co, &f->sub.r, 2);
        if (f->sub.r.ret <= 0)
            break;
        CHECK(server_got + (size_t)f->sub.r.ret <= MSG_LEN);
        CHECK(memcmp(f->buf, msg + server_got, (size_t)f->sub.r.ret) == 0);
        server_got += (size_t)f->sub.r.ret;
    }
    CHECK_EQ(f->sub.r.ret, 0); /* EOF, not an error */
    CHECK_EQ(server_got, MSG_LEN);
    ac_write__init(&f->sub.w, f->s, reply, REPLY_LEN);
    CO_AWAIT(co, &f->sub.w, 3);
    CHECK_EQ(f->sub.w.ret, 0);
    ac_close__init(&f->sub.c, f->s);
    CO_AWAIT(co, &f->sub.c, 4);
    CHECK_EQ(f->sub.c.ret, 0);
    ac_server_close__init(&f->sub.sc, f->srv);
    CO_AWAIT(co, &f->sub.sc, 5);
    CHECK_EQ(f->sub.sc.ret, 0);
    server_done = 1;
    CO_RETURN(co);
    CO_END;
}
static void server1__init(struct server1__frame *f, ac_server *srv)
{
    memset(f, 0, sizeof *f);
    f->co.resume = server1__resume;
    f->srv = srv;
}

/* async int uconnect1(const char *path, int *res): connect, close. */
struct uconnect1__frame {
    ac_coro co;
    int ret;
    int *res;
    ac_stream *s;
    union {
        struct ac_unix_connect__frame c;
        struct ac_close__frame cl;
    } sub;
};
static void uconnect1__resume(ac_coro *co)
{
    struct uconnect1__frame *f = (struct uconnect1__frame *)co;
    CO_BEGIN(co);
    CO_AWAIT(co, &f->sub.c, 1);
    *f->res = f->sub.c.ret;
    if (f->sub.c.ret == 0) {
        ac_close__init(&f->sub.cl, f->s);
        CO_AWAIT(co, &f->sub.cl, 2);
    } else {
        CHECK(f->s == NULL);
    }
    CO_RETURN(co);
    CO_END;
}
static void uconnect1__init(struct uconnect1__frame *f, const char *path,
                            int *res)
{
    memset(f, 0, sizeof *f);
    f->co.resume = uconnect1__resume;
    f->res = res;
    f->s = (ac_stream *)f; /* must become NULL */
    ac_unix_connect__init(&f->sub.c, &f->s, path);
}

/* async int shutdown1(ac_stream *s, int *res). */
struct shutdown1__frame {
    ac_coro co;
    int ret;
    int *res;
    struct ac_shutdown__frame sh;
};
static void shutdown1__resume(ac_coro *co)
{
    struct shutdown1__frame *f = (struct shutdown1__frame *)co;
    CO_BEGIN(co);
    CO_AWAIT(co, &f->sh, 1);
    *f->res = f->sh.ret;
    CO_RETURN(co);
    CO_END;
}
static void shutdown1__init(struct shutdown1__frame *f, ac_stream *s,
                            int *res)
{
    memset(f, 0, sizeof *f);
    f->co.resume = shutdown1__resume;
    f->res = res;
    ac_shutdown__init(&f->sh, s);
}

/* The main test. */
struct main__frame {
    ac_coro co;
    int ret;
    ac_server *srv;
    ac_stream *s;
    ac_group g;
    size_t got;
    int res, fd, sv[2], pfd[2], master, tries;
    char path[256];
    unsigned char buf[CHUNK];
    union {
        struct ac_unix_connect__frame uc;
        struct ac_read__frame r;
        struct ac_write__frame w;
        struct ac_shutdown__frame sh;
        struct ac_close__frame cl;
        struct ac_server_close__frame sc;
        struct ac_join__frame j;
        struct ac_sleep__frame s;
    } sub;
};

/* Sleep in 2 ms steps until raw_ready(fd), at most 10 s. */
#define RAW_WAIT(f, fd, n)                                                 \
    do {                                                                   \
        for ((f)->tries = 0; !raw_ready(fd); (f)->tries++) {               \
            CHECK((f)->tries < 5000);                                      \
            ac_sleep__init(&(f)->sub.s, 2);                                \
            CO_AWAIT(co, &(f)->sub.s, n);                                  \
        }                                                                  \
    } while (0)

/* Await ac_read of up to cap bytes into f->buf at label n. */
#define READ(f, st, n)                                                     \
    do {                                                                   \
        ac_read__init(&(f)->sub.r, (st), (f)->buf, sizeof (f)->buf);       \
        CO_AWAIT(co, &(f)->sub.r, n);                                      \
    } while (0)
/* Let pending close callbacks run until only `extra` handles beyond the
 * base are open: they come in a loop iteration's last phase, which may
 * follow the next timer (at most 100 ms). */
#define SETTLE(f, extra, n)                                                \
    do {                                                                   \
        for ((f)->tries = 0; (f)->tries < 100 &&                           \
             ac_stats().open_handles != io_base_handles + (extra);         \
             (f)->tries++) {                                               \
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
#define CONNECT(f, p, n)                                                   \
    do {                                                                   \
        (f)->s = (ac_stream *)(f); /* must become NULL on failure */       \
        ac_unix_connect__init(&(f)->sub.uc, &(f)->s, (p));                 \
        CO_AWAIT(co, &(f)->sub.uc, n);                                     \
    } while (0)

static void main__resume(ac_coro *co)
{
    struct main__frame *f = (struct main__frame *)co;
    struct stat st;
    CO_BEGIN(co);
    ac_group_init(&f->g);

    /* ---- A */
    CHECK_EQ(ac_unix_listen(&f->srv, sock_path), 0);
    CHECK(stat(sock_path, &st) == 0 && S_ISSOCK(st.st_mode));
    CHECK_EQ(ac_server_port(f->srv), UV_EAFNOSUPPORT);
    {
        ac_server *other = (ac_server *)f;
        CHECK_EQ(ac_unix_listen(&other, sock_path), UV_EADDRINUSE);
        CHECK(other == NULL);
    }
    SPAWN(&f->g, struct server1__frame, server1__init, f->srv);
    CONNECT(f, sock_path, 1);
    CHECK_EQ(f->sub.uc.ret, 0);
    ac_write__init(&f->sub.w, f->s, msg, MSG_LEN);
    CO_AWAIT(co, &f->sub.w, 2);
    CHECK_EQ(f->sub.w.ret, 0);
    ac_shutdown__init(&f->sub.sh, f->s);
    CO_AWAIT(co, &f->sub.sh, 3);
    CHECK_EQ(f->sub.sh.ret, 0);
    ac_shutdown__init(&f->sub.sh, f->s);
    CO_AWAIT(co, &f->sub.sh, 4);
    CHECK_EQ(f->sub.sh.ret, UV_ENOTCONN);
    ac_write__init(&f->sub.w, f->s, "x", 1);
    CO_AWAIT(co, &f->sub.w, 5);
    CHECK_EQ(f->sub.w.ret, UV_EPIPE);
    /* Reads go on after the shutdown: the whole reply, then EOF. */
    for (f->got = 0;;) {
        READ(f, f->s, 6);
        if (f->sub.r.ret <= 0)
            break;
        CHECK(f->got + (size_t)f->sub.r.ret <= REPLY_LEN);
        CHECK(memcmp(f->buf, reply + f->got, (size_t)f->sub.r.ret) == 0);
        f->got += (size_t)f->sub.r.ret;
    }
    CHECK_EQ(f->sub.r.ret, 0);
    CHECK_EQ(f->got, REPLY_LEN);
    CHECK_EQ(server_got, MSG_LEN);
    CLOSE(f, f->s, 7);
    ac_join__init(&f->sub.j, &f->g);
    CO_AWAIT(co, &f->sub.j, 8);
    CHECK(server_done);
    CHECK(stat(sock_path, &st) < 0 && errno == ENOENT); /* removed */
    CHECK_EQ(ac_stats().open_handles, io_base_handles);

    /* ---- B */
    snprintf(f->path, sizeof f->path, "%s/missing", dir);
    CONNECT(f, f->path, 10);
    CHECK_EQ(f->sub.uc.ret, UV_ENOENT);
    CHECK(f->s == NULL);
    snprintf(f->path, sizeof f->path, "%s/file", dir);
    f->fd = open(f->path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
    CHECK(f->fd >= 0);
    CONNECT(f, f->path, 11);
    CHECK_EQ(f->sub.uc.ret, UV_ECONNREFUSED);
    CHECK(f->s == NULL);
    /* D's refusals while the file is at hand: nothing is taken. */
    f->s = (ac_stream *)f;
    CHECK_EQ(ac_stream_open(&f->s, f->fd), UV_EINVAL);
    CHECK(f->s == NULL);
    CHECK(fcntl(f->fd, F_GETFD) >= 0);
    close(f->fd);
    unlink(f->path);
    f->s = (ac_stream *)f;
    CHECK_EQ(ac_stream_open(&f->s, -1), UV_EBADF);
    CHECK(f->s == NULL);
    memset(f->path, 'x', sizeof f->path - 1);
    f->path[0] = '/';
    f->path[sizeof f->path - 1] = '\0';
    CONNECT(f, f->path, 12);
    CHECK_EQ(f->sub.uc.ret, UV_ENAMETOOLONG);
    CHECK(f->s == NULL);
    {
        ac_server *other = (ac_server *)f;
        CHECK_EQ(ac_unix_listen(&other, f->path), UV_ENAMETOOLONG);
        CHECK(other == NULL);
        CHECK_EQ(ac_unix_listen(&other, ""), UV_EINVAL);
    }
    CONNECT(f, "", 13);
    CHECK_EQ(f->sub.uc.ret, UV_EINVAL);
    SETTLE(f, 0, 14);
    CHECK_EQ(ac_stats().open_handles, io_base_handles);

    /* ---- C */
    CHECK_EQ(ac_unix_listen(&f->srv, sock_path), 0);
    f->res = 1;
    SPAWN(&f->g, struct uconnect1__frame, uconnect1__init, sock_path, &f->res);
    CHECK_EQ(f->res, 1); /* it waits for libuv's callback */
    ac_group_cancel(&f->g);
    ac_join__init(&f->sub.j, &f->g);
    CO_AWAIT(co, &f->sub.j, 20);
    CHECK_EQ(f->res, AC_ECANCELED);
    SETTLE(f, 1, 21);
    CHECK_EQ(ac_stats().open_handles, io_base_handles + 1);
    /* The server still works after the abandoned connect. */
    f->res = 1;
    SPAWN(&f->g, struct uconnect1__frame, uconnect1__init, sock_path, &f->res);
    ac_join__init(&f->sub.j, &f->g);
    CO_AWAIT(co, &f->sub.j, 22);
    CHECK_EQ(f->res, 0);
    ac_server_close__init(&f->sub.sc, f->srv);
    CO_AWAIT(co, &f->sub.sc, 23);
    CHECK_EQ(f->sub.sc.ret, 0);

    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, f->sv), 0);
    CHECK_EQ(ac_stream_open(&f->s, f->sv[0]), 0);
    f->res = 1;
    SPAWN(&f->g, struct shutdown1__frame, shutdown1__init, f->s, &f->res);
    CHECK_EQ(f->res, 1);
    ac_group_cancel(&f->g);
    ac_join__init(&f->sub.j, &f->g);
    CO_AWAIT(co, &f->sub.j, 24);
    CHECK_EQ(f->res, AC_ECANCELED);
    RAW_WAIT(f, f->sv[1], 60);
    CHECK_EQ(read(f->sv[1], f->buf, sizeof f->buf), 0); /* the FIN */
    CLOSE(f, f->s, 26);
    close(f->sv[1]);

    /* ---- D: a socketpair */
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, f->sv), 0);
    CHECK_EQ(ac_stream_open(&f->s, f->sv[0]), 0);
    CHECK_EQ(write(f->sv[1], "ping", 4), 4);
    READ(f, f->s, 30);
    CHECK_EQ(f->sub.r.ret, 4);
    CHECK(memcmp(f->buf, "ping", 4) == 0);
    ac_write__init(&f->sub.w, f->s, "pong!", 5);
    CO_AWAIT(co, &f->sub.w, 31);
    CHECK_EQ(f->sub.w.ret, 0);
    RAW_WAIT(f, f->sv[1], 61);
    CHECK_EQ(read(f->sv[1], f->buf, sizeof f->buf), 5);
    CHECK(memcmp(f->buf, "pong!", 5) == 0);
    ac_shutdown__init(&f->sub.sh, f->s);
    CO_AWAIT(co, &f->sub.sh, 32);
    CHECK_EQ(f->sub.sh.ret, 0);
    RAW_WAIT(f, f->sv[1], 62);
    CHECK_EQ(read(f->sv[1], f->buf, sizeof f->buf), 0);
    CHECK_EQ(write(f->sv[1], "more", 4), 4);
    READ(f, f->s, 33);
    CHECK_EQ(f->sub.r.ret, 4);
    close(f->sv[1]);
    READ(f, f->s, 34);
    CHECK_EQ(f->sub.r.ret, 0);
    CLOSE(f, f->s, 35);
    CHECK(fcntl(f->sv[0], F_GETFD) < 0 && errno == EBADF); /* it owned it */

    /* ---- D: a pipe */
    CHECK_EQ(pipe2(f->pfd, O_CLOEXEC), 0);
    CHECK_EQ(ac_stream_open(&f->s, f->pfd[0]), 0);
    CHECK_EQ(write(f->pfd[1], "abc", 3), 3);
    READ(f, f->s, 40);
    CHECK_EQ(f->sub.r.ret, 3);
    CHECK(memcmp(f->buf, "abc", 3) == 0);
    close(f->pfd[1]);
    READ(f, f->s, 41);
    CHECK_EQ(f->sub.r.ret, 0);
    CLOSE(f, f->s, 42);
    /* A pipe's writing end: writes work, a half-close does not exist. */
    CHECK_EQ(pipe2(f->pfd, O_CLOEXEC), 0);
    CHECK_EQ(ac_stream_open(&f->s, f->pfd[1]), 0);
    ac_write__init(&f->sub.w, f->s, "de", 2);
    CO_AWAIT(co, &f->sub.w, 43);
    CHECK_EQ(f->sub.w.ret, 0);
    CHECK_EQ(read(f->pfd[0], f->buf, sizeof f->buf), 2);
    ac_shutdown__init(&f->sub.sh, f->s);
    CO_AWAIT(co, &f->sub.sh, 44);
    CHECK_EQ(f->sub.sh.ret, UV_ENOTSOCK);
    CLOSE(f, f->s, 45);
    CHECK_EQ(read(f->pfd[0], f->buf, sizeof f->buf), 0); /* closed: EOF */
    close(f->pfd[0]);

    /* ---- D: a tty (a pty's slave) */
    f->master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (f->master < 0 || grantpt(f->master) < 0 || unlockpt(f->master) < 0 ||
        (f->fd = open(ptsname(f->master), O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0) {
        printf("D tty skipped: no pty\n");
    } else {
        struct termios t; /* no echo: the master reads only our output */
        CHECK_EQ(tcgetattr(f->fd, &t), 0);
        t.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
        CHECK_EQ(tcsetattr(f->fd, TCSANOW, &t), 0);
        CHECK_EQ(ac_stream_open(&f->s, f->fd), 0);
        CHECK_EQ(write(f->master, "hi\n", 3), 3);
        READ(f, f->s, 50);
        CHECK_EQ(f->sub.r.ret, 3);
        CHECK(memcmp(f->buf, "hi\n", 3) == 0);
        ac_write__init(&f->sub.w, f->s, "yo", 2);
        CO_AWAIT(co, &f->sub.w, 51);
        CHECK_EQ(f->sub.w.ret, 0);
        RAW_WAIT(f, f->master, 63);
        CHECK_EQ(read(f->master, f->buf, 2), 2);
        CHECK(memcmp(f->buf, "yo", 2) == 0);
        CLOSE(f, f->s, 52);
    }
    if (f->master >= 0)
        close(f->master);

    f->ret = 42;
    CO_RETURN(co);
    CO_END;
}

int main(void)
{
    struct main__frame f;
    alarm(60);
    snprintf(dir, sizeof dir, "/tmp/asyncc_unix_XXXXXX");
    CHECK(mkdtemp(dir) != NULL);
    snprintf(sock_path, sizeof sock_path, "%s/sock", dir);
    fill(msg, MSG_LEN, 1);
    fill(reply, REPLY_LEN, 7);
    memset(&f, 0, sizeof f);
    f.co.resume = main__resume;
    io_run(&f.co);
    CHECK_EQ(f.ret, 42);
    CHECK_EQ(rmdir(dir), 0); /* empty: every socket file was removed */
    puts("test_unix: ok");
    return 0;
}
