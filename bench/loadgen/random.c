/* random.c - xoshiro256** and a Zipf sampler by binary search of the
 * cumulative weights. */
#include "random.h"

#include <stdlib.h>

struct zipf {
    uint32_t n;
    double cdf[];       /* cdf[i]: the weights of pages 0..i */
};

/* x rotated left by k (1..63) bits. */
static uint64_t
random_rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

void
random_seed(random_state *r, uint64_t seed)
{
    for (int i = 0; i < 4; i++) {
        uint64_t z = (seed += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        r->s[i] = z ^ (z >> 31);
    }
}

uint64_t
random_next(random_state *r)
{
    uint64_t *s = r->s, x = random_rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = random_rotl(s[3], 45);
    return x;
}

zipf *
zipf_create(uint32_t n)
{
    zipf *z = malloc(sizeof(*z) + (size_t)n * sizeof(z->cdf[0]));
    double sum = 0;

    if (z == NULL)
        return NULL;
    z->n = n;
    for (uint32_t i = 0; i < n; i++)
        z->cdf[i] = sum += 1.0 / (i + 1.0);
    return z;
}

void
zipf_free(zipf *z)
{
    free(z);
}

uint32_t
zipf_draw(const zipf *z, random_state *r)
{
    double x = (double)(random_next(r) >> 11) * 0x1.0p-53 * z->cdf[z->n - 1];
    uint32_t lo = 0, hi = z->n - 1;

    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (z->cdf[mid] > x)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}
