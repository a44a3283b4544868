/* config.c - defaults, file, environment and flags, validated. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>


enum config_type { CONFIG_STR, CONFIG_INT, CONFIG_LEVEL, CONFIG_SITES, CONFIG_PEERS };

typedef struct config_option {
    const char *key;        /* key in the config file */
    const char *flag;       /* long flag, without "--" */
    const char *env;        /* environment variable */
    unsigned programs;
    enum config_type type;
    size_t offset;          /* of the field in struct config */
    const char *def;
    long min, max;          /* CONFIG_INT range */
    const char *help;
} config_option;

#define ALL (CONFIG_RECORD | CONFIG_REPORT | CONFIG_CONSUMER | CONFIG_MIGRATE \
             | CONFIG_DEVBROKER | CONFIG_PRUNE)
#define KAFKA_CLIENTS (CONFIG_RECORD | CONFIG_CONSUMER)
#define DB_CLIENTS (CONFIG_REPORT | CONFIG_CONSUMER | CONFIG_MIGRATE | CONFIG_PRUNE)
#define SITE_USERS (CONFIG_RECORD | CONFIG_REPORT | CONFIG_CONSUMER | CONFIG_MIGRATE)
#define F(field) offsetof(config, field)

static const config_option config_options[] = {
    { "brokers", "brokers", "VISITS_BROKERS", KAFKA_CLIENTS, CONFIG_STR,
      F(brokers), "127.0.0.1:9092", 0, 0,
      "Kafka bootstrap servers, host:port[,host:port...]" },
    { "topic", "topic", "VISITS_TOPIC", KAFKA_CLIENTS | CONFIG_DEVBROKER,
      CONFIG_STR, F(topic), "visits", 0, 0, "Kafka topic of visit events" },
    { "database", "database", "VISITS_DATABASE", DB_CLIENTS, CONFIG_STR,
      F(database), "", 0, 0,
      "libpq connection string; empty uses the PG* variables and defaults" },
    { "record-socket", "socket", "VISITS_RECORD_SOCKET", CONFIG_RECORD,
      CONFIG_STR, F(socket), "", 0, 0,
      "FastCGI socket path to listen on; empty: the socket passed by socket "
      "activation (fd 3), else fd 0" },
    { "record-threads", "threads", "VISITS_RECORD_THREADS", CONFIG_RECORD,
      CONFIG_INT, F(threads), "0", 0, 256,
      "event loops, each a thread serving many connections; 0: one per 4 "
      "CPUs, at least one" },
    { "record-connections", "connections", "VISITS_RECORD_CONNECTIONS", CONFIG_RECORD,
      CONFIG_INT, F(connections), "2048", 1, 65536,
      "FastCGI connections served at once; past it new ones wait in the "
      "socket's backlog (at least nginx's kept upstream connections)" },
    { "report-socket", "socket", "VISITS_REPORT_SOCKET", CONFIG_REPORT,
      CONFIG_STR, F(socket), "", 0, 0,
      "FastCGI socket path to listen on; empty: the socket passed by socket "
      "activation (fd 3), else fd 0" },
    { "report-threads", "threads", "VISITS_REPORT_THREADS", CONFIG_REPORT,
      CONFIG_INT, F(threads), "32", 1, 1024,
      "request threads, each with its own PostgreSQL connection" },
    { "fastcgi-users", "fastcgi-users", "VISITS_FASTCGI_USERS",
      CONFIG_RECORD | CONFIG_REPORT, CONFIG_PEERS, F(fastcgi_users), "www-data",
      0, 0,
      "users whose processes may connect to the FastCGI socket besides the "
      "worker's own: nginx's, names or uids separated by commas; \"*\": any "
      "that file permissions let in (a TCP socket needs it)" },
    { "sites", "sites", "VISITS_SITES", SITE_USERS, CONFIG_SITES, F(sites),
      "localhost 127.0.0.1 [::1]", 0, 0,
      "the sites counted: host names separated by spaces, the site's name "
      "first, sites separated by commas; the first site is the default" },
    { "group", "group", "VISITS_GROUP", CONFIG_CONSUMER, CONFIG_STR, F(group),
      "visits-consumer", 0, 0, "Kafka consumer group" },
    { "flush-interval-ms", "flush-interval-ms", "VISITS_FLUSH_INTERVAL_MS",
      CONFIG_CONSUMER, CONFIG_INT, F(flush_interval_ms), "500", 10, 60000,
      "longest time between two flushes to PostgreSQL" },
    { "flush-max-keys", "flush-max-keys", "VISITS_FLUSH_MAX_KEYS",
      CONFIG_CONSUMER, CONFIG_INT, F(flush_max_keys), "50000", 1, 10000000,
      "flush early once this many (minute, path) keys are pending" },
    { "max-future-s", "max-future-s", "VISITS_MAX_FUTURE_S", CONFIG_CONSUMER,
      CONFIG_INT, F(max_future_s), "300", 0, 86400,
      "reject events stamped more than this ahead of the consumer's clock" },
    { "max-age-h", "max-age-h", "VISITS_MAX_AGE_H", CONFIG_CONSUMER,
      CONFIG_INT, F(max_age_h), "168", 1, 87600,
      "reject events older than this many hours (Kafka's retention, say)" },
    { "max-paths-per-minute", "max-paths-per-minute",
      "VISITS_MAX_PATHS_PER_MINUTE", CONFIG_CONSUMER, CONFIG_INT, F(max_paths),
      "1000", 1, 1000000,
      "distinct paths stored per minute; visits to later new paths are "
      "counted under (other)" },
    { "metrics-listen", "metrics-listen", "VISITS_METRICS_LISTEN",
      CONFIG_CONSUMER, CONFIG_STR, F(metrics_listen), "127.0.0.1:9188", 0, 0,
      "host:port for /metrics, /healthz and /readyz (port 0: any free "
      "port; empty: none)" },
    { "sql-dir", "sql-dir", "VISITS_SQL_DIR", CONFIG_MIGRATE,
      CONFIG_STR, F(sql_dir), PKGDATADIR "/sql", 0, 0,
      "directory of the schema migrations (NNN_name.sql)" },
    { "keep-minutes-days", "keep-minutes-days", "VISITS_KEEP_MINUTES_DAYS",
      CONFIG_PRUNE, CONFIG_INT, F(keep_minutes_days), "7", 1, 36500,
      "keep per-minute counts this many days (hourly ones stay exact)" },
    { "keep-hours-days", "keep-hours-days", "VISITS_KEEP_HOURS_DAYS",
      CONFIG_PRUNE, CONFIG_INT, F(keep_hours_days), "366", 1, 36500,
      "keep per-hour counts this many days" },
    { "keep-rejected-days", "keep-rejected-days", "VISITS_KEEP_REJECTED_DAYS",
      CONFIG_PRUNE, CONFIG_INT, F(keep_rejected_days), "30", 1, 36500,
      "keep rejected messages this many days" },
    { "bootstrap-file", "bootstrap-file", "VISITS_BOOTSTRAP_FILE",
      CONFIG_DEVBROKER, CONFIG_STR, F(bootstrap_file), "", 0, 0,
      "file to write the bootstrap servers to once the broker is up" },
    { "partitions", "partitions", "VISITS_PARTITIONS", CONFIG_DEVBROKER,
      CONFIG_INT, F(partitions), "16", 1, 1024, "partitions of the topic" },
    { "broker-count", "broker-count", "VISITS_BROKER_COUNT", CONFIG_DEVBROKER,
      CONFIG_INT, F(broker_count), "1", 1, 16, "mock brokers in the cluster" },
    { "log-level", "log-level", "VISITS_LOG_LEVEL", ALL, CONFIG_LEVEL,
      F(log_level_name), "info", 0, 0, "error, warn, info or debug" },
};

