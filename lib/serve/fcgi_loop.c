/* fcgi_loop.c - an event-driven FastCGI server (see fcgi_loop.h).
 *
 * Laid out by stage: a connection's slots, accepting, reading and
 * answering, sending, the timeouts, the stop; then a loop's thread and
 * the run. Each loop owns its connections outright: nothing of a
 * connection is shared between threads, so there are no locks; the
 * listening socket is in every loop's epoll with EPOLLEXCLUSIVE (one loop
 * woken per new connection), and the stop is an eventfd written once,
 * never read, in every loop's epoll too. Level-triggered throughout: a
 * loop reads what one read(2) brings, and comes back for the rest. */
#include "fcgi_loop.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "buf.h"
#include "fcgi_conn.h"
#include "listen_socket.h"
#include "log.h"
#include "peers.h"
#include "timestamp.h"

#define FCGI_LOOP_READ_BYTES 65536      /* one read(2), per loop */
#define FCGI_LOOP_EVENTS 256            /* epoll events taken per wake */
#define FCGI_LOOP_ACCEPTS 32            /* connections accepted per wake */
#define FCGI_LOOP_OUT_MAX (4 << 20)     /* answer bytes waiting, per connection */
#define FCGI_LOOP_OUT_KEEP (64 << 10)   /* answer memory an idle connection keeps */
#define FCGI_LOOP_SWEEP_MS 1000         /* how often timeouts are checked */
#define FCGI_LOOP_ACCEPT_PAUSE_MS 100   /* after accept failed for lack of fds */
#define FCGI_LOOP_SPARE_FDS 256         /* descriptors besides the connections' */

/* One connection, in a loop's slot. */
typedef struct loop_conn {
    int fd;                 /* -1: the slot is free */
    int closing;            /* close once out is sent */
    int overflow;           /* the answer outgrew FCGI_LOOP_OUT_MAX */
    int want_out;           /* waiting for EPOLLOUT instead of EPOLLIN */
    int64_t active_ms;      /* the last time bytes moved */
    size_t out_sent;        /* of out */
    buf out;                /* FastCGI records to send */
    fcgi_conn proto;
} loop_conn;

typedef struct fcgi_loop fcgi_loop;

/* One event loop, in its own thread. */
typedef struct loop_thread {
    fcgi_loop *loop;
    pthread_t tid;
    int epfd;
    void *tctx;             /* app.thread_init's */
    loop_conn *conns;       /* loop->slots of them */
    int *free_slots;        /* a stack of free slot numbers */
    int nfree;
    int listening;          /* the listening socket is in epfd */
    int64_t accept_paused_until;
    int stopping;
    int64_t swept_ms;
    int closed_idle;        /* kept connections closed idle at the stop */
    char in[FCGI_LOOP_READ_BYTES];
} loop_thread;

struct fcgi_loop {
    fcgi_app app;
    fcgi_loop_settings set;
    fcgi_loop_stats own_stats;
    fcgi_loop_stats *stats;
    int listen_fd;
    int stop_fd;
    int slots;              /* connections per loop */
    log_limit accept_log, peer_log, protocol_log, timeout_log;
};

/* epoll data of the two descriptors that are not connections. */
static char fcgi_loop_listen_mark, fcgi_loop_stop_mark;

/* --- slots ------------------------------------------------------------ */

/* Adds (on) or removes the listening socket from the loop's epoll. */
static void
loop_listen(loop_thread *t, int on)
{
    struct epoll_event ev = { .events = EPOLLIN | EPOLLEXCLUSIVE,
                              .data.ptr = &fcgi_loop_listen_mark };

    if (on == t->listening)
        return;
    if (epoll_ctl(t->epfd, on ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, t->loop->listen_fd,
                  &ev) < 0) {
        log_error("could not %s the listening socket: %s",
                  on ? "watch" : "stop watching", strerror(errno));
        return;
    }
    t->listening = on;
}

/* Closes c and frees its slot; the loop listens again if it had stopped
 * for lack of slots. */
static void
loop_conn_close(loop_thread *t, loop_conn *c)
{
    close(c->fd);
    c->fd = -1;
    if (c->out.cap > FCGI_LOOP_OUT_KEEP)
        buf_free(&c->out);
    buf_reset(&c->out);
    t->free_slots[t->nfree++] = (int)(c - t->conns);
    atomic_fetch_sub_explicit(&t->loop->stats->open, 1, memory_order_relaxed);
    if (!t->listening && !t->stopping && t->accept_paused_until == 0)
        loop_listen(t, 1);
}

