/* params.c - the query parameters of the report endpoints. */
#include "params.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qs.h"

static const struct {
    const char *name;
    int minutes;
} params_windows[] = {
    { "15m", 15 }, { "60m", 60 }, { "6h", 360 }, { "24h", 1440 },
};

#define PARAMS_NWINDOWS (sizeof(params_windows) / sizeof(params_windows[0]))

int
params_parse(const char *query, report_params *p, char *err, size_t errlen)
{
    qs_param qp[QS_MAX_PARAMS];
    int n, seen_window = 0, seen_top = 0;
    size_t w;
    char *end;
    long v;

    p->window = "60m";
    p->minutes = 60;
    p->top = PARAMS_TOP_DEFAULT;
    n = qs_parse(query, qp, QS_MAX_PARAMS, err, errlen);
    if (n < 0)
        return -1;
    for (int i = 0; i < n; i++) {
        if (strcmp(qp[i].key, "window") == 0) {
            if (seen_window++)
                goto twice;
            for (w = 0; w < PARAMS_NWINDOWS; w++) {
                if (strcmp(qp[i].value, params_windows[w].name) == 0)
                    break;
            }
            if (w == PARAMS_NWINDOWS) {
                snprintf(err, errlen,
                         "parameter \"window\" must be one of 15m, 60m, 6h, 24h");
                return -1;
            }
            p->window = params_windows[w].name;
            p->minutes = params_windows[w].minutes;
        } else if (strcmp(qp[i].key, "top") == 0) {
            if (seen_top++)
                goto twice;
            v = strtol(qp[i].value, &end, 10);
            if (qp[i].value[0] < '0' || qp[i].value[0] > '9' || *end != '\0'
                || v < 1 || v > PARAMS_TOP_MAX) {
                snprintf(err, errlen,
                         "parameter \"top\" must be an integer from 1 to %d",
                         PARAMS_TOP_MAX);
                return -1;
            }
            p->top = (int)v;
        } else {
            snprintf(err, errlen,
                     "unknown parameter \"%s\" (allowed: window, top)", qp[i].key);
            return -1;
        }
        continue;
twice:
        snprintf(err, errlen, "parameter \"%s\" is given more than once",
                 qp[i].key);
        return -1;
    }
    return 0;
}
