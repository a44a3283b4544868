/* check_http_listener - the monitoring listener: answers, limits, bad requests,
 * idle clients and addresses, over real loopback connections; the
 * readiness answer it serves, cached and checked one at a time; and the
 * probe router every program's monitoring endpoints go through. */
#include <arpa/inet.h>
#include <check.h>
#include <pthread.h>
#include <errno.h>
#include <stdatomic.h>
#include <time.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http_listener.h"
#include "metrics.h"
#include "probe.h"
#include "readiness.h"

/* Answers /ok with "fine", /busy with 503, anything else 404, and counts
 * the calls. */
static int
fake_handler(void *ctx, const char *path, buf *body, const char **type)
{
    atomic_int *calls = ctx;

    (*calls)++;
    if (strcmp(path, "/ok") == 0) {
        *type = "text/plain; version=0.0.4";
        buf_puts(body, "fine\n");
        return 200;
    }
    if (strcmp(path, "/slow") == 0) {
        usleep(1000 * 1000);    /* a /readyz waiting for Kafka */
        buf_puts(body, "slow\n");
        return 200;
    }
    if (strcmp(path, "/busy") == 0) {
        buf_puts(body, "not ready: postgresql\n");
        return 503;
    }
    buf_puts(body, "no such page\n");
    return 404;
}

/* Sends len bytes of req (no shutdown when keep_open) to the server and
 * returns what it answered, in a static buffer. */
static const char *
exchange(const http_listener *s, const char *req, size_t len, int keep_open)
{
    static char answer[65536];
    struct sockaddr_in sin;
    const char *port = strrchr(http_listener_address(s), ':') + 1;
    size_t got = 0;
    ssize_t n;
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_port = htons((uint16_t)atoi(port));
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
    for (size_t off = 0; off < len; off += (size_t)n) {
        n = send(fd, req + off, len - off, MSG_NOSIGNAL);
        if (n <= 0)
            break;  /* the server may answer and close before the end */
    }
    if (!keep_open)
        shutdown(fd, SHUT_WR);
    while (got < sizeof(answer) - 1
           && (n = recv(fd, answer + got, sizeof(answer) - 1 - got, 0)) > 0)
        got += (size_t)n;
    answer[got] = '\0';
    close(fd);
    return answer;
}

static const char *
get(const http_listener *s, const char *req)
{
    return exchange(s, req, strlen(req), 0);
}

/* The status of an answer ("HTTP/1.x NNN ..."), or 0 when it is none. */
static int
status_of(const char *answer)
{
    int status = 0;

    if (strncmp(answer, "HTTP/1.", 7) != 0 || sscanf(answer + 9, "%3d", &status) != 1)
        return 0;
    return status;
}

static double
ms_since(const struct timespec *t0)
{
    struct timespec t1;

    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) * 1e3
           + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

START_TEST(test_answers)
{
    char err[256];
    atomic_int calls = 0;
    http_listener *s = http_listener_start("127.0.0.1:0", fake_handler, &calls,
                                           err, sizeof(err));
    const char *a;

    ck_assert_msg(s != NULL, "%s", err);
    ck_assert_str_ne(strrchr(http_listener_address(s), ':'), ":0");

    a = get(s, "GET /ok HTTP/1.1\r\nHost: x\r\n\r\n");
    ck_assert_msg(status_of(a) == 200, "%s", a);
    ck_assert_ptr_nonnull(strstr(a, "Cache-Control: no-store\r\n"));
    ck_assert_ptr_nonnull(strstr(a, "Content-Type: text/plain; version=0.0.4\r\n"));
    ck_assert_ptr_nonnull(strstr(a, "Content-Length: 5\r\n"));
    ck_assert_ptr_nonnull(strstr(a, "\r\n\r\nfine\n"));

    a = get(s, "GET /ok?x=1 HTTP/1.0\r\n\r\n");     /* a query */
    ck_assert_msg(status_of(a) == 200, "%s", a);

    a = get(s, "HEAD /ok HTTP/1.1\r\nHost: x\r\n\r\n");
    ck_assert_ptr_nonnull(strstr(a, "Content-Length: 5\r\n"));
    ck_assert_msg(strstr(a, "fine") == NULL, "HEAD carried a body: %s", a);

    a = get(s, "GET /busy HTTP/1.0\r\n\r\n");
    ck_assert_msg(status_of(a) == 503, "%s", a);
    ck_assert_ptr_nonnull(strstr(a, "not ready: postgresql"));

    a = get(s, "GET /nothing HTTP/1.0\r\n\r\n");
    ck_assert_msg(status_of(a) == 404, "%s", a);
    ck_assert_int_eq(calls, 5);
    http_listener_stop(s);
}
END_TEST


