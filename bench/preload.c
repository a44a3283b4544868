/* visits-preload - writes N valid visit events over P distinct paths to a
 * Kafka topic as fast as the broker takes them, for the consumer benchmark:
 * the consumer is then started on a full topic and timed while it drains it.
 *
 * Usage: visits-preload --brokers HOST:PORT --topic T --events N --paths P
 *
 * Events are built and encoded by lib/event/event.c, exactly as the visit worker
 * does, with the current time; paths are /bench/c/0 .. /bench/c/P-1 in
 * turn. Events go to the partitions in turn, in batches of up to 10,000:
 * the dev broker answers a fetch with at most one batch per partition, so
 * the small or uneven batches of the sticky partitioner would time that
 * limit instead of the consumer (a real broker fills a fetch up to
 * max.partition.fetch.bytes whatever the batches). The producer is idempotent and every event must be delivered: the
 * program exits 1 if any was not, or if the topic then holds fewer than N
 * messages from offset 0 (the dev broker silently drops old data past about
 * 5 MB per partition: use more partitions). Prints one line:
 * "produced=N seconds=S rate=R retained=N partitions=K". */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <librdkafka/rdkafka.h>

#include "event.h"
#include "timestamp.h"

typedef struct preload_opts {
    const char *brokers;
    const char *topic;
    long long events;
    long paths;
} preload_opts;

typedef struct preload_counts {
    long long delivered;
    long long failed;
    char first_error[256];
} preload_counts;

static void
preload_usage(FILE *f)
{
    fprintf(f, "usage: visits-preload --brokers HOST:PORT --topic TOPIC "
               "--events N --paths P\n");
}

/* Delivery report: counts each message's fate. */
static void
preload_dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *rkm, void *opaque)
{
    preload_counts *n = opaque;

    (void)rk;
    if (rkm->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        n->delivered++;
        return;
    }
    if (n->failed++ == 0)
        snprintf(n->first_error, sizeof(n->first_error), "%s",
                 rd_kafka_err2str(rkm->err));
}

