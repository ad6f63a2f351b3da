/*
 * front_clang.c - stage 1: libclang reads the .ac file as C and we keep the
 * facts the later stages need.
 *
 * asyncc.h, read without __ASYNCC_OUTPUT__, turns `async` into an annotate
 * attribute, `await` into nothing and the forms into plain C of the right
 * type, so clang type-checks an .ac file like any C file.  What clang knows
 * is then copied out into plain structs keyed by byte offsets of the main
 * file (front.h), so that lex, parse, sema, lower and emit never call
 * libclang themselves and never have to guess a semantic fact.
 */
#include "front.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* Small containers                                                    */
/* ------------------------------------------------------------------ */

static unsigned long long hash64(unsigned long long k)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    return k;
}

static void offmap_grow(OffMap *m)
{
    OffMap old = *m;
    m->cap = old.cap ? old.cap * 2 : 64;
    m->keys = calloc(m->cap, sizeof *m->keys);
    m->vals = calloc(m->cap, sizeof *m->vals);
    if (!m->keys || !m->vals) {
        fputs("asyncc: out of memory\n", stderr);
        exit(1);
    }
    m->n = 0;
    for (size_t i = 0; i < old.cap; i++)
        if (old.vals[i])
            offmap_put(m, old.keys[i], old.vals[i]);
    free(old.keys);
    free(old.vals);
}

void offmap_put(OffMap *m, unsigned long long key, long val)
{
    if ((m->n + 1) * 2 > m->cap)
        offmap_grow(m);
    size_t i = hash64(key) & (m->cap - 1);
    while (m->vals[i] && m->keys[i] != key)
        i = (i + 1) & (m->cap - 1);
    if (!m->vals[i])
        m->n++;
    m->keys[i] = key;
    m->vals[i] = val;
}

long offmap_get(const OffMap *m, unsigned long long key)
{
    if (!m->cap)
        return 0;
    size_t i = hash64(key) & (m->cap - 1);
    while (m->vals[i]) {
        if (m->keys[i] == key)
            return m->vals[i];
        i = (i + 1) & (m->cap - 1);
    }
    return 0;
}

static void offmap_free(OffMap *m)
{
    free(m->keys);
    free(m->vals);
    memset(m, 0, sizeof *m);
}

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

/* ------------------------------------------------------------------ */
/* Locations                                                           */
/* ------------------------------------------------------------------ */

/* Byte offset of `loc` in the main file, or -1 when it is elsewhere. */
static long main_off(const Front *fe, CXSourceLocation loc)
{
    CXFile f;
    unsigned off;
    clang_getFileLocation(loc, &f, NULL, NULL, &off);
    if (!f || !clang_File_isEqual(f, fe->mainfile))
        return -1;
    return (long)off;
}

static char *cx_dup(Arena *a, CXString s)
{
    const char *c = clang_getCString(s);
    char *r = arena_strndup(a, c ? c : "", c ? strlen(c) : 0);
    clang_disposeString(s);
    return r;
}

/* ------------------------------------------------------------------ */
/* Type rendering                                                      */
/* ------------------------------------------------------------------ */

static const char *quals(CXType t)
{
    int c = clang_isConstQualifiedType(t), v = clang_isVolatileQualifiedType(t),
        r = clang_isRestrictQualifiedType(t);
    if (c && v)
        return r ? "const volatile restrict " : "const volatile ";
    if (c)
        return r ? "const restrict " : "const ";
    if (v)
        return r ? "volatile restrict " : "volatile ";
    return r ? "restrict " : "";
}

/* Drop leading "const " words of a spelled type. */
static const char *skip_const(const char *s)
{
    for (;;) {
        if (!strncmp(s, "const ", 6))
            s += 6;
        else if (!strncmp(s, "volatile const ", 15)) /* keep volatile */
            return s; /* rare; leave untouched */
        else
            return s;
    }
}

