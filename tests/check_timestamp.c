/* check_timestamp.c - unit tests of lib/core/timestamp.h: ISO 8601 formatting
 * and parsing of UTC millisecond timestamps, minute buckets, TZ independence.
 *
 * Test cases: "format", "parse", "minute", "tz". */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "timestamp.h"

#define JAN_1_2026_MS 1767225600000LL

/* Deterministic pseudo-random numbers (xorshift64*). */
static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;

static uint64_t
rng_next(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ULL;
}

/* A random instant in [TIMESTAMP_MIN_MS, TIMESTAMP_MAX_MS). */
static int64_t
random_ms(void)
{
    return TIMESTAMP_MIN_MS
           + (int64_t)(rng_next()
                       % (uint64_t)(TIMESTAMP_MAX_MS - TIMESTAMP_MIN_MS));
}

/* Formats ms independently of timestamp, with gmtime_r. */
static void
oracle_format(int64_t ms, char out[64])
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;

    if (gmtime_r(&t, &tm) == NULL)
        ck_abort_msg("gmtime_r failed for %lld", (long long)ms);
    snprintf(out, 64, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
             tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
             tm.tm_sec, (int)(ms % 1000));
}

static void
check_format(int64_t ms, const char *want)
{
    char out[TIMESTAMP_ISO_MS_SIZE];

    memset(out, 'x', sizeof(out));
    ck_assert_int_eq(timestamp_format_ms(ms, out), 0);
    ck_assert_str_eq(out, want);
}

/* Parses s (its strlen), expecting success and want. */
static void
check_parse_ok(const char *s, int64_t want)
{
    int64_t ms = -7;

    ck_assert_msg(timestamp_parse_ms(s, strlen(s), &ms) == 0, "\"%s\" rejected",
                  s);
    ck_assert_int_eq(ms, want);
}

/* Parses s (its strlen), expecting -1 and *ms untouched. */
static void
check_parse_bad(const char *s)
{
    int64_t ms = -7;

    ck_assert_msg(timestamp_parse_ms(s, strlen(s), &ms) == -1,
                  "\"%s\" accepted", s);
    ck_assert_int_eq(ms, -7);
}

/* ---- format -------------------------------------------------------------- */

START_TEST(test_format_known)
{
    check_format(JAN_1_2026_MS, "2026-01-01T00:00:00.000Z");
    check_format(JAN_1_2026_MS + 123, "2026-01-01T00:00:00.123Z");
    check_format(JAN_1_2026_MS - 1, "2025-12-31T23:59:59.999Z");
    check_format(1709210096789LL, "2024-02-29T12:34:56.789Z");
    check_format(1709251200000LL - 1, "2024-02-29T23:59:59.999Z");
    check_format(1709251200000LL, "2024-03-01T00:00:00.000Z");
    check_format(951782400000LL, "2000-02-29T00:00:00.000Z");
    check_format(TIMESTAMP_MIN_MS, "2000-01-01T00:00:00.000Z");
    check_format(TIMESTAMP_MAX_MS - 1, "2999-12-31T23:59:59.999Z");
}
END_TEST

START_TEST(test_format_sec)
{
    char out[TIMESTAMP_ISO_SIZE];

    ck_assert_int_eq(timestamp_format_sec(JAN_1_2026_MS / 1000, out), 0);
    ck_assert_str_eq(out, "2026-01-01T00:00:00Z");
    ck_assert_int_eq(timestamp_format_sec(1709210096, out), 0);
    ck_assert_str_eq(out, "2024-02-29T12:34:56Z");
    ck_assert_int_eq(timestamp_format_sec(TIMESTAMP_MIN_MS / 1000, out), 0);
    ck_assert_str_eq(out, "2000-01-01T00:00:00Z");
    ck_assert_int_eq(timestamp_format_sec(TIMESTAMP_MAX_MS / 1000 - 1, out), 0);
    ck_assert_str_eq(out, "2999-12-31T23:59:59Z");
}
END_TEST