/* Switches what c waits for: room to send (out) or bytes to read. */
static int
loop_conn_want(loop_thread *t, loop_conn *c, int out)
{
    struct epoll_event ev = { .events = out ? EPOLLOUT : EPOLLIN, .data.ptr = c };

    if (epoll_ctl(t->epfd, EPOLL_CTL_MOD, c->fd, &ev) < 0)
        return -1;
    c->want_out = out;
    return 0;
}

/* --- accepting -------------------------------------------------------- */

/* Accepts what connections are waiting, as many as the loop has slots
 * for (up to FCGI_LOOP_ACCEPTS a wake); stops listening when the slots run
 * out. */
static void
loop_accept(loop_thread *t, int64_t now)
{
    fcgi_loop *l = t->loop;
    uint64_t n;

    for (int i = 0; i < FCGI_LOOP_ACCEPTS && t->nfree > 0; i++) {
        int fd = accept4(l->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        struct epoll_event ev = { .events = EPOLLIN };
        loop_conn *c;

        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return;     /* another loop took it, or none is left */
            if ((n = log_limit_hit(&l->accept_log)) > 0)
                log_error("could not accept a connection: %s count=%llu",
                          strerror(errno), (unsigned long long)n);
            /* EMFILE, ENOBUFS: let descriptors or memory come back. */
            loop_listen(t, 0);
            t->accept_paused_until = now + FCGI_LOOP_ACCEPT_PAUSE_MS;
            return;
        }
        if (!peers_admit(l->app.peers, fd, &l->peer_log)) {
            atomic_fetch_add_explicit(&l->stats->refused, 1, memory_order_relaxed);
            close(fd);
            continue;
        }
        c = &t->conns[t->free_slots[--t->nfree]];
        c->fd = fd;
        c->closing = c->overflow = c->want_out = 0;
        c->active_ms = now;
        c->out_sent = 0;
        fcgi_conn_init(&c->proto, (unsigned)l->set.max_conns);
        ev.data.ptr = c;
        atomic_fetch_add_explicit(&l->stats->open, 1, memory_order_relaxed);
        if (epoll_ctl(t->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
            log_error("could not watch a new connection: %s", strerror(errno));
            loop_conn_close(t, c);
            continue;
        }
        atomic_fetch_add_explicit(&l->stats->accepted, 1, memory_order_relaxed);
    }
    if (t->nfree == 0)
        loop_listen(t, 0);
}

/* --- reading and answering -------------------------------------------- */

/* http_request over a loop connection. */
static const char *
loop_request_param(void *impl, const char *name)
{
    return fcgi_conn_param(&((loop_conn *)impl)->proto, name);
}

static size_t
loop_request_read(void *impl, char *to, size_t len)
{
    return fcgi_conn_read(&((loop_conn *)impl)->proto, to, len);
}

static int
loop_request_write(void *impl, const char *data, size_t len)
{
    loop_conn *c = impl;

    if (c->overflow || len > FCGI_LOOP_OUT_MAX - c->out.len) {
        c->overflow = 1;
        return -1;
    }
    return fcgi_conn_write(&c->proto, &c->out, data, len);
}

/* No send_timeout: nothing here waits on a write (io_timeout_ms bounds a
 * stalled answer). */
static const http_request_ops loop_request_ops = { loop_request_param, loop_request_read,
                                                   loop_request_write, NULL };

/* Answers c's ready request: the app's handle, or 431 from here when its
 * parameters did not fit. The connection closes after the answer when
 * nginx asked, when the answer did not fit, or when stopping. */
static void
loop_answer(loop_thread *t, loop_conn *c)
{
    fcgi_loop *l = t->loop;
    http_request req = { &loop_request_ops, c };
    int kept;

    if (fcgi_conn_too_large(&c->proto)) {
        atomic_fetch_add_explicit(&l->stats->too_large, 1, memory_order_relaxed);
        http_error(&req, 431, "the request's headers are too large");
    } else {
        l->app.handle(l->app.ctx, t->tctx, &req);
    }
    kept = fcgi_conn_end(&c->proto, &c->out);
    atomic_fetch_add_explicit(&l->stats->requests, 1, memory_order_relaxed);
    if (kept <= 0 || c->overflow || t->stopping)
        c->closing = 1;
}

static void loop_conn_send(loop_thread *t, loop_conn *c, int64_t now);

/* Reads what has come on c (one read), answers every request it
 * completes, and sends the answers. */
static void
loop_conn_input(loop_thread *t, loop_conn *c, int64_t now)
{
    ssize_t n = read(c->fd, t->in, sizeof(t->in));
    size_t at = 0, used;
    uint64_t hits;

    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return;
    if (n <= 0) {
        /* nginx closed it (its keepalive_timeout, a reload), or it broke. */
        loop_conn_close(t, c);
        return;
    }
    c->active_ms = now;
    while (at < (size_t)n && !c->closing) {
        int rc = fcgi_conn_feed(&c->proto, t->in + at, (size_t)n - at, &used, &c->out);

        at += used;
        if (rc == FCGI_CONN_READY) {
            loop_answer(t, c);
        } else if (rc == FCGI_CONN_CLOSE) {
            c->closing = 1;
        } else if (rc == FCGI_CONN_ERROR) {
            atomic_fetch_add_explicit(&t->loop->stats->protocol_errors, 1,
                                      memory_order_relaxed);
            if ((hits = log_limit_hit(&t->loop->protocol_log)) > 0)
                log_warn("closed a FastCGI connection: %s count=%llu",
                         c->proto.error, (unsigned long long)hits);
            loop_conn_close(t, c);
            return;
        }
    }
    loop_conn_send(t, c, now);
}

/* --- sending ---------------------------------------------------------- */

/* Sends what c has to send, as far as the socket takes it: the answers of
 * one read in one send(2). What is left waits for EPOLLOUT, and c reads
 * nothing more meanwhile. Closes c once all is sent, when closing. */
static void
loop_conn_send(loop_thread *t, loop_conn *c, int64_t now)
{
    while (c->out_sent < c->out.len) {
        ssize_t n = send(c->fd, c->out.data + c->out_sent, c->out.len - c->out_sent,
                         MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        if (n < 0) {
            loop_conn_close(t, c);
            return;
        }
        c->out_sent += (size_t)n;
        c->active_ms = now;
    }
    if (c->out_sent < c->out.len) {
        if (!c->want_out && loop_conn_want(t, c, 1) < 0)
            loop_conn_close(t, c);
        return;
    }
    if (c->out.cap > FCGI_LOOP_OUT_KEEP)
        buf_free(&c->out);
    buf_reset(&c->out);
    c->out_sent = 0;
    if (c->closing || (c->want_out && loop_conn_want(t, c, 0) < 0))
        loop_conn_close(t, c);
}

/* --- timeouts --------------------------------------------------------- */

/* Closes the connections that stalled mid-request or mid-answer for
 * io_timeout_ms, and those idle for idle_timeout_ms; listens again after
 * a pause for lack of descriptors. */
static void
loop_sweep(loop_thread *t, int64_t now)
{
    fcgi_loop *l = t->loop;
    uint64_t hits;

    t->swept_ms = now;
    if (t->accept_paused_until != 0 && now >= t->accept_paused_until) {
        t->accept_paused_until = 0;
        if (!t->stopping && t->nfree > 0)
            loop_listen(t, 1);
    }
    for (int i = 0; i < l->slots; i++) {
        loop_conn *c = &t->conns[i];
        int busy;

        if (c->fd < 0)
            continue;
        busy = fcgi_conn_busy(&c->proto) || c->out_sent < c->out.len;
        if (now - c->active_ms < (busy ? l->set.io_timeout_ms : l->set.idle_timeout_ms))
            continue;
        if (busy) {
            atomic_fetch_add_explicit(&l->stats->timed_out, 1, memory_order_relaxed);
            if ((hits = log_limit_hit(&l->timeout_log)) > 0)
                log_warn("closed a FastCGI connection stalled for %d ms mid-%s "
                         "count=%llu", l->set.io_timeout_ms,
                         c->out_sent < c->out.len ? "answer" : "request",
                         (unsigned long long)hits);
        }
        loop_conn_close(t, c);
    }
}

/* --- the stop --------------------------------------------------------- */

/* Stops accepting; takes what has come on every connection (a request
 * nginx sent just now is answered), then closes those with nothing
 * under way: nginx sends what it has for them again, on a new
 * connection, to whoever accepts next. The others close after their
 * answer. */
static void
loop_begin_stop(loop_thread *t, int64_t now)
{
    t->stopping = 1;
    /* The eventfd stays readable: watched any longer, it would wake the
     * loop at once, every time, until the last connection is closed. */
    epoll_ctl(t->epfd, EPOLL_CTL_DEL, t->loop->stop_fd, NULL);
    loop_listen(t, 0);
    t->accept_paused_until = 0;
    for (int i = 0; i < t->loop->slots; i++) {
        loop_conn *c = &t->conns[i];

        if (c->fd >= 0 && !c->want_out)
            loop_conn_input(t, c, now);
        if (c->fd < 0)
            continue;
        if (!fcgi_conn_busy(&c->proto) && c->out_sent == c->out.len) {
            loop_conn_close(t, c);
            t->closed_idle++;
        } else if (c->want_out) {
            c->closing = 1;     /* once its answer is sent */
        }
        /* Else a request is half read: loop_answer closes it after. */
    }
}

/* --- a loop's thread -------------------------------------------------- */

static void *
loop_thread_main(void *arg)
{
    loop_thread *t = arg;
    fcgi_loop *l = t->loop;
    struct epoll_event events[FCGI_LOOP_EVENTS];

    t->swept_ms = timestamp_mono_ms();
    for (;;) {
        int timeout = t->accept_paused_until != 0 ? FCGI_LOOP_ACCEPT_PAUSE_MS
                                                  : FCGI_LOOP_SWEEP_MS;
        int n = epoll_wait(t->epfd, events, FCGI_LOOP_EVENTS, timeout);
        int64_t now = timestamp_mono_ms();

        if (n < 0 && errno != EINTR) {
            log_error("epoll_wait failed: %s", strerror(errno));
            n = 0;
        }
        for (int i = 0; i < n; i++) {
            void *what = events[i].data.ptr;
            loop_conn *c = what;

            if (what == &fcgi_loop_listen_mark) {
                if (!t->stopping)
                    loop_accept(t, now);
            } else if (what == &fcgi_loop_stop_mark) {
                if (!t->stopping)
                    loop_begin_stop(t, now);
            } else if (c->fd < 0) {
                continue;   /* closed by an earlier event of this wake */
            } else if (c->want_out) {
                loop_conn_send(t, c, now);
            } else {
                loop_conn_input(t, c, now);
            }
        }
        if (now - t->swept_ms >= FCGI_LOOP_SWEEP_MS || t->accept_paused_until != 0)
            loop_sweep(t, now);
        if (t->stopping && t->nfree == l->slots)
            break;
    }
    return NULL;
}

/* Frees what loop_thread_create made of t. Accepts a t never created. */
static void
loop_thread_free(fcgi_loop *l, loop_thread *t)
{
    if (t->conns != NULL) {
        for (int i = 0; i < l->slots; i++)
            buf_free(&t->conns[i].out);
    }
    free(t->conns);
    free(t->free_slots);
    if (t->epfd >= 0)
        close(t->epfd);
    if (l->app.thread_free && t->tctx)
        l->app.thread_free(l->app.ctx, t->tctx);
}

/* Sets up loop t: its slots, its epoll with the listening socket and the
 * stop in it, the app's thread context. Returns 0, or -1 with a log line
 * (loop_thread_free cleans up). */
static int
loop_thread_create(fcgi_loop *l, loop_thread *t)
{
    struct epoll_event stop = { .events = EPOLLIN, .data.ptr = &fcgi_loop_stop_mark };
    int failed = 0;

    t->loop = l;
    t->epfd = -1;
    t->conns = calloc((size_t)l->slots, sizeof(*t->conns));
    t->free_slots = calloc((size_t)l->slots, sizeof(*t->free_slots));
    if (t->conns == NULL || t->free_slots == NULL) {
        log_error("out of memory for %d connections", l->slots);
        return -1;
    }
    for (int i = 0; i < l->slots; i++) {
        t->conns[i].fd = -1;
        t->free_slots[i] = l->slots - 1 - i;
    }
    t->nfree = l->slots;
    t->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (t->epfd < 0 || epoll_ctl(t->epfd, EPOLL_CTL_ADD, l->stop_fd, &stop) < 0) {
        log_error("could not set up an epoll loop: %s", strerror(errno));
        return -1;
    }
    loop_listen(t, 1);
    if (!t->listening)
        return -1;
    if (l->app.thread_init) {
        t->tctx = l->app.thread_init(l->app.ctx, &failed);
        if (failed) {
            log_error("could not set up a loop's state");
            return -1;
        }
    }
    return 0;
}

/* --- the run ---------------------------------------------------------- */

/* Raises the soft limit of open files to fit max_conns connections and
 * FCGI_LOOP_SPARE_FDS more (Kafka, the listening socket, logs), as far as
 * the hard limit lets; says so when that is not far enough (accept then
 * pauses for lack of descriptors, and connections wait in the backlog). */
static void
loop_raise_fd_limit(int max_conns)
{
    rlim_t want = (rlim_t)max_conns + FCGI_LOOP_SPARE_FDS;
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur >= want)
        return;
    rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want ? want : rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur < want)
        log_warn("open files are limited to %llu, fewer than %d connections need",
                 (unsigned long long)rl.rlim_cur, max_conns);
}

