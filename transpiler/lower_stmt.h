/*
 * lower_stmt.h - the fourth link of lowering's chain: statements and
 * resume points.
 */
#ifndef ASYNCC_LOWER_STMT_H
#define ASYNCC_LOWER_STMT_H

#include "lower_expr.h"

/* Write the statements of body (an async function's N_BLOCK) into L->out. */
void lower_body(Low *L, const Node *body);

#endif
