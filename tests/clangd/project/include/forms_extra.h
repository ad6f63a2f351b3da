/* forms_extra.h - found through the include directories given to the
   compile command of forms.ac (tests/clangd). */
#ifndef FORMS_EXTRA_H
#define FORMS_EXTRA_H
#include <asyncc.h>
async int forms_extra_op(int x);
#endif
