/*
 * ast.c - node allocation, lists, and a readable dump of the tree.
 *
 * The dump is an indented S-expression, one node per line:
 *
 *     (BINARY '+'
 *       (IDENT "a")
 *       (CONST "1"))
 *
 * After the kind come the operator (quoted), the storage class, the name,
 * the type or designator range as ty="...", and for leaves the source
 * text; then the children in source order, named ones labelled with their
 * role (`cond: (...)`, absent ones left out), then the list elements.  Source text is
 * printed token by token separated by one space, so the dump does not depend
 * on the input's layout and is the same on every run.
 */
#include "ast.h"

#include "lex.h"

#include <string.h>

#include "gram.h"

Node *node_new(Arena *a, int *count, NodeKind kind, int tok0, int tok1)
{
    Node *n = arena_alloc(a, sizeof *n);
    n->kind = kind;
    n->id = (*count)++;
    n->tok0 = tok0;
    n->tok1 = tok1;
    n->ty0 = n->ty1 = -1;
    n->name = -1;
    return n;
}

/* Lists are short (arguments, declarators, block items), and the parser
 * builds its lists with a tail pointer of its own, so walking is fine here
 * and leaves every Node field to its documented use. */
void node_append(Node **head, Node *item)
{
    while (*head)
        head = &(*head)->next;
    item->next = NULL;
    *head = item;
}

/* ---- the roles of each kind, in source order ---------------------------- */

typedef enum Role {
    R_END, R_LHS, R_RHS, R_OPERAND, R_ARG, R_CALLEE, R_COND, R_THEN, R_ELS,
    R_INIT, R_STEP, R_BODY,
} Role;

static const char *const role_names[] = {
    [R_LHS] = "lhs", [R_RHS] = "rhs", [R_OPERAND] = "operand", [R_ARG] = "arg",
    [R_CALLEE] = "callee", [R_COND] = "cond", [R_THEN] = "then",
    [R_ELS] = "else", [R_INIT] = "init", [R_STEP] = "step", [R_BODY] = "body",
};

/* At most four named children; R_END ends a shorter row. */
static const unsigned char roles[N_KIND_COUNT][4] = {
    [N_CALL] = {R_CALLEE},
    [N_INDEX] = {R_LHS, R_RHS},
    [N_MEMBER] = {R_OPERAND},
    [N_POSTINC] = {R_OPERAND},
    [N_POSTDEC] = {R_OPERAND},
    [N_PREINC] = {R_OPERAND},
    [N_PREDEC] = {R_OPERAND},
    [N_UNARY] = {R_OPERAND},
    [N_SIZEOF_EXPR] = {R_OPERAND},
    [N_CAST] = {R_OPERAND},
    [N_COMPOUND_LIT] = {R_INIT},
    [N_BINARY] = {R_LHS, R_RHS},
    [N_LOGAND] = {R_LHS, R_RHS},
    [N_LOGOR] = {R_LHS, R_RHS},
    [N_COND] = {R_COND, R_THEN, R_ELS},
    [N_ASSIGN] = {R_LHS, R_RHS},
    [N_COMMA] = {R_LHS, R_RHS},
    [N_STMT_EXPR] = {R_BODY},
    [N_INIT_ITEM] = {R_INIT},
    [N_AWAIT] = {R_OPERAND},
    [N_TO_THREAD] = {R_CALLEE},
    [N_WITH_TIMEOUT] = {R_ARG, R_OPERAND},
    [N_SPAWN] = {R_ARG, R_OPERAND},
    [N_ASYNC_RUN] = {R_OPERAND},
    [N_DECLARATOR] = {R_INIT},
    [N_EXPR_STMT] = {R_OPERAND},
    [N_IF] = {R_COND, R_THEN, R_ELS},
    [N_WHILE] = {R_COND, R_BODY},
    [N_DO] = {R_BODY, R_COND},
    [N_FOR] = {R_INIT, R_COND, R_STEP, R_BODY},
    [N_SWITCH] = {R_COND, R_BODY},
    [N_CASE] = {R_LHS, R_RHS, R_BODY},
    [N_DEFAULT] = {R_BODY},
    [N_LABEL] = {R_BODY},
    [N_GOTO] = {R_OPERAND},
    [N_RETURN] = {R_OPERAND},
    [N_MACRO_STMT] = {R_CALLEE, R_BODY},
};

