/*
 * internal.h - the private interface between the runtime's source files.
 *
 * Nothing here is public ABI: generated code and users see asyncc_abi.h and
 * asyncc.h only.  Everything has the ac__ prefix (double underscore).
 *
 * One loop per thread: every thread that calls ac_run gets its own loop,
 * tasks, timers, free lists and registries of live objects, so the state
 * the runtime's files keep is _Thread_local, and all of this is called on
 * the thread of the loop it belongs to (the one exception is ac_to_thread's
 * work callback, which touches its own frame and nothing here).  What is
 * process-wide is guarded: ac_strerror's ranges (a lock), SIGPIPE and
 * libcurl's global set-up (pthread_once).  ac_run is not re-entrant within
 * a thread.
 *
 * ---- How a leaf coroutine is written (the pattern every I/O leaf follows)
 *
 *   static void my_leaf__resume(ac_coro *co) {
 *       struct my_leaf__frame *f = (struct my_leaf__frame *)co;
 *       switch (co->state) {
 *       case 0:
 *           if (ac_task_cancelled(co->task)) {   // cancelled task: at once
 *               f->ret = AC_ECANCELED;
 *               ac_return(co);
 *               return;
 *           }
 *           ...start the libuv operation; on a synchronous error set f->ret
 *           and ac_return(co) right here...
 *           ac_leaf_wait(co, my_leaf__cancel);   // now the task's leaf
 *           co->state = 1;
 *           return;                              // suspended
 *       case 1:                                  // woken by ac__leaf_finish
 *           ac_return(co);
 *           return;
 *       }
 *   }
 *
 *   libuv callback:   f->ret = result; ac__leaf_finish(&f->co);
 *   cancel hook:      stop the operation; then either complete now with
 *                     f->ret = AC_ECANCELED; ac__leaf_finish(co) (safe: inside
 *                     ac_task_cancel this only queues the wake-up), or let
 *                     the operation's own callback complete it later (that
 *                     is what to_thread does while its work is running).
 *
 * ---- Drivers and the ready queue
 *
 * Resume calls nest on the C stack (ac_await runs the callee, ac_return runs
 * the waiter) at most AC__MAX_DEPTH deep; beyond that the coroutine goes on
 * a FIFO ready queue instead and the stack unwinds.  The queue is drained by
 * the outermost "driver": ac_wake, ac__leave, ac_run.  Code that runs from a
 * libuv callback and may resume coroutines more than once, or must finish
 * its own bookkeeping before any coroutine runs, brackets itself with
 * ac__enter() / ac__leave(): inside the bracket ac_wake only queues, and the
 * outermost ac__leave drains.  ac_task_cancel brackets itself, so a cancel
 * hook never runs coroutines inside the canceller's stack; when the
 * canceller itself is bracketed (every runtime callback, the timer heap's
 * fire calls), nothing runs until the canceller is done.
 *
 * Cancel hooks that cancel other tasks (gather, join, with_timeout): an
 * ac_task_cancel made inside a hook only marks the task and puts it on a
 * worklist; the outermost ac_task_cancel calls its leaf's hook after the
 * current hook returned.  So cancellation of tasks nested a million deep
 * takes no C stack, and a hook must not expect a child's leaf to have been
 * cancelled when its own ac_task_cancel(child) returns (only marked).
 */
#ifndef AC_INTERNAL_H
#define AC_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The runtime sees libuv's own types in frames (asyncc_abi.h, AC__UV). */
#define AC__RUNTIME 1
#include "asyncc_abi.h"

/* Deepest nesting of direct resume calls before the ready queue takes over. */
#define AC__MAX_DEPTH 128

#define AC__CONTAINER_OF(ptr, type, member) \
    ((type *)((char *)(ptr) - offsetof(type, member)))

/*
 * The runtime's registries of live objects (streams, servers, spawned
 * children, sockets, transfers, connections, pools) are intrusive doubly
 * linked lists: a head pointer, and `prev`/`next` members in each node,
 * NULL at both ends.  Push at the front; remove from anywhere in O(1).
 */
#define AC__LIST_PUSH(head, node)                                          \
    do {                                                                   \
        (node)->prev = NULL;                                               \
        (node)->next = (head);                                             \
        if ((head) != NULL)                                                \
            (head)->prev = (node);                                         \
        (head) = (node);                                                   \
    } while (0)
