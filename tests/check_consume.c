/* check_consume.c - unit tests of the consumer's exactly-once bookkeeping:
 * lib/consume/partitions.h (where each partition stands) and lib/consume/batch.h (what is
 * pending), driven through the transitions visits-consumer makes on
 * assignment, messages, flushes and rebalances, with no Kafka or
 * PostgreSQL.
 *
 * Test cases: "assign" (with and without a stored offset, ids out of
 * range), "take" (below next, before the offset is known, after a
 * revoke), "flush" (committed, failed and retried, fenced, revoke with a
 * pending batch, discard), "reset" (auto offset reset), "kick" (once per
 * position), "batch" (events, rejects, clear). */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "partitions.h"
#include "sites.h"

#define NOW_MS 1767225630000LL  /* 2026-01-01T00:00:30Z */

/* A table with ids assigned and started at the offsets given (-1: left
 * unknown). */
static void
assign_at(partitions *t, const int32_t *ids, const int64_t *stored, size_t n)
{
    int32_t bad = -2;

    ck_assert_int_eq(partitions_assign(t, ids, n, &bad), 0);
    for (size_t i = 0; i < n; i++) {
        if (stored[i] >= 0)
            partitions_start(t, ids[i], stored[i]);
    }
}

/* ---- assign -------------------------------------------------------------- */

START_TEST(test_assign_without_stored_offset)
{
    partitions t = { 0 };
    int32_t ids[] = { 3, 0 }, unknown[PARTITIONS_MAX];
    int64_t stored[] = { -1, -1 };
    store_offset offs[PARTITIONS_MAX];

    assign_at(&t, ids, stored, 2);
    ck_assert(!partitions_all_known(&t));
    ck_assert_uint_eq(partitions_unknown(&t, unknown, PARTITIONS_MAX), 2);
    ck_assert_int_eq(unknown[0], 0);
    ck_assert_int_eq(unknown[1], 3);
    /* Not positioned from PostgreSQL yet: nothing is counted. */
    ck_assert_int_eq(partitions_wants(&t, 3, 0), 0);
    ck_assert_int_eq(partitions_take(&t, 3, 0), 0);
    ck_assert_uint_eq(partitions_pending(&t, offs, PARTITIONS_MAX), 0);
    ck_assert_ptr_null(partitions_find(&t, 4));
    ck_assert(!partitions_find(&t, 1)->assigned);
    partitions_free(&t);
}
END_TEST

START_TEST(test_assign_with_stored_offset)
{
    partitions t = { 0 };
    int32_t ids[] = { 0, 1 }, unknown[PARTITIONS_MAX];
    int64_t stored[] = { 42, -1 };

    assign_at(&t, ids, stored, 2);
    ck_assert(!partitions_all_known(&t));
    ck_assert_uint_eq(partitions_unknown(&t, unknown, PARTITIONS_MAX), 1);
    ck_assert_int_eq(unknown[0], 1);
    partitions_start(&t, 1, 0);
    ck_assert(partitions_all_known(&t));
    ck_assert_int_eq(partitions_find(&t, 0)->committed, 42);
    ck_assert_int_eq(partitions_find(&t, 0)->next, 42);
    /* A partition that is not assigned is not started. */
    partitions_start(&t, 7, 5);
    ck_assert_ptr_null(partitions_find(&t, 7));
    partitions_free(&t);
}
END_TEST

START_TEST(test_assign_out_of_range)
{
    partitions t = { 0 };
    int32_t ok[] = { 2 }, neg[] = { 1, -1 }, big[] = { PARTITIONS_MAX }, bad = 0;
    int64_t stored[] = { 9 };

    assign_at(&t, ok, stored, 1);
    ck_assert_int_eq(partitions_assign(&t, neg, 2, &bad), -1);
    ck_assert_int_eq(bad, -1);
    ck_assert_int_eq(partitions_assign(&t, big, 1, &bad), -1);
    ck_assert_int_eq(bad, PARTITIONS_MAX);
    /* The assignment before is untouched. */
    ck_assert(partitions_find(&t, 2)->assigned);
    ck_assert_int_eq(partitions_find(&t, 2)->next, 9);
    partitions_free(&t);
    partitions_free(&t);        /* twice, and NULL */
    partitions_free(NULL);
}
END_TEST

/* ---- take ---------------------------------------------------------------- */

