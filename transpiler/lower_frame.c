/*
 * lower_frame.c - what the frame struct holds besides the header and the
 * result: parameters and the locals sema_live.c put in the frame, the
 * temporaries expressions need across awaits, and copies of compound
 * literals.  Type declarations of the body go to file scope, before the
 * frame, so that frame members can have those types.
 */
#include <stdio.h>
#include <string.h>

#include "gram.h"
#include "lower_frame.h"

const char *member_name(Low *L, const char *want)
{
    const char *s = want;
    for (int k = 2; strmap_get(&L->used, s, strlen(s)); k++)
        s = arena_printf(L->keep, "%s_%d", want, k);
    strmap_put(&L->used, s, strlen(s), 1);
    return s;
}

/* `await` expands to nothing for clang, so its expression ranges start
 * after any leading awaits. */
int type_of(const Low *L, const Node *e, Type *t)
{
    int t0 = e->tok0;
    while (t0 < e->tok1 && rt(L, t0)->len == 5 &&
           !memcmp(L->fe->src.text + rt(L, t0)->off, "await", 5))
        t0++;
    const RawTok *a = rt(L, t0), *b = rt(L, e->tok1);
    return front_expr_type(L->fn, a->off, b->off + b->len, t);
}

static const char *new_temp(Low *L)
{
    return member_name(L, arena_printf(L->keep, "tmp_%d", ++L->ntemps));
}

const char *temp_of_type(Low *L, Type t, const Node *at)
{
    const char *m = new_temp(L);
    const char *why = NULL;
    char *decl;
    if (type_is_array(t))
        decl = type_decl(L->a, type_element(t), arena_printf(L->a, "*%s", m), 0, &why);
    else if (type_is_function(t))
        decl = type_decl(L->a, t, arena_printf(L->a, "(*%s)", m), 0, &why);
    else
        decl = type_decl(L->a, t, m, 1, &why);
    if (!decl) {
        diag_error(&L->fe->src, rt(L, at->tok0)->off,
                   "this expression's type (%s) cannot be saved across an await",
                   why ? why : "unknown");
        return "__ac_f->tmp_error";
    }
    buf_printf(&L->lf->members, "    %s;\n", decl);
    return arena_printf(L->a, "__ac_f->%s", m);
}

const char *temp_for(Low *L, const Node *e)
{
    Type t;
    if (type_of(L, e, &t) < 0) {
        diag_error(&L->fe->src, rt(L, e->tok0)->off,
                   "internal: no type known for this expression");
        return "__ac_f->tmp_error";
    }
    return temp_of_type(L, t, e);
}

const char *temp_pointer(Low *L, const Node *e)
{
    Type t;
    const char *why = "unknown";
    const char *m = NULL;
    char *decl = NULL;
    if (type_of(L, e, &t) == 0) {
        m = new_temp(L);
        decl = type_decl(L->a, t, arena_printf(L->a, "*%s", m), 1, &why);
    }
    if (!decl) {
        diag_error(&L->fe->src, rt(L, e->tok0)->off,
                   "this lvalue's type (%s) cannot be saved across an await", why);
        return NULL;
    }
    buf_printf(&L->lf->members, "    %s;\n", decl);
    return arena_printf(L->a, "__ac_f->%s", m);
}

/* The hoisted type declarations, in source order. */
static void hoisted_types(Low *L, const Node *n)
{
    if (L->sf->hoisted[n->id]) {
        buf_mark(&L->lf->types, line_of_tok(L, n->tok0));
        buf_printf(&L->lf->types, "%s\n", src_text(L, n));
        buf_mark(&L->lf->types, 0);
        return;
    }
    KidIter it;
    for (Node *x = ast_first_kid(n, &it); x; x = ast_next_kid(&it))
        hoisted_types(L, x);
}

void layout_frame(Low *L, const Node *body)
{
    const AsyncFn *fn = L->fn;
    hoisted_types(L, body);
    static const char *const reserved[] = {"co", "ret", "sub", NULL};
    for (int i = 0; reserved[i]; i++)
        member_name(L, reserved[i]);
    for (int i = 0; i < fn->nlocals; i++) {
        const Local *l = &fn->locals[i];
        if (!L->sf->in_frame[i])
            continue;
        const char *m = member_name(L, *l->name ? l->name : "unnamed");
        L->member[i] = m;
        /* sema has checked that these types can be written */
        char *d = l->decays ? type_decl(L->a, type_element(l->type),
                                        arena_printf(L->a, "*%s", m), 0, NULL)
                            : type_decl(L->a, l->type, m, 1, NULL);
        buf_printf(&L->lf->members, "    %s;\n", d ? d : "int error");
    }
}

/*
 * A compound literal has automatic storage: in the resume function it
 * would die at the next suspension.  Those whose address can escape (an
 * array, which decays, or one under &) are copied into a frame member and
 * the expression refers to that member instead.
 */
void frame_literals(Low *L, const Node *n, int under_amp)
{
    if (n->kind == N_COMPOUND_LIT && !awaits(L, n)) {
        Type t;
        if (type_of(L, n, &t) == 0 && (under_amp || type_is_array(t))) {
            const char *m = member_name(L, arena_printf(L->keep, "literal_%d", ++L->ntemps));
            const char *d = type_decl(L->a, t, m, 1, NULL);
            const char *init = type_decl(L->a, t, "__ac_init", 1, NULL);
            if (d && init && n->init) {
                buf_printf(&L->lf->members, "    %s;\n", d);
                L->repl[n->id] = arena_printf(L->a,
                                              "(*({ %s = %s; (__typeof__(__ac_f->%s) *)__builtin_memcpy("
                                              "&__ac_f->%s, &__ac_init, sizeof __ac_f->%s); }))",
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
