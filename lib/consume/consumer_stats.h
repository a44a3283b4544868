/* consumer_stats.h - the consumer's statistics: updated by its main loop, read
 * by its monitoring listener (http_listener) as Prometheus text. */
#ifndef VISITS_CONSUMER_STATS_H
#define VISITS_CONSUMER_STATS_H

#include <stdatomic.h>
#include <stdint.h>

#include "buf.h"
#include "metrics.h"

#define CONSUMER_STATS_MAX_PARTITIONS 1024

typedef struct consumer_stats {
    _Atomic uint64_t events;        /* valid events taken into account */
    _Atomic uint64_t rejected;
    _Atomic uint64_t flushes;       /* committed */
    _Atomic uint64_t flush_failures;
    _Atomic uint64_t fenced;        /* flushes refused: offsets moved */
    _Atomic uint64_t rows;          /* (minute, path) rows added to */
    _Atomic uint64_t capped_keys;   /* folded into (other) */
    _Atomic uint64_t capped_visits;
    _Atomic int64_t started_ms;     /* wall clock, ms */
    _Atomic int64_t last_flush_ms;  /* wall clock of the last commit, 0: none */
    _Atomic int64_t
        loop_ms; /* timestamp_mono_ms() of the main loop's last turn */
    _Atomic int assigned;           /* partitions held */
    _Atomic int64_t lag[CONSUMER_STATS_MAX_PARTITIONS];   /* -1: not held */
    metrics_hist flush_seconds;     /* each flush attempt, any outcome */
} consumer_stats;

/* Zeroes st, marks every partition not held and sets the flush histogram's
 * bounds; now_ms is the wall clock. */
void consumer_stats_init(consumer_stats *st, int64_t now_ms);

/* Sets partition p's lag (messages in Kafka past what was counted), or
 * marks it not held when lag < 0. Ignores p out of range. */
void consumer_stats_set_lag(consumer_stats *st, int32_t p, int64_t lag);

/* Appends every metric of st as Prometheus text, ages taken at now_ms. */
void consumer_stats_render(consumer_stats *st, int64_t now_ms, buf *out);

#endif
