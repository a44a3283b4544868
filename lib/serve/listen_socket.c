/* listen_socket.c - the listening socket a FastCGI server serves. */
#include "listen_socket.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"

#define LISTEN_SOCKET_BACKLOG 1024
#define LISTEN_SOCKET_ACTIVATED_FD 3   /* SD_LISTEN_FDS_START */

int
listen_socket_open(const char *path)
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
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
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
        || listen(fd, LISTEN_SOCKET_BACKLOG) < 0) {
        int err = errno;
        umask(old);
        close(fd);
        log_error("could not listen on \"%s\": %s", path, strerror(err));
        return -1;
    }
    umask(old);
    return fd;
}

/* Returns 1 when fd is a listening stream socket, else 0. */
static int
listen_socket_is_listening(int fd)
{
    struct stat st;
    int on = 0, type = 0;
    socklen_t len = sizeof(on), tlen = sizeof(type);

    return fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode)
           && getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &len) == 0 && on
           && getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tlen) == 0
           && type == SOCK_STREAM;
}

/* The sd_listen_fds protocol, without libsystemd. Returns 1 with *fd set
 * when socket activation passed us our one socket on fd 3 (LISTEN_PID is
 * our pid, LISTEN_FDS is "1"), 0 when it passed us nothing, or -1 with a
 * log line when it passed something else. The variables are removed when
 * they were meant for us, so they do not reach child processes. */
static int
listen_socket_activated(int *fd)
{
    const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
    char *end;
    long n;
    int rc = -1;

    if (pid == NULL || fds == NULL)
        return 0;
    errno = 0;
    n = strtol(pid, &end, 10);
    if (errno != 0 || end == pid || *end != '\0' || n != (long)getpid())
        return 0;       /* for another process, e.g. our parent */
    if (strcmp(fds, "1") != 0) {
        log_error("socket activation passed LISTEN_FDS=%s, expected 1 socket", fds);
        goto cleanup;
    }
    if (!listen_socket_is_listening(LISTEN_SOCKET_ACTIVATED_FD)) {
        log_error("socket activation passed fd %d, which is not a listening "
                  "stream socket", LISTEN_SOCKET_ACTIVATED_FD);
        goto cleanup;
    }
    if (fcntl(LISTEN_SOCKET_ACTIVATED_FD, F_SETFD, FD_CLOEXEC) < 0) {
        log_error("could not set close-on-exec on fd %d: %s",
                  LISTEN_SOCKET_ACTIVATED_FD, strerror(errno));
        goto cleanup;
    }
    *fd = LISTEN_SOCKET_ACTIVATED_FD;
    rc = 1;
cleanup:
    unsetenv("LISTEN_PID");
    unsetenv("LISTEN_FDS");
    unsetenv("LISTEN_FDNAMES");
    return rc;
}

int
listen_socket_find(const char *path, char *where, size_t len)
{
    int fd = -1, flags;

    if (path[0] != '\0') {
        fd = listen_socket_open(path);
        snprintf(where, len, "%s", path);
    } else {
        switch (listen_socket_activated(&fd)) {
        case 1:
            snprintf(where, len, "fd %d (socket activation)", fd);
            break;
        case 0:
            if (!listen_socket_is_listening(0)) {
                log_error("no socket path given, no socket passed by socket "
                          "activation, and fd 0 is not a listening socket");
                return -1;
            }
            fd = 0;
            snprintf(where, len, "fd 0");
            break;
        default:
            return -1;
        }
    }
    if (fd < 0)
        return -1;
    /* On the open file description, which processes sharing the socket
     * share too: they accept as we do, or not at all (the supervisor). */
    if ((flags = fcntl(fd, F_GETFL)) < 0
        || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
        log_error("could not make the listening socket non-blocking: %s",
                  strerror(errno));
        if (path[0] != '\0') {
            unlink(path);
            close(fd);
        }
        return -1;
    }
    return fd;
}
