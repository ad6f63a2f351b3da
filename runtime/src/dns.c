/*
 * dns.c - ac_getaddrinfo: getaddrinfo(3) on the libuv thread pool.
 *
 * One uv_getaddrinfo_t in the frame.  libuv copies host, service and hints
 * into one allocation of its own (freed before our callback), and hands us
 * the list libc's getaddrinfo made, so freeaddrinfo() frees it (libuv's
 * uv_freeaddrinfo is nothing more).
 *
 * Cancellation uv_cancel()s the request: a lookup still queued comes back
 * at once (libuv reports UV_EAI_CANCELED, not UV_ECANCELED); one already
 * running on a pool thread cannot be stopped, so the leaf waits for it and
 * frees what it found.  Either way the await returns AC_ECANCELED and *out
 * stays NULL.  The same holds for a lookup that finishes while ac_run shuts
 * down: nobody can take the list any more.
 */
#include "internal.h"

static void gai_cb(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
    struct ac_getaddrinfo__frame *f =
        AC__CONTAINER_OF(req, struct ac_getaddrinfo__frame, req);

    if (ac_task_cancelled(f->co.task) || status == UV_EAI_CANCELED ||
        ac__closing()) {
        status = AC_ECANCELED;
    } else if (status == 0) {
        *f->out = res;
        res = NULL;
    }
    if (res != NULL)
        freeaddrinfo(res);
    f->ret = status;
    ac__enter();
    ac__leaf_finish(&f->co);
    ac__leave();
}

static void gai_cancel(ac_coro *co)
{
    struct ac_getaddrinfo__frame *f = (struct ac_getaddrinfo__frame *)co;
    uv_cancel((uv_req_t *)&f->req); /* fails harmlessly when running */
}

static void getaddrinfo_resume(ac_coro *co)
{
    struct ac_getaddrinfo__frame *f = (struct ac_getaddrinfo__frame *)co;
    int r;

    if (co->state != 0) {
        ac_return(co);
        return;
    }
    *f->out = NULL;
    if (ac_task_cancelled(co->task) || ac_loop() == NULL) {
        f->ret = ac_task_cancelled(co->task) ? AC_ECANCELED : UV_EINVAL;
        ac_return(co);
        return;
    }
    r = uv_getaddrinfo(ac_loop(), &f->req, gai_cb, f->host, f->service,
                       f->hints);
    if (r < 0) {
        f->ret = r; /* UV_EINVAL: neither host nor service; UV_ENOMEM */
        ac_return(co);
        return;
    }
    ac_leaf_wait(co, gai_cancel);
    co->state = 1;
}

static int getaddrinfo_describe(const ac_coro *co, char *buf, size_t cap)
{
    const struct ac_getaddrinfo__frame *f = (const struct ac_getaddrinfo__frame *)co;
    if (f->host == NULL)
        return snprintf(buf, cap, "service %s", f->service); /* one is set */
    return snprintf(buf, cap, "host %s", f->host);
}
AC__LEAF_INFO(getaddrinfo_resume, "ac_getaddrinfo", getaddrinfo_describe)

void ac_getaddrinfo__init(struct ac_getaddrinfo__frame *f, const char *host,
                          const char *service, const struct addrinfo *hints,
                          struct addrinfo **out)
{
    ac__coro_init(&f->co, getaddrinfo_resume);
    f->ret = 0;
    f->host = host;
    f->service = service;
    f->hints = hints;
    f->out = out;
}
