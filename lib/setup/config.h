/* config.h - configuration of every visits program: built-in defaults, then
 * an optional file, then environment variables, then command-line flags; each
 * value validated before the program starts. */
#ifndef VISITS_CONFIG_H
#define VISITS_CONFIG_H

#include <stddef.h>
#include <stdio.h>

#include "kafka.h"
#include "log.h"
#include "peers.h"
#include "sites.h"

/* Which program is loading; options apply to some programs only. */
enum config_program {
    CONFIG_RECORD = 1 << 0,
    CONFIG_REPORT = 1 << 1,
    CONFIG_CONSUMER = 1 << 2,
    CONFIG_MIGRATE = 1 << 3,
    CONFIG_DEVBROKER = 1 << 4,
    CONFIG_PRUNE = 1 << 5,
};

#define CONFIG_KAFKA_MAX 64


typedef struct config {
    char *brokers;          /* Kafka bootstrap servers */
    char *topic;
    char *database;         /* libpq connection string */
    char *socket;           /* FastCGI socket path; "" means fd 0 */
    long threads;
    long connections;       /* record: FastCGI connections at once */
    char *group;            /* Kafka consumer group */
    long flush_interval_ms;
    long flush_max_keys;
    long max_future_s;      /* consumer: the window of event times */
    long max_age_h;
    long max_paths;         /* consumer: distinct paths per minute */
    char *metrics_listen;   /* consumer: monitoring address, "" for none */
    char *sql_dir;
    long keep_minutes_days;  /* prune: retention */
    long keep_hours_days;
    long keep_rejected_days;
    char *bootstrap_file;
    long partitions;
    long broker_count;
    sites *sites;           /* the counted sites, the default first */
    peers *fastcgi_users;   /* workers: who may connect to the socket */
    char *log_level_name;
    enum log_level log_level;
    kafka_property kafka[CONFIG_KAFKA_MAX];  /* -X key=value */
    size_t nkafka;
} config;

/* Fills c for program from defaults, the file named by --config or
 * VISITS_CONFIG, the environment and argv, in that order of precedence.
 * Returns 0 when the program should run, 1 when --help or --version was
 * printed (exit 0), or -1 with a one-line message in err (exit 2). In every
 * case the caller must call config_free. */
int config_load(config *c, unsigned program, int argc, char **argv, char *err,
                size_t errlen);

/* config_load for main, with its conventions: returns -1 when the
 * program should run (c loaded, the log level set); otherwise frees c and
 * returns the exit status: 0 after --help or --version, 2 after printing
 * "program: message" on stderr. */
int config_main(config *c, unsigned program, int argc, char **argv);

/* Frees every string of c. Accepts NULL. */
void config_free(config *c);

/* Returns c's brokers and -X properties, for kafka_conf_new and
 * producer_create (they point into c). */
kafka_settings config_kafka(const config *c);

/* Prints the options of program with their flags, environment variables and
 * defaults. */
void config_usage(unsigned program, FILE *out);

#endif
