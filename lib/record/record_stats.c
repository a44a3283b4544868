/* record_stats.c - a FastCGI worker's request statistics. */
#include "record_stats.h"

#include <stdio.h>

#include "metrics.h"

static const int record_stats_statuses[] = RECORD_STATS_STATUSES;
_Static_assert(
    sizeof(record_stats_statuses) / sizeof(record_stats_statuses[0])
        == RECORD_STATS_NSTATUS - 1,
    "RECORD_STATS_NSTATUS must be the statuses listed, plus one for the rest");

void
record_stats_count(record_stats *w, int status)
{
    int i = 0;

    while (i < RECORD_STATS_NSTATUS - 1 && record_stats_statuses[i] != status)
        i++;
    atomic_fetch_add_explicit(&w->answers[i], 1, memory_order_relaxed);
}

void
record_stats_render(record_stats *w, const char *name, const char *help,
                    buf *out)
{
    const char *labels[2] = { "status", NULL };
    char code[16];

    metrics_family(out, name, "counter", help);
    for (int i = 0; i < RECORD_STATS_NSTATUS; i++) {
        if (i < RECORD_STATS_NSTATUS - 1)
            snprintf(code, sizeof(code), "%d", record_stats_statuses[i]);
        else
            snprintf(code, sizeof(code), "other");
        labels[1] = code;
        metrics_sample_u64(
            out, name, labels, 1,
            atomic_load_explicit(&w->answers[i], memory_order_relaxed));
    }
}
