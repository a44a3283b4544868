/* chart.c - the geometry of the report's bar chart. */
#include "chart.h"

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
chart_label_every(int n)
{
    double slot = (double)CHART_PLOT_W / (n > 0 ? n : 1);
    int every = 1;

    while (slot * every < 56)
        every++;
    /* Round to a step that lands on round times: 1, 2, 3, 4, 6, 12, ... */
    static const int steps[] = { 1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 24, 30, 60 };
    for (unsigned k = 0; k < sizeof(steps) / sizeof(steps[0]); k++) {
        if (steps[k] >= every)
            return steps[k];
    }
    return every;
}
