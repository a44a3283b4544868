/* metrics.c - the Prometheus text exposition format. */
#include "metrics.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

void
metrics_hist_init(metrics_hist *h, const double *bounds, size_t n)
{
    if (n > METRICS_HIST_MAX)
        n = METRICS_HIST_MAX;
    memcpy(h->bounds, bounds, n * sizeof(*bounds));
    h->nbounds = n;
    for (size_t i = 0; i <= METRICS_HIST_MAX; i++)
        atomic_store(&h->counts[i], 0);
    atomic_store(&h->sum_ns, 0);
}

void
metrics_hist_observe(metrics_hist *h, double seconds)
{
    size_t i = 0;

    if (!(seconds > 0))     /* negative, or NaN */
        seconds = 0;
    while (i < h->nbounds && seconds > h->bounds[i])
        i++;
    atomic_fetch_add_explicit(&h->counts[i], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&h->sum_ns, (uint64_t)(seconds * 1e9 + 0.5),
                              memory_order_relaxed);
}

/* Appends s escaped for a HELP line (quote false: backslash and newline)
 * or a label value (quote true: also the double quote). */
static void
metrics_escape(buf *out, const char *s, int quote)
{
    for (; *s; s++) {
        if (*s == '\\')
            buf_puts(out, "\\\\");
        else if (*s == '\n')
            buf_puts(out, "\\n");
        else if (*s == '"' && quote)
            buf_puts(out, "\\\"");
        else
            buf_append(out, s, 1);
    }
}

/* Appends a float as the format spells it: NaN, +Inf, -Inf or a number. */
static void
metrics_float(buf *out, double v)
{
    if (isnan(v))
        buf_puts(out, "NaN");
    else if (isinf(v))
        buf_puts(out, v > 0 ? "+Inf" : "-Inf");
    else
        buf_printf(out, "%.15g", v);
}

void
metrics_family(buf *out, const char *name, const char *type, const char *help)
{
    buf_printf(out, "# HELP %s ", name);
    metrics_escape(out, help, 0);
    buf_printf(out, "\n# TYPE %s %s\n", name, type);
}

/* Appends name and its labels, up to the space before the value. */
static void
metrics_head(buf *out, const char *name, const char *const *labels,
             size_t nlabels)
{
    buf_puts(out, name);
    if (nlabels > 0) {
        buf_puts(out, "{");
        for (size_t i = 0; i < nlabels; i++) {
            buf_printf(out, "%s%s=\"", i ? "," : "", labels[2 * i]);
            metrics_escape(out, labels[2 * i + 1], 1);
            buf_puts(out, "\"");
        }
        buf_puts(out, "}");
    }
    buf_puts(out, " ");
}

void
metrics_sample(buf *out, const char *name, const char *const *labels,
               size_t nlabels, double value)
{
    metrics_head(out, name, labels, nlabels);
    metrics_float(out, value);
    buf_puts(out, "\n");
}

void
metrics_sample_u64(buf *out, const char *name, const char *const *labels,
                   size_t nlabels, uint64_t value)
{
    metrics_head(out, name, labels, nlabels);
    buf_printf(out, "%" PRIu64 "\n", value);
}

void
metrics_counter(buf *out, const char *name, const char *help, uint64_t value)
{
    metrics_family(out, name, "counter", help);
    metrics_sample_u64(out, name, NULL, 0, value);
}

void
metrics_gauge(buf *out, const char *name, const char *help, double value)
{
    metrics_family(out, name, "gauge", help);
    metrics_sample(out, name, NULL, 0, value);
}

void
metrics_hist_write(buf *out, const char *name, const char *help,
                   const metrics_hist *h)
{
    const char *labels[2] = { "le", NULL };
    char series[128], le[32];
    uint64_t total = 0;

    metrics_family(out, name, "histogram", help);
    snprintf(series, sizeof(series), "%s_bucket", name);
    for (size_t i = 0; i <= h->nbounds; i++) {
        total += atomic_load_explicit(&h->counts[i], memory_order_relaxed);
        if (i < h->nbounds)
            snprintf(le, sizeof(le), "%.15g", h->bounds[i]);
        else
            snprintf(le, sizeof(le), "+Inf");
        labels[1] = le;
        metrics_sample_u64(out, series, labels, 1, total);
    }
    snprintf(series, sizeof(series), "%s_sum", name);
    metrics_sample(out, series, NULL, 0,
                   (double)atomic_load_explicit(&h->sum_ns,
                                                memory_order_relaxed) / 1e9);
    snprintf(series, sizeof(series), "%s_count", name);
    metrics_sample_u64(out, series, NULL, 0, total);
}
