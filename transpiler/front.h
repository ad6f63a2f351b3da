/*
 * front.h - stage 1: what libclang tells the rest of the transpiler.
 *
 * The front end parses the .ac file as C (asyncc.h maps the keywords to
 * plain C for this reading) and copies out the semantic facts the later
 * stages need, keyed by byte offsets in the file: which async functions
 * exist and their signatures, the locals of each async definition and
 * their types, what every identifier in an async body refers to, the type
 * of an expression around an await (front_exprs.c works it out when
 * asked, from the translation unit, which lives until front_dispose),
 * which identifiers are type names, where macros were
 * invoked, the tokens of every body with the comments and directives
 * between them, and the async_run(...) forms of ordinary code.
 *
 * Only the front end's own files (front_*.c) call libclang.  Later stages
 * read the structs below, and handle C types as opaque Type values through
 * the functions at the end of this header (front_types.c), which render
 * declarations and answer the few questions lowering asks about a type.
 * Nothing after the front end writes into these structs.
 */
#ifndef ASYNCC_FRONT_H
#define ASYNCC_FRONT_H

#include <clang-c/Index.h>

#include "arena.h"
#include "diag.h"
#include "map.h"
#include "rawtok.h"

/* A C type, as libclang has it.  Opaque to the later stages. */
typedef CXType Type;

/* A parameter or local variable of an async function definition. */
typedef struct Local {
    const char *name;
    unsigned off;         /* offset of its name in the file                */
    Type type;
    int is_param;
    int is_static;        /* static or extern (or declared by a macro's
                             expansion): never in the frame                */
    int is_vla;
    int decays;           /* an array parameter: really a pointer          */
    int is_array;         /* of a complete or incomplete array type        */
    long type_decl_off;   /* where its type is declared when that is inside
                             the function's body, else -1                  */
} Local;

/* A comment or a directive between two tokens of an async body. */
typedef enum TriviaKind {
    TRIVIA_COMMENT,       /* kept where it stood                           */
    TRIVIA_DIRECTIVE,     /* #define, #undef, #pragma: written back where
                             they stood (later macro uses depend on them)  */
} TriviaKind;

typedef struct Trivia {
    TriviaKind kind;
    unsigned off, len;    /* its text, without the newline that ends it    */
    int fallthrough;      /* a comment that says "fall through"            */
} Trivia;

typedef struct AsyncFn AsyncFn;
typedef struct ExprTable ExprTable; /* front_exprs.c's own */
struct AsyncFn {
    const char *name;
    int index;            /* position in Front.fns                         */
    Type type;            /* its function type                             */
    Type ret;             /* result type                                   */
    int is_void;
    int is_static;
    int defined_here;     /* defined in the file being translated          */
    int frame_visible;    /* struct NAME__frame is complete in this file   */
    int variadic;
    unsigned name_off;    /* defined here: offset of its name              */

    /* Definitions in the file only. */
    unsigned start, end;  /* the definition's text: first specifier .. '}' */
    unsigned body_start, body_end;
    RawTok *raw;          /* tokens of the body                            */
    int nraw;
    Trivia *trivia;       /* what stands between them (RawTok.trivia)      */
    int ntrivia;
    Local *locals;        /* parameters first: locals[0 .. nparams)        */
    int nlocals, nparams;
    OffMap refs;          /* token offset -> local index + 1, or
                             -(index of an async function + 1)            */
    OffMap decls;         /* declarator name offset -> local index + 1     */
    ExprTable *exprs;     /* expression types, for front_expr_type        */
    OffMap macro_refs;    /* offset of a macro name whose expansion refers
                             to a local -> local index + 1                */
    StrMap macro_idents;  /* identifiers the macros used in the body spell,
                             through the macros those use (value 1)       */
    OffMap ptr_calls;     /* (start << 32 | end) of a call whose callee has
                             an async function type -> 1                  */
};

/* async_run(...) in ordinary code. */
typedef struct Run {
    unsigned start, end;  /* the whole form, `async_run` .. ')'           */
    unsigned top_start;   /* start of the enclosing top-level declaration
                             (frame types go before it)                   */
    RawTok *raw;          /* its tokens: async_run ( operand )            */
    int nraw;
} Run;

/* A call of an async function in ordinary code (allowed only as the
 * operand of async_run). */
