/* fsrv.h - a multi-threaded FastCGI server with a clean stop.
 *
 * Every thread blocks in FCGX_Accept_r on the shared listening socket (no
 * accept mutex: it deadlocks with nginx's fastcgi_keep_conn). On SIGINT or
 * SIGTERM the listening socket is shut down, which wakes idle threads, and
 * fsrv_run returns once no request is being handled; a request arriving
 * later on a kept connection is answered 503 without calling the handler. */
#ifndef VISITS_FSRV_H
#define VISITS_FSRV_H

#include <fcgiapp.h>
#include <signal.h>

typedef struct fsrv_app {
    void *ctx;
    /* Optional: called in each request thread before it accepts; the result
     * is passed to handle and thread_free. Returning NULL with *failed set
     * ends the thread. */
    void *(*thread_init)(void *ctx, int *failed);
    /* Optional: frees what thread_init returned. */
    void (*thread_free)(void *ctx, void *tctx);
    /* Answers one request. */
    void (*handle)(void *ctx, void *tctx, FCGX_Request *req);
} fsrv_app;

/* Blocks SIGINT, SIGTERM and SIGHUP in the calling thread (threads created
 * later inherit the mask) and ignores SIGPIPE. Call first thing in main,
 * before any library starts threads; pass the set to fsrv_run. */
void fsrv_block_signals(sigset_t *set);

/* Serves requests on the unix socket path (a stale socket left by a dead
 * process is replaced; a live one is an error), or on the socket inherited
 * on fd 0 when path is empty, with threads request threads, until SIGINT or
 * SIGTERM arrives in set. Returns 0 after a clean stop, or -1 with a log
 * line when it could not start. */
int fsrv_run(const char *path, int threads, const fsrv_app *app,
             const sigset_t *set);

#endif
