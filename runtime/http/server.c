/*
 * server.c - the HTTP/1.1 server of <asyncc/http.h>: ac_http_conn_new,
 * ac_http_read_request, ac_http_respond(_headers), ac_http_conn_close.
 *
 * Parsing.  http_parser (libhttp-parser-dev) is a callback parser that keeps
 * no copy of its input: it reports the URL, header names and values as
 * ranges of the bytes it is given.  A connection keeps the raw bytes in one
 * buffer, records those ranges as offsets from the request's first byte, and
 * pauses the parser at the end of every message, so the bytes of the next
 * request (pipelining) stay unparsed in the buffer for the next read.  Once
 * a request is complete its ranges are NUL-terminated in place: path, query
 * and headers point into the buffer, which does not move until the next
 * read.  Body bytes are copied into a buffer of their own (decoded when
 * chunked, NUL-terminated) and dropped from the read buffer as they are
 * parsed, so the read buffer only holds a header block and what follows it.
 *
 * Reading.  The connection is its stream's sink (internal.h): libuv keeps
 * reading into the buffer's free space.  A pending ac_http_read_request
 * parses what arrives right in the read callback; while the program handles
 * a request, arrivals are only appended, and reading pauses when the buffer
 * is full (TCP flow control then holds the client back).
 *
 * Ending.  A connection ends on Connection: close, an error, a timeout or
 * the client's FIN.  The server sends FIN after its last response and then
 * reads and discards until the client closes too, for at most LINGER_MS:
 * closing a socket with unread input makes the kernel send RST, which can
 * destroy the last response before the client has read it (the "lingering
 * close" of Apache and nginx).  That goes on in the background, after
 * ac_http_conn_close has returned.
 */
#define __ASYNCC_OUTPUT__ 1 /* hand-written coroutines read the header like
                               generated C: frames, no async prototypes */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <http_parser.h>

#include "internal.h" /* first: the runtime's view of asyncc_abi.h */
#include "asyncc/http.h"

#define HEADER_LIMIT 8192 /* request line + header lines + blank line       */
#define MAX_FIELDS 100    /* header lines per request (Apache's default)     */
#define DEFAULT_MAX_BODY ((size_t)1 << 20)
#define DEFAULT_TIMEOUT_MS 10000
#define LINGER_MS 2000
#define BUF_INITIAL 4096
#define BUF_MAX (2 * HEADER_LIMIT) /* a header block and room to read more   */
#define COPY_MAX 65536    /* larger bodies are written apart from the head   */
#define NO_VALUE UINT32_MAX

/* Results of a parse step besides 1 (clean end) and the errors. */
enum { STEP_MORE = 100, STEP_REQUEST = 101 };

/* ac_http_conn.flags */
enum {
    C_HEADERS = 1u << 0,   /* the request's header block is complete        */
    C_COMPLETE = 1u << 1,  /* the whole request is in                        */
    C_HELD = 1u << 2,      /* the program holds it: the buffer must not move */
    C_KEEP = 1u << 3,      /* the last request lets the connection go on     */
    C_HEAD = 1u << 4,      /* ... was a HEAD                                 */
    C_HTTP10 = 1u << 5,    /* ... was HTTP/1.0                               */
    C_CONTINUE = 1u << 6,  /* the client waits for "100 Continue"            */
    C_WRITING = 1u << 7,   /* a respond is in flight                         */
    C_FIN = 1u << 8,       /* we sent FIN: reads are discarded               */
    C_RELEASED = 1u << 9,  /* ac_http_conn_close was called                  */
    C_BEGUN = 1u << 10,    /* a request has started (beyond blank lines)     */
    C_STALLED = 1u << 11,  /* a write of ours did not move: aborted          */
};

/* A header line: offsets from the request's first byte. */
struct field {
    uint32_t name, name_len, value, value_len;
};

struct ac_http_conn {
    ac_stream *s;            /* NULL once given up                          */
    ac__sink sink;           /* how the stream hands us its bytes           */
    http_parser parser;
    /* The read buffer: [start, pos) parsed bytes of the current request,
     * [pos, len) not parsed yet, [len, cap - 1) room (one byte is kept
     * spare).  Once the header block is complete, [keep, pos) are body
     * bytes already copied out, dropped after each parse. */
    char *buf;
    size_t cap, start, pos, len, keep;
    /* The request being parsed. */
    struct field fields[MAX_FIELDS];
    size_t nfields;
    uint32_t url, url_len;
    int in_value;            /* the last header piece was a value           */
    int fail;                /* why a parser callback stopped it            */
    char *body;
    size_t body_len, body_cap;
    unsigned flags;          /* C_*                                         */
    int over;                /* the connection is over: what reads return   */
    int rerr;                /* the stream's EOF or read error, if seen     */
    struct ac_http_read_request__frame *reader; /* the pending read         */
    ac_timer_entry timer;    /* read or write timeout, lingering close      */
    size_t queued;           /* what a waiting write had left at last look  */
    size_t max_body;
    uint64_t timeout_ms;
    char *out;               /* the response being written                  */
    size_t out_cap;
    ac_http_conn *prev, *next; /* every live connection, for shutdown       */
};

static _Thread_local ac_http_conn *conns;
static _Thread_local char discard[16384]; /* where a lingering close reads to */

static void server_shutdown(void);
static _Thread_local ac__shutdown_hook shutdown_hook = {.fn = server_shutdown};

/* ---- the parser's callbacks --------------------------------------------- */

static uint32_t offset_of(const ac_http_conn *c, const char *at)
{
    return (uint32_t)((size_t)(at - c->buf) - c->start);
}

static int on_begin(http_parser *p)
{
    ac_http_conn *c = p->data;
    c->nfields = 0;
    c->url = c->url_len = 0;
    c->in_value = 0;
    c->fail = 0;
    c->body_len = 0;
    c->flags &= ~(unsigned)(C_HEADERS | C_COMPLETE | C_CONTINUE);
    c->flags |= C_BEGUN;
    return 0;
}

