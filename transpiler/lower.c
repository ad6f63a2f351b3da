/*
 * lower.c - stage 5: an async function body becomes a resume function.
 *
 * The shape of the result: every local and parameter that the body uses
 * lives in the frame (ac_f->name); the body keeps its structure (blocks,
 * loops, switches, labels stay where they were) and each await becomes
 *
 *         callee__init(&ac_f->sub.aN, args...);
 *         if (ac_await(&ac_f->co, &ac_f->sub.aN.co, N))
 *             return;
 *     resume_N:
 *
 * The resume function starts with a switch on the frame's state that jumps
 * to resume_N.  C allows a goto into a block, a loop body or a switch case,
 * and nothing the jump skips matters because no local lives on the C
 * stack; so control flow needs no rewriting, and goto works unchanged.
 *
 * Awaits inside expressions are taken out left to right: operands that are
 * evaluated before an await and could be changed by it are saved in frame
 * temporaries first, && || and ?: become ifs so the short-circuit holds,
 * and loop conditions with awaits become `for (;;)` with an explicit test.
 *
 * Source text is reused wherever possible: an expression or statement is
 * printed from its tokens (comments included), with identifiers of frame
 * locals renamed and lowered subexpressions replaced by their results.
 */
#include "lower.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gram.h"
#include "sema.h"

typedef struct Loop {
    struct Loop *up;
    const char *cont; /* label `continue` must jump to, or NULL */
    int is_switch;
    struct Loop *owner; /* the loop that `continue` continues          */
    int cont_used;      /* a continue jumped to cont                   */
} Loop;

typedef struct Low {
    Front *fe;
    AsyncFn *fn;
    LowFn *lf;
    Arena *a;
    Buf *out;         /* where statements go now (the body)   */
    int depth;        /* indentation of the body               */
    int ntemps, nlabels;
    Loop *loop;
    const char **used; /* frame member names taken */
    int nused, capused;
    Node **hoisted;    /* type declarations moved to file scope */
    int nhoisted;
} Low;

static int reach_ok(Front *fe, AsyncFn *from, AsyncFn *to);

/* ------------------------------------------------------------------ */
/* Helpers                                                             */
/* ------------------------------------------------------------------ */

static LowFn *lowfn(AsyncFn *fn)
{
    return fn->lowered;
}

static void add_fn(AsyncFn ***arr, int *n, AsyncFn *f)
{
    for (int i = 0; i < *n; i++)
        if ((*arr)[i] == f)
            return;
    AsyncFn **p = realloc(*arr, sizeof **arr * (size_t)(*n + 1));
    if (!p)
        exit(1);
    *arr = p;
    (*arr)[(*n)++] = f;
}

static const RawTok *rt(Low *L, int i) { return &L->fn->raw[i]; }

static unsigned line_of_tok(Low *L, int t)
{
    unsigned line, col;
    diag_linecol(&L->fe->src, rt(L, t)->off, &line, &col);
    return line;
}

static void indent(Low *L)
{
    for (int i = 0; i < L->depth; i++)
        buf_puts(L->out, "    ");
}