START_TEST(test_take_below_next)
{
    partitions t = { 0 };
    int32_t ids[] = { 0 };
    int64_t stored[] = { 100 };
    store_offset offs[PARTITIONS_MAX];

    assign_at(&t, ids, stored, 1);
    /* Fetched again after a seek: counted already. */
    ck_assert_int_eq(partitions_wants(&t, 0, 99), 0);
    ck_assert_int_eq(partitions_take(&t, 0, 99), 0);
    ck_assert_int_eq(partitions_wants(&t, 0, 100), 1);
    ck_assert_int_eq(partitions_find(&t, 0)->next, 100);  /* wants changes nothing */
    ck_assert_uint_eq(partitions_pending(&t, offs, PARTITIONS_MAX), 0);
    ck_assert_int_eq(partitions_take(&t, 0, 100), 1);
    ck_assert_int_eq(partitions_take(&t, 0, 100), 0);   /* the same one again */
    ck_assert_int_eq(partitions_take(&t, 0, 105), 1);   /* a gap in the log */
    ck_assert_uint_eq(partitions_pending(&t, offs, PARTITIONS_MAX), 1);
    ck_assert_int_eq(offs[0].partition, 0);
    ck_assert_int_eq(offs[0].expected, 100);
    ck_assert_int_eq(offs[0].next, 106);
    /* Another partition's message, never assigned. */
    ck_assert_int_eq(partitions_take(&t, 5, 0), 0);
    ck_assert_int_eq(partitions_take(&t, -1, 0), 0);
    partitions_free(&t);
}
END_TEST

/* ---- flush --------------------------------------------------------------- */

START_TEST(test_flush_committed)
{
    partitions t = { 0 };
    int32_t ids[] = { 0, 1, 2 };
    int64_t stored[] = { 10, 20, 30 };
    store_offset offs[PARTITIONS_MAX];
    size_t n;

    assign_at(&t, ids, stored, 3);
    ck_assert(partitions_take(&t, 2, 30));
    ck_assert(partitions_take(&t, 0, 10));
    ck_assert(partitions_take(&t, 0, 11));
    n = partitions_pending(&t, offs, PARTITIONS_MAX);
    ck_assert_uint_eq(n, 2);    /* only the partitions that moved, in id order */
    ck_assert_int_eq(offs[0].partition, 0);
    ck_assert_int_eq(offs[0].expected, 10);
    ck_assert_int_eq(offs[0].next, 12);
    ck_assert_int_eq(offs[1].partition, 2);
    ck_assert_int_eq(offs[1].expected, 30);
    ck_assert_int_eq(offs[1].next, 31);
    partitions_flushed(&t, offs, n);
    ck_assert_int_eq(partitions_find(&t, 0)->committed, 12);
    ck_assert_int_eq(partitions_find(&t, 2)->committed, 31);
    ck_assert_int_eq(partitions_find(&t, 1)->committed, 20);
    ck_assert_uint_eq(partitions_pending(&t, offs, PARTITIONS_MAX), 0);
    /* The next flush expects what this one stored. */
    ck_assert(partitions_take(&t, 0, 12));
    ck_assert_uint_eq(partitions_pending(&t, offs, PARTITIONS_MAX), 1);
    ck_assert_int_eq(offs[0].expected, 12);
    ck_assert_int_eq(offs[0].next, 13);
    partitions_free(&t);
}
END_TEST

START_TEST(test_flush_failed_then_retried)
{
    partitions t = { 0 };
    int32_t ids[] = { 4 };
    int64_t stored[] = { 7 };
    store_offset offs[PARTITIONS_MAX], again[PARTITIONS_MAX];
    size_t n;

    assign_at(&t, ids, stored, 1);
    ck_assert(partitions_take(&t, 4, 7));
    ck_assert(partitions_take(&t, 4, 8));
    n = partitions_pending(&t, offs, PARTITIONS_MAX);
    ck_assert_uint_eq(n, 1);
    /* The flush failed: nothing is recorded, and the retry stores the
     * same progress, with more taken meanwhile... */
    ck_assert(partitions_take(&t, 4, 9));
    ck_assert_uint_eq(partitions_pending(&t, again, PARTITIONS_MAX), 1);
    ck_assert_int_eq(again[0].expected, 7);
    ck_assert_int_eq(again[0].next, 10);
    /* ...or, committed with the older progress, stays pending for the rest. */
    partitions_flushed(&t, offs, n);
    ck_assert_int_eq(partitions_find(&t, 4)->committed, 9);
    ck_assert_uint_eq(partitions_pending(&t, again, PARTITIONS_MAX), 1);
    ck_assert_int_eq(again[0].expected, 9);
    ck_assert_int_eq(again[0].next, 10);
    partitions_free(&t);
}
END_TEST

