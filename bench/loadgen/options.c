/* options.c - the load generator's options: one table says each one's
 * name, what it takes, where it goes and its line of the usage. */
#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define OPTIONS_MS 1000000LL

/* What an option takes. */
typedef enum option_kind {
    OPTION_URL,         /* http://HOST[:PORT][/] into host and port */
    OPTION_NUMBER,      /* a double in (0, max] */
    OPTION_INTEGER,     /* a uint64_t in [min, max] */
    OPTION_MS,          /* milliseconds in [min, max], kept as ns (int64_t) */
    OPTION_RUN_ID,      /* 1..OPTIONS_RUN_ID_MAX of [A-Za-z0-9._-] */
    OPTION_FILE,        /* a path to write (const char *) */
    OPTION_HELP,
} option_kind;

typedef struct option_spec {
    const char *name;
    option_kind kind;
    size_t offset;      /* of its field in options */
    uint64_t min, max;  /* OPTION_NUMBER uses max only */
    int required;
    const char *value;  /* its value in the usage ("R"), NULL for none */
    const char *help;   /* the usage's text; "\n" starts a new line */
} option_spec;

#define AT(field) offsetof(options, field)
static const option_spec options_table[] = {
    { "url", OPTION_URL, AT(host), 0, 0, 1, "http://HOST:PORT",
      "the server (IPv4, no TLS)" },
    { "rate", OPTION_NUMBER, AT(rate), 0, 10000000, 1, "R", "requests per second, > 0" },
    { "duration", OPTION_NUMBER, AT(duration), 0, 10000000, 0, "S",
      "seconds (fractions allowed); default: until\nSIGINT or SIGTERM" },
    { "connections", OPTION_INTEGER, AT(conns), 1, OPTIONS_MAX_CONNS, 0, "C",
      "kept-alive connections (default 64)" },
    { "paths", OPTION_INTEGER, AT(paths), 1, OPTIONS_MAX_PATHS, 0, "N",
      "pages /bench/p/0 .. /bench/p/N-1, Zipf(1)\n(default 50)" },
    { "seed", OPTION_INTEGER, AT(seed), 0, UINT64_MAX, 0, "N",
      "seed of the page choice (default 1)" },
    { "marker-every", OPTION_MS, AT(marker_ns), 0, 86400000, 0, "MS",
      "every MS ms send /bench/marker/RUNID-SEQ\ninstead of a page (default 0: none)" },
    { "run-id", OPTION_RUN_ID, AT(run_id), 0, 0, 0, "ID", "RUNID of the markers (default the pid)" },
    { "markers-out", OPTION_FILE, AT(markers_out), 0, 0, 0, "FILE",
      "PATH<tab>UNIX_MS per marker answered 200" },
    { "counts-out", OPTION_FILE, AT(counts_out), 0, 0, 0, "FILE",
      "PATH<tab>COUNT per path answered 200" },
    { "series-out", OPTION_FILE, AT(series_out), 0, 0, 0, "FILE",
      "SECOND<tab>SENT<tab>OK<tab>ERRORS<tab>P50_MS<tab>P99_MS" },
    { "timeout", OPTION_MS, AT(timeout_ns), 1, 3600000, 0, "MS",
      "connect and answer timeout (default 10000)" },
    { "help", OPTION_HELP, 0, 0, 0, 0, NULL, "this text" },
};
#undef AT
#define OPTIONS_COUNT (sizeof(options_table) / sizeof(options_table[0]))

/* Parses s as a decimal integer in [min, max]. Returns 0 or -1. */
static int
options_integer(const char *s, uint64_t min, uint64_t max, uint64_t *v)
{
    char *end;
    unsigned long long x;

    if (*s < '0' || *s > '9')
        return -1;
    errno = 0;
    x = strtoull(s, &end, 10);
    if (errno || *end || x < min || x > max)
        return -1;
    *v = x;
    return 0;
}

/* Parses s as a finite number in (0, max]. Returns 0 or -1. */
static int
options_number(const char *s, double max, double *v)
{
    char *end;
    double x;

    if ((*s < '0' || *s > '9') && *s != '.')
        return -1;
    errno = 0;
    x = strtod(s, &end);
    if (errno || *end || !(x > 0 && x <= max))
        return -1;
    *v = x;
    return 0;
}

/* Parses "http://HOST[:PORT][/]" into o->host and o->port. Returns 0 or -1. */
static int
options_url(options *o, const char *url)
{
    const char *h, *e;
    uint64_t port = 80;
    char digits[8];
    size_t n;

    if (strncasecmp(url, "http://", 7) != 0)
        return -1;
    h = url + 7;
    e = h + strcspn(h, ":/");
    if (e == h || (size_t)(e - h) >= sizeof(o->host))
        return -1;
    memcpy(o->host, h, (size_t)(e - h));
    o->host[e - h] = '\0';
    if (*e == ':') {
        n = strcspn(e + 1, "/");
        if (n == 0 || n >= sizeof(digits))
            return -1;
        memcpy(digits, e + 1, n);
        digits[n] = '\0';
        if (options_integer(digits, 1, 65535, &port) < 0)
            return -1;
        e += 1 + n;
    }
    if (*e == '/')
        e++;
    if (*e != '\0')
        return -1;
    o->port = port;
    return 0;
}

