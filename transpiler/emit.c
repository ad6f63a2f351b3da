/*
 * emit.c - stage 5: the file back out.
 *
 * Everything that is not an async function passes through byte for byte.
 * An async definition is replaced by its frame struct, init function,
 * helpers and resume function; an async prototype by nothing (callers use
 * the frame or the exported NAME__new/__result/__free); async_run(f(x)) by
 * a statement expression that runs f's frame on a new loop.
 *
 * A frame struct must be complete before any frame that embeds it, so
 * frames are written in dependency order, as early as their first use
 * needs them.  Lines that come from the .ac file carry a marker (buf.h);
 * here the markers become #line directives, written only where the
 * compiler's line count would otherwise be wrong.
 */
#include <stdlib.h>
#include <string.h>

#include "emit.h"

typedef struct Emit {
    const Front *fe;
    const Lowered *lo;
    Buf o;
    unsigned char *ext_done;  /* per fn: its extern declarations are out   */
    unsigned char *frame_done;/* per fn: its frame struct and init are out */
    unsigned char *visiting;  /* per fn: being written (a cycle guard)     */
} Emit;

static const LowFn *lowfn(const Emit *e, const AsyncFn *fn)
{
    const LowFn *lf = &e->lo->fns[fn->index];
    return lf->done ? lf : NULL;
}

static int mid_line(const Emit *e)
{
    return e->o.len && e->o.s[e->o.len - 1] != '\n';
}

/* Source text [from, to) as it is.  At the start of an output line it is
 * marked with its .ac line; in the middle of one (after an async_run
 * replacement) it just continues that line. */
static void src_chunk(Emit *e, size_t from, size_t to)
{
    if (to <= from)
        return;
    if (!mid_line(e)) {
        unsigned line, col;
        diag_linecol(&e->fe->src, from, &line, &col);
        buf_mark(&e->o, line);
    }
    buf_put(&e->o, e->fe->src.text + from, to - from);
}

/* "int a0, char *a1" from a function type (names a0, a1 ...). */
static const char *params_of(const Front *fe, Type ft, const char *const *names, int with_names)
{
    int n = type_nparams(ft);
    Buf b = {0};
    for (int i = 0; i < n; i++) {
        const char *nm = with_names ? (names ? names[i] : arena_printf(fe->arena, "a%d", i)) : "";
        char *d = type_decl(fe->arena, type_param(ft, i), nm, 0, NULL);
        buf_printf(&b, "%s%s", i ? ", " : "", d ? d : "int");
    }
    char *s = arena_strndup(fe->arena, b.s ? b.s : "", b.len);
    buf_free(&b);
    return s;
}

static const char *ret_text(const Front *fe, const AsyncFn *g, const char *inner)
{
    char *d = type_decl(fe->arena, g->ret, inner, 0, NULL);
    return d ? d : arena_printf(fe->arena, "int %s", inner);
}

static void extern_decls(Emit *e, const AsyncFn *g)
{
    if (e->ext_done[g->index])
        return;
    e->ext_done[g->index] = 1;
    const Front *fe = e->fe;
    const char *ps = params_of(fe, g->type, NULL, 1);
    buf_printf(&e->o, "/* %s is defined in another file: its frame comes from there. */\n",
               g->name);
    buf_printf(&e->o, "ac_coro *%s__new(%s);\n", g->name, *ps ? ps : "void");
    if (!g->is_void)
        buf_printf(&e->o, "%s;\n",
                   ret_text(fe, g, arena_printf(fe->arena, "%s__result(ac_coro *co)", g->name)));
    buf_printf(&e->o, "void %s__free(ac_coro *co);\n\n", g->name);
}

static void frame_part(Emit *e, const AsyncFn *g)
{
    const LowFn *lf = lowfn(e, g);
    if (!lf || e->frame_done[g->index] || e->visiting[g->index])
        return;
    e->visiting[g->index] = 1;
    for (int i = 0; i < lf->nembeds; i++)
        frame_part(e, lf->embeds[i]);
    const Front *fe = e->fe;
    Buf *o = &e->o;
    char *sig = type_decl(fe->arena, g->type, g->name, 0, NULL);
    buf_printf(o, "/* async %s: its coroutine frame */\n", sig ? sig : g->name);
    if (lf->types.len)
        buf_put(o, lf->types.s, lf->types.len);
    buf_printf(o, "struct %s__frame {\n    ac_coro co;\n", g->name);
    if (!g->is_void)
        buf_printf(o, "    %s;\n", ret_text(fe, g, "ret"));
    if (lf->members.len)
        buf_put(o, lf->members.s, lf->members.len);
    if (lf->subs.len) {
        buf_puts(o, "    union {\n");
        buf_put(o, lf->subs.s, lf->subs.len);
        buf_puts(o, "    } sub;\n");
    }
    buf_puts(o, "};\n");
    buf_printf(o, "static void %s__resume(ac_coro *ac_co);\n", g->name);
    const char *const *names = lf->param_member;
    const char *ps = params_of(fe, g->type, names, 1);
    buf_printf(o, "static inline void %s__init(struct %s__frame *ac_f%s%s)\n{\n", g->name,
               g->name, *ps ? ", " : "", ps);
    buf_printf(o, "    ac_f->co.resume = %s__resume;\n", g->name);
    buf_puts(o, "    ac_f->co.state = 0;\n    ac_f->co.flags = 0;\n");
    for (int i = 0; i < g->nparams; i++)
        buf_printf(o, "    ac_f->%s = %s;\n", names[i], names[i]);
    buf_puts(o, "}\n\n");
    e->visiting[g->index] = 0;
    e->frame_done[g->index] = 1;
}

