/*
 * lower_expr.c - expressions, and the code of each await site (see
 * lower_expr.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gram.h"
#include "lower_expr.h"

/* Constants and names of functions never change across an await. */
static int is_stable(const Low *L, const Node *e)
{
    switch (e->kind) {
    case N_CONST:
    case N_STRING:
    case N_SIZEOF_TYPE:
        return 1;
    case N_SIZEOF_EXPR:
        return 1;
    case N_IDENT: {
        Type t;
        if (front_local_at(L->fn, rt(L, e->tok0)->off) >= 0)
            return 0;
        return type_of(L, e, &t) == 0 && type_is_function(t);
    }
    default:
        return 0;
    }
}

/*
 * Evaluate `kids` (the operands of one expression, in evaluation order)
 * left to right.  Every operand before the last one that contains an await
 * is saved in a temporary unless it is stable; the operand with the last
 * await is lowered in place.  Afterwards each kid's text is its hole
 * L->repl[kid->id] (or NULL: print it as written).  With `all`, awaiting
 * operands are saved too (their results live in the frame union, which a
 * later site reuses).
 */
void sequence(Low *L, Node **kids, int n, int all)
{
    int last = -1;
    for (int i = 0; i < n; i++)
        if (kids[i] && awaits(L, kids[i]))
            last = i;
    if (last < 0)
        return;
    for (int i = 0; i <= last; i++) {
        Node *k = kids[i];
        if (!k || (!awaits(L, k) && is_stable(L, k)))
            continue;
        const char *v = lx(L, k);
        if (i < last || all) {
            const char *t = temp_for(L, k);
            put_gen(L, "%s = %s;", t, v);
            v = t;
        }
        L->repl[k->id] = v;
    }
}

Node **kids_of(Low *L, const Node *e, int *n)
{
    Node **k = arena_alloc(L->a, sizeof *k * (size_t)(list_len(e->list) + 5));
    int m = 0;
    KidIter it;
    for (Node *x = ast_first_kid(e, &it); x; x = ast_next_kid(&it))
        k[m++] = x->kind == N_INIT_ITEM ? x->init : x;
    *n = m;
    return k;
}

/* a && b, a || b with an await in b: the await happens only when b runs. */
static const char *lower_logic(Low *L, const Node *e)
{
    const char *a = lx(L, e->lhs);
    if (!awaits(L, e->rhs)) {
        L->repl[e->lhs->id] = a;
        return src_text(L, e);
    }
    const char *m = member_name(L, arena_printf(L->keep, "tmp_%d", ++L->ntemps));
    buf_printf(&L->lf->members, "    int %s;\n", m);
    const char *t = arena_printf(L->a, "__ac_f->%s", m);
    put_gen(L, "%s = !!(%s);", t, a);
    put_gen(L, "if (%s%s) {", e->kind == N_LOGAND ? "" : "!", t);
    const char *b = lx(L, e->rhs);
    put_gen(L, "%s = !!(%s); }", t, b);
    return t;
}

static const char *lower_cond(Low *L, const Node *e)
{
    const char *c = lx(L, e->cond);
    const Node *then = e->then;
    if ((!then || !awaits(L, then)) && !awaits(L, e->els)) {
        L->repl[e->cond->id] = c;
        return src_text(L, e);
    }
    Type ty;
    int is_void = type_of(L, e, &ty) == 0 && type_is_void(ty);
    const char *t = is_void ? NULL : temp_for(L, e);
    if (!then) { /* GNU a ?: c */
        const char *s = temp_for(L, e->cond);
        put_gen(L, "%s = %s;", s, c);
        c = s;
    }
    put_gen(L, "if (%s) {", c);
    const char *b = then ? lx(L, then) : c;
    if (t)
        put_gen(L, "%s = %s;", t, b);
    else
        put_gen(L, "(void)(%s);", b);
    put_gen(L, "} else {");
    const char *d = lx(L, e->els);
    if (t)
        put_gen(L, "%s = %s; }", t, d);
    else
        put_gen(L, "(void)(%s); }", d);
    return t ? t : "(void)0";
}

/* Is the lvalue's address the same before and after an await? */
static int lvalue_is_fixed(const Low *L, const Node *e)
{
    switch (e->kind) {
    case N_IDENT:
        return 1;
    case N_MEMBER:
        return e->op == TK_DOT && lvalue_is_fixed(L, e->operand);
    case N_INDEX: {
        /* a[constant] of an array (not through a pointer that may change) */
        Type t;
        return e->lhs->kind == N_IDENT && is_stable(L, e->rhs) && type_of(L, e->lhs, &t) == 0 &&
               type_is_array(t);
    }
    default:
        return 0;
    }
}

