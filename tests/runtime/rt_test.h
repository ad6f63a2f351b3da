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
#include <uv.h>

/* Hand-written coroutines read the header the way generated C does. */
#define __ASYNCC_OUTPUT__ 1
#include "asyncc.h"

#include "../check.h"

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
