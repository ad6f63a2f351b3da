/*
 * front_expand.c - macros around awaits.
 *
 * Lowering keeps a macro invocation as the user wrote it: one opaque
 * token, expanded by the compiler later.  That cannot work when an await
 * is involved -- `#define NAP(ms) (await ac_sleep(ms))`, `TRY(await f())`,
 * `REPEAT(3) { await g(); }` -- because the await must become resume code
 * and the compiler would get the word `await`.  So before the front end
 * collects anything, the invocations in async bodies that involve an
 * await are expanded in the file's text, and libclang parses the result
 * again (front.c).  An invocation is expanded when
 *   - its macro expands to a form (await, gather, spawn, with_timeout,
 *     to_thread), directly or through the macros it uses;
 *   - an argument holds a form or such a macro;
 *   - it is statement-like, followed by a block that holds one.
 * An invocation that defines an async function is expanded as well.
 * Inside the expansion only the macros that involve a form are expanded;
 * the others stay as written, for the compiler.  The expansion stands on
 * the invocation's first line, followed by as many newlines as the
 * invocation spanned, so every later line keeps its number.
 *
 * The expander follows C's rules where they matter here: arguments
 * expanded before substitution except around # and ##, # makes a string,
 * ## pastes, __VA_ARGS__ and GNU named variadic parameters, the GNU
 * `, ## __VA_ARGS__` comma, and a macro not expanded inside its own
 * expansion.  Not supported, with a message at the invocation: a macro
 * without a definition in the source (-D on the command line), and
 * __VA_OPT__.  A macro that expands to a form used outside an async
 * function is an error too, as the form itself would be.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "front_int.h"

typedef struct Tok {
    const char *s;
    int space;            /* whitespace before it (where it came from)   */
} Tok;

typedef struct Toks {
    Tok *t;
    int n, cap;
} Toks;

typedef struct Macro {
    const char *name;
    int ok;               /* 0: can't be expanded (why says)             */
    const char *why;
    int fnlike, variadic; /* variadic: the last parameter takes the rest */
    const char **params;
    int nparams;
    Tok *body;
    int nbody;
    int forms;            /* -1 not known yet, 0, 1, 2 being worked out  */
} Macro;

typedef struct Exp {
    FrontCtx *fc;
    Front *fe;
    Macro **by_def;       /* per FrontCtx.defs index                      */
    int nby_def;
    int depth;
    const char *hide[256];/* macros being expanded                        */
    int nhide;
    const char *error;    /* the first thing that could not be expanded  */
} Exp;

