/* agg.c - (time, site, path) counts in an open-addressing hash table.
 *
 * The keys come from visitors (paths) and from whoever can write to the
 * topic, so the hash is keyed: SipHash-2-4 (libsodium's crypto_shorthash)
 * with a random key per table. With a public hash (FNV-1a, before) anyone
 * could pick paths that share a slot and make every insert walk all of
 * them: 2,000 such paths cost 2,000,000 probes (tests/check_agg.c). */
#include "agg.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

struct agg {
    agg_entry **slots;  /* power-of-two sized, linear probing */
    size_t nslots;
    size_t used;
    int64_t total;
    uint64_t probes;    /* occupied slots agg_add stepped over */
    unsigned char key[crypto_shorthash_KEYBYTES];
};

#define AGG_INITIAL_SLOTS 1024
#define AGG_HASH_CHUNK 1024    /* bytes hashed at a time */

/* One key, as looked for. */
typedef struct agg_key {
    int64_t time;
    const char *site, *path;
    size_t sitelen, pathlen;
    uint64_t hash;
} agg_key;

/* Fills k for (time, site, path), with a's keyed hash of the time, the
 * site with its NUL ("a"+"b" and "ab"+"" differ) and the path. A key
 * longer than a chunk is hashed a chunk at a time, each after the hash of
 * what came before. */
static void
agg_key_init(const agg *a, agg_key *k, int64_t time, const char *site, const char *path)
{
    unsigned char chunk[AGG_HASH_CHUNK], out[crypto_shorthash_BYTES];
    const char *part[2];
    size_t left[2], used = sizeof(time), take;

    k->time = time;
    k->site = site;
    k->path = path;
    k->sitelen = strlen(site);
    k->pathlen = strlen(path);
    part[0] = site;
    left[0] = k->sitelen + 1;
    part[1] = path;
    left[1] = k->pathlen;
    memcpy(chunk, &time, sizeof(time));
    for (int i = 0; i < 2; i++) {
        while (left[i] > 0) {
            if (used == sizeof(chunk)) {
                crypto_shorthash(out, chunk, used, a->key);
                memcpy(chunk, out, sizeof(out));
                used = sizeof(out);
            }
            take = left[i] < sizeof(chunk) - used ? left[i] : sizeof(chunk) - used;
            memcpy(chunk + used, part[i], take);
            used += take;
            part[i] += take;
            left[i] -= take;
        }
    }
    crypto_shorthash(out, chunk, used, a->key);
    memcpy(&k->hash, out, sizeof(k->hash));
}

agg *
agg_create(void)
{
    agg *a;

    if (sodium_init() < 0)
        return NULL;
    a = calloc(1, sizeof(*a));
    if (a == NULL)
        return NULL;
    crypto_shorthash_keygen(a->key);
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
    a->probes = 0;
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

/* Returns the slot holding k, or the empty slot where it belongs; adds
 * the occupied slots it stepped over to *probes when probes is not NULL. */
static agg_entry **
agg_find(agg_entry **slots, size_t nslots, const agg_key *k, uint64_t *probes)
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
        if (probes)
            (*probes)++;
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

    agg_key_init(a, &k, time, site, path);
    slot = agg_find(a->slots, a->nslots, &k, &a->probes);
    if (*slot == NULL) {
        if ((a->used + 1) * 10 > a->nslots * 7) {
            if (agg_grow(a) < 0)
                return -1;
            slot = agg_find(a->slots, a->nslots, &k, NULL);
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

    agg_key_init(a, &k, time, site, path);
    e = *agg_find(a->slots, a->nslots, &k, NULL);
    return e ? e->count : 0;
}

uint64_t
agg_probes(const agg *a)
{
    return a->probes;
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