START_TEST(test_format_out_of_range)
{
    char ms_out[TIMESTAMP_ISO_MS_SIZE], sec_out[TIMESTAMP_ISO_SIZE];
    const int64_t bad_ms[] = { TIMESTAMP_MIN_MS - 1, TIMESTAMP_MAX_MS, 0, -1,
                               INT64_MIN, INT64_MAX };
    const int64_t bad_sec[] = { TIMESTAMP_MIN_MS / 1000 - 1,
                                TIMESTAMP_MAX_MS / 1000,
                                0,
                                -1,
                                INT64_MIN,
                                INT64_MAX,
                                JAN_1_2026_MS };

    for (size_t i = 0; i < sizeof(bad_ms) / sizeof(bad_ms[0]); i++) {
        memset(ms_out, 'x', sizeof(ms_out));
        ck_assert_int_eq(timestamp_format_ms(bad_ms[i], ms_out), -1);
        ck_assert_str_eq(ms_out, "");
    }
    for (size_t i = 0; i < sizeof(bad_sec) / sizeof(bad_sec[0]); i++) {
        memset(sec_out, 'x', sizeof(sec_out));
        ck_assert_int_eq(timestamp_format_sec(bad_sec[i], sec_out), -1);
        ck_assert_str_eq(sec_out, "");
    }
}
END_TEST

/* Random instants: timestamp agrees with gmtime_r. */
START_TEST(test_format_matches_gmtime)
{
    char got[TIMESTAMP_ISO_MS_SIZE], want[64];

    for (int i = 0; i < 20000; i++) {
        int64_t ms = random_ms();
        oracle_format(ms, want);
        /* Plain ifs in hot loops: a passing ck_assert costs a message. */
        if (timestamp_format_ms(ms, got) != 0 || strcmp(got, want) != 0)
            ck_abort_msg("%lld: \"%s\", expected \"%s\"", (long long)ms, got,
                         want);
    }
}
END_TEST

/* ---- parse --------------------------------------------------------------- */

START_TEST(test_parse_known)
{
    check_parse_ok("2026-01-01T00:00:00.000Z", JAN_1_2026_MS);
    check_parse_ok("2025-12-31T23:59:59.999Z", JAN_1_2026_MS - 1);
    check_parse_ok("2024-02-29T12:34:56.789Z", 1709210096789LL);
    check_parse_ok("2000-02-29T00:00:00.000Z", 951782400000LL);
    check_parse_ok("2000-01-01T00:00:00.000Z", TIMESTAMP_MIN_MS);
    check_parse_ok("2999-12-31T23:59:59.999Z", TIMESTAMP_MAX_MS - 1);
}
END_TEST

START_TEST(test_parse_round_trip)
{
    char s[TIMESTAMP_ISO_MS_SIZE];
    int64_t back;

    for (int i = 0; i < 100000; i++) {
        int64_t ms = random_ms();
        if (timestamp_format_ms(ms, s) != 0)
            ck_abort_msg("%lld not formatted", (long long)ms);
        back = -1;
        if (timestamp_parse_ms(s, strlen(s), &back) != 0)
            ck_abort_msg("\"%s\" rejected", s);
        if (back != ms)
            ck_abort_msg("\"%s\": %lld, expected %lld", s, (long long)back,
                         (long long)ms);
    }
}
END_TEST

