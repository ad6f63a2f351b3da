/*
 * fs.c - whole-file ac_read_file / ac_write_file on the libuv thread pool.
 *
 * Each is a small state machine over one uv_fs_t in the frame: open, then
 * read (or write) until done, then close.  Once the file is open the close
 * always happens, whatever went wrong or whoever cancelled, so no
 * descriptor leaks.  Cancellation uv_cancel()s the request in flight; when
 * it has already started on a pool thread it finishes, and the machine sees
 * the task's cancelled flag at the next step and goes straight to the close.
 * The result of a cancelled call is AC_ECANCELED and its data is discarded.
 *
 * The by-descriptor leaves are one request each and cancel the same way;
 * the descriptor belongs to the caller, except when an open finishes in a
 * cancelled task: nobody will ever see that descriptor, so it is closed.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

enum { FS_OPEN = 1, FS_STAT, FS_IO, FS_CLOSE, FS_DONE };

static void finish(ac_coro *co)
{
    ac__enter();
    ac__leaf_finish(co);
    ac__leave();
}

/* The cancel hook of both leaves: take the request in flight back, unless
 * it is the close (which must happen, or the descriptor leaks). */
static void cancel_req(uv_fs_t *req, int phase)
{
    if (phase != FS_CLOSE)
        uv_cancel((uv_req_t *)req); /* fails harmlessly when running */
}

/* ---- ac_read_file ------------------------------------------------------------ */

static void rf_cb(uv_fs_t *req);

/* Read into the free space of the buffer, growing it first when full. */
static int rf_read_more(struct ac_read_file__frame *f)
{
    uv_buf_t b;
    size_t room;
    if (f->size + 1 >= f->cap) {
        size_t ncap = f->cap < 4096 ? 4096 : f->cap * 2;
        char *n = realloc(f->buf, ncap);
        if (n == NULL)
            return UV_ENOMEM;
        f->buf = n;
        f->cap = ncap;
    }
    room = f->cap - 1 - f->size;
    b = uv_buf_init(f->buf + f->size,
                    room > 0x40000000u ? 0x40000000u : (unsigned)room);
    f->phase = FS_IO;
    return uv_fs_read(ac_loop(), &f->req, f->fd, &b, 1, (int64_t)f->size,
                      rf_cb);
}

/* Resolve the call once nothing is in flight any more. */
static void rf_complete(struct ac_read_file__frame *f)
{
    if (f->err == 0 && ac_task_cancelled(f->co.task))
        f->err = AC_ECANCELED;
    if (f->err < 0) {
        free(f->buf);
        f->ret = f->err;
    } else {
        if (f->buf == NULL)
            f->buf = malloc(1); /* an empty file still gets "" */
        if (f->buf == NULL) {
            f->ret = UV_ENOMEM;
        } else {
            f->buf[f->size] = '\0';
            *f->data = f->buf;
            *f->len = f->size;
            f->ret = 0;
        }
    }
    f->buf = NULL;
    f->phase = FS_DONE;
    finish(&f->co);
}

/* The file is open: close it, then complete (rf_cb sees FS_CLOSE). */
static void rf_close_then_complete(struct ac_read_file__frame *f)
{
    int r;
    f->phase = FS_CLOSE;
    r = uv_fs_close(ac_loop(), &f->req, f->fd, rf_cb);
    if (r < 0) {
        if (f->err == 0)
            f->err = r;
        rf_complete(f);
    }
}

/* After a successful step: go on reading, or close on error. */
static void rf_read_or_close(struct ac_read_file__frame *f)
{
    int r = rf_read_more(f);
    if (r < 0) {
        f->err = r;
        rf_close_then_complete(f);
    }
}

