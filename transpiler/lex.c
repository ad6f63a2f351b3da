/*
 * lex.c - libclang's raw tokens of an async function body -> parser tokens.
 *
 * libclang has already checked the code, so the lexer only has to give the
 * grammar its structure: keywords become token classes (every type keyword
 * is one TYPESPEC, every qualifier one QUALIFIER...), the GNU constructs the
 * grammar never looks inside (__attribute__((...)), asm(...), _Generic(...),
 * typeof(...)) become one opaque token each, and a function-like macro
 * invocation becomes one MACRO token.  Every parser token keeps the raw range
 * it stands for, so the emitter can print the original text back.
 */
#include "lex.h"

#include <stdio.h>
#include <string.h>

#include "gram.h"
#include "map.h"

int raw_is(const Source *src, const RawTok *t, const char *s)
{
    size_t n = strlen(s);
    return t->len == n && memcmp(src->text + t->off, s, n) == 0;
}

/* ---- fixed spellings ---------------------------------------------------- */

typedef struct Spelling {
    const char *text;
    int kind;
} Spelling;

static const Spelling puncts[] = {
    {"{", TK_LBRACE}, {"}", TK_RBRACE}, {"[", TK_LBRACKET},
    {"]", TK_RBRACKET}, {"(", TK_LP}, {")", TK_RP}, {".", TK_DOT},
    {"->", TK_ARROW}, {"++", TK_INC}, {"--", TK_DEC}, {"&", TK_AMP},
    {"*", TK_STAR}, {"+", TK_PLUS}, {"-", TK_MINUS}, {"~", TK_TILDE},
    {"!", TK_BANG}, {"/", TK_SLASH}, {"%", TK_PERCENT}, {"<<", TK_SHL},
    {">>", TK_SHR}, {"<", TK_LT}, {">", TK_GT}, {"<=", TK_LE},
    {">=", TK_GE}, {"==", TK_EQ}, {"!=", TK_NE}, {"^", TK_CARET},
    {"|", TK_PIPE}, {"&&", TK_ANDAND}, {"||", TK_OROR},
    {"?", TK_QUESTION}, {":", TK_COLON}, {";", TK_SEMI},
    {"...", TK_ELLIPSIS}, {"=", TK_ASSIGN}, {"*=", TK_MULASSIGN},
    {"/=", TK_DIVASSIGN}, {"%=", TK_MODASSIGN}, {"+=", TK_ADDASSIGN},
    {"-=", TK_SUBASSIGN}, {"<<=", TK_SHLASSIGN}, {">>=", TK_SHRASSIGN},
    {"&=", TK_ANDASSIGN}, {"^=", TK_XORASSIGN}, {"|=", TK_ORASSIGN},
    {",", TK_COMMA},
    /* digraphs */
    {"<:", TK_LBRACKET}, {":>", TK_RBRACKET}, {"<%", TK_LBRACE},
    {"%>", TK_RBRACE},
};

