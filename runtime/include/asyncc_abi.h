/*
 * asyncc_abi.h - the coroutine ABI shared by generated code and by
 * coroutines written by hand in plain C.
 *
 * Everything here has the ac_ prefix.  A coroutine is a frame struct whose
 * first member is an ac_coro header; the frame also holds the result (named
 * `ret` by convention), the parameters, the locals that live across awaits,
 * and the frames of the callees it awaits directly.  See docs/ABI.md for the
 * protocol in prose and a worked example.
 *
 * The vocabulary follows libuv's: an ac_coro is a suspended computation, an
 * ac_task is the unit of cancellation (one per async_run, gather child,
 * spawned child, with_timeout operand), and a "leaf" is a hand-written
 * coroutine that waits on libuv (a timer, a request, a stream) rather than on
 * another coroutine.
 */
#ifndef ASYNCC_ABI_H
#define ASYNCC_ABI_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "asyncc_errors.h"

/*
 * libuv's requests and handles live inside frames (an I/O await allocates
 * nothing), but code that includes asyncc.h must not see <uv.h>: it and the
 * system headers it pulls in define a thousand macros (MAX, MIN, isset,
 * B9600 ...).  So frames declare them with AC__UV(type): opaque storage of
 * libuv's size and alignment.  The runtime's own files define AC__RUNTIME
 * and see the real types; runtime/src/uv_sizes.c checks at compile time
 * that the two agree.  libuv 1.x keeps these sizes (its ABI promise).  A
 * platform whose sizes are not listed here gets <uv.h> itself instead, so
 * it works, with the macros.
 */
#if defined(__linux__) && UINTPTR_MAX == 0xffffffffffffffffu
#define AC__OPAQUE_UV 1
#define AC__OPAQUE(type, size)                                              \
    typedef union ac__opaque_##type {                                       \
        unsigned char bytes[size];                                          \
        void *align_ptr_;                                                   \
        uint64_t align_u64_;                                                \
    } ac__opaque_##type
