/*
 * front_paste.c - async functions defined in headers.
 *
 * A header may define async functions: the `static inline async` helpers
 * of a coroutine library.  Their bodies must be translated like the
 * file's own, and the translation must stand where the header's text
 * would: generated C cannot include the header, whose bodies still say
 * `await`.  So the front end pastes such headers into the file.  The
 * #include of a header that defines an async function, and of every
 * header on the way to one, is replaced by the header's text, and
 * libclang parses the result again as the file (front.c).  Every later
 * stage then sees one file.  The Source's segments (diag.h) say which
 * lines came from which header, so messages and #line directives name
 * the header's own lines.
 *
 * Only an #include that clang followed is replaced.  One it did not
 * follow -- the header's guard or #pragma once skipped the file, or the
 * directive stands where #if left code out -- becomes a blank line when
 * it names a pasted header: everything before it reads the same after
 * pasting, so the compiler would skip it again.  Each pasted header is
 * thus pasted once, and `#pragma once` in it becomes a blank line (in the
 * middle of a file it only draws a warning).
 *
 * In pasted text, a quoted #include that clang found next to the header
 * names the file by its path from the .ac file's directory instead
 * (generated C is compiled with that directory on the quote path:
 * asyncc-cc and the CMake function put it there), so it finds the same
 * file.  Headers without async definitions and on the way to none stay
 * #includes.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "front_int.h"

typedef struct PFile {
    CXFile cx;
    const char *name;     /* as clang found it: what messages say        */
    const char *real;     /* its canonical absolute path                  */
    const char *text;
    size_t len;
    int pasted;
} PFile;

typedef struct Paste {
    Front *fe;
    const char *const *args;
    int nargs;
    PFile *files;         /* files[0] is the .ac file                     */
    int nfiles, capfiles;
    OffMap edges;         /* includer << 32 | line -> included + 1       */
    int (*edge_list)[2];  /* (includer, included)                         */
    int nedge_list, capedge_list;
    const char *main_dir; /* canonical, without the trailing slash        */
    Buf out;
    SrcSeg *segs;
    unsigned nsegs, capsegs;
    unsigned line;        /* lines written to out so far                  */
    int *stack;           /* the files being pasted, innermost last      */
    int depth;
} Paste;

static char *canonical(Arena *a, const char *path)
{
    char buf[PATH_MAX];
    return realpath(path, buf) ? arena_strndup(a, buf, strlen(buf)) : NULL;
}

static int file_of(Paste *P, CXFile f)
{
    for (int i = 0; i < P->nfiles; i++)
        if (clang_File_isEqual(P->files[i].cx, f))
            return i;
    Arena *a = P->fe->arena;
    PFile pf = {.cx = f};
    CXString s = clang_getFileName(f);
    const char *name = clang_getCString(s);
    name = name ? name : "";
    while (name[0] == '.' && name[1] == '/') /* clang's "./headers/x.h" */
        name += 2;
    pf.name = arena_strndup(a, name, strlen(name));
    clang_disposeString(s);
    pf.real = canonical(a, pf.name);
    pf.text = clang_getFileContents(P->fe->tu, f, &pf.len);
    if (!pf.text)
        pf.text = "", pf.len = 0;
    GROW(P->files, P->nfiles, P->capfiles);
    P->files[P->nfiles] = pf;
    return P->nfiles++;
}

static int file_by_real(const Paste *P, const char *real)
{
    for (int i = 0; i < P->nfiles; i++)
        if (P->files[i].real && !strcmp(P->files[i].real, real))
            return i;
    return -1;
}

static void note_edge(CXFile inc, CXSourceLocation *stack, unsigned len, CXClientData data)
{
    Paste *P = data;
    if (len == 0)
        return; /* the .ac file itself */
    CXFile from;
    unsigned line;
    clang_getFileLocation(stack[0], &from, &line, NULL, NULL);
    if (!from)
        return;
    int a = file_of(P, from), b = file_of(P, inc);
    offmap_put(&P->edges, ((unsigned long long)a << 32) | line, b + 1);
    GROW(P->edge_list, P->nedge_list, P->capedge_list);
    P->edge_list[P->nedge_list][0] = a;
    P->edge_list[P->nedge_list++][1] = b;
}

/* ------------------------------------------------------------------ */
/* Directives                                                          */
/* ------------------------------------------------------------------ */

static const char *skip_blanks(const char *p, const char *e)
{
    while (p < e && (*p == ' ' || *p == '\t'))
        p++;
    return p;
}

/* After `#` and blanks: does [p, e) start with the word w? */
static const char *word(const char *p, const char *e, const char *w)
{
    size_t n = strlen(w);
    if ((size_t)(e - p) < n || memcmp(p, w, n))
        return NULL;
    p += n;
    if (p < e && (*p == '_' || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                  (*p >= '0' && *p <= '9')))
        return NULL;
    return p;
}

