#ifndef CO_MATH_H
#define CO_MATH_H
static inline int co_square(int v)
{
    return v * v;
}
#endif
