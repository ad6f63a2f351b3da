/*
 * emit.h - stage 5: the translated file.
 *
 * Everything that is not async passes through byte for byte; async
 * definitions are replaced by the pieces lowering made, frame structs in
 * the order C needs them; #line directives point at the .ac file.
 */
#ifndef ASYNCC_EMIT_H
#define ASYNCC_EMIT_H

#include <stdio.h>

#include "front.h"
#include "lower.h"

/* Write the translated file to out; out_path is its name for the #line
 * directives of generated code.  0 on success. */
int emit_file(const Front *fe, const Lowered *lo, const char *out_path, FILE *out);

#endif
