/*
 * buf.h - growable text buffers for the generated C.
 *
 * A line of the buffer may be a marker that says where the lines after it
 * come from: buf_mark(b, N) "line N of the .ac file, then N+1 ...", and
 * buf_mark(b, 0) "the generated file itself".  emit.c turns markers into
 * #line directives, written only where the compiler's idea of the current
 * line would otherwise be wrong.
 */
#ifndef ASYNCC_BUF_H
#define ASYNCC_BUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct Buf {
    char *s;
    size_t len, cap;
} Buf;

#define BUF_MARK '\x01' /* "\x01<line>\n": the next line maps to <line>,
                           or to the generated file when <line> is 0 */

void buf_put(Buf *b, const char *s, size_t n);
void buf_puts(Buf *b, const char *s);
void buf_printf(Buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_mark(Buf *b, unsigned line);
void buf_free(Buf *b);

/* vsnprintf, formatting %s, %d, %u, %c, %.*s and %% itself (glibc's takes
 * about 800 instructions a call, and lowering makes one for nearly every
 * piece it writes); other formats go to vsnprintf. */
int fmt_vsnprintf(char *dst, size_t room, const char *fmt, va_list ap);

#endif