#define CONFIG_NOPTIONS (sizeof(config_options) / sizeof(config_options[0]))

/* Writes into err that o's value from where from names was refused, and
 * why. Returns -1. */
static int
config_refused(const config_option *o, const char *from, const char *why, char *err,
               size_t errlen)
{
    snprintf(err, errlen, "%s (%s): %s", o->key, from, why);
    return -1;
}

/* Stores text as the value of o in c; from names where it came from, for
 * the message. Returns 0, or -1 with a message. */
static int
config_set(config *c, const config_option *o, const char *text, const char *from,
           char *err, size_t errlen)
{
    char *p = (char *)c + o->offset, *end, *copy;
    enum log_level level;
    char why[256];
    sites *parsed;
    peers *users;
    long v;

    switch (o->type) {
    case CONFIG_INT:
        errno = 0;
        v = strtol(text, &end, 10);
        if (errno || end == text || *end != '\0' || v < o->min || v > o->max) {
            snprintf(err, errlen, "%s (%s) must be an integer from %ld to %ld, not \"%.40s\"",
                     o->key, from, o->min, o->max, text);
            return -1;
        }
        *(long *)p = v;
        return 0;
    case CONFIG_SITES:
        if ((parsed = sites_parse(text, why, sizeof(why))) == NULL)
            return config_refused(o, from, why, err, errlen);
        sites_free(*(sites **)p);
        *(sites **)p = parsed;
        return 0;
    case CONFIG_PEERS:
        if ((users = peers_parse(text, why, sizeof(why))) == NULL)
            return config_refused(o, from, why, err, errlen);
        peers_free(*(peers **)p);
        *(peers **)p = users;
        return 0;
    case CONFIG_LEVEL:
        if (log_level_parse(text, &level) < 0)
            return config_refused(o, from, "must be error, warn, info or debug", err,
                                  errlen);
        c->log_level = level;
        /* keep the name too */
        __attribute__((fallthrough));
    case CONFIG_STR:
        copy = strdup(text);
        if (copy == NULL) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        free(*(char **)p);
        *(char **)p = copy;
        return 0;
    }
    return -1;
}

