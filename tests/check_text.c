/* check_text.c - unit tests of the text helpers of the report side:
 * html_escape (lib/report/html.h), the growable buffer (lib/core/buf.h), query
 * string parsing (lib/core/query_string.h) and the report parameters
 * (lib/report/params.h); and file_replace (lib/core/file.h).
 *
 * Test cases: "html", "buf", "query_string", "params", "tz" (params_tz_valid
 * and the tz parameter, against the system's zoneinfo and a TZDIR of our own),
 * "file". */
#include <check.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "file.h"
#include "html.h"
#include "params.h"
#include "query_string.h"
#include "sites_fixture.h"

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

/* ---- query_string
 * ------------------------------------------------------------------ */

/* Parses q, expecting -1 and a reason containing want. */
static void
check_qs_error(const char *q, const char *want)
{
    query_string_param p[QUERY_STRING_MAX_PARAMS];
    char reason[128] = "";

    ck_assert_msg(query_string_parse(q, p, QUERY_STRING_MAX_PARAMS, reason,
                                     sizeof(reason))
                      == -1,
                  "\"%.80s\" accepted", q);
    ck_assert_msg(strstr(reason, want) != NULL, "\"%.80s\": reason \"%s\" lacks \"%s\"",
                  q, reason, want);
}

START_TEST(test_qs_basic)
{
    query_string_param p[QUERY_STRING_MAX_PARAMS];
    char reason[128];

    ck_assert_int_eq(query_string_parse("a=1&b=x%20y+z", p,
                                        QUERY_STRING_MAX_PARAMS, reason,
                                        sizeof(reason)),
                     2);
    ck_assert_str_eq(p[0].key, "a");
    ck_assert_str_eq(p[0].value, "1");
    ck_assert_str_eq(p[1].key, "b");
    ck_assert_str_eq(p[1].value, "x y z");
}
END_TEST

START_TEST(test_qs_decoding)
{
    query_string_param p[QUERY_STRING_MAX_PARAMS];
    char reason[128];

    ck_assert_int_eq(
        query_string_parse("a+b=c+d&%41%62=%2B%26%3D&e=%C3%A9&f=b=c", p,
                           QUERY_STRING_MAX_PARAMS, reason, sizeof(reason)),
        4);
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
    query_string_param p[QUERY_STRING_MAX_PARAMS];
    char reason[128];

    ck_assert_int_eq(query_string_parse("&&a=1&&&b=2&", p,
                                        QUERY_STRING_MAX_PARAMS, reason,
                                        sizeof(reason)),
                     2);
    ck_assert_str_eq(p[0].key, "a");
    ck_assert_str_eq(p[1].key, "b");
    ck_assert_str_eq(p[1].value, "2");
    ck_assert_int_eq(query_string_parse("&&&", p, QUERY_STRING_MAX_PARAMS,
                                        reason, sizeof(reason)),
                     0);
    ck_assert_int_eq(query_string_parse("", p, QUERY_STRING_MAX_PARAMS, reason,
                                        sizeof(reason)),
                     0);
    ck_assert_int_eq(query_string_parse(NULL, p, QUERY_STRING_MAX_PARAMS,
                                        reason, sizeof(reason)),
                     0);
}
END_TEST

START_TEST(test_qs_key_without_value)
{
    query_string_param p[QUERY_STRING_MAX_PARAMS];
    char reason[128];

    memset(p, 'x', sizeof(p));
    ck_assert_int_eq(query_string_parse("flag&a=&b", p, QUERY_STRING_MAX_PARAMS,
                                        reason, sizeof(reason)),
                     3);
    ck_assert_str_eq(p[0].key, "flag");
    ck_assert_str_eq(p[0].value, "");
    ck_assert_str_eq(p[1].key, "a");
    ck_assert_str_eq(p[1].value, "");
    ck_assert_str_eq(p[2].key, "b");
    ck_assert_str_eq(p[2].value, "");
    ck_assert_int_eq(query_string_parse("=v", p, QUERY_STRING_MAX_PARAMS,
                                        reason, sizeof(reason)),
                     1);
    ck_assert_str_eq(p[0].key, "");
    ck_assert_str_eq(p[0].value, "v");
}
END_TEST

