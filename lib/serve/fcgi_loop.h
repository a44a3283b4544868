/* fcgi_loop.h - an event-driven FastCGI server: a few threads (one per 4
 * CPUs by default, at least one), each an epoll loop over many kept nginx connections,
 * answering each request on the loop that read it, with no thread woken
 * per request. For apps whose requests never wait (the visit worker);
 * those that wait on a database stay on fcgi_server.
 *
 * Written for this job because no maintained library offers it: libfcgi
 * (Debian's libfcgi) serves one connection per thread, and with nginx's
 * fastcgi_keep_conn half of the visit worker's CPU went to waking the
 * thread of each request (docs/PERFORMANCE.md). The protocol is in
 * fcgi_conn.c (pure, fuzzed), the socket in listen_socket.c; this file is
 * the I/O.
 *
 * Bounds: at most max_conns connections (past that, new ones wait in the
 * listening socket's backlog); per connection the parameters and body
 * fcgi_conn.h keeps, and at most 4 MB of answer waiting to be sent; a
 * request or an answer that makes no progress for io_timeout_ms is
 * dropped with its connection; a kept connection idle for
 * idle_timeout_ms is closed (nginx's keepalive_timeout closes it first).
 *
 * The stop is fcgi_server's: on SIGINT or SIGTERM the app's before_stop
 * runs while serving goes on; then the loops stop accepting (the
 * listening socket is left as it is, for a successor sharing it), close
 * their idle kept connections at once (nginx sends what it had for them
 * again, on a new connection, which the successor accepts), answer the
 * requests they were reading and close those connections after the
 * answer, and fcgi_loop_run returns once every connection is closed. */
#ifndef VISITS_FCGI_LOOP_H
#define VISITS_FCGI_LOOP_H

#include <signal.h>
#include <stdint.h>

#include "fcgi_app.h"

/* Counters of a running server, for the app's metrics. */
typedef struct fcgi_loop_stats {
    _Atomic uint64_t accepted;      /* connections accepted */
    _Atomic uint64_t refused;       /* connections closed at once: app.peers */
    _Atomic long open;              /* connections open now */
    _Atomic uint64_t requests;      /* requests answered */
    _Atomic uint64_t too_large;     /* of them, answered 431 by the server */
    _Atomic uint64_t timed_out;     /* connections dropped stalled mid-request */
    _Atomic uint64_t protocol_errors; /* connections dropped on a protocol error */
} fcgi_loop_stats;

typedef struct fcgi_loop_settings {
    int threads;            /* event loops; 0: one per 4 online CPUs, at least 1 */
    int max_conns;          /* connections at once, over all loops */
    int io_timeout_ms;      /* for a request or answer that stalls */
    int idle_timeout_ms;    /* for a kept connection with nothing to do */
    fcgi_loop_stats *stats; /* optional, zeroed by the caller: kept up to date */
} fcgi_loop_settings;

/* Serves app on the socket listen_socket_find(path) gives until SIGINT or
 * SIGTERM arrives in set (blocked by fcgi_app_block_signals); removes a
 * socket it created when stopping. Returns 0 after a clean stop, or -1
 * with a log line when it could not start. *app and *settings are
 * copied; settings->stats must outlive the run. */
int fcgi_loop_run(const char *path, const fcgi_loop_settings *settings,
                  const fcgi_app *app, const sigset_t *set);

#endif
