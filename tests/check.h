/*
 * check.h - the assert macros every C test of the project uses.  A failed
 * check prints file:line and the expression (and, for CHECK_EQ, both
 * values) and makes the test exit 1.
 */
#ifndef ASYNCC_TEST_CHECK_H
#define ASYNCC_TEST_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#define CHECK(expr)                                                        \
    do {                                                                   \
        if (!(expr)) {                                                     \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__,         \
                    __LINE__, #expr);                                      \
            exit(1);                                                       \
        }                                                                  \
    } while (0)

#define CHECK_EQ(a, b)                                                     \
    do {                                                                   \
        long long a_ = (long long)(a), b_ = (long long)(b);                \
        if (a_ != b_) {                                                    \
            fprintf(stderr, "%s:%d: CHECK_EQ failed: %s == %s (%lld vs "   \
                    "%lld)\n", __FILE__, __LINE__, #a, #b, a_, b_);        \
            exit(1);                                                       \
        }                                                                  \
    } while (0)

#endif