/* Pieces of one item arrive in order and, since the buffer only grows at
 * its end while a request is parsed, contiguously: an item is the range
 * from its first piece's start to its last piece's end. */
static int on_url(http_parser *p, const char *at, size_t n)
{
    ac_http_conn *c = p->data;
    if (c->url_len == 0)
        c->url = offset_of(c, at);
    c->url_len = offset_of(c, at) + (uint32_t)n - c->url;
    return 0;
}

static int on_field(http_parser *p, const char *at, size_t n)
{
    ac_http_conn *c = p->data;
    struct field *f;
    if (c->flags & C_HEADERS)
        return 0; /* a trailer after a chunked body: not kept */
    if (c->nfields == 0 || c->in_value) {
        if (c->nfields == MAX_FIELDS) {
            c->fail = AC_EHEADERSTOOLARGE;
            return -1;
        }
        f = &c->fields[c->nfields++];
        f->name = offset_of(c, at);
        f->value = NO_VALUE;
        f->value_len = 0;
        c->in_value = 0;
    }
    f = &c->fields[c->nfields - 1];
    f->name_len = offset_of(c, at) + (uint32_t)n - f->name;
    return 0;
}

static int on_value(http_parser *p, const char *at, size_t n)
{
    ac_http_conn *c = p->data;
    struct field *f;
    if ((c->flags & C_HEADERS) || c->nfields == 0)
        return 0;
    c->in_value = 1;
    if (n == 0)
        return 0; /* an empty piece may point past the line: not recorded */
    f = &c->fields[c->nfields - 1];
    if (f->value == NO_VALUE)
        f->value = offset_of(c, at);
    f->value_len = offset_of(c, at) + (uint32_t)n - f->value;
    return 0;
}

static int body_reserve(ac_http_conn *c, size_t need)
{
    size_t cap = c->body_cap ? c->body_cap : 256;
    char *b;
    if (need + 1 <= c->body_cap)
        return 0;
    while (cap < need + 1)
        cap *= 2;
    b = realloc(c->body, cap);
    if (b == NULL)
        return UV_ENOMEM;
    c->body = b;
    c->body_cap = cap;
    return 0;
}

/* The value of field f compared with `want` (case-insensitive), before the
 * request is NUL-terminated. */
static int field_is(const ac_http_conn *c, const struct field *f,
                    const char *name, const char *want)
{
    const char *base = c->buf + c->start;
    size_t n = strlen(name), w = strlen(want);
    return f->name_len == n && strncasecmp(base + f->name, name, n) == 0 &&
           f->value != NO_VALUE && f->value_len >= w &&
           strncasecmp(base + f->value, want, w) == 0;
}

static int wants_continue(const ac_http_conn *c, const http_parser *p)
{
    if (p->http_major != 1 || p->http_minor == 0)
        return 0;
    if (!(p->flags & F_CHUNKED) &&
        (p->content_length == ULLONG_MAX || p->content_length == 0))
        return 0;
    for (size_t i = 0; i < c->nfields; i++)
        if (field_is(c, &c->fields[i], "expect", "100-continue"))
            return 1;
    return 0;
}

/* RFC 9110's token characters, for header names. */
static int is_tchar(unsigned char ch)
{
    return ch > 0x20 && ch < 0x7f && strchr("\"(),/:;<=>?@[\\]{}", ch) == NULL;
}

/*
 * Debian builds http_parser without HTTP_PARSER_STRICT, which lets through
 * blanks in header names, tabs in the URL and any word for "HTTP".  The
 * header block is still in the buffer here, so check those parts again.
 */
static int request_is_strict(const ac_http_conn *c)
{
    const unsigned char *base = (const unsigned char *)c->buf + c->start;
    const unsigned char *v = base + c->url + c->url_len;
    for (uint32_t i = 0; i < c->url_len; i++)
        if (base[c->url + i] <= 0x20 || base[c->url + i] == 0x7f)
            return 0;
    if (memcmp(v, " HTTP/1.", 8) != 0 || v[8] < '0' || v[8] > '9' ||
        (v[9] != '\r' && v[9] != '\n'))
        return 0;
    for (size_t i = 0; i < c->nfields; i++) {
        const struct field *f = &c->fields[i];
        if (f->name_len == 0)
            return 0;
        for (uint32_t j = 0; j < f->name_len; j++)
            if (!is_tchar(base[f->name + j]))
                return 0;
    }
    return 1;
}

static int on_headers_complete(http_parser *p)
{
    ac_http_conn *c = p->data;
    c->flags |= C_HEADERS;
    if (!request_is_strict(c)) {
        c->fail = AC_EBADREQUEST;
        return -1;
    }
    if (!(p->flags & F_CHUNKED) && p->content_length != ULLONG_MAX) {
        if (p->content_length > c->max_body) {
            c->fail = AC_EBODYTOOLARGE; /* said so before any body byte */
            return -1;
        }
        /* Room for what is announced, up to 64 KiB: a client that only
         * claims a large body must not make us hold that much memory. */
        size_t want = (size_t)p->content_length;
        if (body_reserve(c, want < COPY_MAX ? want : COPY_MAX) < 0) {
            c->fail = UV_ENOMEM;
            return -1;
        }
    }
    if (wants_continue(c, p))
        c->flags |= C_CONTINUE;
    return 0;
}

static int on_body(http_parser *p, const char *at, size_t n)
{
    ac_http_conn *c = p->data;
    if (n > c->max_body - c->body_len) {
        c->fail = AC_EBODYTOOLARGE;
        return -1;
    }
    if (body_reserve(c, c->body_len + n) < 0) {
        c->fail = UV_ENOMEM;
        return -1;
    }
    memcpy(c->body + c->body_len, at, n);
    c->body_len += n;
    return 0;
}