static char *decl_rec(Arena *a, CXType t, const char *inner, int strip,
                      const char **why)
{
    switch (t.kind) {
    case CXType_Pointer: {
        CXType p = clang_getPointeeType(t);
        const char *q = strip ? "" : quals(t);
        const char *in = arena_printf(a, "*%s%s", q, inner);
        if (p.kind == CXType_ConstantArray || p.kind == CXType_IncompleteArray ||
            p.kind == CXType_FunctionProto || p.kind == CXType_FunctionNoProto)
            in = arena_printf(a, "(%s)", in);
        return decl_rec(a, p, in, 0, why);
    }
    case CXType_ConstantArray:
        return decl_rec(a, clang_getArrayElementType(t),
                        arena_printf(a, "%s[%lld]", inner, clang_getArraySize(t)),
                        strip, why);
    case CXType_IncompleteArray:
        return decl_rec(a, clang_getArrayElementType(t),
                        arena_printf(a, "%s[]", inner), strip, why);
    case CXType_VariableArray:
    case CXType_DependentSizedArray:
        *why = "a variable-length array";
        return NULL;
    case CXType_FunctionNoProto:
        return decl_rec(a, clang_getResultType(t), arena_printf(a, "%s()", inner),
                        0, why);
    case CXType_FunctionProto: {
        int n = clang_getNumArgTypes(t);
        char *params = n == 0 && !clang_isFunctionTypeVariadic(t) ? "void" : "";
        for (int i = 0; i < n; i++) {
            char *p = decl_rec(a, clang_getArgType(t, (unsigned)i), "", 0, why);
            if (!p)
                return NULL;
            params = arena_printf(a, "%s%s%s", params, i ? ", " : "", p);
        }
        if (clang_isFunctionTypeVariadic(t))
            params = arena_printf(a, "%s%s...", params, n ? ", " : "");
        return decl_rec(a, clang_getResultType(t),
                        arena_printf(a, "%s(%s)", inner, params), 0, why);
    }
    default: {
        CXString cs = clang_getTypeSpelling(t);
        const char *sp = clang_getCString(cs);
        char *r = NULL;
        if (strstr(sp, "(unnamed") || strstr(sp, "(anonymous")) {
            *why = "an unnamed struct, union or enum";
        } else {
            const char *s = strip ? skip_const(sp) : sp;
            /* A typedef of a const type is const without saying so; write
             * the canonical type instead so the member can be assigned. */
            if (strip && s == sp && clang_isConstQualifiedType(clang_getCanonicalType(t)) &&
                !clang_isConstQualifiedType(t)) {
                CXString c2 = clang_getTypeSpelling(clang_getCanonicalType(t));
                r = arena_printf(a, "%s%s%s", skip_const(clang_getCString(c2)),
                                 *inner ? " " : "", inner);
                clang_disposeString(c2);
            } else {
                r = arena_printf(a, "%s%s%s", s, *inner ? " " : "", inner);
            }
        }
        clang_disposeString(cs);
        return r;
    }
    }
}

char *front_decl_text(Arena *a, CXType t, const char *name, int strip_const,
                      const char **why)
{
    const char *dummy;
    return decl_rec(a, t, name, strip_const, why ? why : &dummy);
}

/* ------------------------------------------------------------------ */
/* Collecting                                                          */
/* ------------------------------------------------------------------ */

typedef struct MacroExp {
    unsigned start, end; /* main-file range of name .. ')' */
    const char *name;
    int fnlike;
    const char *alias;   /* single-keyword expansion */
    int is_type;
} MacroExp;

typedef struct Collect {
    Front *fe;
    int structs_only; /* second pass: frame structs declared before use */
    MacroExp *macros;
    int nmacros, capmacros;
    int errors;
} Collect;

static int is_form_name(const char *s)
{
    static const char *const forms[] = {"await", "gather", "to_thread", "spawn",
                                        "with_timeout", NULL};
    for (int i = 0; forms[i]; i++)
        if (!strcmp(s, forms[i]))
            return 1;
    return 0;
}

static int has_async_attr_visit_result;
static enum CXChildVisitResult find_async_attr(CXCursor c, CXCursor parent,
                                               CXClientData data)
{
    (void)parent;
    (void)data;
    if (clang_getCursorKind(c) == CXCursor_AnnotateAttr) {
        CXString s = clang_getCursorSpelling(c);
        if (!strcmp(clang_getCString(s), "asyncc_async"))
            has_async_attr_visit_result = 1;
        clang_disposeString(s);
    }
    return CXChildVisit_Continue;
}

static int is_async_decl(CXCursor fn)
{
    has_async_attr_visit_result = 0;
    clang_visitChildren(fn, find_async_attr, NULL);
    return has_async_attr_visit_result;
}

AsyncFn *front_fn_named(const Front *fe, const char *name, size_t len)
{
    for (int i = 0; i < fe->nfns; i++)
        if (strlen(fe->fns[i]->name) == len && !memcmp(fe->fns[i]->name, name, len))
            return fe->fns[i];
    return NULL;
}