START_TEST(test_parse_rejects)
{
    int64_t ms = -7;

    /* Wrong length. */
    check_parse_bad("");
    check_parse_bad("2026-01-01T00:00:00.00Z");
    check_parse_bad("2026-01-01T00:00:00.0000Z");
    check_parse_bad("2026-01-01T00:00:00Z");
    check_parse_bad("2026-01-01T00:00:00.000Z ");
    check_parse_bad(" 2026-01-01T00:00:00.000Z");
    ck_assert_int_eq(timestamp_parse_ms("2026-01-01T00:00:00.000Z", 23, &ms),
                     -1);
    /* Separators and zone. */
    check_parse_bad("2026-01-01T00:00:00.000z");
    check_parse_bad("2026-01-01t00:00:00.000Z");
    check_parse_bad("2026-01-01 00:00:00.000Z");
    check_parse_bad("2026/01/01T00:00:00.000Z");
    check_parse_bad("2026-01-01T00-00-00.000Z");
    check_parse_bad("2026-01-01T00:00:00,000Z");
    check_parse_bad("2026-01-01T00:00:00.000+");
    /* Field ranges. */
    check_parse_bad("2026-13-01T00:00:00.000Z");
    check_parse_bad("2026-00-10T00:00:00.000Z");
    check_parse_bad("2026-01-00T00:00:00.000Z");
    check_parse_bad("2026-01-32T00:00:00.000Z");
    check_parse_bad("2026-02-30T00:00:00.000Z");
    check_parse_bad("2025-02-29T00:00:00.000Z");
    check_parse_bad("2100-02-29T00:00:00.000Z");
    check_parse_bad("2026-04-31T00:00:00.000Z");
    check_parse_bad("2026-01-01T24:00:00.000Z");
    check_parse_bad("2026-01-01T00:60:00.000Z");
    check_parse_bad("2026-01-01T00:00:60.000Z");
    /* Non-digits. */
    check_parse_bad("2O26-01-01T00:00:00.000Z");
    check_parse_bad("2026-0a-01T00:00:00.000Z");
    check_parse_bad("2026-01-01T0x:00:00.000Z");
    check_parse_bad("2026-01-01T00:00:00.00aZ");
    check_parse_bad("+026-01-01T00:00:00.000Z");
    check_parse_bad("2026-+1-01T00:00:00.000Z");
    check_parse_bad("2026-01- 1T00:00:00.000Z");
    /* Out of the accepted years. */
    check_parse_bad("1999-12-31T23:59:59.999Z");
    check_parse_bad("1970-01-01T00:00:00.000Z");
    check_parse_bad("3000-01-01T00:00:00.000Z");
    check_parse_bad("9999-12-31T23:59:59.999Z");
    check_parse_bad("0000-01-01T00:00:00.000Z");
}
END_TEST

/* The input needs no NUL: parse from a buffer of exactly 24 bytes. */
START_TEST(test_parse_no_nul)
{
    char *s = malloc(24);
    int64_t ms = 0;

    ck_assert_ptr_nonnull(s);
    memcpy(s, "2026-01-01T00:00:00.001Z", 24);
    ck_assert_int_eq(timestamp_parse_ms(s, 24, &ms), 0);
    ck_assert_int_eq(ms, JAN_1_2026_MS + 1);
    free(s);
}
END_TEST

/* ---- minute -------------------------------------------------------------- */

START_TEST(test_minute)
{
    const int64_t m = JAN_1_2026_MS / 1000; /* a minute start, in seconds */

    ck_assert_int_eq(timestamp_minute(JAN_1_2026_MS), m);
    ck_assert_int_eq(timestamp_minute(JAN_1_2026_MS + 1), m);
    ck_assert_int_eq(timestamp_minute(JAN_1_2026_MS + 59999), m);
    ck_assert_int_eq(timestamp_minute(JAN_1_2026_MS + 60000), m + 60);
    ck_assert_int_eq(timestamp_minute(JAN_1_2026_MS - 1), m - 60);
    ck_assert_int_eq(timestamp_minute(1709210096789LL), 1709210040);
    ck_assert_int_eq(timestamp_minute(0), 0);
    ck_assert_int_eq(timestamp_minute(59999), 0);
    ck_assert_int_eq(timestamp_minute(60000), 60);
}
END_TEST

START_TEST(test_minute_negative)
{
    ck_assert_int_eq(timestamp_minute(-1), -60);
    ck_assert_int_eq(timestamp_minute(-59999), -60);
    ck_assert_int_eq(timestamp_minute(-60000), -60);
    ck_assert_int_eq(timestamp_minute(-60001), -120);
    ck_assert_int_eq(timestamp_minute(-120000), -120);
}
END_TEST

START_TEST(test_minute_random)
{
    for (int i = 0; i < 100000; i++) {
        int64_t ms = random_ms(), m = timestamp_minute(ms);
        if (m % 60 != 0 || !(m * 1000 <= ms && ms < (m + 60) * 1000))
            ck_abort_msg("timestamp_minute(%lld) = %lld", (long long)ms,
                         (long long)m);
    }
}
END_TEST