/* Opens a connection and sends req without reading the answer. */
static int
send_only(const http_listener *s, const char *req)
{
    struct sockaddr_in sin;
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_port
        = htons((uint16_t)atoi(strrchr(http_listener_address(s), ':') + 1));
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
    ck_assert_int_eq(send(fd, req, strlen(req), 0), (ssize_t)strlen(req));
    return fd;
}

START_TEST(test_slow_does_not_block)
{
    struct timespec t0;
    char err[256], answer[256];
    atomic_int calls = 0;
    http_listener *s = http_listener_start("127.0.0.1:0", fake_handler, &calls,
                                           err, sizeof(err));
    int slow[2];
    double ms;

    ck_assert_msg(s != NULL, "%s", err);
    slow[0] = send_only(s, "GET /slow HTTP/1.0\r\n\r\n");
    slow[1] = send_only(s, "GET /slow HTTP/1.0\r\n\r\n");
    usleep(100 * 1000);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    ck_assert_msg(status_of(get(s, "GET /ok HTTP/1.0\r\n\r\n")) == 200,
                  "no 200 beside two slow requests");
    ms = ms_since(&t0);
    ck_assert_msg(ms < 500, "/ok took %.0f ms behind two slow requests", ms);
    for (int i = 0; i < 2; i++) {
        ssize_t n = recv(slow[i], answer, sizeof(answer) - 1, MSG_WAITALL);
        ck_assert_int_gt(n, 0);
        answer[n] = '\0';
        ck_assert_msg(strstr(answer, "\r\n\r\nslow\n") != NULL, "%s", answer);
        close(slow[i]);
    }
    http_listener_stop(s);
}
END_TEST
START_TEST(test_bad_requests)
{
    struct timespec t0;
    char err[256], *big;
    atomic_int calls = 0;
    http_listener *s = http_listener_start("127.0.0.1:0", fake_handler, &calls,
                                           err, sizeof(err));
    const char *a;
    double ms;

    ck_assert_msg(s != NULL, "%s", err);
    a = get(s, "POST /ok HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
    ck_assert_msg(status_of(a) == 405, "%s", a);
    ck_assert_ptr_nonnull(strstr(a, "Allow: GET, HEAD\r\n"));
    a = get(s, "GET ok HTTP/1.1\r\nHost: x\r\n\r\n");
    ck_assert_msg(status_of(a) == 400, "%s", a);
    a = get(s, "GET /ok\r\n\r\n");              /* HTTP/0.9 */
    ck_assert_msg(status_of(a) == 400, "%s", a);

    big = malloc(HTTP_LISTENER_REQUEST_MAX * 3);
    memset(big, 'a', HTTP_LISTENER_REQUEST_MAX * 3);
    memcpy(big, "GET /ok HTTP/1.1\r\nX: ", 21);
    a = exchange(s, big, HTTP_LISTENER_REQUEST_MAX * 3, 0);
    ck_assert_msg(status_of(a) == 431, "%.60s", a);
    free(big);

    /* A client that sends half a request and waits is cut off in time,
     * and the server then answers the next one. */
    clock_gettime(CLOCK_MONOTONIC, &t0);
    a = exchange(s, "GET /ok HT", 10, 1);
    ms = ms_since(&t0);
    ck_assert_msg(ms < HTTP_LISTENER_IDLE_TIMEOUT_S * 1000 + 1500,
                  "half a request held %.0f ms", ms);
    ck_assert_msg(status_of(get(s, "GET /ok HTTP/1.0\r\n\r\n")) == 200, "no 200 after");
    ck_assert_int_eq(calls, 1);
    http_listener_stop(s);
}
END_TEST

/* Opens a connection to s from the loopback address from (127.0.0.x) and
 * sends nothing. Returns the socket. */
static int
connect_from(const http_listener *s, const char *from)
{
    struct sockaddr_in src, dst;
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    memset(&src, 0, sizeof(src));
    src.sin_family = AF_INET;
    inet_pton(AF_INET, from, &src.sin_addr);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&src, sizeof(src)), 0);
    memset(&dst, 0, sizeof(dst));
    dst.sin_family = AF_INET;
    dst.sin_port
        = htons((uint16_t)atoi(strrchr(http_listener_address(s), ':') + 1));
    dst.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&dst, sizeof(dst)), 0);
    return fd;
}

/* Idle connections from a few clients (more than the old listener's 8
 * threads) neither hold up a scrape from another address nor take more
 * than their share: one address gets at most HTTP_LISTENER_MAX_PER_ADDRESS. */
