/*
 * client.c - the HTTP client of <asyncc/http.h>: ac_http_fetch and
 * ac_http_get on libcurl's multi-socket API.
 *
 * One CURLM per loop, made at the first request and destroyed when ac_run
 * shuts down.  Its connection pool is what makes requests to the same host
 * reuse a connection (keep-alive), and its DNS cache is shared too.  libcurl
 * says which sockets to watch (the socket callback) and when to call it back
 * (the timer callback); each socket gets a uv_poll_t, the timer is an entry
 * in the runtime's timer heap.  libcurl runs only when one of its sockets is
 * ready or its timer is due: no thread per request, no polling interval.
 *
 * Names are resolved by libcurl's threaded resolver, which reports its
 * answer through a socket pair the loop watches like any other.  A libcurl
 * built without an asynchronous resolver would block the loop in
 * getaddrinfo, so the first request checks for one and fails (with the
 * code of CURLE_NOT_BUILT_IN) when it is missing.
 *
 * Every call into libcurl from a loop callback is bracketed by ac__enter /
 * ac__leave, so completions only queue wake-ups: no coroutine runs inside
 * libcurl, and so none can cancel a transfer from inside a curl callback
 * (curl_multi_remove_handle is not allowed there).
 *
 * Cancellation (task cancelled, with_timeout fired) removes the transfer
 * from the multi handle at once; the await returns AC_ECANCELED and the
 * connection is closed by libcurl (a half-read response cannot be reused).
 */
#define __ASYNCC_OUTPUT__ 1 /* hand-written coroutines read the header like
                               generated code: the frames, no keywords */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "internal.h" /* first: the runtime's view of asyncc_abi.h */
#include "asyncc/http.h"

/* libcurl's CURLcode n is reported as -(AC_HTTP_CURL_BASE + n) when no
 * better code says what happened. */
#define AC_HTTP_CURL_BASE 6000
#define AC_HTTP_CURL_LAST 6999

/* Easy handles kept for reuse (curl_easy_reset) instead of freed. */
#define SPARE_EASY_MAX 32

struct ac_http__xfer {
    CURL *easy;
    struct curl_slist *hdrs;
    struct ac_http_fetch__frame *f; /* the frame waiting for it             */
    char *body, *head;              /* what arrived so far                  */
    size_t body_len, body_cap, head_len, head_cap;
    int oom;                        /* a callback failed to allocate        */
    struct ac_http__xfer *prev, *next; /* every transfer in flight          */
    char errbuf[CURL_ERROR_SIZE];
};

/* One socket libcurl asked us to watch. */
struct sock {
    uv_poll_t poll;
    curl_socket_t fd;
    int closing;
    struct sock *prev, *next;
};

static _Thread_local struct {
    CURLM *multi;
    ac_timer_entry timer;       /* libcurl's timeout, in the runtime's heap */
    struct ac_http__xfer *xfers; /* in flight                                */
    struct sock *socks;         /* watched                                  */
    CURL *spare[SPARE_EASY_MAX];
    int nspare;
} H;

static void http_shutdown(void);
static _Thread_local ac__shutdown_hook shutdown_hook = {.fn = http_shutdown};

/* ---- error codes ------------------------------------------------------------ */

static const char *curl_code_text(int err)
{
    return curl_easy_strerror((CURLcode)(-err - AC_HTTP_CURL_BASE));
}

static int curl_code(CURLcode c)
{
    return -(AC_HTTP_CURL_BASE + (int)c);
}

/* What a failed transfer returns: libuv's code where one says what
 * happened (with the OS's errno where libcurl recorded one: connecting),
 * asyncc's own
 * AC_E* next, libcurl's code (with libcurl's text) for the rest. */
static int transfer_error(struct ac_http__xfer *x, CURLcode c)
{
    long os = 0;
    curl_easy_getinfo(x->easy, CURLINFO_OS_ERRNO, &os);
    if (x->oom)
        return UV_ENOMEM;
    switch (c) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
        return UV_EAI_NONAME;
    case CURLE_COULDNT_CONNECT:
        return os > 0 ? -(int)os : UV_ECONNREFUSED;
    case CURLE_OPERATION_TIMEDOUT:
        return AC_ETIMEDOUT;
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
        /* libcurl records no errno for these (CURLINFO_OS_ERRNO is about
         * connecting); a failed send or receive on an established
         * connection is the peer resetting it. */
        return UV_ECONNRESET;
    case CURLE_GOT_NOTHING:
        return AC_ENORESPONSE;
    case CURLE_PARTIAL_FILE:
        return AC_ETRUNCATED;
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_HTTP3:
    case CURLE_BAD_CONTENT_ENCODING:
        return AC_EBADRESPONSE;
    case CURLE_TOO_MANY_REDIRECTS:
        return AC_EREDIRECTS;
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
        return AC_EBADURL;
    case CURLE_OUT_OF_MEMORY:
        return UV_ENOMEM;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CLIENTCERT:
    case CURLE_USE_SSL_FAILED:
        return AC_ETLS;
    default:
        return curl_code(c);
    }
}

