/*
 * ast.h - the transpiler's own syntax tree for async function bodies.
 *
 * The tree is built by the Lemon parser (grammar/asyncc.y) from the tokens of
 * one async function body.  It records structure, not text: every node keeps
 * the range of raw tokens it was parsed from (tok0..tok1, inclusive, indexes
 * into the function's RawTok array), and the emitter prints source text from
 * those ranges, editing only what lowering has to change.  So a statement
 * without an await comes out exactly as the user wrote it, comments and
 * macro invocations included.
 *
 * Nodes come from an arena (arena.h) and are never freed one by one.
 */
#ifndef ASYNCC_AST_H
#define ASYNCC_AST_H

#include <stdio.h>

#include "arena.h"

typedef enum NodeKind {
    /* ---- expressions ---- */
    N_IDENT,        /* tok0: the identifier                                */
    N_CONST,        /* number or character constant                        */
    N_STRING,       /* one or more adjacent string literals                */
    N_OPAQUE,       /* a function-like macro invocation, _Generic(...),
                       __builtin_va_arg(...), __builtin_offsetof(...) and
                       the like: printed verbatim (locals renamed inside)   */
    N_CALL,         /* a(list)                                              */
    N_INDEX,        /* a[b]                                                 */
    N_MEMBER,       /* a.name or a->name; op is '.' or '->'; name: token  */
    N_POSTINC,      /* a++                                                  */
    N_POSTDEC,      /* a--                                                  */
    N_PREINC,       /* ++a                                                  */
    N_PREDEC,       /* --a                                                  */
    N_UNARY,        /* op a, op one of & * + - ~ !                          */
    N_SIZEOF_EXPR,  /* sizeof a (a is never evaluated)                      */
    N_SIZEOF_TYPE,  /* sizeof (type), _Alignof (type): ty0..ty1             */
    N_CAST,         /* (type) a: ty0..ty1 is the type name                  */
    N_COMPOUND_LIT, /* (type){...}: ty0..ty1, a is the N_INIT_LIST          */
    N_BINARY,       /* a op b, op one of * / % + - << >> < > <= >= == != & ^ | */
    N_LOGAND,       /* a && b                                               */
    N_LOGOR,        /* a || b                                               */
    N_COND,         /* a ? b : c; b is NULL for GNU a ?: c                  */
    N_ASSIGN,       /* a op b, op one of = *= /= %= += -= <<= >>= &= ^= |= */
    N_COMMA,        /* a , b                                                */
    N_STMT_EXPR,    /* GNU ({ ... }): a is the N_BLOCK                      */
    N_INIT_LIST,    /* { list } of N_INIT_ITEM                              */
    N_INIT_ITEM,    /* designators ty0..ty1 (ty0 < 0: none), then a: the value
                       (an expression or a nested N_INIT_LIST)              */

    /* ---- the Async C forms (expressions in the grammar; sema checks
            where they may stand) ---- */
    N_AWAIT,        /* await a                                              */
    N_GATHER,       /* gather(list): each an expression (CALL or LV = CALL) */
    N_TO_THREAD,    /* to_thread(a, list): a is the function               */
    N_WITH_TIMEOUT, /* with_timeout(a, b): a the milliseconds, b the operand */
    N_SPAWN,        /* spawn(a, b): a the group, b the operand              */
    N_ASYNC_RUN,    /* async_run(a)                                         */

    /* ---- statements ---- */
    N_BLOCK,        /* { list }: statements and declarations                */
    N_DECL,         /* declaration: specifiers ty0..ty1, list of N_DECLARATOR;
                       storage: the DECL_* bits                             */
    N_DECLARATOR,   /* one init-declarator: name (token, -1 if none),
                       tok0..tok1 the declarator without its initializer,
                       a the initializer (expression or N_INIT_LIST) or NULL */
    N_EXPR_STMT,    /* a ;                                                  */
    N_IF,           /* if (a) b else c                                      */
    N_WHILE,        /* while (a) b                                          */
    N_DO,           /* do b while (a);                                      */
    N_FOR,          /* for (a; b; c) d: a is an N_DECL, an expression or NULL;
                       b and c expressions or NULL                          */
    N_SWITCH,       /* switch (a) b                                         */
    N_CASE,         /* case a: c, or GNU case a ... b: c                    */
    N_DEFAULT,      /* default: c                                           */
    N_LABEL,        /* name: c                                              */
    N_GOTO,         /* goto name; or GNU goto *a;                           */
    N_BREAK,
    N_CONTINUE,
    N_RETURN,       /* return a; (a may be NULL)                            */
    N_NULL,         /* ;                                                    */
    N_ASM,          /* asm statement, verbatim                              */
    N_STATIC_ASSERT,/* _Static_assert(...); verbatim                        */
    N_MACRO_STMT,   /* a statement-like macro invocation followed by a
                       statement, e.g. FOREACH(x, l) { ... }: a is the
                       N_OPAQUE invocation, c the statement                 */
} NodeKind;

/* N_DECL.storage bits, from the declaration specifiers. */
enum {
    DECL_TYPEDEF = 1 << 0,
    DECL_STATIC = 1 << 1,
    DECL_EXTERN = 1 << 2,
    DECL_REGISTER = 1 << 3,
    DECL_THREAD_LOCAL = 1 << 4,
    DECL_AUTO = 1 << 5,
};

typedef struct Node Node;
struct Node {
    NodeKind kind;
    int op;          /* operator token code (TK_* from parse.h)              */
    int tok0, tok1;  /* raw token range, inclusive                          */
    int ty0, ty1;    /* a type name or specifier range (-1 when none)        */
    int name;        /* raw index of a name token (-1 when none)             */
    int storage;     /* DECL_* for N_DECL                                    */
    Node *a, *b, *c, *d;
    Node *list;      /* first element of a list (args, items, declarators)   */
    Node *next;      /* next element in the list this node belongs to        */

    /* Filled in by sema and lower, not by the parser. */
    int awaits;      /* number of N_AWAIT nodes in this subtree              */
    int site;        /* N_AWAIT: its await site number (1-based)             */
    const char *repl;/* lower: C text that replaces this subtree, or NULL     */
};

/* Allocate a zeroed node; ty0/ty1/name start at -1. */
Node *node_new(Arena *a, NodeKind kind, int tok0, int tok1);

/* Append `item` to the list headed by *head (keeps order). */
void node_append(Node **head, Node *item);

const char *node_kind_name(NodeKind k);

/* Print the tree under n as an indented S-expression (kind, operator,
 * names, type ranges, the source text of leaves), one node per line; the
 * same tree always prints the same way.  raw is the RawTok array the
 * node's token indexes refer to. */
struct Source;
struct RawTok;
void ast_dump(const Node *n, const struct Source *src,
              const struct RawTok *raw, FILE *out);

#endif /* ASYNCC_AST_H */
