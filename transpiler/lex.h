/*
 * lex.h - from libclang's tokens of an async function body to the tokens the
 * Lemon parser reads.
 *
 * front_clang.c hands over the raw tokens (clang_tokenize) of the body, each
 * annotated with what libclang knows about it: whether an identifier names a
 * type, whether it starts a macro invocation.  lex.c turns them into parser
 * tokens: keywords and punctuators get their TK_* code, a function-like
 * macro invocation collapses into one TK_MACRO token spanning its
 * arguments, GNU constructs that the grammar does not need to see inside
 * (__attribute__((...)), asm(...), _Generic(...), __typeof__(...)) collapse
 * likewise, and `await` and the forms get their own codes.
 */
#ifndef ASYNCC_LEX_H
#define ASYNCC_LEX_H

#include "arena.h"
#include "diag.h"

/* RawTok.ckind: libclang's CXTokenKind, copied so lex.c needs no clang. */
enum {
    RT_PUNCT = 0,   /* CXToken_Punctuation */
    RT_KEYWORD = 1, /* CXToken_Keyword     */
    RT_IDENT = 2,   /* CXToken_Identifier  */
    RT_LITERAL = 3, /* CXToken_Literal     */
    RT_COMMENT = 4, /* CXToken_Comment     */
};

/* RawTok.flags */
enum {
    RTF_TYPENAME = 1 << 0, /* libclang: this identifier names a type
                              (typedef, or an object-like macro whose
                              expansion is a type)                         */
    RTF_MACRO = 1 << 1,    /* an object-like macro name                     */
    RTF_MACRO_FN = 1 << 2, /* starts a function-like macro invocation that
                              ends at raw token macro_last                  */
    RTF_MACRO_TYPE = 1 << 3, /* with RTF_MACRO_FN: the invocation is a type
                              name (STACK_OF(X) *p;); optional, lex.c then
                              makes it a type specifier                    */
};

typedef struct RawTok {
    unsigned off, len;   /* byte range in Source.text                     */
    unsigned char ckind; /* RT_*                                           */
    unsigned char flags; /* RTF_*                                          */
    int macro_last;      /* RTF_MACRO_FN: index of the closing ')'         */
    const char *alias;   /* RTF_MACRO whose expansion is one keyword
                            (bool -> _Bool, static_assert -> _Static_assert):
                            that keyword; else NULL.  Also (optional): ""
                            for an empty expansion (the token is dropped),
                            "__attribute__" / "asm" / "_Pragma" for an
                            expansion that is exactly one such construct
                            (a _Pragma one is dropped too)                 */
} RawTok;

/* One parser token: its TK_* code and the raw tokens it stands for. */
typedef struct PTok {
    int kind;
    int r0, r1;
} PTok;

/*
 * Turn raw tokens r[0..n) into parser tokens (*out, *nout).  Reports errors
 * (an await inside a macro argument, an unbalanced collapse) through diag and
 * returns -1 on error, else 0.
 */
int lex_tokens(Arena *a, const Source *src, const RawTok *r, int n,
               PTok **out, int *nout);

/* Does the raw token spell `s`? */
int raw_is(const Source *src, const RawTok *t, const char *s);

#endif
