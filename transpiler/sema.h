/*
 * sema.h - the rules of Async C that clang cannot check, on the AST of one
 * async function body: what may be awaited, where the forms may stand,
 * what an async function may not contain.  Also counts the awaits in every
 * subtree (Node.awaits), which lowering relies on.
 */
#ifndef ASYNCC_SEMA_H
#define ASYNCC_SEMA_H

#include "ast.h"
#include "front.h"

/* 0 when the body is acceptable, -1 after reporting errors. */
int sema_function(Front *fe, AsyncFn *fn, Node *body);

/* The async function a call node calls (NULL when it is not one). */
AsyncFn *sema_callee(Front *fe, AsyncFn *fn, const Node *call);

#endif