START_TEST(test_qs_too_many)
{
    query_string_param p[QUERY_STRING_MAX_PARAMS];
    char q[512], reason[128] = "";
    size_t off = 0;

    for (int i = 0; i < QUERY_STRING_MAX_PARAMS; i++)
        off += (size_t)snprintf(q + off, sizeof(q) - off, "%sk%d=%d", i ? "&" : "",
                                i, i);
    ck_assert_int_eq(query_string_parse(q, p, QUERY_STRING_MAX_PARAMS, reason,
                                        sizeof(reason)),
                     QUERY_STRING_MAX_PARAMS);
    ck_assert_str_eq(p[QUERY_STRING_MAX_PARAMS - 1].key, "k15");
    snprintf(q + off, sizeof(q) - off, "&k%d=%d", QUERY_STRING_MAX_PARAMS,
             QUERY_STRING_MAX_PARAMS);
    check_qs_error(q, "more than 16");
    /* The max argument is honoured. */
    ck_assert_int_eq(
        query_string_parse("a=1&b=2&c=3", p, 2, reason, sizeof(reason)), -1);
    ck_assert_ptr_nonnull(strstr(reason, "more than 2"));
    ck_assert_int_eq(
        query_string_parse("a=1&b=2", p, 2, reason, sizeof(reason)), 2);
}
END_TEST

