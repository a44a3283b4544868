/* check_chart.c - unit tests of lib/report/chart.h, the geometry of the report's
 * bar chart: the rounded y scale, where each bar goes, how high it is, and
 * how often an x label fits and where.
 *
 * Test cases: "scale" (chart_scale_for: exact values and invariants),
 * "bars" (chart_bar_x, chart_bar_width), "height" (chart_bar_height),
 * "labels" (chart_label_minutes, chart_label_at). */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chart.h"

#define EPS 1e-9

/* Checks chart_scale_for(v) against the expected max, step and nticks. */
static void
check_scale(int64_t v, int64_t max, int64_t step, int nticks)
{
    chart_scale s = chart_scale_for(v);

    ck_assert_msg(s.max == max && s.step == step && s.nticks == nticks,
                  "chart_scale_for(%lld): max %lld step %lld nticks %d, expected "
                  "max %lld step %lld nticks %d", (long long)v, (long long)s.max,
                  (long long)s.step, s.nticks, (long long)max, (long long)step,
                  nticks);
}

/* Returns 1 when v is 1, 2 or 5 times a power of 10. */
static int
is_nice(int64_t v)
{
    if (v <= 0)
        return 0;
    while (v % 10 == 0)
        v /= 10;
    return v == 1 || v == 2 || v == 5;
}

/* Returns the nice value just below v, a nice value > 1: 1 -> 5 -> 2 -> 1
 * going down a decade. */
static int64_t
nice_below(int64_t v)
{
    int64_t p = 1;

    while (v / p >= 10)
        p *= 10;
    return v / p == 1 ? p / 2 : v / p == 2 ? p : 2 * p;
}

/* ---- scale --------------------------------------------------------------- */

START_TEST(test_scale_small)
{
    for (int64_t v = 0; v <= 5; v++)
        check_scale(v, 5, 1, 6);
    /* A negative maximum cannot happen, but gets the smallest scale. */
    check_scale(-1, 5, 1, 6);
}
END_TEST

START_TEST(test_scale_exact)
{
    check_scale(6, 10, 2, 6);
    check_scale(10, 10, 2, 6);
    check_scale(11, 20, 5, 5);
    check_scale(20, 20, 5, 5);
    check_scale(21, 50, 10, 6);
    check_scale(31, 50, 10, 6);
    check_scale(50, 50, 10, 6);
    check_scale(51, 100, 20, 6);
    check_scale(100, 100, 20, 6);
    check_scale(101, 200, 50, 5);
    check_scale(200, 200, 50, 5);
    check_scale(201, 500, 100, 6);
    check_scale(999, 1000, 200, 6);
    check_scale(1000, 1000, 200, 6);
    check_scale(1001, 2000, 500, 5);
    check_scale(123456, 200000, 50000, 5);
}
END_TEST

START_TEST(test_scale_large)
{
    check_scale(1000000000000LL, 1000000000000LL, 200000000000LL, 6);
    check_scale(1000000000001LL, 2000000000000LL, 500000000000LL, 5);
    check_scale(4000000000000000001LL, 5000000000000000000LL,
                1000000000000000000LL, 6);
}
END_TEST

START_TEST(test_scale_invariants)
{
    for (int64_t v = 0; v <= 100000; v++) {
        chart_scale s = chart_scale_for(v);
        if (!(s.max >= v && s.max >= 5 && is_nice(s.max) && s.step > 0
              && is_nice(s.step) && s.max % s.step == 0
              && s.nticks - 1 == s.max / s.step && s.nticks - 1 <= CHART_MAX_TICKS
              && s.nticks >= 2))
            ck_abort_msg("chart_scale_for(%lld): max %lld step %lld nticks %d",
                         (long long)v, (long long)s.max, (long long)s.step,
                         s.nticks);
        /* The smallest nice max: the next smaller nice value is below v. */
        if (v > 5)
            ck_assert_msg(nice_below(s.max) < v, "chart_scale_for(%lld) = %lld, "
                          "but %lld is nicer", (long long)v, (long long)s.max,
                          (long long)nice_below(s.max));
        /* The smallest nice step: the next smaller one does not divide max
         * or gives too many intervals. */
        if (s.step > 1) {
            int64_t smaller = nice_below(s.step);
            ck_assert_msg(s.max % smaller != 0 || s.max / smaller > CHART_MAX_TICKS,
                          "chart_scale_for(%lld): step %lld, but %lld would do",
                          (long long)v, (long long)s.step, (long long)smaller);
        }
    }
}
END_TEST

