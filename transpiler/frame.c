/*
 * frame.c - stage 5a: what lives in a coroutine's frame.
 *
 * Parameters always do; a local does when an await can separate a write of
 * it from a later read (see decide_frame); so do the temporaries lowering
 * needs across awaits and the compound literals whose address can escape.
 * Type declarations of the body move to file scope so that frame members
 * can have those types.
 */
#include <stdio.h>
#include <string.h>

#include "lower_int.h"

static int name_used(Low *L, const char *s)
{
    for (int i = 0; i < L->nused; i++)
        if (!strcmp(L->used[i], s))
            return 1;
    return 0;
}

/* A frame member name: `want`, or want_2, want_3 ... if taken. */
const char *member_name(Low *L, const char *want)
{
    const char *s = want;
    for (int k = 2; name_used(L, s); k++)
        s = arena_printf(L->a, "%s_%d", want, k);
    if (L->nused == L->capused) {
        L->capused = L->capused ? L->capused * 2 : 32;
        L->used = realloc(L->used, sizeof *L->used * (size_t)L->capused);
        if (!L->used)
            exit(1);
    }
    L->used[L->nused++] = s;
    return s;
}

/* The clang type of an expression node.  `await` expands to nothing for
 * clang, so its expression ranges start after any leading awaits. */
int type_of(Low *L, const Node *e, CXType *t)
{
    int t0 = e->tok0;
    while (t0 < e->tok1 && rt(L, t0)->len == 5 &&
           !memcmp(L->fe->src.text + rt(L, t0)->off, "await", 5))
        t0++;
    const RawTok *a = rt(L, t0), *b = rt(L, e->tok1);
    return front_expr_type(L->fn, a->off, b->off + b->len, t);
}

/* Declare a frame temporary of type `t` (arrays and functions decay to
 * pointers, as their values do); returns "ac_f->tmp_N". */
const char *temp_of_type(Low *L, CXType t, const Node *at)
{
    const char *m = member_name(L, arena_printf(L->a, "tmp_%d", ++L->ntemps));
    const char *why = NULL;
    char *decl;
    if (t.kind == CXType_ConstantArray || t.kind == CXType_IncompleteArray) {
        char *elem = front_decl_text(L->a, clang_getArrayElementType(t),
                                     arena_printf(L->a, "*%s", m), 0, &why);
        decl = elem;
    } else if (t.kind == CXType_FunctionProto || t.kind == CXType_FunctionNoProto) {
        decl = front_decl_text(L->a, t, arena_printf(L->a, "(*%s)", m), 0, &why);
    } else {
        decl = front_decl_text(L->a, t, m, 1, &why);
    }
    if (!decl) {
        diag_error(&L->fe->src, rt(L, at->tok0)->off,
                   "this expression's type (%s) cannot be saved across an await",
                   why ? why : "unknown");
        return "ac_f->tmp_error";
    }
    buf_printf(&L->lf->members, "    %s;\n", decl);
    return arena_printf(L->a, "ac_f->%s", m);
}

const char *temp_for(Low *L, const Node *e)
{
    CXType t;
    if (type_of(L, e, &t) < 0) {
        diag_error(&L->fe->src, rt(L, e->tok0)->off,
                   "internal: no type known for this expression");
        return "ac_f->tmp_error";
    }
    return temp_of_type(L, t, e);
}

/* ------------------------------------------------------------------ */
/* The frame                                                           */
/* ------------------------------------------------------------------ */

/*
 * Type declarations inside the body (typedefs, struct/union/enum
 * definitions that declare no variable) move to file scope, just before
 * the frame struct, so that frame members can have those types.
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

void hoist_types(Low *L, Node *s)
{
    for (; s; s = s->next) {
        if (s->kind == N_BLOCK) {
            hoist_types(L, s->list);
        } else if (is_type_decl(s) && !s->awaits) {
            buf_mark(&L->lf->types, line_of_tok(L, s->tok0));
            buf_printf(&L->lf->types, "%s\n", src_text(L, s));
            s->repl = ""; /* stmt() skips it */
            L->hoisted = realloc(L->hoisted, sizeof *L->hoisted * (size_t)(L->nhoisted + 1));
            if (!L->hoisted)
                exit(1);
            L->hoisted[L->nhoisted++] = s;
        } else {
            /* bodies of if/while/for/switch/labels */
            KidIter it;
            for (Node *k = ast_first_kid(s, &it); k; k = ast_next_kid(&it))
                if (k->kind == N_BLOCK)
                    hoist_types(L, k->list);
        }
    }
}

