/*
 * timer.c - the timer heap and ac_sleep.
 *
 * Every sleeper (and every with_timeout deadline) is an ac_timer_entry in a
 * binary min-heap ordered by (deadline, seq); ONE uv_timer_t per loop is
 * armed for the earliest deadline.  seq is a global insertion counter, so
 * entries with equal deadlines fire in the order they were started.  When
 * the heap is empty the uv timer is stopped, so it never keeps the loop
 * alive on its own.  Deadlines are in loop time (uv_now).
 */
#include <inttypes.h>
#include <stdlib.h>

#include "internal.h"

static _Thread_local struct {
    ac_timer_entry **heap;
    size_t len, cap;
    uint64_t seq;
    uv_timer_t handle;
    int handle_open;
} tm;

static _Thread_local ac__shutdown_hook timer_hook;

/* ---- the heap ----------------------------------------------------------------- */

static int before(const ac_timer_entry *a, const ac_timer_entry *b)
{
    if (a->deadline != b->deadline)
        return a->deadline < b->deadline;
    return a->seq < b->seq;
}

static void place(ac_timer_entry *e, size_t i)
{
    tm.heap[i] = e;
    e->index = i;
}

static void sift_up(size_t i)
{
    ac_timer_entry *e = tm.heap[i];
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!before(e, tm.heap[p]))
            break;
        place(tm.heap[p], i);
        i = p;
    }
    place(e, i);
}

static void sift_down(size_t i)
{
    ac_timer_entry *e = tm.heap[i];
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        ac_timer_entry *best = e;
        if (l < tm.len && before(tm.heap[l], best)) {
            m = l;
            best = tm.heap[l];
        }
        if (l + 1 < tm.len && before(tm.heap[l + 1], best))
            m = l + 1;
        if (m == i)
            break;
        place(tm.heap[m], i);
        i = m;
    }
    place(e, i);
}

static void heap_remove(ac_timer_entry *e)
{
    size_t i = e->index;
    ac_timer_entry *last = tm.heap[--tm.len];
    e->index = SIZE_MAX;
    if (last == e)
        return;
    place(last, i);
    sift_down(i);
    sift_up(last->index);
}

/* ---- the one uv timer ----------------------------------------------------- */

static void on_timer(uv_timer_t *h);

/* Arm the uv timer for the earliest deadline, or stop it. */
static void rearm(void)
{
    if (!tm.handle_open)
        return;
    if (tm.len == 0) {
        uv_timer_stop(&tm.handle);
        return;
    }
    uint64_t now = uv_now(tm.handle.loop);
    uint64_t due = tm.heap[0]->deadline;
    uv_timer_start(&tm.handle, on_timer, due > now ? due - now : 0, 0);
}

/* Fire every due entry; wake-ups are queued and run after the bracket. */
static void on_timer(uv_timer_t *h)
{
    uint64_t now = uv_now(h->loop);
    ac__enter();
    while (tm.len > 0 && tm.heap[0]->deadline <= now) {
        ac_timer_entry *e = tm.heap[0];
        heap_remove(e);
        e->fire(e);
    }
    rearm();
    ac__leave();
}

static void on_closed(uv_handle_t *h)
{
    (void)h;
    ac__handle_closed();
}

static void timer_shutdown(void)
{
    for (size_t i = 0; i < tm.len; i++)
        tm.heap[i]->index = SIZE_MAX;
    free(tm.heap);
    tm.heap = NULL;
    tm.len = tm.cap = 0;
    if (tm.handle_open) {
        tm.handle_open = 0;
        uv_close((uv_handle_t *)&tm.handle, on_closed);
    }
}

static int ensure_handle(void)
{
    uv_loop_t *loop = ac_loop();
    if (loop == NULL || ac__closing())
        return UV_EINVAL;
    if (tm.handle_open)
        return 0;
    int r = uv_timer_init(loop, &tm.handle);
    if (r < 0)
        return r;
    tm.handle_open = 1;
    ac__handle_opened();
    timer_hook.fn = timer_shutdown;
    ac__on_shutdown(&timer_hook);
    return 0;
}

