/* check_csv.c - unit tests of the /visits.csv side: its query parameters
 * (params_parse_csv, lib/report/params.h) and its fields (render_csv_field,
 * lib/report/render.h).
 *
 * The expected instants are seconds since the epoch worked out apart from
 * lib/core/timestamp.c (with date -u +%s).
 *
 * Test cases: "params" (defaults, formats, rounding, range, malformed times,
 * unknown and repeated parameters, path), "field" (quoting and formula
 * neutralization). */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "params.h"
#include "render.h"
#include "sites_fixture.h"

#define T_0000_0301 1772323200LL   /* 2026-03-01T00:00:00Z */
#define T_0000_0308 1772928000LL   /* 2026-03-08T00:00:00Z */
#define T_1000_0315 1773568800LL   /* 2026-03-15T10:00:00Z */
#define T_1100_0315 1773572400LL   /* 2026-03-15T11:00:00Z */
#define T_1234_0315 1773578040LL   /* 2026-03-15T12:34:00Z */
#define T_1235_0315 1773578100LL   /* 2026-03-15T12:35:00Z */
#define NOW_MS (1773578096LL * 1000 + 789)  /* 2026-03-15T12:34:56.789Z */

/* ---- params -------------------------------------------------------------- */

/* Expects q, at now_ms, to parse to [from, to) and path. */

static void
check_csv_ok(const char *q, int64_t now_ms, int64_t from, int64_t to,
             const char *path)
{
    csv_params p;
    char err[256] = "";

    memset(&p, 'x', sizeof(p));
    ck_assert_msg(params_parse_csv(q, test_sites(), now_ms, &p, err, sizeof(err)) == 0,
                  "\"%s\": %s", q ? q : "(null)", err);
    ck_assert_msg(p.from == from && p.to == to,
                  "\"%s\": [%lld, %lld), expected [%lld, %lld)", q ? q : "(null)",
                  (long long)p.from, (long long)p.to, (long long)from,
                  (long long)to);
    ck_assert_msg(strcmp(p.path, path) == 0, "\"%s\": path \"%s\", expected \"%s\"",
                  q ? q : "(null)", p.path, path);
}

/* Expects q, at NOW_MS, to be refused with a message holding want1 and, when
 * not NULL, want2. */
static void
check_csv_error(const char *q, const char *want1, const char *want2)
{
    csv_params p;
    char err[256] = "";

    ck_assert_msg(params_parse_csv(q, test_sites(), NOW_MS, &p, err, sizeof(err)) == -1,
                  "\"%s\" accepted", q);
    ck_assert_msg(strstr(err, want1) != NULL, "\"%s\": \"%s\" lacks \"%s\"", q, err,
                  want1);
    if (want2)
        ck_assert_msg(strstr(err, want2) != NULL, "\"%s\": \"%s\" lacks \"%s\"", q,
                      err, want2);
}

/* Expects the time t (as written in a query), given as from with a to of
 * 2026-03-15T12:00Z and given as to alone, to be refused by a message
 * naming the parameter and showing the accepted form. */
static void
check_csv_bad_time(const char *t)
{
    char q[256];

    snprintf(q, sizeof(q), "from=%s&to=2026-03-15T12:00Z", t);
    check_csv_error(q, "parameter \"from\"", "2026-01-01T10:00Z");
    snprintf(q, sizeof(q), "to=%s", t);
    check_csv_error(q, "parameter \"to\"", "2026-01-01T10:00Z");
}

START_TEST(test_csv_defaults)
{
    /* to: the end of the current minute; from: an hour before. */
    check_csv_ok(NULL, NOW_MS, T_1235_0315 - 3600, T_1235_0315, "");
    check_csv_ok("", NOW_MS, T_1235_0315 - 3600, T_1235_0315, "");
    check_csv_ok("&", NOW_MS, T_1235_0315 - 3600, T_1235_0315, "");
    /* At the first and the last millisecond of the minute. */
    check_csv_ok("", T_1234_0315 * 1000, T_1235_0315 - 3600, T_1235_0315, "");
    check_csv_ok("", T_1235_0315 * 1000 - 1, T_1235_0315 - 3600, T_1235_0315, "");
    check_csv_ok("", T_1235_0315 * 1000, T_1235_0315 + 60 - 3600,
                 T_1235_0315 + 60, "");
    /* Only one end given: the other as by default. */
    check_csv_ok("to=2026-03-15T11:00Z", NOW_MS, T_1000_0315, T_1100_0315, "");
    check_csv_ok("from=2026-03-15T10:00Z", NOW_MS, T_1000_0315, T_1235_0315, "");
}
END_TEST