static int hoisted_at(Low *L, unsigned off)
{
    for (int i = 0; i < L->nhoisted; i++)
        if (off >= rt(L, L->hoisted[i]->tok0)->off && off <= rt(L, L->hoisted[i]->tok1)->off)
            return 1;
    return 0;
}

void layout_frame(Low *L)
{
    AsyncFn *fn = L->fn;
    static const char *const reserved[] = {"co", "ret", "sub", NULL};
    for (int i = 0; reserved[i]; i++)
        member_name(L, reserved[i]);
    for (int i = 0; i < fn->nlocals; i++) {
        Local *l = &fn->locals[i];
        if (!l->in_frame)
            continue;
        l->member = member_name(L, *l->name ? l->name : "unnamed");
        const char *why = NULL;
        char *d = l->decays ? front_decl_text(L->a, clang_getArrayElementType(l->type),
                                              arena_printf(L->a, "*%s", l->member), 0, &why)
                            : front_decl_text(L->a, l->type, l->member, 1, &why);
        if (!d) {
            diag_error(&L->fe->src, l->off,
                       "'%s' cannot live in the coroutine frame: its type is %s", l->name,
                       why);
            continue;
        }
        /* A type declared inside the function is not visible to the frame. */
        CXCursor td = clang_getTypeDeclaration(l->type);
        if (clang_getCursorKind(td) != CXCursor_NoDeclFound) {
            CXSourceLocation loc = clang_getCursorLocation(td);
            CXFile f;
            unsigned off;
            clang_getFileLocation(loc, &f, NULL, NULL, &off);
            if (f && clang_File_isEqual(f, L->fe->mainfile) && off >= fn->body_start &&
                off < fn->body_end && !hoisted_at(L, off)) {
                diag_error(&L->fe->src, l->off,
                           "the type of '%s' is declared inside the async function; "
                           "declare it at file scope so '%s' can live in the frame",
                           l->name, l->name);
                continue;
            }
        }
        buf_printf(&L->lf->members, "    %s;\n", d);
    }
}

/*
 * Which locals need the frame.  A local stays a plain C local of the resume
 * function when no await can separate a write of it from a later read:
 *
 *  - it is a parameter, an array, or its address is taken (pointers to it
 *    may be used after an await), or a macro's body names it, or the
 *    function uses goto (control may re-enter its scope anywhere): frame;
 *  - some await in its scope comes after its declaration and some use of
 *    it comes after that await: frame;
 *  - a loop inside its scope contains both an await and a use: frame
 *    (the next iteration reads what the previous one wrote);
 *  - otherwise it lives on the C stack, so hot loops keep it in a register.
 *
 * Source order stands in for execution order within a scope, which is
 * exact for structured code; goto is the exception handled above.
 */
typedef struct Scan {
    Low *L;
    unsigned *awaits;      /* offsets of await sites      */
    int nawaits;
    unsigned (*loops)[2];  /* loop ranges                 */
    int nloops;
    unsigned *decl_end;    /* per local: end of its declarator */
    unsigned (*scope)[2];  /* per local: its scope         */
    char *pinned;          /* per local: must be in the frame */
    char *plain;           /* per local: must not be (declared inside a
                              statement expression, printed as written) */
    int has_goto;
} Scan;

static unsigned off_end(Low *L, int t) { return rt(L, t)->off + rt(L, t)->len; }

static void push_u(unsigned **a, int *n, unsigned v)
{
    *a = realloc(*a, sizeof **a * (size_t)(*n + 1));
    if (!*a)
        exit(1);
    (*a)[(*n)++] = v;
}

/* The local an lvalue expression is rooted in (x, x.f, x[i], (x)). */
static int root_local(Low *L, const Node *e)
{
    while (e && (e->kind == N_MEMBER && e->op == TK_DOT))
        e = e->operand;
    while (e && e->kind == N_INDEX)
        e = e->lhs;
    if (e && e->kind == N_IDENT)
        return front_local_at(L->fn, rt(L, e->tok0)->off);
    return -1;
}

static void pin_refs_in(Scan *sc, const Node *n)
{
    for (int t = n->tok0; t <= n->tok1; t++) {
        int li = front_local_at(sc->L->fn, rt(sc->L, t)->off);
        if (li >= 0)
            sc->pinned[li] = 1;
    }
}

/* A statement expression has no awaits (sema) and is printed as written,
 * declarations included, so what it declares stays a C local. */
