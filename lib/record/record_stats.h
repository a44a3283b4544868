/* record_stats.h - a FastCGI worker's request statistics: answers counted by
 * HTTP status, updated by request threads without locks, rendered as
 * Prometheus text for the worker's /metrics. */
#ifndef VISITS_RECORD_STATS_H
#define VISITS_RECORD_STATS_H

#include <stdatomic.h>
#include <stdint.h>

#include "buf.h"

/* The statuses counted one by one; any other counts as "other". (429 is
 * nginx's own, from limit_req: the workers never send it.) */
#define RECORD_STATS_STATUSES                                                  \
    {                                                                          \
        200, 202, 204, 302, 304, 400, 403, 404, 405, 413, 415, 500, 503        \
    }
#define RECORD_STATS_NSTATUS 14   /* the thirteen above and "other" */

typedef struct record_stats {
    _Atomic uint64_t answers[RECORD_STATS_NSTATUS];
} record_stats;

/* Counts one answer of status. Thread-safe. */
void record_stats_count(record_stats *w, int status);

/* Appends the counter family name (e.g. "visits_record_requests_total")
 * with one sample per status, every status listed even at 0. */
void record_stats_render(record_stats *w, const char *name, const char *help,
                         buf *out);

#endif
