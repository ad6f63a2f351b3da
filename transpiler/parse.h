/*
 * parse.h - stage 2: the tokens of every async body (and of every
 * async_run operand in ordinary code) become syntax trees (ast.h).
 *
 * lex.c turns the front end's raw tokens into parser tokens; the Lemon
 * parser generated from grammar/asyncc.y builds the tree; parse.c drives
 * both and checks the finished tree (depth, forms where the grammar drops
 * them).
 */
#ifndef ASYNCC_PARSE_H
#define ASYNCC_PARSE_H

#include "ast.h"
#include "lex.h"

/* Parse the tokens of a compound statement (an async function body, braces
 * included).  Returns its N_BLOCK, or NULL after reporting a syntax error;
 * *nnodes (may be NULL) gets the number of nodes (their ids are 0..n-1). */
Node *parse_body(Arena *a, const Source *src, const RawTok *raw,
                 const PTok *toks, int n, int *nnodes);

/* Parse the tokens of one expression (the operand of async_run in ordinary
 * code).  Returns the expression, or NULL after reporting an error. */
Node *parse_expr(Arena *a, const Source *src, const RawTok *raw,
                 const PTok *toks, int n, int *nnodes);

/* The trees of a whole file (parse_file.c). */
struct Front;
typedef struct Tree {
    Node *root;           /* NULL: nothing to parse, or a syntax error   */
    int nnodes;
} Tree;

typedef struct Parsed {
    Tree *fns;            /* per AsyncFn index: the body                 */
    Tree *runs;           /* per Run index: the operand of async_run     */
} Parsed;

/* Lex and parse every async definition's body and every async_run operand
 * of `fe`.  Returns 0, or -1 after reporting errors (the trees that did
 * parse are kept). */
int parse_file(const struct Front *fe, Arena *a, Parsed *out);
void parse_free(Parsed *p);

#endif
