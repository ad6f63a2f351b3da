/*
 * sema_live.c - which locals of an async function live in its frame.
 *
 * A local stays a plain C local of the resume function when no await can
 * separate a write of it from a later read:
 *
 *  - it is a parameter, an array, or its address is taken (pointers to it
 *    may be used after an await), or a macro's body names it, or the
 *    function uses goto (control may re-enter its scope anywhere): frame;
 *  - some await in its scope comes after its declaration and some use of
 *    it comes after that await: frame;
 *  - a loop inside its scope contains both an await and a use: frame
 *    (the next iteration reads what the previous one wrote);
 *  - otherwise it lives on the C stack, so hot loops keep it in a register.
 *
 * Source order stands in for execution order within a scope, which is
 * exact for structured code; goto is the exception handled above.  One
 * declaration is all frame or all plain (`int a, b;` is printed as written
 * or turned into assignments as a whole).
 *
 * Every question is a binary search in sorted offsets (awaits, loops, and
 * each local's uses), so a function costs about n log n in its size.
 */
#include <stdlib.h>
#include <string.h>

#include "gram.h"
#include "sema.h"

typedef struct Live {
    const Front *fe;
    const AsyncFn *fn;
    unsigned *awaits;      /* offsets of await nodes, sorted             */
    int nawaits, capawaits;
    unsigned (*loops)[2];  /* loop ranges, sorted by start               */
    unsigned char *loop_awaits; /* per loop: an await inside             */
    int nloops, caploops;
    unsigned **uses;       /* per local: offsets of its references, sorted */
    int *nuses;
    unsigned *decl_end;    /* per local: end of its declarator           */
    unsigned (*scope)[2];  /* per local: its scope                        */
    unsigned char *pinned; /* per local: must be in the frame, at a fixed
                              address (its address is taken, a macro
                              names it, or it is an argument of one)      */
    unsigned char *plain;  /* per local: must not be (declared inside a
                              statement expression, printed as written)   */
    unsigned char *via_macro; /* per local: a macro's body refers to it  */
    int has_goto;
} Live;

static unsigned tok_off(const Live *lv, int t) { return lv->fn->raw[t].off; }
static unsigned tok_end(const Live *lv, int t)
{
    return lv->fn->raw[t].off + lv->fn->raw[t].len;
}

/* The local an lvalue expression is rooted in (x, x.f, x[i], (x)). */
static int root_local(const Live *lv, const Node *e)
{
    while (e && (e->kind == N_MEMBER && e->op == TK_DOT))
        e = e->operand;
    while (e && e->kind == N_INDEX)
        e = e->lhs;
    if (e && e->kind == N_IDENT)
        return front_local_at(lv->fn, tok_off(lv, e->tok0));
    return -1;
}

static void pin_refs_in(Live *lv, const Node *n)
{
    for (int t = n->tok0; t <= n->tok1; t++) {
        int li = front_local_at(lv->fn, tok_off(lv, t));
        if (li >= 0)
            lv->pinned[li] = 1;
    }
}

/* A statement expression has no awaits (sema) and is printed as written,
 * declarations included, so what it declares stays a C local. */
static void mark_plain(Live *lv, const Node *n)
{
    if (n->kind == N_DECLARATOR && n->name >= 0) {
        int li = front_local_declared_at(lv->fn, tok_off(lv, n->name));
        if (li >= 0)
            lv->plain[li] = 1;
    }
    KidIter it;
    for (const Node *x = ast_first_kid(n, &it); x; x = ast_next_kid(&it))
        mark_plain(lv, x);
}

static void add_await(Live *lv, unsigned off)
{
    if (lv->nawaits == lv->capawaits) {
        lv->capawaits = lv->capawaits ? lv->capawaits * 2 : 16;
        lv->awaits = realloc(lv->awaits, sizeof *lv->awaits * (size_t)lv->capawaits);
        if (!lv->awaits)
            exit(1);
    }
    lv->awaits[lv->nawaits++] = off;
}

