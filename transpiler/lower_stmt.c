/*
 * lower_stmt.c - statements: the body keeps the structure the user wrote
 * (blocks, loops, switches, labels stay where they were) and each await
 * becomes its site's code and a resume point.
 *
 * The resume function starts with a switch on the frame's state that jumps
 * to the resume point's label.  C allows a goto into a block, a loop body
 * or a switch case, and nothing such a jump skips matters because every
 * local that could be live there is in the frame; so control flow needs no
 * rewriting, and goto works unchanged.  Loop conditions with awaits become
 * `for (;;)` with an explicit test, and a continue of such a loop jumps to
 * a label before the test or step.
 */
#include <stdio.h>
#include <string.h>

#include "lower_stmt.h"

static void stmt(Low *L, const Node *s);

/* A statement in the position of an if/loop body: always a block. */
static void child(Low *L, const Node *s)
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

/* The local a declarator declares (-1 when none of ours). */
static int declared(const Low *L, const Node *x)
{
    return x->name >= 0 ? front_local_declared_at(L->fn, rt(L, x->name)->off) : -1;
}

/* `int x = init` for a frame local: an assignment (or a copy for arrays). */
static const char *init_text(Low *L, int li, const Node *init)
{
    const Local *l = &L->fn->locals[li];
    const char *m = L->member[li];
    const char *v;
    if (init->kind == N_INIT_LIST || l->is_array) {
        int n = 1;
        Node *one = (Node *)init;
        Node **k = init->kind == N_INIT_LIST ? kids_of(L, init, &n) : &one;
        sequence(L, k, n, 0);
        v = src_text(L, init);
        /* Arrays can't be assigned: initialise a named array with the
         * initializer as written and copy it (a compound literal would do,
         * but gcc then warns that its address may dangle across the
         * resume labels). */
        if (l->is_array)
            return arena_printf(L->a,
                                "({ %s = %s; __builtin_memcpy(&ac_f->%s, &ac_init, sizeof ac_f->%s); })",
                                type_decl(L->a, l->type, "ac_init", 1, NULL), v, m, m);
        const char *ty = type_decl(L->a, l->type, "", 1, NULL);
        return arena_printf(L->a, "ac_f->%s = (%s)%s", m, ty, v);
    }
    v = lx(L, init);
    return arena_printf(L->a, "ac_f->%s = %s", m, v);
}

/* A declaration: frame locals become assignments, the rest stays. */
static void decl(Low *L, const Node *d, int as_expr, Buf *expr_out)
{
    int frame = 0;
    for (const Node *x = d->list; x; x = x->next) {
        int li = declared(L, x);
        if (li >= 0 && L->sf->in_frame[li])
            frame = 1;
    }
    if (!frame || (d->storage & (DECL_TYPEDEF | DECL_STATIC | DECL_EXTERN))) {
        if (awaits(L, d)) /* plain locals initialised from awaits */
            for (const Node *x = d->list; x; x = x->next)
                if (x->init && awaits(L, x->init))
                    L->repl[x->init->id] = lx(L, x->init);
        if (as_expr) /* for (int i = 0; ...): the ';' is the for's */
            buf_puts(expr_out, range_text(L, d->tok0, d->tok1 - 1, d));
        else
            src_line(L, d->tok0, src_text(L, d));
        return;
    }
    int first = 1;
    for (const Node *x = d->list; x; x = x->next) {
        int li = declared(L, x);
        if (li < 0 || !x->init)
            continue;
        if (!as_expr)
            buf_mark(L->out, line_of_tok(L, x->tok0));
        const char *s = init_text(L, li, x->init);
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

static void stmt_for(Low *L, const Node *s)
{
    Loop lp;
    int header_awaits = (s->cond && awaits(L, s->cond)) || (s->step && awaits(L, s->step));
    int init_awaits = s->init && awaits(L, s->init);
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

static void stmt(Low *L, const Node *s)
{
    Loop lp;
    if (L->sf->hoisted[s->id]) /* written before the frame */
        return;
    leading_trivia(L, s->tok0, s->kind == N_CASE || s->kind == N_DEFAULT);
    switch (s->kind) {
    case N_BLOCK:
        buf_mark(L->out, line_of_tok(L, s->tok0));
        out_line(L, "{");
        L->depth++;
        for (const Node *x = s->list; x; x = x->next)
            stmt(L, x);
        L->depth--;
        out_line(L, "}");
        break;
    case N_DECL:
        decl(L, s, 0, NULL);
        break;
    case N_EXPR_STMT:
        if (!awaits(L, s) && s->operand && s->operand->kind != N_SPAWN) {
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
        if (!awaits(L, s->cond)) {
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
        if (!awaits(L, s->cond)) {
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


void lower_body(Low *L, const Node *body)
{
    for (const Node *x = body->list; x; x = x->next)
        stmt(L, x);
}
