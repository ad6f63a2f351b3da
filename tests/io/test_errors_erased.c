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

int erased_code(const char *name);

int erased_code(const char *name)
{
#define AC_UNKNOWN UV_UNKNOWN
#define ROW(code, text)                                                    \
    if (strcmp(name, "AC_" #code) == 0)                                    \
        return AC_##code;
    UV_ERRNO_MAP(ROW)
#undef ROW
    static const struct {
        const char *name;
        int code;
    } own[] = {
        {"AC_EDEADLK", AC_EDEADLK},
        {"AC_ETLS", AC_ETLS},
        {"AC_EBADRESPONSE", AC_EBADRESPONSE},
        {"AC_ENORESPONSE", AC_ENORESPONSE},
        {"AC_ETRUNCATED", AC_ETRUNCATED},
        {"AC_EREDIRECTS", AC_EREDIRECTS},
        {"AC_EBADURL", AC_EBADURL},
        {"AC_EPG", AC_EPG},
        {"AC_EPGCONN", AC_EPGCONN},
        {"AC_EBADREQUEST", AC_EBADREQUEST},
        {"AC_EHEADERSTOOLARGE", AC_EHEADERSTOOLARGE},
        {"AC_EBODYTOOLARGE", AC_EBODYTOOLARGE},
        {"AC_EPARTIALREQUEST", AC_EPARTIALREQUEST},
        {"AC_ECLOSED", AC_ECLOSED},
    };
    for (size_t i = 0; i < sizeof own / sizeof own[0]; i++)
        if (strcmp(name, own[i].name) == 0)
            return own[i].code;
    return 1;
}
