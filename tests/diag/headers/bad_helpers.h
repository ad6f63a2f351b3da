#ifndef BAD_HELPERS_H
#define BAD_HELPERS_H
#include <asyncc.h>

/* An async function defined in a header is translated with the file that
   includes it, and its errors point into the header. */
static inline async int measure(void)
{
    return (int)sizeof(await ac_yield());
}

#endif
