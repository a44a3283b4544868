/* random.h - the load generator's pseudo-random pages: xoshiro256**
 * seeded with splitmix64 (the same pages for the same seed, on every
 * machine), and page i drawn with weight 1/(i+1) (Zipf, s = 1). */
#ifndef LOADGEN_RANDOM_H
#define LOADGEN_RANDOM_H

#include <stdint.h>

typedef struct random_state {
    uint64_t s[4];
} random_state;

/* Seeds r from one number. */
void random_seed(random_state *r, uint64_t seed);

/* The next pseudo-random number of r. */
uint64_t random_next(random_state *r);

typedef struct zipf zipf;

/* Returns a sampler of pages 0..n-1 (n >= 1), or NULL when out of memory. */
zipf *zipf_create(uint32_t n);

/* Frees z. Accepts NULL. */
void zipf_free(zipf *z);

/* Draws a page of z with r. */
uint32_t zipf_draw(const zipf *z, random_state *r);

#endif