static Node *role_kid(const Node *n, int r)
{
    switch ((Role)r) {
    case R_LHS: return n->lhs;
    case R_RHS: return n->rhs;
    case R_OPERAND: return n->operand;
    case R_ARG: return n->arg;
    case R_CALLEE: return n->callee;
    case R_COND: return n->cond;
    case R_THEN: return n->then;
    case R_ELS: return n->els;
    case R_INIT: return n->init;
    case R_STEP: return n->step;
    case R_BODY: return n->body;
    case R_END: break;
    }
    return NULL;
}

Node *ast_first_kid(const Node *n, KidIter *it)
{
    it->n = n;
    it->role = 0;
    it->item = n->list;
    return ast_next_kid(it);
}

Node *ast_next_kid(KidIter *it)
{
    const unsigned char *row = roles[it->n->kind];
    while (it->role < 4 && row[it->role] != R_END) {
        Node *k = role_kid(it->n, row[it->role++]);
        if (k)
            return k;
    }
    it->role = 4;
    Node *k = it->item;
    if (k)
        it->item = k->next;
    return k;
}

const char *ast_role_of(const Node *n, const Node *kid)
{
    const unsigned char *row = roles[n->kind];
    for (int i = 0; i < 4 && row[i] != R_END; i++)
        if (role_kid(n, row[i]) == kid)
            return role_names[row[i]];
    return NULL;
}

static const char *const kind_names[] = {
    [N_IDENT] = "IDENT", [N_CONST] = "CONST", [N_STRING] = "STRING",
    [N_OPAQUE] = "OPAQUE", [N_CALL] = "CALL", [N_INDEX] = "INDEX",
    [N_MEMBER] = "MEMBER", [N_POSTINC] = "POSTINC", [N_POSTDEC] = "POSTDEC",
    [N_PREINC] = "PREINC", [N_PREDEC] = "PREDEC", [N_UNARY] = "UNARY",
    [N_SIZEOF_EXPR] = "SIZEOF_EXPR", [N_SIZEOF_TYPE] = "SIZEOF_TYPE",
    [N_CAST] = "CAST", [N_COMPOUND_LIT] = "COMPOUND_LIT",
    [N_BINARY] = "BINARY", [N_LOGAND] = "LOGAND", [N_LOGOR] = "LOGOR",
    [N_COND] = "COND", [N_ASSIGN] = "ASSIGN", [N_COMMA] = "COMMA",
    [N_STMT_EXPR] = "STMT_EXPR", [N_INIT_LIST] = "INIT_LIST",
    [N_INIT_ITEM] = "INIT_ITEM", [N_AWAIT] = "AWAIT", [N_GATHER] = "GATHER",
    [N_TO_THREAD] = "TO_THREAD", [N_WITH_TIMEOUT] = "WITH_TIMEOUT",
    [N_SPAWN] = "SPAWN", [N_ASYNC_RUN] = "ASYNC_RUN", [N_BLOCK] = "BLOCK",
    [N_DECL] = "DECL", [N_DECLARATOR] = "DECLARATOR",
    [N_EXPR_STMT] = "EXPR_STMT", [N_IF] = "IF", [N_WHILE] = "WHILE",
    [N_DO] = "DO", [N_FOR] = "FOR", [N_SWITCH] = "SWITCH", [N_CASE] = "CASE",
    [N_DEFAULT] = "DEFAULT", [N_LABEL] = "LABEL", [N_GOTO] = "GOTO",
    [N_BREAK] = "BREAK", [N_CONTINUE] = "CONTINUE", [N_RETURN] = "RETURN",
    [N_NULL] = "NULL", [N_ASM] = "ASM", [N_STATIC_ASSERT] = "STATIC_ASSERT",
    [N_MACRO_STMT] = "MACRO_STMT",
};

const char *node_kind_name(NodeKind k)
{
    if ((unsigned)k < sizeof kind_names / sizeof kind_names[0] &&
        kind_names[k])
        return kind_names[k];
    return "?";
}

/* Spelling of an operator token code (Node.op). */
static const char *op_name(int op)
{
    switch (op) {
    case TK_STAR: return "*";
    case TK_SLASH: return "/";
    case TK_PERCENT: return "%";
    case TK_PLUS: return "+";
    case TK_MINUS: return "-";
    case TK_SHL: return "<<";
    case TK_SHR: return ">>";
    case TK_LT: return "<";
    case TK_GT: return ">";
    case TK_LE: return "<=";
    case TK_GE: return ">=";
    case TK_EQ: return "==";
    case TK_NE: return "!=";
    case TK_AMP: return "&";
    case TK_CARET: return "^";
    case TK_PIPE: return "|";
    case TK_ANDAND: return "&&";
    case TK_OROR: return "||";
    case TK_TILDE: return "~";
    case TK_BANG: return "!";
    case TK_INC: return "++";
    case TK_DEC: return "--";
    case TK_DOT: return ".";
    case TK_ARROW: return "->";
    case TK_ASSIGN: return "=";
    case TK_MULASSIGN: return "*=";
    case TK_DIVASSIGN: return "/=";
    case TK_MODASSIGN: return "%=";
    case TK_ADDASSIGN: return "+=";
    case TK_SUBASSIGN: return "-=";
    case TK_SHLASSIGN: return "<<=";
    case TK_SHRASSIGN: return ">>=";
    case TK_ANDASSIGN: return "&=";
    case TK_XORASSIGN: return "^=";
    case TK_ORASSIGN: return "|=";
    case TK_SIZEOF: return "sizeof";
    case TK_ALIGNOF: return "_Alignof";
    default: return NULL;
    }
}

