/*
 * diag.c - one format for every message, like compilers print them:
 * location, severity, message, then the source line and a caret under the
 * column.  Columns count bytes, tabs are kept in the echoed line and in the
 * caret line's padding so the caret lands under the right character.
 */
#include "diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int error_count;

int diag_count(void) { return error_count; }

void source_index(Source *s)
{
    unsigned n = 1;
    for (size_t i = 0; i < s->len; i++)
        n += s->text[i] == '\n';
    s->lines = malloc(sizeof *s->lines * n);
    if (!s->lines) {
        fputs("asyncc: out of memory\n", stderr);
        exit(1);
    }
    s->nlines = 0;
    s->lines[s->nlines++] = 0;
    for (size_t i = 0; i < s->len; i++)
        if (s->text[i] == '\n')
            s->lines[s->nlines++] = (unsigned)i + 1;
}

void source_free(Source *s)
{
    free(s->lines);
    s->lines = NULL;
    s->nlines = 0;
}

void diag_linecol(const Source *src, size_t off, unsigned *line, unsigned *col)
{
    if (off > src->len)
        off = src->len;
    /* the last line that starts at or before off */
    unsigned lo = 0, hi = src->nlines;
    while (hi - lo > 1) {
        unsigned mid = lo + (hi - lo) / 2;
        if (src->lines[mid] <= off)
            lo = mid;
        else
            hi = mid;
    }
    *line = lo + 1;
    *col = (unsigned)(off - src->lines[lo]) + 1;
}

size_t source_line_start(const Source *src, unsigned line)
{
    if (line == 0)
        return 0;
    return line <= src->nlines ? src->lines[line - 1] : src->len;
}

const char *source_origin(const Source *src, unsigned line, unsigned *real, unsigned *seg)
{
    if (!src->segs) {
        *real = line;
        if (seg)
            *seg = 0;
        return src->path;
    }
    unsigned lo = 0, hi = src->nsegs; /* the last segment starting at or before line */
    while (hi - lo > 1) {
        unsigned mid = lo + (hi - lo) / 2;
        if (src->segs[mid].first <= line)
            lo = mid;
        else
            hi = mid;
    }
    *real = src->segs[lo].line + (line - src->segs[lo].first);
    if (seg)
        *seg = lo;
    return src->segs[lo].path;
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
    unsigned real;
    const char *path = source_origin(src, line, &real, NULL);
    va_list ap;
    va_start(ap, fmt);
    vreport(path, real, col, src->text + bol, eol - bol, fmt, ap);
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