static void add_loop(Live *lv, unsigned s, unsigned e)
{
    if (lv->nloops == lv->caploops) {
        lv->caploops = lv->caploops ? lv->caploops * 2 : 16;
        lv->loops = realloc(lv->loops, sizeof *lv->loops * (size_t)lv->caploops);
        if (!lv->loops)
            exit(1);
    }
    lv->loops[lv->nloops][0] = s;
    lv->loops[lv->nloops++][1] = e;
}

/* One walk in source order: awaits and loops come out sorted. */
static void scan(Live *lv, const Node *n, unsigned s0, unsigned s1)
{
    switch (n->kind) {
    case N_AWAIT:
        add_await(lv, tok_off(lv, n->tok0));
        break;
    case N_WHILE:
    case N_DO:
    case N_FOR:
        add_loop(lv, tok_off(lv, n->tok0), tok_end(lv, n->tok1));
        if (n->kind == N_FOR) { /* for (int i...): scope is the for */
            s0 = tok_off(lv, n->tok0);
            s1 = tok_end(lv, n->tok1);
        }
        break;
    case N_BLOCK:
        s0 = tok_off(lv, n->tok0);
        s1 = tok_end(lv, n->tok1);
        break;
    case N_DECLARATOR:
        if (n->name >= 0) {
            int li = front_local_declared_at(lv->fn, tok_off(lv, n->name));
            if (li >= 0) {
                lv->decl_end[li] = tok_end(lv, n->init ? n->init->tok1 : n->tok1);
                lv->scope[li][0] = s0;
                lv->scope[li][1] = s1;
            }
        }
        break;
    case N_UNARY:
        if (n->op == TK_AMP && n->operand) {
            int li = root_local(lv, n->operand);
            if (li >= 0)
                lv->pinned[li] = 1;
        }
        break;
    case N_GATHER:
    case N_SPAWN:
    case N_WITH_TIMEOUT:
        /* LVALUE = CALL items: the lvalue's address is kept */
        for (const Node *x = n->kind == N_GATHER ? n->list : n->operand; x;
             x = n->kind == N_GATHER ? x->next : NULL)
            if (x->kind == N_ASSIGN)
                pin_refs_in(lv, x->lhs);
        break;
    case N_OPAQUE:
    case N_ASM:
    case N_MACRO_STMT:
        pin_refs_in(lv, n);
        break;
    case N_GOTO:
    case N_LABEL:
        lv->has_goto = 1;
        break;
    case N_STMT_EXPR:
        mark_plain(lv, n->body);
        break;
    default:
        break;
    }
    KidIter it;
    for (const Node *x = ast_first_kid(n, &it); x; x = ast_next_kid(&it))
        scan(lv, x, s0, s1);
}

static int cmp_unsigned(const void *a, const void *b)
{
    unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
    return x < y ? -1 : x > y;
}

