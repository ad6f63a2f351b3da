/*
 * asyncc.h - everything an Async C (.ac) file needs.
 *
 * One header, three readers:
 *
 *  - the transpiler, clangd and other libclang tools (the default): `async`
 *    is an attribute libclang reports, `await` vanishes, and the forms
 *    (gather, to_thread, spawn, with_timeout, async_run) become plain C of
 *    the right type, so an .ac file is a valid C file for them;
 *
 *  - generated C, which defines __ASYNCC_OUTPUT__ before including this
 *    header and gets the ABI only.  `async` alone stays defined (as
 *    nothing) so that headers declaring async prototypes still compile;
 *    such a prototype declares a plain function that nothing calls;
 *
 *  - the erased build (-DASYNCC_ERASED): the keywords vanish, gather runs
 *    its operands one after another, to_thread calls the function, async_run
 *    is the call itself, and ac_sleep / ac_yield return 0 at once.  It is the
 *    oracle the tests compare transpiled programs against.
 */
#ifndef ASYNCC_H
#define ASYNCC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#if defined(ASYNCC_ERASED)
/* ======================================================================
 * The erased build: plain sequential C, no runtime, no libuv.
 * ====================================================================== */
#include <errno.h>
#include <time.h>

#define AC_ECANCELED (-ECANCELED)
#define AC_ETIMEDOUT (-ETIMEDOUT)

#define async
#define await
#define gather(...) ((__VA_ARGS__), 0)
#define to_thread(fn, ...) (fn)(__VA_ARGS__)
#define spawn(G, A) ((void)(G), (void)(A))
#define with_timeout(MS, A) ((void)(MS), (void)(A), 0)
#define async_run(A) (A)

static inline int ac_sleep(uint64_t ms) { (void)ms; return 0; }
static inline int ac_yield(void) { return 0; }
static inline int ac_cancelled(void) { return 0; }
static inline uint64_t ac_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

#else
/* ======================================================================
 * The transpiler's view and generated C share the ABI.
 * ====================================================================== */
#include "asyncc_abi.h"

#if defined(__ASYNCC_OUTPUT__)
#define async
#else
/* The transpiler's (and an IDE's) reading of the keywords and forms. */
#define async __attribute__((annotate("asyncc_async")))
#define await
#define gather(...) ((__VA_ARGS__), 0)
#define to_thread(fn, ...) (fn)(__VA_ARGS__)
#define spawn(G, A) ((void)(G), (void)(A))
#define with_timeout(MS, A) ((void)(MS), (void)(A), 0)
#define async_run(A) (A)

/* The runtime's leaf coroutines, as .ac code sees them. */
async int ac_sleep(uint64_t ms);
async int ac_yield(void);
#endif

/* Plain functions. */
int ac_cancelled(void);   /* nonzero when the current task is cancelled */
uint64_t ac_now_ms(void); /* loop time in milliseconds                   */

#endif /* ASYNCC_ERASED */
#endif /* ASYNCC_H */
