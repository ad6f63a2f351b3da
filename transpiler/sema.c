/*
 * sema.c - stage 4: the rules of Async C on one async function body.
 *
 * Clang has already checked the body as C (with the forms read as plain
 * C), so what is left is what only Async C forbids: awaiting something that
 * is not a call of an async function or a form; using a form where it can't
 * stand; calling an async function without awaiting it; taking its address;
 * constructs that would break when the function is cut at its awaits (VLAs,
 * alloca, setjmp/longjmp, awaits hidden inside macros).  Each rejection is
 * one precise message at the offending token.
 *
 * The walk also counts awaits per subtree, which lowering reads.
 */
#include "sema.h"

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

typedef struct Sema {
    Front *fe;
    AsyncFn *fn;
} Sema;

static const Source *src_of(Sema *s) { return &s->fe->src; }

static unsigned off_of(Sema *s, const Node *n)
{
    return s->fn->raw[n->tok0].off;
}

static int tok_len(Sema *s, int t) { return (int)s->fn->raw[t].len; }
static const char *tok_text(Sema *s, int t) { return s->fe->src.text + s->fn->raw[t].off; }

AsyncFn *sema_callee(Front *fe, AsyncFn *fn, const Node *call)
{
    if (call->kind != N_CALL || call->callee->kind != N_IDENT)
        return NULL;
    return front_fn_at(fe, fn, fn->raw[call->callee->tok0].off);
}

static int walk(Sema *s, Node *n, Ctx ctx);

static int walk_list(Sema *s, Node *list, Ctx ctx)
{
    int k = 0;
    for (Node *x = list; x; x = x->next)
        k += walk(s, x, ctx);
    return k;
}

/* An operand of gather, spawn or with_timeout: CALL or LVALUE = CALL. */
static int walk_item(Sema *s, Node *item, const char *form)
{
    Node *call = item;
    int k = 0;
    if (item->kind == N_ASSIGN && item->op == TK_ASSIGN) {
        k += walk(s, item->lhs, C_PLAIN);
        call = item->rhs;
    }
    if (!sema_callee(s->fe, s->fn, call)) {
        diag_error(src_of(s), off_of(s, call),
                   "each operand of %s must be a call of an async function, "
                   "or LVALUE = such a call", form);
        return k;
    }
    call->awaits = walk(s, call, C_ITEM);
    return k + call->awaits;
}

static int walk_await(Sema *s, Node *n, Ctx ctx)
{
    Node *op = n->operand;
    int k = 0;
    if (ctx == C_NOEVAL)
        diag_error(src_of(s), off_of(s, n), "await inside sizeof is never evaluated");
    if (op->kind == N_CALL) {
        if (!sema_callee(s->fe, s->fn, op)) {
            if (op->callee->kind == N_IDENT)
                diag_error(src_of(s), off_of(s, op),
                           "'%.*s' is not an async function; await needs a call of "
                           "an async function, gather(), to_thread() or with_timeout()",
                           tok_len(s, op->callee->tok0), tok_text(s, op->callee->tok0));
            else
                diag_error(src_of(s), off_of(s, op),
                           "await needs a call of a named async function");
        }
        k = walk(s, op, C_AWAIT_OPERAND);
    } else if (op->kind == N_GATHER || op->kind == N_TO_THREAD ||
               op->kind == N_WITH_TIMEOUT) {
        k = walk(s, op, C_AWAIT_OPERAND);
    } else {
        diag_error(src_of(s), off_of(s, op),
                   "the operand of await must be a call of an async function, "
                   "gather(), to_thread() or with_timeout()");
        k = walk(s, op, C_PLAIN);
    }
    return k + 1;
}

static int walk_call(Sema *s, Node *n, Ctx ctx)
{
    AsyncFn *callee = sema_callee(s->fe, s->fn, n);
    if (callee && ctx != C_AWAIT_OPERAND && ctx != C_ITEM)
        diag_error(src_of(s), off_of(s, n),
                   "call of async function '%s' without await (use await, gather, "
                   "spawn or with_timeout)", callee->name);
    int k = walk(s, n->callee, callee ? C_CALLEE : C_PLAIN);
    return k + walk_list(s, n->list, C_PLAIN);
}

static void need_await_operand(Sema *s, Node *n, Ctx ctx, const char *form)
{
    if (ctx != C_AWAIT_OPERAND)
        diag_error(src_of(s), off_of(s, n), "%s can only be the operand of await", form);
}