#define AC__LIST_REMOVE(head, node)                                        \
    do {                                                                   \
        if ((node)->prev != NULL)                                          \
            (node)->prev->next = (node)->next;                             \
        else                                                               \
            (head) = (node)->next;                                         \
        if ((node)->next != NULL)                                          \
            (node)->next->prev = (node)->prev;                             \
        (node)->prev = (node)->next = NULL;                                \
    } while (0)

/* Initialise a coroutine header (what every NAME__init does first). */
static inline void ac__coro_init(ac_coro *co, ac_resume_fn resume)
{
    co->resume = resume;
    co->waiter = NULL;
    co->task = NULL;
    co->state = 0;
    co->flags = 0;
}

/* ---- drivers (coro.c) ---------------------------------------------------- */

/* Bracket code that wakes coroutines from a libuv callback (see above). */
void ac__enter(void);
void ac__leave(void);

/* Queue `co` to be resumed by the current driver; never runs it now.  Only
 * inside coroutine code or an ac__enter bracket (otherwise nothing would
 * drain the queue until the next driver runs): elsewhere use ac_wake. */
void ac__ready(ac_coro *co);

/*
 * Complete a suspended leaf from a libuv callback or a cancel hook: clears
 * the task's leaf registration and wakes the leaf (whose resume function
 * then calls ac_return).  Set the result first.
 */
void ac__leaf_finish(ac_coro *co);

/* ---- tasks (coro.c) ------------------------------------------------------- */

/*
 * Start `co` (initialised, not started) as the root of the new task `t`,
 * a child of `parent` (may be NULL).  Fills in t (parent, root, leaf = NULL,
 * flags = 0), co->task = t, co->waiter = owner, counts t in live_tasks and
 * runs co (or queues it when the stack is deep).
 *
 * Returns 1 when the task finished during the call (the owner is NOT
 * resumed for it: handle it inline), 0 when it is still running.
 *
 * When a running child task finishes later, AC_TASK_DONE is set and `owner`
 * is resumed (its resume function runs with its current state); at the
 * entry of that resume call ac__finished_task() returns `t`.  Read it first
 * thing.  An owner need not be a real frame: a static ac_coro whose resume
 * function acts as a "task finished" callback works (its task may be NULL).
 * With owner == NULL nobody is told (ac_run's main task).
 *
 * How the runtime uses it: gather passes its own frame as owner for every
 * child; with_timeout and spawn do the same with their frame / a reaper.
 */
int ac__task_start(ac_task *t, ac_task *parent, ac_coro *co, ac_coro *owner);

/* The child task whose completion caused the current owner resume, else NULL. */
ac_task *ac__finished_task(void);

/* ---- the timer heap (timer.c) -------------------------------------------- */

/* Mark an entry as not in the heap (index = SIZE_MAX). */
void ac__timer_init(ac_timer_entry *e);

/*
 * Insert `e` to fire `ms` after the loop's now.  Entries with equal
 * deadlines fire in start order.  `fire` runs on the loop inside an
 * ac__enter/ac__leave bracket (so ac_wake / ac__leaf_finish only queue), after
 * `e` has left the heap.  Returns 0, UV_EINVAL outside ac_run, UV_ENOMEM.
 * Starting an entry that is already in the heap restarts it.
 */
int ac__timer_start(ac_timer_entry *e, uint64_t ms,
                    void (*fire)(ac_timer_entry *e));

/* Remove `e` from the heap if it is there.  Idempotent. */
void ac__timer_stop(ac_timer_entry *e);

/* Nonzero while `e` is in the heap. */
int ac__timer_active(const ac_timer_entry *e);

/* ---- handles, shutdown, state (loop.c) ------------------------------------- */

/*
 * Handle accounting for ac_stats().open_handles: call ac__handle_opened()
 * after every successful uv_*_init of a handle, ac__handle_closed() in its
 * close callback.
 */
void ac__handle_opened(void);
void ac__handle_closed(void);

/*
 * Closing at the end of ac_run.  Once the main task is done (or the loop has
 * run dry), ac_run: (1) sets ac__closing(), from then on ac_wake and the
 * ready queue drop every coroutine instead of running it; (2) calls every
 * registered shutdown hook, newest first: a hook must stop its module's work
 * and uv_close its handles with its own close callbacks (freeing what they
 * own, calling ac__handle_closed); (3) uv_close's any handle still open on
 * the loop with a callback that only counts it; (4) runs the loop until
 * every close callback and every in-flight request callback has run;
 * (5) closes the loop and frees the runtime's memory.
 *
 * Register a hook (a static struct, idempotent, cheap: call it whenever the
 * module opens something).  Hooks are unregistered after they ran.
 */
