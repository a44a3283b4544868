/* visits-report - the report worker: a FastCGI server that answers /visits
 * (HTML) and /visits.json from the minute buckets in PostgreSQL, with one
 * connection per thread that reconnects by itself. */
#include <errno.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "buf.h"
#include "config.h"
#include "db.h"
#include "fcgi_server.h"
#include "http.h"
#include "log.h"
#include "metrics.h"
#include "params.h"
#include "render.h"
#include "report.h"
#include "timestamp.h"
#include "record_stats.h"

/* After a failed connect, answer 503 at once for this long before trying
 * again, so a down database does not cost each request a connect. */
#define REPORT_RETRY_MS 1000
/* A report query takes a few ms; one that runs this long is cut off, so a
 * slow or hostile request cannot hold a thread and a snapshot. */
#define REPORT_STATEMENT_TIMEOUT "5s"
/* A CSV export: all of it within this long (PostgreSQL cancels it
 * then), and no single write to nginx stalled longer than
 * REPORT_CSV_STALL_S (a client reading a few bytes a minute). */
#define REPORT_CSV_TIMEOUT "60s"
#define REPORT_CSV_STALL_S 10
/* Exports at once, per thread of the worker: past threads / 8 (4 of the
 * default 32) a new one is answered 429, so exports never take the
 * threads the page and the JSON need. */
#define REPORT_CSV_SHARE 8
/* The closed spans' rows kept between reports (lib/report/span_cache.h),
 * each dropped once no report has used it for REPORT_SPAN_IDLE_S. The
 * four windows of one site use about 70 spans at a time; at the path cap
 * (1,001 rows) a span takes about 50 KB with paths of 30 bytes, 530 KB
 * with the longest: 3 to 37 MB a site. */
#define REPORT_SPAN_CACHE_BYTES (64u << 20)
#define REPORT_SPAN_IDLE_S 120

typedef struct report_app {
    const config *c;
    log_limit conn_log;     /* connect failures, across threads */
    log_limit query_log;    /* failed queries, across threads */
    span_cache *spans;      /* closed spans' rows, across threads */
    atomic_uint_fast64_t spans_read, spans_held;    /* by the reports so far */
    atomic_int csv_active;  /* exports being streamed */
    int csv_max;
    record_stats answers;         /* by status */
    metrics_hist query_seconds;
} report_app;

/* Report query times: a few ms when healthy (docs/PERFORMANCE.md). */
static const double report_query_bounds[] = {
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
};

typedef struct report_thread {
    PGconn *conn;
    int64_t retry_at_ms;
    buf out;
} report_thread;

static void *
report_thread_init(void *ctx, int *failed)
{
    report_thread *t = calloc(1, sizeof(*t));

    (void)ctx;
    *failed = t == NULL;
    return t;
}

static void
report_thread_free(void *ctx, void *tctx)
{
    report_thread *t = tctx;

    (void)ctx;
    if (t == NULL)
        return;
    PQfinish(t->conn);
    buf_free(&t->out);
    free(t);
}

/* Sets conn's statement_timeout. Returns 0, or -1 when the session is
 * unusable (the caller reconnects). */
static int
report_set_timeout(PGconn *conn, const char *timeout)
{
    const char *params[1] = { timeout };
    PGresult *res = PQexecParams(conn, "SELECT set_config('statement_timeout', $1, false)",
                                 1, NULL, params, NULL, NULL, 0);
    int ok = PQresultStatus(res) == PGRES_TUPLES_OK;

    PQclear(res);
    return ok ? 0 : -1;
}

/* Returns the thread's connection, connecting or reconnecting as needed, or
 * NULL when the database is unreachable (logged at most once a second). */
