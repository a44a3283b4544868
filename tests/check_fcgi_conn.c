/* check_fcgi_conn.c - unit tests of the FastCGI protocol of one connection
 * (lib/serve/fcgi_conn.h), the part of the visit worker's server that
 * reads what nginx sends. fuzz_fcgi_conn checks that any way of cutting
 * the input gives the same outcome; these check the outcomes.
 *
 * Test cases: "requests" (a request as nginx sends it, cut anywhere, two
 * in one read, padding, long parameters, bodies past the bound,
 * parameters past the bound, answers split into records); "records" (the
 * management records, roles, multiplexing, ABORT_REQUEST, records for
 * other requests, protocol errors). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fcgi_conn.h"

enum { BEGIN = 1, ABORT = 2, END = 3, PARAMS = 4, STDIN = 5, STDOUT = 6,
       GET_VALUES = 9, GET_VALUES_RESULT = 10, UNKNOWN_TYPE = 11 };

/* Appends a record with padding bytes of padding. */
static void
rec(buf *b, int type, unsigned id, const void *content, size_t len, unsigned padding)
{
    unsigned char h[8] = { 1, (unsigned char)type, (unsigned char)(id >> 8),
                           (unsigned char)id, (unsigned char)(len >> 8),
                           (unsigned char)len, (unsigned char)padding, 0 };
    static const char zeros[256];

    buf_append(b, h, 8);
    if (len > 0)
        buf_append(b, content, len);
    if (padding > 0)
        buf_append(b, zeros, padding);
}

/* Appends a BEGIN_REQUEST for role with flags. */
static void
begin(buf *b, unsigned id, unsigned role, int flags)
{
    unsigned char body[8] = { (unsigned char)(role >> 8), (unsigned char)role,
                              (unsigned char)flags };

    rec(b, BEGIN, id, body, 8, 0);
}

/* Appends one length of a name-value pair: 1 byte below 128, else 4. */
static void
pair_length(buf *b, size_t n)
{
    unsigned char l[4] = { (unsigned char)(0x80 | (n >> 24)), (unsigned char)(n >> 16),
                           (unsigned char)(n >> 8), (unsigned char)n };

    if (n < 128) {
        unsigned char one = (unsigned char)n;
        buf_append(b, &one, 1);
    } else {
        buf_append(b, l, 4);
    }
}

/* Appends the pair name=value. */
static void
pair(buf *b, const char *name, const char *value)
{
    pair_length(b, strlen(name));
    pair_length(b, strlen(value));
    buf_puts(b, name);
    buf_puts(b, value);
}

/* A whole request as nginx sends it: BEGIN (keep), the parameters in one
 * record and its end, the body in one record and its end. */
static void
request(buf *b, unsigned id, int keep, const char *body)
{
    buf params = BUF_INIT;

    begin(b, id, 1, keep);
    pair(&params, "REQUEST_METHOD", "POST");
    pair(&params, "REQUEST_URI", "/visits/event");
    pair(&params, "EMPTY", "");
    rec(b, PARAMS, id, params.data, params.len, (8 - params.len % 8) % 8);
    rec(b, PARAMS, id, NULL, 0, 0);
    if (body[0] != '\0')
        rec(b, STDIN, id, body, strlen(body), 0);
    rec(b, STDIN, id, NULL, 0, 0);
    buf_free(&params);
}

/* Feeds data in pieces of step bytes until something other than
 * FCGI_CONN_MORE; returns that, with *taken the bytes used in all. */
static int
feed_in_steps(fcgi_conn *c, const char *data, size_t len, size_t step, size_t *taken,
              buf *out)
{
    size_t at = 0, used;
    int rc = FCGI_CONN_MORE;

    while (at < len) {
        size_t n = len - at < step ? len - at : step;
        rc = fcgi_conn_feed(c, data + at, n, &used, out);
        ck_assert_uint_le(used, n);
        at += used;
        if (rc != FCGI_CONN_MORE)
            break;
        ck_assert_uint_eq(used, n);
    }
    *taken = at;
    return rc;
}

