/* check_text.c - unit tests of the text helpers of the report side:
 * html_escape (lib/html.h), the growable buffer (lib/buf.h), query string
 * parsing (lib/qs.h) and the report parameters (lib/params.h).
 *
 * Test cases: "html", "buf", "qs", "params". */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "html.h"
#include "params.h"
#include "qs.h"

/* ---- html ---------------------------------------------------------------- */

START_TEST(test_html_escape_exact)
{
    buf b = BUF_INIT;

    ck_assert_int_eq(html_escape(&b, "<script>alert(\"x\")</script> & 'q'"), 0);
    ck_assert_str_eq(b.data, "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; "
                             "&amp; &#39;q&#39;");
    ck_assert_uint_eq(b.len, strlen(b.data));
    buf_free(&b);
}
END_TEST

START_TEST(test_html_escape_appends)
{
    buf b = BUF_INIT;

    ck_assert_int_eq(buf_puts(&b, "<td>"), 0);
    ck_assert_int_eq(html_escape(&b, "a&b"), 0);
    ck_assert_int_eq(html_escape(&b, ""), 0);
    ck_assert_int_eq(html_escape(&b, "plain \xC3\xA9\xE2\x82\xAC /path?x=1;y"), 0);
    ck_assert_int_eq(html_escape(&b, "&amp;&&"), 0);
    ck_assert_int_eq(buf_puts(&b, "</td>"), 0);
    ck_assert_str_eq(b.data, "<td>a&amp;bplain \xC3\xA9\xE2\x82\xAC /path?x=1;y"
                             "&amp;amp;&amp;&amp;</td>");
    ck_assert_uint_eq(b.len, strlen(b.data));
    buf_free(&b);
}
END_TEST

START_TEST(test_html_escape_only_specials)
{
    buf b = BUF_INIT;

    ck_assert_int_eq(html_escape(&b, "<>\"'&"), 0);
    ck_assert_str_eq(b.data, "&lt;&gt;&quot;&#39;&amp;");
    buf_reset(&b);
    ck_assert_int_eq(html_escape(&b, ""), 0);
    ck_assert_ptr_nonnull(b.data);
    ck_assert_str_eq(b.data, "");
    buf_free(&b);
}
END_TEST

/* ---- buf ----------------------------------------------------------------- */

START_TEST(test_buf_init)
{
    buf b = BUF_INIT;

    ck_assert_ptr_null(b.data);
    ck_assert_uint_eq(b.len, 0);
    ck_assert_int_eq(buf_append(&b, "ab", 2), 0);
    ck_assert_str_eq(b.data, "ab");
    ck_assert_uint_eq(b.len, 2);
    ck_assert_uint_gt(b.cap, 2);
    ck_assert_int_eq(b.failed, 0);
    buf_free(&b);
    ck_assert_ptr_null(b.data);
    ck_assert_uint_eq(b.len, 0);
    ck_assert_uint_eq(b.cap, 0);
    buf_free(&b);
    buf_free(NULL);
}
END_TEST

START_TEST(test_buf_growth)
{
    const int rounds = 20000;
    size_t size = 16 * (size_t)rounds + 1, off = 0;
    char *want = malloc(size);
    buf b = BUF_INIT;

    ck_assert_ptr_nonnull(want);
    for (int i = 0; i < rounds; i++) {
        if (buf_append(&b, "ab", 2) != 0 || buf_printf(&b, "%d,", i) != 0
            || buf_puts(&b, "") != 0)
            ck_abort_msg("append failed at round %d", i);
        off += (size_t)snprintf(want + off, size - off, "ab%d,", i);
        if (b.len != off || b.data[b.len] != '\0' || b.cap <= b.len)
            ck_abort_msg("round %d: len %zu cap %zu, expected len %zu", i, b.len,
                         b.cap, off);
    }
    ck_assert_uint_eq(b.len, off);
    ck_assert(memcmp(b.data, want, off + 1) == 0);
    free(want);
    buf_free(&b);
}
END_TEST

