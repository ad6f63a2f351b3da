/*
 * handwritten.c - the coroutines of handwritten.h, written by hand against
 * the public ABI only (asyncc_abi.h; no runtime internals).
 *
 * Each one is a frame struct, an __init function that fills in the header
 * and copies the arguments, and a resume function that the runtime calls to
 * start the coroutine and every time it continues.  co->state says where to
 * continue; everything that must survive a suspension lives in the frame.
 */
#define __ASYNCC_OUTPUT__ 1 /* read the header the way generated C does */
#include "handwritten.h"

#include <stdio.h>
#include <string.h>

/* ---- countdown: a composite coroutine --------------------------------------
 *
 *     async int countdown(int from, uint64_t ms) {
 *         for (int i = from; i > 0; i--) {
 *             printf("tick %d\n", i);
 *             if (i > 1 && await ac_sleep(ms) < 0)
 *                 return AC_ECANCELED;
 *         }
 *         return from;
 *     }
 */
static void countdown__resume(ac_coro *co)
{
    struct countdown__frame *f = (struct countdown__frame *)co;

    switch (co->state) {
    case 0: goto s0;
    case 1: goto s1;
    }
s0:
    for (f->i = f->from; f->i > 0; f->i--) {
        printf("tick %d\n", f->i);
        if (f->i == 1)
            break;
        ac_sleep__init(&f->sub.s1, f->ms);
        if (ac_await(co, &f->sub.s1.co, 1))
            return; /* suspended; the runtime resumes us at s1 */
    s1:
        if (f->sub.s1.ret < 0) {
            /* Cancelled: the sleep's timer entry is already gone. */
            f->ret = AC_ECANCELED;
            ac_return(co);
            return;
        }
    }
    f->ret = f->from;
    ac_return(co); /* done: the frame is the waiter's again */
}

void countdown__init(struct countdown__frame *f, int from, uint64_t ms)
{
    memset(&f->co, 0, sizeof f->co);
    f->co.resume = countdown__resume;
    f->ret = 0;
    f->from = from;
    f->ms = ms;
}

/* <!-- leaf-example --> */
/* ---- file_size: a leaf ------------------------------------------------------
 *
 * A leaf suspends on libuv.  Protocol (docs/ABI.md, "Writing a leaf"):
 *   state 0: a cancelled task completes at once with AC_ECANCELED; else
 *            start the request, register the cancel hook with
 *            ac_leaf_wait, set state 1 and return (suspended);
 *   libuv callback: store the result, ac_leaf_done, ac_wake;
 *   state 1: ac_return.
 * The cancel hook runs when the task is cancelled while we wait.  It only
 * asks libuv to cancel; libuv then calls our callback with UV_ECANCELED (or,
 * when the stat is already running on a pool thread, with its real result,
 * which we replace by AC_ECANCELED because the task is cancelled).  Either
 * way the request is finished before the frame completes, so the frame may
 * be reused or freed as soon as the waiter continues.
 */
static void file_size__cb(uv_fs_t *req)
{
    /* The request is a member of the frame: step back to the frame. */
    struct file_size__frame *f = (struct file_size__frame *)
        ((char *)req - offsetof(struct file_size__frame, req));

    if (ac_task_cancelled(f->co.task))
        f->ret = AC_ECANCELED;
    else if (req->result < 0)
        f->ret = (int)req->result;
    else {
        *f->size = (int64_t)req->statbuf.st_size;
        f->ret = 0;
    }
    uv_fs_req_cleanup(req);
    ac_leaf_done(&f->co); /* no longer the task's pending leaf */
    ac_wake(&f->co);      /* resume at state 1 */
}

static void file_size__cancel(ac_coro *co)
{
    struct file_size__frame *f = (struct file_size__frame *)co;
    uv_cancel((uv_req_t *)&f->req); /* fails harmlessly if already running */
}

static void file_size__resume(ac_coro *co)
{
    struct file_size__frame *f = (struct file_size__frame *)co;
    int r;

    if (co->state == 1) {
        ac_return(co); /* the callback stored the result */
        return;
    }
    if (ac_task_cancelled(co->task)) {
        f->ret = AC_ECANCELED;
        ac_return(co);
        return;
    }
    r = uv_fs_stat(ac_loop(), &f->req, f->path, file_size__cb);
    if (r < 0) {
        f->ret = r; /* could not even start: complete without suspending */
        ac_return(co);
        return;
    }
    ac_leaf_wait(co, file_size__cancel);
    co->state = 1;
}

void file_size__init(struct file_size__frame *f, const char *path,
                     int64_t *size)
{
    memset(&f->co, 0, sizeof f->co);
    f->co.resume = file_size__resume;
    f->ret = 0;
    f->path = path;
    f->size = size;
}
/* <!-- /leaf-example --> */