static void rf_cb(uv_fs_t *req)
{
    struct ac_read_file__frame *f =
        AC__CONTAINER_OF(req, struct ac_read_file__frame, req);
    ssize_t res = req->result;
    int phase = f->phase;
    int r;

    if (phase == FS_STAT && res == 0 && req->statbuf.st_size > 0) {
        /* Room for the whole file, its NUL, and the read that sees EOF. */
        size_t want = (size_t)req->statbuf.st_size + 64;
        f->buf = malloc(want);
        f->cap = f->buf != NULL ? want : 0;
    }
    uv_fs_req_cleanup(req);
    if (phase == FS_CLOSE) {
        rf_complete(f);
        return;
    }
    if (phase == FS_OPEN && res >= 0)
        f->fd = (uv_file)res;
    if (res < 0)
        f->err = (int)res;
    else if (ac_task_cancelled(f->co.task))
        f->err = AC_ECANCELED;

    if (f->err < 0) {
        if (f->fd >= 0)
            rf_close_then_complete(f);
        else
            rf_complete(f);
        return;
    }
    switch (phase) {
    case FS_OPEN:
        f->phase = FS_STAT;
        r = uv_fs_fstat(ac_loop(), &f->req, f->fd, rf_cb);
        if (r < 0) {
            f->err = r;
            rf_close_then_complete(f);
        }
        return;
    case FS_STAT:
        rf_read_or_close(f);
        return;
    default: /* FS_IO */
        if (res == 0) {
            rf_close_then_complete(f); /* end of file */
            return;
        }
        f->size += (size_t)res;
        rf_read_or_close(f);
        return;
    }
}

static void rf_cancel(ac_coro *co)
{
    struct ac_read_file__frame *f = (struct ac_read_file__frame *)co;
    cancel_req(&f->req, f->phase);
}

static void read_file_resume(ac_coro *co)
{
    struct ac_read_file__frame *f = (struct ac_read_file__frame *)co;
    int r;

    if (co->state != 0) {
        ac_return(co);
        return;
    }
    if (ac_task_cancelled(co->task) || ac_loop() == NULL) {
        f->ret = ac_task_cancelled(co->task) ? AC_ECANCELED : UV_EINVAL;
        ac_return(co);
        return;
    }
    f->phase = FS_OPEN;
    r = uv_fs_open(ac_loop(), &f->req, f->path, O_RDONLY | O_CLOEXEC, 0, rf_cb);
    if (r < 0) {
        f->ret = r;
        ac_return(co);
        return;
    }
    ac_leaf_wait(co, rf_cancel);
    co->state = 1;
}

static int read_file_describe(const ac_coro *co, char *buf, size_t cap)
{
    const struct ac_read_file__frame *f = (const struct ac_read_file__frame *)co;
    const char *doing = f->phase == FS_CLOSE ? "closing" : f->phase == FS_IO ? "reading" : "opening";
    return snprintf(buf, cap, "%s %s, %zu bytes read", doing, f->path, f->size);
}
AC__LEAF_INFO(read_file_resume, "ac_read_file", read_file_describe)

void ac_read_file__init(struct ac_read_file__frame *f, const char *path,
                        char **data, size_t *len)
{
    ac__coro_init(&f->co, read_file_resume);
    f->ret = 0;
    f->path = path;
    f->data = data;
    f->len = len;
    f->phase = 0;
    f->err = 0;
    f->fd = -1;
    f->buf = NULL;
    f->size = f->cap = 0;
}

/* ---- ac_write_file ------------------------------------------------------------ */

static void wf_cb(uv_fs_t *req);

static void wf_complete(struct ac_write_file__frame *f)
{
    if (f->err == 0 && ac_task_cancelled(f->co.task))
        f->err = AC_ECANCELED;
    f->ret = f->err;
    f->phase = FS_DONE;
    finish(&f->co);
}

static void wf_close_then_complete(struct ac_write_file__frame *f)
{
    int r;
    f->phase = FS_CLOSE;
    r = uv_fs_close(ac_loop(), &f->req, f->fd, wf_cb);
    if (r < 0) {
        if (f->err == 0)
            f->err = r;
        wf_complete(f);
    }
}

