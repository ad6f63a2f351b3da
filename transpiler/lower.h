/*
 * lower.h - stages 5 and 6: each async function becomes a state machine
 * (lower.c), then the whole file is written back out (emit.c).
 *
 * lower.c turns one async body into pieces of C text: the types its await
 * sites need, the frame's members, the union of callee frames, helper
 * functions (to_thread thunks, result stores) and the resume function's
 * body.  emit.c decides where each piece goes in the output file.
 */
#ifndef ASYNCC_LOWER_H
#define ASYNCC_LOWER_H

#include <stdio.h>

#include "ast.h"
#include "buf.h"
#include "front.h"

typedef struct LowFn {
    Node *body;          /* the parsed, checked body                      */
    Buf types;           /* struct types of gather/to_thread/... sites     */
    Buf members;         /* frame members: params, locals, temporaries     */
    Buf subs;            /* members of the union of callee frames          */
    Buf helpers;         /* store functions, thread thunks, spawn structs  */
    Buf body_text;       /* the resume function's body                     */
    int npoints;         /* resume points                                  */
    const char *label;   /* prefix of resume point labels                  */
    AsyncFn **embeds;    /* frames embedded in this one (complete first)   */
    int nembeds;
    AsyncFn **uses;      /* frames used through pointers (complete before
                            the resume function)                           */
    int nuses;
    AsyncFn **externs;   /* called through NAME__new / __result / __free   */
    int nexterns;
    int frame_done;      /* emit: frame part written                      */
    int visiting;        /* emit: cycle guard                             */
} LowFn;

/* Record a checked body; lowering runs in emit_file, once every body of
 * the file is known (recursion needs the whole call graph). */
void lower_function(Front *fe, AsyncFn *fn, Node *body);

/* Record the operand of async_run(...) in ordinary code. */
void lower_run(Front *fe, Repl *r, Node *operand);

/* Lower every recorded body.  0 on success, -1 after reporting errors. */
int lower_all(Front *fe);

/* Release what lowering allocated. */
void lower_free(Front *fe);

/* Write the translated file.  0 on success. */
int emit_file(Front *fe, FILE *out);

#endif
