/* chart.c - the geometry of the report's bar chart. */
#include "chart.h"

#include <inttypes.h>
#include <stdio.h>

chart_scale
chart_scale_for(int64_t max)
{
    static const int mult[] = { 1, 2, 5 };
    chart_scale s = { 5, 1, 6 };
    int64_t pow10 = 1, step;

    if (max <= 5)
        return s;
    /* The smallest 1, 2 or 5 x 10^k that is >= max. */
    for (;;) {
        for (int i = 0; i < 3; i++) {
            if (mult[i] * pow10 >= max) {
                s.max = mult[i] * pow10;
                goto found;
            }
        }
        pow10 *= 10;
    }
found:
    /* The smallest nice step giving at most CHART_MAX_TICKS intervals. */
    for (pow10 = 1;; pow10 *= 10) {
        for (int i = 0; i < 3; i++) {
            step = mult[i] * pow10;
            if (s.max % step == 0 && s.max / step <= CHART_MAX_TICKS) {
                s.step = step;
                s.nticks = (int)(s.max / step) + 1;
                return s;
            }
        }
    }
}

char *
chart_tick_label(int64_t v, char out[CHART_TICK_LABEL_SIZE])
{
    static const char unit[] = { 'k', 'M', 'G', 'T', 'P', 'E' };
    int64_t div = 1000;
    int u = 0;

    if (v < 1000) {
        snprintf(out, CHART_TICK_LABEL_SIZE, "%" PRId64, v);
        return out;
    }
    while (u < 5 && v / div >= 1000) {
        div *= 1000;
        u++;
    }
    /* Tenths, rounded half up: 1,250 is "1.3k"; nice ticks need no more.
     * 999,950 rounds up to the next unit, "1M", not "1000k". */
    int64_t tenths = v / (div / 10) + (v % (div / 10) >= div / 20);
    if (tenths >= 10000 && u < 5) {
        div *= 1000;
        u++;
        tenths = v / (div / 10) + (v % (div / 10) >= div / 20);
    }
    if (tenths % 10 == 0)
        snprintf(out, CHART_TICK_LABEL_SIZE, "%" PRId64 "%c", tenths / 10, unit[u]);
    else
        snprintf(out, CHART_TICK_LABEL_SIZE, "%" PRId64 ".%d%c", tenths / 10,
                 (int)(tenths % 10), unit[u]);
    return out;
}

double
chart_bar_width(int n)
{
    double slot = (double)CHART_PLOT_W / (n > 0 ? n : 1);
    double gap = slot / 5;

    return slot - (gap < 2 && slot > 4 ? 2 : gap);
}

double
chart_bar_x(int i, int n)
{
    double slot = (double)CHART_PLOT_W / (n > 0 ? n : 1);

    return CHART_LEFT + slot * i + (slot - chart_bar_width(n)) / 2;
}

double
chart_bar_height(int64_t v, const chart_scale *s)
{
    double h;

    if (v <= 0)
        return 0;
    if (v >= s->max)
        return CHART_PLOT_H;
    h = (double)v * CHART_PLOT_H / (double)s->max;
    return h < 1 ? 1 : h;
}

int
chart_label_minutes(int n, int bucket_minutes)
{
    static const int steps[] = { 1, 2, 5, 10, 15, 30, 60, 120, 180, 240, 360, 720 };
    double slot = (double)CHART_PLOT_W / (n > 0 ? n : 1);

    if (bucket_minutes < 1)
        bucket_minutes = 1;
    for (unsigned k = 0; k < sizeof(steps) / sizeof(steps[0]); k++) {
        if (steps[k] % bucket_minutes == 0
            && slot * (steps[k] / bucket_minutes) >= CHART_LABEL_ROOM)
            return steps[k];
    }
    return 1440;
}

int
chart_label_at(int hh, int mm, int label_minutes)
{
    return label_minutes > 0 && (hh * 60 + mm) % label_minutes == 0;
}
