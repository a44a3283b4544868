/* check_metrics - the Prometheus text format: exact output, escaping,
 * histogram buckets, and counts under concurrent updates. */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "promlint.h"

START_TEST(test_counter_gauge)
{
    buf b = BUF_INIT;

    metrics_counter(&b, "visits_events_total", "Events produced.", 42);
    metrics_gauge(&b, "visits_age_seconds", "Seconds since the last flush.", 1.5);
    metrics_gauge(&b, "visits_nan", "Not a number.", 0.0 / 0.0);
    metrics_gauge(&b, "visits_inf", "Infinite.", -1.0 / 0.0);
    ck_assert_str_eq(b.data,
        "# HELP visits_events_total Events produced.\n"
        "# TYPE visits_events_total counter\n"
        "visits_events_total 42\n"
        "# HELP visits_age_seconds Seconds since the last flush.\n"
        "# TYPE visits_age_seconds gauge\n"
        "visits_age_seconds 1.5\n"
        "# HELP visits_nan Not a number.\n"
        "# TYPE visits_nan gauge\n"
        "visits_nan NaN\n"
        "# HELP visits_inf Infinite.\n"
        "# TYPE visits_inf gauge\n"
        "visits_inf -Inf\n");
    ck_assert_int_eq(promlint(b.data, stderr), 0);
    buf_free(&b);
}
END_TEST

START_TEST(test_u64_exact)
{
    buf b = BUF_INIT;

    metrics_counter(&b, "big_total", "Past 2^53.", UINT64_MAX);
    ck_assert_ptr_nonnull(strstr(b.data, "\nbig_total 18446744073709551615\n"));
    buf_free(&b);
}
END_TEST

START_TEST(test_labels_escaped)
{
    const char *labels[] = { "status", "200", "path", "a\"b\\c\nd" };
    buf b = BUF_INIT;

    metrics_family(&b, "req_total", "counter", "Help with \\ and\nnewline \"kept\".");
    metrics_sample_u64(&b, "req_total", labels, 2, 7);
    ck_assert_str_eq(b.data,
        "# HELP req_total Help with \\\\ and\\nnewline \"kept\".\n"
        "# TYPE req_total counter\n"
        "req_total{status=\"200\",path=\"a\\\"b\\\\c\\nd\"} 7\n");
    ck_assert_int_eq(promlint(b.data, stderr), 0);
    buf_free(&b);
}
END_TEST

START_TEST(test_histogram)
{
    static const double bounds[] = { 0.001, 0.01, 0.1, 1 };
    metrics_hist h;
    buf b = BUF_INIT;

    memset(&h, 0, sizeof(h));
    metrics_hist_init(&h, bounds, 4);
    metrics_hist_observe(&h, 0.0005);   /* first bucket */
    metrics_hist_observe(&h, 0.001);    /* le is inclusive */
    metrics_hist_observe(&h, 0.05);
    metrics_hist_observe(&h, 3);        /* +Inf only */
    metrics_hist_observe(&h, -1);       /* counts as 0 */
    metrics_hist_write(&b, "flush_seconds", "Flush time.", &h);
    ck_assert_str_eq(b.data,
        "# HELP flush_seconds Flush time.\n"
        "# TYPE flush_seconds histogram\n"
        "flush_seconds_bucket{le=\"0.001\"} 3\n"
        "flush_seconds_bucket{le=\"0.01\"} 3\n"
        "flush_seconds_bucket{le=\"0.1\"} 4\n"
        "flush_seconds_bucket{le=\"1\"} 4\n"
        "flush_seconds_bucket{le=\"+Inf\"} 5\n"
        "flush_seconds_sum 3.0515\n"
        "flush_seconds_count 5\n");
    ck_assert_int_eq(promlint(b.data, stderr), 0);
    buf_free(&b);
}
END_TEST

/* Expects text to have exactly want problems. */
static void
check_lint(const char *text, int want)
{
    int got = promlint(text, stderr);

    ck_assert_msg(got == want, "%d problems, expected %d, in:\n%s", got, want, text);
}

#define T_X "# TYPE x counter\n"
#define T_H "# TYPE h histogram\n"