/* The monotonic clock never goes back and follows real time to within its
 * coarse resolution. */
START_TEST(test_mono)
{
    struct timespec pause = { 0, 50 * 1000 * 1000 };
    int64_t a = timestamp_mono_ms(), b;

    ck_assert_int_gt(a, 0);
    nanosleep(&pause, NULL);
    b = timestamp_mono_ms();
    ck_assert_msg(b - a >= 40 && b - a < 1000, "50 ms of sleep took %lld ms",
                  (long long)(b - a));
    for (int i = 0; i < 100000; i++) {
        int64_t c = timestamp_mono_ms();
        ck_assert_int_ge(c, b);
        b = c;
    }
}
END_TEST

START_TEST(test_now)
{
    int64_t a = timestamp_now_ms(), t = (int64_t)time(NULL) * 1000;
    int64_t b = timestamp_now_ms();

    ck_assert_int_ge(a, TIMESTAMP_MIN_MS);
    ck_assert_int_lt(a, TIMESTAMP_MAX_MS);
    ck_assert_int_le(a, b);
    ck_assert_int_lt(llabs(a - t), 5000);
}
END_TEST

/* ---- tz ------------------------------------------------------------------ */

/* The same results as under UTC, whatever TZ says. */
static void
check_known_results(void)
{
    char sec[TIMESTAMP_ISO_SIZE];

    check_format(JAN_1_2026_MS, "2026-01-01T00:00:00.000Z");
    check_format(1709210096789LL, "2024-02-29T12:34:56.789Z");
    check_parse_ok("2026-01-01T00:00:00.000Z", JAN_1_2026_MS);
    check_parse_ok("2024-02-29T12:34:56.789Z", 1709210096789LL);
    ck_assert_int_eq(timestamp_format_sec(1709210096, sec), 0);
    ck_assert_str_eq(sec, "2024-02-29T12:34:56Z");
    ck_assert_int_eq(timestamp_minute(JAN_1_2026_MS + 59999),
                     JAN_1_2026_MS / 1000);
}

START_TEST(test_tz_independent)
{
    time_t t = (time_t)(JAN_1_2026_MS / 1000);
    struct tm tm;

    ck_assert_int_eq(setenv("TZ", "UTC", 1), 0);
    tzset();
    check_known_results();

    ck_assert_int_eq(setenv("TZ", "America/Los_Angeles", 1), 0);
    tzset();
    /* The zone is in effect for the C library: local time is 16:00. */
    ck_assert_ptr_nonnull(localtime_r(&t, &tm));
    ck_assert_int_eq(tm.tm_hour, 16);
    check_known_results();

    ck_assert_int_eq(setenv("TZ", "Asia/Kolkata", 1), 0);
    tzset();
    check_known_results();
    unsetenv("TZ");
    tzset();
}
END_TEST

static Suite *
timestamp_suite(void)
{
    Suite *s = suite_create("timestamp");
    TCase *tc;

    tc = tcase_create("format");
    tcase_set_timeout(tc, 60);  /* random loops, slow under sanitizers */
    tcase_add_test(tc, test_format_known);
    tcase_add_test(tc, test_format_sec);
    tcase_add_test(tc, test_format_out_of_range);
    tcase_add_test(tc, test_format_matches_gmtime);
    suite_add_tcase(s, tc);

    tc = tcase_create("parse");
    tcase_set_timeout(tc, 60);  /* random loops, slow under sanitizers */
    tcase_add_test(tc, test_parse_known);
    tcase_add_test(tc, test_parse_round_trip);
    tcase_add_test(tc, test_parse_rejects);
    tcase_add_test(tc, test_parse_no_nul);
    suite_add_tcase(s, tc);

    tc = tcase_create("minute");
    tcase_set_timeout(tc, 60);  /* random loops, slow under sanitizers */
    tcase_add_test(tc, test_minute);
    tcase_add_test(tc, test_minute_negative);
    tcase_add_test(tc, test_minute_random);
    tcase_add_test(tc, test_now);
    tcase_add_test(tc, test_mono);
    suite_add_tcase(s, tc);

    tc = tcase_create("tz");
    tcase_add_test(tc, test_tz_independent);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(timestamp_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
