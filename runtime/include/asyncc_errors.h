/*
 * asyncc_errors.h - every error code the runtime and its libraries return,
 * as an AC_E* name.  asyncc.h includes it in each of its readings (the
 * erased build too) and asyncc_abi.h for hand-written coroutines, so an .ac
 * file never needs <uv.h> to test a result.
 *
 * Codes are negative.  Most are libuv's, which on Unix are negated errno
 * values: AC_ENOENT is -ENOENT, equal to UV_ENOENT.  libuv's codes with no
 * errno behind them on this system keep libuv's numbers (end of file, the
 * name-resolution failures, a few errnos other systems lack).  asyncc adds
 * its own, -5000 and below, for what libuv has no code for.  ac_strerror()
 * explains every one.  tests/io/test_errors.c checks each libuv-based name
 * against libuv's, and that libuv has no code without a name here.
 */
#ifndef ASYNCC_ERRORS_H
#define ASYNCC_ERRORS_H

#include <errno.h>

/* libuv's codes that are negated errno values. */
#define AC_E2BIG            (-E2BIG)
#define AC_EACCES           (-EACCES)
#define AC_EADDRINUSE       (-EADDRINUSE)
#define AC_EADDRNOTAVAIL    (-EADDRNOTAVAIL)
#define AC_EAFNOSUPPORT     (-EAFNOSUPPORT)
#define AC_EAGAIN           (-EAGAIN)
#define AC_EALREADY         (-EALREADY)
#define AC_EBADF            (-EBADF)
#define AC_EBUSY            (-EBUSY)
#define AC_ECANCELED        (-ECANCELED)
#define AC_ECONNABORTED     (-ECONNABORTED)
#define AC_ECONNREFUSED     (-ECONNREFUSED)
#define AC_ECONNRESET       (-ECONNRESET)
#define AC_EDESTADDRREQ     (-EDESTADDRREQ)
#define AC_EEXIST           (-EEXIST)
#define AC_EFAULT           (-EFAULT)
#define AC_EFBIG            (-EFBIG)
#define AC_EHOSTUNREACH     (-EHOSTUNREACH)
#define AC_EINTR            (-EINTR)
#define AC_EINVAL           (-EINVAL)
#define AC_EIO              (-EIO)
#define AC_EISCONN          (-EISCONN)
#define AC_EISDIR           (-EISDIR)
#define AC_ELOOP            (-ELOOP)
#define AC_EMFILE           (-EMFILE)
#define AC_EMSGSIZE         (-EMSGSIZE)
#define AC_ENAMETOOLONG     (-ENAMETOOLONG)
#define AC_ENETDOWN         (-ENETDOWN)
#define AC_ENETUNREACH      (-ENETUNREACH)
#define AC_ENFILE           (-ENFILE)
#define AC_ENOBUFS          (-ENOBUFS)
#define AC_ENODEV           (-ENODEV)
#define AC_ENOENT           (-ENOENT)
#define AC_ENOMEM           (-ENOMEM)
#define AC_ENOPROTOOPT      (-ENOPROTOOPT)
#define AC_ENOSPC           (-ENOSPC)
#define AC_ENOSYS           (-ENOSYS)
#define AC_ENOTCONN         (-ENOTCONN)
#define AC_ENOTDIR          (-ENOTDIR)
#define AC_ENOTEMPTY        (-ENOTEMPTY)
#define AC_ENOTSOCK         (-ENOTSOCK)
#define AC_ENOTSUP          (-ENOTSUP)
#define AC_EOVERFLOW        (-EOVERFLOW)
#define AC_EPERM            (-EPERM)
#define AC_EPIPE            (-EPIPE)
#define AC_EPROTO           (-EPROTO)
#define AC_EPROTONOSUPPORT  (-EPROTONOSUPPORT)
#define AC_EPROTOTYPE       (-EPROTOTYPE)
#define AC_ERANGE           (-ERANGE)
#define AC_EROFS            (-EROFS)
#define AC_ESHUTDOWN        (-ESHUTDOWN)
#define AC_ESPIPE           (-ESPIPE)
#define AC_ESRCH            (-ESRCH)
#define AC_ETIMEDOUT        (-ETIMEDOUT)
#define AC_ETXTBSY          (-ETXTBSY)
#define AC_EXDEV            (-EXDEV)
#define AC_ENXIO            (-ENXIO)
#define AC_EMLINK           (-EMLINK)
#define AC_ENOTTY           (-ENOTTY)
#define AC_EILSEQ           (-EILSEQ)
#define AC_EDEADLK          (-EDEADLK)