/* Stop right after the message: what follows is the next request's. */
static int on_complete(http_parser *p)
{
    ac_http_conn *c = p->data;
    c->flags |= C_COMPLETE;
    http_parser_pause(p, 1);
    return 0;
}

static const http_parser_settings settings = {
    .on_message_begin = on_begin,
    .on_url = on_url,
    .on_header_field = on_field,
    .on_header_value = on_value,
    .on_headers_complete = on_headers_complete,
    .on_body = on_body,
    .on_message_complete = on_complete,
};

/* ---- parsing what is buffered --------------------------------------------- */

static int parse_error(const ac_http_conn *c)
{
    enum http_errno e = HTTP_PARSER_ERRNO(&c->parser);
    if (c->fail != 0)
        return c->fail;
    if (e == HPE_HEADER_OVERFLOW)
        return AC_EHEADERSTOOLARGE;
    return AC_EBADREQUEST;
}

/* The client asked before sending its body; when some of it came anyway
 * the interim answer is not needed.  Best effort: 25 bytes on a socket
 * with nothing else queued always fit. */
static void send_continue(ac_http_conn *c)
{
    static const char msg[] = "HTTP/1.1 100 Continue\r\n\r\n";
    c->flags &= ~(unsigned)C_CONTINUE;
    if (c->body_len == 0 && c->pos == c->len)
        ac__stream_try_write(c->s, msg, sizeof msg - 1);
}

/* Body bytes are copied out as they are parsed: drop their raw form. */
static void drop_parsed_body(ac_http_conn *c)
{
    memmove(c->buf + c->keep, c->buf + c->pos, c->len - c->pos);
    c->len -= c->pos - c->keep;
    c->pos = c->keep;
}

/* Parse [pos, len): STEP_REQUEST, STEP_MORE, or an error code.  While the
 * header block is incomplete the parser is never given more than
 * HEADER_LIMIT bytes of the request, so that limit is exact. */
static int parse_buffered(ac_http_conn *c)
{
    while (c->pos < c->len) {
        int in_headers = !(c->flags & C_HEADERS);
        size_t n = c->len - c->pos, got;
        if (in_headers && c->pos - c->start + n > HEADER_LIMIT)
            n = c->start + HEADER_LIMIT - c->pos;
        if (n == 0)
            return AC_EHEADERSTOOLARGE;
        http_parser_pause(&c->parser, 0);
        got = http_parser_execute(&c->parser, &settings, c->buf + c->pos, n);
        c->pos += got;
        if (c->flags & C_COMPLETE)
            return STEP_REQUEST;
        if (HTTP_PARSER_ERRNO(&c->parser) != HPE_OK || got < n)
            return parse_error(c);
        if (in_headers && (c->flags & C_HEADERS))
            c->keep = c->pos;
        if (c->flags & C_CONTINUE)
            send_continue(c);
        if (c->flags & C_HEADERS)
            drop_parsed_body(c);
    }
    return STEP_MORE;
}

/* Room to read more: move the request to the front, or grow.  Only while
 * the program holds no request (its strings point into the buffer). */
static int make_room(ac_http_conn *c)
{
    char *b;
    if (c->len + 1 < c->cap)
        return 0;
    if (c->start > 0) {
        memmove(c->buf, c->buf + c->start, c->len - c->start);
        c->pos -= c->start;
        c->len -= c->start;
        c->keep = c->keep > c->start ? c->keep - c->start : 0;
        c->start = 0;
        if (c->len + 1 < c->cap)
            return 0;
    }
    if (c->cap >= BUF_MAX)
        return AC_EHEADERSTOOLARGE; /* cannot happen: parsing stops first */
    b = realloc(c->buf, 2 * c->cap);
    if (b == NULL)
        return UV_ENOMEM;
    c->buf = b;
    c->cap *= 2;
    return 0;
}

/* One step of a read: a request, STEP_MORE (reading is on), 1 at a clean
 * end, or an error. */
static int conn_step(ac_http_conn *c)
{
    int r = parse_buffered(c);
    if (r != STEP_MORE)
        return r;
    if (c->rerr == UV_EOF)
        return (c->flags & C_BEGUN) ? AC_EPARTIALREQUEST : 1;
    if (c->rerr < 0)
        return c->rerr;
    r = make_room(c);
    if (r == 0)
        r = ac__stream_sink_start(c->s, &c->sink);
    return r < 0 ? r : STEP_MORE;
}

/* ---- ending a connection ------------------------------------------------------- */

static void conn_free(ac_http_conn *c)
{
    AC__LIST_REMOVE(conns, c);
    ac__timer_stop(&c->timer);
    free(c->buf);
    free(c->body);
    free(c->out);
    free(c);
}

/* Give the stream up; the connection too once the program has. */
static void conn_drop_stream(ac_http_conn *c)
{
    ac__timer_stop(&c->timer);
    ac__stream_release(c->s);
    c->s = NULL;
    if ((c->flags & C_RELEASED) && !(c->flags & C_WRITING))
        conn_free(c);
}

static void on_linger_end(ac_timer_entry *e)
{
    conn_drop_stream(AC__CONTAINER_OF(e, ac_http_conn, timer));
}

/* Send FIN after what is queued and discard what the client still sends,
 * until it closes too or LINGER_MS pass. */
static void conn_hang_up(ac_http_conn *c)
{
    if (c->s == NULL || (c->flags & C_FIN))
        return;
    c->flags |= C_FIN;
    ac__stream_shutdown(c->s);
    if (c->rerr != 0 || ac__stream_sink_start(c->s, &c->sink) < 0 ||
        ac__timer_start(&c->timer, LINGER_MS, on_linger_end) < 0) {
        /* Nothing more will come (or cannot be read): keep the stream
         * until the program closes the connection. */
        ac__stream_sink_pause(c->s);
    }
}

