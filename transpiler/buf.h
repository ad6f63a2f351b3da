/*
 * buf.h - growable text buffers for the generated C.
 *
 * Generated lines that come from a line of the .ac file are preceded in the
 * buffer by a marker (buf_mark), which emit.c turns into a #line directive
 * when the compiler's idea of the current line would otherwise be wrong.
 */
#ifndef ASYNCC_BUF_H
#define ASYNCC_BUF_H

#include <stddef.h>

typedef struct Buf {
    char *s;
    size_t len, cap;
} Buf;

#define BUF_MARK '\x01' /* "\x01<line>\n": the next line maps to <line> */

void buf_put(Buf *b, const char *s, size_t n);
void buf_puts(Buf *b, const char *s);
void buf_printf(Buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_mark(Buf *b, unsigned line);
void buf_free(Buf *b);

#endif
