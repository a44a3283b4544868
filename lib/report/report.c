/* report.c - reading the report's numbers from PostgreSQL. */
#include "report.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "buf.h"
#include "db.h"
#include "timestamp.h"
#include "top_paths.h"

/* One statement, one snapshot. Parameters: $1 first bucket start, $2 end
 * of the last bucket, $3 bucket seconds, $4 time zone, $5 start of the
 * previous window, $6/$7 the rate's seconds, $8 the current minute, $9
 * the site; $10/$11 the starts and lengths in seconds of the spans whose
 * rows make the top paths (report_spans_of), $12 for each the total the
 * caller holds its rows for (-1: none, send them); $13 the path, when
 * filtered. SERIES is where the chart's numbers come from: visit_totals
 * for all paths, visit_minutes of one path. Then an 's' row per span with
 * its total now (TOTAL), and an 'r' row per stored row of each span whose
 * total is not the one held (of one path, AND_PATH, when filtered: the
 * site's top paths do not depend on the path asked for, and would cost
 * each path's URL what the whole site's does). Sums are cast to bigint,
 * as report_query reads them. */
#define REPORT_SQL(SERIES, TOTAL, AND_PATH)                                    \
    "WITH s AS MATERIALIZED (SELECT u.start, u.secs, u.held, " TOTAL " AS total" \
    "  FROM unnest($10::bigint[], $11::int[], $12::bigint[]) AS u(start, secs, held))" \
    " SELECT 'b', extract(epoch FROM b)::bigint,"                              \
    "  (SELECT coalesce(sum(t.visits), 0)::bigint FROM " SERIES                \
    "   AND t.minute >= b AND t.minute < b + make_interval(secs => $3::int)),"  \
    "  to_char(b AT TIME ZONE $4::text, 'YYYY-MM-DD HH24:MI')"                 \
    " FROM generate_series(to_timestamp($1::bigint),"                          \
    "      to_timestamp($2::bigint - $3::int), make_interval(secs => $3::int)) b" \
    " UNION ALL"                                                               \
    " SELECT 'prev', 0, coalesce(sum(t.visits), 0)::bigint, NULL FROM " SERIES \
    "  AND t.minute >= to_timestamp($5::bigint)"                               \
    "  AND t.minute < to_timestamp($1::bigint)"                                \
    " UNION ALL"                                                               \
    " SELECT 'cur', 0, coalesce(sum(t.visits), 0)::bigint, NULL FROM " SERIES  \
    "  AND t.minute = to_timestamp($8::bigint)"                                \
    " UNION ALL"                                                               \
    " SELECT 'site', 0, coalesce(sum(visits), 0)::bigint, NULL FROM visit_totals" \
    "  WHERE site = $9::text AND minute >= to_timestamp($1::bigint)"           \
    "  AND minute < to_timestamp($2::bigint)"                                  \
    " UNION ALL"                                                               \
    " SELECT 'rate', 0, coalesce(sum(visits), 0)::bigint, NULL FROM visit_seconds" \
    "  WHERE site = $9::text AND second >= to_timestamp($6::bigint)"           \
    "  AND second < to_timestamp($7::bigint)"                                  \
    " UNION ALL"                                                               \
    " SELECT 's', start, total, NULL FROM s"                                   \
    REPORT_SPAN_ROWS("visit_minutes", "minute", "60", AND_PATH)                \
    REPORT_SPAN_ROWS("visit_fives", "five", "300", AND_PATH)                   \
    REPORT_SPAN_ROWS("visit_tens", "ten", "600", AND_PATH)                     \
    REPORT_SPAN_ROWS("visit_hours", "hour", "3600", AND_PATH)

/* The rows of the spans of one length, each read by its key. */
#define REPORT_SPAN_ROWS(TABLE, COLUMN, SECONDS, AND_PATH)                     \
    " UNION ALL"                                                               \
    " SELECT 'r', s.start, r.visits, r.path FROM s JOIN " TABLE " r"           \
    "  ON r.site = $9::text AND r." COLUMN " = to_timestamp(s.start)" AND_PATH \
    "  WHERE s.secs = " SECONDS " AND s.total <> s.held"

/* A span's total now: its minutes in visit_totals. */
#define REPORT_SPAN_TOTAL                                                      \
    "(SELECT coalesce(sum(t.visits), 0)::bigint FROM visit_totals t"           \
    "  WHERE t.site = $9::text AND t.minute >= to_timestamp(u.start)"          \
    "  AND t.minute < to_timestamp(u.start + u.secs))"

/* The whole site's report; one path's, whose rows are never cached (each
 * span has a few: by index). */
static const char report_sql_all[] =
    REPORT_SQL("visit_totals t WHERE t.site = $9::text", REPORT_SPAN_TOTAL, "");
static const char report_sql_path[] =
    REPORT_SQL("visit_minutes t WHERE t.site = $9::text AND t.path = $13::text",
               "0", " AND r.path = $13::text");

