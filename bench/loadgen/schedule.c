/* schedule.c - the load generator's schedule: request k is due at t0 +
 * k/RATE whatever happened before it, a marker every marker-every ms and
 * otherwise a page drawn by Zipf; due requests go out oldest first on idle
 * connections; one loop of epoll and a timer until all are answered or the
 * deadline; a row of the series each second. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "loadgen.h"

/* Writes v in decimal at out; returns the number of digits (at most 20). */
static size_t
lg_utoa(uint64_t v, char *out)
{
    char tmp[20];
    size_t n = 0;

    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (size_t i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    return n;
}

/* Writes r's path at out (room for 128 bytes), without a NUL; returns its
 * length. */
size_t
lg_path(const lg *g, const lg_req *r, char *out)
{
    size_t n, id;

    if (r->page != LG_MARKER) {
        memcpy(out, "/bench/p/", 9);
        return 9 + lg_utoa(r->page, out + 9);
    }
    memcpy(out, "/bench/marker/", 14);
    n = 14;
    id = strlen(g->o.run_id);
    memcpy(out + n, g->o.run_id, id);
    n += id;
    out[n++] = '-';
    return n + lg_utoa(r->marker, out + n);
}

/* When request k is due, in ns after t0. */
static int64_t
lg_due_rel(const lg *g, uint64_t k)
{
    return (int64_t)((double)k * 1e9 / g->o.rate);
}

/* Draws request k_next into g->head: a marker when one is due, else a page. */
static void
lg_prepare(lg *g)
{
    int64_t rel = lg_due_rel(g, g->k_next);

    g->head.due = g->t0 + rel;
    if (g->o.marker_ns > 0 && rel >= g->next_marker) {
        g->head.page = LG_MARKER;
        g->head.marker = g->marker_seq++;
        g->next_marker = (rel / g->o.marker_ns + 1) * g->o.marker_ns;
    } else {
        g->head.page = zipf_draw(g->pages, &g->rng);
    }
    g->have_head = 1;
}

/* Writes the row of the current second of the series, if asked for. */
static void
lg_series_row(lg *g)
{
    if (g->series)
        fprintf(g->series, "%" PRId64 "\t%" PRIu64 "\t%" PRIu64 "\t%" PRIu64
                "\t%.3f\t%.3f\n", g->ser_sec, g->ser_sent, g->ser_ok, g->ser_errors,
                histogram_ms(&g->ser_hist, 0.5), histogram_ms(&g->ser_hist, 0.99));
}

/* Writes the rows of the series up to the second holding now. */
void
lg_series_tick(lg *g, int64_t now)
{
    int64_t sec = (now - g->t0) / LG_SEC;

    while (g->ser_sec < sec) {
        lg_series_row(g);
        g->ser_sec++;
        g->ser_sent = g->ser_ok = g->ser_errors = 0;
        memset(&g->ser_hist, 0, sizeof(g->ser_hist));
    }
}

/* Sends the requests that are due, oldest first, while connections are
 * idle; the others wait and will count as late. */
static void
lg_dispatch(lg *g, int64_t now)
{
    while (g->k_next < g->k_due) {
        lg_conn *c;

        if (g->nidle == 0) {
            g->queued_until = g->k_due;
            return;
        }
        if (!g->have_head)
            lg_prepare(g);
        c = &g->conns[g->idle[g->nidle - 1]];
        lg_idle_remove(g, c);
        if (lg_send(g, c, now) < 0)
            continue;
        if (g->k_next < g->queued_until)
            g->st.late++;
        if (now - g->head.due > g->st.max_late)
            g->st.max_late = now - g->head.due;
        g->have_head = 0;
        g->k_next++;
    }
}

/* Makes the timer fire at wake (monotonic ns). Returns the epoll timeout:
 * 0 when wake has come, else -1 (the timer wakes us). */
static int
lg_arm(lg *g, int64_t wake, int64_t now)
{
    struct itimerspec its;

    if (wake <= now)
        return 0;
    if (g->armed == wake)
        return -1;
    memset(&its, 0, sizeof(its));
    its.it_value.tv_sec = wake / LG_SEC;
    its.it_value.tv_nsec = wake % LG_SEC;
    if (timerfd_settime(g->tfd, TFD_TIMER_ABSTIME, &its, NULL) < 0)
        return (int)((wake - now) / LG_MS) + 1;
    g->armed = wake;
    return -1;
}

/* Waits for events (at most timeout ms, -1: no limit) and handles them.
 * Returns 0 or -1 on an epoll failure. */
int
lg_poll(lg *g, int timeout)
{
    struct epoll_event ev[LG_MAX_EVENTS];
    uint64_t ticks;
    int n;

    n = epoll_wait(g->epfd, ev, LG_MAX_EVENTS, timeout);
    if (n < 0)
        return errno == EINTR ? 0 : -1;
    for (int i = 0; i < n; i++) {
        uint64_t tag = ev[i].data.u64;
        lg_conn *c;

        if (tag == LG_TIMER_TAG) {
            if (read(g->tfd, &ticks, sizeof(ticks)) < 0)
                ticks = 0;
            g->armed = 0;
            continue;
        }
        c = &g->conns[(uint32_t)tag];
        if ((uint32_t)(tag >> 32) == c->gen)
            lg_on_event(g, c, ev[i].events);
    }
    return 0;
}

/* Stops scheduling after a signal; a second one stops waiting too. */
static void
lg_on_stop(lg *g, int64_t now)
{
    if (g->signals_seen++ > 0) {
        g->deadline = now;
        return;
    }
    g->st.unsent += g->k_due - g->k_next;
    g->total = g->k_due = g->k_next;
    g->end = now;
    if (g->deadline == 0 || g->deadline > now + LG_SIGNAL_GRACE_NS)
        g->deadline = now + LG_SIGNAL_GRACE_NS;
}

/* Runs the schedule until every request is sent and answered, or the
 * deadline. Returns 0 or -1 on an epoll failure (with g->last_err). */
int
lg_run(lg *g)
{
    int64_t now, wake;

    for (;;) {
        now = lg_now();
        lg_series_tick(g, now);
        if (lg_signals != g->signals_seen)
            lg_on_stop(g, now);
        while (g->k_due < g->total && g->t0 + lg_due_rel(g, g->k_due) <= now)
            g->k_due++;
        lg_dispatch(g, now);
        if (now >= g->next_house) {
            lg_housekeep(g, now);
            g->next_house = now + LG_HOUSE_NS;
        }
        if (g->k_next == g->total && g->inflight == 0)
            return 0;
        if (g->deadline && now >= g->deadline)
            return 0;
        wake = g->next_house;
        if (g->k_due < g->total && g->t0 + lg_due_rel(g, g->k_due) < wake)
            wake = g->t0 + lg_due_rel(g, g->k_due);
        if (g->deadline && g->deadline < wake)
            wake = g->deadline;
        if (lg_poll(g, lg_arm(g, wake, now)) < 0) {
            g->last_err = errno;
            return -1;
        }
    }
}

/* Counts what the run left over: answers not come (as timeouts) and
 * requests not sent. */
void
lg_finish(lg *g)
{
    int64_t now = lg_now();

    if (g->total != UINT64_MAX)
        g->st.unsent += g->total - g->k_next;
    g->total = g->k_next; /* reconnect nothing */
    for (uint64_t i = 0; i < g->o.conns; i++) {
        lg_conn *c = &g->conns[i];
        if (c->state == LG_BUSY)
            lg_fail(g, c, now, 't');
        else if (c->state != LG_DOWN)
            lg_close(g, c, now, 0);
    }
    lg_series_tick(g, now);
    if (g->ser_sent || g->ser_ok || g->ser_errors || g->ser_hist.n)
        lg_series_row(g); /* the last, partial second */
}