/* Index of the first element >= v in sorted a[0..n). */
static int lower_bound(const unsigned *a, int n, unsigned v)
{
    int lo = 0, hi = n;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (a[mid] < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Each local's uses, sorted: one pass over the reference map. */
static void collect_uses(Live *lv)
{
    const AsyncFn *fn = lv->fn;
    const OffMap *refs = &fn->refs;
    lv->uses = xcalloc((size_t)fn->nlocals, sizeof *lv->uses);
    lv->nuses = xcalloc((size_t)fn->nlocals, sizeof *lv->nuses);
    for (size_t k = 0; k < refs->cap; k++)
        if (refs->vals[k] > 0)
            lv->nuses[refs->vals[k] - 1]++;
    for (int i = 0; i < fn->nlocals; i++) {
        lv->uses[i] = xcalloc((size_t)lv->nuses[i], sizeof **lv->uses);
        lv->nuses[i] = 0;
    }
    for (size_t k = 0; k < refs->cap; k++)
        if (refs->vals[k] > 0) {
            int li = (int)refs->vals[k] - 1;
            lv->uses[li][lv->nuses[li]++] = (unsigned)refs->keys[k];
        }
    for (int i = 0; i < fn->nlocals; i++)
        qsort(lv->uses[i], (size_t)lv->nuses[i], sizeof **lv->uses, cmp_unsigned);
}

/* Is some use of local li in [a, b)? */
static int used_in(const Live *lv, int li, unsigned a, unsigned b)
{
    int k = lower_bound(lv->uses[li], lv->nuses[li], a);
    return k < lv->nuses[li] && lv->uses[li][k] < b;
}

static int needs_frame(const Live *lv, int li)
{
    const Local *l = &lv->fn->locals[li];
    if (l->is_param || lv->pinned[li] || lv->has_goto || l->is_array)
        return 1;
    unsigned s0 = lv->scope[li][0], s1 = lv->scope[li][1], d = lv->decl_end[li];
    /* the first await in scope after the declaration, and a use after it */
    int a = lower_bound(lv->awaits, lv->nawaits, d > s0 ? d + 1 : s0);
    if (a < lv->nawaits && lv->awaits[a] < s1 && used_in(lv, li, lv->awaits[a] + 1, s1))
        return 1;
    /* a loop in scope with an await and a use */
    for (int p = 0; p < lv->nloops; p++) {
        unsigned l0 = lv->loops[p][0], l1 = lv->loops[p][1];
        if (l0 < s0)
            continue;
        if (l0 >= s1)
            break;
        if (l1 <= s1 && lv->loop_awaits[p] && used_in(lv, li, l0, l1))
            return 1;
    }
    return 0;
}

/*
 * A local no declarator of ours declares: a macro's expansion declares it
 * (FOREACH(i, n) ...).  The macro's text declares it in the output too, so
 * it stays a C local -- which is wrong only if an await separates it from a
 * use, and that is rejected.
 */
static void macro_declared(const Live *lv, int li)
{
    const Local *l = &lv->fn->locals[li];
    int a = lower_bound(lv->awaits, lv->nawaits, l->off + 1);
    if (a >= lv->nawaits)
        return;
    int k = lower_bound(lv->uses[li], lv->nuses[li], lv->awaits[a] + 1);
    if (k < lv->nuses[li])
        diag_error(&lv->fe->src, lv->uses[li][k],
                   "'%s' is declared by a macro and used after an await; it "
                   "cannot live in the coroutine frame: declare it directly", l->name);
}

/* One declaration is either all frame or all plain. */
static void unify_decls(const Live *lv, const Node *n, unsigned char *in_frame)
{
    if (n->kind == N_DECL && !(n->storage & (DECL_STATIC | DECL_EXTERN | DECL_TYPEDEF))) {
        int any = 0;
        for (const Node *x = n->list; x; x = x->next) {
            int li = x->name >= 0 ? front_local_declared_at(lv->fn, tok_off(lv, x->name)) : -1;
            any |= li >= 0 && in_frame[li];
        }
        if (any)
            for (const Node *x = n->list; x; x = x->next) {
                int li = x->name >= 0 ? front_local_declared_at(lv->fn, tok_off(lv, x->name))
                                      : -1;
                if (li >= 0)
                    in_frame[li] = 1;
            }
    }
    KidIter it;
    for (const Node *x = ast_first_kid(n, &it); x; x = ast_next_kid(&it))
        unify_decls(lv, x, in_frame);
}

/*
 * How lowering spells a frame local inside the resume function.  Best is
 * its own name, through a macro `#define x (__ac_f->x)` around the resume
 * function: the user's lines then come out as written, so compilers report
 * the same columns as for the erased build, and the user's macros that name
 * the local work.  That is safe only when nothing else in the resume
 * function spells the name: no other token of the body (a member `.x`, a
 * label, a shadowing local, a directive), no macro the body uses (their
 * replacement lists are expanded there too), no macro of that name, and no
 * name that generated code spells (frame members, the runtime's fields).
 * Otherwise the local is written `__ac_f->member`.
 */
static int reserved_name(const char *n)
{
    static const char *const fixed[] = {
        "co", "ret", "sub", "state", "g", "ch", "store", "ctx", "w", "fn", "hdr",
        "alloc_size", NULL};
    for (int i = 0; fixed[i]; i++)
        if (!strcmp(n, fixed[i]))
            return 1;
    if ((n[0] == 'a' || n[0] == 'c' || n[0] == 'p') && n[1] >= '0' && n[1] <= '9') {
        const char *d = n + 1;
        while (*d >= '0' && *d <= '9')
            d++;
        if (!*d)
            return 1; /* a1, c0, p0: members of await site structs */
    }
    return n[0] == '_' || !strncmp(n, "ac_", 3) || !strncmp(n, "tmp_", 4) ||
           !strncmp(n, "literal_", 8) || strstr(n, "__") != NULL;
}

static void decide_names(const Live *lv, SemaFn *sf)
{
    const AsyncFn *fn = lv->fn;
    const Source *src = &lv->fe->src;
    StrMap owner = {0}; /* identifier -> frame local index + 1, or -1 */
    for (int i = 0; i < fn->nraw; i++) {
        const RawTok *t = &fn->raw[i];
        if (t->ckind != RT_IDENT && t->ckind != RT_KEYWORD)
            continue;
        const char *id = src->text + t->off;
        int li = front_local_at(fn, t->off);
        if (li < 0)
            li = front_local_declared_at(fn, t->off);
        long cur = strmap_get(&owner, id, t->len);
        long want = li >= 0 && sf->in_frame[li] ? li + 1 : -1;
        if (cur == 0)
            strmap_put(&owner, id, t->len, want);
        else if (cur != want)
            strmap_put(&owner, id, t->len, -1);
    }
    /* a name a directive in the body defines or undefines */
    for (int i = 0; i < fn->ntrivia; i++) {
        const Trivia *tv = &fn->trivia[i];
        if (tv->kind != TRIVIA_DIRECTIVE)
            continue;
        const char *p = src->text + tv->off + 1, *e = src->text + tv->off + tv->len;
        while (p < e && (*p == ' ' || *p == '\t'))
            p++;
        while (p < e && *p >= 'a' && *p <= 'z') /* define, undef, pragma */
            p++;
        while (p < e && (*p == ' ' || *p == '\t'))
            p++;
        const char *w = p;
        while (p < e && (*p == '_' || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                         (*p >= '0' && *p <= '9')))
            p++;
        if (p > w)
            strmap_put(&owner, w, (size_t)(p - w), -1);
    }
    for (int i = 0; i < fn->nlocals; i++) {
        const Local *l = &fn->locals[i];
        size_t len = strlen(l->name);
        sf->named[i] = sf->in_frame[i] && !sf->cached[i] && len &&
                       strmap_get(&owner, l->name, len) == i + 1 &&
                       !reserved_name(l->name) &&
                       !strmap_get(&lv->fe->macro_names, l->name, len) &&
                       (!strmap_get(&fn->macro_idents, l->name, len) || lv->via_macro[i]);
    }
    strmap_free(&owner);
}

/*
 * Which frame locals the resume function keeps in C variables of their own
 * name: the user's declarations and lines then stay exactly as written,
 * compilers warn about them as about the erased build, and a debugger
 * prints them by name.  Each await stores them into the frame before it
 * may suspend and loads them back at its resume point.  That takes a
 * local whose address is never taken (pointers to it would see the C
 * variable, which dies at the suspension), of scalar type (cheap to copy,
 * never const), whose name no other local of the function has (so it is
 * never hidden where it must be stored), and with no double underscore
 * (generated code calls NAME__init ...).  One declaration is all cached or
 * none.
 */
static void decide_cached(const Live *lv, const Node *n, SemaFn *sf)
{
    const AsyncFn *fn = lv->fn;
    if (!n) {
        StrMap count = {0};
        for (int i = 0; i < fn->nlocals; i++) {
            const char *nm = fn->locals[i].name;
            strmap_put(&count, nm, strlen(nm), strmap_get(&count, nm, strlen(nm)) + 1);
        }
        for (int i = 0; i < fn->nlocals; i++) {
            const Local *l = &fn->locals[i];
            sf->cached[i] = sf->in_frame[i] && !lv->pinned[i] && !l->is_array &&
                            type_is_scalar(l->decays ? type_element(l->type) : l->type) &&
                            (l->decays || !type_is_cv(l->type)) &&
                            strmap_get(&count, l->name, strlen(l->name)) == 1 &&
                            !strstr(l->name, "__") && *l->name;
            if (l->decays) /* an array parameter is a pointer: always fine */
                sf->cached[i] = sf->in_frame[i] && !lv->pinned[i] &&
                                strmap_get(&count, l->name, strlen(l->name)) == 1 &&
                                !strstr(l->name, "__");
        }
        strmap_free(&count);
        return;
    }
    if (n->kind == N_DECL) {
        int all = 1;
        for (const Node *x = n->list; x; x = x->next) {
            int li = x->name >= 0 ? front_local_declared_at(fn, tok_off(lv, x->name)) : -1;
            if (li >= 0 && sf->in_frame[li] && !sf->cached[li])
                all = 0;
        }
        if (!all)
            for (const Node *x = n->list; x; x = x->next) {
                int li = x->name >= 0 ? front_local_declared_at(fn, tok_off(lv, x->name)) : -1;
                if (li >= 0)
                    sf->cached[li] = 0;
            }
    }
    KidIter it;
    for (const Node *x = ast_first_kid(n, &it); x; x = ast_next_kid(&it))
        decide_cached(lv, x, sf);
}

/* A macro's body that names a frame local needs the local's own name. */
static void check_macro_refs(const Live *lv, const SemaFn *sf)
{
    const OffMap *m = &lv->fn->macro_refs;
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->vals[i])
            continue;
        int li = (int)m->vals[i] - 1;
        const Local *l = &lv->fn->locals[li];
        if (l->is_static || !sf->in_frame[li] || sf->named[li] || sf->cached[li])
            continue;
        diag_error(&lv->fe->src, (size_t)m->keys[i],
                   "this macro's body refers to local '%s', which lives in the "
                   "coroutine frame and whose name the function also uses for "
                   "something else; pass it to the macro as an argument", l->name);
    }
}

