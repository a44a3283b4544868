/* check_agg.c - unit tests of lib/consume/agg.h, the (minute, site, path) -> count
 * table the consumer aggregates visits in before flushing them.
 *
 * Test cases: "core" (add/get/size/total, key identity, sites kept
 * apart), "grow" (100000
 * keys past the initial table, iteration), "reuse" (agg_clear, agg_free),
 * "hostile" (keys chosen to collide under a known hash). */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agg.h"

#define M0 1767225600LL /* 2026-01-01T00:00:00Z, a minute start */
#define NKEYS 100000

/* ---- core ---------------------------------------------------------------- */

START_TEST(test_empty)
{
    agg *a = agg_create();
    size_t pos = 0;

    ck_assert_ptr_nonnull(a);
    ck_assert_uint_eq(agg_size(a), 0);
    ck_assert_int_eq(agg_total(a), 0);
    ck_assert_int_eq(agg_get(a, M0, "s", "/"), 0);
    ck_assert_ptr_null(agg_next(a, &pos));
    agg_free(a);
}
END_TEST

START_TEST(test_add_get)
{
    agg *a = agg_create();

    ck_assert_ptr_nonnull(a);
    ck_assert_int_eq(agg_add(a, M0, "s", "/a", 1), 0);
    ck_assert_int_eq(agg_add(a, M0, "s", "/b", 5), 0);
    ck_assert_int_eq(agg_get(a, M0, "s", "/a"), 1);
    ck_assert_int_eq(agg_get(a, M0, "s", "/b"), 5);
    ck_assert_int_eq(agg_get(a, M0, "s", "/c"), 0);
    ck_assert_uint_eq(agg_size(a), 2);
    ck_assert_int_eq(agg_total(a), 6);
    agg_free(a);
}
END_TEST

START_TEST(test_same_key_accumulates)
{
    agg *a = agg_create();

    ck_assert_ptr_nonnull(a);
    for (int i = 0; i < 1000; i++)
        ck_assert_int_eq(agg_add(a, M0, "s", "/same", 1), 0);
    ck_assert_int_eq(agg_add(a, M0, "s", "/same", 3000000000LL), 0);
    ck_assert_int_eq(agg_get(a, M0, "s", "/same"), 3000001000LL);
    ck_assert_uint_eq(agg_size(a), 1);
    ck_assert_int_eq(agg_total(a), 3000001000LL);
    agg_free(a);
}
END_TEST

START_TEST(test_key_identity)
{
    agg *a = agg_create();
    char path[8] = "/x";
    const agg_entry *e;
    size_t pos = 0, seen = 0;

    ck_assert_ptr_nonnull(a);
    /* Same path, different minutes: distinct keys. */
    ck_assert_int_eq(agg_add(a, M0, "s", "/p", 1), 0);
    ck_assert_int_eq(agg_add(a, M0 + 60, "s", "/p", 2), 0);
    ck_assert_int_eq(agg_add(a, M0 - 60, "s", "/p", 4), 0);
    ck_assert_int_eq(agg_get(a, M0, "s", "/p"), 1);
    ck_assert_int_eq(agg_get(a, M0 + 60, "s", "/p"), 2);
    ck_assert_int_eq(agg_get(a, M0 - 60, "s", "/p"), 4);
    ck_assert_int_eq(agg_get(a, M0 + 120, "s", "/p"), 0);
    /* Paths that are prefixes of each other, case, the empty path. */
    ck_assert_int_eq(agg_add(a, M0, "s", "/p/", 8), 0);
    ck_assert_int_eq(agg_add(a, M0, "s", "/P", 16), 0);
    ck_assert_int_eq(agg_add(a, M0, "s", "", 32), 0);
    ck_assert_int_eq(agg_get(a, M0, "s", "/p/"), 8);
    ck_assert_int_eq(agg_get(a, M0, "s", "/P"), 16);
    ck_assert_int_eq(agg_get(a, M0, "s", ""), 32);
    ck_assert_int_eq(agg_get(a, M0, "s", "/p"), 1);
    /* The path is copied: changing the caller's buffer changes nothing. */
    ck_assert_int_eq(agg_add(a, M0, "s", path, 64), 0);
    path[1] = 'y';
    ck_assert_int_eq(agg_get(a, M0, "s", "/x"), 64);
    ck_assert_int_eq(agg_get(a, M0, "s", "/y"), 0);
    ck_assert_uint_eq(agg_size(a), 7);
    ck_assert_int_eq(agg_total(a), 127);
    /* Entries carry their key. */
    while ((e = agg_next(a, &pos)) != NULL) {
        seen++;
        ck_assert_uint_eq(e->pathlen, strlen(e->path));
        ck_assert_int_eq(e->count, agg_get(a, e->time, e->site, e->path));
        if (strcmp(e->path, "/x") == 0)
            ck_assert_int_eq(e->time, M0);
    }
    ck_assert_uint_eq(seen, 7);
    agg_free(a);
}
END_TEST

