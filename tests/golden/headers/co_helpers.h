#ifndef CO_HELPERS_H
#define CO_HELPERS_H
/* Coroutine helpers as a library would ship them: async functions defined
   in a header, static inline, translated wherever the header is included. */
#include <asyncc.h>
#include "co_math.h" /* plain, found next to this header */
#include "co_once.h" /* #pragma once, defines an async function too */

static inline async int nap_then(int ms, int v)
{
    await ac_sleep((uint64_t)ms);
    return co_square(v);
}

static inline async int sum_naps(int n)
{
    int total = 0;
    for (int i = 0; i < n; i++)
        total += await nap_then(1, i);
    return total + await once_twice(n);
}

/* Never used by header_async.ac: draws no warning. */
static inline async void unused_helper(void)
{
    await ac_yield();
}

#endif
