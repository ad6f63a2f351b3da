/* map.c - see map.h. */
#include "map.h"

#include "arena.h"

#include <stdlib.h>
#include <string.h>

static unsigned long long hash64(unsigned long long k)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    return k;
}

static void offmap_grow(OffMap *m)
{
    OffMap old = *m;
    m->cap = old.cap ? old.cap * 2 : 16;
    m->keys = xcalloc(m->cap, sizeof *m->keys);
    m->vals = xcalloc(m->cap, sizeof *m->vals);
    m->n = 0;
    for (size_t i = 0; i < old.cap; i++)
        if (old.vals[i])
            offmap_put(m, old.keys[i], old.vals[i]);
    free(old.keys);
    free(old.vals);
}

void offmap_put(OffMap *m, unsigned long long key, long val)
{
    if ((m->n + 1) * 2 > m->cap)
        offmap_grow(m);
    size_t i = hash64(key) & (m->cap - 1);
    while (m->vals[i] && m->keys[i] != key)
        i = (i + 1) & (m->cap - 1);
    if (!m->vals[i])
        m->n++;
    m->keys[i] = key;
    m->vals[i] = val;
}

long offmap_get(const OffMap *m, unsigned long long key)
{
    if (!m->cap)
        return 0;
    size_t i = hash64(key) & (m->cap - 1);
    while (m->vals[i]) {
        if (m->keys[i] == key)
            return m->vals[i];
        i = (i + 1) & (m->cap - 1);
    }
    return 0;
}

void offmap_free(OffMap *m)
{
    free(m->keys);
    free(m->vals);
    memset(m, 0, sizeof *m);
}

/* FNV-1a */
static size_t hash_str(const char *s, size_t len)
{
    size_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
    return h;
}

static void strmap_grow(StrMap *m)
{
    StrMap old = *m;
    m->cap = old.cap ? old.cap * 2 : 64;
    m->keys = xcalloc(m->cap, sizeof *m->keys);
    m->lens = xcalloc(m->cap, sizeof *m->lens);
    m->vals = xcalloc(m->cap, sizeof *m->vals);
    m->n = 0;
    for (size_t i = 0; i < old.cap; i++)
        if (old.vals[i])
            strmap_put(m, old.keys[i], old.lens[i], old.vals[i]);
    free(old.keys);
    free(old.lens);
    free(old.vals);
}

void strmap_put(StrMap *m, const char *key, size_t len, long val)
{
    if ((m->n + 1) * 2 > m->cap)
        strmap_grow(m);
    size_t i = hash_str(key, len) & (m->cap - 1);
    while (m->vals[i] && !(m->lens[i] == len && !memcmp(m->keys[i], key, len)))
        i = (i + 1) & (m->cap - 1);
    if (!m->vals[i])
        m->n++;
    m->keys[i] = key;
    m->lens[i] = len;
    m->vals[i] = val;
}

long strmap_get(const StrMap *m, const char *key, size_t len)
{
    if (!m->cap)
        return 0;
    size_t i = hash_str(key, len) & (m->cap - 1);
    while (m->vals[i]) {
        if (m->lens[i] == len && !memcmp(m->keys[i], key, len))
            return m->vals[i];
        i = (i + 1) & (m->cap - 1);
    }
    return 0;
}

void strmap_free(StrMap *m)
{
    free(m->keys);
    free(m->lens);
    free(m->vals);
    memset(m, 0, sizeof *m);
}