void sema_live(const Front *fe, const AsyncFn *fn, Node *body, SemaFn *sf)
{
    int n = fn->nlocals;
    Live lv = {.fe = fe, .fn = fn};
    lv.decl_end = xcalloc((size_t)n, sizeof *lv.decl_end);
    lv.scope = xcalloc((size_t)n, sizeof *lv.scope);
    lv.pinned = xcalloc((size_t)n, 1);
    lv.plain = xcalloc((size_t)n, 1);
    lv.via_macro = xcalloc((size_t)n, 1);
    for (size_t k = 0; k < fn->macro_refs.cap; k++)
        if (fn->macro_refs.vals[k])
            lv.pinned[fn->macro_refs.vals[k] - 1] = lv.via_macro[fn->macro_refs.vals[k] - 1] = 1;
    scan(&lv, body, 0, 0);
    lv.loop_awaits = xcalloc((size_t)lv.nloops, 1);
    for (int p = 0; p < lv.nloops; p++) {
        int a = lower_bound(lv.awaits, lv.nawaits, lv.loops[p][0]);
        lv.loop_awaits[p] = a < lv.nawaits && lv.awaits[a] < lv.loops[p][1];
    }
    collect_uses(&lv);
    for (int i = 0; i < n; i++) {
        const Local *l = &fn->locals[i];
        if (l->is_static || lv.plain[i])
            sf->in_frame[i] = 0;
        else if (!l->is_param && !lv.decl_end[i])
            sf->in_frame[i] = 0, macro_declared(&lv, i);
        else
            sf->in_frame[i] = (unsigned char)needs_frame(&lv, i);
    }
    unify_decls(&lv, body, sf->in_frame);
    decide_cached(&lv, NULL, sf);
    decide_cached(&lv, body, sf);
    decide_names(&lv, sf);
    check_macro_refs(&lv, sf);
    for (int i = 0; i < n; i++)
        free(lv.uses[i]);
    free(lv.uses);
    free(lv.nuses);
    free(lv.awaits);
    free(lv.loops);
    free(lv.loop_awaits);
    free(lv.decl_end);
    free(lv.scope);
    free(lv.pinned);
    free(lv.plain);
    free(lv.via_macro);
}