static PGconn *
report_conn(report_app *app, report_thread *t, int64_t now_ms)
{
    char err[512] = "";
    uint64_t n;

    if (t->conn && PQstatus(t->conn) == CONNECTION_OK)
        return t->conn;
    PQfinish(t->conn);
    t->conn = NULL;
    if (now_ms < t->retry_at_ms)
        return NULL;
    t->conn = db_connect(app->c->database, err, sizeof(err));
    if (t->conn != NULL
        && (report_set_timeout(t->conn, REPORT_STATEMENT_TIMEOUT) < 0
            || report_session_init(t->conn, err, sizeof(err)) < 0)) {
        if (err[0] == '\0')
            snprintf(err, sizeof(err), "could not set up the session");
        PQfinish(t->conn);
        t->conn = NULL;
    }
    if (t->conn == NULL) {
        t->retry_at_ms = now_ms + REPORT_RETRY_MS;
        if ((n = log_limit_hit(&app->conn_log)) > 0)
            log_error("could not connect to postgresql: %s count=%llu", err,
                      (unsigned long long)n);
    }
    return t->conn;
}

/* The CSV export's rows of one site ($3), all paths or one ($4), by
 * minute. */
static const char report_csv_all[] =
    "SELECT extract(epoch FROM minute)::bigint, site, path, visits"
    " FROM visit_minutes WHERE site = $3::text"
    " AND minute >= to_timestamp($1::bigint)"
    " AND minute < to_timestamp($2::bigint) ORDER BY minute, path";
static const char report_csv_path[] =
    "SELECT extract(epoch FROM minute)::bigint, site, path, visits"
    " FROM visit_minutes WHERE site = $3::text AND path = $4::text"
    " AND minute >= to_timestamp($1::bigint)"
    " AND minute < to_timestamp($2::bigint) ORDER BY minute";

/* Sends the CSV query for p in single-row mode. Returns 1 or 0. */
static int
report_csv_send(PGconn *conn, const csv_params *p, const char *const *params)
{
    return PQsendQueryParams(conn, p->path[0] ? report_csv_path : report_csv_all,
                             p->path[0] ? 4 : 3, NULL, params, NULL, NULL, 0)
           && PQsetSingleRowMode(conn);
}

/* Stops the running query of conn early (the client went away) and reads
 * what is left of its results. */
static void
report_csv_cancel(PGconn *conn)
{
    char err[256];
    PGcancel *cancel = PQgetCancel(conn);
    PGresult *res;

    if (cancel != NULL) {
        if (!PQcancel(cancel, err, sizeof(err)))
            log_warn("could not cancel the csv query: %s", err);
        PQfreeCancel(cancel);
    }
    while ((res = PQgetResult(conn)) != NULL)
        PQclear(res);
}

/* Starts the CSV answer for p: status, type and download headers. */
static void
report_csv_begin(http_request *req, const csv_params *p)
{
    char stamp[TIMESTAMP_ISO_SIZE], disp[160];

    timestamp_format_sec(p->from, stamp);
    snprintf(disp, sizeof(disp), "Content-Disposition: attachment; "
             "filename=\"visits-%.10s.csv\"\r\nCache-Control: no-cache\r\n", stamp);
    http_begin(req, 200, "text/csv; charset=utf-8", disp);
}

/* Streams /visits.csv for p on conn: one row per (minute, path) of the
 * range, read in single-row mode so memory stays flat whatever the range;
 * stops and cancels the query when the client goes away or stalls.
 * Returns the status answered. */
