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
        /* at the token that was being fed when the stack overflowed */
        size_t off = n > 0 ? tok_off(st, st->err_tok) : 0;
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

/* Deeper trees are refused: later stages walk the tree recursively, and a
 * chain like a+b+c+... (which the parser's fixed stack does not bound)
 * would otherwise be as deep as it is long. */
enum { MAX_TREE_DEPTH = 10000 };

typedef struct Walk {
    const Node *n;
    int depth;
} Walk;

/*
 * One iterative walk over the finished tree (recursion could overflow on
 * the very trees it looks for) checks two things:
 *  - depth, against MAX_TREE_DEPTH;
 *  - that every form token starts a form node: the grammar parses but
 *    drops array sizes in declarators and type names, enumerator values,
 *    bit-field widths and designator indexes, and a form there would be
 *    invisible to sema and lower.
 * Returns nonzero after reporting an error.
 */
static int check_tree(const ParseState *st, const PTok *toks, int n,
                      const Node *root)
{
    if (n == 0)
        return 0;
    int lo = toks[0].r0, hi = toks[n - 1].r1;
    unsigned char *seen = calloc((size_t)(hi - lo + 1), 1);
    size_t cap = 64, sp = 0;
    Walk *stack = malloc(cap * sizeof *stack);
    int bad = 0;
    if (!seen || !stack)
        goto out; /* no memory for the check: the tree is still right */
    stack[sp++] = (Walk){root, 1};
    while (sp > 0 && !bad) {
        Walk w = stack[--sp];
        const Node *nd = w.n;
        if (w.depth > MAX_TREE_DEPTH) {
            diag_error(st->src, st->raw[nd->tok0].off, "nesting too deep");
            bad = 1;
            break;
        }
        if (is_form_node(nd->kind)) {
            /* the range may include parentheses around the form */
            int t = nd->tok0;
            while (t < nd->tok1 && raw_is(st->src, &st->raw[t], "("))
                t++;
            if (t >= lo && t <= hi)
                seen[t - lo] = 1;
        }
        KidIter it;
        for (const Node *c = ast_first_kid(nd, &it); c; c = ast_next_kid(&it)) {
            if (sp == cap) {
                Walk *big = realloc(stack, 2 * cap * sizeof *stack);
                if (!big)
                    goto out;
                stack = big;
                cap *= 2;
            }
            stack[sp++] = (Walk){c, w.depth + 1};
        }
    }
    for (int i = 0; i < n && !bad; i++) {
        if (is_form(toks[i].kind) && !seen[toks[i].r0 - lo]) {
            const RawTok *r = &st->raw[toks[i].r0];
            diag_error(st->src, r->off,
                       "%.*s inside a type, declarator or constant "
                       "expression", (int)r->len, st->src->text + r->off);
            bad = 1;
        }
    }
out:
    free(seen);
    free(stack);
    return bad;
}

static Node *run(Arena *a, const Source *src, const RawTok *raw,
                 const PTok *toks, int n, int start, int *nnodes)
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
    st.err_tok = none;
    asyncc_parser(p, start, none, &st);
    for (int i = 0; i < n && !st.error && !st.overflow && !st.reported; i++) {
        asyncc_parser(p, toks[i].kind, toks[i], &st);
        if (st.overflow)
            st.err_tok = toks[i];
    }
    if (!st.error && !st.overflow && !st.reported)
        asyncc_parser(p, 0, none, &st);
    asyncc_parserFree(p, free);
    if (st.reported)
        return NULL; /* the grammar has said what is wrong */

    if (st.error || st.overflow || !st.result) {
        if (!st.error && !st.overflow)
            st.err_eof = 1; /* accepted nothing: cannot happen, be safe */
        report(&st, toks, n);
        return NULL;
    }
    if (check_tree(&st, toks, n, st.result))
        return NULL;
    if (nnodes)
        *nnodes = st.nnodes;
    return st.result;
}

Node *parse_body(Arena *a, const Source *src, const RawTok *raw,
                 const PTok *toks, int n, int *nnodes)
{
    return run(a, src, raw, toks, n, TK_START_BODY, nnodes);
}

Node *parse_expr(Arena *a, const Source *src, const RawTok *raw,
                 const PTok *toks, int n, int *nnodes)
{
    return run(a, src, raw, toks, n, TK_START_EXPR, nnodes);
}