/* ---- bars ---------------------------------------------------------------- */

static const int bar_ns[] = { 1, 15, 60, 72, 96, 288 };

START_TEST(test_bar_exact)
{
    /* n = 1: slot 640, gap 128. */
    ck_assert_double_eq_tol(chart_bar_width(1), 512, EPS);
    ck_assert_double_eq_tol(chart_bar_x(0, 1), 56 + 64, EPS);
    /* n = 60: slot 10.8, gap a fifth. */
    ck_assert_double_eq_tol(chart_bar_width(60), 640.0 / 60 * 4 / 5, EPS);
    ck_assert_double_eq_tol(chart_bar_x(0, 60), 56 + 640.0 / 60 / 10, EPS);
    ck_assert_double_eq_tol(chart_bar_x(59, 60), 56 + 640.0 / 60 * 59.1, EPS);
    /* n = 96: a fifth of the slot (1.33) is below 2, so the gap is 2. */
    ck_assert_double_eq_tol(chart_bar_width(96), 640.0 / 96 - 2, EPS);
    ck_assert_double_eq_tol(chart_bar_x(0, 96), 57, EPS);
    /* n = 288: a slot of 2.2 is too narrow for a 2 unit gap. */
    ck_assert_double_eq_tol(chart_bar_width(288), 640.0 / 288 * 4 / 5, EPS);
    /* n <= 0 is treated as one bar. */
    ck_assert_double_eq_tol(chart_bar_width(0), 512, EPS);
}
END_TEST

START_TEST(test_bar_layout)
{
    for (size_t k = 0; k < sizeof(bar_ns) / sizeof(bar_ns[0]); k++) {
        int n = bar_ns[k];
        double w = chart_bar_width(n), slot = (double)CHART_PLOT_W / n, gap = -1;

        ck_assert_msg(w > 0 && w < slot, "n %d: width %g, slot %g", n, w, slot);
        ck_assert_msg(slot <= 4 || slot - w >= 2 - EPS, "n %d: gap %g < 2", n,
                      slot - w);
        for (int i = 0; i < n; i++) {
            double x = chart_bar_x(i, n);
            ck_assert_msg(x >= CHART_LEFT - EPS
                          && x + w <= CHART_LEFT + CHART_PLOT_W + EPS,
                          "n %d: bar %d [%g, %g] outside the plot", n, i, x, x + w);
            /* Centred in its slot. */
            ck_assert_double_eq_tol(x - (CHART_LEFT + slot * i),
                                    CHART_LEFT + slot * (i + 1) - (x + w), 1e-6);
            if (i + 1 < n) {
                double next = chart_bar_x(i + 1, n);
                ck_assert_msg(next > x, "n %d: bar %d at %g, bar %d at %g", n,
                              i + 1, next, i, x);
                ck_assert_msg(x + w < next, "n %d: bar %d ends at %g, bar %d "
                              "starts at %g", n, i, x + w, i + 1, next);
                /* Every gap is the same. */
                if (gap < 0)
                    gap = next - (x + w);
                ck_assert_double_eq_tol(next - (x + w), gap, 1e-6);
            }
        }
    }
}
END_TEST

/* ---- height -------------------------------------------------------------- */

START_TEST(test_bar_height)
{
    chart_scale s = chart_scale_for(100);     /* max 100 */
    chart_scale big = chart_scale_for(1000000000);

    ck_assert_int_eq(s.max, 100);
    ck_assert_double_eq(chart_bar_height(0, &s), 0);
    ck_assert_double_eq(chart_bar_height(-5, &s), 0);
    ck_assert_double_eq(chart_bar_height(100, &s), CHART_PLOT_H);
    ck_assert_double_eq(chart_bar_height(101, &s), CHART_PLOT_H);
    ck_assert_double_eq(chart_bar_height(INT64_MAX, &s), CHART_PLOT_H);
    ck_assert_double_eq_tol(chart_bar_height(50, &s), CHART_PLOT_H / 2.0, EPS);
    ck_assert_double_eq_tol(chart_bar_height(25, &s), CHART_PLOT_H / 4.0, EPS);
    ck_assert_double_eq_tol(chart_bar_height(1, &s), CHART_PLOT_H / 100.0, EPS);
    ck_assert_double_eq_tol(chart_bar_height(99, &s), CHART_PLOT_H * 0.99, EPS);
    /* Tiny non-zero values stay visible. */
    ck_assert_int_eq(big.max, 1000000000);
    ck_assert_double_eq(chart_bar_height(1, &big), 1);
    ck_assert_double_eq(chart_bar_height(2, &big), 1);
    ck_assert_double_eq(chart_bar_height(0, &big), 0);
    ck_assert_double_eq_tol(chart_bar_height(500000000, &big), CHART_PLOT_H / 2.0,
                            EPS);
    /* Monotonic over the whole range. */
    for (int64_t v = 0; v <= 101; v++)
        ck_assert(chart_bar_height(v + 1, &s) >= chart_bar_height(v, &s));
    /* The gridlines land on exact heights. */
    for (int t = 0; t < s.nticks; t++)
        ck_assert_double_eq_tol(chart_bar_height(s.step * t, &s),
                                (double)CHART_PLOT_H * t / (s.nticks - 1), EPS);
}
END_TEST

