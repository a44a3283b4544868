/* readiness.c - a readiness answer cached for a while, checked by one
 * caller at a time. */
#include "readiness.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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
    /* readiness_watch's thread, when started. */
    int watched, stop;
    int64_t period_ms;
    pthread_cond_t wake;    /* signalled by readiness_free */
    pthread_t watcher;
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
    if (pthread_cond_init(&r->wake, NULL) != 0) {
        pthread_mutex_destroy(&r->lock);
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
    if (r->watched) {
        pthread_mutex_lock(&r->lock);
        r->stop = 1;
        pthread_cond_signal(&r->wake);
        pthread_mutex_unlock(&r->lock);
        pthread_join(r->watcher, NULL);
    }
    pthread_cond_destroy(&r->wake);
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

/* Runs the check, started at now_ms, and keeps its result. Called without
 * the lock, with r->checking set by the caller. */
static void
readiness_run(readiness *r, int64_t now_ms)
{
    buf why = BUF_INIT;
    int ready = r->check(r->ctx, &why);

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
    pthread_mutex_unlock(&r->lock);
    buf_free(&why);
}

int
readiness_answer_at(readiness *r, int64_t now_ms, buf *body)
{
    int status;

    pthread_mutex_lock(&r->lock);
    if (r->watched || r->checking
        || (r->have && now_ms - r->checked_ms < r->max_age_ms)) {
        status = readiness_last(r, body);
        pthread_mutex_unlock(&r->lock);
        return status;
    }
    r->checking = 1;
    r->checks++;
    pthread_mutex_unlock(&r->lock);

    readiness_run(r, now_ms);
    pthread_mutex_lock(&r->lock);
    status = readiness_last(r, body);
    pthread_mutex_unlock(&r->lock);
    return status;
}

/* readiness_watch's thread: a check every period_ms until readiness_free. */
static void *
readiness_watch_main(void *arg)
{
    readiness *r = arg;

    pthread_mutex_lock(&r->lock);
    while (!r->stop) {
        struct timespec until;

        r->checking = 1;
        r->checks++;
        pthread_mutex_unlock(&r->lock);
        readiness_run(r, timestamp_mono_ms());
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += (time_t)(r->period_ms / 1000);
        until.tv_nsec += (long)(r->period_ms % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_mutex_lock(&r->lock);
        while (!r->stop && pthread_cond_timedwait(&r->wake, &r->lock, &until) == 0)
            ;
    }
    pthread_mutex_unlock(&r->lock);
    return NULL;
}

int
readiness_watch(readiness *r, int64_t period_ms)
{
    r->period_ms = period_ms;
    if (pthread_create(&r->watcher, NULL, readiness_watch_main, r) != 0)
        return -1;
    pthread_mutex_lock(&r->lock);
    r->watched = 1;
    pthread_mutex_unlock(&r->lock);
    return 0;
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
