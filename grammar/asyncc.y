/*
** asyncc.y - the syntax of async function bodies: the C11 statement and
** expression grammar, the GNU extensions real code uses, and the Async C
** forms (await, gather, to_thread, with_timeout, spawn, async_run).
**
** Input is the token stream of transpiler/lex.c.  libclang has already
** checked that the code is valid C and told the lexer which identifiers
** name types, so this grammar never guesses: a TYPE_NAME token starts a
** declaration, an IDENT an expression.  Because the input is known to be
** valid, the grammar may accept a superset of C where that keeps it small
** (one decl_specs for declarations, type names and parameters; one
** expression nonterminal with operator precedence instead of a ladder of
** thirteen), as long as every valid program gets the tree C gives it.
**
** Every node records the raw token range it covers (tok0..tok1) because the
** emitter prints source text from those ranges.  Parentheses around an
** expression are folded into the range of the expression they enclose, so a
** parent's range always starts and ends on real text of its own.
**
** Lemon must report zero conflicts.  Each use of precedence to settle one
** is commented where it is declared or used.
*/

%name asyncc_parser
%token_prefix TK_
%token_type {PTok}
%default_type {Node *}
%extra_argument {ParseState *st}
%start_symbol start
/* Deep nesting must be an error message, never a crash: a fixed stack
** whose overflow is reported by %stack_overflow below.  An else-if chain
** takes about six entries a link, so this allows some 5000 links; parse.c
** separately caps the depth of the finished tree. */
%stack_size 30000

%include {
#include <stddef.h>
#include <string.h>
#include "parse_state.h"

/* A node covering raw tokens t0..t1. */
static Node *mk(ParseState *st, NodeKind k, int t0, int t1)
{
    return node_new(st->arena, &st->nnodes, k, t0, t1);
}

static PExpr px(Node *n)
{
    PExpr e = {n, n->tok0, n->tok1};
    return e;
}

/* `l op r`: from the left operand's text to the right one's, parentheses
** around them included. */
static PExpr mk_bin(ParseState *st, NodeKind k, PTok op, PExpr l, PExpr r)
{
    Node *n = mk(st, k, l.t0, r.t1);
    n->op = op.kind;
    n->lhs = l.n;
    n->rhs = r.n;
    return px(n);
}

/* `op a` for prefix operators. */
static PExpr mk_pre(ParseState *st, NodeKind k, PTok op, PExpr a)
{
    Node *n = mk(st, k, op.r0, a.t1);
    n->op = op.kind;
    n->operand = a.n;
    return px(n);
}

/* `a op` for postfix ++ and --. */
static PExpr mk_post(ParseState *st, NodeKind k, PTok op, PExpr a)
{
    Node *n = mk(st, k, a.t0, op.r1);
    n->op = op.kind;
    n->operand = a.n;
    return px(n);
}

static PExpr mk_member(ParseState *st, PTok op, PExpr a, PTok name)
{
    Node *n = mk(st, N_MEMBER, a.t0, name.r1);
    n->op = op.kind;
    n->operand = a.n;
    n->name = name.r0;
    return px(n);
}

static PExpr mk_sizeof_type(ParseState *st, PTok op, PRange ty, PTok rp)
{
    Node *n = mk(st, N_SIZEOF_TYPE, op.r0, rp.r1);
    n->op = op.kind;
    n->ty0 = ty.t0;
    n->ty1 = ty.t1;
    return px(n);
}

static void list_add(PList *l, Node *n)
{
    if (l->tail)
        l->tail->next = n;
    else
        l->head = n;
    l->tail = n;
}

static PList list_one(Node *n)
{
    PList l = {n, n};
    return l;
}

/* DECL_* bit for a storage-class keyword (the token class STORAGE lumps
** them together; the bits come from the text). */
static int storage_bit(ParseState *st, PTok t)
{
    const RawTok *r = &st->raw[t.r0];
    if (raw_is(st->src, r, "static")) return DECL_STATIC;
    if (raw_is(st->src, r, "extern")) return DECL_EXTERN;
    if (raw_is(st->src, r, "register")) return DECL_REGISTER;
    if (raw_is(st->src, r, "typedef")) return DECL_TYPEDEF;
    if (raw_is(st->src, r, "auto")) return DECL_AUTO;
    if (raw_is(st->src, r, "_Thread_local") || raw_is(st->src, r, "__thread"))
        return DECL_THREAD_LOCAL;
    return 0; /* __label__ */
}

static PSpec spec_tok(PTok t)
{
    PSpec s = {t.r0, t.r1, 0, 0};
    return s;
}

static PSpec spec_range(PRange r)
{
    PSpec s = {r.t0, r.t1, 0, 0};
    return s;
}

static PRange range(int t0, int t1)
{
    PRange r = {t0, t1};
    return r;
}
}

/* The first error stops the parse: parse.c feeds no further tokens, so
** exactly one message is printed.  yymajor 0 is the end of input. */
%syntax_error {
    if (!st->error) {
        st->error = 1;
        st->err_eof = (yymajor == 0);
        st->err_tok = TOKEN;
    }
}
%stack_overflow {
    st->overflow = 1;
}

