/*
 * test_fdfile.c - files by descriptor: ac_file_open, _read, _write, _close,
 * _stat.
 *
 *  A. open (create), writes at offsets and at the current position (-1),
 *     reads back at offsets and at the current position, stat's size and
 *     identity agree with stat(2), close returns 0 and really closes;
 *  B. errors: a read or write of a bad descriptor is UV_EBADF, opening or
 *     stat'ing a missing file is UV_ENOENT (*st untouched);
 *  C. 20 opens cancelled right after they started: AC_ECANCELED, and no
 *     descriptor leaked (an open that already ran is closed again);
 *     cancelled stats and reads return AC_ECANCELED;
 *  D. ac_file_close in a cancelled task still closes (AC_ECANCELED).
 */
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io_test.h"

static char dir[] = "/tmp/asyncc-fd-XXXXXX";
static char path[256], missing[256];

static int count_fds(void)
{
    int n = 0;
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;
    if (d == NULL)
        return -1;
    while ((e = readdir(d)) != NULL)
        n++;
    closedir(d);
    return n;
}

/* A child running one file leaf and storing its result in *res. */
struct child__frame {
    ac_coro co;
    int ret;
    long *res;
    int kind;
    struct stat st;
    char buf[8];
    union {
        struct ac_file_open__frame o;
        struct ac_file_stat__frame s;
        struct ac_file_read__frame r;
    } sub;
};
static void child__resume(ac_coro *co)
{
    struct child__frame *f = (struct child__frame *)co;
    CO_BEGIN(co);
    if (f->kind == 0) {
        ac_file_open__init(&f->sub.o, path, O_RDONLY, 0);
        CO_AWAIT(co, &f->sub.o, 1);
        *f->res = f->sub.o.ret;
        if (f->sub.o.ret >= 0)
            close(f->sub.o.ret); /* not cancelled after all */
    } else if (f->kind == 1) {
        ac_file_stat__init(&f->sub.s, path, &f->st);
        CO_AWAIT(co, &f->sub.s, 2);
        *f->res = f->sub.s.ret;
    } else {
        ac_file_read__init(&f->sub.r, (int)(*f->res), f->buf, sizeof f->buf, 0);
        CO_AWAIT(co, &f->sub.r, 3);
        *f->res = f->sub.r.ret;
    }
    CO_RETURN(co);
    CO_END;
}
static void child__init(struct child__frame *f, int kind, long *res)
{
    memset(f, 0, sizeof *f);
    f->co.resume = child__resume;
    f->kind = kind;
    f->res = res;
}

/* D: sleeps until cancelled, then closes fd in the cancelled task. */
struct closer__frame {
    ac_coro co;
    int ret;
    int fd;
    int *res;
    struct ac_sleep__frame s;
    struct ac_file_close__frame c;
};
static void closer__resume(ac_coro *co)
{
    struct closer__frame *f = (struct closer__frame *)co;
    CO_BEGIN(co);
    ac_sleep__init(&f->s, 10000);
    CO_AWAIT(co, &f->s, 1);
    CHECK_EQ(f->s.ret, AC_ECANCELED);
    ac_file_close__init(&f->c, f->fd);
    CO_AWAIT(co, &f->c, 2);
    *f->res = f->c.ret;
    CO_RETURN(co);
    CO_END;
}
static void closer__init(struct closer__frame *f, int fd, int *res)
{
    memset(f, 0, sizeof *f);
    f->co.resume = closer__resume;
    f->fd = fd;
    f->res = res;
}

struct main__frame {
    ac_coro co;
    int ret;
    int fd, fds, round, res;
    long lres;
    char buf[64];
    struct stat st, ref;
    ac_group g;
    union {
        struct ac_file_open__frame o;
        struct ac_file_read__frame r;
        struct ac_file_write__frame w;
        struct ac_file_close__frame c;
        struct ac_file_stat__frame s;
        struct ac_join__frame j;
    } sub;
};

