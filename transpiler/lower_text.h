/*
 * lower_text.h - the first link of lowering's chain: the state of lowering
 * one function, and printing source text from tokens -- frame locals
 * renamed, lowered subexpressions replaced ("holes"), comments and kept
 * directives written back, each line marked with its .ac line.
 */
#ifndef ASYNCC_LOWER_TEXT_H
#define ASYNCC_LOWER_TEXT_H

#include "lower.h"

typedef struct Loop {
    struct Loop *up;
    const char *cont;    /* label `continue` must jump to, or NULL        */
    struct Loop *owner;  /* the loop that `continue` continues            */
    int cont_used;       /* a continue jumped to cont                     */
} Loop;

/* Lowering one async function. */
typedef struct Low {
    const Front *fe;
    const Sema *sema;
    const AsyncFn *fn;
    const SemaFn *sf;
    LowFn *lf;
    Arena *a;            /* scratch: freed when the function is done       */
    Arena *keep;         /* for what LowFn keeps (member names)            */
    Buf *out;            /* where statements go now (the body)            */
    int depth;           /* indentation of the body                       */
    int ntemps, nlabels;
    Loop *loop;
    const char **repl;   /* per node id: C text that replaces the subtree  */
    const char **member; /* per local in the frame: its member name       */
    StrMap used;         /* frame member names taken                      */
} Low;

static inline const RawTok *rt(const Low *L, int i) { return &L->fn->raw[i]; }
static inline int awaits(const Low *L, const Node *n) { return L->sf->awaits[n->id]; }
static inline int list_len(const Node *l)
{
    int n = 0;
    for (; l; l = l->next)
        n++;
    return n;
}

/* Add f to the set arr[0..*n) (kept in first-added order). */
void add_fn(AsyncFn ***arr, int *n, AsyncFn *f);

unsigned line_of_tok(const Low *L, int t);
void indent(Low *L);
/* One generated line of the resume function at the current indentation. */
void out_line(Low *L, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Source text of raw tokens t0..t1, with the holes of n's subtree filled
 * in and frame locals renamed; src_text: the node's own range. */
char *range_text(Low *L, int t0, int t1, const Node *n);
char *src_text(Low *L, const Node *n);

/* A statement printed from source, marked with the line of token tok. */
void src_line(Low *L, int tok, const char *s);

/* The comments and kept directives before token t, written back; with
 * next_is_label, a fall-through comment also becomes the attribute. */
void leading_trivia(Low *L, int t, int next_is_label);

#endif
