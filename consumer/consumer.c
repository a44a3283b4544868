/* visits-consumer - reads visit events from Kafka, counts them per (minute,
 * path) in memory, and flushes the counts to PostgreSQL together with each
 * partition's next offset in one transaction, so every event is counted
 * exactly once across crashes, restarts and rebalances.
 *
 * PostgreSQL is the authority on offsets: on assignment each partition is
 * started at its stored offset; Kafka's committed offsets are written after
 * each flush for monitoring only. A flush also checks that the stored
 * offsets are still the ones this consumer started from, which fences off
 * a consumer that lost its partitions without noticing. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "batch.h"
#include "config.h"
#include "consumer_stats.h"
#include "db.h"
#include "event.h"
#include "http_listener.h"
#include "kafka.h"
#include "log.h"
#include "partitions.h"
#include "probe.h"
#include "readiness.h"
#include "store.h"
#include "timestamp.h"

#define CONSUMER_MAX_PARTITIONS PARTITIONS_MAX /* partition ids handled */
_Static_assert(PARTITIONS_MAX <= CONSUMER_STATS_MAX_PARTITIONS,
               "every partition's lag has a place in consumer_stats");
#define CONSUMER_MAX_REJECTS 1000   /* flush early past this many */
#define CONSUMER_BACKOFF_MIN_MS 100
/* PostgreSQL is retried at least once a second: the recovery bound of
 * docs/RELIABILITY.md rests on it. */
#define CONSUMER_BACKOFF_MAX_MS 1000
#define CONSUMER_STOP_FLUSH_MS 10000 /* how long to retry the final flush */
#define CONSUMER_PRUNE_MS 60000     /* how often to drop old per-second rows */
#define CONSUMER_POLL_MS 10         /* an empty poll this long: see consumer_kick */
#define CONSUMER_LAG_MS 1000        /* how often lag is published */
#define CONSUMER_STUCK_MS 10000     /* /healthz fails past a main-loop turn this long */
#define CONSUMER_READY_MS 2000      /* /readyz waits this long for Kafka */
#define CONSUMER_READY_CACHE_MS 1000 /* and checks at most once a second */

/* Adds n to a counter the monitoring listener reads. */
#define CONSUMER_COUNT(cs, field, n) \
    atomic_fetch_add_explicit(&(cs)->stats->field, (n), memory_order_relaxed)

typedef struct consumer {
    const config *c;
    rd_kafka_t *rk;
    store *st;
    batch *pending;             /* taken from Kafka, not yet stored */
    batch_rules rules;          /* what a valid event is */
    partitions parts;           /* where each partition stands */
    int paused;                 /* the assignment is paused on purpose */
    int unpositioned;           /* assigned before PostgreSQL gave offsets */
    int64_t last_flush_ms;      /* these three on timestamp_mono_ms() */
    int64_t last_prune_ms;      /* of visit_seconds */
    int64_t retry_at_ms;        /* next attempt after a failure */
    int backoff_ms;
    int64_t last_lag_ms;        /* timestamp_mono_ms() of the last lag update */
    consumer_stats *stats;      /* shared with the monitoring listener */
    readiness *ready;           /* its /readyz, checked at most once a second */
    log_limit flush_log, consume_log, cap_log;
} consumer;

/* Set by the signal handler; the main loop flushes and exits. */
static volatile sig_atomic_t consumer_stop;

static void
consumer_on_signal(int sig)
{
    (void)sig;
    consumer_stop = 1;
}

/* Returns the partitions of the current assignment, or NULL. */
static rd_kafka_topic_partition_list_t *
consumer_assigned(consumer *cs)
{
    rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(16);

    for (int32_t p = 0; p < cs->parts.n; p++) {
        if (cs->parts.p[p].assigned)
            rd_kafka_topic_partition_list_add(list, cs->c->topic, p)->offset =
                cs->parts.p[p].next;
    }
    if (list->cnt == 0) {
        rd_kafka_topic_partition_list_destroy(list);
        return NULL;
    }
    return list;
}

