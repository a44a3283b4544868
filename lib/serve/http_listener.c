/* http_listener.c - the monitoring listener, on libmicrohttpd.
 *
 * libmicrohttpd reads requests on a few event-loop threads (epoll), so an
 * idle or slow client costs a socket, not a thread; it bounds connections
 * in all and per client address, and drops one idle for
 * HTTP_LISTENER_IDLE_TIMEOUT_S. We open the listening socket ourselves so that
 * "host:port" is parsed in one place and port 0 can be reported. */
#include "http_listener.h"

#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <signal.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct http_listener {
    struct MHD_Daemon *daemon;
    int fd;                 /* listening socket, ours to close */
    http_listener_handler handler;
    void *ctx;
    char address[96];
};

/* Splits "host:port" or "[v6]:port" into host and port. Returns 0, or -1
 * when addr has neither form. */
static int
http_listener_split(const char *addr, char *host, size_t hostlen, char *port,
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

/* Queues an answer with status, content type and body (copied). Returns
 * what libmicrohttpd's request callback returns. */
static enum MHD_Result
http_listener_answer(struct MHD_Connection *conn, int status,
                     const char *content_type, const char *allow,
                     const buf *body)
{
    struct MHD_Response *r;
    enum MHD_Result rc;

    r = MHD_create_response_from_buffer(body->data ? body->len : 0,
                                        body->data ? body->data : "",
                                        MHD_RESPMEM_MUST_COPY);
    if (r == NULL)
        return MHD_NO;      /* out of memory: the connection is closed */
    if (MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, content_type) == MHD_NO
        || MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store") == MHD_NO
        || (allow && MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow) == MHD_NO)) {
        MHD_destroy_response(r);
        return MHD_NO;
    }
    rc = MHD_queue_response(conn, (unsigned int)status, r);
    MHD_destroy_response(r);
    return rc;
}

/* libmicrohttpd's request callback: answers GET and HEAD (libmicrohttpd
 * drops the body of a HEAD) through the handler, anything else 405. Called
 * once the head is read; a request body, if any, is not read. */
static enum MHD_Result
http_listener_request(void *cls, struct MHD_Connection *conn, const char *url,
             const char *method, const char *version, const char *upload_data,
             size_t *upload_data_size, void **req_cls)
{
    static const char text[] = "text/plain; charset=utf-8";
    http_listener *s = cls;
    const char *type = NULL;
    buf body = BUF_INIT;
    enum MHD_Result rc;
    int status;

    (void)version;
    (void)upload_data;
    (void)upload_data_size;
    (void)req_cls;
    if (strcmp(method, MHD_HTTP_METHOD_GET) != 0
        && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0) {
        buf_puts(&body, "only GET and HEAD are answered here\n");
        rc = http_listener_answer(conn, 405, text, "GET, HEAD", &body);
        goto done;
    }
    if (url[0] != '/') {
        buf_puts(&body, "malformed request target\n");
        rc = http_listener_answer(conn, 400, text, NULL, &body);
        goto done;
    }
    status = s->handler(s->ctx, url, &body, &type);
    if (body.failed) {
        buf_reset(&body);
        buf_puts(&body, "out of memory\n");
        status = 500;
        type = NULL;
    }
    rc = http_listener_answer(conn, status, type ? type : text, NULL, &body);
done:
    buf_free(&body);
    return rc;
}

/* Opens a listening socket on host:port and fills s->address with the
 * address it got. Returns the socket, or -1 with err filled. */
static int
http_listener_listen(http_listener *s, const char *addr, char *err,
                     size_t errlen)
{
    struct addrinfo hints, *ai = NULL;
    struct sockaddr_storage ss;
    socklen_t sslen = sizeof(ss);
    char host[64], port[8], h[64], p[8];
    int fd = -1, rc, one = 1;

    if (http_listener_split(addr, host, sizeof(host), port, sizeof(port)) < 0) {
        snprintf(err, errlen, "listen address \"%s\" is not host:port", addr);
        return -1;
    }
    memset(&hints, 0, sizeof(hints));
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    rc = getaddrinfo(host, port, &hints, &ai);
    if (rc != 0) {
        snprintf(err, errlen, "could not resolve \"%s\": %s", addr, gai_strerror(rc));
        return -1;
    }
    fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0
        || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0
        || bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 64) < 0
        || getsockname(fd, (struct sockaddr *)&ss, &sslen) < 0) {
        snprintf(err, errlen, "could not listen on \"%s\": %s", addr, strerror(errno));
        if (fd >= 0)
            close(fd);
        freeaddrinfo(ai);
        return -1;
    }
    freeaddrinfo(ai);
    if (getnameinfo((struct sockaddr *)&ss, sslen, h, sizeof(h), p, sizeof(p),
                    NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
        snprintf(h, sizeof(h), "%s", host);
        snprintf(p, sizeof(p), "%s", port);
    }
    snprintf(s->address, sizeof(s->address), ss.ss_family == AF_INET6 ? "[%s]:%s"
             : "%s:%s", h, p);
    return fd;
}

http_listener *
http_listener_start(const char *addr, http_listener_handler handler, void *ctx,
                    char *err, size_t errlen)
{
    sigset_t all, old;
    http_listener *s;

    s = calloc(1, sizeof(*s));
    if (s == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->handler = handler;
    s->ctx = ctx;
    s->fd = http_listener_listen(s, addr, err, errlen);
    if (s->fd < 0)
        goto failed;
    /* Its threads take no signals: they stay with the program's own. */
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    s->daemon = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC, 0, NULL,
        NULL, http_listener_request, s, MHD_OPTION_LISTEN_SOCKET,
        (MHD_socket)s->fd, MHD_OPTION_THREAD_POOL_SIZE,
        (unsigned int)HTTP_LISTENER_THREADS, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned int)HTTP_LISTENER_MAX_CONNECTIONS,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT,
        (unsigned int)HTTP_LISTENER_MAX_PER_ADDRESS,
        MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned int)HTTP_LISTENER_IDLE_TIMEOUT_S,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (size_t)HTTP_LISTENER_REQUEST_MAX * 2, MHD_OPTION_END);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (s->daemon == NULL) {
        snprintf(err, errlen, "could not start the listener on \"%s\"", addr);
        goto failed;
    }
    return s;
failed:
    if (s->fd >= 0)
        close(s->fd);
    free(s);
    return NULL;
}

const char *
http_listener_address(const http_listener *s)
{
    return s->address;
}

void
http_listener_stop(http_listener *s)
{
    if (s == NULL)
        return;
    /* Quiesced first, libmicrohttpd leaves the socket to us to close. */
    if (MHD_quiesce_daemon(s->daemon) == MHD_INVALID_SOCKET)
        s->fd = -1;     /* it closes the socket itself */
    MHD_stop_daemon(s->daemon);     /* waits for requests being answered */
    if (s->fd >= 0)
        close(s->fd);
    free(s);
}
