/* peers.c - the local users allowed to connect to a FastCGI worker. */
#include "peers.h"

#include <errno.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct peers {
    int anyone;             /* "*": every user */
    size_t n;
    uid_t uid[PEERS_MAX];
};

/* Resolves name (len bytes), a user name or a numeric uid, into *uid.
 * Returns 0, or -1 with a message. */
static int
peers_resolve(const char *name, size_t len, uid_t *uid, char *err, size_t errlen)
{
    char user[64], pwbuf[1024];
    struct passwd pw, *found = NULL;
    char *end;
    unsigned long v;
    int rc;

    if (len == 0) {
        snprintf(err, errlen, "an empty user name");
        return -1;
    }
    if (len >= sizeof(user)) {
        snprintf(err, errlen, "user name \"%.20s...\" is too long", name);
        return -1;
    }
    memcpy(user, name, len);
    user[len] = '\0';
    if (strspn(user, "0123456789") == len) {
        errno = 0;
        v = strtoul(user, &end, 10);
        if (errno || *end != '\0' || v >= (unsigned long)(uid_t)-1) {
            snprintf(err, errlen, "uid \"%s\" is out of range", user);
            return -1;
        }
        *uid = (uid_t)v;
        return 0;
    }
    rc = getpwnam_r(user, &pw, pwbuf, sizeof(pwbuf), &found);
    if (rc != 0 || found == NULL) {
        snprintf(err, errlen, "no user \"%s\"%s%s", user, rc ? ": " : "",
                 rc ? strerror(rc) : "");
        return -1;
    }
    *uid = pw.pw_uid;
    return 0;
}

peers *
peers_parse(const char *spec, char *err, size_t errlen)
{
    const char *p = spec, *end;
    peers *out = calloc(1, sizeof(*out));

    if (out == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    p += strspn(p, " ");
    if (strcmp(p, "*") == 0) {
        out->anyone = 1;
        return out;
    }
    while (*p != '\0') {
        size_t len;

        end = p + strcspn(p, ",");
        len = (size_t)(end - p);
        while (len > 0 && p[len - 1] == ' ')
            len--;
        if (out->n == PEERS_MAX) {
            snprintf(err, errlen, "more than %d users", PEERS_MAX);
            goto failed;
        }
        if (peers_resolve(p, len, &out->uid[out->n], err, errlen) < 0)
            goto failed;
        out->n++;
        if (*end == '\0')
            break;
        p = end + 1;
        p += strspn(p, " ");
        if (*p == '\0') {
            snprintf(err, errlen, "an empty user name");
            goto failed;
        }
    }
    return out;
failed:
    free(out);
    return NULL;
}

void
peers_free(peers *p)
{
    free(p);
}

int
peers_allow(const peers *p, uid_t uid, uid_t self)
{
    if (p == NULL || p->anyone || uid == self)
        return 1;
    for (size_t i = 0; i < p->n; i++)
        if (p->uid[i] == uid)
            return 1;
    return 0;
}

int
peers_check_fd(const peers *p, int fd, long *uid, long *pid)
{
    struct ucred cred;
    socklen_t len = sizeof(cred);

    *uid = *pid = -1;
    if (p == NULL || p->anyone)
        return 1;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0
        || len != sizeof(cred))
        return 0;   /* not a unix socket, or no credentials: refused */
    *uid = (long)cred.uid;
    *pid = (long)cred.pid;
    return peers_allow(p, cred.uid, geteuid());
}

int
peers_admit(const peers *p, int fd, log_limit *log)
{
    long uid, pid;
    uint64_t n;

    if (peers_check_fd(p, fd, &uid, &pid))
        return 1;
    if ((n = log_limit_hit(log)) > 0)
        log_error("refused a FastCGI connection from uid %ld (pid %ld): not "
                  "this worker's user nor in fastcgi-users count=%llu", uid, pid,
                  (unsigned long long)n);
    return 0;
}
