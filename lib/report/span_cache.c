/* span_cache.c - closed spans' rows, shared between the report worker's
 * threads (span_cache.h says why a span's total tells whether they are
 * still its rows).
 *
 * The cache is a chained hash table on (start, seconds), the site compared
 * along the chain (an installation has a few sites: a chain holds about
 * one span per site), and a list in order of use for eviction, both under
 * one mutex held only to look up, link or unlink. The rows themselves are
 * read without it: once in the cache a span never changes, and each user
 * holds a reference. */
#include "span_cache.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

struct span_rows {
    atomic_int refs;
    int64_t start, total;
    int seconds;
    span_row *rows;
    size_t nrows, cap;
    buf text;               /* the site, then each row's path, each with its NUL */
    /* The cache's links, under its mutex. */
    span_rows *chain;       /* next in the same hash bucket */
    span_rows *newer, *older;
    size_t bytes;           /* what the cache counts for it */
    int64_t used;           /* when a report last used it */
};

#define SPAN_CACHE_BUCKETS 4096     /* a power of two */

struct span_cache {
    pthread_mutex_t lock;
    size_t max_bytes, bytes, spans;
    int64_t idle_seconds;
    span_rows *newest, *oldest;     /* in order of use */
    span_rows *buckets[SPAN_CACHE_BUCKETS];
};

span_rows *
span_rows_create(const char *site, int64_t start, int seconds, int64_t total)
{
    span_rows *r = calloc(1, sizeof(*r));

    if (r == NULL)
        return NULL;
    if (buf_append(&r->text, site, strlen(site) + 1) < 0) {
        free(r);
        return NULL;
    }
    atomic_init(&r->refs, 1);
    r->start = start;
    r->seconds = seconds;
    r->total = total;
    return r;
}

int
span_rows_add(span_rows *r, const char *path, int64_t visits)
{
    size_t offset = r->text.len;

    if (r->nrows == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 64;
        span_row *rows = realloc(r->rows, cap * sizeof(*rows));

        if (rows == NULL)
            return -1;
        r->rows = rows;
        r->cap = cap;
    }
    if (buf_append(&r->text, path, strlen(path) + 1) < 0) {
        r->text.failed = 0;     /* the text is whole: try again later */
        return -1;
    }
    r->rows[r->nrows].path = offset;
    r->rows[r->nrows].visits = visits;
    r->nrows++;
    return 0;
}

span_rows *
span_rows_retain(span_rows *r)
{
    if (r != NULL)
        atomic_fetch_add(&r->refs, 1);
    return r;
}

void
span_rows_release(span_rows *r)
{
    if (r == NULL || atomic_fetch_sub(&r->refs, 1) != 1)
        return;
    free(r->rows);
    buf_free(&r->text);
    free(r);
}

int64_t
span_rows_start(const span_rows *r)
{
    return r->start;
}

int
span_rows_seconds(const span_rows *r)
{
    return r->seconds;
}

int64_t
span_rows_total(const span_rows *r)
{
    return r->total;
}

size_t
span_rows_count(const span_rows *r)
{
    return r->nrows;
}

const char *
span_rows_path(const span_rows *r, size_t i)
{
    return r->text.data + r->rows[i].path;
}

int64_t
span_rows_visits(const span_rows *r, size_t i)
{
    return r->rows[i].visits;
}

span_cache *
span_cache_create(size_t max_bytes, int64_t idle_seconds)
{
    span_cache *c = calloc(1, sizeof(*c));

    if (c == NULL)
        return NULL;
    if (pthread_mutex_init(&c->lock, NULL) != 0) {
        free(c);
        return NULL;
    }
    c->max_bytes = max_bytes;
    c->idle_seconds = idle_seconds;
    return c;
}

void
span_cache_free(span_cache *c)
{
    span_rows *r, *next;

    if (c == NULL)
        return;
    for (r = c->newest; r != NULL; r = next) {
        next = r->older;
        span_rows_release(r);
    }
    pthread_mutex_destroy(&c->lock);
    free(c);
}