/* Write what is left, or close when all of it is written. */
static void wf_write_or_close(struct ac_write_file__frame *f)
{
    size_t n = f->len - f->done;
    uv_buf_t b;
    int r;
    if (n == 0) {
        wf_close_then_complete(f);
        return;
    }
    b = uv_buf_init((char *)f->data + f->done,
                    n > 0x40000000u ? 0x40000000u : (unsigned)n);
    f->phase = FS_IO;
    r = uv_fs_write(ac_loop(), &f->req, f->fd, &b, 1, (int64_t)f->done, wf_cb);
    if (r < 0) {
        f->err = r;
        wf_close_then_complete(f);
    }
}

static void wf_cb(uv_fs_t *req)
{
    struct ac_write_file__frame *f =
        AC__CONTAINER_OF(req, struct ac_write_file__frame, req);
    ssize_t res = req->result;
    int phase = f->phase;

    uv_fs_req_cleanup(req);
    if (phase == FS_CLOSE) {
        if (res < 0 && f->err == 0)
            f->err = (int)res; /* close can report a failed flush */
        wf_complete(f);
        return;
    }
    if (phase == FS_OPEN && res >= 0)
        f->fd = (uv_file)res;
    if (res < 0)
        f->err = (int)res;
    else if (ac_task_cancelled(f->co.task))
        f->err = AC_ECANCELED;
    if (f->err < 0) {
        if (f->fd >= 0)
            wf_close_then_complete(f);
        else
            wf_complete(f);
        return;
    }
    if (phase == FS_IO)
        f->done += (size_t)res;
    wf_write_or_close(f);
}

static void wf_cancel(ac_coro *co)
{
    struct ac_write_file__frame *f = (struct ac_write_file__frame *)co;
    cancel_req(&f->req, f->phase);
}

static void write_file_resume(ac_coro *co)
{
    struct ac_write_file__frame *f = (struct ac_write_file__frame *)co;
    int r;

    if (co->state != 0) {
        ac_return(co);
        return;
    }
    if (ac_task_cancelled(co->task) || ac_loop() == NULL) {
        f->ret = ac_task_cancelled(co->task) ? AC_ECANCELED : UV_EINVAL;
        ac_return(co);
        return;
    }
    f->phase = FS_OPEN;
    r = uv_fs_open(ac_loop(), &f->req, f->path,
                   O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666, wf_cb);
    if (r < 0) {
        f->ret = r;
        ac_return(co);
        return;
    }
    ac_leaf_wait(co, wf_cancel);
    co->state = 1;
}

static int write_file_describe(const ac_coro *co, char *buf, size_t cap)
{
    const struct ac_write_file__frame *f = (const struct ac_write_file__frame *)co;
    const char *doing = f->phase == FS_CLOSE ? "closing" : f->phase == FS_IO ? "writing" : "opening";
    return snprintf(buf, cap, "%s %s, %zu of %zu bytes written", doing, f->path, f->done, f->len);
}
AC__LEAF_INFO(write_file_resume, "ac_write_file", write_file_describe)

void ac_write_file__init(struct ac_write_file__frame *f, const char *path,
                         const void *data, size_t len)
{
    ac__coro_init(&f->co, write_file_resume);
    f->ret = 0;
    f->path = path;
    f->data = data;
    f->len = len;
    f->phase = 0;
    f->err = 0;
    f->fd = -1;
    f->done = 0;
}

/* ---- files by descriptor ----------------------------------------------------- */

/* Largest single read or write (uv_buf_init takes an unsigned int). */
#define FILE_IO_MAX 0x40000000u

/* The start every one-request leaf shares: 1 when `co` may go on and issue
 * its request, 0 when *ret is final (cancelled task, no loop). */
static int file_start_ok(ac_coro *co, ssize_t *ret)
{
    if (ac_task_cancelled(co->task)) {
        *ret = AC_ECANCELED;
        return 0;
    }
    if (ac_loop() == NULL) {
        *ret = UV_EINVAL;
        return 0;
    }
    return 1;
}

/* The result of a request that ran: AC_ECANCELED in a cancelled task. */
static ssize_t file_result(ac_coro *co, ssize_t res)
{
    return ac_task_cancelled(co->task) ? AC_ECANCELED : res;
}

