/*
 * sema.c - stage 3: the rules of Async C on every async body.
 *
 * Clang has already checked the bodies as C (with the forms read as plain
 * C), so what is left is what only Async C forbids: awaiting something that
 * is not a call of an async function or a form; using a form where it can't
 * stand; calling an async function without awaiting it; taking its address;
 * constructs that would break when the function is cut at its awaits (VLAs,
 * alloca, setjmp/longjmp, awaits hidden inside macros); locals whose type
 * cannot be written in the frame struct.  Each rejection is one precise
 * message at the offending token.
 *
 * The walk also records what lowering needs and the tree does not say: the
 * number of awaits in every subtree, the type declarations that move to
 * file scope, the call graph (its cycles are recursion), and, through
 * sema_live.c, which locals live in the frame.
 */
#include "sema.h"

#include <stdlib.h>
#include <string.h>

#include "gram.h"

typedef enum Ctx {
    C_PLAIN,        /* an ordinary evaluated expression              */
    C_CALLEE,       /* the function position of a call                */
    C_AWAIT_OPERAND,/* directly under await                           */
    C_ITEM,         /* operand of gather / spawn / with_timeout       */
    C_EXPR_STMT,    /* the whole expression of an expression statement */
    C_NOEVAL,       /* operand of sizeof: never evaluated             */
} Ctx;

/* The call graph: for each function defined here, the functions defined
 * here that it awaits, gathers, spawns or times out. */
typedef struct Graph {
    int **out;
    int *nout, *capout;
} Graph;

typedef struct Walk {
    const Front *fe;
    const AsyncFn *fn;
    SemaFn *sf;
    Graph *g;
} Walk;

static const Source *src_of(Walk *w) { return &w->fe->src; }
static unsigned off_of(Walk *w, const Node *n) { return w->fn->raw[n->tok0].off; }
static int tok_len(Walk *w, int t) { return (int)w->fn->raw[t].len; }
static const char *tok_text(Walk *w, int t) { return w->fe->src.text + w->fn->raw[t].off; }

AsyncFn *sema_callee(const Front *fe, const AsyncFn *fn, const Node *call)
{
    if (call->kind != N_CALL || call->callee->kind != N_IDENT)
        return NULL;
    return front_fn_at(fe, fn, fn->raw[call->callee->tok0].off);
}

int sema_ptr_call(const AsyncFn *fn, const Node *call)
{
    if (call->kind != N_CALL)
        return 0;
    const RawTok *a = &fn->raw[call->tok0], *b = &fn->raw[call->tok1];
    return offmap_get(&fn->ptr_calls, ((unsigned long long)a->off << 32) | (b->off + b->len)) != 0;
}

int sema_hand_written(const AsyncFn *g)
{
    return g->frame_visible && !g->defined_here;
}

/* An await's operand: a call of a named async function or through a
 * pointer to one. */
static int async_call(const Walk *w, const Node *call)
{
    return sema_callee(w->fe, w->fn, call) || sema_ptr_call(w->fn, call);
}

static void add_edge(Graph *g, int from, int to)
{
    for (int i = 0; i < g->nout[from]; i++)
        if (g->out[from][i] == to)
            return;
    if (g->nout[from] == g->capout[from]) {
        g->capout[from] = g->capout[from] ? g->capout[from] * 2 : 4;
        g->out[from] = realloc(g->out[from], sizeof **g->out * (size_t)g->capout[from]);
        if (!g->out[from])
            exit(1);
    }
    g->out[from][g->nout[from]++] = to;
}

/* ------------------------------------------------------------------ */
/* The walk                                                            */
/* ------------------------------------------------------------------ */

static int walk(Walk *w, Node *n, Ctx ctx);

static int walk_list(Walk *w, Node *list, Ctx ctx)
{
    int k = 0;
    for (Node *x = list; x; x = x->next)
        k += walk(w, x, ctx);
    return k;
}

