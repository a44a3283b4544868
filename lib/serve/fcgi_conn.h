/* fcgi_conn.h - the FastCGI protocol of one connection, responder side
 * (the FastCGI 1.0 specification): bytes in; requests, and the records to
 * send, out. Pure: no I/O, no allocation of its own (answers go to a buf
 * the caller keeps), so that every rule is unit-tested
 * (tests/check_fcgi_conn.c) and fuzzed (tests/fuzz/fuzz_fcgi_conn.c)
 * without a socket. lib/serve/fcgi_loop.c does the I/O.
 *
 * Records are read incrementally, in pieces of any size: a record's
 * content is never held whole, only what a request keeps of it. One
 * request at a time per connection, as nginx sends them (FCGI_MPXS_CONNS
 * is 0): a BEGIN_REQUEST for another id while one is open is answered
 * END_REQUEST with CANT_MPX_CONN. A role other than RESPONDER is answered
 * UNKNOWN_ROLE. Of the management records GET_VALUES is answered
 * (FCGI_MAX_CONNS, FCGI_MAX_REQS, FCGI_MPXS_CONNS) and any other type
 * UNKNOWN_TYPE. ABORT_REQUEST ends the open request unanswered. Records for
 * a request that is not open are ignored, as the specification says.
 *
 * A request is ready once its PARAMS and STDIN streams have both ended.
 * Its parameters stay where they were copied, in the connection's area of
 * FCGI_CONN_PARAMS_BYTES (values NUL-terminated in place); a request
 * whose parameters do not fit is still read to its end and is marked too
 * large. Of its body FCGI_CONN_BODY_MAX bytes are kept; the rest is
 * counted. */
#ifndef VISITS_FCGI_CONN_H
#define VISITS_FCGI_CONN_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define FCGI_CONN_PARAMS_BYTES 32768    /* nginx's parameters of one request */
#define FCGI_CONN_PARAMS_MAX 64         /* parameters of one request */
#define FCGI_CONN_BODY_MAX 4096         /* body bytes kept */
#define FCGI_CONN_SMALL_MAX 512         /* BEGIN_REQUEST's body, GET_VALUES' names */

/* What fcgi_conn_feed found. */
enum fcgi_conn_status {
    FCGI_CONN_MORE,     /* every byte used; feed more when they come */
    FCGI_CONN_READY,    /* a request is ready: answer it, then fcgi_conn_end */
    FCGI_CONN_CLOSE,    /* the peer asked to close once out is sent */
    FCGI_CONN_ERROR     /* a protocol error (c->error): close now */
};

typedef struct fcgi_param {
    const char *name;   /* not NUL-terminated */
    size_t name_len;
    const char *value;  /* NUL-terminated */
    size_t value_len;
} fcgi_param;

typedef struct fcgi_conn {
    /* The record being read. */
    unsigned char head[8];
    size_t head_len;            /* bytes of head read; 8 once in a record */
    int type;
    unsigned id;
    size_t content_len, content_left, padding_left;
    unsigned char small[FCGI_CONN_SMALL_MAX];
    size_t small_len;
    /* The open request; id 0 when none. */
    unsigned req_id;
    int keep_conn, params_done, stdin_done, too_large;
    size_t params_len, body_len, body_read;
    uint64_t body_total;
    int nparams;
    fcgi_param params[FCGI_CONN_PARAMS_MAX];
    char params_area[FCGI_CONN_PARAMS_BYTES + 1];  /* + the last value's NUL */
    char body[FCGI_CONN_BODY_MAX];
    /* Told to GET_VALUES. */
    unsigned max_conns;
    const char *error;          /* why the last feed returned FCGI_CONN_ERROR */
} fcgi_conn;

/* Makes c a fresh connection; max_conns is what GET_VALUES is told for
 * FCGI_MAX_CONNS and FCGI_MAX_REQS. */
void fcgi_conn_init(fcgi_conn *c, unsigned max_conns);

/* Reads data (len bytes), appending to out the answers it owes (to
 * management records, to requests it refuses). Stops after the record
 * that makes a request ready. Returns an fcgi_conn_status, with *used the
 * bytes used (len except for FCGI_CONN_READY, whose rest is fed after
 * fcgi_conn_end). While a request is ready, feeding uses nothing and
 * returns FCGI_CONN_READY again. Returns FCGI_CONN_ERROR when out could not
 * grow. */
int fcgi_conn_feed(fcgi_conn *c, const char *data, size_t len, size_t *used,
                   buf *out);

/* Returns 1 when c is inside a record or a request (bytes of it have come,
 * more are due), 0 when it is between requests. */
int fcgi_conn_busy(const fcgi_conn *c);

/* Of the ready request: the value of parameter name, or NULL. */
const char *fcgi_conn_param(const fcgi_conn *c, const char *name);

/* Of the ready request: 1 when its parameters did not fit (not one of
 * them is kept then). */
int fcgi_conn_too_large(const fcgi_conn *c);

/* Copies up to len bytes of the ready request's body into to, continuing
 * where the last call stopped. Returns how many: 0 at the end of what
 * was kept, which for a body over FCGI_CONN_BODY_MAX is before its end (see
 * fcgi_conn_body_total). */
size_t fcgi_conn_read(fcgi_conn *c, char *to, size_t len);

/* The length of the ready request's body as sent, kept or not. */
uint64_t fcgi_conn_body_total(const fcgi_conn *c);

/* Appends len bytes of the ready request's answer to out as STDOUT
 * records. Returns 0, or -1 when out could not grow. */
int fcgi_conn_write(fcgi_conn *c, buf *out, const char *data, size_t len);

/* Ends the ready request: appends the end of its STDOUT stream and its
 * END_REQUEST (application status 0) to out. Returns 1 when the
 * connection is kept for the next request, 0 when the peer asked that it
 * be closed once out is sent, -1 when out could not grow. */
int fcgi_conn_end(fcgi_conn *c, buf *out);

#endif