START_TEST(test_qs_too_long)
{
    query_string_param p[QUERY_STRING_MAX_PARAMS];
    char q[2048], reason[128];

    /* QUERY_STRING_VALUE_MAX bytes are fine, one more is not. */
    memcpy(q, "v=", 2);
    memset(q + 2, 'x', QUERY_STRING_VALUE_MAX);
    q[2 + QUERY_STRING_VALUE_MAX] = '\0';
    ck_assert_int_eq(query_string_parse(q, p, QUERY_STRING_MAX_PARAMS, reason,
                                        sizeof(reason)),
                     1);
    ck_assert_uint_eq(strlen(p[0].value), QUERY_STRING_VALUE_MAX);
    strcat(q, "x");
    check_qs_error(q, "value is longer than 512");
    /* Escapes count decoded: 512 x "%41" fit. */
    memcpy(q, "v=", 2);
    for (int i = 0; i < QUERY_STRING_VALUE_MAX; i++)
        memcpy(q + 2 + 3 * i, "%41", 3);
    q[2 + 3 * QUERY_STRING_VALUE_MAX] = '\0';
    ck_assert_int_eq(query_string_parse(q, p, QUERY_STRING_MAX_PARAMS, reason,
                                        sizeof(reason)),
                     1);
    ck_assert_uint_eq(strlen(p[0].value), QUERY_STRING_VALUE_MAX);

    /* Keys: QUERY_STRING_KEY_MAX bytes fine, one more not. */
    memset(q, 'k', QUERY_STRING_KEY_MAX);
    strcpy(q + QUERY_STRING_KEY_MAX, "=1");
    ck_assert_int_eq(query_string_parse(q, p, QUERY_STRING_MAX_PARAMS, reason,
                                        sizeof(reason)),
                     1);
    ck_assert_uint_eq(strlen(p[0].key), QUERY_STRING_KEY_MAX);
    memset(q, 'k', QUERY_STRING_KEY_MAX + 1);
    strcpy(q + QUERY_STRING_KEY_MAX + 1, "=1");
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
    /* U+0085 (NEL) and U+009B (CSI) are C1 control characters: query_string.h
     * promises to reject "a control character", as utf8.h and path.h treat C1.
     */
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

    ck_assert_msg(params_parse(q, test_sites(), &p, err, sizeof(err)) == 0, "\"%s\": %s",
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

    ck_assert_msg(params_parse(q, test_sites(), &p, err, sizeof(err)) == -1, "\"%s\" accepted", q);
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

/* site names one of the sites exactly; an alias, another host or a
 * repeat is refused; empty means the default (the first site). */
START_TEST(test_params_site)
{
    report_params p;
    char err[256] = "";

    ck_assert_msg(params_parse("", test_sites(), &p, err, sizeof(err)) == 0, "%s", err);
    ck_assert_str_eq(p.site, "example.com");
    ck_assert_ptr_eq(p.sites, test_sites());
    ck_assert_msg(params_parse("site=", test_sites(), &p, err, sizeof(err)) == 0, "%s",
                  err);
    ck_assert_str_eq(p.site, "example.com");
    ck_assert_msg(params_parse("site=shop.example.com&window=15m", test_sites(), &p,
                               err, sizeof(err)) == 0, "%s", err);
    ck_assert_str_eq(p.site, "shop.example.com");
    check_params_error("site=www.example.com", "parameter \"site\"", "example.com");
    check_params_error("site=SHOP.example.com", "parameter \"site\"", NULL);
    check_params_error("site=evil.example", "parameter \"site\"", NULL);
    check_params_error("site=%3Cx%3E", "parameter \"site\"", NULL);
    check_params_error("site=example.com&site=example.com", "parameter \"site\"",
                       "more than once");
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

/* Expects q to parse with path want, the other parameters at their
 * defaults. */
static void
check_params_path(const char *q, const char *want)
{
    report_params p;
    char err[256] = "";

    memset(&p, 'x', sizeof(p));
    ck_assert_msg(params_parse(q, test_sites(), &p, err, sizeof(err)) == 0, "\"%s\": %s", q, err);
    ck_assert_msg(strcmp(p.path, want) == 0, "\"%s\": path \"%s\", expected \"%s\"",
                  q, p.path, want);
    ck_assert_str_eq(p.window, "60m");
    ck_assert_int_eq(p.top, 10);
    ck_assert_str_eq(p.tz, "UTC");
}

START_TEST(test_params_path)
{
    char q[600], want[600];

    check_params_path("path=", "");
    check_params_path("path", "");
    check_params_path("path=/", "/");
    check_params_path("path=/pricing", "/pricing");
    check_params_path("path=%2Fpricing", "/pricing");
    check_params_path("path=/docs/", "/docs/");
    check_params_path("path=/a/b/c", "/a/b/c");
    check_params_path("path=/a,b;c=d", "/a,b;c=d");
    /* Already-canonical escapes: a space, a '/' inside a segment, a '%'. */
    check_params_path("path=/a%2520b", "/a%20b");
    check_params_path("path=/a%252Fb", "/a%2Fb");
    check_params_path("path=/100%2525", "/100%25");
    /* UTF-8 stays as it is. */
    check_params_path("path=/caf%C3%A9", "/caf\xC3\xA9");
    /* The bucket of paths past a minute's cap, as listed on the report. */
    check_params_path("path=(other)", PATH_OTHER);
    check_params_path("path=%28other%29", PATH_OTHER);
    /* The longest value a query can carry, 512 bytes, fits. */
    want[0] = '/';
    memset(want + 1, 'a', PATH_NORMAL_MAX - 1);
    want[PATH_NORMAL_MAX] = '\0';
    snprintf(q, sizeof(q), "path=%s", want);
    check_params_path(q, want);
}
END_TEST

START_TEST(test_params_path_combined)
{
    report_params p;
    char err[256] = "";

    ck_assert_int_eq(params_parse("window=6h&path=/x/y&top=5&tz=Asia/Kolkata", test_sites(), &p,
                                  err, sizeof(err)), 0);
    ck_assert_str_eq(p.window, "6h");
    ck_assert_int_eq(p.minutes, 360);
    ck_assert_int_eq(p.bucket_minutes, 5);
    ck_assert_int_eq(p.top, 5);
    ck_assert_str_eq(p.tz, "Asia/Kolkata");
    ck_assert_str_eq(p.path, "/x/y");
}
END_TEST

START_TEST(test_params_path_errors)
{
    static const char *const bad[] = {
        "path=pricing",          /* no leading slash */
        "path=%2E%2E%2Fetc",     /* "../etc" */
        "path=/a/../b",          /* dot segments */
        "path=/a/./b",
        "path=/..",
        "path=/.",
        "path=/a//b",            /* empty segments */
        "path=//a",
        "path=/a%20b",           /* a raw space: canonical is %20 */
        "path=/a+b",
        "path=/a%3Fb",           /* "/a?b": the query would be dropped */
        "path=/a%23b",           /* "/a#b" */
        "path=/a%25",            /* a lone '%' */
        "path=/a%252fb",         /* lower-case escape: canonical is %2F */
        "path=/caf%25C3%25A9",   /* an escaped letter: canonical is the letter */
        "path=http://host/a",
        "path=%20/a",
        "path=(other)x",         /* only the exact name */
        "path=other",
    };

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        check_params_error(bad[i], "parameter \"path\"", "normalized path");
    check_params_error("path=/a&path=/b", "\"path\"", "more than once");
    /* A control character is refused by the query string parser. */
    check_params_error("path=/a%0Ab", "control character", NULL);
}
END_TEST

/* ---- tz ------------------------------------------------------------------ */

/* A zoneinfo directory of our own for the TZDIR tests, made by the parent
 * process before the "tz" tests and removed after them (an unchecked
 * fixture), so a failed assertion leaves nothing behind:
 *   Fake/Zone   the bytes of the system's Etc/UTC, a real TZif file
 *   Link        a symlink to Fake/Zone
 *   Magic       just the 4 bytes "TZif"
 *   Short       "TZi"
 *   Empty       no bytes
 *   Text        a line of text
 *   Lower       "tzif2", the magic in the wrong case
 *   Dir/        an empty directory
 *   tz_name64   TZif under a name of PARAMS_TZ_MAX bytes
 *   tz_name65   TZif under a name of PARAMS_TZ_MAX + 1 bytes
 *   tz_deep     a directory whose path is so long that tz_deep + "/" +
 *               "Fake/Zone" is 511 bytes, holding Fake/Zone too. */
static char tz_dir[64];
static char tz_deep[512];
static char tz_name64[PARAMS_TZ_MAX + 1];
static char tz_name65[PARAMS_TZ_MAX + 2];

/* Ends the program with a message: for failures of the fixture, which runs
 * outside any test. */
static void
tz_fixture_fail(const char *what)
{
    perror(what);
    exit(EXIT_FAILURE);
}

/* Writes len bytes of data to the file at path. */
static void
tz_write(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");

    if (f == NULL || fwrite(data, 1, len, f) != len || fclose(f) != 0)
        tz_fixture_fail(path);
}

/* Writes len bytes of data to tz_dir/name. */
static void
tz_put(const char *name, const void *data, size_t len)
{
    char path[1024];

    snprintf(path, sizeof(path), "%s/%s", tz_dir, name);
    tz_write(path, data, len);
}

/* Makes the directory path. */
static void
tz_mkdir(const char *path)
{
    if (mkdir(path, 0700) != 0)
        tz_fixture_fail(path);
}

/* Makes tz_dir and its contents (see above); ends the program on failure. */
static void
make_tz_dir(void)
{
    char utc[4096], path[1024];
    size_t size, n, len = 501;
    FILE *f = fopen("/usr/share/zoneinfo/Etc/UTC", "rb");

    if (f == NULL)
        tz_fixture_fail("/usr/share/zoneinfo/Etc/UTC");
    size = fread(utc, 1, sizeof(utc), f);
    fclose(f);
    if (size < 44 || memcmp(utc, "TZif", 4) != 0) {
        fprintf(stderr, "/usr/share/zoneinfo/Etc/UTC is no TZif file\n");
        exit(EXIT_FAILURE);
    }
    snprintf(tz_dir, sizeof(tz_dir), "/tmp/check_text.XXXXXX");
    if (mkdtemp(tz_dir) == NULL)
        tz_fixture_fail("mkdtemp");

    snprintf(path, sizeof(path), "%s/Fake", tz_dir);
    tz_mkdir(path);
    snprintf(path, sizeof(path), "%s/Dir", tz_dir);
    tz_mkdir(path);
    tz_put("Fake/Zone", utc, size);
    snprintf(path, sizeof(path), "%s/Link", tz_dir);
    if (symlink("Fake/Zone", path) != 0)
        tz_fixture_fail(path);
    tz_put("Magic", "TZif", 4);
    tz_put("Short", "TZi", 3);
    tz_put("Empty", "", 0);
    tz_put("Text", "# not a time zone\n", 18);
    tz_put("Lower", "tzif2\n", 6);

    memset(tz_name64, 'x', PARAMS_TZ_MAX);
    memcpy(tz_name64, "Long_", 5);
    tz_name64[PARAMS_TZ_MAX] = '\0';
    memset(tz_name65, 'y', PARAMS_TZ_MAX + 1);
    memcpy(tz_name65, "Long_", 5);
    tz_name65[PARAMS_TZ_MAX + 1] = '\0';
    tz_put(tz_name64, utc, size);
    tz_put(tz_name65, utc, size);

    /* tz_deep: tz_dir + "/" + 250 'd' + "/" + as many 'e' as make 501 bytes,
     * so that tz_deep + "/Fake/Zone" is 511 bytes, the most a 512-byte
     * buffer holds. */
    if (strlen(tz_dir) + 255 > len) {
        fprintf(stderr, "temporary directory name too long: %s\n", tz_dir);
        exit(EXIT_FAILURE);
    }
    n = (size_t)snprintf(tz_deep, sizeof(tz_deep), "%s/", tz_dir);
    memset(tz_deep + n, 'd', 250);
    tz_deep[n + 250] = '\0';
    tz_mkdir(tz_deep);
    n += 250;
    tz_deep[n++] = '/';
    memset(tz_deep + n, 'e', len - n);
    tz_deep[len] = '\0';
    tz_mkdir(tz_deep);
    snprintf(path, sizeof(path), "%s/Fake", tz_deep);
    tz_mkdir(path);
    snprintf(path, sizeof(path), "%s/Fake/Zone", tz_deep);
    tz_write(path, utc, size);
}

/* nftw callback: removes one file, link or (emptied) directory. */
static int
tz_remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

/* Removes tz_dir and everything in it, without following links. */
static void
remove_tz_dir(void)
{
    if (tz_dir[0])
        nftw(tz_dir, tz_remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Sets TZDIR to dir, or unsets it when dir is NULL. */
static void
tz_set_dir(const char *dir)
{
    if (dir)
        ck_assert_int_eq(setenv("TZDIR", dir, 1), 0);
    else
        ck_assert_int_eq(unsetenv("TZDIR"), 0);
}

/* Returns params_tz_valid(name) with TZDIR set to dir (unset when dir is
 * NULL), and puts TZDIR back as it was before returning. */
static int
tz_valid_in(const char *dir, const char *name)
{
    const char *old = getenv("TZDIR");
    char *saved = old ? strdup(old) : NULL;
    int ok;

    ck_assert(old == NULL || saved != NULL);
    tz_set_dir(dir);
    ok = params_tz_valid(name);
    tz_set_dir(saved);
    free(saved);
    return ok;
}

/* Returns params_parse(q, ...) with TZDIR as for tz_valid_in. */
static int
tz_parse_in(const char *dir, const char *q, report_params *p, char *err,
            size_t errlen)
{
    const char *old = getenv("TZDIR");
    char *saved = old ? strdup(old) : NULL;
    int rc;

    ck_assert(old == NULL || saved != NULL);
    tz_set_dir(dir);
    rc = params_parse(q, test_sites(), p, err, errlen);
    tz_set_dir(saved);
    free(saved);
    return rc;
}

/* Expects params_tz_valid(name) to be want with TZDIR as for tz_valid_in. */
static void
check_tz_valid(const char *dir, const char *name, int want)
{
    ck_assert_msg(tz_valid_in(dir, name) == want, "TZDIR %s: \"%s\" %s",
                  dir ? dir : "(unset)", name, want ? "refused" : "accepted");
}

/* Expects q to parse with TZDIR as for tz_valid_in, giving tz want and the
 * defaults of the other parameters. */
static void
check_tz_ok(const char *dir, const char *q, const char *want)
{
    report_params p;
    char err[256] = "";

    memset(&p, 'x', sizeof(p));
    ck_assert_msg(tz_parse_in(dir, q, &p, err, sizeof(err)) == 0, "\"%s\": %s", q,
                  err);
    ck_assert_msg(strcmp(p.tz, want) == 0, "\"%s\": tz \"%s\", expected \"%s\"", q,
                  p.tz, want);
    ck_assert_str_eq(p.window, "60m");
    ck_assert_int_eq(p.top, 10);
    ck_assert_str_eq(p.path, "");
}

/* Expects q to be refused, with TZDIR as for tz_valid_in, by a message that
 * names the tz parameter. */
static void
check_tz_error(const char *dir, const char *q)
{
    report_params p;
    char err[256] = "";

    ck_assert_msg(tz_parse_in(dir, q, &p, err, sizeof(err)) == -1, "\"%s\" accepted",
                  q);
    ck_assert_msg(strcmp(err, "parameter \"tz\" must be an IANA time zone name "
                              "like UTC or Europe/Berlin") == 0,
                  "\"%s\": message \"%s\"", q, err);
}

/* Expects file to exist under the system's zoneinfo, so that a test that it
 * is refused is not refused for being absent alone. */
static void
check_zoneinfo_has(const char *file)
{
    char path[256];

    snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", file);
    ck_assert_msg(access(path, R_OK) == 0, "%s is missing (Debian's tzdata has it)",
                  path);
}

START_TEST(test_tz_default)
{
    report_params p;
    char err[256] = "";

    check_tz_ok(NULL, NULL, "UTC");
    check_tz_ok(NULL, "", "UTC");
    check_tz_ok(NULL, "path=", "UTC");
    /* An emptied form field means the default, as for path. */
    check_tz_ok(NULL, "tz=", "UTC");
    check_tz_ok(NULL, "tz", "UTC");
    check_tz_ok(NULL, "top=10&tz=&path=", "UTC");
    /* The default replaces whatever p held. */
    strcpy(p.tz, "Europe/Berlin");
    ck_assert_int_eq(params_parse("window=15m", test_sites(), &p, err, sizeof(err)), 0);
    ck_assert_str_eq(p.tz, "UTC");
}
END_TEST

START_TEST(test_tz_valid_names)
{
    static const char *const good[] = {
        "UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Etc/UTC",
        "Etc/GMT+5", "Etc/GMT-14", "America/Port-au-Prince",
        "America/Argentina/Buenos_Aires", "Japan",
    };

    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        check_tz_valid(NULL, good[i], 1);
    check_tz_ok(NULL, "tz=UTC", "UTC");
    check_tz_ok(NULL, "tz=Europe/Berlin", "Europe/Berlin");
    check_tz_ok(NULL, "tz=America/New_York", "America/New_York");
    check_tz_ok(NULL, "tz=Asia/Kolkata", "Asia/Kolkata");
    check_tz_ok(NULL, "tz=Etc/GMT%2B5", "Etc/GMT+5");
    /* Query escapes are decoded first: an escaped '/' is a '/'. */
    check_tz_ok(NULL, "tz=America%2FNew_York", "America/New_York");
    check_tz_ok(NULL, "tz=%45urope/Berlin", "Europe/Berlin");
}
END_TEST

START_TEST(test_tz_traversal)
{
    static const char *const bad[] = {
        "../etc/passwd", "/etc/localtime", "/etc/passwd", "/Europe/Berlin",
        "Europe/../../etc", "Europe/../Europe/Berlin", "Europe/./Berlin",
        "./Etc/UTC", "Europe//Berlin", "Europe/Berlin/", "Europe/", "/",
        "..", ".", "Europe/..", "../../../../../../../etc/localtime",
        "../zoneinfo/UTC", "//Europe/Berlin",
    };

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        check_tz_valid(NULL, bad[i], 0);
    check_tz_error(NULL, "tz=../etc/passwd");
    check_tz_error(NULL, "tz=/etc/localtime");
    check_tz_error(NULL, "tz=%2Fetc%2Flocaltime");
    check_tz_error(NULL, "tz=..%2F..%2F..%2F..%2F..%2F..%2F..%2Fetc%2Flocaltime");
    check_tz_error(NULL, "tz=Europe%2F%2E%2E%2F%2E%2E%2Fetc");
    check_tz_error(NULL, "tz=Europe%2F%2E%2E%2FEurope%2FBerlin");
    check_tz_error(NULL, "tz=Europe//Berlin");
    check_tz_error(NULL, "tz=Europe%2F%2FBerlin");
}
END_TEST

START_TEST(test_tz_bad_characters)
{
    static const char *const bad[] = {
        "", " UTC", "UTC ", "Europe/ Berlin", "Europe/Berlin\n", "Europe/Berlin\r",
        "\tUTC", "UTC\x7F", "Europe/Berlin\x1B", "Europe/Z\xC3\xBCrich",
        "Europe\\Berlin", "Europe/Berlin;", "Europe/Berlin?x", "Europe/Berlin*",
        "Europe%2FBerlin", "Europe%2fBerlin", "%2E%2E/etc", "Europe/%2E%2E/etc",
        "UTC%00", "Europe/Berlin.", "utc", "europe/berlin", "UTC/",
    };

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        check_tz_valid(NULL, bad[i], 0);
    check_tz_error(NULL, "tz=Europe/Berlin+");      /* a space */
    check_tz_error(NULL, "tz=+UTC");
    check_tz_error(NULL, "tz=Europe%20Berlin");
    check_tz_error(NULL, "tz=Europe%252FBerlin");   /* "Europe%2FBerlin" */
    check_tz_error(NULL, "tz=%252E%252E%252Fetc");
    check_tz_error(NULL, "tz=Europe%5CBerlin");
    check_tz_error(NULL, "tz=Europe/Z%C3%BCrich");
    check_tz_error(NULL, "tz=utc");
    /* Control characters never get past the query string parser. */
    check_params_error("tz=UTC%0A", "control character", NULL);
    check_params_error("tz=UTC%00", "control character", NULL);
    check_params_error("tz=%09UTC", "control character", NULL);
    check_params_error("tz=UTC&tz=UTC", "\"tz\"", "more than once");
}
END_TEST

START_TEST(test_tz_not_a_zone)
{
    /* Directories, and files of tzdata that are not TZif. */
    static const char *const dirs[] = { "Europe", "America/Argentina", "Etc" };
    static const char *const files[] = {
        "leapseconds", "zone.tab", "zone1970.tab", "tzdata.zi", "iso3166.tab",
        "leap-seconds.list",
    };

    for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
        check_zoneinfo_has(dirs[i]);
        check_tz_valid(NULL, dirs[i], 0);
    }
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        check_zoneinfo_has(files[i]);
        check_tz_valid(NULL, files[i], 0);
    }
    check_tz_valid(NULL, "Europe/Atlantis", 0);
    check_tz_valid(NULL, "Nowhere", 0);
    check_tz_valid(NULL, "Europe/Berlin/x", 0);
    check_tz_error(NULL, "tz=Europe");
    check_tz_error(NULL, "tz=leapseconds");
    check_tz_error(NULL, "tz=zone.tab");
    check_tz_error(NULL, "tz=Europe/Atlantis");
}
END_TEST

START_TEST(test_tz_length)
{
    char q[1024], name[600];

    ck_assert_uint_eq(strlen(tz_name64), PARAMS_TZ_MAX);
    ck_assert_uint_eq(strlen(tz_name65), PARAMS_TZ_MAX + 1);
    /* Both files exist; only the longer name is too long. */
    check_tz_valid(tz_dir, tz_name64, 1);
    check_tz_valid(tz_dir, tz_name65, 0);
    snprintf(q, sizeof(q), "tz=%s", tz_name64);
    check_tz_ok(tz_dir, q, tz_name64);
    snprintf(q, sizeof(q), "tz=%s", tz_name65);
    check_tz_error(tz_dir, q);
    /* Far too long, also for the file name buffer. */
    memset(name, 'A', sizeof(name) - 1);
    name[sizeof(name) - 1] = '\0';
    check_tz_valid(NULL, name, 0);
    snprintf(q, sizeof(q), "tz=%.512s", name);
    check_tz_error(NULL, q);
}
END_TEST

START_TEST(test_tzdir_override)
{
    static const char *const bad[] = {
        "Europe/Berlin", "Etc/UTC", "Short", "Empty", "Text", "Lower", "Dir",
        "Fake", "Fake/", "Nope", "Fake/Zone/", "Fake//Zone", "Fake/../Magic",
    };
    const char *before = getenv("TZDIR");
    char *saved = before ? strdup(before) : NULL;
    const char *after;

    check_tz_valid(tz_dir, "Fake/Zone", 1);
    check_tz_valid(tz_dir, "Link", 1);
    check_tz_valid(tz_dir, "Magic", 1);
    check_tz_valid(tz_dir, "UTC", 1);      /* "UTC" needs no file */
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        check_tz_valid(tz_dir, bad[i], 0);
    check_tz_ok(tz_dir, "tz=Fake/Zone", "Fake/Zone");
    check_tz_ok(tz_dir, "tz=UTC", "UTC");
    check_tz_error(tz_dir, "tz=Europe/Berlin");
    check_tz_error(tz_dir, "tz=Text");

    /* Unset or empty: the system's directory. A trailing slash is fine. */
    check_tz_valid(NULL, "Fake/Zone", 0);
    check_tz_valid("", "Fake/Zone", 0);
    check_tz_valid("", "Europe/Berlin", 1);
    check_tz_valid("/usr/share/zoneinfo/", "Europe/Berlin", 1);
    check_tz_valid("/nonexistent-tzdir", "Europe/Berlin", 0);
    check_tz_valid("/nonexistent-tzdir", "UTC", 1);

    /* TZDIR is as it was. */
    after = getenv("TZDIR");
    ck_assert_msg((before == NULL && after == NULL)
                  || (saved && after && strcmp(saved, after) == 0),
                  "TZDIR changed from %s to %s", saved ? saved : "(unset)",
                  after ? after : "(unset)");
    free(saved);
}
END_TEST

START_TEST(test_tzdir_long)
{
    /* tz_deep + "/Fake/Zone" just fits params_tz_valid's 512-byte file name
     * buffer; a longer name must not be cut down to a file that exists. */
    ck_assert_uint_eq(strlen(tz_deep) + strlen("/Fake/Zone"), 511);
    check_tz_valid(tz_deep, "Fake/Zone", 1);
    check_tz_valid(tz_deep, "Fake/ZoneX", 0);
    check_tz_valid(tz_deep, "Fake/Zone/Europe/Berlin", 0);
}
END_TEST

/* ---- file ---------------------------------------------------------------- */

/* Returns the contents of path (at most 255 bytes), or "" when unreadable. */
static const char *
read_all(const char *path, char *out, size_t cap)
{
    FILE *f = fopen(path, "r");
    size_t n = 0;

    if (f != NULL) {
        n = fread(out, 1, cap - 1, f);
        fclose(f);
    }
    out[n] = '\0';
    return out;
}

START_TEST(test_file_replace)
{
    char dir[] = "/tmp/check_text.XXXXXX", path[128], tmp[160], got[256], err[512];
    struct stat st;

    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/pid", dir);
    ck_assert_int_eq(file_replace(path, "123\n", err, sizeof(err)), 0);
    ck_assert_str_eq(read_all(path, got, sizeof(got)), "123\n");
    ck_assert_int_eq(file_replace(path, "45\n", err, sizeof(err)), 0);
    ck_assert_str_eq(read_all(path, got, sizeof(got)), "45\n");
    ck_assert_int_eq(file_replace(path, "", err, sizeof(err)), 0);
    ck_assert_str_eq(read_all(path, got, sizeof(got)), "");
    /* No temporary file is left beside it. */
    snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
    ck_assert_int_ne(stat(tmp, &st), 0);
    /* A directory that does not exist: the cause is named, nothing made. */
    snprintf(path, sizeof(path), "%s/none/pid", dir);
    ck_assert_int_eq(file_replace(path, "1\n", err, sizeof(err)), -1);
    ck_assert_ptr_nonnull(strstr(err, "No such file or directory"));
    /* Renaming over a directory fails after the write: the temporary
     * file goes. */
    snprintf(path, sizeof(path), "%s/sub", dir);
    ck_assert_int_eq(mkdir(path, 0700), 0);
    ck_assert_int_eq(file_replace(path, "1\n", err, sizeof(err)), -1);
    ck_assert_ptr_nonnull(strstr(err, path));
    snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
    ck_assert_int_ne(stat(tmp, &st), 0);
    ck_assert_int_eq(rmdir(path), 0);
    snprintf(path, sizeof(path), "%s/pid", dir);
    ck_assert_int_eq(unlink(path), 0);
    ck_assert_int_eq(rmdir(dir), 0);
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

    tc = tcase_create("query_string");
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
    tcase_add_test(tc, test_params_site);
    tcase_add_test(tc, test_params_window_errors);
    tcase_add_test(tc, test_params_top);
    tcase_add_test(tc, test_params_top_errors);
    tcase_add_test(tc, test_params_unknown_and_repeated);
    tcase_add_test(tc, test_params_path);
    tcase_add_test(tc, test_params_path_combined);
    tcase_add_test(tc, test_params_path_errors);
    suite_add_tcase(s, tc);

    tc = tcase_create("tz");
    tcase_add_unchecked_fixture(tc, make_tz_dir, remove_tz_dir);
    tcase_add_test(tc, test_tz_default);
    tcase_add_test(tc, test_tz_valid_names);
    tcase_add_test(tc, test_tz_traversal);
    tcase_add_test(tc, test_tz_bad_characters);
    tcase_add_test(tc, test_tz_not_a_zone);
    tcase_add_test(tc, test_tz_length);
    tcase_add_test(tc, test_tzdir_override);
    tcase_add_test(tc, test_tzdir_long);
    suite_add_tcase(s, tc);
    tc = tcase_create("file");
    tcase_add_test(tc, test_file_replace);
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
