#pragma once
#include <asyncc.h>

static inline async int once_twice(int v)
{
    await ac_yield();
    return 2 * v;
}