/* ---- buffers ------------------------------------------------------------------ */

/* Append n bytes to a growing, NUL-terminated buffer; 0 or -1. */
static int buf_add(char **p, size_t *len, size_t *cap, const char *s, size_t n)
{
    if (n > SIZE_MAX - *len - 1)
        return -1;
    if (*len + n + 1 > *cap) {
        size_t ncap = *cap ? *cap : 1024;
        while (ncap < *len + n + 1)
            ncap = ncap > SIZE_MAX / 2 ? *len + n + 1 : ncap * 2;
        char *np = realloc(*p, ncap);
        if (np == NULL)
            return -1;
        *p = np;
        *cap = ncap;
    }
    memcpy(*p + *len, s, n);
    *len += n;
    (*p)[*len] = '\0';
    return 0;
}

static size_t on_body(char *data, size_t size, size_t n, void *userp)
{
    struct ac_http__xfer *x = userp;
    if (buf_add(&x->body, &x->body_len, &x->body_cap, data, n) < 0) {
        x->oom = 1;
        return 0; /* libcurl stops the transfer (CURLE_WRITE_ERROR) */
    }
    (void)size; /* always 1 */
    return n;
}

/* Header lines arrive one by one, the status line first.  A new status
 * line starts a new block (after a 100 Continue or a followed redirect):
 * the response keeps the last one. */
static size_t on_header(char *data, size_t size, size_t n, void *userp)
{
    struct ac_http__xfer *x = userp;
    if (n >= 5 && memcmp(data, "HTTP/", 5) == 0)
        x->head_len = 0;
    if (buf_add(&x->head, &x->head_len, &x->head_cap, data, n) < 0) {
        x->oom = 1;
        return 0;
    }
    (void)size;
    return n;
}

/*
 * The response's `headers`: the raw block, its NUL, then an index that
 * ac_http_header reads: "name\0value\0" for every header line, ended by an
 * empty name.  One allocation, so ac_http_response_free stays two frees.
 */
static char *headers_with_index(const char *raw, size_t len)
{
    char *out = malloc(2 * len + 3);
    if (out == NULL)
        return NULL;
    memcpy(out, raw, len);
    out[len] = '\0';
    char *w = out + len + 1;
    const char *line = raw, *end = raw + len;
    while (line < end) {
        const char *eol = memchr(line, '\n', (size_t)(end - line));
        const char *next = eol ? eol + 1 : end;
        const char *stop = eol ? eol : end;
        const char *colon = memchr(line, ':', (size_t)(stop - line));
        if (stop > line && stop[-1] == '\r')
            stop--;
        /* Skip the status line, blank lines and folded continuations. */
        if (colon != NULL && line[0] != ' ' && line[0] != '\t') {
            const char *v = colon + 1;
            while (v < stop && (*v == ' ' || *v == '\t'))
                v++;
            const char *ve = stop;
            while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
                ve--;
            memcpy(w, line, (size_t)(colon - line));
            w += colon - line;
            *w++ = '\0';
            memcpy(w, v, (size_t)(ve - v));
            w += ve - v;
            *w++ = '\0';
        }
        line = next;
    }
    *w = '\0';
    return out;
}

const char *ac_http_header(const ac_http_response *r, const char *name)
{
    if (r == NULL || r->headers == NULL || name == NULL)
        return NULL;
    const char *p = r->headers + strlen(r->headers) + 1;
    while (*p != '\0') {
        const char *n = p;
        const char *v = n + strlen(n) + 1;
        if (strcasecmp(n, name) == 0)
            return v;
        p = v + strlen(v) + 1;
    }
    return NULL;
}

void ac_http_response_free(ac_http_response *r)
{
    if (r == NULL)
        return;
    free(r->body);
    free(r->headers);
    memset(r, 0, sizeof *r);
}

/* ---- sockets and the timer ---------------------------------------------------- */

static void check_done(void);

static void sock_closed(uv_handle_t *h)
{
    struct sock *s = (struct sock *)h;
    ac__handle_closed();
    free(s);
}

