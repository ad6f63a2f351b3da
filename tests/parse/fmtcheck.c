/*
 * fmtcheck.c - buf.c's fmt_vsnprintf against the C library's vsnprintf.
 *
 * The transpiler formats nearly every piece of generated C through
 * fmt_vsnprintf, which does %s %d %u %c %.*s %% itself; any difference
 * from vsnprintf would change the output.  Each case is formatted by both
 * with every buffer size from 0 to past its length: the return values,
 * the bytes written and the untouched bytes after them must agree.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"

static int failures;

static void check(const char *fmt, ...)
{
    char want[256], got[256];
    for (size_t room = 0; room < 80; room++) {
        va_list a1, a2;
        memset(want, '#', sizeof want);
        memset(got, '#', sizeof got);
        va_start(a1, fmt);
        int nw = vsnprintf(room ? want : NULL, room, fmt, a1);
        va_end(a1);
        va_start(a2, fmt);
        int ng = fmt_vsnprintf(room ? got : NULL, room, fmt, a2);
        va_end(a2);
        if (nw != ng || memcmp(want, got, sizeof want)) {
            printf("FAIL \"%s\" room %zu: vsnprintf %d \"%.*s\", fmt_vsnprintf %d \"%.*s\"\n",
                   fmt, room, nw, (int)room, want, ng, (int)room, got);
            failures++;
            return;
        }
    }
}

int main(void)
{
    check("");
    check("plain text, no conversions");
    check("%s", "");
    check("%s__init(&%s);", "f1234", "__ac_f->sub.a1");
    check("[%s]", (const char *)NULL);
    check("%d %d %d %d %d", 0, 7, -7, INT_MAX, INT_MIN);
    check("%u", 5u);
    check("%u %u %u", 0u, 42u, UINT_MAX);
    check("%c%u\n", 1, 22223u);
    check("100%% of %s", "it");
    check("%.*s|%.*s|%.*s", 3, "abcdef", 0, "abc", 10, "ab");
    check("%.*s", -1, "negative precision: all of it");
    check("tmp_%d = %s; /* %c */", 12, "x + y", 'z');
    /* other conversions go to vsnprintf itself */
    check("%lld %x %5d %-3s|", 1234567890123LL, 255u, 42, "a");
    check("%s%s%s%s%s%s", "a", "bb", "ccc", "dddd", "eeeee", "ffffff");
    if (failures)
        return 1;
    printf("fmt_vsnprintf agrees with vsnprintf\n");
    return 0;
}
