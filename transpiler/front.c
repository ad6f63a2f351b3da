/*
 * front.c - stage 1: libclang reads the .ac file as C and we keep the facts
 * the later stages need (front.h says which).
 *
 * asyncc.h, read without __ASYNCC_OUTPUT__, turns `async` into an annotate
 * attribute, `await` into nothing and the forms into plain C of the right
 * type, so clang type-checks an .ac file like any C file.  One walk over
 * the translation unit's top level finds the async functions, the macro
 * invocations and the frame structs of hand-written coroutines; a walk over
 * each async body records its locals, what its identifiers refer to and the
 * type of every expression.  Everything is keyed by byte offsets in the
 * file and looked up in hash maps, so the cost grows with the file, not
 * with its square.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "front_int.h"

/* ------------------------------------------------------------------ */
/* Locations                                                           */
/* ------------------------------------------------------------------ */

long front_main_off(const Front *fe, CXSourceLocation loc)
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

/* Does the file's text at `off` spell the identifier `name`?  (Not when
 * the cursor comes from a macro's expansion.) */
static int spells(const Front *fe, unsigned off, const char *name)
{
    size_t n = strlen(name);
    if (off + n > fe->src.len || memcmp(fe->src.text + off, name, n))
        return 0;
    char c = off + n < fe->src.len ? fe->src.text[off + n] : ' ';
    return !(c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
             (c >= '0' && c <= '9'));
}

/* ------------------------------------------------------------------ */
/* Async functions                                                     */
/* ------------------------------------------------------------------ */

int front_is_form_name(const char *s)
{
    static const char *const forms[] = {"await", "gather", "to_thread", "spawn",
                                        "with_timeout", NULL};
    for (int i = 0; forms[i]; i++)
        if (!strcmp(s, forms[i]))
            return 1;
    return 0;
}

static enum CXChildVisitResult find_async_attr(CXCursor c, CXCursor parent,
                                               CXClientData data)
{
    (void)parent;
    if (clang_getCursorKind(c) == CXCursor_AnnotateAttr) {
        CXString s = clang_getCursorSpelling(c);
        if (!strcmp(clang_getCString(s), "asyncc_async"))
            *(int *)data = 1;
        clang_disposeString(s);
    }
    return CXChildVisit_Continue;
}

int front_is_async(CXCursor fn)
{
    int found = 0;
    clang_visitChildren(fn, find_async_attr, &found);
    return found;
}

AsyncFn *front_fn_named(const Front *fe, const char *name, size_t len)
{
    long v = strmap_get(&fe->fn_by_name, name, len);
    return v ? fe->fns[v - 1] : NULL;
}

