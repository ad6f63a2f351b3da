/*
 * lower_expr.c - stage 5b: expressions, and the code of each await site.
 *
 * An expression without awaits is printed from its source tokens, frame
 * locals renamed and lowered subexpressions replaced by their results
 * ("holes").  One with awaits is taken apart left to right: operands that
 * come before an await and could be changed by it are saved in frame
 * temporaries first; && || and ?: become ifs so that an await on the side
 * not evaluated never happens.
 */
#include <stdio.h>
#include <string.h>

#include "lower_int.h"

/* ------------------------------------------------------------------ */
/* Printing source text with edits                                     */
/* ------------------------------------------------------------------ */

typedef struct Hole {
    int t0, t1;
    const char *text;
} Hole;

typedef struct Holes {
    Hole *h;
    int n, cap;
} Holes;

static void collect_holes(Node *n, Holes *hs)
{
    if (!n)
        return;
    if (n->repl) {
        if (hs->n == hs->cap) {
            hs->cap = hs->cap ? hs->cap * 2 : 8;
            hs->h = realloc(hs->h, sizeof *hs->h * (size_t)hs->cap);
            if (!hs->h)
                exit(1);
        }
        hs->h[hs->n++] = (Hole){n->tok0, n->tok1, n->repl};
        return;
    }
    KidIter it;
    for (Node *x = ast_first_kid(n, &it); x; x = ast_next_kid(&it))
        collect_holes(x, hs);
}

static int cmp_hole(const void *a, const void *b)
{
    const Hole *x = a, *y = b;
    return x->t0 - y->t0;
}

/* The text of one raw token, renamed when it names a frame local. */
static void put_token(Low *L, Buf *b, int i)
{
    const RawTok *t = rt(L, i);
    if (t->ckind == RT_IDENT) {
        int li = front_local_at(L->fn, t->off);
        if (li >= 0 && L->fn->locals[li].in_frame) {
            buf_printf(b, "ac_f->%s", L->fn->locals[li].member);
            return;
        }
    }
    buf_put(b, L->fe->src.text + t->off, t->len);
}

/* Source text of raw tokens t0..t1 with the holes of `n` filled in. */
char *range_text(Low *L, int t0, int t1, Node *n)
{
    Holes hs = {0};
    collect_holes(n, &hs);
    if (hs.n > 1)
        qsort(hs.h, (size_t)hs.n, sizeof *hs.h, cmp_hole);
    Buf b = {0};
    int k = 0;
    for (int i = t0; i <= t1;) {
        if (i > t0) { /* the text between tokens: spaces, comments */
            const RawTok *p = rt(L, i - 1), *q = rt(L, i);
            buf_put(&b, L->fe->src.text + p->off + p->len, q->off - (p->off + p->len));
        }
        while (k < hs.n && hs.h[k].t1 < i)
            k++;
        if (k < hs.n && hs.h[k].t0 == i) {
            buf_puts(&b, hs.h[k].text);
            i = hs.h[k].t1 + 1;
            k++;
            continue;
        }
        put_token(L, &b, i);
        i++;
    }
    free(hs.h);
    char *s = arena_strndup(L->a, b.s ? b.s : "", b.len);
    buf_free(&b);
    return s;
}

char *src_text(Low *L, Node *n)
{
    return range_text(L, n->tok0, n->tok1, n);
}

/* ------------------------------------------------------------------ */
/* Expressions                                                         */
/* ------------------------------------------------------------------ */


/* Constants and names of functions never change across an await. */
int is_stable(Low *L, const Node *e)
{
    switch (e->kind) {
    case N_CONST:
    case N_STRING:
    case N_SIZEOF_TYPE:
        return 1;
    case N_SIZEOF_EXPR:
        return 1;
    case N_IDENT: {
        CXType t;
        if (front_local_at(L->fn, rt(L, e->tok0)->off) >= 0)
            return 0;
        return type_of(L, e, &t) == 0 &&
               (t.kind == CXType_FunctionProto || t.kind == CXType_FunctionNoProto);
    }
    default:
        return 0;
    }
}

/*
 * Evaluate `kids` (the operands of one expression, in evaluation order)
 * left to right.  Every operand before the last one that contains an await
 * is saved in a temporary unless it is stable; the operand with the last
 * await is lowered in place.  Afterwards each kid's text is in kid->repl
 * (or NULL: print it as written).  With `all`, awaiting operands are saved
 * too (their results live in the frame union, which a later site reuses).
 */
