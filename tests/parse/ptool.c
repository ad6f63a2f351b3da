/*
 * ptool.c - drives lex.c + the Lemon parser without libclang, for tests.
 *
 * It has a small C tokenizer of its own, so a test input says itself which
 * identifiers libclang would have flagged:
 *
 *     //! types T U        identifiers that name types (RTF_TYPENAME)
 *     //! macros X         object-like macros (RTF_MACRO)
 *     //! alias B _Bool    object-like macro expanding to one keyword
 *     //! alias E          object-like macro expanding to nothing
 *     //! fnmacros M N     function-like macros (RTF_MACRO_FN)
 *     //! tmacros S        function-like macros that expand to a type
 *                          (RTF_MACRO_TYPE)
 *     //! expr             parse the rest as an expression (async_run mode)
 *
 * Everything else in the file is the body (braces included) or expression.
 *
 *   ptool dump FILE      ast_dump of the tree
 *   ptool ranges FILE    every node with the source text of its range, after
 *                        checking that each child lies inside its parent and
 *                        siblings do not overlap (exit 1 if not)
 *   ptool fuzz FILE N S  N mutations of FILE's tokens (seed S): must never
 *                        crash; exit 0
 *   ptool soup N S       N random token soups: same
 *   ptool deep N KIND    N levels of paren, brace, unary (-), chain (x+x+...)
 *                        or elif (else-if links): prints parsed/rejected
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ast.h"
#include "diag.h"
#include "lex.h"
#include "parse.h"

/* ---- input ---------------------------------------------------------- */

typedef struct Names {
    char *v[64];
    const char *alias[64];
    int n;
} Names;

typedef struct Input {
    Names types, macros, fnmacros, tmacros;
    int expr_mode;
    char *text;
    size_t len;
} Input;

static void names_add(Names *ns, const char *s, const char *alias)
{
    if (ns->n < 64) {
        ns->alias[ns->n] = alias ? strdup(alias) : NULL;
        ns->v[ns->n++] = strdup(s);
    }
}

static int names_find(const Names *ns, const char *s, size_t len)
{
    for (int i = 0; i < ns->n; i++)
        if (strlen(ns->v[i]) == len && memcmp(ns->v[i], s, len) == 0)
            return i;
    return -1;
}

/* `//! kind a b c`: blank the line out of the text so offsets stay true. */
static void directive(Input *in, char *line, size_t len)
{
    char buf[512];
    if (len >= sizeof buf)
        len = sizeof buf - 1;
    memcpy(buf, line, len);
    buf[len] = '\0';
    char *save = NULL;
    strtok_r(buf, " \t", &save); /* //! */
    char *kind = strtok_r(NULL, " \t", &save);
    if (!kind)
        return;
    if (!strcmp(kind, "expr"))
        in->expr_mode = 1;
    if (!strcmp(kind, "alias")) {
        char *name = strtok_r(NULL, " \t", &save);
        char *kw = strtok_r(NULL, " \t", &save);
        if (name) /* no keyword: the macro expands to nothing */
            names_add(&in->macros, name, kw ? kw : "");
        return;
    }
    Names *ns = !strcmp(kind, "types")      ? &in->types
                : !strcmp(kind, "macros")   ? &in->macros
                : !strcmp(kind, "fnmacros") ? &in->fnmacros
                : !strcmp(kind, "tmacros")  ? &in->tmacros
                                            : NULL;
    for (char *w; ns && (w = strtok_r(NULL, " \t", &save));)
        names_add(ns, w, NULL);
}

static void free_names(Names *ns)
{
    for (int i = 0; i < ns->n; i++) {
        free(ns->v[i]);
        free((char *)ns->alias[i]);
    }
}

static void free_input(Input *in)
{
    free_names(&in->types);
    free_names(&in->macros);
    free_names(&in->fnmacros);
    free_names(&in->tmacros);
    free(in->text);
}

static int read_input(Input *in, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    in->text = malloc((size_t)n + 1);
    in->len = fread(in->text, 1, (size_t)n, f);
    in->text[in->len] = '\0';
    fclose(f);
    for (char *p = in->text; p && *p;) {
        char *eol = strchr(p, '\n');
        size_t l = eol ? (size_t)(eol - p) : strlen(p);
        if (l >= 3 && !memcmp(p, "//!", 3)) {
            directive(in, p, l);
            memset(p, ' ', l);
        }
        p = eol ? eol + 1 : NULL;
    }
    return 0;
}