static void sock_close(struct sock *s)
{
    if (s->closing)
        return;
    s->closing = 1;
    AC__LIST_REMOVE(H.socks, s);
    uv_close((uv_handle_t *)&s->poll, sock_closed);
}

static void on_ready(uv_poll_t *h, int status, int events)
{
    struct sock *s = (struct sock *)h;
    int flags = 0, running;
    if (status < 0)
        flags = CURL_CSELECT_ERR;
    if (events & UV_READABLE)
        flags |= CURL_CSELECT_IN;
    if (events & UV_WRITABLE)
        flags |= CURL_CSELECT_OUT;
    ac__enter();
    curl_multi_socket_action(H.multi, s->fd, flags, &running);
    check_done();
    ac__leave();
}

/* CURLMOPT_SOCKETFUNCTION: watch `fd` for `what`, or stop watching it. */
static int on_socket(CURL *easy, curl_socket_t fd, int what, void *userp,
                     void *socketp)
{
    struct sock *s = socketp;
    (void)easy;
    (void)userp;
    if (what == CURL_POLL_REMOVE || (s != NULL && s->closing)) {
        if (s != NULL)
            sock_close(s); /* idempotent */
        return 0;
    }
    if (s == NULL) {
        s = calloc(1, sizeof *s);
        if (s == NULL)
            return -1;
        if (uv_poll_init_socket(ac_loop(), &s->poll, fd) < 0) {
            free(s);
            return -1;
        }
        ac__handle_opened();
        s->fd = fd;
        AC__LIST_PUSH(H.socks, s);
        curl_multi_assign(H.multi, fd, s);
    }
    int events = 0;
    if (what & CURL_POLL_IN)
        events |= UV_READABLE;
    if (what & CURL_POLL_OUT)
        events |= UV_WRITABLE;
    return uv_poll_start(&s->poll, events, on_ready) < 0 ? -1 : 0;
}

/* The heap entry is due: libcurl's timeout expired.  Runs bracketed. */
static void on_timeout(ac_timer_entry *e)
{
    int running;
    (void)e;
    curl_multi_socket_action(H.multi, CURL_SOCKET_TIMEOUT, 0, &running);
    check_done();
}

/* CURLMOPT_TIMERFUNCTION: call back in `ms` (-1: never).  0 means "as soon
 * as possible"; the heap fires it in the loop's next timer phase, never from
 * inside this callback (libcurl forbids that). */
static int on_timer(CURLM *multi, long ms, void *userp)
{
    (void)multi;
    (void)userp;
    if (ms < 0) {
        ac__timer_stop(&H.timer);
        return 0;
    }
    return ac__timer_start(&H.timer, (uint64_t)ms, on_timeout) < 0 ? -1 : 0;
}

/* ---- the multi handle ------------------------------------------------------------ */

/* curl_global_init is not thread-safe: once per process, whichever
 * thread's loop makes the first request. */
static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_status;

static void global_init(void)
{
    global_status = curl_global_init(CURL_GLOBAL_DEFAULT);
    if (global_status == CURLE_OK)
        ac__strerror_range(-AC_HTTP_CURL_LAST, -AC_HTTP_CURL_BASE, curl_code_text);
}

static int multi_get(void)
{
    const curl_version_info_data *v;
    if (H.multi != NULL)
        return 0;
    if (ac_loop() == NULL || ac__closing())
        return UV_EINVAL;
    pthread_once(&global_once, global_init);
    if (global_status != CURLE_OK)
        return UV_ENOMEM;
    v = curl_version_info(CURLVERSION_NOW);
    if (!(v->features & CURL_VERSION_ASYNCHDNS))
        return curl_code(CURLE_NOT_BUILT_IN); /* would block the loop */
    H.multi = curl_multi_init();
    if (H.multi == NULL)
        return UV_ENOMEM;
    curl_multi_setopt(H.multi, CURLMOPT_SOCKETFUNCTION, on_socket);
    curl_multi_setopt(H.multi, CURLMOPT_TIMERFUNCTION, on_timer);
    ac__timer_init(&H.timer);
    ac__on_shutdown(&shutdown_hook);
    return 0;
}

/* ---- transfers ---------------------------------------------------------------------- */

/* Take the transfer out of the multi handle (if it is in) and free it. */
static void xfer_free(struct ac_http__xfer *x)
{
    if (x->easy != NULL) {
        curl_multi_remove_handle(H.multi, x->easy);
        if (H.nspare < SPARE_EASY_MAX) {
            curl_easy_reset(x->easy);
            H.spare[H.nspare++] = x->easy;
        } else {
            curl_easy_cleanup(x->easy);
        }
    }
    curl_slist_free_all(x->hdrs);
    free(x->body);
    free(x->head);
    free(x);
}