/* What an await, gather, with_timeout or spawn may wait on: a call of an
 * async function (named, or through a pointer), or a form that is itself
 * awaitable -- so the forms compose. */
static int awaitable(const Walk *w, const Node *n)
{
    return n->kind == N_GATHER || n->kind == N_WITH_TIMEOUT || n->kind == N_TO_THREAD ||
           (n->kind == N_CALL && async_call(w, n));
}

/* An operand of gather, spawn or with_timeout: AWAITABLE or LVALUE =
 * AWAITABLE. */
static int walk_item(Walk *w, Node *item, const char *form)
{
    Node *call = item;
    int k = 0;
    if (item->kind == N_ASSIGN && item->op == TK_ASSIGN) {
        k += walk(w, item->lhs, C_PLAIN);
        call = item->rhs;
    }
    if (!awaitable(w, call)) {
        diag_error(src_of(w), off_of(w, call),
                   "each operand of %s must be a call of an async function, gather(), "
                   "with_timeout() or to_thread(), or LVALUE = one of them", form);
        return k;
    }
    k += walk(w, call, C_ITEM);
    w->sf->awaits[item->id] = k;
    return k;
}

static int walk_await(Walk *w, Node *n, Ctx ctx)
{
    Node *op = n->operand;
    int k = 0;
    if (ctx == C_NOEVAL)
        diag_error(src_of(w), off_of(w, n), "await inside sizeof is never evaluated");
    if (op->kind == N_CALL) {
        if (!async_call(w, op)) {
            if (op->callee->kind == N_IDENT)
                diag_error(src_of(w), off_of(w, op),
                           "'%.*s' is not an async function; await needs a call of "
                           "an async function, gather(), to_thread() or with_timeout()",
                           tok_len(w, op->callee->tok0), tok_text(w, op->callee->tok0));
            else
                diag_error(src_of(w), off_of(w, op),
                           "await needs a call of a named async function");
        }
        k = walk(w, op, C_AWAIT_OPERAND);
    } else if (op->kind == N_GATHER || op->kind == N_TO_THREAD ||
               op->kind == N_WITH_TIMEOUT) {
        k = walk(w, op, C_AWAIT_OPERAND);
    } else {
        diag_error(src_of(w), off_of(w, op),
                   "the operand of await must be a call of an async function, "
                   "gather(), to_thread() or with_timeout()");
        k = walk(w, op, C_PLAIN);
    }
    return k + 1;
}

static int walk_call(Walk *w, Node *n, Ctx ctx)
{
    AsyncFn *callee = sema_callee(w->fe, w->fn, n);
    if (callee && ctx != C_AWAIT_OPERAND && ctx != C_ITEM)
        diag_error(src_of(w), off_of(w, n),
                   "call of async function '%s' without await (use await, gather, "
                   "spawn or with_timeout)", callee->name);
    else if (!callee && sema_ptr_call(w->fn, n) && ctx != C_AWAIT_OPERAND && ctx != C_ITEM)
        diag_error(src_of(w), off_of(w, n),
                   "call through a pointer to an async function without await (use "
                   "await, gather, spawn or with_timeout)");
    if (callee && callee->defined_here)
        add_edge(w->g, w->fn->index, callee->index);
    int k = walk(w, n->callee, callee ? C_CALLEE : C_PLAIN);
    return k + walk_list(w, n->list, C_PLAIN);
}

static void need_await_operand(Walk *w, Node *n, Ctx ctx, const char *form)
{
    if (ctx != C_AWAIT_OPERAND && ctx != C_ITEM)
        diag_error(src_of(w), off_of(w, n),
                   "%s can only be the operand of await (or of gather, with_timeout or spawn)",
                   form);
}