/* One generated line at the current indentation. */
static void line(Low *L, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void line(Low *L, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char tmp[512];
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    indent(L);
    if (n >= 0 && (size_t)n < sizeof tmp) {
        buf_puts(L->out, tmp);
    } else {
        va_start(ap, fmt);
        char *p = arena_alloc(L->a, (size_t)n + 1);
        vsnprintf(p, (size_t)n + 1, fmt, ap);
        va_end(ap);
        buf_puts(L->out, p);
    }
    buf_puts(L->out, "\n");
}

static int name_used(Low *L, const char *s)
{
    for (int i = 0; i < L->nused; i++)
        if (!strcmp(L->used[i], s))
            return 1;
    return 0;
}

/* A frame member name: `want`, or want_2, want_3 ... if taken. */
static const char *member_name(Low *L, const char *want)
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
static int type_of(Low *L, const Node *e, CXType *t)
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
static const char *temp_of_type(Low *L, CXType t, const Node *at)
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

static const char *temp_for(Low *L, const Node *e)
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
    collect_holes(n->a, hs);
    collect_holes(n->b, hs);
    collect_holes(n->c, hs);
    collect_holes(n->d, hs);
    for (Node *x = n->list; x; x = x->next)
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
static char *range_text(Low *L, int t0, int t1, Node *n)
{
    Holes hs = {0};
    collect_holes(n, &hs);
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

static char *text(Low *L, Node *n)
{
    return range_text(L, n->tok0, n->tok1, n);
}

static int says_fallthrough(const char *c, size_t n)
{
    for (size_t i = 0; i + 4 <= n; i++)
        if (!strncasecmp(c + i, "fall", 4)) {
            size_t j = i + 4;
            if (j < n && (c[j] == 's' || c[j] == 'S'))
                j++;
            while (j < n && (c[j] == ' ' || c[j] == '-'))
                j++;
            if (j + 3 <= n && !strncasecmp(c + j, "thr", 3))
                return 1;
        }
    return 0;
}

/* Emit one line of source text (a comment or a directive) marked with its line. */
static void gap_piece(Low *L, const char *c, size_t len, int indented)
{
    while (len && (c[len - 1] == ' ' || c[len - 1] == '\t' || c[len - 1] == '\n'))
        len--;
    unsigned cline, col;
    diag_linecol(&L->fe->src, (size_t)(c - L->fe->src.text), &cline, &col);
    buf_mark(L->out, cline);
    if (indented)
        indent(L);
    buf_put(L->out, c, len);
    buf_puts(L->out, "\n");
}

static int directive_is(const char *s, size_t n, const char *name)
{
    size_t i = 1, k = strlen(name);
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    return i + k <= n && !memcmp(s + i, name, k) &&
           (i + k == n || !(s[i + k] == '_' || (s[i + k] >= 'a' && s[i + k] <= 'z')));
}

/*
 * What stands between the previous token and token t: comments are kept;
 * #define, #undef and #pragma lines are written back where they stood (the
 * rest of the body's macro uses depend on them); conditional directives
 * and the branches they left out are gone -- the body is emitted as the
 * compiler sees it for the options given to asyncc.
 */
static void leading_comments(Low *L, int t, int next_is_label)
{
    if (t <= 0)
        return;
    const RawTok *p = rt(L, t - 1), *q = rt(L, t);
    const char *s = L->fe->src.text;
    unsigned i = p->off + p->len, end = q->off;
    int fallthrough = 0;
    while (i < end) {
        if (front_skipped(L->fe, i)) {
            i++;
            continue;
        }
        unsigned de = front_directive_end(L->fe, i);
        if (de) {
            if (directive_is(s + i, de - i, "define") || directive_is(s + i, de - i, "undef") ||
                directive_is(s + i, de - i, "pragma"))
                gap_piece(L, s + i, de - i, 0);
            i = de;
        } else if (s[i] == '/' && i + 1 < end && s[i + 1] == '*') {
            const char *e = strstr(s + i + 2, "*/");
            unsigned ce = e ? (unsigned)(e - s) + 2 : end;
            gap_piece(L, s + i, ce - i, 1);
            fallthrough |= says_fallthrough(s + i, ce - i);
            i = ce;
        } else if (s[i] == '/' && i + 1 < end && s[i + 1] == '/') {
            unsigned ce = i;
            while (ce < end && s[ce] != '\n')
                ce++;
            gap_piece(L, s + i, ce - i, 1);
            fallthrough |= says_fallthrough(s + i, ce - i);
            i = ce;
        } else {
            i++;
        }
    }
    /* A fall-through comment no longer sits right after the statement
     * that falls through (resume labels come between), so say it in a
     * way both compilers understand wherever it stands. */
    if (next_is_label && fallthrough)
        line(L, "__attribute__((fallthrough));");
}

/* A statement printed from source: marked with its line. */
static void src_line(Low *L, int tok, const char *s)
{
    buf_mark(L->out, line_of_tok(L, tok));
    indent(L);
    buf_puts(L->out, s);
    buf_puts(L->out, "\n");
}

/* ------------------------------------------------------------------ */
/* Expressions                                                         */
/* ------------------------------------------------------------------ */

static const char *lx(Low *L, Node *e);
static const char *lower_await(Low *L, Node *e, int want_value);

/* Constants and names of functions never change across an await. */
static int is_stable(Low *L, const Node *e)
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
static void sequence(Low *L, Node **kids, int n, int all)
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
            line(L, "%s = %s;", t, v);
            v = t;
        }
        k->repl = v;
    }
}

static int list_len(Node *l)
{
    int n = 0;
    for (; l; l = l->next)
        n++;
    return n;
}

static Node **kids_of(Low *L, Node *e, int *n)
{
    Node **k = arena_alloc(L->a, sizeof *k * (size_t)(list_len(e->list) + 5));
    int m = 0;
    if (e->kind == N_INIT_LIST) {
        for (Node *x = e->list; x; x = x->next)
            k[m++] = x->a;
    } else {
        if (e->a)
            k[m++] = e->a;
        if (e->b)
            k[m++] = e->b;
        if (e->c)
            k[m++] = e->c;
        for (Node *x = e->list; x; x = x->next)
            k[m++] = x->kind == N_INIT_ITEM ? x->a : x;
    }
    *n = m;
    return k;
}

/* a && b, a || b with an await in b: the await happens only when b runs. */
static const char *lower_logic(Low *L, Node *e)
{
    const char *a = lx(L, e->a);
    if (!e->b->awaits) {
        e->a->repl = a;
        return text(L, e);
    }
    const char *m = member_name(L, arena_printf(L->a, "tmp_%d", ++L->ntemps));
    buf_printf(&L->lf->members, "    int %s;\n", m);
    const char *t = arena_printf(L->a, "ac_f->%s", m);
    line(L, "%s = !!(%s);", t, a);
    line(L, "if (%s%s) {", e->kind == N_LOGAND ? "" : "!", t);
    L->depth++;
    const char *b = lx(L, e->b);
    line(L, "%s = !!(%s);", t, b);
    L->depth--;
    line(L, "}");
    return t;
}