/* ---- labels -------------------------------------------------------------- */

/* Checks chart_tick_label(v). */
static void
check_tick(int64_t v, const char *want)
{
    char out[CHART_TICK_LABEL_SIZE];

    ck_assert_str_eq(chart_tick_label(v, out), want);
}

START_TEST(test_tick_label_exact)
{
    check_tick(0, "0");
    check_tick(5, "5");
    check_tick(999, "999");
    check_tick(1000, "1k");
    check_tick(1500, "1.5k");
    check_tick(1250, "1.3k");           /* half up */
    check_tick(1249, "1.2k");
    check_tick(20000, "20k");
    check_tick(150000, "150k");
    check_tick(999949, "999.9k");
    check_tick(999950, "1M");           /* not "1000k" */
    check_tick(1000000, "1M");
    check_tick(2500000, "2.5M");
    check_tick(5000000000LL, "5G");
    check_tick(INT64_MAX, "9.2E");
}
END_TEST

/* Every tick of every scale up to 10^12 gets a label of at most 5
 * characters, exact (no rounding) for nice ticks, and distinct from the
 * other ticks of its scale. */
START_TEST(test_tick_label_scales)
{
    for (int64_t max = 1; max <= 1000000000000LL; max = max * 3 / 2 + 1) {
        chart_scale s = chart_scale_for(max);
        char prev[CHART_TICK_LABEL_SIZE] = "", out[CHART_TICK_LABEL_SIZE];

        for (int t = 0; t < s.nticks; t++) {
            int64_t v = s.step * t;

            chart_tick_label(v, out);
            ck_assert_msg(strlen(out) <= 5, "%lld: \"%s\" is too long", (long long)v,
                          out);
            ck_assert_msg(strcmp(out, prev) != 0, "%lld: \"%s\" twice", (long long)v,
                          out);
            snprintf(prev, sizeof(prev), "%s", out);
            if (v >= 1000) {
                /* Parse it back: the label is the exact value. */
                double num = strtod(out, NULL), mult = 1;
                char unit = out[strlen(out) - 1];

                mult = unit == 'k' ? 1e3 : unit == 'M' ? 1e6 : unit == 'G' ? 1e9 : 1e12;
                ck_assert_msg(fabs(num * mult - (double)v) < 0.5, "%lld: \"%s\"",
                              (long long)v, out);
            }
        }
    }
}
END_TEST

START_TEST(test_label_minutes_windows)
{
    /* The four windows: slots of 42.7, 10.7, 8.9 and 6.7 units. */
    ck_assert_int_eq(CHART_PLOT_W, 640);
    ck_assert_int_eq(chart_label_minutes(15, 1), 2);     /* 8 labels */
    ck_assert_int_eq(chart_label_minutes(60, 1), 5);     /* 5 x 10.67 = 53.3 */
    ck_assert_int_eq(chart_label_minutes(72, 5), 30);    /* 6 x 8.89 = 53.3 */
    ck_assert_int_eq(chart_label_minutes(96, 15), 120);  /* 8 x 6.67 = 53.3 */
}
END_TEST

