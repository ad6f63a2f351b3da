/*
 * diag.h - every message the transpiler prints has one shape:
 *
 *     file.ac:12:9: error: await outside an async function
 *        12 |     int x = await f();
 *           |             ^
 *
 * Locations are byte offsets into a Source; the line and column are
 * computed here, from the Source's line table, so no stage has to carry
 * them around and no lookup scans the text.  Lines of a Source are its
 * own; messages and #line directives translate them to the file and line
 * they came from (source_origin).
 */
#ifndef ASYNCC_DIAG_H
#define ASYNCC_DIAG_H

#include <stddef.h>

/* Where a run of lines of a Source comes from (front_paste.c): lines
 * first .. the next segment's first are lines line, line+1 ... of path. */
typedef struct SrcSeg {
    unsigned first;   /* 1-based line of the Source                      */
    const char *path;
    unsigned line;
} SrcSeg;

typedef struct Source {
    const char *path; /* as given on the command line */
    const char *text; /* the whole file, NUL-terminated */
    size_t len;
    unsigned *lines;  /* byte offset of the start of each line (source_index) */
    unsigned nlines;
    const SrcSeg *segs; /* NULL: every line is the line of path it says;
                         else the file with headers pasted in, sorted by
                         first, segs[0].first == 1 */
    unsigned nsegs;
} Source;

/* Build the line table of `s` (text and len set).  Every Source is indexed
 * before its first lookup; source_free releases the table. */
void source_index(Source *s);
void source_free(Source *s);

/* Report an error at byte `off` of `src`.  Counts it. */
void diag_error(const Source *src, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Report an error at an already known position (clang's own errors, in the
 * main file or a header); line and col are 1-based; text may be NULL. */
void diag_error_at(const char *path, unsigned line, unsigned col,
                   const char *line_text, size_t line_len, const char *fmt,
                   ...) __attribute__((format(printf, 6, 7)));

/* Number of errors reported so far. */
int diag_count(void);

/* 1-based line and column of byte `off` (a binary search in the line
 * table). */
void diag_linecol(const Source *src, size_t off, unsigned *line, unsigned *col);

/* Byte offset of the start of 1-based `line`. */
size_t source_line_start(const Source *src, unsigned line);

/* The file and line that 1-based `line` of src really is (they differ in
 * text pasted in from headers); *seg (may be NULL) gets the index of its
 * segment, which changes wherever the mapping jumps. */
const char *source_origin(const Source *src, unsigned line, unsigned *real, unsigned *seg);

#endif
