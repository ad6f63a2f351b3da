/*
 * frame_alloc.c - size-class free lists for heap frames.
 *
 * Classes: multiples of 16 bytes up to 512 (32 classes), then powers of two
 * up to 64 KiB (7 classes).  Larger frames go straight to malloc/free.  A
 * freed block goes on its class's free list (the link lives in the block
 * itself), so recursion that goes down and up again reuses the same blocks.
 * The free lists are released at the end of every ac_run; outside ac_run
 * a freed block goes straight back to free().
 *
 * Blocks carry no header: ac_frame_free gets the size back from the caller,
 * which always knows its frame's type.
 */
#include <stdlib.h>

#include "internal.h"

#define SMALL_STEP 16u
#define SMALL_MAX 512u
#define N_SMALL ((int)(SMALL_MAX / SMALL_STEP)) /* 32 */
#define LARGE_MAX (64u * 1024u)
#define N_LARGE 7                         /* 1K, 2K, ... 64K */
#define N_CLASSES (N_SMALL + N_LARGE)

typedef struct free_block {
    struct free_block *next;
} free_block;

static _Thread_local free_block *free_lists[N_CLASSES];
static _Thread_local size_t bytes_out;

/* Class index and the block size it stands for; -1 for "use malloc". */
static int size_class(size_t size, size_t *block)
{
    if (size == 0)
        size = 1;
    if (size <= SMALL_MAX) {
        size_t c = (size + SMALL_STEP - 1) / SMALL_STEP;
        *block = c * SMALL_STEP;
        return (int)c - 1;
    }
    if (size > LARGE_MAX)
        return -1;
    size_t b = 1024;
    int c = N_SMALL;
    while (b < size) {
        b <<= 1;
        c++;
    }
    *block = b;
    return c;
}

void *ac_frame_alloc(size_t size)
{
    size_t block = size;
    int c = size_class(size, &block);
    void *p;
    if (c >= 0 && free_lists[c] != NULL) {
        free_block *fb = free_lists[c];
        free_lists[c] = fb->next;
        p = fb;
    } else {
        p = malloc(block);
        if (p == NULL)
            return NULL;
    }
    bytes_out += size;
    return p;
}

void ac_frame_free(void *p, size_t size)
{
    size_t block = size;
    int c;
    if (p == NULL)
        return;
    bytes_out = bytes_out >= size ? bytes_out - size : 0;
    c = size_class(size, &block);
    /* Outside ac_run (e.g. async_run freeing the root frame of a function
     * defined in another file) nothing would release the free lists. */
    if (c < 0 || ac_loop() == NULL) {
        free(p);
        return;
    }
    free_block *fb = p;
    fb->next = free_lists[c];
    free_lists[c] = fb;
}

size_t ac__frame_bytes(void)
{
    return bytes_out;
}

void ac__frame_release_all(void)
{
    for (int c = 0; c < N_CLASSES; c++) {
        while (free_lists[c] != NULL) {
            free_block *fb = free_lists[c];
            free_lists[c] = fb->next;
            free(fb);
        }
    }
}
