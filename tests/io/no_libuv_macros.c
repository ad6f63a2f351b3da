/*
 * no_libuv_macros.c - asyncc.h brings neither <uv.h> nor the macros of the
 * system headers <uv.h> includes into user code (DESIGN.md section 10).
 *
 * Compiled with -Werror in each of asyncc.h's readings (the transpiler's,
 * generated C's, the erased build's): a redefinition of MAX and the others
 * below would be an error, as would a trace of <uv.h> itself.
 */
#include <asyncc.h>

#if defined(UV_VERSION_MAJOR) || defined(UV_EOF) || defined(UV_ERRNO_MAP)
#error "asyncc.h includes <uv.h>"
#endif

/* Names <sys/param.h> and <termios.h> define, which programs define too. */
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define isset(a, i) ((a)[i] != 0)
#define howmany(x, y) (((x) + (y) - 1) / (y))
#define B9600 9600

int no_libuv_macros(void);
int no_libuv_macros(void)
{
    int v[2] = {MAX(1, 2), MIN(1, 2)};
    return isset(v, 0) + howmany(7, 2) + B9600 + AC_ENOENT + AC_READABLE;
}
