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
    int n = fmt_vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->s[b->len] = '\0';
        return;
    }
    if ((size_t)n >= b->cap - b->len) {
        reserve(b, (size_t)n);
        va_start(ap, fmt);
        fmt_vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
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

/* Does fmt use only the conversions fmt_vsnprintf formats itself? */
static int plain_format(const char *f)
{
    while ((f = strchr(f, '%'))) {
        f++;
        if (f[0] == '.' && f[1] == '*' && f[2] == 's')
            f += 3;
        else if (*f && strchr("sduc%", *f))
            f++;
        else
            return 0;
    }
    return 1;
}

int fmt_vsnprintf(char *dst, size_t room, const char *fmt, va_list ap)
{
    if (!plain_format(fmt))
        return vsnprintf(dst, room, fmt, ap);
    size_t n = 0;
    char num[24];
    for (const char *f = fmt; *f;) {
        const char *s;
        size_t k;
        if (*f != '%') { /* text up to the next conversion */
            const char *pct = strchr(f, '%');
            s = f;
            k = pct ? (size_t)(pct - f) : strlen(f);
            f += k;
        } else if (f[1] == 's' || f[1] == '.') { /* %s, %.*s */
            int prec = f[1] == '.' ? va_arg(ap, int) : -1;
            s = va_arg(ap, const char *);
            s = s ? s : "(null)";
            k = prec < 0 ? strlen(s) : strnlen(s, (size_t)prec);
            f += f[1] == '.' ? 4 : 2;
        } else if (f[1] == 'c' || f[1] == '%') {
            num[0] = f[1] == 'c' ? (char)va_arg(ap, int) : '%';
            s = num, k = 1;
            f += 2;
        } else { /* %d, %u */
            unsigned v = va_arg(ap, unsigned);
            int neg = f[1] == 'd' && (int)v < 0;
            char *e = num + sizeof num, *p = e;
            for (v = neg ? 0u - v : v; p == e || v; v /= 10)
                *--p = (char)('0' + v % 10);
            if (neg)
                *--p = '-';
            s = p, k = (size_t)(e - p);
            f += 2;
        }
        if (n < room)
            memcpy(dst + n, s, k < room - n ? k : room - n);
        n += k;
    }
    if (room)
        dst[n < room ? n : room - 1] = '\0';
    return (int)n;
}

void buf_free(Buf *b)
{
    free(b->s);
    b->s = NULL;
    b->len = b->cap = 0;
}
