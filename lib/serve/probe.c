/* probe.c - the monitoring endpoints' answers, one router for every
 * program. */
#include "probe.h"

#include <string.h>

#include "metrics.h"

int
probe_answer(const probe_app *app, const char *name, buf *body,
             const char **content_type)
{
    int status;

    buf_reset(body);
    *content_type = "text/plain; charset=utf-8";
    if (strcmp(name, "metrics") == 0) {
        app->metrics(app->ctx, body);
        *content_type = METRICS_CONTENT_TYPE;
        status = 200;
    } else if (strcmp(name, "healthz") == 0) {
        if (app->alive)
            status = app->alive(app->ctx, body);
        else
            status = buf_puts(body, "alive\n") < 0 ? 500 : 200;
    } else if (strcmp(name, "readyz") == 0) {
        status = app->ready(app->ctx, body);
    } else {
        buf_puts(body, "not found: metrics, healthz and readyz are served here\n");
        status = 404;
    }
    if (body->failed) {
        buf_reset(body);
        buf_puts(body, "out of memory\n");
        *content_type = "text/plain; charset=utf-8";
        status = 500;
    }
    return status;
}