static const char *lower_cond(Low *L, Node *e)
{
    const char *c = lx(L, e->a);
    Node *then = e->b ? e->b : NULL;
    if ((!then || !then->awaits) && !e->c->awaits) {
        e->a->repl = c;
        return text(L, e);
    }
    CXType ty;
    int is_void = type_of(L, e, &ty) == 0 && ty.kind == CXType_Void;
    const char *t = is_void ? NULL : temp_for(L, e);
    if (!then) { /* GNU a ?: c */
        const char *s = temp_for(L, e->a);
        line(L, "%s = %s;", s, c);
        c = s;
    }
    line(L, "if (%s) {", c);
    L->depth++;
    const char *b = then ? lx(L, then) : c;
    if (t)
        line(L, "%s = %s;", t, b);
    else
        line(L, "(void)(%s);", b);
    L->depth--;
    line(L, "} else {");
    L->depth++;
    const char *d = lx(L, e->c);
    if (t)
        line(L, "%s = %s;", t, d);
    else
        line(L, "(void)(%s);", d);
    L->depth--;
    line(L, "}");
    return t ? t : "(void)0";
}

/* Is the lvalue's address the same before and after an await? */
static int lvalue_is_fixed(Low *L, const Node *e)
{
    switch (e->kind) {
    case N_IDENT:
        return 1;
    case N_MEMBER:
        return e->op == TK_DOT && lvalue_is_fixed(L, e->a);
    case N_INDEX: {
        /* a[constant] of an array (not through a pointer that may change) */
        CXType t;
        return e->a->kind == N_IDENT && is_stable(L, e->b) && type_of(L, e->a, &t) == 0 &&
               t.kind == CXType_ConstantArray;
    }
    default:
        return 0;
    }
}

static const char *lower_assign(Low *L, Node *e)
{
    if (!e->b->awaits) { /* the await is in the left side only */
        e->a->repl = lx(L, e->a);
        return text(L, e);
    }
    if (e->a->awaits || !lvalue_is_fixed(L, e->a)) {
        /* Left to right: the place is computed before the awaits. */
        const char *place = lx(L, e->a);
        CXType t;
        if (type_of(L, e->a, &t) < 0) {
            diag_error(&L->fe->src, rt(L, e->a->tok0)->off, "internal: no type for lvalue");
            return "0";
        }
        /* Save &place in a pointer temporary. */
        const char *m = member_name(L, arena_printf(L->a, "tmp_%d", ++L->ntemps));
        const char *why = NULL;
        char *decl = front_decl_text(L->a, t, arena_printf(L->a, "*%s", m), 1, &why);
        if (!decl) {
            diag_error(&L->fe->src, rt(L, e->a->tok0)->off,
                       "this lvalue's type (%s) cannot be saved across an await", why);
            return "0";
        }
        buf_printf(&L->lf->members, "    %s;\n", decl);
        line(L, "ac_f->%s = &(%s);", m, place);
        e->a->repl = arena_printf(L->a, "(*ac_f->%s)", m);
    }
    e->b->repl = lx(L, e->b);
    return text(L, e);
}

static const char *lx(Low *L, Node *e)
{
    if (!e->awaits)
        return text(L, e);
    switch (e->kind) {
    case N_AWAIT:
        return lower_await(L, e, 1);
    case N_COMMA: {
        const char *a = lx(L, e->a);
        line(L, "(void)(%s);", a);
        return lx(L, e->b);
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
        return text(L, e);
    }
    }
}

/* ------------------------------------------------------------------ */
/* Await sites                                                         */
/* ------------------------------------------------------------------ */

typedef enum CallKind {
    CALL_EMBED,  /* callee frame inside ours                */
    CALL_HEAP,   /* same file, on a cycle: ac_frame_alloc    */
    CALL_EXTERN, /* other file: NAME__new / __result / __free */
} CallKind;