/* The same minute and path on two sites are two keys, and the boundary
 * between site and path is part of the key: ("a", "b/x") is not
 * ("ab", "/x")... nor ("a", "") with ("", "a"). */
START_TEST(test_sites_apart)
{
    agg *a = agg_create();
    const agg_entry *e;
    size_t pos = 0;

    ck_assert_ptr_nonnull(a);
    ck_assert_int_eq(agg_add(a, M0, "example.com", "/p", 1), 0);
    ck_assert_int_eq(agg_add(a, M0, "shop.example.com", "/p", 2), 0);
    ck_assert_int_eq(agg_add(a, M0, "a", "b/x", 4), 0);
    ck_assert_int_eq(agg_add(a, M0, "ab", "/x", 8), 0);
    ck_assert_int_eq(agg_add(a, M0, "a", "", 16), 0);
    ck_assert_int_eq(agg_add(a, M0, "", "a", 32), 0);
    ck_assert_uint_eq(agg_size(a), 6);
    ck_assert_int_eq(agg_get(a, M0, "example.com", "/p"), 1);
    ck_assert_int_eq(agg_get(a, M0, "shop.example.com", "/p"), 2);
    ck_assert_int_eq(agg_get(a, M0, "other.example.com", "/p"), 0);
    ck_assert_int_eq(agg_get(a, M0, "a", "b/x"), 4);
    ck_assert_int_eq(agg_get(a, M0, "ab", "/x"), 8);
    ck_assert_int_eq(agg_get(a, M0, "a", ""), 16);
    ck_assert_int_eq(agg_get(a, M0, "", "a"), 32);
    while ((e = agg_next(a, &pos)) != NULL) {
        ck_assert_uint_eq(e->sitelen, strlen(e->site));
        ck_assert_ptr_eq(e->path, e->site + e->sitelen + 1);
    }
    agg_free(a);
}
END_TEST

/* ---- grow ---------------------------------------------------------------- */

/* The key and count of key number i. */
static int64_t
key_minute(int i)
{
    return M0 + (int64_t)(i % 7) * 60;
}

static void
key_path(int i, char *out, size_t size)
{
    snprintf(out, size, "/page/%d/%s", i, i % 3 ? "x" : "");
}

static int64_t
key_count(int i)
{
    return i % 13 + 1 + (i % 10 == 0 ? 1000 : 0);
}

START_TEST(test_grow_many_keys)
{
    agg *a = agg_create();
    char path[64];
    int64_t total = 0, sum = 0;
    const agg_entry *e;
    size_t pos = 0, seen = 0;
    char *visited = calloc(NKEYS, 1);
    int i;

    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(visited);
    for (i = 0; i < NKEYS; i++) {
        key_path(i, path, sizeof(path));
        /* Added in two parts for every tenth key. */
        if (i % 10 == 0) {
            if (agg_add(a, key_minute(i), "s", path, 1000) != 0)
                ck_abort_msg("agg_add failed at key %d", i);
            if (agg_add(a, key_minute(i), "s", path, key_count(i) - 1000) != 0)
                ck_abort_msg("agg_add failed at key %d", i);
        } else if (agg_add(a, key_minute(i), "s", path, key_count(i)) != 0) {
            ck_abort_msg("agg_add failed at key %d", i);
        }
        total += key_count(i);
    }
    ck_assert_uint_eq(agg_size(a), NKEYS);
    ck_assert_int_eq(agg_total(a), total);

    for (i = 0; i < NKEYS; i++) {
        key_path(i, path, sizeof(path));
        int64_t got = agg_get(a, key_minute(i), "s", path);
        if (got != key_count(i))
            ck_abort_msg("key %d (%s): count %lld, expected %lld", i, path,
                         (long long)got, (long long)key_count(i));
        /* The same path in a minute it was never added to. */
        if (agg_get(a, key_minute(i) + 7 * 60, "s", path) != 0)
            ck_abort_msg("key %d: count in a foreign minute", i);
    }

    while ((e = agg_next(a, &pos)) != NULL) {
        int k = -1;
        seen++;
        sum += e->count;
        if (sscanf(e->path, "/page/%d/", &k) != 1 || k < 0 || k >= NKEYS)
            ck_abort_msg("unexpected entry \"%s\"", e->path);
        if (visited[k]++)
            ck_abort_msg("entry \"%s\" visited twice", e->path);
        key_path(k, path, sizeof(path));
        if (strcmp(path, e->path) != 0 || e->pathlen != strlen(path)
            || e->time != key_minute(k) || e->count != key_count(k))
            ck_abort_msg("entry \"%s\" does not match its key", e->path);
    }
    ck_assert_uint_eq(seen, agg_size(a));
    ck_assert_int_eq(sum, agg_total(a));
    /* The walk stays at its end. */
    ck_assert_ptr_null(agg_next(a, &pos));
    free(visited);
    agg_free(a);
}
END_TEST

/* ---- reuse --------------------------------------------------------------- */

