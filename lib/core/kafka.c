/* kafka.c - librdkafka configuration shared by all Kafka clients. */
#include "kafka.h"

#include <stdio.h>

#include "log.h"

static void
kafka_log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    (void)rk;
    /* syslog levels: 0-3 errors, 4 warnings, 5-6 info, 7 debug */
    log_msg(level <= 3 ? LOG_ERROR : level == 4 ? LOG_WARN
                       : level <= 6 ? LOG_INFO : LOG_DEBUG,
            "kafka %s: %s", fac, buf);
}

/* Only RD_KAFKA_RESP_ERR__FATAL is fatal; librdkafka recovers from the
 * others by itself, so they are warnings. */
static void
kafka_error_cb(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
    char fatal[512];

    (void)opaque;
    if (err == RD_KAFKA_RESP_ERR__FATAL) {
        rd_kafka_fatal_error(rk, fatal, sizeof(fatal));
        log_error("fatal kafka error: %s", fatal);
        return;
    }
    log_warn("kafka: %s: %s", rd_kafka_err2name((rd_kafka_resp_err_t)err), reason);
}

/* Sets one property. Returns 0, or -1 with a message. */
static int
kafka_set(rd_kafka_conf_t *conf, const char *key, const char *value, char *err,
          size_t errlen)
{
    char errstr[512];

    if (rd_kafka_conf_set(conf, key, value, errstr, sizeof(errstr))
        != RD_KAFKA_CONF_OK) {
        snprintf(err, errlen, "kafka property %s: %s", key, errstr);
        return -1;
    }
    return 0;
}

rd_kafka_conf_t *
kafka_conf_new(const kafka_settings *ks, const char *const *defaults, char *err,
               size_t errlen)
{
    rd_kafka_conf_t *conf = rd_kafka_conf_new();

    if (ks->brokers && kafka_set(conf, "bootstrap.servers", ks->brokers, err,
                                 errlen) < 0)
        goto failed;
    /* Back within a second of a broker coming back: librdkafka doubles the
     * wait between connection attempts up to 10 s by default, so after an
     * outage of a few seconds a client could take 10 s more to notice. The
     * recovery bound of docs/RELIABILITY.md rests on this. */
    if (kafka_set(conf, "reconnect.backoff.max.ms", "1000", err, errlen) < 0)
        goto failed;
    for (; defaults && defaults[0]; defaults += 2) {
        if (kafka_set(conf, defaults[0], defaults[1], err, errlen) < 0)
            goto failed;
    }
    for (size_t i = 0; i < ks->nprops; i++) {
        if (kafka_set(conf, ks->props[i].key, ks->props[i].value, err, errlen) < 0)
            goto failed;
    }
    rd_kafka_conf_set_log_cb(conf, kafka_log_cb);
    rd_kafka_conf_set_error_cb(conf, kafka_error_cb);
    return conf;
failed:
    rd_kafka_conf_destroy(conf);
    return NULL;
}

int
kafka_ping(rd_kafka_t *rk, const char *topic, int timeout_ms, char *err,
           size_t errlen)
{
    const struct rd_kafka_metadata *md;
    rd_kafka_topic_t *rkt;
    rd_kafka_resp_err_t kerr;
    char fatal[256];
    int rc = -1;

    if (rd_kafka_fatal_error(rk, fatal, sizeof(fatal)) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        snprintf(err, errlen, "kafka: fatal error: %s", fatal);
        return -1;
    }
    rkt = rd_kafka_topic_new(rk, topic, NULL);
    if (rkt == NULL) {
        snprintf(err, errlen, "kafka: topic \"%s\": %s", topic,
                 rd_kafka_err2str(rd_kafka_last_error()));
        return -1;
    }
    kerr = rd_kafka_metadata(rk, 0, rkt, &md, timeout_ms);
    rd_kafka_topic_destroy(rkt);
    if (kerr != RD_KAFKA_RESP_ERR_NO_ERROR) {
        snprintf(err, errlen, "kafka: %s", rd_kafka_err2str(kerr));
        return -1;
    }
    if (md->topic_cnt != 1 || md->topics[0].err != RD_KAFKA_RESP_ERR_NO_ERROR)
        snprintf(err, errlen, "kafka: topic \"%s\": %s", topic,
                 md->topic_cnt == 1 ? rd_kafka_err2str(md->topics[0].err)
                                    : "not in the metadata");
    else if (md->topics[0].partition_cnt == 0)
        snprintf(err, errlen, "kafka: topic \"%s\" has no partitions", topic);
    else
        rc = 0;
    rd_kafka_metadata_destroy(md);
    return rc;
}