static CallKind call_kind(Low *L, AsyncFn *g)
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
    line(L, "if (ac_await(&ac_f->co, %s, %d))", co, k);
    L->depth++;
    line(L, "return;");
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
        buf_puts(&b, k[i]->repl ? k[i]->repl : text(L, k[i]));
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
        line(L, "%s__init(&%s%s);", g->name, slot, args);
        await_point(L, arena_printf(L->a, "&%s.co", slot), k);
        return g->is_void || !want ? NULL : arena_printf(L->a, "%s.ret", slot);
    case CALL_HEAP: {
        add_fn(&L->lf->uses, &L->lf->nuses, g);
        buf_printf(&L->lf->subs, "        struct %s__frame *a%d;\n", g->name, k);
        line(L, "%s = ac_frame_alloc(sizeof *%s);", slot, slot);
        line(L, "%s__init(%s%s);", g->name, slot, args);
        await_point(L, arena_printf(L->a, "&%s->co", slot), k);
        const char *t = NULL;
        if (!g->is_void && want) {
            t = temp_of_type(L, g->ret, call);
            line(L, "%s = %s->ret;", t, slot);
        }
        line(L, "ac_frame_free(%s, sizeof *%s);", slot, slot);
        return t;
    }
    case CALL_EXTERN: {
        add_fn(&L->lf->externs, &L->lf->nexterns, g);
        buf_printf(&L->lf->subs, "        ac_coro *a%d;\n", k);
        line(L, "%s = %s__new(%s);", slot, g->name, args[0] ? args + 2 : "");
        await_point(L, slot, k);
        const char *t = NULL;
        if (!g->is_void && want) {
            t = temp_of_type(L, g->ret, call);
            line(L, "%s = %s__result(%s);", t, g->name, slot);
        }
        line(L, "%s__free(%s);", g->name, slot);
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
        it->lv = n->a;
        it->call = n->b;
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
                line(L, "ac_f->%s = &(%s);", m, place);
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
        line(L, "%sp%d = %s;", b, i, it->addr);
    switch (it->kind) {
    case CALL_EMBED:
        line(L, "%s__init(&%sc%d%s);", it->g->name, b, i, it->args);
        return arena_printf(L->a, "&%sc%d.co", b, i);
    case CALL_HEAP:
        line(L, "%sc%d = ac_frame_alloc(sizeof *%sc%d);", b, i, b, i);
        line(L, "%s__init(%sc%d%s);", it->g->name, b, i, it->args);
        return arena_printf(L->a, "&%sc%d->co", b, i);
    case CALL_EXTERN:
        line(L, "%sc%d = %s__new(%s);", b, i, it->g->name, it->args[0] ? it->args + 2 : "");
        return arena_printf(L->a, "%sc%d", b, i);
    }
    return "NULL";
}

/* After the operand finished: give back a frame that is not embedded. */
static void item_release(Low *L, const char *b, Item *it, int i)
{
    if (it->kind == CALL_HEAP)
        line(L, "ac_frame_free(%sc%d, sizeof *%sc%d);", b, i, b, i);
    else if (it->kind == CALL_EXTERN)
        line(L, "%s__free(%sc%d);", it->g->name, b, i);
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
        line(L, "%s.ch[%d].co = %s;", s, i, co);
        line(L, "%s.ch[%d].store = %s;", s, i, store);
        line(L, "%s.ch[%d].ctx = &%s;", s, i, s);
    }
    line(L, "ac_gather__init(&%s.g, %s.ch, %d);", s, s, n);
    await_point(L, arena_printf(L->a, "&%s.g.co", s), k);
    for (i = 0; i < n; i++)
        item_release(L, b, &its[i], i);
    return want ? arena_printf(L->a, "%s.g.ret", s) : NULL;
}

static const char *await_timeout(Low *L, Node *e, int want)
{
    Item it;
    item_prepare(L, e->b, &it);
    /* The milliseconds come first in source order. */
    const char *ms = lx(L, e->a);
    if (e->b->awaits && !is_stable(L, e->a)) {
        const char *t = temp_for(L, e->a);
        line(L, "%s = %s;", t, ms);
        ms = t;
    }
    items_evaluate(L, &it, 1, e->a);
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
    line(L, "ac_with_timeout__init(&%s.w, %s, %s, %s, &%s);", s, ms, co, store, s);
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
    if (thread_fn_type(L, e->a, &ft) < 0) {
        diag_error(&L->fe->src, rt(L, e->a->tok0)->off,
                   "the first operand of to_thread must be a function");
        return "0";
    }
    int n = list_len(e->list);
    Node **k = arena_alloc(L->a, sizeof *k * (size_t)(n + 2));
    k[0] = e->a;
    int i = 1;
    for (Node *x = e->list; x; x = x->next)
        k[i++] = x;
    int by_name = e->a->kind == N_IDENT && is_stable(L, e->a);
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
        type_of(L, e->a, &pt);
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
        buf_puts(h, text(L, e->a));
    else
        buf_puts(h, "t->fn");
    buf_puts(h, "(");
    for (i = 0; i < n; i++)
        buf_printf(h, "%st->a%d", i ? ", " : "", i);
    buf_puts(h, ");\n}\n\n");

    const char *s = arena_printf(L->a, "ac_f->sub.a%d", site);
    if (!by_name)
        line(L, "%s.fn = %s;", s, k[0]->repl ? k[0]->repl : text(L, k[0]));
    for (i = 0; i < n; i++)
        line(L, "%s.a%d = %s;", s, i, k[i + 1]->repl ? k[i + 1]->repl : text(L, k[i + 1]));
    line(L, "ac_to_thread__init(&%s.w, %s__run);", s, stype);
    await_point(L, arena_printf(L->a, "&%s.w.co", s), site);
    return want && !is_void ? arena_printf(L->a, "%s.ret", s) : NULL;
}

