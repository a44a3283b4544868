/* visits-loadgen - an open-loop HTTP/1.1 load generator for the benchmark.
 *
 * Request k is due at t0 + k/RATE whatever happened before it: it goes out
 * on an idle kept-alive connection, or waits for one (and counts as late).
 * Latency runs from the due time to the last byte of the answer, so the
 * wait is included (no coordinated omission). A request is sent at most
 * once and never resent, even when its connection fails: the benchmark
 * compares the counts written here with the counts stored, exactly.
 * One thread, epoll, one request in flight per connection, no allocation
 * per request. Usage: visits-loadgen --help
 *
 * This file is the program: setup, the run, the results. The stages are
 * in schedule.c and connection.c (their state in loadgen.h), answers are
 * read by response.c, the options by options.c. */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "loadgen.h"

volatile sig_atomic_t lg_signals;

/* SIGINT, SIGTERM: counted; the loop stops scheduling on the first, stops
 * waiting on the second. */
static void
lg_on_signal(int sig)
{
    (void)sig;
    lg_signals = lg_signals + 1;
}

int64_t
lg_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * LG_SEC + ts.tv_nsec;
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
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
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
    double total;
    int rc;

    g->epfd = g->tfd = -1;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    rc = getaddrinfo(g->o.host, NULL, &hints, &ai);
    if (rc != 0 || ai == NULL) {
        snprintf(err, errlen, "cannot resolve %s: %s", g->o.host, gai_strerror(rc));
        return -1;
    }
    memcpy(&g->o.addr, ai->ai_addr, sizeof(g->o.addr));
    g->o.addr.sin_port = htons((uint16_t)g->o.port);
    freeaddrinfo(ai);
    g->suffix_len = (size_t)snprintf(g->suffix, sizeof(g->suffix),
                                     " HTTP/1.1\r\nHost: %s\r\nUser-Agent: " OPTIONS_NAME
                                     "\r\nAccept: text/html\r\n\r\n", g->o.host);
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)g->o.conns + 32) {
        rl.rlim_cur = (rlim_t)g->o.conns + 32;
        if (rl.rlim_max != RLIM_INFINITY && rl.rlim_cur > rl.rlim_max)
            rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    g->conns = calloc((size_t)g->o.conns, sizeof(*g->conns));
    g->idle = calloc((size_t)g->o.conns, sizeof(*g->idle));
    g->pages = zipf_create((uint32_t)g->o.paths);
    g->counts = calloc(g->o.paths, sizeof(*g->counts));
    if (g->conns == NULL || g->idle == NULL || g->pages == NULL || g->counts == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (uint64_t i = 0; i < g->o.conns; i++) {
        g->conns[i].fd = -1;
        g->conns[i].idle_pos = -1;
    }
    random_seed(&g->rng, g->o.seed);
    if (g->o.duration > 0) {
        total = g->o.rate * g->o.duration;
        if (total > 1e15) {
            snprintf(err, errlen, "--rate times --duration is too large");
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
        snprintf(err, errlen, "cannot create epoll or timer: %s", strerror(errno));
        return -1;
    }
    memset(&ev, 0, sizeof(ev));
    ev.events = EPOLLIN;
    ev.data.u64 = LG_TIMER_TAG;
    if (epoll_ctl(g->epfd, EPOLL_CTL_ADD, g->tfd, &ev) < 0) {
        snprintf(err, errlen, "cannot watch the timer: %s", strerror(errno));
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

    for (uint64_t i = 0; i < g->o.conns; i++)
        lg_connect(g, &g->conns[i], now);
    while (connecting && now < until && lg_signals == 0) {
        if (lg_poll(g, 50) < 0) {
            snprintf(err, errlen, "epoll: %s", strerror(errno));
            return -1;
        }
        now = lg_now();
        connecting = 0;
        for (uint64_t i = 0; i < g->o.conns; i++) {
            lg_conn *c = &g->conns[i];
            if (c->state == LG_CONNECTING && now >= c->deadline)
                lg_connect_failed(g, c, now, ETIMEDOUT);
            connecting |= c->state == LG_CONNECTING;
        }
    }
    if (g->nidle == 0) {
        snprintf(err, errlen, "cannot connect to %s:%" PRIu64 ": %s", g->o.host, g->o.port,
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
        for (uint32_t i = 0; i < (uint32_t)g->o.paths; i++) {
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
            snprintf(err, errlen, "cannot write %s", names[i]);
            rc = -1;
        }
        *files[i] = NULL;
    }
    if (g->oom && rc == 0) {
        snprintf(err, errlen, "out of memory: markers missing from the files");
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
            "%s: %s:%" PRIu64 ", %.1f requests/s, %" PRIu64 " connections, %" PRIu64 " paths\n"
            "  sent %" PRIu64 " in %.3f s (%.1f/s); late %" PRIu64 " (max %.3f ms);"
            " unsent %" PRIu64 "\n"
            "  answers: 200 %" PRIu64 ", other 1xx-3xx %" PRIu64 ", 4xx %" PRIu64
            ", 5xx %" PRIu64 "\n"
            "  errors %" PRIu64 " (connection %" PRIu64 ", timeout %" PRIu64
            ", bad answer %" PRIu64 "); failed connections %" PRIu64 "\n"
            "  latency ms: p50 %.3f  p90 %.3f  p99 %.3f  p99.9 %.3f  max %.3f\n",
            OPTIONS_NAME, g->o.host, g->o.port, g->o.rate, g->o.conns, g->o.paths,
            s->sent, dur, rate, s->late, (double)s->max_late / 1e6, s->unsent,
            s->ok, s->other, s->c4xx, s->c5xx,
            s->errors, s->conn_errors, s->timeouts, s->proto_errors, s->conn_failures,
            histogram_ms(&g->hist, 0.5), histogram_ms(&g->hist, 0.9), histogram_ms(&g->hist, 0.99),
            histogram_ms(&g->hist, 0.999), (double)g->hist.max / 1000.0);
    printf("sent=%" PRIu64 " ok=%" PRIu64 " non200=%" PRIu64 " errors=%" PRIu64
           " late=%" PRIu64 " max_late_ms=%.3f duration_s=%.3f rate_achieved=%.1f"
           " p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f p999_ms=%.3f max_ms=%.3f\n",
           s->sent, s->ok, s->other + s->c4xx + s->c5xx, s->errors, s->late,
           (double)s->max_late / 1e6, dur, rate, histogram_ms(&g->hist, 0.5),
           histogram_ms(&g->hist, 0.9), histogram_ms(&g->hist, 0.99), histogram_ms(&g->hist, 0.999),
           (double)g->hist.max / 1000.0);
    fflush(stdout);
}

/* Frees g and everything it holds. Accepts NULL. */
static void
lg_free(lg *g)
{
    if (g == NULL)
        return;
    for (uint64_t i = 0; g->conns && i < g->o.conns; i++)
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
    zipf_free(g->pages);
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
    options o;
    int rc;

    rc = options_parse(&o, argc, argv, err, sizeof(err));
    if (rc != 0) {
        if (rc < 0)
            fprintf(stderr, "%s: %s\n", OPTIONS_NAME, err);
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
        fprintf(stderr, "%s: out of memory\n", OPTIONS_NAME);
        goto done;
    }
    g->o = o;
    if (lg_setup(g, err, sizeof(err)) < 0 || lg_start(g, err, sizeof(err)) < 0) {
        fprintf(stderr, "%s: %s\n", OPTIONS_NAME, err);
        goto done;
    }
    if (lg_run(g) < 0) {
        fprintf(stderr, "%s: epoll: %s\n", OPTIONS_NAME, strerror(g->last_err));
        goto done;
    }
    lg_finish(g);
    lg_report(g);
    rc = 0;
    if (lg_write_files(g, err, sizeof(err)) < 0) {
        fprintf(stderr, "%s: %s\n", OPTIONS_NAME, err);
        rc = 1;
    }
done:
    lg_free(g);
    return rc;
}
