/* visits-libfcgi-hello - the honest ceiling of libfcgi: its plain threaded
 * responder as its own examples write it (libfcgi's threaded.c), with
 * libfcgi's own socket and accept: threads, each in FCGX_Accept_r on the
 * shared socket without a mutex (with nginx's fastcgi_keep_conn a mutex
 * deadlocks), answering a fixed page of about 450 bytes. nginx in front of
 * it (bench/ceiling.conf.in) shows what a site would get from libfcgi. A
 * benchmark helper, not a server to deploy; stopped by a signal (it has no
 * clean stop, as libfcgi's examples have none).
 * Usage: visits-libfcgi-hello --socket PATH [--threads N] */
#include <errno.h>
#include <fcgiapp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hello_page.h"

#define HELLO_THREADS 64
#define HELLO_MAX_THREADS 4096
#define HELLO_BACKLOG 1024

/* The status and headers http_respond writes for the page, in full. */
static const char hello_answer[] =
    "Status: 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
    "Content-Length: 445\r\nCache-Control: no-store\r\n\r\n" HELLO_PAGE;

/* One request thread: libfcgi's accept, the fixed answer, again. */
static void *
hello_thread(void *arg)
{
    int sock = *(const int *)arg;
    FCGX_Request req;

    if (FCGX_InitRequest(&req, sock, 0) != 0)
        return NULL;
    while (FCGX_Accept_r(&req) >= 0) {
        FCGX_PutStr(hello_answer, (int)sizeof(hello_answer) - 1, req.out);
        FCGX_Finish_r(&req);
    }
    return NULL;
}

int
main(int argc, char **argv)
{
    const char *path = NULL;
    long threads = HELLO_THREADS;
    pthread_t tid;
    int sock;

    for (int i = 1; i < argc; i++) {
        char *end;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("usage: %s --socket PATH [--threads N]\n",
                   program_invocation_short_name);
            return 0;
        }
        if (i + 1 == argc) {
            fprintf(stderr, "%s: %s needs a value\n", program_invocation_short_name,
                    argv[i]);
            return 2;
        }
        if (strcmp(argv[i], "--socket") == 0) {
            path = argv[++i];
        } else if (strcmp(argv[i], "--threads") == 0) {
            threads = strtol(argv[++i], &end, 10);
            if (end == argv[i] || *end != '\0' || threads < 1
                || threads > HELLO_MAX_THREADS) {
                fprintf(stderr, "%s: --threads must be from 1 to %d, not \"%s\"\n",
                        program_invocation_short_name, HELLO_MAX_THREADS, argv[i]);
                return 2;
            }
        } else {
            fprintf(stderr, "%s: unknown argument \"%s\"\n",
                    program_invocation_short_name, argv[i]);
            return 2;
        }
    }
    if (path == NULL || path[0] == '\0') {
        fprintf(stderr, "%s: --socket PATH is required\n", program_invocation_short_name);
        return 2;
    }
    _Static_assert(sizeof(HELLO_PAGE) - 1 == 445, "Content-Length is 445");
    if (FCGX_Init() != 0) {
        fprintf(stderr, "%s: could not initialize libfcgi\n", program_invocation_short_name);
        return 1;
    }
    unlink(path);
    umask(0117);
    sock = FCGX_OpenSocket(path, HELLO_BACKLOG);
    if (sock < 0) {
        fprintf(stderr, "%s: could not listen on \"%s\"\n", program_invocation_short_name,
                path);
        return 1;
    }
    for (long i = 1; i < threads; i++) {
        if (pthread_create(&tid, NULL, hello_thread, &sock) != 0) {
            fprintf(stderr, "%s: could only start %ld threads\n",
                    program_invocation_short_name, i);
            break;
        }
    }
    hello_thread(&sock);
    return 0;
}