static const char *lower_assign(Low *L, const Node *e)
{
    if (!awaits(L, e->rhs)) { /* the await is in the left side only */
        L->repl[e->lhs->id] = lx(L, e->lhs);
        return src_text(L, e);
    }
    if (awaits(L, e->lhs) || !lvalue_is_fixed(L, e->lhs)) {
        /* Left to right: the place is computed before the awaits; its
         * address is saved in a pointer temporary. */
        const char *place = lx(L, e->lhs);
        const char *p = temp_pointer(L, e->lhs);
        if (!p)
            return "0";
        put_gen(L, "%s = &(%s);", p, place);
        L->repl[e->lhs->id] = arena_printf(L->a, "(*%s)", p);
    }
    L->repl[e->rhs->id] = lx(L, e->rhs);
    return src_text(L, e);
}

const char *lx(Low *L, const Node *e)
{
    if (!awaits(L, e))
        return src_text(L, e);
    switch (e->kind) {
    case N_AWAIT:
        return lower_await(L, e, 1);
    case N_COMMA: {
        const char *a = lx(L, e->lhs);
        put_gen(L, "(void)(%s);", a);
        return lx(L, e->rhs);
    }
    case N_LOGAND:
    case N_LOGOR:
        return lower_logic(L, e);
    case N_COND:
        return lower_cond(L, e);
    case N_ASSIGN:
        return lower_assign(L, e);
    default: {
        int n;
        Node **k = kids_of(L, e, &n);
        sequence(L, k, n, 0);
        return src_text(L, e);
    }
    }
}

/* ------------------------------------------------------------------ */
/* Await sites                                                         */
/* ------------------------------------------------------------------ */

/* A new resume point, for the await whose first token is tok: its .ac
 * line goes in the function's table for task dumps (LowFn.point_line). */
static int new_point(Low *L, int tok)
{
    LowFn *lf = L->lf;
    unsigned *n = realloc(lf->point_line, sizeof *n * (size_t)(lf->npoints + 2));
    if (!n)
        exit(1);
    lf->point_line = n;
    lf->npoints++;
    lf->point_line[lf->npoints] = line_of_tok(L, tok);
    return lf->npoints;
}

/* The await itself and its resume point: on the await's line, so that a
 * breakpoint on the next line is hit once the await is over.  The cached
 * locals in scope go into the frame before it and come back after it. */
static void await_point(Low *L, const char *co, int k)
{
    for (int i = 0; i < L->nscope; i++)
        put_gen(L, "__ac_f->%s = %s;", L->member[L->scope[i]], L->fn->locals[L->scope[i]].name);
    put_gen(L, "if (__ac_await(&__ac_f->co, %s, %d)) return;", co, k);
    put_gen(L, "__ac_resume_%d:;", k);
    for (int i = 0; i < L->nscope; i++)
        if (!L->fn->locals[L->scope[i]].is_param) /* loaded at every entry */
            put_gen(L, "%s = __ac_f->%s;", L->fn->locals[L->scope[i]].name,
                    L->member[L->scope[i]]);
}

/*
 * What an await, a form's operand or a spawn waits on -- an "operand":
 *
 *   a call          of a named async function whose frame type is seen here
 *                   (its frame embedded, or from the heap on a recursion
 *                   cycle), or through its entry (ABI.md): a pointer to an
 *                   async function, or one defined in another file;
 *   gather(...)     a struct of the gather frame and its operands;
 *   with_timeout()  a struct of the timeout frame and its operand;
 *   to_thread()     a struct of the thread frame, the function and its
 *                   arguments, and a thunk that calls it on the pool; the
 *                   struct is its own allocation, which the runtime frees
 *                   (ac_to_thread_release), so that a cancelled await can
 *                   go on while the function still runs on its thread.
 *
 * The operands of gather and with_timeout are operands themselves, each
 * maybe LVALUE = operand, so the forms nest to any depth: an operand's
 * storage is a member of its parent's struct, and it is set up, read and
 * released through the path of that member.  Everything an operand tree
 * evaluates -- lvalue addresses, milliseconds, functions, arguments -- is
 * evaluated left to right before any of it starts.
 */