/* The connection is over for reading: every later read returns `why`. */
static void conn_over(ac_http_conn *c, int why)
{
    if (c->over == 0)
        c->over = why;
    ac__timer_stop(&c->timer);
}

/* ---- writes that do not move ------------------------------------------------------ */

/*
 * A write that has to wait for the socket is watched: the client must take
 * some of it every timeout_ms.  One that never reads would otherwise hold
 * the connection, its buffers and its descriptor for ever.
 */
static void on_write_stall(ac_timer_entry *e)
{
    ac_http_conn *c = AC__CONTAINER_OF(e, ac_http_conn, timer);
    size_t left = ac__stream_write_queue(c->s);
    if (left == 0)
        return; /* done: its callback is on the way */
    if (left < c->queued) {
        c->queued = left;
        ac__timer_start(&c->timer, c->timeout_ms, on_write_stall);
        return;
    }
    c->flags |= C_STALLED;
    ac__stream_abort(c->s); /* the write completes with UV_ECANCELED */
}

static void watch_write(ac_http_conn *c)
{
    c->queued = ac__stream_write_queue(c->s);
    ac__timer_start(&c->timer, c->timeout_ms, on_write_stall);
}

/* What a finished write of ours returns: AC_ETIMEDOUT when it stalled. */
static int write_result(ac_http_conn *c, int r)
{
    ac__timer_stop(&c->timer);
    return (c->flags & C_STALLED) ? AC_ETIMEDOUT : r;
}

/* ---- the stream's sink ------------------------------------------------------------ */

static void sink_alloc(ac__sink *k, uv_buf_t *b)
{
    ac_http_conn *c = AC__CONTAINER_OF(k, ac_http_conn, sink);
    if (c->flags & C_FIN)
        *b = uv_buf_init(discard, sizeof discard);
    else
        *b = uv_buf_init(c->buf + c->len, (unsigned)(c->cap - c->len - 1));
}

static void reader_finish(ac_http_conn *c, int result);
static void on_read_timeout(ac_timer_entry *e);

static void sink_data(ac__sink *k, ssize_t n)
{
    ac_http_conn *c = AC__CONTAINER_OF(k, ac_http_conn, sink);
    int r;
    if (n < 0)
        c->rerr = (int)n;
    if (c->flags & C_FIN) {
        if (n < 0)
            conn_drop_stream(c); /* the client closed too */
        return;
    }
    if (n > 0)
        c->len += (size_t)n;
    if (c->reader == NULL)
        return; /* kept for the next read */
    r = conn_step(c);
    if (r != STEP_MORE) {
        reader_finish(c, r);
        return;
    }
    if (c->flags & C_HEADERS) /* the body's pieces may each take that long */
        ac__timer_start(&c->timer, c->timeout_ms, on_read_timeout);
}

/* ---- ac_http_read_request ------------------------------------------------------------ */

/* Wake the pending read with `result`.  Runs the program: do not touch c
 * afterwards. */
static void reader_finish(ac_http_conn *c, int result)
{
    struct ac_http_read_request__frame *f = c->reader;
    c->reader = NULL;
    ac__timer_stop(&c->timer);
    f->result = result;
    ac__enter();
    ac__leaf_finish(&f->co);
    ac__leave();
}

/* Fires inside the timer heap's bracket: the wake-up is only queued. */
static void on_read_timeout(ac_timer_entry *e)
{
    ac_http_conn *c = AC__CONTAINER_OF(e, ac_http_conn, timer);
    struct ac_http_read_request__frame *f = c->reader;
    if (f == NULL)
        return;
    c->reader = NULL;
    f->result = AC_ETIMEDOUT;
    ac__leaf_finish(&f->co);
}

/* The task was cancelled: the connection stays usable (what arrived so far
 * stays buffered, the parse goes on at the next read). */
static void read_cancel(ac_coro *co)
{
    struct ac_http_read_request__frame *f =
        (struct ac_http_read_request__frame *)co;
    f->c->reader = NULL;
    ac__timer_stop(&f->c->timer);
    f->result = AC_ECANCELED;
    ac__leaf_finish(co);
}

/* The previous request's bytes are no longer needed. */
static void release_request(ac_http_conn *c)
{
    c->flags &= ~(unsigned)C_HELD;
    if (!(c->flags & C_COMPLETE))
        return; /* a cancelled read left a request half parsed: go on */
    c->flags &= ~(unsigned)(C_COMPLETE | C_BEGUN | C_HEADERS);
    c->start = c->pos;
    if (c->pos == c->len)
        c->start = c->pos = c->len = 0;
    if (c->body_cap > COPY_MAX) { /* do not keep a large body's buffer */
        free(c->body);
        c->body = NULL;
        c->body_cap = 0;
    }
}

/* NUL-terminate item [off, off + len) of the request in place (the byte
 * after it is a delimiter the parser has passed) and return it. */
static const char *terminate(ac_http_conn *c, uint32_t off, uint32_t len)
{
    char *s = c->buf + c->start + off;
    s[len] = '\0';
    return s;
}

/* Values lose surrounding blanks; a folded line (obs-fold) becomes one. */
static void terminate_value(ac_http_conn *c, struct field *f)
{
    char *v = c->buf + c->start + f->value;
    uint32_t n = f->value_len;
    while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
        n--;
    v[n] = '\0';
    for (uint32_t i = 0; i < n; i++)
        if (v[i] == '\r' || v[i] == '\n')
            v[i] = ' ';
}

/* path and query of the URL: origin form ("/p?q"), or the path of an
 * absolute URL ("http://h/p?q"), or a CONNECT's authority as the path. */
