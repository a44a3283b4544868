/* check_response.c - unit tests of the load generator's HTTP response
 * reader (bench/loadgen/response.h): the benchmark counts a page view as
 * answered only when this reader says its answer ended with 200, so the
 * counts it compares with the database's rest on it. fuzz_response checks
 * that any way of cutting the input gives the same outcome; these check
 * the outcomes themselves.
 *
 * Test case: "read" (lengths, chunks, interim answers, no body, until the
 * close, what comes after an answer, malformed answers, the line limit). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "response.h"

/* Reads s whole into r; returns the result, with the bytes taken. */
static int
read_all(response *r, const char *s, size_t *used)
{
    response_begin(r);
    return response_read(r, s, strlen(s), used);
}

START_TEST(test_length)
{
    const char *s = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloHTTP/1.1";
    response r;
    size_t used;

    ck_assert_int_eq(read_all(&r, s, &used), RESPONSE_DONE);
    ck_assert_uint_eq(used, strlen(s) - strlen("HTTP/1.1"));    /* not the next one */
    ck_assert_int_eq(r.status, 200);
    ck_assert_int_eq(r.close, 0);
    /* Cut inside the body: more, and the body taken. */
    response_begin(&r);
    ck_assert_int_eq(response_read(&r, s, 40, &used), RESPONSE_MORE);
    ck_assert_uint_eq(used, 40);
    ck_assert_int_eq(response_read(&r, s + 40, 5, &used), RESPONSE_DONE);
    ck_assert_uint_eq(used, 3);
}
END_TEST

START_TEST(test_chunked_and_interim)
{
    const char *chunked = "HTTP/1.1 404 Not Found\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n"
                          "5;x=1\r\nhello\r\n0\r\nTrailer: a\r\n\r\n";
    const char *interim = "HTTP/1.1 100 Continue\r\n\r\n"
                          "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n";
    response r;
    size_t used;

    ck_assert_int_eq(read_all(&r, chunked, &used), RESPONSE_DONE);
    ck_assert_uint_eq(used, strlen(chunked));
    ck_assert_int_eq(r.status, 404);
    ck_assert_int_eq(read_all(&r, interim, &used), RESPONSE_DONE);
    ck_assert_uint_eq(used, strlen(interim));
    ck_assert_int_eq(r.status, 204);
    ck_assert_int_eq(r.close, 1);
}
END_TEST

START_TEST(test_until_close)
{
    const char *s = "HTTP/1.0 200 OK\r\n\r\nthe rest until the close";
    response r;
    size_t used;

    ck_assert_int_eq(read_all(&r, s, &used), RESPONSE_MORE);
    ck_assert_uint_eq(used, strlen(s));
    ck_assert(response_until_close(&r));
    ck_assert_int_eq(r.close, 1);
    /* HTTP/1.0 closes unless it says keep-alive. */
    ck_assert_int_eq(read_all(&r, "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n"
                                  "Content-Length: 0\r\n\r\n", &used), RESPONSE_DONE);
    ck_assert_int_eq(r.close, 0);
    ck_assert_int_eq(read_all(&r, "HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n",
                              &used), RESPONSE_DONE);
}
END_TEST

START_TEST(test_malformed)
{
    static const char *const bad[] = {
        "HTTP/2 200 OK\r\n",
        "HTTP/1.1 20x OK\r\n",
        "HTTP/1.1 999 Nine\r\n",
        "HTTP/1.1 101 Switching Protocols\r\n",
        "HTTP/1.1 200OK\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 12a\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 1234567890123456\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n;x\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n",
    };
    response r;
    size_t used;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ck_assert_msg(read_all(&r, bad[i], &used) == RESPONSE_BAD, "accepted: %s", bad[i]);
}
END_TEST

START_TEST(test_line_limit)
{
    char *s = malloc(RESPONSE_LINE_MAX + 64);
    response r;
    size_t used, head = strlen("HTTP/1.1 200 OK\r\nX: ");

    /* A header line of RESPONSE_LINE_MAX bytes before its LF (its CR
     * included) is taken; one byte more is refused, with or without its
     * end in sight. */
    memcpy(s, "HTTP/1.1 200 OK\r\nX: ", head);
    response_begin(&r);
    ck_assert_int_eq(response_read(&r, s, 17, &used), RESPONSE_MORE);
    memset(s + head, 'a', RESPONSE_LINE_MAX);
    memcpy(s + 17 + RESPONSE_LINE_MAX - 1, "\r\n", 2);
    ck_assert_int_eq(response_read(&r, s + 17, RESPONSE_LINE_MAX + 1, &used), RESPONSE_MORE);
    ck_assert_uint_eq(used, RESPONSE_LINE_MAX + 1);
    memset(s, 'a', RESPONSE_LINE_MAX + 1);
    ck_assert_int_eq(response_read(&r, s, RESPONSE_LINE_MAX + 1, &used), RESPONSE_BAD);
    free(s);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("response");
    TCase *tc = tcase_create("read");
    SRunner *sr;
    int failed;

    tcase_add_test(tc, test_length);
    tcase_add_test(tc, test_chunked_and_interim);
    tcase_add_test(tc, test_until_close);
    tcase_add_test(tc, test_malformed);
    tcase_add_test(tc, test_line_limit);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