static fcgi_conn *
new_conn(void)
{
    fcgi_conn *c = malloc(sizeof(*c));

    ck_assert_ptr_nonnull(c);
    fcgi_conn_init(c, 1024);
    return c;
}

/* The record at out->data + *at: checks its type and id, returns its
 * content length and moves *at past it. */
static size_t
next_record(const buf *out, size_t *at, int type, unsigned id)
{
    const unsigned char *h = (const unsigned char *)out->data + *at;
    size_t len;

    ck_assert_uint_ge(out->len - *at, 8);
    ck_assert_int_eq(h[0], 1);
    ck_assert_int_eq(h[1], type);
    ck_assert_uint_eq(((unsigned)h[2] << 8) | h[3], id);
    len = ((size_t)h[4] << 8) | h[5];
    *at += 8 + len + h[6];
    ck_assert_uint_le(*at, out->len);
    return len;
}

/* ---- requests ----------------------------------------------------------- */

START_TEST(test_request_as_nginx_sends_it)
{
    buf in = BUF_INIT, out = BUF_INIT;
    fcgi_conn *c = new_conn();
    char body[64];
    size_t used, at = 0;

    request(&in, 1, 1, "{\"site\":\"a\"}");
    ck_assert_int_eq(fcgi_conn_busy(c), 0);
    ck_assert_int_eq(fcgi_conn_feed(c, in.data, in.len, &used, &out), FCGI_CONN_READY);
    ck_assert_uint_eq(used, in.len);
    ck_assert_int_eq(fcgi_conn_busy(c), 1);
    ck_assert_uint_eq(out.len, 0);
    ck_assert_str_eq(fcgi_conn_param(c, "REQUEST_METHOD"), "POST");
    ck_assert_str_eq(fcgi_conn_param(c, "REQUEST_URI"), "/visits/event");
    ck_assert_str_eq(fcgi_conn_param(c, "EMPTY"), "");
    ck_assert_ptr_null(fcgi_conn_param(c, "REQUEST"));
    ck_assert_ptr_null(fcgi_conn_param(c, "HTTP_HOST"));
    ck_assert_int_eq(fcgi_conn_too_large(c), 0);
    ck_assert_uint_eq(fcgi_conn_body_total(c), 12);
    ck_assert_uint_eq(fcgi_conn_read(c, body, 5), 5);
    ck_assert_uint_eq(fcgi_conn_read(c, body + 5, sizeof(body) - 5), 7);
    ck_assert_uint_eq(fcgi_conn_read(c, body, sizeof(body)), 0);
    ck_assert_int_eq(memcmp(body, "{\"site\":\"a\"}", 12), 0);
    /* Fed again while ready: nothing taken. */
    ck_assert_int_eq(fcgi_conn_feed(c, "x", 1, &used, &out), FCGI_CONN_READY);
    ck_assert_uint_eq(used, 0);

    ck_assert_int_eq(fcgi_conn_write(c, &out, "Status: 204\r\n\r\n", 15), 0);
    ck_assert_int_eq(fcgi_conn_write(c, &out, "", 0), 0);  /* no empty record */
    ck_assert_int_eq(fcgi_conn_end(c, &out), 1);
    ck_assert_int_eq(fcgi_conn_busy(c), 0);
    ck_assert_uint_eq(next_record(&out, &at, STDOUT, 1), 15);
    ck_assert_int_eq(memcmp(out.data + 8, "Status: 204\r\n\r\n", 15), 0);
    ck_assert_uint_eq(next_record(&out, &at, STDOUT, 1), 0);
    ck_assert_uint_eq(next_record(&out, &at, END, 1), 8);
    /* application status 0, REQUEST_COMPLETE */
    ck_assert_int_eq(memcmp(out.data + at - 8, "\0\0\0\0\0\0\0\0", 8), 0);
    ck_assert_uint_eq(at, out.len);
    buf_free(&in);
    buf_free(&out);
    free(c);
}
END_TEST

