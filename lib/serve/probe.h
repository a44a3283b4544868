/* probe.h - the monitoring endpoints every long-running program serves,
 * whatever carries them (FastCGI behind nginx's monitoring server for the
 * workers, the consumer's own listener): "metrics" (Prometheus text),
 * "healthz" (the program works) and "readyz" (what it needs answers). */
#ifndef VISITS_PROBE_H
#define VISITS_PROBE_H

#include "buf.h"

typedef struct probe_app {
    void *ctx;
    /* Appends the Prometheus text of the program's metrics to out. */
    void (*metrics)(void *ctx, buf *out);
    /* Optional (NULL: always alive): appends "alive\n" and returns 200,
     * or appends why not and returns 503. */
    int (*alive)(void *ctx, buf *out);
    /* Appends "ready\n" and returns 200, or appends "not ready: <why>\n"
     * lines and returns 503. */
    int (*ready)(void *ctx, buf *out);
} probe_app;

/* Answers the probe name ("metrics", "healthz", "readyz"; anything else
 * 404) into body, which it resets first, and sets *content_type (a static
 * string). Returns the status: 200, 404, 500 (out of memory) or 503. */
int probe_answer(const probe_app *app, const char *name, buf *body,
                 const char **content_type);

#endif
