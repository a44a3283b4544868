/* visits-record - the visit worker: a FastCGI server that turns page views
 * into visit events and produces them to Kafka without waiting. Page views
 * come three ways, told apart by the VISITS_INTAKE parameter nginx sets
 * (a visitor cannot): "mirror", the requests nginx mirrors from a site's
 * locations (nginx/visits-count.conf), answered 204, which nginx drops;
 * "event", the events API and the script's beacon (POST /visits/event,
 * JSON), answered 202; "pixel", GET /visits/pixel.gif, answered with a
 * 1x1 GIF. All three end in the same event. Requests nginx marks with
 * VISITS_PROBE (its monitoring locations) get /metrics, /healthz or
 * /readyz instead. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "config.h"
#include "event.h"
#include "fcgi_loop.h"
#include "http.h"
#include "intake.h"
#include "log.h"
#include "metrics.h"
#include "producer.h"
#include "readiness.h"
#include "sites.h"
#include "timestamp.h"
#include "record_stats.h"

#define RECORD_FLUSH_MS 10000
#define RECORD_STOP_WAIT_MS 5000  /* record_before_stop, serving meanwhile */
#define RECORD_READY_MS 2000    /* a readiness check waits this long for Kafka */
#define RECORD_READY_EVERY_MS 1000  /* how often readiness is checked */
#define RECORD_IO_TIMEOUT_MS 10000  /* for a FastCGI request or answer that stalls */
#define RECORD_IDLE_TIMEOUT_MS 300000   /* for an idle kept connection */
#define RECORD_HOST_LOG_MAX 64  /* bytes of a refused host name logged */

/* The ways page views come in, for their counters. */
enum record_intake { INTAKE_MIRROR, INTAKE_EVENT, INTAKE_PIXEL, INTAKE_COUNT };
static const char *const record_intake_names[INTAKE_COUNT] = { "mirror", "event",
                                                               "pixel" };

typedef struct record_app {
    producer *p;
    const sites *sites;
    readiness *ready;                 /* checked in the background */
    fcgi_loop_stats server;           /* the FastCGI server's counters */
    record_stats answers;             /* page views, by status */
    _Atomic uint64_t views[INTAKE_COUNT];   /* page views recorded, by intake */
    _Atomic uint64_t unknown_site;  /* page views of hosts not in sites */
    log_limit site_log;
} record_app;

/* The smallest transparent GIF: 1x1, one palette entry. */
static const unsigned char record_gif[] = {
    'G', 'I', 'F', '8', '9', 'a', 1, 0, 1, 0, 0x80, 0, 0, 0, 0, 0, 0xff, 0xff,
    0xff, '!', 0xf9, 4, 1, 0, 0, 0, 0, ',', 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2,
    'D', 1, 0, ';',
};

static void *
record_thread_init(void *ctx, int *failed)
{
    buf *scratch = calloc(1, sizeof(*scratch));

    (void)ctx;
    *failed = scratch == NULL;
    return scratch;
}

static void
record_thread_free(void *ctx, void *tctx)
{
    (void)ctx;
    buf_free(tctx);
    free(tctx);
}

/* Counts a page view of a host that is not one of the sites (or, from
 * the events API and the pixel, of a site that does not match its URL or
 * origin) and, when host is not NULL, logs it at most once a second: a
 * site not configured yet, or a client inventing Host headers. Only
 * letters, digits and ".-:[]_" of host are shown. */
static void
record_unknown_site(record_app *app, const char *host)
{
    char shown[RECORD_HOST_LOG_MAX + 1];
    uint64_t hits;
    size_t i;

    atomic_fetch_add_explicit(&app->unknown_site, 1, memory_order_relaxed);
    if (host == NULL || (hits = log_limit_hit(&app->site_log)) == 0)
        return;
    for (i = 0; host[i] != '\0' && i < RECORD_HOST_LOG_MAX; i++) {
        char ch = host[i];
        shown[i] = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z')
                   || (ch >= '0' && ch <= '9') || strchr(".-:[]_", ch) ? ch : '?';
    }
    shown[i] = '\0';
    log_warn("page views of a host that is not in sites are not counted: "
             "host=\"%s\" count=%llu", shown, (unsigned long long)hits);
}

/* Records one page view of site: the one way from request to event, for
 * every intake. uri is the page's path (with any query), ref the referrer
 * ("" for internal navigation); the user agent and client address are the
 * request's own. A dropped event is counted and logged by the producer;
 * the client gets its answer anyway. */
