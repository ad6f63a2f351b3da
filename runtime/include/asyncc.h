/*
 * asyncc.h - everything an Async C (.ac) file needs.
 *
 * One header, three readers:
 *
 *  - the transpiler, clangd and other libclang tools (the default): `async`
 *    is an attribute libclang reports, `await` vanishes, and the forms
 *    (gather, to_thread, spawn, with_timeout, async_run) become plain C of
 *    the right type, so an .ac file is a valid C file for them;
 *
 *  - generated C, which defines __ASYNCC_OUTPUT__ before including this
 *    header and gets the ABI only.  `async` alone stays defined (as
 *    nothing) so that headers declaring async prototypes still compile;
 *    such a prototype declares a plain function that nothing calls;
 *
 *  - the erased build (-DASYNCC_ERASED): the keywords vanish, gather runs
 *    its operands one after another, to_thread calls the function, async_run
 *    is the call itself, and ac_sleep / ac_yield return 0 at once.  It is the
 *    oracle the tests compare transpiled programs against.
 */
#ifndef ASYNCC_H
#define ASYNCC_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#if defined(ASYNCC_ERASED)
/* ======================================================================
 * The erased build: plain sequential C, no runtime, no libuv.
 * ====================================================================== */
#include <errno.h>
#include <time.h>

#include "asyncc_errors.h"

#define async
#define await
/* The 0 of gather and with_timeout comes from a call so that gcc does not
   warn "right-hand operand of comma expression has no effect" when the form
   stands alone as a statement (`await gather(a(), b());`). */
static inline int ac__erased_zero(void) { return 0; }
#define gather(...) ((void)(__VA_ARGS__), ac__erased_zero())
#define to_thread(fn, ...) (fn)(__VA_ARGS__)
#define spawn(G, A) ((void)(G), (void)(A))
#define with_timeout(MS, A) ((void)(MS), (void)(A), ac__erased_zero())
#define async_run(A) (A)

static inline int ac_sleep(uint64_t ms) { (void)ms; return 0; }
static inline int ac_yield(void) { return 0; }
static inline int ac_cancelled(void) { return 0; }
static inline int ac_last_run_status(void) { return 0; }
/* Nothing is allocated, opened or started in the erased build. */
typedef struct ac_stats_t {
    size_t live_tasks, frame_bytes, open_handles, sleepers, task_names;
} ac_stats_t;
static inline ac_stats_t ac_stats(void) { ac_stats_t s = {0, 0, 0, 0, 0}; return s; }
/* No task exists in a sequential program: nothing to dump. */
static inline void ac_dump_tasks(FILE *out) { (void)out; }
static inline uint64_t ac_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/*
 * Groups and coordination, erased.  spawn runs its operand to completion at
 * once, so a group never has running children: joining and cancelling are
 * no-ops.  The queue, semaphore and event work sequentially; an operation
 * that would have to wait for another task (put on a full queue, get on an
 * empty one, acquire with no permit, wait on an unset event) would wait
 * forever in a sequential program, so it fails with -EWOULDBLOCK instead.
 * A closed queue answers as the runtime's does: puts AC_ECLOSED, gets the
 * queued items, then AC_ECLOSED (never -EWOULDBLOCK).
 */
#include <stdlib.h>

typedef struct ac_group { int unused; } ac_group;
static inline void ac_group_init(ac_group *g) { g->unused = 0; }
static inline void ac_group_cancel(ac_group *g) { (void)g; }
static inline int ac_join(ac_group *g) { (void)g; return 0; }
/* Every child finished inside its spawn, and ac_join_one never has a
 * finish left to report there: the "none running" answer. */
static inline int ac_join_one(ac_group *g) { (void)g; return 1; }
/* Tasks have no names in a sequential program. */
static inline void ac_task_set_name(const char *name) { (void)name; }
static inline const char *ac_task_name(void) { return NULL; }

typedef struct ac_queue {
    void **items;
    size_t limit, head, count;
    int closed;
} ac_queue;
static inline void ac_queue_init(ac_queue *q, size_t capacity)
{
    /* An unbounded queue (capacity 0) gets a generous fixed size here. */
    q->limit = capacity ? capacity : 4096;
    q->items = (void **)calloc(q->limit, sizeof *q->items);
    q->head = q->count = 0;
    q->closed = 0;
}
static inline void ac_queue_close(ac_queue *q) { q->closed = 1; }
static inline void ac_queue_destroy(ac_queue *q) { free(q->items); q->items = NULL; }
static inline size_t ac_queue_size(const ac_queue *q) { return q->count; }
static inline int ac_queue_put(ac_queue *q, void *item)
{
    if (q->closed)
        return AC_ECLOSED;
    if (q->items == NULL || q->count == q->limit)
        return -EWOULDBLOCK;
    q->items[(q->head + q->count++) % q->limit] = item;
    return 0;
}
static inline int ac_queue_get(ac_queue *q, void **item)
{
    if (q->count == 0)
        return q->closed ? AC_ECLOSED : -EWOULDBLOCK;
    *item = q->items[q->head];
    q->head = (q->head + 1) % q->limit;
    q->count--;
    return 0;
}