static AsyncFn *fn_for(Front *fe, CXCursor c)
{
    CXString s = clang_getCursorSpelling(c);
    const char *name = clang_getCString(s);
    AsyncFn *fn = front_fn_named(fe, name, strlen(name));
    if (!fn) {
        fn = arena_alloc(fe->arena, sizeof *fn);
        fn->name = arena_strndup(fe->arena, name, strlen(name));
        fn->cursor = c;
        fn->type = clang_getCursorType(c);
        fn->ret = clang_getResultType(fn->type);
        fn->is_void = fn->ret.kind == CXType_Void;
        fn->is_static = clang_Cursor_getStorageClass(c) == CX_SC_Static;
        fn->variadic = fn->type.kind == CXType_FunctionProto &&
                       clang_isFunctionTypeVariadic(fn->type);
        fn->index = fe->nfns;
        GROW(fe->fns, fe->nfns, fe->capfns);
        fe->fns[fe->nfns++] = fn;
    }
    clang_disposeString(s);
    return fn;
}

static void add_repl(Front *fe, Repl r)
{
    GROW(fe->repls, fe->nrepls, fe->caprepls);
    fe->repls[fe->nrepls++] = r;
}

/* The text range of a declaration: clang's extent, plus a trailing ';'. */
static void decl_range(Front *fe, CXCursor c, unsigned *start, unsigned *end,
                       int want_semi)
{
    CXSourceRange r = clang_getCursorExtent(c);
    *start = (unsigned)main_off(fe, clang_getRangeStart(r));
    *end = (unsigned)main_off(fe, clang_getRangeEnd(r));
    if (want_semi) {
        unsigned e = *end;
        while (e < fe->src.len && (fe->src.text[e] == ' ' || fe->src.text[e] == '\t' ||
                                   fe->src.text[e] == '\n' || fe->src.text[e] == '\r'))
            e++;
        if (e < fe->src.len && fe->src.text[e] == ';')
            *end = e + 1;
    }
}

/* Does the main-file text at `off` spell the identifier `name`? */
static int spells(const Front *fe, unsigned off, const char *name)
{
    size_t n = strlen(name);
    if (off + n > fe->src.len || memcmp(fe->src.text + off, name, n))
        return 0;
    char c = off + n < fe->src.len ? fe->src.text[off + n] : ' ';
    return !(c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
             (c >= '0' && c <= '9'));
}

static void note_function(Collect *cl, CXCursor c)
{
    Front *fe = cl->fe;
    if (!is_async_decl(c))
        return;
    AsyncFn *fn = fn_for(fe, c);
    long off = main_off(fe, clang_getCursorLocation(c));
    if (!strcmp(fn->name, "main") && off >= 0) {
        diag_error(&fe->src, (size_t)off, "'main' cannot be async; call async_run from it");
        cl->errors++;
    }
    if (off < 0)
        return;
    if (!spells(fe, (unsigned)off, fn->name)) {
        diag_error(&fe->src, (size_t)off,
                   "async function '%s' comes from a macro expansion; write async "
                   "functions out, so that their bodies can be translated", fn->name);
        cl->errors++;
        return;
    }
    Repl r = {0};
    r.fn = fn;
    if (clang_isCursorDefinition(c)) {
        fn->cursor = c;
        fn->defined_here = 1;
        fn->type = clang_getCursorType(c);
        decl_range(fe, c, &fn->start, &fn->end, 0);
        r.kind = R_DEFINITION;
        r.start = fn->start;
        r.end = fn->end;
    } else {
        r.kind = R_PROTOTYPE;
        decl_range(fe, c, &r.start, &r.end, 1);
    }
    add_repl(fe, r);
}

static int all_type_words(CXToken *t, unsigned n, CXTranslationUnit tu)
{
    static const char *const words[] = {
        "void", "char", "short", "int", "long", "float", "double", "signed",
        "unsigned", "_Bool", "_Complex", "const", "volatile", "struct", "union",
        "enum", "__int128", NULL};
    if (n == 0)
        return 0;
    for (unsigned i = 0; i < n; i++) {
        CXString s = clang_getTokenSpelling(tu, t[i]);
        const char *w = clang_getCString(s);
        int ok = 0;
        for (int k = 0; words[k]; k++)
            if (!strcmp(w, words[k]))
                ok = 1;
        /* an identifier right after struct/union/enum is its tag */
        if (!ok && i > 0 && clang_getTokenKind(t[i]) == CXToken_Identifier) {
            CXString p = clang_getTokenSpelling(tu, t[i - 1]);
            const char *pw = clang_getCString(p);
            ok = !strcmp(pw, "struct") || !strcmp(pw, "union") || !strcmp(pw, "enum");
            clang_disposeString(p);
        }
        clang_disposeString(s);
        if (!ok)
            return 0;
    }
    return 1;
}

