/* kafka_topic - test helper: creates or deletes a topic on a Kafka cluster
 * with librdkafka's admin API, for tests that run against a cluster of
 * someone else's (VISITS_TEST_BROKERS, tests/lib.sh): each test gets a topic
 * of its own and removes it when it ends.
 * Usage: kafka_topic BOOTSTRAP create TOPIC PARTITIONS
 *        kafka_topic BOOTSTRAP delete TOPIC
 * Exits 0 when done (create: also when the topic exists already), 1 with a
 * line on stderr naming the problem otherwise. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <librdkafka/rdkafka.h>

#define KAFKA_TOPIC_TIMEOUT_MS 30000

/* Waits for the admin result of the request made on queue; returns its
 * event (the caller destroys it), or NULL after the timeout. */
static rd_kafka_event_t *
wait_result(rd_kafka_queue_t *queue)
{
    return rd_kafka_queue_poll(queue, KAFKA_TOPIC_TIMEOUT_MS + 5000);
}

/* Prints the error of one topic result, if any; returns 0 when the topic's
 * operation succeeded (or, for create, the topic exists already). */
static int
check_topic_result(const rd_kafka_topic_result_t *result, int create)
{
    rd_kafka_resp_err_t err = rd_kafka_topic_result_error(result);

    if (err == RD_KAFKA_RESP_ERR_NO_ERROR
        || (create && err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS))
        return 0;
    fprintf(stderr, "kafka_topic: %s: %s\n", rd_kafka_topic_result_name(result),
            rd_kafka_topic_result_error_string(result)
                ? rd_kafka_topic_result_error_string(result) : rd_kafka_err2str(err));
    return -1;
}

int
main(int argc, char **argv)
{
    char err[512];
    rd_kafka_conf_t *conf;
    rd_kafka_t *rk = NULL;
    rd_kafka_queue_t *queue = NULL;
    rd_kafka_AdminOptions_t *options = NULL;
    rd_kafka_NewTopic_t *new_topic = NULL;
    rd_kafka_DeleteTopic_t *delete_topic = NULL;
    rd_kafka_event_t *event = NULL;
    const rd_kafka_topic_result_t **results;
    size_t count = 0;
    int create, failed = 1;
    long partitions = 0;

    create = argc == 5 && strcmp(argv[2], "create") == 0;
    if (!create && !(argc == 4 && strcmp(argv[2], "delete") == 0)) {
        fprintf(stderr, "usage: kafka_topic BOOTSTRAP create TOPIC PARTITIONS\n"
                        "       kafka_topic BOOTSTRAP delete TOPIC\n");
        return 2;
    }
    if (create) {
        char *end;
        partitions = strtol(argv[4], &end, 10);
        if (*end != '\0' || partitions < 1 || partitions > 1024) {
            fprintf(stderr, "kafka_topic: partitions must be 1-1024, not \"%s\"\n", argv[4]);
            return 2;
        }
    }

    conf = rd_kafka_conf_new();
    if (rd_kafka_conf_set(conf, "bootstrap.servers", argv[1], err, sizeof(err))
            != RD_KAFKA_CONF_OK) {
        fprintf(stderr, "kafka_topic: %s\n", err);
        rd_kafka_conf_destroy(conf);
        return 1;
    }
    rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
    if (rk == NULL) {
        fprintf(stderr, "kafka_topic: could not create a client: %s\n", err);
        rd_kafka_conf_destroy(conf);
        return 1;
    }
    queue = rd_kafka_queue_new(rk);
    options = rd_kafka_AdminOptions_new(rk, create ? RD_KAFKA_ADMIN_OP_CREATETOPICS
                                                   : RD_KAFKA_ADMIN_OP_DELETETOPICS);
    if (rd_kafka_AdminOptions_set_operation_timeout(options, KAFKA_TOPIC_TIMEOUT_MS,
                                                    err, sizeof(err))
            != RD_KAFKA_RESP_ERR_NO_ERROR
        || rd_kafka_AdminOptions_set_request_timeout(options, KAFKA_TOPIC_TIMEOUT_MS,
                                                     err, sizeof(err))
            != RD_KAFKA_RESP_ERR_NO_ERROR) {
        fprintf(stderr, "kafka_topic: %s\n", err);
        goto out;
    }

    if (create) {
        new_topic = rd_kafka_NewTopic_new(argv[3], (int)partitions, 1, err, sizeof(err));
        if (new_topic == NULL) {
            fprintf(stderr, "kafka_topic: %s\n", err);
            goto out;
        }
        rd_kafka_CreateTopics(rk, &new_topic, 1, options, queue);
    } else {
        delete_topic = rd_kafka_DeleteTopic_new(argv[3]);
        rd_kafka_DeleteTopics(rk, &delete_topic, 1, options, queue);
    }

    event = wait_result(queue);
    if (event == NULL) {
        fprintf(stderr, "kafka_topic: no answer from %s within %d ms\n", argv[1],
                KAFKA_TOPIC_TIMEOUT_MS);
        goto out;
    }
    if (rd_kafka_event_error(event) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        fprintf(stderr, "kafka_topic: %s\n", rd_kafka_event_error_string(event));
        goto out;
    }
    if (create)
        results = rd_kafka_CreateTopics_result_topics(
            rd_kafka_event_CreateTopics_result(event), &count);
    else
        results = rd_kafka_DeleteTopics_result_topics(
            rd_kafka_event_DeleteTopics_result(event), &count);
    if (count != 1) {
        fprintf(stderr, "kafka_topic: %zu topic results instead of 1\n", count);
        goto out;
    }
    failed = check_topic_result(results[0], create) != 0;

out:
    if (event != NULL)
        rd_kafka_event_destroy(event);
    if (new_topic != NULL)
        rd_kafka_NewTopic_destroy(new_topic);
    if (delete_topic != NULL)
        rd_kafka_DeleteTopic_destroy(delete_topic);
    rd_kafka_AdminOptions_destroy(options);
    rd_kafka_queue_destroy(queue);
    rd_kafka_destroy(rk);
    return failed;
}