static void main__resume(ac_coro *co)
{
    struct main__frame *f = (struct main__frame *)co;
    CO_BEGIN(co);
    f->fds = count_fds();
    /* ---- A */
    ac_file_open__init(&f->sub.o, path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    CO_AWAIT(co, &f->sub.o, 1);
    f->fd = f->sub.o.ret;
    CHECK(f->fd >= 0);
    CHECK(fcntl(f->fd, F_GETFD) & FD_CLOEXEC);
    ac_file_write__init(&f->sub.w, f->fd, "hello", 5, 10);
    CO_AWAIT(co, &f->sub.w, 2);
    CHECK_EQ(f->sub.w.ret, 5);
    ac_file_write__init(&f->sub.w, f->fd, "abc", 3, 0);
    CO_AWAIT(co, &f->sub.w, 3);
    CHECK_EQ(f->sub.w.ret, 3);
    /* pwrite leaves the position at 0: "XY" goes over "ab". */
    ac_file_write__init(&f->sub.w, f->fd, "XY", 2, -1);
    CO_AWAIT(co, &f->sub.w, 4);
    CHECK_EQ(f->sub.w.ret, 2);
    ac_file_read__init(&f->sub.r, f->fd, f->buf, sizeof f->buf, 10);
    CO_AWAIT(co, &f->sub.r, 5);
    CHECK_EQ(f->sub.r.ret, 5);
    CHECK(memcmp(f->buf, "hello", 5) == 0);
    ac_file_read__init(&f->sub.r, f->fd, f->buf, 3, 0);
    CO_AWAIT(co, &f->sub.r, 6);
    CHECK_EQ(f->sub.r.ret, 3);
    CHECK(memcmp(f->buf, "XYc", 3) == 0);
    /* The position is 2 (after "XY"): "c", 7 zero bytes, "hello". */
    ac_file_read__init(&f->sub.r, f->fd, f->buf, sizeof f->buf, -1);
    CO_AWAIT(co, &f->sub.r, 7);
    CHECK_EQ(f->sub.r.ret, 13);
    CHECK(memcmp(f->buf, "c\0\0\0\0\0\0\0hello", 13) == 0);
    ac_file_read__init(&f->sub.r, f->fd, f->buf, sizeof f->buf, -1);
    CO_AWAIT(co, &f->sub.r, 8);
    CHECK_EQ(f->sub.r.ret, 0); /* end of file */
    memset(&f->st, 0, sizeof f->st);
    ac_file_stat__init(&f->sub.s, path, &f->st);
    CO_AWAIT(co, &f->sub.s, 9);
    CHECK_EQ(f->sub.s.ret, 0);
    CHECK_EQ(stat(path, &f->ref), 0);
    CHECK_EQ(f->st.st_size, 15);
    CHECK_EQ(f->st.st_ino, f->ref.st_ino);
    CHECK_EQ(f->st.st_dev, f->ref.st_dev);
    CHECK_EQ(f->st.st_mode, f->ref.st_mode);
    CHECK(S_ISREG(f->st.st_mode));
    CHECK_EQ(f->st.st_mode & 0777, 0600);
    CHECK_EQ(f->st.st_nlink, 1);
    CHECK_EQ(f->st.st_uid, f->ref.st_uid);
    CHECK_EQ(f->st.st_mtim.tv_sec, f->ref.st_mtim.tv_sec);
    CHECK_EQ(f->st.st_mtim.tv_nsec, f->ref.st_mtim.tv_nsec);
    ac_file_close__init(&f->sub.c, f->fd);
    CO_AWAIT(co, &f->sub.c, 10);
    CHECK_EQ(f->sub.c.ret, 0);
    CHECK_EQ(count_fds(), f->fds);

    /* ---- B */
    ac_file_read__init(&f->sub.r, f->fd, f->buf, sizeof f->buf, 0);
    CO_AWAIT(co, &f->sub.r, 11);
    CHECK_EQ(f->sub.r.ret, UV_EBADF); /* closed just now */
    ac_file_read__init(&f->sub.r, -1, f->buf, sizeof f->buf, -1);
    CO_AWAIT(co, &f->sub.r, 12);
    CHECK_EQ(f->sub.r.ret, UV_EBADF);
    ac_file_write__init(&f->sub.w, -1, "x", 1, 0);
    CO_AWAIT(co, &f->sub.w, 13);
    CHECK_EQ(f->sub.w.ret, UV_EBADF);
    ac_file_close__init(&f->sub.c, -1);
    CO_AWAIT(co, &f->sub.c, 14);
    CHECK_EQ(f->sub.c.ret, UV_EBADF);
    ac_file_open__init(&f->sub.o, missing, O_RDONLY, 0);
    CO_AWAIT(co, &f->sub.o, 15);
    CHECK_EQ(f->sub.o.ret, UV_ENOENT);
    f->st.st_size = 12345;
    ac_file_stat__init(&f->sub.s, missing, &f->st);
    CO_AWAIT(co, &f->sub.s, 16);
    CHECK_EQ(f->sub.s.ret, UV_ENOENT);
    CHECK_EQ(f->st.st_size, 12345);

    /* ---- C */
    ac_group_init(&f->g);
    for (f->round = 0; f->round < 60; f->round++) {
        f->lres = f->round % 3 == 2 ? open(path, O_RDONLY) : 1;
        f->fd = (int)f->lres;
        SPAWN(&f->g, struct child__frame, child__init, f->round % 3,
              &f->lres);
        ac_group_cancel(&f->g);
        ac_join__init(&f->sub.j, &f->g);
        CO_AWAIT(co, &f->sub.j, 17);
        CHECK_EQ(f->lres, AC_ECANCELED);
        if (f->round % 3 == 2)
            close(f->fd);
    }
    CHECK_EQ(count_fds(), f->fds); /* no descriptor leaked */

    /* ---- D */
    f->fd = open(path, O_RDONLY);
    CHECK(f->fd >= 0);
    f->res = 1;
    SPAWN(&f->g, struct closer__frame, closer__init, f->fd, &f->res);
    ac_group_cancel(&f->g);
    ac_join__init(&f->sub.j, &f->g);
    CO_AWAIT(co, &f->sub.j, 18);
    CHECK_EQ(f->res, AC_ECANCELED);
    CHECK_EQ(fcntl(f->fd, F_GETFD), -1); /* closed all the same */
    CHECK_EQ(count_fds(), f->fds);

    f->ret = 42;
    CO_RETURN(co);
    CO_END;
}

int main(void)
{
    struct main__frame f;
    CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof path, "%s/data", dir);
    snprintf(missing, sizeof missing, "%s/missing", dir);
    memset(&f, 0, sizeof f);
    f.co.resume = main__resume;
    io_run(&f.co);
    CHECK_EQ(f.ret, 42);
    unlink(path);
    rmdir(dir);
    puts("test_fdfile: ok");
    return 0;
}