static void resume_function(Emit *e, const AsyncFn *g, const LowFn *lf)
{
    Buf *o = &e->o;
    buf_printf(o, "static void %s__resume(ac_coro *ac_co)\n{\n", g->name);
    buf_printf(o, "    struct %s__frame *ac_f = (struct %s__frame *)ac_co;\n", g->name, g->name);
    if (lf->npoints) {
        buf_puts(o, "    switch (ac_f->co.state) {\n");
        for (int k = 1; k <= lf->npoints; k++)
            buf_printf(o, "    case %d: goto %s%d;\n", k, lf->label, k);
        buf_puts(o, "    }\n");
    }
    buf_put(o, lf->body.s ? lf->body.s : "", lf->body.len);
    buf_puts(o, "    ac_return(&ac_f->co);\n}\n");
}

static void exports(Emit *e, const AsyncFn *g, const LowFn *lf)
{
    const Front *fe = e->fe;
    Buf *o = &e->o;
    const char *const *names = lf->param_member;
    const char *ps = params_of(fe, g->type, names, 1);
    buf_printf(o, "\n/* For callers in other files, which can't see the frame. */\n");
    buf_printf(o, "ac_coro *%s__new(%s)\n{\n", g->name, *ps ? ps : "void");
    buf_printf(o, "    struct %s__frame *ac_f = ac_frame_alloc(sizeof *ac_f);\n", g->name);
    buf_printf(o, "    %s__init(ac_f", g->name);
    for (int i = 0; i < g->nparams; i++)
        buf_printf(o, ", %s", names[i]);
    buf_puts(o, ");\n    return &ac_f->co;\n}\n");
    if (!g->is_void) {
        buf_printf(o, "%s\n{\n", ret_text(fe, g, arena_printf(fe->arena, "%s__result(ac_coro *co)", g->name)));
        buf_printf(o, "    return ((struct %s__frame *)co)->ret;\n}\n", g->name);
    }
    buf_printf(o, "void %s__free(ac_coro *co)\n{\n", g->name);
    buf_printf(o, "    ac_frame_free(co, sizeof(struct %s__frame));\n}\n", g->name);
}

static void definition(Emit *e, const AsyncFn *g)
{
    const LowFn *lf = lowfn(e, g);
    if (!lf)
        return;
    if (mid_line(e))
        buf_puts(&e->o, "\n");
    for (int i = 0; i < lf->nexterns; i++)
        extern_decls(e, lf->externs[i]);
    frame_part(e, g);
    for (int i = 0; i < lf->nuses; i++)
        frame_part(e, lf->uses[i]);
    if (lf->helpers.len)
        buf_put(&e->o, lf->helpers.s, lf->helpers.len);
    resume_function(e, g, lf);
    if (!g->is_static)
        exports(e, g, lf);
}

/* Turn markers into #line directives and write the buffer out. */
static int write_out(Emit *e, FILE *out)
{
    const char *s = e->o.s ? e->o.s : "";
    size_t n = e->o.len;
    unsigned presumed = 0, want = 0;
    for (size_t i = 0; i < n;) {
        const char *nl = memchr(s + i, '\n', n - i);
        size_t end = nl ? (size_t)(nl - s) + 1 : n;
        if (s[i] == BUF_MARK) {
            want = (unsigned)strtoul(s + i + 1, NULL, 10);
        } else {
            if (want && want != presumed) {
                fprintf(out, "#line %u \"", want);
                for (const char *p = e->fe->src.path; *p; p++) {
                    if (*p == '"' || *p == '\\')
                        fputc('\\', out);
                    fputc(*p, out);
                }
                fputs("\"\n", out);
                presumed = want;
            }
            want = 0;
            fwrite(s + i, 1, end - i, out);
            if (presumed)
                presumed++;
        }
        i = end;
    }
    return ferror(out) ? -1 : 0;
}

int emit_file(const Front *fe, const Lowered *lo, FILE *out)
{
    Emit e = {.fe = fe, .lo = lo};
    e.ext_done = calloc((size_t)fe->nfns + 1, 1);
    e.frame_done = calloc((size_t)fe->nfns + 1, 1);
    e.visiting = calloc((size_t)fe->nfns + 1, 1);
    if (!e.ext_done || !e.frame_done || !e.visiting)
        exit(1);
    buf_printf(&e.o, "/* Generated by asyncc %s from %s: edit that file, not this one. */\n",
               ASYNCC_VERSION, fe->src.path);
    buf_puts(&e.o, "#define __ASYNCC_OUTPUT__ 1\n");
    size_t pos = 0;
    for (int i = 0; i < fe->nrepls; i++) {
        const Repl *r = &fe->repls[i];
        if (r->kind == R_RUN) {
            const Run *run = &fe->runs[r->run];
            const LowRun *lr = &lo->runs[r->run];
            const AsyncFn *g = lr->callee;
            if (g && run->top_start >= pos) {
                src_chunk(&e, pos, run->top_start);
                pos = run->top_start;
                if (mid_line(&e))
                    buf_puts(&e.o, "\n");
                if (lowfn(&e, g))
                    frame_part(&e, g);
                else if (!g->frame_visible)
                    extern_decls(&e, g);
            }
            src_chunk(&e, pos, r->start);
            buf_puts(&e.o, lr->text ? lr->text : "0");
            pos = r->end;
            continue;
        }
        src_chunk(&e, pos, r->start);
        if (r->kind == R_DEFINITION)
            definition(&e, r->fn);
        pos = r->end;
    }
    src_chunk(&e, pos, fe->src.len);
    int rc = write_out(&e, out);
    buf_free(&e.o);
    free(e.ext_done);
    free(e.frame_done);
    free(e.visiting);
    return rc;
}