/* Fix the token codes lex.c uses (gram.h).  Order only matters for
** readability; ILLEGAL is produced for punctuation C does not have and
** appears in no rule, so it is always a syntax error. */
%token START_BODY START_EXPR ILLEGAL.
%token IDENT TYPE_NAME CONST STRING MACRO MACRO_END OPAQUE.
%token TYPESPEC QUALIFIER STORAGE FUNCSPEC TYPEOF ALIGNAS ATTRIBUTE ASM
       STATIC_ASSERT STRUCT UNION ENUM.
%token IF ELSE WHILE DO FOR SWITCH CASE DEFAULT GOTO BREAK CONTINUE RETURN.
%token SIZEOF ALIGNOF REALIMAG.
%token AWAIT GATHER TO_THREAD SPAWN WITH_TIMEOUT ASYNC_RUN ASYNC.
%token LBRACE RBRACE ELLIPSIS.

/*
** Precedence, lowest first.
**
** SEMI: only for the statement-like macro (see `stmt ::= MACRO stmt`):
**   it must lose against the MACRO rule so that `M(x);` is an expression
**   statement and not a macro followed by a null statement.
** LOWER_THAN_ELSE / ELSE: the dangling else binds to the nearest if.
** The binary and assignment operators: C's table.  QUESTION is right
**   associative so `a ? b : c ? d : e` nests to the right.
** UNARY: prefix operators, casts, sizeof expr, await.  Rules tag
**   themselves [UNARY] because their operator tokens (- * & && ++ --)
**   carry binary or postfix precedence of their own.
** INC DEC LBRACKET LP DOT ARROW: postfix operators, binding tighter than
**   any prefix one (`-a[i]` is `-(a[i])`, `*p++` is `*(p++)`, `(T)x(y)`
**   casts the call).
** HIGH: rules that must be reduced whatever follows: `sizeof (T)` (so
**   `sizeof (T) - 1` is not a sizeof of a cast) and a function-like macro
**   invocation used as an expression; also see MACRO_END below.
*/
%nonassoc SEMI.
%nonassoc LOWER_THAN_ELSE.
%nonassoc ELSE.
%left COMMA.
%right ASSIGN MULASSIGN DIVASSIGN MODASSIGN ADDASSIGN SUBASSIGN SHLASSIGN
       SHRASSIGN ANDASSIGN XORASSIGN ORASSIGN.
%right QUESTION.
%left OROR.
%left ANDAND.
%left PIPE.
%left CARET.
%left AMP.
%left EQ NE.
%left LT GT LE GE.
%left SHL SHR.
%left PLUS MINUS.
%left STAR SLASH PERCENT.
%right UNARY.
%left INC DEC LBRACKET LP DOT ARROW.
%nonassoc HIGH.

/* ------------------------------------------------------------------
** Start: parse.c feeds one pseudo-token first to choose what the input
** is: a function body, or the operand of async_run.
*/
start ::= START_BODY block(B).  { st->result = B; }
start ::= START_EXPR expr(E).   { st->result = E.n; }

/* ------------------------------------------------------------------
** Statements
*/
%type block {Node *}
block(A) ::= LBRACE(L) items(I) RBRACE(R). {
    A = mk(st, N_BLOCK, L.r0, R.r1);
    A->list = I.head;
}

/* Declarations and statements mix freely (C99). */
%type items {PList}
items(A) ::= . { A.head = A.tail = NULL; }
items(A) ::= items(L) item(I). { A = L; list_add(&A, I); }

item(A) ::= stmt(S).          { A = S; }
item(A) ::= declaration(D).   { A = D; }
/* A GNU nested function.  It would capture the frame's locals through a
** trampoline on the C stack, which a coroutine leaves at every await:
** refuse it here, by name, instead of a bare syntax error at its `{`. */
item(A) ::= decl_specs declarator(D) decl_tail block(B). {
    A = B;
    if (!st->reported) {
        const RawTok *n = &st->raw[D->name >= 0 ? D->name : D->tok0];
        diag_error(st->src, n->off, "nested function '%.*s' is not supported",
                   (int)n->len, st->src->text + n->off);
        st->reported = 1;
    }
}

stmt(A) ::= block(B). { A = B; }
stmt(A) ::= expr(E) SEMI(S). {
    A = mk(st, N_EXPR_STMT, E.t0, S.r1);
    A->operand = E.n;
}
stmt(A) ::= SEMI(S). { A = mk(st, N_NULL, S.r0, S.r1); }

