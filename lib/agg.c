/* agg.c - (time, site, path) counts in an open-addressing hash table. */
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

/* One key, as looked for. */
typedef struct agg_key {
    int64_t time;
    const char *site, *path;
    size_t sitelen, pathlen;
    uint64_t hash;
} agg_key;

/* FNV-1a over len bytes, continuing from h. */
static uint64_t
agg_fnv(uint64_t h, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

/* Fills k for (time, site, path), hash included. */
static void
agg_key_init(agg_key *k, int64_t time, const char *site, const char *path)
{
    uint64_t h = 14695981039346656037ULL ^ (uint64_t)time;

    k->time = time;
    k->site = site;
    k->path = path;
    k->sitelen = strlen(site);
    k->pathlen = strlen(path);
    h *= 1099511628211ULL;
    h = agg_fnv(h, site, k->sitelen + 1);   /* with its NUL: "a"+"b" != "ab" */
    h = agg_fnv(h, path, k->pathlen);
    k->hash = h ^ (h >> 29);
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

/* Returns the slot holding k, or the empty slot where it belongs. */
static agg_entry **
agg_find(agg_entry **slots, size_t nslots, const agg_key *k)
{
    size_t i = k->hash & (nslots - 1);

    for (;;) {
        agg_entry *e = slots[i];
        if (e == NULL
            || (e->hash == k->hash && e->time == k->time
                && e->sitelen == k->sitelen && e->pathlen == k->pathlen
                && memcmp(e->site, k->site, k->sitelen) == 0
                && memcmp(e->path, k->path, k->pathlen) == 0))
            return &slots[i];
        i = (i + 1) & (nslots - 1);
    }
}

/* Returns the slot where entry e belongs in slots (no equal entry is
 * there). */
static agg_entry **
agg_find_entry(agg_entry **slots, size_t nslots, const agg_entry *e)
{
    size_t i = e->hash & (nslots - 1);

    while (slots[i] != NULL)
        i = (i + 1) & (nslots - 1);
    return &slots[i];
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
            *agg_find_entry(slots, n, e) = e;
    }
    free(a->slots);
    a->slots = slots;
    a->nslots = n;
    return 0;
}

int
agg_add(agg *a, int64_t time, const char *site, const char *path, int64_t n)
{
    agg_entry **slot, *e;
    agg_key k;

    agg_key_init(&k, time, site, path);
    slot = agg_find(a->slots, a->nslots, &k);
    if (*slot == NULL) {
        if ((a->used + 1) * 10 > a->nslots * 7) {
            if (agg_grow(a) < 0)
                return -1;
            slot = agg_find(a->slots, a->nslots, &k);
        }
        e = malloc(sizeof(*e) + k.sitelen + 1 + k.pathlen + 1);
        if (e == NULL)
            return -1;
        e->hash = k.hash;
        e->time = time;
        e->count = 0;
        e->sitelen = k.sitelen;
        e->pathlen = k.pathlen;
        memcpy(e->site, site, k.sitelen + 1);
        memcpy(e->site + k.sitelen + 1, path, k.pathlen + 1);
        e->path = e->site + k.sitelen + 1;
        *slot = e;
        a->used++;
    }
    (*slot)->count += n;
    a->total += n;
    return 0;
}

int64_t
agg_get(const agg *a, int64_t time, const char *site, const char *path)
{
    agg_entry *e;
    agg_key k;

    agg_key_init(&k, time, site, path);
    e = *agg_find(a->slots, a->nslots, &k);
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
