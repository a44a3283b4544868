/* visits-fcgi-hello - a ceiling for the visit worker: the same FastCGI
 * server (lib/serve/fcgi_loop, same event loops, same clean stop) answering
 * every request with a fixed page of about 450 bytes, through http_respond,
 * with no Kafka and no per-request work. nginx in front of it
 * (bench/ceiling.conf.in) shows what the FastCGI path alone costs;
 * bench/libfcgi-hello.c is the same page from libfcgi's own server. A
 * benchmark helper, not a server to deploy.
 * Usage: visits-fcgi-hello --socket PATH [--threads N] (N event loops; 0,
 * the default, as visits-record: one per 4 CPUs, at least one) */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fcgi_loop.h"
#include "hello_page.h"
#include "http.h"

#define HELLO_THREADS 0            /* the visit worker's default */
#define HELLO_MAX_THREADS 256
#define HELLO_CONNECTIONS 1024
#define HELLO_TIMEOUT_MS 10000

static const char hello_page[] = HELLO_PAGE;

/* Answers the fixed page, whatever the method or path. */
static void
hello_handle(void *ctx, void *tctx, http_request *req)
{
    (void)ctx;
    (void)tctx;
    http_respond(req, 200, "text/html; charset=utf-8", "Cache-Control: no-store\r\n",
                 hello_page, sizeof(hello_page) - 1);
}

/* Prints the usage line to f. */
static void
hello_usage(FILE *f)
{
    fprintf(f, "usage: %s --socket PATH [--threads N]\n",
            program_invocation_short_name);
}

/* Parses a loop count in [0, HELLO_MAX_THREADS]. Returns it, or -1. */
static int
hello_parse_threads(const char *s)
{
    char *end;
    long n;

    errno = 0;
    n = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || n < 0 || n > HELLO_MAX_THREADS)
        return -1;
    return (int)n;
}

int
main(int argc, char **argv)
{
    const char *path = NULL;
    int threads = HELLO_THREADS;
    sigset_t stop;

    fcgi_app_block_signals(&stop);
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];

        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            hello_usage(stdout);
            return 0;
        }
        if (strcmp(arg, "--socket") != 0 && strcmp(arg, "--threads") != 0) {
            fprintf(stderr, "%s: unknown argument \"%s\"; usage: --socket PATH "
                    "[--threads N]\n", program_invocation_short_name, arg);
            return 2;
        }
        if (i + 1 == argc) {
            fprintf(stderr, "%s: %s needs a value\n", program_invocation_short_name,
                    arg);
            return 2;
        }
        if (strcmp(arg, "--socket") == 0) {
            path = argv[++i];
        } else if ((threads = hello_parse_threads(argv[++i])) < 0) {
            fprintf(stderr, "%s: --threads must be from 0 to %d, not \"%s\"\n",
                    program_invocation_short_name, HELLO_MAX_THREADS, argv[i]);
            return 2;
        }
    }
    if (path == NULL || path[0] == '\0') {
        fprintf(stderr, "%s: --socket PATH is required\n",
                program_invocation_short_name);
        return 2;
    }
    fcgi_app app = { NULL, NULL, NULL, hello_handle, NULL, NULL };
    fcgi_loop_settings ls = { threads, HELLO_CONNECTIONS, HELLO_TIMEOUT_MS,
                              HELLO_TIMEOUT_MS * 30, NULL };
    return fcgi_loop_run(path, &ls, &app, &stop) < 0 ? 1 : 0;
}
