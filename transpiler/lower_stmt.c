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
 *
 * Statements without awaits are written from their source tokens where
 * they stand (lower_text.h); a declaration of frame locals keeps its place
 * too, as assignments: `int n = 1, m;` becomes `n = 1   ;`.
 */
#include <stdio.h>
#include <string.h>

#include "lower_stmt.h"

static void stmt(Low *L, const Node *s);

/* A statement in the position of an if/loop body.  One that becomes more
 * than one statement (it awaits) gets braces; one without awaits stays as
 * written, so its columns do not move. */
static void child(Low *L, const Node *s)
{
    if (s->kind == N_BLOCK || !awaits(L, s)) {
        stmt(L, s);
        return;
    }
    put_gen(L, "{");
    stmt(L, s);
    put_gen(L, "}");
}

/* The local a declarator declares (-1 when none of ours). */
static int declared(const Low *L, const Node *x)
{
    return x->name >= 0 ? front_local_declared_at(L->fn, rt(L, x->name)->off) : -1;
}

/* The last token of init-declarator x of declaration d: the one before
 * the next comma or the `;` (the initializer's own range leaves out the
 * parentheses around it). */
static int declarator_end(const Node *d, const Node *x)
{
    return (x->next ? x->next->tok0 - 1 : d->tok1) - 1;
}

/* An initializer that can't simply be assigned: an initializer list, or
 * anything for an array. */
static int needs_copy(const Low *L, const Node *x)
{
    int li = declared(L, x);
    return x->init && (x->init->kind == N_INIT_LIST || (li >= 0 && L->fn->locals[li].is_array));
}

/* `T x = {...}` or an array for a frame local: an assignment of a compound
 * literal, or a copy.  Arrays can't be assigned: a named array is
 * initialised as written and copied (a compound literal would do, but gcc
 * then warns that its address may dangle across the resume labels). */
static const char *copy_text(Low *L, int li, const Node *init)
{
    const Local *l = &L->fn->locals[li];
    const char *x = local_ref(L, li);
    int n = 1;
    Node *one = (Node *)init;
    Node **k = init->kind == N_INIT_LIST ? kids_of(L, init, &n) : &one;
    sequence(L, k, n, 0);
    const char *v = src_text(L, init);
    if (l->is_array)
        return arena_printf(L->a, "({ %s = %s; __builtin_memcpy(&%s, &__ac_init, sizeof %s); })",
                            type_decl(L->a, l->type, "__ac_init", 1, NULL), v, x, x);
    const char *ty = type_decl(L->a, l->type, "", 1, NULL);
    return arena_printf(L->a, "%s = (%s)%s", x, ty, v);
}

/* The declaration of frame locals as assignments, in place: declarator
 * decorations and uninitialised declarators become blanks, so the
 * initializers stay where they were on the line.  The specifiers go
 * without a trace: the statement starts at the declaration's column, where
 * compilers judge its indentation (`if (c)\n        f();\n    int x = 1;`
 * must not look like a second statement of the if's body). NULL when no
 * declarator has an initializer. */
static const char *frame_decl_text(Low *L, const Node *d)
{
    int n = d->tok1 - d->tok0 + 1, any = 0;
    unsigned char *blank = arena_alloc(L->a, (size_t)n);
    memset(blank, 1, (size_t)n);
    for (const Node *x = d->list; x; x = x->next) {
        if (!x->init)
            continue;
        if (awaits(L, x->init))
            L->repl[x->init->id] = lx(L, x->init);
        int comma = x->tok0 - 1; /* the comma before it, when one is kept */
        if (any && comma > d->tok0)
            blank[comma - d->tok0] = 0;
        blank[x->name - d->tok0] = 0;
        for (int t = x->tok1 + 1; t <= declarator_end(d, x); t++)
            blank[t - d->tok0] = 0; /* = initializer */
        any = 1;
    }
    blank[n - 1] = 0; /* ; */
    if (!any)
        return NULL;
    const char *t = blanked_text(L, d->tok0, d->tok1, d, blank);
    return t + strspn(t, " ");
}