/* ---- a small C tokenizer ---------------------------------------------- */

static const char *const puncts[] = {
    "...", "<<=", ">>=", "->", "++", "--", "<<", ">>", "<=", ">=", "==",
    "!=", "&&", "||", "*=", "/=", "%=", "+=", "-=", "&=", "^=", "|=",
    "##", "<:", ":>", "<%", "%>", "{", "}", "[", "]", "(", ")", ".", "&",
    "*", "+", "-", "~", "!", "/", "%", "<", ">", "^", "|", "?", ":", ";",
    "=", ",", "#",
};

static int is_keyword(const char *s, size_t n)
{
    static const char *const kws[] = {
        "if", "else", "while", "do", "for", "switch", "case", "default",
        "goto", "break", "continue", "return", "sizeof", "int", "char",
        "void", "long", "short", "unsigned", "signed", "float", "double",
        "const", "volatile", "static", "extern", "struct", "union", "enum",
        "typedef", "register", "auto", "_Bool", "restrict", "inline",
        "_Alignof", "_Alignas", "_Static_assert", "_Atomic", "_Generic",
        "__attribute__", "asm", "__asm__", "typeof", "__typeof__",
        "__extension__", "_Thread_local", "_Noreturn", NULL};
    for (int i = 0; kws[i]; i++)
        if (strlen(kws[i]) == n && !memcmp(kws[i], s, n))
            return 1;
    return 0;
}

static size_t lex_literal(const char *s)
{
    char q = *s;
    size_t i = 1;
    while (s[i] && s[i] != q) {
        if (s[i] == '\\' && s[i + 1])
            i++;
        i++;
    }
    return s[i] ? i + 1 : i;
}

/* Tokenize text; fills raw (caller frees).  Returns the count. */
static int tokenize(const Input *in, RawTok **out)
{
    int cap = 64, n = 0;
    RawTok *r = malloc(sizeof *r * (size_t)cap);
    const char *s = in->text;
    size_t i = 0;
    while (i < in->len) {
        if (isspace((unsigned char)s[i])) {
            i++;
            continue;
        }
        if (s[i] == '/' && s[i + 1] == '/') {
            while (i < in->len && s[i] != '\n')
                i++;
            continue;
        }
        if (s[i] == '/' && s[i + 1] == '*') {
            const char *e = strstr(s + i + 2, "*/");
            i = e ? (size_t)(e - s) + 2 : in->len;
            continue;
        }
        if (n == cap)
            r = realloc(r, sizeof *r * (size_t)(cap *= 2));
        RawTok *t = &r[n++];
        memset(t, 0, sizeof *t);
        t->off = (unsigned)i;
        t->macro_last = -1;
        size_t len = 0;
        const char *p = s + i;
        int prefix = (*p == 'L' || *p == 'U' || *p == 'u') &&
                     (p[1] == '"' || p[1] == '\'');
        if (p[0] == 'u' && p[1] == '8' && p[2] == '"')
            prefix = 2;
        if (*p == '"' || *p == '\'' || prefix) {
            len = (size_t)prefix + lex_literal(p + prefix);
            t->ckind = RT_LITERAL;
        } else if (isdigit((unsigned char)*p) ||
                   (*p == '.' && isdigit((unsigned char)p[1]))) {
            while (isalnum((unsigned char)p[len]) || p[len] == '.' ||
                   p[len] == '_' ||
                   ((p[len] == '+' || p[len] == '-') &&
                    strchr("eEpP", p[len - 1])))
                len++;
            t->ckind = RT_LITERAL;
        } else if (isalpha((unsigned char)*p) || *p == '_') {
            while (isalnum((unsigned char)p[len]) || p[len] == '_')
                len++;
            t->ckind = is_keyword(p, len) ? RT_KEYWORD : RT_IDENT;
        } else {
            for (size_t k = 0; k < sizeof puncts / sizeof *puncts; k++) {
                size_t l = strlen(puncts[k]);
                if (!strncmp(p, puncts[k], l)) {
                    len = l;
                    break;
                }
            }
            if (!len)
                len = 1;
            t->ckind = RT_PUNCT;
        }
        t->len = (unsigned)len;
        i += len;
    }
    *out = r;
    return n;
}

