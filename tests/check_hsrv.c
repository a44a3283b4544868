/* check_hsrv - the monitoring listener: answers, limits, bad requests and
 * addresses, over real loopback connections. */
#include <arpa/inet.h>
#include <check.h>
#include <stdatomic.h>
#include <time.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hsrv.h"

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
exchange(const hsrv *s, const char *req, size_t len, int keep_open)
{
    static char answer[65536];
    struct sockaddr_in sin;
    const char *port = strrchr(hsrv_address(s), ':') + 1;
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
get(const hsrv *s, const char *req)
{
    return exchange(s, req, strlen(req), 0);
}

START_TEST(test_answers)
{
    char err[256];
    atomic_int calls = 0;
    hsrv *s = hsrv_start("127.0.0.1:0", fake_handler, &calls, err, sizeof(err));
    const char *a;

    ck_assert_msg(s != NULL, "%s", err);
    ck_assert_str_ne(strrchr(hsrv_address(s), ':'), ":0");

    a = get(s, "GET /ok HTTP/1.1\r\nHost: x\r\n\r\n");
    ck_assert_msg(strncmp(a, "HTTP/1.0 200 OK\r\n", 17) == 0, "%s", a);
    ck_assert_ptr_nonnull(strstr(a, "Content-Type: text/plain; version=0.0.4\r\n"));
    ck_assert_ptr_nonnull(strstr(a, "Content-Length: 5\r\n"));
    ck_assert_ptr_nonnull(strstr(a, "\r\n\r\nfine\n"));

    a = get(s, "GET /ok?x=1 HTTP/1.0\n\n");     /* bare newlines, a query */
    ck_assert_msg(strncmp(a, "HTTP/1.0 200 OK\r\n", 17) == 0, "%s", a);

    a = get(s, "HEAD /ok HTTP/1.1\r\n\r\n");
    ck_assert_ptr_nonnull(strstr(a, "Content-Length: 5\r\n"));
    ck_assert_msg(strstr(a, "fine") == NULL, "HEAD carried a body: %s", a);

    a = get(s, "GET /busy HTTP/1.1\r\n\r\n");
    ck_assert_msg(strncmp(a, "HTTP/1.0 503 Service Unavailable\r\n", 34) == 0, "%s", a);
    ck_assert_ptr_nonnull(strstr(a, "not ready: postgresql"));

    a = get(s, "GET /nothing HTTP/1.1\r\n\r\n");
    ck_assert_msg(strncmp(a, "HTTP/1.0 404 ", 13) == 0, "%s", a);
    ck_assert_int_eq(calls, 5);
    hsrv_stop(s);
}
END_TEST


/* Opens a connection and sends req without reading the answer. */
static int
send_only(const hsrv *s, const char *req)
{
    struct sockaddr_in sin;
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_port = htons((uint16_t)atoi(strrchr(hsrv_address(s), ':') + 1));
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
    ck_assert_int_eq(send(fd, req, strlen(req), 0), (ssize_t)strlen(req));
    return fd;
}

START_TEST(test_slow_does_not_block)
{
    struct timespec t0, t1;
    char err[256], answer[256];
    atomic_int calls = 0;
    hsrv *s = hsrv_start("127.0.0.1:0", fake_handler, &calls, err, sizeof(err));
    int slow[2];
    double ms;

    ck_assert_msg(s != NULL, "%s", err);
    slow[0] = send_only(s, "GET /slow HTTP/1.0\r\n\r\n");
    slow[1] = send_only(s, "GET /slow HTTP/1.0\r\n\r\n");
    usleep(100 * 1000);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    ck_assert_msg(strncmp(get(s, "GET /ok HTTP/1.0\r\n\r\n"), "HTTP/1.0 200 ", 13) == 0,
                  "no 200 beside two slow requests");
    clock_gettime(CLOCK_MONOTONIC, &t1);
    ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    ck_assert_msg(ms < 500, "/ok took %.0f ms behind two slow requests", ms);
    for (int i = 0; i < 2; i++) {
        ssize_t n = recv(slow[i], answer, sizeof(answer) - 1, MSG_WAITALL);
        ck_assert_int_gt(n, 0);
        answer[n] = '\0';
        ck_assert_msg(strstr(answer, "\r\n\r\nslow\n") != NULL, "%s", answer);
        close(slow[i]);
    }
    hsrv_stop(s);
}
END_TEST
START_TEST(test_bad_requests)
{
    char err[256], *big;
    atomic_int calls = 0;
    hsrv *s = hsrv_start("127.0.0.1:0", fake_handler, &calls, err, sizeof(err));
    const char *a;

    ck_assert_msg(s != NULL, "%s", err);
    a = get(s, "POST /ok HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
    ck_assert_msg(strncmp(a, "HTTP/1.0 405 ", 13) == 0, "%s", a);
    ck_assert_ptr_nonnull(strstr(a, "Allow: GET, HEAD\r\n"));
    a = get(s, "GET ok HTTP/1.1\r\n\r\n");
    ck_assert_msg(strncmp(a, "HTTP/1.0 400 ", 13) == 0, "%s", a);
    a = get(s, "GET /ok\r\n\r\n");              /* HTTP/0.9 */
    ck_assert_msg(strncmp(a, "HTTP/1.0 400 ", 13) == 0, "%s", a);
    a = get(s, "GET /ok HTTP/1.1\r\n");         /* the head never ends */
    ck_assert_msg(strncmp(a, "HTTP/1.0 400 ", 13) == 0, "%s", a);

    big = malloc(HSRV_REQUEST_MAX * 2);
    memset(big, 'a', HSRV_REQUEST_MAX * 2);
    memcpy(big, "GET /ok HTTP/1.1\r\nX: ", 21);
    a = exchange(s, big, HSRV_REQUEST_MAX * 2, 0);
    ck_assert_msg(strncmp(a, "HTTP/1.0 400 ", 13) == 0, "%.60s", a);
    free(big);

    /* A client that sends half a request and waits is cut off in time,
     * and the server then answers the next one. */
    a = exchange(s, "GET /ok HT", 10, 1);
    ck_assert_msg(strncmp(a, "HTTP/1.0 408 ", 13) == 0, "%s", a);
    a = get(s, "GET /ok HTTP/1.1\r\n\r\n");
    ck_assert_msg(strncmp(a, "HTTP/1.0 200 ", 13) == 0, "%s", a);
    ck_assert_int_eq(calls, 1);
    hsrv_stop(s);
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
    hsrv *s;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        s = hsrv_start(bad[i], fake_handler, &calls, err, sizeof(err));
        ck_assert_msg(s == NULL, "\"%s\" was accepted", bad[i]);
        ck_assert_msg(strstr(err, "not host:port") != NULL, "%s: %s", bad[i], err);
    }
    /* A port in use names the address and the reason. */
    s = hsrv_start("127.0.0.1:0", fake_handler, &calls, err, sizeof(err));
    ck_assert_ptr_nonnull(s);
    char addr[96];
    snprintf(addr, sizeof(addr), "%s", hsrv_address(s));
    ck_assert_ptr_null(hsrv_start(addr, fake_handler, &calls, err, sizeof(err)));
    ck_assert_msg(strstr(err, addr) && strstr(err, "in use"), "%s", err);
    hsrv_stop(s);
    hsrv_stop(NULL);
}
END_TEST

static Suite *
hsrv_suite(void)
{
    Suite *s = suite_create("hsrv");
    TCase *tc = tcase_create("serve");

    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_answers);
    tcase_add_test(tc, test_bad_requests);
    tcase_add_test(tc, test_slow_does_not_block);
    tcase_add_test(tc, test_addresses);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(hsrv_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
