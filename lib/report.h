/* report.h - what the report page shows, read from visit_minutes in one
 * statement (one snapshot). */
#ifndef VISITS_REPORT_H
#define VISITS_REPORT_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

#include "params.h"

typedef struct report_path {
    char *path;
    int64_t visits;
} report_path;

typedef struct report {
    const char *window;     /* "60m" */
    int nminutes;           /* window length; the last minute is the current */
    int64_t first_minute;   /* start of the oldest minute, epoch seconds */
    int64_t generated_ms;   /* the "now" the window ends at */
    int64_t total;          /* visits in the window */
    int64_t *minutes;       /* nminutes counts, oldest first */
    report_path *paths;     /* most visited first, at most top */
    size_t npaths;
} report;

/* Reads the window of p ending in the minute of now_ms into r. Returns 0,
 * or -1 with a message (r is then empty, but must still be freed). */
int report_query(PGconn *conn, const report_params *p, int64_t now_ms, report *r,
                 char *err, size_t errlen);

/* Frees what report_query allocated in r. Accepts NULL. */
void report_free(report *r);

#endif