/* Complete a one-request leaf, or its start on a synchronous error. */
static void file_suspend_or_return(ac_coro *co, int r, ac_cancel_fn cancel,
                                   void (*set_ret)(ac_coro *co, ssize_t v))
{
    if (r < 0) {
        set_ret(co, r);
        ac_return(co);
        return;
    }
    ac_leaf_wait(co, cancel);
    co->state = 1;
}

/* ---- ac_file_open */

static void fo_set_ret(ac_coro *co, ssize_t v)
{
    ((struct ac_file_open__frame *)co)->ret = (int)v;
}

static void fo_close_cb(uv_fs_t *req)
{
    struct ac_file_open__frame *f =
        AC__CONTAINER_OF(req, struct ac_file_open__frame, req);
    uv_fs_req_cleanup(req);
    f->ret = AC_ECANCELED;
    finish(&f->co);
}

static void fo_cb(uv_fs_t *req)
{
    struct ac_file_open__frame *f =
        AC__CONTAINER_OF(req, struct ac_file_open__frame, req);
    ssize_t res = req->result;

    uv_fs_req_cleanup(req);
    if (res >= 0 && ac_task_cancelled(f->co.task)) {
        /* Opened for a task that no longer wants it: close it again. */
        f->phase = FS_CLOSE;
        if (uv_fs_close(ac_loop(), req, (uv_file)res, fo_close_cb) == 0)
            return;
        uv_fs_close(ac_loop(), req, (uv_file)res, NULL); /* right here */
        uv_fs_req_cleanup(req);
    }
    f->ret = (int)file_result(&f->co, res);
    f->phase = FS_DONE;
    finish(&f->co);
}

static void fo_cancel(ac_coro *co)
{
    struct ac_file_open__frame *f = (struct ac_file_open__frame *)co;
    cancel_req(&f->req, f->phase);
}

static void file_open_resume(ac_coro *co)
{
    struct ac_file_open__frame *f = (struct ac_file_open__frame *)co;
    ssize_t ret;

    if (co->state != 0 || !file_start_ok(co, &ret)) {
        if (co->state == 0)
            f->ret = (int)ret;
        ac_return(co);
        return;
    }
    f->phase = FS_OPEN;
    file_suspend_or_return(co, uv_fs_open(ac_loop(), &f->req, f->path,
                                          f->flags, f->mode, fo_cb),
                           fo_cancel, fo_set_ret);
}

static int file_open_describe(const ac_coro *co, char *buf, size_t cap)
{
    const struct ac_file_open__frame *f = (const struct ac_file_open__frame *)co;
    if (f->phase == FS_CLOSE)
        return snprintf(buf, cap, "%s, closing it again (cancelled)", f->path);
    return snprintf(buf, cap, "%s", f->path);
}
AC__LEAF_INFO(file_open_resume, "ac_file_open", file_open_describe)

void ac_file_open__init(struct ac_file_open__frame *f, const char *path,
                        int flags, int mode)
{
    ac__coro_init(&f->co, file_open_resume);
    f->ret = 0;
    f->path = path;
    f->flags = flags;
    f->mode = mode;
    f->phase = 0;
}

/* What a pending ac_file_read or ac_file_write shows. */
static int file_io_describe(int fd, size_t len, int64_t offset, char *buf, size_t cap)
{
    if (offset < 0)
        return snprintf(buf, cap, "fd %d, %zu bytes", fd, len);
    return snprintf(buf, cap, "fd %d, %zu bytes at offset %" PRId64, fd, len, offset);
}

/* ---- ac_file_read, ac_file_write */

static uv_buf_t file_buf(const void *buf, size_t len)
{
    return uv_buf_init((char *)buf,
                       len > FILE_IO_MAX ? FILE_IO_MAX : (unsigned)len);
}

static void fr_set_ret(ac_coro *co, ssize_t v)
{
    ((struct ac_file_read__frame *)co)->ret = v;
}

static void fr_cb(uv_fs_t *req)
{
    struct ac_file_read__frame *f =
        AC__CONTAINER_OF(req, struct ac_file_read__frame, req);
    ssize_t res = req->result;
    uv_fs_req_cleanup(req);
    f->ret = file_result(&f->co, res);
    finish(&f->co);
}

