/* report.h - what the report page shows, read from PostgreSQL in one
 * statement (one snapshot). */
#ifndef VISITS_REPORT_H
#define VISITS_REPORT_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

#include "params.h"
#include "span_cache.h"

/* The "now" rate: visits in the RATE_SECONDS seconds that end
 * REPORT_RATE_LAG_S seconds ago, so the consumer has flushed them. */
#define REPORT_RATE_SECONDS 10
#define REPORT_RATE_LAG_S 2

/* Where the window of a report lies, in seconds since the epoch. */
typedef struct report_window {
    int64_t current;        /* start of the current minute */
    int64_t bucket;         /* bucket length: p.bucket_minutes minutes */
    int64_t first;          /* start of the first bucket */
    int64_t end;            /* end of the last bucket, the one holding now */
    int64_t previous;       /* start of the window before, as long */
    int64_t five;           /* the first five-minute boundary at or after first */
    int64_t ten;            /* the first ten-minute boundary at or after first */
    int64_t hour;           /* the first whole hour at or after first */
    int nbuckets;           /* p.minutes / p.bucket_minutes */
} report_window;

/* Returns the span of the window of p at now_ms (a day or more after the
 * epoch, so that no time in it is negative): buckets aligned in
 * UTC on multiples of their length, the last one holding now. Longer
 * windows have coarser buckets (params_parse): 24h is 96 of 15 minutes. */
report_window report_window_for(const report_params *p, int64_t now_ms);

/* A span of the rows a window's top paths add up: a minute, five or ten
 * minutes, or an hour, [start, start + seconds). */
typedef struct report_span {
    int64_t start;
    int seconds;
} report_span;

/* Spans of a window: at most 4 minutes, a five, 5 tens and 24 hours (34). */
#define REPORT_SPANS_MAX 36

/* Fills spans (room for REPORT_SPANS_MAX) with the spans whose rows make
 * the top paths of the window w, none overlapping another: its minutes
 * before the first five-minute boundary, whole five minutes before the
 * first ten-minute one, whole ten minutes before the first hour, then
 * whole hours, each starting before w's end. The last ones may reach past
 * the current minute (they hold nothing later than it). Returns how many. */
int report_spans_of(const report_window *w, report_span *spans);

typedef struct report_bucket {
    int64_t start;          /* seconds since the epoch (UTC) */
    int64_t visits;
    char local[17];         /* "YYYY-MM-DD HH:MM" in the report's time zone */
} report_bucket;

typedef struct report_path {
    char *path;
    int64_t visits;
} report_path;

typedef struct report {
    report_params p;        /* what was asked */
    int64_t generated_ms;   /* the "now" of the report */
    int bucket_seconds;
    int nbuckets;           /* the last one holds now and is still growing */
    report_bucket *buckets; /* oldest first */
    int64_t total;          /* window total, of p.path or of all paths */
    int64_t previous_total; /* the window before, same length */
    int64_t current_minute; /* visits so far in the current minute */
    int64_t site_total;     /* window total of all paths */
    int64_t rate_visits;    /* site-wide, in [rate_from, rate_to) */
    int64_t rate_from, rate_to;
    report_path *paths;     /* most visited first, at most p.top; with
                             * p.path, that path alone (when visited) */
    size_t npaths;
    int spans_read;         /* spans whose rows the query sent */
    int spans_held;         /* spans whose rows came from the cache */
} report;

/* Prepares a new connection for report_query: no parallel workers. With
 * them PostgreSQL sorts the window's paths in three processes to group
 * them, where one hash table is twice as fast: 24 hours of distinct paths
 * at the cap took 110 ms, 46 ms without (make bench-report). Returns 0,
 * or -1 with a message. */
int report_session_init(PGconn *conn, char *err, size_t errlen);

/* Reads the report for p at now_ms into r. The window is p.minutes long,
 * cut into p.bucket_minutes buckets aligned in UTC, the last holding now.
 * The top paths add up the rows of the window's spans (report_spans_of):
 * of the closed ones (ended before the current minute) those in cache
 * whose total has not changed, the others read now, and kept in cache
 * when closed. cache may be NULL: every span is read. Returns 0, or -1
 * with a message (r is then empty but must be freed). */
int report_query(PGconn *conn, const report_params *p, int64_t now_ms, span_cache *cache,
                 report *r, char *err, size_t errlen);

/* Returns a hash of every number and string of r except generated_ms and
 * the rate's window (rate_from, rate_to: they move every second; the rate
 * itself, rate_visits over a fixed length, is in), for a weak ETag: two
 * reports with the same hash show the same data. */
uint64_t report_etag(const report *r);

/* Frees what report_query allocated in r. Accepts NULL. */
void report_free(report *r);

#endif