START_TEST(test_buf_printf_long)
{
    char *s = malloc(10001);
    buf b = BUF_INIT;

    ck_assert_ptr_nonnull(s);
    memset(s, 'q', 10000);
    s[10000] = '\0';
    ck_assert_int_eq(buf_printf(&b, "<%s|%05d|%.2f>", s, 42, 1.5), 0);
    ck_assert_uint_eq(b.len, 10000 + 13);
    ck_assert_int_eq(b.data[0], '<');
    ck_assert_str_eq(b.data + 10001, "|00042|1.50>");
    free(s);
    buf_free(&b);
}
END_TEST

START_TEST(test_buf_binary)
{
    buf b = BUF_INIT;

    ck_assert_int_eq(buf_append(&b, "a\0b", 3), 0);
    ck_assert_int_eq(buf_append(&b, "", 0), 0);
    ck_assert_uint_eq(b.len, 3);
    ck_assert(memcmp(b.data, "a\0b\0", 4) == 0);
    buf_free(&b);
}
END_TEST

START_TEST(test_buf_reset_and_failure)
{
    buf b = BUF_INIT;
    size_t cap;

    ck_assert_int_eq(buf_puts(&b, "hello"), 0);
    cap = b.cap;
    buf_reset(&b);
    ck_assert_uint_eq(b.len, 0);
    ck_assert_str_eq(b.data, "");
    ck_assert_uint_eq(b.cap, cap);
    ck_assert_int_eq(buf_puts(&b, "kept"), 0);

    /* An impossible size fails, keeps the content, and sticks. */
    ck_assert_int_eq(buf_append(&b, "x", (size_t)-1 / 2 + 1), -1);
    ck_assert_int_eq(b.failed, 1);
    ck_assert_str_eq(b.data, "kept");
    ck_assert_uint_eq(b.len, 4);
    ck_assert_int_eq(buf_puts(&b, "more"), -1);
    ck_assert_int_eq(buf_printf(&b, "%d", 1), -1);
    ck_assert_int_eq(html_escape(&b, "<"), -1);
    ck_assert_str_eq(b.data, "kept");
    /* buf_reset clears the failure. */
    buf_reset(&b);
    ck_assert_int_eq(b.failed, 0);
    ck_assert_int_eq(buf_puts(&b, "again"), 0);
    ck_assert_str_eq(b.data, "again");
    buf_free(&b);
}
END_TEST

/* ---- qs ------------------------------------------------------------------ */

/* Parses q, expecting -1 and a reason containing want. */
static void
check_qs_error(const char *q, const char *want)
{
    qs_param p[QS_MAX_PARAMS];
    char reason[128] = "";

    ck_assert_msg(qs_parse(q, p, QS_MAX_PARAMS, reason, sizeof(reason)) == -1,
                  "\"%.80s\" accepted", q);
    ck_assert_msg(strstr(reason, want) != NULL, "\"%.80s\": reason \"%s\" lacks \"%s\"",
                  q, reason, want);
}

START_TEST(test_qs_basic)
{
    qs_param p[QS_MAX_PARAMS];
    char reason[128];

    ck_assert_int_eq(qs_parse("a=1&b=x%20y+z", p, QS_MAX_PARAMS, reason,
                              sizeof(reason)), 2);
    ck_assert_str_eq(p[0].key, "a");
    ck_assert_str_eq(p[0].value, "1");
    ck_assert_str_eq(p[1].key, "b");
    ck_assert_str_eq(p[1].value, "x y z");
}
END_TEST

START_TEST(test_qs_decoding)
{
    qs_param p[QS_MAX_PARAMS];
    char reason[128];

    ck_assert_int_eq(qs_parse("a+b=c+d&%41%62=%2B%26%3D&e=%C3%A9&f=b=c", p,
                              QS_MAX_PARAMS, reason, sizeof(reason)), 4);
    ck_assert_str_eq(p[0].key, "a b");
    ck_assert_str_eq(p[0].value, "c d");
    ck_assert_str_eq(p[1].key, "Ab");
    ck_assert_str_eq(p[1].value, "+&=");
    ck_assert_str_eq(p[2].key, "e");
    ck_assert_str_eq(p[2].value, "\xC3\xA9");
    ck_assert_str_eq(p[3].key, "f");
    ck_assert_str_eq(p[3].value, "b=c");
}
END_TEST