static void
consumer_pause(consumer *cs)
{
    rd_kafka_topic_partition_list_t *list;

    if (cs->paused)
        return;
    cs->paused = 1;
    if ((list = consumer_assigned(cs)) == NULL)
        return;
    rd_kafka_pause_partitions(cs->rk, list);
    rd_kafka_topic_partition_list_destroy(list);
}

/* Resumes the assignment when every partition's offset is known and no
 * flush is waiting, after seeking each partition to the offset after the
 * last message taken into account (what librdkafka had fetched meanwhile
 * is dropped and fetched again). Partitions assigned while PostgreSQL did
 * not answer never started fetching (no offset: auto.offset.reset is
 * "error"), and librdkafka refuses to seek those ("Local: Erroneous
 * state"), so they are assigned again, at their offsets; so is everything
 * when a seek fails. */
static void
consumer_resume(consumer *cs)
{
    rd_kafka_topic_partition_list_t *list;
    rd_kafka_error_t *error;
    rd_kafka_resp_err_t err;
    int failed = 0;

    if (!cs->paused || !partitions_all_known(&cs->parts))
        return;
    cs->paused = 0;
    if ((list = consumer_assigned(cs)) == NULL)
        return;
    if (!cs->unpositioned) {
        error = rd_kafka_seek_partitions(cs->rk, list, 5000);
        if (error) {
            log_warn("could not seek partitions: %s", rd_kafka_error_string(error));
            rd_kafka_error_destroy(error);
            failed = 1;
        }
        for (int i = 0; i < list->cnt; i++) {
            if (list->elems[i].err) {
                log_warn("could not seek partition %d to %lld: %s",
                         (int)list->elems[i].partition,
                         (long long)list->elems[i].offset,
                         rd_kafka_err2str(list->elems[i].err));
                failed = 1;
            }
        }
        /* The seek set each element's err: assign wants them clear. */
        for (int i = 0; i < list->cnt; i++)
            list->elems[i].err = RD_KAFKA_RESP_ERR_NO_ERROR;
    }
    if (cs->unpositioned || failed) {
        err = rd_kafka_assign(cs->rk, list);
        if (err) {
            log_error("could not assign partitions at their offsets: %s",
                      rd_kafka_err2str(err));
            cs->paused = 1;
            cs->retry_at_ms = timestamp_mono_ms() + CONSUMER_BACKOFF_MIN_MS;
            rd_kafka_topic_partition_list_destroy(list);
            return;
        }
        cs->unpositioned = 0;
    }
    rd_kafka_resume_partitions(cs->rk, list);
    rd_kafka_topic_partition_list_destroy(list);
    log_info("consuming again");
}

/* Reads the stored offsets of the assigned partitions that lack one.
 * Returns 0, or -1 with a message. */
static int
consumer_load_offsets(consumer *cs, char *err, size_t errlen)
{
    int32_t want[CONSUMER_MAX_PARTITIONS];
    int64_t next[CONSUMER_MAX_PARTITIONS];
    size_t n = partitions_unknown(&cs->parts, want, CONSUMER_MAX_PARTITIONS);

    if (n == 0)
        return 0;
    if (store_load_offsets(cs->st, cs->c->topic, want, n, next, err, errlen) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        partitions_start(&cs->parts, want[i], next[i]);
        log_debug("partition %d starts at offset %lld", (int)want[i],
                  (long long)next[i]);
    }
    return 0;
}

/* Forgets the counts and rejects not yet flushed. Their offsets were not
 * stored, so whoever consumes the partitions next counts them. */
static void
consumer_discard(consumer *cs)
{
    batch_clear(cs->pending);
    partitions_discard(&cs->parts);
}

/* Writes the pending counts, rejects and offsets in one transaction.
 * Returns the store's result; on STORE_FAILED nothing is lost (it stays
 * pending), on STORE_FENCED the pending work is discarded. */
