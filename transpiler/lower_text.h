/*
 * lower_text.h - the first link of lowering's chain: the state of lowering
 * one function, and writing the resume function's body.
 *
 * The body is written as physical lines, each tagged with the .ac line its
 * code comes from (buf.h markers, which emit turns into #line directives
 * where needed).  Code from one .ac line goes on one output line: a
 * statement printed from source starts at its own column (its line's
 * indentation is copied), so a compiler reports the columns it reports for
 * the erased build; the code an await generates joins the line of its
 * statement, so a debugger stops on the next line only once the await is
 * over.  Source text is printed from tokens, with frame locals renamed
 * where they must be and lowered subexpressions replaced ("holes").
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
    Buf *out;            /* the resume function's body                     */
    int ntemps, nlabels;
    Loop *loop;
    const char **repl;   /* per node id: C text that replaces the subtree  */
    const char **member; /* per local in the frame: its member name       */
    StrMap used;         /* frame member names taken                      */
    int *scope;          /* cached locals (sema.h) declared so far, in the
                            blocks open now: what an await stores and
                            loads                                         */
    int nscope, capscope;

    /* The output line being written. */
    int stmt_tok;        /* first token of the statement being lowered    */
    unsigned line;       /* .ac line the output line maps to              */
    int mid;             /* the output line has text                      */
    int last_tok;        /* the last thing written: this source token
                            (-1: generated text)                          */
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

/* How generated code names frame local li: itself, or __ac_f->member. */
const char *local_ref(const Low *L, int li);

/* A cached local comes into scope. */
void scope_push(Low *L, int li);

/* Source text of raw tokens t0..t1, with the holes of n's subtree filled
 * in (n may be NULL: none) and frame locals renamed; src_text: the node's
 * own range. */
char *range_text(Low *L, int t0, int t1, const Node *n);
char *src_text(Low *L, const Node *n);

/* range_text, with the tokens t that have blank[t - t0] set written as
 * spaces as wide as they are. */
char *blanked_text(Low *L, int t0, int t1, const Node *n, const unsigned char *blank);

/* Write source tokens t0..t1 (holes of n) where token t0 stands. */
void put_src(Low *L, int t0, int t1, const Node *n);

/* Write text that stands for source starting at token tok, where tok
 * stands. */
void put_at(Low *L, int tok, const char *text);

/* Write generated code of the statement being lowered: it joins the output
 * line, or starts one at the statement's line and column. */
void put_gen(Low *L, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Finish the output line. */
void end_line(Low *L);

/* The comments and kept directives before token t, written back; with
 * next_is_label, a fall-through comment also becomes the attribute. */
void leading_trivia(Low *L, int t, int next_is_label);

#endif