/* Can the declaration become assignments in place?  Not when an
 * initializer after the first awaits: its await would run before the
 * declarators before it are assigned. */
static int in_place(const Low *L, const Node *d)
{
    for (const Node *x = d->list; x; x = x->next)
        if (x != d->list && x->init && awaits(L, x->init))
            return 0;
    return 1;
}

/* The initializers of frame locals, one statement each, in order. */
static void frame_copies(Low *L, const Node *d)
{
    for (const Node *x = d->list; x; x = x->next) {
        int li = declared(L, x);
        if (li < 0 || !x->init)
            continue;
        if (needs_copy(L, x)) {
            put_gen(L, "%s;", copy_text(L, li, x->init));
        } else {
            const char *v = lx(L, x->init);
            put_gen(L, "%s = %s;", local_ref(L, li), v);
        }
    }
}

/* Is d a declaration of frame locals?  *copy: must its initializers be
 * statements of their own (frame_copies)? */
static int frame_decl(const Low *L, const Node *d, int *copy)
{
    int frame = 0;
    *copy = !in_place(L, d);
    for (const Node *x = d->list; x; x = x->next) {
        int li = declared(L, x);
        frame |= li >= 0 && L->sf->in_frame[li];
        *copy |= needs_copy(L, x);
    }
    return frame && !(d->storage & (DECL_TYPEDEF | DECL_STATIC | DECL_EXTERN));
}

/* Are the frame locals of declaration d all cached (sema.h)? */
static int cached_decl(const Low *L, const Node *d)
{
    for (const Node *x = d->list; x; x = x->next) {
        int li = declared(L, x);
        if (li >= 0 && L->sf->in_frame[li] && !L->sf->cached[li])
            return 0;
    }
    return 1;
}

/* A cached local comes into scope after its declarator; one declared
 * without an initializer starts from its frame member, so that storing it
 * at an await never reads an uninitialised variable. */
static void cache_init(Low *L, const Node *x)
{
    int li = declared(L, x);
    if (li >= 0 && L->sf->cached[li] && !x->init)
        L->repl[x->id] = arena_printf(L->a, "%s = __ac_f->%s",
                                      range_text(L, x->tok0, x->tok1, NULL), L->member[li]);
}

static void cache_push(Low *L, const Node *x)
{
    int li = declared(L, x);
    if (li >= 0 && L->sf->cached[li])
        scope_push(L, li);
}

/* A declaration: frame locals become assignments, cached and plain ones
 * stay as written. */