START_TEST(test_label_minutes_edges)
{
    ck_assert_int_eq(chart_label_minutes(1, 1), 1);
    ck_assert_int_eq(chart_label_minutes(12, 1), 1);     /* slot 53.3 */
    ck_assert_int_eq(chart_label_minutes(13, 1), 2);     /* slot 49.2 */
    ck_assert_int_eq(chart_label_minutes(0, 1), 1);
    ck_assert_int_eq(chart_label_minutes(10, 0), 1);     /* bucket clamped to 1 */
    /* A multiple of the bucket even where a smaller step would fit. */
    ck_assert_int_eq(chart_label_minutes(2, 15), 15);
    ck_assert_int_eq(chart_label_minutes(2, 7), 1440);   /* no step divides */
    /* More bars than any step can space out. */
    ck_assert_int_eq(chart_label_minutes(100000, 1), 1440);
}
END_TEST

START_TEST(test_label_minutes_invariants)
{
    static const int steps[] = { 1, 2, 5, 10, 15, 30, 60, 120, 180, 240, 360, 720 };
    static const int buckets[] = { 1, 5, 15 };
    const int nsteps = (int)(sizeof(steps) / sizeof(steps[0]));

    for (int b = 0; b < 3; b++) {
        for (int n = 1; n <= 2000; n++) {
            double slot = (double)CHART_PLOT_W / n;
            int m = chart_label_minutes(n, buckets[b]), k;

            ck_assert_msg(m % buckets[b] == 0, "n %d bucket %d: %d minutes", n,
                          buckets[b], m);
            if (m == 1440)
                continue;
            ck_assert_msg(slot * (m / buckets[b]) >= CHART_LABEL_ROOM,
                          "n %d bucket %d: %d minutes, %g apart", n, buckets[b], m,
                          slot * (m / buckets[b]));
            for (k = 0; k < nsteps && steps[k] != m; k++)
                ;
            ck_assert_msg(k < nsteps, "n %d: %d minutes is not a documented step", n,
                          m);
            /* The smallest step that fits. */
            for (int j = 0; j < k; j++)
                ck_assert_msg(steps[j] % buckets[b] != 0
                                  || slot * (steps[j] / buckets[b]) < CHART_LABEL_ROOM,
                              "n %d bucket %d: %d minutes, but %d fits", n, buckets[b],
                              m, steps[j]);
        }
    }
}
END_TEST

START_TEST(test_label_at)
{
    ck_assert_int_eq(chart_label_at(0, 0, 120), 1);
    ck_assert_int_eq(chart_label_at(2, 0, 120), 1);
    ck_assert_int_eq(chart_label_at(3, 0, 120), 0);
    ck_assert_int_eq(chart_label_at(23, 30, 30), 1);
    ck_assert_int_eq(chart_label_at(23, 45, 30), 0);
    ck_assert_int_eq(chart_label_at(10, 5, 5), 1);
    ck_assert_int_eq(chart_label_at(10, 7, 5), 0);
    ck_assert_int_eq(chart_label_at(10, 7, 1), 1);
    ck_assert_int_eq(chart_label_at(0, 0, 1440), 1);
    ck_assert_int_eq(chart_label_at(12, 0, 1440), 0);
    /* Kolkata (+5:30) at 2 h steps: 05:30 is no label, 06:00 is. */
    ck_assert_int_eq(chart_label_at(5, 30, 120), 0);
    ck_assert_int_eq(chart_label_at(6, 0, 120), 1);
    ck_assert_int_eq(chart_label_at(6, 0, 0), 0);
}
END_TEST

static Suite *
chart_suite(void)
{
    Suite *s = suite_create("chart");
    TCase *tc;

    tc = tcase_create("scale");
    tcase_add_test(tc, test_scale_small);
    tcase_add_test(tc, test_scale_exact);
    tcase_add_test(tc, test_scale_large);
    tcase_add_test(tc, test_scale_invariants);
    tcase_set_timeout(tc, 60);  /* slow under sanitizers */
    suite_add_tcase(s, tc);

    tc = tcase_create("bars");
    tcase_add_test(tc, test_bar_exact);
    tcase_add_test(tc, test_bar_layout);
    suite_add_tcase(s, tc);

    tc = tcase_create("height");
    tcase_add_test(tc, test_bar_height);
    suite_add_tcase(s, tc);

    tc = tcase_create("labels");
    tcase_add_test(tc, test_tick_label_exact);
    tcase_add_test(tc, test_tick_label_scales);
    tcase_add_test(tc, test_label_minutes_windows);
    tcase_add_test(tc, test_label_minutes_edges);
    tcase_add_test(tc, test_label_minutes_invariants);
    tcase_add_test(tc, test_label_at);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(chart_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
