/* top_paths.c - the window's top paths from its spans' rows: added up in
 * a keyed hash table (agg), then one pass that keeps the best top of them
 * in order. */
#include "top_paths.h"

#include <stdlib.h>
#include <string.h>

#include "agg.h"

/* Whether (va, pa) comes before (vb, pb): more visits first, then the
 * path in byte order. */
static int
top_paths_before(int64_t va, const char *pa, int64_t vb, const char *pb)
{
    return va != vb ? va > vb : strcmp(pa, pb) < 0;
}

int
top_paths(span_rows *const *spans, size_t n, int top, report_path *out)
{
    const agg_entry **best = NULL, *e;
    agg *sums;
    size_t nbest = 0, pos = 0, lo, hi, mid;
    int rc = -1;

    if (top <= 0)
        return 0;
    if ((sums = agg_create()) == NULL
        || (best = calloc((size_t)top, sizeof(*best))) == NULL)
        goto done;
    for (size_t s = 0; s < n; s++)
        for (size_t i = 0; i < span_rows_count(spans[s]); i++)
            if (agg_add(sums, 0, "", span_rows_path(spans[s], i),
                        span_rows_visits(spans[s], i)) < 0)
                goto done;
    /* best[0..nbest) in order; a new entry goes where it belongs, the
     * last one falling off when full. */
    while ((e = agg_next(sums, &pos)) != NULL) {
        if (e->count <= 0)
            continue;
        if (nbest == (size_t)top
            && !top_paths_before(e->count, e->path, best[nbest - 1]->count,
                                 best[nbest - 1]->path))
            continue;
        lo = 0;
        hi = nbest;
        while (lo < hi) {
            mid = lo + (hi - lo) / 2;
            if (top_paths_before(e->count, e->path, best[mid]->count, best[mid]->path))
                hi = mid;
            else
                lo = mid + 1;
        }
        if (nbest < (size_t)top)
            nbest++;
        memmove(best + lo + 1, best + lo, (nbest - 1 - lo) * sizeof(*best));
        best[lo] = e;
    }
    for (size_t i = 0; i < nbest; i++) {
        out[i].visits = best[i]->count;
        if ((out[i].path = strdup(best[i]->path)) == NULL) {
            while (i > 0)
                free(out[--i].path);
            goto done;
        }
    }
    rc = (int)nbest;
done:
    free(best);
    agg_free(sums);
    return rc;
}