typedef enum CallKind {
    CALL_EMBED, /* the callee's frame inside its parent                 */
    CALL_HEAP,  /* same file, on a cycle: __ac_frame_alloc              */
    CALL_DYN,   /* through the entry: a pointer, or another file's      */
} CallKind;

typedef enum OpKind { OP_CALL, OP_GATHER, OP_TIMEOUT, OP_THREAD } OpKind;

typedef struct Op Op;
struct Op {
    OpKind kind;
    const Node *node;     /* the call or the form                       */
    const Node *lv;       /* LVALUE = ..., or NULL                       */
    const char *addr;     /* &lvalue, evaluated                          */
    Op *kids;             /* gather: its operands; with_timeout: one     */
    int nkids;
    const char *stype;    /* gather, with_timeout, to_thread: its struct */
    Type ret;             /* the result's type (no result: is_void)      */
    int is_void;
    /* OP_CALL */
    AsyncFn *g;           /* the named callee, or NULL: a pointer        */
    CallKind ck;
    const char *callee;   /* CALL_DYN: the function, evaluated           */
    const char *args;     /* ", a, b", evaluated                         */
    /* OP_TIMEOUT */
    const char *ms;
    /* OP_THREAD */
    Type ft;              /* the function's type                         */
    int by_name;          /* the function is named (no pointer to keep)  */
    const char **targs;   /* the arguments, evaluated                    */
    int ntargs;
};

static void op_prepare(Low *L, Op *op, const Node *n, int by_value);

/* An operand of gather or with_timeout: maybe LVALUE = operand. */
static void kid_prepare(Low *L, Op *op, const Node *n, int by_value)
{
    const Node *lv = NULL;
    if (n->kind == N_ASSIGN && n->op == TK_ASSIGN) {
        lv = n->lhs;
        n = n->rhs;
    }
    op_prepare(L, op, n, by_value);
    op->lv = lv;
}

/* The tree of an operand, and how each call's frame is held.  `by_value`
 * operands (spawn's, whose struct is defined after every frame of the
 * file) can embed frames on a cycle. */
static void op_prepare(Low *L, Op *op, const Node *n, int by_value)
{
    memset(op, 0, sizeof *op);
    op->node = n;
    switch (n->kind) {
    case N_GATHER:
    case N_WITH_TIMEOUT: {
        op->kind = n->kind == N_GATHER ? OP_GATHER : OP_TIMEOUT;
        op->nkids = n->kind == N_GATHER ? list_len(n->list) : 1;
        op->kids = arena_alloc(L->a, sizeof *op->kids * (size_t)(op->nkids + 1));
        int i = 0;
        for (const Node *x = n->kind == N_GATHER ? n->list : n->operand; x && i < op->nkids;
             x = x->next)
            kid_prepare(L, &op->kids[i++], x, by_value);
        op->ret = type_int();
        return;
    }
    case N_TO_THREAD: {
        op->kind = OP_THREAD;
        Type t = type_int();
        if (type_of(L, n->callee, &t) == 0 && type_is_pointer(t))
            t = type_pointee(t);
        op->ft = t;
        op->ret = type_is_function(t) ? type_result(t) : type_int();
        op->is_void = type_is_void(op->ret);
        op->by_name = n->callee->kind == N_IDENT && is_stable(L, n->callee);
        return;
    }
    default:
        break;
    }
    op->kind = OP_CALL;
    op->g = sema_callee(L->fe, L->fn, n);
    const AsyncFn *g = op->g;
    if (!g)
        op->ck = CALL_DYN;
    else if (g->defined_here)
        op->ck = sema_recursive(L->sema, L->fn, g) && !by_value ? CALL_HEAP : CALL_EMBED;
    else
        op->ck = g->frame_visible ? CALL_EMBED : CALL_DYN;
    if (g) {
        op->ret = g->ret;
    } else { /* a pointer: the type of what it points to */
        Type t, fnt;
        op->ret = type_int();
        if (type_of(L, n->callee, &t) == 0 && type_is_async_fn(t, &fnt))
            op->ret = type_result(fnt);
    }
    op->is_void = type_is_void(op->ret);
    if (op->ck == CALL_EMBED)
        add_fn(by_value ? &L->lf->uses : &L->lf->embeds,
               by_value ? &L->lf->nuses : &L->lf->nembeds, op->g);
    else if (op->ck == CALL_HEAP)
        add_fn(&L->lf->uses, &L->lf->nuses, op->g);
}