static void note_macro(Collect *cl, CXCursor c)
{
    Front *fe = cl->fe;
    CXSourceRange r = clang_getCursorExtent(c);
    long s = main_off(fe, clang_getRangeStart(r)), e = main_off(fe, clang_getRangeEnd(r));
    if (s < 0 || e < 0)
        return;
    MacroExp m = {0};
    m.start = (unsigned)s;
    m.end = (unsigned)e;
    m.name = cx_dup(fe->arena, clang_getCursorSpelling(c));
    CXCursor def = clang_getCursorReferenced(c);
    if (!clang_Cursor_isNull(def)) {
        m.fnlike = clang_Cursor_isMacroFunctionLike(def);
        if (!m.fnlike) {
            CXToken *toks;
            unsigned n;
            clang_tokenize(fe->tu, clang_getCursorExtent(def), &toks, &n);
            /* toks[0] is the macro's name; the rest its replacement. */
            if (n == 1) /* expands to nothing (zlib's `local`, `z_const`) */
                m.alias = "";
            else if (n == 2 && clang_getTokenKind(toks[1]) == CXToken_Keyword)
                m.alias = cx_dup(fe->arena, clang_getTokenSpelling(fe->tu, toks[1]));
            else if (n > 1)
                m.is_type = all_type_words(toks + 1, n - 1, fe->tu);
            clang_disposeTokens(fe->tu, toks, n);
        }
    }
    GROW(cl->macros, cl->nmacros, cl->capmacros);
    cl->macros[cl->nmacros++] = m;
}

static enum CXChildVisitResult visit_top(CXCursor c, CXCursor parent, CXClientData data)
{
    (void)parent;
    Collect *cl = data;
    switch (clang_getCursorKind(c)) {
    case CXCursor_FunctionDecl:
        if (!cl->structs_only)
            note_function(cl, c);
        break;
    case CXCursor_MacroExpansion:
        if (!cl->structs_only)
            note_macro(cl, c);
        break;
    case CXCursor_StructDecl:
        if (clang_isCursorDefinition(c)) {
            CXString s = clang_getCursorSpelling(c);
            const char *n = clang_getCString(s);
            size_t len = strlen(n);
            if (len > 7 && !strcmp(n + len - 7, "__frame")) {
                AsyncFn *fn = front_fn_named(cl->fe, n, len - 7);
                if (fn)
                    fn->frame_visible = 1;
            }
            clang_disposeString(s);
        }
        break;
    default:
        break;
    }
    return CXChildVisit_Continue;
}

/* ------------------------------------------------------------------ */
/* The body of one async definition                                    */
/* ------------------------------------------------------------------ */

typedef struct BodyCtx {
    Front *fe;
    const Collect *cl;
    AsyncFn *fn;
    CXCursor *local_cursors;
    int caplocals;
    OffMap typenames;
} BodyCtx;

static int local_index(BodyCtx *bc, CXCursor decl)
{
    for (int i = 0; i < bc->fn->nlocals; i++)
        if (clang_equalCursors(bc->local_cursors[i], decl))
            return i;
    return -1;
}

static void add_local(BodyCtx *bc, CXCursor c, int is_param)
{
    AsyncFn *fn = bc->fn;
    if (fn->nlocals == bc->caplocals) {
        bc->caplocals = bc->caplocals ? bc->caplocals * 2 : 16;
        bc->local_cursors = realloc(bc->local_cursors,
                                    sizeof *bc->local_cursors * (size_t)bc->caplocals);
        fn->locals = realloc(fn->locals, sizeof *fn->locals * (size_t)bc->caplocals);
        if (!bc->local_cursors || !fn->locals) {
            fputs("asyncc: out of memory\n", stderr);
            exit(1);
        }
    }
    Local *l = &fn->locals[fn->nlocals];
    memset(l, 0, sizeof *l);
    bc->local_cursors[fn->nlocals] = c;
    fn->nlocals++;
    l->name = cx_dup(bc->fe->arena, clang_getCursorSpelling(c));
    long off = main_off(bc->fe, clang_getCursorLocation(c));
    l->off = off < 0 ? 0 : (unsigned)off;
    l->type = clang_getCursorType(c);
    l->is_param = is_param;
    enum CX_StorageClass sc = clang_Cursor_getStorageClass(c);
    l->is_static = sc == CX_SC_Static || sc == CX_SC_Extern;
    /* A variable declared by a macro's expansion is the macro's business:
     * its text declares it in the output too, so it never joins the frame. */
    if (off >= 0 && !spells(bc->fe, (unsigned)off, l->name))
        l->is_static = 1;
    l->is_vla = l->type.kind == CXType_VariableArray;
    l->decays = is_param && (l->type.kind == CXType_ConstantArray ||
                             l->type.kind == CXType_IncompleteArray ||
                             l->type.kind == CXType_VariableArray);
    if (l->decays)
        l->is_vla = 0;
}

