/* producer.c - asynchronous, idempotent production of visit events. */
#include "producer.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kafka.h"
#include "log.h"

struct producer {
    rd_kafka_t *rk;
    rd_kafka_topic_t *rkt;
    pthread_t poller;
    atomic_int stop;
    _Atomic uint64_t sent, delivered, failed, dropped;
    log_limit drop_log, fail_log;
};

/* Called once per message from rd_kafka_poll/rd_kafka_flush. */
static void
producer_dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *rkm, void *opaque)
{
    producer *p = opaque;
    uint64_t n;

    (void)rk;
    if (rkm->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        atomic_fetch_add(&p->delivered, 1);
        return;
    }
    atomic_fetch_add(&p->failed, 1);
    if ((n = log_limit_hit(&p->fail_log)) > 0)
        log_error("visit event delivery failed, visits lost: %s count=%llu",
                  rd_kafka_err2str(rkm->err), (unsigned long long)n);
}

static void *
producer_poll_main(void *arg)
{
    producer *p = arg;

    while (!atomic_load(&p->stop))
        rd_kafka_poll(p->rk, 100);
    return NULL;
}

producer *
producer_create(const kafka_settings *ks, const char *topic, char *err,
                size_t errlen)
{
    static const char *const defaults[] = {
        "enable.idempotence", "true",
        "compression.codec", "lz4",
        "linger.ms", "5",
        "queue.buffering.max.messages", "100000",
        NULL,
    };
    rd_kafka_conf_t *conf;
    char errstr[512];
    producer *p = calloc(1, sizeof(*p));

    if (p == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    conf = kafka_conf_new(ks, defaults, err, errlen);
    if (conf == NULL)
        goto failed;
    rd_kafka_conf_set_opaque(conf, p);
    rd_kafka_conf_set_dr_msg_cb(conf, producer_dr_cb);
    p->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
    if (p->rk == NULL) {
        rd_kafka_conf_destroy(conf);
        snprintf(err, errlen, "could not create kafka producer: %s", errstr);
        goto failed;
    }
    p->rkt = rd_kafka_topic_new(p->rk, topic, NULL);
    if (p->rkt == NULL) {
        snprintf(err, errlen, "could not create kafka topic handle \"%s\": %s",
                 topic, rd_kafka_err2str(rd_kafka_last_error()));
        goto failed;
    }
    if (pthread_create(&p->poller, NULL, producer_poll_main, p) != 0) {
        snprintf(err, errlen, "could not start the delivery report thread");
        goto failed;
    }
    return p;
failed:
    if (p->rkt)
        rd_kafka_topic_destroy(p->rkt);
    if (p->rk)
        rd_kafka_destroy(p->rk);
    free(p);
    return NULL;
}

int
producer_send(producer *p, const event *ev)
{
    char json[EVENT_JSON_MAX];
    rd_kafka_resp_err_t err;
    int len = event_encode(ev, json, sizeof(json));
    uint64_t n;

    if (len < 0) {
        err = RD_KAFKA_RESP_ERR__INVALID_ARG;
        goto dropped;
    }
    err = rd_kafka_producev(p->rk, RD_KAFKA_V_RKT(p->rkt),
                            RD_KAFKA_V_VALUE(json, (size_t)len),
                            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                            RD_KAFKA_V_TIMESTAMP(ev->ts_ms), RD_KAFKA_V_END);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        atomic_fetch_add(&p->sent, 1);
        return 0;
    }
dropped:
    atomic_fetch_add(&p->dropped, 1);
    if ((n = log_limit_hit(&p->drop_log)) > 0)
        log_error("visit event dropped, visit lost: %s count=%llu",
                  err == RD_KAFKA_RESP_ERR__QUEUE_FULL
                      ? "local producer queue is full"
                      : rd_kafka_err2str(err),
                  (unsigned long long)n);
    return -1;
}

void
producer_stats_get(producer *p, producer_stats *st)
{
    st->sent = atomic_load(&p->sent);
    st->delivered = atomic_load(&p->delivered);
    st->failed = atomic_load(&p->failed);
    st->dropped = atomic_load(&p->dropped);
    st->queued = (uint64_t)rd_kafka_outq_len(p->rk);
}

int
producer_ping(producer *p, int timeout_ms, char *err, size_t errlen)
{
    return kafka_ping(p->rk, rd_kafka_topic_name(p->rkt), timeout_ms, err, errlen);
}

int
producer_wait_sent(producer *p, int timeout_ms)
{
    const struct timespec pause = { 0, 2 * 1000 * 1000 };
    uint64_t before = atomic_load(&p->sent);

    /* Counts, not the events themselves: partitions deliver in their own
     * order. Good enough for what it is for, a shorter final flush (which
     * waits for every last event). */
    for (int waited = 0; waited < timeout_ms; waited += 2) {
        if (atomic_load(&p->delivered) + atomic_load(&p->failed) >= before)
            return 0;
        nanosleep(&pause, NULL);
    }
    return -1;
}

void
producer_free(producer *p, int timeout_ms)
{
    producer_stats st;

    if (p == NULL)
        return;
    atomic_store(&p->stop, 1);
    pthread_join(p->poller, NULL);
    if (rd_kafka_flush(p->rk, timeout_ms) != RD_KAFKA_RESP_ERR_NO_ERROR)
        log_error("could not deliver every visit event within %d ms", timeout_ms);
    producer_stats_get(p, &st);
    log_info("producer stopped sent=%llu delivered=%llu failed=%llu "
             "dropped=%llu undelivered=%llu",
             (unsigned long long)st.sent, (unsigned long long)st.delivered,
             (unsigned long long)st.failed, (unsigned long long)st.dropped,
             (unsigned long long)st.queued);
    rd_kafka_topic_destroy(p->rkt);
    rd_kafka_destroy(p->rk);
    free(p);
}
