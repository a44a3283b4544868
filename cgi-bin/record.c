/* visits-record - the visit worker: a FastCGI server that records one visit
 * event per GET or HEAD request, produces it to Kafka without waiting, and
 * answers a small demo page at once. */
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
#include "producer.h"
#include "vtime.h"

#define RECORD_FLUSH_MS 10000

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

/* Records the visit, then answers the demo page naming the path. */
static void
record_handle(void *ctx, void *tctx, FCGX_Request *req)
{
    producer *p = ctx;
    buf *page = tctx;
    event ev;

    if (!http_get_or_head(req))
        return;
    event_init(&ev, vtime_now_ms(), http_param(req, "REQUEST_URI"),
               http_param(req, "HTTP_REFERER"), http_param(req, "HTTP_USER_AGENT"),
               http_param(req, "REMOTE_ADDR"));
    /* A dropped event is counted and logged by the producer; the visitor
     * still gets the page. */
    producer_send(p, &ev);

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
        return;
    }
    http_respond(req, 200, "text/html; charset=utf-8", "Cache-Control: no-store\r\n",
                 page->data, page->len);
}

int
main(int argc, char **argv)
{
    char err[512];
    sigset_t stop;
    producer *p = NULL;
    config c;
    int rc;

    fsrv_block_signals(&stop);
    rc = config_load(&c, CONFIG_RECORD, argc, argv, err, sizeof(err));
    if (rc != 0) {
        if (rc < 0)
            fprintf(stderr, "%s: %s\n", program_invocation_short_name, err);
        config_free(&c);
        return rc < 0 ? 2 : 0;
    }
    log_set_level(c.log_level);
    p = producer_create(&c, err, sizeof(err));
    if (p == NULL) {
        log_error("%s", err);
        config_free(&c);
        return 1;
    }
    log_info("producing to topic \"%s\" via %s", c.topic, c.brokers);
    fsrv_app app = { p, record_thread_init, record_thread_free, record_handle };
    rc = fsrv_run(c.socket, (int)c.threads, &app, &stop);
    /* No request is being handled any more: deliver what is queued. */
    producer_free(p, RECORD_FLUSH_MS);
    config_free(&c);
    return rc < 0 ? 1 : 0;
}
