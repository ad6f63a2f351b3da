/*
 * sema.h - stage 3: the rules of Async C that clang cannot check, and what
 * lowering needs to know beyond the tree.
 *
 * sema.c walks each async body: what may be awaited, where the forms may
 * stand, what an async function may not contain; it counts the awaits in
 * every subtree, picks the type declarations that move to file scope, and
 * builds the call graph whose cycles (recursion) decide which callee
 * frames come from the heap.  sema_live.c decides which locals live in the
 * coroutine frame.  Every rejection of bad input is reported here, one
 * precise message at the offending token; the stages after this one only
 * translate.
 */
#ifndef ASYNCC_SEMA_H
#define ASYNCC_SEMA_H

#include "ast.h"
#include "front.h"
#include "parse.h"

/* What sema knows about one async definition. */
typedef struct SemaFn {
    int *awaits;              /* per node id: await nodes in the subtree */
    unsigned char *hoisted;   /* per node id: a type declaration that moves
                                 to file scope                           */
    unsigned char *in_frame;  /* per local: it lives in the frame        */
    unsigned char *cached;    /* per frame local: a C variable of its own
                                 name in the resume function, stored into
                                 the frame at each await (sema_live.c)   */
    unsigned char *named;     /* per other frame local: spelled by its own
                                 name in the resume function (a macro makes
                                 it the frame member); else __ac_f->member */
} SemaFn;

typedef struct Sema {
    SemaFn *fns;              /* per AsyncFn index                       */
    int *scc;                 /* per AsyncFn index: its strongly connected
                                 component in the call graph             */
    AsyncFn **run_callee;     /* per Run: the function async_run runs, or
                                 NULL: it runs a call through a pointer  */
    Type *run_fntype;         /* per Run: the function type called       */
} Sema;

/* Check every tree of `p`; 0, or -1 after reporting errors. */
int sema_file(const Front *fe, const Parsed *p, Sema *out);
void sema_free(const Front *fe, Sema *s);

/* The async function a call node of fn's body calls directly (NULL when
 * it is not such a call). */
AsyncFn *sema_callee(const Front *fe, const AsyncFn *fn, const Node *call);

/* Does a call node of fn's body call through a pointer to an async
 * function (DESIGN.md section 7)? */
int sema_ptr_call(const AsyncFn *fn, const Node *call);

/* Is g a coroutine written by hand (its frame type is visible here, but
 * no .ac file defines it)?  Such a function has no entry, so its address
 * can't be taken. */
int sema_hand_written(const AsyncFn *g);

/* Does an await of `callee` in `caller` close a cycle of the call graph
 * (so the callee's frame cannot be embedded in the caller's)? */
int sema_recursive(const Sema *s, const AsyncFn *caller, const AsyncFn *callee);

/* sema_live.c: fill sf->in_frame and sf->named for fn.  Reports a local
 * that a macro declares and that an await separates from a use, and one
 * that a macro's body names but that cannot keep its name. */
void sema_live(const Front *fe, const AsyncFn *fn, Node *body, SemaFn *sf);

#endif
