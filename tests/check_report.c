/* check_report.c - unit tests of what the report endpoints send, on reports
 * built by hand (no database): report_etag (lib/report/report.h), render_json,
 * render_html and render_chart (lib/report/render.h).
 *
 * Test cases: "etag" (same data, same tag; any change, another tag),
 * "json" (render_json read back with jansson), "html" (render_html: escaping,
 * structure, numbers), "chart" (render_chart alone). */
#include <check.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "chart.h"
#include "params.h"
#include "render.h"
#include "report.h"
#include "timestamp.h"
#include "sites_fixture.h"

#define T0 1767261600LL         /* 2026-01-01T10:00:00Z, the current minute */
#define NOW_MS (T0 * 1000 + 5123)
#define MAXB 96
#define MAXP 8

#define XSS "<script>alert(\"x\")</script>"
#define XSS_ATTR "/\"><script>alert(1)</script>"


/* A report and the storage its pointers point into. Never report_free'd. */
typedef struct fixture {
    report r;
    report_bucket buckets[MAXB];
    report_path paths[MAXP];
    char names[MAXP][128];
} fixture;

/* Fills f as report_query would for query at NOW_MS: the window's buckets
 * (UTC labels), visits 0..30 with the largest, 31, in the first bucket and 4
 * in the current one; previous_total 100; rate 25 visits in 10 s; the given
 * paths with 100, 50, 25, ... visits out of a site total of 400. */
static void
fixture_init(fixture *f, const char *query, const char *const *paths, size_t npaths)
{
    char err[256] = "";
    report_window sp;
    int64_t v = 100;

    memset(f, 0, sizeof(*f));
    ck_assert_msg(params_parse(query, test_sites(), &f->r.p, err, sizeof(err)) == 0, "%s", err);
    f->r.generated_ms = NOW_MS;
    sp = report_window_for(&f->r.p, NOW_MS);
    f->r.bucket_seconds = (int)sp.bucket;
    f->r.nbuckets = sp.nbuckets;
    ck_assert_int_le(f->r.nbuckets, MAXB);
    f->r.buckets = f->buckets;
    for (int i = 0; i < f->r.nbuckets; i++) {
        report_bucket *b = &f->buckets[i];
        time_t t;
        struct tm tm;

        b->start = sp.first + i * sp.bucket;
        b->visits = i == 0 ? 31 : i == f->r.nbuckets - 1 ? 4 : (i * 7) % 31;
        t = (time_t)b->start;
        gmtime_r(&t, &tm);
        strftime(b->local, sizeof(b->local), "%Y-%m-%d %H:%M", &tm);
        f->r.total += b->visits;
    }
    f->r.previous_total = 100;
    f->r.current_minute = 4;
    f->r.site_total = 400;
    f->r.rate_to = NOW_MS / 1000 - REPORT_RATE_LAG_S;
    f->r.rate_from = f->r.rate_to - REPORT_RATE_SECONDS;
    f->r.rate_visits = 25;
    ck_assert_uint_le(npaths, MAXP);
    f->r.paths = f->paths;
    f->r.npaths = npaths;
    for (size_t i = 0; i < npaths; i++) {
        snprintf(f->names[i], sizeof(f->names[i]), "%s", paths[i]);
        f->paths[i].path = f->names[i];
        f->paths[i].visits = v;
        v /= 2;
    }
}

static const char *const default_paths[] = { "/", "/pricing", "/a b&c", "/docs/" };
#define NDEFAULT (sizeof(default_paths) / sizeof(default_paths[0]))

/* Returns how often needle occurs in hay (non-overlapping). */
static int
count(const char *hay, const char *needle)
{
    int n = 0;
    size_t len = strlen(needle);

    for (const char *p = strstr(hay, needle); p; p = strstr(p + len, needle))
        n++;
    return n;
}

/* Returns how often needle occurs in hay, ignoring ASCII case. */
static int
count_nocase(const char *hay, const char *needle)
{
    int n = 0;
    size_t len = strlen(needle);

    for (; *hay; hay++) {
        if (strncasecmp(hay, needle, len) == 0)
            n++;
    }
    return n;
}

#define ASSERT_HAS(hay, needle)                                                \
    ck_assert_msg(strstr((hay), (needle)) != NULL, "output lacks \"%s\"", (needle))
#define ASSERT_HASNT(hay, needle)                                              \
    ck_assert_msg(strstr((hay), (needle)) == NULL, "output holds \"%s\"", (needle))

/* Every '&' in the page starts a character reference. */
static void
check_ampersands(const char *html)
{
    static const char *const refs[] = { "&amp;", "&lt;", "&gt;", "&quot;", "&#39;",
                                        "&middot;" };

    for (const char *p = strchr(html, '&'); p; p = strchr(p + 1, '&')) {
        size_t k;
        for (k = 0; k < sizeof(refs) / sizeof(refs[0]); k++) {
            if (strncmp(p, refs[k], strlen(refs[k])) == 0)
                break;
        }
        ck_assert_msg(k < sizeof(refs) / sizeof(refs[0]), "bare '&' at \"%.40s\"", p);
    }
}

/* ---- etag ---------------------------------------------------------------- */

/* Changes field to value, expects another tag, puts field back and expects
 * the tag again. */