/* The first operand of to_thread: a function, or a pointer to one. */
static void check_thread_fn(Walk *w, Node *f)
{
    AsyncFn *g = f->kind == N_IDENT ? front_fn_at(w->fe, w->fn, off_of(w, f)) : NULL;
    int t0 = f->tok0, t1 = f->tok1;
    const RawTok *a = &w->fn->raw[t0], *b = &w->fn->raw[t1];
    Type t;
    int known = front_expr_type(w->fn, a->off, b->off + b->len, &t) == 0;
    if (g || (known && type_is_async_fn(t, NULL))) {
        diag_error(src_of(w), off_of(w, f), "to_thread runs a plain function; this one is async "
                                            "(await it instead)");
        return;
    }
    if (known && type_is_pointer(t))
        t = type_pointee(t);
    if (!known || !type_is_function(t))
        diag_error(src_of(w), off_of(w, f), "the first operand of to_thread must be a function");
}

static int walk(Walk *w, Node *n, Ctx ctx)
{
    if (!n)
        return 0;
    int k = 0;
    switch (n->kind) {
    case N_AWAIT:
        k = walk_await(w, n, ctx);
        break;
    case N_CALL:
        k = walk_call(w, n, ctx);
        break;
    case N_IDENT: {
        AsyncFn *f = front_fn_at(w->fe, w->fn, off_of(w, n));
        if (f && ctx != C_CALLEE && sema_hand_written(f))
            diag_error(src_of(w), off_of(w, n),
                       "the address of '%s' cannot be taken: it is a coroutine written by "
                       "hand, without an entry (docs/ABI.md); wrap it in an async function",
                       f->name);
        break;
    }
    case N_GATHER:
        need_await_operand(w, n, ctx, "gather");
        for (Node *x = n->list; x; x = x->next)
            k += walk_item(w, x, "gather");
        break;
    case N_TO_THREAD:
        need_await_operand(w, n, ctx, "to_thread");
        if (ctx == C_AWAIT_OPERAND || ctx == C_ITEM)
            check_thread_fn(w, n->callee);
        k = walk(w, n->callee, C_PLAIN) + walk_list(w, n->list, C_PLAIN);
        break;
    case N_WITH_TIMEOUT:
        need_await_operand(w, n, ctx, "with_timeout");
        k = walk(w, n->arg, C_PLAIN) + walk_item(w, n->operand, "with_timeout");
        break;
    case N_SPAWN:
        if (ctx != C_EXPR_STMT)
            diag_error(src_of(w), off_of(w, n), "spawn is a statement: it cannot be "
                                                "part of an expression");
        k = walk(w, n->arg, C_PLAIN) + walk_item(w, n->operand, "spawn");
        break;
    case N_ASYNC_RUN:
        diag_error(src_of(w), off_of(w, n),
                   "async_run inside an async function; use await instead");
        break;
    case N_SIZEOF_EXPR:
        k = walk(w, n->operand, C_NOEVAL);
        break;
    case N_STMT_EXPR:
        k = walk(w, n->body, C_PLAIN);
        if (k)
            diag_error(src_of(w), off_of(w, n),
                       "await inside a statement expression is not supported");
        break;
    case N_EXPR_STMT:
        k = walk(w, n->operand, C_EXPR_STMT);
        break;
    case N_MACRO_STMT:
        k = walk(w, n->callee, C_PLAIN) + walk(w, n->body, C_PLAIN);
        if (k)
            diag_error(src_of(w), off_of(w, n),
                       "await inside the body of statement-like macro '%.*s'",
                       tok_len(w, n->tok0), tok_text(w, n->tok0));
        break;
    default: {
        KidIter it;
        for (Node *x = ast_first_kid(n, &it); x; x = ast_next_kid(&it))
            k += walk(w, x, ctx == C_NOEVAL ? C_NOEVAL : C_PLAIN);
        break;
    }
    }
    w->sf->awaits[n->id] = k;
    return k;
}

/* ------------------------------------------------------------------ */
/* Whole-function rules                                                */
/* ------------------------------------------------------------------ */