/* Keywords that map to one token code each (collapsing ones are below). */
static const Spelling keywords[] = {
    {"if", TK_IF}, {"else", TK_ELSE}, {"while", TK_WHILE}, {"do", TK_DO},
    {"for", TK_FOR}, {"switch", TK_SWITCH}, {"case", TK_CASE},
    {"default", TK_DEFAULT}, {"goto", TK_GOTO}, {"break", TK_BREAK},
    {"continue", TK_CONTINUE}, {"return", TK_RETURN},
    {"sizeof", TK_SIZEOF}, {"_Alignof", TK_ALIGNOF},
    {"__alignof__", TK_ALIGNOF}, {"__alignof", TK_ALIGNOF},
    {"__real__", TK_REALIMAG}, {"__real", TK_REALIMAG},
    {"__imag__", TK_REALIMAG}, {"__imag", TK_REALIMAG},
    {"struct", TK_STRUCT}, {"union", TK_UNION}, {"enum", TK_ENUM},
    /* type specifiers */
    {"void", TK_TYPESPEC}, {"char", TK_TYPESPEC}, {"short", TK_TYPESPEC},
    {"int", TK_TYPESPEC}, {"long", TK_TYPESPEC}, {"float", TK_TYPESPEC},
    {"double", TK_TYPESPEC}, {"signed", TK_TYPESPEC},
    {"__signed", TK_TYPESPEC}, {"__signed__", TK_TYPESPEC},
    {"unsigned", TK_TYPESPEC}, {"_Bool", TK_TYPESPEC},
    {"_Complex", TK_TYPESPEC}, {"__complex__", TK_TYPESPEC},
    {"__complex", TK_TYPESPEC}, {"_Imaginary", TK_TYPESPEC},
    {"__int128", TK_TYPESPEC}, {"__int128_t", TK_TYPESPEC},
    {"__uint128_t", TK_TYPESPEC}, {"_Float16", TK_TYPESPEC},
    {"_Float32", TK_TYPESPEC}, {"_Float64", TK_TYPESPEC},
    {"_Float128", TK_TYPESPEC}, {"_Float32x", TK_TYPESPEC},
    {"_Float64x", TK_TYPESPEC}, {"__float128", TK_TYPESPEC},
    {"__float80", TK_TYPESPEC}, {"__fp16", TK_TYPESPEC},
    {"__bf16", TK_TYPESPEC}, {"_Decimal32", TK_TYPESPEC},
    {"_Decimal64", TK_TYPESPEC}, {"_Decimal128", TK_TYPESPEC},
    {"__auto_type", TK_TYPESPEC}, {"__builtin_va_list", TK_TYPESPEC},
    /* qualifiers (_Atomic without '(' is handled in lex_word) */
    {"const", TK_QUALIFIER}, {"volatile", TK_QUALIFIER},
    {"restrict", TK_QUALIFIER}, {"__restrict", TK_QUALIFIER},
    {"__restrict__", TK_QUALIFIER}, {"__const", TK_QUALIFIER},
    {"__const__", TK_QUALIFIER}, {"__volatile", TK_QUALIFIER},
    {"__volatile__", TK_QUALIFIER}, {"_Nonnull", TK_QUALIFIER},
    {"_Nullable", TK_QUALIFIER}, {"_Null_unspecified", TK_QUALIFIER},
    /* storage classes; __label__ declares local labels like a storage
       class declares names */
    {"static", TK_STORAGE}, {"extern", TK_STORAGE}, {"auto", TK_STORAGE},
    {"register", TK_STORAGE}, {"_Thread_local", TK_STORAGE},
    {"__thread", TK_STORAGE},
    {"typedef", TK_STORAGE}, {"__label__", TK_STORAGE},
    /* function specifiers */
    {"inline", TK_FUNCSPEC}, {"__inline", TK_FUNCSPEC},
    {"__inline__", TK_FUNCSPEC}, {"_Noreturn", TK_FUNCSPEC},
};

/* Names whose parenthesised operand collapses into one token. */
static const Spelling collapsers[] = {
    {"__attribute__", TK_ATTRIBUTE}, {"__attribute", TK_ATTRIBUTE},
    {"asm", TK_ASM}, {"__asm__", TK_ASM}, {"__asm", TK_ASM},
    {"_Generic", TK_OPAQUE}, {"__builtin_va_arg", TK_OPAQUE},
    {"__builtin_offsetof", TK_OPAQUE},
    {"__builtin_types_compatible_p", TK_OPAQUE},
    {"__builtin_convertvector", TK_OPAQUE},
    {"__builtin_shufflevector", TK_OPAQUE}, {"__builtin_bit_cast", TK_OPAQUE},
    {"typeof", TK_TYPEOF}, {"__typeof__", TK_TYPEOF}, {"__typeof", TK_TYPEOF},
    {"_Alignas", TK_ALIGNAS},
    {"_Static_assert", TK_STATIC_ASSERT},
};

