/* check_metrics - the Prometheus text format: exact output, escaping,
 * histogram buckets, and counts under concurrent updates. */
#include <check.h>
#include <pthread.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

/* Checks every line of text against the exposition grammar: HELP, TYPE or
 * a sample with well-formed labels and a number. Returns the number of
 * lines that are not, printing them. */
static int
check_grammar(const char *text)
{
    static const char *const forms[] = {
        "^# HELP [a-zA-Z_:][a-zA-Z0-9_:]* ([^\\\\\n]|\\\\\\\\|\\\\n)*$",
        "^# TYPE [a-zA-Z_:][a-zA-Z0-9_:]* (counter|gauge|histogram|summary|untyped)$",
        "^[a-zA-Z_:][a-zA-Z0-9_:]*"
        "(\\{[a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\\n]|\\\\\\\\|\\\\\"|\\\\n)*\""
        "(,[a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\\n]|\\\\\\\\|\\\\\"|\\\\n)*\")*\\})?"
        " (NaN|[+-]Inf|[+-]?[0-9]+(\\.[0-9]*)?([eE][+-]?[0-9]+)?)$",
    };
    regex_t re[3];
    char line[1024];
    const char *p = text, *nl;
    int bad = 0;

    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(regcomp(&re[i], forms[i], REG_EXTENDED | REG_NOSUB), 0);
    for (; *p; p = nl + 1) {
        nl = strchr(p, '\n');
        ck_assert_msg(nl != NULL, "the text does not end with a newline");
        ck_assert_int_lt(nl - p, (long)sizeof(line));
        memcpy(line, p, (size_t)(nl - p));
        line[nl - p] = '\0';
        if (regexec(&re[0], line, 0, NULL, 0) != 0
            && regexec(&re[1], line, 0, NULL, 0) != 0
            && regexec(&re[2], line, 0, NULL, 0) != 0) {
            fprintf(stderr, "not in the format: %s\n", line);
            bad++;
        }
    }
    for (int i = 0; i < 3; i++)
        regfree(&re[i]);
    return bad;
}

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
    ck_assert_int_eq(check_grammar(b.data), 0);
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
    ck_assert_int_eq(check_grammar(b.data), 0);
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
    ck_assert_int_eq(check_grammar(b.data), 0);
    buf_free(&b);
}
END_TEST

START_TEST(test_grammar_rejects)
{
    /* The checker itself must be able to fail. */
    ck_assert_int_eq(check_grammar("x 1\n"), 0);
    ck_assert_int_eq(check_grammar("x{a=\"b\"} 1e3\n"), 0);
    ck_assert_int_eq(check_grammar("x{a=\"b\"c\"} 1\n"), 1);   /* raw quote */
    ck_assert_int_eq(check_grammar("x 1,5\n"), 1);
    ck_assert_int_eq(check_grammar("9x 1\n"), 1);
    ck_assert_int_eq(check_grammar("# TYPE x counters\n"), 1);
    ck_assert_int_eq(check_grammar("x inf\n"), 1);
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
    tcase_add_test(tc, test_grammar_rejects);
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