START_TEST(test_clear_and_reuse)
{
    agg *a = agg_create();
    char path[64];
    size_t pos = 0;
    int i;

    ck_assert_ptr_nonnull(a);
    for (i = 0; i < 5000; i++) {
        key_path(i, path, sizeof(path));
        ck_assert_int_eq(agg_add(a, key_minute(i), "s", path, 2), 0);
    }
    ck_assert_uint_eq(agg_size(a), 5000);
    agg_clear(a);
    ck_assert_uint_eq(agg_size(a), 0);
    ck_assert_int_eq(agg_total(a), 0);
    ck_assert_ptr_null(agg_next(a, &pos));
    for (i = 0; i < 5000; i++) {
        key_path(i, path, sizeof(path));
        if (agg_get(a, key_minute(i), "s", path) != 0)
            ck_abort_msg("key %d survived agg_clear", i);
    }

    /* Reusable: the same keys start from zero, new keys work. */
    for (i = 0; i < 3000; i++) {
        key_path(i, path, sizeof(path));
        ck_assert_int_eq(agg_add(a, key_minute(i), "s", path, 3), 0);
    }
    ck_assert_int_eq(agg_add(a, M0, "s", "/new", 1), 0);
    ck_assert_uint_eq(agg_size(a), 3001);
    ck_assert_int_eq(agg_total(a), 9001);
    key_path(42, path, sizeof(path));
    ck_assert_int_eq(agg_get(a, key_minute(42), "s", path), 3);
    ck_assert_int_eq(agg_get(a, M0, "s", "/new"), 1);

    /* Clearing an empty aggregate twice is fine. */
    agg_clear(a);
    agg_clear(a);
    ck_assert_uint_eq(agg_size(a), 0);
    agg_free(a);
}
END_TEST

START_TEST(test_free_null)
{
    agg_free(NULL);
    /* A fresh aggregate with nothing in it frees cleanly too. */
    agg_free(agg_create());
}
END_TEST

/* ---- hostile -------------------------------------------------------------- */

/* The table's hash until it was keyed: FNV-1a over the minute, the site
 * with its NUL and the path, folded. Anyone could compute it, and pick
 * paths that all land in one slot. */
static uint64_t
fnv_hash(int64_t time, const char *site, const char *path)
{
    uint64_t h = 14695981039346656037ULL ^ (uint64_t)time;
    size_t n;

    h *= 1099511628211ULL;
    n = strlen(site) + 1;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)site[i];
        h *= 1099511628211ULL;
    }
    for (const char *p = path; *p; p++) {
        h ^= (unsigned char)*p;
        h *= 1099511628211ULL;
    }
    return h ^ (h >> 29);
}

#define HOSTILE_KEYS 2000
#define HOSTILE_MASK 4095u  /* the table's size for 2,000 keys: 4,096 slots */

/* 2,000 paths of one minute that all collide in a table of up to 4,096
 * slots under fnv_hash, against 2,000 paths that are just different: the
 * first set may cost the table no more than twice the slots stepped over
 * of the second. Under fnv_hash it cost about 2,000,000. */
START_TEST(test_chosen_collisions)
{
    agg *chosen = agg_create(), *plain = agg_create();
    char path[64];
    int found = 0;

    ck_assert_ptr_nonnull(chosen);
    ck_assert_ptr_nonnull(plain);
    for (uint64_t i = 0; found < HOSTILE_KEYS; i++) {
        snprintf(path, sizeof(path), "/c/%llu", (unsigned long long)i);
        if ((fnv_hash(M0, "localhost", path) & HOSTILE_MASK) != 0)
            continue;
        ck_assert_int_eq(agg_add(chosen, M0, "localhost", path, 1), 0);
        found++;
    }
    for (int i = 0; i < HOSTILE_KEYS; i++) {
        snprintf(path, sizeof(path), "/p/%d", i);
        ck_assert_int_eq(agg_add(plain, M0, "localhost", path, 1), 0);
    }
    ck_assert_uint_eq(agg_size(chosen), HOSTILE_KEYS);
    ck_assert_uint_le(agg_probes(chosen), 2 * agg_probes(plain) + HOSTILE_KEYS);
    agg_free(chosen);
    agg_free(plain);
}
END_TEST

static Suite *
agg_suite(void)
{
    Suite *s = suite_create("agg");
    TCase *tc;

    tc = tcase_create("core");
    tcase_add_test(tc, test_empty);
    tcase_add_test(tc, test_add_get);
    tcase_add_test(tc, test_same_key_accumulates);
    tcase_add_test(tc, test_key_identity);
    tcase_add_test(tc, test_sites_apart);
    suite_add_tcase(s, tc);

    tc = tcase_create("grow");
    tcase_set_timeout(tc, 60);  /* slow under sanitizers */
    tcase_add_test(tc, test_grow_many_keys);
    suite_add_tcase(s, tc);

    tc = tcase_create("reuse");
    tcase_add_test(tc, test_clear_and_reuse);
    tcase_add_test(tc, test_free_null);
    suite_add_tcase(s, tc);

    tc = tcase_create("hostile");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_chosen_collisions);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(agg_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
