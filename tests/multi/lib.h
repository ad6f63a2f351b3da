#ifndef LIB_H
#define LIB_H
#include <asyncc.h>
struct pair { int a, b; };
async int add_later(int a, int b);
async int mul_later(int a, int b);
async struct pair swap_later(struct pair p);
async void note(const char *what);

/* Pointers to async functions, across files: the table is filled in by
   table.c, a plain C file compiled warning-free by gcc and clang. */
typedef async int op_fn(int a, int b);
extern op_fn *const lib_ops[2];
int lib_op_count(void);

/* A coroutine helper defined in the header: translated into each .ac file
   that includes it (static: no clash between them); plain C (table.c)
   reads it as a plain function it never calls. */
static inline async int twice_later(int v)
{
    await ac_yield();
    return 2 * v;
}
#endif
