/*
 * arena.h - a bump allocator.  The AST, token arrays and every string the
 * transpiler builds live in arenas that are freed in one go at exit.
 */
#ifndef ASYNCC_ARENA_H
#define ASYNCC_ARENA_H

#include <stddef.h>

typedef struct ArenaBlock ArenaBlock;
typedef struct Arena {
    ArenaBlock *head;     /* blocks in the order they were made */
    ArenaBlock *cur;      /* the one allocations come from now  */
} Arena;

void *arena_alloc(Arena *a, size_t size);          /* zeroed, 16-aligned */
char *arena_strndup(Arena *a, const char *s, size_t n);
char *arena_printf(Arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Forget every allocation but keep the blocks, for scratch memory that is
 * used again and again. */
void arena_reset(Arena *a);
void arena_free(Arena *a);

/* calloc for memory that outlives no arena (at least one byte, so n may be
 * 0); out of memory ends the run as an arena's does. */
void *xcalloc(size_t n, size_t size);

#endif