typedef struct ac_sem { long permits; } ac_sem;
static inline void ac_sem_init(ac_sem *s, int permits) { s->permits = permits; }
static inline void ac_sem_release(ac_sem *s) { s->permits++; }
static inline int ac_sem_acquire(ac_sem *s)
{
    if (s->permits <= 0)
        return -EWOULDBLOCK;
    s->permits--;
    return 0;
}

typedef struct ac_event { int is_set; } ac_event;
static inline void ac_event_init(ac_event *e) { e->is_set = 0; }
static inline void ac_event_set(ac_event *e) { e->is_set = 1; }
static inline void ac_event_clear(ac_event *e) { e->is_set = 0; }
static inline int ac_event_is_set(const ac_event *e) { return e->is_set; }
static inline int ac_event_wait(ac_event *e) { return e->is_set ? 0 : -EWOULDBLOCK; }

/*
 * I/O has no erased implementation: these are declared so that erased
 * programs using them still compile (and are checked), but such a program
 * only links against a library that defines them.
 */
#include <fcntl.h>
#include <netdb.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#define AC_READABLE 1
#define AC_WRITABLE 2
/* Runtime errors (asyncc_errors.h) are negated errno values, as libuv's
 * are on Unix, and ac_getaddrinfo's libuv codes; the texts that differ from
 * libc's are the runtime's (runtime/src/error.c). */
static inline const char *ac_strerror(int err)
{
    switch (err) {
    case AC_ETIMEDOUT: return "timed out";
    case AC_ECLOSED: return "the queue is closed";
    case AC_EAI_AGAIN: return gai_strerror(EAI_AGAIN);
    case AC_EAI_BADFLAGS: return gai_strerror(EAI_BADFLAGS);
    case AC_EAI_FAIL: return gai_strerror(EAI_FAIL);
    case AC_EAI_FAMILY: return gai_strerror(EAI_FAMILY);
    case AC_EAI_MEMORY: return gai_strerror(EAI_MEMORY);
#ifdef EAI_NODATA /* glibc, with _GNU_SOURCE */
    case AC_EAI_NODATA: return gai_strerror(EAI_NODATA);
#endif
    case AC_EAI_NONAME: return gai_strerror(EAI_NONAME);
    case AC_EAI_SERVICE: return gai_strerror(EAI_SERVICE);
    case AC_EAI_SOCKTYPE: return gai_strerror(EAI_SOCKTYPE);
    default: return strerror(-err);
    }
}
typedef struct ac_server ac_server;
typedef struct ac_stream ac_stream;
typedef struct ac_udp ac_udp;
typedef struct ac_process ac_process;
int ac_tcp_listen(ac_server **out, const char *host, int port);
#define AC_TCP_REUSEPORT 1u
int ac_tcp_listen_ex(ac_server **out, const char *host, int port,
                     unsigned flags);
int ac_server_port(const ac_server *s);
int ac_accept(ac_server *s, ac_stream **out);
int ac_tcp_connect(ac_stream **out, const char *host, int port);
ssize_t ac_read(ac_stream *s, void *buf, size_t cap);
int ac_write(ac_stream *s, const void *buf, size_t len);
int ac_close(ac_stream *s);
int ac_server_close(ac_server *s);
int ac_unix_listen(ac_server **out, const char *path);
int ac_unix_connect(ac_stream **out, const char *path);
int ac_shutdown(ac_stream *s);
int ac_stream_open(ac_stream **out, int fd);
int ac_process_spawn(ac_process **out, const char *const argv[],
                     ac_stream **to_stdin, ac_stream **from_stdout,
                     ac_stream **from_stderr);
int ac_process_wait(ac_process *p, int64_t *exit_status, int *term_signal);
int ac_process_kill(ac_process *p, int signum);
int ac_process_pid(const ac_process *p);
int ac_read_file(const char *path, char **data, size_t *len);
int ac_write_file(const char *path, const void *data, size_t len);
int ac_poll_fd(int fd, int events);
int ac_signal(int signum);
int ac_udp_bind(ac_udp **out, const char *host, int port);
int ac_udp_port(const ac_udp *u);
ssize_t ac_udp_recv(ac_udp *u, void *buf, size_t cap,
                    struct sockaddr_storage *from);
