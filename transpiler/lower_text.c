/*
 * lower_text.c - printing source text with edits.
 *
 * A statement or expression that needs no rewriting is printed from its
 * source tokens, with the text between them (spaces, comments) as it was,
 * identifiers of frame locals renamed to ac_f->member, and lowered
 * subexpressions replaced by their results: Low.repl maps a node to the
 * text that stands for its whole subtree (a "hole").
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lower_text.h"

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

unsigned line_of_tok(const Low *L, int t)
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

/* ------------------------------------------------------------------ */
/* Source text with holes                                              */
/* ------------------------------------------------------------------ */

typedef struct Hole {
    int t0, t1;
    const char *text;
} Hole;

typedef struct Holes {
    Hole *h;
    int n, cap;
} Holes;

/* The outermost replaced nodes of n's subtree, in source order (the
 * iterator visits children in source order). */
static void collect_holes(const Low *L, const Node *n, Holes *hs)
{
    if (L->repl[n->id]) {
        if (hs->n == hs->cap) {
            hs->cap = hs->cap ? hs->cap * 2 : 8;
            hs->h = realloc(hs->h, sizeof *hs->h * (size_t)hs->cap);
            if (!hs->h)
                exit(1);
        }
        hs->h[hs->n++] = (Hole){n->tok0, n->tok1, L->repl[n->id]};
        return;
    }
    KidIter it;
    for (Node *x = ast_first_kid(n, &it); x; x = ast_next_kid(&it))
        collect_holes(L, x, hs);
}

static int cmp_hole(const void *a, const void *b)
{
    const Hole *x = a, *y = b;
    return x->t0 - y->t0;
}

/* The text of one raw token, renamed when it names a frame local. */
static void put_token(const Low *L, Buf *b, int i)
{
    const RawTok *t = rt(L, i);
    if (t->ckind == RT_IDENT) {
        int li = front_local_at(L->fn, t->off);
        if (li >= 0 && L->sf->in_frame[li] && L->member[li]) {
            buf_printf(b, "ac_f->%s", L->member[li]);
            return;
        }
    }
    buf_put(b, L->fe->src.text + t->off, t->len);
}

char *range_text(Low *L, int t0, int t1, const Node *n)
{
    Holes hs = {0};
    collect_holes(L, n, &hs);
    /* a declarator's initializer follows it: sort to be safe */
    if (hs.n > 1)
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

char *src_text(Low *L, const Node *n)
{
    return range_text(L, n->tok0, n->tok1, n);
}

void src_line(Low *L, int tok, const char *s)
{
    buf_mark(L->out, line_of_tok(L, tok));
    indent(L);
    buf_puts(L->out, s);
    buf_puts(L->out, "\n");
}

/* ------------------------------------------------------------------ */
/* Comments and directives                                             */
/* ------------------------------------------------------------------ */

void leading_trivia(Low *L, int t, int next_is_label)
{
    if (t <= 0)
        return;
    int fallthrough = 0;
    for (int i = rt(L, t - 1)->trivia; i < rt(L, t)->trivia; i++) {
        const Trivia *tv = &L->fn->trivia[i];
        unsigned line, col;
        diag_linecol(&L->fe->src, tv->off, &line, &col);
        buf_mark(L->out, line);
        if (tv->kind == TRIVIA_COMMENT)
            indent(L);
        buf_put(L->out, L->fe->src.text + tv->off, tv->len);
        buf_puts(L->out, "\n");
        fallthrough |= tv->fallthrough;
    }
    /* A fall-through comment no longer sits right after the statement
     * that falls through (resume labels come between), so say it in a
     * way both compilers understand wherever it stands. */
    if (next_is_label && fallthrough)
        out_line(L, "__attribute__((fallthrough));");
}
