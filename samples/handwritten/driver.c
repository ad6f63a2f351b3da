/*
 * driver.c - drives the hand-written coroutines of handwritten.c from plain
 * C, the way generated code would, and checks what they do:
 *
 *   file_size(argv[0])                      -> 0, the size stat() reports
 *   file_size("/nonexistent/file")          -> UV_ENOENT
 *   countdown(3, 10)                        -> 3, about 20 ms, 3 ticks
 *   with_timeout(35, countdown(100, 10))    -> AC_ETIMEDOUT, the countdown
 *                                              returned AC_ECANCELED
 *
 * Exit status 0 when all hold.
 */
#define __ASYNCC_OUTPUT__ 1
#include "handwritten.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <uv.h>

#define EXPECT(cond)                                                       \
    do {                                                                   \
        if (!(cond)) {                                                     \
            fprintf(stderr, "driver.c:%d: expected %s\n", __LINE__, #cond); \
            exit(1);                                                       \
        }                                                                  \
    } while (0)

static const char *self;

/* The root: async int run(void) { ... } with its callees' frames embedded. */
struct run__frame {
    ac_coro co;
    int ret;
    int64_t size;
    uint64_t t0;
    union {
        struct file_size__frame fs;
        struct countdown__frame cd;
        struct {
            struct ac_with_timeout__frame wt;
            struct countdown__frame op;
        } t;
    } sub;
};

static void run__resume(ac_coro *co)
{
    struct run__frame *f = (struct run__frame *)co;
    struct stat st;

    switch (co->state) {
    case 0: goto s0;
    case 1: goto s1;
    case 2: goto s2;
    case 3: goto s3;
    case 4: goto s4;
    }
s0:
    f->size = -1;
    file_size__init(&f->sub.fs, self, &f->size);
    if (ac_await(co, &f->sub.fs.co, 1))
        return;
s1:
    EXPECT(f->sub.fs.ret == 0);
    EXPECT(stat(self, &st) == 0 && f->size == (int64_t)st.st_size);
    printf("file_size(self) matches stat\n");

    file_size__init(&f->sub.fs, "/nonexistent/file", &f->size);
    if (ac_await(co, &f->sub.fs.co, 2))
        return;
s2:
    EXPECT(f->sub.fs.ret == UV_ENOENT);
    printf("file_size(missing) = %s\n", uv_err_name(f->sub.fs.ret));

    f->t0 = ac_now_ms();
    countdown__init(&f->sub.cd, 3, 10);
    if (ac_await(co, &f->sub.cd.co, 3))
        return;
s3:
    EXPECT(f->sub.cd.ret == 3);
    EXPECT(ac_now_ms() - f->t0 >= 19);
    printf("countdown(3) = %d\n", f->sub.cd.ret);

    countdown__init(&f->sub.t.op, 100, 10);
    ac_with_timeout__init(&f->sub.t.wt, 35, &f->sub.t.op.co, NULL, NULL);
    if (ac_await(co, &f->sub.t.wt.co, 4))
        return;
s4:
    EXPECT(f->sub.t.wt.ret == AC_ETIMEDOUT);
    EXPECT(f->sub.t.op.ret == AC_ECANCELED);
    printf("with_timeout(35, countdown(100)) = %s\n",
           uv_err_name(f->sub.t.wt.ret));
    f->ret = 0;
    ac_return(co);
}

int main(int argc, char **argv)
{
    struct run__frame f;
    (void)argc;
    self = argv[0];
    memset(&f, 0, sizeof f);
    f.co.resume = run__resume;
    f.ret = -1;
    EXPECT(ac_run(&f.co) == 0);
    EXPECT(f.ret == 0);
    ac_stats_t s = ac_stats();
    EXPECT(s.live_tasks == 0 && s.open_handles == 0 && s.frame_bytes == 0);
    printf("ok\n");
    return 0;
}