/* The dangling else: shifting ELSE (higher precedence than the rule's
** LOWER_THAN_ELSE) attaches it to the innermost if, as C requires. */
stmt(A) ::= IF(I) LP expr(C) RP stmt(T). [LOWER_THAN_ELSE] {
    A = mk(st, N_IF, I.r0, T->tok1);
    A->cond = C.n; A->then = T;
}
stmt(A) ::= IF(I) LP expr(C) RP stmt(T) ELSE stmt(E). {
    A = mk(st, N_IF, I.r0, E->tok1);
    A->cond = C.n; A->then = T; A->els = E;
}
stmt(A) ::= WHILE(W) LP expr(C) RP stmt(B). {
    A = mk(st, N_WHILE, W.r0, B->tok1);
    A->cond = C.n; A->body = B;
}
stmt(A) ::= DO(D) stmt(B) WHILE LP expr(C) RP SEMI(S). {
    A = mk(st, N_DO, D.r0, S.r1);
    A->body = B; A->cond = C.n;
}
stmt(A) ::= FOR(F) LP expr_opt(I) SEMI expr_opt(C) SEMI expr_opt(S) RP stmt(B). {
    A = mk(st, N_FOR, F.r0, B->tok1);
    A->init = I; A->cond = C; A->step = S; A->body = B;
}
stmt(A) ::= FOR(F) LP declaration(I) expr_opt(C) SEMI expr_opt(S) RP stmt(B). {
    A = mk(st, N_FOR, F.r0, B->tok1);
    A->init = I; A->cond = C; A->step = S; A->body = B;
}
stmt(A) ::= SWITCH(W) LP expr(C) RP stmt(B). {
    A = mk(st, N_SWITCH, W.r0, B->tok1);
    A->cond = C.n; A->body = B;
}

/* Labels, case and default take a whole item, so that a declaration may
** follow a label (GNU C and C23 allow it; libclang has the final word). */
stmt(A) ::= CASE(K) aexpr(V) COLON item(S). {
    A = mk(st, N_CASE, K.r0, S->tok1);
    A->lhs = V.n; A->body = S;
}
stmt(A) ::= CASE(K) aexpr(V) ELLIPSIS aexpr(W) COLON item(S). {
    A = mk(st, N_CASE, K.r0, S->tok1);
    A->lhs = V.n; A->rhs = W.n; A->body = S;
}
stmt(A) ::= DEFAULT(K) COLON item(S). {
    A = mk(st, N_DEFAULT, K.r0, S->tok1);
    A->body = S;
}
/* `name :` at the start of a statement is a label; an expression
** statement starting with an identifier never has ':' next, so LALR(1)
** separates the two without help. */
stmt(A) ::= IDENT(N) COLON item(S). {
    A = mk(st, N_LABEL, N.r0, S->tok1);
    A->name = N.r0; A->body = S;
}
stmt(A) ::= GOTO(G) IDENT(N) SEMI(S). {
    A = mk(st, N_GOTO, G.r0, S.r1);
    A->name = N.r0;
}
stmt(A) ::= GOTO(G) STAR expr(E) SEMI(S). {   /* GNU computed goto */
    A = mk(st, N_GOTO, G.r0, S.r1);
    A->operand = E.n;
}
stmt(A) ::= CONTINUE(K) SEMI(S). { A = mk(st, N_CONTINUE, K.r0, S.r1); }
stmt(A) ::= BREAK(K) SEMI(S).    { A = mk(st, N_BREAK, K.r0, S.r1); }
stmt(A) ::= RETURN(K) SEMI(S).   { A = mk(st, N_RETURN, K.r0, S.r1); }
stmt(A) ::= RETURN(K) expr(E) SEMI(S). {
    A = mk(st, N_RETURN, K.r0, S.r1);
    A->operand = E.n;
}
stmt(A) ::= ASM(K) SEMI(S). { A = mk(st, N_ASM, K.r0, S.r1); }
stmt(A) ::= STATIC_ASSERT(K) SEMI(S). { A = mk(st, N_STATIC_ASSERT, K.r0, S.r1); }

/* A statement-like macro: FOREACH(x, l) { ... }.  The same token in front
** of an operator or ';' is an ordinary expression: the rule
** `aexpr ::= MACRO` carries HIGH precedence, so it is reduced rather than
** taking `-x;`, `(y);`, `*p = 1;` or `;` as the macro's statement. */
stmt(A) ::= MACRO(M) stmt(S). {
    Node *m = mk(st, N_OPAQUE, M.r0, M.r1);
    A = mk(st, N_MACRO_STMT, M.r0, S->tok1);
    A->callee = m; A->body = S;
}

/* A macro invocation right before `}` whose expansion is a whole statement,
** `;` included (`PNG_UNUSED(x) }`): an N_EXPR_STMT without a `;` of its
** own, so that printing its range prints the statement.  lex.c gives such a
** call its own token, so this needs no lookahead. */
stmt(A) ::= MACRO_END(M). [HIGH] {
    A = mk(st, N_EXPR_STMT, M.r0, M.r1);
    A->operand = mk(st, N_OPAQUE, M.r0, M.r1);
}

%type expr_opt {Node *}
expr_opt(A) ::= . { A = NULL; }
expr_opt(A) ::= expr(E). { A = E.n; }

/* ------------------------------------------------------------------
** Declarations
*/
/* Specifiers alone declare a tag (`struct s { ... };`); attributes alone
** are a statement attribute (`__attribute__((fallthrough));`), which is a
** null statement as far as control flow is concerned. */
declaration(A) ::= decl_specs(S) SEMI(E). {
    if (S.attrs_only) {
        A = mk(st, N_NULL, S.t0, E.r1);
    } else {
        A = mk(st, N_DECL, S.t0, E.r1);
        A->ty0 = S.t0; A->ty1 = S.t1; A->storage = S.storage;
    }
}
declaration(A) ::= decl_specs(S) init_decls(L) SEMI(E). {
    A = mk(st, N_DECL, S.t0, E.r1);
    A->ty0 = S.t0; A->ty1 = S.t1; A->storage = S.storage;
    A->list = L.head;
}