static void
record_view(record_app *app, enum record_intake intake, http_request *req,
            const char *site, const char *uri, const char *ref)
{
    event ev;

    event_init(&ev, timestamp_now_ms(), site, uri, ref,
               http_param(req, "HTTP_USER_AGENT"),
               http_param(req, "REMOTE_ADDR"));
    producer_send(app->p, &ev);
    atomic_fetch_add_explicit(&app->views[intake], 1, memory_order_relaxed);
}

/* Answers status with a one-line reason and the extra headers (CORS). */
static int
record_refuse(http_request *req, int status, const char *headers, const char *why)
{
    char body[320], extra[512];
    int n = snprintf(body, sizeof(body), "%s\n", why);

    snprintf(extra, sizeof(extra), "Cache-Control: no-store\r\n%s", headers);
    http_respond(req, status, "text/plain; charset=utf-8", extra, body,
                 n < 0 ? 0 : (size_t)n < sizeof(body) ? (size_t)n : sizeof(body) - 1);
    return status;
}

/* A page view nginx mirrored: the original request's method, URI, host,
 * referrer, user agent and client address. nginx's rules
 * (nginx/visits-pageview.conf) decided that it is a page view; here the
 * method and the site are checked. Answers 204 (nginx drops it), 403 for
 * a host that is not one of the sites, 405 for a method other than GET or
 * HEAD. Returns the status answered. */
static int
record_mirrored(record_app *app, http_request *req)
{
    const char *host = http_param(req, "HTTP_HOST"), *site;
    char ref[EVENT_REF_MAX + 1];

    if (!http_get_or_head(req))
        return 405;
    site = sites_lookup(app->sites, host, strlen(host));
    if (site == NULL) {
        record_unknown_site(app, host);
        return record_refuse(req, 403, "", "this host is not one of the sites counted here");
    }
    intake_referrer(app->sites, site, http_param(req, "HTTP_REFERER"), ref, sizeof(ref));
    record_view(app, INTAKE_MIRROR, req, site, http_param(req, "REQUEST_URI"), ref);
    http_no_content(req, "Cache-Control: no-store\r\n");
    return 204;
}

/* Returns 1 when the Content-Type value type is application/json or
 * text/plain (what navigator.sendBeacon sends a string as), with any
 * parameters. */
static int
record_body_type_ok(const char *type)
{
    static const char *const ok[] = { "application/json", "text/plain" };

    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        size_t n = strlen(ok[i]);
        if (strncasecmp(type, ok[i], n) == 0
            && (type[n] == '\0' || type[n] == ';' || type[n] == ' '))
            return 1;
    }
    return 0;
}

/* The events API and the script's beacon: POST /visits/event with a JSON
 * body (lib/record/intake.h), and the CORS preflight (OPTIONS) browsers send
 * first for some requests. Browsers on a page of one of the sites get
 * the CORS headers they need; other origins do not. nginx has read the
 * whole body already, bounded (client_max_body_size) and with a timeout,
 * so reading it here never waits on the client. Answers 202, 204 to a
 * preflight, or 400, 403, 405, 413, 415 with a one-line reason. Returns
 * the status answered. */
static int
record_event(record_app *app, http_request *req)
{
    const char *method = http_param(req, "REQUEST_METHOD");
    const char *origin = http_param(req, "HTTP_ORIGIN");
    const char *length = http_param(req, "CONTENT_LENGTH");
    char cors[512] = "Vary: Origin\r\n", body[INTAKE_BODY_MAX + 1], err[256];
    int allowed = origin[0] != '\0' && intake_origin_site(app->sites, origin) != NULL;
    intake_view v;
    long declared;
    int n, rc;

    /* An origin of a site went through intake_url_split: no CR, LF or
     * space can reach the header. */
    if (allowed)
        snprintf(cors, sizeof(cors), "Access-Control-Allow-Origin: %.300s\r\n"
                 "Vary: Origin\r\n", origin);
    if (strcmp(method, "OPTIONS") == 0) {
        if (!allowed)
            return record_refuse(req, 403, cors, "this origin is not one of the "
                                 "sites counted here");
        strncat(cors, "Access-Control-Allow-Methods: POST\r\n"
                "Access-Control-Allow-Headers: Content-Type\r\n"
                "Access-Control-Max-Age: 86400\r\n", sizeof(cors) - strlen(cors) - 1);
        http_no_content(req, cors);
        return 204;
    }
    if (strcmp(method, "POST") != 0) {
        strncat(cors, "Allow: POST, OPTIONS\r\n", sizeof(cors) - strlen(cors) - 1);
        return record_refuse(req, 405, cors, "method not allowed: send the event with "
                             "POST");
    }
    if (!record_body_type_ok(http_param(req, "CONTENT_TYPE")))
        return record_refuse(req, 415, cors, "the body must be application/json "
                             "(or text/plain, as navigator.sendBeacon sends it)");
    declared = strtol(length, NULL, 10);
    if (declared > INTAKE_BODY_MAX) {
        snprintf(err, sizeof(err), "the body is larger than %d bytes", INTAKE_BODY_MAX);
        return record_refuse(req, 413, cors, err);
    }
    n = (int)http_read(req, body, sizeof(body));
    if (n > INTAKE_BODY_MAX) {
        snprintf(err, sizeof(err), "the body is larger than %d bytes", INTAKE_BODY_MAX);
        return record_refuse(req, 413, cors, err);
    }
    rc = intake_parse_event(app->sites, body, (size_t)n, origin, &v, err,
                            sizeof(err));
    if (rc != 0) {
        if (rc == 403)
            record_unknown_site(app, NULL);
        return record_refuse(req, rc, cors, err);
    }
    record_view(app, INTAKE_EVENT, req, v.site, v.uri, v.ref);
    strncat(cors, "Cache-Control: no-store\r\n", sizeof(cors) - strlen(cors) - 1);
    http_respond(req, 202, "text/plain; charset=utf-8", cors, "accepted\n", 9);
    return 202;
}

