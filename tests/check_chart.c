/* check_chart.c - unit tests of lib/chart.h, the geometry of the report's
 * bar chart: the rounded y scale, where each bar goes, how high it is, and
 * how often an x label fits.
 *
 * Test cases: "scale" (chart_scale_for: exact values and invariants),
 * "bars" (chart_bar_x, chart_bar_width), "height" (chart_bar_height),
 * "labels" (chart_label_every). */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

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
    /* n = 1: slot 664, gap 132.8. */
    ck_assert_double_eq_tol(chart_bar_width(1), 531.2, EPS);
    ck_assert_double_eq_tol(chart_bar_x(0, 1), 48 + 66.4, EPS);
    /* n = 60: slot 11.0667, gap a fifth. */
    ck_assert_double_eq_tol(chart_bar_width(60), 664.0 / 60 * 4 / 5, EPS);
    ck_assert_double_eq_tol(chart_bar_x(0, 60), 48 + 664.0 / 60 / 10, EPS);
    ck_assert_double_eq_tol(chart_bar_x(59, 60), 48 + 664.0 / 60 * 59.1, EPS);
    /* n = 96: a fifth of the slot (1.38) is below 2, so the gap is 2. */
    ck_assert_double_eq_tol(chart_bar_width(96), 664.0 / 96 - 2, EPS);
    ck_assert_double_eq_tol(chart_bar_x(0, 96), 49, EPS);
    /* n = 288: a slot of 2.3 is too narrow for a 2 unit gap. */
    ck_assert_double_eq_tol(chart_bar_width(288), 664.0 / 288 * 4 / 5, EPS);
    /* n <= 0 is treated as one bar. */
    ck_assert_double_eq_tol(chart_bar_width(0), 531.2, EPS);
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

START_TEST(test_label_every_exact)
{
    ck_assert_int_eq(chart_label_every(1), 1);
    ck_assert_int_eq(chart_label_every(11), 1);     /* slot 60.4 */
    ck_assert_int_eq(chart_label_every(12), 2);     /* slot 55.3 */
    ck_assert_int_eq(chart_label_every(15), 2);
    ck_assert_int_eq(chart_label_every(60), 6);     /* 5 x 11.07 = 55.3 */
    ck_assert_int_eq(chart_label_every(72), 10);    /* needs 7 */
    ck_assert_int_eq(chart_label_every(96), 10);    /* needs 9 */
    ck_assert_int_eq(chart_label_every(288), 30);   /* needs 25 */
    ck_assert_int_eq(chart_label_every(0), 1);
}
END_TEST

START_TEST(test_label_every_invariants)
{
    static const int steps[] = { 1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 24, 30, 60 };
    const int nsteps = (int)(sizeof(steps) / sizeof(steps[0]));

    for (int n = 1; n <= 700; n++) {
        double slot = (double)CHART_PLOT_W / n;
        int every = chart_label_every(n), k;

        ck_assert_msg(slot * every >= 56, "n %d: every %d, %g apart", n, every,
                      slot * every);
        for (k = 0; k < nsteps && steps[k] != every; k++)
            ;
        ck_assert_msg(k < nsteps, "n %d: every %d is not a documented step", n,
                      every);
        /* The smallest step that fits. */
        ck_assert_msg(k == 0 || slot * steps[k - 1] < 56,
                      "n %d: every %d, but %d fits", n, every, steps[k - 1]);
    }
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
    tcase_add_test(tc, test_label_every_exact);
    tcase_add_test(tc, test_label_every_invariants);
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
