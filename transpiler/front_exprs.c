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
 * compound literal: front.c's want()), grouped by window, with their
 * locations.  A cursor's location lies inside its extent, so a question
 * about [start, end) computes the extents of the cursors located there,
 * once each, and looks the range up.  The answers are those an eager walk
 * would give: the cursors are noted in walk order, and each entry keeps
 * its walk position, so that the later cursor of two with the same range
 * wins whichever question noted it first (an implicit conversion and its
 * operand: the operand, the innermost, keeps its own type).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "front_int.h"

typedef struct ExprEntry {
    Type type;
    int seq;          /* the cursor's position in the body walk          */
    int alias;        /* recorded under a macro expansion's end (below)   */
} ExprEntry;

typedef struct Kept {
    CXCursor c;
    unsigned loc;     /* clang_getCursorLocation's offset: in the extent  */
    int window;
} Kept;

struct ExprTable {
    const Front *fe;
    Kept *kept;       /* while walking: the cursors, in walk order       */
    int ncur, capcur;
    CXCursor *cur;    /* sealed: the same, grouped by window              */
    unsigned *loc;
    int *seq;         /* each one's position in the walk                  */
    unsigned char *noted; /* its extent is in the map already             */
    unsigned (*win)[2];  /* the wanted windows, sorted, disjoint          */
    int *first;       /* window w's cursors: cur[first[w] .. first[w+1])  */
    int nwin;
    OffMap map;       /* (start << 32 | end) -> index into ent + 1        */
    ExprEntry *ent;
    int nent, capent;
};

ExprTable *front_exprs_new(const Front *fe, const unsigned (*win)[2], int nwin)
{
    ExprTable *t = xcalloc(1, sizeof *t);
    t->fe = fe;
    t->nwin = nwin;
    t->win = xcalloc((size_t)nwin + 1, sizeof *t->win);
    memcpy(t->win, win, sizeof *t->win * (size_t)nwin);
    return t;
}

void front_exprs_keep(ExprTable *t, CXCursor c, unsigned loc, int window)
{
    GROW(t->kept, t->ncur, t->capcur);
    t->kept[t->ncur++] = (Kept){c, loc, window};
}

/* After the walk: group the cursors by window (a counting sort, which
 * keeps the walk's order within each window). */
void front_exprs_seal(ExprTable *t)
{
    t->first = xcalloc((size_t)t->nwin + 2, sizeof *t->first);
    t->noted = xcalloc((size_t)t->ncur + 1, 1);
    for (int i = 0; i < t->ncur; i++)
        t->first[t->kept[i].window + 1]++;
    for (int w = 0; w < t->nwin; w++)
        t->first[w + 1] += t->first[w];
    CXCursor *cur = xcalloc((size_t)t->ncur + 1, sizeof *cur);
    int *seq = xcalloc((size_t)t->ncur + 1, sizeof *seq);
    unsigned *loc = xcalloc((size_t)t->ncur + 1, sizeof *loc);
    int *at = xcalloc((size_t)t->nwin + 1, sizeof *at);
    for (int i = 0; i < t->ncur; i++) {
        int w = t->kept[i].window, k = t->first[w] + at[w]++;
        cur[k] = t->kept[i].c;
        loc[k] = t->kept[i].loc;
        seq[k] = i;
    }
    free(at);
    free(t->kept);
    t->kept = NULL;
    t->cur = cur;
    t->loc = loc;
    t->seq = seq;
}

void front_exprs_free(ExprTable *t)
{
    if (!t)
        return;
    offmap_free(&t->map);
    free(t->cur);
    free(t->seq);
    free(t->loc);
    free(t->noted);
    free(t->kept);
    free(t->win);
    free(t->first);
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

/* Record `type` under `key`.  A real range replaces an alias and an
 * earlier cursor's entry; an alias replaces nothing. */
static void put(ExprTable *t, unsigned long long key, Type type, int seq, int alias)
{
    long v = offmap_get(&t->map, key);
    if (v) {
        ExprEntry *old = &t->ent[v - 1];
        if (alias || (!old->alias && old->seq > seq))
            return;
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
    if (!t || !t->first)
        return -1;
    /* A cursor with this extent has its location inside it, so only
     * those of the windows the range touches can have it. */
    int lo = 0, hi = t->nwin;
    while (lo < hi) { /* the first window that ends after start */
        int mid = (lo + hi) / 2;
        if (t->win[mid][1] <= start)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (int w = lo; w < t->nwin && t->win[w][0] < end; w++)
        for (int k = t->first[w]; k < t->first[w + 1]; k++)
            if (!t->noted[k] && t->loc[k] >= start && t->loc[k] < end) {
                t->noted[k] = 1;
                note(t, t->cur[k], t->seq[k]);
            }
    long v = offmap_get(&t->map, ((unsigned long long)start << 32) | end);
    if (!v)
        return -1;
    *out = t->ent[v - 1].type;
    return 0;
}
