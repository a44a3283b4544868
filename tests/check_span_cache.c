/* check_span_cache.c - unit tests of the report's span cache
 * (lib/report/span_cache.h) and of adding spans up into top paths
 * (lib/report/top_paths.h).
 *
 * Test cases: "rows" (a span's rows and references), "cache" (hits,
 * replacement, eviction of idle spans and by size, references that outlive the
 * cache's, several threads at once), "top" (sums across spans, ties in
 * byte order, the top bound, against a sort of every path). */
#include <check.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "span_cache.h"
#include "top_paths.h"

#define HOUR 1767261600LL       /* 2026-01-01T10:00:00Z */
#define NOW (HOUR + 7200)       /* the time of the reports */
#define IDLE 120

/* How many spans c holds. */
static size_t
cache_spans(span_cache *c)
{
    size_t spans, bytes;

    span_cache_size(c, &spans, &bytes);
    return spans;
}

/* How many bytes c counts. */
static size_t
cache_bytes(span_cache *c)
{
    size_t spans, bytes;

    span_cache_size(c, &spans, &bytes);
    return bytes;
}

/* A span of site at start for seconds with n rows "/p/<i>" of i + 1
 * visits, and their sum as its total. */
static span_rows *
span_make(const char *site, int64_t start, int seconds, int n)
{
    span_rows *r = span_rows_create(site, start, seconds, (int64_t)n * (n + 1) / 2);
    char path[32];

    ck_assert_ptr_nonnull(r);
    for (int i = 0; i < n; i++) {
        snprintf(path, sizeof(path), "/p/%d", i);
        ck_assert_int_eq(span_rows_add(r, path, i + 1), 0);
    }
    return r;
}

START_TEST(test_rows)
{
    span_rows *r = span_make("example.com", HOUR, 3600, 200);

    ck_assert_int_eq(span_rows_start(r), HOUR);
    ck_assert_int_eq(span_rows_seconds(r), 3600);
    ck_assert_int_eq(span_rows_total(r), 200 * 201 / 2);
    ck_assert_uint_eq(span_rows_count(r), 200);
    ck_assert_str_eq(span_rows_path(r, 0), "/p/0");
    ck_assert_str_eq(span_rows_path(r, 199), "/p/199");
    ck_assert_int_eq(span_rows_visits(r, 199), 200);
    /* Two references: the first release leaves it whole (ASan would see). */
    ck_assert_ptr_eq(span_rows_retain(r), r);
    span_rows_release(r);
    ck_assert_str_eq(span_rows_path(r, 100), "/p/100");
    span_rows_release(r);
    span_rows_release(NULL);
    ck_assert_ptr_null(span_rows_retain(NULL));
}
END_TEST

START_TEST(test_cache_hit_and_replace)
{
    span_cache *c = span_cache_create(1 << 20, IDLE);
    span_rows *a = span_make("a", HOUR, 600, 3), *b = span_make("b", HOUR, 600, 4), *got;

    ck_assert_ptr_null(span_cache_get(c, "a", HOUR, 600, NOW));
    span_cache_put(c, a, NOW);
    span_cache_put(c, b, NOW);
    ck_assert_uint_eq(cache_spans(c), 2);
    /* The key is the site, the start and the length. */
    ck_assert_ptr_null(span_cache_get(c, "a", HOUR, 300, NOW));
    ck_assert_ptr_null(span_cache_get(c, "a", HOUR + 600, 600, NOW));
    ck_assert_ptr_null(span_cache_get(c, "c", HOUR, 600, NOW));
    got = span_cache_get(c, "b", HOUR, 600, NOW);
    ck_assert_ptr_eq(got, b);
    span_rows_release(got);
    /* A span read again replaces the one held. */
    span_rows *a2 = span_make("a", HOUR, 600, 5);
    span_cache_put(c, a2, NOW);
    ck_assert_uint_eq(cache_spans(c), 2);
    got = span_cache_get(c, "a", HOUR, 600, NOW);
    ck_assert_ptr_eq(got, a2);
    ck_assert_int_eq(span_rows_total(got), 15);
    span_rows_release(got);
    /* What callers still hold outlives the cache. */
    got = span_cache_get(c, "b", HOUR, 600, NOW);
    span_cache_free(c);
    ck_assert_str_eq(span_rows_path(got, 3), "/p/3");
    span_rows_release(got);
    span_rows_release(a);
    span_rows_release(b);
    span_rows_release(a2);
    span_cache_free(NULL);
    ck_assert_ptr_null(span_cache_get(NULL, "a", HOUR, 600, NOW));
    span_cache_put(NULL, NULL, NOW);
}
END_TEST

