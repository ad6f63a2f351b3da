/*
 * parse.c - drive the Lemon parser generated from grammar/asyncc.y.
 *
 * One parser instance per call: feed the start pseudo-token that selects
 * what the input is, then every token, then end of input (0).  The first
 * syntax error or stack overflow stops the feeding, so the user sees one
 * message, and no token sequence can make the parser loop or crash: the
 * stack is a fixed array whose overflow is reported as "nesting too deep".
 */
#include "parse.h"

#include <stdlib.h>

#include "gram.h"
#include "parse_state.h"

/* Byte offset at which to report a problem with token `t`. */
static size_t tok_off(const ParseState *st, PTok t)
{
    return st->raw[t.r0].off;
}

static void report(const ParseState *st, const PTok *toks, int n)
{
    if (st->overflow) {
        /* The token that overflowed is unknown here; the deepest point
         * reached is near the middle of the input, but the start of the
         * body is a stable, honest location. */
        size_t off = n > 0 ? tok_off(st, toks[0]) : 0;
        diag_error(st->src, off, "nesting too deep");
    } else if (st->err_eof || n == 0) {
        size_t off = 0;
        if (n > 0) {
            const RawTok *last = &st->raw[toks[n - 1].r1];
            off = last->off + last->len;
        }
        diag_error(st->src, off, "unexpected end of input");
    } else {
        const RawTok *r0 = &st->raw[st->err_tok.r0];
        const RawTok *r1 = &st->raw[st->err_tok.r1];
        int len = (int)(r1->off + r1->len - r0->off);
        /* A collapsed token (a whole macro call) can be long: show its
         * start only. */
        if (len > 40)
            len = (int)r0->len;
        /* After an object-like macro the likely cause is an expansion
         * that is not a whole expression or type (`#define CAST (T *)`):
         * say so, the parser never sees expansions. */
        int m = st->err_tok.r0 - 1;
        if (m >= 0 && (st->raw[m].flags & RTF_MACRO) && !st->raw[m].alias)
            diag_error(st->src, r0->off,
                       "syntax error near '%.*s' (after macro '%.*s', which "
                       "is read unexpanded, as a name)", len,
                       st->src->text + r0->off, (int)st->raw[m].len,
                       st->src->text + st->raw[m].off);
        else
            diag_error(st->src, r0->off, "syntax error near '%.*s'", len,
                       st->src->text + r0->off);
    }
}

static int is_form(int kind)
{
    return kind == TK_AWAIT || kind == TK_GATHER || kind == TK_TO_THREAD ||
           kind == TK_SPAWN || kind == TK_WITH_TIMEOUT ||
           kind == TK_ASYNC_RUN;
}

static int is_form_node(NodeKind k)
{
    return k == N_AWAIT || k == N_GATHER || k == N_TO_THREAD ||
           k == N_SPAWN || k == N_WITH_TIMEOUT || k == N_ASYNC_RUN;
}

/*
 * The grammar parses but drops a few expressions: array sizes in
 * declarators and type names, enumerator values, bit-field widths,
 * designator indexes.  A form there would be invisible to sema and lower,
 * so every form token must start a form node of the tree; the first one
 * that does not is an error.  The walk is iterative: a long a+b+c+... chain
 * makes a tree as deep as it is long.
 */
static int check_forms(const ParseState *st, const PTok *toks, int n,
                       const Node *root)
{
    int nforms = 0;
    for (int i = 0; i < n; i++)
        nforms += is_form(toks[i].kind);
    if (nforms == 0)
        return 0;
    int lo = toks[0].r0, hi = toks[n - 1].r1;
    unsigned char *seen = calloc((size_t)(hi - lo + 1), 1);
    size_t cap = 64, sp = 0;
    const Node **stack = malloc(cap * sizeof *stack);
    if (!seen || !stack) {
        free(seen);
        free(stack);
        return 0; /* no memory for the check: the tree is still right */
    }
    stack[sp++] = root;
    while (sp > 0) {
        const Node *nd = stack[--sp];
        if (is_form_node(nd->kind)) {
            /* the range may include parentheses around the form */
            int t = nd->tok0;
            while (t < nd->tok1 && raw_is(st->src, &st->raw[t], "("))
                t++;
            if (t >= lo && t <= hi)
                seen[t - lo] = 1;
        }
        const Node *kids[5] = {nd->a, nd->b, nd->c, nd->d, nd->list};
        for (int k = 0; k < 5; k++) {
            for (const Node *c = kids[k]; c; c = k == 4 ? c->next : NULL) {
                if (sp == cap) {
                    const Node **big = realloc(stack, 2 * cap * sizeof *stack);
                    if (!big) {
                        free(seen);
                        free(stack);
                        return 0;
                    }
                    stack = big;
                    cap *= 2;
                }
                stack[sp++] = c;
            }
        }
    }
    int bad = 0;
    for (int i = 0; i < n && !bad; i++) {
        if (is_form(toks[i].kind) && !seen[toks[i].r0 - lo]) {
            const RawTok *r = &st->raw[toks[i].r0];
            diag_error(st->src, r->off,
                       "%.*s inside a type, declarator or constant "
                       "expression", (int)r->len, st->src->text + r->off);
            bad = 1;
        }
    }
    free(seen);
    free(stack);
    return bad;
}

static Node *run(Arena *a, const Source *src, const RawTok *raw,
                 const PTok *toks, int n, int start)
{
    ParseState st = {0};
    st.arena = a;
    st.src = src;
    st.raw = raw;

    void *p = asyncc_parserAlloc(malloc);
    if (!p) {
        diag_error(src, n > 0 ? raw[toks[0].r0].off : 0, "out of memory");
        return NULL;
    }
    PTok none = {0, n > 0 ? toks[0].r0 : 0, n > 0 ? toks[0].r0 : 0};
    asyncc_parser(p, start, none, &st);
    for (int i = 0; i < n && !st.error && !st.overflow; i++)
        asyncc_parser(p, toks[i].kind, toks[i], &st);
    if (!st.error && !st.overflow)
        asyncc_parser(p, 0, none, &st);
    asyncc_parserFree(p, free);

    if (st.error || st.overflow || !st.result) {
        if (!st.error && !st.overflow)
            st.err_eof = 1; /* accepted nothing: cannot happen, be safe */
        report(&st, toks, n);
        return NULL;
    }
    if (check_forms(&st, toks, n, st.result))
        return NULL;
    return st.result;
}

Node *parse_body(Arena *a, const Source *src, const RawTok *raw,
                 const PTok *toks, int n)
{
    return run(a, src, raw, toks, n, TK_START_BODY);
}

Node *parse_expr(Arena *a, const Source *src, const RawTok *raw,
                 const PTok *toks, int n)
{
    return run(a, src, raw, toks, n, TK_START_EXPR);
}