/* The pixel: GET /visits/pixel.gif?site=...&url=...[&ref=...] for pages
 * that cannot run the script. Counted as the events API counts, but for a
 * prefetch; answered with a 1x1 GIF that is never cached, or a 4xx with
 * a one-line reason. Returns the status answered. */
static int
record_pixel(record_app *app, http_request *req)
{
    const char *purpose = http_param(req, "HTTP_SEC_PURPOSE");
    char err[256];
    intake_view v;
    int rc;

    if (!http_get_or_head(req))
        return 405;
    rc = intake_parse_pixel(app->sites, http_param(req, "QUERY_STRING"), &v, err,
                            sizeof(err));
    if (rc != 0) {
        if (rc == 403)
            record_unknown_site(app, NULL);
        return record_refuse(req, rc, "", err);
    }
    if (strstr(purpose, "prefetch") == NULL && strstr(purpose, "prerender") == NULL)
        record_view(app, INTAKE_PIXEL, req, v.site, v.uri, v.ref);
    http_respond(req, 200, "image/gif", "Cache-Control: no-store, max-age=0\r\n",
                 (const char *)record_gif, sizeof(record_gif));
    return 200;
}

/* The FastCGI server's counters. */
static void
record_server_metrics(fcgi_loop_stats *st, buf *out)
{
#define RECORD_LOAD(field) atomic_load_explicit(&st->field, memory_order_relaxed)
    metrics_gauge(out, "visits_record_fastcgi_connections",
                  "FastCGI connections open now.", (double)RECORD_LOAD(open));
    metrics_counter(out, "visits_record_fastcgi_connections_total",
                    "FastCGI connections accepted.", RECORD_LOAD(accepted));
    metrics_counter(out, "visits_record_fastcgi_refused_total",
                    "FastCGI connections refused: their user is not in "
                    "fastcgi-users.", RECORD_LOAD(refused));
    metrics_counter(out, "visits_record_fastcgi_requests_total",
                    "FastCGI requests answered.", RECORD_LOAD(requests));
    metrics_counter(out, "visits_record_fastcgi_too_large_total",
                    "FastCGI requests answered 431: their parameters did not "
                    "fit.", RECORD_LOAD(too_large));
    metrics_counter(out, "visits_record_fastcgi_timeouts_total",
                    "FastCGI connections dropped after stalling mid-request "
                    "or mid-answer.", RECORD_LOAD(timed_out));
    metrics_counter(out, "visits_record_fastcgi_protocol_errors_total",
                    "FastCGI connections dropped on a protocol error.",
                    RECORD_LOAD(protocol_errors));
#undef RECORD_LOAD
}

/* The visit worker's /metrics: pages by status and its producer's
 * counters. */