static int has_header(const char *const *hs, const char *name)
{
    size_t n = strlen(name);
    for (; hs != NULL && *hs != NULL; hs++)
        if (strncasecmp(*hs, name, n) == 0 && (*hs)[n] == ':')
            return 1;
    return 0;
}

static int add_header(struct ac_http__xfer *x, const char *h)
{
    struct curl_slist *l = curl_slist_append(x->hdrs, h);
    if (l == NULL)
        return UV_ENOMEM;
    x->hdrs = l;
    return 0;
}

/* The request's headers: the caller's, and two defaults turned off unless
 * the caller set them (libcurl would send "Expect: 100-continue" before a
 * large body, costing a round trip or a second's wait on servers that do
 * not answer it, and a form Content-Type for every body). */
static int set_headers(struct ac_http__xfer *x, const ac_http_request *rq)
{
    int r = 0;
    for (const char *const *h = rq->headers; h != NULL && *h != NULL && r == 0; h++)
        r = add_header(x, *h);
    if (r == 0 && !has_header(rq->headers, "Expect"))
        r = add_header(x, "Expect:");
    if (r == 0 && rq->body != NULL && !has_header(rq->headers, "Content-Type"))
        r = add_header(x, "Content-Type:");
    if (r == 0)
        curl_easy_setopt(x->easy, CURLOPT_HTTPHEADER, x->hdrs);
    return r;
}

static int set_method(struct ac_http__xfer *x, const ac_http_request *rq)
{
    CURL *e = x->easy;
    const char *m = rq->method;
    if (m == NULL)
        m = rq->body != NULL ? "POST" : "GET";
    if (rq->body != NULL) {
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)rq->body_len);
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, rq->body);
    }
    if (strcmp(m, "GET") == 0 && rq->body == NULL)
        curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
    else if (strcmp(m, "HEAD") == 0)
        curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    else if (strcmp(m, "POST") == 0 && rq->body == NULL) {
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)0);
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, "");
    } else if (strcmp(m, "POST") != 0)
        curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, m);
    return 0;
}

/* A transfer for `rq`, ready to add to the multi handle; 0 or < 0. */
static int xfer_new(struct ac_http_fetch__frame *f, struct ac_http__xfer **out)
{
    const ac_http_request *rq = f->rq;
    struct ac_http__xfer *x;
    int r;

    *out = NULL;
    if (rq == NULL || rq->url == NULL || f->out == NULL)
        return UV_EINVAL;
    if (rq->timeout_ms < 0 || rq->max_redirects < 0)
        return UV_EINVAL;
    x = calloc(1, sizeof *x);
    if (x == NULL)
        return UV_ENOMEM;
    x->easy = H.nspare > 0 ? H.spare[--H.nspare] : curl_easy_init();
    if (x->easy == NULL) {
        free(x);
        return UV_ENOMEM;
    }
    x->f = f;
    CURL *e = x->easy;
    curl_easy_setopt(e, CURLOPT_PRIVATE, x);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    if (rq->max_redirects > 0) {
        curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
        curl_easy_setopt(e, CURLOPT_MAXREDIRS, rq->max_redirects);
    }
    if (rq->timeout_ms > 0)
        curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, rq->timeout_ms);
    if (curl_easy_setopt(e, CURLOPT_URL, rq->url) != CURLE_OK) {
        xfer_free(x);
        return UV_ENOMEM;
    }
    r = set_method(x, rq);
    if (r == 0)
        r = set_headers(x, rq);
    if (r < 0) {
        xfer_free(x);
        return r;
    }
    *out = x;
    return 0;
}

/* A finished transfer: fill in the response, or the error. */
static int xfer_result(struct ac_http__xfer *x, CURLcode c)
{
    ac_http_response *out = x->f->out;
    long status = 0;
    if (c != CURLE_OK)
        return transfer_error(x, c);
    if (x->body == NULL && buf_add(&x->body, &x->body_len, &x->body_cap, "", 0) < 0)
        return UV_ENOMEM;
    char *headers = headers_with_index(x->head ? x->head : "", x->head_len);
    if (headers == NULL)
        return UV_ENOMEM;
    curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
    out->status = status;
    out->body = x->body;
    out->body_len = x->body_len;
    out->headers = headers;
    x->body = NULL; /* the response owns it now */
    return 0;
}