static enum store_result
consumer_flush(consumer *cs)
{
    store_offset offs[CONSUMER_MAX_PARTITIONS];
    rd_kafka_topic_partition_list_t *commit;
    store_batch sb;
    store_stats stats;
    enum store_result r;
    double started, elapsed;
    size_t n;
    char err[512];
    uint64_t hits;

    cs->last_flush_ms = timestamp_mono_ms();
    n = partitions_pending(&cs->parts, offs, CONSUMER_MAX_PARTITIONS);
    if (n == 0)
        return STORE_OK;
    batch_for_store(cs->pending, offs, n, cs->c->max_paths, &sb);
    started = timestamp_mono_s();
    r = store_flush(cs->st, cs->c->topic, &sb, &stats, err, sizeof(err));
    elapsed = timestamp_mono_s() - started;
    /* Each outcome is counted before its time is observed, so a scrape
     * never sees more observations than flushes, failures and fences. */
    if (r == STORE_FAILED) {
        CONSUMER_COUNT(cs, flush_failures, 1);
        metrics_hist_observe(&cs->stats->flush_seconds, elapsed);
        cs->backoff_ms = cs->backoff_ms ? cs->backoff_ms * 2 : CONSUMER_BACKOFF_MIN_MS;
        if (cs->backoff_ms > CONSUMER_BACKOFF_MAX_MS)
            cs->backoff_ms = CONSUMER_BACKOFF_MAX_MS;
        cs->retry_at_ms = cs->last_flush_ms + cs->backoff_ms;
        if ((hits = log_limit_hit(&cs->flush_log)) > 0)
            log_error("could not flush to postgresql, consumption paused: %s "
                      "pending_events=%lld retry_ms=%d failures=%llu", err,
                      (long long)batch_messages(cs->pending), cs->backoff_ms, (unsigned long long)hits);
        consumer_pause(cs);
        return r;
    }
    if (r == STORE_FENCED) {
        CONSUMER_COUNT(cs, fenced, 1);
        metrics_hist_observe(&cs->stats->flush_seconds, elapsed);
        log_warn("%s; discarding %lld pending events and rereading offsets", err,
                 (long long)batch_messages(cs->pending));
        batch_clear(cs->pending);
        partitions_fence(&cs->parts);
        consumer_pause(cs);
        return r;
    }

    log_debug("flushed messages=%lld keys=%zu rejects=%zu partitions=%zu",
              (long long)batch_messages(cs->pending), batch_keys(cs->pending),
              cs->pending->nrejects, n);
    CONSUMER_COUNT(cs, flushes, 1);
    metrics_hist_observe(&cs->stats->flush_seconds, elapsed);
    CONSUMER_COUNT(cs, rows, batch_keys(cs->pending));
    atomic_store(&cs->stats->last_flush_ms, timestamp_now_ms());
    if (stats.capped_keys > 0) {
        CONSUMER_COUNT(cs, capped_keys, (uint64_t)stats.capped_keys);
        CONSUMER_COUNT(cs, capped_visits, (uint64_t)stats.capped_visits);
        if (log_limit_hit(&cs->cap_log) > 0)
            log_warn("more than max-paths-per-minute=%ld distinct paths in a "
                     "minute: new ones are counted as %s capped_paths=%llu "
                     "capped_visits=%llu", cs->c->max_paths, PATH_OTHER,
                     (unsigned long long)atomic_load(&cs->stats->capped_keys),
                     (unsigned long long)atomic_load(&cs->stats->capped_visits));
    }
    cs->backoff_ms = 0;
    batch_clear(cs->pending);
    partitions_flushed(&cs->parts, offs, n);
    /* Informational copy of the offsets in Kafka, for lag monitoring. */
    commit = rd_kafka_topic_partition_list_new((int)n);
    for (size_t i = 0; i < n; i++) {
        rd_kafka_topic_partition_list_add(commit, cs->c->topic, offs[i].partition)
            ->offset = offs[i].next;
    }
    rd_kafka_commit(cs->rk, commit, 1);
    rd_kafka_topic_partition_list_destroy(commit);
    consumer_resume(cs);
    return r;
}

