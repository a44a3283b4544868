/* span_cache.h - the rows of closed spans (a minute, five or ten minutes,
 * an hour of one site's paths), kept by the report worker between
 * requests so that a report reads from PostgreSQL only the spans that
 * changed.
 *
 * A span's rows change only when the consumer adds visits to them, and it
 * adds the same visits to visit_totals in the same transaction; visits are
 * never taken away (the retention job removes days older than any
 * report's window). So a span's total in visit_totals is a version: rows
 * read with total T are still the span's rows in any snapshot where the
 * total is T. A report reads the totals of its spans, and the rows of
 * those whose total differs from the cached one, in one statement
 * (lib/report/report.c). */
#ifndef VISITS_SPAN_CACHE_H
#define VISITS_SPAN_CACHE_H

#include <stddef.h>
#include <stdint.h>

/* One path's visits in a span. */
typedef struct span_row {
    size_t path;            /* offset of the NUL-terminated path in text */
    int64_t visits;
} span_row;

/* A span's rows: built by one thread, then read-only and shared by
 * reference (span_rows_retain / span_rows_release). */
typedef struct span_rows span_rows;

/* Returns an empty span of site starting at start (seconds since the
 * epoch) for seconds, read with the given total, holding one reference;
 * or NULL when out of memory. */
span_rows *span_rows_create(const char *site, int64_t start, int seconds, int64_t total);

/* Adds one row (path copied). Returns 0, or -1 when out of memory (r then
 * holds the rows before). Only while r is not shared. */
int span_rows_add(span_rows *r, const char *path, int64_t visits);

/* Adds a reference to r and returns it. Accepts NULL. */
span_rows *span_rows_retain(span_rows *r);

/* Drops a reference; the last one frees r. Accepts NULL. */
void span_rows_release(span_rows *r);

/* Accessors. */
int64_t span_rows_start(const span_rows *r);
int span_rows_seconds(const span_rows *r);
int64_t span_rows_total(const span_rows *r);
size_t span_rows_count(const span_rows *r);
/* Row i (< span_rows_count) and its path. */
const char *span_rows_path(const span_rows *r, size_t i);
int64_t span_rows_visits(const span_rows *r, size_t i);

typedef struct span_cache span_cache;

/* Returns an empty cache that holds at most max_bytes of rows, and drops
 * spans no report has used for idle_seconds (a minute's rows are used
 * only while the minute is at a window's leading edge, a few minutes);
 * NULL when out of memory. Safe to use from several threads at once. */
span_cache *span_cache_create(size_t max_bytes, int64_t idle_seconds);

/* Frees c and drops its references (spans still held by callers live on
 * until they release them). Accepts NULL. */
void span_cache_free(span_cache *c);

/* Returns the cached span (site, start, seconds) with a reference the
 * caller releases, or NULL when it is not cached; marks it used at now
 * (seconds since the epoch: the report's time). Accepts a NULL c. */
span_rows *span_cache_get(span_cache *c, const char *site, int64_t start, int seconds,
                          int64_t now);

/* Keeps r (with a reference of the cache's own), used at now, in place of
 * any span of the same site, start and seconds; then drops the spans not
 * used since now - idle_seconds and, past max_bytes, the least recently
 * used ones. A span larger than max_bytes alone is not kept. r must not
 * be in c already (put each span built once), and is read-only from now
 * on. Accepts a NULL c (and does nothing). */
void span_cache_put(span_cache *c, span_rows *r, int64_t now);

/* What c holds now, for metrics and tests: sets *spans and *bytes (0 for
 * a NULL c). */
void span_cache_size(span_cache *c, size_t *spans, size_t *bytes);

#endif
