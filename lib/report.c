/* report.c - reading the report's numbers from visit_minutes. */
#include "report.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "vtime.h"

/* Per-minute sums ('m') and the top paths ('p') of one window, in one
 * statement so both come from the same snapshot. */
static const char report_sql[] =
    "WITH w AS (SELECT minute, path, visits FROM visit_minutes"
    "           WHERE minute >= to_timestamp($1) AND minute < to_timestamp($2))"
    " SELECT 'm', extract(epoch FROM minute)::bigint::text, sum(visits)::bigint"
    "   FROM w GROUP BY minute"
    " UNION ALL"
    " (SELECT 'p', path, sum(visits)::bigint AS v FROM w"
    "   GROUP BY path ORDER BY v DESC, path LIMIT $3)";

int
report_query(PGconn *conn, const report_params *p, int64_t now_ms, report *r,
             char *err, size_t errlen)
{
    char from[24], to[24], top[16];
    const char *params[3] = { from, to, top };
    PGresult *res;
    int64_t current = vtime_minute(now_ms), minute, visits;
    int rows, i;

    memset(r, 0, sizeof(*r));
    r->window = p->window;
    r->nminutes = p->minutes;
    r->first_minute = current - (int64_t)(p->minutes - 1) * 60;
    r->generated_ms = now_ms;
    snprintf(from, sizeof(from), "%" PRId64, r->first_minute);
    snprintf(to, sizeof(to), "%" PRId64, current + 60);
    snprintf(top, sizeof(top), "%d", p->top);

    r->minutes = calloc((size_t)p->minutes, sizeof(*r->minutes));
    r->paths = calloc((size_t)p->top, sizeof(*r->paths));
    if (r->minutes == NULL || r->paths == NULL) {
        snprintf(err, errlen, "out of memory");
        goto failed;
    }
    res = PQexecParams(conn, report_sql, 3, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        db_error(conn, res, err, errlen);
        PQclear(res);
        goto failed;
    }
    rows = PQntuples(res);
    for (i = 0; i < rows; i++) {
        visits = strtoll(PQgetvalue(res, i, 2), NULL, 10);
        if (PQgetvalue(res, i, 0)[0] == 'm') {
            minute = strtoll(PQgetvalue(res, i, 1), NULL, 10);
            if (minute >= r->first_minute && minute <= current) {
                r->minutes[(minute - r->first_minute) / 60] += visits;
                r->total += visits;
            }
        } else if (r->npaths < (size_t)p->top) {
            r->paths[r->npaths].path = strdup(PQgetvalue(res, i, 1));
            if (r->paths[r->npaths].path == NULL) {
                snprintf(err, errlen, "out of memory");
                PQclear(res);
                goto failed;
            }
            r->paths[r->npaths++].visits = visits;
        }
    }
    PQclear(res);
    return 0;
failed:
    report_free(r);
    return -1;
}

void
report_free(report *r)
{
    if (r == NULL)
        return;
    for (size_t i = 0; i < r->npaths; i++)
        free(r->paths[i].path);
    free(r->paths);
    free(r->minutes);
    r->paths = NULL;
    r->minutes = NULL;
    r->npaths = 0;
}