/* Takes one message into account. Returns 0, or -1 on a fatal error. */
static int
consumer_message(consumer *cs, const rd_kafka_message_t *rkm)
{
    const partition *ps;
    uint64_t hits;

    if (rkm->err) {
        if (rkm->err == RD_KAFKA_RESP_ERR__PARTITION_EOF)
            return 0;
        ps = partitions_find(&cs->parts, rkm->partition);
        if (rkm->err == RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET && rkm->rkt
            && ps != NULL && ps->known) {
            /* The stored offset is outside the partition's log: the topic
             * was recreated, or retention removed events never counted. */
            log_warn("partition %d: offset %lld is not in the log (%s); "
                     "counting from the beginning of the log",
                     (int)rkm->partition, (long long)ps->next,
                     rd_kafka_message_errstr(rkm));
            partitions_restart(&cs->parts, rkm->partition);
            rd_kafka_topic_partition_list_t *list =
                rd_kafka_topic_partition_list_new(1);
            rd_kafka_topic_partition_list_add(list, cs->c->topic, rkm->partition)
                ->offset = RD_KAFKA_OFFSET_BEGINNING;
            rd_kafka_error_t *error = rd_kafka_seek_partitions(cs->rk, list, 5000);
            if (error) {
                log_error("could not seek partition %d: %s", (int)rkm->partition,
                          rd_kafka_error_string(error));
                rd_kafka_error_destroy(error);
            }
            rd_kafka_topic_partition_list_destroy(list);
            return 0;
        }
        if ((hits = log_limit_hit(&cs->consume_log)) > 0)
            log_warn("kafka consumer: %s count=%llu", rd_kafka_message_errstr(rkm),
                     (unsigned long long)hits);
        return 0;
    }
    if (!partitions_wants(&cs->parts, rkm->partition, rkm->offset))
        return 0;
    switch (batch_add_message(cs->pending, &cs->rules, rkm->partition, rkm->offset,
                              rkm->payload, rkm->len, timestamp_now_ms())) {
    case BATCH_COUNTED:
        CONSUMER_COUNT(cs, events, 1);
        break;
    case BATCH_REJECTED:
        CONSUMER_COUNT(cs, rejected, 1);
        log_debug("rejected partition=%d offset=%lld: %s", (int)rkm->partition,
                  (long long)rkm->offset,
                  cs->pending->rejects[cs->pending->nrejects - 1].reason);
        break;
    case BATCH_FAILED:
        log_error("out of memory while taking a message into account");
        return -1;
    }
    partitions_take(&cs->parts, rkm->partition, rkm->offset);
    return 0;
}

/* Called when a poll found nothing: restarts the fetching of partitions
 * that have more to read. librdkafka 2.0 stops fetching once its local
 * queue holds queued.min.messages (or queued.max.messages.kbytes) and
 * looks again only on its broker thread's 1 s timer (2.1 added
 * fetch.queue.backoff.ms for this). A consumer that empties the queue
 * sooner then sits idle: draining a backlog ran at about 130,000 events/s
 * whatever the CPU. A partition whose cached high watermark is past its
 * next offset is sought to that offset, which is where it stands anyway;
 * the seek wakes its fetcher at once. Once per position, so a gap in the
 * log cannot make it loop. */
