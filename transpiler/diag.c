/*
 * diag.c - one format for every message, like compilers print them:
 * location, severity, message, then the source line and a caret under the
 * column.  Columns count bytes, tabs are kept in the echoed line and in the
 * caret line's padding so the caret lands under the right character.
 */
#include "diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int error_count;

int diag_count(void) { return error_count; }

void diag_linecol(const Source *src, size_t off, unsigned *line, unsigned *col)
{
    unsigned l = 1;
    size_t bol = 0;
    if (off > src->len)
        off = src->len;
    for (size_t i = 0; i < off; i++) {
        if (src->text[i] == '\n') {
            l++;
            bol = i + 1;
        }
    }
    *line = l;
    *col = (unsigned)(off - bol) + 1;
}

/* Echo the source line and a caret under byte column `col` (1-based). */
static void print_caret(unsigned line, const char *text, size_t len, unsigned col)
{
    if (!text)
        return;
    int w = fprintf(stderr, "%5u | ", line);
    fwrite(text, 1, len, stderr);
    fputc('\n', stderr);
    fprintf(stderr, "%*s| ", w - 2, "");
    for (unsigned i = 1; i < col && i <= len; i++)
        fputc(text[i - 1] == '\t' ? '\t' : ' ', stderr);
    fputs("^\n", stderr);
}

static void vreport(const char *path, unsigned line, unsigned col,
                    const char *text, size_t len, const char *fmt, va_list ap)
{
    error_count++;
    fprintf(stderr, "%s:%u:%u: error: ", path, line, col);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    print_caret(line, text, len, col);
}

void diag_error(const Source *src, size_t off, const char *fmt, ...)
{
    unsigned line, col;
    diag_linecol(src, off, &line, &col);
    if (off > src->len)
        off = src->len;
    size_t bol = off - (col - 1), eol = off;
    while (eol < src->len && src->text[eol] != '\n')
        eol++;
    va_list ap;
    va_start(ap, fmt);
    vreport(src->path, line, col, src->text + bol, eol - bol, fmt, ap);
    va_end(ap);
}

void diag_error_at(const char *path, unsigned line, unsigned col,
                   const char *line_text, size_t line_len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(path, line, col, line_text, line_len, fmt, ap);
    va_end(ap);
}
