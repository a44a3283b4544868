/* fcgi_server.c - a multi-threaded FastCGI server with a clean stop.
 *
 * How a connection reaches libfcgi. Each request is initialized with
 * FCGX_InitRequest(&req, -1, 0): a listening socket of -1, so libfcgi can
 * never accept by itself. When a thread has no connection it accepts one
 * (fcgi_server_accept) and sets req.ipcFd to it and req.keepConnection to 1
 * before FCGX_Accept_r. This rests on libfcgi 2.4.2 (libfcgi/fcgiapp.c,
 * libfcgi/os_unix.c):
 * - FCGX_Accept_r starts with FCGX_Finish_r, which closes ipcFd only when
 *   !keepConnection (or a stream of the previous request failed, and our
 *   fresh request has no streams: req.in is NULL after FCGX_Finish_r and
 *   FCGX_Free); so our connection survives it.
 * - It calls OS_Accept(listen_sock) only when ipcFd < 0; otherwise it reads
 *   the begin-request record from ipcFd, which sets keepConnection from
 *   nginx's FCGI_KEEP_CONN flag (ProcessBeginRecord), then the params.
 * - On a connection nginx closed, or a protocol error, it frees the request
 *   with close (FCGX_Free: OS_IpcClose, ipcFd = -1) and loops to OS_Accept
 *   on -1, which fails with EBADF (fcntl lock where USE_LOCKING, else
 *   accept(2); EBADF is not one of is_reasonable_accept_errno's): it
 *   returns < 0 with ipcFd -1, and the thread accepts again itself.
 * - FCGX_Finish_r after a request closes the connection unless nginx asked
 *   to keep it: ipcFd -1 means accept again, else the next request is read
 *   from the kept connection by FCGX_Accept_r.
 *
 * Why our own accept: a stopping process must stop taking connections at
 * once, and the old way, shutdown(2) on the listening socket to wake the
 * threads blocked in libfcgi's accept, breaks that socket for every
 * process holding it, the successor that socket activation hands it to as
 * well. Here the thread waiting to accept (one at a time, see
 * fcgi_server_accept) and every thread on an idle kept connection poll
 * their socket and an eventfd that fcgi_server_drain writes once and
 * nobody reads, so it wakes every one of them. */
#include "fcgi_server.h"

#include <errno.h>
#include <fcgiapp.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "listen_socket.h"
#include "log.h"
#include "peers.h"
#include "timestamp.h"

#define FCGI_SERVER_STACK_SIZE (512 * 1024)
#define FCGI_SERVER_DRAIN_MS 5000

/* Shared by the request threads and fcgi_server_run; lives until the process
 * exits, since threads blocked on kept connections are never joined. */
typedef struct fcgi_server {
    fcgi_app app;           /* a copy: threads may outlive the caller's */
    int listen_fd;          /* non-blocking */
    int stop_fd;            /* eventfd, readable once stopping */
    atomic_int stopping;
    atomic_int drained;     /* set by fcgi_server_drain: nothing starts now */
    atomic_int inflight;
    atomic_int alive;
    atomic_int closed_idle; /* kept connections closed idle at the stop */
    pthread_mutex_t accept_lock;    /* one thread at a time waits to accept */
    log_limit accept_log;   /* accept failures, across threads */
    log_limit peer_log;     /* connections refused by app.peers */
} fcgi_server;

static void
fcgi_server_pause_ms(long ms)
{
    struct timespec pause = { ms / 1000, (ms % 1000) * 1000 * 1000 };

    nanosleep(&pause, NULL);
}

/* Waits until fd is readable or the server is stopping. Returns 1 for fd,
 * 0 once stopping; when both are, prefer_fd decides: a request that came
 * on a kept connection is still taken, a new connection is not. */
static int
fcgi_server_wait(fcgi_server *s, int fd, int prefer_fd)
{
    struct pollfd pfd[2];

    for (;;) {
        pfd[0] = (struct pollfd){ .fd = fd, .events = POLLIN };
        pfd[1] = (struct pollfd){ .fd = s->stop_fd, .events = POLLIN };
        if (atomic_load(&s->stopping))
            return 0;
        if (poll(pfd, 2, -1) < 0) {
            if (errno != EINTR)
                fcgi_server_pause_ms(10);
            continue;
        }
        if (prefer_fd && pfd[0].revents != 0)
            return 1;
        if (pfd[1].revents != 0)
            return 0;
        if (pfd[0].revents != 0)
            return 1;
    }
}

/* Waits for a connection and accepts it. Returns it (blocking,
 * close-on-exec) counted in s->inflight, which the caller gives back after
 * answering its first request; or -1, not counted, once stopping. Called
 * with s->accept_lock held. */