typedef struct ac__shutdown_hook ac__shutdown_hook;
struct ac__shutdown_hook {
    void (*fn)(void);
    ac__shutdown_hook *next; /* private */
    int registered;          /* private */
};
void ac__on_shutdown(ac__shutdown_hook *h);

/* Nonzero while ac_run shuts down (coroutines no longer run). */
int ac__closing(void);

/* ac_stats counters kept by other modules. */
void ac__live_tasks_add(long delta);

/* ---- waiter lists (sync.c) ------------------------------------------------ */

/* The intrusive FIFO of ac_queue, ac_sem and ac_event, for other modules
 * whose waiters queue the same way (libasyncc_pg's pool).  push records
 * `co` in the node and appends it; remove unlinks a node that is on `q`;
 * pop unlinks and returns the oldest node, or NULL. */
void ac__waitq_push(ac_waitq *q, ac_waitq_node *n, ac_coro *co);
void ac__waitq_remove(ac_waitq *q, ac_waitq_node *n);
ac_waitq_node *ac__waitq_pop(ac_waitq *q);

/* ---- streams for protocol libraries and processes (tcp.c) ------------------- */

/*
 * A sink reads a stream continuously into its owner's buffer: libuv keeps
 * the socket in the poll set and calls back once per arrival, instead of
 * ac_read's start/stop around every call.  The HTTP server parses requests
 * this way.  A stream has either a sink or ac_read callers, never both
 * (ac_read returns UV_EALREADY while a sink is attached).
 *
 * alloc: where the next bytes may go.  A zero-length buffer pauses reading
 *        (the sink restarts it with ac__stream_sink_start once it has room).
 * data:  n > 0 bytes arrived in the buffer alloc gave; n < 0: UV_EOF or a
 *        read error (sticky; reading has stopped), or UV_ECANCELED when the
 *        stream is being closed by someone else (the sink is detached).
 *        Called last by tcp.c: it may release the stream.
 */
typedef struct ac__sink ac__sink;
struct ac__sink {
    void (*alloc)(ac__sink *k, uv_buf_t *buf);
    void (*data)(ac__sink *k, ssize_t n);
};

/* Attach `k` (if not yet) and make sure reading runs.  0; UV_EOF or the
 * sticky read error once one was seen; UV_EBADF on a closing stream;
 * UV_EALREADY when an ac_read is pending or another sink is attached. */
int ac__stream_sink_start(ac_stream *s, ac__sink *k);
/* Stop reading for now; the sink stays attached. */
void ac__stream_sink_pause(ac_stream *s);
/* Write what fits without waiting: bytes written, or < 0 (UV_EAGAIN). */
int ac__stream_try_write(ac_stream *s, const void *buf, size_t len);
/* Send FIN once the queued writes are out (once; errors are ignored later:
 * a closed stream cancels it).  0 or < 0. */
int ac__stream_shutdown(ac_stream *s);
/* A new stream over a uv_pipe_t that is initialised but not open (for
 * uv_spawn's UV_CREATE_PIPE), and the handle of any stream.  The stream is
 * registered like every other: ac__stream_release gives it up. */
int ac__stream_new_pipe(ac_stream **out);
uv_stream_t *ac__stream_uv(ac_stream *s);
/* Bytes queued for writing and not yet taken by the kernel. */
size_t ac__stream_write_queue(const ac_stream *s);
/* Close the handle now, keeping the object for its owner: pending writes
 * complete with UV_ECANCELED, the sink is told (UV_ECANCELED), later
 * operations fail; the owner still releases it. */
void ac__stream_abort(ac_stream *s);
/* The owner gives the stream up (like ac_close, without waiting): the sink
 * is detached without being called, the handle closed, the memory freed
 * when the close completes.  Idempotent. */
void ac__stream_release(ac_stream *s);

/* Map a libc getaddrinfo() failure (EAI_*) to libuv's code (UV_EAI_*, or
 * the negated errno of EAI_SYSTEM). */
int ac__gai_error(int e);

/* ---- error texts (error.c) ------------------------------------------------- */