/* Complete every transfer libcurl reports done.  Runs bracketed. */
static void check_done(void)
{
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(H.multi, &left)) != NULL) {
        struct ac_http__xfer *x = NULL;
        if (m->msg != CURLMSG_DONE)
            continue;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x);
        if (x == NULL)
            continue;
        CURLcode c = m->data.result; /* m is invalid after the removal */
        struct ac_http_fetch__frame *f = x->f;
        f->ret = xfer_result(x, c);
        f->xfer = NULL;
        AC__LIST_REMOVE(H.xfers, x);
        xfer_free(x);
        ac__leaf_finish(&f->co);
    }
}

static void http_shutdown(void)
{
    /* Transfers still in flight belong to abandoned frames: free them
     * without waking anyone.  Then the sockets, and the multi handle. */
    while (H.xfers != NULL) {
        struct ac_http__xfer *x = H.xfers;
        AC__LIST_REMOVE(H.xfers, x);
        x->f->xfer = NULL;
        xfer_free(x);
    }
    while (H.socks != NULL)
        sock_close(H.socks); /* freed by their close callbacks */
    ac__timer_stop(&H.timer);
    while (H.nspare > 0)
        curl_easy_cleanup(H.spare[--H.nspare]);
    if (H.multi != NULL)
        curl_multi_cleanup(H.multi); /* closes the pooled connections */
    H.multi = NULL;
}

/* ---- ac_http_fetch / ac_http_get -------------------------------------------------- */

static void fetch_cancel(ac_coro *co)
{
    struct ac_http_fetch__frame *f = (struct ac_http_fetch__frame *)co;
    if (f->xfer != NULL) {
        AC__LIST_REMOVE(H.xfers, f->xfer);
        xfer_free(f->xfer); /* out of the multi handle at once */
        f->xfer = NULL;
    }
    f->ret = AC_ECANCELED;
    ac__leaf_finish(co); /* queued: we are inside ac_task_cancel */
}

static void fetch_resume(ac_coro *co)
{
    struct ac_http_fetch__frame *f = (struct ac_http_fetch__frame *)co;
    struct ac_http__xfer *x;
    int r;

    if (co->state != 0) {
        ac_return(co);
        return;
    }
    if (f->out != NULL)
        memset(f->out, 0, sizeof *f->out);
    if (ac_task_cancelled(co->task)) {
        f->ret = AC_ECANCELED;
        ac_return(co);
        return;
    }
    r = multi_get();
    if (r == 0)
        r = xfer_new(f, &x);
    if (r == 0 && curl_multi_add_handle(H.multi, x->easy) != CURLM_OK) {
        xfer_free(x);
        r = UV_ENOMEM;
    }
    if (r < 0) {
        f->ret = r;
        ac_return(co);
        return;
    }
    f->xfer = x;
    AC__LIST_PUSH(H.xfers, x);
    ac_leaf_wait(co, fetch_cancel);
    co->state = 1;
    /* libcurl has asked for a 0 ms timeout: the transfer starts in the
     * loop's next timer phase. */
}

static int fetch_describe(const ac_coro *co, char *buf, size_t cap)
{
    const struct ac_http_fetch__frame *f = (const struct ac_http_fetch__frame *)co;
    const ac_http_request *rq = f->rq;
    const char *m = rq->method != NULL ? rq->method : rq->body != NULL ? "POST" : "GET";
    size_t got = f->xfer != NULL ? f->xfer->body_len : 0;
    return snprintf(buf, cap, "%s %s, %zu bytes received", m, rq->url, got);
}
AC__LEAF_INFO(fetch_resume, "ac_http_fetch", fetch_describe)

void ac_http_fetch__init(struct ac_http_fetch__frame *f,
                         const ac_http_request *rq, ac_http_response *out)
{
    ac__coro_init(&f->co, fetch_resume);
    f->ret = 0;
    f->rq = rq;
    f->out = out;
    f->xfer = NULL;
}

static void get_resume(ac_coro *co)
{
    struct ac_http_get__frame *f = (struct ac_http_get__frame *)co;
    if (co->state == 0) {
        memset(&f->rq, 0, sizeof f->rq);
        f->rq.url = f->url;
        ac_http_fetch__init(&f->fetch, &f->rq, f->out);
        if (ac_await(co, &f->fetch.co, 1))
            return;
    }
    f->ret = f->fetch.ret;
    ac_return(co);
}

/* The fetch it awaits shows the URL. */
AC__LEAF_INFO(get_resume, "ac_http_get", NULL)

void ac_http_get__init(struct ac_http_get__frame *f, const char *url,
                       ac_http_response *out)
{
    ac__coro_init(&f->co, get_resume);
    f->ret = 0;
    f->url = url;
    f->out = out;
}