START_TEST(test_csv_formats)
{
    check_csv_ok("from=2026-03-15T10:00Z&to=2026-03-15T11:00Z", NOW_MS, T_1000_0315,
                 T_1100_0315, "");
    check_csv_ok("from=2026-03-15T10:00:00Z&to=2026-03-15T11:00:00Z", NOW_MS,
                 T_1000_0315, T_1100_0315, "");
    check_csv_ok("to=2026-03-15T11:00:00Z&from=2026-03-15T10:00Z", NOW_MS,
                 T_1000_0315, T_1100_0315, "");
    /* Escaped ':' as browsers send it. */
    check_csv_ok("from=2026-03-15T10%3A00Z&to=2026-03-15T11%3A00%3A00Z", NOW_MS,
                 T_1000_0315, T_1100_0315, "");
    /* Either end may lie in the future. */
    check_csv_ok("from=2026-12-31T23:59Z&to=2027-01-01T00:00Z", NOW_MS,
                 1798761540LL, 1798761600LL, "");
    /* The first and the last minute of the years accepted. */
    check_csv_ok("from=2000-01-01T00:00Z&to=2000-01-01T00:01Z", NOW_MS,
                 946684800LL, 946684860LL, "");
    check_csv_ok("from=2999-12-31T23:58Z&to=2999-12-31T23:59Z", NOW_MS,
                 32503679880LL, 32503679940LL, "");
}
END_TEST

START_TEST(test_csv_rounding)
{
    /* Seconds are dropped, never rounded up. */
    check_csv_ok("from=2026-03-15T10:00:59Z&to=2026-03-15T11:00:01Z", NOW_MS,
                 T_1000_0315, T_1100_0315, "");
    check_csv_ok("from=2026-03-15T09:59:59Z&to=2026-03-15T11:00:30Z", NOW_MS,
                 T_1000_0315 - 60, T_1100_0315, "");
    /* Two times in one minute make an empty range. */
    check_csv_error("from=2026-03-15T10:00:10Z&to=2026-03-15T10:00:50Z",
                    "parameter \"from\"", "before \"to\"");
}
END_TEST

START_TEST(test_csv_order)
{
    check_csv_error("from=2026-03-15T11:00Z&to=2026-03-15T10:00Z", "parameter \"from\"",
                    "before \"to\"");
    check_csv_error("from=2026-03-15T10:00Z&to=2026-03-15T10:00Z", "parameter \"from\"",
                    "before \"to\"");
    /* from after the default to. */
    check_csv_error("from=2026-03-15T12:35Z", "parameter \"from\"", "before \"to\"");
    check_csv_ok("from=2026-03-15T12:34Z", NOW_MS, T_1234_0315, T_1235_0315, "");
    check_csv_ok("from=2026-03-15T10:00Z&to=2026-03-15T10:01Z", NOW_MS, T_1000_0315,
                 T_1000_0315 + 60, "");
}
END_TEST

START_TEST(test_csv_range_limit)
{
    ck_assert_int_eq(PARAMS_CSV_MAX_SECONDS, 7 * 86400);
    check_csv_ok("from=2026-03-01T00:00Z&to=2026-03-08T00:00Z", NOW_MS, T_0000_0301,
                 T_0000_0308, "");
    ck_assert_int_eq(T_0000_0308 - T_0000_0301, PARAMS_CSV_MAX_SECONDS);
    /* Seconds past the limit are dropped with the rest. */
    check_csv_ok("from=2026-03-01T00:00:59Z&to=2026-03-08T00:00:59Z", NOW_MS,
                 T_0000_0301, T_0000_0308, "");
    check_csv_error("from=2026-03-01T00:00Z&to=2026-03-08T00:01Z", "\"from\"",
                    "at most 7 days");
    check_csv_error("from=2026-03-01T00:00Z&to=2026-03-08T00:01Z", "\"to\"", NULL);
    check_csv_error("from=2026-02-28T23:59Z&to=2026-03-08T00:00Z", "\"from\"",
                    "at most 7 days");
    check_csv_error("from=2000-01-01T00:00Z&to=2999-12-31T23:59Z", "\"from\"",
                    "at most 7 days");
    /* With the default to: from 7 days back is fine, a minute more is not. */
    check_csv_ok("from=2026-03-08T12:35Z", NOW_MS, T_1235_0315 - 7 * 86400,
                 T_1235_0315, "");
    check_csv_error("from=2026-03-08T12:34Z", "\"from\"", "at most 7 days");
}
END_TEST

