/* report_at - prints what report_query reads for one query at a given
 * time, for tests that check the report's numbers against the minutes
 * they come from at every position of a window's edges.
 *
 *   report_at CONNINFO SITE QUERY SECONDS
 *
 * Prints "total N" and "site_total N", then one "path VISITS PATH" line
 * per listed path, in the report's order. Exits 0, 1 when the query
 * failed, 2 on a usage error. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "db.h"
#include "params.h"
#include "report.h"
#include "sites.h"

int
main(int argc, char **argv)
{
    char err[512], *end = NULL;
    report_params p;
    sites *all = NULL;
    PGconn *conn = NULL;
    report r = { 0 };
    long long at;
    int rc = 1;

    if (argc != 5) {
        fprintf(stderr, "usage: report_at CONNINFO SITE QUERY SECONDS\n");
        return 2;
    }
    errno = 0;
    at = strtoll(argv[4], &end, 10);
    if (errno != 0 || end == argv[4] || *end != '\0' || at < 86400) {
        fprintf(stderr, "report_at: %s: not seconds since the epoch\n", argv[4]);
        return 2;
    }
    all = sites_parse(argv[2], err, sizeof(err));
    if (all == NULL || params_parse(argv[3], all, &p, err, sizeof(err)) < 0) {
        fprintf(stderr, "report_at: %s\n", err);
        rc = 2;
        goto done;
    }
    conn = db_connect(argv[1], err, sizeof(err));
    if (conn == NULL || report_session_init(conn, err, sizeof(err)) < 0
        || report_query(conn, &p, (int64_t)at * 1000, &r, err, sizeof(err)) < 0) {
        fprintf(stderr, "report_at: %s\n", err);
        goto done;
    }
    printf("total %" PRId64 "\nsite_total %" PRId64 "\n", r.total, r.site_total);
    for (size_t i = 0; i < r.npaths; i++)
        printf("path %" PRId64 " %s\n", r.paths[i].visits, r.paths[i].path);
    rc = 0;
done:
    report_free(&r);
    PQfinish(conn);
    sites_free(all);
    return rc;
}
