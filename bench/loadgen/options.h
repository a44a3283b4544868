/* options.h - the load generator's command line, read from one table of
 * options (options.c) that also makes the usage text. */
#ifndef LOADGEN_OPTIONS_H
#define LOADGEN_OPTIONS_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#define OPTIONS_NAME "visits-loadgen"
#define OPTIONS_MAX_PATHS 1000000
#define OPTIONS_MAX_CONNS 100000
#define OPTIONS_RUN_ID_MAX 64

typedef struct options {
    struct sockaddr_in addr;  /* filled by the caller once host is resolved */
    char host[256];
    uint64_t port;
    double rate;              /* requests per second */
    double duration;          /* seconds; 0: until SIGINT or SIGTERM */
    uint64_t conns;
    uint64_t paths;
    uint64_t seed;
    int64_t marker_ns;        /* 0: no markers */
    int64_t timeout_ns;
    char run_id[OPTIONS_RUN_ID_MAX + 1];
    const char *markers_out, *counts_out, *series_out;
} options;

/* Reads the command line into o. Returns 0; 1 when --help was given (the
 * usage is printed to stdout); -1 on bad usage with a message in err that
 * names the option and what it takes. */
int options_parse(options *o, int argc, char **argv, char *err, size_t errlen);

#endif