/* Apply the directives' flags, as front_clang.c would from libclang. */
static void flag(const Input *in, RawTok *r, int n)
{
    for (int i = 0; i < n; i++) {
        const char *s = in->text + r[i].off;
        if (r[i].ckind != RT_IDENT)
            continue;
        int m;
        if (names_find(&in->types, s, r[i].len) >= 0)
            r[i].flags |= RTF_TYPENAME;
        if ((m = names_find(&in->macros, s, r[i].len)) >= 0) {
            r[i].flags |= RTF_MACRO;
            r[i].alias = in->macros.alias[m];
        }
        int fn = names_find(&in->fnmacros, s, r[i].len) >= 0;
        int tm = names_find(&in->tmacros, s, r[i].len) >= 0;
        if ((fn || tm) && i + 1 < n && r[i + 1].len == 1 &&
            in->text[r[i + 1].off] == '(') {
            int depth = 0;
            for (int j = i + 1; j < n; j++) {
                char c = r[j].len == 1 ? in->text[r[j].off] : 0;
                depth += (c == '(') - (c == ')');
                if (depth == 0) {
                    r[i].macro_last = j;
                    break;
                }
            }
            /* like front_clang.c, mark a fn macro whose expansion
               mentions a type as RTF_TYPENAME too: lex must not care */
            r[i].flags |= RTF_MACRO_FN | RTF_TYPENAME |
                          (tm ? RTF_MACRO_TYPE : 0);
        }
    }
}

/* ---- running the parser ------------------------------------------------ */

static Node *parse(const Input *in, const Source *src, Arena *a, RawTok *r,
                   int n)
{
    PTok *toks;
    int ntoks;
    if (lex_tokens(a, src, r, n, &toks, &ntoks) < 0)
        return NULL;
    if (in->expr_mode)
        return parse_expr(a, src, r, toks, ntoks, NULL);
    return parse_body(a, src, r, toks, ntoks, NULL);
}

static int bad_ranges;

/* Preorder: each node's kind and text; check nesting on the way. */
static void ranges(const Node *n, const Source *src, const RawTok *r,
                   int depth, int lo, int hi)
{
    if (!n)
        return;
    if (n->tok0 < lo || n->tok1 > hi || n->tok0 > n->tok1) {
        printf("BAD RANGE ");
        bad_ranges++;
    }
    printf("%*s%s: ", depth * 2, "", node_kind_name(n->kind));
    for (int i = n->tok0; i <= n->tok1 && i >= 0; i++)
        printf(i > n->tok0 ? " %.*s" : "%.*s", (int)r[i].len,
               src->text + r[i].off);
    putchar('\n');
    /* children in source order must not overlap */
    const Node *kids[64];
    int nk = 0;
    KidIter it;
    for (const Node *k = ast_first_kid(n, &it); k && nk < 64; k = ast_next_kid(&it))
        kids[nk++] = k;
    for (int i = 0; i < nk; i++)
        for (int j = 0; j < nk; j++)
            if (i != j && kids[i]->tok0 <= kids[j]->tok1 &&
                kids[j]->tok0 <= kids[i]->tok1) {
                printf("BAD OVERLAP %s/%s\n", node_kind_name(kids[i]->kind),
                       node_kind_name(kids[j]->kind));
                bad_ranges++;
            }
    /* An N_DECLARATOR's range stops before its initializer (ast.h), which
     * lies after it, inside the declaration. */
    for (int i = 0; i < nk; i++) {
        int decl_init = n->kind == N_DECLARATOR && kids[i] == n->init;
        ranges(kids[i], src, r, depth + 1, decl_init ? n->tok1 + 1 : n->tok0,
               decl_init ? hi : n->tok1);
    }
}

/* ---- robustness ------------------------------------------------------ */

static unsigned long long rng_state;
static unsigned rnd(unsigned n)
{
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (unsigned)(rng_state >> 33) % n;
}