/* The Async C forms.  await is an operator; the others read like calls. */
static const Spelling forms[] = {
    {"await", TK_AWAIT}, {"gather", TK_GATHER}, {"to_thread", TK_TO_THREAD},
    {"spawn", TK_SPAWN}, {"with_timeout", TK_WITH_TIMEOUT},
    {"async_run", TK_ASYNC_RUN},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* The tables are small but looked up for every token: each gets a hash
 * map, built on first use, whose value is the token code. */
static int lookup_n(const Spelling *tab, size_t n, StrMap *map, const char *s,
                    size_t len)
{
    if (!map->cap)
        for (size_t i = 0; i < n; i++)
            strmap_put(map, tab[i].text, strlen(tab[i].text), tab[i].kind);
    return (int)strmap_get(map, s, len);
}

#define LOOKUP(tab, s, len)                                                   \
    lookup_n(tab, COUNT(tab), &tab##_map, s, len)

static StrMap puncts_map, keywords_map, collapsers_map, forms_map;

/* ---- the lexer's state -------------------------------------------------- */

typedef struct Lexer {
    const Source *src;
    const RawTok *r;
    int n;
    PTok *out;
    int nout;
} Lexer;

static const char *text_of(const Lexer *lx, int i)
{
    return lx->src->text + lx->r[i].off;
}

static int is_word(const RawTok *t)
{
    return t->ckind == RT_IDENT || t->ckind == RT_KEYWORD;
}

/* The first raw index at or after i that is not a comment. */
static int skip_comments(const Lexer *lx, int i)
{
    while (i < lx->n && lx->r[i].ckind == RT_COMMENT)
        i++;
    return i;
}

/* Is the next non-comment token at or after i the punctuator s? */
static int is_punct(const Lexer *lx, int i, const char *s)
{
    i = skip_comments(lx, i);
    return i < lx->n && lx->r[i].ckind == RT_PUNCT &&
           raw_is(lx->src, &lx->r[i], s);
}

static void emit(Lexer *lx, int kind, int r0, int r1)
{
    PTok *t = &lx->out[lx->nout++];
    t->kind = kind;
    t->r0 = r0;
    t->r1 = r1;
}

static int prev_kind(const Lexer *lx)
{
    return lx->nout ? lx->out[lx->nout - 1].kind : 0;
}

/* Index of the ')' matching the '(' at raw index `open`, or -1 after an
 * error message. */
static int match_paren(const Lexer *lx, int open)
{
    int depth = 0;
    for (int i = open; i < lx->n; i++) {
        if (lx->r[i].ckind != RT_PUNCT)
            continue;
        if (raw_is(lx->src, &lx->r[i], "("))
            depth++;
        else if (raw_is(lx->src, &lx->r[i], ")") && --depth == 0)
            return i;
    }
    diag_error(lx->src, lx->r[open].off, "unbalanced parenthesis");
    return -1;
}

/* An Async C form inside raw tokens (from, to) that the grammar will not
 * see: it could not be lowered, so it is an error.  `what` names the
 * place for the message. */
static int forms_hidden(const Lexer *lx, int from, int to, const char *what)
{
    for (int j = from; j < to; j++) {
        const RawTok *t = &lx->r[j];
        if (!is_word(t))
            continue;
        for (size_t k = 0; k < COUNT(forms); k++) {
            if (raw_is(lx->src, t, forms[k].text)) {
                diag_error(lx->src, t->off, "%s inside %s", forms[k].text,
                           what);
                return 1;
            }
        }
    }
    return 0;
}

/* `name (...)` with optional asm qualifiers between: one token of `kind`.
 * Returns the last raw index used, or -1. */
static int collapse(Lexer *lx, int i, int kind)
{
    int j = i + 1;
    if (kind == TK_ASM) {
        static const char *const quals[] = {"volatile", "__volatile__",
            "__volatile", "goto", "inline", "__inline__", "__inline"};
        for (;;) {
            int q = 0;
            for (size_t k = 0; j < lx->n && k < COUNT(quals); k++)
                q |= raw_is(lx->src, &lx->r[j], quals[k]);
            if (!q)
                break;
            j++;
        }
    }
    j = skip_comments(lx, j);
    if (!is_punct(lx, j, "(")) {
        diag_error(lx->src, lx->r[i].off, "expected '(' after '%.*s'",
                   (int)lx->r[i].len, text_of(lx, i));
        return -1;
    }
    int close = match_paren(lx, j);
    if (close < 0)
        return -1;
    char what[48];
    snprintf(what, sizeof what, "%.*s(...)", (int)lx->r[i].len,
             text_of(lx, i));
    if (forms_hidden(lx, j, close, what))
        return -1;
    emit(lx, kind, i, close);
    return close;
}

/* A form name as an ordinary identifier: after `.` / `->` it is a member,
 * and the call-like forms are only forms when a '(' follows (as their
 * function-like macros in asyncc.h require). */
static int form_kind(const Lexer *lx, int i)
{
    const RawTok *t = &lx->r[i];
    int k = LOOKUP(forms, text_of(lx, i), t->len);
    if (!k || prev_kind(lx) == TK_DOT || prev_kind(lx) == TK_ARROW)
        return 0;
    if (k != TK_AWAIT && !is_punct(lx, i + 1, "("))
        return 0;
    return k;
}

/* A function-like macro invocation name(...) -> one token.  The macro's
 * expansion is opaque to us, so an await inside its arguments could not be
 * lowered: that is an error, reported here where the tokens are at hand. */
static int lex_macro_call(Lexer *lx, int i)
{
    int last = lx->r[i].macro_last;
    if (last <= i || last >= lx->n) {
        if (!is_punct(lx, i + 1, "("))
            return (emit(lx, TK_IDENT, i, i), i);
        last = match_paren(lx, skip_comments(lx, i + 1));
        if (last < 0)
            return -1;
    }
    if (forms_hidden(lx, i + 1, last, "a macro argument"))
        return -1;
    /* RTF_TYPENAME is not looked at: for a function-like macro it only
     * says a type is mentioned somewhere in the expansion.  A call right
     * before `}` is a MACRO_END: there, it can only be a whole statement
     * (or the last item of an initializer). */
    int kind = TK_MACRO;
    if (lx->r[i].flags & RTF_MACRO_TYPE)
        kind = TK_TYPEOF;
    else if (is_punct(lx, last + 1, "}") || is_punct(lx, last + 1, "%>"))
        kind = TK_MACRO_END;
    emit(lx, kind, i, last);
    return last;
}

/* An object-like macro next to a string literal ("%" PRIu64 "\n") is part
 * of the literal: libclang checked that it expands to a string. */
static int next_to_string(const Lexer *lx, int i)
{
    if (prev_kind(lx) == TK_STRING)
        return 1;
    int j = skip_comments(lx, i + 1);
    return j < lx->n && lx->r[j].ckind == RT_LITERAL &&
           strchr("\"uUL", text_of(lx, j)[0]) &&
           memchr(text_of(lx, j), '"', lx->r[j].len);
}

/* Identifiers and keywords.  Returns the last raw index consumed, or -1. */
static int lex_word(Lexer *lx, int i)
{
    const RawTok *t = &lx->r[i];
    const char *s = text_of(lx, i);
    size_t len = t->len;

    int k = form_kind(lx, i);
    if (k)
        return (emit(lx, k, i, i), i);
    if (len == 5 && memcmp(s, "async", 5) == 0)
        return (emit(lx, TK_ASYNC, i, i), i);
    if (t->flags & RTF_MACRO_FN)
        return lex_macro_call(lx, i);
    if ((t->flags & RTF_MACRO) && t->alias) {
        s = t->alias; /* bool -> _Bool, static_assert -> _Static_assert */
        len = strlen(s);
        if (len == 0 || (len == 7 && memcmp(s, "_Pragma", 7) == 0))
            return i; /* nothing, or only a pragma: `#define local` */
        /* An expansion that is one whole collapsed construct, e.g.
         * `#define UNUSED __attribute__((unused))`: the front end gives
         * its first keyword as alias; the macro name is the token. */
        k = LOOKUP(collapsers, s, len);
        if (k && k != TK_TYPEOF && k != TK_ALIGNAS && k != TK_STATIC_ASSERT)
            return (emit(lx, k, i, i), i);
    }
    if (len == 13 && memcmp(s, "__extension__", 13) == 0)
        return i; /* no token at all */
    if (len == 7 && memcmp(s, "_Pragma", 7) == 0 && is_punct(lx, i + 1, "("))
        return match_paren(lx, skip_comments(lx, i + 1)); /* no statement */
    if (len == 7 && memcmp(s, "_Atomic", 7) == 0) {
        if (is_punct(lx, i + 1, "("))
            return collapse(lx, i, TK_TYPEOF); /* _Atomic(T): a type */
        return (emit(lx, TK_QUALIFIER, i, i), i);
    }
    if ((k = LOOKUP(collapsers, s, len)))
        return collapse(lx, i, k);
    if ((k = LOOKUP(keywords, s, len)) && !(t->flags & RTF_TYPENAME))
        return (emit(lx, k, i, i), i);
    if (t->flags & RTF_TYPENAME)
        k = TK_TYPE_NAME;
    else if ((t->flags & RTF_MACRO) && !t->alias && next_to_string(lx, i))
        k = TK_STRING;
    else
        k = TK_IDENT;
    emit(lx, k, i, i);
    return i;
}

static int is_string_literal(const Lexer *lx, int i)
{
    /* "..", u8"..", u"..", U"..", L"..": a quote before any apostrophe */
    const char *s = text_of(lx, i);
    for (unsigned j = 0; j < lx->r[i].len; j++) {
        if (s[j] == '"')
            return 1;
        if (s[j] == '\'')
            return 0;
    }
    return 0;
}

int lex_tokens(Arena *a, const Source *src, const RawTok *r, int n,
               PTok **out, int *nout)
{
    Lexer lx = {src, r, n, NULL, 0};
    lx.out = arena_alloc(a, sizeof(PTok) * (size_t)(n > 0 ? n : 1));
    for (int i = 0; i < n; i++) {
        const RawTok *t = &r[i];
        switch (t->ckind) {
        case RT_COMMENT:
            break;
        case RT_LITERAL:
            emit(&lx, is_string_literal(&lx, i) ? TK_STRING : TK_CONST, i, i);
            break;
        case RT_PUNCT: {
            /* A body's raw tokens include directive lines and the tokens
             * of inactive #if branches alike: nothing here could tell
             * them apart, so refuse instead of guessing. */
            if (raw_is(src, t, "#") || raw_is(src, t, "%:")) {
                diag_error(src, t->off, "preprocessor directive inside an "
                           "async function body is not supported");
                return -1;
            }
            int k = LOOKUP(puncts, text_of(&lx, i), t->len);
            emit(&lx, k ? k : TK_ILLEGAL, i, i);
            break;
        }
        default:
            i = lex_word(&lx, i);
            if (i < 0)
                return -1;
            break;
        }
    }
    *out = lx.out;
    *nout = lx.nout;
    return 0;
}
