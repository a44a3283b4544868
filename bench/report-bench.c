/* visits-report-bench - measures how long the report takes to build: the
 * query and the rendering, for each window, as JSON and as HTML, against
 * the database given (fill it first: bench/report.sh does). Prints one line
 * per case with percentiles in milliseconds. A benchmark, not a test.
 * Usage: visits-report-bench CONNINFO [ITERATIONS [QUERY...]]; the site
 * reported on is "localhost", the stack's default; without QUERY, the
 * windows of bench/report.sh's first fill. The reports are made for the
 * time of the clock, or for VISITS_REPORT_BENCH_AT seconds since the epoch
 * when set (a window's cost depends on where its edges fall). Each case
 * runs warm (one span cache across the iterations, filled by a report
 * made before them, as a running worker's is) for JSON and HTML, then
 * cold (no cache: every span read, what the first report after a start
 * and the first after each hour pay) for JSON. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "db.h"
#include "params.h"
#include "render.h"
#include "report.h"
#include "timestamp.h"

static double
bench_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int
bench_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

/* Runs one case n times, at at_ms (0: the clock's time), with cache (NULL:
 * cold); prints its percentiles. Returns 0 or -1. */
static int
bench_case(PGconn *conn, const sites *all, const char *query, int json, int n,
           int64_t at_ms, span_cache *cache, double *ms)
{
    char err[512];
    report_params p;
    buf out = BUF_INIT;
    report r;

    if (params_parse(query, all, &p, err, sizeof(err)) < 0) {
        fprintf(stderr, "%s: %s\n", query, err);
        return -1;
    }
    /* Warm: the cache as the report before left it. */
    if (cache != NULL) {
        if (report_query(conn, &p, at_ms ? at_ms : timestamp_now_ms(), cache, &r, err,
                         sizeof(err)) < 0) {
            fprintf(stderr, "%s: %s\n", query, err);
            return -1;
        }
        report_free(&r);
    }
    for (int i = 0; i < n; i++) {
        double t0 = bench_now_ms();
        if (report_query(conn, &p, at_ms ? at_ms : timestamp_now_ms(), cache, &r, err,
                         sizeof(err)) < 0) {
            fprintf(stderr, "%s: %s\n", query, err);
            buf_free(&out);
            return -1;
        }
        buf_reset(&out);
        if ((json ? render_json(&r, &out) : render_html(&r, &out)) < 0) {
            fprintf(stderr, "out of memory\n");
            report_free(&r);
            buf_free(&out);
            return -1;
        }
        report_free(&r);
        ms[i] = bench_now_ms() - t0;
    }
    qsort(ms, (size_t)n, sizeof(*ms), bench_cmp);
    printf("query=%-28s kind=%-4s cache=%-4s n=%d p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f "
           "max_ms=%.2f bytes=%zu\n", query, json ? "json" : "html",
           cache ? "warm" : "cold", n,
           ms[n / 2], ms[n * 9 / 10], ms[n * 99 / 100], ms[n - 1], out.len);
    fflush(stdout);
    buf_free(&out);
    return 0;
}

int
main(int argc, char **argv)
{
    static const char *const defaults[] = {
        "window=15m", "window=60m", "window=6h", "window=24h",
        "window=60m&path=/p/500", "window=24h&path=/p/500",
    };
    char err[512];
    PGconn *conn;
    sites *all;
    double *ms;
    const char *at = getenv("VISITS_REPORT_BENCH_AT");
    char *end = NULL;
    int64_t at_ms = 0;
    int n = argc > 2 ? atoi(argv[2]) : 200, rc = 0;

    if (argc < 2 || n < 1) {
        fprintf(stderr, "usage: visits-report-bench CONNINFO [ITERATIONS [QUERY...]]\n");
        return 2;
    }
    if (at != NULL) {
        errno = 0;
        at_ms = strtoll(at, &end, 10) * 1000;
        if (errno != 0 || end == at || *end != '\0' || at_ms < 86400000) {
            fprintf(stderr, "VISITS_REPORT_BENCH_AT=%s: not seconds since the epoch\n", at);
            return 2;
        }
    }
    all = sites_parse("localhost", err, sizeof(err));
    conn = all ? db_connect(argv[1], err, sizeof(err)) : NULL;
    if (conn != NULL && report_session_init(conn, err, sizeof(err)) < 0) {
        PQfinish(conn);
        conn = NULL;
    }
    if (conn == NULL) {
        fprintf(stderr, "%s\n", err);
        sites_free(all);
        return 1;
    }
    const char *const *queries = defaults;
    size_t nqueries = sizeof(defaults) / sizeof(defaults[0]);

    if (argc > 3) {
        queries = (const char *const *)argv + 3;
        nqueries = (size_t)(argc - 3);
    }
    ms = calloc((size_t)n, sizeof(*ms));
    for (size_t q = 0; ms && q < nqueries && !rc; q++) {
        span_cache *cache = span_cache_create(64u << 20, 120);

        if (cache == NULL) {
            fprintf(stderr, "out of memory\n");
            rc = 1;
            break;
        }
        rc = bench_case(conn, all, queries[q], 1, n, at_ms, cache, ms)
             || bench_case(conn, all, queries[q], 0, n, at_ms, cache, ms)
             || bench_case(conn, all, queries[q], 1, n, at_ms, NULL, ms);
        span_cache_free(cache);
    }
    free(ms);
    PQfinish(conn);
    sites_free(all);
    return rc ? 1 : 0;
}