/* The bucket of (start, seconds). */
static span_rows **
span_cache_bucket(span_cache *c, int64_t start, int seconds)
{
    uint64_t h = ((uint64_t)start / 60 + (uint64_t)seconds) * 0x9E3779B97F4A7C15ULL;

    return &c->buckets[h >> 52 & (SPAN_CACHE_BUCKETS - 1)];
}

/* The link that points at the span (site, start, seconds): its bucket's
 * head or a chain link; *link is NULL when there is none. Under the lock. */
static span_rows **
span_cache_find(span_cache *c, const char *site, int64_t start, int seconds)
{
    span_rows **link = span_cache_bucket(c, start, seconds);

    while (*link != NULL
           && ((*link)->start != start || (*link)->seconds != seconds
               || strcmp((*link)->text.data, site) != 0))
        link = &(*link)->chain;
    return link;
}

/* Takes r out of the list of use (not out of its bucket). Under the lock. */
static void
span_cache_unlist(span_cache *c, span_rows *r)
{
    if (r->newer)
        r->newer->older = r->older;
    else
        c->newest = r->older;
    if (r->older)
        r->older->newer = r->newer;
    else
        c->oldest = r->newer;
    r->newer = r->older = NULL;
}

/* Puts r at the head of the list of use. Under the lock. */
static void
span_cache_list_first(span_cache *c, span_rows *r)
{
    r->older = c->newest;
    r->newer = NULL;
    if (c->newest)
        c->newest->newer = r;
    else
        c->oldest = r;
    c->newest = r;
}

/* Drops the cached span *link points at. Under the lock. */
static void
span_cache_drop(span_cache *c, span_rows **link)
{
    span_rows *r = *link;

    *link = r->chain;
    r->chain = NULL;
    span_cache_unlist(c, r);
    c->bytes -= r->bytes;
    c->spans--;
    span_rows_release(r);
}

span_rows *
span_cache_get(span_cache *c, const char *site, int64_t start, int seconds, int64_t now)
{
    span_rows *r;

    if (c == NULL)
        return NULL;
    pthread_mutex_lock(&c->lock);
    r = *span_cache_find(c, site, start, seconds);
    if (r != NULL) {
        span_cache_unlist(c, r);
        span_cache_list_first(c, r);
        if (now > r->used)
            r->used = now;
        span_rows_retain(r);
    }
    pthread_mutex_unlock(&c->lock);
    return r;
}

void
span_cache_put(span_cache *c, span_rows *r, int64_t now)
{
    span_rows **link, *old, *next;
    size_t bytes;

    if (c == NULL)
        return;
    bytes = sizeof(*r) + r->cap * sizeof(*r->rows) + r->text.cap;
    pthread_mutex_lock(&c->lock);
    link = span_cache_find(c, r->text.data, r->start, r->seconds);
    if (*link != NULL)
        span_cache_drop(c, link);
    /* The least recently used first: stop at the first one still in use. */
    for (old = c->oldest; old != NULL && old->used < now - c->idle_seconds; old = next) {
        next = old->newer;
        span_cache_drop(c, span_cache_find(c, old->text.data, old->start, old->seconds));
    }
    if (bytes <= c->max_bytes) {
        while (c->bytes + bytes > c->max_bytes) {
            old = c->oldest;
            span_cache_drop(c, span_cache_find(c, old->text.data, old->start, old->seconds));
        }
        r->bytes = bytes;
        r->used = now;
        r->chain = NULL;
        *span_cache_find(c, r->text.data, r->start, r->seconds) = span_rows_retain(r);
        span_cache_list_first(c, r);
        c->bytes += bytes;
        c->spans++;
    }
    pthread_mutex_unlock(&c->lock);
}

void
span_cache_size(span_cache *c, size_t *spans, size_t *bytes)
{
    *spans = *bytes = 0;
    if (c == NULL)
        return;
    pthread_mutex_lock(&c->lock);
    *spans = c->spans;
    *bytes = c->bytes;
    pthread_mutex_unlock(&c->lock);
}
