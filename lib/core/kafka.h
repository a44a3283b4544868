/* kafka.h - librdkafka configuration shared by the producer, the consumer
 * and the dev broker: built-in properties, then the user's pass-through. */
#ifndef VISITS_KAFKA_H
#define VISITS_KAFKA_H

#include <librdkafka/rdkafka.h>
#include <stddef.h>

/* A librdkafka property passed through as it is (-X key=value). */
typedef struct kafka_property {
    char *key;
    char *value;
} kafka_property;

/* Where the brokers are and what the user sets on every client. */
typedef struct kafka_settings {
    const char *brokers;            /* bootstrap.servers, or NULL */
    const kafka_property *props;    /* applied last, over the defaults */
    size_t nprops;
} kafka_settings;

/* Returns a new conf with bootstrap.servers from ks, reconnection attempts
 * at least once a second (reconnect.backoff.max.ms), then each pair of the
 * NULL-terminated list defaults ("key", "value", ..., NULL), then ks's
 * properties, and log and error callbacks that write through log.h. Returns
 * NULL with a message naming the property when librdkafka rejects one. The
 * caller owns the conf (rd_kafka_new takes it over on success). */
rd_kafka_conf_t *kafka_conf_new(const kafka_settings *ks,
                                const char *const *defaults, char *err,
                                size_t errlen);

/* Whether rk can work with topic now: no fatal error (an idempotent
 * producer that hit one drops every later event), and a broker answers a
 * metadata request for topic within timeout_ms with partitions for it.
 * Returns 0, or -1 with a message. Thread-safe. */
int kafka_ping(rd_kafka_t *rk, const char *topic, int timeout_ms, char *err,
               size_t errlen);

#endif
