/* hsrv.c - a small HTTP/1.0 server on its own thread. */
#include "hsrv.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http.h"
#include "log.h"
#include "vtime.h"

struct hsrv {
    int fd;                 /* listening socket */
    _Atomic int active;     /* connections being answered */
    int stop_fd;            /* eventfd, written once by hsrv_stop */
    pthread_t thread;
    hsrv_handler handler;
    void *ctx;
    char address[96];
};

/* Splits "host:port" or "[v6]:port" into host and port. Returns 0, or -1
 * when addr has neither form. */
static int
hsrv_split(const char *addr, char *host, size_t hostlen, char *port,
           size_t portlen)
{
    const char *colon, *end = NULL;
    size_t n;

    if (addr[0] == '[') {
        end = strchr(addr, ']');
        if (end == NULL || end[1] != ':')
            return -1;
        colon = end + 1;
        addr++;
    } else {
        colon = strrchr(addr, ':');
        if (colon == NULL)
            return -1;
        end = colon;
    }
    n = (size_t)(end - addr);
    if (n == 0 || n >= hostlen || strlen(colon + 1) == 0
        || strlen(colon + 1) >= portlen
        || strspn(colon + 1, "0123456789") != strlen(colon + 1)
        || atol(colon + 1) > 65535)
        return -1;
    memcpy(host, addr, n);
    host[n] = '\0';
    strcpy(port, colon + 1);
    return 0;
}

/* Writes all of data, or gives up on an error. */
static void
hsrv_write(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = send(fd, data, len, MSG_NOSIGNAL);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        data += n;
        len -= (size_t)n;
    }
}

static void
hsrv_answer(int fd, int status, const char *content_type, const char *extra,
            const buf *body, int head)
{
    char header[512];
    size_t len = body && body->data ? body->len : 0;
    int n;

    n = snprintf(header, sizeof(header),
                 "HTTP/1.0 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
                 "Cache-Control: no-store\r\nConnection: close\r\n%s\r\n",
                 status, http_reason(status), content_type, len, extra);
    if (n < 0 || (size_t)n >= sizeof(header))
        return;     /* cannot happen with our short headers */
    hsrv_write(fd, header, (size_t)n);
    if (!head && len > 0)
        hsrv_write(fd, body->data, len);
}

/* Reads one request head (up to the blank line) into req within the time
 * limit. Returns 0, or the status to answer: 400 (too large), 408. */
static int
hsrv_read(int fd, char *req, size_t cap)
{
    int64_t deadline = vtime_mono_ms() + HSRV_TIMEOUT_MS;
    size_t len = 0;

    for (;;) {
        struct pollfd p = { fd, POLLIN, 0 };
        int64_t left = deadline - vtime_mono_ms();
        ssize_t n;

        if (left <= 0 || poll(&p, 1, (int)left) == 0)
            return 408;
        n = recv(fd, req + len, cap - 1 - len, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return 400;
        len += (size_t)n;
        req[len] = '\0';
        if (strstr(req, "\r\n\r\n") || strstr(req, "\n\n"))
            return 0;
        if (len == cap - 1)
            return 400;
    }
}

/* Answers the request on the accepted connection fd. */
static void
hsrv_serve(hsrv *s, int fd)
{
    static const char text[] = "text/plain; charset=utf-8";
    char req[HSRV_REQUEST_MAX + 1], *target, *end;
    const char *type = NULL;
    buf body = BUF_INIT;
    int status, head;

    status = hsrv_read(fd, req, sizeof(req));
    if (status != 0) {
        buf_puts(&body, status == 408 ? "request not received in time\n"
                                      : "request too large or malformed\n");
        hsrv_answer(fd, status, text, "", &body, 0);
        goto done;
    }
    head = strncmp(req, "HEAD ", 5) == 0;
    if (!head && strncmp(req, "GET ", 4) != 0) {
        buf_puts(&body, "only GET and HEAD are answered here\n");
        hsrv_answer(fd, 405, text, "Allow: GET, HEAD\r\n", &body, 0);
        goto done;
    }
    target = req + (head ? 5 : 4);
    end = strpbrk(target, " \r\n");
    if (target[0] != '/' || end == NULL || *end != ' '
        || strncmp(end + 1, "HTTP/1.", 7) != 0) {
        buf_puts(&body, "malformed request line\n");
        hsrv_answer(fd, 400, text, "", &body, 0);
        goto done;
    }
    *end = '\0';
    target[strcspn(target, "?")] = '\0';
    status = s->handler(s->ctx, target, &body, &type);
    if (body.failed) {
        buf_reset(&body);
        buf_puts(&body, "out of memory\n");
        status = 500;
        type = NULL;
    }
    hsrv_answer(fd, status, type ? type : text, "", &body, head);
done:
    buf_free(&body);
}

/* Closes an answered connection without losing the answer: the client may
 * still be sending (a request over the limit), and closing with unread
 * input would reset the connection before it reads what we wrote. Reads
 * and drops its input for up to 100 ms. */
static void
hsrv_close(int fd)
{
    int64_t deadline = vtime_mono_ms() + 100;
    char sink[4096];

    shutdown(fd, SHUT_WR);
    for (;;) {
        struct pollfd p = { fd, POLLIN, 0 };
        int64_t left = deadline - vtime_mono_ms();

        if (left <= 0 || poll(&p, 1, (int)left) <= 0
            || recv(fd, sink, sizeof(sink), 0) <= 0)
            break;
    }
    close(fd);
}

typedef struct hsrv_conn {
    hsrv *s;
    int fd;
} hsrv_conn;

static void *
hsrv_conn_main(void *arg)
{
    hsrv_conn *c = arg;

    hsrv_serve(c->s, c->fd);
    hsrv_close(c->fd);
    atomic_fetch_sub(&c->s->active, 1);
    free(c);
    return NULL;
}

/* Answers the accepted connection fd on a thread of its own, so a slow
 * /readyz (it waits for Kafka and PostgreSQL) does not hold up /healthz or
 * a scrape; past HSRV_MAX_ACTIVE at once, answers 503 at once instead. */
static void
hsrv_dispatch(hsrv *s, int fd)
{
    struct timeval tv = { HSRV_TIMEOUT_MS / 1000, (HSRV_TIMEOUT_MS % 1000) * 1000 };
    pthread_attr_t attr;
    pthread_t tid;
    hsrv_conn *c;
    buf busy = BUF_INIT;
    int rc = -1;

    /* A client that does not read cannot hold a thread for long. */
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    if (atomic_fetch_add(&s->active, 1) < HSRV_MAX_ACTIVE
        && (c = malloc(sizeof(*c))) != NULL) {
        c->s = s;
        c->fd = fd;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        rc = pthread_create(&tid, &attr, hsrv_conn_main, c);
        pthread_attr_destroy(&attr);
        if (rc != 0)
            free(c);
    }
    if (rc == 0)
        return;
    atomic_fetch_sub(&s->active, 1);
    buf_puts(&busy, "busy: too many monitoring requests at once\n");
    hsrv_answer(fd, 503, "text/plain; charset=utf-8", "", &busy, 0);
    buf_free(&busy);
    hsrv_close(fd);
}

static void *
hsrv_main(void *arg)
{
    hsrv *s = arg;

    for (;;) {
        struct pollfd p[2] = { { s->fd, POLLIN, 0 }, { s->stop_fd, POLLIN, 0 } };
        int fd;

        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            log_error("metrics listener: poll failed: %s", strerror(errno));
            break;
        }
        if (p[1].revents)
            break;
        fd = accept4(s->fd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno != EINTR && errno != EAGAIN && errno != ECONNABORTED)
                usleep(10 * 1000);      /* EMFILE and the like: let it pass */
            continue;
        }
        hsrv_dispatch(s, fd);
    }
    return NULL;
}

