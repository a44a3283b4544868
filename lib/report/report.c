/* report.c - reading the report's numbers from PostgreSQL. */
#include "report.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "timestamp.h"

/* One statement, one snapshot. Parameters: $1 first bucket start, $2 end
 * of the last bucket, $3 bucket seconds, $4 time zone, $5 top, $6 start of
 * the previous window, $7 the first hour boundary at or after $1, $8/$9 the
 * rate's seconds, $10 the current minute, $11 the site, $12/$13 the first
 * ten- and five-minute boundaries at or after $1; $14 the path, when
 * filtered. SERIES is where the chart's numbers come from: visit_totals
 * for all paths, visit_minutes of one path. PATHS is the 'p' rows: the
 * top paths, or for one path that path's own total, by index (the site's
 * top paths do not depend on the path asked for, and would cost each
 * path's URL what the whole site's does). Sums are cast to bigint, as
 * report_query reads them. */
#define REPORT_SQL(SERIES, PATHS)                                              \
    "SELECT 'b', extract(epoch FROM b)::bigint,"                               \
    "  (SELECT coalesce(sum(t.visits), 0)::bigint FROM " SERIES                        \
    "   AND t.minute >= b AND t.minute < b + make_interval(secs => $3::int)),"  \
    "  to_char(b AT TIME ZONE $4::text, 'YYYY-MM-DD HH24:MI')"                 \
    " FROM generate_series(to_timestamp($1::bigint),"                          \
    "      to_timestamp($2::bigint - $3::int), make_interval(secs => $3::int)) b" \
    " UNION ALL"                                                               \
    " SELECT 'prev', 0, coalesce(sum(t.visits), 0)::bigint, NULL FROM " SERIES         \
    "  AND t.minute >= to_timestamp($6::bigint)"                               \
    "  AND t.minute < to_timestamp($1::bigint)"                                \
    " UNION ALL"                                                               \
    " SELECT 'cur', 0, coalesce(sum(t.visits), 0)::bigint, NULL FROM " SERIES          \
    "  AND t.minute = to_timestamp($10::bigint)"                               \
    " UNION ALL"                                                               \
    " SELECT 'site', 0, coalesce(sum(visits), 0)::bigint, NULL FROM visit_totals"      \
    "  WHERE site = $11::text AND minute >= to_timestamp($1::bigint)"          \
    "  AND minute < to_timestamp($2::bigint)"                                  \
    " UNION ALL"                                                               \
    " SELECT 'rate', 0, coalesce(sum(visits), 0)::bigint, NULL FROM visit_seconds"     \
    "  WHERE site = $11::text AND second >= to_timestamp($8::bigint)"          \
    "  AND second < to_timestamp($9::bigint)"                                  \
    " UNION ALL " PATHS

/* The rows of the window's paths (AND_PATH: "" or one path's condition):
 * the minutes before the first five-minute boundary from visit_minutes,
 * whole five minutes before the first ten-minute boundary from
 * visit_fives, whole ten minutes before the first hour from visit_tens
 * and whole hours from visit_hours, none counted twice. For 60 minutes
 * that is at most 4 minutes, one five-minute span, 5 ten-minute spans and
 * one hour of rows, each capped at max-paths-per-minute paths. */
#define REPORT_PATH_ROWS(AND_PATH)                                             \
    "   SELECT path, visits AS v FROM visit_minutes"                           \
    "    WHERE site = $11::text" AND_PATH                                      \
    "    AND minute >= to_timestamp($1::bigint)"                               \
    "    AND minute < to_timestamp(least($13::bigint, $2::bigint))"            \
    "   UNION ALL"                                                             \
    "   SELECT path, visits FROM visit_fives"                                  \
    "    WHERE site = $11::text" AND_PATH                                      \
    "    AND five >= to_timestamp($13::bigint)"                                \
    "    AND five < to_timestamp(least($12::bigint, $2::bigint))"              \
    "   UNION ALL"                                                             \
    "   SELECT path, visits FROM visit_tens"                                   \
    "    WHERE site = $11::text" AND_PATH                                      \
    "    AND ten >= to_timestamp($12::bigint)"                                 \
    "    AND ten < to_timestamp(least($7::bigint, $2::bigint))"                \
    "   UNION ALL"                                                             \
    "   SELECT path, visits FROM visit_hours"                                  \
    "    WHERE site = $11::text" AND_PATH                                      \
    "    AND hour >= to_timestamp($7::bigint)"                                 \
    "    AND hour < to_timestamp($2::bigint)"

