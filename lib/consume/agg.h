/* agg.h - in-memory aggregation of visits into (time, site, path) counts:
 * per minute, site and path in the consumer, or per second and site with
 * an empty path. */
#ifndef VISITS_AGG_H
#define VISITS_AGG_H

#include <stddef.h>
#include <stdint.h>

typedef struct agg_entry {
    uint64_t hash;
    int64_t time;       /* bucket start, seconds since the epoch */
    int64_t count;
    size_t sitelen, pathlen;
    const char *path;   /* NUL-terminated, stored right after the site */
    char site[];        /* NUL-terminated */
} agg_entry;

typedef struct agg agg;

/* Returns an empty aggregate with a hash key of its own from the kernel's
 * random numbers, or NULL when out of memory (or libsodium could not
 * start). */
agg *agg_create(void);

/* Frees a and every entry. Accepts NULL. */
void agg_free(agg *a);

/* Adds n to the count of (time, site, path). Returns 0, or -1 when out of
 * memory, in which case a is unchanged. */
int agg_add(agg *a, int64_t time, const char *site, const char *path, int64_t n);

/* Returns the count of (time, site, path), 0 when absent. */
int64_t agg_get(const agg *a, int64_t time, const char *site, const char *path);

/* Returns the number of distinct (time, site, path) keys. */
size_t agg_size(const agg *a);

/* Returns the sum of all counts. */
int64_t agg_total(const agg *a);

/* Walks the entries in no particular order: pass *pos = 0 first; returns the
 * next entry, or NULL at the end. The aggregate must not change meanwhile. */
const agg_entry *agg_next(const agg *a, size_t *pos);

/* Returns how many occupied slots agg_add has stepped over so far looking
 * for its keys' slots (0 when every key found its slot at once): the cost
 * of collisions, for tests and metrics. */
uint64_t agg_probes(const agg *a);

/* Removes every entry, keeping the table for reuse. */
void agg_clear(agg *a);

#endif