static void
consumer_kick(consumer *cs)
{
    rd_kafka_topic_partition_list_t *list = NULL;
    rd_kafka_error_t *error;
    int64_t lo, hi;

    if (cs->paused)
        return;
    for (int32_t p = 0; p < cs->parts.n; p++) {
        const partition *ps = &cs->parts.p[p];
        if (!ps->assigned || !ps->known || ps->kicked
            || rd_kafka_get_watermark_offsets(cs->rk, cs->c->topic, p, &lo, &hi)
                   != RD_KAFKA_RESP_ERR_NO_ERROR
            || !partitions_kick(&cs->parts, p, hi))
            continue;
        if (list == NULL && (list = rd_kafka_topic_partition_list_new(16)) == NULL)
            return;
        rd_kafka_topic_partition_list_add(list, cs->c->topic, p)->offset = ps->next;
    }
    if (list == NULL)
        return;
    /* Asynchronous: errors come back as consumer errors, if at all. */
    error = rd_kafka_seek_partitions(cs->rk, list, 0);
    if (error) {
        log_warn("could not restart fetching: %s", rd_kafka_error_string(error));
        rd_kafka_error_destroy(error);
    }
    rd_kafka_topic_partition_list_destroy(list);
}

/* Eager rebalancing: every partition is revoked, then the new set
 * assigned. Revoke flushes what can be flushed; assign positions each
 * partition at its offset in PostgreSQL, or pauses until it can. */
static void
consumer_rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                      rd_kafka_topic_partition_list_t *assignment, void *opaque)
{
    consumer *cs = opaque;
    int32_t ids[CONSUMER_MAX_PARTITIONS], bad = -1;
    char msg[512];
    int i, pending;

    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        for (i = 0; i < assignment->cnt && i < CONSUMER_MAX_PARTITIONS; i++)
            ids[i] = assignment->elems[i].partition;
        if (assignment->cnt > CONSUMER_MAX_PARTITIONS
            || partitions_assign(&cs->parts, ids, (size_t)i, &bad) < 0) {
            log_error("cannot track partition %d (at most %d partitions, "
                      "memory permitting), stopping",
                      assignment->cnt > CONSUMER_MAX_PARTITIONS
                          ? (int)assignment->elems[CONSUMER_MAX_PARTITIONS].partition
                          : (int)bad, CONSUMER_MAX_PARTITIONS);
            consumer_stop = 1;
            rd_kafka_assign(rk, NULL);
            return;
        }
        pending = consumer_load_offsets(cs, msg, sizeof(msg)) < 0;
        for (i = 0; i < assignment->cnt && !pending; i++)
            assignment->elems[i].offset =
                partitions_find(&cs->parts, assignment->elems[i].partition)->next;
        atomic_store(&cs->stats->assigned, assignment->cnt);
        log_info("assigned %d partitions%s", assignment->cnt,
                 pending ? ", paused until postgresql answers" : "");
        rd_kafka_assign(rk, assignment);
        cs->unpositioned = pending;
        if (pending) {
            log_error("could not read offsets: %s", msg);
            cs->paused = 0;
            consumer_pause(cs);
            cs->retry_at_ms = timestamp_mono_ms() + CONSUMER_BACKOFF_MIN_MS;
        }
        return;
    }

    if (err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
        cs->paused = 0;     /* these partitions are going away: no resume */
        if (consumer_flush(cs) != STORE_OK) {
            log_warn("could not flush before giving up %d partitions; their "
                     "next owner counts the pending events", assignment->cnt);
            consumer_discard(cs);
        }
        log_info("revoked %d partitions", assignment->cnt);
    } else {
        log_error("rebalance failed: %s", rd_kafka_err2str(err));
        consumer_discard(cs);
    }
    for (int32_t p = 0; p < cs->parts.n; p++)
        consumer_stats_set_lag(cs->stats, p, -1);
    atomic_store(&cs->stats->assigned, 0);
    partitions_revoke(&cs->parts);
    cs->paused = 0;
    cs->unpositioned = 0;
    rd_kafka_assign(rk, NULL);
}

/* Publishes each held partition's lag for /metrics: Kafka's high watermark
 * as librdkafka last saw it (no request is made) minus the offset
 * PostgreSQL holds. */
