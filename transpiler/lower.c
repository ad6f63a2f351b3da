/*
 * lower.c - stage 4's driver: each async function becomes the pieces of
 * a state machine (lower.h), and each async_run form a statement
 * expression.
 *
 * The shape of the result: the locals sema put in the frame are accessed
 * as ac_f->name; the body keeps its structure and each await becomes
 *
 *         callee__init(&ac_f->sub.aN, args...);
 *         if (ac_await(&ac_f->co, &ac_f->sub.aN.co, N))
 *             return;
 *     resume_N:
 *
 * docs/TRANSPILER.md shows a whole function.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lower_stmt.h"

/* A resume label prefix no user label starts with. */
static const char *label_prefix(const AsyncFn *fn, const Source *src)
{
    const char *p = "resume_";
    for (int i = 0; i + 1 < fn->nraw; i++) {
        const RawTok *t = &fn->raw[i];
        if (t->ckind == RT_IDENT && t->len >= 7 && !memcmp(src->text + t->off, "resume_", 7))
            p = "ac_resume_";
    }
    return p;
}

static void lower_one(const Front *fe, const Sema *s, const AsyncFn *fn, const Tree *t,
                      LowFn *lf, Arena *scratch)
{
    Low L = {.fe = fe, .sema = s, .fn = fn, .sf = &s->fns[fn->index], .lf = lf,
             .a = scratch, .keep = fe->arena, .out = &lf->body, .depth = 1};
    L.repl = calloc((size_t)t->nnodes + 1, sizeof *L.repl);
    L.member = calloc((size_t)fn->nlocals + 1, sizeof *L.member);
    if (!L.repl || !L.member)
        exit(1);
    lf->done = 1;
    lf->label = label_prefix(fn, &fe->src);
    layout_frame(&L, t->root);
    frame_literals(&L, t->root, 0);
    lower_body(&L, t->root);
    lf->param_member = arena_alloc(fe->arena, sizeof *lf->param_member * (size_t)(fn->nparams + 1));
    for (int i = 0; i < fn->nparams; i++)
        lf->param_member[i] = L.member[i] ? L.member[i] : fn->locals[i].name;
    free(L.repl);
    free(L.member);
    strmap_free(&L.used);
    arena_reset(scratch);
}

/* async_run(f(args)) -> a statement expression running f's frame on a new
 * loop: on the caller's stack when f's frame type is visible, else through
 * f__new. */
static void lower_run(const Front *fe, const Run *run, const Node *call, AsyncFn *g,
                      LowRun *out)
{
    Arena *a = fe->arena;
    const RawTok *raw = run->raw + 2;
    const char *args = "";
    if (call->list) {
        const Node *last = call->list;
        while (last->next)
            last = last->next;
        unsigned s = raw[call->list->tok0].off, e = raw[last->tok1].off + raw[last->tok1].len;
        args = arena_printf(a, ", %.*s", (int)(e - s), fe->src.text + s);
    }
    out->callee = g;
    const char *res = g->is_void ? "(void)0" : "ac_main.ret";
    if (g->defined_here || g->frame_visible) {
        out->text = arena_printf(a,
                                 "({ struct %s__frame ac_main; %s__init(&ac_main%s); "
                                 "ac_run(&ac_main.co); %s; })",
                                 g->name, g->name, args, res);
        return;
    }
    const char *take = g->is_void ? "(void)0" : arena_printf(a, "%s__result(ac_main)", g->name);
    out->text = arena_printf(a,
                             "({ ac_coro *ac_main = %s__new(%s); ac_run(ac_main); "
                             "__typeof__(%s) ac_res = %s; %s__free(ac_main); ac_res; })",
                             g->name, *args ? args + 2 : "", take, take, g->name);
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
        if (p->runs[i].root && s->run_callee[i])
            lower_run(fe, &fe->runs[i], p->runs[i].root, s->run_callee[i], &out->runs[i]);
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
        free(lf->externs);
    }
    free(lo->fns);
    free(lo->runs);
    lo->fns = NULL;
    lo->runs = NULL;
}
