/*
 * emit.c - stage 5: the file back out.
 *
 * Everything that is not an async function passes through byte for byte.
 * An async definition is replaced by its frame struct, init function,
 * helpers, resume function and entry; an async prototype stays, declaring
 * the entry (asyncc.h reads `async` as nothing in generated C);
 * async_run(f(x)) is replaced by a statement expression that runs f's
 * frame on a new loop.
 *
 * A frame struct must be complete before any frame that embeds it, so
 * frames are written in dependency order, as early as their first use
 * needs them.
 *
 * Lines.  Text from the .ac file carries the .ac file's line numbers, and
 * so does the resume function's body, line by line (lower_text.h); what
 * exists only in the generated file -- frame structs, init functions,
 * helpers, exports -- carries the generated file's own line numbers, so a
 * debugger never places it in the middle of some .ac function.  The
 * writer puts a #line directive wherever the compiler's count would
 * otherwise be wrong, and nowhere else.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "emit.h"

/* ------------------------------------------------------------------ */
/* The line-keeping writer                                             */
/* ------------------------------------------------------------------ */

enum { IN_OUT, IN_AC }; /* the generated file, the .ac file */

typedef struct Writer {
    FILE *f;
    const Source *src;   /* the .ac file (with headers pasted in)          */
    const char *out_path;
    unsigned lines;      /* physical lines written so far                  */
    int mid;             /* inside a physical line                         */
    int cur_in;          /* what the compiler thinks the next line is ...  */
    unsigned cur_line;
    unsigned cur_seg;    /* the segment of src the last directive named    */
    int want_in;         /* ... and what it should be                      */
    unsigned want_line;
} Writer;

static void quoted(FILE *f, const char *path)
{
    fputc('"', f);
    for (const char *p = path; *p; p++) {
        if (*p == '"' || *p == '\\')
            fputc('\\', f);
        fputc(*p, f);
    }
    fputc('"', f);
}

/* Where the lines written next come from: .ac line `line` onwards, or (0)
 * the generated file itself. */
static void w_mark(Writer *w, unsigned line)
{
    w->want_in = line ? IN_AC : IN_OUT;
    w->want_line = line;
}

static void line_start(Writer *w)
{
    if (w->want_in == IN_OUT) {
        if (w->cur_in != IN_OUT || w->cur_line != w->lines + 1) {
            fprintf(w->f, "#line %u ", w->lines + 2);
            quoted(w->f, w->out_path);
            fputc('\n', w->f);
            w->lines++;
        }
        w->cur_in = IN_OUT;
        w->cur_line = w->lines + 1;
    } else {
        unsigned real, seg;
        const char *path = source_origin(w->src, w->want_line, &real, &seg);
        if (w->cur_in != IN_AC || w->cur_line != w->want_line || w->cur_seg != seg) {
            fprintf(w->f, "#line %u ", real);
            quoted(w->f, path);
            fputc('\n', w->f);
            w->lines++;
        }
        w->cur_in = IN_AC;
        w->cur_line = w->want_line;
        w->cur_seg = seg;
    }
}

static void w_put(Writer *w, const char *s, size_t n)
{
    while (n > 0) {
        if (!w->mid)
            line_start(w);
        const char *nl = memchr(s, '\n', n);
        size_t k = nl ? (size_t)(nl - s) + 1 : n;
        fwrite(s, 1, k, w->f);
        if (nl) {
            w->lines++;
            w->cur_line++;
            if (w->want_in == IN_AC)
                w->want_line++;
            w->mid = 0;
        } else {
            w->mid = 1;
        }
        s += k;
        n -= k;
    }
}

static void w_puts(Writer *w, const char *s) { w_put(w, s, strlen(s)); }

static void w_printf(Writer *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void w_printf(Writer *w, const char *fmt, ...)
{
    char small[512];
    va_list ap;
    va_start(ap, fmt);
    int n = fmt_vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof small) {
        w_put(w, small, (size_t)n);
        return;
    }
    char *p = malloc((size_t)n + 1);
    if (!p)
        exit(1);
    va_start(ap, fmt);
    fmt_vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    w_put(w, p, (size_t)n);
    free(p);
}

/* A lowered piece: its marker lines say where the lines after them come
 * from (buf.h). */
static void w_buf(Writer *w, const Buf *b)
{
    const char *s = b->s ? b->s : "";
    size_t n = b->len, i = 0;
    while (i < n) {
        const char *nl = memchr(s + i, '\n', n - i);
        size_t end = nl ? (size_t)(nl - s) + 1 : n;
        if (s[i] == BUF_MARK)
            w_mark(w, (unsigned)strtoul(s + i + 1, NULL, 10));
        else
            w_put(w, s + i, end - i);
        i = end;
    }
}

/* Generated code from here on: it starts a line of its own. */
static void w_gen(Writer *w)
{
    if (w->mid)
        w_puts(w, "\n");
    w_mark(w, 0);
}

/* ------------------------------------------------------------------ */
/* The pieces of an async function                                     */
/* ------------------------------------------------------------------ */