static void
consumer_publish_lag(consumer *cs)
{
    int64_t lo, hi;

    for (int32_t p = 0; p < cs->parts.n; p++) {
        const partition *ps = &cs->parts.p[p];
        if (ps->assigned && !ps->known)
            consumer_stats_set_lag(cs->stats, p,
                                   -1); /* its offset is being reread */
        if (!ps->assigned || !ps->known
            || rd_kafka_get_watermark_offsets(cs->rk, cs->c->topic, p, &lo, &hi)
                   != RD_KAFKA_RESP_ERR_NO_ERROR
            || hi < 0)
            continue;
        consumer_stats_set_lag(cs->stats, p,
                               hi > ps->committed ? hi - ps->committed : 0);
    }
}

/* The readiness check (a readiness_check on the consumer): Kafka answers
 * a metadata request and PostgreSQL accepts connections, now. Returns 1
 * when ready, or 0 after appending why. Thread-safe: rd_kafka_metadata
 * may be called from any thread, and db_ping opens its own connection. */
static int
consumer_ready(void *ctx, buf *body)
{
    consumer *cs = ctx;
    char err[256];
    int ready = 1;

    if (kafka_ping(cs->rk, cs->c->topic, CONSUMER_READY_MS, err, sizeof(err)) < 0) {
        buf_printf(body, "not ready: %s\n", err);
        ready = 0;
    }
    if (db_ping(cs->c->database, err, sizeof(err)) < 0) {
        buf_printf(body, "not ready: %s\n", err);
        ready = 0;
    }
    return ready;
}

/* The consumer's /metrics. */
static void
consumer_metrics(void *ctx, buf *out)
{
    consumer *cs = ctx;

    consumer_stats_render(cs->stats, timestamp_now_ms(), out);
}

/* The consumer's /healthz: alive while the main loop turns. */
static int
consumer_alive(void *ctx, buf *out)
{
    consumer *cs = ctx;
    int64_t idle = timestamp_mono_ms() - atomic_load(&cs->stats->loop_ms);

    if (idle > CONSUMER_STUCK_MS) {
        buf_printf(out, "not alive: the main loop has not turned for %lld ms\n",
                   (long long)idle);
        return 503;
    }
    buf_puts(out, "alive\n");
    return 200;
}

/* The consumer's /readyz: Kafka and PostgreSQL reachable, checked at most
 * once a second. */
static int
consumer_ready_answer(void *ctx, buf *out)
{
    consumer *cs = ctx;

    return readiness_answer(cs->ready, out);
}

/* Answers the monitoring listener: /metrics, /healthz and /readyz. Runs on
 * the listener's threads, several at once: reads only cs->stats (atomics),
 * cs->rk (thread-safe), cs->ready (locked) and the configuration. */
static int
consumer_probe(void *ctx, const char *path, buf *body, const char **type)
{
    probe_app app = { ctx, consumer_metrics, consumer_alive, consumer_ready_answer };

    return probe_answer(&app, path[0] == '/' ? path + 1 : path, body, type);
}

/* The final flush on SIGTERM, retried for a while if PostgreSQL is down;
 * whatever cannot be flushed is counted after the restart. */
static void
consumer_final_flush(consumer *cs)
{
    int64_t give_up = timestamp_mono_ms() + CONSUMER_STOP_FLUSH_MS;
    struct timespec pause = { 0, 200 * 1000 * 1000 };

    while (consumer_flush(cs) == STORE_FAILED && timestamp_mono_ms() < give_up)
        nanosleep(&pause, NULL);
}