report_window
report_window_for(const report_params *p, int64_t now_ms)
{
    report_window s;

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
report_spans_of(const report_window *w, report_span *spans)
{
    /* Up to each boundary, spans of each length. */
    const int64_t until[4] = { w->five, w->ten, w->hour, w->end };
    const int seconds[4] = { 60, 300, 600, 3600 };
    int64_t t = w->first;
    int n = 0;

    for (int level = 0; level < 4; level++) {
        int64_t stop = until[level] < w->end ? until[level] : w->end;

        for (; t < stop && n < REPORT_SPANS_MAX; t += seconds[level]) {
            spans[n].start = t;
            spans[n].seconds = seconds[level];
            n++;
        }
    }
    return n;
}

/* A span of the report being read: its rows as cached (held), or as read
 * now (fresh), and its total now. */
typedef struct report_read_span {
    report_span span;
    span_rows *held, *fresh;
    int64_t total;
} report_read_span;

/* The index of the span starting at start in spans[0..n), or -1. */
static int
report_span_index(const report_read_span *spans, int n, int64_t start)
{
    for (int i = 0; i < n; i++)
        if (spans[i].span.start == start)
            return i;
    return -1;
}

/* Fills starts, lengths and held with the PostgreSQL array literals of
 * the spans' starts, lengths in seconds and the totals their held rows
 * were read with (-1 for none). Returns 0, or -1 when out of memory. */
static int
report_span_arrays(const report_read_span *spans, int n, buf *starts, buf *lengths,
                   buf *held)
{
    buf *const arrays[3] = { starts, lengths, held };

    db_arrays_begin(arrays, 3);
    for (int i = 0; i < n; i++) {
        db_array_int(starts, spans[i].span.start);
        db_array_int(lengths, spans[i].span.seconds);
        db_array_int(held, spans[i].held ? span_rows_total(spans[i].held) : -1);
    }
    return db_arrays_end(arrays, 3);
}

/* Reads the rows of res into r's numbers and, for each span of spans whose
 * total is not the one held, its rows as read now. Returns 0, or -1 with a
 * message. */
static int
report_read(PGresult *res, report *r, report_read_span *spans, int nspans,
            char *err, size_t errlen)
{
    int rows = PQntuples(res), nb = 0, i, k;

    for (i = 0; i < rows; i++) {
        const char *kind = PQgetvalue(res, i, 0);
        int64_t number = strtoll(PQgetvalue(res, i, 1), NULL, 10);
        int64_t visits = strtoll(PQgetvalue(res, i, 2), NULL, 10);

        if (strcmp(kind, "b") == 0 && nb < r->nbuckets) {
            r->buckets[nb].start = number;
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
        } else if (strcmp(kind, "s") == 0 && (k = report_span_index(spans, nspans, number)) >= 0) {
            spans[k].total = visits;
            if (spans[k].held == NULL || span_rows_total(spans[k].held) != visits) {
                spans[k].fresh = span_rows_create(r->p.site, number, spans[k].span.seconds,
                                                  visits);
                if (spans[k].fresh == NULL)
                    goto out_of_memory;
            }
        }
    }
    if (nb != r->nbuckets) {
        snprintf(err, errlen, "the report query returned %d buckets, not %d", nb,
                 r->nbuckets);
        return -1;
    }
    /* Then the rows, now that every span read again has its place. */
    for (i = 0, k = -1; i < rows; i++) {
        int64_t start;

        if (strcmp(PQgetvalue(res, i, 0), "r") != 0)
            continue;
        start = strtoll(PQgetvalue(res, i, 1), NULL, 10);
        if (k < 0 || spans[k].span.start != start)
            k = report_span_index(spans, nspans, start);
        if (k < 0 || spans[k].fresh == NULL) {
            snprintf(err, errlen, "the report query returned rows of a span it did not ask for");
            return -1;
        }
        if (span_rows_add(spans[k].fresh, PQgetvalue(res, i, 3),
                          strtoll(PQgetvalue(res, i, 2), NULL, 10)) < 0)
            goto out_of_memory;
    }
    return 0;
out_of_memory:
    snprintf(err, errlen, "out of memory");
    return -1;
}

int
report_query(PGconn *conn, const report_params *p, int64_t now_ms, span_cache *cache,
             report *r, char *err, size_t errlen)
{
    char v[9][32];
    const char *params[13];
    report_window w = report_window_for(p, now_ms);
    report_span parts[REPORT_SPANS_MAX];
    report_read_span spans[REPORT_SPANS_MAX];
    span_rows *use[REPORT_SPANS_MAX];
    buf starts = BUF_INIT, lengths = BUF_INIT, held = BUF_INIT;
    PGresult *res = NULL;
    int nspans, n, i, arrays_failed, rc = -1;

    memset(r, 0, sizeof(*r));
    r->p = *p;
    r->generated_ms = now_ms;
    r->nbuckets = w.nbuckets;
    r->bucket_seconds = (int)w.bucket;
    r->rate_to = now_ms / 1000 - REPORT_RATE_LAG_S;
    r->rate_from = r->rate_to - REPORT_RATE_SECONDS;

    /* One path's rows are few and never cached. */
    if (p->path[0])
        cache = NULL;
    nspans = report_spans_of(&w, parts);
    for (i = 0; i < nspans; i++) {
        spans[i].span = parts[i];
        spans[i].fresh = NULL;
        spans[i].total = -1;
        /* Only closed spans, which new visits rarely reach. */
        spans[i].held = parts[i].start + parts[i].seconds <= w.current
                            ? span_cache_get(cache, p->site, parts[i].start, parts[i].seconds,
                                             now_ms / 1000)
                            : NULL;
    }
    arrays_failed = report_span_arrays(spans, nspans, &starts, &lengths, &held) < 0;

    snprintf(v[0], sizeof(v[0]), "%" PRId64, w.first);
    snprintf(v[1], sizeof(v[1]), "%" PRId64, w.end);
    snprintf(v[2], sizeof(v[2]), "%" PRId64, w.bucket);
    snprintf(v[4], sizeof(v[4]), "%" PRId64, w.previous);
    snprintf(v[5], sizeof(v[5]), "%" PRId64, r->rate_from);
    snprintf(v[6], sizeof(v[6]), "%" PRId64, r->rate_to);
    snprintf(v[7], sizeof(v[7]), "%" PRId64, w.current);
    for (i = 0; i < 9; i++)
        params[i] = v[i];
    params[3] = p->tz;
    params[8] = p->site;
    params[9] = starts.data;
    params[10] = lengths.data;
    params[11] = held.data;
    params[12] = p->path;

    r->buckets = calloc((size_t)r->nbuckets, sizeof(*r->buckets));
    r->paths = calloc((size_t)p->top, sizeof(*r->paths));
    if (r->buckets == NULL || r->paths == NULL || arrays_failed) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    res = PQexecParams(conn, p->path[0] ? report_sql_path : report_sql_all,
                       p->path[0] ? 13 : 12, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        db_error(conn, res, err, errlen);
        goto done;
    }
    if (report_read(res, r, spans, nspans, err, errlen) < 0)
        goto done;
    for (i = 0; i < nspans; i++) {
        if (spans[i].total < 0) {
            snprintf(err, errlen, "the report query returned no total for a span");
            goto done;
        }
        use[i] = spans[i].fresh ? spans[i].fresh : spans[i].held;
        if (spans[i].fresh)
            r->spans_read++;
        else
            r->spans_held++;
        /* Kept for the next reports: the closed spans read again. */
        if (spans[i].fresh && spans[i].span.start + spans[i].span.seconds <= w.current)
            span_cache_put(cache, spans[i].fresh, now_ms / 1000);
    }
    if ((n = top_paths(use, (size_t)nspans, p->top, r->paths)) < 0) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    r->npaths = (size_t)n;
    rc = 0;
done:
    PQclear(res);
    for (i = 0; i < nspans; i++) {
        span_rows_release(spans[i].held);
        span_rows_release(spans[i].fresh);
    }
    buf_free(&starts);
    buf_free(&lengths);
    buf_free(&held);
    if (rc < 0)
        report_free(r);
    return rc;
}

/* The ETag's hash: BLAKE2b from libsodium (crypto_generichash, without a
 * key, so every worker and every restart gives the same tag for the same
 * data), 8 bytes of it. */
uint64_t
report_etag(const report *r)
{
    crypto_generichash_state st;
    unsigned char out[crypto_generichash_BYTES_MIN];
    /* Not the rate's or the report's time: they move every second. */
    int64_t nums[5] = { r->total, r->previous_total, r->current_minute,
                        r->site_total, r->rate_visits };
    uint64_t h;

#define REPORT_HASH(data, len) crypto_generichash_update(&st, (const void *)(data), (len))
    crypto_generichash_init(&st, NULL, 0, sizeof(out));
    /* Strings with their NUL, so "ab"+"c" and "a"+"bc" differ. */
    REPORT_HASH(r->p.site, strlen(r->p.site) + 1);
    REPORT_HASH(r->p.window, strlen(r->p.window) + 1);
    REPORT_HASH(r->p.tz, strlen(r->p.tz) + 1);
    REPORT_HASH(r->p.path, strlen(r->p.path) + 1);
    REPORT_HASH(&r->p.top, sizeof(r->p.top));
    REPORT_HASH(nums, sizeof(nums));
    for (int i = 0; i < r->nbuckets; i++) {
        REPORT_HASH(&r->buckets[i].start, sizeof(r->buckets[i].start));
        REPORT_HASH(&r->buckets[i].visits, sizeof(r->buckets[i].visits));
        REPORT_HASH(r->buckets[i].local, strlen(r->buckets[i].local) + 1);
    }
    for (size_t i = 0; i < r->npaths; i++) {
        REPORT_HASH(r->paths[i].path, strlen(r->paths[i].path) + 1);
        REPORT_HASH(&r->paths[i].visits, sizeof(r->paths[i].visits));
    }
#undef REPORT_HASH
    crypto_generichash_final(&st, out, sizeof(out));
    memcpy(&h, out, sizeof(h));
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