static int
report_csv_stream(report_app *app, report_thread *t, PGconn *conn, http_request *req,
                  const csv_params *p)
{
    char err[512], from[24], to[24], stamp[TIMESTAMP_ISO_SIZE];
    const char *params[4] = { from, to, p->site, p->path };
    PGresult *res;
    uint64_t n;
    int started = 0, rows = 0, status = 200;

    snprintf(from, sizeof(from), "%" PRId64, p->from);
    snprintf(to, sizeof(to), "%" PRId64, p->to);
    if (!report_csv_send(conn, p, params)) {
        db_error(conn, NULL, err, sizeof(err));
        if ((n = log_limit_hit(&app->query_log)) > 0)
            log_error("csv query failed: %s count=%llu", err, (unsigned long long)n);
        status = PQstatus(conn) == CONNECTION_OK ? 500 : 503;
        http_error(req, status, "the visit database is unavailable; retrying");
        return status;
    }
    while ((res = PQgetResult(conn)) != NULL) {
        ExecStatusType st = PQresultStatus(res);
        if (st == PGRES_SINGLE_TUPLE || (st == PGRES_TUPLES_OK && !started)) {
            if (!started) {
                report_csv_begin(req, p);
                http_write(req, "minute,site,path,visits\r\n", 25);
                started = 1;
            }
            if (st == PGRES_SINGLE_TUPLE) {
                buf_reset(&t->out);
                timestamp_format_sec(strtoll(PQgetvalue(res, 0, 0), NULL, 10),
                                     stamp);
                buf_puts(&t->out, stamp);
                buf_append(&t->out, ",", 1);
                render_csv_field(&t->out, PQgetvalue(res, 0, 1));
                buf_append(&t->out, ",", 1);
                render_csv_field(&t->out, PQgetvalue(res, 0, 2));
                buf_printf(&t->out, ",%s\r\n", PQgetvalue(res, 0, 3));
                if (http_write(req, t->out.data, t->out.len) < 0) {
                    log_debug("csv export stopped after %d rows: the client went away "
                              "or stalled", rows);
                    PQclear(res);
                    report_csv_cancel(conn);
                    return 200;
                }
                rows++;
            }
        } else if (st != PGRES_TUPLES_OK) {
            db_error(conn, res, err, sizeof(err));
            if ((n = log_limit_hit(&app->query_log)) > 0)
                log_error("csv query failed after %d rows: %s count=%llu", rows, err,
                          (unsigned long long)n);
            if (!started) {
                status = PQstatus(conn) == CONNECTION_OK ? 500 : 503;
                http_error(req, status, "the csv query failed");
            }
            else
                http_write(req, "# error: the export stopped early\r\n", 35);
            started = 1;
        }
        PQclear(res);
    }
    return status;
}

/* /visits.csv. Bad parameters and HEAD are answered before any database
 * work; then at most csv_max exports at once (429 beyond), each within
 * REPORT_CSV_TIMEOUT and no write stalled past REPORT_CSV_STALL_S. */
static int
report_csv(report_app *app, report_thread *t, http_request *req, int64_t now_ms)
{
    char err[512];
    csv_params p;
    PGconn *conn;
    int status;

    if (params_parse_csv(http_param(req, "QUERY_STRING"), app->c->sites, now_ms,
                         &p, err, sizeof(err)) < 0) {
        http_error(req, 400, err);
        return 400;
    }
    if (http_is_head(req)) {
        report_csv_begin(req, &p);  /* what a GET would start with, no query */
        return 200;
    }
    if (atomic_fetch_add(&app->csv_active, 1) >= app->csv_max) {
        atomic_fetch_sub(&app->csv_active, 1);
        http_error(req, 429, "too many csv exports at once; retry in a minute");
        return 429;
    }
    conn = report_conn(app, t, now_ms);
    if (conn != NULL && report_set_timeout(conn, REPORT_CSV_TIMEOUT) < 0) {
        /* The server restarted since this connection was last used. */
        PQfinish(t->conn);
        t->conn = NULL;
        conn = report_conn(app, t, now_ms);
        if (conn != NULL && report_set_timeout(conn, REPORT_CSV_TIMEOUT) < 0)
            conn = NULL;
    }
    if (conn == NULL) {
        atomic_fetch_sub(&app->csv_active, 1);
        http_error(req, 503, "the visit database is unavailable; retrying");
        return 503;
    }
    http_send_timeout(req, REPORT_CSV_STALL_S * 1000);
    status = report_csv_stream(app, t, conn, req, &p);
    http_send_timeout(req, 0);
    if (report_set_timeout(conn, REPORT_STATEMENT_TIMEOUT) < 0) {
        PQfinish(t->conn);      /* the next request reconnects, timeout and all */
        t->conn = NULL;
    }
    atomic_fetch_sub(&app->csv_active, 1);
    return status;
}

/* Answers a report URL whose query string is not the canonical spelling of
 * its parameters with a redirect to the shortest one (defaults left out),
 * before any database work: nginx's micro-cache is keyed on the URL, and
 * "top=010", "%36%30m" or another order would each miss it. Uses out.
 * Returns the status, 302. */
