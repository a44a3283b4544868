/* visits-loadgen - an open-loop HTTP/1.1 load generator for the benchmark.
 *
 * Request k is due at t0 + k/RATE whatever happened before it: it goes out
 * on an idle kept-alive connection, or waits for one (and counts as late).
 * Latency runs from the due time to the last byte of the answer, so the
 * wait is included (no coordinated omission). A request is sent at most
 * once and never resent, even when its connection fails: the benchmark
 * compares the counts written here with the counts stored, exactly.
 * One thread, epoll, one request in flight per connection, no allocation
 * per request. Usage: visits-loadgen --help */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define LG_NAME "visits-loadgen"
#define LG_MS 1000000LL
#define LG_SEC 1000000000LL
#define LG_HOUSE_NS (50 * LG_MS)        /* timeouts and reconnects, checked this often */
#define LG_GRACE_NS (10 * LG_SEC)       /* waiting for answers after the end */
#define LG_SIGNAL_GRACE_NS (2 * LG_SEC) /* the same after SIGINT or SIGTERM */
#define LG_START_NS (5 * LG_SEC)        /* at most this long to open the connections */
#define LG_BACKOFF_MIN_NS (50 * LG_MS)
#define LG_BACKOFF_MAX_NS (1000 * LG_MS)
#define LG_RBUF 4096                    /* per connection: the longest header line */
#define LG_WBUF 512                     /* per connection: one request */
#define LG_MAX_EVENTS 512
#define LG_MAX_PATHS 1000000
#define LG_MAX_CONNS 100000
#define LG_RUNID_MAX 64
#define LG_MARKER UINT32_MAX            /* lg_req.page of a marker */
#define LG_TIMER_TAG UINT64_MAX         /* epoll data of the timer */

/* A log-linear histogram of microseconds: exact below 256 us, then 128
 * buckets per power of two (under 0.8% error), up to 2^40 us. */
#define HIST_SUB_BITS 8
#define HIST_HALF (1u << (HIST_SUB_BITS - 1))
#define HIST_MAX_EXP 40
#define HIST_BUCKETS ((1u << HIST_SUB_BITS) + (HIST_MAX_EXP - HIST_SUB_BITS) * HIST_HALF)

typedef struct {
    uint64_t n;
    uint64_t max;
    uint64_t count[HIST_BUCKETS];
} lg_hist;

typedef struct {
    struct sockaddr_in addr;
    char host[256];
    unsigned port;
    double rate;              /* requests per second */
    double duration;          /* seconds; 0: until SIGINT or SIGTERM */
    int conns;
    uint32_t paths;
    uint64_t seed;
    int64_t marker_ns;        /* 0: no markers */
    int64_t timeout_ns;
    char run_id[LG_RUNID_MAX + 1];
    const char *markers_out, *counts_out, *series_out;
} lg_opts;

/* One scheduled request. */
typedef struct {
    int64_t due;              /* monotonic ns */
    uint64_t marker;          /* its sequence number, for a marker */
    uint32_t page;            /* page index, or LG_MARKER */
} lg_req;

enum { LG_DOWN, LG_CONNECTING, LG_IDLE, LG_BUSY };
enum { P_STATUS, P_HEADER, P_BODY, P_CHUNK_SIZE, P_CHUNK_DATA, P_CHUNK_END,
       P_TRAILER, P_UNTIL_CLOSE };

typedef struct {
    int fd;                   /* -1 when down */
    int state;                /* LG_* */
    int idle_pos;             /* index in lg.idle while idle */
    int fails;                /* failures since the last answer: the backoff */
    uint32_t gen;             /* bumped at each close: stale epoll events */
    int64_t deadline;         /* connecting or busy: give up then */
    int64_t retry_at;         /* down: reconnect then (0: not scheduled) */
    lg_req req;               /* busy: the request in flight */
    /* the answer being parsed */
    int pstate, status, close, chunked;
    int64_t clen;
    uint64_t remain;
    size_t wpos, wlen, rpos, rlen;
    char wbuf[LG_WBUF];
    char rbuf[LG_RBUF];
} lg_conn;

typedef struct {
    uint64_t seq;
    int64_t unix_ms;
} lg_mark;

typedef struct {
    uint64_t sent, ok, other, c4xx, c5xx;
    uint64_t errors, conn_errors, timeouts, proto_errors;
    uint64_t late, unsent, conn_failures;
    int64_t max_late;         /* ns */
} lg_stats;

typedef struct {
    lg_opts o;
    lg_conn *conns;
    int *idle;                /* stack of idle connection indexes */
    int nidle;
    int epfd, tfd;
    int64_t armed;            /* when the timer fires (0: disarmed) */
    uint64_t rng[4];
    double *cdf;              /* Zipf(1) cumulative weights of the pages */
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
    lg_hist hist;
    /* the current second of the series */
    int64_t ser_sec;
    uint64_t ser_sent, ser_ok, ser_errors;
    lg_hist ser_hist;
} lg;

static volatile sig_atomic_t lg_signals;

/* SIGINT, SIGTERM: counted; the loop stops scheduling on the first, stops
 * waiting on the second. */
static void
lg_on_signal(int sig)
{
    (void)sig;
    lg_signals = lg_signals + 1;
}

/* Monotonic time in ns. */
static int64_t
lg_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * LG_SEC + ts.tv_nsec;
}

/* Wall-clock time in ms since the epoch. */
static int64_t
lg_unix_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Formats a message into err. */
static void __attribute__((format(printf, 3, 4)))
lg_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* ---- histogram ---- */

