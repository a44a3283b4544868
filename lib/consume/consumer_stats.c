/* consumer_stats.c - the consumer's statistics as Prometheus text. */
#include "consumer_stats.h"

#include <stdio.h>
#include <string.h>

#include "timestamp.h"

/* Flush times: a healthy flush takes a few ms, a slow database seconds. */
static const double consumer_stats_flush_bounds[] = {
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
};

void
consumer_stats_init(consumer_stats *st, int64_t now_ms)
{
    memset(st, 0, sizeof(*st));
    atomic_store(&st->started_ms, now_ms);
    atomic_store(&st->loop_ms, timestamp_mono_ms());
    for (int i = 0; i < CONSUMER_STATS_MAX_PARTITIONS; i++)
        atomic_store(&st->lag[i], -1);
    metrics_hist_init(&st->flush_seconds, consumer_stats_flush_bounds,
                      sizeof(consumer_stats_flush_bounds)
                          / sizeof(consumer_stats_flush_bounds[0]));
}

void
consumer_stats_set_lag(consumer_stats *st, int32_t p, int64_t lag)
{
    if (p < 0 || p >= CONSUMER_STATS_MAX_PARTITIONS)
        return;
    atomic_store_explicit(&st->lag[p], lag < 0 ? -1 : lag, memory_order_relaxed);
}

#define LOAD(field) atomic_load_explicit(&st->field, memory_order_relaxed)

void
consumer_stats_render(consumer_stats *st, int64_t now_ms, buf *out)
{
    const char *labels[2] = { "partition", NULL };
    int64_t last = LOAD(last_flush_ms);
    char num[16];

    metrics_counter(out, "visits_consumer_events_total",
                    "Valid visit events read from Kafka.", LOAD(events));
    metrics_counter(out, "visits_consumer_rejected_total",
                    "Messages that were not valid events, kept in rejected_events.",
                    LOAD(rejected));
    metrics_counter(out, "visits_consumer_flushes_total",
                    "Flushes committed to PostgreSQL.", LOAD(flushes));
    metrics_counter(out, "visits_consumer_flush_failures_total",
                    "Flushes that failed (PostgreSQL unreachable or erring); "
                    "their work is retried.", LOAD(flush_failures));
    metrics_counter(out, "visits_consumer_flushes_fenced_total",
                    "Flushes refused because another consumer moved an offset; "
                    "their work is discarded and read again.", LOAD(fenced));
    metrics_counter(out, "visits_consumer_rows_total",
                    "(minute, path) counts added by committed flushes (a row "
                    "each, or folded into (other)).", LOAD(rows));
    metrics_counter(out, "visits_consumer_capped_paths_total",
                    "New paths of a full minute, counted under (other).",
                    LOAD(capped_keys));
    metrics_counter(out, "visits_consumer_capped_visits_total",
                    "Visits counted under (other) because their minute was full.",
                    LOAD(capped_visits));
    metrics_hist_write(out, "visits_consumer_flush_duration_seconds",
                       "Time of each flush transaction, whatever its outcome.",
                       &st->flush_seconds);
    metrics_gauge(out, "visits_consumer_last_flush_age_seconds",
                  "Seconds since the last committed flush (since the start "
                  "before the first).",
                  (double)(now_ms - (last ? last : LOAD(started_ms))) / 1000.0);
    metrics_gauge(out, "visits_consumer_assigned_partitions",
                  "Partitions this consumer holds.", (double)LOAD(assigned));
    metrics_family(out, "visits_consumer_lag", "gauge",
                   "Messages in a held partition not in PostgreSQL yet "
                   "(Kafka's high watermark as last seen, minus the offset "
                   "PostgreSQL holds).");
    for (int p = 0; p < CONSUMER_STATS_MAX_PARTITIONS; p++) {
        int64_t lag = LOAD(lag[p]);

        if (lag < 0)
            continue;
        snprintf(num, sizeof(num), "%d", p);
        labels[1] = num;
        metrics_sample_u64(out, "visits_consumer_lag", labels, 1, (uint64_t)lag);
    }
}
