/* histogram.h - a log-linear histogram of microseconds: exact below 256
 * us, then 128 buckets per power of two (under 0.8 % error), up to 2^40
 * us. Fixed size, no allocation: zero it to empty it. */
#ifndef LOADGEN_HISTOGRAM_H
#define LOADGEN_HISTOGRAM_H

#include <stdint.h>

#define HISTOGRAM_SUB_BITS 8
#define HISTOGRAM_HALF (1u << (HISTOGRAM_SUB_BITS - 1))
#define HISTOGRAM_MAX_EXP 40
#define HISTOGRAM_BUCKETS                                                      \
    ((1u << HISTOGRAM_SUB_BITS) + (HISTOGRAM_MAX_EXP - HISTOGRAM_SUB_BITS) * HISTOGRAM_HALF)

typedef struct histogram {
    uint64_t n;
    uint64_t max;
    uint64_t count[HISTOGRAM_BUCKETS];
} histogram;

/* Counts one value, in us; values past the range count in the last bucket. */
void histogram_add(histogram *h, uint64_t us);

/* The value at quantile q (0..1) in milliseconds: the top of its bucket,
 * never above the largest value seen; 0 when empty. */
double histogram_ms(const histogram *h, double q);

#endif
