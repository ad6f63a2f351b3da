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

/* ------------------------------------------------------------------ */
/* Output lines                                                        */
/* ------------------------------------------------------------------ */

/* Start an output line for .ac line `line`, padded to the column of byte
 * `off` of that line: its indentation is copied (tabs stay tabs, so the
 * column is the same whatever a compiler counts a tab as). */
static void start_line(Low *L, unsigned line, unsigned off)
{
    if (L->mid)
        buf_puts(L->out, "\n");
    buf_mark(L->out, line);
    const char *text = L->fe->src.text;
    size_t bol = source_line_start(&L->fe->src, line);
    for (size_t i = bol; i < off; i++)
        buf_put(L->out, text[i] == '\t' ? "\t" : " ", 1);
    L->line = line;
    L->mid = 1;
}

/* Append text; its newlines (from source gaps) move to the next lines. */
static void append(Low *L, const char *s)
{
    buf_puts(L->out, s);
    for (; *s; s++)
        L->line += *s == '\n';
}

void put_at(Low *L, int tok, const char *text)
{
    const RawTok *t = rt(L, tok);
    unsigned line = line_of_tok(L, tok);
    if (L->mid && L->line == line) {
        /* the same .ac line: keep the original gap after source text */
        if (L->last_tok >= 0 && L->last_tok < tok) {
            const RawTok *p = rt(L, L->last_tok);
            buf_put(L->out, L->fe->src.text + p->off + p->len, t->off - (p->off + p->len));
        } else {
            buf_puts(L->out, " ");
            while (*text == ' ' || *text == '\t') /* blanks stand in for removed text */
                text++;
        }
    } else {
        start_line(L, line, t->off);
    }
    append(L, text);
    L->last_tok = -1;
}

void put_src(Low *L, int t0, int t1, const Node *n)
{
    put_at(L, t0, range_text(L, t0, t1, n));
    L->last_tok = t1;
}

void put_gen(Low *L, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char small[512];
    int n = fmt_vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    const char *s = small;
    if (n >= (int)sizeof small) {
        char *p = arena_alloc(L->a, (size_t)n + 1);
        va_start(ap, fmt);
        fmt_vsnprintf(p, (size_t)n + 1, fmt, ap);
        va_end(ap);
        s = p;
    }
    /* join the output line when it already holds this statement's code
     * (or an earlier statement's, on the same .ac line) */
    unsigned line = line_of_tok(L, L->stmt_tok);
    if (L->mid && L->line >= line)
        buf_puts(L->out, " ");
    else
        start_line(L, line, rt(L, L->stmt_tok)->off);
    append(L, s);
    L->last_tok = -1;
}

void end_line(Low *L)
{
    if (L->mid)
        buf_puts(L->out, "\n");
    L->mid = 0;
    L->last_tok = -1;
}

const char *local_ref(const Low *L, int li)
{
    if (L->sf->named[li] || L->sf->cached[li])
        return L->fn->locals[li].name;
    return arena_printf(L->a, "__ac_f->%s", L->member[li]);
}

void scope_push(Low *L, int li)
{
    if (L->nscope == L->capscope) {
        L->capscope = L->capscope ? L->capscope * 2 : 16;
        L->scope = realloc(L->scope, sizeof *L->scope * (size_t)L->capscope);
        if (!L->scope)
            exit(1);
    }
    L->scope[L->nscope++] = li;
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

/* The text of one raw token, renamed when it names a frame local that
 * keeps no name of its own in the resume function. */
static void put_token(const Low *L, Buf *b, int i)
{
    const RawTok *t = rt(L, i);
    if (t->ckind == RT_IDENT) {
        int li = front_local_at(L->fn, t->off);
        if (li < 0) /* the name in a declaration of it */
            li = front_local_declared_at(L->fn, t->off);
        if (li >= 0 && L->sf->in_frame[li] && !L->sf->named[li] && !L->sf->cached[li] &&
            L->member[li]) {
            buf_printf(b, "__ac_f->%s", L->member[li]);
            return;
        }
    }
    buf_put(b, L->fe->src.text + t->off, t->len);
}

/* Source text of t0..t1 with n's holes; tokens with blank[t - t0] set
 * become spaces as wide as they are. */
static char *text_of(Low *L, int t0, int t1, const Node *n, const unsigned char *blank)
{
    Holes hs = {0};
    if (n)
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
        if (blank && blank[i - t0])
            for (unsigned c = 0; c < rt(L, i)->len; c++)
                buf_put(&b, " ", 1);
        else
            put_token(L, &b, i);
        i++;
    }
    free(hs.h);
    char *s = arena_strndup(L->a, b.s ? b.s : "", b.len);
    buf_free(&b);
    return s;
}

char *range_text(Low *L, int t0, int t1, const Node *n)
{
    return text_of(L, t0, t1, n, NULL);
}

char *blanked_text(Low *L, int t0, int t1, const Node *n, const unsigned char *blank)
{
    return text_of(L, t0, t1, n, blank);
}

char *src_text(Low *L, const Node *n)
{
    return range_text(L, n->tok0, n->tok1, n);
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
        const char *text = arena_strndup(L->a, L->fe->src.text + tv->off, tv->len);
        if (tv->kind == TRIVIA_DIRECTIVE) { /* a line of its own */
            end_line(L);
            start_line(L, line, tv->off);
            append(L, text);
            end_line(L);
            continue;
        }
        if (L->mid && L->line == line) {
            buf_puts(L->out, " ");
            append(L, text);
        } else {
            start_line(L, line, tv->off);
            append(L, text);
        }
        L->last_tok = -1;
        if (text[1] == '/') /* nothing may follow a // comment on its line */
            end_line(L);
        fallthrough |= tv->fallthrough;
    }
    /* A fall-through comment no longer sits right after the statement
     * that falls through (resume labels come between), so say it in a
     * way both compilers understand wherever it stands. */
    if (next_is_label && fallthrough)
        put_gen(L, "__attribute__((fallthrough));");
}
