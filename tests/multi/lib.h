#ifndef LIB_H
#define LIB_H
#include <asyncc.h>
struct pair { int a, b; };
async int add_later(int a, int b);
async struct pair swap_later(struct pair p);
async void note(const char *what);
#endif
