/*
 * thread.c - to_thread: run a blocking function on the libuv thread pool.
 *
 * The frame's `run` is called on a pool thread with the frame itself; the
 * generated thunk struct starts with the frame and holds the arguments and
 * the result, so the pool thread touches only that struct.  The leaf always
 * completes in the after-work callback, on the loop thread: even when the
 * task is cancelled while the function runs, the frame outlives the
 * thread's use of it.
 *
 * A thunk of its own allocation (ac_to_thread__init_heap: generated code)
 * need not hold its awaiting task back: cancelled while the function runs,
 * the leaf completes at once and the work goes on detached; whichever of
 * ac_to_thread_release (the awaiting code is done with the thunk) and
 * tt_after (the function has returned) comes second frees the thunk.
 *
 *   ret = 0                 the function ran; its result is in the thunk
 *   ret = AC_ECANCELED      cancelled: either uv_cancel stopped the work
 *                           before it started, or it ran and its result is
 *                           to be discarded
 *   ret < 0 (other)         uv_queue_work failed
 */
#include "internal.h"

enum {
    TT_IDLE,
    TT_QUEUED,
    TT_CANCELLED, /* cancel asked; tt_after completes the leaf           */
    TT_DETACHED,  /* leaf completed; the function still runs             */
    TT_RELEASED,  /* ... and the awaiting code has released the thunk    */
};

static void tt_work(uv_work_t *req)
{
    struct ac_to_thread__frame *f =
        AC__CONTAINER_OF(req, struct ac_to_thread__frame, req);
    __atomic_store_n(&f->running, 1, __ATOMIC_RELAXED); /* for dumps only */
    f->run(f);
}

static void tt_after(uv_work_t *req, int status)
{
    struct ac_to_thread__frame *f =
        AC__CONTAINER_OF(req, struct ac_to_thread__frame, req);
    if (f->state == TT_DETACHED || f->state == TT_RELEASED) {
        /* the awaiting task went on without the result */
        if (f->state == TT_RELEASED)
            ac_frame_free(f, f->size);
        else
            f->state = TT_IDLE; /* ac_to_thread_release frees it */
        return;
    }
    if (status == UV_ECANCELED || f->state == TT_CANCELLED)
        f->ret = AC_ECANCELED;
    else
        f->ret = status < 0 ? status : 0;
    f->state = TT_IDLE;
    ac__leaf_finish(&f->co);
}

static void tt_cancel(ac_coro *co)
{
    struct ac_to_thread__frame *f = (struct ac_to_thread__frame *)co;
    if (f->state != TT_QUEUED)
        return;
    f->state = TT_CANCELLED;
    /* Taken back before it ran: tt_after completes us with UV_ECANCELED. */
    if (uv_cancel((uv_req_t *)&f->req) == 0 || f->size == 0)
        return; /* (embedded: tt_after completes us when fn returns) */
    f->state = TT_DETACHED;
    f->ret = AC_ECANCELED;
    ac__leaf_finish(co);
}

void ac_to_thread_release(struct ac_to_thread__frame *f)
{
    if (f->state == TT_DETACHED)
        f->state = TT_RELEASED; /* tt_after frees it */
    else
        ac_frame_free(f, f->size);
}

static void tt_resume(ac_coro *co)
{
    struct ac_to_thread__frame *f = (struct ac_to_thread__frame *)co;
    switch (co->state) {
    case 0: {
        if (ac_task_cancelled(co->task)) {
            f->ret = AC_ECANCELED;
            ac_return(co);
            return;
        }
        uv_loop_t *loop = ac_loop();
        int r = loop == NULL || ac__closing()
                    ? UV_EINVAL
                    : uv_queue_work(loop, &f->req, tt_work, tt_after);
        if (r < 0) {
            f->ret = r;
            ac_return(co);
            return;
        }
        f->state = TT_QUEUED;
        ac_leaf_wait(co, tt_cancel);
        co->state = 1;
        return;
    }
    default:
        ac_return(co);
        return;
    }
}

/* TT_QUEUED is both "queued" and "running": only the pool knows which. */
static int tt_describe(const ac_coro *co, char *buf, size_t cap)
{
    const struct ac_to_thread__frame *f = (const struct ac_to_thread__frame *)co;
    if (f->state == TT_CANCELLED)
        return snprintf(buf, cap, "cancelled, waiting for the function to return");
    if (__atomic_load_n(&f->running, __ATOMIC_RELAXED))
        return snprintf(buf, cap, "running on a pool thread");
    return snprintf(buf, cap, "queued for the thread pool");
}
AC__LEAF_INFO(tt_resume, "to_thread", tt_describe)

void ac_to_thread__init(struct ac_to_thread__frame *f, ac_thread_fn run)
{
    ac__coro_init(&f->co, tt_resume);
    f->ret = 0;
    f->run = run;
    f->state = TT_IDLE;
    f->running = 0;
    f->size = 0;
}

void ac_to_thread__init_heap(struct ac_to_thread__frame *f, ac_thread_fn run, size_t size)
{
    ac_to_thread__init(f, run);
    f->size = size;
}
