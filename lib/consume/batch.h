/* batch.h - what visits-consumer has taken from Kafka and not yet stored:
 * counts per (minute, site, path) and per (second, site), and the messages
 * that were not valid events, with why. store_flush writes a batch in one
 * transaction with the offsets partitions_pending gives. No Kafka or
 * libpq inside (tests/check_consume.c). */
#ifndef VISITS_BATCH_H
#define VISITS_BATCH_H

#include <stddef.h>
#include <stdint.h>

#include "agg.h"
#include "sites.h"
#include "store.h"

typedef struct batch {
    agg *minutes;               /* per (minute, site, path) */
    agg *seconds;               /* per (second, site), empty path */
    store_reject *rejects;
    size_t nrejects, caprejects;
} batch;

/* How a message's event time is checked (event_check_time). */
typedef struct batch_rules {
    const sites *sites;         /* the default site, for version 1 events */
    int64_t max_future_ms;
    int64_t max_age_ms;
} batch_rules;

/* Returns an empty batch, or NULL when out of memory. */
batch *batch_create(void);

/* Frees b. Accepts NULL. */
void batch_free(batch *b);

/* Takes the message at (partition, offset) into b, received at now_ms:
 * a valid event is counted (BATCH_COUNTED), anything else is kept as a
 * reject with its reason and the first STORE_PAYLOAD_MAX bytes
 * (BATCH_REJECTED). Returns BATCH_FAILED when out of memory, in which
 * case the message is not in b. */
enum batch_result { BATCH_COUNTED = 1, BATCH_REJECTED = 0, BATCH_FAILED = -1 };
enum batch_result batch_add_message(batch *b, const batch_rules *rules,
                                    int32_t partition, int64_t offset,
                                    const void *payload, size_t len, int64_t now_ms);

/* The number of (minute, site, path) keys pending. */
size_t batch_keys(const batch *b);

/* The number of messages pending: events counted plus rejects. */
int64_t batch_messages(const batch *b);

/* Fills sb with b's counts and rejects and the flush's offsets and cap,
 * for store_flush. b must not change while sb is in use. */
void batch_for_store(const batch *b, const store_offset *offs, size_t noffs,
                     long max_paths, store_batch *sb);

/* Empties b (after a committed flush, or to discard it), keeping its
 * memory for the next. */
void batch_clear(batch *b);

#endif