START_TEST(test_csv_bad_dates)
{
    static const char *const bad[] = {
        "2026-00-15T10:00Z", "2026-13-15T10:00Z", "2026-03-00T10:00Z",
        "2026-03-32T10:00Z", "2026-04-31T10:00Z", "2026-02-30T10:00Z",
        "2023-02-29T10:00Z", "2100-02-29T10:00Z", "2026-03-15T24:00Z",
        "2026-03-15T10:60Z", "2026-03-15T10:00:60Z", "2026-03-15T10:00:99Z",
        "1999-12-31T23:59Z", "3000-01-01T00:00Z", "0000-01-01T00:00Z",
    };

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        check_csv_bad_time(bad[i]);
    /* Leap days. */
    check_csv_ok("from=2024-02-29T23:00Z&to=2024-02-29T23:59Z", NOW_MS,
                 1709251140LL - 3540, 1709251140LL, "");
    check_csv_ok("from=2000-02-29T00:00Z&to=2000-02-29T01:00Z", NOW_MS, 951782400LL,
                 951782400LL + 3600, "");
}
END_TEST

START_TEST(test_csv_bad_syntax)
{
    static const char *const bad[] = {
        "",                            /* empty */
        "2026-03-15T10:00",            /* no Z */
        "2026-03-15T10:00:00",
        "2026-03-15T10:00z",           /* lower-case z */
        "2026-03-15t10:00Z",
        "2026-03-15T10:00Zx",          /* trailing junk */
        "2026-03-15T10:00ZZ",
        "2026-03-15T10:00:00Zx",
        "2026-03-15T10:00:00.000Z",    /* milliseconds: not one of the forms */
        "2026-03-15T10:00%2B01:00",    /* offsets */
        "2026-03-15T10:00:00%2B00:00",
        "2026-03-15T10Z",
        "2026-03-15Z",
        "2026-03-15",
        "2026-3-15T10:00Z",            /* no zero padding */
        "2026-03-15T1:00:00Z",
        "2026-03-15T10:00:0Z",
        "2026-03-15T10:0Z",
        "2026/03/15T10:00Z",           /* other separators */
        "2026-03-15T10.00Z",
        "2026-03-15T10:00.00Z",
        "2026-03-15T10:00Z00Z",
        "20260315T1000Z",
        "%20026-03-15T10:00Z",         /* not digits */
        "%2B026-03-15T10:00Z",
        "2026-0a-15T10:00Z",
        "2026-03-15T10:-1Z",
        "1773568800",                  /* epoch seconds */
        "now",
    };

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        check_csv_bad_time(bad[i]);
    /* A space, as '+' or %20, in place of the T. */
    check_csv_error("from=2026-03-15+10:00Z", "parameter \"from\"", NULL);
    check_csv_error("to=2026-03-15%2010:00Z", "parameter \"to\"", NULL);
    check_csv_error("from", "parameter \"from\"", NULL);
    check_csv_error("to", "parameter \"to\"", NULL);
}
END_TEST

/* The export is of one site: the default one unless site names another. */
START_TEST(test_csv_site)
{
    csv_params p;
    char err[256] = "";

    ck_assert_msg(params_parse_csv("", test_sites(), NOW_MS, &p, err, sizeof(err)) == 0,
                  "%s", err);
    ck_assert_str_eq(p.site, "example.com");
    ck_assert_msg(params_parse_csv("site=shop.example.com", test_sites(), NOW_MS, &p,
                                   err, sizeof(err)) == 0, "%s", err);
    ck_assert_str_eq(p.site, "shop.example.com");
    check_csv_error("site=www.example.com", "parameter \"site\"", NULL);
    check_csv_error("site=other.example", "parameter \"site\"", NULL);
}
END_TEST

