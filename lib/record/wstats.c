/* wstats.c - a FastCGI worker's request statistics. */
#include "wstats.h"

#include <stdio.h>

#include "metrics.h"

static const int wstats_statuses[] = WSTATS_STATUSES;
_Static_assert(sizeof(wstats_statuses) / sizeof(wstats_statuses[0]) == WSTATS_NSTATUS - 1,
               "WSTATS_NSTATUS must be the statuses listed, plus one for the rest");

void
wstats_count(wstats *w, int status)
{
    int i = 0;

    while (i < WSTATS_NSTATUS - 1 && wstats_statuses[i] != status)
        i++;
    atomic_fetch_add_explicit(&w->answers[i], 1, memory_order_relaxed);
}

void
wstats_render(wstats *w, const char *name, const char *help, buf *out)
{
    const char *labels[2] = { "status", NULL };
    char code[16];

    metrics_family(out, name, "counter", help);
    for (int i = 0; i < WSTATS_NSTATUS; i++) {
        if (i < WSTATS_NSTATUS - 1)
            snprintf(code, sizeof(code), "%d", wstats_statuses[i]);
        else
            snprintf(code, sizeof(code), "other");
        labels[1] = code;
        metrics_sample_u64(out, name, labels, 1,
                           atomic_load_explicit(&w->answers[i], memory_order_relaxed));
    }
}
