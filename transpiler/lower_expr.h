/*
 * lower_expr.h - the third link of lowering's chain: expressions and the
 * code of each await site.
 *
 * An expression without awaits is printed from its source tokens.  One
 * with awaits is taken apart left to right: operands that come before an
 * await and could be changed by it are saved in frame temporaries first;
 * && || and ?: become ifs so that an await on the side not evaluated never
 * happens.  An await site becomes the callee's init, ac_await and a resume
 * point; gather, with_timeout, to_thread and spawn get a struct of their
 * own.
 */
#ifndef ASYNCC_LOWER_EXPR_H
#define ASYNCC_LOWER_EXPR_H

#include "lower_frame.h"

/* The text of e's value, after writing the statements that compute the
 * awaits inside it. */
const char *lx(Low *L, const Node *e);

/* Evaluate kids[0..n) (operands of one expression, in evaluation order)
 * left to right: every operand before the last one that awaits is saved
 * in a temporary unless it is stable; afterwards each kid's text is its
 * hole (L->repl), or none when it prints as written.  With `all`, awaiting
 * operands are saved too. */
void sequence(Low *L, Node **kids, int n, int all);

/* The operands of e in evaluation order (initializer values for an
 * N_INIT_LIST). */
Node **kids_of(Low *L, const Node *e, int *n);

/* await e (e is the N_AWAIT): the text of its value when want, else NULL. */
const char *lower_await(Low *L, const Node *e, int want);

/* spawn(G, item); as a statement. */
void lower_spawn(Low *L, const Node *e);

#endif
