/* peers.h - which local users may talk to a FastCGI worker: the users of
 * the processes allowed to connect to its socket (nginx's), checked with
 * the kernel's SO_PEERCRED on each new connection. File permissions alone
 * let in every process of the socket's group: on a shared web host, every
 * PHP-FPM pool of group www-data, which could then forge REMOTE_ADDR or
 * the monitoring parameter and skip nginx's limits. Parsed once from the
 * "fastcgi-users" setting, then only read. */
#ifndef VISITS_PEERS_H
#define VISITS_PEERS_H

#include <stddef.h>
#include <sys/types.h>

#include "log.h"

#define PEERS_MAX 16

typedef struct peers peers;

/* Parses spec: user names or numeric uids separated by commas ("www-data",
 * "33,nginx"), each resolved now; "*" alone lets in any user (file
 * permissions decide); "" lets in only the worker's own user. Returns the
 * list, or NULL with a message naming the problem (an unknown user, an
 * empty name, more than PEERS_MAX). */
peers *peers_parse(const char *spec, char *err, size_t errlen);

/* Frees p. Accepts NULL. */
void peers_free(peers *p);

/* Returns 1 when a process of uid may connect: uid is in p, or is self
 * (the worker's own), or p lets in anyone; else 0. p NULL lets in anyone. */
int peers_allow(const peers *p, uid_t uid, uid_t self);

/* Checks the connection fd's peer (SO_PEERCRED) against p. Returns 1 when
 * allowed, 0 when not, with *uid and *pid set when known (else -1). */
int peers_check_fd(const peers *p, int fd, long *uid, long *pid);

/* peers_check_fd for a server's accept: returns 1 when the peer of fd may
 * talk to us, else 0 after a log line naming its user (at most one a
 * second through log, with the count). */
int peers_admit(const peers *p, int fd, log_limit *log);

#endif
