/* table.c - plain C (not transpiled): a table of pointers to async
   functions defined in lib.ac.  Plain code stores and compares them; only
   async code awaits them. */
#include "lib.h"

op_fn *const lib_ops[2] = {add_later, mul_later};

int lib_op_count(void)
{
    return (int)(sizeof lib_ops / sizeof lib_ops[0]) - (lib_ops[0] == lib_ops[1]);
}