/* Sorted in byte order between equal counts (COLLATE "C": the same
 * whatever the database's collation, and cheaper to compare). Fetching
 * every row and adding them up in the worker instead (with agg) measured
 * faster only where no path repeats: the 60-minute report at the worst
 * case's worst position 17 ms against 20, but the same 1,000 paths every
 * minute 13-17 ms against 9, the worker's share growing with every row. */
#define REPORT_TOP_PATHS                                                       \
    " (SELECT 'p', 0, sum(v)::bigint, path FROM (" REPORT_PATH_ROWS("") ") x"  \
    "  GROUP BY path ORDER BY 3 DESC, path COLLATE \"C\" LIMIT $5::int)"

#define REPORT_ONE_PATH                                                        \
    " (SELECT 'p', 0, sum(v)::bigint, $14::text FROM ("                        \
    REPORT_PATH_ROWS(" AND path = $14::text") ") x"                            \
    "  HAVING sum(v) > 0 LIMIT $5::int)"

static const char report_sql_all[] =
    REPORT_SQL("visit_totals t WHERE t.site = $11::text", REPORT_TOP_PATHS);
static const char report_sql_path[] =
    REPORT_SQL("visit_minutes t WHERE t.site = $11::text AND t.path = $14::text",
               REPORT_ONE_PATH);

report_span
report_span_for(const report_params *p, int64_t now_ms)
{
    report_span s;

    s.bucket = (int64_t)p->bucket_minutes * 60;
    s.current = timestamp_minute(now_ms);
    s.end = s.current - s.current % s.bucket + s.bucket;
    s.nbuckets = p->minutes / p->bucket_minutes;
    s.first = s.end - s.nbuckets * s.bucket;
    s.previous = s.first - (s.end - s.first);
    s.five = (s.first + 299) / 300 * 300;
    s.ten = (s.first + 599) / 600 * 600;
    s.hour = (s.first + 3599) / 3600 * 3600;
    return s;
}

int
report_session_init(PGconn *conn, char *err, size_t errlen)
{
    PGresult *res = PQexec(conn, "SET max_parallel_workers_per_gather = 0");

    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        db_error(conn, res, err, errlen);
        PQclear(res);
        return -1;
    }
    PQclear(res);
    return 0;
}