static void note_ref(BodyCtx *bc, CXCursor c)
{
    long off = main_off(bc->fe, clang_getCursorLocation(c));
    if (off < 0)
        return;
    CXCursor ref = clang_getCursorReferenced(c);
    enum CXCursorKind k = clang_getCursorKind(ref);
    if (k == CXCursor_VarDecl || k == CXCursor_ParmDecl) {
        int i = local_index(bc, ref);
        if (i < 0)
            return;
        if (spells(bc->fe, (unsigned)off, bc->fn->locals[i].name))
            offmap_put(&bc->fn->refs, (unsigned)off, i + 1);
        else /* the reference comes from a macro's body */
            offmap_put(&bc->fn->macro_refs, (unsigned)off, i + 1);
    } else if (k == CXCursor_FunctionDecl && is_async_decl(ref)) {
        AsyncFn *f = fn_for(bc->fe, ref);
        offmap_put(&bc->fn->refs, (unsigned)off, -(long)(f->index + 1));
    }
}

static const MacroExp *macro_at(const Collect *cl, unsigned off)
{
    int lo = 0, hi = cl->nmacros - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        if (cl->macros[mid].start == off)
            return &cl->macros[mid];
        if (cl->macros[mid].start < off)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return NULL;
}

static void note_expr(BodyCtx *bc, CXCursor c)
{
    CXSourceRange r = clang_getCursorExtent(c);
    long s = main_off(bc->fe, clang_getRangeStart(r));
    long e = main_off(bc->fe, clang_getRangeEnd(r));
    if (s < 0 || e < 0)
        return;
    /* An expression that is a macro expansion nested in another macro's
     * argument (MIX(a, b) inside to_thread(...)) has its end mapped to the
     * expansion's start; its real end is the invocation's ')'. */
    if (e <= s) {
        const MacroExp *m = macro_at(bc->cl, (unsigned)s);
        if (!m)
            return;
        e = m->end;
    }
    AsyncFn *fn = bc->fn;
    GROW(fn->types, fn->ntypes, fn->captypes);
    fn->types[fn->ntypes] = clang_getCursorType(c);
    /* Children are visited after their parents, so for ranges shared by
     * an implicit conversion and its operand the operand (innermost, with
     * its own type, e.g. an array before decay) wins. */
    offmap_put(&fn->exprs, ((unsigned long long)s << 32) | (unsigned long long)e,
               ++fn->ntypes);
    /* Likewise an expression whose last token comes from such a nested
     * expansion (`x ^ KSEED` inside to_thread(...)) ends, for clang, where
     * that expansion starts.  Record it under the expansion's end too,
     * unless a real expression already has that range (parents come
     * first, so one would). */
    const MacroExp *m = macro_at(bc->cl, (unsigned)e);
    if (m && m->end > (unsigned)e) {
        unsigned long long key = ((unsigned long long)s << 32) | m->end;
        if (!offmap_get(&fn->exprs, key))
            offmap_put(&fn->exprs, key, fn->ntypes);
    }
}

static enum CXChildVisitResult visit_body(CXCursor c, CXCursor parent, CXClientData data)
{
    (void)parent;
    BodyCtx *bc = data;
    enum CXCursorKind k = clang_getCursorKind(c);
    if (k == CXCursor_VarDecl)
        add_local(bc, c, 0);
    else if (k == CXCursor_DeclRefExpr)
        note_ref(bc, c);
    else if (k == CXCursor_TypeRef) {
        CXCursor ref = clang_getCursorReferenced(c);
        long off = main_off(bc->fe, clang_getCursorLocation(c));
        if (off >= 0 && clang_getCursorKind(ref) == CXCursor_TypedefDecl)
            offmap_put(&bc->typenames, (unsigned)off, 1);
    }
    if (clang_isExpression(k))
        note_expr(bc, c);
    return CXChildVisit_Recurse;
}

static enum CXChildVisitResult visit_params(CXCursor c, CXCursor parent, CXClientData data)
{
    (void)parent;
    BodyCtx *bc = data;
    if (clang_getCursorKind(c) == CXCursor_ParmDecl) {
        add_local(bc, c, 1);
        bc->fn->nparams++;
    }
    return CXChildVisit_Continue;
}

static enum CXChildVisitResult visit_find_body(CXCursor c, CXCursor parent,
                                               CXClientData data)
{
    (void)parent;
    if (clang_getCursorKind(c) == CXCursor_CompoundStmt) {
        *(CXCursor *)data = c;
        return CXChildVisit_Break;
    }
    return CXChildVisit_Continue;
}

