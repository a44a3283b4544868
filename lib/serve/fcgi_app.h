/* fcgi_app.h - what a FastCGI app gives the server that runs it, and the
 * stop signals both servers share: lib/serve/fcgi_server.c (libfcgi, a
 * thread per connection, for handlers that wait: the report worker) and
 * lib/serve/fcgi_loop.c (event loops, for handlers that never wait: the
 * visit worker). */
#ifndef VISITS_FCGI_APP_H
#define VISITS_FCGI_APP_H

#include <signal.h>

#include "http.h"
#include "peers.h"

typedef struct fcgi_app {
    void *ctx;
    /* Optional: called in each server thread before it serves; the result
     * is passed to handle and thread_free. Returning NULL with *failed set
     * ends the thread. */
    void *(*thread_init)(void *ctx, int *failed);
    /* Optional: frees what thread_init returned. */
    void (*thread_free)(void *ctx, void *tctx);
    /* Answers one request. Never called once the server's run has
     * returned. Under fcgi_loop it runs on the event loop: it must never
     * block. */
    void (*handle)(void *ctx, void *tctx, http_request *req);
    /* Optional: called in the run's thread when the stop signal arrives,
     * while requests are still accepted and answered; the stop goes on
     * when it returns. For work that would otherwise lengthen the time
     * between this process no longer accepting and its successor starting
     * (which is when requests wait). */
    void (*before_stop)(void *ctx);
    /* Optional: the users whose processes may connect, besides our own
     * (checked with SO_PEERCRED on each new connection, which is closed
     * when refused); NULL lets in whoever can open the socket. Must
     * outlive the run. */
    const peers *peers;
} fcgi_app;

/* Blocks SIGINT, SIGTERM and SIGHUP in the calling thread (threads created
 * later inherit the mask) and ignores SIGPIPE. Call first thing in main,
 * before any library starts threads; pass the set to the server's run. */
void fcgi_app_block_signals(sigset_t *set);

/* Waits with sigwait for SIGINT or SIGTERM in set, logging and ignoring
 * the others. Returns the signal. */
int fcgi_app_wait_stop(const sigset_t *set);

#endif