START_TEST(test_cut_anywhere)
{
    buf in = BUF_INIT, out = BUF_INIT;
    size_t steps[] = { 1, 2, 3, 7, 8, 9, 13, 64 };

    request(&in, 300, 0, "hello");
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        fcgi_conn *c = new_conn();
        char body[16] = "";
        size_t taken;

        buf_reset(&out);
        ck_assert_int_eq(feed_in_steps(c, in.data, in.len, steps[i], &taken, &out),
                         FCGI_CONN_READY);
        ck_assert_uint_eq(taken, in.len);
        ck_assert_str_eq(fcgi_conn_param(c, "REQUEST_URI"), "/visits/event");
        ck_assert_uint_eq(fcgi_conn_read(c, body, sizeof(body)), 5);
        ck_assert_str_eq(body, "hello");
        /* nginx did not ask to keep it. */
        ck_assert_int_eq(fcgi_conn_end(c, &out), 0);
        free(c);
    }
    buf_free(&in);
    buf_free(&out);
}
END_TEST

START_TEST(test_two_requests_in_one_read)
{
    buf in = BUF_INIT, out = BUF_INIT;
    fcgi_conn *c = new_conn();
    size_t used, first;

    request(&in, 1, 1, "one");
    first = in.len;
    request(&in, 2, 1, "two");
    ck_assert_int_eq(fcgi_conn_feed(c, in.data, in.len, &used, &out), FCGI_CONN_READY);
    ck_assert_uint_eq(used, first);
    ck_assert_int_eq(fcgi_conn_end(c, &out), 1);
    ck_assert_int_eq(fcgi_conn_feed(c, in.data + used, in.len - used, &used, &out),
                     FCGI_CONN_READY);
    ck_assert_uint_eq(used, in.len - first);
    {
        char body[8] = "";
        fcgi_conn_read(c, body, sizeof(body));
        ck_assert_str_eq(body, "two");
    }
    ck_assert_int_eq(fcgi_conn_end(c, &out), 1);
    buf_free(&in);
    buf_free(&out);
    free(c);
}
END_TEST

START_TEST(test_long_parameters)
{
    buf in = BUF_INIT, params = BUF_INIT, out = BUF_INIT;
    fcgi_conn *c = new_conn();
    char *ua = malloc(5000);
    size_t used;

    memset(ua, 'u', 4999);
    ua[4999] = '\0';
    begin(&in, 9, 1, 1);
    pair(&params, "HTTP_USER_AGENT", ua);
    pair(&params, "REMOTE_ADDR", "192.0.2.1");
    /* Split across records, in the middle of a pair. */
    rec(&in, PARAMS, 9, params.data, 3000, 5);
    rec(&in, PARAMS, 9, params.data + 3000, params.len - 3000, 0);
    rec(&in, PARAMS, 9, NULL, 0, 0);
    rec(&in, STDIN, 9, NULL, 0, 0);
    ck_assert_int_eq(fcgi_conn_feed(c, in.data, in.len, &used, &out), FCGI_CONN_READY);
    ck_assert_str_eq(fcgi_conn_param(c, "HTTP_USER_AGENT"), ua);
    ck_assert_str_eq(fcgi_conn_param(c, "REMOTE_ADDR"), "192.0.2.1");
    ck_assert_uint_eq(fcgi_conn_body_total(c), 0);
    free(ua);
    buf_free(&in);
    buf_free(&params);
    buf_free(&out);
    free(c);
}
END_TEST