/* The directive keyword of line [p, e), or NULL; *rest: after it. */
static const char *directive(const char *p, const char *e, const char **rest)
{
    p = skip_blanks(p, e);
    if (p == e || *p != '#')
        return NULL;
    p = skip_blanks(p + 1, e);
    static const char *const kw[] = {"include_next", "include", "import", "pragma", NULL};
    for (int i = 0; kw[i]; i++)
        if ((*rest = word(p, e, kw[i])) != NULL)
            return kw[i];
    return NULL;
}

typedef struct Incl {
    char delim;           /* '"', '<', or 0 (a macro names the file)     */
    const char *nb, *ne;  /* the name between the delimiters              */
} Incl;

static int include_line(const char *p, const char *e, Incl *in)
{
    const char *rest;
    const char *kw = directive(p, e, &rest);
    if (!kw || !strcmp(kw, "pragma"))
        return 0;
    p = skip_blanks(rest, e);
    in->delim = 0;
    in->nb = in->ne = p;
    if (p < e && (*p == '"' || *p == '<')) {
        char close = *p == '"' ? '"' : '>';
        const char *q = memchr(p + 1, close, (size_t)(e - p - 1));
        if (q) {
            in->delim = *p;
            in->nb = p + 1;
            in->ne = q;
        }
    }
    return 1;
}

static int pragma_once(const char *p, const char *e)
{
    const char *rest;
    const char *kw = directive(p, e, &rest);
    if (!kw || strcmp(kw, "pragma"))
        return 0;
    p = word(skip_blanks(rest, e), e, "once");
    return p && skip_blanks(p, e) == e;
}

/* ------------------------------------------------------------------ */
/* Finding an included file                                            */
/* ------------------------------------------------------------------ */

static const char *dir_of(Arena *a, const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? arena_strndup(a, path, (size_t)(slash - path)) : ".";
}

/* dir/name, canonical, when it exists. */
static const char *look(Paste *P, const char *dir, const Incl *in)
{
    char *p = arena_printf(P->fe->arena, "%s/%.*s", dir, (int)(in->ne - in->nb), in->nb);
    return canonical(P->fe->arena, p);
}

/* The file an #include clang did not enter names: next to its includer
 * (quoted form), else in a directory of -I, -iquote or -isystem. */
static const char *find(Paste *P, int fi, const Incl *in)
{
    const char *r;
    if (in->delim == '"' && P->files[fi].real &&
        (r = look(P, dir_of(P->fe->arena, P->files[fi].real), in)))
        return r;
    for (int i = 0; i < P->nargs; i++) {
        const char *a = P->args[i], *dir = NULL;
        if (!strcmp(a, "-I") || !strcmp(a, "-iquote") || !strcmp(a, "-isystem"))
            dir = i + 1 < P->nargs ? P->args[++i] : NULL;
        else if (!strncmp(a, "-I", 2))
            dir = a + 2;
        if (dir && (r = look(P, dir, in)))
            return r;
    }
    return NULL;
}

/* `to` (canonical) as a path from `from_dir` (canonical). */
static const char *relative(Arena *a, const char *from_dir, const char *to)
{
    size_t common = 0;
    for (size_t i = 0; from_dir[i] && from_dir[i] == to[i]; i++)
        if (from_dir[i + 1] == '\0' ? to[i + 1] == '/' : from_dir[i + 1] == '/')
            common = i + 1;
    if (!strcmp(from_dir, "/"))
        common = 0;
    Buf b = {0};
    for (const char *p = from_dir + common; *p; p++)
        if (*p == '/')
            buf_puts(&b, "../");
    buf_puts(&b, to + common + (to[common] == '/'));
    char *r = arena_strndup(a, b.s, b.len);
    buf_free(&b);
    return r;
}

/* ------------------------------------------------------------------ */
/* Writing the pasted file                                             */
/* ------------------------------------------------------------------ */

/* The lines written next are lines `line`, `line`+1 ... of `path`. */
static void segment(Paste *P, const char *path, unsigned line)
{
    if (P->nsegs && P->segs[P->nsegs - 1].first == P->line + 1)
        P->nsegs--; /* nothing was written under the previous one */
    GROW(P->segs, P->nsegs, P->capsegs);
    P->segs[P->nsegs++] = (SrcSeg){P->line + 1, path, line};
}

static void put_line(Paste *P, const char *s, size_t n)
{
    buf_put(&P->out, s, n);
    buf_puts(&P->out, "\n");
    P->line++;
}

static void copy_file(Paste *P, int fi);

static int on_stack(const Paste *P, int fi)
{
    for (int i = 0; i < P->depth; i++)
        if (P->stack[i] == fi)
            return 1;
    return 0;
}

enum { KEEP = -1, DROP = -2 };

/* What to do with the #include on line `line` of file fi: paste a file
 * (its index), drop the line, rewrite the name (KEEP, and *real gets the
 * file) or keep it. */