/* One list for storage classes, qualifiers, type specifiers, function
** specifiers, alignment and attributes, in any order: C allows the order
** and libclang has checked the combination. */
%type decl_specs {PSpec}
%type decl_spec {PSpec}
decl_specs(A) ::= decl_spec(S). { A = S; }
decl_specs(A) ::= decl_specs(L) decl_spec(S). {
    A.t0 = L.t0; A.t1 = S.t1; A.storage = L.storage | S.storage;
    A.attrs_only = L.attrs_only && S.attrs_only;
}
decl_spec(A) ::= STORAGE(T).   { A = spec_tok(T); A.storage = storage_bit(st, T); }
decl_spec(A) ::= TYPESPEC(T).  { A = spec_tok(T); }
decl_spec(A) ::= QUALIFIER(T). { A = spec_tok(T); }
decl_spec(A) ::= FUNCSPEC(T).  { A = spec_tok(T); }
/* `async int (*fp)(int) = f;`: a pointer to an async function (clang has
** checked where `async` may stand; generated C reads it as nothing). */
decl_spec(A) ::= ASYNC(T).     { A = spec_tok(T); }
decl_spec(A) ::= TYPE_NAME(T). { A = spec_tok(T); }
decl_spec(A) ::= TYPEOF(T).    { A = spec_tok(T); }
decl_spec(A) ::= ALIGNAS(T).   { A = spec_tok(T); }
decl_spec(A) ::= ATTRIBUTE(T). { A = spec_tok(T); A.attrs_only = 1; }
decl_spec(A) ::= su_spec(R).   { A = spec_range(R); }
decl_spec(A) ::= enum_spec(R). { A = spec_range(R); }

%type init_decls {PList}
init_decls(A) ::= init_decl(D). { A = list_one(D); }
init_decls(A) ::= init_decls(L) COMMA init_decl(D). { A = L; list_add(&A, D); }

/* N_DECLARATOR's range is the declarator with its trailing attributes and
** asm label, without the initializer. */
init_decl(A) ::= declarator(D) decl_tail(T). {
    A = D;
    if (T >= 0) A->tok1 = T;
}
init_decl(A) ::= declarator(D) decl_tail(T) ASSIGN initializer(I). {
    A = D;
    if (T >= 0) A->tok1 = T;
    A->init = I.n;
}

/* Attributes and an asm label after a declarator: the last token, or -1. */
%type decl_tail {int}
decl_tail(A) ::= . { A = -1; }
decl_tail(A) ::= decl_tail ATTRIBUTE(T). { A = T.r1; }
decl_tail(A) ::= decl_tail ASM(T). { A = T.r1; }

/* ---- struct, union, enum ---- */
%type su_spec {PRange}
su_spec(A) ::= su(K) tag(T). { A = range(K.r0, T.r1); }
su_spec(A) ::= su(K) tag LBRACE members RBRACE(R). { A = range(K.r0, R.r1); }
su_spec(A) ::= su(K) LBRACE members RBRACE(R). { A = range(K.r0, R.r1); }

/* The keyword with any attributes after it. */
%type su {PTok}
su(A) ::= STRUCT(K). { A = K; }
su(A) ::= UNION(K). { A = K; }
su(A) ::= su(L) ATTRIBUTE(T). { A = L; A.r1 = T.r1; }

/* A tag may be spelled like a typedef name (`typedef struct s s;`), and
** libclang may then mark it as naming a type. */
%type tag {PTok}
tag(A) ::= IDENT(T). { A = T; }
tag(A) ::= TYPE_NAME(T). { A = T; }

members ::= .
members ::= members member.
member ::= decl_specs SEMI.              /* anonymous struct or union */
member ::= decl_specs member_decls SEMI.
member ::= STATIC_ASSERT SEMI.
member ::= SEMI.
member_decls ::= member_decl.
member_decls ::= member_decls COMMA member_decl.
member_decl ::= declarator decl_tail.
member_decl ::= declarator decl_tail COLON aexpr decl_tail.   /* bitfield */
member_decl ::= COLON aexpr decl_tail.                         /* padding */

%type enum_spec {PRange}
enum_spec(A) ::= enum_kw(K) tag(T). { A = range(K.r0, T.r1); }
enum_spec(A) ::= enum_kw(K) tag LBRACE enumerators comma_opt RBRACE(R). {
    A = range(K.r0, R.r1);
}
enum_spec(A) ::= enum_kw(K) LBRACE enumerators comma_opt RBRACE(R). {
    A = range(K.r0, R.r1);
}
%type enum_kw {PTok}
enum_kw(A) ::= ENUM(K). { A = K; }
enum_kw(A) ::= enum_kw(L) ATTRIBUTE(T). { A = L; A.r1 = T.r1; }

