/*
 * rt_test.h - what every runtime test shares: a tiny assert macro and a few
 * hand-written coroutines, written against the ABI exactly the way the
 * transpiler writes them (frame struct with ac_coro first, an init
 * function, a resume function that switches on co->state).
 */
#ifndef RT_TEST_H
#define RT_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Hand-written coroutines read the header the way generated C does. */
#define __ASYNCC_OUTPUT__ 1
#include "asyncc.h"

/* Fails the test (exit 1) with file:line and the expression. */
#define CHECK(expr)                                                        \
    do {                                                                   \
        if (!(expr)) {                                                     \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__,         \
                    __LINE__, #expr);                                      \
            exit(1);                                                       \
        }                                                                  \
    } while (0)

/* Same, with the two integers shown. */
#define CHECK_EQ(a, b)                                                     \
    do {                                                                   \
        long long a_ = (long long)(a), b_ = (long long)(b);                \
        if (a_ != b_) {                                                    \
            fprintf(stderr, "%s:%d: CHECK_EQ failed: %s == %s (%lld vs "   \
                    "%lld)\n", __FILE__, __LINE__, #a, #b, a_, b_);        \
            exit(1);                                                       \
        }                                                                  \
    } while (0)

/* After ac_run nothing may be left over. */
static inline void check_stats_zero(void)
{
    ac_stats_t s = ac_stats();
    CHECK_EQ(s.live_tasks, 0);
    CHECK_EQ(s.frame_bytes, 0);
    CHECK_EQ(s.open_handles, 0);
    CHECK_EQ(s.sleepers, 0);
}

static inline void coro_init(ac_coro *co, ac_resume_fn fn)
{
    memset(co, 0, sizeof *co);
    co->resume = fn;
}

/* Wall-clock milliseconds, independent of the loop. */
static inline double wall_ms(void)
{
    return (double)uv_hrtime() / 1e6;
}

/* "quick" on the command line: smaller sizes (valgrind runs). */
static inline int quick_mode(int argc, char **argv)
{
    return argc > 1 && strcmp(argv[1], "quick") == 0;
}

#endif
