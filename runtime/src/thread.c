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
 *   ret = 0                 the function ran; its result is in the thunk
 *   ret = AC_ECANCELED      cancelled: either uv_cancel stopped the work
 *                           before it started, or it ran and its result is
 *                           to be discarded
 *   ret < 0 (other)         uv_queue_work failed
 */
#include "internal.h"

enum { TT_IDLE, TT_QUEUED, TT_CANCELLED };

static void tt_work(uv_work_t *req)
{
    struct ac_to_thread__frame *f =
        AC__CONTAINER_OF(req, struct ac_to_thread__frame, req);
    f->run(f);
}

static void tt_after(uv_work_t *req, int status)
{
    struct ac_to_thread__frame *f =
        AC__CONTAINER_OF(req, struct ac_to_thread__frame, req);
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
    /* Success or not (EBUSY: already running), tt_after completes us. */
    uv_cancel((uv_req_t *)&f->req);
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

void ac_to_thread__init(struct ac_to_thread__frame *f, ac_thread_fn run)
{
    ac__coro_init(&f->co, tt_resume);
    f->ret = 0;
    f->run = run;
    f->state = TT_IDLE;
}