enumerators ::= enumerator.
enumerators ::= enumerators COMMA enumerator.
enumerator ::= IDENT decl_tail.
enumerator ::= IDENT decl_tail ASSIGN aexpr.
comma_opt ::= .
comma_opt ::= COMMA.

/* ---- declarators ----
** The result is an N_DECLARATOR whose name is the declared identifier;
** parameter lists build their own declarators, which are dropped, so the
** name of `int (*fp)(int a)` is fp. */
declarator(A) ::= pointer(P) direct_decl(D). { A = D; A->tok0 = P.t0; }
declarator(A) ::= direct_decl(D). { A = D; }

direct_decl(A) ::= IDENT(N). {
    A = mk(st, N_DECLARATOR, N.r0, N.r1);
    A->name = N.r0;
}
direct_decl(A) ::= LP(L) declarator(D) RP(R). {
    A = D; A->tok0 = L.r0; A->tok1 = R.r1;
}
direct_decl(A) ::= direct_decl(D) LBRACKET array_size RBRACKET(R). {
    A = D; A->tok1 = R.r1;
}
direct_decl(A) ::= direct_decl(D) LP RP(R). { A = D; A->tok1 = R.r1; }
direct_decl(A) ::= direct_decl(D) LP params RP(R). { A = D; A->tok1 = R.r1; }

/* `*`, then qualifiers and attributes, any number of times. */
%type pointer {PRange}
pointer(A) ::= STAR(S). { A = range(S.r0, S.r1); }
pointer(A) ::= pointer(P) STAR(S). { A = range(P.t0, S.r1); }
pointer(A) ::= pointer(P) QUALIFIER(S). { A = range(P.t0, S.r1); }
pointer(A) ::= pointer(P) ATTRIBUTE(S). { A = range(P.t0, S.r1); }

/* What may stand between [ and ]: nothing, a size, `*` (VLA of
** unspecified size), and in parameters `static` and qualifiers first.
** `[*]` and `[*p]` part on the token after the star. */
array_size ::= .
array_size ::= aexpr.
array_size ::= STAR.
array_size ::= array_quals.
array_size ::= array_quals aexpr.
array_size ::= array_quals STAR.
array_quals ::= QUALIFIER.
array_quals ::= STORAGE.
array_quals ::= array_quals QUALIFIER.
array_quals ::= array_quals STORAGE.

params ::= param_list.
params ::= param_list COMMA ELLIPSIS.
param_list ::= param.
param_list ::= param_list COMMA param.
param ::= decl_specs.
param ::= decl_specs declarator decl_tail.
param ::= decl_specs abs_decl.

/* Abstract declarators (type names, unnamed parameters): the range only.
** After `(` the next token tells a nested declarator (IDENT, `*`, `(`)
** from a parameter list (a specifier) or `()`. */
%type abs_decl {PRange}
%type dabs {PRange}
abs_decl(A) ::= pointer(P). { A = P; }
abs_decl(A) ::= pointer(P) dabs(D). { A = range(P.t0, D.t1); }
abs_decl(A) ::= dabs(D). { A = D; }
dabs(A) ::= LP(L) abs_decl RP(R). { A = range(L.r0, R.r1); }
dabs(A) ::= LBRACKET(L) array_size RBRACKET(R). { A = range(L.r0, R.r1); }
dabs(A) ::= dabs(D) LBRACKET array_size RBRACKET(R). { A = range(D.t0, R.r1); }
dabs(A) ::= LP(L) RP(R). { A = range(L.r0, R.r1); }
dabs(A) ::= LP(L) params RP(R). { A = range(L.r0, R.r1); }
dabs(A) ::= dabs(D) LP RP(R). { A = range(D.t0, R.r1); }
dabs(A) ::= dabs(D) LP params RP(R). { A = range(D.t0, R.r1); }

%type type_name {PRange}
type_name(A) ::= decl_specs(S). { A = range(S.t0, S.t1); }
type_name(A) ::= decl_specs(S) abs_decl(D). { A = range(S.t0, D.t1); }

/* ---- initializers ---- */
%type initializer {PExpr}
initializer(A) ::= aexpr(E). { A = E; }
initializer(A) ::= init_list(L). { A = px(L); }

/* `{}` (GNU, C23), and a trailing comma. */
init_list(A) ::= LBRACE(L) init_items(I) RBRACE(R). {
    A = mk(st, N_INIT_LIST, L.r0, R.r1);
    A->list = I.head;
}
%type init_items {PList}
init_items(A) ::= . { A.head = A.tail = NULL; }
init_items(A) ::= init_seq(S). { A = S; }
init_items(A) ::= init_seq(S) COMMA. { A = S; }
%type init_seq {PList}
init_seq(A) ::= init_item(I). { A = list_one(I); }
init_seq(A) ::= init_seq(S) COMMA init_item(I). { A = S; list_add(&A, I); }

