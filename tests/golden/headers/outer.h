#ifndef OUTER_H
#define OUTER_H
/* A plain header on the way to one with async definitions. */
#include "co_helpers.h"
#define OUTER_SCALE 10
#endif