/*
 * A library with codes of its own (libasyncc_http maps libcurl's CURLcode n
 * to -(6000 + n)) registers the text for the range lo..hi (lo <= hi < 0),
 * once, before it returns such a code.  Ranges are few and never removed.
 */
void ac__strerror_range(int lo, int hi, const char *(*text)(int err));

/* ---- what task dumps show (dump.c) ------------------------------------------ */

/*
 * Every leaf registers what a dump prints for it, right after its resume
 * function: its name as .ac code calls it, and what it waits on
 *
 *   static int sleep_describe(const ac_coro *co, char *buf, size_t cap)
 *   {   ... return snprintf(buf, cap, "%" PRIu64 " ms left", left); }
 *   AC__LEAF_INFO(sleep_resume, "ac_sleep", sleep_describe)
 *
 * (describe may be NULL).  The registration runs when the program starts,
 * for the modules linked in.
 */
#define AC__LEAF_INFO(resume_fn, name_text, describe_fn)                   \
    static ac_fn_info resume_fn##_info = {                                \
        .resume = resume_fn, .name = name_text, .describe = describe_fn}; \
    __attribute__((constructor)) static void resume_fn##_register(void)   \
    {                                                                     \
        ac_fn_register(&resume_fn##_info);                                \
    }

/* Composite leaves name the tasks they wait on: when `leaf` is a gather
 * (a with_timeout), call visit on each child task still running and
 * return 1; else return 0. */
typedef void ac__task_visit(ac_task *t, void *arg);
int ac__gather_children(const ac_coro *leaf, ac__task_visit *visit, void *arg);
int ac__timeout_child(const ac_coro *leaf, ac__task_visit *visit, void *arg);

/* group.c: the groups of this thread's loop that have running children
 * (linked through ac_group.prev/next), which is where dumps and the end of
 * ac_run find spawned tasks; cancel every one of those children. */
ac_group *ac__live_groups(void);
void ac__cancel_spawned(void);
size_t ac__spawned_count(void);
void ac__groups_reset(void);

/* dump.c: the tasks of this thread's loop on `out`: all of them, or only
 * the spawned ones (and what they run).  The number of tasks shown. */
enum { AC__DUMP_ALL, AC__DUMP_SPAWNED };
size_t ac__dump(FILE *out, int which);

/* dump.c: the info of a resume function, through a table of the registry
 * (ac_fn_lookup walks the list); the table is freed by ac_run's end. */
const ac_fn_info *ac__fn_find(ac_resume_fn f);
void ac__fn_index_free(void);
/* What dumps and the debug mode say of a coroutine and a task:
 * ac__fn_line, the line of resume point `state` (the definition's for a
 * state out of range; 0 without a line table); ac__task_label, the name
 * ac_task_set_name gave the task (*quoted set), else its root function's
 * name, else NULL. */
unsigned ac__fn_line(const ac_fn_info *info, int state);
const char *ac__task_label(const ac_task *t, int *quoted);

/* ---- ASYNCC_DEBUG (debug.c) --------------------------------------------------- */

/* At ac_run's start: reads the environment, and in debug mode installs the
 * SIGQUIT dump; nonzero when on (ac_run then calls ac__set_debug). */
int ac__debug_start(uv_loop_t *loop);
void ac__set_debug(int on);
/* coro.c times each step (see debug.c): its start, the awaits and returns
 * it makes, its end. */
void ac__debug_step_begin(const ac_coro *co);
void ac__debug_await(const ac_coro *caller, int state);
void ac__debug_return(const ac_coro *co);
void ac__debug_step_end(void);

/* ---- internal hooks between core files ----------------------------------- */

/* coro.c: names held for tasks, for ac_stats. */
size_t ac__task_name_count(void);
/* timer.c: number of heap entries, for ac_stats. */
size_t ac__timer_count(void);
/* frame_alloc.c: bytes handed out, and freeing the free lists. */
size_t ac__frame_bytes(void);
void ac__frame_release_all(void);
/* coro.c: called by ac_run around the loop. */
void ac__coro_reset(void);
void ac__set_main_task(ac_task *t);
ac_task *ac__main_task(void);
/* What asyncc.h declares for users (loop.c, dump.c). */
uint64_t ac_now_ms(void);
void ac_dump_tasks(FILE *out);
/* loop.c: called by coro.c when the main task's root returns. */
void ac__main_done(void);

#endif /* AC_INTERNAL_H */