int front_skipped(const Front *fe, unsigned off)
{
    for (int i = 0; i < fe->nskipped; i++)
        if (off >= fe->skipped[i][0] && off < fe->skipped[i][1])
            return 1;
    return 0;
}

unsigned front_directive_end(const Front *fe, unsigned off)
{
    const char *t = fe->src.text;
    if (off >= fe->src.len || t[off] != '#')
        return 0;
    for (unsigned b = off; b > 0 && t[b - 1] != '\n'; b--)
        if (t[b - 1] != ' ' && t[b - 1] != '\t')
            return 0; /* not first on its line: # or ## inside a macro use */
    unsigned e = off;
    while (e < fe->src.len && !(t[e] == '\n' && (e == 0 || t[e - 1] != '\\')))
        e++;
    return e;
}

static void collect_skipped(Front *fe)
{
    CXSourceRangeList *l = clang_getSkippedRanges(fe->tu, fe->mainfile);
    if (!l)
        return;
    fe->skipped = calloc(l->count + 1, sizeof *fe->skipped);
    if (!fe->skipped)
        exit(1);
    for (unsigned i = 0; i < l->count; i++) {
        long s = main_off(fe, clang_getRangeStart(l->ranges[i]));
        long e = main_off(fe, clang_getRangeEnd(l->ranges[i]));
        if (s >= 0 && e >= s) {
            fe->skipped[fe->nskipped][0] = (unsigned)s;
            fe->skipped[fe->nskipped++][1] = (unsigned)e;
        }
    }
    clang_disposeSourceRangeList(l);
}

/*
 * Raw tokens of main-file bytes [start, end).  Preprocessor directives and
 * the branches #if left out are not part of the token stream: the parser
 * sees the code as the compiler will, for the -D options given; lower.c
 * writes #define, #undef and #pragma lines back where they stood.
 */
int front_tokens(Front *fe, unsigned start, unsigned end, RawTok **out)
{
    CXSourceLocation b = clang_getLocationForOffset(fe->tu, fe->mainfile, start);
    CXSourceLocation e = clang_getLocationForOffset(fe->tu, fe->mainfile, end);
    CXToken *toks;
    unsigned n;
    clang_tokenize(fe->tu, clang_getRange(b, e), &toks, &n);
    RawTok *raw = arena_alloc(fe->arena, sizeof *raw * (n ? n : 1));
    int m = 0;
    unsigned directive_end = 0;
    for (unsigned i = 0; i < n; i++) {
        CXTokenKind k = clang_getTokenKind(toks[i]);
        if (k == CXToken_Comment)
            continue;
        CXSourceRange r = clang_getTokenExtent(fe->tu, toks[i]);
        long s = main_off(fe, clang_getRangeStart(r)), t = main_off(fe, clang_getRangeEnd(r));
        if (s < 0 || t < 0 || (unsigned)s < start || (unsigned)t > end)
            continue;
        if ((unsigned)s < directive_end || front_skipped(fe, (unsigned)s))
            continue;
        unsigned de = front_directive_end(fe, (unsigned)s);
        if (de) {
            directive_end = de;
            continue;
        }
        raw[m].off = (unsigned)s;
        raw[m].len = (unsigned)(t - s);
        raw[m].ckind = (unsigned char)k;
        raw[m].macro_last = -1;
        m++;
    }
    clang_disposeTokens(fe->tu, toks, n);
    *out = raw;
    return m;
}