#define CHECK_CHANGES(f, base, field, value)                                   \
    do {                                                                       \
        __typeof__(field) saved_ = (field);                                    \
        (field) = (value);                                                     \
        ck_assert_msg(report_etag(&(f).r) != (base),                           \
                      "changing " #field " keeps the etag");                   \
        (field) = saved_;                                                      \
        ck_assert_msg(report_etag(&(f).r) == (base), "restoring " #field);     \
    } while (0)

/* As CHECK_CHANGES for a char array. */
#define CHECK_CHANGES_STR(f, base, field, value)                               \
    do {                                                                       \
        char saved_[sizeof(field)];                                            \
        memcpy(saved_, (field), sizeof(field));                                \
        snprintf((field), sizeof(field), "%s", (value));                       \
        ck_assert_msg(report_etag(&(f).r) != (base),                           \
                      "changing " #field " to \"%s\" keeps the etag", (value)); \
        memcpy((field), saved_, sizeof(field));                                \
        ck_assert_msg(report_etag(&(f).r) == (base), "restoring " #field);     \
    } while (0)

START_TEST(test_etag_same_data)
{
    fixture a, b;

    fixture_init(&a, "window=6h&tz=Europe/Berlin", default_paths, NDEFAULT);
    fixture_init(&b, "window=6h&tz=Europe/Berlin", default_paths, NDEFAULT);
    ck_assert(a.r.buckets != b.r.buckets && a.r.paths[0].path != b.r.paths[0].path);
    ck_assert(report_etag(&a.r) == report_etag(&b.r));
    ck_assert(report_etag(&a.r) == report_etag(&a.r));
    /* Only the data counts, not when it was read. */
    b.r.generated_ms += 60000;
    ck_assert(report_etag(&a.r) == report_etag(&b.r));
    b.r.generated_ms = 0;
    ck_assert(report_etag(&a.r) == report_etag(&b.r));
}
END_TEST

START_TEST(test_etag_numbers)
{
    fixture f;
    uint64_t base;

    fixture_init(&f, NULL, default_paths, NDEFAULT);
    base = report_etag(&f.r);
    CHECK_CHANGES(f, base, f.r.total, f.r.total + 1);
    CHECK_CHANGES(f, base, f.r.previous_total, 101);
    CHECK_CHANGES(f, base, f.r.previous_total, 0);
    CHECK_CHANGES(f, base, f.r.current_minute, 5);
    CHECK_CHANGES(f, base, f.r.site_total, 401);
    CHECK_CHANGES(f, base, f.r.rate_visits, 26);
    CHECK_CHANGES(f, base, f.r.rate_visits, 0);
}
END_TEST

START_TEST(test_etag_buckets)
{
    fixture f;
    uint64_t base;

    fixture_init(&f, NULL, default_paths, NDEFAULT);
    base = report_etag(&f.r);
    for (int i = 0; i < f.r.nbuckets; i++) {
        CHECK_CHANGES(f, base, f.buckets[i].visits, f.buckets[i].visits + 1);
        CHECK_CHANGES(f, base, f.buckets[i].start, f.buckets[i].start + 60);
        CHECK_CHANGES_STR(f, base, f.buckets[i].local, "2026-01-01 23:59");
    }
    /* Two buckets trading their counts. */
    f.buckets[1].visits = 1;
    f.buckets[2].visits = 2;
    base = report_etag(&f.r);
    f.buckets[1].visits = 2;
    f.buckets[2].visits = 1;
    ck_assert(report_etag(&f.r) != base);
    base = report_etag(&f.r);
    /* One bucket fewer. */
    CHECK_CHANGES(f, base, f.r.nbuckets, f.r.nbuckets - 1);
}
END_TEST

START_TEST(test_etag_paths)
{
    static char docs[] = "/docs";     /* "/docs/" without its slash */
    fixture f;
    uint64_t base;

    fixture_init(&f, NULL, default_paths, NDEFAULT);
    base = report_etag(&f.r);
    for (size_t i = 0; i < f.r.npaths; i++) {
        CHECK_CHANGES(f, base, f.paths[i].visits, f.paths[i].visits + 1);
        CHECK_CHANGES(f, base, f.paths[i].path, "/elsewhere");
    }
    /* One character of one path. */
    CHECK_CHANGES(f, base, f.paths[3].path, docs);
    /* One path fewer. */
    CHECK_CHANGES(f, base, f.r.npaths, f.r.npaths - 1);
    /* Two paths trading places. */
    f.paths[0].path = f.names[1];
    f.paths[1].path = f.names[0];
    ck_assert(report_etag(&f.r) != base);
}
END_TEST

START_TEST(test_etag_params)
{
    fixture f;
    uint64_t base;

    fixture_init(&f, NULL, default_paths, NDEFAULT);
    base = report_etag(&f.r);
    CHECK_CHANGES(f, base, f.r.p.window, "15m");
    CHECK_CHANGES(f, base, f.r.p.window, "24h");
    CHECK_CHANGES_STR(f, base, f.r.p.tz, "Europe/Berlin");
    CHECK_CHANGES_STR(f, base, f.r.p.tz, "UTC0");
    CHECK_CHANGES_STR(f, base, f.r.p.path, "/pricing");
    CHECK_CHANGES_STR(f, base, f.r.p.path, "/");
    CHECK_CHANGES(f, base, f.r.p.top, 11);
    CHECK_CHANGES(f, base, f.r.p.top, 1);
    /* A filtered report differs from the unfiltered one with the same
     * numbers. */
    snprintf(f.r.p.path, sizeof(f.r.p.path), "/pricing");
    base = report_etag(&f.r);
    CHECK_CHANGES_STR(f, base, f.r.p.path, "");
    CHECK_CHANGES_STR(f, base, f.r.p.path, "/pricinG");
}
END_TEST

/* The report's time and the rate's window move every second: they are not
 * data (lib/report/report.c leaves them out of the hash on purpose). */
START_TEST(test_etag_ignores_times)
{
    fixture f;
    uint64_t base;

    fixture_init(&f, NULL, default_paths, NDEFAULT);
    base = report_etag(&f.r);
    for (int s = 1; s <= 120; s++) {
        f.r.generated_ms = NOW_MS + s * 1000;
        f.r.rate_to = f.r.generated_ms / 1000 - REPORT_RATE_LAG_S;
        f.r.rate_from = f.r.rate_to - REPORT_RATE_SECONDS;
        ck_assert_msg(report_etag(&f.r) == base, "%d s later: another etag", s);
    }
    /* But the rate's count is. */
    CHECK_CHANGES(f, base, f.r.rate_visits, f.r.rate_visits + 1);
}
END_TEST

/* ---- json ---------------------------------------------------------------- */

/* Renders r as JSON and parses it back; the caller decrefs. */
static json_t *
json_of(const report *r)
{
    buf b = BUF_INIT;
    json_error_t error;
    json_t *j;

    ck_assert_int_eq(render_json(r, &b), 0);
    ck_assert_ptr_nonnull(b.data);
    ck_assert_uint_eq(strlen(b.data), b.len);
    ck_assert_int_eq(b.data[b.len - 1], '\n');
    j = json_loads(b.data, JSON_REJECT_DUPLICATES, &error);
    ck_assert_msg(j != NULL, "invalid JSON (%s): %.200s", error.text, b.data);
    ck_assert(json_is_object(j));
    buf_free(&b);
    return j;
}

static json_int_t
jint(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);

    ck_assert_msg(json_is_integer(v), "\"%s\" is not an integer", key);
    return json_integer_value(v);
}

static const char *
jstr(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);

    ck_assert_msg(json_is_string(v), "\"%s\" is not a string", key);
    return json_string_value(v);
}

static double
jnum(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);

    ck_assert_msg(json_is_number(v), "\"%s\" is not a number", key);
    return json_number_value(v);
}

START_TEST(test_json_top_level)
{
    static const char *const keys[] = {
        "site", "sites", "window", "bucket_seconds", "tz", "path", "generated_at", "total",
        "previous_total", "change", "current_minute", "site_total", "rate",
        "buckets", "paths", "chart",
    };
    fixture f;
    json_t *j;

    fixture_init(&f, NULL, default_paths, NDEFAULT);
    f.r.total = 150;
    j = json_of(&f.r);
    for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
        ck_assert_msg(json_object_get(j, keys[k]) != NULL, "no \"%s\"", keys[k]);
    ck_assert_uint_eq(json_object_size(j), sizeof(keys) / sizeof(keys[0]));
    ck_assert_str_eq(jstr(j, "site"), "example.com");
    ck_assert_uint_eq(json_array_size(json_object_get(j, "sites")), 2);
    ck_assert_str_eq(json_string_value(json_array_get(json_object_get(j, "sites"), 1)),
                     "shop.example.com");
    ck_assert_str_eq(jstr(j, "window"), "60m");
    ck_assert_int_eq(jint(j, "bucket_seconds"), 60);
    ck_assert_str_eq(jstr(j, "tz"), "UTC");
    ck_assert(json_is_null(json_object_get(j, "path")));
    ck_assert_str_eq(jstr(j, "generated_at"), "2026-01-01T10:00:05.123Z");
    ck_assert_int_eq(jint(j, "total"), 150);
    ck_assert_int_eq(jint(j, "previous_total"), 100);
    ck_assert_double_eq_tol(jnum(j, "change"), 0.5, 1e-12);
    ck_assert_int_eq(jint(j, "current_minute"), 4);
    ck_assert_int_eq(jint(j, "site_total"), 400);
    json_decref(j);
}
END_TEST

START_TEST(test_json_window_and_filter)
{
    fixture f;
    json_t *j;

    fixture_init(&f, "window=24h&tz=Europe/Berlin&path=/pricing&top=3",
                 default_paths, 3);
    j = json_of(&f.r);
    ck_assert_str_eq(jstr(j, "window"), "24h");
    ck_assert_int_eq(jint(j, "bucket_seconds"), 900);
    ck_assert_str_eq(jstr(j, "tz"), "Europe/Berlin");
    ck_assert_str_eq(jstr(j, "path"), "/pricing");
    ck_assert_uint_eq(json_array_size(json_object_get(j, "buckets")), 96);
    ck_assert_uint_eq(json_array_size(json_object_get(j, "paths")), 3);
    json_decref(j);

    fixture_init(&f, "window=6h", default_paths, NDEFAULT);
    j = json_of(&f.r);
    ck_assert_int_eq(jint(j, "bucket_seconds"), 300);
    ck_assert_uint_eq(json_array_size(json_object_get(j, "buckets")), 72);
    json_decref(j);
}
END_TEST

START_TEST(test_json_change)
{
    fixture f;
    json_t *j;

    fixture_init(&f, NULL, default_paths, NDEFAULT);
    f.r.total = 150;
    f.r.previous_total = 200;
    j = json_of(&f.r);
    ck_assert_double_eq_tol(jnum(j, "change"), -0.25, 1e-12);
    json_decref(j);

    f.r.previous_total = 0;
    j = json_of(&f.r);
    ck_assert_msg(json_is_null(json_object_get(j, "change")), "change not null");
    ck_assert_int_eq(jint(j, "previous_total"), 0);
    json_decref(j);

    f.r.total = 0;
    j = json_of(&f.r);
    ck_assert(json_is_null(json_object_get(j, "change")));
    json_decref(j);

    f.r.total = 0;
    f.r.previous_total = 8;
    j = json_of(&f.r);
    ck_assert_double_eq_tol(jnum(j, "change"), -1, 1e-12);
    json_decref(j);

    f.r.total = 24;
    j = json_of(&f.r);
    ck_assert_double_eq_tol(jnum(j, "change"), 2, 1e-12);
    json_decref(j);
}
END_TEST

START_TEST(test_json_rate)
{
    fixture f;
    json_t *j, *rate;

    fixture_init(&f, NULL, default_paths, NDEFAULT);
    j = json_of(&f.r);
    rate = json_object_get(j, "rate");
    ck_assert(json_is_object(rate));
    ck_assert_uint_eq(json_object_size(rate), 4);
    ck_assert_double_eq_tol(jnum(rate, "per_second"), 2.5, 1e-12);
    ck_assert_str_eq(jstr(rate, "from"), "2026-01-01T09:59:53Z");
    ck_assert_str_eq(jstr(rate, "to"), "2026-01-01T10:00:03Z");
    ck_assert_str_eq(jstr(rate, "scope"), "site");
    json_decref(j);

    f.r.rate_visits = 0;
    j = json_of(&f.r);
    ck_assert_double_eq(jnum(json_object_get(j, "rate"), "per_second"), 0);
    json_decref(j);

    f.r.rate_visits = 7;
    f.r.rate_from = f.r.rate_to - 4;
    j = json_of(&f.r);
    ck_assert_double_eq_tol(jnum(json_object_get(j, "rate"), "per_second"), 1.75,
                            1e-12);
    json_decref(j);
}
END_TEST

/* rate.per_second is rate_visits / (rate_to - rate_from); the page shows it
 * with one decimal (render_html, and visits.js from this JSON), so it must
 * not lose more than that at a busy site's rates. */
START_TEST(test_json_rate_precision)
{
    fixture f;
    json_t *j;
    double got;

    fixture_init(&f, NULL, default_paths, NDEFAULT);
    f.r.rate_visits = 123456;      /* 12345.6 per second */
    j = json_of(&f.r);
    got = jnum(json_object_get(j, "rate"), "per_second");
    ck_assert_msg(got > 12345.55 && got < 12345.65,
                  "rate.per_second is %.10g for 123456 visits in 10 s, expected "
                  "12345.6", got);
    json_decref(j);
}
END_TEST

START_TEST(test_json_buckets)
{
    fixture f;
    json_t *j, *buckets, *b;
    char iso[TIMESTAMP_ISO_SIZE];

    fixture_init(&f, NULL, default_paths, NDEFAULT);
    j = json_of(&f.r);
    buckets = json_object_get(j, "buckets");
    ck_assert(json_is_array(buckets));
    ck_assert_uint_eq(json_array_size(buckets), 60);
    b = json_array_get(buckets, 0);
    ck_assert_uint_eq(json_object_size(b), 3);
    ck_assert_str_eq(jstr(b, "start"), "2026-01-01T09:01:00Z");
    ck_assert_str_eq(jstr(b, "local"), "2026-01-01 09:01");
    ck_assert_int_eq(jint(b, "visits"), 31);
    b = json_array_get(buckets, 59);
    ck_assert_str_eq(jstr(b, "start"), "2026-01-01T10:00:00Z");
    ck_assert_str_eq(jstr(b, "local"), "2026-01-01 10:00");
    ck_assert_int_eq(jint(b, "visits"), 4);
    for (int i = 0; i < 60; i++) {
        b = json_array_get(buckets, (size_t)i);
        timestamp_format_sec(f.buckets[i].start, iso);
        ck_assert_str_eq(jstr(b, "start"), iso);
        ck_assert_str_eq(jstr(b, "local"), f.buckets[i].local);
        ck_assert_int_eq(jint(b, "visits"), f.buckets[i].visits);
    }
    json_decref(j);

    /* Local labels are passed through as they are. */
    snprintf(f.buckets[5].local, sizeof(f.buckets[5].local), "2026-01-01 11:06");
    j = json_of(&f.r);
    ck_assert_str_eq(jstr(json_array_get(json_object_get(j, "buckets"), 5), "local"),
                     "2026-01-01 11:06");
    json_decref(j);
}
END_TEST

START_TEST(test_json_paths)
{
    fixture f;
    json_t *j, *paths, *p;

    fixture_init(&f, NULL, default_paths, NDEFAULT);     /* 100, 50, 25, 12 */
    j = json_of(&f.r);
    paths = json_object_get(j, "paths");
    ck_assert(json_is_array(paths));
    ck_assert_uint_eq(json_array_size(paths), 4);
    p = json_array_get(paths, 0);
    ck_assert_uint_eq(json_object_size(p), 3);
    ck_assert_str_eq(jstr(p, "path"), "/");
    ck_assert_int_eq(jint(p, "visits"), 100);
    ck_assert_double_eq_tol(jnum(p, "share"), 0.25, 1e-12);
    p = json_array_get(paths, 1);
    ck_assert_str_eq(jstr(p, "path"), "/pricing");
    ck_assert_int_eq(jint(p, "visits"), 50);
    ck_assert_double_eq_tol(jnum(p, "share"), 0.125, 1e-12);
    p = json_array_get(paths, 2);
    ck_assert_str_eq(jstr(p, "path"), "/a b&c");
    ck_assert_int_eq(jint(p, "visits"), 25);
    ck_assert_double_eq_tol(jnum(p, "share"), 0.0625, 1e-12);
    p = json_array_get(paths, 3);
    ck_assert_str_eq(jstr(p, "path"), "/docs/");
    ck_assert_int_eq(jint(p, "visits"), 12);
    ck_assert_double_eq_tol(jnum(p, "share"), 0.03, 1e-12);
    json_decref(j);

    /* No paths: an empty array. No site total: share 0, not NaN. */
    f.r.npaths = 0;
    j = json_of(&f.r);
    ck_assert_uint_eq(json_array_size(json_object_get(j, "paths")), 0);
    json_decref(j);
    f.r.npaths = 1;
    f.r.site_total = 0;
    j = json_of(&f.r);
    ck_assert_double_eq(jnum(json_array_get(json_object_get(j, "paths"), 0), "share"),
                        0);
    json_decref(j);
}
END_TEST

/* Checks chart.y_max and chart.y_ticks for the largest bucket max. */
static void
check_json_chart(fixture *f, int64_t max)
{
    chart_scale s = chart_scale_for(max);
    json_t *j, *chart, *ticks;

    j = json_of(&f->r);
    chart = json_object_get(j, "chart");
    ck_assert(json_is_object(chart));
    ck_assert_uint_eq(json_object_size(chart), 6);
    ck_assert_int_eq(jint(chart, "y_max"), s.max);
    ticks = json_object_get(chart, "y_ticks");
    ck_assert(json_is_array(ticks));
    ck_assert_uint_eq(json_array_size(ticks), (size_t)s.nticks);
    for (int t = 0; t < s.nticks; t++) {
        json_t *v = json_array_get(ticks, (size_t)t);
        ck_assert(json_is_integer(v));
        ck_assert_int_eq(json_integer_value(v), s.step * t);
    }
    ck_assert_int_eq(json_integer_value(json_array_get(ticks, (size_t)s.nticks - 1)),
                     s.max);
    /* y_labels: what the SVG writes by each gridline. */
    ticks = json_object_get(chart, "y_labels");
    ck_assert(json_is_array(ticks));
    ck_assert_uint_eq(json_array_size(ticks), (size_t)s.nticks);
    for (int t = 0; t < s.nticks; t++) {
        char want[CHART_TICK_LABEL_SIZE];

        ck_assert_str_eq(json_string_value(json_array_get(ticks, (size_t)t)),
                         chart_tick_label(s.step * t, want));
    }
    json_decref(j);
}

START_TEST(test_json_chart)
{
    fixture f;

    fixture_init(&f, NULL, default_paths, NDEFAULT);
    check_json_chart(&f, 31);           /* 50: 0, 10, ..., 50 */
    {
        json_t *j = json_of(&f.r);
        json_t *ticks = json_object_get(json_object_get(j, "chart"), "y_ticks");
        ck_assert_int_eq(jint(json_object_get(j, "chart"), "y_max"), 50);
        ck_assert_uint_eq(json_array_size(ticks), 6);
        ck_assert_int_eq(json_integer_value(json_array_get(ticks, 1)), 10);
        json_decref(j);
    }
    /* The maximum in the last, growing bucket counts too. */
    f.buckets[59].visits = 1001;
    check_json_chart(&f, 1001);
    {
        static const char *const want[] = { "0", "500", "1k", "1.5k", "2k" };
        json_t *j = json_of(&f.r);
        json_t *labels = json_object_get(json_object_get(j, "chart"), "y_labels");

        ck_assert_uint_eq(json_array_size(labels), 5);
        for (size_t k = 0; k < 5; k++)
            ck_assert_str_eq(json_string_value(json_array_get(labels, k)), want[k]);
        json_decref(j);
    }
    /* All zero: the smallest scale. */
    for (int i = 0; i < f.r.nbuckets; i++)
        f.buckets[i].visits = 0;
    check_json_chart(&f, 0);
    f.buckets[30].visits = 123456;
    check_json_chart(&f, 123456);
}
END_TEST

START_TEST(test_json_hostile_strings)
{
    static const char *const hostile[] = {
        XSS, "/q\"u'o\\te", "/caf\xC3\xA9", "/tab%09", "/</script><!--",
    };
    fixture f;
    json_t *j, *paths;

    fixture_init(&f, NULL, hostile, sizeof(hostile) / sizeof(hostile[0]));
    snprintf(f.r.p.path, sizeof(f.r.p.path), "%s", XSS);
    j = json_of(&f.r);
    ck_assert_str_eq(jstr(j, "path"), XSS);
    paths = json_object_get(j, "paths");
    ck_assert_uint_eq(json_array_size(paths), sizeof(hostile) / sizeof(hostile[0]));
    for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++)
        ck_assert_str_eq(jstr(json_array_get(paths, i), "path"), hostile[i]);
    json_decref(j);
}
END_TEST