void sequence(Low *L, Node **kids, int n, int all)
{
    int last = -1;
    for (int i = 0; i < n; i++)
        if (kids[i] && kids[i]->awaits)
            last = i;
    if (last < 0)
        return;
    for (int i = 0; i <= last; i++) {
        Node *k = kids[i];
        if (!k || (!k->awaits && is_stable(L, k)))
            continue;
        const char *v = lx(L, k);
        if (i < last || all) {
            const char *t = temp_for(L, k);
            out_line(L, "%s = %s;", t, v);
            v = t;
        }
        k->repl = v;
    }
}

Node **kids_of(Low *L, Node *e, int *n)
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
static const char *lower_logic(Low *L, Node *e)
{
    const char *a = lx(L, e->lhs);
    if (!e->rhs->awaits) {
        e->lhs->repl = a;
        return src_text(L, e);
    }
    const char *m = member_name(L, arena_printf(L->a, "tmp_%d", ++L->ntemps));
    buf_printf(&L->lf->members, "    int %s;\n", m);
    const char *t = arena_printf(L->a, "ac_f->%s", m);
    out_line(L, "%s = !!(%s);", t, a);
    out_line(L, "if (%s%s) {", e->kind == N_LOGAND ? "" : "!", t);
    L->depth++;
    const char *b = lx(L, e->rhs);
    out_line(L, "%s = !!(%s);", t, b);
    L->depth--;
    out_line(L, "}");
    return t;
}

static const char *lower_cond(Low *L, Node *e)
{
    const char *c = lx(L, e->cond);
    Node *then = e->then;
    if ((!then || !then->awaits) && !e->els->awaits) {
        e->cond->repl = c;
        return src_text(L, e);
    }
    CXType ty;
    int is_void = type_of(L, e, &ty) == 0 && ty.kind == CXType_Void;
    const char *t = is_void ? NULL : temp_for(L, e);
    if (!then) { /* GNU a ?: c */
        const char *s = temp_for(L, e->cond);
        out_line(L, "%s = %s;", s, c);
        c = s;
    }
    out_line(L, "if (%s) {", c);
    L->depth++;
    const char *b = then ? lx(L, then) : c;
    if (t)
        out_line(L, "%s = %s;", t, b);
    else
        out_line(L, "(void)(%s);", b);
    L->depth--;
    out_line(L, "} else {");
    L->depth++;
    const char *d = lx(L, e->els);
    if (t)
        out_line(L, "%s = %s;", t, d);
    else
        out_line(L, "(void)(%s);", d);
    L->depth--;
    out_line(L, "}");
    return t ? t : "(void)0";
}

/* Is the lvalue's address the same before and after an await? */
static int lvalue_is_fixed(Low *L, const Node *e)
{
    switch (e->kind) {
    case N_IDENT:
        return 1;
    case N_MEMBER:
        return e->op == TK_DOT && lvalue_is_fixed(L, e->operand);
    case N_INDEX: {
        /* a[constant] of an array (not through a pointer that may change) */
        CXType t;
        return e->lhs->kind == N_IDENT && is_stable(L, e->rhs) && type_of(L, e->lhs, &t) == 0 &&
               t.kind == CXType_ConstantArray;
    }
    default:
        return 0;
    }
}

static const char *lower_assign(Low *L, Node *e)
{
    if (!e->rhs->awaits) { /* the await is in the left side only */
        e->lhs->repl = lx(L, e->lhs);
        return src_text(L, e);
    }
    if (e->lhs->awaits || !lvalue_is_fixed(L, e->lhs)) {
        /* Left to right: the place is computed before the awaits. */
        const char *place = lx(L, e->lhs);
        CXType t;
        if (type_of(L, e->lhs, &t) < 0) {
            diag_error(&L->fe->src, rt(L, e->lhs->tok0)->off, "internal: no type for lvalue");
            return "0";
        }
        /* Save &place in a pointer temporary. */
        const char *m = member_name(L, arena_printf(L->a, "tmp_%d", ++L->ntemps));
        const char *why = NULL;
        char *decl = front_decl_text(L->a, t, arena_printf(L->a, "*%s", m), 1, &why);
        if (!decl) {
            diag_error(&L->fe->src, rt(L, e->lhs->tok0)->off,
                       "this lvalue's type (%s) cannot be saved across an await", why);
            return "0";
        }
        buf_printf(&L->lf->members, "    %s;\n", decl);
        out_line(L, "ac_f->%s = &(%s);", m, place);
        e->lhs->repl = arena_printf(L->a, "(*ac_f->%s)", m);
    }
    e->rhs->repl = lx(L, e->rhs);
    return src_text(L, e);
}