/* Adds a pass-through Kafka property "key=value". Returns 0 or -1. */
static int
config_add_kafka(config *c, const char *kv, const char *from, char *err,
                 size_t errlen)
{
    const char *eq = strchr(kv, '=');

    if (eq == NULL || eq == kv) {
        snprintf(err, errlen, "kafka property (%s) must be key=value, not \"%.40s\"",
                 from, kv);
        return -1;
    }
    if (c->nkafka == CONFIG_KAFKA_MAX) {
        snprintf(err, errlen, "more than %d kafka properties", CONFIG_KAFKA_MAX);
        return -1;
    }
    c->kafka[c->nkafka].key = strndup(kv, (size_t)(eq - kv));
    c->kafka[c->nkafka].value = strdup(eq + 1);
    if (!c->kafka[c->nkafka].key || !c->kafka[c->nkafka].value) {
        free(c->kafka[c->nkafka].key);
        free(c->kafka[c->nkafka].value);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    c->nkafka++;
    return 0;
}

/* Returns the option with this file key, or NULL. */
static const config_option *
config_by_key(const char *key)
{
    for (size_t i = 0; i < CONFIG_NOPTIONS; i++) {
        if (strcmp(config_options[i].key, key) == 0)
            return &config_options[i];
    }
    return NULL;
}

/* Returns the option of program with this flag; sets *other when the flag
 * exists for another program only. */
static const config_option *
config_by_flag(const char *flag, size_t len, unsigned program, int *other)
{
    *other = 0;
    for (size_t i = 0; i < CONFIG_NOPTIONS; i++) {
        const config_option *o = &config_options[i];
        if (strlen(o->flag) != len || strncmp(o->flag, flag, len) != 0)
            continue;
        if (o->programs & program)
            return o;
        *other = 1;
    }
    return NULL;
}

static char *
config_trim(char *s)
{
    char *e;

    while (*s == ' ' || *s == '\t')
        s++;
    e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n'
                     || e[-1] == '\r'))
        *--e = '\0';
    return s;
}

