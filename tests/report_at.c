/* report_at - prints what report_query reads for one query at given times,
 * for tests that check the report's numbers against the minutes they come
 * from at every position of a window's edges.
 *
 *   report_at CONNINFO SITE QUERY STEP...
 *
 * Each STEP, in order, is SECONDS (since the epoch: the report at that
 * time) or "sql:STATEMENT" (run it, as the consumer would write between
 * two reports). The reports share one span cache, as a worker's do
 * ("--cold" as the first STEP: none). For each report prints "total N"
 * and "site_total N", then one "path VISITS PATH" line per listed path, in
 * the report's order, and to stderr "spans read=N cached=N": how many of
 * the window's spans were read from PostgreSQL and how many came from the
 * cache. Exits 0, 1 when a query failed, 2 on a usage error. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "params.h"
#include "report.h"
#include "sites.h"
#include "span_cache.h"

/* Prints the report for p at the time arg names. Returns 0, 1 when the
 * query failed, 2 when arg is no time. */
static int
report_at(PGconn *conn, const report_params *p, span_cache *cache, const char *arg)
{
    char err[512], *end = NULL;
    report r = { 0 };
    long long at;

    errno = 0;
    at = strtoll(arg, &end, 10);
    if (errno != 0 || end == arg || *end != '\0' || at < 86400) {
        fprintf(stderr, "report_at: %s: not seconds since the epoch\n", arg);
        return 2;
    }
    if (report_query(conn, p, (int64_t)at * 1000, cache, &r, err, sizeof(err)) < 0) {
        fprintf(stderr, "report_at: %s\n", err);
        return 1;
    }
    printf("total %" PRId64 "\nsite_total %" PRId64 "\n", r.total, r.site_total);
    for (size_t i = 0; i < r.npaths; i++)
        printf("path %" PRId64 " %s\n", r.paths[i].visits, r.paths[i].path);
    fprintf(stderr, "spans read=%d cached=%d\n", r.spans_read, r.spans_held);
    report_free(&r);
    return 0;
}

int
main(int argc, char **argv)
{
    char err[512];
    report_params p;
    sites *all = NULL;
    PGconn *conn = NULL;
    span_cache *cache = NULL;
    int rc = 1, i = 4;

    if (argc < 5) {
        fprintf(stderr, "usage: report_at CONNINFO SITE QUERY STEP...\n");
        return 2;
    }
    all = sites_parse(argv[2], err, sizeof(err));
    if (all == NULL || params_parse(argv[3], all, &p, err, sizeof(err)) < 0) {
        fprintf(stderr, "report_at: %s\n", err);
        rc = 2;
        goto done;
    }
    if (strcmp(argv[i], "--cold") == 0)
        i++;
    else if ((cache = span_cache_create(64u << 20, 120)) == NULL) {
        fprintf(stderr, "report_at: out of memory\n");
        goto done;
    }
    conn = db_connect(argv[1], err, sizeof(err));
    if (conn == NULL || report_session_init(conn, err, sizeof(err)) < 0) {
        fprintf(stderr, "report_at: %s\n", err);
        goto done;
    }
    for (; i < argc; i++) {
        if (strncmp(argv[i], "sql:", 4) == 0) {
            if (db_command(conn, argv[i] + 4, err, sizeof(err)) < 0) {
                fprintf(stderr, "report_at: %s\n", err);
                rc = 1;
                goto done;
            }
        } else if ((rc = report_at(conn, &p, cache, argv[i])) != 0) {
            goto done;
        }
        fflush(stdout);
    }
    rc = 0;
done:
    span_cache_free(cache);
    PQfinish(conn);
    sites_free(all);
    return rc;
}