/* ---- html ---------------------------------------------------------------- */

/* Renders r as the page into b (BUF_INIT); checks what every page has. */
static void
html_of(const report *r, buf *b)
{
    ck_assert_int_eq(render_html(r, b), 0);
    ck_assert_ptr_nonnull(b->data);
    ck_assert_uint_eq(strlen(b->data), b->len);
    ck_assert_msg(strncmp(b->data, "<!doctype html>", 15) == 0, "no doctype");
    ck_assert_int_eq(count_nocase(b->data, "<script"), 1);
    ASSERT_HAS(b->data, "<script src=\"/visits/static/visits.js\"");
    ASSERT_HAS(b->data, "<link rel=\"stylesheet\" href=\"/visits/static/visits.css\">");
    ck_assert_int_eq(count_nocase(b->data, "<title>") - count(b->data, "<title>"), 0);
    ck_assert_int_eq(count(b->data, "<svg"), 1);
    ck_assert_int_eq(count(b->data, "</svg>"), 1);
    ck_assert_int_eq(count(b->data, "</html>"), 1);
    check_ampersands(b->data);
}

START_TEST(test_html_structure)
{
    fixture f;
    buf b = BUF_INIT;
    const char *now, *cur = "<title>2026-01-01 10:00 UTC: 4 visits so far</title>";

    fixture_init(&f, NULL, default_paths, NDEFAULT);
    html_of(&f.r, &b);
    ASSERT_HAS(b.data, "<title>Visits to example.com, last 60m</title>");
    /* One group per bucket, the last one the current. */
    ck_assert_int_eq(count(b.data, "<g class=\"b\" "), f.r.nbuckets - 1);
    ck_assert_int_eq(count(b.data, "<g class=\"b now\""), 1);
    ck_assert_int_eq(count(b.data, "<g class=\"b\" ") + count(b.data, "<g class=\"b "),
                     f.r.nbuckets);
    now = strstr(b.data, "<g class=\"b now\"");
    ck_assert_ptr_nonnull(now);
    ASSERT_HASNT(now, "<g class=\"b\" ");
    ck_assert_msg(strncmp(strstr(now, "<title>"), cur, strlen(cur)) == 0,
                  "current bar: %.80s", now);
    /* 60 one-minute bars: one per minute in the description. */
    ASSERT_HAS(b.data, "60 bars, one per minute");
    ASSERT_HAS(b.data, "Visits per minute, all paths, times in UTC</h2>");
    /* The window is selected in the form. */
    ASSERT_HAS(b.data, "<option selected>60m</option>");
    ck_assert_int_eq(count(b.data, "<option selected>"), 2);   /* window, site */
    ASSERT_HAS(b.data, "<input name=\"tz\" value=\"UTC\"");
    ASSERT_HAS(b.data, "<input name=\"path\" value=\"\"");
    ASSERT_HAS(b.data, "<input type=\"hidden\" name=\"top\" value=\"10\">");
    ASSERT_HAS(b.data, "<time id=\"updated\" datetime=\"2026-01-01T10:00:05.123Z\">"
                       "10:00:05 UTC</time>");
    ASSERT_HAS(b.data, "<p class=\"big\" id=\"rate\">2.5</p>");
    buf_free(&b);

    fixture_init(&f, "window=24h&top=4&tz=Europe/Berlin", default_paths, NDEFAULT);
    html_of(&f.r, &b);
    ck_assert_int_eq(count(b.data, "<g class=\"b\" "), 95);
    ck_assert_int_eq(count(b.data, "<g class=\"b now\""), 1);
    ASSERT_HAS(b.data, "96 bars, one per 15 minutes");
    ASSERT_HAS(b.data, "<option selected>24h</option>");
    ASSERT_HAS(b.data, "<input type=\"hidden\" name=\"top\" value=\"4\">");
    ASSERT_HAS(b.data, "times in Europe/Berlin</h2>");
    buf_free(&b);
}
END_TEST