START_TEST(test_qs_empty_pieces)
{
    qs_param p[QS_MAX_PARAMS];
    char reason[128];

    ck_assert_int_eq(qs_parse("&&a=1&&&b=2&", p, QS_MAX_PARAMS, reason,
                              sizeof(reason)), 2);
    ck_assert_str_eq(p[0].key, "a");
    ck_assert_str_eq(p[1].key, "b");
    ck_assert_str_eq(p[1].value, "2");
    ck_assert_int_eq(qs_parse("&&&", p, QS_MAX_PARAMS, reason, sizeof(reason)), 0);
    ck_assert_int_eq(qs_parse("", p, QS_MAX_PARAMS, reason, sizeof(reason)), 0);
    ck_assert_int_eq(qs_parse(NULL, p, QS_MAX_PARAMS, reason, sizeof(reason)), 0);
}
END_TEST

START_TEST(test_qs_key_without_value)
{
    qs_param p[QS_MAX_PARAMS];
    char reason[128];

    memset(p, 'x', sizeof(p));
    ck_assert_int_eq(qs_parse("flag&a=&b", p, QS_MAX_PARAMS, reason,
                              sizeof(reason)), 3);
    ck_assert_str_eq(p[0].key, "flag");
    ck_assert_str_eq(p[0].value, "");
    ck_assert_str_eq(p[1].key, "a");
    ck_assert_str_eq(p[1].value, "");
    ck_assert_str_eq(p[2].key, "b");
    ck_assert_str_eq(p[2].value, "");
    ck_assert_int_eq(qs_parse("=v", p, QS_MAX_PARAMS, reason, sizeof(reason)), 1);
    ck_assert_str_eq(p[0].key, "");
    ck_assert_str_eq(p[0].value, "v");
}
END_TEST

START_TEST(test_qs_too_many)
{
    qs_param p[QS_MAX_PARAMS];
    char q[512], reason[128] = "";
    size_t off = 0;

    for (int i = 0; i < QS_MAX_PARAMS; i++)
        off += (size_t)snprintf(q + off, sizeof(q) - off, "%sk%d=%d", i ? "&" : "",
                                i, i);
    ck_assert_int_eq(qs_parse(q, p, QS_MAX_PARAMS, reason, sizeof(reason)),
                     QS_MAX_PARAMS);
    ck_assert_str_eq(p[QS_MAX_PARAMS - 1].key, "k15");
    snprintf(q + off, sizeof(q) - off, "&k%d=%d", QS_MAX_PARAMS, QS_MAX_PARAMS);
    check_qs_error(q, "more than 16");
    /* The max argument is honoured. */
    ck_assert_int_eq(qs_parse("a=1&b=2&c=3", p, 2, reason, sizeof(reason)), -1);
    ck_assert_ptr_nonnull(strstr(reason, "more than 2"));
    ck_assert_int_eq(qs_parse("a=1&b=2", p, 2, reason, sizeof(reason)), 2);
}
END_TEST

