/*
 * parse_state.h - what parse.c and the Lemon parser (grammar/asyncc.y)
 * share: the %extra_argument handed to every reduce action, and the small
 * value types the grammar's nonterminals carry.  Private to the parser;
 * other stages see only ast.h and parse.h.
 */
#ifndef ASYNCC_PARSE_STATE_H
#define ASYNCC_PARSE_STATE_H

#include "ast.h"
#include "lex.h"

typedef struct ParseState {
    Arena *arena;
    const Source *src;
    const RawTok *raw;
    Node *result;    /* set when the start rule reduces          */
    int nnodes;      /* nodes made so far: the next Node.id      */
    int error;       /* a syntax error was seen                  */
    int overflow;    /* the parser stack overflowed              */
    int err_eof;     /* the error token was end of input         */
    int reported;    /* a rule reported its own error            */
    PTok err_tok;    /* the token the parser choked on           */
} ParseState;

/* An inclusive raw token range; t0 < 0 means empty. */
typedef struct PRange {
    int t0, t1;
} PRange;

/* Declaration specifiers: their range, the DECL_* storage bits, and
 * whether they are attributes only (`__attribute__((fallthrough));` is a
 * null statement, not a declaration). */
typedef struct PSpec {
    int t0, t1;
    int storage;
    int attrs_only;
} PSpec;

/* An expression: its node, and the range of its text with the parentheses
 * around it (the node's own range leaves them out). */
typedef struct PExpr {
    Node *n;
    int t0, t1;
} PExpr;

/* A list under construction: O(1) append without touching Node fields
 * that later stages own. */
typedef struct PList {
    Node *head, *tail;
} PList;

/* The Lemon entry points (generated with %name asyncc_parser). */
void *asyncc_parserAlloc(void *(*mallocProc)(size_t));
void asyncc_parserFree(void *p, void (*freeProc)(void *));
void asyncc_parser(void *p, int major, PTok minor, ParseState *st);

#endif