static const char *lower_await(Low *L, Node *e, int want)
{
    Node *op = e->a;
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
static void lower_spawn(Low *L, Node *e)
{
    Item it;
    item_prepare(L, e->b, &it);
    const char *g = lx(L, e->a);
    if (e->b->awaits && !is_stable(L, e->a)) {
        const char *t = temp_for(L, e->a);
        line(L, "%s = %s;", t, g);
        g = t;
    }
    items_evaluate(L, &it, 1, e->a);
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
    line(L, "{");
    L->depth++;
    line(L, "struct %s *ac_s = ac_frame_alloc(sizeof *ac_s);", stype);
    const char *co = item_start(L, "ac_s->", &it, 0);
    line(L, "ac_s->hdr.co = %s;", co);
    line(L, "ac_s->hdr.store = %s;", store);
    line(L, "ac_s->hdr.ctx = ac_s;");
    line(L, "ac_s->hdr.alloc_size = sizeof *ac_s;");
    line(L, "ac_spawn(%s, &ac_s->hdr);", g);
    L->depth--;
    line(L, "}");
}

/* ------------------------------------------------------------------ */
/* Statements                                                          */
/* ------------------------------------------------------------------ */

static void stmt(Low *L, Node *s);

/* A statement in the position of an if/loop body: always a block. */
static void child(Low *L, Node *s)
{
    if (s->kind == N_BLOCK) {
        stmt(L, s);
        return;
    }
    line(L, "{");
    L->depth++;
    stmt(L, s);
    L->depth--;
    line(L, "}");
}

static const Local *local_named_at(Low *L, int tok)
{
    const RawTok *t = rt(L, tok);
    for (int i = 0; i < L->fn->nlocals; i++)
        if (L->fn->locals[i].off == t->off)
            return &L->fn->locals[i];
    return NULL;
}

/* `int x = init` for a frame local: an assignment (or a copy for arrays). */
static const char *init_text(Low *L, const Local *l, Node *init)
{
    const char *v;
    int is_array = l->type.kind == CXType_ConstantArray ||
                   l->type.kind == CXType_IncompleteArray;
    if (init->kind == N_INIT_LIST || is_array) {
        int n;
        Node **k = init->kind == N_INIT_LIST ? kids_of(L, init, &n) : &init;
        if (init->kind != N_INIT_LIST)
            n = 1;
        sequence(L, k, n, 0);
        v = text(L, init);
        /* Arrays can't be assigned: initialise a named array with the
         * initializer as written and copy it (a compound literal would do,
         * but gcc then warns that its address may dangle across the
         * resume labels). */
        if (is_array)
            return arena_printf(L->a,
                                "({ %s = %s; __builtin_memcpy(&ac_f->%s, &ac_init, sizeof ac_f->%s); })",
                                front_decl_text(L->a, l->type, "ac_init", 1, NULL), v,
                                l->member, l->member);
        const char *ty = front_decl_text(L->a, l->type, "", 1, NULL);
        return arena_printf(L->a, "ac_f->%s = (%s)%s", l->member, ty, v);
    }
    v = lx(L, init);
    return arena_printf(L->a, "ac_f->%s = %s", l->member, v);
}

/* A declaration: frame locals become assignments, the rest stays. */
static void decl(Low *L, Node *d, int as_expr, Buf *expr_out)
{
    int frame = 0;
    for (Node *x = d->list; x; x = x->next) {
        const Local *l = x->name >= 0 ? local_named_at(L, x->name) : NULL;
        if (l && l->in_frame)
            frame = 1;
    }
    if (!frame || (d->storage & (DECL_TYPEDEF | DECL_STATIC | DECL_EXTERN))) {
        if (d->awaits) /* plain locals initialised from awaits */
            for (Node *x = d->list; x; x = x->next)
                if (x->a && x->a->awaits)
                    x->a->repl = lx(L, x->a);
        if (as_expr) /* for (int i = 0; ...): the ';' is the for's */
            buf_puts(expr_out, range_text(L, d->tok0, d->tok1 - 1, d));
        else
            src_line(L, d->tok0, text(L, d));
        return;
    }
    int first = 1;
    for (Node *x = d->list; x; x = x->next) {
        const Local *l = x->name >= 0 ? local_named_at(L, x->name) : NULL;
        if (!l || !x->a)
            continue;
        if (!as_expr)
            buf_mark(L->out, line_of_tok(L, x->tok0));
        const char *s = init_text(L, l, x->a);
        if (as_expr) {
            buf_printf(expr_out, "%s%s", first ? "" : ", ", s);
        } else {
            indent(L);
            buf_printf(L->out, "%s;\n", s);
        }
        first = 0;
    }
}

static void push_loop(Low *L, Loop *lp, const char *cont, int is_switch)
{
    lp->up = L->loop;
    lp->cont = cont;
    lp->is_switch = is_switch;
    lp->owner = is_switch && L->loop ? L->loop->owner : lp;
    lp->cont_used = 0;
    L->loop = lp;
}

/* The label a continue jumps to, written only when some continue used it. */
static void cont_label(Low *L, const Loop *lp)
{
    if (lp->cont_used)
        buf_printf(L->out, "%s:;\n", lp->cont);
}

static const char *new_label(Low *L, const char *what)
{
    return arena_printf(L->a, "%s_%d", what, ++L->nlabels);
}

static void stmt_for(Low *L, Node *s)
{
    Loop lp;
    int header_awaits = (s->b && s->b->awaits) || (s->c && s->c->awaits);
    int init_awaits = s->a && s->a->awaits;
    Buf init = {0};
    if (s->a && s->a->kind == N_DECL) {
        if (init_awaits || header_awaits)
            decl(L, s->a, 0, NULL);
        else
            decl(L, s->a, 1, &init);
    } else if (s->a) {
        if (init_awaits || header_awaits)
            line(L, "(void)(%s);", lx(L, s->a));
        else
            buf_puts(&init, text(L, s->a));
    }
    if (!header_awaits) {
        buf_mark(L->out, line_of_tok(L, s->tok0));
        indent(L);
        buf_printf(L->out, "for (%s; %s; %s)\n", init.s ? init.s : "",
                   s->b ? text(L, s->b) : "", s->c ? text(L, s->c) : "");
        buf_free(&init);
        push_loop(L, &lp, NULL, 0);
        child(L, s->d);
        L->loop = lp.up;
        return;
    }
    buf_free(&init);
    const char *cont = new_label(L, "continue");
    buf_mark(L->out, line_of_tok(L, s->tok0));
    line(L, "for (;;) {");
    L->depth++;
    if (s->b) {
        const char *c = lx(L, s->b);
        line(L, "if (!(%s))", c);
        line(L, "    break;");
    }
    push_loop(L, &lp, cont, 0);
    child(L, s->d);
    L->loop = lp.up;
    cont_label(L, &lp);
    if (s->c)
        line(L, "(void)(%s);", lx(L, s->c));
    L->depth--;
    line(L, "}");
}

static void stmt(Low *L, Node *s)
{
    Loop lp;
    if (s->repl) /* hoisted */
        return;
    leading_comments(L, s->tok0, s->kind == N_CASE || s->kind == N_DEFAULT);
    switch (s->kind) {
    case N_BLOCK:
        buf_mark(L->out, line_of_tok(L, s->tok0));
        line(L, "{");
        L->depth++;
        for (Node *x = s->list; x; x = x->next)
            stmt(L, x);
        L->depth--;
        line(L, "}");
        break;
    case N_DECL:
        decl(L, s, 0, NULL);
        break;
    case N_EXPR_STMT:
        if (!s->awaits && s->a && s->a->kind != N_SPAWN) {
            src_line(L, s->tok0, text(L, s));
        } else if (s->a->kind == N_SPAWN) {
            buf_mark(L->out, line_of_tok(L, s->tok0));
            lower_spawn(L, s->a);
        } else if (s->a->kind == N_AWAIT) {
            buf_mark(L->out, line_of_tok(L, s->tok0));
            lower_await(L, s->a, 0);
        } else {
            buf_mark(L->out, line_of_tok(L, s->tok0));
            const char *v = lx(L, s->a);
            line(L, "%s;", v);
        }
        break;
    case N_IF: {
        buf_mark(L->out, line_of_tok(L, s->tok0));
        const char *c = lx(L, s->a);
        line(L, "if (%s)", c);
        child(L, s->b);
        if (s->c) {
            line(L, "else");
            child(L, s->c);
        }
        break;
    }
    case N_WHILE:
        buf_mark(L->out, line_of_tok(L, s->tok0));
        if (!s->a->awaits) {
            line(L, "while (%s)", text(L, s->a));
            push_loop(L, &lp, NULL, 0);
            child(L, s->b);
        } else {
            line(L, "for (;;) {");
            L->depth++;
            line(L, "if (!(%s))", lx(L, s->a));
            line(L, "    break;");
            push_loop(L, &lp, NULL, 0);
            child(L, s->b);
            L->depth--;
            line(L, "}");
        }
        L->loop = lp.up;
        break;
    case N_DO:
        buf_mark(L->out, line_of_tok(L, s->tok0));
        if (!s->a->awaits) {
            line(L, "do");
            push_loop(L, &lp, NULL, 0);
            child(L, s->b);
            L->loop = lp.up;
            line(L, "while (%s);", text(L, s->a));
        } else {
            const char *cont = new_label(L, "continue");
            line(L, "for (;;) {");
            L->depth++;
            push_loop(L, &lp, cont, 0);
            child(L, s->b);
            L->loop = lp.up;
            cont_label(L, &lp);
            line(L, "if (!(%s))", lx(L, s->a));
            line(L, "    break;");
            L->depth--;
            line(L, "}");
        }
        break;
    case N_FOR:
        stmt_for(L, s);
        break;
    case N_SWITCH: {
        buf_mark(L->out, line_of_tok(L, s->tok0));
        const char *c = lx(L, s->a);
        line(L, "switch (%s)", c);
        push_loop(L, &lp, L->loop ? L->loop->cont : NULL, 1);
        child(L, s->b);
        L->loop = lp.up;
        break;
    }
    case N_CASE:
        buf_mark(L->out, line_of_tok(L, s->tok0));
        if (s->b)
            line(L, "case %s ... %s:", text(L, s->a), text(L, s->b));
        else
            line(L, "case %s:", text(L, s->a));
        if (s->c)
            stmt(L, s->c);
        break;
    case N_DEFAULT:
        buf_mark(L->out, line_of_tok(L, s->tok0));
        line(L, "default:");
        if (s->c)
            stmt(L, s->c);
        break;
    case N_LABEL:
        buf_mark(L->out, line_of_tok(L, s->tok0));
        buf_printf(L->out, "%.*s:;\n", (int)rt(L, s->name)->len,
                   L->fe->src.text + rt(L, s->name)->off);
        if (s->c)
            stmt(L, s->c);
        break;
    case N_CONTINUE:
        if (L->loop && L->loop->cont) {
            line(L, "goto %s;", L->loop->cont);
            L->loop->owner->cont_used = 1;
        }
        else
            src_line(L, s->tok0, text(L, s));
        break;
    case N_RETURN:
        buf_mark(L->out, line_of_tok(L, s->tok0));
        line(L, "{");
        L->depth++;
        if (s->a) {
            const char *v = lx(L, s->a);
            if (L->fn->is_void)
                line(L, "(void)(%s);", v);
            else
                line(L, "ac_f->ret = %s;", v);
        }
        line(L, "ac_return(&ac_f->co);");
        line(L, "return;");
        L->depth--;
        line(L, "}");
        break;
    case N_MACRO_STMT:
        src_line(L, s->a->tok0, text(L, s->a));
        child(L, s->c);
        break;
    default: /* break, goto, null statement, asm, _Static_assert */
        src_line(L, s->tok0, text(L, s));
        break;
    }
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

static void hoist_types(Low *L, Node *s)
{
    for (; s; s = s->next) {
        if (s->kind == N_BLOCK) {
            hoist_types(L, s->list);
        } else if (is_type_decl(s) && !s->awaits) {
            buf_mark(&L->lf->types, line_of_tok(L, s->tok0));
            buf_printf(&L->lf->types, "%s\n", text(L, s));
            s->repl = ""; /* stmt() skips it */
            L->hoisted = realloc(L->hoisted, sizeof *L->hoisted * (size_t)(L->nhoisted + 1));
            if (!L->hoisted)
                exit(1);
            L->hoisted[L->nhoisted++] = s;
        } else {
            /* bodies of if/while/for/switch/labels */
            Node *kids[4] = {s->a, s->b, s->c, s->d};
            for (int i = 0; i < 4; i++)
                if (kids[i] && kids[i]->kind == N_BLOCK)
                    hoist_types(L, kids[i]->list);
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

static void layout_frame(Low *L)
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
        e = e->a;
    while (e && e->kind == N_INDEX)
        e = e->a;
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
                    if (n->a)
                        sc->decl_end[i] = off_end(L, n->a->tok1);
                    sc->scope[i][0] = s0;
                    sc->scope[i][1] = s1;
                }
        }
        break;
    case N_UNARY:
        if (n->op == TK_AMP) {
            int li = root_local(L, n->a);
            if (li >= 0)
                sc->pinned[li] = 1;
        }
        break;
    case N_GATHER:
    case N_SPAWN:
    case N_WITH_TIMEOUT:
        /* LVALUE = CALL items: the lvalue's address is kept */
        for (Node *x = n->kind == N_GATHER ? n->list : n->b; x;
             x = n->kind == N_GATHER ? x->next : NULL)
            if (x->kind == N_ASSIGN)
                pin_refs_in(sc, x->a);
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
    default:
        break;
    }
    scan(sc, n->a, s0, s1);
    scan(sc, n->b, s0, s1);
    scan(sc, n->c, s0, s1);
    scan(sc, n->d, s0, s1);
    for (Node *x = n->list; x; x = x->next)
        scan(sc, x, s0, s1);
}

static int needs_frame(Scan *sc, int li)
{
    Low *L = sc->L;
    const Local *l = &L->fn->locals[li];
    if (l->is_param || sc->pinned[li] || sc->has_goto || !sc->decl_end[li] ||
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
    unify_decls(L, n->a);
    unify_decls(L, n->b);
    unify_decls(L, n->c);
    unify_decls(L, n->d);
    for (Node *x = n->list; x; x = x->next)
        unify_decls(L, x);
}

static void decide_frame(Low *L)
{
    AsyncFn *fn = L->fn;
    int n = fn->nlocals;
    Scan sc = {.L = L};
    sc.decl_end = calloc((size_t)n + 1, sizeof *sc.decl_end);
    sc.scope = calloc((size_t)n + 1, sizeof *sc.scope);
    sc.pinned = calloc((size_t)n + 1, 1);
    if (!sc.decl_end || !sc.scope || !sc.pinned)
        exit(1);
    for (size_t k = 0; k < fn->macro_refs.cap; k++)
        if (fn->macro_refs.vals[k])
            sc.pinned[fn->macro_refs.vals[k] - 1] = 1;
    scan(&sc, L->lf->body, 0, 0);
    for (int i = 0; i < n; i++)
        fn->locals[i].in_frame = !fn->locals[i].is_static && needs_frame(&sc, i);
    unify_decls(L, L->lf->body);
    free(sc.awaits);
    free(sc.loops);
    free(sc.decl_end);
    free(sc.scope);
    free(sc.pinned);
}

/* Choose a resume label prefix no user label starts with. */
static const char *label_prefix(Low *L)
{
    const char *p = "resume_";
    for (int i = 0; i + 1 < L->fn->nraw; i++) {
        const RawTok *t = rt(L, i);
        if (t->ckind == RT_IDENT && t->len >= 7 &&
            !memcmp(L->fe->src.text + t->off, "resume_", 7))
            p = "ac_resume_";
    }
    return p;
}

/*
 * A compound literal has automatic storage: in the resume function it
 * would die at the next suspension.  Those whose address can escape (an
 * array, which decays, or one under &) are copied into a frame member and
 * the expression refers to that member instead.
 */
static void frame_literals(Low *L, Node *n, int under_amp)
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
            if (d && init && n->a) {
                buf_printf(&L->lf->members, "    %s;\n", d);
                n->repl = arena_printf(L->a,
                                       "(*({ %s = %s; (__typeof__(ac_f->%s) *)__builtin_memcpy("
                                       "&ac_f->%s, &ac_init, sizeof ac_f->%s); }))",
                                       init, text(L, n->a), m, m, m);
                return;
            }
        }
    }
    int amp = n->kind == N_UNARY && n->op == TK_AMP;
    frame_literals(L, n->a, amp);
    frame_literals(L, n->b, 0);
    frame_literals(L, n->c, 0);
    frame_literals(L, n->d, 0);
    for (Node *x = n->list; x; x = x->next)
        frame_literals(L, x, 0);
}

