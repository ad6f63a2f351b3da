/*
 * debug.c - ASYNCC_DEBUG=1: slow steps reported, SIGQUIT dumps the tasks.
 *
 * A "step" is one resume call made by a driver (coro.c's drain, a task
 * start, ac_run's first call of the root) together with everything it runs
 * nested on the C stack: the time the loop is held by coroutine code
 * between two waits.  A step longer than ASYNCC_SLOW_MS (default 100) is
 * reported on stderr, with its task, the function and .ac line where it
 * started, and where it ended: the await it suspended at, or the return of
 * the function it finished in.  asyncio's debug mode warns the same way
 * about callbacks over 100 ms.
 *
 * The start is read before the step, from coroutines that are alive then.
 * The end cannot be read after the step (its frames may be freed by then),
 * so coro.c notes the last await and the last return as they happen
 * (ac__debug_await, ac__debug_return) while a step is timed.  Without the
 * variable none of this runs: coro.c tests one flag per resume call.
 */
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>

#include "internal.h"

static _Thread_local struct {
    uint64_t slow_ns;        /* report steps at least this long           */
    uv_signal_t quit;        /* SIGQUIT: dump the tasks                    */
    int quit_open;
    /* the step being timed */
    uint64_t t0;
    char task[96];           /* its label: the task may end in the step    */
    ac_resume_fn from_fn;    /* where it began                             */
    int from_state;
    ac_resume_fn end_fn;     /* where it ended: the last await or return   */
    int end_state;
    int end_returned;
} dbg;

/* "f at file:line" for a coroutine at resume point `state`, or the name
 * of its function, or its address. */
static void where(char *buf, size_t cap, ac_resume_fn fn, int state)
{
    const ac_fn_info *i = ac__fn_find(fn);
    unsigned line = i != NULL ? ac__fn_line(i, state) : 0;
    if (i == NULL)
        snprintf(buf, cap, "coroutine %p", (void *)(uintptr_t)fn);
    else if (line != 0)
        snprintf(buf, cap, "%s at %s:%u", i->name, i->file, line);
    else
        snprintf(buf, cap, "%s", i->name);
}

/* The first coroutine from co outwards that asyncc generated (one with a
 * line table): a leaf resumed by its libuv callback returns into it. */
static const ac_coro *user_coro(const ac_coro *co)
{
    for (const ac_coro *c = co; c != NULL; c = c->task && c == c->task->root ? NULL : c->waiter) {
        const ac_fn_info *i = ac__fn_find(c->resume);
        if (i != NULL && i->lines != NULL)
            return c;
    }
    return co;
}

/* Only what the step may destroy is copied now (the task's label); where
 * it began is kept as a function and a state, and put into words only when
 * the step turns out slow. */
void ac__debug_step_begin(const ac_coro *co)
{
    const ac_coro *u = user_coro(co);
    dbg.from_fn = u->resume;
    dbg.from_state = u->state;
    int quoted = 0;
    const char *label = co->task != NULL ? ac__task_label(co->task, &quoted) : NULL;
    if (co->task == NULL)
        snprintf(dbg.task, sizeof dbg.task, "no task");
    else
        snprintf(dbg.task, sizeof dbg.task, quoted ? "task \"%s\"" : "task %s",
                 label != NULL ? label : "(unnamed)");
    dbg.end_fn = NULL;
    dbg.t0 = uv_hrtime();
}

void ac__debug_await(const ac_coro *caller, int state)
{
    const ac_fn_info *i = ac__fn_find(caller->resume);
    if (i == NULL || i->lines == NULL)
        return; /* a leaf's own waits say less than the await that led there */
    dbg.end_fn = caller->resume;
    dbg.end_state = state;
    dbg.end_returned = 0;
}

void ac__debug_return(const ac_coro *co)
{
    const ac_fn_info *i = ac__fn_find(co->resume);
    if (i == NULL || i->lines == NULL)
        return;
    dbg.end_fn = co->resume;
    dbg.end_state = 0;
    dbg.end_returned = 1;
}

void ac__debug_step_end(void)
{
    uint64_t ns = uv_hrtime() - dbg.t0;
    if (ns < dbg.slow_ns)
        return;
    char from[160], to[192];
    where(from, sizeof from, dbg.from_fn, dbg.from_state);
    if (dbg.end_fn == NULL)
        snprintf(to, sizeof to, "the same place");
    else if (dbg.end_returned) {
        const ac_fn_info *i = ac__fn_find(dbg.end_fn);
        snprintf(to, sizeof to, "the return of %s", i ? i->name : "?");
    } else {
        char w[160];
        where(w, sizeof w, dbg.end_fn, dbg.end_state);
        snprintf(to, sizeof to, "the await of %s", w);
    }
    fprintf(stderr, "asyncc: slow step: %" PRIu64 " ms in %s, from %s to %s\n",
            ns / 1000000u, dbg.task, from, to);
}

/* ---- SIGQUIT ------------------------------------------------------------- */

static void on_quit(uv_signal_t *h, int signum)
{
    (void)h;
    (void)signum;
    ac_dump_tasks(stderr);
}

static void quit_close(void)
{
    if (dbg.quit_open) {
        uv_close((uv_handle_t *)&dbg.quit, NULL);
        dbg.quit_open = 0;
    }
}

static _Thread_local ac__shutdown_hook quit_hook = {.fn = quit_close};

/* ---- ac_run -------------------------------------------------------------- */

int ac__debug_start(uv_loop_t *loop)
{
    const char *on = getenv("ASYNCC_DEBUG");
    if (on == NULL || *on == '\0' || (on[0] == '0' && on[1] == '\0'))
        return 0;
    const char *ms = getenv("ASYNCC_SLOW_MS");
    char *end;
    unsigned long long v = ms ? strtoull(ms, &end, 10) : 0;
    if (ms == NULL || *ms == '\0' || *end != '\0')
        v = 100;
    dbg.slow_ns = (uint64_t)v * 1000000u;
    if (uv_signal_init(loop, &dbg.quit) == 0) {
        dbg.quit_open = 1;
        if (uv_signal_start(&dbg.quit, on_quit, SIGQUIT) == 0)
            uv_unref((uv_handle_t *)&dbg.quit); /* it keeps no loop alive */
        ac__on_shutdown(&quit_hook);
    }
    return 1;
}