static int
consumer_run(consumer *cs)
{
    rd_kafka_message_t *rkm;
    char err[512];
    int64_t now;
    int rc = 0;

    while (!consumer_stop) {
        rkm = rd_kafka_consumer_poll(cs->rk, CONSUMER_POLL_MS);
        if (rkm == NULL)
            consumer_kick(cs);
        if (rkm) {
            rc = consumer_message(cs, rkm);
            rd_kafka_message_destroy(rkm);
            if (rc < 0) {
                /* Out of memory: store nothing of this batch (its offsets
                 * are not stored either, so it is read again). */
                consumer_discard(cs);
                break;
            }
        }
        now = timestamp_mono_ms();
        atomic_store_explicit(&cs->stats->loop_ms, now, memory_order_relaxed);
        if (now - cs->last_lag_ms >= CONSUMER_LAG_MS) {
            cs->last_lag_ms = now;
            consumer_publish_lag(cs);
        }
        if (cs->paused && now < cs->retry_at_ms)
            continue;
        if (cs->paused && consumer_load_offsets(cs, err, sizeof(err)) < 0) {
            cs->retry_at_ms = now + CONSUMER_BACKOFF_MAX_MS;
            log_error("could not read offsets, retrying: %s", err);
            continue;
        }
        if (cs->paused
            || now - cs->last_flush_ms >= cs->c->flush_interval_ms
            || batch_keys(cs->pending) >= (size_t)cs->c->flush_max_keys
            || cs->pending->nrejects >= CONSUMER_MAX_REJECTS) {
            if (consumer_flush(cs) == STORE_OK)
                consumer_resume(cs);
        }
        if (!cs->paused && now - cs->last_prune_ms >= CONSUMER_PRUNE_MS) {
            cs->last_prune_ms = now;
            if (store_prune_seconds(cs->st, err, sizeof(err)) < 0)
                log_warn("could not prune visit_seconds: %s", err);
        }
    }
    log_info("stopping");
    consumer_final_flush(cs);
    return rc;
}

/* Kafka settings of the consumer on top of the shared ones (kafka.h). */
static const char *const consumer_kafka_defaults[] = {
    "enable.auto.commit", "false",
    "enable.auto.offset.store", "false",
    "auto.offset.reset", "error",
    /* Fetch responses up to 8 MB instead of 50, 32 MB of prefetched
     * messages instead of 64, and 50,000 of them instead of 100,000:
     * consumer_kick restarts fetching as soon as the queue runs dry,
     * so a small queue costs no speed. Draining 1,000,000 preloaded
     * events from 64 partitions peaked at 74-105 MB of RSS instead of
     * 126-162 MB with librdkafka's defaults (make bench). */
    "fetch.max.bytes", "8388608",
    "queued.max.messages.kbytes", "32768",
    "queued.min.messages", "50000",
    /* A fetch that finds nothing new waits at most 100 ms, not 500:
     * freshness p50 790 -> 370 ms, p99 1010 -> 610 ms at 1,000/s. */
    "fetch.wait.max.ms", "100",
    NULL,
};

/* Sets up cs for the options c: the store (connected, so that a wrong
 * connection string or schema fails at start; later outages are waited
 * out), the pending batch, the statistics and the readiness check.
 * Returns 0, or -1 after a log line; consumer_close frees what was made
 * either way. */
static int
consumer_open(consumer *cs, const config *c)
{
    char err[512];

    memset(cs, 0, sizeof(*cs));
    cs->c = c;
    cs->st = store_create(c->database);
    cs->pending = batch_create();
    cs->rules = (batch_rules){ c->sites, c->max_future_s * 1000LL,
                               c->max_age_h * 3600000LL };
    cs->stats = malloc(sizeof(*cs->stats));
    cs->ready = readiness_new(consumer_ready, cs, CONSUMER_READY_CACHE_MS);
    if (cs->st == NULL || cs->pending == NULL || cs->stats == NULL
        || cs->ready == NULL) {
        log_error("out of memory");
        return -1;
    }
    consumer_stats_init(cs->stats, timestamp_now_ms());
    if (store_connect(cs->st, err, sizeof(err)) < 0) {
        log_error("%s", err);
        return -1;
    }
    return 0;
}

/* Creates cs->rk, a consumer of group c->group with our rebalance
 * callback, subscribed to c->topic. Returns 0, or -1 after a log line. */
