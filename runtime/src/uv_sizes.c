/*
 * uv_sizes.c - asyncc_abi.h's opaque stand-ins for libuv's structs (what
 * code outside the runtime sees in frames) against the real ones.
 *
 * Nothing runs here: a size or alignment that differs stops the build of
 * the runtime, before a frame laid out one way is used the other way.
 */
#include <stdalign.h>

#include "internal.h"

#ifdef AC__OPAQUE_UV
#define SAME(type)                                                          \
    _Static_assert(sizeof(ac__opaque_##type) == sizeof(type) &&             \
                       alignof(ac__opaque_##type) == alignof(type),         \
                   "asyncc_abi.h: the size of " #type " is not libuv's")
SAME(uv_work_t);
SAME(uv_getaddrinfo_t);
SAME(uv_connect_t);
SAME(uv_buf_t);
SAME(uv_write_t);
SAME(uv_fs_t);
SAME(uv_udp_send_t);
SAME(uv_poll_t);
#endif
_Static_assert(AC_READABLE == UV_READABLE && AC_WRITABLE == UV_WRITABLE,
               "asyncc_abi.h: AC_READABLE / AC_WRITABLE are not libuv's");

/* ISO C wants a translation unit to declare something. */
int ac__uv_sizes_checked;