/* Reads "key = value" lines; '#' starts a comment line. Every key must be
 * known; keys of other programs are accepted and ignored, so one file can
 * serve all programs. "kafka.<property> = value" passes a librdkafka
 * property. Returns 0 or -1 with a message. */
static int
config_read_file(config *c, unsigned program, const char *path, char *err,
                 size_t errlen)
{
    char line[2048], from[64], *key, *value, *eq;
    const config_option *o;
    int lineno = 0, rc = -1;
    FILE *f = fopen(path, "r");

    if (f == NULL) {
        snprintf(err, errlen, "could not open config file \"%s\": %s", path,
                 strerror(errno));
        return -1;
    }
    while (fgets(line, sizeof(line), f)) {
        lineno++;
        snprintf(from, sizeof(from), "line %d of the config file", lineno);
        if (strchr(line, '\n') == NULL && !feof(f)) {
            snprintf(err, errlen, "%s: %s is too long", path, from);
            goto done;
        }
        key = config_trim(line);
        if (*key == '\0' || *key == '#')
            continue;
        eq = strchr(key, '=');
        if (eq == NULL) {
            snprintf(err, errlen, "%s:%d: expected key = value", path, lineno);
            goto done;
        }
        *eq = '\0';
        key = config_trim(key);
        value = config_trim(eq + 1);
        if (strncmp(key, "kafka.", 6) == 0) {
            if (!(program & KAFKA_CLIENTS))
                continue;
            char kv[2048];
            snprintf(kv, sizeof(kv), "%s=%s", key + 6, value);
            if (config_add_kafka(c, kv, from, err, errlen) < 0)
                goto done;
            continue;
        }
        o = config_by_key(key);
        if (o == NULL) {
            snprintf(err, errlen, "%s:%d: unknown key \"%.40s\"", path, lineno, key);
            goto done;
        }
        if ((o->programs & program)
            && config_set(c, o, value, from, err, errlen) < 0)
            goto done;
    }
    if (ferror(f)) {
        snprintf(err, errlen, "could not read config file \"%s\"", path);
        goto done;
    }
    rc = 0;
done:
    fclose(f);
    return rc;
}

void
config_usage(unsigned program, FILE *out)
{
    fprintf(out, "Usage: %s [OPTION]...\n\nOptions (flag, environment variable, "
            "default; the config file uses the key in brackets):\n",
            program_invocation_short_name);
    for (size_t i = 0; i < CONFIG_NOPTIONS; i++) {
        const config_option *o = &config_options[i];
        if (!(o->programs & program))
            continue;
        fprintf(out, "  --%s=VALUE  [%s]\n      %s\n      env %s, default \"%s\"\n",
                o->flag, o->key, o->help, o->env, o->def);
    }
    if (program & KAFKA_CLIENTS)
        fprintf(out, "  -X KEY=VALUE  [kafka.KEY]\n      any librdkafka property, "
                "applied after the built-in ones\n");
    fprintf(out, "  --config=FILE\n      read options from FILE first "
            "(env VISITS_CONFIG)\n  --help, --version\n");
}