/* Does this kind print its operator?  (The others' operator is implied by
 * the kind.) */
static int shows_op(NodeKind k)
{
    return k == N_BINARY || k == N_ASSIGN || k == N_UNARY || k == N_MEMBER ||
           k == N_SIZEOF_EXPR || k == N_SIZEOF_TYPE;
}

/* Leaves print their text: it is all there is to them. */
static int shows_text(NodeKind k)
{
    return k == N_IDENT || k == N_CONST || k == N_STRING || k == N_OPAQUE ||
           k == N_ASM || k == N_STATIC_ASSERT || k == N_DECLARATOR;
}

/* Raw tokens t0..t1 as a quoted string, one space between tokens. */
static void dump_text(FILE *out, const Source *src, const RawTok *raw, int t0,
                      int t1)
{
    fputc('"', out);
    for (int i = t0; i <= t1; i++) {
        if (i > t0)
            fputc(' ', out);
        const char *s = src->text + raw[i].off;
        for (unsigned j = 0; j < raw[i].len; j++) {
            if (s[j] == '"' || s[j] == '\\')
                fputc('\\', out);
            if (s[j] == '\n')
                fputs("\\n", out);
            else
                fputc(s[j], out);
        }
    }
    fputc('"', out);
}

static void dump_storage(FILE *out, int storage)
{
    static const char *const names[] = {"typedef", "static", "extern",
                                        "register", "thread_local", "auto"};
    const char *sep = " storage=";
    for (int i = 0; i < 6; i++) {
        if (storage & (1 << i)) {
            fprintf(out, "%s%s", sep, names[i]);
            sep = "|";
        }
    }
}

static void indent(FILE *out, int depth)
{
    fputc('\n', out);
    for (int i = 0; i < depth; i++)
        fputs("  ", out);
}

/* Deeper than this, the dump says so instead of recursing further: a long
 * chain like a+b+c+... builds a tree as deep as it is long. */
enum { DUMP_MAX_DEPTH = 4000 };

static void dump(const Node *n, const Source *src, const RawTok *raw,
                 FILE *out, int depth)
{
    if (!n) {
        fputs("nil", out);
        return;
    }
    if (depth > DUMP_MAX_DEPTH) {
        fputs("(...)", out);
        return;
    }
    fprintf(out, "(%s", node_kind_name(n->kind));
    if (shows_op(n->kind)) {
        const char *op = op_name(n->op);
        if (n->op == TK_REALIMAG) /* one code for both: show the text */
            fprintf(out, " '%.*s'", (int)raw[n->tok0].len,
                    src->text + raw[n->tok0].off);
        else
            fprintf(out, " '%s'", op ? op : "?");
    }
    if (n->kind == N_DECL)
        dump_storage(out, n->storage);
    if (n->name >= 0 && n->kind != N_IDENT) {
        fputs(" name=", out);
        dump_text(out, src, raw, n->name, n->name);
    }
    if (n->ty0 >= 0) {
        fputs(n->kind == N_INIT_ITEM ? " desig=" : " ty=", out);
        dump_text(out, src, raw, n->ty0, n->ty1);
    }
    if (shows_text(n->kind)) {
        fputc(' ', out);
        dump_text(out, src, raw, n->tok0, n->tok1);
    }
    KidIter it;
    for (const Node *k = ast_first_kid(n, &it); k; k = ast_next_kid(&it)) {
        indent(out, depth + 1);
        const char *role = ast_role_of(n, k);
        if (role)
            fprintf(out, "%s: ", role);
        dump(k, src, raw, out, depth + 1);
    }
    fputc(')', out);
}

void ast_dump(const Node *n, const Source *src, const RawTok *raw, FILE *out)
{
    dump(n, src, raw, out, 0);
    fputc('\n', out);
}