static int
report_redirect(http_request *req, const char *uri, const report_params *p, buf *out)
{
    static const char text[] = "text/plain; charset=utf-8";
    static const char body[] = "the canonical URL of this report\n";
    buf headers = BUF_INIT;

    buf_reset(out);
    params_query(out, p, params_nondefault(p), "&");
    /* uri is one of the report's own, matched exactly; out is encoded. */
    buf_printf(&headers, "Location: %s%s%s\r\nCache-Control: no-store\r\n", uri,
               out->len ? "?" : "", out->data ? out->data : "");
    if (out->failed || headers.failed) {
        buf_free(&headers);
        http_error(req, 500, "out of memory");
        return 500;
    }
    http_respond(req, 302, text, headers.data, body, sizeof(body) - 1);
    buf_free(&headers);
    return 302;
}

/* Answers /visits, /visits.json or /visits.csv. Returns the status. */
static int
report_answer(report_app *app, report_thread *t, http_request *req)
{
    const char *uri = http_param(req, "DOCUMENT_URI");
    int64_t now_ms = timestamp_now_ms();
    char err[512], headers[160], etag[40];
    const char *ctype;
    enum { PAGE, JSON, CSV } kind;
    report_params p;
    PGconn *conn;
    double started;
    uint64_t n;
    report r;
    int rc;

    if (strcmp(uri, "/visits") == 0 || strcmp(uri, "/visits/") == 0)
        kind = PAGE;
    else if (strcmp(uri, "/visits.json") == 0)
        kind = JSON;
    else if (strcmp(uri, "/visits.csv") == 0)
        kind = CSV;
    else {
        http_error(req, 404, "not found: the report lives at /visits, "
                             "/visits.json and /visits.csv");
        return 404;
    }
    if (!http_get_or_head(req))
        return 405;
    if (kind != CSV
        && params_parse(http_param(req, "QUERY_STRING"), app->c->sites, &p, err,
                        sizeof(err)) < 0) {
        http_error(req, 400, err);
        return 400;
    }
    if (kind == CSV)
        return report_csv(app, t, req, now_ms);
    if (!params_is_canonical(http_param(req, "QUERY_STRING"), &p, &t->out))
        return report_redirect(req, uri, &p, &t->out);
    conn = report_conn(app, t, now_ms);
    if (conn == NULL) {
        http_error(req, 503, "the visit database is unavailable; retrying");
        return 503;
    }
    started = timestamp_mono_s();
    rc = report_query(conn, &p, now_ms, app->spans, &r, err, sizeof(err));
    if (rc < 0 && PQstatus(conn) != CONNECTION_OK
        && (conn = report_conn(app, t, now_ms)) != NULL)
        rc = report_query(conn, &p, now_ms, app->spans, &r, err, sizeof(err));  /* once */
    metrics_hist_observe(&app->query_seconds, timestamp_mono_s() - started);
    if (rc == 0) {
        atomic_fetch_add(&app->spans_read, (uint_fast64_t)r.spans_read);
        atomic_fetch_add(&app->spans_held, (uint_fast64_t)r.spans_held);
    }
    if (rc < 0) {
        if ((n = log_limit_hit(&app->query_log)) > 0)
            log_error("report query failed: %s count=%llu", err, (unsigned long long)n);
        if (conn == NULL || PQstatus(conn) != CONNECTION_OK) {
            http_error(req, 503, "the visit database is unavailable; retrying");
            return 503;
        }
        http_error(req, 500, "the report query failed");
        return 500;
    }
    /* Weak: the same numbers, whatever the second they were read in.
     * private: the report may sit behind auth_basic, so no shared cache
     * but nginx's own (which ignores this header) may keep it. */
    snprintf(etag, sizeof(etag), "W/\"%016" PRIx64 "%c\"", report_etag(&r),
             kind == JSON ? 'j' : 'h');
    snprintf(headers, sizeof(headers), "Cache-Control: private, max-age=1\r\n"
             "ETag: %s\r\n", etag);
    ctype = kind == JSON ? "application/json" : "text/html; charset=utf-8";
    if (http_etag_matches(http_param(req, "HTTP_IF_NONE_MATCH"), etag)) {
        report_free(&r);
        http_begin(req, 304, ctype, headers);   /* no body, no length */
        return 304;
    }
    buf_reset(&t->out);
    rc = kind == JSON ? render_json(&r, &t->out) : render_html(&r, &t->out);
    report_free(&r);
    if (rc < 0) {
        http_error(req, 500, "out of memory");
        return 500;
    }
    http_respond_whole(req, 200, ctype, headers, t->out.data, t->out.len);
    return 200;
}