START_TEST(test_body_past_the_bound)
{
    buf in = BUF_INIT, out = BUF_INIT, params = BUF_INIT;
    fcgi_conn *c = new_conn();
    char *big = malloc(FCGI_CONN_BODY_MAX + 1000), *back = malloc(FCGI_CONN_BODY_MAX + 1000);
    size_t used;

    memset(big, 'b', FCGI_CONN_BODY_MAX + 1000);
    begin(&in, 1, 1, 1);
    pair(&params, "A", "1");
    rec(&in, PARAMS, 1, params.data, params.len, 0);
    rec(&in, PARAMS, 1, NULL, 0, 0);
    rec(&in, STDIN, 1, big, 3000, 0);
    rec(&in, STDIN, 1, big, FCGI_CONN_BODY_MAX + 1000 - 3000, 0);
    rec(&in, STDIN, 1, NULL, 0, 0);
    ck_assert_int_eq(fcgi_conn_feed(c, in.data, in.len, &used, &out), FCGI_CONN_READY);
    ck_assert_uint_eq(fcgi_conn_body_total(c), FCGI_CONN_BODY_MAX + 1000);
    ck_assert_uint_eq(fcgi_conn_read(c, back, FCGI_CONN_BODY_MAX + 1000), FCGI_CONN_BODY_MAX);
    ck_assert_str_eq(fcgi_conn_param(c, "A"), "1");
    free(big);
    free(back);
    buf_free(&in);
    buf_free(&out);
    buf_free(&params);
    free(c);
}
END_TEST

START_TEST(test_parameters_past_the_bound)
{
    buf in = BUF_INIT, params = BUF_INIT, out = BUF_INIT;
    fcgi_conn *c = new_conn();
    char *v = malloc(20000);
    size_t used;

    memset(v, 'v', 19999);
    v[19999] = '\0';
    begin(&in, 1, 1, 1);
    pair(&params, "HTTP_REFERER", v);
    pair(&params, "HTTP_USER_AGENT", v);
    for (size_t at = 0; at < params.len; at += 60000) {
        size_t n = params.len - at < 60000 ? params.len - at : 60000;
        rec(&in, PARAMS, 1, params.data + at, n, 0);
    }
    rec(&in, PARAMS, 1, NULL, 0, 0);
    rec(&in, STDIN, 1, NULL, 0, 0);
    ck_assert_int_eq(fcgi_conn_feed(c, in.data, in.len, &used, &out), FCGI_CONN_READY);
    ck_assert_uint_eq(used, in.len);
    ck_assert_int_eq(fcgi_conn_too_large(c), 1);
    ck_assert_ptr_null(fcgi_conn_param(c, "HTTP_REFERER"));
    ck_assert_int_eq(fcgi_conn_end(c, &out), 1);

    /* Too many parameters is too large as well. */
    buf_reset(&in);
    buf_reset(&params);
    begin(&in, 2, 1, 1);
    for (int i = 0; i <= FCGI_CONN_PARAMS_MAX; i++)
        pair(&params, "P", "x");
    rec(&in, PARAMS, 2, params.data, params.len, 0);
    rec(&in, PARAMS, 2, NULL, 0, 0);
    rec(&in, STDIN, 2, NULL, 0, 0);
    ck_assert_int_eq(fcgi_conn_feed(c, in.data, in.len, &used, &out), FCGI_CONN_READY);
    ck_assert_int_eq(fcgi_conn_too_large(c), 1);
    free(v);
    buf_free(&in);
    buf_free(&params);
    buf_free(&out);
    free(c);
}
END_TEST

START_TEST(test_answer_split_into_records)
{
    buf in = BUF_INIT, out = BUF_INIT;
    fcgi_conn *c = new_conn();
    size_t used, at = 0, len = 70000;
    char *big = calloc(1, len);

    request(&in, 5, 1, "");
    ck_assert_int_eq(fcgi_conn_feed(c, in.data, in.len, &used, &out), FCGI_CONN_READY);
    ck_assert_int_eq(fcgi_conn_write(c, &out, big, len), 0);
    ck_assert_int_eq(fcgi_conn_end(c, &out), 1);
    ck_assert_uint_eq(next_record(&out, &at, STDOUT, 5), 65535);
    ck_assert_uint_eq(next_record(&out, &at, STDOUT, 5), len - 65535);
    ck_assert_uint_eq(next_record(&out, &at, STDOUT, 5), 0);
    ck_assert_uint_eq(next_record(&out, &at, END, 5), 8);
    free(big);
    buf_free(&in);
    buf_free(&out);
    free(c);
}
END_TEST

/* ---- records ------------------------------------------------------------ */