typedef struct Emit {
    const Front *fe;
    const Lowered *lo;
    Writer w;
    unsigned char *frame_done;/* per fn: its frame struct and init are out */
    unsigned char *visiting;  /* per fn: being written (a cycle guard)     */
    const AsyncFn **infos;    /* functions whose dump info is written      */
    int ninfos;
} Emit;

static const LowFn *lowfn(const Emit *e, const AsyncFn *fn)
{
    const LowFn *lf = &e->lo->fns[fn->index];
    return lf->done ? lf : NULL;
}

/* Source text [from, to) as it is.  At the start of an output line it is
 * marked with its .ac line; in the middle of one (after an async_run
 * replacement) it just continues that line. */
static void src_chunk(Emit *e, size_t from, size_t to)
{
    if (to <= from)
        return;
    if (!e->w.mid) {
        unsigned line, col;
        diag_linecol(&e->fe->src, from, &line, &col);
        w_mark(&e->w, line);
    }
    w_put(&e->w, e->fe->src.text + from, to - from);
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

static void frame_part(Emit *e, const AsyncFn *g)
{
    const LowFn *lf = lowfn(e, g);
    if (!lf || e->frame_done[g->index] || e->visiting[g->index])
        return;
    e->visiting[g->index] = 1;
    for (int i = 0; i < lf->nembeds; i++)
        frame_part(e, lf->embeds[i]);
    const Front *fe = e->fe;
    Writer *w = &e->w;
    char *sig = type_decl(fe->arena, g->type, g->name, 0, NULL);
    w_gen(w);
    w_printf(w, "/* async %s: its coroutine frame */\n", sig ? sig : g->name);
    w_buf(w, &lf->types);
    w_gen(w);
    w_printf(w, "struct %s__frame {\n    ac_coro co;\n", g->name);
    if (!g->is_void)
        w_printf(w, "    %s;\n", ret_text(fe, g, "ret"));
    w_buf(w, &lf->members);
    if (lf->subs.len) {
        w_puts(w, "    union {\n");
        w_buf(w, &lf->subs);
        w_puts(w, "    } sub;\n");
    }
    w_puts(w, "};\n");
    w_printf(w, "static void %s__resume(ac_coro *__ac_co);\n", g->name);
    const char *const *names = lf->param_member;
    const char *ps = params_of(fe, g->type, names, 1);
    w_printf(w, "static inline void %s__init(struct %s__frame *__ac_f%s%s)\n{\n", g->name,
             g->name, *ps ? ", " : "", ps);
    w_printf(w, "    __ac_f->co.resume = %s__resume;\n", g->name);
    w_puts(w, "    __ac_f->co.state = 0;\n    __ac_f->co.flags = 0;\n");
    for (int i = 0; i < g->nparams; i++)
        w_printf(w, "    __ac_f->%s = %s;\n", names[i], names[i]);
    w_puts(w, "}\n\n");
    e->visiting[g->index] = 0;
    e->frame_done[g->index] = 1;
}

static void resume_function(Emit *e, const AsyncFn *g, const LowFn *lf)
{
    Writer *w = &e->w;
    w_gen(w);
    for (int i = 0; i < lf->nnamed; i++)
        w_printf(w, "#define %s __ac_f->%s\n", lf->named[i].name, lf->named[i].member);
    w_printf(w, "static void %s__resume(ac_coro *__ac_co)\n{\n", g->name);
    w_buf(w, &lf->body);
    w_gen(w);
    for (int i = 0; i < lf->nnamed; i++)
        w_printf(w, "#undef %s\n", lf->named[i].name);
}

/*
 * The entry: an ordinary C function named like the async function, with
 * its signature.  It is the value of a pointer to the function, and how
 * other files await it (ABI.md): called between ac_dyn_begin and
 * ac_dyn_end, it hands over a new frame for the call.
 */
static void entry(Emit *e, const AsyncFn *g, const LowFn *lf)
{
    const Front *fe = e->fe;
    Writer *w = &e->w;
    const char *const *names = lf->param_member;
    const char *ps = params_of(fe, g->type, names, 1);
    w_gen(w);
    w_printf(w, "\n/* %s's entry: what a pointer to it calls, and other files (ABI.md). */\n",
             g->name);
    w_printf(w, "%s%s\n{\n", g->is_static ? "__attribute__((unused)) static " : "",
             ret_text(fe, g, arena_printf(fe->arena, "%s(%s)", g->name, *ps ? ps : "void")));
    w_printf(w, "    ac_dyn *__ac_d = __ac_dyn_take(\"%s\");\n", g->name);
    w_printf(w, "    struct %s__frame *__ac_f = __ac_frame_alloc(sizeof *__ac_f);\n", g->name);
    w_printf(w, "    %s__init(__ac_f", g->name);
    for (int i = 0; i < g->nparams; i++)
        w_printf(w, ", %s", names[i]);
    w_puts(w, ");\n    __ac_d->co = &__ac_f->co;\n    __ac_d->size = sizeof *__ac_f;\n");
    if (!g->is_void) { /* the value means nothing: a zero of the right type */
        const char *r = type_decl(fe->arena, g->ret, "__ac_r", 1, NULL);
        w_printf(w, "    %s;\n    __builtin_memset(&__ac_r, 0, sizeof __ac_r);\n"
                    "    return __ac_r;\n", r ? r : "int __ac_r");
    }
    w_puts(w, "}\n");
}

/*
 * What a task dump says of a coroutine of g (ac_dump_tasks, ABI.md): its
 * name, its file, and the line of the await at each resume point, which
 * the frame's state indexes.  Registered from a constructor at the end of
 * the file; nothing on the await path reads it.
 */
static void dump_info(Emit *e, const AsyncFn *g, const LowFn *lf)
{
    Writer *w = &e->w;
    unsigned line, col, real;
    diag_linecol(&e->fe->src, g->name_off, &line, &col);
    const char *path = source_origin(&e->fe->src, line, &real, NULL);
    w_gen(w);
    w_printf(w, "\n/* %s for task dumps: the line of its name, then of each await. */\n", g->name);
    w_printf(w, "static const unsigned %s__lines[] = {%u", g->name, real);
    for (int k = 1; k <= lf->npoints; k++) {
        unsigned r;
        source_origin(&e->fe->src, lf->point_line[k], &r, NULL);
        w_printf(w, k % 16 == 0 ? ",\n    %u" : ", %u", r);
    }
    w_puts(w, "};\n");
    w_printf(w, "static struct ac_fn_info %s__info = {.resume = %s__resume, .name = \"%s\", .file = ",
             g->name, g->name, g->name);
    quoted(w->f, path); /* mid-line: straight out, no line to account for */
    w_printf(w, ", .lines = %s__lines, .npoints = %d};\n", g->name, lf->npoints);
    e->infos[e->ninfos++] = g;
}

/* The constructor that registers the file's dump infos. */
static void register_infos(Emit *e)
{
    if (e->ninfos == 0)
        return;
    Writer *w = &e->w;
    w_gen(w);
    w_puts(w, "\n/* This file's async functions, for task dumps (ac_dump_tasks). */\n"
              "__attribute__((constructor)) static void __ac_register_fns(void)\n{\n");
    for (int i = 0; i < e->ninfos; i++)
        w_printf(w, "    __ac_fn_register(&%s__info);\n", e->infos[i]->name);
    w_puts(w, "}\n");
}

static void definition(Emit *e, const AsyncFn *g)
{
    const LowFn *lf = lowfn(e, g);
    if (!lf)
        return;
    frame_part(e, g);
    for (int i = 0; i < lf->nuses; i++)
        frame_part(e, lf->uses[i]);
    if (lf->helpers.len) {
        w_gen(&e->w);
        w_buf(&e->w, &lf->helpers);
    }
    resume_function(e, g, lf);
    entry(e, g, lf);
    dump_info(e, g, lf);
}

int emit_file(const Front *fe, const Lowered *lo, const char *out_path, FILE *out)
{
    Emit e = {.fe = fe, .lo = lo};
    e.w = (Writer){.f = out, .src = &fe->src, .out_path = out_path,
                   .cur_in = IN_OUT, .cur_line = 1, .want_in = IN_OUT};
    e.frame_done = calloc((size_t)fe->nfns + 1, 1);
    e.visiting = calloc((size_t)fe->nfns + 1, 1);
    e.infos = calloc((size_t)fe->nfns + 1, sizeof *e.infos);
    if (!e.frame_done || !e.visiting || !e.infos)
        exit(1);
    w_printf(&e.w, "/* Generated by asyncc %s from %s: edit that file, not this one. */\n",
             ASYNCC_VERSION, fe->src.path);
    w_puts(&e.w, "#define __ASYNCC_OUTPUT__ 1\n");
    size_t pos = 0;
    for (int i = 0; i < fe->nrepls; i++) {
        const Repl *r = &fe->repls[i];
        if (r->kind == R_RUN) {
            const Run *run = &fe->runs[r->run];
            const LowRun *lr = &lo->runs[r->run];
            const AsyncFn *g = lr->callee;
            if (g && lowfn(&e, g) && run->top_start >= pos) {
                src_chunk(&e, pos, run->top_start);
                pos = run->top_start;
                if (g && lowfn(&e, g))
                    frame_part(&e, g);
            }
            src_chunk(&e, pos, r->start);
            w_puts(&e.w, lr->text ? lr->text : "0");
            pos = r->end;
            continue;
        }
        if (r->kind != R_DEFINITION)
            continue; /* a prototype stays */
        src_chunk(&e, pos, r->start);
        definition(&e, r->fn);
        pos = r->end;
    }
    src_chunk(&e, pos, fe->src.len);
    register_infos(&e);
    free(e.frame_done);
    free(e.visiting);
    free(e.infos);
    return ferror(out) ? -1 : 0;
}
