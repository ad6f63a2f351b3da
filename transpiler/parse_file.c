/*
 * parse_file.c - stage 2 for a whole file: every async body and every
 * async_run operand, lexed (lex.c) and parsed (parse.c) in file order.
 */
#include <stdlib.h>

#include "front.h"
#include "parse.h"

int parse_file(const Front *fe, Arena *a, Parsed *out)
{
    int before = diag_count();
    out->fns = calloc((size_t)fe->nfns + 1, sizeof *out->fns);
    out->runs = calloc((size_t)fe->nruns + 1, sizeof *out->runs);
    if (!out->fns || !out->runs)
        exit(1);
    for (int i = 0; i < fe->nrepls; i++) {
        const Repl *r = &fe->repls[i];
        PTok *toks;
        int ntoks;
        if (r->kind == R_DEFINITION) {
            const AsyncFn *fn = r->fn;
            Tree *t = &out->fns[fn->index];
            if (fn->nraw == 0 ||
                lex_tokens(a, &fe->src, fn->raw, fn->nraw, &toks, &ntoks) < 0)
                continue;
            t->root = parse_body(a, &fe->src, fn->raw, toks, ntoks, &t->nnodes);
        } else if (r->kind == R_RUN) {
            /* async_run ( operand ): the operand alone */
            const Run *run = &fe->runs[r->run];
            Tree *t = &out->runs[r->run];
            if (run->nraw < 4 ||
                lex_tokens(a, &fe->src, run->raw + 2, run->nraw - 3, &toks, &ntoks) < 0)
                continue;
            t->root = parse_expr(a, &fe->src, run->raw + 2, toks, ntoks, &t->nnodes);
        }
    }
    return diag_count() == before ? 0 : -1;
}

void parse_free(Parsed *p)
{
    free(p->fns);
    free(p->runs);
    p->fns = p->runs = NULL;
}