static int word_char(char c)
{
    return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static int is_ident(const char *s)
{
    return *s == '_' || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z');
}

static void push(Toks *o, Tok t)
{
    GROW(o->t, o->n, o->cap);
    o->t[o->n++] = t;
}

/* The tokens of a range, with whether whitespace precedes each. */
static Tok *tokens_of(Front *fe, CXSourceRange r, int *n)
{
    CXToken *ct;
    unsigned k;
    clang_tokenize(fe->tu, r, &ct, &k);
    Tok *t = arena_alloc(fe->arena, sizeof *t * (k + 1));
    unsigned prev_end = 0;
    for (unsigned i = 0; i < k; i++) {
        CXString s = clang_getTokenSpelling(fe->tu, ct[i]);
        const char *c = clang_getCString(s);
        t[i].s = arena_strndup(fe->arena, c, strlen(c));
        clang_disposeString(s);
        CXSourceRange e = clang_getTokenExtent(fe->tu, ct[i]);
        unsigned b, end;
        clang_getFileLocation(clang_getRangeStart(e), NULL, NULL, NULL, &b);
        clang_getFileLocation(clang_getRangeEnd(e), NULL, NULL, NULL, &end);
        t[i].space = i == 0 || b != prev_end;
        prev_end = end;
    }
    clang_disposeTokens(fe->tu, ct, k);
    *n = (int)k;
    return t;
}

/* ------------------------------------------------------------------ */
/* Definitions                                                         */
/* ------------------------------------------------------------------ */

static Macro *macro(Exp *X, int d)
{
    if (d >= X->nby_def) {
        int n = X->fc->ndefs + 16;
        X->by_def = realloc(X->by_def, sizeof *X->by_def * (size_t)n);
        if (!X->by_def)
            exit(1);
        memset(X->by_def + X->nby_def, 0, sizeof *X->by_def * (size_t)(n - X->nby_def));
        X->nby_def = n;
    }
    if (X->by_def[d])
        return X->by_def[d];
    Front *fe = X->fe;
    Macro *m = arena_alloc(fe->arena, sizeof *m);
    X->by_def[d] = m;
    CXCursor c = X->fc->defs[d].def;
    CXString s = clang_getCursorSpelling(c);
    m->name = arena_strndup(fe->arena, clang_getCString(s), strlen(clang_getCString(s)));
    clang_disposeString(s);
    m->fnlike = clang_Cursor_isMacroFunctionLike(c);
    m->forms = -1;
    int n;
    Tok *t = tokens_of(fe, clang_getCursorExtent(c), &n);
    if (n == 0 || strcmp(t[0].s, m->name)) {
        m->why = "has no definition in the source (-D on the command line?)";
        return m;
    }
    int i = 1;
    if (m->fnlike) { /* ( params ) */
        m->params = arena_alloc(fe->arena, sizeof *m->params * (size_t)(n + 1));
        for (i = 2; i < n && strcmp(t[i].s, ")"); i++) {
            if (!strcmp(t[i].s, ","))
                continue;
            if (!strcmp(t[i].s, "...")) {
                m->params[m->nparams++] = "__VA_ARGS__";
                m->variadic = 1;
            } else if (i + 1 < n && !strcmp(t[i + 1].s, "...")) {
                m->params[m->nparams++] = t[i++].s; /* GNU: args... */
                m->variadic = 1;
            } else {
                m->params[m->nparams++] = t[i].s;
            }
        }
        i++;
    }
    m->body = t + i;
    m->nbody = n - i;
    for (int k = 0; k < m->nbody; k++)
        if (!strcmp(m->body[k].s, "__VA_OPT__")) {
            m->why = "uses __VA_OPT__";
            return m;
        }
    m->ok = 1;
    return m;
}

static int def_named(Exp *X, const char *name)
{
    Front *fe = X->fe;
    long v = strmap_get(&fe->macro_names, name, strlen(name));
    return v ? front_macro_def(X->fc, X->fc->defnames[v - 1]) : -1;
}

/* Does macro d expand to a form, directly or through the macros it uses? */
static int has_forms(Exp *X, int d)
{
    Macro *m = macro(X, d);
    if (m->forms >= 0)
        return m->forms == 1;
    m->forms = 2; /* a cycle counts as no */
    int r = 0;
    for (int k = 0; k < m->nbody && !r; k++) {
        const char *s = m->body[k].s;
        if (!is_ident(s))
            continue;
        if (front_is_form_name(s)) {
            r = 1;
        } else if (strcmp(s, m->name)) {
            int e = def_named(X, s);
            r = e >= 0 && has_forms(X, e);
        }
    }
    m->forms = r;
    return r;
}

/* Is the identifier s a form, or a macro that expands to one? */
static int names_forms(Exp *X, const char *s)
{
    if (!is_ident(s))
        return 0;
    if (front_is_form_name(s))
        return 1;
    int d = def_named(X, s);
    return d >= 0 && has_forms(X, d);
}

/* ------------------------------------------------------------------ */
/* Expansion                                                           */
/* ------------------------------------------------------------------ */

static void expand(Exp *X, const Tok *in, int n, Toks *out, int force);

static int hidden(const Exp *X, const char *s)
{
    for (int i = 0; i < X->nhide; i++)
        if (!strcmp(X->hide[i], s))
            return 1;
    return 0;
}

/* "#x": the argument's spelling as a string literal. */
static Tok stringize(Exp *X, const Tok *a, int n)
{
    Buf b = {0};
    buf_puts(&b, "\"");
    for (int i = 0; i < n; i++) {
        if (i && a[i].space)
            buf_puts(&b, " ");
        int lit = strchr(a[i].s, '"') || strchr(a[i].s, '\''); /* only literals quote */
        for (const char *p = a[i].s; *p; p++) {
            if (lit && (*p == '"' || *p == '\\'))
                buf_puts(&b, "\\");
            buf_put(&b, p, 1);
        }
    }
    buf_puts(&b, "\"");
    Tok t = {arena_strndup(X->fe->arena, b.s, b.len), 1};
    buf_free(&b);
    return t;
}

typedef struct Arg {
    const Tok *t;
    int n;
} Arg;

static int param_of(const Macro *m, const char *s)
{
    for (int i = 0; i < m->nparams; i++)
        if (!strcmp(m->params[i], s))
            return i;
    return -1;
}

/* The replacement list of m with the arguments in. */
static void substitute(Exp *X, const Macro *m, const Arg *args, Toks *out)
{
    Arena *a = X->fe->arena;
    int paste = 0; /* the last thing written is the left side of ## */
    int left_empty = 0;
    for (int j = 0; j < m->nbody; j++) {
        const Tok *t = &m->body[j];
        int p = param_of(m, t->s);
        int next_paste = j + 1 < m->nbody && !strcmp(m->body[j + 1].s, "##");
        if (!strcmp(t->s, "##")) {
            paste = 1;
            continue;
        }
        if (m->fnlike && !strcmp(t->s, "#") && j + 1 < m->nbody &&
            (p = param_of(m, m->body[j + 1].s)) >= 0) {
            push(out, stringize(X, args[p].t, args[p].n));
            j++;
            paste = 0, left_empty = 0;
            continue;
        }
        /* GNU: `, ## __VA_ARGS__` drops the comma when there are none */
        if (!strcmp(t->s, ",") && next_paste && j + 2 < m->nbody && m->variadic &&
            param_of(m, m->body[j + 2].s) == m->nparams - 1) {
            const Arg *va = &args[m->nparams - 1];
            if (va->n > 0) {
                push(out, *t);
                for (int k = 0; k < va->n; k++)
                    push(out, va->t[k]);
            }
            j += 2;
            paste = 0, left_empty = 0;
            continue;
        }
        Toks piece = {0};
        if (p >= 0 && (paste || next_paste)) { /* raw, around ## */
            for (int k = 0; k < args[p].n; k++)
                push(&piece, args[p].t[k]);
        } else if (p >= 0) {
            expand(X, args[p].t, args[p].n, &piece, 0);
            if (piece.n) /* spaced as the parameter was */
                piece.t[0].space = t->space;
        } else {
            push(&piece, *t);
        }
        if (paste && !left_empty && out->n > 0 && piece.n > 0) {
            Tok *l = &out->t[out->n - 1];
            l->s = arena_printf(a, "%s%s", l->s, piece.t[0].s);
            for (int k = 1; k < piece.n; k++)
                push(out, piece.t[k]);
        } else {
            for (int k = 0; k < piece.n; k++)
                push(out, piece.t[k]);
        }
        left_empty = p >= 0 && piece.n == 0;
        paste = 0;
        free(piece.t);
    }
}

/* Splits the tokens between the parentheses at in[open] into arguments;
 * returns the index of the closing parenthesis, or -1. */
static int split_args(const Macro *m, const Tok *in, int n, int open, Arg *args)
{
    int depth = 0, k = 0, start = open + 1;
    for (int i = open; i < n; i++) {
        const char *s = in[i].s;
        if (!strcmp(s, "(") && depth++ == 0)
            continue;
        if (!strcmp(s, ")") && --depth == 0) {
            if (k < m->nparams)
                args[k++] = (Arg){in + start, i - start};
            while (k < m->nparams)
                args[k++] = (Arg){in + i, 0};
            return i;
        }
        if (!strcmp(s, ",") && depth == 1 && !(m->variadic && k == m->nparams - 1)) {
            if (k < m->nparams)
                args[k++] = (Arg){in + start, i - start};
            start = i + 1;
        }
    }
    return -1;
}

/* The tokens in, with the macros that involve a form expanded (and the
 * first token's macro in any case, with force). */
static void expand(Exp *X, const Tok *in, int n, Toks *out, int force)
{
    for (int i = 0; i < n; i++) {
        const Tok *t = &in[i];
        int d = is_ident(t->s) && !front_is_form_name(t->s) && !hidden(X, t->s)
                    ? def_named(X, t->s) : -1;
        Macro *m = d >= 0 ? macro(X, d) : NULL;
        int open = i + 1 < n && !strcmp(in[i + 1].s, "(");
        if (!m || (m->fnlike && !open)) {
            push(out, *t);
            continue;
        }
        Arg *args = m->fnlike ? calloc((size_t)m->nparams + 1, sizeof *args) : NULL;
        int close = m->fnlike ? split_args(m, in, n, i + 1, args) : i;
        int involved = (force && i == 0) || has_forms(X, d);
        for (int k = i + 1; k < close && !involved; k++)
            involved = names_forms(X, in[k].s);
        if (close < 0 || !involved) {
            free(args);
            push(out, *t);
            continue;
        }
        if (!m->ok || X->depth > 200 || X->nhide == 256) {
            if (!X->error)
                X->error = arena_printf(X->fe->arena, "macro '%s' %s", m->name,
                                        m->ok ? "expands too deeply" : m->why);
            free(args);
            push(out, *t);
            continue;
        }
        Toks body = {0};
        substitute(X, m, args, &body);
        if (body.n)
            body.t[0].space = t->space;
        X->hide[X->nhide++] = m->name;
        X->depth++;
        expand(X, body.t, body.n, out, 0);
        X->depth--;
        X->nhide--;
        free(body.t);
        free(args);
        i = close;
    }
}

/* Writes tokens as text: a space where the source had one, and wherever
 * two tokens would otherwise run together. */
static void write_tokens(Buf *b, const Toks *t)
{
    static const char op[] = "+-*/%<>=&|^!.#:";
    for (int i = 0; i < t->n; i++) {
        const char *s = t->t[i].s;
        if (i > 0) {
            const char *p = t->t[i - 1].s;
            char l = p[strlen(p) - 1], r = s[0];
            if (t->t[i].space || (word_char(l) && word_char(r)) ||
                (strchr(op, l) && strchr(op, r)))
                buf_puts(b, " ");
        }
        buf_puts(b, s);
    }
}

/* ------------------------------------------------------------------ */
/* Which invocations                                                   */
/* ------------------------------------------------------------------ */

/* The end of the block that starts at text[open] ('{'), or 0. */
static unsigned block_end(const Source *src, unsigned open)
{
    const char *t = src->text;
    int depth = 0;
    for (unsigned i = open; i < src->len; i++) {
        char c = t[i];
        if (c == '"' || c == '\'') {
            for (i++; i < src->len && t[i] != c; i++)
                if (t[i] == '\\')
                    i++;
        } else if (c == '/' && i + 1 < src->len && t[i + 1] == '*') {
            const char *e = strstr(t + i + 2, "*/");
            i = e ? (unsigned)(e - t) + 1 : (unsigned)src->len;
        } else if (c == '/' && i + 1 < src->len && t[i + 1] == '/') {
            while (i < src->len && t[i] != '\n')
                i++;
        } else if (c == '{') {
            depth++;
        } else if (c == '}' && --depth == 0) {
            return i + 1;
        }
    }
    return 0;
}

/* Does the text [start, end) name a form or a macro that expands to one?
 * (Read from the text: clang records no expansion for an argument used
 * only with # or ##.) */
static int text_forms(Exp *X, unsigned start, unsigned end)
{
    const Source *src = &X->fe->src;
    const char *t = src->text;
    char name[128];
    for (unsigned i = start; i < end; i++) {
        char c = t[i];
        if (c == '"' || c == '\'') {
            for (i++; i < end && t[i] != c; i++)
                if (t[i] == '\\')
                    i++;
        } else if (c == '/' && i + 1 < end && t[i + 1] == '*') {
            const char *e = strstr(t + i + 2, "*/");
            i = e ? (unsigned)(e - t) + 1 : end;
        } else if (c == '/' && i + 1 < end && t[i + 1] == '/') {
            while (i < end && t[i] != '\n')
                i++;
        } else if (word_char(c) && !(c >= '0' && c <= '9') && (i == 0 || !word_char(t[i - 1]))) {
            unsigned k = i;
            while (k < end && word_char(t[k]))
                k++;
            if (k - i < sizeof name) {
                memcpy(name, t + i, k - i);
                name[k - i] = 0;
                if (names_forms(X, name))
                    return 1;
            }
            i = k - 1;
        }
    }
    return 0;
}

typedef struct Range {
    unsigned start, end;
} Range;

/* Is offset `off` inside one of the (sorted) ranges, walking from *k? */
static int inside(const Range *r, int n, int *k, unsigned off)
{
    while (*k < n && r[*k].end <= off)
        (*k)++;
    return *k < n && r[*k].start <= off;
}

static int cmp_range(const void *a, const void *b)
{
    const Range *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

/* The offset of the first character after `off` that is not blank. */
static unsigned skip_space(const Source *src, unsigned off)
{
    while (off < src->len && strchr(" \t\r\n", src->text[off]))
        off++;
    return off;
}

/* Must invocation i be expanded?  Reports one outside async code. */
static int involved(Exp *X, int i, int in_async)
{
    const MacroExp *m = &X->fc->macros[i];
    const Source *src = &X->fe->src;
    int own = m->def >= 0 && has_forms(X, m->def);
    for (int k = 0; k < X->fc->nmacro_made; k++) /* it defines an async function */
        if (X->fc->macro_made[k] >= m->start && X->fc->macro_made[k] < m->end)
            return 1;
    if (!in_async) {
        if (own) {
            diag_error(src, m->start, "macro '%s' expands to await or another form of "
                                      "async functions, outside an async function", m->name);
            X->fc->errors++;
        }
        return 0;
    }
    if (own || text_forms(X, m->start + (unsigned)strlen(m->name), m->end))
        return 1;
    unsigned open = skip_space(src, m->end); /* statement-like: NAME(...) { ... } */
    if (open < src->len && src->text[open] == '{') {
        unsigned end = block_end(src, open);
        return end && text_forms(X, open, end);
    }
    return 0;
}

char *front_expand(FrontCtx *fc, const unsigned (*defs)[2], int ndefs, size_t *len)
{
    Front *fe = fc->fe;
    const Source *src = &fe->src;
    Exp X = {.fc = fc, .fe = fe};
    Range *r = malloc(sizeof *r * (size_t)(ndefs + 1));
    if (!r)
        exit(1);
    for (int i = 0; i < ndefs; i++)
        r[i] = (Range){defs[i][0], defs[i][1]};
    qsort(r, (size_t)ndefs, sizeof *r, cmp_range);
    Buf out = {0};
    unsigned pos = 0;
    int any = 0, k = 0;
    for (int i = 0; i < fc->nmacros; i++) {
        const MacroExp *m = &fc->macros[i];
        if (m->start < pos || front_is_form_name(m->name) || !strcmp(m->name, "async") ||
            !strcmp(m->name, "async_run") || !involved(&X, i, inside(r, ndefs, &k, m->start)))
            continue;
        CXSourceRange range = clang_getRange(
            clang_getLocationForOffset(fe->tu, fe->mainfile, m->start),
            clang_getLocationForOffset(fe->tu, fe->mainfile, m->end));
        int n;
        Tok *t = tokens_of(fe, range, &n);
        Toks res = {0};
        X.error = NULL;
        expand(&X, t, n, &res, 1);
        if (X.error) {
            diag_error(src, m->start, "%s: asyncc cannot expand it around an await; write "
                                      "the await outside the macro", X.error);
            fc->errors++;
        }
        buf_put(&out, src->text + pos, m->start - pos);
        write_tokens(&out, &res);
        for (unsigned c = m->start; c < m->end; c++) /* keep the line count */
            if (src->text[c] == '\n')
                buf_puts(&out, "\n");
        free(res.t);
        pos = m->end;
        any = 1;
    }
    free(r);
    free(X.by_def);
    if (!any || fc->errors) {
        buf_free(&out);
        return NULL;
    }
    buf_put(&out, src->text + pos, src->len - pos);
    *len = out.len;
    char *text = arena_strndup(fe->arena, out.s, out.len);
    buf_free(&out);
    return text;
}