init_item(A) ::= initializer(V). {
    A = mk(st, N_INIT_ITEM, V.t0, V.t1);
    A->init = V.n;
}
init_item(A) ::= designation(D) ASSIGN initializer(V). {
    A = mk(st, N_INIT_ITEM, D.t0, V.t1);
    A->ty0 = D.t0; A->ty1 = D.t1; A->init = V.n;
}
init_item(A) ::= IDENT(N) COLON(C) initializer(V). {   /* GNU `field: v` */
    A = mk(st, N_INIT_ITEM, N.r0, V.t1);
    A->ty0 = N.r0; A->ty1 = C.r1; A->init = V.n;
}
%type designation {PRange}
%type designator {PRange}
designation(A) ::= designator(D). { A = D; }
designation(A) ::= designation(L) designator(D). { A = range(L.t0, D.t1); }
designator(A) ::= LBRACKET(L) aexpr RBRACKET(R). { A = range(L.r0, R.r1); }
designator(A) ::= LBRACKET(L) aexpr ELLIPSIS aexpr RBRACKET(R). {
    A = range(L.r0, R.r1);
}
designator(A) ::= DOT(L) IDENT(N). { A = range(L.r0, N.r1); }
designator(A) ::= DOT(L) TYPE_NAME(N). { A = range(L.r0, N.r1); }

/* ------------------------------------------------------------------
** Expressions
**
** expr is the comma expression; aexpr everything below it (assignment
** down to primary), one nonterminal whose ambiguities the precedence
** table settles.  Argument lists, initializers and array sizes use aexpr,
** so their commas separate items.
**
** Their value is a PExpr: the node, plus the range of its text with any
** parentheses around it.  A node's own tok0..tok1 never includes those
** parentheses (`(x)` is an N_IDENT whose range is `x`, as libclang's
** DeclRefExpr), but a parent's range is built from its operands' outer
** ranges, so `(a) + b` covers the '(' too.
*/
%type expr {PExpr}
%type aexpr {PExpr}
expr(A) ::= aexpr(E). { A = E; }
expr(A) ::= expr(L) COMMA(O) aexpr(R). { A = mk_bin(st, N_COMMA, O, L, R); }

/* ---- primary ---- */
aexpr(A) ::= IDENT(T). {
    Node *n = mk(st, N_IDENT, T.r0, T.r1);
    n->name = T.r0;
    A = px(n);
}
aexpr(A) ::= CONST(T).  { A = px(mk(st, N_CONST, T.r0, T.r1)); }
aexpr(A) ::= strings(S). { A = px(mk(st, N_STRING, S.t0, S.t1)); }
aexpr(A) ::= OPAQUE(T). { A = px(mk(st, N_OPAQUE, T.r0, T.r1)); }
aexpr(A) ::= MACRO(T). [HIGH] { A = px(mk(st, N_OPAQUE, T.r0, T.r1)); }
/* `{M(1), M(2)}`: the last item of an initializer is a MACRO_END too.
** After a statement-like MACRO, LALR merges the follow sets of every
** statement context, so this rule and `stmt ::= MACRO_END` seem to collide
** on tokens that can start a statement; lex.c only makes MACRO_END before
** `}`, so those never occur, and the precedences (SEMI lowest, HIGH
** highest) just pick the statement to silence lemon. */
aexpr(A) ::= MACRO_END(T). [SEMI] { A = px(mk(st, N_OPAQUE, T.r0, T.r1)); }
aexpr(A) ::= LP(L) expr(E) RP(R). {
    A = E; A.t0 = L.r0; A.t1 = R.r1;   /* the node keeps its own range */
}
aexpr(A) ::= LP(L) block(B) RP(R). {    /* GNU statement expression */
    Node *n = mk(st, N_STMT_EXPR, L.r0, R.r1);
    n->body = B;
    A = px(n);
}

/* Adjacent string literals are one literal. */
%type strings {PRange}
strings(A) ::= STRING(T). { A = range(T.r0, T.r1); }
strings(A) ::= strings(L) STRING(T). { A = range(L.t0, T.r1); }

/* ---- postfix ---- */
aexpr(A) ::= aexpr(F) LP args(L) RP(R). {
    Node *n = mk(st, N_CALL, F.t0, R.r1);
    n->callee = F.n; n->list = L.head;
    A = px(n);
}
aexpr(A) ::= aexpr(F) LBRACKET expr(I) RBRACKET(R). {
    Node *n = mk(st, N_INDEX, F.t0, R.r1);
    n->lhs = F.n; n->rhs = I.n;
    A = px(n);
}
aexpr(A) ::= aexpr(E) DOT(O) member_name(N). {
    A = mk_member(st, O, E, N);
}
aexpr(A) ::= aexpr(E) ARROW(O) member_name(N). {
    A = mk_member(st, O, E, N);
}
aexpr(A) ::= aexpr(E) INC(O). { A = mk_post(st, N_POSTINC, O, E); }
aexpr(A) ::= aexpr(E) DEC(O). { A = mk_post(st, N_POSTDEC, O, E); }
/* (type){...}: after `(type)` a `{` can only open a compound literal. */
aexpr(A) ::= LP(L) type_name(T) RP init_list(I). {
    Node *n = mk(st, N_COMPOUND_LIT, L.r0, I->tok1);
    n->ty0 = T.t0; n->ty1 = T.t1; n->init = I;
    A = px(n);
}