static void fr_cancel(ac_coro *co)
{
    uv_cancel((uv_req_t *)&((struct ac_file_read__frame *)co)->req);
}

static void file_read_resume(ac_coro *co)
{
    struct ac_file_read__frame *f = (struct ac_file_read__frame *)co;
    uv_buf_t b;

    if (co->state != 0 || !file_start_ok(co, &f->ret)) {
        ac_return(co);
        return;
    }
    b = file_buf(f->buf, f->len);
    file_suspend_or_return(co, uv_fs_read(ac_loop(), &f->req, f->fd, &b, 1,
                                          f->offset, fr_cb),
                           fr_cancel, fr_set_ret);
}

static int file_read_describe(const ac_coro *co, char *buf, size_t cap)
{
    const struct ac_file_read__frame *f = (const struct ac_file_read__frame *)co;
    return file_io_describe(f->fd, f->len, f->offset, buf, cap);
}
AC__LEAF_INFO(file_read_resume, "ac_file_read", file_read_describe)

void ac_file_read__init(struct ac_file_read__frame *f, int fd, void *buf,
                        size_t len, int64_t offset)
{
    ac__coro_init(&f->co, file_read_resume);
    f->ret = 0;
    f->fd = fd;
    f->buf = buf;
    f->len = len;
    f->offset = offset;
}

static void fw_set_ret(ac_coro *co, ssize_t v)
{
    ((struct ac_file_write__frame *)co)->ret = v;
}

static void fw_cb(uv_fs_t *req)
{
    struct ac_file_write__frame *f =
        AC__CONTAINER_OF(req, struct ac_file_write__frame, req);
    ssize_t res = req->result;
    uv_fs_req_cleanup(req);
    f->ret = file_result(&f->co, res);
    finish(&f->co);
}

static void fw_cancel(ac_coro *co)
{
    uv_cancel((uv_req_t *)&((struct ac_file_write__frame *)co)->req);
}

static void file_write_resume(ac_coro *co)
{
    struct ac_file_write__frame *f = (struct ac_file_write__frame *)co;
    uv_buf_t b;

    if (co->state != 0 || !file_start_ok(co, &f->ret)) {
        ac_return(co);
        return;
    }
    b = file_buf(f->buf, f->len);
    file_suspend_or_return(co, uv_fs_write(ac_loop(), &f->req, f->fd, &b, 1,
                                           f->offset, fw_cb),
                           fw_cancel, fw_set_ret);
}

static int file_write_describe(const ac_coro *co, char *buf, size_t cap)
{
    const struct ac_file_write__frame *f = (const struct ac_file_write__frame *)co;
    return file_io_describe(f->fd, f->len, f->offset, buf, cap);
}
AC__LEAF_INFO(file_write_resume, "ac_file_write", file_write_describe)

void ac_file_write__init(struct ac_file_write__frame *f, int fd,
                         const void *buf, size_t len, int64_t offset)
{
    ac__coro_init(&f->co, file_write_resume);
    f->ret = 0;
    f->fd = fd;
    f->buf = buf;
    f->len = len;
    f->offset = offset;
}

/* ---- ac_file_close */

static void fc_set_ret(ac_coro *co, ssize_t v)
{
    ((struct ac_file_close__frame *)co)->ret = (int)v;
}

static void fc_cb(uv_fs_t *req)
{
    struct ac_file_close__frame *f =
        AC__CONTAINER_OF(req, struct ac_file_close__frame, req);
    f->ret = (int)req->result; /* the close happened: report it as it is */
    uv_fs_req_cleanup(req);
    finish(&f->co);
}

/*
 * Like ac_close, ac_file_close always closes: cleanup typically runs in a
 * cancelled task, and refusing would leak the descriptor.  A cancelled task
 * closes synchronously on the loop thread (close(2) of a local file is
 * quick) and gets AC_ECANCELED; a close on the pool is not cancellable.
 */
