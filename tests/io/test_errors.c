/*
 * test_errors.c - the AC_E* names (asyncc_errors.h) against libuv's codes.
 *
 * Every error libuv can hand the runtime has an AC_E* name, with libuv's
 * value: the table below is built from libuv's own list (UV_ERRNO_MAP), so
 * a libuv code without a name here does not compile, and a name with
 * another value fails at compile time.  Then, at run time: the erased
 * build's names (asyncc.h with ASYNCC_ERASED, compiled separately into
 * test_errors_erased.c) agree with these, and ac_strerror names each code
 * with a text of its own (not libuv's or libc's "Unknown ... error").
 */
#include <stdio.h>
#include <string.h>

#include "io_test.h"
#include "own_errors.h"

/* libuv's list, minus UNKNOWN (no error of the runtime's is "unknown"). */
#define AC_UNKNOWN UV_UNKNOWN
#define SAME(code, text) _Static_assert(AC_##code == UV_##code, "AC_" #code " differs from UV_" #code);
UV_ERRNO_MAP(SAME)
#undef SAME

static const struct {
    const char *name;
    int code;
} all[] = {
#define ROW(code, text) {"AC_" #code, AC_##code},
    UV_ERRNO_MAP(ROW)
#undef ROW
#define OWN(code) {"AC_" #code, AC_##code},
    OWN_ERRORS(OWN)
#undef OWN
};

/* test_errors_erased.c: the value of a name in the erased build, or 1 when
 * the erased build does not define it. */
int erased_code(const char *name);

int main(void)
{
    int n = (int)(sizeof all / sizeof all[0]);
    for (int i = 0; i < n; i++) {
        if (all[i].code == UV_UNKNOWN)
            continue;
        int e = erased_code(all[i].name);
        if (e != all[i].code) {
            fprintf(stderr, "%s: %d here, %d in the erased build\n", all[i].name, all[i].code, e);
            return 1;
        }
        const char *text = ac_strerror(all[i].code);
        CHECK(text != NULL && *text != '\0');
        CHECK(strncmp(text, "Unknown", 7) != 0); /* libuv's and libc's "no such code" */
        for (int j = 0; j < i; j++) /* one code, one name */
            CHECK(all[j].code != all[i].code || all[j].code == UV_UNKNOWN);
    }
    CHECK(strcmp(ac_strerror(AC_ETIMEDOUT), "timed out") == 0);
    printf("%d error names agree with libuv and the erased build\n", n - 1);
    return 0;
}
