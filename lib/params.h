/* params.h - the query parameters of the report endpoints. */
#ifndef VISITS_PARAMS_H
#define VISITS_PARAMS_H

#include <stddef.h>

#define PARAMS_TOP_DEFAULT 10
#define PARAMS_TOP_MAX 100

typedef struct report_params {
    const char *window;     /* canonical name, e.g. "60m" (static storage) */
    int minutes;            /* window length in minutes */
    int top;                /* how many paths to list */
} report_params;

/* Parses a report query string: window (15m, 60m, 6h, 24h; default 60m) and
 * top (1..100; default 10). Returns 0, or -1 with a message for a 400 answer
 * that names the parameter and what it allows. Unknown and repeated
 * parameters are errors. */
int params_parse(const char *query, report_params *p, char *err, size_t errlen);

#endif
