/*
 * front_int.h - what the front end's files share while they collect
 * (private to front.c and the other front_*.c files).
 */
#ifndef ASYNCC_FRONT_INT_H
#define ASYNCC_FRONT_INT_H

#include "front.h"

/* A macro definition (front.c, macro_def). */
typedef struct MacroDef {
    CXCursor def;
    const char *alias;   /* expansion is one keyword: that keyword; "" when
                            it is empty                                   */
    int is_type;         /* expansion is type words only                  */
    const char **idents; /* identifiers its replacement list spells       */
    int nidents;
} MacroDef;

/* A macro invocation in the file. */
typedef struct MacroExp {
    unsigned start, end; /* range of name .. ')' (or the name alone) */
    const char *name;
    int def;             /* index into FrontCtx.defs, or -1               */
    int fnlike;
    const char *alias;   /* expansion is one keyword: that keyword; "" when
                            it is empty                                   */
    int is_type;         /* expansion is type words only                  */
} MacroExp;

typedef struct FrontCtx {
    Front *fe;
    MacroExp *macros;    /* sorted by start                               */
    int nmacros, capmacros;
    MacroDef *defs;      /* the definitions macros above use, and theirs  */
    int ndefs, capdefs;
    OffMap def_by_hash;  /* clang_hashCursor -> index into defs + 1       */
    CXCursor *defnames;  /* Front.macro_names value - 1 -> its definition */
    int ndefnames, capdefnames;
    OffMap fn_cache;     /* clang_hashCursor of a function declaration ->
                            its AsyncFn index + 1, or -1: not async       */
    unsigned (*skipped)[2]; /* ranges #if left out, sorted                */
    int nskipped;
    int may_expand;       /* macros around awaits are still to be expanded */
    unsigned *macro_made; /* where macros expand to async definitions      */
    int nmacro_made, capmacro_made;
    CXFile *header_defs;  /* headers that define async functions (with
                             repeats)                                      */
    int nheader_defs, capheader_defs;
    int errors;
} FrontCtx;

/* Byte offset of `loc` in the main file, or -1 when it is elsewhere. */
long front_main_off(const Front *fe, CXSourceLocation loc);

/* Is this function declaration async (the annotate attribute)? */
int front_is_async(CXCursor fn);

/* Is `s` the name of a form: await, gather, to_thread, spawn, with_timeout? */
int front_is_form_name(const char *s);

/* The index in FrontCtx.defs of a macro definition (added when new). */
int front_macro_def(FrontCtx *fc, CXCursor def);

/* front_expand.c: the file with the macro invocations that involve an
 * await expanded, or NULL when there are none (or after errors, which
 * fc->errors counts).  defs: the async definitions' byte ranges. */
char *front_expand(FrontCtx *fc, const unsigned (*defs)[2], int ndefs, size_t *len);

/* front_paste.c: find the headers that define async functions (their
 * number), and the file's text with those headers pasted in. */
int front_header_defs(FrontCtx *fc);
char *front_paste(FrontCtx *fc, const char *const *args, int nargs, size_t *len,
                  SrcSeg **segs, unsigned *nsegs);

/* front_exprs.c: a body's expression cursors, kept by the walk with the
 * offset of their location; their types worked out when front_expr_type
 * asks about a range they lie in. */
ExprTable *front_exprs_new(const Front *fe);
void front_exprs_keep(ExprTable *t, CXCursor c, unsigned loc);
void front_exprs_seal(ExprTable *t);
void front_exprs_free(ExprTable *t);

/* front_tokens.c */
int front_tokens(FrontCtx *fc, unsigned start, unsigned end, RawTok **out);
int front_trivia(FrontCtx *fc, RawTok *raw, int n, Trivia **out);
void front_annotate(FrontCtx *fc, const OffMap *typenames, RawTok *raw, int n);

#define GROW(arr, n, cap)                                                   \
    do {                                                                    \
        if ((n) == (cap)) {                                                 \
            (cap) = (cap) ? (cap) * 2 : 16;                                 \
            void *np_ = realloc((arr), sizeof *(arr) * (size_t)(cap));      \
            if (!np_) {                                                     \
                fputs("asyncc: out of memory\n", stderr);                   \
                exit(1);                                                    \
            }                                                               \
            (arr) = np_;                                                    \
        }                                                                   \
    } while (0)

#endif
