/* fcgi_get - sends one FastCGI request straight to a worker's socket, as
 * a process other than nginx would, and prints the answer (headers and
 * body) on stdout.
 *
 *   fcgi_get SOCKET NAME=VALUE...
 *
 * Exits 0 after a complete answer, 1 when the worker closed the
 * connection without one, 2 on a usage or connection error. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

enum { BEGIN_REQUEST = 1, END_REQUEST = 3, PARAMS = 4, STDIN = 5, STDOUT = 6 };

/* Appends a record of type with content (len < 65536) to out at *off. */
static int
record(unsigned char *out, size_t cap, size_t *off, int type, const void *content,
       size_t len)
{
    unsigned char h[8] = { 1, (unsigned char)type, 0, 1,
                           (unsigned char)(len >> 8), (unsigned char)len, 0, 0 };

    if (*off + 8 + len > cap)
        return -1;
    memcpy(out + *off, h, 8);
    memcpy(out + *off + 8, content, len);
    *off += 8 + len;
    return 0;
}

/* Appends one name-value pair (each shorter than 128 bytes) to p at *off. */
static int
pair(unsigned char *p, size_t cap, size_t *off, const char *nv)
{
    const char *eq = strchr(nv, '=');
    size_t nlen, vlen;

    if (eq == NULL)
        return -1;
    nlen = (size_t)(eq - nv);
    vlen = strlen(eq + 1);
    if (nlen > 127 || vlen > 127 || *off + 2 + nlen + vlen > cap)
        return -1;
    p[(*off)++] = (unsigned char)nlen;
    p[(*off)++] = (unsigned char)vlen;
    memcpy(p + *off, nv, nlen);
    memcpy(p + *off + nlen, eq + 1, vlen);
    *off += nlen + vlen;
    return 0;
}

int
main(int argc, char **argv)
{
    static const unsigned char begin[8] = { 0, 1, 0, 0, 0, 0, 0, 0 };  /* responder */
    unsigned char req[16384], params[8192], in[65536 + 8];
    struct sockaddr_un sun;
    size_t off = 0, plen = 0, got = 0;
    ssize_t n;
    int fd;

    if (argc < 2 || strlen(argv[1]) >= sizeof(sun.sun_path)) {
        fprintf(stderr, "usage: fcgi_get SOCKET NAME=VALUE...\n");
        return 2;
    }
    for (int i = 2; i < argc; i++)
        if (pair(params, sizeof(params), &plen, argv[i]) < 0) {
            fprintf(stderr, "fcgi_get: bad parameter \"%s\"\n", argv[i]);
            return 2;
        }
    if (record(req, sizeof(req), &off, BEGIN_REQUEST, begin, sizeof(begin)) < 0
        || record(req, sizeof(req), &off, PARAMS, params, plen) < 0
        || record(req, sizeof(req), &off, PARAMS, "", 0) < 0
        || record(req, sizeof(req), &off, STDIN, "", 0) < 0)
        return 2;
    memset(&sun, 0, sizeof(sun));
    sun.sun_family = AF_UNIX;
    strcpy(sun.sun_path, argv[1]);
    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
        fprintf(stderr, "fcgi_get: could not connect to %s: %s\n", argv[1],
                strerror(errno));
        return 2;
    }
    if (send(fd, req, off, MSG_NOSIGNAL) != (ssize_t)off) {
        fprintf(stderr, "fcgi_get: the worker closed the connection before the request\n");
        return 1;
    }
    for (;;) {
        size_t len, pad;

        while (got < 8 && (n = recv(fd, in + got, sizeof(in) - got, 0)) > 0)
            got += (size_t)n;
        if (got < 8)
            break;
        len = (size_t)in[4] << 8 | in[5];
        pad = in[6];
        while (got < 8 + len + pad && (n = recv(fd, in + got, sizeof(in) - got, 0)) > 0)
            got += (size_t)n;
        if (got < 8 + len + pad)
            break;
        if (in[1] == STDOUT)
            fwrite(in + 8, 1, len, stdout);
        if (in[1] == END_REQUEST)
            return 0;
        memmove(in, in + 8 + len + pad, got - 8 - len - pad);
        got -= 8 + len + pad;
    }
    fprintf(stderr, "fcgi_get: the worker closed the connection without an answer\n");
    return 1;
}
