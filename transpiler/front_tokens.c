/*
 * front_tokens.c - the tokens of an async body (or of an async_run form)
 * as the parser and the emitter need them.
 *
 * clang_tokenize gives the raw tokens of a byte range, directive lines and
 * the branches #if left out included.  Those are removed here, so the
 * parser sees the code as the compiler will for the -D options given;
 * what stood between two tokens that must survive -- comments, and the
 * #define, #undef and #pragma lines later macro uses depend on -- becomes
 * a Trivia item that lowering writes back where it stood.  Identifiers are
 * annotated with what libclang knows: type names and macro invocations.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "front_int.h"

/* If a preprocessor directive starts at byte `off` (a '#' first on its
 * line), the offset just past its last line; else 0. */
static unsigned directive_end(const Source *src, unsigned off)
{
    const char *t = src->text;
    if (off >= src->len || t[off] != '#')
        return 0;
    for (unsigned b = off; b > 0 && t[b - 1] != '\n'; b--)
        if (t[b - 1] != ' ' && t[b - 1] != '\t')
            return 0; /* not first on its line: # or ## inside a macro use */
    unsigned e = off;
    while (e < src->len && !(t[e] == '\n' && (e == 0 || t[e - 1] != '\\')))
        e++;
    return e;
}

/* The skipped range containing or after `off`, walking forward from *k
 * (callers ask about increasing offsets, so the walk is linear). */
static int skipped_at(const FrontCtx *fc, int *k, unsigned off)
{
    while (*k < fc->nskipped && fc->skipped[*k][1] <= off)
        (*k)++;
    return *k < fc->nskipped && fc->skipped[*k][0] <= off;
}

/*
 * The length of the token of libclang's kind `kind` that starts at `off`.
 * clang_getTokenExtent would say, but costs more than the rest of this file
 * together; the token's start and kind are known, and C's rules for where
 * a token ends are short.  A token with a backslash-newline inside (which
 * no one writes) returns 0: the caller then asks libclang.
 */
static unsigned punct_len(const char *t, const char *end)
{
    size_t room = (size_t)(end - t);
    char c = t[0], d = room > 1 ? t[1] : 0, e = room > 2 ? t[2] : 0;
    switch (c) {
    case '.':
        return d == '.' && e == '.' ? 3 : 1;
    case '<': /* <<= << <= <: <% */
        if (d == '<')
            return e == '=' ? 3 : 2;
        return d == '=' || d == ':' || d == '%' ? 2 : 1;
    case '>': /* >>= >> >= */
        if (d == '>')
            return e == '=' ? 3 : 2;
        return d == '=' ? 2 : 1;
    case '%': /* %:%: %: %> %= */
        if (d == ':')
            return e == '%' && room > 3 && t[3] == ':' ? 4 : 2;
        return d == '>' || d == '=' ? 2 : 1;
    case '-':
        return d == '>' || d == '-' || d == '=' ? 2 : 1;
    case '+':
    case '&':
    case '|':
        return d == c || d == '=' ? 2 : 1;
    case '#':
        return d == '#' ? 2 : 1;
    case ':':
        return d == '>' ? 2 : 1;
    case '=':
    case '!':
    case '*':
    case '/':
    case '^':
        return d == '=' ? 2 : 1;
    default:
        return 1;
    }
}

static int ident_char(char c)
{
    return c == '_' || c == '$' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || (unsigned char)c >= 0x80;
}