static void split_url(ac_http_conn *c, ac_http_req *rq)
{
    char *url = (char *)terminate(c, c->url, c->url_len);
    struct http_parser_url u;
    rq->query = "";
    if (url[0] != '/' && url[0] != '*' &&
        c->parser.method != HTTP_CONNECT) {
        http_parser_url_init(&u);
        if (http_parser_parse_url(url, c->url_len, 0, &u) == 0) {
            if (u.field_set & (1u << UF_QUERY)) {
                url[u.field_data[UF_QUERY].off + u.field_data[UF_QUERY].len] = '\0';
                rq->query = url + u.field_data[UF_QUERY].off;
            }
            if (u.field_set & (1u << UF_PATH)) {
                url[u.field_data[UF_PATH].off + u.field_data[UF_PATH].len] = '\0';
                rq->path = url + u.field_data[UF_PATH].off;
            } else {
                rq->path = "/";
            }
            return;
        }
    }
    rq->path = url;
    url[strcspn(url, "#")] = '\0';
    char *q = strchr(url, '?');
    if (q != NULL) {
        *q = '\0';
        rq->query = q + 1;
    }
}

/* The parsed request, as the program sees it. */
static void deliver(ac_http_conn *c, ac_http_req *rq)
{
    const http_parser *p = &c->parser;
    for (size_t i = 0; i < c->nfields; i++) {
        struct field *f = &c->fields[i];
        terminate(c, f->name, f->name_len);
        if (f->value != NO_VALUE)
            terminate_value(c, f);
    }
    rq->method = http_method_str((enum http_method)p->method);
    split_url(c, rq);
    if (c->body_len > 0) {
        c->body[c->body_len] = '\0';
        rq->body = c->body;
    } else {
        rq->body = "";
    }
    rq->body_len = c->body_len;
    rq->priv = c;
    c->flags &= ~(unsigned)(C_KEEP | C_HEAD | C_HTTP10);
    /* After an upgrade or a CONNECT the bytes that follow are not HTTP. */
    if (http_should_keep_alive(p) && !p->upgrade)
        c->flags |= C_KEEP;
    if (p->method == HTTP_HEAD)
        c->flags |= C_HEAD;
    if (p->http_major == 1 && p->http_minor == 0)
        c->flags |= C_HTTP10;
    c->flags |= C_HELD;
}

/* Checks that need no connection state; a result to return at once, or 0. */
static int read_refused(struct ac_http_read_request__frame *f)
{
    ac_http_conn *c = f->c;
    if (ac_task_cancelled(f->co.task))
        return AC_ECANCELED;
    if (c == NULL || f->rq == NULL || (c->flags & C_RELEASED))
        return UV_EINVAL;
    if (c->reader != NULL)
        return UV_EALREADY;
    if (c->flags & C_WRITING)
        return UV_EBUSY; /* respond first: the body may point into rq */
    return c->over;
}

/* Start a read: a result now, or STEP_MORE when the frame is waiting. */
static int read_start(struct ac_http_read_request__frame *f)
{
    ac_http_conn *c = f->c;
    int r;
    release_request(c);
    r = conn_step(c);
    if (r != STEP_MORE)
        return r;
    c->reader = f;
    ac__timer_start(&c->timer, c->timeout_ms, on_read_timeout);
    ac_leaf_wait(&f->co, read_cancel);
    f->co.state = 1;
    return STEP_MORE;
}

static int build_response(ac_http_conn *c, int status, const char *type,
                          const char *const *headers, const void *body,
                          size_t len, int closing, int *apart);

/* The answer the server itself gives when a read fails: its length in
 * c->out, or 0 for none. */
static int build_answer(ac_http_conn *c, int err)
{
    const char *text;
    int status, apart, n;
    switch (err) {
    case AC_EBADREQUEST:
        status = 400;
        text = "Bad Request\n";
        break;
    case AC_EBODYTOOLARGE:
        status = 413;
        text = "Payload Too Large\n";
        break;
    case AC_EHEADERSTOOLARGE:
        status = 431;
        text = "Request Header Fields Too Large\n";
        break;
    case AC_ETIMEDOUT:
        /* Only to a client that had started a request: an idle keep-alive
         * connection is closed without a word. */
        if (!(c->flags & C_BEGUN))
            return 0;
        status = 408;
        text = "Request Timeout\n";
        break;
    default:
        return 0;
    }
    c->flags &= ~(unsigned)(C_HEAD | C_HTTP10); /* the last request's */
    n = build_response(c, status, "text/plain", NULL, text, strlen(text), 1,
                       &apart);
    return n < 0 ? 0 : n;
}

/* A write of ours ended: 1 when the program closed the connection
 * meanwhile (it is freed now), else 0. */
static int write_ended(ac_http_conn *c)
{
    c->flags &= ~(unsigned)C_WRITING;
    if (!(c->flags & C_RELEASED))
        return 0;
    conn_free(c);
    return 1;
}

static void read_request_resume(ac_coro *co)
{
    struct ac_http_read_request__frame *f =
        (struct ac_http_read_request__frame *)co;
    ac_http_conn *c = f->c;
    int r, n;

    switch (co->state) {
    case 0:
        r = read_refused(f);
        if (r != 0) {
            f->ret = r;
            ac_return(co);
            return;
        }
        r = read_start(f);
        if (r == STEP_MORE)
            return; /* suspended */
        break;
    case 1:
        r = f->result;
        break;
    default: /* 2: the answer went out (or failed: the error stands) */
        write_result(c, 0);
        if (!write_ended(c))
            conn_hang_up(c);
        ac_return(co);
        return;
    }
    f->ret = r == STEP_REQUEST ? 0 : r;
    if (r == STEP_REQUEST)
        deliver(c, f->rq);
    if (r == STEP_REQUEST || r == AC_ECANCELED) { /* cancelled: by the task,
                                                    or by a close */
        ac_return(co);
        return;
    }
    conn_over(c, r);
    n = build_answer(c, r);
    if (n > 0) {
        c->flags |= C_WRITING;
        ac_write__init(&f->w, c->s, c->out, (size_t)n);
        if (ac_await(co, &f->w.co, 2)) {
            watch_write(c);
            return;
        }
        if (write_ended(c)) {
            ac_return(co);
            return;
        }
    }
    if (r != 1) /* after a clean end the client has gone already */
        conn_hang_up(c);
    ac_return(co);
}

