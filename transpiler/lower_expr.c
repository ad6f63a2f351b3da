/*
 * lower_expr.c - expressions, and the code of each await site (see
 * lower_expr.h).
 */
#include <stdio.h>
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

typedef enum CallKind {
    CALL_EMBED,  /* callee frame inside ours                */
    CALL_HEAP,   /* same file, on a cycle: __ac_frame_alloc    */
    CALL_EXTERN, /* other file: NAME__new / __result / __free */
} CallKind;

static CallKind call_kind(const Low *L, const AsyncFn *g)
{
    if (g->defined_here)
        return sema_recursive(L->sema, L->fn, g) ? CALL_HEAP : CALL_EMBED;
    return g->frame_visible ? CALL_EMBED : CALL_EXTERN;
}

/* A new resume point. */
int new_point(Low *L)
{
    return ++L->lf->npoints;
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

/* Texts of a call's arguments, evaluated left to right. */
static const char *args_text(Low *L, const Node *call, int all)
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
        buf_puts(&b, L->repl[k[i]->id] ? L->repl[k[i]->id] : src_text(L, k[i]));
    }
    char *s = arena_strndup(L->a, b.s ? b.s : "", b.len);
    buf_free(&b);
    return s;
}

/* await g(args) */
static const char *await_call(Low *L, const Node *call, int want)
{
    AsyncFn *g = sema_callee(L->fe, L->fn, call);
    const char *args = args_text(L, call, 0);
    int k = new_point(L);
    const char *slot = arena_printf(L->a, "__ac_f->sub.a%d", k);
    switch (call_kind(L, g)) {
    case CALL_EMBED:
        add_fn(&L->lf->embeds, &L->lf->nembeds, g);
        buf_printf(&L->lf->subs, "        struct %s__frame a%d;\n", g->name, k);
        put_gen(L, "%s__init(&%s%s);", g->name, slot, args);
        await_point(L, arena_printf(L->a, "&%s.co", slot), k);
        return g->is_void || !want ? NULL : arena_printf(L->a, "%s.ret", slot);
    case CALL_HEAP: {
        add_fn(&L->lf->uses, &L->lf->nuses, g);
        buf_printf(&L->lf->subs, "        struct %s__frame *a%d;\n", g->name, k);
        put_gen(L, "%s = __ac_frame_alloc(sizeof *%s);", slot, slot);
        put_gen(L, "%s__init(%s%s);", g->name, slot, args);
        await_point(L, arena_printf(L->a, "&%s->co", slot), k);
        const char *t = NULL;
        if (!g->is_void && want) {
            t = temp_of_type(L, g->ret, call);
            put_gen(L, "%s = %s->ret;", t, slot);
        }
        put_gen(L, "__ac_frame_free(%s, sizeof *%s);", slot, slot);
        return t;
    }
    case CALL_EXTERN: {
        add_fn(&L->lf->externs, &L->lf->nexterns, g);
        buf_printf(&L->lf->subs, "        ac_coro *a%d;\n", k);
        put_gen(L, "%s = %s__new(%s);", slot, g->name, args[0] ? args + 2 : "");
        await_point(L, slot, k);
        const char *t = NULL;
        if (!g->is_void && want) {
            t = temp_of_type(L, g->ret, call);
            put_gen(L, "%s = %s__result(%s);", t, g->name, slot);
        }
        put_gen(L, "%s__free(%s);", g->name, slot);
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
 * cycle the struct holds a pointer to a frame from __ac_frame_alloc, and for
 * one defined in another file the ac_coro from its NAME__new.
 */
typedef struct Item {
    const Node *call;
    AsyncFn *g;
    const Node *lv;
    const char *args;
    const char *addr;
    CallKind kind;
} Item;

static void item_prepare(Low *L, const Node *n, Item *it)
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
static void items_evaluate(Low *L, Item *its, int n, const Node *pre)
{
    int any = pre && awaits(L, pre);
    for (int i = 0; i < n; i++)
        any |= (its[i].lv && awaits(L, its[i].lv)) || awaits(L, its[i].call);
    for (int i = 0; i < n; i++) {
        if (its[i].lv) {
            const char *place = lx(L, its[i].lv);
            if (any) {
                const char *p = temp_pointer(L, its[i].lv);
                if (p)
                    put_gen(L, "%s = &(%s);", p, place);
                its[i].addr = p ? p : "0";
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
static int item_kind(Low *L, Item *it, int by_value)
{
    it->kind = call_kind(L, it->g);
    if (it->kind == CALL_HEAP && by_value)
        it->kind = CALL_EMBED;
    if (it->kind == CALL_EXTERN && by_value)
        return -1; /* sema has said so */
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
        Type t;
        const char *decl = NULL;
        if (type_of(L, it->lv, &t) == 0)
            decl = type_decl(L->a, t, arena_printf(L->a, "*p%d", i), 1, NULL);
        if (!decl) {
            diag_error(&L->fe->src, rt(L, it->lv->tok0)->off,
                       "the type of this lvalue can't be written outside the function");
            decl = "void *error";
        }
        buf_printf(ty, "    %s;\n", decl);
    }
}

/* Set the operand up through `b` ("__ac_f->sub.a3." or "__ac_s->"): its
 * lvalue's address and its frame.  Returns the frame's ac_coro. */
static const char *item_start(Low *L, const char *b, Item *it, int i)
{
    if (it->addr && !it->g->is_void)
        put_gen(L, "%sp%d = %s;", b, i, it->addr);
    switch (it->kind) {
    case CALL_EMBED:
        put_gen(L, "%s__init(&%sc%d%s);", it->g->name, b, i, it->args);
        return arena_printf(L->a, "&%sc%d.co", b, i);
    case CALL_HEAP:
        put_gen(L, "%sc%d = __ac_frame_alloc(sizeof *%sc%d);", b, i, b, i);
        put_gen(L, "%s__init(%sc%d%s);", it->g->name, b, i, it->args);
        return arena_printf(L->a, "&%sc%d->co", b, i);
    case CALL_EXTERN:
        put_gen(L, "%sc%d = %s__new(%s);", b, i, it->g->name, it->args[0] ? it->args + 2 : "");
        return arena_printf(L->a, "%sc%d", b, i);
    }
    return "NULL";
}

/* After the operand finished: give back a frame that is not embedded. */
static void item_release(Low *L, const char *b, Item *it, int i)
{
    if (it->kind == CALL_HEAP)
        put_gen(L, "__ac_frame_free(%sc%d, sizeof *%sc%d);", b, i, b, i);
    else if (it->kind == CALL_EXTERN)
        put_gen(L, "%s__free(%sc%d);", it->g->name, b, i);
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

static const char *await_gather(Low *L, const Node *e, int want)
{
    int n = list_len(e->list);
    Item *its = arena_alloc(L->a, sizeof *its * (size_t)(n + 1));
    int i = 0;
    for (const Node *x = e->list; x; x = x->next)
        item_prepare(L, x, &its[i++]);
    items_evaluate(L, its, n, NULL);
    int k = new_point(L);
    const char *stype = arena_printf(L->a, "%s__gather%d", L->fn->name, k);
    Buf *ty = &L->lf->types;
    buf_printf(ty, "struct %s {\n    struct ac_gather__frame g;\n", stype);
    buf_printf(ty, "    ac_gather_child ch[%d];\n", n ? n : 1);
    for (i = 0; i < n; i++)
        if (item_kind(L, &its[i], 0) == 0)
            item_members(L, ty, &its[i], i);
    buf_printf(ty, "};\n\n");
    buf_printf(&L->lf->subs, "        struct %s a%d;\n", stype, k);
    const char *s = arena_printf(L->a, "__ac_f->sub.a%d", k);
    const char *b = arena_printf(L->a, "%s.", s);
    for (i = 0; i < n; i++) {
        const char *store = item_store(L, stype, &its[i], i);
        const char *co = item_start(L, b, &its[i], i);
        put_gen(L, "%s.ch[%d].co = %s;", s, i, co);
        put_gen(L, "%s.ch[%d].store = %s;", s, i, store);
        put_gen(L, "%s.ch[%d].ctx = &%s;", s, i, s);
    }
    put_gen(L, "__ac_gather__init(&%s.g, %s.ch, %d);", s, s, n);
    await_point(L, arena_printf(L->a, "&%s.g.co", s), k);
    for (i = 0; i < n; i++)
        item_release(L, b, &its[i], i);
    return want ? arena_printf(L->a, "%s.g.ret", s) : NULL;
}

static const char *await_timeout(Low *L, const Node *e, int want)
{
    Item it;
    item_prepare(L, e->operand, &it);
    /* The milliseconds come first in source order. */
    const char *ms = lx(L, e->arg);
    if (awaits(L, e->operand) && !is_stable(L, e->arg)) {
        const char *t = temp_for(L, e->arg);
        put_gen(L, "%s = %s;", t, ms);
        ms = t;
    }
    items_evaluate(L, &it, 1, e->arg);
    int k = new_point(L);
    const char *stype = arena_printf(L->a, "%s__timeout%d", L->fn->name, k);
    Buf *ty = &L->lf->types;
    buf_printf(ty, "struct %s {\n    struct ac_with_timeout__frame w;\n", stype);
    if (item_kind(L, &it, 0) == 0)
        item_members(L, ty, &it, 0);
    buf_printf(ty, "};\n\n");
    buf_printf(&L->lf->subs, "        struct %s a%d;\n", stype, k);
    const char *s = arena_printf(L->a, "__ac_f->sub.a%d", k);
    const char *b = arena_printf(L->a, "%s.", s);
    const char *store = item_store(L, stype, &it, 0);
    const char *co = item_start(L, b, &it, 0);
    put_gen(L, "__ac_with_timeout__init(&%s.w, %s, %s, %s, &%s);", s, ms, co, store, s);
    await_point(L, arena_printf(L->a, "&%s.w.co", s), k);
    item_release(L, b, &it, 0);
    return want ? arena_printf(L->a, "%s.w.ret", s) : NULL;
}

/* The function type a to_thread call runs. */
static int thread_fn_type(const Low *L, const Node *fn, Type *ft)
{
    if (type_of(L, fn, ft) < 0)
        return -1;
    if (type_is_pointer(*ft))
        *ft = type_pointee(*ft);
    return type_is_function(*ft) ? 0 : -1;
}

static const char *await_thread(Low *L, const Node *e, int want)
{
    Type ft;
    if (thread_fn_type(L, e->callee, &ft) < 0)
        return "0"; /* sema has said so */
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
    Type ret = type_result(ft);
    int is_void = type_is_void(ret);
    Buf *ty = &L->lf->types;
    buf_printf(ty, "struct %s {\n    struct ac_to_thread__frame w;\n", stype);
    if (!is_void)
        buf_printf(ty, "    %s;\n", type_decl(L->a, ret, "ret", 1, NULL));
    if (!by_name) {
        Type pt;
        if (type_of(L, e->callee, &pt) < 0 || !type_is_pointer(pt))
            pt = ft;
        const char *d = type_is_pointer(pt) ? type_decl(L->a, pt, "fn", 1, NULL)
                                            : type_decl(L->a, ft, "(*fn)", 0, NULL);
        buf_printf(ty, "    %s;\n", d ? d : "void *fn");
    }
    int np = type_nparams(ft);
    for (i = 0; i < n; i++) {
        Type at;
        if (i < np)
            at = type_param(ft, i);
        else if (type_of(L, k[i + 1], &at) < 0)
            at = type_int();
        const char *d = NULL;
        if (type_is_array(at))
            d = type_decl(L->a, type_element(at), arena_printf(L->a, "*a%d", i), 1, NULL);
        else
            d = type_decl(L->a, at, arena_printf(L->a, "a%d", i), 1, NULL);
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

    const char *s = arena_printf(L->a, "__ac_f->sub.a%d", site);
    if (!by_name)
        put_gen(L, "%s.fn = %s;", s, L->repl[k[0]->id] ? L->repl[k[0]->id] : src_text(L, k[0]));
    for (i = 0; i < n; i++)
        put_gen(L, "%s.a%d = %s;", s, i,
                 L->repl[k[i + 1]->id] ? L->repl[k[i + 1]->id] : src_text(L, k[i + 1]));
    put_gen(L, "__ac_to_thread__init(&%s.w, %s__run);", s, stype);
    await_point(L, arena_printf(L->a, "&%s.w.co", s), site);
    return want && !is_void ? arena_printf(L->a, "%s.ret", s) : NULL;
}

const char *lower_await(Low *L, const Node *e, int want)
{
    const Node *op = e->operand;
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
    L->repl[e->id] = r;
    return r;
}

/* spawn(G, item); */
void lower_spawn(Low *L, const Node *e)
{
    Item it;
    item_prepare(L, e->operand, &it);
    const char *g = lx(L, e->arg);
    if (awaits(L, e->operand) && !is_stable(L, e->arg)) {
        const char *t = temp_for(L, e->arg);
        put_gen(L, "%s = %s;", t, g);
        g = t;
    }
    items_evaluate(L, &it, 1, e->arg);
    int k = ++L->nlabels;
    const char *stype = arena_printf(L->a, "%s__spawn%d", L->fn->name, k);
    Buf ty = {0};
    buf_printf(&ty, "struct %s {\n    ac_spawn_child hdr;\n", stype);
    if (item_kind(L, &it, 1) == 0)
        item_members(L, &ty, &it, 0);
    buf_printf(&ty, "};\n\n");
    buf_put(&L->lf->helpers, ty.s, ty.len);
    buf_free(&ty);
    const char *store = item_store(L, stype, &it, 0);
    put_gen(L, "{");
    put_gen(L, "struct %s *__ac_s = __ac_frame_alloc(sizeof *__ac_s);", stype);
    const char *co = item_start(L, "__ac_s->", &it, 0);
    put_gen(L, "__ac_s->hdr.co = %s;", co);
    put_gen(L, "__ac_s->hdr.store = %s;", store);
    put_gen(L, "__ac_s->hdr.ctx = __ac_s;");
    put_gen(L, "__ac_s->hdr.alloc_size = sizeof *__ac_s;");
    put_gen(L, "__ac_spawn(%s, &__ac_s->hdr); }", g);
}

