/* http_listener.h - the monitoring listener of a program that is not behind
 * nginx (the consumer): /metrics, /healthz, /readyz over HTTP, on
 * libmicrohttpd.
 *
 * Requests are read on HTTP_LISTENER_THREADS event-loop threads, so idle or
 * slow clients hold sockets, not threads: at most HTTP_LISTENER_MAX_CONNECTIONS
 * in all and HTTP_LISTENER_MAX_PER_ADDRESS from one client address (one address
 * cannot take them all), each closed after HTTP_LISTENER_IDLE_TIMEOUT_S without
 * a byte; a request head is at most about HTTP_LISTENER_REQUEST_MAX bytes (431
 * beyond). */
#ifndef VISITS_HTTP_LISTENER_H
#define VISITS_HTTP_LISTENER_H

#include <stddef.h>

#include "buf.h"

#define HTTP_LISTENER_REQUEST_MAX 8192
#define HTTP_LISTENER_IDLE_TIMEOUT_S 2
#define HTTP_LISTENER_THREADS 4
#define HTTP_LISTENER_MAX_CONNECTIONS 256
#define HTTP_LISTENER_MAX_PER_ADDRESS 8

/* Answers a GET (or HEAD: the body is dropped) of path, the request
 * target without its query string. Fills body and *content_type (a static
 * string; "text/plain; charset=utf-8" when left NULL) and returns the
 * status: 200, 404, 503... Called on the listener's threads, several at
 * once: it must be thread-safe, and it should not block: while it runs,
 * the connections its thread reads wait (new ones go to the others). */
typedef int (*http_listener_handler)(void *ctx, const char *path, buf *body,
                            const char **content_type);

typedef struct http_listener http_listener;

/* Listens on addr, "host:port" ("[v6]:port" for IPv6; port 0 picks a free
 * one), and serves with handler on threads of its own, which take no
 * signals. Returns the server, or NULL with a message naming the address. */
http_listener *http_listener_start(const char *addr,
                                   http_listener_handler handler, void *ctx,
                                   char *err, size_t errlen);

/* The address it listens on, "host:port", with the port it got. */
const char *http_listener_address(const http_listener *s);

/* Stops accepting, waits for every request being answered, closes the
 * socket and frees s. ctx may be freed after it returns. Accepts NULL. */
void http_listener_stop(http_listener *s);

#endif
