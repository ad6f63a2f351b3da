/*
 * lower.c - stage 4's driver: each async function becomes the pieces of
 * a state machine (lower.h), and each async_run form a statement
 * expression.
 *
 * The shape of the result: the locals sema put in the frame are members
 * of the frame struct, and the resume function names them through macros
 * of their own names (or as __ac_f->name, see sema_live.c); the body keeps
 * its structure and each await becomes, on the await's line,
 *
 *     callee__init(&__ac_f->sub.aN, args...);
 *     if (__ac_await(&__ac_f->co, &__ac_f->sub.aN.co, N)) return; __ac_resume_N:;
 *
 * Every name generated code introduces starts with __ac_, which C reserves
 * for the implementation, so no user identifier can collide with one.
 * docs/TRANSPILER.md shows a whole function.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lower_stmt.h"

/* The resume function's first code, on the line of the body's `{`: the
 * frame pointer, and the jump to the point the coroutine resumes at.  A
 * breakpoint on that line stops whenever the coroutine starts or resumes. */
static void dispatch(Low *L)
{
    Buf d = {0};
    const AsyncFn *fn = L->fn;
    buf_printf(&d, "struct %s__frame *__ac_f = (struct %s__frame *)__ac_co;", fn->name,
               fn->name);
    for (int i = 0; i < fn->nparams; i++) { /* cached parameters, at every entry */
        const Local *l = &fn->locals[i];
        if (!L->sf->cached[i])
            continue;
        const char *t = l->decays ? type_decl(L->a, type_element(l->type),
                                              arena_printf(L->a, "*%s", l->name), 0, NULL)
                                  : type_decl(L->a, l->type, l->name, 1, NULL);
        buf_printf(&d, " %s = __ac_f->%s;", t ? t : "int error", L->member[i]);
    }
    if (L->lf->npoints) {
        buf_puts(&d, " switch (__ac_f->co.state) {");
        for (int k = 1; k <= L->lf->npoints; k++)
            buf_printf(&d, " case %d: goto __ac_resume_%d;", k, k);
        buf_puts(&d, " }");
    }
    Buf *b = &L->lf->body;
    char *at = memchr(b->s, DISPATCH_HERE[0], b->len);
    size_t pos = (size_t)(at - b->s);
    Buf out = {0};
    buf_put(&out, b->s, pos);
    buf_put(&out, d.s, d.len);
    buf_put(&out, at + 1, b->len - pos - 1);
    buf_free(b);
    buf_free(&d);
    *b = out;
}

static void lower_one(const Front *fe, const Sema *s, const AsyncFn *fn, const Tree *t,
                      LowFn *lf, Arena *scratch)
{
    Low L = {.fe = fe, .sema = s, .fn = fn, .sf = &s->fns[fn->index], .lf = lf,
             .a = scratch, .keep = fe->arena, .out = &lf->body, .last_tok = -1};
    L.repl = calloc((size_t)t->nnodes + 1, sizeof *L.repl);
    L.member = calloc((size_t)fn->nlocals + 1, sizeof *L.member);
    if (!L.repl || !L.member)
        exit(1);
    lf->done = 1;
    layout_frame(&L, t->root);
    frame_literals(&L, t->root, 0);
    for (int i = 0; i < fn->nparams; i++)
        if (L.sf->cached[i])
            scope_push(&L, i);
    lower_body(&L, t->root);
    dispatch(&L);
    lf->param_member = arena_alloc(fe->arena, sizeof *lf->param_member * (size_t)(fn->nparams + 1));
    for (int i = 0; i < fn->nparams; i++)
        lf->param_member[i] = L.member[i] ? L.member[i] : fn->locals[i].name;
    lf->named = arena_alloc(fe->arena, sizeof *lf->named * (size_t)(fn->nlocals + 1));
    for (int i = 0; i < fn->nlocals; i++)
        if (L.sf->named[i])
            lf->named[lf->nnamed++] = (NamedLocal){fn->locals[i].name, L.member[i]};
    free(L.repl);
    free(L.member);
    free(L.scope);
    strmap_free(&L.used);
    arena_reset(scratch);
}