AC__OPAQUE(uv_work_t, 128);
AC__OPAQUE(uv_getaddrinfo_t, 160);
AC__OPAQUE(uv_connect_t, 96);
AC__OPAQUE(uv_buf_t, 16);
AC__OPAQUE(uv_write_t, 192);
AC__OPAQUE(uv_fs_t, 440);
AC__OPAQUE(uv_udp_send_t, 320);
AC__OPAQUE(uv_poll_t, 160);
#undef AC__OPAQUE
#endif
#if defined(AC__OPAQUE_UV) && !defined(AC__RUNTIME)
#define AC__UV(type) ac__opaque_##type
#else
#include <uv.h>
#define AC__UV(type) type
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Error codes: AC_E* (asyncc_errors.h, which this header shares with
 * asyncc.h's every reading). */

typedef struct ac_coro ac_coro;
typedef struct ac_task ac_task;
typedef void (*ac_resume_fn)(ac_coro *co);
typedef void (*ac_cancel_fn)(ac_coro *co);

/* ac_coro.flags */
enum {
    AC_CORO_DONE = 1u << 0, /* ac_return has run; the result is readable     */
    AC_CORO_SYNC = 1u << 1, /* still inside the ac_await that started it     */
};

/* The common header: the first member of every frame. */
struct ac_coro {
    ac_resume_fn resume; /* called to start and to continue the coroutine  */
    ac_coro *waiter;     /* resumed when this one completes (NULL: a root) */
    ac_task *task;       /* the task this coroutine runs in                 */
    int state;           /* the resume point to continue at (0: start)      */
    unsigned flags;      /* AC_CORO_*                                        */
};

/* ac_task.flags */
enum {
    AC_TASK_CANCELLED = 1u << 0, /* ac_task_cancel was called              */
    AC_TASK_DONE = 1u << 1,      /* the root coroutine has returned         */
};

/*
 * A task: what cancellation acts on.  While a task waits, exactly one leaf
 * coroutine of it is pending (registered with ac_leaf_wait); cancelling the
 * task calls that leaf's cancel hook, which stops the underlying operation so
 * that the leaf completes (with AC_ECANCELED) soon after.  Composite waits
 * (gather, join, with_timeout) are leaves too: their hook cancels the child
 * tasks they wait on.  The struct is complete so it can be embedded.
 */
struct ac_task {
    ac_task *parent;        /* the task that started this one (or NULL)    */
    ac_coro *root;          /* the coroutine the task runs                 */
    ac_coro *leaf;          /* the pending leaf, or NULL while running      */
    ac_cancel_fn leaf_cancel;
    unsigned flags;         /* AC_TASK_*                                    */
    /* The name ac_task_set_name gave it, for dumps, or NULL.  The runtime
     * owns the copy (freed when the task ends, or when ac_run ends for a
     * task that never did); read it, never free or keep it. */
    const char *name;
};

/* ---- the resume protocol ------------------------------------------------ */

/*
 * Start `callee` (already initialised by its NAME__init) on behalf of
 * `caller`, which continues at resume point `state` afterwards.
 * Returns 0 when the callee completed without suspending: the caller goes on
 * at once, without touching the loop.  Returns 1 when the callee suspended:
 * the caller must return from its resume function; it is resumed (at
 * `state`) when the callee completes.
 */
int ac_await(ac_coro *caller, ac_coro *callee, int state);

/*
 * Complete `co`: sets AC_CORO_DONE and, when the waiter has already
 * suspended, resumes it.  The resume function must return right after
 * calling this and must not touch the frame again (the waiter may reuse or
 * free it).
 */
void ac_return(ac_coro *co);

/*
 * Resume `co` from outside coroutine code (a libuv callback).  Runs it, and
 * everything it makes ready, on a bounded C stack.
 */
void ac_wake(ac_coro *co);

/* The task whose coroutine is running now (NULL outside the loop). */
ac_task *ac_current_task(void);

/* Nonzero when `t` is being cancelled. */
int ac_task_cancelled(const ac_task *t);

/* Cancel `t`: marks it and cancels its pending leaf, if any.  Idempotent. */
void ac_task_cancel(ac_task *t);

/* Name the running task (for dumps): a copy of `name` is kept until the
 * task ends; NULL clears it.  Outside a task, or when out of memory, the
 * task is left without a name.  ac_task_name: the running task's name, or
 * NULL (the pointer is good until the name changes or the task ends). */
void ac_task_set_name(const char *name);
const char *ac_task_name(void);

/*
 * For leaves: `co` is about to suspend waiting on libuv; `cancel` (may be
 * NULL) stops that wait.  ac_leaf_done clears the registration before the
 * leaf completes.
 */
void ac_leaf_wait(ac_coro *co, ac_cancel_fn cancel);
void ac_leaf_done(ac_coro *co);

/* ---- what a task dump knows of a coroutine ------------------------------ *
 *
 * ac_dump_tasks (asyncc.h) names each suspended coroutine by the info
 * registered for its resume function: asyncc writes one per async function,
 * beside its frame, with the .ac line of every resume point, and registers
 * them from a constructor when the program starts; the runtime's leaves
 * register theirs with `describe`, which says what they wait on.  A
 * hand-written coroutine may register one too (docs/ABI.md); a dump shows
 * a coroutine without one by its resume function's address.  Nothing here
 * is read on the await path: only by dumps and by the gdb extension.
 */
typedef struct ac_fn_info ac_fn_info;
struct ac_fn_info {
    ac_resume_fn resume;    /* whose info this is                              */
    const char *name;       /* the function's name                             */
    const char *file;       /* its source file, as #line names it (or NULL)    */
    const unsigned *lines;  /* lines[k]: the line of resume point k, for
                               k = 1..npoints; lines[0]: the definition's     */
    unsigned npoints;
    /* Leaves: what `co` waits on, written into buf snprintf-style (the
     * length it wanted); NULL when the name says it all. */
    int (*describe)(const ac_coro *co, char *buf, size_t cap);
    const ac_fn_info *next; /* private: the registry's link                    */
    int registered;         /* private                                         */
};

/* Add `info` (static storage, never freed) to the process's registry:
 * thread-safe, and a second call with the same info does nothing. */
void ac_fn_register(ac_fn_info *info);

/* The info registered for `resume`, or NULL. */
const ac_fn_info *ac_fn_lookup(ac_resume_fn resume);

/* ---- frames on the heap --------------------------------------------------- */

/*
 * Size-class free lists for frames that cannot be embedded in the caller
 * (recursion, spawn, frames of functions defined in another file).
 */
void *ac_frame_alloc(size_t size);
void ac_frame_free(void *p, size_t size);

/* ---- frames whose type the caller does not see -------------------------------
 *
 * A pointer to an async function (DESIGN.md section 7), and an async
 * function defined in another file, are awaited through the function's
 * "entry": an ordinary C function with the async function's signature,
 * named like it, that asyncc generates beside the frame.  The caller calls
 * ac_dyn_begin, calls the entry (through the pointer, with the arguments),
 * and gets the callee's initialised frame from ac_dyn_end.  The entry
 * starts with ac_dyn_take; an entry called any other way -- plain C calling
 * an async function -- reports the misuse and aborts.  The frame comes from
 * ac_frame_alloc: ac_frame_free(d->co, d->size) releases it once the callee
 * has completed, and by convention its result is the member right after the
 * header (`ret`), so the caller reads it as ((struct { ac_coro co; T ret; }
 * *)d->co)->ret.  A hand-written coroutine that is to be awaited through a
 * pointer needs an entry too (docs/ABI.md).
 */
typedef struct ac_dyn {
    ac_coro *co;   /* the callee's frame, set by the entry             */
    size_t size;   /* its size, for ac_frame_free                      */
} ac_dyn;
void ac_dyn_begin(ac_dyn *d);
ac_coro *ac_dyn_end(ac_dyn *d);
ac_dyn *ac_dyn_take(const char *name);

/* ---- the loop --------------------------------------------------------------- */

/*
 * Run `root` (initialised, not started) as the main task of a new loop until
 * it completes, then close every handle the runtime opened.  Returns 0, or a
 * negative libuv error when the loop could not be set up, AC_EDEADLK when
 * the loop ran dry while the root was still waiting (nothing could ever wake
 * it), UV_EBUSY when called inside a running ac_run.  async_run(f(x))
 * is generated as an init + ac_run + read of the result.
 */
int ac_run(ac_coro *root);

/* What the last ac_run (async_run) of this thread returned: 0 after a
 * normal run, AC_EDEADLK when no task could make progress, < 0 when the
 * loop could not start.  0 before any run. */
int ac_last_run_status(void);

/* The loop of the running ac_run (NULL outside). */
struct uv_loop_s *ac_loop(void); /* libuv's uv_loop_t */

/* Runtime statistics, so tests can prove nothing leaks. */
typedef struct ac_stats_t {
    size_t live_tasks;   /* tasks started and not finished               */
    size_t frame_bytes;  /* bytes handed out by ac_frame_alloc, not freed */
    size_t open_handles; /* libuv handles the runtime has open            */
    size_t sleepers;     /* entries in the timer heap                     */
    size_t task_names;   /* names held for tasks (ac_task_set_name)       */
} ac_stats_t;
ac_stats_t ac_stats(void);

/* ---- leaf coroutines of the runtime --------------------------------------- */

/* Heap entry for ac_sleep: one per sleeping coroutine, no uv_timer_t each. */
typedef struct ac_timer_entry ac_timer_entry;
struct ac_timer_entry {
    uint64_t deadline;   /* loop time (ms) at which it fires               */
    uint64_t seq;        /* insertion order: equal deadlines fire in order */
    size_t index;        /* position in the heap, or SIZE_MAX when absent  */
    void (*fire)(ac_timer_entry *e); /* called on the loop when it is due  */
};

struct ac_sleep__frame {
    ac_coro co;
    int ret;
    uint64_t ms;
    ac_timer_entry timer;
};
void ac_sleep__init(struct ac_sleep__frame *f, uint64_t ms);

/* ac_yield: queued behind the I/O of one loop iteration (asyncio.sleep(0)). */
struct ac_yield__frame {
    ac_coro co;
    int ret;
    struct ac_yield__frame *next; /* runtime-private queue link */
};
void ac_yield__init(struct ac_yield__frame *f);

/*
 * to_thread: the generated thunk struct starts with this frame; `run` is
 * called on a libuv pool thread with a pointer to it, and writes the result
 * into the thunk.  ret is 0, or AC_ECANCELED when the work was cancelled
 * before it started.
 */
struct ac_to_thread__frame;
typedef void (*ac_thread_fn)(struct ac_to_thread__frame *w);
struct ac_to_thread__frame {
    ac_coro co;
    int ret;
    ac_thread_fn run;
    AC__UV(uv_work_t) req;
    int state;   /* runtime-private */
    int running; /* runtime-private: set (atomically) by the pool thread */
    size_t size; /* a thunk of its own allocation: its size; 0 embedded */
};
void ac_to_thread__init(struct ac_to_thread__frame *f, ac_thread_fn run);
/* A thunk allocated with ac_frame_alloc(size), as generated code makes
 * them: cancelled while the function runs on its pool thread, the await
 * returns AC_ECANCELED at once (with_timeout returns on time), and the
 * work goes on detached.  The awaiting code then hands the thunk back with
 * ac_to_thread_release, never frees it itself: the runtime frees it now,
 * or when the function has returned.  An embedded thunk (ac_to_thread__init)
 * makes a cancelled await wait for the function instead. */
void ac_to_thread__init_heap(struct ac_to_thread__frame *f, ac_thread_fn run, size_t size);
void ac_to_thread_release(struct ac_to_thread__frame *f);

/*
 * gather: the generated gather struct holds this frame, one ac_gather_child
 * per operand, and the operands' frames.  The generated code initialises
 * every operand's frame, fills in `co` (and `store`/`ctx` for operands of the
 * form LVALUE = CALL), then calls ac_gather__init.  Each operand runs as a
 * child task; `store(ctx)` runs when that operand completes without having
 * been cancelled.  ret: 0, or AC_ECANCELED when the gather was cancelled.
 */
typedef struct ac_gather_child {
    ac_task task;
    ac_coro *co;
    void (*store)(void *ctx);
    void *ctx;
} ac_gather_child;

struct ac_gather__frame {
    ac_coro co;
    int ret;
    ac_gather_child *children;
    size_t n;
    size_t pending;
};
void ac_gather__init(struct ac_gather__frame *f, ac_gather_child *children,
                     size_t n);

/*
 * Task groups and spawn.  spawn(G, x = f(a)) is generated as one allocation
 * from ac_frame_alloc holding an ac_spawn_child header, f's frame and the
 * lvalue's address:
 *
 *     struct g__spawn3 { ac_spawn_child hdr; struct f__frame c; int *p; };
 *
 * The generated code fills in co, store, ctx (the allocation) and
 * alloc_size, then calls ac_spawn, which starts the child at once (it runs
 * until its first suspension) and returns.  When the child finishes, store
 * (if not NULL and the child was not cancelled) runs, and the allocation is
 * freed.  ac_group is complete so it can live in a frame.
 */
typedef struct ac_group ac_group;
typedef struct ac_spawn_child ac_spawn_child;
struct ac_spawn_child {
    ac_task task;
    ac_coro *co;              /* the child's frame, inside the allocation  */
    void (*store)(void *ctx); /* NULL when the result is discarded         */
    void *ctx;                /* the allocation                            */
    size_t alloc_size;        /* its size, for ac_frame_free              */
    ac_group *group;          /* runtime-private from here on              */
    void (*release)(void *ctx);
    ac_spawn_child *prev, *next;
};
struct ac_group {
    ac_spawn_child *head; /* running children                          */
    size_t live;          /* how many                                  */
    ac_coro *joiner;      /* the ac_join(_one) waiting on them, or NULL */
    unsigned flags;       /* runtime-private                           */
    size_t finished;      /* finishes ac_join_one has yet to report    */
    ac_group *prev, *next; /* runtime-private: the loop's groups with
                              running children (task dumps)              */
};
void ac_spawn(ac_group *g, ac_spawn_child *c);
/* ac_spawn, and `release(ctx)` runs when the child has finished, after the
 * store and whether or not the child was cancelled, before the allocation
 * is freed: it gives back frames the allocation only points to. */
void ac_spawn_release(ac_group *g, ac_spawn_child *c, void (*release)(void *ctx));

struct ac_join__frame {
    ac_coro co;
    int ret;
    ac_group *g;
};
void ac_join__init(struct ac_join__frame *f, ac_group *g);

/*
 * ac_join_one: 0 when one more child of g has finished (finishes not yet
 * reported are reported first, one per call, oldest first), 1 at once when
 * no child is running and none is left to report, AC_ECANCELED when the
 * joining task is cancelled (the children go on: only the wait stops),
 * UV_EBUSY while another ac_join or ac_join_one waits on g.  ac_join
 * reports every finish: after it returns, ac_join_one returns 1.
 */
struct ac_join_one__frame {
    ac_coro co;
    int ret;
    ac_group *g;
};
void ac_join_one__init(struct ac_join_one__frame *f, ac_group *g);

/*
 * with_timeout(MS, x = f(a)): the generated struct holds this frame, f's
 * frame and the lvalue's address; ac_with_timeout__init takes the operand's
 * (initialised) frame.  ret: 0 when the operand finished first, AC_ETIMEDOUT
 * when the deadline won (the operand was cancelled and has finished), or
 * AC_ECANCELED when the awaiting task itself was cancelled.
 */
struct ac_with_timeout__frame {
    ac_coro co;
    int ret;
    ac_gather_child child; /* the operand, run as a child task */
    ac_timer_entry timer;
    uint64_t ms;
    int phase;             /* runtime-private */
};
void ac_with_timeout__init(struct ac_with_timeout__frame *f, uint64_t ms,
                           ac_coro *operand, void (*store)(void *ctx),
                           void *ctx);

/* ==== I/O and coordination (runtime/src/{tcp,process,fs,poll,signal,sync}.c) ====
 *
 * Every leaf below follows the frame convention: struct NAME__frame starts
 * with the ac_coro header, then `ret`, then the parameters in order, then
 * state private to the runtime.  NAME__init copies the parameters and sets
 * the resume function; the caller then ac_await()s the frame.  All of them
 * return AC_ECANCELED at once when the task is already being cancelled, and
 * report failures as negative libuv error codes.
 */

/* The message for an error code the runtime returned: libuv's codes,
 * asyncc's own AC_E* above, and the codes of the optional libraries (works
 * erased too).  Never NULL. */
const char *ac_strerror(int err);

/* Readiness bits for ac_poll_fd (the same values as libuv's). */
#define AC_READABLE 1 /* UV_READABLE (uv_sizes.c checks) */
#define AC_WRITABLE 2 /* UV_WRITABLE */

/* Stream objects live on the heap; ac_close / ac_server_close free them.
 * An ac_stream is any libuv stream (TCP, a Unix-domain socket, a pipe, a
 * tty); an ac_server listens on TCP or on a Unix-domain socket.  A child
 * process is an ac_process (ac_process_wait frees it). */
typedef struct ac_server ac_server;
typedef struct ac_stream ac_stream;
/* A UDP socket (udp.c); ac_udp_close frees it. */
typedef struct ac_udp ac_udp;
/* A child process (process.c); ac_process_wait frees it. */
typedef struct ac_process ac_process;

/* Plain functions.  ac_tcp_listen resolves `host` synchronously (a numeric
 * address never blocks; NULL or "" means every IPv4 interface). */
int ac_tcp_listen(ac_server **out, const char *host, int port);
int ac_server_port(const ac_server *s);

/* ac_tcp_listen with flags.  AC_TCP_REUSEPORT sets SO_REUSEPORT before
 * binding, so several processes (each with its own loop) can listen on one
 * port and the kernel spreads the connections among them; it binds the
 * first address `host` resolves to.  Unknown flags: UV_EINVAL. */
#define AC_TCP_REUSEPORT 1u
int ac_tcp_listen_ex(ac_server **out, const char *host, int port,
                     unsigned flags);

/* Waits for a connection; *out is the new stream.  Several tasks may wait on
 * one server (served in order).  A waiting accept whose server is closed
 * returns UV_ECANCELED; an accept on a closed server, UV_EBADF. */
struct ac_accept__frame {
    ac_coro co;
    int ret;
    ac_server *s;
    ac_stream **out;
    struct ac_accept__frame *prev, *next; /* the server's waiter list */
};
void ac_accept__init(struct ac_accept__frame *f, ac_server *s,
                     ac_stream **out);

/* Resolves `host` (a numeric address at once, a name with getaddrinfo on
 * the thread pool) and tries every address in turn; *out is NULL on
 * failure (the last address's error, e.g. UV_ECONNREFUSED). */
struct ac_tcp_connect__frame {
    ac_coro co;
    int ret;
    ac_stream **out;
    const char *host;
    int port;
    /* private */
    int phase;
    int err;
    ac_stream *stream;
    struct addrinfo *ai_list, *ai_next;
    AC__UV(uv_getaddrinfo_t) gai;
    AC__UV(uv_connect_t) req;
};
void ac_tcp_connect__init(struct ac_tcp_connect__frame *f, ac_stream **out,
                          const char *host, int port);

/* Reads straight into buf: >0 bytes, 0 at EOF, <0 an error (a reset peer:
 * UV_ECONNRESET).  EOF and errors are sticky.  One reader per stream at a
 * time (another gets UV_EALREADY); a read pending when the stream is closed
 * returns UV_ECANCELED.  Cancelling a read loses no data. */
struct ac_read__frame {
    ac_coro co;
    ssize_t ret;
    ac_stream *s;
    void *buf;
    size_t cap;
};
void ac_read__init(struct ac_read__frame *f, ac_stream *s, void *buf,
                   size_t cap);

/* 0 once all of buf is written (or handed to the kernel), else <0.  Tries
 * to write without suspending first.  Cancelling a write that had to wait
 * closes the stream (libuv cannot take a queued write back): later
 * operations return UV_EBADF; ac_close still frees it. */
struct ac_write__frame {
    ac_coro co;
    int ret;
    ac_stream *s;
    const void *buf;
    size_t len;
    /* private */
    int pending;
    AC__UV(uv_buf_t) ubuf;
    AC__UV(uv_write_t) req;
};
void ac_write__init(struct ac_write__frame *f, ac_stream *s, const void *buf,
                    size_t len);

/* Closes and frees the stream (ac_server_close: the server).  In a cancelled
 * task they still close (cleanup must not leak) but return AC_ECANCELED at
 * once instead of waiting for the close to complete.  Streams and servers
 * never closed are closed and freed when ac_run ends. */
struct ac_close__frame {
    ac_coro co;
    int ret;
    ac_stream *s;
};
void ac_close__init(struct ac_close__frame *f, ac_stream *s);

struct ac_server_close__frame {
    ac_coro co;
    int ret;
    ac_server *s;
};
void ac_server_close__init(struct ac_server_close__frame *f, ac_server *s);

/* ---- streams beyond TCP ---------------------------------------------------- */

/* Listen on a Unix-domain socket at `path` (created by the bind: an
 * existing file gives UV_EADDRINUSE; removed when the server is closed).
 * ac_server_port of such a server returns UV_EAFNOSUPPORT. */
int ac_unix_listen(ac_server **out, const char *path);

/* Wrap an open descriptor: a pipe, a tty or a stream socket (TCP or Unix),
 * as uv_guess_handle classifies it; anything else gives UV_EINVAL.  On
 * success the stream owns fd (ac_close closes it, except 0, 1 and 2). */
int ac_stream_open(ac_stream **out, int fd);

/* Connect to the Unix-domain socket at `path`; *out is NULL on failure
 * (UV_ENOENT: no such file; UV_ECONNREFUSED: nobody listens). */
struct ac_unix_connect__frame {
    ac_coro co;
    int ret;
    ac_stream **out;
    const char *path;
    /* private */
    ac_stream *stream;
    AC__UV(uv_connect_t) req;
};
void ac_unix_connect__init(struct ac_unix_connect__frame *f, ac_stream **out,
                           const char *path);

/* No more writes: once the queued writes are out, the peer reads EOF.
 * Reading goes on.  0, or < 0 (UV_ENOTCONN for a second shutdown).  A
 * cancelled shutdown stops waiting; the FIN still goes out. */
struct ac_shutdown__frame {
    ac_coro co;
    int ret;
    ac_stream *s;
};
void ac_shutdown__init(struct ac_shutdown__frame *f, ac_stream *s);

/* ---- child processes (runtime/src/process.c) --------------------------------
 *
 * Spawn argv[0] (searched in PATH) with argv.  For each of the three
 * stream pointers: NULL, the child inherits the parent's descriptor;
 * otherwise a pipe, and *ptr gets the ac_stream the caller writes
 * (to_stdin) or reads (from_stdout, from_stderr) and ac_closes.  On
 * failure (UV_ENOENT: no such program) *out and every *ptr are NULL and
 * nothing is left open.  A child still running when ac_run ends is killed
 * (SIGKILL) and reaped. */
int ac_process_spawn(ac_process **out, const char *const argv[],
                     ac_stream **to_stdin, ac_stream **from_stdout,
                     ac_stream **from_stderr);

/* Waits for the child to exit (it may have exited already: the status is
 * kept).  0: *exit_status and *term_signal (either may be NULL) are set,
 * and p is freed.  < 0 (AC_ECANCELED; UV_EALREADY when another task
 * waits): p stays valid. */
struct ac_process_wait__frame {
    ac_coro co;
    int ret;
    ac_process *p;
    int64_t *exit_status;
    int *term_signal;
};
void ac_process_wait__init(struct ac_process_wait__frame *f, ac_process *p,
                           int64_t *exit_status, int *term_signal);

/* Send signum to the child: 0, or < 0 (UV_ESRCH once it has exited). */
int ac_process_kill(ac_process *p, int signum);
/* The child's process id. */
int ac_process_pid(const ac_process *p);

/* Whole files, on the libuv thread pool.  *data is malloc'd and
 * NUL-terminated (the NUL is not counted in *len). */
struct ac_read_file__frame {
    ac_coro co;
    int ret;
    const char *path;
    char **data;
    size_t *len;
    /* private */
    int phase;
    int err;
    int fd;
    char *buf;
    size_t size, cap;
    AC__UV(uv_fs_t) req;
};
void ac_read_file__init(struct ac_read_file__frame *f, const char *path,
                        char **data, size_t *len);

struct ac_write_file__frame {
    ac_coro co;
    int ret;
    const char *path;
    const void *data;
    size_t len;
    /* private */
    int phase;
    int err;
    int fd;
    size_t done;
    AC__UV(uv_fs_t) req;
};
void ac_write_file__init(struct ac_write_file__frame *f, const char *path,
                         const void *data, size_t len);

/* Files by descriptor, one uv_fs request each on the thread pool.  A
 * request already running when its task is cancelled runs to its end; the
 * call then returns AC_ECANCELED (an open's descriptor is closed again). */
struct ac_file_open__frame {
    ac_coro co;
    int ret;            /* the descriptor (O_CLOEXEC), or < 0 */
    const char *path;
    int flags;
    int mode;
    /* private */
    int phase;
    AC__UV(uv_fs_t) req;
};
void ac_file_open__init(struct ac_file_open__frame *f, const char *path,
                        int flags, int mode);

/* One read(2) or pread(2): bytes read (0 at end of file), or < 0.
 * offset -1: at the descriptor's current position (which advances). */
struct ac_file_read__frame {
    ac_coro co;
    ssize_t ret;
    int fd;
    void *buf;
    size_t len;
    int64_t offset;
    /* private */
    AC__UV(uv_fs_t) req;
};
void ac_file_read__init(struct ac_file_read__frame *f, int fd, void *buf,
                        size_t len, int64_t offset);

/* One write(2) or pwrite(2): bytes written (may be fewer than len), or < 0. */
struct ac_file_write__frame {
    ac_coro co;
    ssize_t ret;
    int fd;
    const void *buf;
    size_t len;
    int64_t offset;
    /* private */
    AC__UV(uv_fs_t) req;
};
void ac_file_write__init(struct ac_file_write__frame *f, int fd,
                         const void *buf, size_t len, int64_t offset);

/* Always closes, even in a cancelled task (then at once, on the loop
 * thread, returning AC_ECANCELED). */
struct ac_file_close__frame {
    ac_coro co;
    int ret;
    int fd;
    /* private */
    AC__UV(uv_fs_t) req;
};
void ac_file_close__init(struct ac_file_close__frame *f, int fd);

/* stat(2) into *st (filled from libuv's uv_stat_t; untouched on error). */
struct ac_file_stat__frame {
    ac_coro co;
    int ret;
    const char *path;
    struct stat *st;
    /* private */
    AC__UV(uv_fs_t) req;
};
void ac_file_stat__init(struct ac_file_stat__frame *f, const char *path,
                        struct stat *st);

/* ---- UDP (udp.c) ---------------------------------------------------------- */

/* Binds a new socket to host:port (port 0: any free port; host NULL or "":
 * every IPv4 interface; a name is resolved synchronously, a numeric
 * address never blocks).  0, or < 0 with *out NULL. */
int ac_udp_bind(ac_udp **out, const char *host, int port);
/* The bound port, or < 0. */
int ac_udp_port(const ac_udp *u);

/* Waits for one datagram: its length in bytes (0 for an empty datagram),
 * at most cap: the rest of a longer datagram is discarded.  *from (if not
 * NULL) is the sender's address.  One receiver per socket at a time
 * (another gets UV_EALREADY); a receive pending when the socket is closed
 * returns AC_ECANCELED.  Cancelling a receive loses no datagram. */
struct ac_udp_recv__frame {
    ac_coro co;
    ssize_t ret;
    ac_udp *u;
    void *buf;
    size_t cap;
    struct sockaddr_storage *from;
};
void ac_udp_recv__init(struct ac_udp_recv__frame *f, ac_udp *u, void *buf,
                       size_t cap, struct sockaddr_storage *from);

/* Sends one datagram to `to`: 0, or < 0.  Tries without suspending first.
 * A send that had to wait is not taken back when its task is cancelled:
 * it completes (the datagram may have gone out) and returns AC_ECANCELED. */
struct ac_udp_send__frame {
    ac_coro co;
    int ret;
    ac_udp *u;
    const void *buf;
    size_t len;
    const struct sockaddr *to;
    /* private */
    AC__UV(uv_udp_send_t) req;
};
void ac_udp_send__init(struct ac_udp_send__frame *f, ac_udp *u,
                       const void *buf, size_t len, const struct sockaddr *to);

/* Closes and frees the socket, like ac_close. */
struct ac_udp_close__frame {
    ac_coro co;
    int ret;
    ac_udp *u;
};
void ac_udp_close__init(struct ac_udp_close__frame *f, ac_udp *u);

/* ---- names (dns.c) ----------------------------------------------------------- */

/* getaddrinfo(3) on the thread pool: 0 with *out a list the caller frees
 * with freeaddrinfo(), or < 0 (AC_EAI_*) with *out NULL.  Cancelling takes
 * a queued lookup back; one already running is waited for and its result
 * freed. */
struct ac_getaddrinfo__frame {
    ac_coro co;
    int ret;
    const char *host;
    const char *service;
    const struct addrinfo *hints;
    struct addrinfo **out;
    /* private */
    AC__UV(uv_getaddrinfo_t) req;
};
void ac_getaddrinfo__init(struct ac_getaddrinfo__frame *f, const char *host,
                          const char *service, const struct addrinfo *hints,
                          struct addrinfo **out);

/* Readiness of a file descriptor: returns the ready mask (AC_READABLE |
 * AC_WRITABLE), or <0.  One pending ac_poll_fd per fd at a time (libuv
 * allows one poll handle per descriptor; a second gets UV_EEXIST), and the
 * descriptor is switched to nonblocking mode (uv_poll_init does that). */
struct ac_poll_fd__frame {
    ac_coro co;
    int ret;
    int fd;
    int events;
    /* private */
    int result;
    AC__UV(uv_poll_t) handle;
};
void ac_poll_fd__init(struct ac_poll_fd__frame *f, int fd, int events);

/* ---- coordination between tasks ------------------------------------------ */

/* A waiter on a queue, semaphore or event: an intrusive list node that the
 * leaf frames below embed. */
typedef struct ac_waitq_node ac_waitq_node;
struct ac_waitq_node {
    ac_waitq_node *prev, *next;
    ac_coro *co;
};
typedef struct ac_waitq {
    ac_waitq_node *head, *tail;
} ac_waitq;

/* Waits for one delivery of `signum`: 0, or < 0 (UV_EINVAL for a signal
 * that cannot be caught).  From the first wait on `signum` until the loop
 * ends the signal is caught: a delivery wakes every task waiting for it
 * then; deliveries while none waits are counted, and the next wait takes
 * one and returns at once.  So a signal never kills the process because a
 * wait ended. */
struct ac_signal__frame {
    ac_coro co;
    int ret;
    int signum;
    /* private */
    ac_waitq_node node;
};
void ac_signal__init(struct ac_signal__frame *f, int signum);

/* FIFO of void * items.  capacity 0: unbounded (like asyncio.Queue). */
typedef struct ac_queue {
    void **items;
    size_t cap;      /* slots allocated                          */
    size_t limit;    /* capacity given to ac_queue_init (0: none) */
    size_t head;     /* index of the oldest item                  */
    size_t count;
    ac_waitq getters, putters;
    int closed;      /* ac_queue_close was called                 */
} ac_queue;
void ac_queue_init(ac_queue *q, size_t capacity);
void ac_queue_destroy(ac_queue *q); /* waiters complete with AC_ECANCELED */
size_t ac_queue_size(const ac_queue *q);
/* No more items: waiting and later puts return AC_ECLOSED; gets return
 * the items still queued, then AC_ECLOSED (waiting gets too).  Idempotent;
 * ac_queue_destroy is still needed. */
void ac_queue_close(ac_queue *q);

struct ac_queue_put__frame {
    ac_coro co;
    int ret;
    ac_queue *q;
    void *item;
    ac_waitq_node node;
};
void ac_queue_put__init(struct ac_queue_put__frame *f, ac_queue *q,
                        void *item);

struct ac_queue_get__frame {
    ac_coro co;
    int ret;
    ac_queue *q;
    void **item;
    ac_waitq_node node;
};
void ac_queue_get__init(struct ac_queue_get__frame *f, ac_queue *q,
                        void **item);

typedef struct ac_sem {
    long permits;
    ac_waitq waiters;
} ac_sem;
void ac_sem_init(ac_sem *s, int permits);
void ac_sem_release(ac_sem *s);

struct ac_sem_acquire__frame {
    ac_coro co;
    int ret;
    ac_sem *s;
    ac_waitq_node node;
};
void ac_sem_acquire__init(struct ac_sem_acquire__frame *f, ac_sem *s);

typedef struct ac_event {
    int is_set;
    ac_waitq waiters;
} ac_event;
void ac_event_init(ac_event *e);
void ac_event_set(ac_event *e);   /* wakes every waiter; stays set */
void ac_event_clear(ac_event *e); /* later waits suspend again     */
int ac_event_is_set(const ac_event *e);

struct ac_event_wait__frame {
    ac_coro co;
    int ret;
    ac_event *e;
    ac_waitq_node node;
};
void ac_event_wait__init(struct ac_event_wait__frame *f, ac_event *e);

/* Groups (plain functions; spawn and ac_join are above). */
void ac_group_init(ac_group *g);
void ac_group_cancel(ac_group *g);

/* ---- the names generated code calls ------------------------------------------
 *
 * Code that asyncc generates calls the runtime by these names.  C reserves
 * identifiers that begin with two underscores for the implementation, so no
 * identifier of the user's program can hide them (a local variable named
 * ac_await or ac_return would hide the functions above).
 */
static inline int __ac_await(ac_coro *caller, ac_coro *callee, int state)
{
    return ac_await(caller, callee, state);
}
static inline void __ac_return(ac_coro *co) { ac_return(co); }
static inline void *__ac_frame_alloc(size_t size) { return ac_frame_alloc(size); }
static inline void __ac_frame_free(void *p, size_t size) { ac_frame_free(p, size); }
static inline void __ac_to_thread__init_heap(struct ac_to_thread__frame *f, ac_thread_fn run,
                                             size_t size)
{
    ac_to_thread__init_heap(f, run, size);
}
static inline void __ac_to_thread_release(struct ac_to_thread__frame *f)
{
    ac_to_thread_release(f);
}
static inline int __ac_run(ac_coro *root) { return ac_run(root); }
/* async_run of a function with a result: when the run fails (a deadlock,
 * a nested async_run) the result was never written; it reads as zero. */
static inline void __ac_run_ret(ac_coro *root, void *ret, size_t size)
{
    if (ac_run(root) != 0)
        __builtin_memset(ret, 0, size);
}
static inline void __ac_gather__init(struct ac_gather__frame *f, ac_gather_child *children,
                                     size_t n)
{
    ac_gather__init(f, children, n);
}
static inline void __ac_with_timeout__init(struct ac_with_timeout__frame *f, uint64_t ms,
                                           ac_coro *operand, void (*store)(void *ctx),
                                           void *ctx)
{
    ac_with_timeout__init(f, ms, operand, store, ctx);
}
static inline void __ac_to_thread__init(struct ac_to_thread__frame *f, ac_thread_fn run)
{
    ac_to_thread__init(f, run);
}
static inline void __ac_spawn(ac_group *g, ac_spawn_child *c) { ac_spawn(g, c); }
static inline void __ac_spawn_release(ac_group *g, ac_spawn_child *c, void (*release)(void *))
{
    ac_spawn_release(g, c, release);
}
static inline void __ac_dyn_begin(ac_dyn *d) { ac_dyn_begin(d); }
static inline ac_coro *__ac_dyn_end(ac_dyn *d) { return ac_dyn_end(d); }
static inline ac_dyn *__ac_dyn_take(const char *name) { return ac_dyn_take(name); }
static inline void __ac_fn_register(ac_fn_info *info) { ac_fn_register(info); }

#ifdef __cplusplus
}
#endif
#endif /* ASYNCC_ABI_H */