static int include_target(Paste *P, int fi, unsigned line, const Incl *in, const char **real)
{
    long e = offmap_get(&P->edges, ((unsigned long long)fi << 32) | line);
    int to = e ? (int)e - 1 : -1;
    const char *r = to >= 0 ? P->files[to].real : in->delim ? find(P, fi, in) : NULL;
    *real = NULL;
    if (to >= 0 && P->files[to].pasted && !on_stack(P, to))
        return to;
    if (to < 0 && r && (to = file_by_real(P, r)) >= 0 && P->files[to].pasted)
        return DROP; /* not followed: skipped by its guard, or in #if 0 */
    /* a quoted include that was found next to a pasted header */
    if (fi != 0 && in->delim == '"' && r && P->files[fi].real) {
        const char *beside = look(P, dir_of(P->fe->arena, P->files[fi].real), in);
        if (beside && !strcmp(beside, r))
            *real = r;
    }
    return KEEP;
}

static void copy_file(Paste *P, int fi)
{
    const PFile *f = &P->files[fi];
    const char *p = f->text, *end = f->text + f->len;
    unsigned line = 1;
    segment(P, fi ? f->name : P->fe->src.path, 1);
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        Incl in;
        const char *real = NULL;
        int to = include_line(p, le, &in) ? include_target(P, fi, line, &in, &real) : KEEP;
        if (to >= 0) { /* the file in place of the line */
            P->stack[P->depth++] = to;
            copy_file(P, to);
            P->depth--;
            segment(P, fi ? f->name : P->fe->src.path, line + 1);
        } else if (to == DROP || (fi != 0 && pragma_once(p, le))) {
            put_line(P, "", 0);
        } else if (real) {
            const char *rel = relative(P->fe->arena, P->main_dir, real);
            buf_put(&P->out, p, (size_t)(in.nb - p));
            buf_puts(&P->out, rel);
            put_line(P, in.ne, (size_t)(le - in.ne));
        } else {
            put_line(P, p, (size_t)(le - p));
        }
        line++;
        p = nl ? nl + 1 : end;
    }
}

/* ------------------------------------------------------------------ */
/* The headers that define async functions                             */
/* ------------------------------------------------------------------ */

static enum CXChildVisitResult visit_defs(CXCursor c, CXCursor parent, CXClientData d)
{
    (void)parent;
    FrontCtx *fc = d;
    if (clang_getCursorKind(c) != CXCursor_FunctionDecl || !clang_isCursorDefinition(c))
        return CXChildVisit_Continue;
    CXSourceLocation loc = clang_getCursorLocation(c);
    if (clang_Location_isFromMainFile(loc) || !front_is_async(c))
        return CXChildVisit_Continue;
    CXFile f;
    clang_getFileLocation(loc, &f, NULL, NULL, NULL);
    if (f) {
        GROW(fc->header_defs, fc->nheader_defs, fc->capheader_defs);
        fc->header_defs[fc->nheader_defs++] = f;
    }
    return CXChildVisit_Continue;
}

int front_header_defs(FrontCtx *fc)
{
    clang_visitChildren(clang_getTranslationUnitCursor(fc->fe->tu), visit_defs, fc);
    return fc->nheader_defs;
}

char *front_paste(FrontCtx *fc, const char *const *args, int nargs, size_t *len,
                  SrcSeg **segs, unsigned *nsegs)
{
    Front *fe = fc->fe;
    Paste P = {.fe = fe, .args = args, .nargs = nargs};
    file_of(&P, fe->mainfile);
    clang_getInclusions(fe->tu, note_edge, &P);
    const char *real = P.files[0].real ? P.files[0].real : canonical(fe->arena, ".");
    P.main_dir = dir_of(fe->arena, real);
    if (!*P.main_dir)
        P.main_dir = "/";
    for (int i = 0; i < fc->nheader_defs; i++)
        P.files[file_of(&P, fc->header_defs[i])].pasted = 1;
    /* and every header on the way to one */
    for (int changed = 1; changed;) {
        changed = 0;
        for (int i = 0; i < P.nedge_list; i++) {
            int a = P.edge_list[i][0], b = P.edge_list[i][1];
            if (a != 0 && P.files[b].pasted && !P.files[a].pasted)
                P.files[a].pasted = changed = 1;
        }
    }
    P.stack = calloc((size_t)P.nfiles + 1, sizeof *P.stack);
    if (!P.stack)
        exit(1);
    P.stack[P.depth++] = 0;
    copy_file(&P, 0);
    free(P.stack);
    free(P.edge_list);
    offmap_free(&P.edges);
    free(P.files);
    *len = P.out.len;
    *segs = P.segs;
    *nsegs = P.nsegs;
    char *text = arena_strndup(fe->arena, P.out.s ? P.out.s : "", P.out.len);
    buf_free(&P.out);
    return text;
}
