/*
 * front_exprs.c - the types of expressions in an async body, on demand.
 *
 * Lowering asks for the type of a few expressions: an await's value kept
 * in a temporary, an operand moved before an await, to_thread's function.
 * Which ones it asks about is known only then, and the answer needs the
 * expression's exact byte range, which libclang gives only by re-lexing
 * the expression's last token (clang_getCursorExtent).  The statements
 * around the awaits of a typical file hold some twenty expressions for
 * each question lowering asks; extents for all of them cost a tenth of
 * the translation.
 *
 * So the body walk (front.c) keeps the cursors of the expressions whose
 * location lies in a wanted window (a statement around an await, a
 * compound literal: front.c's want()), with those locations.  A cursor's
 * location lies inside its extent, so a question about [start, end)
 * measures the cursors located there that are not measured yet, and looks
 * the range up.  The answers are those an eager walk would give: each
 * entry keeps its cursor's position in the walk, so that of two cursors
 * with the same range the later one wins whichever question measured it
 * first (an implicit conversion and its operand: the operand, the
 * innermost, keeps its own type).
 */
#include <stdio.h>
#include <stdlib.h>

#include "front_int.h"

typedef struct ExprEntry {
    Type type;
    int seq;          /* the cursor's position in the body walk          */
    int alias;        /* recorded under a macro expansion's end (below)   */
} ExprEntry;

typedef struct Kept {
    CXCursor c;
    unsigned loc;     /* clang_getCursorLocation's offset: in the extent  */
    int seq;          /* its position in the walk                         */
    int noted;        /* its extent is in the map already                 */
} Kept;

struct ExprTable {
    const Front *fe;
    Kept *kept;       /* sorted by location once the walk is done         */
    int nkept, capkept;
    OffMap map;       /* (start << 32 | end) -> index into ent + 1        */
    ExprEntry *ent;
    int nent, capent;
};

ExprTable *front_exprs_new(const Front *fe)
{
    ExprTable *t = xcalloc(1, sizeof *t);
    t->fe = fe;
    return t;
}

void front_exprs_keep(ExprTable *t, CXCursor c, unsigned loc)
{
    GROW(t->kept, t->nkept, t->capkept);
    t->kept[t->nkept] = (Kept){c, loc, t->nkept, 0};
    t->nkept++;
}

static int cmp_kept(const void *a, const void *b)
{
    const Kept *x = a, *y = b;
    if (x->loc != y->loc)
        return x->loc < y->loc ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void front_exprs_seal(ExprTable *t)
{
    if (t->nkept > 1)
        qsort(t->kept, (size_t)t->nkept, sizeof *t->kept, cmp_kept);
}

void front_exprs_free(ExprTable *t)
{
    if (!t)
        return;
    offmap_free(&t->map);
    free(t->kept);
    free(t->ent);
    free(t);
}

/* The macro invocation that starts at `off`, as front.c's list of them has
 * it: its end, or 0. */
static unsigned macro_end_at(const Front *fe, unsigned off)
{
    int lo = 0, hi = fe->nmacro_spans - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        if (fe->macro_spans[mid][0] == off)
            return fe->macro_spans[mid][1];
        if (fe->macro_spans[mid][0] < off)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return 0;
}

/* Record `type` under `key` as the eager walk would have left it: of the
 * real ranges the last cursor's; failing those, the first alias. */
static void put(ExprTable *t, unsigned long long key, Type type, int seq, int alias)
{
    long v = offmap_get(&t->map, key);
    if (v) {
        ExprEntry *old = &t->ent[v - 1];
        int better = alias ? old->alias && seq < old->seq : old->alias || seq > old->seq;
        if (better)
            *old = (ExprEntry){type, seq, alias};
        return;
    }
    GROW(t->ent, t->nent, t->capent);
    t->ent[t->nent] = (ExprEntry){type, seq, alias};
    offmap_put(&t->map, key, ++t->nent);
}

static void note(ExprTable *t, CXCursor c, int seq)
{
    const Front *fe = t->fe;
    CXSourceRange r = clang_getCursorExtent(c);
    long s = front_main_off(fe, clang_getRangeStart(r));
    long e = front_main_off(fe, clang_getRangeEnd(r));
    if (s < 0 || e < 0)
        return;
    /* An expression that is a macro expansion nested in another macro's
     * argument (MIX(a, b) inside to_thread(...)) has its end mapped to the
     * expansion's start; its real end is the invocation's ')'. */
    if (e <= s) {
        e = macro_end_at(fe, (unsigned)s);
        if (!e)
            return;
    }
    Type type = clang_getCursorType(c);
    put(t, ((unsigned long long)s << 32) | (unsigned long long)e, type, seq, 0);
    /* Likewise an expression whose last token comes from such a nested
     * expansion (`x ^ KSEED` inside to_thread(...)) ends, for clang, where
     * that expansion starts.  Record it under the expansion's end too,
     * unless a real expression has that range. */
    unsigned mend = macro_end_at(fe, (unsigned)e);
    if (mend > (unsigned)e)
        put(t, ((unsigned long long)s << 32) | mend, type, seq, 1);
}

int front_expr_type(const AsyncFn *fn, unsigned start, unsigned end, Type *out)
{
    ExprTable *t = fn->exprs;
    if (!t)
        return -1;
    /* A cursor with this extent has its location inside it: note those
     * located in [start, end) that are not noted yet. */
    int lo = 0, hi = t->nkept;
    while (lo < hi) { /* the first located at or after start */
        int mid = (lo + hi) / 2;
        if (t->kept[mid].loc < start)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (int k = lo; k < t->nkept && t->kept[k].loc < end; k++)
        if (!t->kept[k].noted) {
            t->kept[k].noted = 1;
            note(t, t->kept[k].c, t->kept[k].seq);
        }
    long v = offmap_get(&t->map, ((unsigned long long)start << 32) | end);
    if (!v)
        return -1;
    *out = t->ent[v - 1].type;
    return 0;
}