/* async_run(f(args)) -> a statement expression running f's frame on a new
 * loop: on the caller's stack when f's frame type is visible, else through
 * f's entry (a pointer, or a function of another file).  When the run fails
 * (no task could make progress, or a nested async_run) the result reads as
 * zero; ac_last_run_status() says why. */
static void lower_run(const Front *fe, const Sema *s, int i, const Node *call, LowRun *out)
{
    Arena *a = fe->arena;
    const Run *run = &fe->runs[i];
    AsyncFn *g = s->run_callee[i];
    const RawTok *raw = run->raw + 2;
    const char *args = "";
    if (call->list) {
        const Node *last = call->list;
        while (last->next)
            last = last->next;
        unsigned b = raw[call->list->tok0].off, e = raw[last->tok1].off + raw[last->tok1].len;
        args = arena_printf(a, "%.*s", (int)(e - b), fe->src.text + b);
    }
    if (g && (g->defined_here || g->frame_visible)) {
        out->callee = g;
        out->text = arena_printf(a,
                                 "({ struct %s__frame __ac_main; %s__init(&__ac_main%s%s); %s; })",
                                 g->name, g->name, *args ? ", " : "", args,
                                 g->is_void ? "__ac_run(&__ac_main.co); (void)0"
                                            : "__ac_run_ret(&__ac_main.co, &__ac_main.ret, "
                                              "sizeof __ac_main.ret); __ac_main.ret");
        return;
    }
    Type ret = type_result(s->run_fntype[i]);
    const char *callee = arena_printf(a, "%.*s",
                                      (int)(raw[call->callee->tok1].off +
                                            raw[call->callee->tok1].len - raw[call->callee->tok0].off),
                                      fe->src.text + raw[call->callee->tok0].off);
    const char *take = "";
    if (!type_is_void(ret)) {
        const char *r = type_decl(a, ret, "ret", 1, NULL), *v = type_decl(a, ret, "__ac_res", 1, NULL);
        /* a failed run (a deadlock) never wrote the result: zero */
        take = arena_printf(a, "%s; if (__ac_rc == 0) __ac_res = ((struct { struct ac_coro co; %s; } "
                               "*)__ac_co)->ret; else __builtin_memset(&__ac_res, 0, sizeof __ac_res); ",
                            v ? v : "int __ac_res", r ? r : "int ret");
    }
    out->text = arena_printf(a,
                             "({ struct ac_dyn __ac_d; __ac_dyn_begin(&__ac_d); (void)(%s)(%s); "
                             "struct ac_coro *__ac_co = __ac_dyn_end(&__ac_d); "
                             "int __ac_rc = __ac_run(__ac_co); (void)__ac_rc; "
                             "%s__ac_frame_free(__ac_co, __ac_d.size); %s; })",
                             callee, args, take, type_is_void(ret) ? "(void)0" : "__ac_res");
}

int lower_file(const Front *fe, const Parsed *p, const Sema *s, Lowered *out)
{
    int before = diag_count();
    out->fns = calloc((size_t)fe->nfns + 1, sizeof *out->fns);
    out->runs = calloc((size_t)fe->nruns + 1, sizeof *out->runs);
    if (!out->fns || !out->runs)
        exit(1);
    Arena scratch = {0};
    for (int i = 0; i < fe->nfns; i++)
        if (p->fns[i].root)
            lower_one(fe, s, fe->fns[i], &p->fns[i], &out->fns[i], &scratch);
    arena_free(&scratch);
    for (int i = 0; i < fe->nruns; i++)
        if (p->runs[i].root && p->runs[i].root->kind == N_CALL)
            lower_run(fe, s, i, p->runs[i].root, &out->runs[i]);
    return diag_count() == before ? 0 : -1;
}

void lower_free(const Front *fe, Lowered *lo)
{
    for (int i = 0; lo->fns && i < fe->nfns; i++) {
        LowFn *lf = &lo->fns[i];
        buf_free(&lf->types);
        buf_free(&lf->members);
        buf_free(&lf->subs);
        buf_free(&lf->helpers);
        buf_free(&lf->body);
        free(lf->embeds);
        free(lf->uses);
        free(lf->point_line);
    }
    free(lo->fns);
    free(lo->runs);
    lo->fns = NULL;
    lo->runs = NULL;
}