static unsigned token_len(const Source *src, unsigned off, CXTokenKind kind)
{
    const char *t = src->text + off, *end = src->text + src->len;
    const char *p = t;
    if (kind == CXToken_Identifier || kind == CXToken_Keyword) {
        while (p < end && ident_char(*p))
            p++;
    } else if (kind == CXToken_Punctuation) {
        p = t + punct_len(t, end);
    } else if (kind == CXToken_Literal) {
        /* an optional encoding prefix, then a quoted literal ... */
        while (p < end && (*p == 'L' || *p == 'u' || *p == 'U' || *p == '8'))
            p++;
        if (p < end && (*p == '"' || *p == '\'')) {
            char q = *p++;
            while (p < end && *p != q && *p != '\n')
                p += *p == '\\' ? 2 : 1;
            p++;
        } else { /* ... or a preprocessing number */
            p = t;
            while (p < end && (ident_char(*p) || *p == '.' ||
                               ((*p == '+' || *p == '-') && p > t && strchr("eEpP", p[-1]))))
                p++;
        }
    } else {
        return 0;
    }
    if (p > end || p == t)
        return 0;
    /* a backslash-newline inside or right after the token: ask libclang */
    for (const char *q = t; q < p && q + 1 < end; q++)
        if (q[0] == '\\' && (q[1] == '\n' || q[1] == '\r'))
            return 0;
    return (unsigned)(p - t);
}

int front_tokens(FrontCtx *fc, unsigned start, unsigned end, RawTok **out)
{
    Front *fe = fc->fe;
    CXSourceLocation b = clang_getLocationForOffset(fe->tu, fe->mainfile, start);
    CXSourceLocation e = clang_getLocationForOffset(fe->tu, fe->mainfile, end);
    CXToken *toks;
    unsigned n;
    clang_tokenize(fe->tu, clang_getRange(b, e), &toks, &n);
    RawTok *raw = arena_alloc(fe->arena, sizeof *raw * (n + 1));
    int m = 0, k = 0;
    unsigned dir_end = 0;
    for (unsigned i = 0; i < n; i++) {
        CXTokenKind kind = clang_getTokenKind(toks[i]);
        if (kind == CXToken_Comment)
            continue;
        /* tokens of a main-file range are in the main file */
        unsigned s;
        clang_getFileLocation(clang_getTokenLocation(fe->tu, toks[i]), NULL, NULL, NULL, &s);
        unsigned len = token_len(&fe->src, s, kind);
        if (!len) {
            CXSourceRange r = clang_getTokenExtent(fe->tu, toks[i]);
            long t = front_main_off(fe, clang_getRangeEnd(r));
            if (t < (long)s)
                continue;
            len = (unsigned)(t - s);
        }
        if (s < start || s + len > end)
            continue;
        if (s < dir_end || skipped_at(fc, &k, s))
            continue;
        unsigned de = directive_end(&fe->src, s);
        if (de) {
            dir_end = de;
            continue;
        }
        raw[m].off = s;
        raw[m].len = len;
        raw[m].ckind = (unsigned char)kind;
        raw[m].macro_last = -1;
        m++;
    }
    clang_disposeTokens(fe->tu, toks, n);
    *out = raw;
    return m;
}

/* ---- what stands between tokens ------------------------------------------ */

static int says_fallthrough(const char *c, size_t n)
{
    for (size_t i = 0; i + 4 <= n; i++)
        if (!strncasecmp(c + i, "fall", 4)) {
            size_t j = i + 4;
            if (j < n && (c[j] == 's' || c[j] == 'S'))
                j++;
            while (j < n && (c[j] == ' ' || c[j] == '-'))
                j++;
            if (j + 3 <= n && !strncasecmp(c + j, "thr", 3))
                return 1;
        }
    return 0;
}

static int directive_is(const char *s, size_t n, const char *name)
{
    size_t i = 1, k = strlen(name);
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    return i + k <= n && !memcmp(s + i, name, k) &&
           (i + k == n || !(s[i + k] == '_' || (s[i + k] >= 'a' && s[i + k] <= 'z')));
}

typedef struct TriviaOut {
    Trivia *v;
    int n, cap;
} TriviaOut;