/* Parse a synthetic token list given as spellings. */
static void parse_words(const char *const *w, int n, int flags_every)
{
    size_t len = 0;
    for (int i = 0; i < n; i++)
        len += strlen(w[i]) + 1;
    Input in = {0};
    in.text = malloc(len + 1);
    in.len = 0;
    RawTok *r = calloc((size_t)n + 1, sizeof *r);
    for (int i = 0; i < n; i++) {
        size_t l = strlen(w[i]);
        r[i].off = (unsigned)in.len;
        r[i].len = (unsigned)l;
        r[i].macro_last = -1;
        memcpy(in.text + in.len, w[i], l);
        in.len += l;
        in.text[in.len++] = ' ';
        char c = w[i][0];
        r[i].ckind = isalpha((unsigned char)c) || c == '_' ? RT_IDENT
                     : isdigit((unsigned char)c) || c == '"' ? RT_LITERAL
                     : !strncmp(w[i], "/*", 2)               ? RT_COMMENT
                                                             : RT_PUNCT;
        if (flags_every && r[i].ckind == RT_IDENT && rnd(flags_every) == 0)
            r[i].flags = (unsigned char)(1u << rnd(3));
        if (r[i].flags & RTF_MACRO_FN)
            r[i].macro_last = (int)rnd((unsigned)n + 4) - 2; /* even wrong */
    }
    in.text[in.len] = '\0';
    Source src = {.path = "soup", .text = in.text, .len = in.len};
    source_index(&src);
    Arena a = {0};
    in.expr_mode = rnd(4) == 0;
    parse(&in, &src, &a, r, n);
    arena_free(&a);
    source_free(&src);
    free(r);
    free(in.text);
}

static const char *const vocab[] = {
    "{", "}", "(", ")", "[", "]", ";", ",", ":", "?", "=", "+", "-", "*",
    "&", "&&", "++", "->", ".", "...", "!", "~", "<<=", "x", "y", "T", "f",
    "1", "2.5", "\"s\"", "'c'", "int", "char", "const", "static", "struct",
    "union", "enum", "if", "else", "while", "do", "for", "switch", "case",
    "default", "goto", "break", "continue", "return", "sizeof", "_Alignof",
    "await", "gather", "to_thread", "spawn", "with_timeout", "async_run",
    "async", "__attribute__", "asm", "typeof", "_Generic", "_Atomic",
    "_Static_assert", "__extension__", "_Alignas", "#", "@", "typedef",
    "/* comment */", "_Pragma", "M", "M",
};

static int soup(int count, unsigned seed)
{
    rng_state = seed;
    const char *w[200];
    for (int k = 0; k < count; k++) {
        int n = (int)rnd(200);
        for (int i = 0; i < n; i++)
            w[i] = vocab[rnd(sizeof vocab / sizeof *vocab)];
        parse_words(w, n, 5);
    }
    return 0;
}

/* Mutations of a real input: drop, duplicate or swap tokens. */
static int fuzz(const Input *in, int count, unsigned seed)
{
    rng_state = seed;
    RawTok *base;
    int n = tokenize(in, &base);
    flag(in, base, n);
    RawTok *r = malloc(sizeof *r * (size_t)(n * 2 + 2));
    for (int k = 0; k < count; k++) {
        int m = 0;
        for (int i = 0; i < n; i++) {
            unsigned op = rnd(40);
            if (op == 0)
                continue;              /* drop */
            r[m++] = base[i];
            if (op == 1)
                r[m++] = base[i];      /* duplicate */
            if (op == 2 && m >= 2) {   /* swap with previous */
                RawTok t = r[m - 1];
                r[m - 1] = r[m - 2];
                r[m - 2] = t;
            }
        }
        for (int i = 0; i < m; i++) /* indexes moved: keep them in range */
            if (r[i].flags & RTF_MACRO_FN)
                r[i].macro_last = i + (int)rnd(6) - 1;
        Source src = {.path = "fuzz", .text = in->text, .len = in->len};
        source_index(&src);
        Arena a = {0};
        parse(in, &src, &a, r, m);
        arena_free(&a);
        source_free(&src);
    }
    free(r);
    free(base);
    return 0;
}

