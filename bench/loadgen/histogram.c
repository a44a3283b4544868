/* histogram.c - the log-linear histogram of the load generator. */
#include "histogram.h"

/* The bucket of v (us); values past the range go to the last one. */
static unsigned
histogram_index(uint64_t v)
{
    unsigned e, shift;

    if (v >= (1ull << HISTOGRAM_MAX_EXP))
        v = (1ull << HISTOGRAM_MAX_EXP) - 1;
    if (v < (1u << HISTOGRAM_SUB_BITS))
        return (unsigned)v;
    e = 63u - (unsigned)__builtin_clzll(v);
    shift = e - HISTOGRAM_SUB_BITS + 1;
    return (1u << HISTOGRAM_SUB_BITS) + (e - HISTOGRAM_SUB_BITS) * HISTOGRAM_HALF
           + (unsigned)(v >> shift) - HISTOGRAM_HALF;
}

/* The highest value bucket i holds. */
static uint64_t
histogram_value(unsigned i)
{
    unsigned j, e, m;

    if (i < (1u << HISTOGRAM_SUB_BITS))
        return i;
    j = i - (1u << HISTOGRAM_SUB_BITS);
    e = HISTOGRAM_SUB_BITS + j / HISTOGRAM_HALF;
    m = HISTOGRAM_HALF + j % HISTOGRAM_HALF;
    return ((uint64_t)(m + 1) << (e - HISTOGRAM_SUB_BITS + 1)) - 1;
}

void
histogram_add(histogram *h, uint64_t us)
{
    h->count[histogram_index(us)]++;
    h->n++;
    if (us > h->max)
        h->max = us;
}

double
histogram_ms(const histogram *h, double q)
{
    uint64_t target, seen = 0, v;

    if (h->n == 0)
        return 0;
    target = (uint64_t)(q * (double)h->n);
    if ((double)target < q * (double)h->n)
        target++;
    if (target < 1)
        target = 1;
    for (unsigned i = 0; i < HISTOGRAM_BUCKETS; i++) {
        seen += h->count[i];
        if (seen >= target) {
            v = histogram_value(i);
            return (double)(v < h->max ? v : h->max) / 1000.0;
        }
    }
    return (double)h->max / 1000.0;
}
