/*
 * loop.c - ac_run, ac_loop, ac_stats, ac_now_ms, and closing everything the
 * runtime opened when the main task is done.
 *
 * ac_run is not re-entrant: one loop at a time per thread, on the thread
 * that called ac_run (a nested call returns UV_EBUSY); several threads may
 * each run their own at once (the state below is _Thread_local).
 *
 * Deadlock: when the loop runs dry (no active handle, no request in flight)
 * while the main task is still waiting, nothing can ever wake it; ac_run
 * then shuts down as usual and returns AC_EDEADLK.  The waiting coroutines
 * are abandoned, not resumed (resuming them with an error could spin
 * forever in a loop that retries).
 */
#include <stdlib.h>

#include "internal.h"

static _Thread_local struct {
    uv_loop_t loop;
    int running;             /* inside ac_run                              */
    int closing;             /* shutting down: coroutines no longer run    */
    size_t live_tasks;
    size_t open_handles;
    ac__shutdown_hook *hooks; /* newest first                             */
} lp;

uv_loop_t *ac_loop(void)
{
    return lp.running ? &lp.loop : NULL;
}

int ac__closing(void)
{
    return lp.closing;
}

void ac__handle_opened(void)
{
    lp.open_handles++;
}

void ac__handle_closed(void)
{
    if (lp.open_handles > 0)
        lp.open_handles--;
}

void ac__live_tasks_add(long delta)
{
    if (delta < 0 && lp.live_tasks < (size_t)-delta)
        lp.live_tasks = 0;
    else
        lp.live_tasks += (size_t)delta;
}

void ac__on_shutdown(ac__shutdown_hook *h)
{
    if (h->registered)
        return;
    h->registered = 1;
    h->next = lp.hooks;
    lp.hooks = h;
}

ac_stats_t ac_stats(void)
{
    ac_stats_t s;
    s.live_tasks = lp.live_tasks;
    s.frame_bytes = ac__frame_bytes();
    s.open_handles = lp.open_handles;
    s.sleepers = ac__timer_count();
    s.task_names = ac__task_name_count();
    return s;
}

uint64_t ac_now_ms(void)
{
    if (lp.running)
        return uv_now(&lp.loop);
    return uv_hrtime() / 1000000u; /* monotonic, like the loop's clock */
}

void ac__main_done(void)
{
    if (lp.running)
        uv_stop(&lp.loop);
}

/* Fallback for handles no module's hook closed: count them closed. */
static void close_counted(uv_handle_t *h)
{
    (void)h;
    ac__handle_closed();
}

static void close_leftover(uv_handle_t *h, void *arg)
{
    (void)arg;
    if (!uv_is_closing(h))
        uv_close(h, close_counted);
}

/* Steps (1)-(5) of the shutdown described in internal.h. */
static int shut_down(void)
{
    lp.closing = 1;
    while (lp.hooks != NULL) {
        ac__shutdown_hook *h = lp.hooks;
        lp.hooks = h->next;
        h->registered = 0;
        h->next = NULL;
        h->fn();
    }
    uv_walk(&lp.loop, close_leftover, NULL);
    /* Close callbacks, and callbacks of requests still in flight (pool
     * work, fs), run here; they find `closing` set and wake nobody. */
    while (uv_run(&lp.loop, UV_RUN_DEFAULT) != 0)
        ;
    int r = uv_loop_close(&lp.loop);
    ac__coro_reset();
    ac__frame_release_all();
    lp.live_tasks = 0;
    lp.open_handles = 0;
    lp.closing = 0;
    lp.running = 0;
    return r;
}

/* What the last ac_run of this thread returned (ac_last_run_status). */
static _Thread_local int last_status;

int ac_last_run_status(void)
{
    return last_status;
}

static int run(ac_coro *root)
{
    ac_task main_task;
    int r;

    r = uv_loop_init(&lp.loop);
    if (r < 0)
        return r;
    lp.running = 1;
    lp.closing = 0;

    ac__set_main_task(&main_task);
    ac__enter(); /* the root's first steps run before any wake-up */
    ac__task_start(&main_task, NULL, root, NULL);
    ac__leave();

    int result = 0;
    while (!(main_task.flags & AC_TASK_DONE)) {
        int alive = uv_run(&lp.loop, UV_RUN_DEFAULT);
        if (main_task.flags & AC_TASK_DONE)
            break;
        if (!alive) {
            result = AC_EDEADLK;
            break;
        }
    }
    r = shut_down();
    return result < 0 ? result : r;
}

int ac_run(ac_coro *root)
{
    if (lp.running) /* nested: f does not run */
        return last_status = UV_EBUSY;
    last_status = run(root);
    return last_status;
}
