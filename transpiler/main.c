/*
 * main.c - the asyncc driver: options, the stages in order, and an output
 * file that appears whole or not at all.
 *
 *   front   (front.h)  libclang reads the file; the facts later stages need
 *   parse   (parse.h)  every async body becomes a tree (lex.c, Lemon's
 *                      grammar/asyncc.y, parse.c)
 *   sema    (sema.h)   the rules of Async C, and what lowering must know
 *   lower   (lower.h)  each async function becomes a state machine's text
 *   emit    (emit.h)   the file back out
 *
 * Each stage reads what the ones before it wrote and writes a struct of its
 * own; the first stage that reports an error ends the run.
 */
#include <errno.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diag.h"
#include "emit.h"
#include "front.h"
#include "lower.h"
#include "parse.h"
#include "sema.h"

#ifndef ASYNCC_VERSION
#define ASYNCC_VERSION "0.0.0"
#endif

static const char usage[] =
    "usage: asyncc IN.ac -o OUT.c [options]\n"
    "\n"
    "Translates Async C (C with async/await) into plain C that runs on the\n"
    "asyncc runtime.  OUT.c is written whole or not at all.\n"
    "\n"
    "options:\n"
    "  -o FILE        output file (required unless --dump-ast)\n"
    "  -I DIR         add DIR to the include path (also -isystem DIR)\n"
    "  -D NAME[=VAL]  define a macro;  -U NAME  undefine one\n"
    "  -std=STD       C dialect for reading the file (default gnu11)\n"
    "  -MF FILE       also write a make-style dependency file\n"
    "  --dump-ast     print the syntax tree of every async function\n"
    "  --help         this text;  --version  the version\n";

typedef struct Options {
    const char *in, *out, *depfile;
    const char **clang_args;
    int nclang;
    int dump_ast;
    int has_std;
} Options;

static void add_arg(Options *o, const char *a)
{
    o->clang_args[o->nclang++] = a;
}

/* Options that take a value, either glued (-Ifoo) or separate (-I foo). */
static int take_value(int argc, char **argv, int *i, const char *opt, const char **val)
{
    size_t n = strlen(opt);
    if (strncmp(argv[*i], opt, n))
        return 0;
    if (argv[*i][n]) {
        *val = argv[*i] + n;
        return 1;
    }
    if (*i + 1 >= argc) {
        fprintf(stderr, "asyncc: error: %s needs a value\n", opt);
        exit(1);
    }
    *val = argv[++*i];
    return 1;
}

static void parse_options(int argc, char **argv, Options *o)
{
    o->clang_args = calloc((size_t)argc * 2 + 8, sizeof *o->clang_args);
    if (!o->clang_args)
        exit(1);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(usage, stdout);
            exit(0);
        } else if (!strcmp(a, "--version")) {
            printf("asyncc %s (libclang: ", ASYNCC_VERSION);
            CXString s = clang_getClangVersion();
            printf("%s)\n", clang_getCString(s));
            clang_disposeString(s);
            exit(0);
        } else if (!strcmp(a, "--dump-ast")) {
            o->dump_ast = 1;
        } else if (take_value(argc, argv, &i, "-o", &v)) {
            o->out = v;
        } else if (take_value(argc, argv, &i, "-MF", &v)) {
            o->depfile = v;
        } else if (take_value(argc, argv, &i, "-isystem", &v)) {
            add_arg(o, "-isystem");
            add_arg(o, v);
        } else if (take_value(argc, argv, &i, "-I", &v)) {
            add_arg(o, "-I");
            add_arg(o, v);
        } else if (take_value(argc, argv, &i, "-D", &v)) {
            add_arg(o, "-D");
            add_arg(o, v);
        } else if (take_value(argc, argv, &i, "-U", &v)) {
            add_arg(o, "-U");
            add_arg(o, v);
        } else if (!strncmp(a, "-std=", 5)) {
            add_arg(o, a);
            o->has_std = 1;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "asyncc: error: unknown option '%s' (see --help)\n", a);
            exit(1);
        } else if (o->in) {
            fprintf(stderr, "asyncc: error: more than one input file ('%s', '%s')\n",
                    o->in, a);
            exit(1);
        } else {
            o->in = a;
        }
    }
    if (!o->in) {
        fputs("asyncc: error: no input file (see --help)\n", stderr);
        exit(1);
    }
    if (!o->out && !o->dump_ast) {
        fputs("asyncc: error: no output file: use -o OUT.c\n", stderr);
        exit(1);
    }
}

static int file_exists(const char *p)
{
    return access(p, R_OK) == 0;
}

/* The directory holding asyncc.h: $ASYNCC_INCLUDE, the install next to
 * the executable, or the source tree this binary was built from. */
