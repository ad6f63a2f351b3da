/*
 * error.c - ac_strerror: one place that explains every error code the
 * runtime and its libraries return.
 *
 * Codes are negative.  Most are libuv's (negated errno values and UV_EAI_*),
 * which uv_strerror explains; asyncc adds its own (AC_E* in asyncc_abi.h)
 * for failures libuv has no name for, and optional libraries register the
 * texts of whole ranges (libcurl's codes, in libasyncc_http) so that the
 * core does not depend on them.
 */
#include <pthread.h>
#include <string.h>

#include "internal.h"

static const struct {
    int code;
    const char *text;
} own[] = {
    /* libuv's text is the socket-level "connection timed out"; asyncc's
     * timeouts (with_timeout, the HTTP limits) are not about connecting. */
    {AC_ETIMEDOUT, "timed out"},
    {AC_ECLOSED, "the queue is closed"},
    {AC_ETLS, "TLS handshake or certificate verification failed"},
    {AC_EBADRESPONSE, "the peer's reply is not valid for the protocol"},
    {AC_ENORESPONSE, "the peer closed the connection without replying"},
    {AC_ETRUNCATED, "the connection closed before the response was complete"},
    {AC_EREDIRECTS, "too many redirects"},
    {AC_EBADURL, "malformed URL, or a scheme that is not supported"},
    {AC_EPG, "the database server reported an error (ac_pg_error has its "
             "message)"},
    {AC_EPGCONN, "no connection to the database server: it could not be "
                 "made or was lost (ac_pg_error says why)"},
    {AC_EBADREQUEST, "malformed HTTP request (answered 400 Bad Request)"},
    {AC_EHEADERSTOOLARGE, "HTTP request header block too large "
                          "(answered 431 Request Header Fields Too Large)"},
    {AC_EBODYTOOLARGE, "HTTP request body too large "
                       "(answered 413 Payload Too Large)"},
    {AC_EPARTIALREQUEST, "the client closed the connection in the middle "
                         "of a request"},
};

/* Shared by every thread (a library registers its range once, and any
 * thread may ask for a text), so guarded by a lock. */
static struct {
    int lo, hi;
    const char *(*text)(int err);
} ranges[8];
static int nranges;
static pthread_mutex_t ranges_lock = PTHREAD_MUTEX_INITIALIZER;

void ac__strerror_range(int lo, int hi, const char *(*text)(int err))
{
    pthread_mutex_lock(&ranges_lock);
    int known = 0;
    for (int i = 0; i < nranges; i++)
        known |= ranges[i].lo == lo && ranges[i].hi == hi;
    /* when full, those codes get libuv's "unknown" text */
    if (!known && nranges < (int)(sizeof ranges / sizeof ranges[0])) {
        ranges[nranges].lo = lo;
        ranges[nranges].hi = hi;
        ranges[nranges].text = text;
        nranges++;
    }
    pthread_mutex_unlock(&ranges_lock);
}

static const char *(*range_text(int err))(int)
{
    const char *(*text)(int) = NULL;
    pthread_mutex_lock(&ranges_lock);
    for (int i = 0; i < nranges && !text; i++)
        if (err >= ranges[i].lo && err <= ranges[i].hi)
            text = ranges[i].text;
    pthread_mutex_unlock(&ranges_lock);
    return text;
}

const char *ac_strerror(int err)
{
    for (size_t i = 0; i < sizeof own / sizeof own[0]; i++)
        if (own[i].code == err)
            return own[i].text;
    const char *(*text)(int) = range_text(err);
    if (text)
        return text(err);
    /* libuv's own texts; a code libuv does not know (AC_EDEADLK is a
     * negated errno it has no name for) is asked of libc.  The _r form:
     * uv_err_name() allocates a string it never frees for unknown codes. */
    char name[32];
    uv_err_name_r(err, name, sizeof name);
    if (strncmp(name, "Unknown", 7) != 0)
        return uv_strerror(err);
    return err < 0 ? strerror(-err) : "unknown error";
}