/* Where the connection's stream leads, for dumps: the peer of TCP. */
static void conn_peer(const ac_http_conn *c, char *buf, size_t cap)
{
    const uv_stream_t *st = c->s != NULL ? ac__stream_uv(c->s) : NULL;
    struct sockaddr_storage ss;
    int len = sizeof ss, port = 0;
    char ip[INET6_ADDRSTRLEN] = "";

    snprintf(buf, cap, "%s", st == NULL ? "no stream" : "not tcp");
    if (st == NULL || st->type != UV_TCP ||
        uv_tcp_getpeername((const uv_tcp_t *)st, (struct sockaddr *)&ss, &len) < 0)
        return;
    if (ss.ss_family == AF_INET) {
        uv_ip4_name((const struct sockaddr_in *)&ss, ip, sizeof ip);
        port = ntohs(((const struct sockaddr_in *)&ss)->sin_port);
        snprintf(buf, cap, "peer %s:%d", ip, port);
    } else if (ss.ss_family == AF_INET6) {
        uv_ip6_name((const struct sockaddr_in6 *)&ss, ip, sizeof ip);
        port = ntohs(((const struct sockaddr_in6 *)&ss)->sin6_port);
        snprintf(buf, cap, "peer [%s]:%d", ip, port);
    }
}

static int read_request_describe(const ac_coro *co, char *buf, size_t cap)
{
    const struct ac_http_read_request__frame *f =
        (const struct ac_http_read_request__frame *)co;
    const ac_http_conn *c = f->c;
    char peer[96];
    conn_peer(c, peer, sizeof peer);
    if (co->state == 2) /* awaiting the write of the answer to a bad request */
        return snprintf(buf, cap, "%s, answering a failed request", peer);
    return snprintf(buf, cap, "%s, %zu bytes of a request in", peer, c->len - c->start);
}
AC__LEAF_INFO(read_request_resume, "ac_http_read_request", read_request_describe)

void ac_http_read_request__init(struct ac_http_read_request__frame *f,
                                ac_http_conn *c, ac_http_req *rq)
{
    ac__coro_init(&f->co, read_request_resume);
    f->ret = 0;
    f->c = c;
    f->rq = rq;
    f->result = 0;
}

/* ---- responses ------------------------------------------------------------------------ */

static const char *reason_phrase(int status)
{
    const char *s = http_status_str((enum http_status)status);
    return s[0] == '<' ? "" : s; /* "<unknown>": an empty phrase is valid */
}

/* "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n", formatted once a second
 * (strftime's names would follow the program's locale). */