/* The bucket of v (us); values past the range go to the last one. */
static unsigned
hist_index(uint64_t v)
{
    unsigned e, shift;

    if (v >= (1ull << HIST_MAX_EXP))
        v = (1ull << HIST_MAX_EXP) - 1;
    if (v < (1u << HIST_SUB_BITS))
        return (unsigned)v;
    e = 63u - (unsigned)__builtin_clzll(v);
    shift = e - HIST_SUB_BITS + 1;
    return (1u << HIST_SUB_BITS) + (e - HIST_SUB_BITS) * HIST_HALF
           + (unsigned)(v >> shift) - HIST_HALF;
}

/* The highest value bucket i holds. */
static uint64_t
hist_value(unsigned i)
{
    unsigned j, e, m;

    if (i < (1u << HIST_SUB_BITS))
        return i;
    j = i - (1u << HIST_SUB_BITS);
    e = HIST_SUB_BITS + j / HIST_HALF;
    m = HIST_HALF + j % HIST_HALF;
    return ((uint64_t)(m + 1) << (e - HIST_SUB_BITS + 1)) - 1;
}

/* Counts one value, in us. */
static void
hist_add(lg_hist *h, uint64_t us)
{
    h->count[hist_index(us)]++;
    h->n++;
    if (us > h->max)
        h->max = us;
}

/* The value at quantile q (0..1) in milliseconds: the top of its bucket,
 * never above the largest value seen; 0 when empty. */
static double
hist_ms(const lg_hist *h, double q)
{
    uint64_t target, seen = 0, v;

    if (h->n == 0)
        return 0;
    target = (uint64_t)(q * (double)h->n);
    if ((double)target < q * (double)h->n)
        target++;
    if (target < 1)
        target = 1;
    for (unsigned i = 0; i < HIST_BUCKETS; i++) {
        seen += h->count[i];
        if (seen >= target) {
            v = hist_value(i);
            return (double)(v < h->max ? v : h->max) / 1000.0;
        }
    }
    return (double)h->max / 1000.0;
}

/* ---- paths ---- */

/* x rotated left by k (1..63) bits. */
static uint64_t
lg_rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

/* xoshiro256**: the next pseudo-random number. */
static uint64_t
lg_rand(uint64_t s[4])
{
    uint64_t r = lg_rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = lg_rotl(s[3], 45);
    return r;
}

/* Seeds the generator from one number with splitmix64. */
static void
lg_seed(uint64_t s[4], uint64_t seed)
{
    for (int i = 0; i < 4; i++) {
        uint64_t z = (seed += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        s[i] = z ^ (z >> 31);
    }
}

/* Draws a page index: page i has weight 1/(i+1). */
static uint32_t
lg_zipf(lg *g)
{
    double x = (double)(lg_rand(g->rng) >> 11) * 0x1.0p-53 * g->cdf[g->o.paths - 1];
    uint32_t lo = 0, hi = g->o.paths - 1;

    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (g->cdf[mid] > x)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

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
static size_t
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

/* ---- schedule ---- */

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
        g->head.page = lg_zipf(g);
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
                hist_ms(&g->ser_hist, 0.5), hist_ms(&g->ser_hist, 0.99));
}

/* Writes the rows of the series up to the second holding now. */
static void
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

/* ---- connections ---- */

/* Registers (op EPOLL_CTL_ADD) or changes (EPOLL_CTL_MOD) what c's socket
 * is watched for. Returns 0 or -1 with errno set. */
static int
lg_watch(lg *g, lg_conn *c, int op, uint32_t events)
{
    struct epoll_event ev;

    memset(&ev, 0, sizeof(ev));
    ev.events = events;
    ev.data.u64 = (uint64_t)c->gen << 32 | (uint32_t)(c - g->conns);
    return epoll_ctl(g->epfd, op, c->fd, &ev);
}

/* The reconnect delay after fails failures in a row: none after the first. */
static int64_t
lg_backoff(int fails)
{
    int64_t d = LG_BACKOFF_MIN_NS;

    if (fails <= 1)
        return 0;
    for (int i = 2; i < fails && d < LG_BACKOFF_MAX_NS; i++)
        d *= 2;
    return d < LG_BACKOFF_MAX_NS ? d : LG_BACKOFF_MAX_NS;
}

/* Makes c idle: the next request may take it. */
static void
lg_idle_push(lg *g, lg_conn *c)
{
    c->state = LG_IDLE;
    c->idle_pos = g->nidle;
    g->idle[g->nidle++] = (int)(c - g->conns);
}

/* Takes c, idle, off the idle stack (its state is the caller's). */
static void
lg_idle_remove(lg *g, lg_conn *c)
{
    int last = g->idle[--g->nidle];

    g->idle[c->idle_pos] = last;
    g->conns[last].idle_pos = c->idle_pos;
    c->idle_pos = -1;
}

static void lg_connect(lg *g, lg_conn *c, int64_t now);

/* Closes c's socket, forgetting any request on it (callers count it
 * first), and reconnects after delay ns, at once when delay is 0, unless
 * nothing is left to send. */
static void
lg_close(lg *g, lg_conn *c, int64_t now, int64_t delay)
{
    if (c->state == LG_IDLE)
        lg_idle_remove(g, c);
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    c->state = LG_DOWN;
    c->gen++;
    c->retry_at = now + delay;
    if (delay == 0 && g->k_next < g->total)
        lg_connect(g, c, now);
}

/* Counts a failed connection attempt of c and schedules the next one. */
static void
lg_connect_failed(lg *g, lg_conn *c, int64_t now, int err)
{
    g->st.conn_failures++;
    g->last_err = err;
    c->fails++;
    lg_close(g, c, now, lg_backoff(c->fails));
}

/* Starts connecting c, which is down. On failure c stays down and tries
 * again after its backoff. */