/* Functions whose use in a coroutine can't survive being cut at awaits. */
static void check_forbidden_calls(Walk *w)
{
    static const char *const bad[] = {
        "alloca", "__builtin_alloca", "setjmp", "_setjmp", "__sigsetjmp",
        "sigsetjmp", "longjmp", "_longjmp", "siglongjmp", NULL};
    for (int i = 0; i < w->fn->nraw; i++) {
        const RawTok *t = &w->fn->raw[i];
        if (t->ckind != RT_IDENT)
            continue;
        for (int k = 0; bad[k]; k++) {
            if (t->len == strlen(bad[k]) && !memcmp(w->fe->src.text + t->off, bad[k], t->len)) {
                int is_alloca = strstr(bad[k], "alloca") != NULL;
                diag_error(src_of(w), t->off,
                           is_alloca ? "%s in an async function: its memory would not "
                                       "survive an await; use malloc"
                                     : "%s in an async function: a jump buffer cannot "
                                       "cross the function's suspension points",
                           bad[k]);
            }
        }
    }
}

static void check_locals(Walk *w)
{
    const AsyncFn *fn = w->fn;
    for (int i = 0; i < fn->nlocals; i++)
        if (fn->locals[i].is_vla)
            diag_error(src_of(w), fn->locals[i].off,
                       "variable-length array '%s' in an async function: its size "
                       "must be known to lay out the frame", fn->locals[i].name);
}

/*
 * Type declarations inside the body (typedefs, struct/union/enum
 * definitions that declare no variable) move to file scope, just before
 * the frame struct, so that frame members can have those types.  Only
 * those at block level; one that an if or loop body holds alone stays.
 */
static int is_type_decl(const Node *d)
{
    if (d->kind != N_DECL)
        return 0;
    if (d->storage & DECL_TYPEDEF)
        return 1;
    for (const Node *x = d->list; x; x = x->next)
        if (x->name >= 0)
            return 0;
    return 1;
}

static void hoist_types(Walk *w, const Node *s)
{
    for (; s; s = s->next) {
        if (s->kind == N_BLOCK) {
            hoist_types(w, s->list);
        } else if (is_type_decl(s) && !w->sf->awaits[s->id]) {
            w->sf->hoisted[s->id] = 1;
        } else {
            /* bodies of if/while/for/switch/labels */
            KidIter it;
            for (Node *k = ast_first_kid(s, &it); k; k = ast_next_kid(&it))
                if (k->kind == N_BLOCK)
                    hoist_types(w, k->list);
        }
    }
}

/* Is byte `off` inside a type declaration that moves to file scope? */
static int hoisted_at(Walk *w, const Node *n, unsigned off)
{
    if (w->sf->hoisted[n->id])
        return off >= w->fn->raw[n->tok0].off && off <= w->fn->raw[n->tok1].off;
    KidIter it;
    for (Node *k = ast_first_kid(n, &it); k; k = ast_next_kid(&it))
        if (off >= w->fn->raw[k->tok0].off && off <= w->fn->raw[k->tok1].off)
            return hoisted_at(w, k, off);
    return 0;
}

/* A local of the frame must have a type the frame struct can name. */
static void check_frame_types(Walk *w, const Node *body, Arena *a)
{
    const AsyncFn *fn = w->fn;
    for (int i = 0; i < fn->nlocals; i++) {
        const Local *l = &fn->locals[i];
        if (!w->sf->in_frame[i])
            continue;
        const char *why = NULL;
        char *d = l->decays ? type_decl(a, type_element(l->type), "x", 0, &why)
                            : type_decl(a, l->type, "x", 1, &why);
        if (!d)
            diag_error(src_of(w), l->off,
                       "'%s' cannot live in the coroutine frame: its type is %s",
                       l->name, why);
        else if (l->type_decl_off >= 0 && !hoisted_at(w, body, (unsigned)l->type_decl_off))
            diag_error(src_of(w), l->off,
                       "the type of '%s' is declared inside the async function; "
                       "declare it at file scope so '%s' can live in the frame",
                       l->name, l->name);
    }
}