START_TEST(test_idle_clients)
{
    enum { CLIENTS = 5, EACH = HTTP_LISTENER_MAX_PER_ADDRESS + 4 };
    struct timespec t0;
    char err[256], from[32], byte;
    atomic_int calls = 0;
    http_listener *s = http_listener_start("127.0.0.1:0", fake_handler, &calls,
                                           err, sizeof(err));
    int idle[CLIENTS][EACH], open_ones = 0, closed = 0;
    double ms;

    ck_assert_msg(s != NULL, "%s", err);
    for (int c = 0; c < CLIENTS; c++) {
        snprintf(from, sizeof(from), "127.0.0.%d", c + 2);
        for (int i = 0; i < EACH; i++)
            idle[c][i] = connect_from(s, from);
    }
    usleep(200 * 1000);     /* let the listener accept what it will */
    for (int round = 0; round < 3; round++) {
        clock_gettime(CLOCK_MONOTONIC, &t0);
        ck_assert_msg(status_of(get(s, "GET /ok HTTP/1.0\r\n\r\n")) == 200,
                      "no 200 beside %d idle connections", CLIENTS * EACH);
        ms = ms_since(&t0);
        ck_assert_msg(ms < 200, "/ok took %.0f ms beside idle connections", ms);
    }
    /* Past its share, a client's connections were closed at once. */
    for (int c = 0; c < CLIENTS; c++)
        for (int i = 0; i < EACH; i++) {
            ssize_t n = recv(idle[c][i], &byte, 1, MSG_DONTWAIT);

            if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK))
                closed++;
            else
                open_ones++;
            close(idle[c][i]);
        }
    ck_assert_msg(open_ones <= CLIENTS * HTTP_LISTENER_MAX_PER_ADDRESS,
                  "%d connections kept open for %d clients", open_ones, CLIENTS);
    ck_assert_int_eq(closed, CLIENTS * (EACH - HTTP_LISTENER_MAX_PER_ADDRESS));
    http_listener_stop(s);
}
END_TEST

START_TEST(test_addresses)
{
    static const char *const bad[] = {
        "9187", "localhost", ":9187", "127.0.0.1:", "127.0.0.1:x",
        "127.0.0.1:70000", "[::1]9187", "[::1", "",
    };
    char err[256];
    atomic_int calls = 0;
    http_listener *s;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        s = http_listener_start(bad[i], fake_handler, &calls, err, sizeof(err));
        ck_assert_msg(s == NULL, "\"%s\" was accepted", bad[i]);
        ck_assert_msg(strstr(err, "not host:port") != NULL, "%s: %s", bad[i], err);
    }
    /* A port in use names the address and the reason. */
    s = http_listener_start("127.0.0.1:0", fake_handler, &calls, err,
                            sizeof(err));
    ck_assert_ptr_nonnull(s);
    char addr[96];
    snprintf(addr, sizeof(addr), "%s", http_listener_address(s));
    ck_assert_ptr_null(
        http_listener_start(addr, fake_handler, &calls, err, sizeof(err)));
    ck_assert_msg(strstr(err, addr) && strstr(err, "in use"), "%s", err);
    http_listener_stop(s);
    http_listener_stop(NULL);
}
END_TEST


/* A readiness check that answers what *state says; while *hold is set it
 * waits (a PostgreSQL login that hangs). */
typedef struct fake_services {
    atomic_int ready;
    atomic_int hold;
    atomic_int inside;
} fake_services;

static int
fake_check(void *ctx, buf *why)
{
    fake_services *f = ctx;

    atomic_fetch_add(&f->inside, 1);
    while (atomic_load(&f->hold))
        usleep(1000);
    atomic_fetch_sub(&f->inside, 1);
    if (atomic_load(&f->ready))
        return 1;
    buf_puts(why, "not ready: postgresql refused\n");
    return 0;
}

/* answer: the status, with the body in text. */
static int
answer_at(readiness *r, int64_t now, char *text, size_t len)
{
    buf body = BUF_INIT;
    int status = readiness_answer_at(r, now, &body);

    snprintf(text, len, "%.*s", (int)body.len, body.data ? body.data : "");
    buf_free(&body);
    return status;
}

/* However often it is asked, the services are checked once per max age,
 * and a change shows within it. */
START_TEST(test_readiness_cached)
{
    fake_services f = { 1, 0, 0 };
    readiness *r = readiness_new(fake_check, &f, 1000);
    char text[256];

    ck_assert_ptr_nonnull(r);
    for (int64_t t = 5000; t < 5999; t += 10) {
        ck_assert_int_eq(answer_at(r, t, text, sizeof(text)), 200);
        ck_assert_str_eq(text, "ready\n");
    }
    ck_assert_int_eq(readiness_checks(r), 1);
    atomic_store(&f.ready, 0);
    ck_assert_int_eq(answer_at(r, 5999, text, sizeof(text)), 200);     /* cached */
    ck_assert_int_eq(answer_at(r, 6000, text, sizeof(text)), 503);
    ck_assert_str_eq(text, "not ready: postgresql refused\n");
    ck_assert_int_eq(answer_at(r, 6500, text, sizeof(text)), 503);
    ck_assert_int_eq(readiness_checks(r), 2);
    readiness_free(r);
    readiness_free(NULL);
}
END_TEST