START_TEST(test_flush_fenced)
{
    partitions t = { 0 };
    int32_t ids[] = { 0, 1 }, unknown[PARTITIONS_MAX];
    int64_t stored[] = { 50, 60 };
    store_offset offs[PARTITIONS_MAX];

    assign_at(&t, ids, stored, 2);
    ck_assert(partitions_take(&t, 0, 50));
    ck_assert(partitions_take(&t, 1, 61));
    /* Another consumer stored offsets: drop what was taken, reread all. */
    partitions_fence(&t);
    ck_assert_uint_eq(partitions_pending(&t, offs, PARTITIONS_MAX), 0);
    ck_assert_uint_eq(partitions_unknown(&t, unknown, PARTITIONS_MAX), 2);
    ck_assert_int_eq(partitions_find(&t, 0)->next, 50);
    ck_assert_int_eq(partitions_take(&t, 0, 50), 0);    /* not until reread */
    partitions_start(&t, 0, 70);
    partitions_start(&t, 1, 80);
    ck_assert(partitions_all_known(&t));
    ck_assert_int_eq(partitions_take(&t, 0, 69), 0);
    ck_assert_int_eq(partitions_take(&t, 0, 70), 1);
    partitions_free(&t);
}
END_TEST

START_TEST(test_revoke_with_pending_batch)
{
    partitions t = { 0 };
    int32_t ids[] = { 0, 1 }, unknown[PARTITIONS_MAX];
    int64_t stored[] = { 5, 6 };
    store_offset offs[PARTITIONS_MAX];

    assign_at(&t, ids, stored, 2);
    ck_assert(partitions_take(&t, 0, 5));
    /* The flush before giving the partitions up failed: discard, so the
     * next owner counts them from the stored offsets. */
    partitions_discard(&t);
    ck_assert_uint_eq(partitions_pending(&t, offs, PARTITIONS_MAX), 0);
    ck_assert_int_eq(partitions_find(&t, 0)->next, 5);
    partitions_revoke(&t);
    ck_assert(!partitions_find(&t, 0)->assigned);
    ck_assert(partitions_all_known(&t));        /* nothing assigned */
    ck_assert_uint_eq(partitions_unknown(&t, unknown, PARTITIONS_MAX), 0);
    ck_assert_int_eq(partitions_take(&t, 0, 5), 0);
    /* Assigned again: unknown until PostgreSQL says where it stands. */
    assign_at(&t, ids, (int64_t[]){ -1, -1 }, 2);
    ck_assert_int_eq(partitions_take(&t, 0, 5), 0);
    ck_assert_uint_eq(partitions_unknown(&t, unknown, PARTITIONS_MAX), 2);
    partitions_free(&t);
}
END_TEST

/* ---- reset --------------------------------------------------------------- */

START_TEST(test_auto_offset_reset)
{
    partitions t = { 0 };
    int32_t ids[] = { 0, 1 };
    int64_t stored[] = { 1000, -1 };
    store_offset offs[PARTITIONS_MAX];

    assign_at(&t, ids, stored, 2);
    /* The stored offset is past the log (the topic was recreated). */
    ck_assert_int_eq(partitions_restart(&t, 0), 1);
    ck_assert_uint_eq(partitions_pending(&t, offs, PARTITIONS_MAX), 1);
    ck_assert_int_eq(offs[0].expected, 1000);
    ck_assert_int_eq(offs[0].next, 0);
    ck_assert_int_eq(partitions_take(&t, 0, 0), 1);
    ck_assert_int_eq(partitions_find(&t, 0)->next, 1);
    /* Not known, or not assigned: nothing changes. */
    ck_assert_int_eq(partitions_restart(&t, 1), 0);
    ck_assert_int_eq(partitions_restart(&t, 9), 0);
    partitions_free(&t);
}
END_TEST

/* ---- kick ---------------------------------------------------------------- */

START_TEST(test_kick_once_per_position)
{
    partitions t = { 0 };
    int32_t ids[] = { 0, 1 };
    int64_t stored[] = { 10, -1 };

    assign_at(&t, ids, stored, 2);
    ck_assert_int_eq(partitions_kick(&t, 0, 10), 0);    /* nothing more to read */
    ck_assert_int_eq(partitions_kick(&t, 0, 11), 1);
    ck_assert_int_eq(partitions_kick(&t, 0, 12), 0);    /* once at this position */
    ck_assert(partitions_take(&t, 0, 10));
    ck_assert_int_eq(partitions_kick(&t, 0, 12), 1);    /* next moved */
    ck_assert_int_eq(partitions_kick(&t, 1, 100), 0);   /* not known */
    partitions_discard(&t);
    ck_assert_int_eq(partitions_kick(&t, 0, 12), 1);
    partitions_free(&t);
}
END_TEST

/* ---- batch --------------------------------------------------------------- */