static const char *runtime_include(Arena *a)
{
    const char *env = getenv("ASYNCC_INCLUDE");
    if (env && *env)
        return env;
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            char *inc = arena_printf(a, "%s/../include/asyncc", exe);
            if (file_exists(arena_printf(a, "%s/asyncc.h", inc)))
                return inc;
        }
    }
#ifdef ASYNCC_RUNTIME_INCLUDE
    return ASYNCC_RUNTIME_INCLUDE;
#else
    return ".";
#endif
}

/* --dump-ast: every async function's tree, in file order. */
static int dump_trees(const Front *fe, const Parsed *p)
{
    for (int i = 0; i < fe->nrepls; i++) {
        const Repl *r = &fe->repls[i];
        if (r->kind != R_DEFINITION || !p->fns[r->fn->index].root)
            continue;
        printf("async function %s\n", r->fn->name);
        ast_dump(p->fns[r->fn->index].root, &fe->src, r->fn->raw, stdout);
    }
    return 0;
}

static int write_depfile(const Front *fe, const char *depfile, const char *target)
{
    char *tmp = malloc(strlen(depfile) + 16);
    if (!tmp)
        return -1;
    sprintf(tmp, "%s.tmpXXXXXX", depfile);
    int fd = mkstemp(tmp);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        fprintf(stderr, "asyncc: error: cannot write '%s': %s\n", depfile, strerror(errno));
        free(tmp);
        return -1;
    }
    fprintf(f, "%s: %s", target, fe->src.path);
    for (int i = 0; i < fe->ndeps; i++)
        fprintf(f, " \\\n  %s", fe->deps[i]);
    fputc('\n', f);
    int bad = fclose(f) != 0 || rename(tmp, depfile) != 0;
    if (bad)
        unlink(tmp);
    free(tmp);
    return bad ? -1 : 0;
}

/* Emit into a temporary file beside OUT and rename it into place. */
static int write_output(const Front *fe, const Lowered *lo, const char *out)
{
    char *tmp = malloc(strlen(out) + 16);
    if (!tmp)
        return -1;
    sprintf(tmp, "%s.tmpXXXXXX", out);
    int fd = mkstemp(tmp);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        fprintf(stderr, "asyncc: error: cannot write '%s': %s\n", out, strerror(errno));
        if (fd >= 0) {
            close(fd);
            unlink(tmp);
        }
        free(tmp);
        return -1;
    }
    /* Only this thread writes f: skip stdio's lock on each of the
     * hundreds of thousands of writes a large file takes. */
    __fsetlocking(f, FSETLOCKING_BYCALLER);
    setvbuf(f, NULL, _IOFBF, 1 << 16);
    int rc = emit_file(fe, lo, out, f);
    if (fclose(f) != 0)
        rc = -1;
    if (rc == 0 && rename(tmp, out) != 0) {
        fprintf(stderr, "asyncc: error: cannot write '%s': %s\n", out, strerror(errno));
        rc = -1;
    }
    if (rc != 0)
        unlink(tmp);
    free(tmp);
    return rc;
}

int main(int argc, char **argv)
{
    Options o = {0};
    parse_options(argc, argv, &o);
    Arena arena = {0};
    if (!o.has_std)
        add_arg(&o, "-std=gnu11");
    add_arg(&o, "-I");
    add_arg(&o, runtime_include(&arena));
    /* clang's own warnings are not ours to report, except one: a function
     * pointer of the wrong kind, which mixes async and plain functions
     * when asyncc.h's mark is involved (front.c). */
    const char *pre[] = {"-x", "c", "-ferror-limit=0", "-Wno-everything",
                         "-Wincompatible-function-pointer-types"};
    const char **args = calloc((size_t)o.nclang + 8, sizeof *args);
    if (!args)
        return 1;
    int nargs = 0;
    for (size_t i = 0; i < sizeof pre / sizeof *pre; i++)
        args[nargs++] = pre[i];
    for (int i = 0; i < o.nclang; i++)
        args[nargs++] = o.clang_args[i];

    Front fe = {.arena = &arena};
    Parsed parsed = {0};
    Sema sema = {0};
    Lowered lowered = {0};
    int rc = 1;
    if (front_parse(&fe, o.in, args, nargs) == 0 &&
        parse_file(&fe, &arena, &parsed) == 0) {
        if (o.dump_ast)
            rc = dump_trees(&fe, &parsed);
        else if (sema_file(&fe, &parsed, &sema) == 0 &&
                 lower_file(&fe, &parsed, &sema, &lowered) == 0 &&
                 write_output(&fe, &lowered, o.out) == 0 &&
                 (!o.depfile || write_depfile(&fe, o.depfile, o.out) == 0))
            rc = 0;
    }
    lower_free(&fe, &lowered);
    sema_free(&fe, &sema);
    parse_free(&parsed);
    front_dispose(&fe);
    arena_free(&arena);
    free(args);
    free(o.clang_args);
    return rc;
}