static void mark_plain(Scan *sc, const Node *n)
{
    if (!n)
        return;
    if (n->kind == N_DECLARATOR && n->name >= 0) {
        for (int i = 0; i < sc->L->fn->nlocals; i++)
            if (sc->L->fn->locals[i].off == rt(sc->L, n->name)->off)
                sc->plain[i] = 1;
    }
    KidIter it;
    for (const Node *x = ast_first_kid(n, &it); x; x = ast_next_kid(&it))
        mark_plain(sc, x);
}

static void scan(Scan *sc, Node *n, unsigned s0, unsigned s1)
{
    if (!n)
        return;
    Low *L = sc->L;
    switch (n->kind) {
    case N_AWAIT:
        push_u(&sc->awaits, &sc->nawaits, rt(L, n->tok0)->off);
        break;
    case N_WHILE:
    case N_DO:
    case N_FOR:
        sc->loops = realloc(sc->loops, sizeof *sc->loops * (size_t)(sc->nloops + 1));
        if (!sc->loops)
            exit(1);
        sc->loops[sc->nloops][0] = rt(L, n->tok0)->off;
        sc->loops[sc->nloops++][1] = off_end(L, n->tok1);
        if (n->kind == N_FOR) { /* for (int i...): scope is the for */
            s0 = rt(L, n->tok0)->off;
            s1 = off_end(L, n->tok1);
        }
        break;
    case N_BLOCK:
        s0 = rt(L, n->tok0)->off;
        s1 = off_end(L, n->tok1);
        break;
    case N_DECLARATOR:
        if (n->name >= 0) {
            for (int i = 0; i < L->fn->nlocals; i++)
                if (L->fn->locals[i].off == rt(L, n->name)->off) {
                    sc->decl_end[i] = off_end(L, n->tok1);
                    if (n->init)
                        sc->decl_end[i] = off_end(L, n->init->tok1);
                    sc->scope[i][0] = s0;
                    sc->scope[i][1] = s1;
                }
        }
        break;
    case N_UNARY:
        if (n->op == TK_AMP) {
            int li = root_local(L, n->operand);
            if (li >= 0)
                sc->pinned[li] = 1;
        }
        break;
    case N_GATHER:
    case N_SPAWN:
    case N_WITH_TIMEOUT:
        /* LVALUE = CALL items: the lvalue's address is kept */
        for (Node *x = n->kind == N_GATHER ? n->list : n->operand; x;
             x = n->kind == N_GATHER ? x->next : NULL)
            if (x->kind == N_ASSIGN)
                pin_refs_in(sc, x->lhs);
        break;
    case N_OPAQUE:
    case N_ASM:
    case N_MACRO_STMT:
        pin_refs_in(sc, n);
        break;
    case N_GOTO:
    case N_LABEL:
        sc->has_goto = 1;
        break;
    case N_STMT_EXPR:
        mark_plain(sc, n->body);
        break;
    default:
        break;
    }
    KidIter it;
    for (Node *x = ast_first_kid(n, &it); x; x = ast_next_kid(&it))
        scan(sc, x, s0, s1);
}

static int needs_frame(Scan *sc, int li)
{
    Low *L = sc->L;
    const Local *l = &L->fn->locals[li];
    if (l->is_param || sc->pinned[li] || sc->has_goto ||
        l->type.kind == CXType_ConstantArray || l->type.kind == CXType_IncompleteArray)
        return 1;
    unsigned s0 = sc->scope[li][0], s1 = sc->scope[li][1], d = sc->decl_end[li];
    const OffMap *refs = &L->fn->refs;
    for (int a = 0; a < sc->nawaits; a++) {
        unsigned w = sc->awaits[a];
        if (w < s0 || w >= s1)
            continue;
        if (w > d) /* an await after the declaration: any use after it? */
            for (size_t k = 0; k < refs->cap; k++)
                if (refs->vals[k] == li + 1 && refs->keys[k] > w)
                    return 1;
        for (int p = 0; p < sc->nloops; p++) { /* a loop in scope with both */
            unsigned l0 = sc->loops[p][0], l1 = sc->loops[p][1];
            if (l0 < s0 || l1 > s1 || w < l0 || w >= l1)
                continue;
            for (size_t k = 0; k < refs->cap; k++)
                if (refs->vals[k] == li + 1 && refs->keys[k] >= l0 && refs->keys[k] < l1)
                    return 1;
        }
    }
    return 0;
}

/* One declaration is either all frame or all plain (`int a, b;` is
 * printed as written or turned into assignments as a whole). */
