/*
 * dyn.c - awaiting an async function whose frame type the caller does not
 * see: through a pointer to it (DESIGN.md section 7), or defined in another
 * file.
 *
 * The value of a pointer to an async function is an ordinary C function
 * with the async function's signature, its "entry", which asyncc generates
 * beside the frame.  The awaiting code announces the call with
 * ac_dyn_begin, calls the entry through the pointer -- C converts the
 * arguments, whatever the function -- and collects the callee's frame with
 * ac_dyn_end.  The entry takes the announcement with ac_dyn_take,
 * allocates and initialises its frame and leaves it there.  Between begin
 * and end the caller runs nothing but that call, so one slot per thread
 * holds the announcement.
 */
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"

static _Thread_local ac_dyn *pending;

void ac_dyn_begin(ac_dyn *d)
{
    d->co = NULL;
    d->size = 0;
    pending = d;
}

ac_coro *ac_dyn_end(ac_dyn *d)
{
    pending = NULL;
    if (d->co == NULL) {
        /* a cast made a plain function look like an async one */
        fputs("asyncc: a call through a pointer to an async function reached a function "
              "that is not async\n", stderr);
        abort();
    }
    return d->co;
}

ac_dyn *ac_dyn_take(const char *name)
{
    ac_dyn *d = pending;
    if (d == NULL) {
        fprintf(stderr, "asyncc: async function '%s' called as a plain function; "
                        "await it, or run it with async_run\n", name);
        abort();
    }
    pending = NULL;
    return d;
}