/* N levels of one construct around `x`, as a body: { x = ((((x)))); } */
static int deep(int n, const char *kind)
{
    int total = 8 * n + 8;
    const char **w = malloc(sizeof *w * (size_t)total);
    int m = 0;
    w[m++] = "{";
    if (!strcmp(kind, "brace")) {
        for (int i = 0; i < n; i++)
            w[m++] = "{";
        for (int i = 0; i < n; i++)
            w[m++] = "}";
    } else if (!strcmp(kind, "chain")) { /* x = x + x + ... + x; */
        w[m++] = "x";
        w[m++] = "=";
        w[m++] = "x";
        for (int i = 0; i < n; i++) {
            w[m++] = "+";
            w[m++] = "x";
        }
        w[m++] = ";";
    } else if (!strcmp(kind, "elif")) { /* if (x) x; else if (x) x; ... */
        for (int i = 0; i < n; i++) {
            if (i > 0)
                w[m++] = "else";
            static const char *const link[] = {"if", "(", "x", ")", "x", ";"};
            for (int k = 0; k < 6; k++)
                w[m++] = link[k];
        }
    } else {
        w[m++] = "x";
        w[m++] = "=";
        const char *open = !strcmp(kind, "paren") ? "(" : "-";
        for (int i = 0; i < n; i++)
            w[m++] = open;
        w[m++] = "x";
        if (!strcmp(kind, "paren"))
            for (int i = 0; i < n; i++)
                w[m++] = ")";
        w[m++] = ";";
    }
    w[m++] = "}";
    rng_state = 1;
    size_t len = 0;
    for (int i = 0; i < m; i++)
        len += strlen(w[i]) + 1;
    char *text = malloc(len + 1);
    RawTok *r = calloc((size_t)m, sizeof *r);
    size_t off = 0;
    for (int i = 0; i < m; i++) {
        size_t l = strlen(w[i]);
        r[i].off = (unsigned)off;
        r[i].len = (unsigned)l;
        r[i].macro_last = -1;
        r[i].ckind = w[i][0] == 'x' ? RT_IDENT
                     : isalpha((unsigned char)w[i][0]) ? RT_KEYWORD
                                                       : RT_PUNCT;
        memcpy(text + off, w[i], l);
        off += l;
        text[off++] = ' ';
    }
    text[off] = '\0';
    Source src = {.path = "deep", .text = text, .len = off};
    source_index(&src);
    Arena a = {0};
    Input in = {0};
    Node *b = parse(&in, &src, &a, r, m);
    printf("%s\n", b ? "parsed" : "rejected");
    arena_free(&a);
    source_free(&src);
    free(r);
    free(text);
    free(w);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 4 && !strcmp(argv[1], "soup"))
        return soup(atoi(argv[2]), (unsigned)atoi(argv[3]));
    if (argc >= 4 && !strcmp(argv[1], "deep"))
        return deep(atoi(argv[2]), argv[3]);
    if (argc < 3) {
        fprintf(stderr, "usage: ptool dump|ranges|fuzz FILE [N SEED]\n");
        return 2;
    }
    Input in = {0};
    if (read_input(&in, argv[2]) < 0) {
        perror(argv[2]);
        return 2;
    }
    int rc = 0;
    if (!strcmp(argv[1], "fuzz") && argc >= 5) {
        rc = fuzz(&in, atoi(argv[3]), (unsigned)atoi(argv[4]));
    } else {
        RawTok *r;
        int n = tokenize(&in, &r);
        flag(&in, r, n);
        const char *base = strrchr(argv[2], '/'); /* stable in messages */
        Source src = {.path = base ? base + 1 : argv[2], .text = in.text, .len = in.len};
        source_index(&src);
        Arena a = {0};
        Node *root = parse(&in, &src, &a, r, n);
        if (!root)
            rc = 1;
        else if (!strcmp(argv[1], "ranges")) {
            ranges(root, &src, r, 0, 0, n - 1);
            rc = bad_ranges ? 1 : 0;
        } else
            ast_dump(root, &src, r, stdout);
        arena_free(&a);
        source_free(&src);
        free(r);
    }
    free_input(&in);
    return rc;
}
