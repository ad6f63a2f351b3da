/*
 * arena.c - bump allocation in 1 MiB blocks (larger requests get a block of
 * their own).  Blocks come zeroed from calloc -- for blocks this size, fresh
 * pages from the kernel -- and arena_reset zeroes what was used before the
 * blocks are used again, so allocations need no memset of their own.
 * Running out of memory is the one failure the transpiler does not try to
 * survive: it prints a message and exits with status 1.
 */
#include "arena.h"
#include "buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ArenaBlock {
    ArenaBlock *next;
    size_t used, cap;
    _Alignas(16) unsigned char data[];
};

enum { BLOCK = 1 << 20 };

void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size);
    if (!p) {
        fputs("asyncc: out of memory\n", stderr);
        exit(1);
    }
    return p;
}

static ArenaBlock *block_new(size_t cap)
{
    ArenaBlock *b = xcalloc(1, sizeof *b + cap);
    b->cap = cap;
    return b;
}

void *arena_alloc(Arena *a, size_t size)
{
    size = (size + 15) & ~(size_t)15;
    ArenaBlock *b = a->cur;
    while (b && b->cap - b->used < size && b->next) /* blocks kept by a reset */
        b = b->next;
    if (!b || b->cap - b->used < size) {
        ArenaBlock *nb = block_new(size > BLOCK ? size : BLOCK);
        if (b) {
            nb->next = b->next;
            b->next = nb;
        } else {
            a->head = nb;
        }
        b = nb;
    }
    a->cur = b;
    void *p = b->data + b->used;
    b->used += size;
    return p;
}

void arena_reset(Arena *a)
{
    for (ArenaBlock *b = a->head; b; b = b->next) {
        memset(b->data, 0, b->used);
        b->used = 0;
    }
    a->cur = a->head;
}

char *arena_strndup(Arena *a, const char *s, size_t n)
{
    char *p = arena_alloc(a, n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

/* Formats straight into the current block when the text fits there (the
 * common case: lowering builds most of its strings this way). */
char *arena_printf(Arena *a, const char *fmt, ...)
{
    va_list ap;
    ArenaBlock *b = a->cur;
    int n;
    if (b && b->used < b->cap) {
        size_t room = b->cap - b->used;
        char *p = (char *)b->data + b->used;
        va_start(ap, fmt);
        n = fmt_vsnprintf(p, room, fmt, ap);
        va_end(ap);
        if (n >= 0 && (size_t)n < room) {
            b->used += ((size_t)n + 1 + 15) & ~(size_t)15; /* room is a multiple of 16 */
            return p;
        }
        memset(p, 0, room); /* it did not fit; allocations come zeroed */
    } else {
        va_start(ap, fmt);
        n = fmt_vsnprintf(NULL, 0, fmt, ap);
        va_end(ap);
    }
    if (n < 0)
        n = 0;
    char *p = arena_alloc(a, (size_t)n + 1);
    va_start(ap, fmt);
    fmt_vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

void arena_free(Arena *a)
{
    ArenaBlock *b = a->head;
    while (b) {
        ArenaBlock *next = b->next;
        free(b);
        b = next;
    }
    a->head = a->cur = NULL;
}