static void unify_decls(Low *L, Node *n)
{
    if (!n)
        return;
    if (n->kind == N_DECL && !(n->storage & (DECL_STATIC | DECL_EXTERN | DECL_TYPEDEF))) {
        int any = 0;
        for (Node *x = n->list; x; x = x->next) {
            const Local *l = x->name >= 0 ? local_named_at(L, x->name) : NULL;
            any |= l && l->in_frame;
        }
        if (any)
            for (Node *x = n->list; x; x = x->next) {
                Local *l = x->name >= 0 ? (Local *)local_named_at(L, x->name) : NULL;
                if (l)
                    l->in_frame = 1;
            }
    }
    KidIter it;
    for (Node *x = ast_first_kid(n, &it); x; x = ast_next_kid(&it))
        unify_decls(L, x);
}

/*
 * A local no declarator of ours declares: a macro's expansion declares it
 * (FOREACH(i, n) ...).  The macro's text declares it in the output too, so
 * it stays a C local -- which is wrong only if an await separates it from a
 * use, and that is rejected.
 */
static void macro_declared(Scan *sc, int li)
{
    const Local *l = &sc->L->fn->locals[li];
    const OffMap *refs = &sc->L->fn->refs;
    for (int a = 0; a < sc->nawaits; a++) {
        unsigned w = sc->awaits[a];
        if (w <= l->off)
            continue;
        for (size_t k = 0; k < refs->cap; k++)
            if (refs->vals[k] == li + 1 && refs->keys[k] > w) {
                diag_error(&sc->L->fe->src, (size_t)refs->keys[k],
                           "'%s' is declared by a macro and used after an await; it "
                           "cannot live in the coroutine frame: declare it directly",
                           l->name);
                return;
            }
    }
}

void decide_frame(Low *L)
{
    AsyncFn *fn = L->fn;
    int n = fn->nlocals;
    Scan sc = {.L = L};
    sc.decl_end = calloc((size_t)n + 1, sizeof *sc.decl_end);
    sc.scope = calloc((size_t)n + 1, sizeof *sc.scope);
    sc.pinned = calloc((size_t)n + 1, 1);
    sc.plain = calloc((size_t)n + 1, 1);
    if (!sc.decl_end || !sc.scope || !sc.pinned || !sc.plain)
        exit(1);
    for (size_t k = 0; k < fn->macro_refs.cap; k++)
        if (fn->macro_refs.vals[k])
            sc.pinned[fn->macro_refs.vals[k] - 1] = 1;
    scan(&sc, L->lf->body, 0, 0);
    for (int i = 0; i < n; i++) {
        Local *l = &fn->locals[i];
        if (l->is_static || sc.plain[i])
            l->in_frame = 0;
        else if (!l->is_param && !sc.decl_end[i])
            l->in_frame = 0, macro_declared(&sc, i);
        else
            l->in_frame = needs_frame(&sc, i);
    }
    unify_decls(L, L->lf->body);
    free(sc.awaits);
    free(sc.loops);
    free(sc.decl_end);
    free(sc.scope);
    free(sc.pinned);
    free(sc.plain);
}

/*
 * A compound literal has automatic storage: in the resume function it
 * would die at the next suspension.  Those whose address can escape (an
 * array, which decays, or one under &) are copied into a frame member and
 * the expression refers to that member instead.
 */
void frame_literals(Low *L, Node *n, int under_amp)
{
    if (!n)
        return;
    if (n->kind == N_COMPOUND_LIT && !n->awaits) {
        CXType t;
        if (type_of(L, n, &t) == 0 &&
            (under_amp || t.kind == CXType_ConstantArray || t.kind == CXType_IncompleteArray)) {
            const char *m = member_name(L, arena_printf(L->a, "literal_%d", ++L->ntemps));
            const char *d = front_decl_text(L->a, t, m, 1, NULL);
            const char *init = front_decl_text(L->a, t, "ac_init", 1, NULL);
            if (d && init && n->init) {
                buf_printf(&L->lf->members, "    %s;\n", d);
                n->repl = arena_printf(L->a,
                                       "(*({ %s = %s; (__typeof__(ac_f->%s) *)__builtin_memcpy("
                                       "&ac_f->%s, &ac_init, sizeof ac_f->%s); }))",
                                       init, src_text(L, n->init), m, m, m);
                return;
            }
        }
    }
    int amp = n->kind == N_UNARY && n->op == TK_AMP;
    KidIter it;
    for (Node *x = ast_first_kid(n, &it); x; x = ast_next_kid(&it))
        frame_literals(L, x, amp);
}

