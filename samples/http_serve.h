/*
 * http_serve.h - the server loop the HTTP samples share (http_serve.ac):
 * listen, one task per connection, every request to a handler, until
 * SIGINT or SIGTERM, then stop cleanly.
 */
#ifndef HTTP_SERVE_H
#define HTTP_SERVE_H

#include <asyncc.h>
#include <asyncc/http.h>

/* Answers one request on c (ac_http_respond); < 0 closes the connection. */
typedef async int http_handler(ac_http_conn *c, const ac_http_req *rq);

/*
 * Serve 127.0.0.1:port (0: a free one) with `handler`; `flags` go to
 * ac_tcp_listen_ex (AC_TCP_REUSEPORT for --workers).  `listening` (may be
 * NULL) is called once with the port, when connections can come.  Returns
 * 0 after a signal stopped it (every connection task cancelled and
 * joined, the server closed), or < 0 when it could not listen.
 */
async int http_serve(int port, unsigned flags, http_handler *handler,
                     void (*listening)(int port));

#endif