/* ---- internal API ----------------------------------------------------------- */

void ac__timer_init(ac_timer_entry *e)
{
    e->index = SIZE_MAX;
    e->deadline = 0;
    e->seq = 0;
    e->fire = NULL;
}

int ac__timer_active(const ac_timer_entry *e)
{
    return e->index != SIZE_MAX;
}

int ac__timer_start(ac_timer_entry *e, uint64_t ms,
                    void (*fire)(ac_timer_entry *e))
{
    int r = ensure_handle();
    if (r < 0)
        return r;
    if (ac__timer_active(e))
        ac__timer_stop(e);
    if (tm.len == tm.cap) {
        size_t ncap = tm.cap ? tm.cap * 2 : 64;
        ac_timer_entry **n = realloc(tm.heap, ncap * sizeof *n);
        if (n == NULL)
            return UV_ENOMEM;
        tm.heap = n;
        tm.cap = ncap;
    }
    uint64_t now = uv_now(ac_loop());
    e->deadline = ms > UINT64_MAX - now ? UINT64_MAX : now + ms;
    e->seq = tm.seq++;
    e->fire = fire;
    place(e, tm.len++);
    sift_up(e->index);
    if (e->index == 0)
        rearm();
    return 0;
}

void ac__timer_stop(ac_timer_entry *e)
{
    if (!ac__timer_active(e) || e->index >= tm.len || tm.heap[e->index] != e)
        return;
    int was_first = e->index == 0;
    heap_remove(e);
    /* A timer armed too early is harmless (on_timer rearms), but an empty
     * heap must leave the uv timer stopped so it does not hold the loop. */
    if (tm.len == 0 || was_first)
        rearm();
}

size_t ac__timer_count(void)
{
    return tm.len;
}

/* ---- ac_sleep ------------------------------------------------------------------ */

static void sleep_fire(ac_timer_entry *e)
{
    struct ac_sleep__frame *f = AC__CONTAINER_OF(e, struct ac_sleep__frame, timer);
    f->ret = 0;
    ac__leaf_finish(&f->co);
}

static void sleep_cancel(ac_coro *co)
{
    struct ac_sleep__frame *f = (struct ac_sleep__frame *)co;
    ac__timer_stop(&f->timer);
    f->ret = AC_ECANCELED;
    ac__leaf_finish(co); /* queued: we are inside ac_task_cancel */
}

static void sleep_resume(ac_coro *co)
{
    struct ac_sleep__frame *f = (struct ac_sleep__frame *)co;
    switch (co->state) {
    case 0: {
        if (ac_task_cancelled(co->task)) {
            f->ret = AC_ECANCELED;
            ac_return(co);
            return;
        }
        int r = ac__timer_start(&f->timer, f->ms, sleep_fire);
        if (r < 0) {
            f->ret = r;
            ac_return(co);
            return;
        }
        ac_leaf_wait(co, sleep_cancel);
        co->state = 1;
        return;
    }
    default:
        ac_return(co);
        return;
    }
}

static int sleep_describe(const ac_coro *co, char *buf, size_t cap)
{
    const struct ac_sleep__frame *f = (const struct ac_sleep__frame *)co;
    uint64_t now = ac_now_ms();
    uint64_t left = f->timer.deadline > now ? f->timer.deadline - now : 0;
    return snprintf(buf, cap, "%" PRIu64 " of %" PRIu64 " ms left", left, f->ms);
}
AC__LEAF_INFO(sleep_resume, "ac_sleep", sleep_describe)

void ac_sleep__init(struct ac_sleep__frame *f, uint64_t ms)
{
    ac__coro_init(&f->co, sleep_resume);
    f->ret = 0;
    f->ms = ms;
    ac__timer_init(&f->timer);
}
