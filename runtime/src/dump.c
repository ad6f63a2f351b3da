/*
 * dump.c - the registry of coroutine infos, and ac_dump_tasks: every live
 * task of the loop with its chain of suspended coroutines.
 *
 * The registry is process-wide (constructors fill it before main, and
 * dlopen may add to it from any thread), a list pushed at the front under
 * a lock; a node never changes once it is on the list, so readers walk it
 * without the lock from the head they load.  The gdb extension reads the
 * same list (ac__fn_infos) from a stopped process or a core file.
 *
 * A dump walks this thread's tasks from two roots: the main task, and the
 * spawned children of every group with running children (group.c).  A task
 * whose leaf is a gather or a with_timeout is followed into the tasks it
 * waits on, which are printed below it, indented.  The walk keeps its own
 * stack, so tasks nested a million deep cost no C stack.  A task's chain
 * runs from its leaf outwards through the waiter links to its root; each
 * coroutine is shown by its info: a leaf says what it waits on, a function
 * asyncc generated says the .ac line of the await it is suspended at.
 */
#include <pthread.h>
#include <stdlib.h>

#include "internal.h"

/* ---- the registry ------------------------------------------------------ */

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
const ac_fn_info *ac__fn_infos; /* the head; not static: gdb reads it */
static size_t reg_count;

void ac_fn_register(ac_fn_info *info)
{
    pthread_mutex_lock(&reg_lock);
    if (!info->registered) {
        info->registered = 1;
        info->next = ac__fn_infos;
        __atomic_store_n(&ac__fn_infos, info, __ATOMIC_RELEASE);
        __atomic_store_n(&reg_count, reg_count + 1, __ATOMIC_RELEASE);
    }
    pthread_mutex_unlock(&reg_lock);
}

const ac_fn_info *ac_fn_lookup(ac_resume_fn resume)
{
    for (const ac_fn_info *i = __atomic_load_n(&ac__fn_infos, __ATOMIC_ACQUIRE); i != NULL;
         i = i->next)
        if (i->resume == resume)
            return i;
    return NULL;
}

/* Dumps and the debug mode look up many coroutines: an open-addressing
 * table of the registry per thread, rebuilt when the registry has grown
 * (the list itself when out of memory). */
typedef struct {
    const ac_fn_info **slot;
    size_t mask;
    size_t count; /* registrations it holds */
} fn_index;

static size_t hash_fn(ac_resume_fn f)
{
    uintptr_t x = (uintptr_t)f;
    return (size_t)((x >> 4) * 0x9E3779B97F4A7C15u);
}

static void index_build(fn_index *ix)
{
    pthread_mutex_lock(&reg_lock);
    const ac_fn_info *head = ac__fn_infos;
    size_t n = reg_count;
    pthread_mutex_unlock(&reg_lock);
    size_t cap = 16;
    while (cap < 2 * n)
        cap *= 2;
    free(ix->slot);
    ix->slot = calloc(cap, sizeof *ix->slot);
    ix->mask = cap - 1;
    ix->count = n;
    if (ix->slot == NULL)
        return;
    for (const ac_fn_info *i = head; i != NULL; i = i->next) {
        size_t h = hash_fn(i->resume) & ix->mask;
        while (ix->slot[h] != NULL && ix->slot[h]->resume != i->resume)
            h = (h + 1) & ix->mask;
        if (ix->slot[h] == NULL) /* the newest registration of a function wins */
            ix->slot[h] = i;
    }
}

static _Thread_local fn_index fn_ix;

const ac_fn_info *ac__fn_find(ac_resume_fn f)
{
    if (__atomic_load_n(&reg_count, __ATOMIC_RELAXED) != fn_ix.count || fn_ix.slot == NULL)
        index_build(&fn_ix);
    if (fn_ix.slot == NULL)
        return ac_fn_lookup(f);
    for (size_t h = hash_fn(f) & fn_ix.mask; fn_ix.slot[h] != NULL; h = (h + 1) & fn_ix.mask)
        if (fn_ix.slot[h]->resume == f)
            return fn_ix.slot[h];
    return NULL;
}

void ac__fn_index_free(void)
{
    free(fn_ix.slot);
    fn_ix = (fn_index){0};
}

unsigned ac__fn_line(const ac_fn_info *info, int state)
{
    if (info->lines == NULL || info->file == NULL)
        return 0;
    return info->lines[state >= 0 && (unsigned)state <= info->npoints ? (unsigned)state : 0];
}

const char *ac__task_label(const ac_task *t, int *quoted)
{
    *quoted = t->name != NULL;
    if (t->name != NULL)
        return t->name;
    const ac_fn_info *root = t->root ? ac__fn_find(t->root->resume) : NULL;
    return root != NULL ? root->name : NULL;
}

/* ---- one task ------------------------------------------------------------ */

/* Chains longer than this show their innermost and outermost halves. */
#define CHAIN_SHOWN 40

typedef struct {
    ac_task *t;
    unsigned depth;   /* nesting below its root task, for the indent */
    int spawned;
} dump_item;

