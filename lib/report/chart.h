/* chart.h - the geometry of the report's bar chart: a rounded y scale and
 * where each bar goes in the SVG's coordinate system. Pure arithmetic, so
 * the server and the page's script place bars identically. */
#ifndef VISITS_CHART_H
#define VISITS_CHART_H

#include <stdint.h>

#define CHART_WIDTH 720     /* viewBox */
#define CHART_HEIGHT 240
#define CHART_LEFT 56       /* room for the y labels (chart_tick_label) */
#define CHART_RIGHT 24     /* half an x label: the last one is not cut off */
#define CHART_TOP 10
#define CHART_BOTTOM 26     /* room for the x labels */
#define CHART_MAX_TICKS 5

typedef struct chart_scale {
    int64_t max;            /* top of the y axis: 1, 2 or 5 times a power of 10 */
    int64_t step;           /* between two gridlines */
    int nticks;             /* gridlines including 0 and max */
} chart_scale;

/* Returns the y scale for values whose largest is max (>= 0): the smallest
 * "nice" max >= the value (at least 5), split into at most CHART_MAX_TICKS
 * steps of a nice size. */
chart_scale chart_scale_for(int64_t max);

/* Writes the y axis label of tick value v (>= 0) into out: the number as
 * is below 1,000, else in thousands or millions with at most one decimal
 * ("1.5k", "20k", "2M"), so that it fits left of the plot at any rate.
 * Returns out. */
#define CHART_TICK_LABEL_SIZE 24
char *chart_tick_label(int64_t v, char out[CHART_TICK_LABEL_SIZE]);

/* Plot area in viewBox units. */
#define CHART_PLOT_W (CHART_WIDTH - CHART_LEFT - CHART_RIGHT)
#define CHART_PLOT_H (CHART_HEIGHT - CHART_TOP - CHART_BOTTOM)

/* The slot of bar i of n: x of its left edge and its width, with a gap of
 * a fifth of the slot between bars (none below 2 units). */
double chart_bar_x(int i, int n);
double chart_bar_width(int n);

/* Height in viewBox units of a bar of value v on scale s (0..CHART_PLOT_H);
 * a non-zero value is at least 1 unit high so it stays visible. */
double chart_bar_height(int64_t v, const chart_scale *s);

/* Minutes between two x labels for n bars of bucket_minutes each: the
 * smallest of 1, 2, 5, 10, 15, 30 minutes or 1, 2, 3, 4, 6, 12, 24 hours
 * that is a multiple of bucket_minutes and leaves CHART_LABEL_ROOM units
 * per label (a label is about 40 units wide). */
#define CHART_LABEL_ROOM 52
int chart_label_minutes(int n, int bucket_minutes);

/* Returns 1 when a bar whose local start time is hh:mm gets an x label at
 * label_minutes between labels: labels fall on round local times. At
 * 2 * label_minutes, the same says which labels are major: the ones a
 * narrow screen keeps. */
int chart_label_at(int hh, int mm, int label_minutes);

#endif