static void
lg_connect(lg *g, lg_conn *c, int64_t now)
{
    int one = 1;

    c->retry_at = 0;
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->fd < 0) {
        lg_connect_failed(g, c, now, errno);
        return;
    }
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (connect(c->fd, (const struct sockaddr *)&g->o.addr, sizeof(g->o.addr)) == 0) {
        if (lg_watch(g, c, EPOLL_CTL_ADD, EPOLLIN) < 0)
            goto failed;
        c->rpos = c->rlen = 0;
        lg_idle_push(g, c);
        return;
    }
    if (errno != EINPROGRESS || lg_watch(g, c, EPOLL_CTL_ADD, EPOLLOUT) < 0)
        goto failed;
    c->state = LG_CONNECTING;
    c->deadline = now + g->o.timeout_ns;
    return;
failed:
    lg_connect_failed(g, c, now, errno);
}

/* Finishes the connection of c once its socket is writable. */
static void
lg_connected(lg *g, lg_conn *c, int64_t now)
{
    int err = 0;
    socklen_t len = sizeof(err);

    if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
        err = errno;
    if (err == 0 && lg_watch(g, c, EPOLL_CTL_MOD, EPOLLIN) < 0)
        err = errno;
    if (err != 0) {
        lg_connect_failed(g, c, now, err);
        return;
    }
    c->rpos = c->rlen = 0;
    lg_idle_push(g, c);
}

/* The request on c failed (kind: 'c' connection, 't' timeout, 'p' bad
 * answer): counts it as an error, never to be resent, and reconnects. */
static void
lg_fail(lg *g, lg_conn *c, int64_t now, int kind)
{
    lg_series_tick(g, now);
    g->st.errors++;
    g->ser_errors++;
    if (kind == 't')
        g->st.timeouts++;
    else if (kind == 'p')
        g->st.proto_errors++;
    else
        g->st.conn_errors++;
    g->inflight--;
    c->fails++;
    lg_close(g, c, now, lg_backoff(c->fails));
}

/* Notes that marker seq was answered 200, now. The array is sized for the
 * whole run at the start when the duration is known. */
static void
lg_mark_answered(lg *g, uint64_t seq)
{
    lg_mark *m;
    size_t cap;

    if (g->nmarks == g->capmarks) {
        cap = g->capmarks ? g->capmarks * 2 : 256;
        m = realloc(g->marks, cap * sizeof(*m));
        if (m == NULL) {
            g->oom = 1;
            return;
        }
        g->marks = m;
        g->capmarks = cap;
    }
    g->marks[g->nmarks].seq = seq;
    g->marks[g->nmarks++].unix_ms = lg_unix_ms();
}

/* Keeps the answer to the request on c. Reconnects when the server closes
 * (or must close) the connection, else makes c idle. */
static void
lg_answered(lg *g, lg_conn *c, int closing)
{
    int64_t now = lg_now(), lat = now - c->req.due;
    uint64_t us = lat > 0 ? (uint64_t)lat / 1000 : 0;

    lg_series_tick(g, now);
    hist_add(&g->hist, us);
    hist_add(&g->ser_hist, us);
    if (c->status == 200) {
        g->st.ok++;
        g->ser_ok++;
        if (c->req.page != LG_MARKER)
            g->counts[c->req.page]++;
        else
            lg_mark_answered(g, c->req.marker);
    } else if (c->status < 400) {
        g->st.other++;
    } else if (c->status < 500) {
        g->st.c4xx++;
    } else {
        g->st.c5xx++;
    }
    g->inflight--;
    c->fails = 0;
    if (closing || c->wpos < c->wlen || c->rpos < c->rlen) {
        lg_close(g, c, now, 0);
        return;
    }
    c->rpos = c->rlen = 0;
    lg_idle_push(g, c);
}

/* Sends the head request on c, just taken off the idle stack. Returns 0
 * when c took it (it is counted as sent), -1 when c turned out dead before
 * any byte left: c is closed and the request is still unsent. */
static int
lg_send(lg *g, lg_conn *c, int64_t now)
{
    ssize_t n;
    size_t len;

    c->state = LG_BUSY;
    memcpy(c->wbuf, "GET ", 4);
    len = 4 + lg_path(g, &g->head, c->wbuf + 4);
    memcpy(c->wbuf + len, g->suffix, g->suffix_len);
    c->wlen = len + g->suffix_len;
    c->wpos = 0;
    n = send(c->fd, c->wbuf, c->wlen, MSG_NOSIGNAL);
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        g->st.conn_failures++;
        g->last_err = errno;
        c->fails++;
        lg_close(g, c, now, lg_backoff(c->fails));
        return -1;
    }
    c->req = g->head;
    c->deadline = now + g->o.timeout_ns;
    c->rpos = c->rlen = 0;
    c->pstate = P_STATUS;
    if (n > 0)
        c->wpos = (size_t)n;
    g->st.sent++;
    g->ser_sent++;
    g->inflight++;
    g->last_send = now;
    if (c->wpos < c->wlen && lg_watch(g, c, EPOLL_CTL_MOD, EPOLLIN | EPOLLOUT) < 0)
        lg_fail(g, c, now, 'c');
    return 0;
}

/* Sends the rest of the request on c. */
static void
lg_write(lg *g, lg_conn *c, int64_t now)
{
    ssize_t n = send(c->fd, c->wbuf + c->wpos, c->wlen - c->wpos, MSG_NOSIGNAL);

    if (n < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            lg_fail(g, c, now, 'c');
        return;
    }
    c->wpos += (size_t)n;
    if (c->wpos == c->wlen && lg_watch(g, c, EPOLL_CTL_MOD, EPOLLIN) < 0)
        lg_fail(g, c, now, 'c');
}

/* ---- answers ---- */

/* Whether the comma-separated list s[0..len) holds token tok
 * (lower-case), ignoring case and blanks. */
