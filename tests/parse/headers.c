/*
 * headers.c - not compiled: parse.cbodies.headers runs `cbodies -H` on it,
 * so the static inline functions of these headers (glibc, libuv and
 * the compiler's intrinsics) must all parse.  Only headers every build of
 * this project has.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <complex.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <uv.h>
#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#endif

int main(void)
{
    return 0;
}
