/* top_paths.h - the most visited paths of a window, added up from the rows
 * of its spans. */
#ifndef VISITS_TOP_PATHS_H
#define VISITS_TOP_PATHS_H

#include <stddef.h>

#include "report.h"
#include "span_cache.h"

/* Adds up the rows of the n spans by path and fills out (room for top
 * entries) with the top most visited, most first, equal counts in byte
 * order of their paths (as PostgreSQL's COLLATE "C"), leaving out paths
 * whose rows add up to 0; each path is the caller's to free. Returns how
 * many were filled, or -1 when out of memory (out then holds nothing to
 * free). */
int top_paths(span_rows *const *spans, size_t n, int top, report_path *out);

#endif
