/* buf.c - see buf.h. */
#include "buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Room for n more bytes and the terminating NUL. */
static void reserve(Buf *b, size_t n)
{
    if (b->len + n + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap * 2 : 256;
    while (cap < b->len + n + 1)
        cap *= 2;
    char *p = realloc(b->s, cap);
    if (!p) {
        fputs("asyncc: out of memory\n", stderr);
        exit(1);
    }
    b->s = p;
    b->cap = cap;
}

void buf_put(Buf *b, const char *s, size_t n)
{
    reserve(b, n);
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void buf_puts(Buf *b, const char *s) { buf_put(b, s, strlen(s)); }

/* Formats straight into the free space; only text longer than that is
 * formatted twice (lowering calls this for nearly every line it writes). */
void buf_printf(Buf *b, const char *fmt, ...)
{
    va_list ap;
    reserve(b, 128);
    va_start(ap, fmt);
    int n = vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->s[b->len] = '\0';
        return;
    }
    if ((size_t)n >= b->cap - b->len) {
        reserve(b, (size_t)n);
        va_start(ap, fmt);
        vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
    }
    b->len += (size_t)n;
}

void buf_mark(Buf *b, unsigned line)
{
    char t[16];
    int i = (int)sizeof t;
    t[--i] = '\n';
    do
        t[--i] = (char)('0' + line % 10);
    while (line /= 10);
    t[--i] = BUF_MARK;
    buf_put(b, t + i, sizeof t - (size_t)i);
}

void buf_free(Buf *b)
{
    free(b->s);
    b->s = NULL;
    b->len = b->cap = 0;
}
