/*
 * lower_int.h - what the three files of the lowering stage share:
 *
 *   frame.c       which locals live in the frame, its members, temporaries
 *   lower_expr.c  expressions and await sites (call, gather, with_timeout,
 *                 to_thread, spawn); source text printed with edits
 *   lower.c       statements, resume points, the call graph, the driver
 */
#ifndef ASYNCC_LOWER_INT_H
#define ASYNCC_LOWER_INT_H

#include <stdlib.h>

#include "gram.h"
#include "lower.h"
#include "sema.h"

typedef struct Loop {
    struct Loop *up;
    const char *cont; /* label `continue` must jump to, or NULL */
    struct Loop *owner; /* the loop that `continue` continues          */
    int cont_used;      /* a continue jumped to cont                   */
} Loop;

typedef struct Low {
    Front *fe;
    AsyncFn *fn;
    LowFn *lf;
    Arena *a;
    Buf *out;         /* where statements go now (the body)   */
    int depth;        /* indentation of the body               */
    int ntemps, nlabels;
    Loop *loop;
    const char **used; /* frame member names taken */
    int nused, capused;
    Node **hoisted;    /* type declarations moved to file scope */
    int nhoisted;
} Low;


typedef enum CallKind {
    CALL_EMBED,  /* callee frame inside ours                */
    CALL_HEAP,   /* same file, on a cycle: ac_frame_alloc    */
    CALL_EXTERN, /* other file: NAME__new / __result / __free */
} CallKind;

static inline LowFn *lowfn(AsyncFn *fn) { return fn->lowered; }
static inline const RawTok *rt(Low *L, int i) { return &L->fn->raw[i]; }
static inline int list_len(Node *l)
{
    int n = 0;
    for (; l; l = l->next)
        n++;
    return n;
}
void add_fn(AsyncFn ***arr, int *n, AsyncFn *f);
unsigned line_of_tok(Low *L, int t);
void indent(Low *L);
/* One generated line of the resume function at the current indentation. */
void out_line(Low *L, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* frame.c */
const char *member_name(Low *L, const char *want);
int type_of(Low *L, const Node *e, CXType *t);
const char *temp_of_type(Low *L, CXType t, const Node *at);
const char *temp_for(Low *L, const Node *e);
void hoist_types(Low *L, Node *s);
void decide_frame(Low *L);
void layout_frame(Low *L);
void frame_literals(Low *L, Node *n, int under_amp);

/* lower_expr.c */
char *range_text(Low *L, int t0, int t1, Node *n);
char *src_text(Low *L, Node *n);
const char *lx(Low *L, Node *e);
const char *lower_await(Low *L, Node *e, int want_value);
void lower_spawn(Low *L, Node *e);
int is_stable(Low *L, const Node *e);
void sequence(Low *L, Node **kids, int n, int all);
Node **kids_of(Low *L, Node *e, int *n);
CallKind call_kind(Low *L, AsyncFn *g);

/* lower.c */
const Local *local_named_at(Low *L, int tok);
int reach_ok(Front *fe, AsyncFn *from, AsyncFn *to);

#endif
