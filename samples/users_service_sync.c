/*
 * users_service_sync.c - users_service.ac's synchronous equivalent, in
 * plain C: the same routes, SQL and JSON (users_db.c), but blocking
 * sockets and blocking libpq, one request at a time per worker process.
 *
 * Like gunicorn's sync workers it answers one request per connection and
 * closes it (a worker that kept an idle connection open would serve nobody
 * else meanwhile).  Each worker has one database connection with the
 * queries prepared once, so it is as fast as a synchronous server gets;
 * what it cannot do is wait for two things at once.
 *
 *   users_service_sync [--port P] [--workers N] [--db CONNINFO]
 *
 * Requests are parsed with http_parser, as libasyncc_http's server does.
 * Runs until SIGINT or SIGTERM.
 */
#include <errno.h>
#include <http_parser.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "users_db.h"

#define MAX_REQUEST (64 * 1024)

static volatile sig_atomic_t stopping;

static void on_stop(int sig)
{
    (void)sig;
    stopping = 1;
}

/* ---- reading one request ---------------------------------------------------- */

struct request {
    char method[16];
    char url[2048];
    size_t url_len;
    char *body;
    size_t body_len, body_cap;
    int done;
};

static int on_url(http_parser *p, const char *at, size_t n)
{
    struct request *rq = p->data;
    if (rq->url_len + n >= sizeof rq->url)
        return 1;
    memcpy(rq->url + rq->url_len, at, n);
    rq->url_len += n;
    rq->url[rq->url_len] = '\0';
    return 0;
}

static int on_body(http_parser *p, const char *at, size_t n)
{
    struct request *rq = p->data;
    if (rq->body_len + n > MAX_REQUEST)
        return 1;
    if (rq->body_len + n + 1 > rq->body_cap) {
        size_t cap = rq->body_len + n + 1 + 1024;
        char *b = realloc(rq->body, cap);
        if (b == NULL)
            return 1;
        rq->body = b;
        rq->body_cap = cap;
    }
    memcpy(rq->body + rq->body_len, at, n);
    rq->body_len += n;
    rq->body[rq->body_len] = '\0';
    return 0;
}

static int on_done(http_parser *p)
{
    struct request *rq = p->data;
    snprintf(rq->method, sizeof rq->method, "%s",
             http_method_str((enum http_method)p->method));
    rq->done = 1;
    return 0;
}

/* Read until one request is complete: 0, or -1 (bad or gone). */
static int read_request(int fd, struct request *rq)
{
    static http_parser_settings settings = {
        .on_url = on_url, .on_body = on_body, .on_message_complete = on_done};
    http_parser p;
    char buf[8192];
    size_t total = 0;

    http_parser_init(&p, HTTP_REQUEST);
    p.data = rq;
    while (!rq->done) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR && !stopping)
            continue;
        if (n <= 0)
            return -1;
        total += (size_t)n;
        if (http_parser_execute(&p, &settings, buf, (size_t)n) != (size_t)n ||
            total > MAX_REQUEST)
            return -1;
    }
    return 0;
}

/* ---- answering it ------------------------------------------------------------ */

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static const char *reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    default: return "Internal Server Error";
    }
}

static void respond(int fd, int status, char *body)
{
    char head[256];
    const char *b = body ? body : "{\"error\":\"out of memory\"}";
    if (body == NULL)
        status = 500;
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n"
                     "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                     status, reason(status), strlen(b));
    if (write_all(fd, head, (size_t)n) == 0)
        write_all(fd, b, strlen(b));
    free(body);
}

/* Run a prepared statement; NULL (and a 500 sent) on failure. */
static PGresult *run(PGconn *db, int fd, const char *stmt, int n,
                     const char *const *params)
{
    PGresult *res = PQexecPrepared(db, stmt, n, params, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        fprintf(stderr, "users_service_sync: %s", PQerrorMessage(db));
        PQclear(res);
        if (PQstatus(db) == CONNECTION_BAD)
            PQreset(db);
        respond(fd, 500, users_json_error("database error"));
        return NULL;
    }
    return res;
}