static int
fcgi_server_accept_locked(fcgi_server *s)
{
    uint64_t n;
    int fd, err;

    for (;;) {
        if (!fcgi_server_wait(s, s->listen_fd, 0))
            return -1;
        /* Counted before the accept, and stopping checked after: pairs with
         * fcgi_server_drain. A connection accepted here is always answered: a
         * request failing on a new connection is not sent again when the
         * upstream has a single server (nginx sets tries to 0 for it). */
        atomic_fetch_add(&s->inflight, 1);
        if (atomic_load(&s->stopping)) {
            atomic_fetch_sub(&s->inflight, 1);
            return -1;
        }
        fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (fd >= 0 && peers_admit(s->app.peers, fd, &s->peer_log))
            return fd;
        if (fd >= 0) {
            close(fd);
            atomic_fetch_sub(&s->inflight, 1);
            continue;
        }
        err = errno;
        atomic_fetch_sub(&s->inflight, 1);
        /* Another thread took it, or the client went away. */
        if (err == EAGAIN || err == EWOULDBLOCK || err == EINTR
            || err == ECONNABORTED)
            continue;
        if ((n = log_limit_hit(&s->accept_log)) > 0)
            log_error("could not accept a connection: %s count=%llu",
                      strerror(err), (unsigned long long)n);
        /* EMFILE, ENOBUFS: let descriptors or memory come back. */
        fcgi_server_pause_ms(10);
    }
}

/* fcgi_server_accept_locked for one thread at a time. Every idle thread polling
 * the listening socket woke for each new connection, and all but one
 * found nothing to accept: with 320 threads, under wrk's load on the
 * events API (nginx opening connections past its keepalive cache) that
 * was half the worker's context switches. The others wait on the lock,
 * which wakes one of them; the holder wakes at the stop like any poller
 * and lets the next see it. */
static int
fcgi_server_accept(fcgi_server *s)
{
    int fd;

    pthread_mutex_lock(&s->accept_lock);
    fd = fcgi_server_accept_locked(s);
    pthread_mutex_unlock(&s->accept_lock);
    return fd;
}

/* http_request over libfcgi. */
static const char *
fcgi_server_param(void *impl, const char *name)
{
    return FCGX_GetParam(name, ((FCGX_Request *)impl)->envp);
}

static size_t
fcgi_server_read(void *impl, char *to, size_t len)
{
    int n = FCGX_GetStr(to, len > (size_t)INT32_MAX ? INT32_MAX : (int)len,
                        ((FCGX_Request *)impl)->in);

    return n < 0 ? 0 : (size_t)n;
}

