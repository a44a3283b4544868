/* wstats.h - a FastCGI worker's request statistics: answers counted by
 * HTTP status, updated by request threads without locks, rendered as
 * Prometheus text for the worker's /metrics. */
#ifndef VISITS_WSTATS_H
#define VISITS_WSTATS_H

#include <stdatomic.h>
#include <stdint.h>

#include "buf.h"

/* The statuses counted one by one; any other counts as "other". (429 is
 * nginx's own, from limit_req: the workers never send it.) */
#define WSTATS_STATUSES { 200, 202, 204, 302, 304, 400, 403, 404, 405, 413, 415, 500, 503 }
#define WSTATS_NSTATUS 14   /* the thirteen above and "other" */

typedef struct wstats {
    _Atomic uint64_t answers[WSTATS_NSTATUS];
} wstats;

/* Counts one answer of status. Thread-safe. */
void wstats_count(wstats *w, int status);

/* Appends the counter family name (e.g. "visits_record_requests_total")
 * with one sample per status, every status listed even at 0. */
void wstats_render(wstats *w, const char *name, const char *help, buf *out);

#endif
