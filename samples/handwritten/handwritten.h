/*
 * handwritten.h - two coroutines written by hand in plain C against the
 * coroutine ABI (docs/ABI.md), usable from Async C like any async function:
 *
 *     #include "handwritten.h"
 *     int n = await countdown(3, 100);
 *     int r = await file_size("notes.txt", &size);
 *
 * For the transpiler the header declares the async prototypes; for the
 * generated C (and for C code that drives them by hand) it declares the
 * frames and their __init functions, following the convention
 * struct NAME__frame { ac_coro co; RET ret; params...; private state }.
 * Because the frame types are complete, the transpiler embeds them in the
 * awaiting frame: awaiting them allocates nothing.
 *
 * In the erased build (-DASYNCC_ERASED) they are plain sequential
 * functions, so a program that only awaits them sequentially prints the
 * same either way.
 */
#ifndef HANDWRITTEN_H
#define HANDWRITTEN_H

#include <asyncc.h>
#include <uv.h>

#if defined(ASYNCC_ERASED)
#include <stdio.h>
#include <sys/stat.h>

static inline int countdown(int from, uint64_t ms)
{
    (void)ms;
    for (int i = from; i > 0; i--)
        printf("tick %d\n", i);
    return from;
}

static inline int file_size(const char *path, int64_t *size)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return -errno;
    *size = (int64_t)st.st_size;
    return 0;
}

#else /* the transpiler's view and generated C */

/*
 * async int countdown(int from, uint64_t ms): prints "tick N" for N = from
 * down to 1, sleeping `ms` between ticks; returns `from`, or AC_ECANCELED
 * when cancelled (after the ticks it printed).  A composite coroutine: it
 * awaits ac_sleep, whose frame it embeds.
 */
struct countdown__frame {
    ac_coro co;
    int ret;
    int from;
    uint64_t ms;
    int i;                          /* a local that lives across awaits */
    union {
        struct ac_sleep__frame s1;  /* the callee of await site 1 */
    } sub;
};
void countdown__init(struct countdown__frame *f, int from, uint64_t ms);

/*
 * async int file_size(const char *path, int64_t *size): *size = the file's
 * size (uv_fs_stat on the thread pool); 0, a negative libuv error, or
 * AC_ECANCELED.  A leaf: it suspends on a libuv request, not on another
 * coroutine.
 */
struct file_size__frame {
    ac_coro co;
    int ret;
    const char *path;
    int64_t *size;
    uv_fs_t req;                    /* private: the request in flight */
};
void file_size__init(struct file_size__frame *f, const char *path,
                     int64_t *size);

#if !defined(__ASYNCC_OUTPUT__)
async int countdown(int from, uint64_t ms);
async int file_size(const char *path, int64_t *size);
#endif

#endif /* ASYNCC_ERASED */
#endif /* HANDWRITTEN_H */