const char *lx(Low *L, Node *e)
{
    if (!e->awaits)
        return src_text(L, e);
    switch (e->kind) {
    case N_AWAIT:
        return lower_await(L, e, 1);
    case N_COMMA: {
        const char *a = lx(L, e->lhs);
        out_line(L, "(void)(%s);", a);
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

CallKind call_kind(Low *L, AsyncFn *g)
{
    if (g->defined_here)
        return (g == L->fn || reach_ok(L->fe, g, L->fn)) ? CALL_HEAP : CALL_EMBED;
    return g->frame_visible ? CALL_EMBED : CALL_EXTERN;
}

/* Resume point: the await itself and its label. */
static int new_point(Low *L)
{
    return ++L->lf->npoints;
}

static void await_point(Low *L, const char *co, int k)
{
    out_line(L, "if (ac_await(&ac_f->co, %s, %d))", co, k);
    L->depth++;
    out_line(L, "return;");
    L->depth--;
    buf_printf(L->out, "%s%d:;\n", L->lf->label, k);
}

/* Texts of a call's arguments, evaluated left to right. */
static const char *args_text(Low *L, Node *call, int all)
{
    int n = list_len(call->list);
    Node **k = arena_alloc(L->a, sizeof *k * (size_t)(n + 1));
    int i = 0;
    for (Node *x = call->list; x; x = x->next)
        k[i++] = x;
    sequence(L, k, n, all);
    Buf b = {0};
    for (i = 0; i < n; i++) {
        buf_puts(&b, ", ");
        buf_puts(&b, k[i]->repl ? k[i]->repl : src_text(L, k[i]));
    }
    char *s = arena_strndup(L->a, b.s ? b.s : "", b.len);
    buf_free(&b);
    return s;
}

/* await g(args) */
static const char *await_call(Low *L, Node *call, int want)
{
    AsyncFn *g = sema_callee(L->fe, L->fn, call);
    const char *args = args_text(L, call, 0);
    int k = new_point(L);
    const char *slot = arena_printf(L->a, "ac_f->sub.a%d", k);
    switch (call_kind(L, g)) {
    case CALL_EMBED:
        add_fn(&L->lf->embeds, &L->lf->nembeds, g);
        buf_printf(&L->lf->subs, "        struct %s__frame a%d;\n", g->name, k);
        out_line(L, "%s__init(&%s%s);", g->name, slot, args);
        await_point(L, arena_printf(L->a, "&%s.co", slot), k);
        return g->is_void || !want ? NULL : arena_printf(L->a, "%s.ret", slot);
    case CALL_HEAP: {
        add_fn(&L->lf->uses, &L->lf->nuses, g);
        buf_printf(&L->lf->subs, "        struct %s__frame *a%d;\n", g->name, k);
        out_line(L, "%s = ac_frame_alloc(sizeof *%s);", slot, slot);
        out_line(L, "%s__init(%s%s);", g->name, slot, args);
        await_point(L, arena_printf(L->a, "&%s->co", slot), k);
        const char *t = NULL;
        if (!g->is_void && want) {
            t = temp_of_type(L, g->ret, call);
            out_line(L, "%s = %s->ret;", t, slot);
        }
        out_line(L, "ac_frame_free(%s, sizeof *%s);", slot, slot);
        return t;
    }
    case CALL_EXTERN: {
        add_fn(&L->lf->externs, &L->lf->nexterns, g);
        buf_printf(&L->lf->subs, "        ac_coro *a%d;\n", k);
        out_line(L, "%s = %s__new(%s);", slot, g->name, args[0] ? args + 2 : "");
        await_point(L, slot, k);
        const char *t = NULL;
        if (!g->is_void && want) {
            t = temp_of_type(L, g->ret, call);
            out_line(L, "%s = %s__result(%s);", t, g->name, slot);
        }
        out_line(L, "%s__free(%s);", g->name, slot);
        return t;
    }
    }
    return NULL;
}

/*
 * One operand of gather / with_timeout / spawn (CALL or LVALUE = CALL),
 * kept in a struct that holds, for operand i, the callee's frame `c<i>`
 * and, for LVALUE = CALL, the lvalue's address `p<i>`.  The frame is
 * embedded when its type is complete here; for a callee on a recursion
 * cycle the struct holds a pointer to a frame from ac_frame_alloc, and for
 * one defined in another file the ac_coro from its NAME__new.
 */
typedef struct Item {
    Node *call;
    AsyncFn *g;
    Node *lv;
    const char *args;
    const char *addr;
    CallKind kind;
} Item;

static void item_prepare(Low *L, Node *n, Item *it)
{
    memset(it, 0, sizeof *it);
    it->call = n;
    if (n->kind == N_ASSIGN) {
        it->lv = n->lhs;
        it->call = n->rhs;
    }
    it->g = sema_callee(L->fe, L->fn, it->call);
}

/* Evaluate an item's lvalue address and arguments (left to right).  With
 * awaits anywhere among the operands, everything is saved to temporaries
 * first, because the struct being filled overlaps the awaits' frames. */
static void items_evaluate(Low *L, Item *its, int n, Node *pre)
{
    int any = pre && pre->awaits;
    for (int i = 0; i < n; i++)
        any |= (its[i].lv && its[i].lv->awaits) || its[i].call->awaits;
    for (int i = 0; i < n; i++) {
        if (its[i].lv) {
            const char *place = lx(L, its[i].lv);
            if (any) {
                CXType t;
                if (type_of(L, its[i].lv, &t) < 0)
                    t.kind = CXType_Invalid;
                const char *m = member_name(L, arena_printf(L->a, "tmp_%d", ++L->ntemps));
                char *decl = front_decl_text(L->a, t, arena_printf(L->a, "*%s", m), 1, NULL);
                buf_printf(&L->lf->members, "    %s;\n", decl ? decl : "void *error");
                out_line(L, "ac_f->%s = &(%s);", m, place);
                its[i].addr = arena_printf(L->a, "ac_f->%s", m);
            } else {
                its[i].addr = arena_printf(L->a, "&(%s)", place);
            }
        }
        its[i].args = args_text(L, its[i].call, any);
    }
}

/*
 * How the operand's frame is held.  `by_value` structs (spawn's, which are
 * defined after every frame of the file) can embed frames on a cycle.
 */
static int item_kind(Low *L, Item *it, const char *form, int by_value)
{
    it->kind = call_kind(L, it->g);
    if (it->kind == CALL_HEAP && by_value)
        it->kind = CALL_EMBED;
    if (it->kind == CALL_EXTERN && by_value) {
        diag_error(&L->fe->src, rt(L, it->call->tok0)->off,
                   "%s of '%s' is not supported: its frame is not visible here (it is "
                   "defined in another file); wrap the call in an async function of "
                   "this file", form, it->g->name);
        return -1;
    }
    if (it->kind == CALL_EXTERN)
        add_fn(&L->lf->externs, &L->lf->nexterns, it->g);
    else if (by_value || it->kind == CALL_HEAP)
        add_fn(&L->lf->uses, &L->lf->nuses, it->g);
    else
        add_fn(&L->lf->embeds, &L->lf->nembeds, it->g);
    return 0;
}

static void item_members(Low *L, Buf *ty, Item *it, int i)
{
    if (it->kind == CALL_EMBED)
        buf_printf(ty, "    struct %s__frame c%d;\n", it->g->name, i);
    else if (it->kind == CALL_HEAP)
        buf_printf(ty, "    struct %s__frame *c%d;\n", it->g->name, i);
    else
        buf_printf(ty, "    ac_coro *c%d;\n", i);
    if (it->lv && !it->g->is_void) {
        CXType t;
        const char *decl = NULL;
        if (type_of(L, it->lv, &t) == 0)
            decl = front_decl_text(L->a, t, arena_printf(L->a, "*p%d", i), 1, NULL);
        if (!decl) {
            diag_error(&L->fe->src, rt(L, it->lv->tok0)->off,
                       "the type of this lvalue can't be written outside the function");
            decl = "void *error";
        }
        buf_printf(ty, "    %s;\n", decl);
    }
}

/* Set the operand up through `b` ("ac_f->sub.a3." or "ac_s->"): its
 * lvalue's address and its frame.  Returns the frame's ac_coro. */
static const char *item_start(Low *L, const char *b, Item *it, int i)
{
    if (it->addr && !it->g->is_void)
        out_line(L, "%sp%d = %s;", b, i, it->addr);
    switch (it->kind) {
    case CALL_EMBED:
        out_line(L, "%s__init(&%sc%d%s);", it->g->name, b, i, it->args);
        return arena_printf(L->a, "&%sc%d.co", b, i);
    case CALL_HEAP:
        out_line(L, "%sc%d = ac_frame_alloc(sizeof *%sc%d);", b, i, b, i);
        out_line(L, "%s__init(%sc%d%s);", it->g->name, b, i, it->args);
        return arena_printf(L->a, "&%sc%d->co", b, i);
    case CALL_EXTERN:
        out_line(L, "%sc%d = %s__new(%s);", b, i, it->g->name, it->args[0] ? it->args + 2 : "");
        return arena_printf(L->a, "%sc%d", b, i);
    }
    return "NULL";
}

/* After the operand finished: give back a frame that is not embedded. */
static void item_release(Low *L, const char *b, Item *it, int i)
{
    if (it->kind == CALL_HEAP)
        out_line(L, "ac_frame_free(%sc%d, sizeof *%sc%d);", b, i, b, i);
    else if (it->kind == CALL_EXTERN)
        out_line(L, "%s__free(%sc%d);", it->g->name, b, i);
}

/* The function that stores an operand's result through its lvalue. */
static const char *item_store(Low *L, const char *stype, Item *it, int i)
{
    if (!it->lv || it->g->is_void)
        return "NULL";
    const char *fname = arena_printf(L->a, "%s__store%d", stype, i);
    Buf *h = &L->lf->helpers;
    buf_printf(h, "static void %s(void *ctx)\n{\n", fname);
    buf_printf(h, "    struct %s *s = ctx;\n", stype);
    if (it->kind == CALL_EMBED)
        buf_printf(h, "    *s->p%d = s->c%d.ret;\n}\n\n", i, i);
    else if (it->kind == CALL_HEAP)
        buf_printf(h, "    *s->p%d = s->c%d->ret;\n}\n\n", i, i);
    else
        buf_printf(h, "    *s->p%d = %s__result(s->c%d);\n}\n\n", i, it->g->name, i);
    return fname;
}

static const char *await_gather(Low *L, Node *e, int want)
{
    int n = list_len(e->list);
    Item *its = arena_alloc(L->a, sizeof *its * (size_t)(n + 1));
    int i = 0;
    for (Node *x = e->list; x; x = x->next)
        item_prepare(L, x, &its[i++]);
    items_evaluate(L, its, n, NULL);
    int k = new_point(L);
    const char *stype = arena_printf(L->a, "%s__gather%d", L->fn->name, k);
    Buf *ty = &L->lf->types;
    buf_printf(ty, "struct %s {\n    struct ac_gather__frame g;\n", stype);
    buf_printf(ty, "    ac_gather_child ch[%d];\n", n ? n : 1);
    for (i = 0; i < n; i++)
        if (item_kind(L, &its[i], "gather", 0) == 0)
            item_members(L, ty, &its[i], i);
    buf_printf(ty, "};\n\n");
    buf_printf(&L->lf->subs, "        struct %s a%d;\n", stype, k);
    const char *s = arena_printf(L->a, "ac_f->sub.a%d", k);
    const char *b = arena_printf(L->a, "%s.", s);
    for (i = 0; i < n; i++) {
        const char *store = item_store(L, stype, &its[i], i);
        const char *co = item_start(L, b, &its[i], i);
        out_line(L, "%s.ch[%d].co = %s;", s, i, co);
        out_line(L, "%s.ch[%d].store = %s;", s, i, store);
        out_line(L, "%s.ch[%d].ctx = &%s;", s, i, s);
    }
    out_line(L, "ac_gather__init(&%s.g, %s.ch, %d);", s, s, n);
    await_point(L, arena_printf(L->a, "&%s.g.co", s), k);
    for (i = 0; i < n; i++)
        item_release(L, b, &its[i], i);
    return want ? arena_printf(L->a, "%s.g.ret", s) : NULL;
}

static const char *await_timeout(Low *L, Node *e, int want)
{
    Item it;
    item_prepare(L, e->operand, &it);
    /* The milliseconds come first in source order. */
    const char *ms = lx(L, e->arg);
    if (e->operand->awaits && !is_stable(L, e->arg)) {
        const char *t = temp_for(L, e->arg);
        out_line(L, "%s = %s;", t, ms);
        ms = t;
    }
    items_evaluate(L, &it, 1, e->arg);
    int k = new_point(L);
    const char *stype = arena_printf(L->a, "%s__timeout%d", L->fn->name, k);
    Buf *ty = &L->lf->types;
    buf_printf(ty, "struct %s {\n    struct ac_with_timeout__frame w;\n", stype);
    if (item_kind(L, &it, "with_timeout", 0) == 0)
        item_members(L, ty, &it, 0);
    buf_printf(ty, "};\n\n");
    buf_printf(&L->lf->subs, "        struct %s a%d;\n", stype, k);
    const char *s = arena_printf(L->a, "ac_f->sub.a%d", k);
    const char *b = arena_printf(L->a, "%s.", s);
    const char *store = item_store(L, stype, &it, 0);
    const char *co = item_start(L, b, &it, 0);
    out_line(L, "ac_with_timeout__init(&%s.w, %s, %s, %s, &%s);", s, ms, co, store, s);
    await_point(L, arena_printf(L->a, "&%s.w.co", s), k);
    item_release(L, b, &it, 0);
    return want ? arena_printf(L->a, "%s.w.ret", s) : NULL;
}

/* The function type a to_thread call runs. */
static int thread_fn_type(Low *L, Node *fn, CXType *ft)
{
    if (type_of(L, fn, ft) < 0)
        return -1;
    if (ft->kind == CXType_Pointer)
        *ft = clang_getPointeeType(*ft);
    return ft->kind == CXType_FunctionProto || ft->kind == CXType_FunctionNoProto ? 0 : -1;
}

static const char *await_thread(Low *L, Node *e, int want)
{
    CXType ft;
    if (thread_fn_type(L, e->callee, &ft) < 0) {
        diag_error(&L->fe->src, rt(L, e->callee->tok0)->off,
                   "the first operand of to_thread must be a function");
        return "0";
    }
    int n = list_len(e->list);
    Node **k = arena_alloc(L->a, sizeof *k * (size_t)(n + 2));
    k[0] = e->callee;
    int i = 1;
    for (Node *x = e->list; x; x = x->next)
        k[i++] = x;
    int by_name = e->callee->kind == N_IDENT && is_stable(L, e->callee);
    sequence(L, by_name ? k + 1 : k, by_name ? n : n + 1, 1);

    int site = new_point(L);
    const char *stype = arena_printf(L->a, "%s__thread%d", L->fn->name, site);
    CXType ret = clang_getResultType(ft);
    int is_void = ret.kind == CXType_Void;
    Buf *ty = &L->lf->types;
    buf_printf(ty, "struct %s {\n    struct ac_to_thread__frame w;\n", stype);
    if (!is_void)
        buf_printf(ty, "    %s;\n", front_decl_text(L->a, ret, "ret", 1, NULL));
    if (!by_name) {
        CXType pt;
        type_of(L, e->callee, &pt);
        if (pt.kind != CXType_Pointer)
            pt = ft;
        const char *d = pt.kind == CXType_Pointer ? front_decl_text(L->a, pt, "fn", 1, NULL)
                                                  : front_decl_text(L->a, ft, "(*fn)", 0, NULL);
        buf_printf(ty, "    %s;\n", d ? d : "void *fn");
    }
    int np = ft.kind == CXType_FunctionProto ? clang_getNumArgTypes(ft) : 0;
    for (i = 0; i < n; i++) {
        CXType at;
        if (i < np)
            at = clang_getArgType(ft, (unsigned)i);
        else if (type_of(L, k[i + 1], &at) < 0)
            at.kind = CXType_Int;
        const char *d = NULL;
        if (at.kind == CXType_ConstantArray || at.kind == CXType_IncompleteArray)
            d = front_decl_text(L->a, clang_getArrayElementType(at),
                                arena_printf(L->a, "*a%d", i), 1, NULL);
        else
            d = front_decl_text(L->a, at, arena_printf(L->a, "a%d", i), 1, NULL);
        if (!d) {
            diag_error(&L->fe->src, rt(L, k[i + 1]->tok0)->off,
                       "this argument's type can't be written outside the function");
            d = arena_printf(L->a, "int a%d", i);
        }
        buf_printf(ty, "    %s;\n", d);
    }
    buf_printf(ty, "};\n\n");
    buf_printf(&L->lf->subs, "        struct %s a%d;\n", stype, site);

    /* The thunk that runs on the pool thread. */
    Buf *h = &L->lf->helpers;
    buf_printf(h, "static void %s__run(struct ac_to_thread__frame *w)\n{\n", stype);
    buf_printf(h, "    struct %s *t = (struct %s *)w;\n    ", stype, stype);
    if (!is_void)
        buf_puts(h, "t->ret = ");
    if (by_name)
        buf_puts(h, src_text(L, e->callee));
    else
        buf_puts(h, "t->fn");
    buf_puts(h, "(");
    for (i = 0; i < n; i++)
        buf_printf(h, "%st->a%d", i ? ", " : "", i);
    buf_puts(h, ");\n}\n\n");

    const char *s = arena_printf(L->a, "ac_f->sub.a%d", site);
    if (!by_name)
        out_line(L, "%s.fn = %s;", s, k[0]->repl ? k[0]->repl : src_text(L, k[0]));
    for (i = 0; i < n; i++)
        out_line(L, "%s.a%d = %s;", s, i, k[i + 1]->repl ? k[i + 1]->repl : src_text(L, k[i + 1]));
    out_line(L, "ac_to_thread__init(&%s.w, %s__run);", s, stype);
    await_point(L, arena_printf(L->a, "&%s.w.co", s), site);
    return want && !is_void ? arena_printf(L->a, "%s.ret", s) : NULL;
}

const char *lower_await(Low *L, Node *e, int want)
{
    Node *op = e->operand;
    const char *r = NULL;
    switch (op->kind) {
    case N_CALL:
        r = await_call(L, op, want);
        break;
    case N_GATHER:
        r = await_gather(L, op, want);
        break;
    case N_WITH_TIMEOUT:
        r = await_timeout(L, op, want);
        break;
    case N_TO_THREAD:
        r = await_thread(L, op, want);
        break;
    default:
        break;
    }
    if (want && !r)
        r = "(void)0";
    e->repl = r;
    return r;
}

/* spawn(G, item); */
void lower_spawn(Low *L, Node *e)
{
    Item it;
    item_prepare(L, e->operand, &it);
    const char *g = lx(L, e->arg);
    if (e->operand->awaits && !is_stable(L, e->arg)) {
        const char *t = temp_for(L, e->arg);
        out_line(L, "%s = %s;", t, g);
        g = t;
    }
    items_evaluate(L, &it, 1, e->arg);
    int k = ++L->nlabels;
    const char *stype = arena_printf(L->a, "%s__spawn%d", L->fn->name, k);
    Buf ty = {0};
    buf_printf(&ty, "struct %s {\n    ac_spawn_child hdr;\n", stype);
    if (item_kind(L, &it, "spawn", 1) == 0)
        item_members(L, &ty, &it, 0);
    buf_printf(&ty, "};\n\n");
    buf_put(&L->lf->helpers, ty.s, ty.len);
    buf_free(&ty);
    const char *store = item_store(L, stype, &it, 0);
    out_line(L, "{");
    L->depth++;
    out_line(L, "struct %s *ac_s = ac_frame_alloc(sizeof *ac_s);", stype);
    const char *co = item_start(L, "ac_s->", &it, 0);
    out_line(L, "ac_s->hdr.co = %s;", co);
    out_line(L, "ac_s->hdr.store = %s;", store);
    out_line(L, "ac_s->hdr.ctx = ac_s;");
    out_line(L, "ac_s->hdr.alloc_size = sizeof *ac_s;");
    out_line(L, "ac_spawn(%s, &ac_s->hdr);", g);
    L->depth--;
    out_line(L, "}");
}