static void
record_metrics(void *ctx, buf *out)
{
    record_app *app = ctx;
    producer_stats st;

    producer_stats_get(app->p, &st);
    record_stats_render(&app->answers, "visits_record_requests_total",
                  "Page views answered, by HTTP status.", out);
    {
        const char *labels[2] = { "intake", NULL };
        metrics_family(out, "visits_record_page_views_total", "counter",
                       "Page views recorded, by the way they came in.");
        for (int i = 0; i < INTAKE_COUNT; i++) {
            labels[1] = record_intake_names[i];
            metrics_sample_u64(out, "visits_record_page_views_total", labels, 1,
                               atomic_load_explicit(&app->views[i],
                                                    memory_order_relaxed));
        }
    }
    metrics_counter(out, "visits_record_unknown_site_total",
                    "Page views refused because their host is not one of "
                    "the sites.",
                    atomic_load_explicit(&app->unknown_site, memory_order_relaxed));
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
    record_server_metrics(&app->server, out);
}

/* The readiness check, run every RECORD_READY_EVERY_MS by a thread of
 * its own (a readiness_check): its events can be delivered now. */
static int
record_check_ready(void *ctx, buf *why)
{
    record_app *app = ctx;
    char err[256];

    if (producer_ping(app->p, RECORD_READY_MS, err, sizeof(err)) < 0) {
        buf_printf(why, "not ready: %s\n", err);
        return 0;
    }
    return 1;
}

/* The visit worker's /readyz: the last check's answer, at most
 * RECORD_READY_EVERY_MS old; the event loop never waits for Kafka. */
static int
record_ready(void *ctx, buf *out)
{
    record_app *app = ctx;

    return readiness_answer(app->ready, out);
}

/* Requests nginx marks with VISITS_PROBE (its monitoring locations; a
 * visitor cannot set it) are monitoring; the rest are visits, counted by
 * status. */
static void
record_handle(void *ctx, void *tctx, http_request *req)
{
    record_app *app = ctx;
    const char *probe = http_param(req, "VISITS_PROBE");
    const char *intake = http_param(req, "VISITS_INTAKE");
    int status;

    if (probe[0] != '\0') {
        probe_app pa = { app, record_metrics, NULL, record_ready };
        http_probe(req, probe, &pa, tctx);
        return;
    }
    if (strcmp(intake, "mirror") == 0)
        status = record_mirrored(app, req);
    else if (strcmp(intake, "event") == 0)
        status = record_event(app, req);
    else if (strcmp(intake, "pixel") == 0)
        status = record_pixel(app, req);
    else
        status = record_refuse(req, 404, "", "not found: nginx routes page views "
                               "here with VISITS_INTAKE");
    record_stats_count(&app->answers, status);
}

/* On the stop signal, still serving: waits for what was sent so far to be
 * delivered, so that the final flush, once this worker no longer accepts
 * and before its successor starts, holds only the last few events. With a
 * real broker that flush took up to 0.8 s, and page views waited for the
 * successor meanwhile (some longer than nginx waits). */
static void
record_before_stop(void *ctx)
{
    record_app *app = ctx;

    if (producer_wait_sent(app->p, RECORD_STOP_WAIT_MS) < 0)
        log_warn("events sent before the stop not delivered within %d ms; "
                 "stopping anyway", RECORD_STOP_WAIT_MS);
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

    fcgi_app_block_signals(&stop);
    if ((rc = config_main(&c, CONFIG_RECORD, argc, argv)) >= 0)
        return rc;
    kafka_settings ks = config_kafka(&c);
    p = producer_create(&ks, c.topic, err, sizeof(err));
    if (p == NULL) {
        log_error("%s", err);
        config_free(&c);
        return 1;
    }
    log_info("producing to topic \"%s\" via %s sites=%zu default_site=%s", c.topic,
             c.brokers, sites_count(c.sites), sites_name(c.sites, 0));
    memset(&ra, 0, sizeof(ra));
    ra.p = p;
    ra.sites = c.sites;
    ra.ready = readiness_new(record_check_ready, &ra, RECORD_READY_EVERY_MS);
    if (ra.ready == NULL || readiness_watch(ra.ready, RECORD_READY_EVERY_MS) < 0) {
        log_error("could not start the readiness checks");
        readiness_free(ra.ready);
        producer_free(p, RECORD_FLUSH_MS);
        config_free(&c);
        return 1;
    }
    fcgi_app app = { &ra,           record_thread_init, record_thread_free,
                     record_handle, record_before_stop, c.fastcgi_users };
    fcgi_loop_settings ls = { (int)c.threads, (int)c.connections, RECORD_IO_TIMEOUT_MS,
                              RECORD_IDLE_TIMEOUT_MS, &ra.server };
    rc = fcgi_loop_run(c.socket, &ls, &app, &stop);
    /* No request is being handled any more: deliver what is queued. */
    readiness_free(ra.ready);
    producer_free(p, RECORD_FLUSH_MS);
    config_free(&c);
    return rc < 0 ? 1 : 0;
}