START_TEST(test_cache_idle)
{
    span_cache *c = span_cache_create(1 << 20, IDLE);
    span_rows *r;

    for (int i = 0; i < 5; i++) {
        r = span_make("a", HOUR + i * 60, 60, 2);
        span_cache_put(c, r, NOW);
        span_rows_release(r);
    }
    /* The first one used again, 100 s later. */
    r = span_cache_get(c, "a", HOUR, 60, NOW + 100);
    ck_assert_ptr_nonnull(r);
    span_rows_release(r);
    ck_assert_uint_eq(cache_spans(c), 5);
    /* 150 s after: the four not used for more than IDLE go. */
    r = span_make("a", HOUR + 3600, 3600, 2);
    span_cache_put(c, r, NOW + 150);
    span_rows_release(r);
    ck_assert_uint_eq(cache_spans(c), 2);
    ck_assert_ptr_null(span_cache_get(c, "a", HOUR + 60, 60, NOW + 150));
    r = span_cache_get(c, "a", HOUR, 60, NOW + 150);
    ck_assert_ptr_nonnull(r);
    span_rows_release(r);
    span_cache_free(c);
}
END_TEST

START_TEST(test_cache_size)
{
    span_rows *r = span_make("a", HOUR, 60, 100), *got;
    span_cache *c;
    size_t one;

    /* How much one such span counts for. */
    c = span_cache_create(1 << 20, IDLE);
    span_cache_put(c, r, NOW);
    one = cache_bytes(c);
    ck_assert_uint_gt(one, 100 * 5);
    span_cache_free(c);
    span_rows_release(r);

    /* Room for three: the least recently used goes. */
    c = span_cache_create(3 * one + one / 2, IDLE);
    for (int i = 0; i < 3; i++) {
        r = span_make("a", HOUR + i * 60, 60, 100);
        span_cache_put(c, r, NOW);
        span_rows_release(r);
    }
    ck_assert_uint_eq(cache_spans(c), 3);
    got = span_cache_get(c, "a", HOUR, 60, NOW);         /* now the most recent */
    span_rows_release(got);
    r = span_make("a", HOUR + 3 * 60, 60, 100);
    span_cache_put(c, r, NOW);
    span_rows_release(r);
    ck_assert_uint_eq(cache_spans(c), 3);
    ck_assert_uint_le(cache_bytes(c), 3 * one + one / 2);
    ck_assert_ptr_null(span_cache_get(c, "a", HOUR + 60, 60, NOW));
    got = span_cache_get(c, "a", HOUR, 60, NOW);
    ck_assert_ptr_nonnull(got);
    span_rows_release(got);
    /* A span larger than the whole cache is not kept, nor drops others. */
    r = span_make("a", HOUR + 4 * 60, 60, 1000);
    span_cache_put(c, r, NOW);
    span_rows_release(r);
    ck_assert_ptr_null(span_cache_get(c, "a", HOUR + 4 * 60, 60, NOW));
    ck_assert_uint_eq(cache_spans(c), 3);
    span_cache_free(c);
}
END_TEST

typedef struct hammer {
    span_cache *c;
    int id;
} hammer;

/* Puts and reads spans of a few keys, checking each span read is whole. */
static void *
hammer_run(void *arg)
{
    hammer *h = arg;

    for (int i = 0; i < 2000; i++) {
        int64_t start = HOUR + (i % 16) * 60;
        span_rows *r = span_cache_get(h->c, "a", start, 60, NOW + i / 100);

        if (r != NULL) {
            int64_t sum = 0;
            for (size_t k = 0; k < span_rows_count(r); k++)
                sum += span_rows_visits(r, k);
            if (sum != span_rows_total(r) || span_rows_start(r) != start)
                return "a span read from the cache was not whole";
            span_rows_release(r);
        } else {
            r = span_make("a", start, 60, 1 + (i + h->id) % 50);
            span_cache_put(h->c, r, NOW + i / 100);
            span_rows_release(r);
        }
    }
    return NULL;
}