/* Does anything in the operand tree await? */
static int op_awaits(const Low *L, const Op *op)
{
    if (op->lv && awaits(L, op->lv))
        return 1;
    return awaits(L, op->node);
}

/* The text of each node of kids[0..n): its hole, or its source. */
static const char *kid_text(Low *L, const Node *k)
{
    return L->repl[k->id] ? L->repl[k->id] : src_text(L, k);
}

/* Evaluate what the operand tree needs, left to right.  With `any`,
 * everything is saved to temporaries first: an await among the operands
 * has its frame in the union the operand's struct overlaps. */
static void op_evaluate(Low *L, Op *op, int any)
{
    if (op->lv) {
        const char *place = lx(L, op->lv);
        if (any) {
            const char *p = temp_pointer(L, op->lv);
            if (p)
                put_gen(L, "%s = &(%s);", p, place);
            op->addr = p ? p : "0";
        } else {
            op->addr = arena_printf(L->a, "&(%s)", place);
        }
    }
    const Node *n = op->node;
    switch (op->kind) {
    case OP_GATHER:
        for (int i = 0; i < op->nkids; i++)
            op_evaluate(L, &op->kids[i], any);
        return;
    case OP_TIMEOUT:
        op->ms = lx(L, n->arg);
        if (any && !is_stable(L, n->arg)) {
            const char *t = temp_for(L, n->arg);
            put_gen(L, "%s = %s;", t, op->ms);
            op->ms = t;
        }
        op_evaluate(L, &op->kids[0], any);
        return;
    case OP_THREAD:
    case OP_CALL: {
        /* the function (unless it is a name) and the arguments */
        int nargs = list_len(n->list);
        int with_fn = op->kind == OP_THREAD ? !op->by_name : op->ck == CALL_DYN && !op->g;
        Node **k = arena_alloc(L->a, sizeof *k * (size_t)(nargs + 2));
        int m = 0;
        if (with_fn)
            k[m++] = n->callee;
        for (Node *x = n->list; x; x = x->next)
            k[m++] = x;
        sequence(L, k, m, any);
        if (with_fn)
            op->callee = kid_text(L, n->callee);
        else if (op->kind == OP_CALL && op->g)
            op->callee = op->g->name;
        op->targs = arena_alloc(L->a, sizeof *op->targs * (size_t)(nargs + 1));
        Buf b = {0};
        for (int i = with_fn; i < m; i++) {
            const char *t = kid_text(L, k[i]);
            op->targs[op->ntargs++] = t;
            buf_printf(&b, ", %s", t);
        }
        op->args = arena_strndup(L->a, b.s ? b.s : "", b.len);
        buf_free(&b);
        return;
    }
    }
}

/* "((struct { struct ac_coro co; T ret; } *)co)->ret": the result of a
 * frame whose type is not seen, by the ABI's convention. */
static const char *dyn_result(Low *L, Type ret, const char *co)
{
    const char *r = type_decl(L->a, ret, "ret", 1, NULL);
    return arena_printf(L->a, "((struct { struct ac_coro co; %s; } *)%s)->ret",
                        r ? r : "int ret", co);
}

/* The operand's result, its storage being `base`. */
static const char *op_result(Low *L, const Op *op, const char *base)
{
    switch (op->kind) {
    case OP_GATHER: return arena_printf(L->a, "%s.g.ret", base);
    case OP_TIMEOUT: return arena_printf(L->a, "%s.w.ret", base);
    case OP_THREAD: return arena_printf(L->a, "%s->ret", base);
    case OP_CALL: break;
    }
    switch (op->ck) {
    case CALL_EMBED: return arena_printf(L->a, "%s.ret", base);
    case CALL_HEAP: return arena_printf(L->a, "%s->ret", base);
    case CALL_DYN: break;
    }
    return dyn_result(L, op->ret, arena_printf(L->a, "%s.co", base));
}

/* The declaration of the member that holds the operand. */
static const char *op_member(Low *L, const Op *op, const char *name)
{
    if (op->kind == OP_THREAD) /* its own allocation (ac_to_thread__init_heap) */
        return arena_printf(L->a, "struct %s *%s", op->stype, name);
    if (op->kind != OP_CALL)
        return arena_printf(L->a, "struct %s %s", op->stype, name);
    switch (op->ck) {
    case CALL_EMBED: return arena_printf(L->a, "struct %s__frame %s", op->g->name, name);
    case CALL_HEAP: return arena_printf(L->a, "struct %s__frame *%s", op->g->name, name);
    case CALL_DYN: break;
    }
    return arena_printf(L->a, "ac_dyn %s", name);
}