int
config_load(config *c, unsigned program, int argc, char **argv, char *err,
            size_t errlen)
{
    const char *file = getenv("VISITS_CONFIG"), *name, *value, *eq;
    const config_option *o;
    char from[96];
    int i, other;
    size_t len;

    memset(c, 0, sizeof(*c));
    for (size_t k = 0; k < CONFIG_NOPTIONS; k++) {
        o = &config_options[k];
        if ((o->programs & program)
            && config_set(c, o, o->def, "default", err, errlen) < 0)
            return -1;
    }

    /* The file comes first, whichever position --config has. */
    for (i = 1; i < argc; i++) {
        if (strncmp(argv[i], "--config=", 9) == 0)
            file = argv[i] + 9;
        else if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
            file = argv[++i];
    }
    if (file && *file && config_read_file(c, program, file, err, errlen) < 0)
        return -1;

    for (size_t k = 0; k < CONFIG_NOPTIONS; k++) {
        o = &config_options[k];
        value = getenv(o->env);
        if ((o->programs & program) && value
            && config_set(c, o, value, o->env, err, errlen) < 0)
            return -1;
    }

    for (i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            config_usage(program, stdout);
            return 1;
        }
        if (strcmp(arg, "--version") == 0) {
            printf("%s %s\n", program_invocation_short_name, PACKAGE_VERSION);
            return 1;
        }
        if (strncmp(arg, "-X", 2) == 0 && (program & KAFKA_CLIENTS)) {
            value = arg[2] ? arg + 2 : (i + 1 < argc ? argv[++i] : NULL);
            if (value == NULL) {
                snprintf(err, errlen, "-X needs KEY=VALUE");
                return -1;
            }
            if (config_add_kafka(c, value, "-X", err, errlen) < 0)
                return -1;
            continue;
        }
        if (strncmp(arg, "--", 2) != 0) {
            snprintf(err, errlen, "unexpected argument \"%.40s\" (see --help)", arg);
            return -1;
        }
        name = arg + 2;
        eq = strchr(name, '=');
        len = eq ? (size_t)(eq - name) : strlen(name);
        if (len == 6 && strncmp(name, "config", 6) == 0) {
            if (!eq && ++i >= argc) {
                snprintf(err, errlen, "option --config needs a value");
                return -1;
            }
            continue;
        }
        o = config_by_flag(name, len, program, &other);
        if (o == NULL) {
            snprintf(err, errlen, other ? "option --%.*s does not apply to %s"
                                        : "unknown option --%.*s%s (see --help)",
                     (int)(len > 40 ? 40 : len), name,
                     other ? program_invocation_short_name : "");
            return -1;
        }
        value = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
        if (value == NULL) {
            snprintf(err, errlen, "option --%s needs a value", o->flag);
            return -1;
        }
        snprintf(from, sizeof(from), "--%s", o->flag);
        if (config_set(c, o, value, from, err, errlen) < 0)
            return -1;
    }
    return 0;
}

void
config_free(config *c)
{
    if (c == NULL)
        return;
    for (size_t k = 0; k < CONFIG_NOPTIONS; k++) {
        const config_option *o = &config_options[k];
        if (o->type == CONFIG_SITES) {
            sites **p = (sites **)((char *)c + o->offset);
            sites_free(*p);
            *p = NULL;
        } else if (o->type == CONFIG_PEERS) {
            peers **p = (peers **)((char *)c + o->offset);
            peers_free(*p);
            *p = NULL;
        } else if (o->type != CONFIG_INT) {
            char **p = (char **)((char *)c + o->offset);
            free(*p);
            *p = NULL;
        }
    }
    for (size_t k = 0; k < c->nkafka; k++) {
        free(c->kafka[k].key);
        free(c->kafka[k].value);
    }
    c->nkafka = 0;
}

int
config_main(config *c, unsigned program, int argc, char **argv)
{
    char err[512];
    int rc = config_load(c, program, argc, argv, err, sizeof(err));

    if (rc == 0) {
        log_set_level(c->log_level);
        return -1;
    }
    if (rc < 0)
        fprintf(stderr, "%s: %s\n", program_invocation_short_name, err);
    config_free(c);
    return rc < 0 ? 2 : 0;
}

kafka_settings
config_kafka(const config *c)
{
    kafka_settings ks = { c->brokers, c->kafka, c->nkafka };

    return ks;
}
