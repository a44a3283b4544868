/* batch.c - the consumer's pending counts and rejects (see batch.h). */
#include "batch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "timestamp.h"

batch *
batch_create(void)
{
    batch *b = calloc(1, sizeof(*b));

    if (b == NULL)
        return NULL;
    b->minutes = agg_create();
    b->seconds = agg_create();
    if (b->minutes == NULL || b->seconds == NULL) {
        batch_free(b);
        return NULL;
    }
    return b;
}

void
batch_free(batch *b)
{
    if (b == NULL)
        return;
    agg_free(b->minutes);
    agg_free(b->seconds);
    free(b->rejects);
    free(b);
}

/* Keeps a message that is not a valid event. Returns 0, or -1 when out
 * of memory. */
static int
batch_reject(batch *b, int32_t partition, int64_t offset, const void *payload,
             size_t len, const char *reason)
{
    store_reject *r;

    if (b->nrejects == b->caprejects) {
        size_t cap = b->caprejects ? b->caprejects * 2 : 16;
        r = realloc(b->rejects, cap * sizeof(*r));
        if (r == NULL)
            return -1;
        b->rejects = r;
        b->caprejects = cap;
    }
    r = &b->rejects[b->nrejects++];
    r->partition = partition;
    r->offset = offset;
    snprintf(r->reason, sizeof(r->reason), "%s", reason);
    r->len = len < STORE_PAYLOAD_MAX ? len : STORE_PAYLOAD_MAX;
    if (r->len > 0)
        memcpy(r->payload, payload, r->len);
    return 0;
}

enum batch_result
batch_add_message(batch *b, const batch_rules *rules, int32_t partition,
                  int64_t offset, const void *payload, size_t len, int64_t now_ms)
{
    char reason[STORE_REASON_MAX];
    const char *site;
    event ev;

    if (event_decode(payload, len, &ev, reason, sizeof(reason)) < 0
        || event_check_time(&ev, now_ms, rules->max_future_ms, rules->max_age_ms,
                            reason, sizeof(reason)) < 0)
        return batch_reject(b, partition, offset, payload, len, reason) < 0
                   ? BATCH_FAILED : BATCH_REJECTED;
    /* Version 1 events, from before sites, belong to the default. */
    site = ev.site[0] ? ev.site : sites_name(rules->sites, 0);
    if (agg_add(b->minutes, timestamp_minute(ev.ts_ms), site, ev.path, 1) < 0)
        return BATCH_FAILED;
    if (agg_add(b->seconds, ev.ts_ms / 1000, site, "", 1) < 0) {
        /* Take the minute's count back: the message is not in b. */
        agg_add(b->minutes, timestamp_minute(ev.ts_ms), site, ev.path, -1);
        return BATCH_FAILED;
    }
    return BATCH_COUNTED;
}

size_t
batch_keys(const batch *b)
{
    return agg_size(b->minutes);
}

int64_t
batch_messages(const batch *b)
{
    return agg_total(b->minutes) + (int64_t)b->nrejects;
}

void
batch_for_store(const batch *b, const store_offset *offs, size_t noffs,
                long max_paths, store_batch *sb)
{
    sb->minutes = b->minutes;
    sb->seconds = b->seconds;
    sb->offs = offs;
    sb->noffs = noffs;
    sb->rej = b->rejects;
    sb->nrej = b->nrejects;
    sb->max_paths = max_paths;
}

void
batch_clear(batch *b)
{
    agg_clear(b->minutes);
    agg_clear(b->seconds);
    b->nrejects = 0;
}