/* The report worker's /metrics: requests by status and query times. */
static void
report_metrics(void *ctx, buf *out)
{
    report_app *app = ctx;
    /* An export refused for want of room counts for an instant: clamped. */
    int exports = atomic_load(&app->csv_active);
    size_t spans, bytes;

    record_stats_render(&app->answers, "visits_report_requests_total",
                  "Report requests answered, by HTTP status.", out);
    metrics_hist_write(out, "visits_report_query_duration_seconds",
                       "Time of each report query (JSON and HTML), with a "
                       "reconnect and retry when the connection was lost.",
                       &app->query_seconds);
    metrics_gauge(out, "visits_report_csv_exports",
                  "CSV exports streaming now (at most an eighth of the threads).",
                  (double)(exports < app->csv_max ? exports : app->csv_max));
    span_cache_size(app->spans, &spans, &bytes);
    metrics_gauge(out, "visits_report_cached_spans",
                  "Closed spans whose rows the worker keeps between reports.",
                  (double)spans);
    metrics_gauge(out, "visits_report_cached_span_bytes", "Memory those rows take.",
                  (double)bytes);
    metrics_counter(out, "visits_report_spans_read_total",
                    "Spans of the reports' windows whose rows were read from PostgreSQL.",
                    atomic_load(&app->spans_read));
    metrics_counter(out, "visits_report_spans_cached_total",
                    "Spans of the reports' windows whose rows came from the cache.",
                    atomic_load(&app->spans_held));
}

/* The report worker's /readyz: the database can be used now. */
static int
report_ready(void *ctx, buf *out)
{
    report_app *app = ctx;
    char err[256];

    if (db_ping(app->c->database, err, sizeof(err)) < 0) {
        buf_printf(out, "not ready: %s\n", err);
        return 503;
    }
    buf_puts(out, "ready\n");
    return 200;
}

/* Requests nginx marks with VISITS_PROBE (its monitoring locations; a
 * visitor cannot set it) are monitoring; the rest are counted by status. */
static void
report_handle(void *ctx, void *tctx, http_request *req)
{
    report_app *app = ctx;
    const char *probe = http_param(req, "VISITS_PROBE");

    if (probe[0] != '\0') {
        probe_app pa = { app, report_metrics, NULL, report_ready };
        http_probe(req, probe, &pa, &((report_thread *)tctx)->out);
        return;
    }
    record_stats_count(&app->answers, report_answer(app, tctx, req));
}

int
main(int argc, char **argv)
{
    sigset_t stop;
    config c;
    int rc;

    fcgi_app_block_signals(&stop);
    if ((rc = config_main(&c, CONFIG_REPORT, argc, argv)) >= 0)
        return rc;
    report_app ra;
    memset(&ra, 0, sizeof(ra));
    ra.c = &c;
    ra.csv_max = c.threads / REPORT_CSV_SHARE > 0 ? (int)(c.threads / REPORT_CSV_SHARE) : 1;
    metrics_hist_init(&ra.query_seconds, report_query_bounds,
                      sizeof(report_query_bounds) / sizeof(report_query_bounds[0]));
    if ((ra.spans = span_cache_create(REPORT_SPAN_CACHE_BYTES, REPORT_SPAN_IDLE_S)) == NULL) {
        log_error("out of memory");
        config_free(&c);
        return 1;
    }
    fcgi_app app
        = { &ra,  report_thread_init, report_thread_free, report_handle,
            NULL, c.fastcgi_users };
    rc = fcgi_server_run(c.socket, (int)c.threads, &app, &stop);
    span_cache_free(ra.spans);
    config_free(&c);
    return rc < 0 ? 1 : 0;
}
