/*
 * test_errors_erased.c - the AC_E* names as the erased build sees them
 * (asyncc.h with ASYNCC_ERASED: no libuv), for test_errors.c to compare.
 * It names each code libuv has (UV_ERRNO_MAP), so an erased build missing
 * one does not compile.
 */
#define ASYNCC_ERASED 1
#include "asyncc.h"

#include <string.h>
#include <uv.h>

#include "own_errors.h"

int erased_code(const char *name);

int erased_code(const char *name)
{
#define AC_UNKNOWN UV_UNKNOWN
/* Two macros of one body: pasting must see the names themselves, not
 * errno.h's numbers they would expand to when passed through another. */
#define ROW(code, text)                                                    \
    if (strcmp(name, "AC_" #code) == 0)                                    \
        return AC_##code;
#define OWN(code)                                                          \
    if (strcmp(name, "AC_" #code) == 0)                                    \
        return AC_##code;
    UV_ERRNO_MAP(ROW)
    OWN_ERRORS(OWN)
#undef ROW
#undef OWN
    return 1;
}