static int
lg_has_token(const char *s, size_t len, const char *tok)
{
    size_t tl = strlen(tok), i = 0;

    while (i < len) {
        size_t j;
        while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == ','))
            i++;
        for (j = i; j < len && s[j] != ','; j++)
            ;
        size_t e = j;
        while (e > i && (s[e - 1] == ' ' || s[e - 1] == '\t'))
            e--;
        if (e - i == tl && strncasecmp(s + i, tok, tl) == 0)
            return 1;
        i = j;
    }
    return 0;
}

/* Whether header line p[0..len) is named name (lower-case); if so sets
 * *v and *vlen to its trimmed value. */
static int
lg_header(const char *p, size_t len, const char *name, const char **v, size_t *vlen)
{
    size_t nl = strlen(name);

    if (len <= nl || p[nl] != ':' || strncasecmp(p, name, nl) != 0)
        return 0;
    p += nl + 1;
    len -= nl + 1;
    while (len > 0 && (*p == ' ' || *p == '\t')) {
        p++;
        len--;
    }
    while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
        len--;
    *v = p;
    *vlen = len;
    return 1;
}

/* Handles one line p[0..len) (without its line end) of the answer on c.
 * Returns 1 when the answer is complete, 0 to go on, -1 when malformed. */
static int
lg_line(lg_conn *c, const char *p, size_t len)
{
    const char *v;
    size_t vlen;
    uint64_t x;

    switch (c->pstate) {
    case P_STATUS:
        if (len < 12 || memcmp(p, "HTTP/1.", 7) != 0 || (p[7] != '0' && p[7] != '1')
            || p[8] != ' ' || (len > 12 && p[12] != ' '))
            return -1;
        c->status = 0;
        for (int i = 9; i < 12; i++) {
            if (p[i] < '0' || p[i] > '9')
                return -1;
            c->status = c->status * 10 + (p[i] - '0');
        }
        if (c->status < 100 || c->status > 599 || c->status == 101)
            return -1;
        c->close = p[7] == '0';
        c->chunked = 0;
        c->clen = -1;
        c->pstate = P_HEADER;
        return 0;
    case P_HEADER:
        if (len == 0) {
            if (c->status < 200) {
                c->pstate = P_STATUS;
                return 0;
            }
            if (c->status == 204 || c->status == 304)
                return 1;
            if (c->chunked) {
                c->pstate = P_CHUNK_SIZE;
                return 0;
            }
            if (c->clen == 0)
                return 1;
            if (c->clen > 0) {
                c->remain = (uint64_t)c->clen;
                c->pstate = P_BODY;
                return 0;
            }
            c->close = 1;
            c->pstate = P_UNTIL_CLOSE;
            return 0;
        }
        if (lg_header(p, len, "content-length", &v, &vlen)) {
            x = 0;
            if (vlen == 0 || vlen > 15)
                return -1;
            for (size_t i = 0; i < vlen; i++) {
                if (v[i] < '0' || v[i] > '9')
                    return -1;
                x = x * 10 + (uint64_t)(v[i] - '0');
            }
            c->clen = (int64_t)x;
        } else if (lg_header(p, len, "transfer-encoding", &v, &vlen)) {
            if (lg_has_token(v, vlen, "chunked"))
                c->chunked = 1;
        } else if (lg_header(p, len, "connection", &v, &vlen)) {
            if (lg_has_token(v, vlen, "close"))
                c->close = 1;
            else if (lg_has_token(v, vlen, "keep-alive"))
                c->close = 0;
        }
        return 0;
    case P_CHUNK_SIZE:
        x = 0;
        for (size_t i = 0; i < len && p[i] != ';' && p[i] != ' ' && p[i] != '\t'; i++) {
            int d = p[i] >= '0' && p[i] <= '9' ? p[i] - '0'
                    : p[i] >= 'a' && p[i] <= 'f' ? p[i] - 'a' + 10
                    : p[i] >= 'A' && p[i] <= 'F' ? p[i] - 'A' + 10 : -1;
            if (d < 0 || i >= 15)
                return -1;
            x = x * 16 + (uint64_t)d;
        }
        if (len == 0 || p[0] == ';')
            return -1;
        c->remain = x;
        c->pstate = x ? P_CHUNK_DATA : P_TRAILER;
        return 0;
    case P_CHUNK_END:
        if (len != 0)
            return -1;
        c->pstate = P_CHUNK_SIZE;
        return 0;
    case P_TRAILER:
        return len == 0;
    }
    return -1;
}

/* Parses what was read on c. Returns 1 when the answer is complete, 0
 * when more is needed, -1 when it is malformed. */
static int
lg_parse(lg_conn *c)
{
    int rc;

    while (c->rpos < c->rlen) {
        char *p = c->rbuf + c->rpos, *nl;
        size_t avail = c->rlen - c->rpos, take, len;

        switch (c->pstate) {
        case P_BODY:
        case P_CHUNK_DATA:
            take = avail < c->remain ? avail : (size_t)c->remain;
            c->rpos += take;
            c->remain -= take;
            if (c->remain > 0)
                return 0;
            if (c->pstate == P_BODY)
                return 1;
            c->pstate = P_CHUNK_END;
            break;
        case P_UNTIL_CLOSE:
            c->rpos = c->rlen;
            return 0;
        default:
            nl = memchr(p, '\n', avail);
            if (nl == NULL)
                return 0;
            len = (size_t)(nl - p);
            c->rpos += len + 1;
            if (len > 0 && p[len - 1] == '\r')
                len--;
            rc = lg_line(c, p, len);
            if (rc != 0)
                return rc;
        }
    }
    return 0;
}

