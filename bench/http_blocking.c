/*
 * http_blocking.c URL REQUESTS - the same GETs as http_fanout.ac with
 * blocking libcurl, one request at a time on one easy handle (so the
 * connection is kept alive): what a program without an event loop does.
 *
 * Prints one line:  blocking REQUESTS 1 MS CPU_MS FAILED
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

static size_t discard(char *p, size_t size, size_t n, void *u)
{
    (void)p;
    (void)u;
    return size * n;
}

static double now_ms(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s URL REQUESTS\n", argv[0]);
        return 2;
    }
    long total = atol(argv[2]), failed = 0;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    CURL *e = curl_easy_init();
    if (e == NULL)
        return 1;
    curl_easy_setopt(e, CURLOPT_URL, argv[1]);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    double t0 = now_ms(CLOCK_MONOTONIC), c0 = now_ms(CLOCK_PROCESS_CPUTIME_ID);
    for (long i = 0; i < total; i++) {
        long status = 0;
        CURLcode c = curl_easy_perform(e);
        curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
        if (c != CURLE_OK || status != 200) {
            if (failed++ == 0)
                fprintf(stderr, "http_blocking: %s\n", curl_easy_strerror(c));
        }
    }
    printf("blocking %ld 1 %.0f %.0f %ld\n", total, now_ms(CLOCK_MONOTONIC) - t0,
           now_ms(CLOCK_PROCESS_CPUTIME_ID) - c0, failed);
    curl_easy_cleanup(e);
    curl_global_cleanup();
    return failed != 0;
}
