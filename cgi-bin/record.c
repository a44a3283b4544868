/* visits-record - the visit worker: a FastCGI server that records one visit
 * event per GET or HEAD request, produces it to Kafka without waiting, and
 * answers a small demo page at once. Requests nginx marks with the
 * VISITS_PROBE parameter (its monitoring locations; a visitor cannot set
 * it) get /metrics, /healthz or /readyz instead. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "config.h"
#include "event.h"
#include "fsrv.h"
#include "html.h"
#include "http.h"
#include "log.h"
#include "metrics.h"
#include "producer.h"
#include "vtime.h"
#include "wstats.h"

#define RECORD_FLUSH_MS 10000
#define RECORD_READY_MS 2000    /* /readyz waits this long for Kafka */

typedef struct record_app {
    producer *p;
    wstats answers;             /* visit pages, by status */
} record_app;

static void *
record_thread_init(void *ctx, int *failed)
{
    buf *page = calloc(1, sizeof(*page));

    (void)ctx;
    *failed = page == NULL;
    return page;
}

static void
record_thread_free(void *ctx, void *tctx)
{
    (void)ctx;
    buf_free(tctx);
    free(tctx);
}

/* Records the visit, then answers the demo page naming the path. Returns
 * the status answered. */
static int
record_visit(record_app *app, buf *page, FCGX_Request *req)
{
    event ev;

    if (!http_get_or_head(req))
        return 405;
    event_init(&ev, vtime_now_ms(), http_param(req, "REQUEST_URI"),
               http_param(req, "HTTP_REFERER"), http_param(req, "HTTP_USER_AGENT"),
               http_param(req, "REMOTE_ADDR"));
    /* A dropped event is counted and logged by the producer; the visitor
     * still gets the page. */
    producer_send(app->p, &ev);

    buf_reset(page);
    buf_puts(page, "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                   "<meta name=\"viewport\" content=\"width=device-width,"
                   "initial-scale=1\"><title>");
    html_escape(page, ev.path);
    buf_puts(page, " - visits demo</title><link rel=\"stylesheet\" "
                   "href=\"/visits/static/visits.css\"></head>\n<body><main>"
                   "<h1>You visited <code>");
    html_escape(page, ev.path);
    buf_puts(page, "</code></h1>\n<p>This visit was recorded. Try "
                   "<a href=\"/\">/</a>, <a href=\"/pricing\">/pricing</a> or "
                   "<a href=\"/blog/1\">/blog/1</a>, then "
                   "<a href=\"/visits\">see them counted</a>.</p></main></body>"
                   "</html>\n");
    if (page->failed) {
        http_error(req, 500, "out of memory");
        return 500;
    }
    http_respond(req, 200, "text/html; charset=utf-8", "Cache-Control: no-store\r\n",
                 page->data, page->len);
    return 200;
}

/* The visit worker's /metrics: pages by status and its producer's
 * counters. */
static void
record_metrics(void *ctx, buf *out)
{
    record_app *app = ctx;
    producer_stats st;

    producer_stats_get(app->p, &st);
    wstats_render(&app->answers, "visits_record_requests_total",
                  "Visit pages answered, by HTTP status.", out);
    metrics_counter(out, "visits_record_events_sent_total",
                    "Visit events accepted into the producer's queue.", st.sent);
    metrics_counter(out, "visits_record_events_delivered_total",
                    "Visit events acknowledged by Kafka.", st.delivered);
    metrics_counter(out, "visits_record_events_failed_total",
                    "Visit events whose delivery failed after all retries: "
                    "lost.", st.failed);
    metrics_counter(out, "visits_record_events_dropped_total",
                    "Visit events not queued (the queue full, or the "
                    "producer failed): lost.", st.dropped);
    metrics_gauge(out, "visits_record_queue_messages",
                  "Messages waiting in the producer's queue for Kafka.",
                  (double)st.queued);
}

/* The visit worker's /readyz: its events can be delivered now. */
static int
record_ready(void *ctx, char *err, size_t errlen)
{
    record_app *app = ctx;

    return producer_ping(app->p, RECORD_READY_MS, err, errlen);
}

/* Requests nginx marks with VISITS_PROBE (its monitoring locations; a
 * visitor cannot set it) are monitoring; the rest are visits, counted by
 * status. */
static void
record_handle(void *ctx, void *tctx, FCGX_Request *req)
{
    record_app *app = ctx;
    const char *probe = http_param(req, "VISITS_PROBE");

    if (probe[0] != '\0') {
        http_probe_app pa = { app, record_metrics, record_ready };
        http_probe(req, probe, &pa, tctx);
        return;
    }
    wstats_count(&app->answers, record_visit(app, tctx, req));
}

int
main(int argc, char **argv)
{
    char err[512];
    sigset_t stop;
    record_app ra;
    producer *p = NULL;
    config c;
    int rc;

    fsrv_block_signals(&stop);
    if ((rc = config_main(&c, CONFIG_RECORD, argc, argv)) >= 0)
        return rc;
    p = producer_create(&c, err, sizeof(err));
    if (p == NULL) {
        log_error("%s", err);
        config_free(&c);
        return 1;
    }
    log_info("producing to topic \"%s\" via %s", c.topic, c.brokers);
    memset(&ra, 0, sizeof(ra));
    ra.p = p;
    fsrv_app app = { &ra, record_thread_init, record_thread_free, record_handle };
    rc = fsrv_run(c.socket, (int)c.threads, &app, &stop);
    /* No request is being handled any more: deliver what is queued. */
    producer_free(p, RECORD_FLUSH_MS);
    config_free(&c);
    return rc < 0 ? 1 : 0;
}