typedef struct PlainCall {
    unsigned off;         /* where the call starts                        */
    AsyncFn *fn;          /* the function called, or NULL: through a
                             pointer to an async function                */
    Type fntype;          /* the function type called                     */
} PlainCall;

/* A piece of the file that the emitter replaces. */
typedef enum ReplKind {
    R_DEFINITION, /* an async function definition                         */
    R_PROTOTYPE,  /* an async function declaration without a body         */
    R_RUN,        /* async_run(...) in ordinary code                      */
} ReplKind;

typedef struct Repl {
    ReplKind kind;
    unsigned start, end;  /* byte range in the file                       */
    AsyncFn *fn;          /* R_DEFINITION, R_PROTOTYPE                      */
    int run;              /* R_RUN: index into Front.runs                   */
} Repl;

typedef struct Front {
    Arena *arena;
    Source src;           /* the file being translated                     */
    CXIndex index;
    CXTranslationUnit tu;
    CXFile mainfile;
    AsyncFn **fns;        /* every async function known to the file        */
    int nfns, capfns;
    StrMap fn_by_name;    /* name -> index + 1                             */
    StrMap macro_names;   /* every macro the file and its headers define   */
    Run *runs;
    int nruns, capruns;
    PlainCall *calls;     /* in file order                                 */
    int ncalls, capcalls;
    PlainCall *fnrefs;    /* ordinary code naming an async function (a call
                             of it, or its address), in file order       */
    int nfnrefs, capfnrefs;
    Repl *repls;          /* sorted by start                               */
    int nrepls, caprepls;
    const char **deps;    /* the main file and every header it includes    */
    int ndeps, capdeps;
    unsigned (*macro_spans)[2]; /* each macro invocation's byte range, by
                             start (front_exprs.c reads them)             */
    int nmacro_spans;
} Front;

/*
 * Parse `path` with the given clang arguments (-I, -D, -U, -std...).
 * Reports clang's errors and the front's own (await outside an async
 * function, ...) through diag; returns 0 on success, -1 after errors.
 */
int front_parse(Front *fe, const char *path, const char *const *args, int nargs);
void front_dispose(Front *fe);

/* Lookups in an async definition's maps (-1 / NULL when absent). */
int front_local_at(const AsyncFn *fn, unsigned off);     /* a reference    */
int front_local_declared_at(const AsyncFn *fn, unsigned off); /* its name  */
AsyncFn *front_fn_at(const Front *fe, const AsyncFn *fn, unsigned off);
/* The type of the expression spanning [start, end) in a statement with an
 * await or form, or in a compound literal: 0, or -1 when none has that
 * range (front_exprs.c). */
int front_expr_type(const AsyncFn *fn, unsigned start, unsigned end, Type *out);
AsyncFn *front_fn_named(const Front *fe, const char *name, size_t len);

/* ---- types (front_types.c) ------------------------------------------- */

/*
 * Render a declaration of `name` with type `t` ("int (*cb)(int)",
 * "char buf[3]").  name may be "" for an abstract type name.  With
 * strip_const, const qualifiers of the object itself (and of array
 * elements) are dropped, so the frame member can be assigned.
 * Returns NULL when the type can't be written outside its function (an
 * unnamed struct, a variable-length array): *why (may be NULL) says which.
 */
char *type_decl(Arena *a, Type t, const char *name, int strip_const,
                const char **why);

int type_is_array(Type t);      /* complete or incomplete array          */
int type_is_function(Type t);   /* a function type (not a pointer to one) */
int type_is_pointer(Type t);
int type_is_void(Type t);
int type_is_scalar(Type t);     /* arithmetic, enum or pointer           */
int type_is_cv(Type t);         /* the object itself is const or volatile */
/* An async function type, or a pointer to one (asyncc.h marks them with a
 * calling convention); *fn gets the function type. */
int type_is_async_fn(Type t, Type *fn);
Type type_element(Type t);      /* of an array                           */
Type type_pointee(Type t);      /* of a pointer                          */
Type type_result(Type t);       /* of a function type                    */
int type_nparams(Type t);       /* of a function type with a prototype, else 0 */
Type type_param(Type t, int i);
Type type_int(void);            /* for a stand-in where a type is unknown */

#endif