/* For LVALUE = operand: the member keeping the lvalue's address. */
static void lv_member(Low *L, Buf *ty, const Op *op, int i)
{
    if (!op->lv || op->is_void)
        return;
    Type t;
    const char *decl = NULL;
    if (type_of(L, op->lv, &t) == 0)
        decl = type_decl(L->a, t, arena_printf(L->a, "*p%d", i), 1, NULL);
    buf_printf(ty, "    %s;\n", decl ? decl : arena_printf(L->a, "void *p%d", i));
}

/* The store function of operand i of struct `stype`: runs when that
 * operand completed without being cancelled. */
static const char *kid_store(Low *L, const char *stype, const Op *kid, int i)
{
    if (!kid->lv || kid->is_void)
        return "NULL";
    const char *fname = arena_printf(L->a, "%s__store%d", stype, i);
    Buf *h = &L->lf->helpers;
    buf_printf(h, "static void %s(void *ctx)\n{\n", fname);
    buf_printf(h, "    struct %s *s = ctx;\n", stype);
    buf_printf(h, "    *s->p%d = %s;\n}\n\n", i,
               op_result(L, kid, arena_printf(L->a, "s->c%d", i)));
    return fname;
}

static const char *kind_name(const Op *op)
{
    return op->kind == OP_GATHER ? "gather" : op->kind == OP_TIMEOUT ? "timeout" : "thread";
}

/* Name and define the structs of the operand tree, innermost first, into
 * `ty`; the thread thunks and store functions go to the helpers. */
static void op_types(Low *L, Op *op, const char *stype, Buf *ty)
{
    if (op->kind == OP_CALL)
        return;
    op->stype = stype;
    for (int i = 0; i < op->nkids; i++)
        op_types(L, &op->kids[i],
                 arena_printf(L->a, "%s_%s%d", stype, kind_name(&op->kids[i]), i), ty);
    if (op->kind == OP_THREAD) {
        buf_printf(ty, "struct %s {\n    struct ac_to_thread__frame w;\n", stype);
        if (!op->is_void)
            buf_printf(ty, "    %s;\n", type_decl(L->a, op->ret, "ret", 1, NULL));
        if (!op->by_name) {
            Type pt;
            if (type_of(L, op->node->callee, &pt) < 0 || !type_is_pointer(pt))
                pt = op->ft;
            const char *d = type_is_pointer(pt) ? type_decl(L->a, pt, "fn", 1, NULL)
                                                : type_decl(L->a, op->ft, "(*fn)", 0, NULL);
            buf_printf(ty, "    %s;\n", d ? d : "void *fn");
        }
        int np = type_nparams(op->ft), i = 0;
        for (const Node *x = op->node->list; x; x = x->next, i++) {
            Type at;
            if (i < np)
                at = type_param(op->ft, i);
            else if (type_of(L, x, &at) < 0)
                at = type_int();
            const char *d = type_is_array(at)
                                ? type_decl(L->a, type_element(at), arena_printf(L->a, "*a%d", i), 1,
                                            NULL)
                                : type_decl(L->a, at, arena_printf(L->a, "a%d", i), 1, NULL);
            buf_printf(ty, "    %s;\n", d ? d : arena_printf(L->a, "int a%d", i));
        }
        buf_puts(ty, "};\n\n");
        /* the thunk that runs on the pool thread */
        Buf *h = &L->lf->helpers;
        buf_printf(h, "static void %s__run(struct ac_to_thread__frame *w)\n{\n", stype);
        buf_printf(h, "    struct %s *t = (struct %s *)w;\n    ", stype, stype);
        if (!op->is_void)
            buf_puts(h, "t->ret = ");
        buf_puts(h, op->by_name ? src_text(L, op->node->callee) : "t->fn");
        buf_puts(h, "(");
        for (i = 0; i < op->ntargs; i++)
            buf_printf(h, "%st->a%d", i ? ", " : "", i);
        buf_puts(h, ");\n}\n\n");
        return;
    }
    if (op->kind == OP_GATHER)
        buf_printf(ty, "struct %s {\n    struct ac_gather__frame g;\n    ac_gather_child ch[%d];\n",
                   stype, op->nkids ? op->nkids : 1);
    else
        buf_printf(ty, "struct %s {\n    struct ac_with_timeout__frame w;\n", stype);
    for (int i = 0; i < op->nkids; i++) {
        buf_printf(ty, "    %s;\n", op_member(L, &op->kids[i], arena_printf(L->a, "c%d", i)));
        lv_member(L, ty, &op->kids[i], i);
    }
    buf_puts(ty, "};\n\n");
}