typedef struct {
    FILE *out;
    dump_item *stack;
    size_t len, cap;
    unsigned depth;   /* of the task whose children are being pushed */
    size_t shown;
} dumper;

static void indent(dumper *d, unsigned depth)
{
    fprintf(d->out, "%*s", (int)(depth > 16 ? 32 : depth * 2), "");
}

/* One coroutine of a chain. */
static void show_coro(dumper *d, unsigned depth, size_t k, const ac_coro *co)
{
    const ac_fn_info *info = ac__fn_find(co->resume);
    indent(d, depth);
    fprintf(d->out, "    #%zu ", k);
    if (info == NULL) {
        fprintf(d->out, "coroutine %p (resume function %p, state %d)\n", (const void *)co,
                (void *)(uintptr_t)co->resume, co->state);
        return;
    }
    fputs(info->name, d->out);
    if (info->describe != NULL) {
        char what[256];
        int n = info->describe(co, what, sizeof what);
        if (n > 0)
            fprintf(d->out, ": %s", what);
    }
    unsigned line = ac__fn_line(info, co->state);
    if (line != 0)
        fprintf(d->out, " at %s:%u", info->file, line);
    fputc('\n', d->out);
}

static int push(dumper *d, ac_task *t, unsigned depth, int spawned)
{
    if (d->len == d->cap) {
        size_t ncap = d->cap ? d->cap * 2 : 64;
        dump_item *n = realloc(d->stack, ncap * sizeof *n);
        if (n == NULL)
            return -1;
        d->stack = n;
        d->cap = ncap;
    }
    d->stack[d->len++] = (dump_item){t, depth, spawned};
    return 0;
}

static void push_child(ac_task *t, void *arg)
{
    dumper *d = arg;
    push(d, t, d->depth + 1, 0);
}

/* Reverse the items pushed since `from`, so they print in their order. */
static void reverse(dumper *d, size_t from)
{
    for (size_t i = from, j = d->len; i + 1 < j; i++, j--) {
        dump_item x = d->stack[i];
        d->stack[i] = d->stack[j - 1];
        d->stack[j - 1] = x;
    }
}

static void show_task(dumper *d, const dump_item *it)
{
    ac_task *t = it->t;
    int quoted;
    const char *label = ac__task_label(t, &quoted);
    indent(d, it->depth);
    fprintf(d->out, "task %zu", ++d->shown);
    if (label != NULL)
        fprintf(d->out, quoted ? " \"%s\"" : " %s", label);
    if (it->spawned)
        fputs(" (spawned)", d->out);
    if (t->flags & AC_TASK_CANCELLED)
        fputs(" (cancelled)", d->out);
    fputc('\n', d->out);
    if (t->leaf == NULL) {
        indent(d, it->depth);
        fputs(t == ac_current_task() ? "    running now\n" : "    ready to run\n", d->out);
        return;
    }
    size_t n = 0;
    for (const ac_coro *co = t->leaf; co != NULL; co = co == t->root ? NULL : co->waiter)
        n++;
    size_t k = 0;
    for (const ac_coro *co = t->leaf; co != NULL; co = co == t->root ? NULL : co->waiter, k++) {
        if (n > CHAIN_SHOWN && k >= CHAIN_SHOWN / 2 && k < n - CHAIN_SHOWN / 2) {
            if (k == CHAIN_SHOWN / 2) {
                indent(d, it->depth);
                fprintf(d->out, "    ... %zu more ...\n", n - CHAIN_SHOWN);
            }
            continue;
        }
        show_coro(d, it->depth, k, co);
    }
    size_t from = d->len;
    d->depth = it->depth;
    if (!ac__gather_children(t->leaf, push_child, d))
        ac__timeout_child(t->leaf, push_child, d);
    reverse(d, from);
}

size_t ac__dump(FILE *out, int which)
{
    dumper d = {.out = out};
    /* The roots in the order they print (the stack is reversed below):
     * the main task, then each group's children, oldest first. */
    ac_task *m = ac__main_task();
    if (which == AC__DUMP_ALL && m != NULL && !(m->flags & AC_TASK_DONE))
        push(&d, m, 0, 0);
    for (ac_group *g = ac__live_groups(); g != NULL; g = g->next) {
        ac_spawn_child *c = g->head;
        while (c != NULL && c->next != NULL)
            c = c->next;
        for (; c != NULL; c = c->prev)
            push(&d, &c->task, 0, 1);
    }
    reverse(&d, 0);
    while (d.len > 0) {
        dump_item it = d.stack[--d.len];
        show_task(&d, &it);
    }
    free(d.stack);
    fflush(out);
    return d.shown;
}

void ac_dump_tasks(FILE *out)
{
    if (out == NULL)
        return;
    if (ac_loop() == NULL) {
        fputs("asyncc: no loop runs on this thread\n", out);
        return;
    }
    fputs("asyncc: the tasks of this thread's loop:\n", out);
    if (ac__dump(out, AC__DUMP_ALL) == 0)
        fputs("  (none)\n", out);
}
