/*
 * loop.c - ac_run, ac_loop, ac_stats, ac_now_ms, and closing everything the
 * runtime opened when the main task is done.
 *
 * ac_run is not re-entrant: one loop at a time per thread, on the thread
 * that called ac_run (a nested call returns UV_EBUSY); several threads may
 * each run their own at once (the state below is _Thread_local).
 *
 * Deadlock: when the loop runs dry (no active handle, no request in flight)
 * while the main task is still waiting, nothing can ever wake it.  ac_run
 * then prints every task and where it waits (dump.c) on stderr, cancels
 * them all, runs the loop until they have unwound, and returns AC_EDEADLK.
 * Spawned tasks still running when the main task returns are reported and
 * cancelled the same way (asyncio.run cancels them too; they are reported
 * because a task nobody joined is usually a bug).  Cancelled, every leaf
 * completes at once or soon, so the frames are freed and the waiter lists
 * unhooked by the code that owns them.  A task that goes on awaiting after
 * it was cancelled gets AC_ECANCELED from every await; one still waiting
 * after FINISH_MS is left where it is (its frames are not freed) and
 * counted in the report.
 */
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"

static _Thread_local struct {
    uv_loop_t loop;
    int running;             /* inside ac_run                              */
    int closing;             /* shutting down: coroutines no longer run    */
    size_t live_tasks;
    size_t open_handles;
    ac__shutdown_hook *hooks; /* newest first                             */
    uv_timer_t finish_guard;  /* finish_tasks's deadline                    */
    int finish_expired;
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
    ac__groups_reset();
    ac__fn_index_free();
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

/* How long cancelled tasks get to unwind at the end of a run. */
#define FINISH_MS 2000

static void finish_timeout(uv_timer_t *h)
{
    (void)h;
    lp.finish_expired = 1;
}

/* Cancel every task still running and run the loop until they are gone,
 * or the loop can do nothing more for them, or FINISH_MS have passed. */
static void finish_tasks(ac_task *main_task)
{
    uv_timer_t *guard = &lp.finish_guard;
    int armed = uv_timer_init(&lp.loop, guard) == 0;
    lp.finish_expired = 0;
    if (armed) {
        uv_unref((uv_handle_t *)guard); /* it keeps nothing alive */
        uv_timer_start(guard, finish_timeout, FINISH_MS, 0);
    }
    ac__enter();
    ac_task_cancel(main_task);
    ac__cancel_spawned();
    ac__leave();
    while (lp.live_tasks > 0 && !lp.finish_expired)
        if (uv_run(&lp.loop, UV_RUN_ONCE) == 0)
            break;
    if (lp.live_tasks > 0)
        fprintf(stderr, "asyncc: %zu task%s did not finish when cancelled; left as %s\n",
                lp.live_tasks, lp.live_tasks == 1 ? "" : "s", lp.live_tasks == 1 ? "it is" : "they are");
    if (armed)
        uv_close((uv_handle_t *)guard, NULL); /* its close runs in shut_down */
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
    ac__set_debug(ac__debug_start(&lp.loop));
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
    size_t spawned = ac__spawned_count();
    if (result == AC_EDEADLK) {
        fputs("asyncc: deadlock: no task can make progress (nothing left in the loop can wake one):\n", stderr);
        ac__dump(stderr, AC__DUMP_ALL);
        finish_tasks(&main_task);
    } else if (spawned > 0) {
        fprintf(stderr, "asyncc: %zu spawned task%s still running when async_run returned; "
                        "cancelling:\n", spawned, spawned == 1 ? " was" : "s were");
        ac__dump(stderr, AC__DUMP_SPAWNED);
        finish_tasks(&main_task);
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
