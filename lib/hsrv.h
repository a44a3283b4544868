/* hsrv.h - a small HTTP/1.0 server on its own thread, for what a program
 * that is not behind nginx (the consumer) shows to monitoring: /metrics,
 * /healthz, /readyz. One request per connection, each answered on a thread
 * of its own (a slow /readyz holds up nothing else), at most
 * HSRV_MAX_ACTIVE at once (503 beyond); a request is at most
 * HSRV_REQUEST_MAX bytes and must arrive within HSRV_TIMEOUT_MS, or the
 * connection is answered 400/408 and closed; an answer the client does
 * not read within HSRV_TIMEOUT_MS is dropped. */
#ifndef VISITS_HSRV_H
#define VISITS_HSRV_H

#include <stddef.h>

#include "buf.h"

#define HSRV_REQUEST_MAX 8192
#define HSRV_TIMEOUT_MS 2000
#define HSRV_MAX_ACTIVE 8       /* requests answered at once */

/* Answers a GET (or HEAD: the body is dropped) of path, the request
 * target without its query string. Fills body and *content_type (a static
 * string; "text/plain; charset=utf-8" when left NULL) and returns the
 * status: 200, 404, 503... Called on up to HSRV_MAX_ACTIVE threads at
 * once: it must be thread-safe. */
typedef int (*hsrv_handler)(void *ctx, const char *path, buf *body,
                            const char **content_type);

typedef struct hsrv hsrv;

/* Listens on addr, "host:port" ("[v6]:port" for IPv6; port 0 picks a free
 * one), and serves with handler on a new thread. Returns the server, or
 * NULL with a message naming the address. */
hsrv *hsrv_start(const char *addr, hsrv_handler handler, void *ctx, char *err,
                 size_t errlen);

/* The address it listens on, "host:port", with the port it got. */
const char *hsrv_address(const hsrv *s);

/* Stops accepting, waits for every request being answered (however long;
 * a stop that must be bounded is bounded by whoever stops the program),
 * closes the socket and frees s. ctx may be freed after it returns.
 * Accepts NULL. */
void hsrv_stop(hsrv *s);

#endif