/* Reads what came on c, which has a request in flight. */
static void
lg_read(lg *g, lg_conn *c, int64_t now)
{
    ssize_t n;
    int rc;

    if (c->rpos > 0) {
        memmove(c->rbuf, c->rbuf + c->rpos, c->rlen - c->rpos);
        c->rlen -= c->rpos;
        c->rpos = 0;
    }
    if (c->rlen == sizeof(c->rbuf)) {
        lg_fail(g, c, now, 'p');
        return;
    }
    n = read(c->fd, c->rbuf + c->rlen, sizeof(c->rbuf) - c->rlen);
    if (n < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            lg_fail(g, c, now, 'c');
        return;
    }
    if (n == 0) {
        if (c->pstate == P_UNTIL_CLOSE)
            lg_answered(g, c, 1);
        else
            lg_fail(g, c, now, 'c');
        return;
    }
    c->rlen += (size_t)n;
    rc = lg_parse(c);
    if (rc < 0)
        lg_fail(g, c, now, 'p');
    else if (rc > 0)
        lg_answered(g, c, c->close);
}

/* Handles epoll events ev on connection c. */
static void
lg_on_event(lg *g, lg_conn *c, uint32_t ev)
{
    int64_t now = lg_now();
    uint32_t gen = c->gen;

    switch (c->state) {
    case LG_CONNECTING:
        lg_connected(g, c, now);
        break;
    case LG_IDLE:
        /* The server closed it (or sent what nobody asked for). */
        lg_close(g, c, now, 0);
        break;
    case LG_BUSY:
        if ((ev & EPOLLOUT) && c->wpos < c->wlen)
            lg_write(g, c, now);
        if (c->gen == gen && c->state == LG_BUSY && (ev & (EPOLLIN | EPOLLERR | EPOLLHUP)))
            lg_read(g, c, now);
        break;
    }
}

/* Gives up on connection attempts and answers past their deadline, and
 * reconnects connections whose backoff is over. */
