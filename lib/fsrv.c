/* fsrv.c - a multi-threaded FastCGI server with a clean stop. */
#include "fsrv.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "http.h"
#include "log.h"

#define FSRV_BACKLOG 1024
#define FSRV_STACK_SIZE (512 * 1024)
#define FSRV_DRAIN_MS 5000

/* Shared by the request threads and fsrv_run; lives until the process
 * exits, since threads blocked on kept connections are never joined. */
typedef struct fsrv {
    const fsrv_app *app;
    int listen_fd;
    atomic_int stopping;
    atomic_int inflight;
    atomic_int alive;
} fsrv;

void
fsrv_block_signals(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, set, NULL);
    signal(SIGPIPE, SIG_IGN);
}

static void *
fsrv_thread_main(void *arg)
{
    fsrv *s = arg;
    FCGX_Request req;
    void *tctx = NULL;
    int failed = 0;

    if (s->app->thread_init) {
        tctx = s->app->thread_init(s->app->ctx, &failed);
        if (failed)
            goto done;
    }
    if (FCGX_InitRequest(&req, s->listen_fd, 0) != 0) {
        log_error("could not initialize a fastcgi request");
        goto done;
    }
    for (;;) {
        if (FCGX_Accept_r(&req) < 0) {
            if (atomic_load(&s->stopping))
                break;
            /* A failed accept (EMFILE, a broken connection): go on. */
            struct timespec pause = { 0, 10 * 1000 * 1000 };
            nanosleep(&pause, NULL);
            continue;
        }
        /* Pairs with fsrv_drain: either this thread sees stopping, or the
         * draining thread sees this request in flight. */
        atomic_fetch_add(&s->inflight, 1);
        if (atomic_load(&s->stopping))
            http_error(&req, 503, "shutting down");
        else
            s->app->handle(s->app->ctx, tctx, &req);
        atomic_fetch_sub(&s->inflight, 1);
    }
    FCGX_Free(&req, 1);
done:
    if (s->app->thread_free)
        s->app->thread_free(s->app->ctx, tctx);
    atomic_fetch_sub(&s->alive, 1);
    return NULL;
}

/* Opens the listening socket at path, replacing a stale one. Returns the fd,
 * or -1 with a log line. */
static int
fsrv_listen(const char *path)
{
    struct sockaddr_un sun;
    struct stat st;
    mode_t old;
    int fd;

    if (strlen(path) >= sizeof(sun.sun_path)) {
        log_error("socket path \"%s\" is longer than %zu bytes", path,
                  sizeof(sun.sun_path) - 1);
        return -1;
    }
    if (lstat(path, &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) {
            log_error("could not listen on \"%s\": it exists and is not a socket",
                      path);
            return -1;
        }
        memset(&sun, 0, sizeof(sun));
        sun.sun_family = AF_UNIX;
        strcpy(sun.sun_path, path);
        fd = socket(AF_UNIX, SOCK_STREAM, 0);
        if (fd >= 0 && connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
            close(fd);
            log_error("could not listen on \"%s\": another process serves it", path);
            return -1;
        }
        if (fd >= 0)
            close(fd);
        if (unlink(path) < 0) {
            log_error("could not remove stale socket \"%s\": %s", path,
                      strerror(errno));
            return -1;
        }
        log_info("removed stale socket \"%s\"", path);
    }
    /* Our own socket, not FCGX_OpenSocket: on failure that prints
     * "bind/listen: ..." without the path and calls exit(errno). */
    memset(&sun, 0, sizeof(sun));
    sun.sun_family = AF_UNIX;
    strcpy(sun.sun_path, path);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        log_error("could not create a socket for \"%s\": %s", path, strerror(errno));
        return -1;
    }
    /* Owner and group may connect: run nginx as the same user or group. */
    old = umask(0117);
    if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0
        || listen(fd, FSRV_BACKLOG) < 0) {
        int err = errno;
        umask(old);
        close(fd);
        log_error("could not listen on \"%s\": %s", path, strerror(err));
        return -1;
    }
    umask(old);
    return fd;
}

/* Waits until no request is being handled, up to FSRV_DRAIN_MS. */
static void
fsrv_drain(fsrv *s)
{
    struct timespec pause = { 0, 1000 * 1000 };

    atomic_store(&s->stopping, 1);
    shutdown(s->listen_fd, SHUT_RDWR);
    for (int waited = 0; atomic_load(&s->inflight) > 0; waited++) {
        if (waited == FSRV_DRAIN_MS) {
            log_error("%d requests still running after %d ms",
                      atomic_load(&s->inflight), FSRV_DRAIN_MS);
            break;
        }
        nanosleep(&pause, NULL);
    }
}

int
fsrv_run(const char *path, int threads, const fsrv_app *app, const sigset_t *set)
{
    struct stat st;
    pthread_attr_t attr;
    pthread_t tid;
    fsrv *s;
    int sig, started = 0;

    if (FCGX_Init() != 0) {
        log_error("could not initialize libfcgi");
        return -1;
    }
    s = calloc(1, sizeof(*s));
    if (s == NULL) {
        log_error("out of memory");
        return -1;
    }
    s->app = app;
    if (path[0] != '\0') {
        s->listen_fd = fsrv_listen(path);
    } else if (fstat(0, &st) == 0 && S_ISSOCK(st.st_mode)) {
        s->listen_fd = 0;
    } else {
        log_error("no socket path given and fd 0 is not a socket");
        s->listen_fd = -1;
    }
    if (s->listen_fd < 0) {
        free(s);
        return -1;
    }

    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, FSRV_STACK_SIZE);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    for (int i = 0; i < threads; i++) {
        atomic_fetch_add(&s->alive, 1);
        if (pthread_create(&tid, &attr, fsrv_thread_main, s) != 0) {
            atomic_fetch_sub(&s->alive, 1);
            log_warn("could only start %d of %d request threads", started, threads);
            break;
        }
        started++;
    }
    pthread_attr_destroy(&attr);
    if (started == 0) {
        log_error("could not start any request thread");
        if (path[0] != '\0')
            unlink(path);
        close(s->listen_fd);
        free(s);
        return -1;
    }
    log_info("listening on %s threads=%d", path[0] ? path : "fd 0", started);

    for (;;) {
        if (sigwait(set, &sig) != 0)
            continue;
        if (sig == SIGINT || sig == SIGTERM)
            break;
        log_info("ignoring signal %d", sig);
    }
    log_info("received %s, stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
    fsrv_drain(s);
    if (path[0] != '\0')
        unlink(path);
    /* Idle threads are leaving; threads blocked on connections nginx keeps
     * open still use s, which then stays allocated until the process ends. */
    for (int waited = 0; atomic_load(&s->alive) > 0 && waited < 100; waited++)
        nanosleep(&(struct timespec){ 0, 1000 * 1000 }, NULL);
    if (atomic_load(&s->alive) == 0) {
        close(s->listen_fd);
        free(s);
    }
    return 0;
}
