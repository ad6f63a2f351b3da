/*
 * map.h - the two hash maps the transpiler needs: byte offsets (or pairs of
 * them) to numbers, and names to numbers.  Open addressing, linear probing;
 * a value of 0 means "absent", so callers store index + 1.
 */
#ifndef ASYNCC_MAP_H
#define ASYNCC_MAP_H

#include <stddef.h>

typedef struct OffMap {
    unsigned long long *keys;
    long *vals;
    size_t cap, n;
} OffMap;

void offmap_put(OffMap *m, unsigned long long key, long val);
long offmap_get(const OffMap *m, unsigned long long key);
void offmap_free(OffMap *m);

typedef struct StrMap {
    const char **keys;    /* not copied: the caller keeps them alive   */
    size_t *lens;
    long *vals;
    size_t cap, n;
} StrMap;

void strmap_put(StrMap *m, const char *key, size_t len, long val);
long strmap_get(const StrMap *m, const char *key, size_t len);
void strmap_free(StrMap *m);

#endif
