/* partitions.c - the consumer's partition table (see partitions.h). */
#include "partitions.h"

#include <stdlib.h>
#include <string.h>

void
partitions_free(partitions *t)
{
    if (t == NULL)
        return;
    free(t->p);
    t->p = NULL;
    t->n = 0;
}

const partition *
partitions_find(const partitions *t, int32_t id)
{
    if (id < 0 || id >= t->n)
        return NULL;
    return &t->p[id];
}

/* The entry of an assigned, known partition id, or NULL. */
static partition *
partitions_held(partitions *t, int32_t id)
{
    if (id < 0 || id >= t->n || !t->p[id].assigned || !t->p[id].known)
        return NULL;
    return &t->p[id];
}

/* Grows the table to hold ids below n. Returns 0, or -1 when out of
 * memory (the table unchanged). */
static int
partitions_grow(partitions *t, int32_t n)
{
    partition *grown;

    if (n <= t->n)
        return 0;
    grown = realloc(t->p, (size_t)n * sizeof(*grown));
    if (grown == NULL)
        return -1;
    memset(grown + t->n, 0, (size_t)(n - t->n) * sizeof(*grown));
    t->p = grown;
    t->n = n;
    return 0;
}

int
partitions_assign(partitions *t, const int32_t *ids, size_t n, int32_t *bad)
{
    int32_t top = 0;

    for (size_t i = 0; i < n; i++) {
        if (ids[i] < 0 || ids[i] >= PARTITIONS_MAX) {
            *bad = ids[i];
            return -1;
        }
        if (ids[i] >= top)
            top = ids[i] + 1;
    }
    if (partitions_grow(t, top) < 0) {
        *bad = top - 1;
        return -1;
    }
    partitions_revoke(t);
    for (size_t i = 0; i < n; i++)
        t->p[ids[i]].assigned = 1;
    return 0;
}

void
partitions_revoke(partitions *t)
{
    if (t->n > 0)
        memset(t->p, 0, (size_t)t->n * sizeof(*t->p));
}

size_t
partitions_unknown(const partitions *t, int32_t *ids, size_t cap)
{
    size_t n = 0;

    for (int32_t id = 0; id < t->n && n < cap; id++) {
        if (t->p[id].assigned && !t->p[id].known)
            ids[n++] = id;
    }
    return n;
}

int
partitions_all_known(const partitions *t)
{
    for (int32_t id = 0; id < t->n; id++) {
        if (t->p[id].assigned && !t->p[id].known)
            return 0;
    }
    return 1;
}

void
partitions_start(partitions *t, int32_t id, int64_t stored)
{
    partition *ps;

    if (id < 0 || id >= t->n || !t->p[id].assigned)
        return;
    ps = &t->p[id];
    ps->known = 1;
    ps->dirty = 0;
    ps->kicked = 0;
    ps->committed = ps->next = stored;
}

int
partitions_wants(const partitions *t, int32_t id, int64_t offset)
{
    return id >= 0 && id < t->n && t->p[id].assigned && t->p[id].known
           && offset >= t->p[id].next;
}

int
partitions_take(partitions *t, int32_t id, int64_t offset)
{
    partition *ps = partitions_held(t, id);

    if (ps == NULL || offset < ps->next)
        return 0;
    ps->next = offset + 1;
    ps->dirty = 1;
    ps->kicked = 0;
    return 1;
}

int
partitions_restart(partitions *t, int32_t id)
{
    partition *ps = partitions_held(t, id);

    if (ps == NULL)
        return 0;
    ps->next = 0;
    ps->dirty = 1;
    ps->kicked = 0;
    return 1;
}

size_t
partitions_pending(const partitions *t, store_offset *offs, size_t cap)
{
    size_t n = 0;

    for (int32_t id = 0; id < t->n && n < cap; id++) {
        if (t->p[id].dirty) {
            offs[n].partition = id;
            offs[n].expected = t->p[id].committed;
            offs[n].next = t->p[id].next;
            n++;
        }
    }
    return n;
}

void
partitions_flushed(partitions *t, const store_offset *offs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        partition *ps;

        if (offs[i].partition < 0 || offs[i].partition >= t->n)
            continue;
        ps = &t->p[offs[i].partition];
        ps->committed = offs[i].next;
        ps->dirty = ps->next != ps->committed;
    }
}

void
partitions_discard(partitions *t)
{
    for (int32_t id = 0; id < t->n; id++) {
        t->p[id].dirty = 0;
        t->p[id].kicked = 0;
        t->p[id].next = t->p[id].committed;
    }
}

void
partitions_fence(partitions *t)
{
    partitions_discard(t);
    for (int32_t id = 0; id < t->n; id++)
        t->p[id].known = 0;
}

int
partitions_kick(partitions *t, int32_t id, int64_t high)
{
    partition *ps = partitions_held(t, id);

    if (ps == NULL || ps->kicked || high <= ps->next)
        return 0;
    ps->kicked = 1;
    return 1;
}
