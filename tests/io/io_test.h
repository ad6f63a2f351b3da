/*
 * io_test.h - shared by the I/O, group and coordination tests.
 *
 * The tests are plain C against the ABI: every coroutine is a frame struct
 * (ac_coro first, then ret), an init function and a resume function.  To
 * keep them readable the resume functions use the CO_* macros below, a
 * switch over co->state whose case labels sit right after each await (the
 * "protothreads" shape).  Everything that must survive an await lives in
 * the frame, as in generated code.
 */
#ifndef IO_TEST_H
#define IO_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h> /* libuv itself: asyncc.h does not expose it */

#define __ASYNCC_OUTPUT__ 1
#include "asyncc.h"

#include "../check.h"

/* Resume-function skeleton.  CO_AWAIT(co, sub, n): start the initialised
 * frame `sub` (a pointer), return if it suspended, go on at label n. */
#define CO_BEGIN(co) switch ((co)->state) { case 0:
#define CO_AWAIT(co, sub, n)                                               \
    do {                                                                   \
        if (ac_await((co), &(sub)->co, (n)))                               \
            return;                                                        \
        __attribute__((fallthrough));                                      \
    case n:;                                                               \
    } while (0)
#define CO_RETURN(co)                                                      \
    do {                                                                   \
        ac_return(co);                                                     \
        return;                                                            \
    } while (0)
#define CO_END }

/* Spawn a child whose frame has type T, initialised by INIT(&frame, ...),
 * result discarded. */
#define SPAWN(G, T, INIT, ...)                                             \
    do {                                                                   \
        struct {                                                           \
            ac_spawn_child hdr;                                            \
            T c;                                                           \
        } *a_ = ac_frame_alloc(sizeof *a_);                                \
        CHECK(a_ != NULL);                                                 \
        INIT(&a_->c, ##__VA_ARGS__);                                              \
        a_->hdr.co = &a_->c.co;                                            \
        a_->hdr.store = NULL;                                              \
        a_->hdr.ctx = a_;                                                  \
        a_->hdr.alloc_size = sizeof *a_;                                   \
        ac_spawn((G), &a_->hdr);                                           \
    } while (0)

/* The runtime keeps a few handles of its own open for the whole run (the
 * timer heap's uv_timer_t, ac_yield's check/idle pair), created on first
 * use.  io_run() warms them up and records their number here; "no handle
 * left open" means: back to this number. */
static size_t io_base_handles;

/* At the end of a root coroutine: only the root task is alive, and nothing
 * else is held (no handle of ours, no frame, no timer entry). */
static inline void check_quiet(void)
{
    ac_stats_t s = ac_stats();
    CHECK_EQ(s.live_tasks, 1);
    CHECK_EQ(s.frame_bytes, 0);
    CHECK_EQ(s.open_handles, io_base_handles);
    CHECK_EQ(s.sleepers, 0);
}

/* After ac_run returned. */
static inline void check_stats_zero(void)
{
    ac_stats_t s = ac_stats();
    CHECK_EQ(s.live_tasks, 0);
    CHECK_EQ(s.frame_bytes, 0);
    CHECK_EQ(s.open_handles, 0);
    CHECK_EQ(s.sleepers, 0);
    CHECK_EQ(s.task_names, 0);
}

static inline double wall_ms(void)
{
    return (double)uv_hrtime() / 1e6;
}

/* "quick" on the command line: smaller sizes (valgrind runs). */
static inline int quick_mode(int argc, char **argv)
{
    return argc > 1 && strcmp(argv[1], "quick") == 0;
}

/* ---- small coroutines many tests use ------------------------------------ */

/* async int sleeper(uint64_t ms, int *out): sleeps, *out = the sleep's
 * result (so cancelled children are observable even without a store). */
struct sleeper__frame {
    ac_coro co;
    int ret;
    uint64_t ms;
    int *out;
    struct ac_sleep__frame s;
};
static void sleeper__resume(ac_coro *co)
{
    struct sleeper__frame *f = (struct sleeper__frame *)co;
    CO_BEGIN(co);
    ac_sleep__init(&f->s, f->ms);
    CO_AWAIT(co, &f->s, 1);
    f->ret = f->s.ret;
    if (f->out != NULL)
        *f->out = f->s.ret;
    CO_RETURN(co);
    CO_END;
}
static inline void sleeper__init(struct sleeper__frame *f, uint64_t ms,
                                 int *out)
{
    memset(f, 0, sizeof *f);
    f->co.resume = sleeper__resume;
    f->ms = ms;
    f->out = out;
}

/* ---- the harness -------------------------------------------------------- */

/* Root coroutine: warm up the runtime's own handles, record them, await the
 * test's main frame, then check that nothing is left over. */
struct io_root__frame {
    ac_coro co;
    int ret;
    ac_coro *inner;
    struct ac_sleep__frame s;
    struct ac_yield__frame y;
};
static void io_root__resume(ac_coro *co)
{
    struct io_root__frame *f = (struct io_root__frame *)co;
    CO_BEGIN(co);
    ac_sleep__init(&f->s, 1);
    CO_AWAIT(co, &f->s, 1);
    ac_yield__init(&f->y);
    CO_AWAIT(co, &f->y, 2);
    io_base_handles = ac_stats().open_handles;
    if (ac_await(co, f->inner, 3))
        return;
    __attribute__((fallthrough));
    case 3:
    check_quiet();
    CO_RETURN(co);
    CO_END;
}

/* Run `inner` (initialised) under the harness; then everything must be 0. */
static inline void io_run(ac_coro *inner)
{
    struct io_root__frame f;
    memset(&f, 0, sizeof f);
    f.co.resume = io_root__resume;
    f.inner = inner;
    CHECK_EQ(ac_run(&f.co), 0);
    CHECK(inner->flags & AC_CORO_DONE);
    check_stats_zero();
}

#endif