static void check_function(const Front *fe, const AsyncFn *fn, Node *body, SemaFn *sf,
                           int nnodes, Graph *g, Arena *a)
{
    Walk w = {.fe = fe, .fn = fn, .sf = sf, .g = g};
    sf->awaits = xcalloc((size_t)nnodes, sizeof *sf->awaits);
    sf->hoisted = xcalloc((size_t)nnodes, 1);
    sf->in_frame = xcalloc((size_t)fn->nlocals, 1);
    sf->named = xcalloc((size_t)fn->nlocals, 1);
    sf->cached = xcalloc((size_t)fn->nlocals, 1);
    if (fn->variadic) {
        diag_error(&fe->src, fn->name_off,
                   "async function '%s' is variadic: its frame cannot hold the "
                   "variable arguments; pass a va_list or an array instead", fn->name);
        return;
    }
    int before = diag_count();
    check_locals(&w);
    check_forbidden_calls(&w);
    walk(&w, body, C_PLAIN);
    if (diag_count() != before)
        return;
    hoist_types(&w, body->list);
    sema_live(fe, fn, body, sf);
    check_frame_types(&w, body, a);
}

/* ------------------------------------------------------------------ */
/* Recursion: strongly connected components of the call graph          */
/* ------------------------------------------------------------------ */

/* Tarjan's algorithm, with an explicit stack so that a long chain of
 * functions cannot overflow the C stack. */
static void components(const Graph *g, int n, int *scc)
{
    int *index = xcalloc((size_t)n, sizeof *index);   /* 0: unvisited */
    int *low = xcalloc((size_t)n, sizeof *low);
    int *edge = xcalloc((size_t)n, sizeof *edge);     /* next edge to try */
    int *onstack = xcalloc((size_t)n, sizeof *onstack);
    int *stack = xcalloc((size_t)n, sizeof *stack), sp = 0;
    int *call = xcalloc((size_t)n, sizeof *call), cp = 0;
    int next = 1, ncomp = 0;
    for (int root = 0; root < n; root++) {
        if (index[root])
            continue;
        call[cp++] = root;
        index[root] = low[root] = next++;
        stack[sp++] = root;
        onstack[root] = 1;
        while (cp > 0) {
            int v = call[cp - 1];
            if (edge[v] < g->nout[v]) {
                int u = g->out[v][edge[v]++];
                if (!index[u]) {
                    index[u] = low[u] = next++;
                    stack[sp++] = u;
                    onstack[u] = 1;
                    call[cp++] = u;
                } else if (onstack[u] && index[u] < low[v]) {
                    low[v] = index[u];
                }
                continue;
            }
            if (low[v] == index[v]) {
                int u;
                do {
                    u = stack[--sp];
                    onstack[u] = 0;
                    scc[u] = ncomp;
                } while (u != v);
                ncomp++;
            }
            cp--;
            if (cp > 0 && low[v] < low[call[cp - 1]])
                low[call[cp - 1]] = low[v];
        }
    }
    free(index);
    free(low);
    free(edge);
    free(onstack);
    free(stack);
    free(call);
}

int sema_recursive(const Sema *s, const AsyncFn *caller, const AsyncFn *callee)
{
    return caller == callee || s->scc[caller->index] == s->scc[callee->index];
}

/* ------------------------------------------------------------------ */
/* Ordinary code                                                       */
/* ------------------------------------------------------------------ */

/* Calls of async functions in ordinary code: only async_run(f(...)) may
 * make one.  (The lists are in file order, so merge walks.) */
