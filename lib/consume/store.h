/* store.h - the consumer's side of PostgreSQL: where each partition resumes,
 * and flushes that add counts and advance offsets in one transaction. */
#ifndef VISITS_STORE_H
#define VISITS_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "agg.h"

#define STORE_PAYLOAD_MAX 1024  /* bytes of a rejected message kept */
#define STORE_REASON_MAX 160

/* One partition's progress in a flush: the offset the database must still
 * hold (what this consumer loaded or last wrote) and the new one. */
typedef struct store_offset {
    int32_t partition;
    int64_t expected;
    int64_t next;
} store_offset;

/* A message that is not a valid event, with why. */
typedef struct store_reject {
    int32_t partition;
    int64_t offset;
    char reason[STORE_REASON_MAX];
    size_t len;
    unsigned char payload[STORE_PAYLOAD_MAX];
} store_reject;

enum store_result {
    STORE_OK = 0,
    STORE_FAILED = -1,  /* database unreachable or the statement failed */
    STORE_FENCED = -2,  /* another consumer moved an offset: discard work */
};

typedef struct store store;

/* Returns a store for conninfo that connects on first use, or NULL when out
 * of memory. */
store *store_create(const char *conninfo);

/* Closes the connection and frees st. Accepts NULL. */
void store_free(store *st);

/* Connects if not connected and checks the schema version. Returns 0, or
 * -1 with a message. */
int store_connect(store *st, char *err, size_t errlen);

/* Reads the next offset of each of n partitions of topic into next[],
 * creating rows at 0 for partitions never seen. Returns 0, or -1 with a
 * message (nothing is read). */
int store_load_offsets(store *st, const char *topic, const int32_t *partitions,
                       size_t n, int64_t *next, char *err, size_t errlen);

/* What one flush writes: counts per (minute, site, path) and per (second,
 * site) (agg keys with an empty path, the time in seconds since the
 * epoch), each partition's progress, and the messages that were not valid
 * events. At most max_paths distinct paths are stored per site and minute,
 * counting those stored by earlier flushes and other consumers; visits to
 * further new paths are added to PATH_OTHER instead. */
typedef struct store_batch {
    const agg *minutes;
    const agg *seconds;
    const store_offset *offs;
    size_t noffs;
    const store_reject *rej;
    size_t nrej;
    long max_paths;
} store_batch;

/* What a committed flush folded into PATH_OTHER: (minute, path) keys
 * of the batch and their visits. */
typedef struct store_stats {
    int64_t capped_keys;
    int64_t capped_visits;
} store_stats;

/* In one transaction: checks that each partition's stored offset still is
 * offs[i].expected (locking the rows); adds the minute counts to
 * visit_minutes, visit_hours and visit_totals and the second counts to
 * visit_seconds; stores each offs[i].next; inserts the rejects. Returns
 * STORE_OK when committed, with what was capped in *stats (may be NULL);
 * otherwise nothing was written and err says why. The batch is not
 * changed. Flushes that touch the same minute are serialized on its
 * visit_totals row, which keeps the per-minute path cap exact across
 * consumers. */
enum store_result store_flush(store *st, const char *topic, const store_batch *b,
                              store_stats *stats, char *err, size_t errlen);

/* Deletes per-second counts older than an hour. Returns 0, or -1 with a
 * message. */
int store_prune_seconds(store *st, char *err, size_t errlen);

#endif