/* With several sites the page has a switcher with the current one
 * selected, and every link and export keeps the site; with one site, a
 * hidden field keeps it. */
START_TEST(test_html_sites)
{
    fixture f;
    buf b = BUF_INIT;
    sites *one;
    char err[128];

    fixture_init(&f, "site=shop.example.com", default_paths, NDEFAULT);
    html_of(&f.r, &b);
    ASSERT_HAS(b.data, "<title>Visits to shop.example.com, last 60m</title>");
    ASSERT_HAS(b.data, "<select name=\"site\" id=\"site\"><option>example.com</option>"
                       "<option selected>shop.example.com</option></select>");
    ASSERT_HAS(b.data, "href=\"/visits?site=shop.example.com&amp;window=60m");
    ASSERT_HAS(b.data, "href=\"/visits.json?site=shop.example.com\"");
    ASSERT_HAS(b.data, "href=\"/visits.csv?site=shop.example.com\"");
    ASSERT_HASNT(b.data, "site=example.com&amp;");
    buf_free(&b);

    one = sites_parse("solo.example", err, sizeof(err));
    ck_assert_ptr_nonnull(one);
    f.r.p.sites = one;
    snprintf(f.r.p.site, sizeof(f.r.p.site), "solo.example");
    html_of(&f.r, &b);
    ASSERT_HASNT(b.data, "<select name=\"site\"");
    ASSERT_HAS(b.data, "<input type=\"hidden\" name=\"site\" value=\"solo.example\">");
    buf_free(&b);
    sites_free(one);
}
END_TEST