static void file_close_resume(ac_coro *co)
{
    struct ac_file_close__frame *f = (struct ac_file_close__frame *)co;

    if (co->state != 0) {
        ac_return(co);
        return;
    }
    if (ac_task_cancelled(co->task) || ac_loop() == NULL) {
        int r = close(f->fd); /* no loop needed */
        f->ret = ac_task_cancelled(co->task) ? AC_ECANCELED
                 : r < 0                      ? -errno
                                              : 0;
        ac_return(co);
        return;
    }
    file_suspend_or_return(co, uv_fs_close(ac_loop(), &f->req, f->fd, fc_cb),
                           NULL, fc_set_ret);
}

static int file_close_describe(const ac_coro *co, char *buf, size_t cap)
{
    return snprintf(buf, cap, "fd %d", ((const struct ac_file_close__frame *)co)->fd);
}
AC__LEAF_INFO(file_close_resume, "ac_file_close", file_close_describe)

void ac_file_close__init(struct ac_file_close__frame *f, int fd)
{
    ac__coro_init(&f->co, file_close_resume);
    f->ret = 0;
    f->fd = fd;
}

/* ---- ac_file_stat */

static void stat_copy(struct stat *st, const uv_stat_t *u)
{
    memset(st, 0, sizeof *st);
    st->st_dev = (dev_t)u->st_dev;
    st->st_ino = (ino_t)u->st_ino;
    st->st_mode = (mode_t)u->st_mode;
    st->st_nlink = (nlink_t)u->st_nlink;
    st->st_uid = (uid_t)u->st_uid;
    st->st_gid = (gid_t)u->st_gid;
    st->st_rdev = (dev_t)u->st_rdev;
    st->st_size = (off_t)u->st_size;
    st->st_blksize = (blksize_t)u->st_blksize;
    st->st_blocks = (blkcnt_t)u->st_blocks;
    st->st_atim.tv_sec = (time_t)u->st_atim.tv_sec;
    st->st_atim.tv_nsec = (long)u->st_atim.tv_nsec;
    st->st_mtim.tv_sec = (time_t)u->st_mtim.tv_sec;
    st->st_mtim.tv_nsec = (long)u->st_mtim.tv_nsec;
    st->st_ctim.tv_sec = (time_t)u->st_ctim.tv_sec;
    st->st_ctim.tv_nsec = (long)u->st_ctim.tv_nsec;
}

static void fs_set_ret(ac_coro *co, ssize_t v)
{
    ((struct ac_file_stat__frame *)co)->ret = (int)v;
}

static void fs_cb(uv_fs_t *req)
{
    struct ac_file_stat__frame *f =
        AC__CONTAINER_OF(req, struct ac_file_stat__frame, req);
    ssize_t res = file_result(&f->co, req->result);
    if (res == 0)
        stat_copy(f->st, &req->statbuf);
    uv_fs_req_cleanup(req);
    f->ret = (int)res;
    finish(&f->co);
}

static void fs_cancel(ac_coro *co)
{
    uv_cancel((uv_req_t *)&((struct ac_file_stat__frame *)co)->req);
}

static void file_stat_resume(ac_coro *co)
{
    struct ac_file_stat__frame *f = (struct ac_file_stat__frame *)co;
    ssize_t ret;

    if (co->state != 0 || !file_start_ok(co, &ret)) {
        if (co->state == 0)
            f->ret = (int)ret;
        ac_return(co);
        return;
    }
    file_suspend_or_return(co, uv_fs_stat(ac_loop(), &f->req, f->path, fs_cb),
                           fs_cancel, fs_set_ret);
}

static int file_stat_describe(const ac_coro *co, char *buf, size_t cap)
{
    return snprintf(buf, cap, "%s", ((const struct ac_file_stat__frame *)co)->path);
}
AC__LEAF_INFO(file_stat_resume, "ac_file_stat", file_stat_describe)

void ac_file_stat__init(struct ac_file_stat__frame *f, const char *path,
                        struct stat *st)
{
    ac__coro_init(&f->co, file_stat_resume);
    f->ret = 0;
    f->path = path;
    f->st = st;
}
