/*
 * front.h - what libclang tells the rest of the transpiler.
 *
 * front_clang.c parses the .ac file as C (asyncc.h maps the keywords to
 * plain C for this reading) and collects the semantic facts later stages
 * need, keyed by byte offsets in the main file so that no other stage has
 * to talk to libclang: which async functions exist and their signatures,
 * the locals of each async definition and their types, what every
 * identifier in an async body refers to, the type of any expression, which
 * identifiers are type names, where macros were invoked.
 */
#ifndef ASYNCC_FRONT_H
#define ASYNCC_FRONT_H

#include <clang-c/Index.h>

#include "arena.h"
#include "diag.h"
#include "lex.h"

/* A parameter or local variable of an async function definition. */
typedef struct Local {
    const char *name;
    unsigned off;         /* offset of its name in the main file          */
    CXType type;
    int is_param;
    int is_static;        /* static or extern: not in the frame           */
    int is_vla;
    int decays;           /* an array parameter: really a pointer          */
    const char *member;   /* frame member name (set by lower)             */
    int in_frame;         /* set by lower                                  */
} Local;

typedef struct OffMap {   /* open addressing: key -> value (value != 0) */
    unsigned long long *keys;
    long *vals;
    size_t cap, n;
} OffMap;

typedef struct AsyncFn AsyncFn;
struct AsyncFn {
    const char *name;
    CXCursor cursor;      /* the definition, or the first declaration     */
    CXType type;          /* its function type                             */
    CXType ret;           /* result type                                   */
    int is_void;
    int is_static;
    int defined_here;     /* defined in the main file                      */
    int frame_visible;    /* struct NAME__frame is complete in this file   */
    int nparams;          /* parameters are locals[0 .. nparams)           */
    int variadic;
    int index;            /* position in Front.fns                         */

    /* Definitions in the main file only. */
    unsigned start, end;  /* the definition's text: first specifier .. '}' */
    unsigned body_start, body_end;
    RawTok *raw;          /* tokens of the body                            */
    int nraw;
    Local *locals;
    int nlocals;
    OffMap refs;          /* token offset -> local index + 1, or
                             -(index of an async function + 1)            */
    OffMap exprs;         /* (start << 32 | end) -> index into types       */
    CXType *types;
    int ntypes, captypes;
    OffMap macro_refs;    /* offset of a macro name whose expansion refers
                             to a local -> local index + 1                */
    void *lowered;        /* lower's private data                          */
};

/* A piece of the main file that emit replaces. */
typedef enum ReplKind {
    R_DEFINITION, /* an async function definition                         */
    R_PROTOTYPE,  /* an async function declaration without a body         */
    R_RUN,        /* async_run(...) in ordinary code                      */
} ReplKind;

typedef struct Repl {
    ReplKind kind;
    unsigned start, end;  /* byte range in the main file                  */
    AsyncFn *fn;          /* R_DEFINITION, R_PROTOTYPE                      */
    RawTok *raw;          /* R_RUN: tokens of the operand                   */
    int nraw;
    void *operand;        /* R_RUN: the parsed operand (a Node)            */
    unsigned top_start;   /* R_RUN: start of the enclosing top-level
                             declaration (frame types go before it)        */
} Repl;

typedef struct Front {
    Arena *arena;
    Source src;
    CXIndex index;
    CXTranslationUnit tu;
    CXFile mainfile;
    AsyncFn **fns;        /* every async function known to the file        */
    int nfns, capfns;
    Repl *repls;          /* sorted by start                               */
    int nrepls, caprepls;
    const char **deps;    /* the main file and every header it includes    */
    int ndeps, capdeps;
    unsigned (*skipped)[2]; /* main-file ranges #if left out               */
    int nskipped;
} Front;

/* Is byte `off` of the main file inside a branch #if left out? */
int front_skipped(const Front *fe, unsigned off);

/* If a preprocessor directive starts at byte `off` (a '#' first on its
 * line), the offset just past its last line; else 0. */
unsigned front_directive_end(const Front *fe, unsigned off);

/*
 * Parse `path` with the given clang arguments (-I, -D, -U, -std...).
 * Reports clang's errors and the front's own (await outside an async
 * function, ...) through diag; returns 0 on success, -1 after errors.
 */
int front_parse(Front *fe, const char *path, const char *const *args, int nargs);
void front_dispose(Front *fe);

/* Lookups in an async definition's maps (-1 / NULL when absent). */
int front_local_at(const AsyncFn *fn, unsigned off);
AsyncFn *front_fn_at(const Front *fe, const AsyncFn *fn, unsigned off);
int front_expr_type(const AsyncFn *fn, unsigned start, unsigned end, CXType *out);
AsyncFn *front_fn_named(const Front *fe, const char *name, size_t len);

/*
 * Render a declaration of `name` with type `t` ("int (*cb)(int)",
 * "char buf[3]").  name may be "" for an abstract type name.  With
 * strip_const, const qualifiers of the object itself (and of array
 * elements) are dropped, so the frame member can be assigned.
 * Returns NULL when the type can't be written outside its function (an
 * unnamed or function-local struct): *why says which.
 */
char *front_decl_text(Arena *a, CXType t, const char *name, int strip_const,
                      const char **why);

/* Tokenize main-file bytes [start, end) into raw tokens for lex.c. */
int front_tokens(Front *fe, unsigned start, unsigned end, RawTok **out);

void offmap_put(OffMap *m, unsigned long long key, long val);
long offmap_get(const OffMap *m, unsigned long long key);

#endif
