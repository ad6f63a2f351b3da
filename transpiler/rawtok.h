/*
 * rawtok.h - a token of the source as the front end hands it over: its
 * bytes in the file, libclang's token kind, and what libclang knows about
 * it (a type name, a macro invocation).  The front end makes them
 * (front_tokens.c), lex.c turns them into parser tokens, and every later
 * stage prints source text from them.
 */
#ifndef ASYNCC_RAWTOK_H
#define ASYNCC_RAWTOK_H

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
    int trivia;          /* comments and kept directives before this token:
                            the items [previous token's trivia, trivia)
                            of the function's Trivia array (front.h)       */
} RawTok;

#endif