START_TEST(test_html_counts)
{
    fixture f;
    buf b = BUF_INIT;

    fixture_init(&f, NULL, default_paths, NDEFAULT);
    f.r.total = 1234567;
    f.r.previous_total = 0;
    f.r.current_minute = 1000;
    f.paths[0].visits = 999;
    f.paths[1].visits = 1000000;
    f.buckets[0].visits = 12345;
    html_of(&f.r, &b);
    ASSERT_HAS(b.data, "id=\"total\">1,234,567</p>");
    ASSERT_HAS(b.data, "id=\"current\">1,000</p>");
    ASSERT_HAS(b.data, "<td class=\"num\">999</td>");
    ASSERT_HAS(b.data, "<td class=\"num\">1,000,000</td>");
    ASSERT_HAS(b.data, "2026-01-01 09:01 UTC: 12,345 visits</title>");
    ASSERT_HAS(b.data, "Highest: 12,345 visits.");
    ASSERT_HAS(b.data, "id=\"change\">none in the window before</p>");
    /* The y axis: 0 to 20,000 by 5,000, short enough for its margin. */
    ASSERT_HAS(b.data, "class=\"ylabel\">20k</text>");
    ASSERT_HAS(b.data, "class=\"ylabel\">5k</text>");
    ASSERT_HAS(b.data, "class=\"ylabel\">0</text>");
    ck_assert_int_eq(count(b.data, "class=\"ylabel\""), 5);
    buf_free(&b);

    f.r.total = 0;
    f.r.current_minute = 0;
    html_of(&f.r, &b);
    ASSERT_HAS(b.data, "id=\"total\">0</p>");
    ASSERT_HAS(b.data, "id=\"current\">0</p>");
    buf_free(&b);
}
END_TEST

START_TEST(test_html_change)
{
    fixture f;
    buf b = BUF_INIT;

    fixture_init(&f, NULL, default_paths, NDEFAULT);
    f.r.total = 150;
    f.r.previous_total = 100;
    html_of(&f.r, &b);
    ASSERT_HAS(b.data, "id=\"change\">+50.0% vs the 60m before</p>");
    buf_free(&b);

    f.r.total = 50;
    html_of(&f.r, &b);
    ASSERT_HAS(b.data, "id=\"change\">-50.0% vs the 60m before</p>");
    buf_free(&b);

    f.r.total = 100;
    html_of(&f.r, &b);
    ASSERT_HAS(b.data, "id=\"change\">+0.0% vs the 60m before</p>");
    buf_free(&b);

    f.r.total = 0;
    html_of(&f.r, &b);
    ASSERT_HAS(b.data, "id=\"change\">-100.0% vs the 60m before</p>");
    buf_free(&b);

    fixture_init(&f, "window=6h", default_paths, NDEFAULT);
    f.r.total = 3;
    f.r.previous_total = 2;
    html_of(&f.r, &b);
    ASSERT_HAS(b.data, "id=\"change\">+50.0% vs the 6h before</p>");
    ASSERT_HAS(b.data, "<h2>Last 6h</h2>");
    buf_free(&b);

    f.r.previous_total = 0;
    html_of(&f.r, &b);
    ASSERT_HAS(b.data, "id=\"change\">none in the window before</p>");
    buf_free(&b);
}
END_TEST

START_TEST(test_html_hostile_top_path)
{
    static const char *const hostile[] = { "/", XSS, "/<script>alert(1)</script>",
                                           "/it's" };
    fixture f;
    buf b = BUF_INIT;

    fixture_init(&f, NULL, hostile, sizeof(hostile) / sizeof(hostile[0]));
    html_of(&f.r, &b);
    ASSERT_HASNT(b.data, "<script>alert");
    ASSERT_HASNT(b.data, "it's");
    /* The link text, escaped. */
    ASSERT_HAS(b.data, ">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</a>");
    ASSERT_HAS(b.data, ">/&lt;script&gt;alert(1)&lt;/script&gt;</a>");
    ASSERT_HAS(b.data, ">/it&#39;s</a>");
    /* The href, percent-encoded. */
    ASSERT_HAS(b.data, "href=\"/visits?site=example.com&amp;window=60m&amp;top=10&amp;tz=UTC&amp;path="
                       "%3Cscript%3Ealert%28%22x%22%29%3C/script%3E\"");
    ASSERT_HAS(b.data, "&amp;path=/%3Cscript%3Ealert%281%29%3C/script%3E\"");
    ASSERT_HAS(b.data, "&amp;path=/it%27s\"");
    buf_free(&b);
}
END_TEST