START_TEST(test_csv_unknown_and_repeated)
{
    check_csv_error("window=60m", "unknown parameter \"window\"",
                    "allowed: site, from, to, path");
    check_csv_error("tz=UTC", "unknown parameter \"tz\"", NULL);
    check_csv_error("From=2026-03-15T10:00Z", "unknown parameter \"From\"", NULL);
    check_csv_error("from=2026-03-15T10:00Z&x", "unknown parameter \"x\"", NULL);
    check_csv_error("from=2026-03-15T10:00Z&from=2026-03-15T10:00Z",
                    "parameter \"from\"", "more than once");
    check_csv_error("to=2026-03-15T11:00Z&to=2026-03-15T11:30Z", "parameter \"to\"",
                    "more than once");
    check_csv_error("path=/a&path=/a", "parameter \"path\"", "more than once");
    /* Errors of the query string itself are passed on. */
    check_csv_error("from=%zz", "invalid percent-escape", NULL);
    check_csv_error("from=2026-03-15T10:00Z%0A", "control character", NULL);
}
END_TEST

START_TEST(test_csv_path)
{
    check_csv_ok("path=/pricing", NOW_MS, T_1235_0315 - 3600, T_1235_0315,
                 "/pricing");
    check_csv_ok("path=", NOW_MS, T_1235_0315 - 3600, T_1235_0315, "");
    check_csv_ok("path=/", NOW_MS, T_1235_0315 - 3600, T_1235_0315, "/");
    check_csv_ok("path=/a%2520b&from=2026-03-15T10:00Z&to=2026-03-15T11:00Z", NOW_MS,
                 T_1000_0315, T_1100_0315, "/a%20b");
    check_csv_ok("path=%2Fcaf%C3%A9", NOW_MS, T_1235_0315 - 3600, T_1235_0315,
                 "/caf\xC3\xA9");
    check_csv_error("path=pricing", "parameter \"path\"", "normalized path");
    check_csv_error("path=/a/../b", "parameter \"path\"", "normalized path");
    check_csv_error("path=/a//b", "parameter \"path\"", "normalized path");
    check_csv_error("path=/a%20b", "parameter \"path\"", "normalized path");
    check_csv_error("path=/a%3Fb", "parameter \"path\"", "normalized path");
    check_csv_error("path=/a%252fb", "parameter \"path\"", "normalized path");
}
END_TEST

/* ---- field --------------------------------------------------------------- */

/* Expects render_csv_field(s), appended to a buffer holding "a,", to add
 * exactly want and nothing else. */
static void
check_field(const char *s, const char *want)
{
    buf b = BUF_INIT;

    ck_assert_int_eq(buf_puts(&b, "a,"), 0);
    ck_assert_int_eq(render_csv_field(&b, s), 0);
    ck_assert_int_eq(b.failed, 0);
    ck_assert_uint_eq(b.len, strlen(b.data));
    ck_assert_msg(strcmp(b.data + 2, want) == 0, "field \"%s\": got [%s], expected [%s]",
                  s, b.data + 2, want);
    buf_free(&b);
}

START_TEST(test_field_plain)
{
    check_field("/pricing", "/pricing");
    check_field("hello world", "hello world");
    check_field("1234", "1234");
    check_field("/a;b=c", "/a;b=c");
    check_field("it's", "it's");
    check_field("a=b", "a=b");           /* '=' not first */
    check_field("1-2", "1-2");
    check_field("x@y", "x@y");
    check_field("a\tb", "a\tb");         /* a tab inside needs no quotes */
}
END_TEST

START_TEST(test_field_empty)
{
    buf b = BUF_INIT;

    /* Nothing at all is appended, not even quotes. */
    ck_assert_int_eq(render_csv_field(&b, ""), 0);
    ck_assert_uint_eq(b.len, 0);
    check_field("", "");
    buf_free(&b);
}
END_TEST

START_TEST(test_field_quoting)
{
    check_field("a,b", "\"a,b\"");
    check_field(",", "\",\"");
    check_field("say \"hi\"", "\"say \"\"hi\"\"\"");
    check_field("\"", "\"\"\"\"");
    check_field("\"\"", "\"\"\"\"\"\"");
    check_field("line1\nline2", "\"line1\nline2\"");
    check_field("a\rb", "\"a\rb\"");
    check_field("a\r\nb", "\"a\r\nb\"");
    check_field("\n", "\"\n\"");
    check_field("/x,\"y\"\n", "\"/x,\"\"y\"\"\n\"");
}
END_TEST

