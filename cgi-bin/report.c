/* visits-report - the report worker: a FastCGI server that answers /visits
 * (HTML) and /visits.json from the minute buckets in PostgreSQL, with one
 * connection per thread that reconnects by itself. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "config.h"
#include "db.h"
#include "fsrv.h"
#include "http.h"
#include "log.h"
#include "params.h"
#include "render.h"
#include "report.h"
#include "vtime.h"

/* After a failed connect, answer 503 at once for this long before trying
 * again, so a down database does not cost each request a connect. */
#define REPORT_RETRY_MS 1000

typedef struct report_app {
    const config *c;
    log_limit conn_log;     /* connect failures, across threads */
} report_app;

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

/* Returns the thread's connection, connecting or reconnecting as needed, or
 * NULL when the database is unreachable (logged at most once a second). */
static PGconn *
report_conn(report_app *app, report_thread *t, int64_t now_ms)
{
    char err[512];
    uint64_t n;

    if (t->conn && PQstatus(t->conn) == CONNECTION_OK)
        return t->conn;
    PQfinish(t->conn);
    t->conn = NULL;
    if (now_ms < t->retry_at_ms)
        return NULL;
    t->conn = db_connect(app->c->database, err, sizeof(err));
    if (t->conn == NULL) {
        t->retry_at_ms = now_ms + REPORT_RETRY_MS;
        if ((n = log_limit_hit(&app->conn_log)) > 0)
            log_error("could not connect to postgresql: %s count=%llu", err,
                      (unsigned long long)n);
    }
    return t->conn;
}

static void
report_handle(void *ctx, void *tctx, FCGX_Request *req)
{
    report_app *app = ctx;
    report_thread *t = tctx;
    const char *uri = http_param(req, "DOCUMENT_URI");
    int64_t now_ms = vtime_now_ms();
    char err[512];
    report_params p;
    PGconn *conn;
    report r;
    int json, rc;

    if (strcmp(uri, "/visits") == 0 || strcmp(uri, "/visits/") == 0)
        json = 0;
    else if (strcmp(uri, "/visits.json") == 0)
        json = 1;
    else {
        http_error(req, 404, "not found: the report lives at /visits and "
                             "/visits.json");
        return;
    }
    if (!http_get_or_head(req))
        return;
    if (params_parse(http_param(req, "QUERY_STRING"), &p, err, sizeof(err)) < 0) {
        http_error(req, 400, err);
        return;
    }
    conn = report_conn(app, t, now_ms);
    if (conn == NULL) {
        http_error(req, 503, "the visit database is unavailable; retrying");
        return;
    }
    if (report_query(conn, &p, now_ms, &r, err, sizeof(err)) < 0) {
        log_error("report query failed: %s", err);
        if (PQstatus(conn) != CONNECTION_OK)
            http_error(req, 503, "the visit database is unavailable; retrying");
        else
            http_error(req, 500, "the report query failed");
        return;
    }
    buf_reset(&t->out);
    rc = json ? render_json(&r, &t->out) : render_html(&r, p.top, &t->out);
    report_free(&r);
    if (rc < 0) {
        http_error(req, 500, "out of memory");
        return;
    }
    http_respond(req, 200, json ? "application/json" : "text/html; charset=utf-8",
                 "Cache-Control: no-cache\r\n", t->out.data, t->out.len);
}

int
main(int argc, char **argv)
{
    char err[512];
    sigset_t stop;
    config c;
    int rc;

    fsrv_block_signals(&stop);
    rc = config_load(&c, CONFIG_REPORT, argc, argv, err, sizeof(err));
    if (rc != 0) {
        if (rc < 0)
            fprintf(stderr, "%s: %s\n", program_invocation_short_name, err);
        config_free(&c);
        return rc < 0 ? 2 : 0;
    }
    log_set_level(c.log_level);
    report_app ra = { &c, { 0, 0 } };
    fsrv_app app = { &ra, report_thread_init, report_thread_free, report_handle };
    rc = fsrv_run(c.socket, (int)c.threads, &app, &stop);
    config_free(&c);
    return rc < 0 ? 1 : 0;
}
