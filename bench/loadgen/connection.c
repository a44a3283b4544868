/* connection.c - the load generator's connections: each is down,
 * connecting, idle (on the idle stack) or busy with one request; it
 * reconnects after a failure with a backoff, and a request on it is sent
 * once, never again (loadgen.h). */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "loadgen.h"

/* Wall-clock time in ms since the epoch. */
static int64_t
lg_unix_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

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
void
lg_idle_remove(lg *g, lg_conn *c)
{
    int last = g->idle[--g->nidle];

    g->idle[c->idle_pos] = last;
    g->conns[last].idle_pos = c->idle_pos;
    c->idle_pos = -1;
}

/* Closes c's socket, forgetting any request on it (callers count it
 * first), and reconnects after delay ns, at once when delay is 0, unless
 * nothing is left to send. */
void
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
void
lg_connect_failed(lg *g, lg_conn *c, int64_t now, int err)
{
    g->st.conn_failures++;
    g->last_err = err;
    c->fails++;
    lg_close(g, c, now, lg_backoff(c->fails));
}

/* Starts connecting c, which is down. On failure c stays down and tries
 * again after its backoff. */
void
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
void
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
    histogram_add(&g->hist, us);
    histogram_add(&g->ser_hist, us);
    if (c->answer.status == 200) {
        g->st.ok++;
        g->ser_ok++;
        if (c->req.page != LG_MARKER)
            g->counts[c->req.page]++;
        else
            lg_mark_answered(g, c->req.marker);
    } else if (c->answer.status < 400) {
        g->st.other++;
    } else if (c->answer.status < 500) {
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
int
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
    response_begin(&c->answer);
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

/* Reads what came on c, which has a request in flight. */
static void
lg_read(lg *g, lg_conn *c, int64_t now)
{
    ssize_t n;
    size_t used;
    int rc;

    if (c->rpos > 0) {
        memmove(c->rbuf, c->rbuf + c->rpos, c->rlen - c->rpos);
        c->rlen -= c->rpos;
        c->rpos = 0;
    }
    n = read(c->fd, c->rbuf + c->rlen, sizeof(c->rbuf) - c->rlen);
    if (n < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            lg_fail(g, c, now, 'c');
        return;
    }
    if (n == 0) {
        if (response_until_close(&c->answer))
            lg_answered(g, c, 1);
        else
            lg_fail(g, c, now, 'c');
        return;
    }
    c->rlen += (size_t)n;
    rc = response_read(&c->answer, c->rbuf, c->rlen, &used);
    c->rpos = used;
    if (rc == RESPONSE_BAD)
        lg_fail(g, c, now, 'p');
    else if (rc == RESPONSE_DONE)
        lg_answered(g, c, c->answer.close);
}

/* Handles epoll events ev on connection c. */
void
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
void
lg_housekeep(lg *g, int64_t now)
{
    for (uint64_t i = 0; i < g->o.conns; i++) {
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
