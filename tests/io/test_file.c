/*
 * test_file.c - whole-file I/O on the thread pool.
 *
 *  A. a round trip: 300 KB with every byte value (NULs included) written
 *     and read back identical, *len exact, and a NUL after the data;
 *  B. an empty file reads as "" with length 0;
 *  C. a missing file: UV_ENOENT, *data and *len untouched;
 *  D. writing into a missing directory: UV_ENOENT; reading a directory:
 *     an error (UV_EISDIR), no leak;
 *  E. 20 reads cancelled right after they started (the open is either
 *     still queued, and uv_cancel takes it back, or already running, and
 *     the file is closed again): AC_ECANCELED, nothing handed out, and no
 *     descriptor leaked.
 */
#include <dirent.h>
#include <unistd.h>

#include "io_test.h"

#define SIZE (300 * 1000)

static char dir[] = "/tmp/asyncc-io-XXXXXX";
static char path[256], empty[256], missing[256], nodir[256];

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

/* async int read_child(const char *p, char **data, size_t *len, int *res) */
struct rchild__frame {
    ac_coro co;
    int ret;
    int *res;
    struct ac_read_file__frame rf;
};
static void rchild__resume(ac_coro *co)
{
    struct rchild__frame *f = (struct rchild__frame *)co;
    CO_BEGIN(co);
    CO_AWAIT(co, &f->rf, 1);
    *f->res = f->rf.ret;
    CO_RETURN(co);
    CO_END;
}
static void rchild__init(struct rchild__frame *f, const char *p, char **data,
                         size_t *len, int *res)
{
    memset(f, 0, sizeof *f);
    f->co.resume = rchild__resume;
    f->res = res;
    ac_read_file__init(&f->rf, p, data, len);
}

struct main__frame {
    ac_coro co;
    int ret;
    unsigned char *src;
    char *data;
    size_t len;
    int res, fds, round;
    ac_group g;
    union {
        struct ac_read_file__frame rf;
        struct ac_write_file__frame wf;
        struct ac_join__frame j;
    } sub;
};

static void main__resume(ac_coro *co)
{
    struct main__frame *f = (struct main__frame *)co;
    CO_BEGIN(co);
    f->fds = count_fds();
    /* ---- A */
    f->src = malloc(SIZE);
    CHECK(f->src != NULL);
    for (size_t i = 0; i < SIZE; i++)
        f->src[i] = (unsigned char)(i * 131 + (i >> 8));
    ac_write_file__init(&f->sub.wf, path, f->src, SIZE);
    CO_AWAIT(co, &f->sub.wf, 1);
    CHECK_EQ(f->sub.wf.ret, 0);
    ac_read_file__init(&f->sub.rf, path, &f->data, &f->len);
    CO_AWAIT(co, &f->sub.rf, 2);
    CHECK_EQ(f->sub.rf.ret, 0);
    CHECK_EQ(f->len, SIZE);
    CHECK(memcmp(f->data, f->src, SIZE) == 0);
    CHECK_EQ(f->data[SIZE], '\0');
    free(f->data);

    /* ---- B */
    ac_write_file__init(&f->sub.wf, empty, "", 0);
    CO_AWAIT(co, &f->sub.wf, 3);
    CHECK_EQ(f->sub.wf.ret, 0);
    f->data = NULL;
    f->len = 99;
    ac_read_file__init(&f->sub.rf, empty, &f->data, &f->len);
    CO_AWAIT(co, &f->sub.rf, 4);
    CHECK_EQ(f->sub.rf.ret, 0);
    CHECK_EQ(f->len, 0);
    CHECK(f->data != NULL && f->data[0] == '\0');
    free(f->data);

    /* ---- C */
    f->data = (char *)&f->data;
    f->len = 77;
    ac_read_file__init(&f->sub.rf, missing, &f->data, &f->len);
    CO_AWAIT(co, &f->sub.rf, 5);
    CHECK_EQ(f->sub.rf.ret, UV_ENOENT);
    CHECK(f->data == (char *)&f->data);
    CHECK_EQ(f->len, 77);

    /* ---- D */
    ac_write_file__init(&f->sub.wf, nodir, "x", 1);
    CO_AWAIT(co, &f->sub.wf, 6);
    CHECK_EQ(f->sub.wf.ret, UV_ENOENT);
    ac_read_file__init(&f->sub.rf, dir, &f->data, &f->len);
    CO_AWAIT(co, &f->sub.rf, 7);
    CHECK_EQ(f->sub.rf.ret, UV_EISDIR);
    CHECK(f->data == (char *)&f->data);

    /* ---- E */
    ac_group_init(&f->g);
    for (f->round = 0; f->round < 20; f->round++) {
        f->res = 1;
        SPAWN(&f->g, struct rchild__frame, rchild__init, path, &f->data,
              &f->len, &f->res);
        ac_group_cancel(&f->g);
        ac_join__init(&f->sub.j, &f->g);
        CO_AWAIT(co, &f->sub.j, 8);
        CHECK_EQ(f->res, AC_ECANCELED);
        CHECK(f->data == (char *)&f->data);
    }
    CHECK_EQ(count_fds(), f->fds); /* no descriptor leaked */

    free(f->src);
    f->ret = 42;
    CO_RETURN(co);
    CO_END;
}

int main(void)
{
    struct main__frame f;
    CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof path, "%s/data.bin", dir);
    snprintf(empty, sizeof empty, "%s/empty", dir);
    snprintf(missing, sizeof missing, "%s/missing", dir);
    snprintf(nodir, sizeof nodir, "%s/no/such/dir", dir);
    memset(&f, 0, sizeof f);
    f.co.resume = main__resume;
    io_run(&f.co);
    CHECK_EQ(f.ret, 42);
    unlink(path);
    unlink(empty);
    rmdir(dir);
    puts("test_file: ok");
    return 0;
}
