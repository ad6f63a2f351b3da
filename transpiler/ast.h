/*
 * ast.h - the transpiler's own syntax tree for async function bodies.
 *
 * The tree is built by the Lemon parser (grammar/asyncc.y) from the tokens of
 * one async function body.  It records structure, not text: every node keeps
 * the range of raw tokens it was parsed from (tok0..tok1, inclusive, indexes
 * into the function's RawTok array), and lowering prints source text from
 * those ranges, editing only what it has to change.  So a statement
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
    N_IDENT,        /* tok0: the identifier (name too)                      */
    N_CONST,        /* number or character constant                        */
    N_STRING,       /* one or more adjacent string literals                */
    N_OPAQUE,       /* a function-like macro invocation, _Generic(...),
                       __builtin_va_arg(...), __builtin_offsetof(...) and
                       the like: printed verbatim (locals renamed inside)   */
    N_CALL,         /* callee(list)                                         */
    N_INDEX,        /* lhs[rhs]                                             */
    N_MEMBER,       /* operand.name or operand->name; op '.' or '->'       */
    N_POSTINC,      /* operand++                                            */
    N_POSTDEC,      /* operand--                                            */
    N_PREINC,       /* ++operand                                            */
    N_PREDEC,       /* --operand                                            */
    N_UNARY,        /* op operand, op one of & * + - ~ ! __real__ __imag__  */
    N_SIZEOF_EXPR,  /* sizeof operand, _Alignof operand (never evaluated)   */
    N_SIZEOF_TYPE,  /* sizeof (type), _Alignof (type): ty0..ty1             */
    N_CAST,         /* (type) operand: ty0..ty1 is the type name            */
    N_COMPOUND_LIT, /* (type){...}: ty0..ty1, init is the N_INIT_LIST      */
    N_BINARY,       /* lhs op rhs, op one of * / % + - << >> < > <= >= == != & ^ | */
    N_LOGAND,       /* lhs && rhs                                           */
    N_LOGOR,        /* lhs || rhs                                           */
    N_COND,         /* cond ? then : els; then is NULL for GNU cond ?: els  */
    N_ASSIGN,       /* lhs op rhs, op one of = *= /= %= += -= <<= >>= &= ^= |= */
    N_COMMA,        /* lhs , rhs                                            */
    N_STMT_EXPR,    /* GNU ({ ... }): body is the N_BLOCK                   */
    N_INIT_LIST,    /* { list } of N_INIT_ITEM                              */
    N_INIT_ITEM,    /* designators ty0..ty1 (ty0 < 0: none), then init: the
                       value (an expression or a nested N_INIT_LIST)        */

    /* ---- the Async C forms (expressions in the grammar; sema checks
            where they may stand) ---- */
    N_AWAIT,        /* await operand                                        */
    N_GATHER,       /* gather(list): each an operand (AWAITABLE or
                       LVALUE = AWAITABLE)                                  */
    N_TO_THREAD,    /* to_thread(callee, list)                              */
    N_WITH_TIMEOUT, /* with_timeout(arg, operand): arg the milliseconds     */
    N_SPAWN,        /* spawn(arg, operand): arg the group                   */
    N_ASYNC_RUN,    /* async_run(operand)                                   */

    /* ---- statements ---- */
    N_BLOCK,        /* { list }: statements and declarations                */
    N_DECL,         /* declaration: specifiers ty0..ty1, list of N_DECLARATOR;
                       storage: the DECL_* bits                             */
    N_DECLARATOR,   /* one init-declarator: name (token, -1 if none),
                       tok0..tok1 the declarator without its initializer,
                       init the initializer (expression or N_INIT_LIST)     */
    N_EXPR_STMT,    /* operand ;                                            */
    N_IF,           /* if (cond) then else els                              */
    N_WHILE,        /* while (cond) body                                    */
    N_DO,           /* do body while (cond);                                */
    N_FOR,          /* for (init; cond; step) body: init is an N_DECL, an
                       expression or NULL; cond and step expressions or NULL */
    N_SWITCH,       /* switch (cond) body                                   */
    N_CASE,         /* case lhs: body, or GNU case lhs ... rhs: body        */
    N_DEFAULT,      /* default: body                                        */
    N_LABEL,        /* name: body                                           */
    N_GOTO,         /* goto name; or GNU goto *operand;                     */
    N_BREAK,
    N_CONTINUE,
    N_RETURN,       /* return operand; (operand may be NULL)                */
    N_NULL,         /* ;                                                    */
    N_ASM,          /* asm statement, verbatim                              */
    N_STATIC_ASSERT,/* _Static_assert(...); verbatim                        */
    N_MACRO_STMT,   /* a statement-like macro invocation followed by a
                       statement, e.g. FOREACH(x, l) { ... }: callee is the
                       N_OPAQUE invocation, body the statement              */
    N_KIND_COUNT
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

/*
 * A node.  The parser sets every field and no later stage writes one:
 * sema, lower and emit keep what they learn about a node in tables of
 * their own, indexed by `id`.
 *
 * Children are named by their role; NodeKind says which roles each kind
 * has, and only those may be read (roles no kind has together share
 * storage, which keeps a node under 100 bytes: a big file has a million).
 * Code that needs every child, whatever the kind, uses the one iterator
 * below instead of naming the fields.
 */
typedef struct Node Node;
struct Node {
    NodeKind kind;
    int id;          /* 0, 1, 2 ... in creation order within one tree     */
    int op;          /* operator token code (TK_* from gram.h)             */
    int tok0, tok1;  /* raw token range, inclusive                          */
    int ty0, ty1;    /* a type name or specifier range (-1 when none)        */
    int name;        /* raw index of a name token (-1 when none)             */
    int storage;     /* DECL_* for N_DECL                                    */
    union { Node *lhs, *cond, *callee, *arg; };
    union { Node *rhs, *then, *operand, *init; };
    union { Node *els, *step; };
    Node *body;
    Node *list;      /* first element of a list (args, items, declarators)   */
    Node *next;      /* next element in the list this node belongs to        */
};

/*
 * The children of a node, in source order: its named children that are
 * not NULL, then the elements of its list.
 *
 *     for (Node *k = ast_first_kid(n, &it); k; k = ast_next_kid(&it))
 */
typedef struct KidIter {
    const Node *n;
    int role;        /* next named role to look at                          */
    Node *item;      /* next list element                                   */
} KidIter;
Node *ast_first_kid(const Node *n, KidIter *it);
Node *ast_next_kid(KidIter *it);

/* The role name of the named child `kid` of `n` ("cond", "body" ...), or
 * NULL when kid is a list element. */
const char *ast_role_of(const Node *n, const Node *kid);

/* Allocate a zeroed node; ty0/ty1/name start at -1, and id is the next
 * number of *count. */
Node *node_new(Arena *a, int *count, NodeKind kind, int tok0, int tok1);

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
