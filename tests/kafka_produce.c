/* kafka_produce - test helper: produces each line of stdin, as is, as one
 * message to a topic, and waits for delivery. For writing messages that
 * are not valid visit events straight to the topic.
 * Usage: kafka_produce BOOTSTRAP TOPIC < lines */
#include <stdio.h>
#include <string.h>

#include <librdkafka/rdkafka.h>

int
main(int argc, char **argv)
{
    char line[65536], err[512];
    rd_kafka_conf_t *conf;
    rd_kafka_t *rk;
    int failed = 0;

    if (argc != 3) {
        fprintf(stderr, "usage: kafka_produce BOOTSTRAP TOPIC < lines\n");
        return 2;
    }
    conf = rd_kafka_conf_new();
    if (rd_kafka_conf_set(conf, "bootstrap.servers", argv[1], err, sizeof(err))
        != RD_KAFKA_CONF_OK) {
        fprintf(stderr, "kafka_produce: %s\n", err);
        rd_kafka_conf_destroy(conf);
        return 1;
    }
    rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
    if (rk == NULL) {
        fprintf(stderr, "kafka_produce: %s\n", err);
        rd_kafka_conf_destroy(conf);
        return 1;
    }
    while (fgets(line, sizeof(line), stdin)) {
        size_t len = strcspn(line, "\n");
        rd_kafka_resp_err_t e = rd_kafka_producev(
            rk, RD_KAFKA_V_TOPIC(argv[2]), RD_KAFKA_V_VALUE(line, len),
            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
        if (e) {
            fprintf(stderr, "kafka_produce: %s\n", rd_kafka_err2str(e));
            failed = 1;
        }
    }
    if (rd_kafka_flush(rk, 10000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        fprintf(stderr, "kafka_produce: not every message was delivered\n");
        failed = 1;
    }
    rd_kafka_destroy(rk);
    return failed;
}