static const char event_ok[] =
    "{\"v\":2,\"id\":\"00000001-0000-4000-8000-000000000001\","
    "\"ts\":\"2026-01-01T00:00:10.000Z\",\"site\":\"example.org\",\"path\":\"/a\"}";
static const char event_v1[] =
    "{\"v\":1,\"id\":\"00000001-0000-4000-8000-000000000002\","
    "\"ts\":\"2026-01-01T00:00:20.000Z\",\"path\":\"/a\"}";

START_TEST(test_batch_events_and_rejects)
{
    char err[256], big[STORE_PAYLOAD_MAX + 100];
    sites *all = sites_parse("default.example example.org", err, sizeof(err));
    batch_rules rules = { all, 60000, 48 * 3600000LL };
    batch *b = batch_create();
    store_offset offs[1] = { { 0, 0, 3 } };
    store_batch sb;

    ck_assert_ptr_nonnull(all);
    ck_assert_ptr_nonnull(b);
    ck_assert_int_eq(batch_add_message(b, &rules, 0, 0, event_ok, strlen(event_ok),
                                       NOW_MS), BATCH_COUNTED);
    ck_assert_int_eq(batch_add_message(b, &rules, 0, 1, event_v1, strlen(event_v1),
                                       NOW_MS), BATCH_COUNTED);
    memset(big, 'x', sizeof(big));
    ck_assert_int_eq(batch_add_message(b, &rules, 0, 2, big, sizeof(big), NOW_MS),
                     BATCH_REJECTED);
    /* An event from two days before now is too old. */
    ck_assert_int_eq(batch_add_message(b, &rules, 1, 9, event_ok, strlen(event_ok),
                                       NOW_MS + 49 * 3600000LL), BATCH_REJECTED);
    ck_assert_uint_eq(batch_keys(b), 2);
    ck_assert_int_eq(batch_messages(b), 4);
    ck_assert_int_eq(agg_get(b->minutes, 1767225600LL, "example.org", "/a"), 1);
    ck_assert_int_eq(agg_get(b->minutes, 1767225600LL, "default.example", "/a"), 1);
    ck_assert_int_eq(agg_get(b->seconds, 1767225610LL, "example.org", ""), 1);
    ck_assert_uint_eq(b->nrejects, 2);
    ck_assert_int_eq(b->rejects[0].offset, 2);
    ck_assert_uint_eq(b->rejects[0].len, STORE_PAYLOAD_MAX);
    ck_assert(b->rejects[0].reason[0] != '\0');
    ck_assert_int_eq(b->rejects[1].partition, 1);
    ck_assert_ptr_nonnull(strstr(b->rejects[1].reason, "old"));

    batch_for_store(b, offs, 1, 1000, &sb);
    ck_assert_ptr_eq(sb.minutes, b->minutes);
    ck_assert_uint_eq(sb.nrej, 2);
    ck_assert_uint_eq(sb.noffs, 1);
    ck_assert_int_eq(sb.max_paths, 1000);

    batch_clear(b);
    ck_assert_uint_eq(batch_keys(b), 0);
    ck_assert_int_eq(batch_messages(b), 0);
    ck_assert_int_eq(batch_add_message(b, &rules, 0, 3, event_ok, strlen(event_ok),
                                       NOW_MS), BATCH_COUNTED);
    ck_assert_int_eq(batch_messages(b), 1);
    batch_free(b);
    batch_free(NULL);
    sites_free(all);
}
END_TEST

static Suite *
consume_suite(void)
{
    Suite *s = suite_create("consume");
    TCase *tc;

    tc = tcase_create("assign");
    tcase_add_test(tc, test_assign_without_stored_offset);
    tcase_add_test(tc, test_assign_with_stored_offset);
    tcase_add_test(tc, test_assign_out_of_range);
    suite_add_tcase(s, tc);

    tc = tcase_create("take");
    tcase_add_test(tc, test_take_below_next);
    suite_add_tcase(s, tc);

    tc = tcase_create("flush");
    tcase_add_test(tc, test_flush_committed);
    tcase_add_test(tc, test_flush_failed_then_retried);
    tcase_add_test(tc, test_flush_fenced);
    tcase_add_test(tc, test_revoke_with_pending_batch);
    suite_add_tcase(s, tc);

    tc = tcase_create("reset");
    tcase_add_test(tc, test_auto_offset_reset);
    suite_add_tcase(s, tc);

    tc = tcase_create("kick");
    tcase_add_test(tc, test_kick_once_per_position);
    suite_add_tcase(s, tc);

    tc = tcase_create("batch");
    tcase_add_test(tc, test_batch_events_and_rejects);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(consume_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
