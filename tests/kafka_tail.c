/* kafka_tail - test helper: prints every message of a topic, from the
 * beginning of each partition to its end as of now, one per line, for
 * checking what the visit worker produced (the client address an event
 * carries, say). Reads with a simple consumer (assign, no group), so it
 * moves no offset anyone else uses.
 * Usage: kafka_tail BOOTSTRAP TOPIC */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <librdkafka/rdkafka.h>

#define TAIL_TIMEOUT_MS 10000

int
main(int argc, char **argv)
{
    const rd_kafka_metadata_t *md = NULL;
    rd_kafka_topic_partition_list_t *parts = NULL;
    rd_kafka_topic_t *rkt = NULL;
    rd_kafka_message_t *rkm;
    rd_kafka_conf_t *conf;
    rd_kafka_t *rk;
    char err[512];
    int left, rc = 1;

    if (argc != 3) {
        fprintf(stderr, "usage: kafka_tail BOOTSTRAP TOPIC\n");
        return 2;
    }
    conf = rd_kafka_conf_new();
    if (rd_kafka_conf_set(conf, "bootstrap.servers", argv[1], err, sizeof(err))
            != RD_KAFKA_CONF_OK
        || rd_kafka_conf_set(conf, "group.id", "kafka-tail", err, sizeof(err))
            != RD_KAFKA_CONF_OK
        || rd_kafka_conf_set(conf, "enable.partition.eof", "true", err, sizeof(err))
            != RD_KAFKA_CONF_OK
        || rd_kafka_conf_set(conf, "enable.auto.commit", "false", err, sizeof(err))
            != RD_KAFKA_CONF_OK) {
        fprintf(stderr, "kafka_tail: %s\n", err);
        rd_kafka_conf_destroy(conf);
        return 1;
    }
    rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
    if (rk == NULL) {
        fprintf(stderr, "kafka_tail: %s\n", err);
        rd_kafka_conf_destroy(conf);
        return 1;
    }
    rkt = rd_kafka_topic_new(rk, argv[2], NULL);
    if (rkt == NULL
        || rd_kafka_metadata(rk, 0, rkt, &md, TAIL_TIMEOUT_MS) != RD_KAFKA_RESP_ERR_NO_ERROR
        || md->topic_cnt != 1 || md->topics[0].err) {
        fprintf(stderr, "kafka_tail: no metadata for topic \"%s\"\n", argv[2]);
        goto done;
    }
    parts = rd_kafka_topic_partition_list_new(md->topics[0].partition_cnt);
    for (int i = 0; i < md->topics[0].partition_cnt; i++)
        rd_kafka_topic_partition_list_add(parts, argv[2], md->topics[0].partitions[i].id)
            ->offset = RD_KAFKA_OFFSET_BEGINNING;
    if (rd_kafka_assign(rk, parts) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        fprintf(stderr, "kafka_tail: could not assign the partitions\n");
        goto done;
    }
    /* Every partition ends with one end-of-partition event. */
    left = parts->cnt;
    while (left > 0) {
        rkm = rd_kafka_consumer_poll(rk, TAIL_TIMEOUT_MS);
        if (rkm == NULL) {
            fprintf(stderr, "kafka_tail: no message for %d ms, %d partitions unread\n",
                    TAIL_TIMEOUT_MS, left);
            goto done;
        }
        if (rkm->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            left--;
        } else if (rkm->err) {
            fprintf(stderr, "kafka_tail: %s\n", rd_kafka_message_errstr(rkm));
            rd_kafka_message_destroy(rkm);
            goto done;
        } else {
            fwrite(rkm->payload, 1, rkm->len, stdout);
            putchar('\n');
        }
        rd_kafka_message_destroy(rkm);
    }
    rc = 0;
done:
    if (parts)
        rd_kafka_topic_partition_list_destroy(parts);
    if (md)
        rd_kafka_metadata_destroy(md);
    if (rkt)
        rd_kafka_topic_destroy(rkt);
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    return rc;
}