static AsyncFn *fn_for(Front *fe, CXCursor c)
{
    CXString s = clang_getCursorSpelling(c);
    const char *name = clang_getCString(s);
    AsyncFn *fn = front_fn_named(fe, name, strlen(name));
    if (!fn) {
        fn = arena_alloc(fe->arena, sizeof *fn);
        fn->name = arena_strndup(fe->arena, name, strlen(name));
        fn->type = clang_getCursorType(c);
        fn->ret = clang_getResultType(fn->type);
        fn->is_void = fn->ret.kind == CXType_Void;
        fn->is_static = clang_Cursor_getStorageClass(c) == CX_SC_Static;
        fn->variadic = fn->type.kind == CXType_FunctionProto &&
                       clang_isFunctionTypeVariadic(fn->type);
        fn->index = fe->nfns;
        GROW(fe->fns, fe->nfns, fe->capfns);
        fe->fns[fe->nfns++] = fn;
        strmap_put(&fe->fn_by_name, fn->name, strlen(fn->name), fn->index + 1);
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
    *start = (unsigned)front_main_off(fe, clang_getRangeStart(r));
    *end = (unsigned)front_main_off(fe, clang_getRangeEnd(r));
    if (want_semi) {
        unsigned e = *end;
        while (e < fe->src.len && (fe->src.text[e] == ' ' || fe->src.text[e] == '\t' ||
                                   fe->src.text[e] == '\n' || fe->src.text[e] == '\r'))
            e++;
        if (e < fe->src.len && fe->src.text[e] == ';')
            *end = e + 1;
    }
}

/* Definitions found by the top-level walk, visited once it is over. */
typedef struct Found {
    AsyncFn *fn;
    CXCursor cursor;
} Found;

typedef struct Collect {
    FrontCtx *fc;
    Found *defs;          /* async definitions                            */
    int ndefs, capdefs;
    CXCursor *plain;      /* definitions of ordinary functions            */
    int nplain, capplain;
} Collect;

/* The async function a function declaration declares, or NULL.  A function
 * is referenced many times: whether it is async is looked at once (a hash
 * collision only costs a second look). */
static AsyncFn *async_fn_of(FrontCtx *fc, CXCursor decl)
{
    Front *fe = fc->fe;
    unsigned h = clang_hashCursor(decl);
    long v = offmap_get(&fc->fn_cache, h);
    AsyncFn *f = NULL;
    if (v > 0) {
        f = fe->fns[v - 1];
        CXString sp = clang_getCursorSpelling(decl);
        if (strcmp(clang_getCString(sp), f->name))
            v = 0, f = NULL;
        clang_disposeString(sp);
    }
    if (!v) {
        f = front_is_async(decl) ? fn_for(fe, decl) : NULL;
        offmap_put(&fc->fn_cache, h, f ? f->index + 1 : -1);
    }
    return f;
}

static void note_function(Collect *cl, CXCursor c)
{
    FrontCtx *fc = cl->fc;
    Front *fe = fc->fe;
    if (!front_is_async(c)) {
        if (clang_isCursorDefinition(c) && clang_Location_isFromMainFile(clang_getCursorLocation(c))) {
            GROW(cl->plain, cl->nplain, cl->capplain);
            cl->plain[cl->nplain++] = c;
        }
        return;
    }
    AsyncFn *fn = fn_for(fe, c);
    long off = front_main_off(fe, clang_getCursorLocation(c));
    if (!strcmp(fn->name, "main") && off >= 0) {
        diag_error(&fe->src, (size_t)off, "'main' cannot be async; call async_run from it");
        fc->errors++;
    }
    if (off < 0)
        return;
    if (fc->may_expand && clang_isCursorDefinition(c)) {
        unsigned s, e; /* a macro's expansion? front_expand.c writes it out */
        decl_range(fe, c, &s, &e, 0);
        if (!spells(fe, (unsigned)off, fn->name) || e == 0 || e > fe->src.len ||
            fe->src.text[e - 1] != '}') {
            GROW(fc->macro_made, fc->nmacro_made, fc->capmacro_made);
            fc->macro_made[fc->nmacro_made++] = s;
            return;
        }
    }
    if (!spells(fe, (unsigned)off, fn->name)) {
        diag_error(&fe->src, (size_t)off,
                   "async function '%s' comes from a macro expansion; write async "
                   "functions out, so that their bodies can be translated", fn->name);
        fc->errors++;
        return;
    }
    Repl r = {0};
    r.fn = fn;
    if (clang_isCursorDefinition(c)) {
        fn->defined_here = 1;
        fn->type = clang_getCursorType(c);
        fn->name_off = (unsigned)off;
        decl_range(fe, c, &fn->start, &fn->end, 0);
        r.kind = R_DEFINITION;
        r.start = fn->start;
        r.end = fn->end;
        GROW(cl->defs, cl->ndefs, cl->capdefs);
        cl->defs[cl->ndefs++] = (Found){fn, c};
    } else {
        r.kind = R_PROTOTYPE;
        decl_range(fe, c, &r.start, &r.end, 1);
    }
    add_repl(fe, r);
}

/* ------------------------------------------------------------------ */
/* Macro invocations                                                   */
/* ------------------------------------------------------------------ */

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

/* A macro definition, worked out once: what an object-like macro's
 * expansions are (one keyword, nothing, type words), and the identifiers
 * its replacement list spells. */
int front_macro_def(FrontCtx *fc, CXCursor def)
{
    Front *fe = fc->fe;
    unsigned h = clang_hashCursor(def);
    long i = offmap_get(&fc->def_by_hash, h);
    if (i && clang_equalCursors(fc->defs[i - 1].def, def))
        return (int)i - 1;
    for (int k = 0; i && k < fc->ndefs; k++) /* a hash collision: rare */
        if (clang_equalCursors(fc->defs[k].def, def))
            return k;
    MacroDef m = {.def = def};
    CXToken *toks;
    unsigned n;
    clang_tokenize(fe->tu, clang_getCursorExtent(def), &toks, &n);
    /* toks[0] is the macro's name; the rest its parameters and replacement. */
    if (n == 1) /* expands to nothing (zlib's `local`, `z_const`) */
        m.alias = "";
    else if (n == 2 && clang_getTokenKind(toks[1]) == CXToken_Keyword)
        m.alias = cx_dup(fe->arena, clang_getTokenSpelling(fe->tu, toks[1]));
    else if (n > 1)
        m.is_type = all_type_words(toks + 1, n - 1, fe->tu);
    m.idents = arena_alloc(fe->arena, sizeof *m.idents * (n + 1));
    for (unsigned k = 1; k < n; k++) {
        CXTokenKind kind = clang_getTokenKind(toks[k]);
        if (kind == CXToken_Identifier || kind == CXToken_Keyword)
            m.idents[m.nidents++] = cx_dup(fe->arena, clang_getTokenSpelling(fe->tu, toks[k]));
    }
    clang_disposeTokens(fe->tu, toks, n);
    GROW(fc->defs, fc->ndefs, fc->capdefs);
    fc->defs[fc->ndefs] = m;
    if (!i)
        offmap_put(&fc->def_by_hash, h, fc->ndefs + 1);
    return fc->ndefs++;
}

static void note_macro(FrontCtx *fc, CXCursor c)
{
    Front *fe = fc->fe;
    /* most expansions are in headers: a cheap test first */
    if (!clang_Location_isFromMainFile(clang_getCursorLocation(c)))
        return;
    CXSourceRange r = clang_getCursorExtent(c);
    long s = front_main_off(fe, clang_getRangeStart(r));
    long e = front_main_off(fe, clang_getRangeEnd(r));
    if (s < 0 || e < 0)
        return;
    MacroExp m = {0};
    m.start = (unsigned)s;
    m.end = (unsigned)e;
    m.name = cx_dup(fe->arena, clang_getCursorSpelling(c));
    m.def = -1;
    CXCursor def = clang_getCursorReferenced(c);
    if (!clang_Cursor_isNull(def)) {
        m.fnlike = clang_Cursor_isMacroFunctionLike(def);
        m.def = front_macro_def(fc, def);
        if (!m.fnlike) {
            m.alias = fc->defs[m.def].alias;
            m.is_type = fc->defs[m.def].is_type;
        }
    }
    GROW(fc->macros, fc->nmacros, fc->capmacros);
    fc->macros[fc->nmacros++] = m;
}

/* Every macro name the file (and what it includes) defines, and for each
 * the cursor of its last definition. */
static void note_macro_definition(FrontCtx *fc, CXCursor c)
{
    Front *fe = fc->fe;
    CXString s = clang_getCursorSpelling(c);
    const char *name = clang_getCString(s);
    size_t len = strlen(name);
    long v = strmap_get(&fe->macro_names, name, len);
    if (!v) {
        GROW(fc->defnames, fc->ndefnames, fc->capdefnames);
        fc->defnames[fc->ndefnames] = c;
        strmap_put(&fe->macro_names, arena_strndup(fe->arena, name, len), len,
                   ++fc->ndefnames);
    } else {
        fc->defnames[v - 1] = c; /* a redefinition: the later one counts */
    }
    clang_disposeString(s);
}

/*
 * The identifiers that the macros used in fn's body spell, through the
 * macros those use in turn.  Lowering gives a frame local a macro of its
 * own name only when no other macro could expand to that name.
 */
static void macro_idents(FrontCtx *fc, AsyncFn *fn)
{
    Front *fe = fc->fe;
    int *work = NULL, nwork = 0, capwork = 0;
    int capseen = fc->ndefs + 16;
    unsigned char *seen = calloc((size_t)capseen, 1);
    if (!seen)
        exit(1);
    int lo = 0, hi = fc->nmacros;
    while (lo < hi) { /* the first expansion in the body */
        int mid = (lo + hi) / 2;
        if (fc->macros[mid].start < fn->body_start)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (int i = lo; i < fc->nmacros && fc->macros[i].start < fn->body_end; i++) {
        int d = fc->macros[i].def;
        if (d >= 0 && !seen[d]) {
            seen[d] = 1;
            GROW(work, nwork, capwork);
            work[nwork++] = d;
        }
    }
    while (nwork > 0) {
        const MacroDef *m = &fc->defs[work[--nwork]];
        for (int k = 0; k < m->nidents; k++) {
            const char *id = m->idents[k];
            size_t len = strlen(id);
            strmap_put(&fn->macro_idents, id, len, 1);
            long v = strmap_get(&fe->macro_names, id, len);
            if (!v)
                continue;
            int d = front_macro_def(fc, fc->defnames[v - 1]);
            if (d >= capseen) { /* a definition seen for the first time */
                int cap = capseen * 2 > d + 1 ? capseen * 2 : d + 1;
                seen = realloc(seen, (size_t)cap);
                if (!seen)
                    exit(1);
                memset(seen + capseen, 0, (size_t)(cap - capseen));
                capseen = cap;
            }
            if (!seen[d]) {
                seen[d] = 1;
                GROW(work, nwork, capwork);
                work[nwork++] = d;
            }
        }
    }
    free(work);
    free(seen);
}

typedef struct TopWalk {
    Collect *cl;
    int structs_only; /* second pass: frame structs declared before use */
} TopWalk;

static void note_frame_struct(Front *fe, CXCursor c)
{
    if (!clang_isCursorDefinition(c))
        return;
    CXString s = clang_getCursorSpelling(c);
    const char *n = clang_getCString(s);
    size_t len = strlen(n);
    if (len > 7 && !strcmp(n + len - 7, "__frame")) {
        AsyncFn *fn = front_fn_named(fe, n, len - 7);
        if (fn)
            fn->frame_visible = 1;
    }
    clang_disposeString(s);
}

static enum CXChildVisitResult visit_top(CXCursor c, CXCursor parent, CXClientData data)
{
    (void)parent;
    TopWalk *w = data;
    switch (clang_getCursorKind(c)) {
    case CXCursor_FunctionDecl:
        if (!w->structs_only)
            note_function(w->cl, c);
        break;
    case CXCursor_MacroExpansion:
        if (!w->structs_only)
            note_macro(w->cl->fc, c);
        break;
    case CXCursor_MacroDefinition:
        if (!w->structs_only)
            note_macro_definition(w->cl->fc, c);
        break;
    case CXCursor_StructDecl:
        if (w->structs_only)
            note_frame_struct(w->cl->fc->fe, c);
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
    FrontCtx *fc;
    AsyncFn *fn;
    unsigned (*wanted)[2];/* where expression types are needed, sorted    */
    int nwanted, capwanted;
    CXCursor *cursors;    /* of each local                                 */
    int cap;
    OffMap by_hash;       /* clang_hashCursor of a local -> index + 1      */
    OffMap typenames;     /* offsets of identifiers that name a typedef    */
} BodyCtx;

static int local_index(BodyCtx *bc, CXCursor decl)
{
    long i = offmap_get(&bc->by_hash, clang_hashCursor(decl));
    if (i && clang_equalCursors(bc->cursors[i - 1], decl))
        return (int)i - 1;
    for (int k = 0; i && k < bc->fn->nlocals; k++) /* a hash collision */
        if (clang_equalCursors(bc->cursors[k], decl))
            return k;
    return -1;
}

static void add_local(BodyCtx *bc, CXCursor c, int is_param)
{
    AsyncFn *fn = bc->fn;
    Front *fe = bc->fc->fe;
    if (fn->nlocals == bc->cap) {
        bc->cap = bc->cap ? bc->cap * 2 : 16;
        bc->cursors = realloc(bc->cursors, sizeof *bc->cursors * (size_t)bc->cap);
        fn->locals = realloc(fn->locals, sizeof *fn->locals * (size_t)bc->cap);
        if (!bc->cursors || !fn->locals) {
            fputs("asyncc: out of memory\n", stderr);
            exit(1);
        }
    }
    Local *l = &fn->locals[fn->nlocals];
    memset(l, 0, sizeof *l);
    bc->cursors[fn->nlocals] = c;
    if (!offmap_get(&bc->by_hash, clang_hashCursor(c)))
        offmap_put(&bc->by_hash, clang_hashCursor(c), fn->nlocals + 1);
    fn->nlocals++;
    l->name = cx_dup(fe->arena, clang_getCursorSpelling(c));
    long off = front_main_off(fe, clang_getCursorLocation(c));
    l->off = off < 0 ? 0 : (unsigned)off;
    l->type = clang_getCursorType(c);
    l->is_param = is_param;
    l->type_decl_off = -1;
    enum CX_StorageClass sc = clang_Cursor_getStorageClass(c);
    l->is_static = sc == CX_SC_Static || sc == CX_SC_Extern;
    /* A variable declared by a macro's expansion is the macro's business:
     * its text declares it in the output too, so it never joins the frame. */
    if (off >= 0 && !spells(fe, (unsigned)off, l->name))
        l->is_static = 1;
    else if (off >= 0)
        offmap_put(&fn->decls, (unsigned)off, fn->nlocals);
    l->is_vla = l->type.kind == CXType_VariableArray;
    l->is_array = type_is_array(l->type);
    l->decays = is_param && (l->is_array || l->type.kind == CXType_VariableArray);
    if (l->decays)
        l->is_vla = 0;
}

static void note_ref(BodyCtx *bc, CXCursor c)
{
    Front *fe = bc->fc->fe;
    long off = front_main_off(fe, clang_getCursorLocation(c));
    if (off < 0)
        return;
    CXCursor ref = clang_getCursorReferenced(c);
    enum CXCursorKind k = clang_getCursorKind(ref);
    if (k == CXCursor_VarDecl || k == CXCursor_ParmDecl) {
        int i = local_index(bc, ref);
        if (i < 0)
            return;
        if (spells(fe, (unsigned)off, bc->fn->locals[i].name))
            offmap_put(&bc->fn->refs, (unsigned)off, i + 1);
        else /* the reference comes from a macro's body */
            offmap_put(&bc->fn->macro_refs, (unsigned)off, i + 1);
    } else if (k == CXCursor_FunctionDecl) {
        AsyncFn *f = async_fn_of(bc->fc, ref);
        if (f)
            offmap_put(&bc->fn->refs, (unsigned)off, -(long)(f->index + 1));
    }
}

/*
 * Which expressions' types can lowering ask for?  Those of an expression
 * that contains an await (its operands may need temporaries, its lvalues
 * pointers, to_thread its function's type), of spawn's operands and of
 * compound literals.  The raw tokens tell where those are well enough:
 * around each await or other form, the
 * statement it stands in, from the previous `;`, `{` or `}` outside
 * parentheses to the next; and each `( type ) { ... }`.  Asking libclang
 * for the extent of every expression of the file would cost more than
 * parsing it.
 */
static void want(BodyCtx *bc, unsigned s, unsigned e)
{
    if (bc->nwanted && bc->wanted[bc->nwanted - 1][1] >= s) {
        if (e > bc->wanted[bc->nwanted - 1][1])
            bc->wanted[bc->nwanted - 1][1] = e;
        return;
    }
    GROW(bc->wanted, bc->nwanted, bc->capwanted);
    bc->wanted[bc->nwanted][0] = s;
    bc->wanted[bc->nwanted++][1] = e;
}

static int tok_is(const Source *src, const RawTok *t, char c)
{
    return t->ckind == RT_PUNCT && t->len == 1 && src->text[t->off] == c;
}

/* Index of the statement boundary before (dir -1) or after (dir 1) token
 * i: a ; { or } outside the parentheses around i; -1 or n at the ends. */
static int boundary(const Source *src, const RawTok *raw, int n, int i, int dir)
{
    int depth = 0;
    for (i += dir; i >= 0 && i < n; i += dir) {
        const RawTok *t = &raw[i];
        if (tok_is(src, t, dir > 0 ? '(' : ')') || tok_is(src, t, dir > 0 ? '[' : ']'))
            depth++;
        else if (tok_is(src, t, dir > 0 ? ')' : '(') || tok_is(src, t, dir > 0 ? ']' : '['))
            depth = depth > 0 ? depth - 1 : 0;
        else if (depth == 0 && (tok_is(src, t, ';') || tok_is(src, t, '{') ||
                                tok_is(src, t, '}')))
            return i;
    }
    return i;
}

static int spelled(const Source *src, const RawTok *t, const char *w)
{
    size_t n = strlen(w);
    return t->len == n && !memcmp(src->text + t->off, w, n);
}

static void find_wanted(BodyCtx *bc)
{
    const Source *src = &bc->fc->fe->src;
    const RawTok *raw = bc->fn->raw;
    int n = bc->fn->nraw;
    for (int i = 0; i < n; i++) {
        const RawTok *t = &raw[i];
        if (t->ckind == RT_IDENT &&
            (spelled(src, t, "await") || spelled(src, t, "spawn") ||
             spelled(src, t, "to_thread") || spelled(src, t, "gather") ||
             spelled(src, t, "with_timeout"))) {
            int a = boundary(src, raw, n, i, -1), b = boundary(src, raw, n, i, 1);
            want(bc, raw[a < 0 ? 0 : a].off, b < n ? raw[b].off + 1 : bc->fn->body_end);
        } else if (tok_is(src, t, '{') && i > 0 && tok_is(src, &raw[i - 1], ')')) {
            /* ( type ) { ...: a compound literal, unless the parentheses
             * belong to if/while/for/switch or a function-like macro */
            int depth = 0, j;
            for (j = i - 1; j >= 0; j--) {
                depth += tok_is(src, &raw[j], ')') - tok_is(src, &raw[j], '(');
                if (depth == 0)
                    break;
            }
            if (j <= 0 || raw[j - 1].ckind == RT_IDENT || tok_is(src, &raw[j - 1], ')') ||
                spelled(src, &raw[j - 1], "if") || spelled(src, &raw[j - 1], "while") ||
                spelled(src, &raw[j - 1], "for") || spelled(src, &raw[j - 1], "switch"))
                continue;
            int k = boundary(src, raw, n, i, 1); /* the literal's own `}` ... */
            for (depth = 0, k = i; k < n; k++) {
                depth += tok_is(src, &raw[k], '{') - tok_is(src, &raw[k], '}');
                if (depth == 0)
                    break;
            }
            want(bc, raw[j].off, k < n ? raw[k].off + 1 : bc->fn->body_end);
        }
    }
}

static int wanted_at(const BodyCtx *bc, unsigned off)
{
    int lo = 0, hi = bc->nwanted - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        if (bc->wanted[mid][1] <= off)
            lo = mid + 1;
        else if (bc->wanted[mid][0] > off)
            hi = mid - 1;
        else
            return 1;
    }
    return 0;
}

static enum CXChildVisitResult first_child(CXCursor c, CXCursor parent, CXClientData d)
{
    (void)parent;
    *(CXCursor *)d = c;
    return CXChildVisit_Break;
}

/* A call whose callee has an async function type: through a pointer, or
 * (sema tells) of a named async function.  *fn gets the function type. */
static int pointer_call(CXCursor call, Type *fn)
{
    CXCursor callee = clang_getNullCursor();
    clang_visitChildren(call, first_child, &callee);
    return !clang_Cursor_isNull(callee) && type_is_async_fn(clang_getCursorType(callee), fn);
}

static enum CXChildVisitResult visit_body(CXCursor c, CXCursor parent, CXClientData data)
{
    (void)parent;
    BodyCtx *bc = data;
    enum CXCursorKind k = clang_getCursorKind(c);
    Type fnt;
    if (k == CXCursor_CallExpr && pointer_call(c, &fnt)) {
        CXSourceRange r = clang_getCursorExtent(c);
        long s = front_main_off(bc->fc->fe, clang_getRangeStart(r));
        long e = front_main_off(bc->fc->fe, clang_getRangeEnd(r));
        if (s >= 0 && e > s) /* `f(a)(b)` and `f(a)` start alike */
            offmap_put(&bc->fn->ptr_calls, ((unsigned long long)s << 32) | (unsigned)e, 1);
    }
    if (k == CXCursor_VarDecl)
        add_local(bc, c, 0);
    else if (k == CXCursor_DeclRefExpr)
        note_ref(bc, c);
    else if (k == CXCursor_TypeRef) {
        CXCursor ref = clang_getCursorReferenced(c);
        long off = front_main_off(bc->fc->fe, clang_getCursorLocation(c));
        if (off >= 0 && clang_getCursorKind(ref) == CXCursor_TypedefDecl)
            offmap_put(&bc->typenames, (unsigned)off, 1);
    }
    if (clang_isExpression(k) && bc->nwanted) {
        long off = front_main_off(bc->fc->fe, clang_getCursorLocation(c));
        if (off >= 0 && wanted_at(bc, (unsigned)off))
            front_exprs_keep(bc->fn->exprs, c, (unsigned)off);
    }
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

/* Where each local's type is declared, when that is inside the body: such
 * a type is not visible to the frame struct at file scope. */
static void note_local_types(Front *fe, AsyncFn *fn)
{
    for (int i = 0; i < fn->nlocals; i++) {
        Local *l = &fn->locals[i];
        CXCursor td = clang_getTypeDeclaration(l->type);
        if (clang_getCursorKind(td) == CXCursor_NoDeclFound)
            continue;
        long off = front_main_off(fe, clang_getCursorLocation(td));
        if (off >= (long)fn->body_start && off < (long)fn->body_end)
            l->type_decl_off = off;
    }
}

static void collect_body(FrontCtx *fc, AsyncFn *fn, CXCursor cursor)
{
    Front *fe = fc->fe;
    BodyCtx bc = {.fc = fc, .fn = fn};
    clang_visitChildren(cursor, visit_params, &bc);
    CXCursor body = clang_getNullCursor();
    clang_visitChildren(cursor, visit_find_body, &body);
    if (clang_Cursor_isNull(body))
        goto out;
    CXSourceRange r = clang_getCursorExtent(body);
    fn->body_start = (unsigned)front_main_off(fe, clang_getRangeStart(r));
    fn->body_end = (unsigned)front_main_off(fe, clang_getRangeEnd(r));
    const Source *src = &fe->src;
    if (fn->body_start >= src->len || src->text[fn->body_start] != '{' ||
        fn->body_end == 0 || src->text[fn->body_end - 1] != '}') {
        diag_error(src, fn->start,
                   "async function '%s' comes from a macro expansion; write async "
                   "functions out, so that their bodies can be translated", fn->name);
        fc->errors++;
        fn->nraw = 0;
        goto out;
    }
    fn->nraw = front_tokens(fc, fn->body_start, fn->body_end, &fn->raw);
    fn->ntrivia = front_trivia(fc, fn->raw, fn->nraw, &fn->trivia);
    find_wanted(&bc);
    fn->exprs = front_exprs_new(fe);
    clang_visitChildren(body, visit_body, &bc);
    front_exprs_seal(fn->exprs);
    note_local_types(fe, fn);
    front_annotate(fc, &bc.typenames, fn->raw, fn->nraw);
out:
    free(bc.wanted);
    offmap_free(&bc.typenames);
    offmap_free(&bc.by_hash);
    free(bc.cursors);
}

/* ------------------------------------------------------------------ */
/* Ordinary functions: calls of async functions                        */
/* ------------------------------------------------------------------ */

/* A call of an async function in ordinary code is an error unless it is
 * the operand of async_run: sema decides, from the calls noted here. */
static enum CXChildVisitResult visit_plain(CXCursor c, CXCursor parent, CXClientData d)
{
    (void)parent;
    FrontCtx *fc = d;
    Front *fe = fc->fe;
    if (clang_getCursorKind(c) == CXCursor_DeclRefExpr) {
        CXCursor ref = clang_getCursorReferenced(c);
        AsyncFn *f = clang_getCursorKind(ref) == CXCursor_FunctionDecl ? async_fn_of(fc, ref)
                                                                       : NULL;
        long off = f ? front_main_off(fe, clang_getCursorLocation(c)) : -1;
        if (off >= 0) {
            GROW(fe->fnrefs, fe->nfnrefs, fe->capfnrefs);
            fe->fnrefs[fe->nfnrefs++] = (PlainCall){(unsigned)off, f, f->type};
        }
        return CXChildVisit_Recurse;
    }
    if (clang_getCursorKind(c) != CXCursor_CallExpr)
        return CXChildVisit_Recurse;
    CXCursor ref = clang_getCursorReferenced(c);
    AsyncFn *f = clang_getCursorKind(ref) == CXCursor_FunctionDecl ? async_fn_of(fc, ref) : NULL;
    Type fnt = type_int();
    if (!f && !pointer_call(c, &fnt))
        return CXChildVisit_Recurse;
    long off = front_main_off(fe, clang_getRangeStart(clang_getCursorExtent(c)));
    if (off >= 0) {
        GROW(fe->calls, fe->ncalls, fe->capcalls);
        fe->calls[fe->ncalls++] = (PlainCall){(unsigned)off, f, f ? f->type : fnt};
    }
    return CXChildVisit_Recurse;
}

/* ------------------------------------------------------------------ */
/* async_run, and forms outside async functions                        */
/* ------------------------------------------------------------------ */

typedef struct TopRanges {
    Front *fe;
    unsigned (*r)[2];     /* in file order: the walk visits them so       */
    int n, cap;
} TopRanges;

static enum CXChildVisitResult visit_top_range(CXCursor c, CXCursor parent, CXClientData d)
{
    (void)parent;
    TopRanges *t = d;
    if (clang_isDeclaration(clang_getCursorKind(c))) {
        CXSourceRange r = clang_getCursorExtent(c);
        long s = front_main_off(t->fe, clang_getRangeStart(r));
        long e = front_main_off(t->fe, clang_getRangeEnd(r));
        if (s >= 0 && e >= 0) {
            GROW(t->r, t->n, t->cap);
            t->r[t->n][0] = (unsigned)s;
            t->r[t->n++][1] = (unsigned)e;
        }
    }
    return CXChildVisit_Continue;
}

/* Start of the top-level declaration that contains `off`: the last one
 * that starts at or before it (top-level declarations do not overlap). */
static unsigned top_start_of(const TopRanges *t, unsigned off)
{
    int lo = 0, hi = t->n - 1, best = -1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        if (t->r[mid][0] <= off) {
            best = mid;
            lo = mid + 1;
        } else {
            hi = mid - 1;
        }
    }
    return best >= 0 && off < t->r[best][1] ? t->r[best][0] : 0;
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

/* async_run(...) in ordinary code, and the forms where they may not be.
 * Macros and definitions are both sorted by start, so one merge walk
 * tells which macros stand inside an async definition. */
static void check_macros(FrontCtx *fc)
{
    Front *fe = fc->fe;
    TopRanges tops = {.fe = fe};
    clang_visitChildren(clang_getTranslationUnitCursor(fe->tu), visit_top_range, &tops);
    int nrepls = fe->nrepls, k = 0;
    for (int i = 0; i < fc->nmacros; i++) {
        const MacroExp *m = &fc->macros[i];
        while (k < nrepls && (fe->repls[k].kind != R_DEFINITION || fe->repls[k].end <= m->start))
            k++;
        if (k < nrepls && m->start >= fe->repls[k].start)
            continue; /* inside an async definition: the parser sees these */
        if (front_is_form_name(m->name)) {
            diag_error(&fe->src, m->start, "%s outside an async function", m->name);
            fc->errors++;
        } else if (!strcmp(m->name, "async_run")) {
            GROW(fe->runs, fe->nruns, fe->capruns);
            Run *run = &fe->runs[fe->nruns];
            run->start = m->start;
            run->end = m->end;
            run->nraw = front_tokens(fc, m->start, m->end, &run->raw);
            run->top_start = top_start_of(&tops, m->start);
            front_annotate(fc, &(OffMap){0}, run->raw, run->nraw);
            add_repl(fe, (Repl){.kind = R_RUN, .start = m->start, .end = m->end,
                                .run = fe->nruns++});
        }
    }
    free(tops.r);
}

/* ------------------------------------------------------------------ */
/* Clang's own diagnostics                                             */
/* ------------------------------------------------------------------ */

/* Is d clang's warning about a function pointer of the wrong kind where
 * one side is async (asyncc.h marks async function types with the
 * preserve_most calling convention)?  That is an error of Async C. */
static int async_mismatch(CXDiagnostic d)
{
    CXString opt = clang_getDiagnosticOption(d, NULL);
    CXString msg = clang_getDiagnosticSpelling(d);
    int r = !strcmp(clang_getCString(opt), "-Wincompatible-function-pointer-types") &&
            strstr(clang_getCString(msg), "preserve_most") != NULL;
    clang_disposeString(opt);
    clang_disposeString(msg);
    return r;
}

/* clang's message, with its spelling of the async mark made readable. */
static char *message_of(Arena *a, CXDiagnostic d, int mismatch)
{
    CXString msg = clang_getDiagnosticSpelling(d);
    const char *m = clang_getCString(msg);
    Buf b = {0};
    if (mismatch)
        buf_puts(&b, "async and plain functions do not mix: ");
    static const char mark[] = " __attribute__((preserve_most))";
    for (const char *p = m; *p;) {
        const char *q = strstr(p, mark);
        if (!q) {
            buf_puts(&b, p);
            break;
        }
        buf_put(&b, p, (size_t)(q - p));
        buf_puts(&b, " /* async */");
        p = q + sizeof mark - 1;
    }
    char *r = arena_strndup(a, b.s ? b.s : "", b.len);
    buf_free(&b);
    clang_disposeString(msg);
    return r;
}

static int report_clang_errors(Front *fe)
{
    int errors = 0;
    unsigned n = clang_getNumDiagnostics(fe->tu);
    for (unsigned i = 0; i < n; i++) {
        CXDiagnostic d = clang_getDiagnostic(fe->tu, i);
        int mismatch = async_mismatch(d);
        if (clang_getDiagnosticSeverity(d) >= CXDiagnostic_Error || mismatch) {
            CXFile f;
            unsigned line, col, off;
            clang_getFileLocation(clang_getDiagnosticLocation(d), &f, &line, &col, &off);
            char *msg = message_of(fe->arena, d, mismatch);
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
            if (f && clang_File_isEqual(f, fe->mainfile)) /* maybe pasted text */
                diag_error(&fe->src, off, "%s", msg);
            else
                diag_error_at(path ? path : "<unknown>", line, col, bol, len, "%s", msg);
            clang_disposeString(fname);
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

static void collect_skipped(FrontCtx *fc)
{
    Front *fe = fc->fe;
    CXSourceRangeList *l = clang_getSkippedRanges(fe->tu, fe->mainfile);
    if (!l)
        return;
    fc->skipped = calloc(l->count + 1, sizeof *fc->skipped);
    if (!fc->skipped)
        exit(1);
    for (unsigned i = 0; i < l->count; i++) {
        long s = front_main_off(fe, clang_getRangeStart(l->ranges[i]));
        long e = front_main_off(fe, clang_getRangeEnd(l->ranges[i]));
        if (s >= 0 && e >= s) {
            fc->skipped[fc->nskipped][0] = (unsigned)s;
            fc->skipped[fc->nskipped++][1] = (unsigned)e;
        }
    }
    clang_disposeSourceRangeList(l);
}

static int cmp_macro(const void *a, const void *b)
{
    const MacroExp *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

static int cmp_range(const void *a, const void *b)
{
    const unsigned *x = a, *y = b;
    return x[0] < y[0] ? -1 : x[0] > y[0];
}

/* libclang parses the file (as `pasted` says it is, when not NULL). */
static int parse_tu(Front *fe, const char *path, const char *const *args, int nargs,
                    struct CXUnsavedFile *pasted)
{
    enum CXErrorCode ec = clang_parseTranslationUnit2(
        fe->index, path, args, nargs, pasted, pasted != NULL,
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
    return report_clang_errors(fe) ? -1 : 0;
}

static void forget(Front *fe);
static int collect(Front *fe, const char *path, const char *const *args, int nargs,
                   int may_expand);

static void free_ctx(FrontCtx *fc, Collect *cl)
{
    offmap_free(&fc->def_by_hash);
    free(fc->defs);
    free(fc->defnames);
    free(cl->defs);
    free(fc->macros);
    free(fc->skipped);
    free(fc->macro_made);
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
    if (parse_tu(fe, path, args, nargs, NULL) < 0)
        return -1;
    clang_getInclusions(fe->tu, note_inclusion, fe);

    FrontCtx hc = {.fe = fe};
    if (front_header_defs(&hc)) { /* front_paste.c */
        size_t len;
        SrcSeg *segs;
        unsigned nsegs;
        char *text = front_paste(&hc, args, nargs, &len, &segs, &nsegs);
        free(hc.header_defs);
        forget(fe);
        struct CXUnsavedFile pasted = {.Filename = path, .Contents = text, .Length = len};
        fe->src.segs = segs;
        fe->src.nsegs = nsegs;
        if (parse_tu(fe, path, args, nargs, &pasted) < 0)
            return -1;
    }
    return collect(fe, path, args, nargs, 1);
}

/* Everything front.h promises, from the parsed file.  With may_expand,
 * macros around awaits are expanded in the text first (front_expand.c),
 * and the file parsed again. */
static int collect(Front *fe, const char *path, const char *const *args, int nargs,
                   int may_expand)
{
    FrontCtx fc = {.fe = fe, .may_expand = may_expand};
    collect_skipped(&fc);
    if (fc.nskipped > 1)
        qsort(fc.skipped, (size_t)fc.nskipped, sizeof *fc.skipped, cmp_range);
    Collect cl = {.fc = &fc};
    TopWalk w = {.cl = &cl};
    CXCursor tu = clang_getTranslationUnitCursor(fe->tu);
    clang_visitChildren(tu, visit_top, &w);
    if (fc.nmacros > 1)
        qsort(fc.macros, (size_t)fc.nmacros, sizeof *fc.macros, cmp_macro);
    char *expanded = NULL;
    size_t len = 0;
    if (may_expand && !fc.errors) {
        unsigned(*defs)[2] = calloc((size_t)cl.ndefs + 1, sizeof *defs);
        if (!defs)
            exit(1);
        for (int i = 0; i < cl.ndefs; i++)
            defs[i][0] = cl.defs[i].fn->start, defs[i][1] = cl.defs[i].fn->end;
        expanded = front_expand(&fc, (const unsigned(*)[2])defs, cl.ndefs, &len);
        free(defs);
    }
    if (expanded || fc.errors) {
        offmap_free(&fc.fn_cache);
        free(cl.plain);
        free_ctx(&fc, &cl);
        if (fc.errors)
            return -1;
        forget(fe);
        struct CXUnsavedFile text = {.Filename = path, .Contents = expanded, .Length = len};
        if (parse_tu(fe, path, args, nargs, &text) < 0)
            return -1;
        return collect(fe, path, args, nargs, 0);
    }
    fe->macro_spans = xcalloc((size_t)fc.nmacros + 1, sizeof *fe->macro_spans);
    for (int i = 0; i < fc.nmacros; i++)
        fe->macro_spans[i][0] = fc.macros[i].start, fe->macro_spans[i][1] = fc.macros[i].end;
    fe->nmacro_spans = fc.nmacros;
    /* A frame struct may be declared before the function it belongs to. */
    w.structs_only = 1;
    clang_visitChildren(tu, visit_top, &w);
    for (int i = 0; i < cl.ndefs; i++) {
        collect_body(&fc, cl.defs[i].fn, cl.defs[i].cursor);
        macro_idents(&fc, cl.defs[i].fn);
    }
    for (int i = 0; i < cl.nplain; i++)
        clang_visitChildren(cl.plain[i], visit_plain, &fc);
    offmap_free(&fc.fn_cache);
    free(cl.plain);
    sort_repls(fe);
    check_macros(&fc);
    sort_repls(fe);
    free_ctx(&fc, &cl);
    return fc.errors ? -1 : 0;
}

/* Everything the file's translation unit told, but the headers it
 * depends on: the file is about to be parsed again, with headers pasted
 * in (front_paste.c). */
static void forget(Front *fe)
{
    for (int i = 0; i < fe->nfns; i++) {
        AsyncFn *fn = fe->fns[i];
        offmap_free(&fn->refs);
        offmap_free(&fn->decls);
        front_exprs_free(fn->exprs);
        offmap_free(&fn->macro_refs);
        offmap_free(&fn->ptr_calls);
        strmap_free(&fn->macro_idents);
        free(fn->locals);
    }
    strmap_free(&fe->fn_by_name);
    strmap_free(&fe->macro_names);
    free(fe->fns);
    free(fe->runs);
    free(fe->calls);
    free(fe->fnrefs);
    free(fe->repls);
    free(fe->macro_spans);
    source_free(&fe->src);
    if (fe->tu)
        clang_disposeTranslationUnit(fe->tu);
    Front keep = {.arena = fe->arena, .index = fe->index, .deps = fe->deps,
                  .ndeps = fe->ndeps, .capdeps = fe->capdeps,
                  .src = {.segs = fe->src.segs, .nsegs = fe->src.nsegs}};
    *fe = keep;
}

void front_dispose(Front *fe)
{
    forget(fe);
    free((void *)fe->src.segs);
    free(fe->deps);
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

int front_local_declared_at(const AsyncFn *fn, unsigned off)
{
    long v = offmap_get(&fn->decls, off);
    return v > 0 ? (int)v - 1 : -1;
}

AsyncFn *front_fn_at(const Front *fe, const AsyncFn *fn, unsigned off)
{
    long v = offmap_get(&fn->refs, off);
    return v < 0 ? fe->fns[-v - 1] : NULL;
}