/* Set the operand up in its storage `base`; returns its ac_coro. */
static const char *op_start(Low *L, const Op *op, const char *base)
{
    switch (op->kind) {
    case OP_GATHER: {
        for (int i = 0; i < op->nkids; i++) {
            const Op *k = &op->kids[i];
            if (k->addr && !k->is_void)
                put_gen(L, "%s.p%d = %s;", base, i, k->addr);
            const char *co = op_start(L, k, arena_printf(L->a, "%s.c%d", base, i));
            put_gen(L, "%s.ch[%d].co = %s;", base, i, co);
            put_gen(L, "%s.ch[%d].store = %s;", base, i, kid_store(L, op->stype, k, i));
            put_gen(L, "%s.ch[%d].ctx = &%s;", base, i, base);
        }
        put_gen(L, "__ac_gather__init(&%s.g, %s.ch, %d);", base, base, op->nkids);
        return arena_printf(L->a, "&%s.g.co", base);
    }
    case OP_TIMEOUT: {
        const Op *k = &op->kids[0];
        if (k->addr && !k->is_void)
            put_gen(L, "%s.p0 = %s;", base, k->addr);
        const char *co = op_start(L, k, arena_printf(L->a, "%s.c0", base));
        put_gen(L, "__ac_with_timeout__init(&%s.w, %s, %s, %s, &%s);", base, op->ms, co,
                kid_store(L, op->stype, k, 0), base);
        return arena_printf(L->a, "&%s.w.co", base);
    }
    case OP_THREAD:
        put_gen(L, "%s = __ac_frame_alloc(sizeof *%s);", base, base);
        if (!op->by_name)
            put_gen(L, "%s->fn = %s;", base, op->callee);
        for (int i = 0; i < op->ntargs; i++)
            put_gen(L, "%s->a%d = %s;", base, i, op->targs[i]);
        put_gen(L, "__ac_to_thread__init_heap(&%s->w, %s__run, sizeof *%s);", base, op->stype,
                base);
        return arena_printf(L->a, "&%s->w.co", base);
    case OP_CALL:
        break;
    }
    switch (op->ck) {
    case CALL_EMBED:
        put_gen(L, "%s__init(&%s%s);", op->g->name, base, op->args);
        return arena_printf(L->a, "&%s.co", base);
    case CALL_HEAP:
        put_gen(L, "%s = __ac_frame_alloc(sizeof *%s);", base, base);
        put_gen(L, "%s__init(%s%s);", op->g->name, base, op->args);
        return arena_printf(L->a, "&%s->co", base);
    case CALL_DYN:
        break;
    }
    put_gen(L, "__ac_dyn_begin(&%s);", base);
    put_gen(L, "(void)(%s)(%s);", op->callee, op->args[0] ? op->args + 2 : "");
    return arena_printf(L->a, "__ac_dyn_end(&%s)", base);
}

/* Does the operand hold frames that are not embedded in its storage? */
static int op_needs_release(const Op *op)
{
    if (op->kind == OP_CALL)
        return op->ck != CALL_EMBED;
    if (op->kind == OP_THREAD)
        return 1;
    for (int i = 0; i < op->nkids; i++)
        if (op_needs_release(&op->kids[i]))
            return 1;
    return 0;
}

/* Give back those frames, once the operand has completed: statements
 * appended to b. */
static void op_release(Low *L, const Op *op, const char *base, Buf *b)
{
    if (op->kind == OP_CALL) {
        if (op->ck == CALL_HEAP)
            buf_printf(b, " __ac_frame_free(%s, sizeof *%s);", base, base);
        else if (op->ck == CALL_DYN)
            buf_printf(b, " __ac_frame_free(%s.co, %s.size);", base, base);
        return;
    }
    if (op->kind == OP_THREAD) { /* the runtime frees it, maybe later */
        buf_printf(b, " __ac_to_thread_release(&%s->w);", base);
        return;
    }
    for (int i = 0; i < op->nkids; i++)
        op_release(L, &op->kids[i], arena_printf(L->a, "%s.c%d", base, i), b);
}

