/* loadgen.h - the state of one run of visits-loadgen, shared by its
 * stages: the schedule (schedule.c: when each request is due, which page
 * it asks for, the loop), the connections (connection.c: connecting,
 * sending, reading answers with response.c) and the program (main.c:
 * setup, results). One thread; nothing here is shared with another. */
#ifndef LOADGEN_LOADGEN_H
#define LOADGEN_LOADGEN_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include "histogram.h"
#include "options.h"
#include "random.h"
#include "response.h"

#define LG_MS 1000000LL
#define LG_SEC 1000000000LL
#define LG_HOUSE_NS (50 * LG_MS)        /* timeouts and reconnects, checked this often */
#define LG_GRACE_NS (10 * LG_SEC)       /* waiting for answers after the end */
#define LG_SIGNAL_GRACE_NS (2 * LG_SEC) /* the same after SIGINT or SIGTERM */
#define LG_START_NS (5 * LG_SEC)        /* at most this long to open the connections */
#define LG_BACKOFF_MIN_NS (50 * LG_MS)
#define LG_BACKOFF_MAX_NS (1000 * LG_MS)
#define LG_WBUF 512                     /* per connection: one request */
#define LG_MAX_EVENTS 512
#define LG_MARKER UINT32_MAX            /* lg_req.page of a marker */
#define LG_TIMER_TAG UINT64_MAX         /* epoll data of the timer */

/* One scheduled request. */
typedef struct lg_req {
    int64_t due;              /* monotonic ns */
    uint64_t marker;          /* its sequence number, for a marker */
    uint32_t page;            /* page index, or LG_MARKER */
} lg_req;

enum { LG_DOWN, LG_CONNECTING, LG_IDLE, LG_BUSY };

typedef struct lg_conn {
    int fd;                   /* -1 when down */
    int state;                /* LG_* */
    int idle_pos;             /* index in lg.idle while idle */
    int fails;                /* failures since the last answer: the backoff */
    uint32_t gen;             /* bumped at each close: stale epoll events */
    int64_t deadline;         /* connecting or busy: give up then */
    int64_t retry_at;         /* down: reconnect then (0: not scheduled) */
    lg_req req;               /* busy: the request in flight */
    response answer;          /* the answer being read */
    size_t wpos, wlen, rpos, rlen;
    char wbuf[LG_WBUF];
    char rbuf[RESPONSE_LINE_MAX + 1];
} lg_conn;

typedef struct lg_mark {
    uint64_t seq;
    int64_t unix_ms;
} lg_mark;

typedef struct lg_stats {
    uint64_t sent, ok, other, c4xx, c5xx;
    uint64_t errors, conn_errors, timeouts, proto_errors;
    uint64_t late, unsent, conn_failures;
    int64_t max_late;         /* ns */
} lg_stats;

typedef struct lg {
    options o;
    lg_conn *conns;
    int *idle;                /* stack of idle connection indexes */
    int nidle;
    int epfd, tfd;
    int64_t armed;            /* when the timer fires (0: disarmed) */
    random_state rng;
    zipf *pages;              /* Zipf(1) over the pages */
    uint64_t *counts;         /* 200 answers per page */
    lg_mark *marks;           /* markers answered 200 */
    size_t nmarks, capmarks;
    int oom;
    char suffix[LG_WBUF];     /* the request after its path */
    size_t suffix_len;
    FILE *series, *markers, *counts_f;
    /* schedule */
    int64_t t0, end, deadline, last_send, next_house;
    uint64_t total;           /* requests to send (UINT64_MAX: until a signal) */
    uint64_t k_due;           /* requests due so far */
    uint64_t k_next;          /* requests sent so far: the next to send */
    uint64_t queued_until;    /* requests below this waited for a connection */
    uint64_t marker_seq;
    int64_t next_marker;      /* ns after t0 */
    lg_req head;              /* request k_next, once drawn */
    int have_head;
    uint64_t inflight;
    int signals_seen, last_err;
    lg_stats st;
    histogram hist;
    /* the current second of the series */
    int64_t ser_sec;
    uint64_t ser_sent, ser_ok, ser_errors;
    histogram ser_hist;
} lg;

/* SIGINT and SIGTERM seen so far (main.c's handler counts them). */
extern volatile sig_atomic_t lg_signals;

/* Monotonic time in ns. */
int64_t lg_now(void);

/* schedule.c */
/* Writes r's path at out (room for 128 bytes), without a NUL; returns its
 * length. */
size_t lg_path(const lg *g, const lg_req *r, char *out);
/* Writes the rows of the series up to the second holding now. */
void lg_series_tick(lg *g, int64_t now);
/* Waits for events (at most timeout ms, -1: no limit) and handles them.
 * Returns 0 or -1 on an epoll failure. */
int lg_poll(lg *g, int timeout);
/* Runs the schedule until every request is sent and answered, or the
 * deadline. Returns 0 or -1 on an epoll failure (with g->last_err). */
int lg_run(lg *g);
/* Counts what the run left over: answers not come (as timeouts) and
 * requests not sent. */
void lg_finish(lg *g);

/* connection.c */
/* Starts connecting c, which is down. On failure c stays down and tries
 * again after its backoff. */
void lg_connect(lg *g, lg_conn *c, int64_t now);
/* Counts a failed connection attempt of c and schedules the next one. */
void lg_connect_failed(lg *g, lg_conn *c, int64_t now, int err);
/* Closes c's socket, forgetting any request on it (callers count it
 * first), and reconnects after delay ns, at once when delay is 0, unless
 * nothing is left to send. */
void lg_close(lg *g, lg_conn *c, int64_t now, int64_t delay);
/* The request on c failed (kind: 'c' connection, 't' timeout, 'p' bad
 * answer): counts it as an error, never to be resent, and reconnects. */
void lg_fail(lg *g, lg_conn *c, int64_t now, int kind);
/* Takes c, idle, off the idle stack (its state is the caller's). */
void lg_idle_remove(lg *g, lg_conn *c);
/* Sends the head request on c, just taken off the idle stack. Returns 0
 * when c took it (it is counted as sent), -1 when c turned out dead before
 * any byte left: c is closed and the request is still unsent. */
int lg_send(lg *g, lg_conn *c, int64_t now);
/* Handles epoll events ev on connection c. */
void lg_on_event(lg *g, lg_conn *c, uint32_t ev);
/* Gives up on connection attempts and answers past their deadline, and
 * reconnects connections whose backoff is over. */
void lg_housekeep(lg *g, int64_t now);

#endif