static int
fcgi_server_write(void *impl, const char *data, size_t len)
{
    FCGX_Request *req = impl;

    while (len > 0) {
        int n = len > (size_t)INT32_MAX ? INT32_MAX : (int)len;
        if (FCGX_PutStr(data, n, req->out) != n)
            return -1;
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

static void
fcgi_server_send_timeout(void *impl, int ms)
{
    struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

    setsockopt(((FCGX_Request *)impl)->ipcFd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static const http_request_ops fcgi_server_ops = { fcgi_server_param, fcgi_server_read,
                                                  fcgi_server_write,
                                                  fcgi_server_send_timeout };

static void *
fcgi_server_thread_main(void *arg)
{
    fcgi_server *s = arg;
    FCGX_Request req;
    void *tctx = NULL;
    int failed = 0, fresh;

    if (s->app.thread_init) {
        tctx = s->app.thread_init(s->app.ctx, &failed);
        if (failed)
            goto done;
    }
    /* -1: libfcgi never accepts (see the top of this file). */
    FCGX_InitRequest(&req, -1, 0);
    for (;;) {
        fresh = req.ipcFd < 0;
        if (fresh) {
            if ((req.ipcFd = fcgi_server_accept(s)) < 0)
                break;
            req.keepConnection = 1;
        } else if (fcgi_server_wait(s, req.ipcFd, 1)) {
            /* A request (or nginx closing) on a kept connection: counted
             * before it is read, so fcgi_server_drain waits for it. */
            atomic_fetch_add(&s->inflight, 1);
        } else {
            /* Stopping, and nginx keeps this connection idle: closed now,
             * nginx's keepalive cache notices and drops it, instead of
             * later sending it a request. */
            atomic_fetch_add(&s->closed_idle, 1);
            break;      /* FCGX_Free below closes it */
        }
        if (FCGX_Accept_r(&req) < 0) {
            /* The connection is closed (nginx closed it, or a protocol
             * error) and req.ipcFd is -1. */
            atomic_fetch_sub(&s->inflight, 1);
            continue;
        }
        if (!fresh) {
            /* Pairs with fcgi_server_drain: either this thread sees drained, or
             * the draining thread sees this request in flight. A request
             * that came on a kept connection while stopping is answered
             * (its connection closed after it: nginx sends the next one
             * on a new connection, which waits for the next process);
             * only one that came after the drain is closed unanswered,
             * and nginx sends it again: nginx 1.22,
             * ngx_http_upstream_next(), "if (u->peer.cached && ft_type ==
             * NGX_HTTP_UPSTREAM_FT_ERROR) u->peer.tries++;". */
            if (atomic_load(&s->drained)) {
                atomic_fetch_sub(&s->inflight, 1);
                shutdown(req.ipcFd, SHUT_RDWR);
                FCGX_Finish_r(&req);
                break;
            }
            if (atomic_load(&s->stopping))
                req.keepConnection = 0;
        }
        http_request hr = { &fcgi_server_ops, &req };
        s->app.handle(s->app.ctx, tctx, &hr);
        /* Inside inflight: the answer is only complete for nginx once its
         * end-request record is written. */
        FCGX_Finish_r(&req);
        atomic_fetch_sub(&s->inflight, 1);
    }
    FCGX_Free(&req, 1);
done:
    if (s->app.thread_free)
        s->app.thread_free(s->app.ctx, tctx);
    atomic_fetch_sub(&s->alive, 1);
    return NULL;
}

/* Stops accepting and waits until no request is being handled, however
 * long that takes (a slow report query), saying so every FCGI_SERVER_DRAIN_MS:
 * returning earlier would let a handler run after fcgi_server_run returned, on
 * what the caller then frees. A stop that must be bounded is bounded by
 * whoever sent it (systemd's TimeoutStopSec, visits-supervise's
 * SIGKILL). The listening socket is left alone. */
static void
fcgi_server_drain(fcgi_server *s)
{
    uint64_t one = 1;

    atomic_store(&s->stopping, 1);
    /* Never read, so it stays readable and wakes every idle thread. */
    if (write(s->stop_fd, &one, sizeof(one)) != sizeof(one))
        log_error("could not wake the request threads: %s", strerror(errno));
    /* Twice: a request on a kept connection may be counted after the first
     * wait saw none and before drained is set; the second wait catches it,
     * and one counted later sees drained and is not started. */
    for (int pass = 0; pass < 2; pass++) {
        for (int64_t t0 = timestamp_mono_ms(), said = 0;
             atomic_load(&s->inflight) > 0;) {
            if (timestamp_mono_ms() - t0 >= said + FCGI_SERVER_DRAIN_MS) {
                said += FCGI_SERVER_DRAIN_MS;
                log_warn("%d requests still running after %lld ms, waiting",
                         atomic_load(&s->inflight), (long long)said);
            }
            fcgi_server_pause_ms(1);
        }
        atomic_store(&s->drained, 1);
    }
}

int
fcgi_server_run(const char *path, int threads, const fcgi_app *app,
                const sigset_t *set)
{
    char where[160];
    pthread_attr_t attr;
    pthread_t tid;
    fcgi_server *s;
    int started = 0;

    if (FCGX_Init() != 0) {
        log_error("could not initialize libfcgi");
        return -1;
    }
    s = calloc(1, sizeof(*s));
    if (s == NULL) {
        log_error("out of memory");
        return -1;
    }
    s->app = *app;
    pthread_mutex_init(&s->accept_lock, NULL);
    s->stop_fd = eventfd(0, EFD_CLOEXEC);
    if (s->stop_fd < 0) {
        log_error("could not create an eventfd: %s", strerror(errno));
        free(s);
        return -1;
    }
    s->listen_fd = listen_socket_find(path, where, sizeof(where));
    if (s->listen_fd < 0) {
        close(s->stop_fd);
        free(s);
        return -1;
    }

    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, FCGI_SERVER_STACK_SIZE);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    for (int i = 0; i < threads; i++) {
        atomic_fetch_add(&s->alive, 1);
        if (pthread_create(&tid, &attr, fcgi_server_thread_main, s) != 0) {
            atomic_fetch_sub(&s->alive, 1);
            log_warn("could only start %d of %d request threads", started, threads);
            break;
        }
        started++;
    }
    pthread_attr_destroy(&attr);
    if (started == 0) {
        log_error("could not start any request thread");
        if (path[0] != '\0') {
            unlink(path);
            close(s->listen_fd);
        }
        close(s->stop_fd);
        free(s);
        return -1;
    }
    log_info("listening on %s threads=%d", where, started);

    fcgi_app_wait_stop(set);
    if (s->app.before_stop)
        s->app.before_stop(s->app.ctx);
    fcgi_server_drain(s);
    /* Our own socket goes; an inherited one stays open, for the process
     * that serves it next, until we exit. */
    if (path[0] != '\0')
        unlink(path);
    /* Idle threads are leaving; threads blocked on connections nginx keeps
     * open still use s, which then stays allocated until the process ends. */
    for (int waited = 0; atomic_load(&s->alive) > 0 && waited < 100; waited++)
        fcgi_server_pause_ms(1);
    log_info("stopped accepting: closed_idle=%d kept connections, %d threads "
             "still on a connection", atomic_load(&s->closed_idle),
             atomic_load(&s->alive));
    if (atomic_load(&s->alive) == 0) {
        if (path[0] != '\0')
            close(s->listen_fd);
        close(s->stop_fd);
        free(s);
    }
    return 0;
}