int
fcgi_loop_run(const char *path, const fcgi_loop_settings *settings,
              const fcgi_app *app, const sigset_t *set)
{
    char where[160];
    fcgi_loop *l;
    loop_thread *threads = NULL;
    int nthreads = settings->threads, started = 0, closed_idle = 0, rc = -1;
    uint64_t one = 1;

    if (nthreads <= 0) {
        /* One loop per 4 CPUs, at least one: nginx in front takes more CPU
         * per request than the loop (docs/PERFORMANCE.md), and a loop
         * that shares its CPUs with nginx does better the more requests
         * one wake finds. On 2 cores, one loop gave 0.52-0.55 of nginx's
         * return 204, two loops 0.45-0.46. */
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        nthreads = cpus >= 8 ? (int)(cpus / 4) : 1;
    }
    l = calloc(1, sizeof(*l));
    if (l == NULL) {
        log_error("out of memory");
        return -1;
    }
    loop_raise_fd_limit(settings->max_conns);
    l->app = *app;
    l->set = *settings;
    l->stats = settings->stats ? settings->stats : &l->own_stats;
    l->slots = (settings->max_conns + nthreads - 1) / nthreads;
    l->listen_fd = -1;
    l->stop_fd = eventfd(0, EFD_CLOEXEC);
    if (l->stop_fd < 0) {
        log_error("could not create an eventfd: %s", strerror(errno));
        goto cleanup;
    }
    l->listen_fd = listen_socket_find(path, where, sizeof(where));
    if (l->listen_fd < 0)
        goto cleanup;
    threads = calloc((size_t)nthreads, sizeof(*threads));
    if (threads == NULL) {
        log_error("out of memory");
        goto cleanup;
    }
    for (; started < nthreads; started++) {
        loop_thread *t = &threads[started];
        if (loop_thread_create(l, t) < 0
            || pthread_create(&t->tid, NULL, loop_thread_main, t) != 0) {
            log_error("could not start event loop %d", started + 1);
            loop_thread_free(l, t);
            break;
        }
    }
    if (started < nthreads) {
        /* Stop the loops that run, then give up. */
        if (write(l->stop_fd, &one, sizeof(one)) != sizeof(one))
            log_error("could not stop the event loops: %s", strerror(errno));
        goto join;
    }
    log_info("listening on %s loops=%d max_connections=%d", where, nthreads,
             l->slots * nthreads);

    fcgi_app_wait_stop(set);
    if (l->app.before_stop)
        l->app.before_stop(l->app.ctx);
    /* Never read, so it stays readable and wakes every loop. */
    if (write(l->stop_fd, &one, sizeof(one)) != sizeof(one))
        log_error("could not stop the event loops: %s", strerror(errno));
    rc = 0;
join:
    for (int i = 0; i < started; i++) {
        pthread_join(threads[i].tid, NULL);
        closed_idle += threads[i].closed_idle;
        loop_thread_free(l, &threads[i]);
    }
    if (rc == 0)
        log_info("stopped accepting: closed_idle=%d kept connections", closed_idle);
cleanup:
    free(threads);
    /* Our own socket goes; an inherited one stays open, for the process
     * that serves it next, until we exit. */
    if (path[0] != '\0' && l->listen_fd >= 0) {
        unlink(path);
        close(l->listen_fd);
    }
    if (l->stop_fd >= 0)
        close(l->stop_fd);
    free(l);
    return rc;
}
