/* metrics.h - the Prometheus text exposition format (version 0.0.4):
 * metric families of counters, gauges and histograms written into a buf,
 * and a histogram that request threads update without locks. */
#ifndef VISITS_METRICS_H
#define VISITS_METRICS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define METRICS_HIST_MAX 16     /* upper bounds per histogram, +Inf apart */

/* The Content-Type of a /metrics answer. */
#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* Observations counted per bucket: counts[i] holds values <= bounds[i] and
 * > bounds[i - 1]; counts[nbounds] the rest. Zero-initialize, then call
 * metrics_hist_init once before threads use it. */
typedef struct metrics_hist {
    double bounds[METRICS_HIST_MAX];
    size_t nbounds;
    _Atomic uint64_t counts[METRICS_HIST_MAX + 1];
    _Atomic uint64_t sum_ns;    /* of all observations, in nanoseconds */
} metrics_hist;

/* Sets the upper bounds (seconds, ascending, at most METRICS_HIST_MAX of
 * them; extra ones are ignored) and zeroes the counts. */
void metrics_hist_init(metrics_hist *h, const double *bounds, size_t n);

/* Counts one observation of seconds (negative counts as 0). Thread-safe. */
void metrics_hist_observe(metrics_hist *h, double seconds);

/* Appends the "# HELP" and "# TYPE" lines of a family. name must match
 * [a-zA-Z_:][a-zA-Z0-9_:]* (it is the caller's constant); type is
 * "counter", "gauge" or "histogram"; help is escaped as the format asks. */
void metrics_family(buf *out, const char *name, const char *type,
                    const char *help);

/* Appends one sample line: name, the labels (pairs of name and value,
 * nlabels pairs; values are escaped; label names are the caller's
 * constants) and the value. */
void metrics_sample(buf *out, const char *name, const char *const *labels,
                    size_t nlabels, double value);

/* As metrics_sample, for an integer value, written exactly. */
void metrics_sample_u64(buf *out, const char *name, const char *const *labels,
                        size_t nlabels, uint64_t value);

/* Appends a whole counter family with one unlabelled sample. */
void metrics_counter(buf *out, const char *name, const char *help,
                     uint64_t value);

/* Appends a whole gauge family with one unlabelled sample. */
void metrics_gauge(buf *out, const char *name, const char *help, double value);

/* Appends a whole histogram family: cumulative name_bucket lines with le,
 * name_sum and name_count, read from h while other threads may update it
 * (each count is read once; _count is the +Inf bucket). */
void metrics_hist_write(buf *out, const char *name, const char *help,
                        const metrics_hist *h);

#endif
