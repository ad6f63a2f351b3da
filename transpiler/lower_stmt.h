/*
 * lower_stmt.h - the fourth link of lowering's chain: statements and
 * resume points.
 */
#ifndef ASYNCC_LOWER_STMT_H
#define ASYNCC_LOWER_STMT_H

#include "lower_expr.h"

/* Write the resume function's body from body (an async function's
 * N_BLOCK) into L->out: from the dispatch, which is DISPATCH_HERE for now,
 * through the closing brace. */
void lower_body(Low *L, const Node *body);

#define DISPATCH_HERE "\x02"

#endif
