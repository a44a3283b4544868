/* agg.c - (time, path) counts in an open-addressing hash table. */
#include "agg.h"

#include <stdlib.h>
#include <string.h>

struct agg {
    agg_entry **slots;  /* power-of-two sized, linear probing */
    size_t nslots;
    size_t used;
    int64_t total;
};

#define AGG_INITIAL_SLOTS 1024

static uint64_t
agg_hash(int64_t time, const char *path, size_t len)
{
    uint64_t h = 14695981039346656037ULL ^ (uint64_t)time;

    h *= 1099511628211ULL;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)path[i];
        h *= 1099511628211ULL;
    }
    return h ^ (h >> 29);
}

agg *
agg_create(void)
{
    agg *a = calloc(1, sizeof(*a));

    if (a == NULL)
        return NULL;
    a->slots = calloc(AGG_INITIAL_SLOTS, sizeof(*a->slots));
    if (a->slots == NULL) {
        free(a);
        return NULL;
    }
    a->nslots = AGG_INITIAL_SLOTS;
    return a;
}

void
agg_clear(agg *a)
{
    for (size_t i = 0; i < a->nslots; i++) {
        free(a->slots[i]);
        a->slots[i] = NULL;
    }
    a->used = 0;
    a->total = 0;
}

void
agg_free(agg *a)
{
    if (a == NULL)
        return;
    agg_clear(a);
    free(a->slots);
    free(a);
}

/* Returns the slot holding (time, path), or the empty slot where it
 * belongs. */
static agg_entry **
agg_find(agg_entry **slots, size_t nslots, uint64_t hash, int64_t time,
         const char *path, size_t len)
{
    size_t i = hash & (nslots - 1);

    for (;;) {
        agg_entry *e = slots[i];
        if (e == NULL
            || (e->hash == hash && e->time == time && e->pathlen == len
                && memcmp(e->path, path, len) == 0))
            return &slots[i];
        i = (i + 1) & (nslots - 1);
    }
}

/* Doubles the table. Returns 0 or -1 (table unchanged). */
static int
agg_grow(agg *a)
{
    size_t n = a->nslots * 2;
    agg_entry **slots = calloc(n, sizeof(*slots));

    if (slots == NULL)
        return -1;
    for (size_t i = 0; i < a->nslots; i++) {
        agg_entry *e = a->slots[i];
        if (e)
            *agg_find(slots, n, e->hash, e->time, e->path, e->pathlen) = e;
    }
    free(a->slots);
    a->slots = slots;
    a->nslots = n;
    return 0;
}

int
agg_add(agg *a, int64_t time, const char *path, int64_t n)
{
    size_t len = strlen(path);
    uint64_t hash = agg_hash(time, path, len);
    agg_entry **slot, *e;

    slot = agg_find(a->slots, a->nslots, hash, time, path, len);
    if (*slot == NULL) {
        if ((a->used + 1) * 10 > a->nslots * 7) {
            if (agg_grow(a) < 0)
                return -1;
            slot = agg_find(a->slots, a->nslots, hash, time, path, len);
        }
        e = malloc(sizeof(*e) + len + 1);
        if (e == NULL)
            return -1;
        e->hash = hash;
        e->time = time;
        e->count = 0;
        e->pathlen = len;
        memcpy(e->path, path, len + 1);
        *slot = e;
        a->used++;
    }
    (*slot)->count += n;
    a->total += n;
    return 0;
}

int64_t
agg_get(const agg *a, int64_t time, const char *path)
{
    size_t len = strlen(path);
    agg_entry *e = *agg_find(a->slots, a->nslots, agg_hash(time, path, len),
                             time, path, len);

    return e ? e->count : 0;
}

size_t
agg_size(const agg *a)
{
    return a->used;
}

int64_t
agg_total(const agg *a)
{
    return a->total;
}

const agg_entry *
agg_next(const agg *a, size_t *pos)
{
    while (*pos < a->nslots) {
        agg_entry *e = a->slots[(*pos)++];
        if (e)
            return e;
    }
    return NULL;
}
