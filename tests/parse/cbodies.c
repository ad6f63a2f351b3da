/*
 * cbodies.c - run the parser over every function body of ordinary C files.
 *
 *     cbodies [-v] [-H] [-S] FILE.c... [-- clang args]
 *
 * Real C is the best test of a C grammar.  For each function definition in
 * each file, the body's tokens are collected with libclang the way
 * front_clang.c does (type names from annotated TypeRefs, macro
 * invocations from the preprocessing record), then lexed and parsed.  A
 * body the parser rejects is reported through diag; the exit status is 1
 * if any was.  Files libclang itself cannot parse are skipped (they are not
 * valid C, so the parser owes them nothing).  -v prints each function's
 * name and its node count.  -H also parses the bodies of functions defined
 * in included headers (static inline functions), each header once.  -S
 * (strict): a file libclang rejects is a failure, with its messages.
 */
#include <clang-c/Index.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ast.h"
#include "diag.h"
#include "lex.h"
#include "parse.h"

typedef struct Macro {
    CXFile file;
    unsigned start, end;
    int fnlike;
    int words_only; /* expansion is identifiers/keywords/'*' only */
    char *alias;
} Macro;

typedef struct Ctx {
    CXTranslationUnit tu;
    CXFile file;
    Source src;
    Macro *macros;
    int nmacros, capmacros;
    int bodies, failed, skipped, verbose;
    int pass; /* 1: macros only; 2: bodies (every macro is known by then) */
    int headers; /* -H */
    CXFile mainfile;
    Source mainsrc;
    Source hdrsrc;  /* the header whose functions are parsed now (-H) */
    char *hdrpath;
} Ctx;

/* Header functions already parsed (by path hash and offset): a header
 * included by many files is parsed once. */
static unsigned long long *done_keys;
static size_t done_n, done_cap;

