/* fcgi_server.h - a multi-threaded FastCGI server with a clean stop and
 * restarts that lose no request.
 *
 * The listening socket is the one at a configured path, or the one passed
 * by socket activation (systemd, tools/visits-supervise: fd 3 with
 * LISTEN_FDS=1 and LISTEN_PID ours), or fd 0 (spawn-fcgi). fcgi_server accepts
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

#include <fcgiapp.h>
#include <signal.h>

#include "peers.h"

typedef struct fcgi_server_app {
    void *ctx;
    /* Optional: called in each request thread before it accepts; the result
     * is passed to handle and thread_free. Returning NULL with *failed set
     * ends the thread. */
    void *(*thread_init)(void *ctx, int *failed);
    /* Optional: frees what thread_init returned. */
    void (*thread_free)(void *ctx, void *tctx);
    /* Answers one request. Never called once fcgi_server_run has returned. */
    void (*handle)(void *ctx, void *tctx, FCGX_Request *req);
    /* Optional: called in fcgi_server_run's thread when the stop signal
     * arrives, while requests are still accepted and answered; the stop goes on
     * when it returns. For work that would otherwise lengthen the time
     * between this process no longer accepting and its successor starting
     * (which is when requests wait). */
    void (*before_stop)(void *ctx);
    /* Optional: the users whose processes may connect, besides our own
     * (checked with SO_PEERCRED on each new connection, which is closed
     * when refused); NULL lets in whoever can open the socket. Must
     * outlive fcgi_server_run. */
    const peers *peers;
} fcgi_server_app;

/* Blocks SIGINT, SIGTERM and SIGHUP in the calling thread (threads created
 * later inherit the mask) and ignores SIGPIPE. Call first thing in main,
 * before any library starts threads; pass the set to fcgi_server_run. */
void fcgi_server_block_signals(sigset_t *set);

/* Creates a listening unix socket at path with mode 0660 (owner and group
 * may connect), replacing a stale socket left by a dead process; a path
 * that a live process serves, or that is not a socket, is an error. Returns
 * the socket (close-on-exec, blocking), or -1 with a log line. */
int fcgi_server_listen(const char *path);

/* Serves requests with threads request threads until SIGINT or SIGTERM
 * arrives in set, on the unix socket path (created by fcgi_server_listen,
 * removed when stopping), or when path is empty on the socket passed by socket
 * activation, else on the one inherited on fd 0; an inherited socket is
 * left as it is for whoever serves it next. Returns 0 after a clean stop,
 * or -1 with a log line when it could not start (LISTEN_FDS naming another
 * count than 1, an inherited fd that is not a listening socket). *app is
 * copied. */
int fcgi_server_run(const char *path, int threads, const fcgi_server_app *app,
             const sigset_t *set);

#endif