START_TEST(test_qs_too_long)
{
    qs_param p[QS_MAX_PARAMS];
    char q[2048], reason[128];

    /* QS_VALUE_MAX bytes are fine, one more is not. */
    memcpy(q, "v=", 2);
    memset(q + 2, 'x', QS_VALUE_MAX);
    q[2 + QS_VALUE_MAX] = '\0';
    ck_assert_int_eq(qs_parse(q, p, QS_MAX_PARAMS, reason, sizeof(reason)), 1);
    ck_assert_uint_eq(strlen(p[0].value), QS_VALUE_MAX);
    strcat(q, "x");
    check_qs_error(q, "value is longer than 512");
    /* Escapes count decoded: 512 x "%41" fit. */
    memcpy(q, "v=", 2);
    for (int i = 0; i < QS_VALUE_MAX; i++)
        memcpy(q + 2 + 3 * i, "%41", 3);
    q[2 + 3 * QS_VALUE_MAX] = '\0';
    ck_assert_int_eq(qs_parse(q, p, QS_MAX_PARAMS, reason, sizeof(reason)), 1);
    ck_assert_uint_eq(strlen(p[0].value), QS_VALUE_MAX);

    /* Keys: QS_KEY_MAX bytes fine, one more not. */
    memset(q, 'k', QS_KEY_MAX);
    strcpy(q + QS_KEY_MAX, "=1");
    ck_assert_int_eq(qs_parse(q, p, QS_MAX_PARAMS, reason, sizeof(reason)), 1);
    ck_assert_uint_eq(strlen(p[0].key), QS_KEY_MAX);
    memset(q, 'k', QS_KEY_MAX + 1);
    strcpy(q + QS_KEY_MAX + 1, "=1");
    check_qs_error(q, "name is longer than 32");
}
END_TEST

START_TEST(test_qs_bad_escape)
{
    check_qs_error("a=%G1", "invalid percent-escape");
    check_qs_error("a=%1G", "invalid percent-escape");
    check_qs_error("a=%", "invalid percent-escape");
    check_qs_error("a=%4", "invalid percent-escape");
    check_qs_error("a=%4&b=1", "invalid percent-escape");
    check_qs_error("%zz=1", "invalid percent-escape in a parameter name");
}
END_TEST

START_TEST(test_qs_control_chars)
{
    check_qs_error("a=%01", "control character");
    check_qs_error("a=%00", "control character");
    check_qs_error("a=x%0Ay", "control character");
    check_qs_error("a=%09", "control character");
    check_qs_error("a=%7F", "control character");
    check_qs_error("%01=1", "control character");
}
END_TEST

START_TEST(test_qs_c1_control)
{
    /* U+0085 (NEL) and U+009B (CSI) are C1 control characters: qs.h promises
     * to reject "a control character", as utf8.h and path.h treat C1. */
    check_qs_error("a=%C2%85", "control character");
    check_qs_error("a=x%C2%9B", "control character");
}
END_TEST

START_TEST(test_qs_invalid_utf8)
{
    check_qs_error("a=%FF", "invalid UTF-8");
    check_qs_error("a=%C0%AF", "invalid UTF-8");
    check_qs_error("a=%ED%A0%80", "invalid UTF-8");
    check_qs_error("a=%C3", "invalid UTF-8");
    check_qs_error("a=\xFF", "invalid UTF-8");
    check_qs_error("%FF=1", "invalid UTF-8");
}
END_TEST

/* ---- params -------------------------------------------------------------- */

static void
check_params_ok(const char *q, const char *window, int minutes, int top)
{
    report_params p;
    char err[256] = "";

    ck_assert_msg(params_parse(q, &p, err, sizeof(err)) == 0, "\"%s\": %s",
                  q ? q : "(null)", err);
    ck_assert_str_eq(p.window, window);
    ck_assert_int_eq(p.minutes, minutes);
    ck_assert_int_eq(p.top, top);
}

/* Expects -1 and an error message containing want1 and want2. */
static void
check_params_error(const char *q, const char *want1, const char *want2)
{
    report_params p;
    char err[256] = "";

    ck_assert_msg(params_parse(q, &p, err, sizeof(err)) == -1, "\"%s\" accepted", q);
    ck_assert_msg(strstr(err, want1) != NULL, "\"%s\": \"%s\" lacks \"%s\"", q, err,
                  want1);
    if (want2)
        ck_assert_msg(strstr(err, want2) != NULL, "\"%s\": \"%s\" lacks \"%s\"", q,
                      err, want2);
}

START_TEST(test_params_defaults)
{
    check_params_ok(NULL, "60m", 60, 10);
    check_params_ok("", "60m", 60, 10);
    check_params_ok("&&", "60m", 60, 10);
}
END_TEST

