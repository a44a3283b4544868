/* producer.h - asynchronous, idempotent production of visit events to
 * Kafka. Sending never waits on the network. */
#ifndef VISITS_PRODUCER_H
#define VISITS_PRODUCER_H

#include <stdint.h>

#include "event.h"
#include "kafka.h"

typedef struct producer producer;

typedef struct producer_stats {
    uint64_t sent;          /* accepted into librdkafka's queue */
    uint64_t delivered;     /* acknowledged by the brokers */
    uint64_t failed;        /* delivery failed after retries: lost */
    uint64_t dropped;       /* not accepted (queue full, encode error): lost */
    uint64_t queued;        /* in librdkafka's queue right now */
} producer_stats;

/* Creates an idempotent lz4 producer for topic on the brokers of ks, with
 * a few ms of linger, and a thread that serves delivery reports. Returns
 * NULL with a message on a configuration error; an unreachable broker is
 * not an error (events wait in the queue and librdkafka keeps retrying). */
producer *producer_create(const kafka_settings *ks, const char *topic, char *err,
                          size_t errlen);

/* Encodes ev and queues it. Returns 0, or -1 when it was dropped (local
 * queue full, or a fatal producer error); drops are counted and logged at
 * most once a second. Thread-safe; never blocks on the network. */
int producer_send(producer *p, const event *ev);

/* Fills *st with the counters so far. */
void producer_stats_get(producer *p, producer_stats *st);

/* Whether events can be delivered now (kafka_ping for the producer's topic).
 * Returns 0, or -1 with a message. Thread-safe. */
int producer_ping(producer *p, int timeout_ms, char *err, size_t errlen);

/* Waits up to timeout_ms until every event sent before the call has been
 * delivered (or has failed), while other threads go on sending. Returns 0,
 * or -1 after the timeout. */
int producer_wait_sent(producer *p, int timeout_ms);

/* Waits up to timeout_ms for every queued event to be delivered, logs the
 * counters and what is left, then frees everything. Accepts NULL. No other
 * thread may call producer_send once this is called. */
void producer_free(producer *p, int timeout_ms);

#endif
