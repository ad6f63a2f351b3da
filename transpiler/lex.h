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

#include "rawtok.h"

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
