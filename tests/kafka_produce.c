/* kafka_produce - test helper: produces each line of stdin as one message
 * to a topic and waits for delivery, for writing messages that are not
 * valid visit events straight to the topic. A line "hex:<digits>" is sent
 * as the bytes the hex digits spell (NULs, invalid UTF-8); any other line
 * as is, of any length.
 * Usage: kafka_produce BOOTSTRAP TOPIC < lines */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <librdkafka/rdkafka.h>

/* Decodes the hex digits of s (len of them) into s itself. Returns the
 * number of bytes, or -1 when len is odd or a character is no hex digit. */
static long
unhex(char *s, size_t len)
{
    static const char digits[] = "0123456789abcdef";
    const char *hi, *lo;

    if (len % 2 != 0)
        return -1;
    for (size_t i = 0; i < len; i += 2) {
        if (s[i] == '\0' || s[i + 1] == '\0'
            || (hi = strchr(digits, s[i])) == NULL
            || (lo = strchr(digits, s[i + 1])) == NULL)
            return -1;
        s[i / 2] = (char)((hi - digits) << 4 | (lo - digits));
    }
    return (long)(len / 2);
}

int
main(int argc, char **argv)
{
    char err[512], *line = NULL;
    size_t cap = 0;
    ssize_t n;
    rd_kafka_conf_t *conf;
    rd_kafka_t *rk;
    int failed = 0;

    if (argc != 3) {
        fprintf(stderr, "usage: kafka_produce BOOTSTRAP TOPIC < lines\n");
        return 2;
    }
    conf = rd_kafka_conf_new();
    if (rd_kafka_conf_set(conf, "bootstrap.servers", argv[1], err, sizeof(err))
            != RD_KAFKA_CONF_OK
        || rd_kafka_conf_set(conf, "message.max.bytes", "2000000", err, sizeof(err))
            != RD_KAFKA_CONF_OK
        /* Each message to a random partition, compressed: the dev broker
         * keeps about 5 MB per partition, and the sticky partitioner's
         * runs once overfilled one with a 50,000-event flood, which then
         * lost its oldest events. */
        || rd_kafka_conf_set(conf, "sticky.partitioning.linger.ms", "0", err,
                             sizeof(err)) != RD_KAFKA_CONF_OK
        || rd_kafka_conf_set(conf, "compression.codec", "lz4", err, sizeof(err))
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
    while ((n = getline(&line, &cap, stdin)) >= 0) {
        long len = (long)strcspn(line, "\n");
        char *msg = line;

        if (strncmp(line, "hex:", 4) == 0) {
            msg = line + 4;
            if ((len = unhex(msg, (size_t)len - 4)) < 0) {
                fprintf(stderr, "kafka_produce: bad hex line\n");
                failed = 1;
                continue;
            }
        }
        rd_kafka_resp_err_t e = rd_kafka_producev(
            rk, RD_KAFKA_V_TOPIC(argv[2]), RD_KAFKA_V_VALUE(msg, (size_t)len),
            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
        if (e) {
            fprintf(stderr, "kafka_produce: %s\n", rd_kafka_err2str(e));
            failed = 1;
        }
    }
    free(line);
    if (rd_kafka_flush(rk, 10000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        fprintf(stderr, "kafka_produce: not every message was delivered\n");
        failed = 1;
    }
    rd_kafka_destroy(rk);
    return failed;
}