START_TEST(test_field_formula)
{
    /* A leading =, +, -, @, tab or CR gets a single quote in front. */
    check_field("=1+2", "'=1+2");
    check_field("+1", "'+1");
    check_field("-1", "'-1");
    check_field("@SUM(A1:A9)", "'@SUM(A1:A9)");
    check_field("\tx", "'\tx");
    check_field("=", "'=");
    check_field("-", "'-");
    /* With quoting, the quote mark goes inside the quotes. */
    check_field("\r=1", "\"'\r=1\"");
    check_field("=SUM(A1,B1)", "\"'=SUM(A1,B1)\"");
    check_field("=HYPERLINK(\"http://x\",\"y\")",
                "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"");
    check_field("-2+3,=4", "\"'-2+3,=4\"");
    check_field("@\"", "\"'@\"\"\"");
    /* Only the first character counts; a leading LF or quote is no trigger. */
    check_field(" =1", " =1");
    check_field("'=1", "'=1");
    check_field("\n=1", "\"\n=1\"");
    check_field("\"=1\"", "\"\"\"=1\"\"\"");
}
END_TEST

START_TEST(test_field_utf8)
{
    check_field("/caf\xC3\xA9", "/caf\xC3\xA9");
    check_field("\xE2\x82\xAC 5", "\xE2\x82\xAC 5");
    check_field("\xF0\x9F\x98\x80", "\xF0\x9F\x98\x80");
    check_field("\xC3\xA9,\xC3\xA8", "\"\xC3\xA9,\xC3\xA8\"");
    /* U+FF1D FULLWIDTH EQUALS SIGN is no '='. */
    check_field("\xEF\xBC\x9D" "1", "\xEF\xBC\x9D" "1");
}
END_TEST

START_TEST(test_field_row)
{
    buf b = BUF_INIT;

    ck_assert_int_eq(render_csv_field(&b, "2026-03-15T10:00:00Z"), 0);
    ck_assert_int_eq(buf_puts(&b, ","), 0);
    ck_assert_int_eq(render_csv_field(&b, "=cmd|' /C calc'!A0"), 0);
    ck_assert_int_eq(buf_puts(&b, ","), 0);
    ck_assert_int_eq(render_csv_field(&b, "a\"b"), 0);
    ck_assert_int_eq(buf_puts(&b, ","), 0);
    ck_assert_int_eq(render_csv_field(&b, ""), 0);
    ck_assert_int_eq(buf_puts(&b, ",42\r\n"), 0);
    ck_assert_str_eq(b.data, "2026-03-15T10:00:00Z,'=cmd|' /C calc'!A0,\"a\"\"b\",,"
                             "42\r\n");
    buf_free(&b);
}
END_TEST

START_TEST(test_field_failed_buffer)
{
    buf b = BUF_INIT;

    ck_assert_int_eq(buf_puts(&b, "kept"), 0);
    ck_assert_int_eq(buf_append(&b, "x", (size_t)-1 / 2 + 1), -1);
    ck_assert_int_eq(render_csv_field(&b, "a,b"), -1);
    ck_assert_int_eq(render_csv_field(&b, "plain"), -1);
    ck_assert_str_eq(b.data, "kept");
    buf_free(&b);
}
END_TEST

static Suite *
csv_suite(void)
{
    Suite *s = suite_create("csv");
    TCase *tc;

    tc = tcase_create("params");
    tcase_add_test(tc, test_csv_defaults);
    tcase_add_test(tc, test_csv_formats);
    tcase_add_test(tc, test_csv_rounding);
    tcase_add_test(tc, test_csv_order);
    tcase_add_test(tc, test_csv_range_limit);
    tcase_add_test(tc, test_csv_bad_dates);
    tcase_add_test(tc, test_csv_bad_syntax);
    tcase_add_test(tc, test_csv_unknown_and_repeated);
    tcase_add_test(tc, test_csv_site);
    tcase_add_test(tc, test_csv_path);
    suite_add_tcase(s, tc);

    tc = tcase_create("field");
    tcase_add_test(tc, test_field_plain);
    tcase_add_test(tc, test_field_empty);
    tcase_add_test(tc, test_field_quoting);
    tcase_add_test(tc, test_field_formula);
    tcase_add_test(tc, test_field_utf8);
    tcase_add_test(tc, test_field_row);
    tcase_add_test(tc, test_field_failed_buffer);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(csv_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
