/*
 * lower_frame.h - the second link of lowering's chain: the coroutine frame.
 * Member names (a local keeps its name unless it is taken), the members of
 * the frame's locals, temporaries that hold a value across an await, the
 * type declarations that move to file scope, and compound literals whose
 * address must survive a suspension.
 */
#ifndef ASYNCC_LOWER_FRAME_H
#define ASYNCC_LOWER_FRAME_H

#include "lower_text.h"

/* A frame member name: `want`, or want_2, want_3 ... if taken. */
const char *member_name(Low *L, const char *want);

/* The clang type of an expression node (-1 when unknown). */
int type_of(const Low *L, const Node *e, Type *t);

/* Declare a frame temporary of type t (arrays and functions decay to
 * pointers, as their values do) or of e's type; returns "__ac_f->tmp_N". */
const char *temp_of_type(Low *L, Type t, const Node *at);
const char *temp_for(Low *L, const Node *e);

/* A pointer temporary for the address of lvalue e: "__ac_f->tmp_N", or NULL
 * after reporting that its type cannot be written. */
const char *temp_pointer(Low *L, const Node *e);

/* The members of the frame's locals; the hoisted type declarations. */
void layout_frame(Low *L, const Node *body);

/* Copy compound literals whose address can escape into the frame. */
void frame_literals(Low *L, const Node *n, int under_amp);

#endif