static void add_trivia(TriviaOut *o, TriviaKind kind, const char *text,
                       unsigned off, unsigned len)
{
    while (len && (text[off + len - 1] == ' ' || text[off + len - 1] == '\t' ||
                   text[off + len - 1] == '\n'))
        len--;
    GROW(o->v, o->n, o->cap);
    Trivia *t = &o->v[o->n++];
    t->kind = kind;
    t->off = off;
    t->len = len;
    t->fallthrough = kind == TRIVIA_COMMENT && says_fallthrough(text + off, len);
}

/*
 * The comments and kept directives of the gap [i, end): conditional
 * directives and the branches they left out are dropped -- the body is
 * written as the compiler sees it for the options given to asyncc.
 */
static void gap(FrontCtx *fc, int *k, unsigned i, unsigned end, TriviaOut *o)
{
    const Source *src = &fc->fe->src;
    const char *s = src->text;
    while (i < end) {
        if (skipped_at(fc, k, i)) {
            i = fc->skipped[*k][1] < end ? fc->skipped[*k][1] : end;
            continue;
        }
        unsigned de = directive_end(src, i);
        if (de) {
            if (directive_is(s + i, de - i, "define") || directive_is(s + i, de - i, "undef") ||
                directive_is(s + i, de - i, "pragma"))
                add_trivia(o, TRIVIA_DIRECTIVE, s, i, de - i);
            i = de;
        } else if (s[i] == '/' && i + 1 < end && s[i + 1] == '*') {
            const char *e = strstr(s + i + 2, "*/");
            unsigned ce = e ? (unsigned)(e - s) + 2 : end;
            add_trivia(o, TRIVIA_COMMENT, s, i, ce - i);
            i = ce;
        } else if (s[i] == '/' && i + 1 < end && s[i + 1] == '/') {
            unsigned ce = i;
            while (ce < end && s[ce] != '\n')
                ce++;
            add_trivia(o, TRIVIA_COMMENT, s, i, ce - i);
            i = ce;
        } else {
            i++;
        }
    }
}

int front_trivia(FrontCtx *fc, RawTok *raw, int n, Trivia **out)
{
    TriviaOut o = {0};
    int k = 0;
    for (int i = 0; i < n; i++) {
        if (i > 0)
            gap(fc, &k, raw[i - 1].off + raw[i - 1].len, raw[i].off, &o);
        raw[i].trivia = o.n;
    }
    Trivia *t = arena_alloc(fc->fe->arena, sizeof *t * (size_t)(o.n + 1));
    if (o.n)
        memcpy(t, o.v, sizeof *t * (size_t)o.n);
    free(o.v);
    *out = t;
    return o.n;
}

/* ---- what libclang knows about the identifiers ---------------------------- */

void front_annotate(FrontCtx *fc, const OffMap *typenames, RawTok *raw, int n)
{
    /* macro expansions are sorted by start, as the tokens are: find the
     * first at or after the body, then walk with the tokens */
    int k = 0, hi = fc->nmacros;
    while (n > 0 && k < hi) {
        int mid = (k + hi) / 2;
        if (fc->macros[mid].start < raw[0].off)
            k = mid + 1;
        else
            hi = mid;
    }
    for (int i = 0; i < n; i++) {
        RawTok *t = &raw[i];
        if (t->ckind != RT_IDENT)
            continue;
        if (offmap_get(typenames, t->off))
            t->flags |= RTF_TYPENAME;
        while (k < fc->nmacros && fc->macros[k].start < t->off)
            k++;
        if (k >= fc->nmacros || fc->macros[k].start != t->off)
            continue;
        const MacroExp *m = &fc->macros[k];
        if (m->fnlike) {
            int j = i;
            while (j + 1 < n && raw[j + 1].off < m->end)
                j++;
            t->flags |= RTF_MACRO_FN;
            t->macro_last = j;
        } else {
            t->flags |= RTF_MACRO;
            t->alias = m->alias;
            if (m->is_type)
                t->flags |= RTF_TYPENAME;
        }
    }
}