hsrv *
hsrv_start(const char *addr, hsrv_handler handler, void *ctx, char *err,
           size_t errlen)
{
    struct addrinfo hints, *ai = NULL;
    struct sockaddr_storage ss;
    socklen_t sslen = sizeof(ss);
    char host[64], port[8], h[64], p[8];
    sigset_t all, old;
    hsrv *s;
    int rc, one = 1;

    if (hsrv_split(addr, host, sizeof(host), port, sizeof(port)) < 0) {
        snprintf(err, errlen, "listen address \"%s\" is not host:port", addr);
        return NULL;
    }
    s = calloc(1, sizeof(*s));
    if (s == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->fd = s->stop_fd = -1;
    s->handler = handler;
    s->ctx = ctx;
    memset(&hints, 0, sizeof(hints));
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    rc = getaddrinfo(host, port, &hints, &ai);
    if (rc != 0) {
        snprintf(err, errlen, "could not resolve \"%s\": %s", addr, gai_strerror(rc));
        goto failed;
    }
    s->fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (s->fd < 0
        || setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0
        || bind(s->fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(s->fd, 16) < 0
        || getsockname(s->fd, (struct sockaddr *)&ss, &sslen) < 0) {
        snprintf(err, errlen, "could not listen on \"%s\": %s", addr, strerror(errno));
        goto failed;
    }
    if (getnameinfo((struct sockaddr *)&ss, sslen, h, sizeof(h), p, sizeof(p),
                    NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
        snprintf(h, sizeof(h), "%s", host);
        snprintf(p, sizeof(p), "%s", port);
    }
    snprintf(s->address, sizeof(s->address), ss.ss_family == AF_INET6 ? "[%s]:%s"
             : "%s:%s", h, p);
    s->stop_fd = eventfd(0, EFD_CLOEXEC);
    if (s->stop_fd < 0) {
        snprintf(err, errlen, "could not create an eventfd: %s", strerror(errno));
        goto failed;
    }
    /* The thread takes no signals: they stay with the program's own threads. */
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    rc = pthread_create(&s->thread, NULL, hsrv_main, s);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        snprintf(err, errlen, "could not start the listener thread: %s", strerror(rc));
        goto failed;
    }
    freeaddrinfo(ai);
    return s;
failed:
    if (ai)
        freeaddrinfo(ai);
    if (s->fd >= 0)
        close(s->fd);
    if (s->stop_fd >= 0)
        close(s->stop_fd);
    free(s);
    return NULL;
}

const char *
hsrv_address(const hsrv *s)
{
    return s->address;
}

void
hsrv_stop(hsrv *s)
{
    uint64_t one = 1;

    if (s == NULL)
        return;
    if (write(s->stop_fd, &one, sizeof(one)) != sizeof(one)) {
        /* The thread still uses s: leave it to the process exit. */
        log_error("metrics listener: could not stop its thread: %s",
                  strerror(errno));
        return;
    }
    pthread_join(s->thread, NULL);
    /* Each connection ends within its read and write timeouts plus a
     * readiness check. Wait for every one, however long: they use s and
     * the caller's ctx, which the caller frees next. */
    for (int64_t t0 = vtime_mono_ms(), said = 0; atomic_load(&s->active) > 0;) {
        if (vtime_mono_ms() - t0 >= said + 5000) {
            said += 5000;
            log_warn("metrics listener: %d requests still running after %lld ms, "
                     "waiting", atomic_load(&s->active), (long long)said);
        }
        usleep(1000);
    }
    close(s->fd);
    close(s->stop_fd);
    free(s);
}
