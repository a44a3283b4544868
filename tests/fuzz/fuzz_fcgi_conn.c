/* fuzz_fcgi_conn.c - libFuzzer target for the FastCGI protocol of one
 * connection (lib/serve/fcgi_conn.h): the bytes the visit worker reads
 * from whoever connects to its socket.
 *
 * Input: what a peer sends. It is fed as the event loop feeds it: all at
 * once, a byte at a time, and in pieces of a size taken from the first
 * byte; each ready request is answered (its parameters REQUEST_METHOD and
 * REQUEST_URI and its body written back) and ended, and the rest fed.
 *
 * Checked, besides what ASan and UBSan catch:
 *  - fcgi_conn_feed returns one of its statuses and never takes more than
 *    it was given, and all of it unless a request became ready;
 *  - a ready request's parameter values are NUL-terminated inside the
 *    parameter area, its body no longer than FCGI_CONN_BODY_MAX;
 *  - every way of cutting the input gives the same outcome: the same
 *    bytes sent back, the same requests, the same end. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fcgi_conn.h"
#include "fuzz.h"

typedef struct outcome {
    int rc;             /* the last status */
    size_t end;         /* bytes of the input taken when it came */
    int requests;
    buf out;            /* everything sent back */
} outcome;

/* Answers the ready request of c into out. */
static void
fuzz_answer(fcgi_conn *c, buf *out)
{
    const char *names[] = { "REQUEST_METHOD", "REQUEST_URI", "" };
    char body[FCGI_CONN_BODY_MAX + 16];
    size_t n;

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        const char *v = fcgi_conn_param(c, names[i]);
        if (v == NULL)
            continue;
        FUZZ_ASSERT(v >= c->params_area
                    && v + strlen(v) <= c->params_area + FCGI_CONN_PARAMS_BYTES,
                    "a parameter value outside the parameter area");
        fcgi_conn_write(c, out, v, strlen(v));
    }
    n = fcgi_conn_read(c, body, sizeof(body));
    FUZZ_ASSERT(n <= FCGI_CONN_BODY_MAX, "more body read than is kept");
    FUZZ_ASSERT(n <= fcgi_conn_body_total(c), "more body read than was sent");
    fcgi_conn_write(c, out, body, n);
    fcgi_conn_end(c, out);
}

/* Feeds data[0..size) in pieces of step bytes. */
static void
fuzz_feed(const uint8_t *data, size_t size, size_t step, outcome *o)
{
    fcgi_conn *c = malloc(sizeof(*c));
    size_t fed = 0;

    FUZZ_ASSERT(c != NULL, "out of memory");
    fcgi_conn_init(c, 16);
    o->rc = FCGI_CONN_MORE;
    o->end = 0;
    o->requests = 0;
    while (fed < size) {
        size_t n = size - fed < step ? size - fed : step, used = (size_t)-1;

        o->rc = fcgi_conn_feed(c, (const char *)data + fed, n, &used, &o->out);
        FUZZ_ASSERT(o->rc == FCGI_CONN_MORE || o->rc == FCGI_CONN_READY
                    || o->rc == FCGI_CONN_CLOSE || o->rc == FCGI_CONN_ERROR,
                    "fcgi_conn_feed returned something else");
        FUZZ_ASSERT(used <= n, "fcgi_conn_feed took more than it was given");
        FUZZ_ASSERT(o->rc != FCGI_CONN_MORE || used == n,
                    "fcgi_conn_feed left bytes without a request ready");
        fed += used;
        if (o->rc == FCGI_CONN_READY) {
            o->requests++;
            fuzz_answer(c, &o->out);
            continue;
        }
        if (o->rc != FCGI_CONN_MORE)
            break;
    }
    o->end = fed;
    free(c);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t steps[3] = { size > 0 ? size : 1, 1, size > 0 ? (size_t)data[0] % 61 + 1 : 1 };
    outcome first = { 0, 0, 0, BUF_INIT };

    fuzz_feed(data, size, steps[0], &first);
    for (int i = 1; i < 3; i++) {
        outcome o = { 0, 0, 0, BUF_INIT };

        fuzz_feed(data, size, steps[i], &o);
        FUZZ_ASSERT(o.rc == first.rc, "cut differently, it ended differently");
        FUZZ_ASSERT(o.end == first.end, "cut differently, it stopped elsewhere");
        FUZZ_ASSERT(o.requests == first.requests, "cut differently, other requests");
        FUZZ_ASSERT(o.out.len == first.out.len
                    && (o.out.len == 0 || memcmp(o.out.data, first.out.data, o.out.len) == 0),
                    "cut differently, other bytes sent back");
        buf_free(&o.out);
    }
    buf_free(&first.out);
    return 0;
}