START_TEST(test_params_windows)
{
    check_params_ok("window=15m", "15m", 15, 10);
    check_params_ok("window=60m", "60m", 60, 10);
    check_params_ok("window=6h", "6h", 360, 10);
    check_params_ok("window=24h", "24h", 1440, 10);
    check_params_ok("window=6h&top=3", "6h", 360, 3);
    check_params_ok("top=3&window=24h", "24h", 1440, 3);
    check_params_ok("window=%32%34h", "24h", 1440, 10);
}
END_TEST

START_TEST(test_params_window_errors)
{
    check_params_error("window=7m", "window", "15m, 60m, 6h, 24h");
    check_params_error("window=", "window", "15m, 60m, 6h, 24h");
    check_params_error("window", "window", "15m, 60m, 6h, 24h");
    check_params_error("window=60M", "window", "15m, 60m, 6h, 24h");
    check_params_error("window=60m+", "window", "15m, 60m, 6h, 24h");
    check_params_error("window=1d", "window", "15m, 60m, 6h, 24h");
}
END_TEST

START_TEST(test_params_top)
{
    check_params_ok("top=1", "60m", 60, 1);
    check_params_ok("top=10", "60m", 60, 10);
    check_params_ok("top=100", "60m", 60, 100);
    check_params_ok("top=007", "60m", 60, 7);
}
END_TEST

START_TEST(test_params_top_errors)
{
    static const char *const bad[] = {
        "top=0", "top=101", "top=abc", "top=-1", "top=1e2", "top=", "top",
        "top=+5", "top= 5", "top=5 ", "top=5x", "top=99999999999999999999",
        "top=0x10", "top=1.0",
    };

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        check_params_error(bad[i], "\"top\"", "1 to 100");
}
END_TEST

START_TEST(test_params_unknown_and_repeated)
{
    check_params_error("foo=1", "\"foo\"", "unknown");
    check_params_error("window=15m&limit=5", "\"limit\"", "unknown");
    check_params_error("Window=15m", "\"Window\"", NULL);
    check_params_error("window=15m&window=15m", "\"window\"", "more than once");
    check_params_error("top=5&top=6", "\"top\"", "more than once");
    /* Errors of the query string itself are passed on. */
    check_params_error("window=%zz", "invalid percent-escape", NULL);
    check_params_error("a=1&b=2&c=3&d=4&e=5&f=6&g=7&h=8&i=9&j=10&k=11&l=12&m=13"
                       "&n=14&o=15&p=16&q=17", "more than 16", NULL);
}
END_TEST

static Suite *
text_suite(void)
{
    Suite *s = suite_create("text");
    TCase *tc;

    tc = tcase_create("html");
    tcase_add_test(tc, test_html_escape_exact);
    tcase_add_test(tc, test_html_escape_appends);
    tcase_add_test(tc, test_html_escape_only_specials);
    suite_add_tcase(s, tc);

    tc = tcase_create("buf");
    tcase_add_test(tc, test_buf_init);
    tcase_add_test(tc, test_buf_growth);
    tcase_add_test(tc, test_buf_printf_long);
    tcase_add_test(tc, test_buf_binary);
    tcase_add_test(tc, test_buf_reset_and_failure);
    suite_add_tcase(s, tc);

    tc = tcase_create("qs");
    tcase_add_test(tc, test_qs_basic);
    tcase_add_test(tc, test_qs_decoding);
    tcase_add_test(tc, test_qs_empty_pieces);
    tcase_add_test(tc, test_qs_key_without_value);
    tcase_add_test(tc, test_qs_too_many);
    tcase_add_test(tc, test_qs_too_long);
    tcase_add_test(tc, test_qs_bad_escape);
    tcase_add_test(tc, test_qs_control_chars);
    tcase_add_test(tc, test_qs_c1_control);
    tcase_add_test(tc, test_qs_invalid_utf8);
    suite_add_tcase(s, tc);

    tc = tcase_create("params");
    tcase_add_test(tc, test_params_defaults);
    tcase_add_test(tc, test_params_windows);
    tcase_add_test(tc, test_params_window_errors);
    tcase_add_test(tc, test_params_top);
    tcase_add_test(tc, test_params_top_errors);
    tcase_add_test(tc, test_params_unknown_and_repeated);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(text_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