static void
lg_housekeep(lg *g, int64_t now)
{
    for (int i = 0; i < g->o.conns; i++) {
        lg_conn *c = &g->conns[i];

        if (c->state == LG_CONNECTING && now >= c->deadline)
            lg_connect_failed(g, c, now, ETIMEDOUT);
        else if (c->state == LG_BUSY && now >= c->deadline)
            lg_fail(g, c, now, 't');
        else if (c->state == LG_DOWN && c->retry_at && now >= c->retry_at
                 && g->k_next < g->total)
            lg_connect(g, c, now);
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
static int
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
static int
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
static void
lg_finish(lg *g)
{
    int64_t now = lg_now();

    if (g->total != UINT64_MAX)
        g->st.unsent += g->total - g->k_next;
    g->total = g->k_next; /* reconnect nothing */
    for (int i = 0; i < g->o.conns; i++) {
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

/* ---- setup and results ---- */

/* Parses s as a decimal integer in [min, max]. Returns 0 or -1. */
static int
lg_uint(const char *s, uint64_t min, uint64_t max, uint64_t *v)
{
    char *end;
    unsigned long long x;

    if (*s < '0' || *s > '9')
        return -1;
    errno = 0;
    x = strtoull(s, &end, 10);
    if (errno || *end || x < min || x > max)
        return -1;
    *v = x;
    return 0;
}

/* Parses s as a finite number in [min, max]. Returns 0 or -1. */
static int
lg_double(const char *s, double min, double max, double *v)
{
    char *end;
    double x;

    if ((*s < '0' || *s > '9') && *s != '.')
        return -1;
    errno = 0;
    x = strtod(s, &end);
    if (errno || *end || !(x >= min && x <= max))
        return -1;
    *v = x;
    return 0;
}

/* Parses "http://HOST[:PORT][/]" into o->host and o->port. Returns 0 or -1. */
static int
lg_parse_url(lg_opts *o, const char *url)
{
    const char *h, *e;
    uint64_t port = 80;
    char digits[8];
    size_t n;

    if (strncasecmp(url, "http://", 7) != 0)
        return -1;
    h = url + 7;
    e = h + strcspn(h, ":/");
    if (e == h || (size_t)(e - h) >= sizeof(o->host))
        return -1;
    memcpy(o->host, h, (size_t)(e - h));
    o->host[e - h] = '\0';
    if (*e == ':') {
        n = strcspn(e + 1, "/");
        if (n == 0 || n >= sizeof(digits))
            return -1;
        memcpy(digits, e + 1, n);
        digits[n] = '\0';
        if (lg_uint(digits, 1, 65535, &port) < 0)
            return -1;
        e += 1 + n;
    }
    if (*e == '/')
        e++;
    if (*e != '\0')
        return -1;
    o->port = (unsigned)port;
    return 0;
}

/* Prints the usage to stdout. */
static void
lg_help(void)
{
    printf("usage: " LG_NAME " --url http://HOST:PORT --rate R [options]\n"
           "Sends R requests per second, open loop (request k is due at k/R s),\n"
           "over kept-alive connections; prints one line of results to stdout.\n"
           "  --url http://HOST:PORT  the server (IPv4, no TLS)\n"
           "  --rate R                requests per second, > 0\n"
           "  --duration S            seconds (fractions allowed); default: until\n"
           "                          SIGINT or SIGTERM\n"
           "  --connections C         kept-alive connections (default 64)\n"
           "  --paths N               pages /bench/p/0 .. /bench/p/N-1, Zipf(1)\n"
           "                          (default 50)\n"
           "  --seed N                seed of the page choice (default 1)\n"
           "  --marker-every MS       every MS ms send /bench/marker/RUNID-SEQ\n"
           "                          instead of a page (default 0: none)\n"
           "  --run-id ID             RUNID of the markers (default the pid)\n"
           "  --markers-out FILE      PATH<tab>UNIX_MS per marker answered 200\n"
           "  --counts-out FILE       PATH<tab>COUNT per path answered 200\n"
           "  --series-out FILE       SECOND<tab>SENT<tab>OK<tab>ERRORS<tab>P50_MS"
           "<tab>P99_MS\n"
           "  --timeout MS            connect and answer timeout (default 10000)\n"
           "  --help                  this text\n"
           "Latency runs from the due time to the last byte of the answer. A\n"
           "request whose connection fails is counted in errors, never resent.\n"
           "late: requests that waited for an idle connection; max_late_ms: the\n"
           "longest any request waited past its due time. Exit 0 when it ran,\n"
           "2 on bad usage, 1 when it could not start.\n");
}

/* Parses the command line into o. Returns 0, 1 when --help was given, -1
 * on bad usage with err set. */
static int
lg_options(lg_opts *o, int argc, char **argv, char *err, size_t errlen)
{
    static const struct option longopts[] = {
        { "url", required_argument, NULL, 'u' },
        { "rate", required_argument, NULL, 'r' },
        { "duration", required_argument, NULL, 'd' },
        { "connections", required_argument, NULL, 'c' },
        { "paths", required_argument, NULL, 'p' },
        { "seed", required_argument, NULL, 's' },
        { "marker-every", required_argument, NULL, 'm' },
        { "run-id", required_argument, NULL, 'i' },
        { "markers-out", required_argument, NULL, 'M' },
        { "counts-out", required_argument, NULL, 'C' },
        { "series-out", required_argument, NULL, 'S' },
        { "timeout", required_argument, NULL, 't' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int opt, have_url = 0, have_rate = 0;
    uint64_t v;

    memset(o, 0, sizeof(*o));
    o->conns = 64;
    o->paths = 50;
    o->seed = 1;
    o->timeout_ns = 10 * LG_SEC;
    snprintf(o->run_id, sizeof(o->run_id), "%ld", (long)getpid());
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'u':
            if (lg_parse_url(o, optarg) < 0)
                goto bad;
            have_url = 1;
            break;
        case 'r':
            if (lg_double(optarg, 0, 1e7, &o->rate) < 0 || o->rate <= 0)
                goto bad;
            have_rate = 1;
            break;
        case 'd':
            if (lg_double(optarg, 0, 1e7, &o->duration) < 0 || o->duration <= 0)
                goto bad;
            break;
        case 'c':
            if (lg_uint(optarg, 1, LG_MAX_CONNS, &v) < 0)
                goto bad;
            o->conns = (int)v;
            break;
        case 'p':
            if (lg_uint(optarg, 1, LG_MAX_PATHS, &v) < 0)
                goto bad;
            o->paths = (uint32_t)v;
            break;
        case 's':
            if (lg_uint(optarg, 0, UINT64_MAX, &o->seed) < 0)
                goto bad;
            break;
        case 'm':
            if (lg_uint(optarg, 0, 86400000, &v) < 0)
                goto bad;
            o->marker_ns = (int64_t)v * LG_MS;
            break;
        case 'i':
            if (*optarg == '\0' || strlen(optarg) > LG_RUNID_MAX
                || optarg[strspn(optarg, "abcdefghijklmnopqrstuvwxyz"
                                 "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")] != '\0')
                goto bad;
            strcpy(o->run_id, optarg);
            break;
        case 'M':
            o->markers_out = optarg;
            break;
        case 'C':
            o->counts_out = optarg;
            break;
        case 'S':
            o->series_out = optarg;
            break;
        case 't':
            if (lg_uint(optarg, 1, 3600000, &v) < 0)
                goto bad;
            o->timeout_ns = (int64_t)v * LG_MS;
            break;
        case 'h':
            lg_help();
            return 1;
        case ':':
            lg_err(err, errlen, "option %s needs a value", argv[optind - 1]);
            return -1;
        default:
            lg_err(err, errlen, "unknown option %s", argv[optind - 1]);
            return -1;
        }
    }
    if (optind < argc) {
        lg_err(err, errlen, "unexpected argument \"%s\"", argv[optind]);
        return -1;
    }
    if (!have_url) {
        lg_err(err, errlen, "--url is required");
        return -1;
    }
    if (!have_rate) {
        lg_err(err, errlen, "--rate is required");
        return -1;
    }
    return 0;
bad:
    switch (opt) {
    case 'u':
        lg_err(err, errlen, "--url must be http://HOST:PORT, not \"%s\"", optarg);
        break;
    case 'r':
        lg_err(err, errlen, "--rate must be a number > 0 and <= 1e7, not \"%s\"", optarg);
        break;
    case 'd':
        lg_err(err, errlen, "--duration must be a number of seconds > 0, not \"%s\"", optarg);
        break;
    case 'c':
        lg_err(err, errlen, "--connections must be 1..%d, not \"%s\"", LG_MAX_CONNS, optarg);
        break;
    case 'p':
        lg_err(err, errlen, "--paths must be 1..%d, not \"%s\"", LG_MAX_PATHS, optarg);
        break;
    case 's':
        lg_err(err, errlen, "--seed must be an unsigned integer, not \"%s\"", optarg);
        break;
    case 'm':
        lg_err(err, errlen, "--marker-every must be 0..86400000 ms, not \"%s\"", optarg);
        break;
    case 'i':
        lg_err(err, errlen, "--run-id must be 1..%d of [A-Za-z0-9._-], not \"%s\"",
               LG_RUNID_MAX, optarg);
        break;
    default:
        lg_err(err, errlen, "--timeout must be 1..3600000 ms, not \"%s\"", optarg);
        break;
    }
    return -1;
}

/* Opens path for writing into *f (nothing when path is NULL). Returns 0
 * or -1 with err set. */
static int
lg_open(const char *path, FILE **f, char *err, size_t errlen)
{
    if (path == NULL)
        return 0;
    *f = fopen(path, "w");
    if (*f == NULL) {
        lg_err(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* Resolves the host, allocates everything, opens the files. Returns 0 or
 * -1 with err set. */
static int
lg_setup(lg *g, char *err, size_t errlen)
{
    struct addrinfo hints, *ai = NULL;
    struct epoll_event ev;
    struct rlimit rl;
    double sum = 0, total;
    int rc;

    g->epfd = g->tfd = -1;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    rc = getaddrinfo(g->o.host, NULL, &hints, &ai);
    if (rc != 0 || ai == NULL) {
        lg_err(err, errlen, "cannot resolve %s: %s", g->o.host, gai_strerror(rc));
        return -1;
    }
    memcpy(&g->o.addr, ai->ai_addr, sizeof(g->o.addr));
    g->o.addr.sin_port = htons((uint16_t)g->o.port);
    freeaddrinfo(ai);
    g->suffix_len = (size_t)snprintf(g->suffix, sizeof(g->suffix),
                                     " HTTP/1.1\r\nHost: %s\r\nUser-Agent: " LG_NAME
                                     "\r\nAccept: text/html\r\n\r\n", g->o.host);
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)g->o.conns + 32) {
        rl.rlim_cur = (rlim_t)g->o.conns + 32;
        if (rl.rlim_max != RLIM_INFINITY && rl.rlim_cur > rl.rlim_max)
            rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    g->conns = calloc((size_t)g->o.conns, sizeof(*g->conns));
    g->idle = calloc((size_t)g->o.conns, sizeof(*g->idle));
    g->cdf = calloc(g->o.paths, sizeof(*g->cdf));
    g->counts = calloc(g->o.paths, sizeof(*g->counts));
    if (g->conns == NULL || g->idle == NULL || g->cdf == NULL || g->counts == NULL) {
        lg_err(err, errlen, "out of memory");
        return -1;
    }
    for (int i = 0; i < g->o.conns; i++) {
        g->conns[i].fd = -1;
        g->conns[i].idle_pos = -1;
    }
    for (uint32_t i = 0; i < g->o.paths; i++)
        g->cdf[i] = sum += 1.0 / (i + 1.0);
    lg_seed(g->rng, g->o.seed);
    if (g->o.duration > 0) {
        total = g->o.rate * g->o.duration;
        if (total > 1e15) {
            lg_err(err, errlen, "--rate times --duration is too large");
            return -1;
        }
        /* the k with k/R < S */
        g->total = (uint64_t)total;
        if ((double)g->total < total - 1e-6)
            g->total++;
        if (g->o.marker_ns > 0) {
            g->capmarks = (size_t)(g->o.duration * 1e9 / (double)g->o.marker_ns) + 16;
            g->marks = malloc(g->capmarks * sizeof(*g->marks));
            if (g->marks == NULL)
                g->capmarks = 0;
        }
    } else {
        g->total = UINT64_MAX;
    }
    g->epfd = epoll_create1(EPOLL_CLOEXEC);
    g->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (g->epfd < 0 || g->tfd < 0) {
        lg_err(err, errlen, "cannot create epoll or timer: %s", strerror(errno));
        return -1;
    }
    memset(&ev, 0, sizeof(ev));
    ev.events = EPOLLIN;
    ev.data.u64 = LG_TIMER_TAG;
    if (epoll_ctl(g->epfd, EPOLL_CTL_ADD, g->tfd, &ev) < 0) {
        lg_err(err, errlen, "cannot watch the timer: %s", strerror(errno));
        return -1;
    }
    if (lg_open(g->o.series_out, &g->series, err, errlen) < 0
        || lg_open(g->o.markers_out, &g->markers, err, errlen) < 0
        || lg_open(g->o.counts_out, &g->counts_f, err, errlen) < 0)
        return -1;
    return 0;
}

/* Opens the connections, waiting at most LG_START_NS, and starts the
 * clock. Returns 0, or -1 with err set when none could be opened. */
static int
lg_start(lg *g, char *err, size_t errlen)
{
    int64_t now = lg_now(), until = now + LG_START_NS;
    int connecting = 1;

    for (int i = 0; i < g->o.conns; i++)
        lg_connect(g, &g->conns[i], now);
    while (connecting && now < until && lg_signals == 0) {
        if (lg_poll(g, 50) < 0) {
            lg_err(err, errlen, "epoll: %s", strerror(errno));
            return -1;
        }
        now = lg_now();
        connecting = 0;
        for (int i = 0; i < g->o.conns; i++) {
            lg_conn *c = &g->conns[i];
            if (c->state == LG_CONNECTING && now >= c->deadline)
                lg_connect_failed(g, c, now, ETIMEDOUT);
            connecting |= c->state == LG_CONNECTING;
        }
    }
    if (g->nidle == 0) {
        lg_err(err, errlen, "cannot connect to %s:%u: %s", g->o.host, g->o.port,
               strerror(g->last_err ? g->last_err : ETIMEDOUT));
        return -1;
    }
    g->t0 = lg_now();
    g->next_house = g->t0 + LG_HOUSE_NS;
    if (g->o.duration > 0) {
        g->end = g->t0 + (int64_t)(g->o.duration * 1e9);
        g->deadline = g->end + LG_GRACE_NS;
    }
    return 0;
}

/* Writes the markers and counts files and closes the output files.
 * Returns 0 or -1 with err set. */
static int
lg_write_files(lg *g, char *err, size_t errlen)
{
    char path[128];
    lg_req r;
    int rc = 0;

    memset(&r, 0, sizeof(r));
    if (g->markers) {
        r.page = LG_MARKER;
        for (size_t i = 0; i < g->nmarks; i++) {
            r.marker = g->marks[i].seq;
            path[lg_path(g, &r, path)] = '\0';
            fprintf(g->markers, "%s\t%" PRId64 "\n", path, g->marks[i].unix_ms);
        }
    }
    if (g->counts_f) {
        for (uint32_t i = 0; i < g->o.paths; i++) {
            if (g->counts[i] == 0)
                continue;
            r.page = i;
            path[lg_path(g, &r, path)] = '\0';
            fprintf(g->counts_f, "%s\t%" PRIu64 "\n", path, g->counts[i]);
        }
        r.page = LG_MARKER;
        for (size_t i = 0; i < g->nmarks; i++) {
            r.marker = g->marks[i].seq;
            path[lg_path(g, &r, path)] = '\0';
            fprintf(g->counts_f, "%s\t1\n", path);
        }
    }
    FILE **files[] = { &g->series, &g->markers, &g->counts_f };
    const char *names[] = { g->o.series_out, g->o.markers_out, g->o.counts_out };
    for (int i = 0; i < 3; i++) {
        if (*files[i] == NULL)
            continue;
        if ((ferror(*files[i]) | fclose(*files[i])) != 0 && rc == 0) {
            lg_err(err, errlen, "cannot write %s", names[i]);
            rc = -1;
        }
        *files[i] = NULL;
    }
    if (g->oom && rc == 0) {
        lg_err(err, errlen, "out of memory: markers missing from the files");
        rc = -1;
    }
    return rc;
}

/* Prints the summary to stderr and the result line to stdout. */
static void
lg_report(lg *g)
{
    const lg_stats *s = &g->st;
    int64_t end = g->end ? g->end : lg_now();
    double dur, rate;

    if (g->last_send > end)
        end = g->last_send;
    dur = (double)(end - g->t0) / 1e9;
    rate = dur > 0 ? (double)s->sent / dur : 0;
    fprintf(stderr,
            "%s: %s:%u, %.1f requests/s, %d connections, %" PRIu32 " paths\n"
            "  sent %" PRIu64 " in %.3f s (%.1f/s); late %" PRIu64 " (max %.3f ms);"
            " unsent %" PRIu64 "\n"
            "  answers: 200 %" PRIu64 ", other 1xx-3xx %" PRIu64 ", 4xx %" PRIu64
            ", 5xx %" PRIu64 "\n"
            "  errors %" PRIu64 " (connection %" PRIu64 ", timeout %" PRIu64
            ", bad answer %" PRIu64 "); failed connections %" PRIu64 "\n"
            "  latency ms: p50 %.3f  p90 %.3f  p99 %.3f  p99.9 %.3f  max %.3f\n",
            LG_NAME, g->o.host, g->o.port, g->o.rate, g->o.conns, g->o.paths,
            s->sent, dur, rate, s->late, (double)s->max_late / 1e6, s->unsent,
            s->ok, s->other, s->c4xx, s->c5xx,
            s->errors, s->conn_errors, s->timeouts, s->proto_errors, s->conn_failures,
            hist_ms(&g->hist, 0.5), hist_ms(&g->hist, 0.9), hist_ms(&g->hist, 0.99),
            hist_ms(&g->hist, 0.999), (double)g->hist.max / 1000.0);
    printf("sent=%" PRIu64 " ok=%" PRIu64 " non200=%" PRIu64 " errors=%" PRIu64
           " late=%" PRIu64 " max_late_ms=%.3f duration_s=%.3f rate_achieved=%.1f"
           " p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f p999_ms=%.3f max_ms=%.3f\n",
           s->sent, s->ok, s->other + s->c4xx + s->c5xx, s->errors, s->late,
           (double)s->max_late / 1e6, dur, rate, hist_ms(&g->hist, 0.5),
           hist_ms(&g->hist, 0.9), hist_ms(&g->hist, 0.99), hist_ms(&g->hist, 0.999),
           (double)g->hist.max / 1000.0);
    fflush(stdout);
}

/* Frees g and everything it holds. Accepts NULL. */
static void
lg_free(lg *g)
{
    if (g == NULL)
        return;
    for (int i = 0; g->conns && i < g->o.conns; i++)
        if (g->conns[i].fd >= 0)
            close(g->conns[i].fd);
    if (g->epfd >= 0)
        close(g->epfd);
    if (g->tfd >= 0)
        close(g->tfd);
    if (g->series)
        fclose(g->series);
    if (g->markers)
        fclose(g->markers);
    if (g->counts_f)
        fclose(g->counts_f);
    free(g->conns);
    free(g->idle);
    free(g->cdf);
    free(g->counts);
    free(g->marks);
    free(g);
}

int
main(int argc, char **argv)
{
    char err[512];
    struct sigaction sa;
    lg *g = NULL;
    lg_opts o;
    int rc;

    rc = lg_options(&o, argc, argv, err, sizeof(err));
    if (rc != 0) {
        if (rc < 0)
            fprintf(stderr, "%s: %s\n", LG_NAME, err);
        return rc < 0 ? 2 : 0;
    }
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = lg_on_signal; /* no SA_RESTART: epoll_wait returns */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    rc = 1;
    g = calloc(1, sizeof(*g));
    if (g == NULL) {
        fprintf(stderr, "%s: out of memory\n", LG_NAME);
        goto done;
    }
    g->o = o;
    if (lg_setup(g, err, sizeof(err)) < 0 || lg_start(g, err, sizeof(err)) < 0) {
        fprintf(stderr, "%s: %s\n", LG_NAME, err);
        goto done;
    }
    if (lg_run(g) < 0) {
        fprintf(stderr, "%s: epoll: %s\n", LG_NAME, strerror(g->last_err));
        goto done;
    }
    lg_finish(g);
    lg_report(g);
    rc = 0;
    if (lg_write_files(g, err, sizeof(err)) < 0) {
        fprintf(stderr, "%s: %s\n", LG_NAME, err);
        rc = 1;
    }
done:
    lg_free(g);
    return rc;
}
