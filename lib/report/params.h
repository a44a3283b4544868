/* params.h - the query parameters of the report endpoints, validated. */
#ifndef VISITS_PARAMS_H
#define VISITS_PARAMS_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "path.h"
#include "sites.h"

#define PARAMS_TOP_DEFAULT 10
#define PARAMS_TOP_MAX 100
#define PARAMS_TZ_MAX 64
#define PARAMS_CSV_MAX_SECONDS (7 * 86400)  /* longest /visits.csv range */

/* The parameters of a report, as bits: which a query string gave. */
enum {
    PARAMS_SITE = 1 << 0,
    PARAMS_WINDOW = 1 << 1,
    PARAMS_TOP = 1 << 2,
    PARAMS_TZ = 1 << 3,
    PARAMS_PATH = 1 << 4,
    PARAMS_ALL = (1 << 5) - 1,
};

typedef struct report_params {
    const sites *sites;     /* every site, for the site switcher */
    char site[SITES_NAME_MAX + 1];      /* the site reported on */
    const char *window;     /* canonical name, e.g. "60m" (static storage) */
    int minutes;            /* window length in minutes */
    int bucket_minutes;     /* chart bucket: 1, 5 or 15 minutes */
    int top;                /* how many paths to list */
    char tz[PARAMS_TZ_MAX + 1];         /* IANA name for labels, "UTC" */
    char path[PATH_NORMAL_MAX + 1];      /* one path's chart, "" for all */
    unsigned given;         /* PARAMS_* bits of the query's parameters */
} report_params;

typedef struct csv_params {
    char site[SITES_NAME_MAX + 1];
    int64_t from;           /* seconds since the epoch, minute-aligned */
    int64_t to;             /* exclusive */
    char path[PATH_NORMAL_MAX + 1];      /* "" for all */
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

/* Appends to out the query string of p's parameters in which (PARAMS_*
 * bits), in the order site, window, top, tz, path, each value in its
 * canonical spelling (query_string_encode), separated by amp ("&", or "&amp;"
 * in HTML). Returns 0, or -1 when out of memory. */
int params_query(buf *out, const report_params *p, unsigned which, const char *amp);

/* The PARAMS_* bits of p's parameters that differ from their defaults. */
unsigned params_nondefault(const report_params *p);

/* Returns 1 when query (a raw query string) is the canonical spelling of
 * the parameters it gives (p, parsed from it): params_query of p->given.
 * The report's cache is keyed on the URL, so only these reach the
 * database: at most 2^5 spellings of one report (each parameter given or
 * left to its default), where percent-escapes, order and leading zeros
 * made any number. scratch is used and left holding the canonical one. */
int params_is_canonical(const char *query, const report_params *p, buf *scratch);

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