static const char *date_line(void)
{
    static const char days[][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri",
                                   "Sat"};
    static const char months[][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    static _Thread_local char line[48];
    static _Thread_local time_t last = -1;
    time_t now = time(NULL);
    struct tm tm;
    if (now != last && gmtime_r(&now, &tm) != NULL) {
        snprintf(line, sizeof line,
                 "Date: %s, %02d %s %04d %02d:%02d:%02d GMT\r\n",
                 days[tm.tm_wday % 7], tm.tm_mday, months[tm.tm_mon % 12],
                 tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
        last = now;
    }
    return line;
}

static int has_crlf(const char *s)
{
    return strpbrk(s, "\r\n") != NULL;
}

static int name_is(const char *line, const char *name)
{
    size_t n = strlen(name);
    return strncasecmp(line, name, n) == 0 && line[n] == ':';
}

/* A header name is a token: visible characters, no separators we could
 * misread (':' ends it; blanks before it are not allowed). */
static int valid_name(const char *h, const char *colon)
{
    if (colon == h)
        return 0;
    for (const char *p = h; p < colon; p++)
        if (*p <= ' ' || *p >= 127)
            return 0;
    return 1;
}

/* Check the program's header lines; *closing is set when one of them is
 * "Connection: close" (the only Connection header allowed).  0 or
 * UV_EINVAL. */
static int check_headers(const char *const *headers, int *closing)
{
    for (const char *const *h = headers; h != NULL && *h != NULL; h++) {
        const char *colon = strchr(*h, ':');
        if (colon == NULL || !valid_name(*h, colon) || has_crlf(*h) ||
            name_is(*h, "Content-Length") ||
            name_is(*h, "Transfer-Encoding"))
            return UV_EINVAL;
        if (name_is(*h, "Connection")) {
            /* The server writes Connection itself; the program may only
             * ask it to close. */
            const char *v = colon + 1 + strspn(colon + 1, " \t");
            if (strncasecmp(v, "close", 5) != 0 ||
                v[5 + strspn(v + 5, " \t")] != '\0')
                return UV_EINVAL;
            *closing = 1;
        }
    }
    return 0;
}

static char *put(char *w, const char *s, size_t n)
{
    memcpy(w, s, n);
    return w + n;
}

static char *put_str(char *w, const char *s)
{
    return put(w, s, strlen(s));
}

static char *put_uint(char *w, size_t v)
{
    char tmp[24];
    int i = (int)sizeof tmp;
    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    return put(w, tmp + i, sizeof tmp - (size_t)i);
}

static int out_reserve(ac_http_conn *c, size_t need)
{
    size_t cap = c->out_cap ? c->out_cap : 512;
    char *b;
    if (need <= c->out_cap)
        return 0;
    while (cap < need)
        cap *= 2;
    b = realloc(c->out, cap);
    if (b == NULL)
        return UV_ENOMEM;
    c->out = b;
    c->out_cap = cap;
    return 0;
}

/*
 * The response's head, and its body when small, into c->out: its length, or
 * < 0.  *apart is set when the body must be written after it.  The body is
 * left out for HEAD and for the statuses that never have one; Content-Length
 * is still the body's for HEAD (what a GET would get).
 */
static int build_response(ac_http_conn *c, int status, const char *type,
                          const char *const *headers, const void *body,
                          size_t len, int closing, int *apart)
{
    const char *reason = reason_phrase(status);
    const char *date = date_line();
    int bodiless = status == 204 || status == 304;
    int send_body = !bodiless && !(c->flags & C_HEAD) && len > 0;
    size_t need = 64 + strlen(reason) + strlen(date) + 64;
    char *w;

    if (type != NULL)
        need += strlen(type) + 16;
    for (const char *const *h = headers; h != NULL && *h != NULL; h++)
        need += strlen(*h) + 2;
    *apart = send_body && len > COPY_MAX;
    if (send_body && !*apart)
        need += len;
    if (need > INT32_MAX || out_reserve(c, need) < 0)
        return UV_ENOMEM;
    w = put_str(c->out, "HTTP/1.1 ");
    w = put_uint(w, (size_t)status);
    *w++ = ' ';
    w = put_str(w, reason);
    w = put(w, "\r\n", 2);
    w = put_str(w, date);
    if (type != NULL) {
        w = put_str(w, "Content-Type: ");
        w = put_str(w, type);
        w = put(w, "\r\n", 2);
    }
    for (const char *const *h = headers; h != NULL && *h != NULL; h++) {
        if (name_is(*h, "Connection"))
            continue; /* ours follows */
        w = put_str(w, *h);
        w = put(w, "\r\n", 2);
    }
    if (!bodiless) {
        w = put_str(w, "Content-Length: ");
        w = put_uint(w, len);
        w = put(w, "\r\n", 2);
    }
    if (closing)
        w = put_str(w, "Connection: close\r\n");
    else if (c->flags & C_HTTP10)
        w = put_str(w, "Connection: keep-alive\r\n");
    w = put(w, "\r\n", 2);
    if (send_body && !*apart)
        w = put(w, body, len);
    return (int)(w - c->out);
}

/* A reason to refuse before anything is written, or 0. */
static int respond_refused(struct ac_http_respond_headers__frame *f)
{
    ac_http_conn *c = f->c;
    if (ac_task_cancelled(f->co.task))
        return AC_ECANCELED;
    if (c == NULL || (c->flags & C_RELEASED) || f->status < 200 ||
        f->status > 999 || (f->body == NULL && f->len > 0) ||
        (f->content_type != NULL && has_crlf(f->content_type)) ||
        check_headers(f->headers, &f->close_after) < 0)
        return UV_EINVAL;
    if (c->flags & C_WRITING || c->reader != NULL)
        return UV_EBUSY; /* one operation at a time on a connection */
    if (c->s == NULL || (c->flags & C_FIN))
        return UV_EPIPE; /* the connection has ended */
    return 0;
}

/* The response is out (or failed): the connection goes on, or ends. */
static void respond_done(ac_http_conn *c,
                         struct ac_http_respond_headers__frame *f)
{
    if (write_ended(c))
        return; /* closed meanwhile */
    if (f->ret < 0) {
        conn_over(c, f->ret);
    } else if (f->close_after) {
        conn_over(c, 1);
        conn_hang_up(c);
    }
}

static void respond_headers_resume(ac_coro *co)
{
    struct ac_http_respond_headers__frame *f =
        (struct ac_http_respond_headers__frame *)co;
    ac_http_conn *c = f->c;
    int n;

    switch (co->state) {
    case 0:
        n = respond_refused(f);
        if (n == 0) {
            if (!(c->flags & C_KEEP))
                f->close_after = 1;
            n = build_response(c, f->status, f->content_type, f->headers,
                               f->body, f->len, f->close_after,
                               &f->body_apart);
        }
        if (n < 0) {
            f->ret = n;
            ac_return(co);
            return;
        }
        c->flags |= C_WRITING;
        ac_write__init(&f->w, c->s, c->out, (size_t)n);
        if (ac_await(co, &f->w.co, 1)) {
            watch_write(c);
            return;
        }
        /* fall through */
    case 1:
        if (f->w.ret == 0 && f->body_apart) {
            ac_write__init(&f->w, c->s, f->body, f->len);
            if (ac_await(co, &f->w.co, 2)) {
                watch_write(c);
                return;
            }
        }
        /* fall through */
    default:
        break;
    }
    f->ret = write_result(c, f->w.ret);
    respond_done(c, f);
    ac_return(co);
}

/* Awaits its ac_write, which shows the peer and the bytes left. */
static int respond_headers_describe(const ac_coro *co, char *buf, size_t cap)
{
    const struct ac_http_respond_headers__frame *f =
        (const struct ac_http_respond_headers__frame *)co;
    return snprintf(buf, cap, "status %d, %zu bytes of body", f->status, f->len);
}
AC__LEAF_INFO(respond_headers_resume, "ac_http_respond_headers", respond_headers_describe)

void ac_http_respond_headers__init(struct ac_http_respond_headers__frame *f,
                                   ac_http_conn *c, int status,
                                   const char *content_type,
                                   const char *const *headers,
                                   const void *body, size_t len)
{
    ac__coro_init(&f->co, respond_headers_resume);
    f->ret = 0;
    f->c = c;
    f->status = status;
    f->content_type = content_type;
    f->headers = headers;
    f->body = body;
    f->len = len;
    f->close_after = 0;
    f->body_apart = 0;
}

static void respond_resume(ac_coro *co)
{
    struct ac_http_respond__frame *f = (struct ac_http_respond__frame *)co;
    if (co->state == 0) {
        ac_http_respond_headers__init(&f->r, f->c, f->status, f->content_type,
                                      NULL, f->body, f->len);
        if (ac_await(co, &f->r.co, 1))
            return;
    }
    f->ret = f->r.ret;
    ac_return(co);
}

/* The ac_http_respond_headers it awaits says it all. */
AC__LEAF_INFO(respond_resume, "ac_http_respond", NULL)

void ac_http_respond__init(struct ac_http_respond__frame *f, ac_http_conn *c,
                           int status, const char *content_type,
                           const void *body, size_t len)
{
    ac__coro_init(&f->co, respond_resume);
    f->ret = 0;
    f->c = c;
    f->status = status;
    f->content_type = content_type;
    f->body = body;
    f->len = len;
}

/* ---- ac_http_conn_close -------------------------------------------------------------- */

/* Nonzero while the stream lingers after our FIN (conn_hang_up). */
static int lingering(const ac_http_conn *c)
{
    return c->s != NULL && (c->flags & C_FIN) && ac__timer_active(&c->timer);
}

static void conn_close_now(ac_http_conn *c)
{
    struct ac_http_read_request__frame *r = c->reader;
    c->flags |= C_RELEASED;
    if (r != NULL) { /* another task waits for a request: it gets none */
        c->reader = NULL;
        r->result = AC_ECANCELED;
        ac__leaf_finish(&r->co);
    }
    if (c->flags & C_WRITING) {
        /* Another task's response is in flight: closing the stream ends
         * it (UV_ECANCELED), and respond_done frees the connection. */
        ac__stream_release(c->s);
        c->s = NULL;
        ac__timer_stop(&c->timer);
        return;
    }
    if (c->s != NULL && c->rerr == 0)
        conn_hang_up(c);
    if (lingering(c)) {
        free(c->body); /* only the stream is needed from now on */
        free(c->out);
        c->body = c->out = NULL;
        c->body_cap = c->out_cap = 0;
        return;
    }
    conn_drop_stream(c); /* frees c */
}

/* Closes even in a cancelled task (cleanup must not leak), like ac_close. */
static void conn_close_resume(ac_coro *co)
{
    struct ac_http_conn_close__frame *f =
        (struct ac_http_conn_close__frame *)co;
    if (f->c == NULL) {
        f->ret = UV_EINVAL;
    } else {
        conn_close_now(f->c);
        f->ret = ac_task_cancelled(co->task) ? AC_ECANCELED : 0;
    }
    ac_return(co);
}

/* It never suspends, so no dump shows it; registered for completeness. */
AC__LEAF_INFO(conn_close_resume, "ac_http_conn_close", NULL)

void ac_http_conn_close__init(struct ac_http_conn_close__frame *f,
                              ac_http_conn *c)
{
    ac__coro_init(&f->co, conn_close_resume);
    f->ret = 0;
    f->c = c;
}

/* ---- plain functions --------------------------------------------------------------------- */

ac_http_conn *ac_http_conn_new(ac_stream *s)
{
    ac_http_conn *c;
    if (s == NULL || ac_loop() == NULL)
        return NULL;
    c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    c->buf = malloc(BUF_INITIAL);
    if (c->buf == NULL) {
        free(c);
        return NULL;
    }
    c->cap = BUF_INITIAL;
    c->s = s;
    c->sink.alloc = sink_alloc;
    c->sink.data = sink_data;
    http_parser_init(&c->parser, HTTP_REQUEST);
    c->parser.data = c;
    ac__timer_init(&c->timer);
    c->max_body = DEFAULT_MAX_BODY;
    c->timeout_ms = DEFAULT_TIMEOUT_MS;
    AC__LIST_PUSH(conns, c);
    ac__on_shutdown(&shutdown_hook);
    return c;
}

void ac_http_conn_set_limits(ac_http_conn *c, size_t max_body,
                             uint64_t timeout_ms)
{
    if (c == NULL)
        return;
    if (max_body > 0)
        c->max_body = max_body < SIZE_MAX / 2 ? max_body : SIZE_MAX / 2;
    if (timeout_ms > 0)
        c->timeout_ms = timeout_ms;
}

/* The connection of a request the program still holds, or NULL. */
static const ac_http_conn *held_conn(const ac_http_req *rq)
{
    const ac_http_conn *c = rq != NULL ? rq->priv : NULL;
    return c != NULL && (c->flags & C_HELD) ? c : NULL;
}

size_t ac_http_req_header_count(const ac_http_req *rq)
{
    const ac_http_conn *c = held_conn(rq);
    return c != NULL ? c->nfields : 0;
}

const char *ac_http_req_header_at(const ac_http_req *rq, size_t i,
                                  const char **value)
{
    const ac_http_conn *c = held_conn(rq);
    const struct field *f;
    const char *base;
    if (value != NULL)
        *value = NULL;
    if (c == NULL || i >= c->nfields)
        return NULL;
    f = &c->fields[i];
    base = c->buf + c->start;
    if (value != NULL)
        *value = f->value == NO_VALUE ? "" : base + f->value;
    return base + f->name;
}

const char *ac_http_req_header(const ac_http_req *rq, const char *name)
{
    size_t n = ac_http_req_header_count(rq);
    for (size_t i = 0; name != NULL && i < n; i++) {
        const char *value, *h = ac_http_req_header_at(rq, i, &value);
        if (strcasecmp(h, name) == 0)
            return value;
    }
    return NULL;
}

/* ac_run is ending: connections the program never closed are freed (their
 * streams too; pending reads are abandoned with their tasks). */
static void server_shutdown(void)
{
    while (conns != NULL) {
        ac_http_conn *c = conns;
        ac__stream_release(c->s);
        c->s = NULL;
        conn_free(c);
    }
}
