/*
 * lower.h - stage 4: every async function becomes pieces of C text for a
 * state machine, and every async_run form a statement expression.
 *
 * Lowering reads the front end's facts, the trees and sema's results, and
 * writes only the structs below; it reports no errors of the user's
 * program (sema has), only the rare expression whose type a temporary
 * cannot be declared with.  Its files form a chain, each using only the
 * ones before it:
 *
 *   lower_text.c   printing source text: tokens, holes, comments, lines
 *   lower_frame.c  the frame: member names, temporaries, literals
 *   lower_expr.c   expressions and await sites
 *   lower_stmt.c   statements and resume points
 *   lower.c        the driver: one function, async_run, the whole file
 *
 * emit.c decides where each piece goes in the output file.
 */
#ifndef ASYNCC_LOWER_H
#define ASYNCC_LOWER_H

#include "buf.h"
#include "front.h"
#include "parse.h"
#include "sema.h"

/* A frame local the resume function names by its own name: emit writes
 * `#define name (__ac_f->member)` before the function, #undef after. */
typedef struct NamedLocal {
    const char *name, *member;
} NamedLocal;

typedef struct LowFn {
    int done;            /* this function was lowered                     */
    Buf types;           /* struct types of gather/to_thread/... sites     */
    Buf members;         /* frame members: params, locals, temporaries     */
    Buf subs;            /* members of the union of callee frames          */
    Buf helpers;         /* store functions, thread thunks, spawn structs  */
    Buf body;            /* the resume function's body, through its '}'    */
    int npoints;         /* resume points (labels __ac_resume_1 ...)       */
    unsigned *point_line;/* [1..npoints]: the .ac line (Source numbering)
                            of each point's await, for task dumps          */
    const char **param_member; /* frame member of each parameter           */
    NamedLocal *named;
    int nnamed;
    AsyncFn **embeds;    /* frames embedded in this one (complete first)   */
    int nembeds;
    AsyncFn **uses;      /* frames used through pointers (complete before
                            the resume function)                           */
    int nuses;
} LowFn;

/* async_run(f(args)) in ordinary code. */
typedef struct LowRun {
    const char *text;    /* the statement expression that replaces it      */
    AsyncFn *callee;     /* f when its frame is embedded: its frame type
                            must come first                                */
} LowRun;

typedef struct Lowered {
    LowFn *fns;          /* per AsyncFn index                              */
    LowRun *runs;        /* per Run index                                  */
} Lowered;

/* Lower every checked tree.  0, or -1 after reporting errors. */
int lower_file(const Front *fe, const Parsed *p, const Sema *s, Lowered *out);
void lower_free(const Front *fe, Lowered *lo);

#endif
