/* visits-devbroker - an in-memory Kafka cluster for development and tests,
 * built on librdkafka's mock cluster. It speaks the Kafka protocol on
 * loopback, creates the visits topic, writes its bootstrap servers to a
 * file, and runs until SIGINT or SIGTERM. It keeps about 5 MB per partition
 * and loses everything when it stops: never use it in production.
 *
 * For fault tests, SIGUSR1 takes every broker down (connections are closed
 * and refused, data is kept) and SIGUSR2 brings them back up. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "config.h"
#include "file.h"
#include "log.h"

/* Writes text and a newline to path at once (file_replace), so readers
 * see the whole address or nothing. Returns 0 or -1 with a log line. */
static int
devbroker_publish(const char *path, const char *text)
{
    char line[4096], err[4400];

    snprintf(line, sizeof(line), "%s\n", text);
    if (file_replace(path, line, err, sizeof(err)) < 0) {
        log_error("%s", err);
        return -1;
    }
    return 0;
}

/* Takes brokers 1..count up (up != 0) or down, as on SIGUSR2 and SIGUSR1. */
static void
devbroker_set_up(rd_kafka_mock_cluster_t *mcluster, int count, int up)
{
    for (int32_t id = 1; id <= count; id++) {
        rd_kafka_resp_err_t err = up ? rd_kafka_mock_broker_set_up(mcluster, id)
                                     : rd_kafka_mock_broker_set_down(mcluster, id);
        if (err)
            log_error("could not take broker %d %s: %s", (int)id, up ? "up" : "down",
                      rd_kafka_err2str(err));
    }
    log_warn("%s", up ? "brokers up again (SIGUSR2)"
                      : "brokers down until SIGUSR2 (SIGUSR1)");
}

int
main(int argc, char **argv)
{
    rd_kafka_mock_cluster_t *mcluster = NULL;
    rd_kafka_conf_t *conf;
    rd_kafka_resp_err_t kerr;
    rd_kafka_t *rk = NULL;
    const char *bootstraps;
    char err[512];
    sigset_t stop;
    config c;
    int rc, sig;

    /* Before librdkafka starts threads, so the signals come to sigwait. */
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGUSR1);
    sigaddset(&stop, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);

    if ((rc = config_main(&c, CONFIG_DEVBROKER, argc, argv)) >= 0)
        return rc;
    rc = 1;

    /* The mock cluster lives inside a client handle that never connects. */
    conf = rd_kafka_conf_new();
    if (rd_kafka_conf_set(conf, "log_level", "3", err, sizeof(err))
        != RD_KAFKA_CONF_OK) {
        log_error("kafka property log_level: %s", err);
        rd_kafka_conf_destroy(conf);
        goto done;
    }
    rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
    if (rk == NULL) {
        log_error("could not create kafka handle: %s", err);
        rd_kafka_conf_destroy(conf);
        goto done;
    }
    mcluster = rd_kafka_mock_cluster_new(rk, (int)c.broker_count);
    if (mcluster == NULL) {
        log_error("could not start the mock cluster");
        goto done;
    }
    kerr = rd_kafka_mock_topic_create(mcluster, c.topic, (int)c.partitions, 1);
    if (kerr) {
        log_error("could not create topic \"%s\": %s", c.topic,
                  rd_kafka_err2str(kerr));
        goto done;
    }
    bootstraps = rd_kafka_mock_cluster_bootstraps(mcluster);
    if (c.bootstrap_file[0] && devbroker_publish(c.bootstrap_file, bootstraps) < 0)
        goto done;

    log_warn("THIS IS AN IN-MEMORY KAFKA FOR DEVELOPMENT ONLY: it keeps about "
             "5 MB per partition, drops older data silently, and loses "
             "everything when it stops");
    log_info("serving topic \"%s\" (%ld partitions, %ld brokers) at %s",
             c.topic, c.partitions, c.broker_count, bootstraps);
    printf("%s\n", bootstraps);
    fflush(stdout);

    for (;;) {
        if (sigwait(&stop, &sig) != 0)
            continue;
        if (sig == SIGUSR1 || sig == SIGUSR2) {
            devbroker_set_up(mcluster, (int)c.broker_count, sig == SIGUSR2);
            continue;
        }
        break;
    }
    log_info("received %s, stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
    rc = 0;
done:
    if (c.bootstrap_file && c.bootstrap_file[0])
        unlink(c.bootstrap_file);
    if (mcluster)
        rd_kafka_mock_cluster_destroy(mcluster);
    if (rk)
        rd_kafka_destroy(rk);
    config_free(&c);
    return rc;
}