START_TEST(test_html_hostile_filter)
{
    fixture f;
    buf b = BUF_INIT;
    const char *esc = "/&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;";
    char want[256];

    fixture_init(&f, NULL, default_paths, NDEFAULT);
    /* params_parse would refuse this filter; render_html must not rely on
     * that. */
    snprintf(f.r.p.path, sizeof(f.r.p.path), "%s", XSS_ATTR);
    html_of(&f.r, &b);
    ASSERT_HASNT(b.data, "<script>alert");
    ASSERT_HASNT(b.data, "\"><script");
    snprintf(want, sizeof(want), "<title>Visits to example.com %s, last 60m</title>", esc);
    ASSERT_HAS(b.data, want);
    snprintf(want, sizeof(want), "<input name=\"path\" value=\"%s\" ", esc);
    ASSERT_HAS(b.data, want);
    snprintf(want, sizeof(want), "<code>%s</code>", esc);
    ASSERT_HAS(b.data, want);
    /* The link back to all paths has no path. */
    ASSERT_HAS(b.data, "(<a href=\"/visits?site=example.com&amp;window=60m&amp;top=10&amp;tz=UTC\">all "
                       "paths</a>)");
    buf_free(&b);
}
END_TEST

START_TEST(test_html_hostile_tz_and_labels)
{
    fixture f;
    buf b = BUF_INIT;

    /* Normal labels and tz: exact titles. */
    fixture_init(&f, NULL, default_paths, NDEFAULT);
    html_of(&f.r, &b);
    ASSERT_HAS(b.data, "<title>2026-01-01 09:01 UTC: 31 visits</title>");
    ASSERT_HAS(b.data, "<title>2026-01-01 09:02 UTC: 7 visits</title>");
    ck_assert_int_eq(count(b.data, "<title>2026-01-01 "), f.r.nbuckets);
    buf_free(&b);

    /* A tz and a label that params_parse and PostgreSQL would never give. */
    snprintf(f.r.p.tz, sizeof(f.r.p.tz), "%s", XSS_ATTR);
    snprintf(f.buckets[3].local, sizeof(f.buckets[3].local), "<script>alert(1)");
    html_of(&f.r, &b);
    ASSERT_HASNT(b.data, "<script>alert");
    ASSERT_HASNT(b.data, "\"><script");
    ASSERT_HAS(b.data, "<title>2026-01-01 09:01 /&quot;&gt;&lt;script&gt;alert(1)"
                       "&lt;/script&gt;: 31 visits</title>");
    ASSERT_HAS(b.data, "<title>&lt;script&gt;alert(1) /&quot;&gt;");
    ASSERT_HAS(b.data, "<input name=\"tz\" value=\"/&quot;&gt;&lt;script&gt;"
                       "alert(1)&lt;/script&gt;\"");
    ASSERT_HAS(b.data, "&amp;tz=/%22%3E%3Cscript%3Ealert%281%29%3C/script%3E&amp;"
                       "path=/\"");
    buf_free(&b);
}
END_TEST

START_TEST(test_html_links)
{
    fixture f;
    buf b = BUF_INIT;

    fixture_init(&f, NULL, default_paths, NDEFAULT);
    html_of(&f.r, &b);
    ASSERT_HAS(b.data, "<a href=\"/visits?site=example.com&amp;window=60m&amp;top=10&amp;tz=UTC&amp;"
                       "path=/a%20b%26c\">/a b&amp;c</a>");
    ASSERT_HAS(b.data, "<a href=\"/visits?site=example.com&amp;window=60m&amp;top=10&amp;tz=UTC&amp;"
                       "path=/\">/</a>");
    ASSERT_HAS(b.data, "<a href=\"/visits?site=example.com&amp;window=60m&amp;top=10&amp;tz=UTC&amp;"
                       "path=/pricing\">/pricing</a>");
    ASSERT_HAS(b.data, "<td class=\"num\">25.0%</td>");     /* 100 of 400 */
    ASSERT_HAS(b.data, "<td class=\"num\">12.5%</td>");
    ASSERT_HAS(b.data, "<td class=\"num\">3.0%</td>");      /* 12 of 400 */
    ck_assert_int_eq(count(b.data, "<tr><td class=\"path\">"), 4);
    ASSERT_HASNT(b.data, "No visits in this window yet.");
    buf_free(&b);

    /* The links keep the window, top and tz. */
    fixture_init(&f, "window=15m&top=4&tz=Europe/Berlin", default_paths, NDEFAULT);
    html_of(&f.r, &b);
    ASSERT_HAS(b.data, "<a href=\"/visits?site=example.com&amp;window=15m&amp;top=4&amp;"
                       "tz=Europe/Berlin&amp;path=/a%20b%26c\">");
    buf_free(&b);

    /* No paths. */
    f.r.npaths = 0;
    html_of(&f.r, &b);
    ASSERT_HAS(b.data, "No visits in this window yet.");
    ck_assert_int_eq(count(b.data, "<tr><td class=\"path\">"), 0);
    buf_free(&b);
}
END_TEST

/* Sets the local label of every bucket of f to its start shifted by
 * offset seconds, as a time zone offset from UTC would. */
static void
fixture_shift(fixture *f, int offset)
{
    for (int i = 0; i < f->r.nbuckets; i++) {
        time_t t = (time_t)(f->buckets[i].start + offset);
        struct tm tm;

        gmtime_r(&t, &tm);
        strftime(f->buckets[i].local, sizeof(f->buckets[i].local), "%Y-%m-%d %H:%M",
                 &tm);
    }
}

/* Checks that the chart of f labels exactly the bars first, first + step,
 * ... (count of them), and that every other one, from major (first or
 * first + step), is major: in JSON (chart.x_labels, chart.x_major,
 * chart.label_minutes) and in the SVG alike. */
static void
check_xlabels(fixture *f, int minutes, int first, int step, int count_, int major)
{
    json_t *j = json_of(&f->r), *chart = json_object_get(j, "chart");
    json_t *xl = json_object_get(chart, "x_labels");
    json_t *xm = json_object_get(chart, "x_major");
    int nmajor = (count_ - (major - first) / step + 1) / 2;
    buf b = BUF_INIT;
    char needle[64];
    int labelled = 0, majors = 0;

    ck_assert_int_eq(jint(chart, "label_minutes"), minutes);
    ck_assert(json_is_array(xl));
    ck_assert(json_is_array(xm));
    ck_assert_uint_eq(json_array_size(xl), (size_t)count_);
    ck_assert_uint_eq(json_array_size(xm), (size_t)nmajor);
    for (int k = 0; k < count_; k++)
        ck_assert_int_eq(json_integer_value(json_array_get(xl, (size_t)k)),
                         first + k * step);
    for (int k = 0; k < nmajor; k++)
        ck_assert_int_eq(json_integer_value(json_array_get(xm, (size_t)k)),
                         major + 2 * k * step);
    ck_assert_int_eq(render_chart(&f->r, &b), 0);
    for (int i = 0; i < f->r.nbuckets; i++) {
        const char *at;

        snprintf(needle, sizeof(needle), "data-i=\"%d\"", i);
        if ((at = strstr(b.data, needle)) == NULL)
            continue;
        labelled++;
        ck_assert_msg(i >= first && (i - first) % step == 0,
                      "bar %d is labelled in the SVG", i);
        at += strlen(needle);
        if (strncmp(at, " class=\"major\">", 15) == 0) {
            majors++;
            ck_assert_msg(i >= major && (i - major) % (2 * step) == 0,
                          "bar %d is a major label in the SVG", i);
        } else {
            ck_assert_msg(*at == '>', "bar %d: label %.30s", i, at);
        }
    }
    ck_assert_int_eq(labelled, count_);
    ck_assert_int_eq(majors, nmajor);
    buf_free(&b);
    json_decref(j);
}

/* Labels fall on round local times, every label_minutes; majors on
 * rounder ones, every 2 x label_minutes. */
