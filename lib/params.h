/* params.h - the query parameters of the report endpoints, validated. */
#ifndef VISITS_PARAMS_H
#define VISITS_PARAMS_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "sites.h"

#define PARAMS_TOP_DEFAULT 10
#define PARAMS_TOP_MAX 100
#define PARAMS_TZ_MAX 64
#define PARAMS_CSV_MAX_SECONDS (7 * 86400)  /* longest /visits.csv range */

typedef struct report_params {
    const sites *sites;     /* every site, for the site switcher */
    char site[SITES_NAME_MAX + 1];      /* the site reported on */
    const char *window;     /* canonical name, e.g. "60m" (static storage) */
    int minutes;            /* window length in minutes */
    int bucket_minutes;     /* chart bucket: 1, 5 or 15 minutes */
    int top;                /* how many paths to list */
    char tz[PARAMS_TZ_MAX + 1];         /* IANA name for labels, "UTC" */
    char path[EVENT_PATH_MAX + 1];      /* one path's chart, "" for all */
} report_params;

typedef struct csv_params {
    char site[SITES_NAME_MAX + 1];
    int64_t from;           /* seconds since the epoch, minute-aligned */
    int64_t to;             /* exclusive */
    char path[EVENT_PATH_MAX + 1];      /* "" for all */
} csv_params;

/* Parses a /visits or /visits.json query string: site (the name of one of
 * the sites in all; default the first, also when empty), window (15m,
 * 60m, 6h, 24h; default 60m, with 1, 1, 5 and 15 minute buckets), top
 * (1..100; default 10), tz (an IANA time zone name present in the
 * system's zoneinfo; default UTC, also when empty) and path (a normalized
 * path; default all, also when empty). Returns 0, or -1 with a message for
 * a 400 answer that names the parameter and what it allows. Unknown and
 * repeated parameters are errors. */
int params_parse(const char *query, const sites *all, report_params *p, char *err,
                 size_t errlen);

/* Parses a /visits.csv query string: site as for params_parse, from and to as "YYYY-MM-DDTHH:MMZ" or
 * "YYYY-MM-DDTHH:MM:SSZ" (rounded down to the minute; defaults: to = the
 * end of the current minute, from = to - 1 hour), at most 7 days apart, and
 * path as for params_parse. now_ms is the current time. Returns 0, or -1
 * with a message for a 400 answer. */
int params_parse_csv(const char *query, const sites *all, int64_t now_ms,
                     csv_params *p, char *err, size_t errlen);

/* Returns 1 when name is "UTC" or a safe relative name of a TZif file under
 * the zoneinfo directory (TZDIR or /usr/share/zoneinfo), 0 otherwise. */
int params_tz_valid(const char *name);

#endif