/* Stores value as option s wants it in o. Returns 0 or -1. */
static int
options_set(options *o, const option_spec *s, const char *value)
{
    char *field = (char *)o + s->offset;
    uint64_t v;

    switch (s->kind) {
    case OPTION_URL:
        return options_url(o, value);
    case OPTION_NUMBER:
        return options_number(value, (double)s->max, (double *)field);
    case OPTION_INTEGER:
        return options_integer(value, s->min, s->max, (uint64_t *)field);
    case OPTION_MS:
        if (options_integer(value, s->min, s->max, &v) < 0)
            return -1;
        *(int64_t *)field = (int64_t)v * OPTIONS_MS;
        return 0;
    case OPTION_RUN_ID:
        if (*value == '\0' || strlen(value) > OPTIONS_RUN_ID_MAX
            || value[strspn(value, "abcdefghijklmnopqrstuvwxyz"
                                   "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")] != '\0')
            return -1;
        strcpy(field, value);
        return 0;
    case OPTION_FILE:
        *(const char **)field = value;
        return 0;
    case OPTION_HELP:
        break;
    }
    return -1;
}

/* Writes what option s takes, for its error message, into out. */
static void
options_takes(const option_spec *s, char *out, size_t outlen)
{
    switch (s->kind) {
    case OPTION_URL:
        snprintf(out, outlen, "http://HOST:PORT");
        break;
    case OPTION_NUMBER:
        snprintf(out, outlen, "a number > 0 and <= %llu", (unsigned long long)s->max);
        break;
    case OPTION_INTEGER:
        if (s->max == UINT64_MAX)
            snprintf(out, outlen, "an unsigned integer");
        else
            snprintf(out, outlen, "%llu..%llu", (unsigned long long)s->min,
                     (unsigned long long)s->max);
        break;
    case OPTION_MS:
        snprintf(out, outlen, "%llu..%llu ms", (unsigned long long)s->min,
                 (unsigned long long)s->max);
        break;
    case OPTION_RUN_ID:
        snprintf(out, outlen, "1..%d of [A-Za-z0-9._-]", OPTIONS_RUN_ID_MAX);
        break;
    default:
        snprintf(out, outlen, "a value");
        break;
    }
}

/* Prints the usage to stdout. */
static void
options_help(void)
{
    printf("usage: " OPTIONS_NAME " --url http://HOST:PORT --rate R [options]\n"
           "Sends R requests per second, open loop (request k is due at k/R s),\n"
           "over kept-alive connections; prints one line of results to stdout.\n");
    for (size_t i = 0; i < OPTIONS_COUNT; i++) {
        const option_spec *s = &options_table[i];
        char head[64];
        const char *h = s->help;

        snprintf(head, sizeof(head), "--%s%s%s", s->name, s->value ? " " : "",
                 s->value ? s->value : "");
        printf("  %-23s", head);
        for (;;) {
            size_t n = strcspn(h, "\n");

            printf(" %.*s\n", (int)n, h);
            if (h[n] == '\0')
                break;
            h += n + 1;
            printf("  %-23s", "");
        }
    }
    printf("Latency runs from the due time to the last byte of the answer. A\n"
           "request whose connection fails is counted in errors, never resent.\n"
           "late: requests that waited for an idle connection; max_late_ms: the\n"
           "longest any request waited past its due time. Exit 0 when it ran,\n"
           "2 on bad usage, 1 when it could not start.\n");
}

int
options_parse(options *o, int argc, char **argv, char *err, size_t errlen)
{
    struct option longopts[OPTIONS_COUNT + 1];
    int given[OPTIONS_COUNT] = { 0 };
    char takes[64];
    int opt;

    memset(o, 0, sizeof(*o));
    o->conns = 64;
    o->paths = 50;
    o->seed = 1;
    o->timeout_ns = 10000 * OPTIONS_MS;
    snprintf(o->run_id, sizeof(o->run_id), "%ld", (long)getpid());
    for (size_t i = 0; i < OPTIONS_COUNT; i++)
        longopts[i] = (struct option){ options_table[i].name,
                                       options_table[i].value ? required_argument
                                                              : no_argument,
                                       NULL, (int)i };
    memset(&longopts[OPTIONS_COUNT], 0, sizeof(longopts[0]));
    opterr = 0;
    optind = 1;
    while ((opt = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        const option_spec *s;

        if (opt == 'h') {
            options_help();
            return 1;
        }
        if (opt == ':') {
            snprintf(err, errlen, "option %s needs a value", argv[optind - 1]);
            return -1;
        }
        if (opt < 0 || (size_t)opt >= OPTIONS_COUNT) {
            snprintf(err, errlen, "unknown option %s", argv[optind - 1]);
            return -1;
        }
        s = &options_table[opt];
        if (s->kind == OPTION_HELP) {
            options_help();
            return 1;
        }
        if (options_set(o, s, optarg) < 0) {
            options_takes(s, takes, sizeof(takes));
            snprintf(err, errlen, "--%s must be %s, not \"%s\"", s->name, takes, optarg);
            return -1;
        }
        given[opt] = 1;
    }
    if (optind < argc) {
        snprintf(err, errlen, "unexpected argument \"%s\"", argv[optind]);
        return -1;
    }
    for (size_t i = 0; i < OPTIONS_COUNT; i++)
        if (options_table[i].required && !given[i]) {
            snprintf(err, errlen, "--%s is required", options_table[i].name);
            return -1;
        }
    return 0;
}