/* await OPERAND: its value when want, else NULL. */
static const char *await_op(Low *L, const Node *aw, const Node *operand, int want)
{
    Op op;
    op_prepare(L, &op, operand, 0);
    op_evaluate(L, &op, op_awaits(L, &op));
    int k = new_point(L, aw->tok0);
    if (op.kind != OP_CALL)
        op_types(L, &op, arena_printf(L->a, "%s__%s%d", L->fn->name, kind_name(&op), k),
                 &L->lf->types);
    buf_printf(&L->lf->subs, "        %s;\n", op_member(L, &op, arena_printf(L->a, "a%d", k)));
    const char *base = arena_printf(L->a, "__ac_f->sub.a%d", k);
    await_point(L, op_start(L, &op, base), k);
    const char *r = want && !op.is_void ? op_result(L, &op, base) : NULL;
    if (op_needs_release(&op)) {
        if (r) { /* read the result before its frame goes */
            const char *t = temp_of_type(L, op.ret, operand);
            if (op.kind == OP_THREAD) /* cancelled, the function may still run */
                put_gen(L, "if (%s->w.ret == 0) %s = %s; else __builtin_memset(&%s, 0, sizeof %s);",
                        base, t, r, t, t);
            else
                put_gen(L, "%s = %s;", t, r);
            r = t;
        }
        Buf b = {0};
        op_release(L, &op, base, &b);
        put_gen(L, "%s", b.s + 1);
        buf_free(&b);
    }
    return r;
}

const char *lower_await(Low *L, const Node *e, int want)
{
    const char *r = await_op(L, e, e->operand, want);
    if (want && !r)
        r = "(void)0";
    L->repl[e->id] = r;
    return r;
}

/* spawn(G, operand); the operand's struct is one allocation that the
 * runtime frees when the child has finished, after giving back the frames
 * it only points to. */
void lower_spawn(Low *L, const Node *e)
{
    Op op;
    kid_prepare(L, &op, e->operand, 1);
    int any = op_awaits(L, &op);
    const char *g = lx(L, e->arg);
    if (any && !is_stable(L, e->arg)) {
        const char *t = temp_for(L, e->arg);
        put_gen(L, "%s = %s;", t, g);
        g = t;
    }
    op_evaluate(L, &op, any);
    int k = ++L->nlabels;
    const char *stype = arena_printf(L->a, "%s__spawn%d", L->fn->name, k);
    Buf *h = &L->lf->helpers;
    if (op.kind != OP_CALL)
        op_types(L, &op, arena_printf(L->a, "%s_%s0", stype, kind_name(&op)), h);
    buf_printf(h, "struct %s {\n    ac_spawn_child hdr;\n    %s;\n", stype,
               op_member(L, &op, "c0"));
    lv_member(L, h, &op, 0);
    buf_puts(h, "};\n\n");
    const char *release = NULL;
    if (op_needs_release(&op)) {
        release = arena_printf(L->a, "%s__release", stype);
        Buf b = {0};
        op_release(L, &op, "s->c0", &b);
        buf_printf(h, "static void %s(void *ctx)\n{\n    struct %s *s = ctx;\n   %s\n}\n\n",
                   release, stype, b.s);
        buf_free(&b);
    }
    const char *store = kid_store(L, stype, &op, 0);
    put_gen(L, "{");
    put_gen(L, "struct %s *__ac_s = __ac_frame_alloc(sizeof *__ac_s);", stype);
    if (op.addr && !op.is_void)
        put_gen(L, "__ac_s->p0 = %s;", op.addr);
    const char *co = op_start(L, &op, "__ac_s->c0");
    put_gen(L, "__ac_s->hdr.co = %s;", co);
    put_gen(L, "__ac_s->hdr.store = %s;", store);
    put_gen(L, "__ac_s->hdr.ctx = __ac_s;");
    put_gen(L, "__ac_s->hdr.alloc_size = sizeof *__ac_s;");
    if (release)
        put_gen(L, "__ac_spawn_release(%s, &__ac_s->hdr, %s); }", g, release);
    else
        put_gen(L, "__ac_spawn(%s, &__ac_s->hdr); }", g);
}