%type member_name {PTok}
member_name(A) ::= IDENT(T). { A = T; }
member_name(A) ::= TYPE_NAME(T). { A = T; }

%type args {PList}
%type arg_seq {PList}
args(A) ::= . { A.head = A.tail = NULL; }
args(A) ::= arg_seq(S). { A = S; }
arg_seq(A) ::= aexpr(E). { A = list_one(E.n); }
arg_seq(A) ::= arg_seq(S) COMMA aexpr(E). { A = S; list_add(&A, E.n); }

/* ---- prefix ---- */
aexpr(A) ::= INC(O) aexpr(E). [UNARY]   { A = mk_pre(st, N_PREINC, O, E); }
aexpr(A) ::= DEC(O) aexpr(E). [UNARY]   { A = mk_pre(st, N_PREDEC, O, E); }
aexpr(A) ::= AMP(O) aexpr(E). [UNARY]   { A = mk_pre(st, N_UNARY, O, E); }
aexpr(A) ::= STAR(O) aexpr(E). [UNARY]  { A = mk_pre(st, N_UNARY, O, E); }
aexpr(A) ::= PLUS(O) aexpr(E). [UNARY]  { A = mk_pre(st, N_UNARY, O, E); }
aexpr(A) ::= MINUS(O) aexpr(E). [UNARY] { A = mk_pre(st, N_UNARY, O, E); }
aexpr(A) ::= TILDE(O) aexpr(E). [UNARY] { A = mk_pre(st, N_UNARY, O, E); }
aexpr(A) ::= BANG(O) aexpr(E). [UNARY]  { A = mk_pre(st, N_UNARY, O, E); }
aexpr(A) ::= REALIMAG(O) aexpr(E). [UNARY] { A = mk_pre(st, N_UNARY, O, E); }
/* GNU &&label: an N_UNARY with op ANDAND, the label in name, no operand. */
aexpr(A) ::= ANDAND(O) IDENT(N). [UNARY] {
    Node *n = mk(st, N_UNARY, O.r0, N.r1);
    n->op = O.kind; n->name = N.r0;
    A = px(n);
}
aexpr(A) ::= SIZEOF(O) aexpr(E). [UNARY] { A = mk_pre(st, N_SIZEOF_EXPR, O, E); }
aexpr(A) ::= ALIGNOF(O) aexpr(E). [UNARY] { A = mk_pre(st, N_SIZEOF_EXPR, O, E); }
/* HIGH: `sizeof (T) - 1` subtracts from the size; the alternative would
** read `(T) - 1` as a cast.  `sizeof (T){1}` still shifts the `{` (it is
** not in the follow set, so there is no conflict there). */
aexpr(A) ::= SIZEOF(O) LP type_name(T) RP(R). [HIGH] {
    A = mk_sizeof_type(st, O, T, R);
}
aexpr(A) ::= ALIGNOF(O) LP type_name(T) RP(R). [HIGH] {
    A = mk_sizeof_type(st, O, T, R);
}
aexpr(A) ::= LP(L) type_name(T) RP aexpr(E). [UNARY] {
    Node *n = mk(st, N_CAST, L.r0, E.t1);
    n->ty0 = T.t0; n->ty1 = T.t1; n->operand = E.n;
    A = px(n);
}
/* await has unary precedence: `await f(x) + 1` is `(await f(x)) + 1`,
** `await p->get(x)` awaits the call. */
aexpr(A) ::= AWAIT(O) aexpr(E). [UNARY] { A = mk_pre(st, N_AWAIT, O, E); }

/* ---- binary ---- */
aexpr(A) ::= aexpr(L) STAR(O) aexpr(R).    { A = mk_bin(st, N_BINARY, O, L, R); }
aexpr(A) ::= aexpr(L) SLASH(O) aexpr(R).   { A = mk_bin(st, N_BINARY, O, L, R); }
aexpr(A) ::= aexpr(L) PERCENT(O) aexpr(R). { A = mk_bin(st, N_BINARY, O, L, R); }
aexpr(A) ::= aexpr(L) PLUS(O) aexpr(R).    { A = mk_bin(st, N_BINARY, O, L, R); }
aexpr(A) ::= aexpr(L) MINUS(O) aexpr(R).   { A = mk_bin(st, N_BINARY, O, L, R); }
aexpr(A) ::= aexpr(L) SHL(O) aexpr(R).     { A = mk_bin(st, N_BINARY, O, L, R); }
aexpr(A) ::= aexpr(L) SHR(O) aexpr(R).     { A = mk_bin(st, N_BINARY, O, L, R); }
aexpr(A) ::= aexpr(L) LT(O) aexpr(R).      { A = mk_bin(st, N_BINARY, O, L, R); }
aexpr(A) ::= aexpr(L) GT(O) aexpr(R).      { A = mk_bin(st, N_BINARY, O, L, R); }
aexpr(A) ::= aexpr(L) LE(O) aexpr(R).      { A = mk_bin(st, N_BINARY, O, L, R); }
aexpr(A) ::= aexpr(L) GE(O) aexpr(R).      { A = mk_bin(st, N_BINARY, O, L, R); }
aexpr(A) ::= aexpr(L) EQ(O) aexpr(R).      { A = mk_bin(st, N_BINARY, O, L, R); }
aexpr(A) ::= aexpr(L) NE(O) aexpr(R).      { A = mk_bin(st, N_BINARY, O, L, R); }
aexpr(A) ::= aexpr(L) AMP(O) aexpr(R).     { A = mk_bin(st, N_BINARY, O, L, R); }
aexpr(A) ::= aexpr(L) CARET(O) aexpr(R).   { A = mk_bin(st, N_BINARY, O, L, R); }
aexpr(A) ::= aexpr(L) PIPE(O) aexpr(R).    { A = mk_bin(st, N_BINARY, O, L, R); }
aexpr(A) ::= aexpr(L) ANDAND(O) aexpr(R).  { A = mk_bin(st, N_LOGAND, O, L, R); }
aexpr(A) ::= aexpr(L) OROR(O) aexpr(R).    { A = mk_bin(st, N_LOGOR, O, L, R); }

