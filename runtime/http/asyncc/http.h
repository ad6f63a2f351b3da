/*
 * asyncc/http.h - HTTP for Async C: a client on libcurl's multi-socket API
 * and an HTTP/1.1 server on a Debian request parser, both driven by the
 * asyncc loop (no thread per request, no polling interval).
 *
 * Part of libasyncc_http (CMake: asyncc::http, pkg-config: asyncc-http);
 * asyncc-cc links it when a source includes this header.
 *
 * Like asyncc.h it has three readers: the transpiler and IDEs see `async`
 * prototypes; generated C (__ASYNCC_OUTPUT__) sees the leaf frames, which
 * awaiting code embeds; the erased build (ASYNCC_ERASED) sees plain
 * prototypes, so erased programs still compile (they link only against a
 * library that defines them).
 *
 * Errors are negative codes; ac_strerror() explains every one.
 */
#ifndef ASYNCC_HTTP_H
#define ASYNCC_HTTP_H

#include <asyncc.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- client --------------------------------------------------------------- */

typedef struct ac_http_request {
    const char *method;         /* NULL: GET, or POST when body is set      */
    const char *url;
    const char *const *headers; /* "Name: value", NULL-terminated, or NULL   */
    const void *body;
    size_t body_len;
    long timeout_ms;            /* 0: none                                  */
    /* Beyond DESIGN.md's fields (zero keeps the defaults): */
    long max_redirects;         /* 0: a 3xx is the response; N: follow up to
                                   N redirects                              */
} ac_http_request;

typedef struct ac_http_response {
    long status;                /* 200, 404, ...                            */
    char *body;                 /* malloc'd, NUL-terminated                 */
    size_t body_len;
    char *headers;              /* raw header block, NUL-terminated         */
} ac_http_response;

/* The value of header `name` (case-insensitive) in the response's last
 * header block, or NULL.  Owned by the response; valid until
 * ac_http_response_free.  A repeated header gives its first value. */
const char *ac_http_header(const ac_http_response *r, const char *name);

/* Frees body and headers and zeroes *r; safe on a zeroed response. */
void ac_http_response_free(ac_http_response *r);

/* ---- server ----------------------------------------------------------------- */

typedef struct ac_http_conn ac_http_conn;
typedef struct ac_http_req {
    const char *method, *path, *query; /* query: after '?', or ""             */
    const char *body;
    size_t body_len;
    const void *priv;                  /* the connection's; do not touch      */
} ac_http_req;

/* Wraps an accepted stream; the connection owns it from now on (closed by
 * ac_http_conn_close).  NULL when out of memory (the stream is untouched). */
ac_http_conn *ac_http_conn_new(ac_stream *s);
const char *ac_http_req_header(const ac_http_req *rq, const char *name);

/* ---- the coroutines ----------------------------------------------------------- */

#if defined(ASYNCC_ERASED)
int ac_http_get(const char *url, ac_http_response *out);
int ac_http_fetch(const ac_http_request *rq, ac_http_response *out);
int ac_http_read_request(ac_http_conn *c, ac_http_req *rq);
int ac_http_respond(ac_http_conn *c, int status, const char *content_type,
                    const void *body, size_t len);
int ac_http_conn_close(ac_http_conn *c);

#else
/* The leaf frames (the ABI's frame convention, docs/ABI.md): generated C
 * embeds them in the awaiting frame; the transpiler sees them too, which
 * is how it knows they can be embedded. */

struct ac_http__xfer; /* one transfer: the curl easy handle and buffers */

struct ac_http_fetch__frame {
    ac_coro co;
    int ret;
    const ac_http_request *rq;
    ac_http_response *out;
    /* private */
    struct ac_http__xfer *xfer;
};
void ac_http_fetch__init(struct ac_http_fetch__frame *f,
                         const ac_http_request *rq, ac_http_response *out);

struct ac_http_get__frame {
    ac_coro co;
    int ret;
    const char *url;
    ac_http_response *out;
    /* private: a GET request and the fetch that runs it */
    ac_http_request rq;
    struct ac_http_fetch__frame fetch;
};
void ac_http_get__init(struct ac_http_get__frame *f, const char *url,
                       ac_http_response *out);

#if !defined(__ASYNCC_OUTPUT__)
/* 0 when a response arrived, whatever its status; < 0 when none did:
 * AC_ECANCELED, AC_ETIMEDOUT, or an error ac_strerror() explains (refused,
 * unresolvable host, reset, TLS failure, ...).  *out is filled only on 0;
 * free it with ac_http_response_free. */
async int ac_http_get(const char *url, ac_http_response *out);
async int ac_http_fetch(const ac_http_request *rq, ac_http_response *out);

/* 0: *rq holds the next request (valid until the next read);
 * 1: the client closed cleanly; < 0: error.  Malformed or oversized
 * requests are answered (400, 413, 431) and reported as errors. */
async int ac_http_read_request(ac_http_conn *c, ac_http_req *rq);
async int ac_http_respond(ac_http_conn *c, int status,
                          const char *content_type, const void *body,
                          size_t len);
async int ac_http_conn_close(ac_http_conn *c);

#endif
#endif

#ifdef __cplusplus
}
#endif
#endif /* ASYNCC_HTTP_H */