static int walk(Sema *s, Node *n, Ctx ctx)
{
    if (!n)
        return 0;
    int k = 0;
    switch (n->kind) {
    case N_AWAIT:
        k = walk_await(s, n, ctx);
        break;
    case N_CALL:
        k = walk_call(s, n, ctx);
        break;
    case N_IDENT: {
        AsyncFn *f = front_fn_at(s->fe, s->fn, off_of(s, n));
        if (f && ctx != C_CALLEE)
            diag_error(src_of(s), off_of(s, n),
                       "the address of async function '%s' cannot be taken", f->name);
        break;
    }
    case N_GATHER:
        need_await_operand(s, n, ctx, "gather");
        for (Node *x = n->list; x; x = x->next)
            k += walk_item(s, x, "gather");
        break;
    case N_TO_THREAD:
        need_await_operand(s, n, ctx, "to_thread");
        k = walk(s, n->callee, C_PLAIN) + walk_list(s, n->list, C_PLAIN);
        break;
    case N_WITH_TIMEOUT:
        need_await_operand(s, n, ctx, "with_timeout");
        k = walk(s, n->arg, C_PLAIN) + walk_item(s, n->operand, "with_timeout");
        break;
    case N_SPAWN:
        if (ctx != C_EXPR_STMT)
            diag_error(src_of(s), off_of(s, n), "spawn is a statement: it cannot be "
                                                "part of an expression");
        k = walk(s, n->arg, C_PLAIN) + walk_item(s, n->operand, "spawn");
        break;
    case N_ASYNC_RUN:
        diag_error(src_of(s), off_of(s, n),
                   "async_run inside an async function; use await instead");
        break;
    case N_SIZEOF_EXPR:
        k = walk(s, n->operand, C_NOEVAL);
        break;
    case N_STMT_EXPR:
        k = walk(s, n->body, C_PLAIN);
        if (k)
            diag_error(src_of(s), off_of(s, n),
                       "await inside a statement expression is not supported");
        break;
    case N_EXPR_STMT:
        k = walk(s, n->operand, C_EXPR_STMT);
        break;
    case N_MACRO_STMT:
        k = walk(s, n->callee, C_PLAIN) + walk(s, n->body, C_PLAIN);
        if (k)
            diag_error(src_of(s), off_of(s, n),
                       "await inside the body of statement-like macro '%.*s'",
                       tok_len(s, n->tok0), tok_text(s, n->tok0));
        break;
    default: {
        KidIter it;
        for (Node *x = ast_first_kid(n, &it); x; x = ast_next_kid(&it))
            k += walk(s, x, ctx == C_NOEVAL ? C_NOEVAL : C_PLAIN);
        break;
    }
    }
    n->awaits = k;
    return k;
}

/* Functions whose use in a coroutine can't survive being cut at awaits. */
static void check_forbidden_calls(Sema *s)
{
    static const char *const bad[] = {
        "alloca", "__builtin_alloca", "setjmp", "_setjmp", "__sigsetjmp",
        "sigsetjmp", "longjmp", "_longjmp", "siglongjmp", NULL};
    for (int i = 0; i < s->fn->nraw; i++) {
        const RawTok *t = &s->fn->raw[i];
        if (t->ckind != RT_IDENT)
            continue;
        for (int k = 0; bad[k]; k++) {
            if (t->len == strlen(bad[k]) && !memcmp(s->fe->src.text + t->off, bad[k], t->len)) {
                int is_alloca = strstr(bad[k], "alloca") != NULL;
                diag_error(src_of(s), t->off,
                           is_alloca ? "%s in an async function: its memory would not "
                                       "survive an await; use malloc"
                                     : "%s in an async function: a jump buffer cannot "
                                       "cross the function's suspension points",
                           bad[k]);
            }
        }
    }
}

static void check_locals(Sema *s)
{
    AsyncFn *fn = s->fn;
    for (int i = 0; i < fn->nlocals; i++)
        if (fn->locals[i].is_vla)
            diag_error(src_of(s), fn->locals[i].off,
                       "variable-length array '%s' in an async function: its size "
                       "must be known to lay out the frame", fn->locals[i].name);
    const OffMap *m = &fn->macro_refs;
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->vals[i])
            continue;
        const Local *l = &fn->locals[m->vals[i] - 1];
        if (l->is_static)
            continue;
        diag_error(src_of(s), (size_t)m->keys[i],
                   "this macro's body refers to local '%s', which lives in the "
                   "coroutine frame; pass it to the macro as an argument", l->name);
    }
}

int sema_function(Front *fe, AsyncFn *fn, Node *body)
{
    int before = diag_count();
    Sema s = {.fe = fe, .fn = fn};
    if (fn->variadic) {
        CXSourceLocation loc = clang_getCursorLocation(fn->cursor);
        unsigned off;
        clang_getFileLocation(loc, NULL, NULL, NULL, &off);
        diag_error(&fe->src, off,
                   "async function '%s' is variadic: its frame cannot hold the "
                   "variable arguments; pass a va_list or an array instead", fn->name);
        return -1;
    }
    check_locals(&s);
    check_forbidden_calls(&s);
    walk(&s, body, C_PLAIN);
    return diag_count() == before ? 0 : -1;
}