START_TEST(test_cache_threads)
{
    span_cache *c = span_cache_create(8 << 10, IDLE);     /* small: evictions too */
    pthread_t t[4];
    hammer h[4];
    void *failed;

    for (int i = 0; i < 4; i++) {
        h[i] = (hammer){ c, i };
        ck_assert_int_eq(pthread_create(&t[i], NULL, hammer_run, &h[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        ck_assert_int_eq(pthread_join(t[i], &failed), 0);
        ck_assert_msg(failed == NULL, "%s", (const char *)failed);
    }
    ck_assert_uint_le(cache_bytes(c), 8 << 10);
    span_cache_free(c);
}
END_TEST

/* Frees the n paths of out. */
static void
paths_free(report_path *out, int n)
{
    for (int i = 0; i < n; i++)
        free(out[i].path);
}

START_TEST(test_top_sums_and_ties)
{
    span_rows *s[3];
    report_path out[8];
    int n;

    s[0] = span_rows_create("a", HOUR, 60, 0);
    s[1] = span_rows_create("a", HOUR + 60, 60, 0);
    s[2] = span_rows_create("a", HOUR + 120, 60, 0);
    /* /b: 2 + 3 = 5; /a and /é and /Z: 4 each (byte order: /Z, /a, /é);
     * /zero: 0, left out. */
    ck_assert_int_eq(span_rows_add(s[0], "/b", 2), 0);
    ck_assert_int_eq(span_rows_add(s[0], "/\xc3\xa9", 4), 0);
    ck_assert_int_eq(span_rows_add(s[1], "/a", 1), 0);
    ck_assert_int_eq(span_rows_add(s[1], "/zero", 0), 0);
    ck_assert_int_eq(span_rows_add(s[2], "/b", 3), 0);
    ck_assert_int_eq(span_rows_add(s[2], "/a", 3), 0);
    ck_assert_int_eq(span_rows_add(s[2], "/Z", 4), 0);
    n = top_paths(s, 3, 8, out);
    ck_assert_int_eq(n, 4);
    ck_assert_str_eq(out[0].path, "/b");
    ck_assert_int_eq(out[0].visits, 5);
    ck_assert_str_eq(out[1].path, "/Z");
    ck_assert_str_eq(out[2].path, "/a");
    ck_assert_str_eq(out[3].path, "/\xc3\xa9");
    ck_assert_int_eq(out[3].visits, 4);
    paths_free(out, n);
    /* The top bound cuts in the same order. */
    n = top_paths(s, 3, 2, out);
    ck_assert_int_eq(n, 2);
    ck_assert_str_eq(out[1].path, "/Z");
    paths_free(out, n);
    ck_assert_int_eq(top_paths(s, 3, 0, out), 0);
    ck_assert_int_eq(top_paths(s, 0, 8, out), 0);
    for (int i = 0; i < 3; i++)
        span_rows_release(s[i]);
}
END_TEST

typedef struct expected_path {
    char path[16];
    int64_t visits;
} expected_path;

static int
expected_cmp(const void *a, const void *b)
{
    const expected_path *x = a, *y = b;

    if (x->visits != y->visits)
        return x->visits > y->visits ? -1 : 1;
    return strcmp(x->path, y->path);
}

/* Random spans over 3,000 paths with counts that tie often: the top 100
 * equal a sort of every path's sum. */
START_TEST(test_top_against_sort)
{
    enum { PATHS = 3000, SPANS = 11, TOP = 100 };
    static expected_path all[PATHS];
    span_rows *s[SPANS];
    report_path out[TOP];
    uint64_t x = 0x9E3779B97F4A7C15ULL;
    char path[16];
    int n;

    for (int p = 0; p < PATHS; p++) {
        snprintf(all[p].path, sizeof(all[p].path), "/q/%d", p);
        all[p].visits = 0;
    }
    for (int i = 0; i < SPANS; i++) {
        s[i] = span_rows_create("a", HOUR + i * 600, 600, 0);
        for (int k = 0; k < 1000; k++) {
            int p;
            int64_t v;

            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            p = (int)(x % PATHS);
            v = (int64_t)(x >> 40) % 4;
            snprintf(path, sizeof(path), "/q/%d", p);
            ck_assert_int_eq(span_rows_add(s[i], path, v), 0);
            all[p].visits += v;
        }
    }
    qsort(all, PATHS, sizeof(all[0]), expected_cmp);
    n = top_paths(s, SPANS, TOP, out);
    ck_assert_int_eq(n, TOP);
    for (int i = 0; i < TOP; i++) {
        ck_assert_str_eq(out[i].path, all[i].path);
        ck_assert_int_eq(out[i].visits, all[i].visits);
    }
    ck_assert(all[TOP - 1].visits == all[TOP].visits);  /* a tie at the cut */
    paths_free(out, n);
    for (int i = 0; i < SPANS; i++)
        span_rows_release(s[i]);
}
END_TEST

static Suite *
span_cache_suite(void)
{
    Suite *s = suite_create("span_cache");
    TCase *tc = tcase_create("rows");

    tcase_add_test(tc, test_rows);
    suite_add_tcase(s, tc);
    tc = tcase_create("cache");
    tcase_add_test(tc, test_cache_hit_and_replace);
    tcase_add_test(tc, test_cache_idle);
    tcase_add_test(tc, test_cache_size);
    tcase_add_test(tc, test_cache_threads);
    suite_add_tcase(s, tc);
    tc = tcase_create("top");
    tcase_add_test(tc, test_top_sums_and_ties);
    tcase_add_test(tc, test_top_against_sort);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(span_cache_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