static void decl(Low *L, const Node *d)
{
    int copy;
    if (!frame_decl(L, d, &copy) || cached_decl(L, d)) {
        for (const Node *x = d->list; x; x = x->next)
            cache_init(L, x);
        if (!in_place(L, d)) { /* one declaration per declarator, in order */
            const char *specs = range_text(L, d->ty0, d->ty1, NULL);
            for (const Node *x = d->list; x; x = x->next) {
                if (x->init && awaits(L, x->init))
                    L->repl[x->init->id] = lx(L, x->init);
                const char *t = range_text(L, x->tok0, declarator_end(d, x), x);
                put_gen(L, "%s %s;", specs, t);
                cache_push(L, x);
            }
            return;
        }
        if (awaits(L, d)) /* plain locals initialised from an await */
            for (const Node *x = d->list; x; x = x->next)
                if (x->init && awaits(L, x->init))
                    L->repl[x->init->id] = lx(L, x->init);
        put_src(L, d->tok0, d->tok1, d);
        for (const Node *x = d->list; x; x = x->next)
            cache_push(L, x);
    } else if (copy) {
        frame_copies(L, d);
    } else {
        const char *t = frame_decl_text(L, d);
        if (t)
            put_at(L, d->tok0, t);
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
        put_gen(L, "%s:;", lp->cont);
}

static const char *new_label(Low *L, const char *what)
{
    return arena_printf(L->a, "__ac_%s_%d", what, ++L->nlabels);
}

/* `for (init; cond; step)` without awaits in cond and step: as written,
 * a declaration of frame locals turned into assignments; awaits in the
 * init run before the loop. */
static void for_as_written(Low *L, const Node *s)
{
    const Node *init = s->init;
    int copy;
    if (init && init->kind == N_DECL) {
        int frame = frame_decl(L, init, &copy);
        if ((!frame || cached_decl(L, init)) && in_place(L, init)) {
            for (const Node *x = init->list; x; x = x->next) {
                if (x->init && awaits(L, x->init))
                    L->repl[x->init->id] = lx(L, x->init);
                cache_init(L, x);
            }
            put_src(L, s->tok0, s->body->tok0 - 1, init);
            for (const Node *x = init->list; x; x = x->next)
                cache_push(L, x);
            return;
        }
        if (frame && !cached_decl(L, init) && !copy) {
            const char *t = frame_decl_text(L, init);
            L->repl[init->id] = t ? t : ";";
        } else { /* the declaration before the loop */
            decl(L, init);
            L->repl[init->id] = ";";
        }
    } else if (init && awaits(L, init)) {
        put_gen(L, "(void)(%s);", lx(L, init));
        L->repl[init->id] = "";
    }
    put_src(L, s->tok0, s->body->tok0 - 1, init);
}

static void stmt_for(Low *L, const Node *s)
{
    Loop lp;
    int nscope = L->nscope; /* a declaration in the header ends with the loop */
    int header_awaits = (s->cond && awaits(L, s->cond)) || (s->step && awaits(L, s->step));
    if (!header_awaits) {
        for_as_written(L, s);
        push_loop(L, &lp, NULL, 0);
        child(L, s->body);
        L->loop = lp.up;
        L->nscope = nscope;
        return;
    }
    if (s->init && s->init->kind == N_DECL)
        decl(L, s->init);
    else if (s->init)
        put_gen(L, "(void)(%s);", lx(L, s->init));
    const char *cont = new_label(L, "continue");
    put_gen(L, "for (;;) {");
    if (s->cond)
        put_gen(L, "if (!(%s)) break;", lx(L, s->cond));
    push_loop(L, &lp, cont, 0);
    child(L, s->body);
    L->loop = lp.up;
    cont_label(L, &lp);
    if (s->step)
        put_gen(L, "(void)(%s);", lx(L, s->step));
    put_gen(L, "}");
    L->nscope = nscope;
}

/* if/while/switch (cond): the header as written, or after its awaits. */
static void header(Low *L, const Node *s, const char *kw, const Node *next)
{
    if (!awaits(L, s->cond)) {
        put_src(L, s->tok0, next->tok0 - 1, s->cond);
        return;
    }
    const char *c = lx(L, s->cond);
    put_at(L, s->tok0, arena_printf(L->a, "%s (%s)", kw, c));
}

static void stmt_while(Low *L, const Node *s)
{
    Loop lp;
    if (!awaits(L, s->cond)) {
        header(L, s, "while", s->body);
        push_loop(L, &lp, NULL, 0);
        child(L, s->body);
    } else {
        put_gen(L, "for (;;) {");
        put_gen(L, "if (!(%s)) break;", lx(L, s->cond));
        push_loop(L, &lp, NULL, 0);
        child(L, s->body);
        put_gen(L, "}");
    }
    L->loop = lp.up;
}

static void stmt_do(Low *L, const Node *s)
{
    Loop lp;
    int w = s->body->tok1 + 1; /* `while` */
    if (!awaits(L, s->cond)) {
        put_src(L, s->tok0, s->tok0, NULL);
        push_loop(L, &lp, NULL, 0);
        child(L, s->body);
        L->loop = lp.up;
        put_src(L, w, s->tok1, s->cond);
        return;
    }
    const char *cont = new_label(L, "continue");
    put_gen(L, "for (;;) {");
    push_loop(L, &lp, cont, 0);
    child(L, s->body);
    L->loop = lp.up;
    L->stmt_tok = w; /* the test is the `while` line's code */
    put_at(L, w, "");
    cont_label(L, &lp);
    put_gen(L, "if (!(%s)) break;", lx(L, s->cond));
    put_gen(L, "}");
}

/* return E; -> the result, then completion: one line. */
static void stmt_return(Low *L, const Node *s)
{
    const char *v = s->operand ? lx(L, s->operand) : NULL;
    const char *set = "";
    if (v && L->fn->is_void)
        set = arena_printf(L->a, "(void)(%s); ", v);
    else if (v)
        set = arena_printf(L->a, "__ac_f->ret = %s; ", v);
    put_at(L, s->tok0,
           arena_printf(L->a, "{ %s__ac_return(&__ac_f->co); return; }", set));
}

static void stmt(Low *L, const Node *s)
{
    Loop lp;
    if (L->sf->hoisted[s->id]) /* written before the frame */
        return;
    leading_trivia(L, s->tok0, s->kind == N_CASE || s->kind == N_DEFAULT);
    L->stmt_tok = s->tok0;
    switch (s->kind) {
    case N_BLOCK: {
        int nscope = L->nscope;
        put_src(L, s->tok0, s->tok0, NULL);
        for (const Node *x = s->list; x; x = x->next)
            stmt(L, x);
        L->stmt_tok = s->tok1;
        leading_trivia(L, s->tok1, 0);
        put_src(L, s->tok1, s->tok1, NULL);
        L->nscope = nscope;
        break;
    }
    case N_DECL:
        decl(L, s);
        break;
    case N_EXPR_STMT:
        if (!awaits(L, s) && s->operand && s->operand->kind != N_SPAWN) {
            put_src(L, s->tok0, s->tok1, s);
        } else if (s->operand->kind == N_SPAWN) {
            lower_spawn(L, s->operand);
        } else if (s->operand->kind == N_AWAIT) {
            lower_await(L, s->operand, 0);
        } else {
            const char *v = lx(L, s->operand);
            put_gen(L, "%s;", v);
        }
        break;
    case N_IF:
        header(L, s, "if", s->then);
        child(L, s->then);
        if (s->els) {
            put_src(L, s->then->tok1 + 1, s->then->tok1 + 1, NULL); /* else */
            child(L, s->els);
        }
        break;
    case N_WHILE:
        stmt_while(L, s);
        break;
    case N_DO:
        stmt_do(L, s);
        break;
    case N_FOR:
        stmt_for(L, s);
        break;
    case N_SWITCH:
        header(L, s, "switch", s->body);
        push_loop(L, &lp, L->loop ? L->loop->cont : NULL, 1);
        child(L, s->body);
        L->loop = lp.up;
        break;
    case N_CASE:
    case N_DEFAULT:
        put_src(L, s->tok0, s->body->tok0 - 1, NULL);
        stmt(L, s->body);
        break;
    case N_LABEL:
        put_src(L, s->tok0, s->body->tok0 - 1, NULL);
        put_gen(L, ";"); /* a declaration may follow */
        stmt(L, s->body);
        break;
    case N_CONTINUE:
        if (L->loop && L->loop->cont) {
            put_at(L, s->tok0, arena_printf(L->a, "goto %s;", L->loop->cont));
            L->loop->owner->cont_used = 1;
        } else {
            put_src(L, s->tok0, s->tok1, s);
        }
        break;
    case N_RETURN:
        stmt_return(L, s);
        break;
    case N_MACRO_STMT:
        put_src(L, s->callee->tok0, s->callee->tok1, s->callee);
        child(L, s->body);
        break;
    default: /* break, goto, null statement, asm, _Static_assert */
        put_src(L, s->tok0, s->tok1, s);
        break;
    }
}

void lower_body(Low *L, const Node *body)
{
    /* where the body's `{` stands, the dispatch to the resume points
     * (lower.c fills it in once their number is known) */
    L->stmt_tok = body->tok0;
    put_at(L, body->tok0, DISPATCH_HERE);
    for (const Node *x = body->list; x; x = x->next)
        stmt(L, x);
    /* falling off the end completes the coroutine: the closing brace's line */
    L->stmt_tok = body->tok1;
    leading_trivia(L, body->tok1, 0);
    put_at(L, body->tok1, "__ac_return(&__ac_f->co);");
    put_gen(L, "}");
    end_line(L);
}