START_TEST(test_xlabels_round_times)
{
    fixture f;

    /* 60m, 09:01..10:00: 09:05 (bar 4), 09:10, ..., 10:00 (bar 59). */
    fixture_init(&f, NULL, default_paths, NDEFAULT);
    check_xlabels(&f, 5, 4, 5, 12, 9);
    /* 15m, 09:46..10:00: every 2 minutes from 09:46. */
    fixture_init(&f, "window=15m", default_paths, NDEFAULT);
    check_xlabels(&f, 2, 0, 2, 8, 2);
    /* 6h of 5 minutes, 04:05..10:00: 04:30 (bar 5), 05:00, ..., 10:00. */
    fixture_init(&f, "window=6h", default_paths, NDEFAULT);
    check_xlabels(&f, 30, 5, 6, 12, 11);
    /* 24h of 15 minutes, 10:15 yesterday..10:00: 12:00 (bar 7) every 2 h. */
    fixture_init(&f, "window=24h", default_paths, NDEFAULT);
    check_xlabels(&f, 120, 7, 8, 12, 7);
}
END_TEST

/* Labels follow the local time, not UTC: in Kolkata (+5:30) 10:15 UTC is
 * 15:45, so the first even hour, 16:00, is bar 1; in Berlin (+1) 12:00
 * local is 11:00 UTC, bar 3. */
START_TEST(test_xlabels_time_zone)
{
    fixture f;

    fixture_init(&f, "window=24h&tz=Asia/Kolkata", default_paths, NDEFAULT);
    fixture_shift(&f, 19800);
    check_xlabels(&f, 120, 1, 8, 12, 1);
    fixture_init(&f, "window=24h&tz=Europe/Berlin", default_paths, NDEFAULT);
    fixture_shift(&f, 3600);
    check_xlabels(&f, 120, 3, 8, 12, 3);
}
END_TEST

/* When no bar falls on a round time, labels are counted from the last bar;
 * a malformed local time is never a round one. */
START_TEST(test_xlabels_anchored)
{
    fixture f;

    fixture_init(&f, NULL, default_paths, NDEFAULT);
    for (int i = 0; i < f.r.nbuckets; i++)
        snprintf(f.buckets[i].local, sizeof(f.buckets[i].local), "%s",
                 i % 2 ? "2026-01-01 10:07" : "garbage");
    check_xlabels(&f, 5, 4, 5, 12, 9);
    fixture_init(&f, "window=15m", default_paths, NDEFAULT);
    for (int i = 0; i < f.r.nbuckets; i++)
        snprintf(f.buckets[i].local, sizeof(f.buckets[i].local), "%s",
                 "2026-01-01 1x:00");
    check_xlabels(&f, 2, 0, 2, 8, 2);
}
END_TEST

/* ---- span ---------------------------------------------------------------- */

/* Checks report_window_for(query, now_ms) against the expected values, given
 * relative to T0. */
static void
check_span(const char *query, int64_t now_ms, int64_t current, int64_t bucket,
           int64_t first, int64_t end, int64_t hour, int n)
{
    report_params p;
    report_window sp;
    char err[256] = "";

    ck_assert_msg(params_parse(query, test_sites(), &p, err, sizeof(err)) == 0, "%s", err);
    sp = report_window_for(&p, now_ms);
    ck_assert_int_eq(sp.current, T0 + current);
    ck_assert_int_eq(sp.bucket, bucket);
    ck_assert_int_eq(sp.first, T0 + first);
    ck_assert_int_eq(sp.end, T0 + end);
    ck_assert_int_eq(sp.previous, T0 + first - (end - first));
    ck_assert_int_eq(sp.hour, T0 + hour);
    ck_assert_int_eq(sp.nbuckets, n);
}

START_TEST(test_span_windows)
{
    /* At 10:00:05.123: 60 and 15 one-minute bars ending with 10:00. */
    check_span(NULL, NOW_MS, 0, 60, -3540, 60, 0, 60);
    check_span("window=15m", NOW_MS, 0, 60, -840, 60, 0, 15);
    /* 6h: 72 bars of 5 minutes, 04:05 to 10:05; first hour 05:00. */
    check_span("window=6h", NOW_MS, 0, 300, -21300, 300, -18000, 72);
    /* 24h: 96 bars of 15 minutes, from 10:15 yesterday; first hour 11:00. */
    check_span("window=24h", NOW_MS, 0, 900, -85500, 900, -82800, 96);
}
END_TEST

START_TEST(test_span_boundaries)
{
    /* The last millisecond of a bucket and the first of the next. */
    check_span("window=24h", (T0 + 899) * 1000 + 999, 840, 900, -85500, 900, -82800,
               96);
    check_span("window=24h", (T0 + 900) * 1000, 900, 900, -84600, 1800, -82800, 96);
    check_span("window=6h", (T0 + 299) * 1000 + 999, 240, 300, -21300, 300, -18000,
               72);
    check_span("window=6h", (T0 + 300) * 1000, 300, 300, -21000, 600, -18000, 72);
    /* A window starting on the hour has that hour as its first. */
    check_span("window=60m", (T0 + 3540) * 1000, 3540, 60, 0, 3600, 0, 60);
    check_span("window=60m", (T0 + 3541) * 1000, 3540, 60, 0, 3600, 0, 60);
    check_span("window=60m", (T0 + 3600) * 1000, 3600, 60, 60, 3660, 3600, 60);
}
END_TEST

/* report_spans_of, at random times of every window: the spans follow each
 * other from the window's first minute, each aligned on its own length,
 * minutes only before the first five-minute boundary, fives before the
 * first ten, tens before the first hour; the last one holds the window's
 * last minute; at most 4 minutes, one five and 5 tens, within
 * REPORT_SPANS_MAX; 11 of them at the 60-minute window's worst position. */
START_TEST(test_spans_of)
{
    static const char *const windows[] = { "window=15m", "window=60m", "window=6h",
                                           "window=24h" };
    uint64_t x = 2463534242ULL;
    report_span spans[REPORT_SPANS_MAX];
    report_params p;
    char err[256] = "";

    for (int w = 0; w < 4; w++) {
        ck_assert(params_parse(windows[w], test_sites(), &p, err, sizeof(err)) == 0);
        for (int k = 0; k < 20000; k++) {
            int64_t now_ms, t;
            int n, ok, count[4] = { 0 };
            report_window sp;

            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            now_ms = 946684800000LL + (int64_t)(x % (4102444800000ULL - 946684800000ULL));
            sp = report_window_for(&p, now_ms);
            n = report_spans_of(&sp, spans);
            /* One check per window (Check's asserts are slow). */
            ok = n >= 1 && n <= REPORT_SPANS_MAX;
            t = sp.first;
            for (int i = 0; ok && i < n; i++) {
                int64_t start = spans[i].start;
                int len = spans[i].seconds;
                int level = len == 60 ? 0 : len == 300 ? 1 : len == 600 ? 2 : 3;

                ok = start == t && start % len == 0 && start < sp.end
                     && (level < 3 || len == 3600)
                     && (level != 0 || start < sp.five)
                     && (level != 1 || (start >= sp.five && start < sp.ten))
                     && (level != 2 || (start >= sp.ten && start < sp.hour))
                     && (level != 3 || start >= sp.hour);
                count[level]++;
                t += len;
            }
            ok = ok && t >= sp.end && count[0] <= 4 && count[1] <= 1 && count[2] <= 5;
            ck_assert_msg(ok, "%s at %lld ms: %d spans, not the window's", windows[w],
                          (long long)now_ms, n);
        }
    }
    /* Half a minute after an hour: 4 minutes, a five, 5 tens, the hour. */
    ck_assert(params_parse("window=60m", test_sites(), &p, err, sizeof(err)) == 0);
    report_window sp = report_window_for(&p, (T0 + 30) * 1000);
    ck_assert_int_eq(report_spans_of(&sp, spans), 11);
}
END_TEST