/* Mark type names and macro invocations among a body's raw tokens. */
static void annotate_tokens(Collect *cl, const OffMap *typenames, RawTok *raw, int n)
{
    for (int i = 0; i < n; i++) {
        RawTok *t = &raw[i];
        if (t->ckind != RT_IDENT)
            continue;
        if (offmap_get(typenames, t->off))
            t->flags |= RTF_TYPENAME;
        const MacroExp *m = macro_at(cl, t->off);
        if (!m)
            continue;
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

static void collect_body(Collect *cl, AsyncFn *fn)
{
    BodyCtx bc = {.fe = cl->fe, .cl = cl, .fn = fn};
    clang_visitChildren(fn->cursor, visit_params, &bc);
    CXCursor body = clang_getNullCursor();
    clang_visitChildren(fn->cursor, visit_find_body, &body);
    if (clang_Cursor_isNull(body))
        return;
    CXSourceRange r = clang_getCursorExtent(body);
    fn->body_start = (unsigned)main_off(cl->fe, clang_getRangeStart(r));
    fn->body_end = (unsigned)main_off(cl->fe, clang_getRangeEnd(r));
    const Source *src = &cl->fe->src;
    if (fn->body_start >= src->len || src->text[fn->body_start] != '{' ||
        fn->body_end == 0 || src->text[fn->body_end - 1] != '}') {
        diag_error(src, fn->start,
                   "async function '%s' comes from a macro expansion; write async "
                   "functions out, so that their bodies can be translated", fn->name);
        cl->errors++;
        fn->nraw = 0;
        return;
    }
    clang_visitChildren(body, visit_body, &bc);
    fn->nraw = front_tokens(cl->fe, fn->body_start, fn->body_end, &fn->raw);
    annotate_tokens(cl, &bc.typenames, fn->raw, fn->nraw);
    offmap_free(&bc.typenames);
    free(bc.local_cursors);
}

typedef struct TopRanges {
    Front *fe;
    unsigned *start, *end;
    int n, cap;
} TopRanges;

static enum CXChildVisitResult visit_top_range(CXCursor c, CXCursor parent, CXClientData d)
{
    (void)parent;
    TopRanges *t = d;
    if (clang_isDeclaration(clang_getCursorKind(c))) {
        CXSourceRange r = clang_getCursorExtent(c);
        long s = main_off(t->fe, clang_getRangeStart(r)), e = main_off(t->fe, clang_getRangeEnd(r));
        if (s >= 0 && e >= 0) {
            if (t->n == t->cap) {
                t->cap = t->cap ? t->cap * 2 : 64;
                t->start = realloc(t->start, sizeof *t->start * (size_t)t->cap);
                t->end = realloc(t->end, sizeof *t->end * (size_t)t->cap);
                if (!t->start || !t->end)
                    exit(1);
            }
            t->start[t->n] = (unsigned)s;
            t->end[t->n++] = (unsigned)e;
        }
    }
    return CXChildVisit_Continue;
}

/* Start of the top-level declaration that contains `off`. */
static unsigned top_start_of(const TopRanges *t, unsigned off)
{
    unsigned best = 0;
    for (int i = 0; i < t->n; i++)
        if (t->start[i] <= off && off < t->end[i] && t->start[i] >= best)
            best = t->start[i];
    return best;
}

/* async_run(...) in ordinary code, and the forms where they may not be. */
static void check_macros(Collect *cl)
{
    Front *fe = cl->fe;
    TopRanges tops = {.fe = fe};
    clang_visitChildren(clang_getTranslationUnitCursor(fe->tu), visit_top_range, &tops);
    for (int i = 0; i < cl->nmacros; i++) {
        const MacroExp *m = &cl->macros[i];
        int in_async = 0;
        for (int k = 0; k < fe->nrepls; k++)
            if (fe->repls[k].kind == R_DEFINITION && m->start >= fe->repls[k].start &&
                m->start < fe->repls[k].end)
                in_async = 1;
        if (in_async)
            continue; /* the parser sees these */
        if (is_form_name(m->name)) {
            diag_error(&fe->src, m->start, "%s outside an async function", m->name);
            cl->errors++;
        } else if (!strcmp(m->name, "async_run")) {
            Repl r = {0};
            r.kind = R_RUN;
            r.start = m->start;
            r.end = m->end;
            r.nraw = front_tokens(fe, m->start, m->end, &r.raw);
            r.top_start = top_start_of(&tops, m->start);
            annotate_tokens(cl, &(OffMap){0}, r.raw, r.nraw);
            add_repl(fe, r);
        }
    }
    free(tops.start);
    free(tops.end);
}

/* ------------------------------------------------------------------ */
/* Clang's own diagnostics                                             */
/* ------------------------------------------------------------------ */

static int report_clang_errors(Front *fe)
{
    int errors = 0;
    unsigned n = clang_getNumDiagnostics(fe->tu);
    for (unsigned i = 0; i < n; i++) {
        CXDiagnostic d = clang_getDiagnostic(fe->tu, i);
        if (clang_getDiagnosticSeverity(d) >= CXDiagnostic_Error) {
            CXFile f;
            unsigned line, col, off;
            clang_getFileLocation(clang_getDiagnosticLocation(d), &f, &line, &col, &off);
            CXString msg = clang_getDiagnosticSpelling(d);
            CXString fname = clang_getFileName(f);
            const char *path = clang_getCString(fname);
            size_t size = 0;
            const char *text = f ? clang_getFileContents(fe->tu, f, &size) : NULL;
            const char *bol = NULL;
            size_t len = 0;
            if (text && off <= size) {
                bol = text + off - (col - 1);
                while (bol + len < text + size && bol[len] != '\n')
                    len++;
            }
            if (f && clang_File_isEqual(f, fe->mainfile))
                path = fe->src.path;
            diag_error_at(path ? path : "<unknown>", line, col, bol, len, "%s",
                          clang_getCString(msg));
            clang_disposeString(fname);
            clang_disposeString(msg);
            errors++;
        }
        clang_disposeDiagnostic(d);
    }
    return errors;
}

static void note_inclusion(CXFile inc, CXSourceLocation *stack, unsigned len,
                           CXClientData data)
{
    (void)stack;
    (void)len;
    Front *fe = data;
    CXString s = clang_getFileName(inc);
    const char *name = clang_getCString(s);
    if (name) {
        GROW(fe->deps, fe->ndeps, fe->capdeps);
        fe->deps[fe->ndeps++] = arena_strndup(fe->arena, name, strlen(name));
    }
    clang_disposeString(s);
}

static int cmp_repl(const void *a, const void *b)
{
    const Repl *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

static void sort_repls(Front *fe)
{
    if (fe->nrepls > 1)
        qsort(fe->repls, (size_t)fe->nrepls, sizeof *fe->repls, cmp_repl);
}

static int cmp_macro(const void *a, const void *b)
{
    const MacroExp *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

int front_parse(Front *fe, const char *path, const char *const *args, int nargs)
{
    FILE *probe = fopen(path, "r");
    if (!probe) {
        diag_error_at(path, 1, 1, NULL, 0, "cannot read this file: %s", strerror(errno));
        return -1;
    }
    fclose(probe);
    fe->index = clang_createIndex(0, 0);
    enum CXErrorCode ec = clang_parseTranslationUnit2(
        fe->index, path, args, nargs, NULL, 0,
        CXTranslationUnit_DetailedPreprocessingRecord, &fe->tu);
    if (ec != CXError_Success || !fe->tu) {
        diag_error_at(path, 1, 1, NULL, 0, "cannot read or parse this file (libclang error %d)",
                      (int)ec);
        return -1;
    }
    fe->mainfile = clang_getFile(fe->tu, path);
    size_t size = 0;
    const char *text = fe->mainfile ? clang_getFileContents(fe->tu, fe->mainfile, &size) : NULL;
    if (!text) {
        diag_error_at(path, 1, 1, NULL, 0, "cannot read this file");
        return -1;
    }
    fe->src.path = path;
    fe->src.text = arena_strndup(fe->arena, text, size);
    fe->src.len = size;
    source_index(&fe->src);
    if (report_clang_errors(fe))
        return -1;
    clang_getInclusions(fe->tu, note_inclusion, fe);
    collect_skipped(fe);

    Collect cl = {.fe = fe};
    clang_visitChildren(clang_getTranslationUnitCursor(fe->tu), visit_top, &cl);
    if (cl.nmacros > 1)
        qsort(cl.macros, (size_t)cl.nmacros, sizeof *cl.macros, cmp_macro);
    /* A frame struct may be declared before the function it belongs to. */
    clang_visitChildren(clang_getTranslationUnitCursor(fe->tu), visit_top,
                        &(Collect){.fe = fe, .structs_only = 1});
    for (int i = 0; i < fe->nfns; i++)
        if (fe->fns[i]->defined_here)
            collect_body(&cl, fe->fns[i]);
    sort_repls(fe);
    check_macros(&cl);
    sort_repls(fe);
    free(cl.macros);
    return cl.errors ? -1 : 0;
}

void front_dispose(Front *fe)
{
    for (int i = 0; i < fe->nfns; i++) {
        AsyncFn *fn = fe->fns[i];
        offmap_free(&fn->refs);
        offmap_free(&fn->exprs);
        offmap_free(&fn->macro_refs);
        free(fn->types);
        free(fn->locals);
    }
    free(fe->fns);
    free(fe->repls);
    free(fe->deps);
    free(fe->skipped);
    source_free(&fe->src);
    if (fe->tu)
        clang_disposeTranslationUnit(fe->tu);
    if (fe->index)
        clang_disposeIndex(fe->index);
}

/* ------------------------------------------------------------------ */
/* Lookups                                                             */
/* ------------------------------------------------------------------ */

int front_local_at(const AsyncFn *fn, unsigned off)
{
    long v = offmap_get(&fn->refs, off);
    return v > 0 ? (int)v - 1 : -1;
}

AsyncFn *front_fn_at(const Front *fe, const AsyncFn *fn, unsigned off)
{
    long v = offmap_get(&fn->refs, off);
    return v < 0 ? fe->fns[-v - 1] : NULL;
}

int front_expr_type(const AsyncFn *fn, unsigned start, unsigned end, CXType *out)
{
    long v = offmap_get(&fn->exprs, ((unsigned long long)start << 32) | end);
    if (!v)
        return -1;
    *out = fn->types[v - 1];
    return 0;
}
