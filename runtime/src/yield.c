/*
 * yield.c - ac_yield: let the others run (asyncio.sleep(0)).
 *
 * Yielders wait in a FIFO.  A uv_check handle, active only while the FIFO is
 * non-empty, wakes them: check callbacks run right after the loop polled for
 * I/O, so every I/O callback that was ready had its chance first.  An idle
 * handle, active at the same time, only makes that poll non-blocking (a
 * loop with an active idle handle polls with a zero timeout).  The callback
 * takes the whole FIFO at once: a coroutine that yields again while being
 * woken goes to the next loop iteration.
 */
#include <stdlib.h>

#include "internal.h"

/*
 * The FIFO is an array of frame pointers, so that cancelling one of many
 * yielders is O(1): the cancelled slot becomes NULL (a tombstone), and the
 * frame's `next` link holds its slot index + 1 (it is the runtime-private
 * queue link of the ABI; nothing else reads it).  The whole array is woken
 * at once, so it only grows until the next check callback.
 */
static _Thread_local struct {
    struct ac_yield__frame **v;
    size_t len, cap;
    size_t live; /* non-NULL slots */
    uv_check_t check;
    uv_idle_t idle;
    int open;
    int active;
} yq;

static _Thread_local ac__shutdown_hook yield_hook;

static void on_idle(uv_idle_t *h)
{
    (void)h; /* exists only to keep the poll phase from blocking */
}

static void set_active(int on)
{
    if (on == yq.active)
        return;
    yq.active = on;
    if (on) {
        uv_idle_start(&yq.idle, on_idle);
    } else {
        uv_idle_stop(&yq.idle);
        uv_check_stop(&yq.check);
    }
}

static void on_check(uv_check_t *h)
{
    (void)h;
    set_active(0);
    /* Inside the bracket no coroutine runs, so nobody yields or cancels
     * while the array is walked; the wake-ups run at ac__leave. */
    ac__enter();
    for (size_t i = 0; i < yq.len; i++) {
        struct ac_yield__frame *f = yq.v[i];
        if (f == NULL)
            continue;
        f->next = NULL;
        f->ret = 0;
        ac__leaf_finish(&f->co);
    }
    yq.len = 0;
    yq.live = 0;
    ac__leave(); /* runs them; new yields re-activate the handles */
}

static void on_closed(uv_handle_t *h)
{
    (void)h;
    ac__handle_closed();
}

static void yield_shutdown(void)
{
    free(yq.v);
    yq.v = NULL;
    yq.len = yq.cap = yq.live = 0;
    if (yq.open) {
        yq.open = 0;
        yq.active = 0;
        uv_close((uv_handle_t *)&yq.check, on_closed);
        uv_close((uv_handle_t *)&yq.idle, on_closed);
    }
}

static int ensure_handles(void)
{
    uv_loop_t *loop = ac_loop();
    if (loop == NULL || ac__closing())
        return UV_EINVAL;
    if (yq.open)
        return 0;
    int r = uv_check_init(loop, &yq.check);
    if (r < 0)
        return r;
    ac__handle_opened();
    r = uv_idle_init(loop, &yq.idle);
    if (r < 0) {
        uv_close((uv_handle_t *)&yq.check, on_closed);
        return r;
    }
    ac__handle_opened();
    yq.open = 1;
    yield_hook.fn = yield_shutdown;
    ac__on_shutdown(&yield_hook);
    return 0;
}

static int enqueue(struct ac_yield__frame *f)
{
    if (yq.len == yq.cap) {
        size_t ncap = yq.cap ? yq.cap * 2 : 64;
        struct ac_yield__frame **n = realloc(yq.v, ncap * sizeof *n);
        if (n == NULL)
            return UV_ENOMEM;
        yq.v = n;
        yq.cap = ncap;
    }
    f->next = (struct ac_yield__frame *)(uintptr_t)(yq.len + 1);
    yq.v[yq.len++] = f;
    yq.live++;
    if (!yq.active) {
        uv_check_start(&yq.check, on_check);
        set_active(1);
    }
    return 0;
}

static void yield_cancel(ac_coro *co)
{
    struct ac_yield__frame *f = (struct ac_yield__frame *)co;
    size_t i = (size_t)(uintptr_t)f->next;
    if (i >= 1 && i <= yq.len && yq.v[i - 1] == f) {
        yq.v[i - 1] = NULL;
        if (--yq.live == 0) {
            yq.len = 0;
            set_active(0);
        }
    }
    f->next = NULL;
    f->ret = AC_ECANCELED;
    ac__leaf_finish(co); /* queued: we are inside ac_task_cancel */
}

static void yield_resume(ac_coro *co)
{
    struct ac_yield__frame *f = (struct ac_yield__frame *)co;
    switch (co->state) {
    case 0: {
        if (ac_task_cancelled(co->task)) {
            f->ret = AC_ECANCELED;
            ac_return(co);
            return;
        }
        int r = ensure_handles();
        if (r == 0)
            r = enqueue(f);
        if (r < 0) {
            f->ret = r;
            ac_return(co);
            return;
        }
        ac_leaf_wait(co, yield_cancel);
        co->state = 1;
        return;
    }
    default:
        ac_return(co);
        return;
    }
}

AC__LEAF_INFO(yield_resume, "ac_yield", NULL)

void ac_yield__init(struct ac_yield__frame *f)
{
    ac__coro_init(&f->co, yield_resume);
    f->ret = 0;
    f->next = NULL;
}