/* Over many times: the window is as long as asked, aligned, holds now in
 * its last bucket, and the hour is the first one at or after it starts. */
START_TEST(test_span_invariants)
{
    static const char *const windows[] = { "window=15m", "window=60m", "window=6h",
                                           "window=24h" };
    uint64_t x = 88172645463325252ULL;

    for (int w = 0; w < 4; w++) {
        report_params p;
        char err[256] = "";

        ck_assert(params_parse(windows[w], test_sites(), &p, err, sizeof(err)) == 0);
        for (int k = 0; k < 20000; k++) {
            int64_t now_ms, now;
            report_window sp;

            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            /* 2000..2100 */
            now_ms = 946684800000LL + (int64_t)(x % (4102444800000ULL - 946684800000ULL));
            now = now_ms / 1000;
            sp = report_window_for(&p, now_ms);
            ck_assert_int_eq(sp.end - sp.first, (int64_t)p.minutes * 60);
            ck_assert_int_eq(sp.bucket, (int64_t)p.bucket_minutes * 60);
            ck_assert_int_eq(sp.first % sp.bucket, 0);
            ck_assert_int_eq(sp.nbuckets * sp.bucket, sp.end - sp.first);
            ck_assert(sp.end - sp.bucket <= now && now < sp.end);
            ck_assert(sp.current <= now && now < sp.current + 60);
            ck_assert_int_eq(sp.current % 60, 0);
            ck_assert_int_eq(sp.hour % 3600, 0);
            ck_assert(sp.hour >= sp.first && sp.hour < sp.first + 3600);
            ck_assert_int_eq(sp.ten % 600, 0);
            ck_assert(sp.ten >= sp.first && sp.ten < sp.first + 600 && sp.ten <= sp.hour);
            ck_assert_int_eq(sp.five % 300, 0);
            ck_assert(sp.five >= sp.first && sp.five < sp.first + 300 && sp.five <= sp.ten);
            ck_assert_int_eq(sp.first - sp.previous, sp.end - sp.first);
        }
    }
}
END_TEST

/* ---- chart --------------------------------------------------------------- */

START_TEST(test_chart_alone)
{
    fixture f;
    buf b = BUF_INIT;

    fixture_init(&f, NULL, default_paths, NDEFAULT);
    ck_assert_int_eq(render_chart(&f.r, &b), 0);
    ck_assert_msg(strncmp(b.data, "<svg ", 5) == 0, "starts with %.20s", b.data);
    ck_assert_str_eq(b.data + b.len - 7, "</svg>\n");
    ASSERT_HAS(b.data, "viewBox=\"0 0 720 240\"");
    ASSERT_HAS(b.data, "data-n=\"60\"");
    ck_assert_int_eq(count(b.data, "<title>"), 60);
    ck_assert_int_eq(count(b.data, "</title>"), 60);
    ck_assert_int_eq(count(b.data, "so far"), 1);
    ck_assert_int_eq(count(b.data, "<rect class=\"bar\""), 60);
    ck_assert_int_eq(count(b.data, "<g class=\"b now\""), 1);
    ck_assert_int_eq(count_nocase(b.data, "<script"), 0);
    /* y axis 0..50 by 10: six gridlines. */
    ck_assert_int_eq(count(b.data, "<line "), 6);
    ASSERT_HAS(b.data, "class=\"ylabel\">50</text>");
    /* The first bar is the highest: full height of the plot, at x 56 plus
     * a tenth of its slot. */
    ASSERT_HAS(b.data, "<rect class=\"bar\" x=\"57.1\" y=\"87.5\" width=\"8.5\""
                       " height=\"126.5\"/>");
    /* x labels on round times every 5 minutes: 09:05 (bar 4) to 10:00 (bar
     * 59), centred on their bars, the last one inside the viewBox. */
    ck_assert_int_eq(count(b.data, "<text x="), 6 + 12);
    ASSERT_HAS(b.data, "<text x=\"690.7\" y=\"232\" data-i=\"59\" class=\"major\">10:00</text>");
    ASSERT_HAS(b.data, "data-i=\"54\">09:55</text>");
    ASSERT_HAS(b.data, "data-i=\"49\" class=\"major\">09:50</text>");
    ASSERT_HAS(b.data, "data-i=\"4\">09:05</text>");
    ASSERT_HASNT(b.data, "data-i=\"58\"");
    ASSERT_HASNT(b.data, "data-i=\"0\"");
    buf_free(&b);

    /* 6h: 72 bars of 5 minutes. */
    fixture_init(&f, "window=6h", default_paths, NDEFAULT);
    ck_assert_int_eq(render_chart(&f.r, &b), 0);
    ck_assert_int_eq(count(b.data, "<title>"), 72);
    ck_assert_int_eq(count(b.data, "so far"), 1);
    ASSERT_HAS(b.data, "72 bars, one per 5 minutes");
    buf_free(&b);
}
END_TEST

static Suite *
report_suite(void)
{
    Suite *s = suite_create("report");
    TCase *tc;

    tc = tcase_create("etag");
    tcase_add_test(tc, test_etag_same_data);
    tcase_add_test(tc, test_etag_numbers);
    tcase_add_test(tc, test_etag_buckets);
    tcase_add_test(tc, test_etag_paths);
    tcase_add_test(tc, test_etag_params);
    tcase_add_test(tc, test_etag_ignores_times);
    suite_add_tcase(s, tc);

    tc = tcase_create("json");
    tcase_add_test(tc, test_json_top_level);
    tcase_add_test(tc, test_json_window_and_filter);
    tcase_add_test(tc, test_json_change);
    tcase_add_test(tc, test_json_rate);
    tcase_add_test(tc, test_json_rate_precision);
    tcase_add_test(tc, test_json_buckets);
    tcase_add_test(tc, test_json_paths);
    tcase_add_test(tc, test_json_chart);
    tcase_add_test(tc, test_json_hostile_strings);
    suite_add_tcase(s, tc);

    tc = tcase_create("html");
    tcase_add_test(tc, test_html_structure);
    tcase_add_test(tc, test_html_sites);
    tcase_add_test(tc, test_html_counts);
    tcase_add_test(tc, test_html_change);
    tcase_add_test(tc, test_html_hostile_top_path);
    tcase_add_test(tc, test_html_hostile_filter);
    tcase_add_test(tc, test_html_hostile_tz_and_labels);
    tcase_add_test(tc, test_html_links);
    suite_add_tcase(s, tc);

    tc = tcase_create("chart");
    tcase_add_test(tc, test_chart_alone);
    tcase_add_test(tc, test_xlabels_round_times);
    tcase_add_test(tc, test_xlabels_time_zone);
    tcase_add_test(tc, test_xlabels_anchored);
    suite_add_tcase(s, tc);

    tc = tcase_create("span");
    tcase_add_test(tc, test_span_windows);
    tcase_add_test(tc, test_span_boundaries);
    tcase_add_test(tc, test_span_invariants);
    tcase_add_test(tc, test_spans_of);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(report_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