static void check_plain_calls(const Front *fe)
{
    int r = 0, k = 0;
    for (int i = 0; i < fe->ncalls; i++) {
        const PlainCall *c = &fe->calls[i];
        while (r < fe->nruns && fe->runs[r].end <= c->off)
            r++;
        if (r < fe->nruns && fe->runs[r].nraw > 2 && fe->runs[r].raw[2].off == c->off)
            continue; /* the operand of async_run */
        if (c->fn)
            diag_error(&fe->src, c->off,
                       "call of async function '%s' outside an async function; run it with "
                       "async_run(%s(...)), or await it in an async function",
                       c->fn->name, c->fn->name);
        else
            diag_error(&fe->src, c->off,
                       "call through a pointer to an async function outside an async "
                       "function; run it with async_run, or await it in an async function");
    }
    /* the address of a hand-written coroutine (not a call of it) */
    for (int i = 0; i < fe->nfnrefs; i++) {
        const PlainCall *ref = &fe->fnrefs[i];
        while (k < fe->ncalls && fe->calls[k].off < ref->off)
            k++;
        if (k < fe->ncalls && fe->calls[k].off == ref->off)
            continue;
        if (sema_hand_written(ref->fn))
            diag_error(&fe->src, ref->off,
                       "the address of '%s' cannot be taken: it is a coroutine written by "
                       "hand, without an entry (docs/ABI.md); wrap it in an async function",
                       ref->fn->name);
    }
}

/* The call async_run runs (runs come in file order, as calls do: *k
 * walks the calls once). */
static const PlainCall *run_call(const Front *fe, const Run *run, int *k)
{
    if (run->nraw <= 2)
        return NULL;
    while (*k < fe->ncalls && fe->calls[*k].off < run->raw[2].off)
        (*k)++;
    return *k < fe->ncalls && fe->calls[*k].off == run->raw[2].off ? &fe->calls[*k] : NULL;
}

int sema_file(const Front *fe, const Parsed *p, Sema *out)
{
    int before = diag_count();
    int n = fe->nfns;
    Arena a = {0};
    Graph g = {0};
    g.out = xcalloc((size_t)n, sizeof *g.out);
    g.nout = xcalloc((size_t)n, sizeof *g.nout);
    g.capout = xcalloc((size_t)n, sizeof *g.capout);
    out->fns = xcalloc((size_t)n, sizeof *out->fns);
    out->scc = xcalloc((size_t)n, sizeof *out->scc);
    out->run_callee = xcalloc((size_t)fe->nruns, sizeof *out->run_callee);
    out->run_fntype = xcalloc((size_t)fe->nruns, sizeof *out->run_fntype);
    int call = 0;
    for (int i = 0; i < fe->nrepls; i++) {
        const Repl *r = &fe->repls[i];
        if (r->kind == R_DEFINITION && p->fns[r->fn->index].root) {
            const Tree *t = &p->fns[r->fn->index];
            check_function(fe, r->fn, t->root, &out->fns[r->fn->index], t->nnodes, &g, &a);
        } else if (r->kind == R_RUN && p->runs[r->run].root) {
            const Run *run = &fe->runs[r->run];
            const PlainCall *c = run_call(fe, run, &call);
            if (!c || p->runs[r->run].root->kind != N_CALL)
                diag_error(&fe->src, run->start, "async_run needs a call of an async function");
            else {
                out->run_callee[r->run] = c->fn;
                out->run_fntype[r->run] = c->fntype;
            }
        }
    }
    check_plain_calls(fe);
    components(&g, n, out->scc);
    for (int i = 0; i < n; i++)
        free(g.out[i]);
    free(g.out);
    free(g.nout);
    free(g.capout);
    arena_free(&a);
    return diag_count() == before ? 0 : -1;
}

void sema_free(const Front *fe, Sema *s)
{
    for (int i = 0; s->fns && i < fe->nfns; i++) {
        free(s->fns[i].awaits);
        free(s->fns[i].hoisted);
        free(s->fns[i].in_frame);
        free(s->fns[i].named);
        free(s->fns[i].cached);
    }
    free(s->fns);
    free(s->scc);
    free(s->run_callee);
    free(s->run_fntype);
    memset(s, 0, sizeof *s);
}