int ac_udp_send(ac_udp *u, const void *buf, size_t len,
                const struct sockaddr *to);
int ac_udp_close(ac_udp *u);
int ac_getaddrinfo(const char *host, const char *service,
                   const struct addrinfo *hints, struct addrinfo **out);
int ac_file_open(const char *path, int flags, int mode);
ssize_t ac_file_read(int fd, void *buf, size_t len, int64_t offset);
ssize_t ac_file_write(int fd, const void *buf, size_t len, int64_t offset);
int ac_file_close(int fd);
int ac_file_stat(const char *path, struct stat *st);

#else
/* ======================================================================
 * The transpiler's view and generated C share the ABI.
 * ====================================================================== */
#include "asyncc_abi.h"

#if defined(__ASYNCC_OUTPUT__)
#define async
#else
/*
 * The transpiler's (and an IDE's) reading of the keywords and forms.
 *
 * `async` is an attribute that libclang reports on the declaration, and
 * for pointers to async functions (DESIGN.md section 7) a mark on the
 * function type itself: clang's preserve_most calling convention, which
 * nothing ever calls with (generated C reads `async` as nothing).  Being
 * part of the type, the mark follows the pointer through typedefs, struct
 * members, tables, parameters and casts, and clang itself reports an async
 * function where a plain function pointer is expected, or the reverse.
 * The convention exists on x86-64 and AArch64; elsewhere pointers to async
 * functions are not recognised (awaiting one is an error).  gcc reads a
 * plain C file that includes this header (through a header with async
 * prototypes) with `async` as nothing: the prototypes declare functions
 * that plain C never calls.
 */
#if defined(__clang__) && (defined(__x86_64__) || defined(__aarch64__))
#define async __attribute__((annotate("asyncc_async"), preserve_most))
#elif defined(__clang__)
#define async __attribute__((annotate("asyncc_async")))
#else
#define async
#endif
#define await
#define gather(...) ((__VA_ARGS__), 0)
#define to_thread(fn, ...) (fn)(__VA_ARGS__)
#define spawn(G, A) ((void)(G), (void)(A))
#define with_timeout(MS, A) ((void)(MS), (void)(A), 0)
#define async_run(A) (A)

/* The runtime's leaf coroutines, as .ac code sees them. */
async int ac_sleep(uint64_t ms);
async int ac_yield(void);
async int ac_join(ac_group *g);
async int ac_join_one(ac_group *g);
async int ac_accept(ac_server *s, ac_stream **out);
async int ac_tcp_connect(ac_stream **out, const char *host, int port);
async ssize_t ac_read(ac_stream *s, void *buf, size_t cap);
async int ac_write(ac_stream *s, const void *buf, size_t len);
async int ac_close(ac_stream *s);
async int ac_server_close(ac_server *s);
async int ac_unix_connect(ac_stream **out, const char *path);
async int ac_shutdown(ac_stream *s);
async int ac_process_wait(ac_process *p, int64_t *exit_status, int *term_signal);
async int ac_read_file(const char *path, char **data, size_t *len);
async int ac_write_file(const char *path, const void *data, size_t len);
async int ac_poll_fd(int fd, int events);
async int ac_signal(int signum);
async ssize_t ac_udp_recv(ac_udp *u, void *buf, size_t cap,
                          struct sockaddr_storage *from);
async int ac_udp_send(ac_udp *u, const void *buf, size_t len,
                      const struct sockaddr *to);
async int ac_udp_close(ac_udp *u);
async int ac_getaddrinfo(const char *host, const char *service,
                         const struct addrinfo *hints, struct addrinfo **out);
async int ac_file_open(const char *path, int flags, int mode);
async ssize_t ac_file_read(int fd, void *buf, size_t len, int64_t offset);
async ssize_t ac_file_write(int fd, const void *buf, size_t len, int64_t offset);
async int ac_file_close(int fd);
async int ac_file_stat(const char *path, struct stat *st);
async int ac_queue_put(ac_queue *q, void *item);
async int ac_queue_get(ac_queue *q, void **item);
async int ac_sem_acquire(ac_sem *s);
async int ac_event_wait(ac_event *e);
#endif

/* Plain functions. */
int ac_cancelled(void);   /* nonzero when the current task is cancelled */
uint64_t ac_now_ms(void); /* loop time in milliseconds                   */
/* Every live task of this thread's loop, with the chain of coroutines it
 * is suspended in and the .ac line of each await (docs/API.md). */
void ac_dump_tasks(FILE *out);

#endif /* ASYNCC_ERASED */
#endif /* ASYNCC_H */