static int seen_before(const char *path, unsigned off)
{
    unsigned long long h = 1469598103934665603ULL;
    for (const char *p = path; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    h = (h ^ off) * 1099511628211ULL;
    for (size_t i = 0; i < done_n; i++)
        if (done_keys[i] == h)
            return 1;
    if (done_n == done_cap) {
        done_cap = done_cap ? 2 * done_cap : 256;
        done_keys = realloc(done_keys, done_cap * sizeof *done_keys);
    }
    done_keys[done_n++] = h;
    return 0;
}

static long off_in_file(Ctx *c, CXSourceLocation loc)
{
    CXFile f;
    unsigned off;
    clang_getSpellingLocation(loc, &f, NULL, NULL, &off);
    return f && clang_File_isEqual(f, c->file) ? (long)off : -1;
}

/* Could this expansion be a type name (`off_t`, `unsigned long`)?  1: words
 * and stars; 2: keywords only, a type for sure. */
static int words_only(Ctx *c, CXToken *t, unsigned n)
{
    int keywords = 1;
    for (unsigned i = 0; i < n; i++) {
        keywords &= clang_getTokenKind(t[i]) == CXToken_Keyword;
        CXTokenKind k = clang_getTokenKind(t[i]);
        if (k == CXToken_Punctuation) {
            CXString sp = clang_getTokenSpelling(c->tu, t[i]);
            int star = !strcmp(clang_getCString(sp), "*");
            clang_disposeString(sp);
            if (!star)
                return 0;
        } else if (k != CXToken_Keyword && k != CXToken_Identifier) {
            return 0;
        }
    }
    return keywords ? 2 : 1;
}

static void note_macro(Ctx *c, CXCursor cur)
{
    CXSourceRange r = clang_getCursorExtent(cur);
    CXFile f, f2;
    unsigned s, e;
    clang_getSpellingLocation(clang_getRangeStart(r), &f, NULL, NULL, &s);
    clang_getSpellingLocation(clang_getRangeEnd(r), &f2, NULL, NULL, &e);
    if (!f || !f2 || !clang_File_isEqual(f, f2) ||
        (!c->headers && !clang_File_isEqual(f, c->mainfile)))
        return;
    Macro m = {.file = f, .start = s, .end = e};
    CXCursor def = clang_getCursorReferenced(cur);
    if (!clang_Cursor_isNull(def)) {
        m.fnlike = clang_Cursor_isMacroFunctionLike(def);
        CXToken *toks;
        unsigned n;
        clang_tokenize(c->tu, clang_getCursorExtent(def), &toks, &n);
        CXString sp = clang_getTokenSpelling(c->tu, toks[n > 1 ? 1 : 0]);
        const char *t1 = clang_getCString(sp);
        if (!m.fnlike && n == 1)
            m.alias = strdup(""); /* empty expansion */
        else if (!m.fnlike && n == 2 &&
                 clang_getTokenKind(toks[1]) == CXToken_Keyword)
            m.alias = strdup(t1);
        else if (!m.fnlike && n > 2 &&
                 (!strcmp(t1, "__attribute__") || !strcmp(t1, "_Pragma")))
            m.alias = strdup(t1);
        else if (!m.fnlike && n >= 2)
            m.words_only = words_only(c, toks + 1, n - 1);
        clang_disposeString(sp);
        clang_disposeTokens(c->tu, toks, n);
    }
    if (c->nmacros == c->capmacros) {
        c->capmacros = c->capmacros ? 2 * c->capmacros : 64;
        c->macros = realloc(c->macros, sizeof *c->macros * c->capmacros);
    }
    c->macros[c->nmacros++] = m;
}

static const Macro *macro_at(const Ctx *c, unsigned off)
{
    for (int i = 0; i < c->nmacros; i++)
        if (c->macros[i].start == off &&
            clang_File_isEqual(c->macros[i].file, c->file))
            return &c->macros[i];
    return NULL;
}

static enum CXChildVisitResult find_body(CXCursor cur, CXCursor parent,
                                         CXClientData data)
{
    (void)parent;
    if (clang_getCursorKind(cur) == CXCursor_CompoundStmt) {
        *(CXCursor *)data = cur;
        return CXChildVisit_Break;
    }
    return CXChildVisit_Continue;
}

typedef struct Refs {
    Ctx *c;
    unsigned *offs;
    int n, cap;
} Refs;

/* Where TypeRefs expand: a TypeRef inside an object-like macro's expansion
 * lands on the macro name, which is how front_clang.c finds type macros. */
static enum CXChildVisitResult find_typerefs(CXCursor cur, CXCursor parent,
                                             CXClientData data)
{
    (void)parent;
    Refs *r = data;
    if (clang_getCursorKind(cur) == CXCursor_TypeRef) {
        CXFile f;
        unsigned off;
        clang_getExpansionLocation(clang_getCursorLocation(cur), &f, NULL,
                                   NULL, &off);
        if (f && clang_File_isEqual(f, r->c->file)) {
            if (r->n == r->cap) {
                r->cap = r->cap ? 2 * r->cap : 64;
                r->offs = realloc(r->offs, sizeof *r->offs * r->cap);
            }
            r->offs[r->n++] = off;
        }
    }
    return CXChildVisit_Recurse;
}

/* Does raw token i spell s? */
static int tok_is(const Ctx *c, const RawTok *raw, int i, const char *s)
{
    return raw_is(&c->src, &raw[i], s);
}

/* What a node of this kind must start and end with (NULL: anything). */
static void kind_edges(NodeKind k, const char **first, const char **last)
{
    *first = *last = NULL;
    switch (k) {
    case N_CALL: case N_GATHER: case N_TO_THREAD: case N_WITH_TIMEOUT:
    case N_SPAWN: case N_ASYNC_RUN: case N_SIZEOF_TYPE: case N_STMT_EXPR:
        *last = ")";
        break;
    case N_INDEX: *last = "]"; break;
    case N_BLOCK: case N_INIT_LIST: *first = "{"; *last = "}"; break;
    case N_COMPOUND_LIT: *first = "("; *last = "}"; break;
    case N_CAST: *first = "("; break;
    case N_DECL: case N_EXPR_STMT: case N_BREAK: case N_CONTINUE:
    case N_RETURN: case N_NULL: case N_ASM: case N_STATIC_ASSERT:
    case N_GOTO:
        *last = ";";
        break;
    case N_DO: *first = "do"; *last = ";"; break;
    case N_IF: *first = "if"; break;
    case N_WHILE: *first = "while"; break;
    case N_FOR: *first = "for"; break;
    case N_SWITCH: *first = "switch"; break;
    case N_CASE: *first = "case"; break;
    case N_DEFAULT: *first = "default"; break;
    case N_AWAIT: *first = "await"; break;
    case N_POSTINC: *last = "++"; break;
    case N_POSTDEC: *last = "--"; break;
    case N_PREINC: *first = "++"; break;
    case N_PREDEC: *first = "--"; break;
    default: break;
    }
}

/* Are the brackets in raw tokens t0..t1 balanced?  A range that cut an
 * expression's parentheses in half would not be. */
static int balanced(const Ctx *c, const RawTok *raw, int t0, int t1)
{
    int depth = 0;
    for (int i = t0; i <= t1; i++) {
        if (raw[i].ckind != RT_PUNCT || raw[i].len != 1)
            continue;
        char ch = c->src.text[raw[i].off];
        depth += (ch == '(' || ch == '[' || ch == '{') -
                 (ch == ')' || ch == ']' || ch == '}');
        if (depth < 0)
            return 0;
    }
    return depth == 0;
}

/*
 * The contract the emitter relies on: every node's range is inside its
 * parent's (an N_DECLARATOR's initializer follows it instead), siblings do
 * not overlap, brackets inside a range balance, and each kind starts and
 * ends on the right token.  Iterative,
 * as trees of real code can be deep.  Returns the number of violations,
 * reported on stderr.
 */
typedef struct Span {
    const Node *n;
    int lo, hi;
} Span;

static int check_ranges(const Ctx *c, const RawTok *raw, int m,
                        const Node *root)
{
    size_t cap = 256, sp = 0;
    Span *st = malloc(cap * sizeof *st);
    int bad = 0;
    st[sp++] = (Span){root, 0, m - 1};
    while (sp > 0) {
        Span s = st[--sp];
        const Node *n = s.n;
        const char *first, *last, *why = NULL;
        kind_edges(n->kind, &first, &last);
        if (n->tok0 < s.lo || n->tok1 > s.hi || n->tok0 > n->tok1)
            why = "range outside its parent";
        else if (first && !tok_is(c, raw, n->tok0, first))
            why = "wrong first token";
        else if (last && !tok_is(c, raw, n->tok1, last) &&
                 !(n->kind == N_EXPR_STMT && n->operand->kind == N_OPAQUE &&
                   n->operand->tok1 == n->tok1)) /* `M(x) }` brings its own ; */
            why = "wrong last token";
        else if (n->tok1 - n->tok0 < 20000 && !balanced(c, raw, n->tok0, n->tok1))
            why = "unbalanced brackets in its range";
        if (why) {
            unsigned line, col;
            diag_linecol(&c->src, raw[n->tok0 >= 0 && n->tok0 < m ? n->tok0 : 0].off,
                         &line, &col);
            fprintf(stderr, "%s:%u:%u: %s node: %s\n", c->src.path, line, col,
                    node_kind_name(n->kind), why);
            bad++;
            continue;
        }
        int prev_end = -1;
        KidIter it;
        for (const Node *kid = ast_first_kid(n, &it); kid; kid = ast_next_kid(&it)) {
            int init = n->kind == N_DECLARATOR && kid == n->init;
            /* the iterator gives children in source order */
            if (!init && kid->tok0 <= prev_end) {
                fprintf(stderr, "%s: %s node: children overlap\n",
                        c->src.path, node_kind_name(n->kind));
                bad++;
            }
            prev_end = kid->tok1;
            if (sp == cap)
                st = realloc(st, (cap *= 2) * sizeof *st);
            st[sp++] = init ? (Span){kid, n->tok1 + 1, s.hi}
                            : (Span){kid, n->tok0, n->tok1};
        }
    }
    free(st);
    return bad;
}

static int count_nodes(const Node *n)
{
    if (!n)
        return 0;
    int k = 1;
    KidIter it;
    for (const Node *l = ast_first_kid(n, &it); l; l = ast_next_kid(&it))
        k += count_nodes(l);
    return k;
}

static void parse_function(Ctx *c, CXCursor fn, CXCursor body)
{
    CXToken *toks;
    unsigned n;
    clang_tokenize(c->tu, clang_getCursorExtent(body), &toks, &n);
    CXCursor *curs = calloc(n ? n : 1, sizeof *curs);
    clang_annotateTokens(c->tu, toks, n, curs);
    RawTok *raw = calloc(n ? n : 1, sizeof *raw);
    int m = 0;
    for (unsigned i = 0; i < n; i++) {
        CXTokenKind k = clang_getTokenKind(toks[i]);
        CXSourceRange r = clang_getTokenExtent(c->tu, toks[i]);
        long s = off_in_file(c, clang_getRangeStart(r));
        long e = off_in_file(c, clang_getRangeEnd(r));
        if (k == CXToken_Comment || s < 0 || e < 0)
            continue;
        RawTok *t = &raw[m++];
        t->off = (unsigned)s;
        t->len = (unsigned)(e - s);
        t->ckind = (unsigned char)k;
        t->macro_last = -1;
        if (k == CXToken_Identifier &&
            clang_getCursorKind(curs[i]) == CXCursor_TypeRef)
            t->flags |= RTF_TYPENAME;
    }
    Refs refs = {c, NULL, 0, 0};
    clang_visitChildren(body, find_typerefs, &refs);
    for (int i = 0; i < m; i++) {
        const Macro *mac = raw[i].ckind == RT_IDENT ? macro_at(c, raw[i].off)
                                                    : NULL;
        if (!mac)
            continue;
        if (mac->fnlike) {
            int j = i;
            while (j + 1 < m && raw[j + 1].off < mac->end)
                j++;
            raw[i].flags |= RTF_MACRO_FN;
            raw[i].macro_last = j;
        } else {
            raw[i].flags |= RTF_MACRO;
            raw[i].alias = mac->alias;
            if (mac->words_only == 2)
                raw[i].flags |= RTF_TYPENAME;
            for (int k = 0; mac->words_only && k < refs.n; k++)
                if (refs.offs[k] == raw[i].off)
                    raw[i].flags |= RTF_TYPENAME;
        }
    }
    free(refs.offs);
    /* A function generated by a macro has no body tokens of its own. */
    if (m == 0) {
        c->skipped++;
        goto out;
    }
    /* Directives inside a body are refused by design (lex.c). */
    for (int i = 0; i < m; i++) {
        if (raw[i].ckind == RT_PUNCT && raw_is(&c->src, &raw[i], "#")) {
            c->skipped++;
            goto out;
        }
    }
    Arena a = {0};
    PTok *pt;
    int npt;
    Node *root = NULL;
    if (lex_tokens(&a, &c->src, raw, m, &pt, &npt) == 0)
        root = parse_body(&a, &c->src, raw, pt, npt, NULL);
    c->bodies++;
    if (!root)
        c->failed++;
    else if (check_ranges(c, raw, m, root))
        c->failed++;
    if (c->verbose) {
        CXString name = clang_getCursorSpelling(fn);
        printf("%s: %s %d\n", clang_getCString(name), root ? "ok" : "FAILED",
               count_nodes(root));
        clang_disposeString(name);
    }
    arena_free(&a);
out:
    free(raw);
    free(curs);
    clang_disposeTokens(c->tu, toks, n);
}

/* Make the function's file the current one (c->file, c->src), if its body
 * is to be parsed: the main file's always, a header's with -H, once. */
static int enter_file(Ctx *c, CXCursor fn)
{
    CXFile f;
    unsigned off;
    clang_getSpellingLocation(clang_getCursorLocation(fn), &f, NULL, NULL,
                              &off);
    if (!f)
        return 0;
    if (clang_File_isEqual(f, c->mainfile)) {
        c->file = f;
        c->src = c->mainsrc;
        return 1;
    }
    if (!c->headers)
        return 0;
    CXString name = clang_getFileName(f);
    const char *path = clang_getCString(name);
    int again = seen_before(path, off);
    size_t size = 0;
    const char *text = again ? NULL : clang_getFileContents(c->tu, f, &size);
    if (text) {
        free(c->hdrpath);
        c->hdrpath = strdup(path);
        c->file = f;
        source_free(&c->hdrsrc);
        c->hdrsrc.path = c->hdrpath;
        c->hdrsrc.text = text;
        c->hdrsrc.len = size;
        source_index(&c->hdrsrc);
        c->src = c->hdrsrc;
    }
    clang_disposeString(name);
    return text != NULL;
}

static enum CXChildVisitResult visit_top(CXCursor cur, CXCursor parent,
                                         CXClientData data)
{
    (void)parent;
    Ctx *c = data;
    enum CXCursorKind k = clang_getCursorKind(cur);
    if (c->pass == 1 && k == CXCursor_MacroExpansion)
        note_macro(c, cur);
    if (c->pass == 2 && k == CXCursor_FunctionDecl &&
        clang_isCursorDefinition(cur) && enter_file(c, cur)) {
        CXCursor body = clang_getNullCursor();
        clang_visitChildren(cur, find_body, &body);
        if (!clang_Cursor_isNull(body))
            parse_function(c, cur, body);
    }
    return CXChildVisit_Continue;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    *len = fread(s, 1, (size_t)n, f);
    s[*len] = '\0';
    fclose(f);
    return s;
}

/* Any error from libclang?  With `show`, print them. */
static int has_errors(CXTranslationUnit tu, int show)
{
    int bad = 0;
    for (unsigned i = 0; i < clang_getNumDiagnostics(tu); i++) {
        CXDiagnostic d = clang_getDiagnostic(tu, i);
        if (clang_getDiagnosticSeverity(d) >= CXDiagnostic_Error) {
            bad = 1;
            if (show) {
                CXString m = clang_formatDiagnostic(
                    d, clang_defaultDiagnosticDisplayOptions());
                fprintf(stderr, "%s\n", clang_getCString(m));
                clang_disposeString(m);
            }
        }
        clang_disposeDiagnostic(d);
    }
    return bad;
}

int main(int argc, char **argv)
{
    int verbose = 0, headers = 0, strict = 0, nfiles = 0, dash = argc;
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--")) {
            dash = i;
            break;
        }
    const char *cargs[64] = {"-std=gnu11"};
    int ncargs = 1;
    for (int i = dash + 1; i < argc && ncargs < 64; i++)
        cargs[ncargs++] = argv[i];
    CXIndex idx = clang_createIndex(0, 0);
    int failed = 0, bodies = 0, skipped = 0;
    for (int i = 1; i < dash; i++) {
        if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "-H") ||
            !strcmp(argv[i], "-S")) {
            verbose |= argv[i][1] == 'v';
            headers |= argv[i][1] == 'H';
            strict |= argv[i][1] == 'S';
            continue;
        }
        Ctx c = {0};
        c.verbose = verbose;
        c.headers = headers;
        c.mainsrc.path = argv[i];
        c.mainsrc.text = slurp(argv[i], &c.mainsrc.len);
        if (!c.mainsrc.text) {
            perror(argv[i]);
            return 2;
        }
        source_index(&c.mainsrc);
        c.tu = clang_parseTranslationUnit(
            idx, argv[i], cargs, ncargs, NULL, 0,
            CXTranslationUnit_DetailedPreprocessingRecord);
        nfiles++;
        if (!c.tu || has_errors(c.tu, strict)) {
            fprintf(stderr, "%s: skipped (libclang reports errors)\n",
                    argv[i]);
            failed += strict; /* -S: the file had to be valid */
        } else {
            c.mainfile = c.file = clang_getFile(c.tu, argv[i]);
            c.src = c.mainsrc;
            for (c.pass = 1; c.pass <= 2; c.pass++)
                clang_visitChildren(clang_getTranslationUnitCursor(c.tu),
                                    visit_top, &c);
        }
        failed += c.failed;
        bodies += c.bodies;
        skipped += c.skipped;
        for (int k = 0; k < c.nmacros; k++)
            free(c.macros[k].alias);
        free(c.macros);
        free((char *)c.mainsrc.text);
        source_free(&c.mainsrc);
        source_free(&c.hdrsrc);
        free(c.hdrpath);
        if (c.tu)
            clang_disposeTranslationUnit(c.tu);
    }
    clang_disposeIndex(idx);
    free(done_keys);
    printf("%d files, %d function bodies, %d rejected, %d skipped (directives "
           "inside, or generated by a macro)\n", nfiles, bodies, failed,
           skipped);
    return failed ? 1 : 0;
}