START_TEST(test_lint)
{
    /* The checker must be able to fail: one flaw per document. */
    check_lint(T_X "x 1\n", 0);
    check_lint("# HELP x Some \\\\ help\\n.\n" T_X "x{a=\"b\",c=\"\\\"\"} 1e3\n", 0);
    check_lint(T_X "x{a=\"b\"c\"} 1\n", 1);            /* raw quote */
    check_lint(T_X "x{a=\"b\\t\"} 1\n", 1);            /* unknown escape */
    check_lint(T_X "x{a=\"b\"", 1);                    /* no newline, cut */
    check_lint(T_X "x 1,5\n", 1);
    check_lint(T_X "x inf\n", 1);                      /* spelled +Inf */
    check_lint(T_X "x 0x10\n", 1);
    check_lint(T_X "x -1\n", 1);                       /* negative counter */
    check_lint(T_X "x 1\nx 2\n", 1);                   /* the same series */
    check_lint(T_X "x 1", 1);                          /* no final newline */
    check_lint("9x 1\n", 1);
    check_lint("x 1\n", 1);                            /* no TYPE */
    check_lint("x 1\n" T_X, 1);                        /* TYPE too late */
    check_lint(T_X T_X "x 1\n", 1);
    check_lint("# TYPE x counters\nx 1\n", 1);
    check_lint("# a comment\n", 1);
    check_lint(T_H "h_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\n"
               "h_sum 3\nh_count 2\n", 0);
    check_lint(T_H "h_bucket{le=\"1\"} 3\nh_bucket{le=\"+Inf\"} 2\n"
               "h_sum 3\nh_count 2\n", 1);             /* decreasing */
    check_lint(T_H "h_bucket{le=\"2\"} 1\nh_bucket{le=\"1\"} 1\n"
               "h_bucket{le=\"+Inf\"} 1\nh_sum 3\nh_count 1\n", 1);
    check_lint(T_H "h_bucket{le=\"1\"} 1\nh_sum 3\nh_count 1\n", 1);   /* no +Inf */
    check_lint(T_H "h_bucket{le=\"+Inf\"} 2\nh_sum 3\nh_count 3\n", 1);
    check_lint(T_H "h_bucket{le=\"+Inf\"} 2\nh_sum 3\n", 1);          /* no _count */
    check_lint(T_H "h_bucket 2\nh_count 2\n", 2);      /* no le, then no +Inf */
}
END_TEST

#define THREADS 4
#define PER_THREAD 100000

static void *
observe_many(void *arg)
{
    metrics_hist *h = arg;

    for (int i = 0; i < PER_THREAD; i++)
        metrics_hist_observe(h, (i % 4) * 0.004);   /* 0, 4, 8, 12 ms */
    return NULL;
}

START_TEST(test_histogram_threads)
{
    static const double bounds[] = { 0.005, 0.01 };
    pthread_t t[THREADS];
    metrics_hist h;
    buf b = BUF_INIT;

    memset(&h, 0, sizeof(h));
    metrics_hist_init(&h, bounds, 2);
    for (int i = 0; i < THREADS; i++)
        ck_assert_int_eq(pthread_create(&t[i], NULL, observe_many, &h), 0);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    metrics_hist_write(&b, "h", "Spread.", &h);
    ck_assert_ptr_nonnull(strstr(b.data, "h_bucket{le=\"0.005\"} 200000\n"));
    ck_assert_ptr_nonnull(strstr(b.data, "h_bucket{le=\"0.01\"} 300000\n"));
    ck_assert_ptr_nonnull(strstr(b.data, "h_count 400000\n"));
    ck_assert_ptr_nonnull(strstr(b.data, "h_sum 2400\n"));
    buf_free(&b);
}
END_TEST

static Suite *
metrics_suite(void)
{
    Suite *s = suite_create("metrics");
    TCase *tc = tcase_create("format");

    tcase_add_test(tc, test_counter_gauge);
    tcase_add_test(tc, test_u64_exact);
    tcase_add_test(tc, test_labels_escaped);
    tcase_add_test(tc, test_histogram);
    tcase_add_test(tc, test_lint);
    suite_add_tcase(s, tc);

    tc = tcase_create("threads");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_histogram_threads);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(metrics_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
