/* render.h - the report as JSON, as an HTML page with an SVG chart, and as
 * CSV rows. Every string that came from a request is escaped for where it
 * lands. */
#ifndef VISITS_RENDER_H
#define VISITS_RENDER_H

#include <stdint.h>

#include "buf.h"
#include "report.h"

/* Appends r as the JSON document described in docs/API.md. Returns 0, or
 * -1 when out of memory. */
int render_json(const report *r, buf *out);

/* Appends the /visits page for r: the numbers, the chart (SVG, works
 * without JavaScript), the top paths, and the controls. Returns 0 or -1. */
int render_html(const report *r, buf *out);

/* Appends the SVG chart of r alone. Returns 0 or -1. */
int render_chart(const report *r, buf *out);

/* Appends one CSV field: quoted when it holds a comma, quote, CR or LF;
 * quotes doubled; and, against formula injection in spreadsheets, a
 * leading =, +, -, @, tab or CR prefixed with a single quote. Returns 0 or
 * -1. */
int render_csv_field(buf *out, const char *s);

#endif
