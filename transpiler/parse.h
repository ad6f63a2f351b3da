/*
 * parse.h - drive the Lemon parser generated from grammar/asyncc.y.
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

#endif
