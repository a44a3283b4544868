/* render.h - the report as JSON and as an HTML page. */
#ifndef VISITS_RENDER_H
#define VISITS_RENDER_H

#include "buf.h"
#include "report.h"

/* Appends r as a JSON document to out:
 *   {"window":"60m","generated_at":"...Z","total":N,"current_minute":N,
 *    "minutes":[{"start":"...Z","visits":N},...],   oldest first
 *    "paths":[{"path":"/x","visits":N},...]}          most visited first
 * Returns 0, or -1 when out of memory. */
int render_json(const report *r, buf *out);

/* Appends the /visits page for r to out: the numbers, a table per minute
 * (newest first) and the top paths, every string escaped; it keeps itself
 * current through /visits/static/visits.js, or a meta refresh without
 * JavaScript. top is the number of paths asked for. Returns 0 or -1. */
int render_html(const report *r, int top, buf *out);

#endif