START_TEST(test_get_values)
{
    buf in = BUF_INIT, names = BUF_INIT, out = BUF_INIT;
    fcgi_conn *c = new_conn();
    size_t used, at = 0, len;

    pair(&names, "FCGI_MAX_CONNS", "");
    pair(&names, "FCGI_UNKNOWN_VARIABLE", "");
    pair(&names, "FCGI_MPXS_CONNS", "");
    rec(&in, GET_VALUES, 0, names.data, names.len, 3);
    ck_assert_int_eq(fcgi_conn_feed(c, in.data, in.len, &used, &out), FCGI_CONN_MORE);
    ck_assert_uint_eq(used, in.len);
    len = next_record(&out, &at, GET_VALUES_RESULT, 0);
    ck_assert_uint_eq(len, 2 + 14 + 4 + 2 + 15 + 1);
    ck_assert_int_eq(memcmp(out.data + 8, "\x0e\x04" "FCGI_MAX_CONNS1024"
                            "\x0f\x01" "FCGI_MPXS_CONNS0", len), 0);
    /* An unknown management record. */
    buf_reset(&in);
    buf_reset(&out);
    at = 0;
    rec(&in, 42, 0, "abc", 3, 0);
    ck_assert_int_eq(fcgi_conn_feed(c, in.data, in.len, &used, &out), FCGI_CONN_MORE);
    ck_assert_uint_eq(next_record(&out, &at, UNKNOWN_TYPE, 0), 8);
    ck_assert_int_eq((unsigned char)out.data[8], 42);
    buf_free(&in);
    buf_free(&names);
    buf_free(&out);
    free(c);
}
END_TEST

START_TEST(test_roles_and_multiplexing)
{
    buf in = BUF_INIT, out = BUF_INIT;
    fcgi_conn *c = new_conn();
    size_t used, at = 0;

    /* AUTHORIZER, kept: refused, the connection stays. */
    begin(&in, 1, 2, 1);
    ck_assert_int_eq(fcgi_conn_feed(c, in.data, in.len, &used, &out), FCGI_CONN_MORE);
    next_record(&out, &at, END, 1);
    ck_assert_int_eq((unsigned char)out.data[at - 4], 3);    /* UNKNOWN_ROLE */
    /* A second request while one is open: CANT_MPX_CONN; the first is
     * answered as usual, and records for the second are ignored. */
    buf_reset(&in);
    begin(&in, 7, 1, 1);
    begin(&in, 8, 1, 1);
    rec(&in, PARAMS, 8, "\x01\x01" "ab", 4, 0);
    rec(&in, PARAMS, 8, NULL, 0, 0);
    rec(&in, STDIN, 8, NULL, 0, 0);
    rec(&in, PARAMS, 7, "\x01\x01" "xy", 4, 0);
    rec(&in, PARAMS, 7, NULL, 0, 0);
    rec(&in, STDIN, 7, NULL, 0, 0);
    ck_assert_int_eq(fcgi_conn_feed(c, in.data, in.len, &used, &out), FCGI_CONN_READY);
    ck_assert_uint_eq(used, in.len);
    next_record(&out, &at, END, 8);
    ck_assert_int_eq((unsigned char)out.data[at - 4], 1);    /* CANT_MPX_CONN */
    ck_assert_str_eq(fcgi_conn_param(c, "x"), "y");
    ck_assert_ptr_null(fcgi_conn_param(c, "a"));
    ck_assert_int_eq(fcgi_conn_end(c, &out), 1);
    /* Not kept, refused: close after the answer. */
    buf_reset(&in);
    begin(&in, 3, 3, 0);
    ck_assert_int_eq(fcgi_conn_feed(c, in.data, in.len, &used, &out), FCGI_CONN_CLOSE);
    buf_free(&in);
    buf_free(&out);
    free(c);
}
END_TEST

