/* listen_socket.h - the listening socket a FastCGI server serves: one at a
 * configured path, the one passed by socket activation (systemd,
 * tools/visits-supervise: fd 3 with LISTEN_FDS=1 and LISTEN_PID ours), or
 * fd 0 (spawn-fcgi). Shared by both servers (fcgi_server, fcgi_loop) and
 * the supervisor. */
#ifndef VISITS_LISTEN_SOCKET_H
#define VISITS_LISTEN_SOCKET_H

#include <stddef.h>

/* Creates a listening unix socket at path with mode 0660 (owner and group
 * may connect), replacing a stale socket left by a dead process; a path
 * that a live process serves, or that is not a socket, is an error. Returns
 * the socket (close-on-exec, blocking), or -1 with a log line. */
int listen_socket_open(const char *path);

/* Opens the socket at path (listen_socket_open), or when path is "" finds
 * the one socket activation passed, else fd 0; makes it non-blocking (on
 * the open file description, which processes sharing the socket share
 * too) and names it in where (len bytes). Returns it, or -1 with a log
 * line (LISTEN_FDS naming another count than 1, an inherited fd that is
 * not a listening socket). */
int listen_socket_find(const char *path, char *where, size_t len);

#endif
