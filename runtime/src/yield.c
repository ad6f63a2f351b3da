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
#include "internal.h"

static struct {
    struct ac_yield__frame *head, *tail;
    uv_check_t check;
    uv_idle_t idle;
    int open;
    int active;
} yq;

static ac__shutdown_hook yield_hook;

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
    struct ac_yield__frame *f = yq.head;
    yq.head = yq.tail = NULL;
    set_active(0);
    ac__enter();
    while (f != NULL) {
        struct ac_yield__frame *next = f->next;
        f->next = NULL;
        f->ret = 0;
        ac__leaf_finish(&f->co);
        f = next;
    }
    ac__leave(); /* runs them; new yields re-activate the handles */
}

static void on_closed(uv_handle_t *h)
{
    (void)h;
    ac__handle_closed();
}

static void yield_shutdown(void)
{
    yq.head = yq.tail = NULL;
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

static void enqueue(struct ac_yield__frame *f)
{
    f->next = NULL;
    if (yq.tail != NULL)
        yq.tail->next = f;
    else
        yq.head = f;
    yq.tail = f;
    if (!yq.active) {
        uv_check_start(&yq.check, on_check);
        set_active(1);
    }
}

static void yield_cancel(ac_coro *co)
{
    struct ac_yield__frame *f = (struct ac_yield__frame *)co, *p = NULL;
    for (struct ac_yield__frame *q = yq.head; q != NULL; p = q, q = q->next) {
        if (q != f)
            continue;
        if (p != NULL)
            p->next = q->next;
        else
            yq.head = q->next;
        if (yq.tail == q)
            yq.tail = p;
        break;
    }
    f->next = NULL;
    if (yq.head == NULL)
        set_active(0);
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
        if (r < 0) {
            f->ret = r;
            ac_return(co);
            return;
        }
        enqueue(f);
        ac_leaf_wait(co, yield_cancel);
        co->state = 1;
        return;
    }
    default:
        ac_return(co);
        return;
    }
}

void ac_yield__init(struct ac_yield__frame *f)
{
    ac__coro_init(&f->co, yield_resume);
    f->ret = 0;
    f->next = NULL;
}
