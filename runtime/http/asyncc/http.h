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

/* The connection's limits (docs/API.md): the largest request body accepted
 * (larger ones are answered 413; default 1 MiB), and how long
 * ac_http_read_request waits for a request's header block, and then for
 * each further piece of its body, before it drops the client; a response
 * that the client stops taking for as long is given up too (default
 * 10,000 ms).  0 keeps a value as it is. */
void ac_http_conn_set_limits(ac_http_conn *c, size_t max_body,
                             uint64_t timeout_ms);

/* The value of request header `name` (case-insensitive; a repeated header
 * gives its first value), or NULL.  Valid while *rq is (until the next
 * ac_http_read_request on the connection). */
const char *ac_http_req_header(const ac_http_req *rq, const char *name);
/* Every header in arrival order: how many, and the i-th one's name (the
 * return value) and value; NULL past the end. */
size_t ac_http_req_header_count(const ac_http_req *rq);
const char *ac_http_req_header_at(const ac_http_req *rq, size_t i,
                                  const char **value);

/* ---- the coroutines ----------------------------------------------------------- */

#if defined(ASYNCC_ERASED)
int ac_http_get(const char *url, ac_http_response *out);
int ac_http_fetch(const ac_http_request *rq, ac_http_response *out);
int ac_http_read_request(ac_http_conn *c, ac_http_req *rq);
int ac_http_respond(ac_http_conn *c, int status, const char *content_type,
                    const void *body, size_t len);
int ac_http_respond_headers(ac_http_conn *c, int status,
                            const char *content_type,
                            const char *const *headers, const void *body,
                            size_t len);
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

struct ac_http_read_request__frame {
    ac_coro co;
    int ret;
    ac_http_conn *c;
    ac_http_req *rq;
    /* private */
    int result;                 /* what woke the wait                       */
    struct ac_write__frame w;   /* the answer to a bad request (400, ...)   */
};
void ac_http_read_request__init(struct ac_http_read_request__frame *f,
                                ac_http_conn *c, ac_http_req *rq);

struct ac_http_respond_headers__frame {
    ac_coro co;
    int ret;
    ac_http_conn *c;
    int status;
    const char *content_type;
    const char *const *headers;
    const void *body;
    size_t len;
    /* private */
    int close_after;            /* the connection ends with this response   */
    int body_apart;             /* a large body: written after the head     */
    struct ac_write__frame w;
};
void ac_http_respond_headers__init(struct ac_http_respond_headers__frame *f,
                                   ac_http_conn *c, int status,
                                   const char *content_type,
                                   const char *const *headers,
                                   const void *body, size_t len);

struct ac_http_respond__frame {
    ac_coro co;
    int ret;
    ac_http_conn *c;
    int status;
    const char *content_type;
    const void *body;
    size_t len;
    /* private: the general form does the work */
    struct ac_http_respond_headers__frame r;
};
void ac_http_respond__init(struct ac_http_respond__frame *f, ac_http_conn *c,
                           int status, const char *content_type,
                           const void *body, size_t len);

struct ac_http_conn_close__frame {
    ac_coro co;
    int ret;
    ac_http_conn *c;
};
void ac_http_conn_close__init(struct ac_http_conn_close__frame *f,
                              ac_http_conn *c);

#if !defined(__ASYNCC_OUTPUT__)
/* 0 when a response arrived, whatever its status; < 0 when none did:
 * AC_ECANCELED, AC_ETIMEDOUT, or an error ac_strerror() explains (refused,
 * unresolvable host, reset, TLS failure, ...).  *out is filled only on 0;
 * free it with ac_http_response_free. */
async int ac_http_get(const char *url, ac_http_response *out);
async int ac_http_fetch(const ac_http_request *rq, ac_http_response *out);

/* 0: *rq holds the next request (valid until the next read);
 * 1: the client closed cleanly, or the last response ended the connection
 * (Connection: close); < 0: error.  Malformed or oversized requests are
 * answered (400, 413, 431) and reported as errors (AC_EBADREQUEST,
 * AC_EBODYTOOLARGE, AC_EHEADERSTOOLARGE); a client too slow to send a
 * request gets AC_ETIMEDOUT (and a 408 if it had sent part of one).  After
 * a result other than 0 the connection is over: close it. */
async int ac_http_read_request(ac_http_conn *c, ac_http_req *rq);

/* Sends one response: status line, Date, Content-Type (when content_type
 * is not NULL), Content-Length, and Connection when the connection ends or
 * an HTTP/1.0 client keeps it; then the body (not for HEAD, 204, 304).
 * 0 once it is all handed to the kernel, else < 0 (AC_ETIMEDOUT: the
 * client stopped taking it, and the connection is closed). */
async int ac_http_respond(ac_http_conn *c, int status,
                          const char *content_type, const void *body,
                          size_t len);
/* The same with extra header lines: "Name: value" strings, NULL-terminated
 * (or NULL).  Content-Length and Transfer-Encoding are the server's (giving
 * one is UV_EINVAL, as is a CR or LF in any line); "Connection: close"
 * makes this the connection's last response. */
async int ac_http_respond_headers(ac_http_conn *c, int status,
                                  const char *content_type,
                                  const char *const *headers,
                                  const void *body, size_t len);

/* Closes the connection and frees it (and the stream).  Returns at once;
 * when the client may still be sending, the socket lingers in the
 * background for up to 2 s, reading and discarding, so that the last
 * response is not lost to a reset. */
async int ac_http_conn_close(ac_http_conn *c);

#endif
#endif

#ifdef __cplusplus
}
#endif
#endif /* ASYNCC_HTTP_H */