typedef struct asker {
    readiness *r;
    int64_t now;
    int status;
    char text[256];
} asker;

static void *
ask(void *arg)
{
    asker *a = arg;

    a->status = answer_at(a->r, a->now, a->text, sizeof(a->text));
    return NULL;
}

/* While one caller's check hangs, the others are answered at once with
 * the last result (503 before the first), and start no check of their
 * own. */
START_TEST(test_readiness_one_check_at_a_time)
{
    fake_services f = { 1, 1, 0 };
    readiness *r = readiness_new(fake_check, &f, 1000);
    asker first = { r, 100000, 0, "" }, other = { r, 100000, 0, "" };
    pthread_t t;

    ck_assert_ptr_nonnull(r);
    ck_assert_int_eq(pthread_create(&t, NULL, ask, &first), 0);
    while (atomic_load(&f.inside) == 0)
        usleep(1000);
    ask(&other);
    ck_assert_int_eq(other.status, 503);
    ck_assert_msg(strstr(other.text, "still running") != NULL, "%s", other.text);
    ck_assert_int_eq(readiness_checks(r), 1);
    atomic_store(&f.hold, 0);
    pthread_join(t, NULL);
    ck_assert_int_eq(first.status, 200);

    /* Stale now, and a check hangs: the others get the last result. */
    atomic_store(&f.hold, 1);
    atomic_store(&f.ready, 0);
    first.now = 200000;
    ck_assert_int_eq(pthread_create(&t, NULL, ask, &first), 0);
    while (atomic_load(&f.inside) == 0)
        usleep(1000);
    other.status = answer_at(r, 200001, other.text, sizeof(other.text));
    ck_assert_int_eq(other.status, 200);
    atomic_store(&f.hold, 0);
    pthread_join(t, NULL);
    ck_assert_int_eq(first.status, 503);
    ck_assert_int_eq(readiness_checks(r), 2);
    readiness_free(r);
}
END_TEST

static void
fake_metrics(void *ctx, buf *out)
{
    (void)ctx;
    buf_puts(out, "# TYPE x counter\nx 1\n");
}

static int
fake_dead(void *ctx, buf *out)
{
    (void)ctx;
    buf_puts(out, "not alive: stuck\n");
    return 503;
}

static int
fake_ready(void *ctx, buf *out)
{
    int *ready = ctx;

    buf_puts(out, *ready ? "ready\n" : "not ready: kafka\n");
    return *ready ? 200 : 503;
}

/* One router for every program's monitoring endpoints. */
START_TEST(test_probe_router)
{
    int ready = 1;
    probe_app app = { &ready, fake_metrics, NULL, fake_ready };
    buf body = BUF_INIT;
    const char *type;

    buf_puts(&body, "left over");
    ck_assert_int_eq(probe_answer(&app, "metrics", &body, &type), 200);
    ck_assert_str_eq(type, METRICS_CONTENT_TYPE);
    ck_assert_str_eq(body.data, "# TYPE x counter\nx 1\n");
    ck_assert_int_eq(probe_answer(&app, "healthz", &body, &type), 200);
    ck_assert_str_eq(body.data, "alive\n");
    ck_assert_str_eq(type, "text/plain; charset=utf-8");
    ck_assert_int_eq(probe_answer(&app, "readyz", &body, &type), 200);
    ck_assert_str_eq(body.data, "ready\n");
    ready = 0;
    ck_assert_int_eq(probe_answer(&app, "readyz", &body, &type), 503);
    ck_assert_str_eq(body.data, "not ready: kafka\n");
    app.alive = fake_dead;
    ck_assert_int_eq(probe_answer(&app, "healthz", &body, &type), 503);
    ck_assert_str_eq(body.data, "not alive: stuck\n");
    for (const char *const *n = (const char *const[]){ "", "Metrics", "metrics/x", "x", NULL };
         *n; n++) {
        ck_assert_int_eq(probe_answer(&app, *n, &body, &type), 404);
        ck_assert_str_eq(body.data, "not found: metrics, healthz and readyz are served here\n");
    }
    buf_free(&body);
}
END_TEST

static Suite *
http_listener_suite(void)
{
    Suite *s = suite_create("http_listener");
    TCase *tc = tcase_create("serve");

    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_answers);
    tcase_add_test(tc, test_bad_requests);
    tcase_add_test(tc, test_slow_does_not_block);
    tcase_add_test(tc, test_idle_clients);
    tcase_add_test(tc, test_addresses);
    suite_add_tcase(s, tc);
    tc = tcase_create("readiness");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_readiness_cached);
    tcase_add_test(tc, test_readiness_one_check_at_a_time);
    tcase_add_test(tc, test_probe_router);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(http_listener_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