static void handle(PGconn *db, int fd, struct request *rq)
{
    char arg[32], *name, *email;
    const char *why, *params[2] = {arg, NULL};
    char *q = strchr(rq->url, '?');
    PGresult *res;

    if (q != NULL)
        *q++ = '\0';
    switch (users_route(rq->method, rq->url, q ? q : "", arg)) {
    case USERS_GET:
        if ((res = run(db, fd, "get", 1, params)) == NULL)
            return;
        if (PQntuples(res) == 0)
            respond(fd, 404, users_json_error("no such user"));
        else
            respond(fd, 200, users_json_user(res, 0));
        break;
    case USERS_LIST:
        if ((res = run(db, fd, "list", 1, params)) == NULL)
            return;
        respond(fd, 200, users_json_list(res));
        break;
    case USERS_CREATE:
        if (users_parse_new(rq->body ? rq->body : "", rq->body_len, &name,
                            &email, &why) < 0) {
            respond(fd, 400, users_json_error(why));
            return;
        }
        params[0] = name;
        params[1] = email;
        res = run(db, fd, "create", 2, params);
        free(name);
        free(email);
        if (res == NULL)
            return;
        if (PQntuples(res) == 0)
            respond(fd, 409, users_json_error("that email is taken"));
        else
            respond(fd, 201, users_json_user(res, 0));
        break;
    case USERS_REPORT:
        if ((res = run(db, fd, "report", 0, NULL)) == NULL)
            return;
        respond(fd, 200, users_json_report(res));
        break;
    case USERS_BADARG:
        respond(fd, 400, users_json_error("bad id or limit"));
        return;
    case USERS_BADMETHOD:
        respond(fd, 405, users_json_error("method not allowed"));
        return;
    default:
        respond(fd, 404, users_json_error("not found"));
        return;
    }
    PQclear(res);
}

/* ---- a worker ------------------------------------------------------------------ */

static PGconn *connect_db(const char *conninfo)
{
    static const struct {
        const char *name, *sql;
        int n;
    } stmts[] = {{"get", USERS_SQL_GET, 1},
                 {"list", USERS_SQL_LIST, 1},
                 {"create", USERS_SQL_CREATE, 2},
                 {"report", USERS_SQL_REPORT, 0}};
    PGconn *db = PQconnectdb(conninfo);
    if (PQstatus(db) != CONNECTION_OK) {
        fprintf(stderr, "users_service_sync: %s", PQerrorMessage(db));
        PQfinish(db);
        return NULL;
    }
    for (size_t i = 0; i < sizeof stmts / sizeof stmts[0]; i++) {
        PGresult *r = PQprepare(db, stmts[i].name, stmts[i].sql, stmts[i].n, NULL);
        int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
        PQclear(r);
        if (!ok) {
            fprintf(stderr, "users_service_sync: %s", PQerrorMessage(db));
            PQfinish(db);
            return NULL;
        }
    }
    return db;
}

static int worker(int lfd, const char *conninfo)
{
    PGconn *db = connect_db(conninfo);
    if (db == NULL)
        return 1;
    while (!stopping) {
        int fd = accept(lfd, NULL, NULL);
        if (fd < 0)
            continue; /* EINTR (a signal: check stopping) or a failed peer */
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        struct request rq;
        memset(&rq, 0, sizeof rq);
        if (read_request(fd, &rq) == 0)
            handle(db, fd, &rq);
        free(rq.body);
        close(fd);
    }
    PQfinish(db);
    return 0;
}

static int listen_on(int port, int reuseport)
{
    struct sockaddr_in a;
    int one = 1;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (reuseport)
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, 1024) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* A child: its own socket on the shared port (SO_REUSEPORT), its own
 * database connection. */
static int run_worker(int port, int reuseport, const char *conninfo)
{
    int lfd = listen_on(port, reuseport);
    if (lfd < 0) {
        perror("users_service_sync: listen");
        return 1;
    }
    int r = worker(lfd, conninfo);
    close(lfd);
    return r;
}

int main(int argc, char **argv)
{
    int port = 8080, workers = 1, status = 0;
    const char *db = getenv("DATABASE_URL");
    pid_t pids[64];
    struct sigaction sa;

    for (int i = 1; i < argc; i += 2) {
        if (i + 1 >= argc)
            goto usage;
        if (!strcmp(argv[i], "--port"))
            port = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--workers"))
            workers = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--db"))
            db = argv[i + 1];
        else
            goto usage;
    }
    if (port <= 0 || workers < 1 || workers > 64)
        goto usage;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop; /* no SA_RESTART: accept() returns EINTR */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    for (int i = 0; i < workers; i++) {
        pids[i] = fork();
        if (pids[i] == 0)
            _exit(run_worker(port, workers > 1, db ? db : ""));
        if (pids[i] < 0) {
            workers = i;
            stopping = 1;
        }
    }
    printf("users_service_sync: %d workers on 127.0.0.1:%d\n", workers, port);
    fflush(stdout);
    while (!stopping)
        pause();
    for (int i = 0; i < workers; i++)
        kill(pids[i], SIGTERM);
    for (int i = 0; i < workers; i++) {
        int st;
        if (waitpid(pids[i], &st, 0) != pids[i] ||
            !(WIFEXITED(st) && WEXITSTATUS(st) == 0))
            status = 1;
    }
    return status;

usage:
    fprintf(stderr, "usage: %s [--port P] [--workers N] [--db CONNINFO]\n",
            argv[0]);
    return 2;
}