/* ... and those some systems have no errno for: libuv's numbers there. */
#ifdef ENONET
#define AC_ENONET           (-ENONET)
#else
#define AC_ENONET           (-4056)
#endif
#ifdef EREMOTEIO
#define AC_EREMOTEIO        (-EREMOTEIO)
#else
#define AC_EREMOTEIO        (-4030)
#endif
#ifdef ESOCKTNOSUPPORT
#define AC_ESOCKTNOSUPPORT  (-ESOCKTNOSUPPORT)
#else
#define AC_ESOCKTNOSUPPORT  (-4025)
#endif
#ifdef EHOSTDOWN
#define AC_EHOSTDOWN        (-EHOSTDOWN)
#else
#define AC_EHOSTDOWN        (-4031)
#endif
#ifdef ECHARSET
#define AC_ECHARSET         (-ECHARSET)
#else
#define AC_ECHARSET         (-4080)
#endif
#ifdef EFTYPE
#define AC_EFTYPE           (-EFTYPE)
#else
#define AC_EFTYPE           (-4028)
#endif

/* async_run: no task can make progress (a deadlock).  libuv has no
   UV_EDEADLK; like libuv's, it is the negated errno. */
#define AC_EDEADLK          (-EDEADLK)

/* End of stream (ac_read returns 0 instead; lower-level calls return it). */
#define AC_EOF              (-4095)

/* ac_getaddrinfo and the host lookups of ac_tcp_connect, ac_udp_bind ...:
   libuv's UV_EAI_* numbers. */
#define AC_EAI_ADDRFAMILY   (-3000) /* no address in the requested family */
#define AC_EAI_AGAIN        (-3001) /* temporary failure: try again later */
#define AC_EAI_BADFLAGS     (-3002) /* invalid hints->ai_flags */
#define AC_EAI_CANCELED     (-3003) /* the lookup was cancelled */
#define AC_EAI_FAIL         (-3004) /* permanent failure */
#define AC_EAI_FAMILY       (-3005) /* address family not supported */
#define AC_EAI_MEMORY       (-3006) /* out of memory */
#define AC_EAI_NODATA       (-3007) /* the name has no address */
#define AC_EAI_NONAME       (-3008) /* unknown name or service */
#define AC_EAI_OVERFLOW     (-3009) /* argument buffer overflow */
#define AC_EAI_SERVICE      (-3010) /* service unknown for the socket type */
#define AC_EAI_SOCKTYPE     (-3011) /* socket type not supported */
#define AC_EAI_BADHINTS     (-3013) /* invalid hints */
#define AC_EAI_PROTOCOL     (-3014) /* resolved protocol is unknown */

/* asyncc's own (-5000 and below), for failures libuv has no code for. */
#define AC_ETLS (-5001)         /* TLS handshake or certificate check failed */
#define AC_EBADRESPONSE (-5002) /* the peer's reply broke the protocol       */
#define AC_ENORESPONSE (-5003)  /* the peer closed the connection unanswered */
#define AC_ETRUNCATED (-5004)   /* the connection closed mid-response        */
#define AC_EREDIRECTS (-5005)   /* more redirects than the request allows    */
#define AC_EBADURL (-5006)      /* malformed URL, or a scheme not supported  */
/* asyncc/pg.h (-5100..-5199) */
#define AC_EPG (-5101)     /* the database server reported an error         */
#define AC_EPGCONN (-5102) /* no database connection: not made, or lost     */
/* asyncc/http.h's server (-5200..-5299): ac_http_read_request returns
   these once it has answered the client (400, 431, 413) or given up. */
#define AC_EBADREQUEST (-5201)      /* malformed request: answered 400       */
#define AC_EHEADERSTOOLARGE (-5202) /* header block too large: answered 431  */
#define AC_EBODYTOOLARGE (-5203)    /* body over the limit: answered 413     */
#define AC_EPARTIALREQUEST (-5204)  /* the client closed mid-request         */
/* Tasks and coordination (-5300..-5399). */
#define AC_ECLOSED (-5301) /* the queue was closed (ac_queue_close)       */

#endif