int
report_query(PGconn *conn, const report_params *p, int64_t now_ms, report *r,
             char *err, size_t errlen)
{
    char v[13][32];
    const char *params[14];
    report_span s = report_span_for(p, now_ms);
    int64_t nparams;
    PGresult *res;
    int rows, i, nb = 0;

    memset(r, 0, sizeof(*r));
    r->p = *p;
    r->generated_ms = now_ms;
    r->nbuckets = s.nbuckets;
    r->bucket_seconds = (int)s.bucket;
    r->rate_to = now_ms / 1000 - REPORT_RATE_LAG_S;
    r->rate_from = r->rate_to - REPORT_RATE_SECONDS;

    snprintf(v[0], sizeof(v[0]), "%" PRId64, s.first);
    snprintf(v[1], sizeof(v[1]), "%" PRId64, s.end);
    snprintf(v[2], sizeof(v[2]), "%" PRId64, s.bucket);
    snprintf(v[4], sizeof(v[4]), "%d", p->top);
    snprintf(v[5], sizeof(v[5]), "%" PRId64, s.previous);
    snprintf(v[6], sizeof(v[6]), "%" PRId64, s.hour);
    snprintf(v[7], sizeof(v[7]), "%" PRId64, r->rate_from);
    snprintf(v[8], sizeof(v[8]), "%" PRId64, r->rate_to);
    snprintf(v[9], sizeof(v[9]), "%" PRId64, s.current);
    snprintf(v[11], sizeof(v[11]), "%" PRId64, s.ten);
    snprintf(v[12], sizeof(v[12]), "%" PRId64, s.five);
    for (i = 0; i < 13; i++)
        params[i] = v[i];
    params[3] = p->tz;
    params[10] = p->site;
    params[13] = p->path;
    nparams = p->path[0] ? 14 : 13;

    r->buckets = calloc((size_t)r->nbuckets, sizeof(*r->buckets));
    r->paths = calloc((size_t)p->top, sizeof(*r->paths));
    if (r->buckets == NULL || r->paths == NULL) {
        snprintf(err, errlen, "out of memory");
        goto failed;
    }
    res = PQexecParams(conn, p->path[0] ? report_sql_path : report_sql_all,
                       (int)nparams, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        db_error(conn, res, err, errlen);
        PQclear(res);
        goto failed;
    }
    rows = PQntuples(res);
    for (i = 0; i < rows; i++) {
        const char *kind = PQgetvalue(res, i, 0);
        int64_t visits = strtoll(PQgetvalue(res, i, 2), NULL, 10);

        if (strcmp(kind, "b") == 0 && nb < r->nbuckets) {
            r->buckets[nb].start = strtoll(PQgetvalue(res, i, 1), NULL, 10);
            r->buckets[nb].visits = visits;
            snprintf(r->buckets[nb].local, sizeof(r->buckets[nb].local), "%s",
                     PQgetvalue(res, i, 3));
            r->total += visits;
            nb++;
        } else if (strcmp(kind, "prev") == 0) {
            r->previous_total = visits;
        } else if (strcmp(kind, "cur") == 0) {
            r->current_minute = visits;
        } else if (strcmp(kind, "site") == 0) {
            r->site_total = visits;
        } else if (strcmp(kind, "rate") == 0) {
            r->rate_visits = visits;
        } else if (strcmp(kind, "p") == 0 && r->npaths < (size_t)p->top) {
            r->paths[r->npaths].path = strdup(PQgetvalue(res, i, 3));
            if (r->paths[r->npaths].path == NULL) {
                snprintf(err, errlen, "out of memory");
                PQclear(res);
                goto failed;
            }
            r->paths[r->npaths++].visits = visits;
        }
    }
    PQclear(res);
    if (nb != r->nbuckets) {
        snprintf(err, errlen, "the report query returned %d buckets, not %d", nb,
                 r->nbuckets);
        goto failed;
    }
    return 0;
failed:
    report_free(r);
    return -1;
}

/* FNV-1a over len bytes, continuing from h. */
static uint64_t
report_hash(uint64_t h, const void *data, size_t len)
{
    const unsigned char *p = data;

    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 1099511628211ULL;
    }
    return h;
}

uint64_t
report_etag(const report *r)
{
    uint64_t h = 14695981039346656037ULL;
    /* Not the rate's or the report's time: they move every second. */
    int64_t nums[5] = { r->total, r->previous_total, r->current_minute,
                        r->site_total, r->rate_visits };

    /* Strings with their NUL, so "ab"+"c" and "a"+"bc" differ. */
    h = report_hash(h, r->p.site, strlen(r->p.site) + 1);
    h = report_hash(h, r->p.window, strlen(r->p.window) + 1);
    h = report_hash(h, r->p.tz, strlen(r->p.tz) + 1);
    h = report_hash(h, r->p.path, strlen(r->p.path) + 1);
    h = report_hash(h, &r->p.top, sizeof(r->p.top));
    h = report_hash(h, nums, sizeof(nums));
    for (int i = 0; i < r->nbuckets; i++) {
        h = report_hash(h, &r->buckets[i].start, sizeof(r->buckets[i].start));
        h = report_hash(h, &r->buckets[i].visits, sizeof(r->buckets[i].visits));
        h = report_hash(h, r->buckets[i].local, strlen(r->buckets[i].local) + 1);
    }
    for (size_t i = 0; i < r->npaths; i++) {
        h = report_hash(h, r->paths[i].path, strlen(r->paths[i].path) + 1);
        h = report_hash(h, &r->paths[i].visits, sizeof(r->paths[i].visits));
    }
    return h;
}

void
report_free(report *r)
{
    if (r == NULL)
        return;
    for (size_t i = 0; i < r->npaths; i++)
        free(r->paths[i].path);
    free(r->paths);
    free(r->buckets);
    r->paths = NULL;
    r->buckets = NULL;
    r->npaths = 0;
    r->nbuckets = 0;
}
