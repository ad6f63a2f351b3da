/*
 * lower.c - stage 5: an async function body becomes a resume function.
 * (This file: statements and the driver; frame.c decides the frame's
 * members, lower_expr.c lowers expressions and await sites.)
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
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lower_int.h"

/* ------------------------------------------------------------------ */
/* Helpers                                                             */
/* ------------------------------------------------------------------ */

void add_fn(AsyncFn ***arr, int *n, AsyncFn *f)
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

unsigned line_of_tok(Low *L, int t)
{
    unsigned line, col;
    diag_linecol(&L->fe->src, rt(L, t)->off, &line, &col);
    return line;
}

void indent(Low *L)
{
    for (int i = 0; i < L->depth; i++)
        buf_puts(L->out, "    ");
}

void out_line(Low *L, const char *fmt, ...)
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
        out_line(L, "__attribute__((fallthrough));");
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
    out_line(L, "{");
    L->depth++;
    stmt(L, s);
    L->depth--;
    out_line(L, "}");
}

const Local *local_named_at(Low *L, int tok)
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
        v = src_text(L, init);
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
                if (x->init && x->init->awaits)
                    x->init->repl = lx(L, x->init);
        if (as_expr) /* for (int i = 0; ...): the ';' is the for's */
            buf_puts(expr_out, range_text(L, d->tok0, d->tok1 - 1, d));
        else
            src_line(L, d->tok0, src_text(L, d));
        return;
    }
    int first = 1;
    for (Node *x = d->list; x; x = x->next) {
        const Local *l = x->name >= 0 ? local_named_at(L, x->name) : NULL;
        if (!l || !x->init)
            continue;
        if (!as_expr)
            buf_mark(L->out, line_of_tok(L, x->tok0));
        const char *s = init_text(L, l, x->init);
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
    int header_awaits = (s->cond && s->cond->awaits) || (s->step && s->step->awaits);
    int init_awaits = s->init && s->init->awaits;
    Buf init = {0};
    if (s->init && s->init->kind == N_DECL) {
        if (init_awaits || header_awaits)
            decl(L, s->init, 0, NULL);
        else
            decl(L, s->init, 1, &init);
    } else if (s->init) {
        if (init_awaits || header_awaits)
            out_line(L, "(void)(%s);", lx(L, s->init));
        else
            buf_puts(&init, src_text(L, s->init));
    }
    if (!header_awaits) {
        buf_mark(L->out, line_of_tok(L, s->tok0));
        indent(L);
        buf_printf(L->out, "for (%s; %s; %s)\n", init.s ? init.s : "",
                   s->cond ? src_text(L, s->cond) : "", s->step ? src_text(L, s->step) : "");
        buf_free(&init);
        push_loop(L, &lp, NULL, 0);
        child(L, s->body);
        L->loop = lp.up;
        return;
    }
    buf_free(&init);
    const char *cont = new_label(L, "continue");
    buf_mark(L->out, line_of_tok(L, s->tok0));
    out_line(L, "for (;;) {");
    L->depth++;
    if (s->cond) {
        const char *c = lx(L, s->cond);
        out_line(L, "if (!(%s))", c);
        out_line(L, "    break;");
    }
    push_loop(L, &lp, cont, 0);
    child(L, s->body);
    L->loop = lp.up;
    cont_label(L, &lp);
    if (s->step)
        out_line(L, "(void)(%s);", lx(L, s->step));
    L->depth--;
    out_line(L, "}");
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
        out_line(L, "{");
        L->depth++;
        for (Node *x = s->list; x; x = x->next)
            stmt(L, x);
        L->depth--;
        out_line(L, "}");
        break;
    case N_DECL:
        decl(L, s, 0, NULL);
        break;
    case N_EXPR_STMT:
        if (!s->awaits && s->operand && s->operand->kind != N_SPAWN) {
            src_line(L, s->tok0, src_text(L, s));
        } else if (s->operand->kind == N_SPAWN) {
            buf_mark(L->out, line_of_tok(L, s->tok0));
            lower_spawn(L, s->operand);
        } else if (s->operand->kind == N_AWAIT) {
            buf_mark(L->out, line_of_tok(L, s->tok0));
            lower_await(L, s->operand, 0);
        } else {
            buf_mark(L->out, line_of_tok(L, s->tok0));
            const char *v = lx(L, s->operand);
            out_line(L, "%s;", v);
        }
        break;
    case N_IF: {
        buf_mark(L->out, line_of_tok(L, s->tok0));
        const char *c = lx(L, s->cond);
        out_line(L, "if (%s)", c);
        child(L, s->then);
        if (s->els) {
            out_line(L, "else");
            child(L, s->els);
        }
        break;
    }
    case N_WHILE:
        buf_mark(L->out, line_of_tok(L, s->tok0));
        if (!s->cond->awaits) {
            out_line(L, "while (%s)", src_text(L, s->cond));
            push_loop(L, &lp, NULL, 0);
            child(L, s->body);
        } else {
            out_line(L, "for (;;) {");
            L->depth++;
            out_line(L, "if (!(%s))", lx(L, s->cond));
            out_line(L, "    break;");
            push_loop(L, &lp, NULL, 0);
            child(L, s->body);
            L->depth--;
            out_line(L, "}");
        }
        L->loop = lp.up;
        break;
    case N_DO:
        buf_mark(L->out, line_of_tok(L, s->tok0));
        if (!s->cond->awaits) {
            out_line(L, "do");
            push_loop(L, &lp, NULL, 0);
            child(L, s->body);
            L->loop = lp.up;
            out_line(L, "while (%s);", src_text(L, s->cond));
        } else {
            const char *cont = new_label(L, "continue");
            out_line(L, "for (;;) {");
            L->depth++;
            push_loop(L, &lp, cont, 0);
            child(L, s->body);
            L->loop = lp.up;
            cont_label(L, &lp);
            out_line(L, "if (!(%s))", lx(L, s->cond));
            out_line(L, "    break;");
            L->depth--;
            out_line(L, "}");
        }
        break;
    case N_FOR:
        stmt_for(L, s);
        break;
    case N_SWITCH: {
        buf_mark(L->out, line_of_tok(L, s->tok0));
        const char *c = lx(L, s->cond);
        out_line(L, "switch (%s)", c);
        push_loop(L, &lp, L->loop ? L->loop->cont : NULL, 1);
        child(L, s->body);
        L->loop = lp.up;
        break;
    }
    case N_CASE:
        buf_mark(L->out, line_of_tok(L, s->tok0));
        if (s->rhs)
            out_line(L, "case %s ... %s:", src_text(L, s->lhs), src_text(L, s->rhs));
        else
            out_line(L, "case %s:", src_text(L, s->lhs));
        if (s->body)
            stmt(L, s->body);
        break;
    case N_DEFAULT:
        buf_mark(L->out, line_of_tok(L, s->tok0));
        out_line(L, "default:");
        if (s->body)
            stmt(L, s->body);
        break;
    case N_LABEL:
        buf_mark(L->out, line_of_tok(L, s->tok0));
        buf_printf(L->out, "%.*s:;\n", (int)rt(L, s->name)->len,
                   L->fe->src.text + rt(L, s->name)->off);
        if (s->body)
            stmt(L, s->body);
        break;
    case N_CONTINUE:
        if (L->loop && L->loop->cont) {
            out_line(L, "goto %s;", L->loop->cont);
            L->loop->owner->cont_used = 1;
        }
        else
            src_line(L, s->tok0, src_text(L, s));
        break;
    case N_RETURN:
        buf_mark(L->out, line_of_tok(L, s->tok0));
        out_line(L, "{");
        L->depth++;
        if (s->operand) {
            const char *v = lx(L, s->operand);
            if (L->fn->is_void)
                out_line(L, "(void)(%s);", v);
            else
                out_line(L, "ac_f->ret = %s;", v);
        }
        out_line(L, "ac_return(&ac_f->co);");
        out_line(L, "return;");
        L->depth--;
        out_line(L, "}");
        break;
    case N_MACRO_STMT:
        src_line(L, s->callee->tok0, src_text(L, s->callee));
        child(L, s->body);
        break;
    default: /* break, goto, null statement, asm, _Static_assert */
        src_line(L, s->tok0, src_text(L, s));
        break;
    }
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
    KidIter it;
    for (Node *x = ast_first_kid(n, &it); x; x = ast_next_kid(&it))
        edges_of(fe, fn, x, row);
}

static unsigned char *reach; /* reach[i * n + j]: i can reach j */
static int nreach;

int reach_ok(Front *fe, AsyncFn *from, AsyncFn *to)
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
    free(reach);
    reach = NULL;
    return diag_count() == before ? 0 : -1;
}

void lower_free(Front *fe)
{
    for (int i = 0; i < fe->nfns; i++) {
        LowFn *lf = fe->fns[i]->lowered;
        if (!lf)
            continue;
        buf_free(&lf->types);
        buf_free(&lf->members);
        buf_free(&lf->subs);
        buf_free(&lf->helpers);
        buf_free(&lf->body_text);
        free(lf->embeds);
        free(lf->uses);
        free(lf->externs);
        fe->fns[i]->lowered = NULL;
    }
}

