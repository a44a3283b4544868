/* visits-fcgi-hello - a ceiling for the visit worker: the same FastCGI
 * server (lib/serve/fcgi_server, same threads, same clean stop) answering every
 * request with a fixed page about the size of visits-record's demo page,
 * through http_respond, with no Kafka and no per-request work. nginx in front
 * of it (bench/ceiling.conf.in) shows what the FastCGI path alone costs. A
 * benchmark helper, not a server to deploy.
 * Usage: visits-fcgi-hello --socket PATH [--threads N] */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fcgi_server.h"
#include "http.h"

#define HELLO_THREADS 128
#define HELLO_MAX_THREADS 4096

/* About the size of visits-record's page for a short path (456 bytes for
 * "/"): 445 bytes. */
static const char hello_page[] =
    "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
    "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
    "<title>hello - visits ceiling</title><link rel=\"stylesheet\" "
    "href=\"/visits/static/visits.css\"></head>\n<body><main>"
    "<h1>Hello from <code>/</code></h1>\n<p>This answer went through "
    "nginx and FastCGI only; nothing was recorded, no Kafka. It is the "
    "ceiling of "
    "<a href=\"/visits\">the visit worker</a>.</p></main></body></html>\n";

/* Answers the fixed page, whatever the method or path. */
static void
hello_handle(void *ctx, void *tctx, FCGX_Request *req)
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

/* Parses a thread count in [1, HELLO_MAX_THREADS]. Returns it, or -1. */
static int
hello_parse_threads(const char *s)
{
    char *end;
    long n;

    errno = 0;
    n = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || n < 1 || n > HELLO_MAX_THREADS)
        return -1;
    return (int)n;
}

int
main(int argc, char **argv)
{
    const char *path = NULL;
    int threads = HELLO_THREADS;
    sigset_t stop;

    fcgi_server_block_signals(&stop);
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
            fprintf(stderr, "%s: --threads must be from 1 to %d, not \"%s\"\n",
                    program_invocation_short_name, HELLO_MAX_THREADS, argv[i]);
            return 2;
        }
    }
    if (path == NULL || path[0] == '\0') {
        fprintf(stderr, "%s: --socket PATH is required\n",
                program_invocation_short_name);
        return 2;
    }
    fcgi_server_app app = { NULL, NULL, NULL, hello_handle, NULL, NULL };
    return fcgi_server_run(path, threads, &app, &stop) < 0 ? 1 : 0;
}