/* The middle operand of ?: is a full expression (commas included); the
** brackets `?` and `:` make that unambiguous. */
aexpr(A) ::= aexpr(C) QUESTION(O) expr(T) COLON aexpr(E). {
    Node *n = mk(st, N_COND, C.t0, E.t1);
    n->op = O.kind; n->cond = C.n; n->then = T.n; n->els = E.n;
    A = px(n);
}
aexpr(A) ::= aexpr(C) QUESTION(O) COLON aexpr(E). {   /* GNU a ?: b */
    Node *n = mk(st, N_COND, C.t0, E.t1);
    n->op = O.kind; n->cond = C.n; n->els = E.n;
    A = px(n);
}

/* Assignment is right associative and lowest but comma. */
aexpr(A) ::= aexpr(L) ASSIGN(O) aexpr(R).    { A = mk_bin(st, N_ASSIGN, O, L, R); }
aexpr(A) ::= aexpr(L) MULASSIGN(O) aexpr(R). { A = mk_bin(st, N_ASSIGN, O, L, R); }
aexpr(A) ::= aexpr(L) DIVASSIGN(O) aexpr(R). { A = mk_bin(st, N_ASSIGN, O, L, R); }
aexpr(A) ::= aexpr(L) MODASSIGN(O) aexpr(R). { A = mk_bin(st, N_ASSIGN, O, L, R); }
aexpr(A) ::= aexpr(L) ADDASSIGN(O) aexpr(R). { A = mk_bin(st, N_ASSIGN, O, L, R); }
aexpr(A) ::= aexpr(L) SUBASSIGN(O) aexpr(R). { A = mk_bin(st, N_ASSIGN, O, L, R); }
aexpr(A) ::= aexpr(L) SHLASSIGN(O) aexpr(R). { A = mk_bin(st, N_ASSIGN, O, L, R); }
aexpr(A) ::= aexpr(L) SHRASSIGN(O) aexpr(R). { A = mk_bin(st, N_ASSIGN, O, L, R); }
aexpr(A) ::= aexpr(L) ANDASSIGN(O) aexpr(R). { A = mk_bin(st, N_ASSIGN, O, L, R); }
aexpr(A) ::= aexpr(L) XORASSIGN(O) aexpr(R). { A = mk_bin(st, N_ASSIGN, O, L, R); }
aexpr(A) ::= aexpr(L) ORASSIGN(O) aexpr(R).  { A = mk_bin(st, N_ASSIGN, O, L, R); }

/* ---- the Async C forms: primary expressions; sema checks where they
** stand and what their operands are. ---- */
aexpr(A) ::= GATHER(K) LP args(L) RP(R). {
    Node *n = mk(st, N_GATHER, K.r0, R.r1);
    n->list = L.head;
    A = px(n);
}
aexpr(A) ::= TO_THREAD(K) LP aexpr(F) RP(R). {
    Node *n = mk(st, N_TO_THREAD, K.r0, R.r1);
    n->callee = F.n;
    A = px(n);
}
aexpr(A) ::= TO_THREAD(K) LP aexpr(F) COMMA arg_seq(L) RP(R). {
    Node *n = mk(st, N_TO_THREAD, K.r0, R.r1);
    n->callee = F.n; n->list = L.head;
    A = px(n);
}
aexpr(A) ::= WITH_TIMEOUT(K) LP aexpr(M) COMMA aexpr(E) RP(R). {
    Node *n = mk(st, N_WITH_TIMEOUT, K.r0, R.r1);
    n->arg = M.n; n->operand = E.n;
    A = px(n);
}
aexpr(A) ::= SPAWN(K) LP aexpr(G) COMMA aexpr(E) RP(R). {
    Node *n = mk(st, N_SPAWN, K.r0, R.r1);
    n->arg = G.n; n->operand = E.n;
    A = px(n);
}
aexpr(A) ::= ASYNC_RUN(K) LP aexpr(E) RP(R). {
    Node *n = mk(st, N_ASYNC_RUN, K.r0, R.r1);
    n->operand = E.n;
    A = px(n);
}