static int
consumer_subscribe(consumer *cs)
{
    const config *c = cs->c;
    kafka_settings ks = config_kafka(c);
    rd_kafka_topic_partition_list_t *topics;
    rd_kafka_resp_err_t kerr;
    rd_kafka_conf_t *conf;
    char err[512];

    conf = kafka_conf_new(&ks, consumer_kafka_defaults, err, sizeof(err));
    if (conf == NULL) {
        log_error("%s", err);
        return -1;
    }
    if (rd_kafka_conf_set(conf, "group.id", c->group, err, sizeof(err))
        != RD_KAFKA_CONF_OK) {
        log_error("kafka property group.id: %s", err);
        rd_kafka_conf_destroy(conf);
        return -1;
    }
    rd_kafka_conf_set_opaque(conf, cs);
    rd_kafka_conf_set_rebalance_cb(conf, consumer_rebalance_cb);
    cs->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
    if (cs->rk == NULL) {
        log_error("could not create kafka consumer: %s", err);
        rd_kafka_conf_destroy(conf);
        return -1;
    }
    rd_kafka_poll_set_consumer(cs->rk);
    topics = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(topics, c->topic, RD_KAFKA_PARTITION_UA);
    kerr = rd_kafka_subscribe(cs->rk, topics);
    rd_kafka_topic_partition_list_destroy(topics);
    if (kerr) {
        log_error("could not subscribe to \"%s\": %s", c->topic,
                  rd_kafka_err2str(kerr));
        return -1;
    }
    return 0;
}

/* Logs what this run consumed, stored and capped. */
static void
consumer_log_totals(const consumer *cs)
{
    log_info("consumed=%llu rejected=%llu flushes=%llu capped_paths=%llu "
             "capped_visits=%llu", (unsigned long long)cs->stats->events,
             (unsigned long long)cs->stats->rejected,
             (unsigned long long)cs->stats->flushes,
             (unsigned long long)cs->stats->capped_keys,
             (unsigned long long)cs->stats->capped_visits);
}

/* Frees what consumer_open and consumer_subscribe made; cs may be half
 * made. */
static void
consumer_close(consumer *cs)
{
    if (cs->rk)
        rd_kafka_destroy(cs->rk);
    store_free(cs->st);
    batch_free(cs->pending);
    partitions_free(&cs->parts);
    free(cs->stats);
    readiness_free(cs->ready);
}

int
main(int argc, char **argv)
{
    struct sigaction sa;
    http_listener *probe = NULL;
    consumer cs;
    char err[512];
    config c;
    int rc;

    memset(&cs, 0, sizeof(cs));
    if ((rc = config_main(&c, CONFIG_CONSUMER, argc, argv)) >= 0)
        return rc;
    rc = 1;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = consumer_on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (consumer_open(&cs, &c) < 0 || consumer_subscribe(&cs) < 0)
        goto done;
    if (c.metrics_listen[0] != '\0') {
        probe = http_listener_start(c.metrics_listen, consumer_probe, &cs, err,
                                    sizeof(err));
        if (probe == NULL) {
            log_error("metrics-listen: %s", err);
            goto done;
        }
        log_info("monitoring on http://%s/metrics, /healthz and /readyz",
                 http_listener_address(probe));
    }
    log_info("consuming \"%s\" via %s group=%s flush_interval_ms=%ld "
             "max_paths_per_minute=%ld default_site=%s", c.topic, c.brokers,
             c.group, c.flush_interval_ms, c.max_paths, sites_name(c.sites, 0));
    cs.last_flush_ms = timestamp_mono_ms();
    rc = consumer_run(&cs) < 0 ? 1 : 0;
    http_listener_stop(probe);
    probe = NULL;
    consumer_log_totals(&cs);
    /* Revokes the assignment (one more flush through the callback). */
    rd_kafka_consumer_close(cs.rk);
done:
    http_listener_stop(probe);
    consumer_close(&cs);
    config_free(&c);
    return rc;
}