START_TEST(test_abort)
{
    buf in = BUF_INIT, out = BUF_INIT;
    fcgi_conn *c = new_conn();
    size_t used, at = 0;

    begin(&in, 4, 1, 1);
    rec(&in, PARAMS, 4, "\x01\x01" "ab", 4, 0);
    rec(&in, ABORT, 4, NULL, 0, 0);
    ck_assert_int_eq(fcgi_conn_feed(c, in.data, in.len, &used, &out), FCGI_CONN_MORE);
    ck_assert_int_eq(fcgi_conn_busy(c), 0);
    next_record(&out, &at, END, 4);
    ck_assert_uint_eq(at, out.len);
    /* An abort for no open request is ignored. */
    buf_reset(&in);
    rec(&in, ABORT, 4, NULL, 0, 0);
    ck_assert_int_eq(fcgi_conn_feed(c, in.data, in.len, &used, &out), FCGI_CONN_MORE);
    ck_assert_uint_eq(at, out.len);
    /* Without keep: close. */
    buf_reset(&in);
    begin(&in, 5, 1, 0);
    rec(&in, ABORT, 5, NULL, 0, 0);
    ck_assert_int_eq(fcgi_conn_feed(c, in.data, in.len, &used, &out), FCGI_CONN_CLOSE);
    buf_free(&in);
    buf_free(&out);
    free(c);
}
END_TEST

START_TEST(test_protocol_errors)
{
    buf in = BUF_INIT, out = BUF_INIT;
    fcgi_conn *c = new_conn();
    size_t used;

    /* Version 2. */
    ck_assert_int_eq(fcgi_conn_feed(c, "\x02\x01\x00\x01\x00\x08\x00\x00", 8, &used, &out),
                     FCGI_CONN_ERROR);
    ck_assert_ptr_nonnull(c->error);
    /* A BEGIN_REQUEST of 4 bytes, or for request 0. */
    fcgi_conn_init(c, 1);
    ck_assert_int_eq(fcgi_conn_feed(c, "\x01\x01\x00\x01\x00\x04\x00\x00", 8, &used, &out),
                     FCGI_CONN_ERROR);
    fcgi_conn_init(c, 1);
    begin(&in, 0, 1, 1);
    ck_assert_int_eq(fcgi_conn_feed(c, in.data, in.len, &used, &out), FCGI_CONN_ERROR);
    /* A pair whose value runs past the parameters. */
    fcgi_conn_init(c, 1);
    buf_reset(&in);
    begin(&in, 1, 1, 1);
    rec(&in, PARAMS, 1, "\x01\x09" "ab", 4, 0);
    rec(&in, PARAMS, 1, NULL, 0, 0);
    ck_assert_int_eq(fcgi_conn_feed(c, in.data, in.len, &used, &out), FCGI_CONN_ERROR);
    ck_assert_str_eq(c->error, "malformed FastCGI parameters");
    /* A second BEGIN_REQUEST for the open request. */
    fcgi_conn_init(c, 1);
    buf_reset(&in);
    begin(&in, 1, 1, 1);
    begin(&in, 1, 1, 1);
    ck_assert_int_eq(fcgi_conn_feed(c, in.data, in.len, &used, &out), FCGI_CONN_ERROR);
    /* Half a header: busy, more needed. */
    fcgi_conn_init(c, 1);
    ck_assert_int_eq(fcgi_conn_feed(c, "\x01\x01", 2, &used, &out), FCGI_CONN_MORE);
    ck_assert_int_eq(fcgi_conn_busy(c), 1);
    buf_free(&in);
    buf_free(&out);
    free(c);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("fcgi_conn");
    TCase *req = tcase_create("requests"), *recs = tcase_create("records");
    SRunner *sr;
    int failed;

    tcase_add_test(req, test_request_as_nginx_sends_it);
    tcase_add_test(req, test_cut_anywhere);
    tcase_add_test(req, test_two_requests_in_one_read);
    tcase_add_test(req, test_long_parameters);
    tcase_add_test(req, test_body_past_the_bound);
    tcase_add_test(req, test_parameters_past_the_bound);
    tcase_add_test(req, test_answer_split_into_records);
    tcase_add_test(recs, test_get_values);
    tcase_add_test(recs, test_roles_and_multiplexing);
    tcase_add_test(recs, test_abort);
    tcase_add_test(recs, test_protocol_errors);
    suite_add_tcase(s, req);
    suite_add_tcase(s, recs);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
