/*
 * own_errors.h - the AC_E* codes that are not libuv's, as one list for
 * test_errors.c and test_errors_erased.c (libuv's come from UV_ERRNO_MAP).
 * OWN_ERRORS(X) calls X(NAME) for each AC_NAME.
 */
#define OWN_ERRORS(X)                                                      \
    X(EDEADLK) X(ETLS) X(EBADRESPONSE) X(ENORESPONSE) X(ETRUNCATED)          \
    X(EREDIRECTS) X(EBADURL) X(EPG) X(EPGCONN) X(EBADREQUEST)                \
    X(EHEADERSTOOLARGE) X(EBODYTOOLARGE) X(EPARTIALREQUEST) X(ECLOSED)