static void lower_one(Front *fe, AsyncFn *fn)
{
    LowFn *lf = lowfn(fn);
    Low L = {.fe = fe, .fn = fn, .lf = lf, .a = fe->arena, .out = &lf->body_text,
             .depth = 1};
    lf->label = label_prefix(&L);
    hoist_types(&L, lf->body->list);
    decide_frame(&L);
    layout_frame(&L);
    frame_literals(&L, lf->body, 0);
    for (Node *x = lf->body->list; x; x = x->next)
        stmt(&L, x);
    free(L.used);
    free(L.hoisted);
}

void lower_function(Front *fe, AsyncFn *fn, Node *body)
{
    LowFn *lf = arena_alloc(fe->arena, sizeof *lf);
    lf->body = body;
    fn->lowered = lf;
}

void lower_run(Front *fe, Repl *r, Node *operand)
{
    (void)fe;
    r->operand = operand;
}

/* ------------------------------------------------------------------ */
/* The call graph: which awaits close a cycle                          */
/* ------------------------------------------------------------------ */

static void edges_of(Front *fe, AsyncFn *fn, Node *n, unsigned char *row)
{
    if (!n)
        return;
    if (n->kind == N_CALL) {
        AsyncFn *g = sema_callee(fe, fn, n);
        if (g && g->defined_here)
            row[g->index] = 1;
    }
    edges_of(fe, fn, n->a, row);
    edges_of(fe, fn, n->b, row);
    edges_of(fe, fn, n->c, row);
    edges_of(fe, fn, n->d, row);
    for (Node *x = n->list; x; x = x->next)
        edges_of(fe, fn, x, row);
}

static unsigned char *reach; /* reach[i * n + j]: i can reach j */
static int nreach;

static int reach_ok(Front *fe, AsyncFn *from, AsyncFn *to)
{
    (void)fe;
    return reach && reach[from->index * nreach + to->index];
}

static void compute_reach(Front *fe)
{
    int n = fe->nfns;
    free(reach);
    nreach = n;
    reach = calloc((size_t)n * (size_t)n + 1, 1);
    if (!reach)
        exit(1);
    for (int i = 0; i < n; i++)
        if (fe->fns[i]->lowered)
            edges_of(fe, fe->fns[i], lowfn(fe->fns[i])->body, reach + (size_t)i * (size_t)n);
    for (int k = 0; k < n; k++) /* transitive closure; n is small */
        for (int i = 0; i < n; i++)
            if (reach[i * n + k])
                for (int j = 0; j < n; j++)
                    if (reach[k * n + j])
                        reach[i * n + j] = 1;
}

int lower_all(Front *fe)
{
    int before = diag_count();
    compute_reach(fe);
    for (int i = 0; i < fe->nfns; i++)
        if (fe->fns[i]->lowered)
            lower_one(fe, fe->fns[i]);
    return diag_count() == before ? 0 : -1;
}
