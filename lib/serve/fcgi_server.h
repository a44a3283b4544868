/* fcgi_server.h - a multi-threaded FastCGI server with a clean stop and
 * restarts that lose no request.
 *
 * A thread per connection, for apps whose requests wait (the report
 * worker, on PostgreSQL); the visit worker, whose requests never wait, runs
 * on fcgi_loop. The listening socket is found by listen_socket.h.
 * fcgi_server accepts
 * connections itself and hands each to libfcgi; there is no accept mutex
 * (it deadlocks with nginx's fastcgi_keep_conn).
 *
 * On SIGINT or SIGTERM it calls the app's before_stop, if any, still
 * serving meanwhile, then stops accepting, without touching the
 * listening socket (a successor shares it: what arrives meanwhile waits in
 * its backlog), and fcgi_server_run returns once no request is being handled,
 * however long that takes (the stop is bounded by whoever sent it). A
 * request that nginx sends afterwards on a connection it kept open is not
 * answered: the connection is closed, and nginx sends the request again on
 * a new connection, which the next process accepts. */
#ifndef VISITS_FCGI_SERVER_H
#define VISITS_FCGI_SERVER_H

#include <signal.h>

#include "fcgi_app.h"

/* Serves requests with threads request threads until SIGINT or SIGTERM
 * arrives in set, on the unix socket path (created by listen_socket_open,
 * removed when stopping), or when path is empty on the socket passed by socket
 * activation, else on the one inherited on fd 0; an inherited socket is
 * left as it is for whoever serves it next. Returns 0 after a clean stop,
 * or -1 with a log line when it could not start (LISTEN_FDS naming another
 * count than 1, an inherited fd that is not a listening socket). *app is
 * copied. */
int fcgi_server_run(const char *path, int threads, const fcgi_app *app,
                    const sigset_t *set);

#endif