/* Parses argv into o. Returns 0, 1 after --help, or -1 after a message. */
static int
preload_parse(int argc, char **argv, preload_opts *o)
{
    static const struct option longopts[] = {
        { "brokers", required_argument, NULL, 'b' },
        { "topic", required_argument, NULL, 't' },
        { "events", required_argument, NULL, 'n' },
        { "paths", required_argument, NULL, 'p' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    char *end;
    int ch;

    memset(o, 0, sizeof(*o));
    o->topic = "visits";
    o->paths = 1000;
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (ch) {
        case 'b': o->brokers = optarg; break;
        case 't': o->topic = optarg; break;
        case 'n':
            o->events = strtoll(optarg, &end, 10);
            if (*end != '\0' || o->events < 1) {
                fprintf(stderr, "visits-preload: --events must be a positive integer\n");
                return -1;
            }
            break;
        case 'p':
            o->paths = strtol(optarg, &end, 10);
            if (*end != '\0' || o->paths < 1 || o->paths > 1000000) {
                fprintf(stderr, "visits-preload: --paths must be from 1 to 1000000\n");
                return -1;
            }
            break;
        case 'h': preload_usage(stdout); return 1;
        default: preload_usage(stderr); return -1;
        }
    }
    if (optind < argc || o->brokers == NULL || o->events == 0) {
        fprintf(stderr, "visits-preload: --brokers and --events are required\n");
        preload_usage(stderr);
        return -1;
    }
    return 0;
}

/* Sets key=value on conf. Returns 0 or -1 after a message. */
static int
preload_set(rd_kafka_conf_t *conf, const char *key, const char *value)
{
    char errstr[256];

    if (rd_kafka_conf_set(conf, key, value, errstr, sizeof(errstr))
        != RD_KAFKA_CONF_OK) {
        fprintf(stderr, "visits-preload: %s: %s\n", key, errstr);
        return -1;
    }
    return 0;
}

/* Returns the number of partitions of topic, or -1 with a message. */
static int
preload_partitions(rd_kafka_t *rk, const char *topic)
{
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
    int n = -1;

    if (rkt != NULL
        && rd_kafka_metadata(rk, 0, rkt, &md, 10000) == RD_KAFKA_RESP_ERR_NO_ERROR
        && md->topic_cnt == 1 && md->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR
        && md->topics[0].partition_cnt > 0)
        n = md->topics[0].partition_cnt;
    else
        fprintf(stderr, "visits-preload: no metadata for topic \"%s\"\n", topic);
    if (md != NULL)
        rd_kafka_metadata_destroy(md);
    if (rkt != NULL)
        rd_kafka_topic_destroy(rkt);
    return n;
}

/* Returns the messages the nparts partitions of topic hold from offset 0
 * on (the sum of their high watermarks), or -1 when some partition lost its
 * start or could not be queried. */
static long long
preload_retained(rd_kafka_t *rk, const char *topic, int nparts)
{
    long long total = 0;
    int64_t lo, hi;

    for (int32_t id = 0; id < nparts; id++) {
        if (rd_kafka_query_watermark_offsets(rk, topic, id, &lo, &hi, 10000)
            != RD_KAFKA_RESP_ERR_NO_ERROR) {
            fprintf(stderr, "visits-preload: partition %d: no watermarks\n", (int)id);
            return -1;
        }
        if (lo != 0) {
            fprintf(stderr, "visits-preload: partition %d starts at offset %" PRId64
                    ": the broker dropped old data; use more partitions\n",
                    (int)id, lo);
            return -1;
        }
        total += hi;
    }
    return total;
}

int
main(int argc, char **argv)
{
    preload_counts counts = { 0, 0, "" };
    char errstr[256], uri[64], json[EVENT_JSON_MAX];
    rd_kafka_conf_t *conf;
    rd_kafka_t *rk = NULL;
    preload_opts o;
    event ev;
    int64_t t0;
    long long retained;
    double secs;
    int rc = 1, nparts, len;

    if ((rc = preload_parse(argc, argv, &o)) != 0)
        return rc < 0 ? 2 : 0;
    rc = 1;
    conf = rd_kafka_conf_new();
    if (preload_set(conf, "bootstrap.servers", o.brokers) < 0
        || preload_set(conf, "enable.idempotence", "true") < 0
        || preload_set(conf, "compression.codec", "lz4") < 0
        || preload_set(conf, "linger.ms", "200") < 0
        || preload_set(conf, "batch.num.messages", "10000") < 0
        || preload_set(conf, "queue.buffering.max.messages", "1000000") < 0
        || preload_set(conf, "queue.buffering.max.kbytes", "1048576") < 0) {
        rd_kafka_conf_destroy(conf);
        return 1;
    }
    rd_kafka_conf_set_opaque(conf, &counts);
    rd_kafka_conf_set_dr_msg_cb(conf, preload_dr_cb);
    rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
    if (rk == NULL) {
        rd_kafka_conf_destroy(conf);
        fprintf(stderr, "visits-preload: could not create producer: %s\n", errstr);
        return 1;
    }

    if ((nparts = preload_partitions(rk, o.topic)) < 0)
        goto done;
    t0 = timestamp_now_ms();
    for (long long i = 0; i < o.events; i++) {
        snprintf(uri, sizeof(uri), "/bench/c/%lld", i % o.paths);
        event_init(&ev, timestamp_now_ms(), "localhost", uri,
                   "https://example.com/", "visits-preload", "127.0.0.1");
        len = event_encode(&ev, json, sizeof(json));
        if (len < 0) {
            fprintf(stderr, "visits-preload: could not encode event %lld\n", i);
            goto done;
        }
        for (;;) {
            rd_kafka_resp_err_t err = rd_kafka_producev(
                rk, RD_KAFKA_V_TOPIC(o.topic),
                RD_KAFKA_V_PARTITION((int32_t)(i % nparts)),
                RD_KAFKA_V_VALUE(json, (size_t)len),
                RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
            if (err == RD_KAFKA_RESP_ERR_NO_ERROR)
                break;
            if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
                fprintf(stderr, "visits-preload: produce failed: %s\n",
                        rd_kafka_err2str(err));
                goto done;
            }
            rd_kafka_poll(rk, 50);      /* let deliveries free the queue */
        }
        if ((i & 1023) == 0)
            rd_kafka_poll(rk, 0);
    }
    if (rd_kafka_flush(rk, 120000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        fprintf(stderr, "visits-preload: %d events still queued after 120 s\n",
                rd_kafka_outq_len(rk));
        goto done;
    }
    secs = (double)(timestamp_now_ms() - t0) / 1000.0;
    if (counts.failed > 0 || counts.delivered != o.events) {
        fprintf(stderr, "visits-preload: %lld of %lld events delivered, %lld failed "
                "(first: %s)\n", counts.delivered, o.events, counts.failed,
                counts.first_error);
        goto done;
    }
    retained = preload_retained(rk, o.topic, nparts);
    if (retained < 0)
        goto done;
    printf("produced=%lld seconds=%.2f rate=%.0f retained=%lld partitions=%d\n",
           o.events, secs, (double)o.events / secs, retained, nparts);
    if (retained < o.events) {
        fprintf(stderr, "visits-preload: the topic holds %lld messages, fewer than "
                "the %lld produced\n", retained, o.events);
        goto done;
    }
    rc = 0;
done:
    rd_kafka_destroy(rk);
    return rc;
}
