/* readiness.c - a readiness answer cached for a while, checked by one
 * caller at a time. */
#include "readiness.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "timestamp.h"

struct readiness {
    pthread_mutex_t lock;
    readiness_check check;
    void *ctx;
    int64_t max_age_ms;
    int have;               /* a check has finished */
    int checking;           /* a caller is running one */
    int64_t checked_ms;     /* when the last one started */
    int ready;
    char why[512];          /* its reasons, when not ready */
    uint64_t checks;
};

readiness *
readiness_new(readiness_check check, void *ctx, int64_t max_age_ms)
{
    readiness *r = calloc(1, sizeof(*r));

    if (r == NULL)
        return NULL;
    if (pthread_mutex_init(&r->lock, NULL) != 0) {
        free(r);
        return NULL;
    }
    r->check = check;
    r->ctx = ctx;
    r->max_age_ms = max_age_ms;
    return r;
}

void
readiness_free(readiness *r)
{
    if (r == NULL)
        return;
    pthread_mutex_destroy(&r->lock);
    free(r);
}

/* Appends the last result to body and returns its status. Called with the
 * lock held. */
static int
readiness_last(const readiness *r, buf *body)
{
    if (!r->have) {
        buf_puts(body, "not ready: the first readiness check is still running\n");
        return 503;
    }
    buf_puts(body, r->ready ? "ready\n" : r->why);
    return r->ready ? 200 : 503;
}

int
readiness_answer_at(readiness *r, int64_t now_ms, buf *body)
{
    buf why = BUF_INIT;
    int status, ready;

    pthread_mutex_lock(&r->lock);
    if (r->checking || (r->have && now_ms - r->checked_ms < r->max_age_ms)) {
        status = readiness_last(r, body);
        pthread_mutex_unlock(&r->lock);
        return status;
    }
    r->checking = 1;
    r->checks++;
    pthread_mutex_unlock(&r->lock);

    ready = r->check(r->ctx, &why);
    if (!ready && (why.failed || why.len == 0)) {
        buf_reset(&why);
        buf_puts(&why, "not ready\n");
    }

    pthread_mutex_lock(&r->lock);
    r->checking = 0;
    r->have = 1;
    r->checked_ms = now_ms;
    r->ready = ready;
    r->why[0] = '\0';
    if (!ready) {
        size_t n = why.len < sizeof(r->why) - 1 ? why.len : sizeof(r->why) - 1;

        memcpy(r->why, why.data ? why.data : "", n);
        r->why[n] = '\0';
    }
    status = readiness_last(r, body);
    pthread_mutex_unlock(&r->lock);
    buf_free(&why);
    return status;
}

int
readiness_answer(readiness *r, buf *body)
{
    return readiness_answer_at(r, timestamp_mono_ms(), body);
}

uint64_t
readiness_checks(readiness *r)
{
    uint64_t n;

    pthread_mutex_lock(&r->lock);
    n = r->checks;
    pthread_mutex_unlock(&r->lock);
    return n;
}
