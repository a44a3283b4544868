/* response.h - reads an HTTP/1.x response as it arrives, to find where it
 * ends and what the server said: its status, and whether it closes the
 * connection after it. Lengths by Content-Length, chunked bodies (with
 * trailers), no body for 1xx, 204 and 304, and otherwise up to the close;
 * interim 1xx answers are skipped. The body is not kept. */
#ifndef LOADGEN_RESPONSE_H
#define LOADGEN_RESPONSE_H

#include <stddef.h>
#include <stdint.h>

enum { RESPONSE_BAD = -1, RESPONSE_MORE = 0, RESPONSE_DONE = 1 };

/* The longest line (status, header, chunk size) it takes: this many
 * bytes before the LF, a CR included. */
#define RESPONSE_LINE_MAX 4095

typedef struct response {
    int state;          /* where in the response (response.c) */
    int status;         /* the status code, once its line is read */
    int close;          /* the server closes the connection after it */
    int chunked;
    int64_t length;     /* Content-Length, -1 when none */
    uint64_t remain;    /* bytes left of the body or chunk */
} response;

/* Gets r ready for the next response. */
void response_begin(response *r);

/* Reads data[0..len), which follows what r has read so far. Returns
 * RESPONSE_DONE when the response ends in it, RESPONSE_MORE when it needs
 * more, RESPONSE_BAD when it is malformed (or a line is longer than
 * RESPONSE_LINE_MAX). Sets *used to the bytes it took (never past the
 * response's end): the body's, and every whole line's; the caller keeps
 * the rest, a line not yet ended, and passes it again with what comes
 * after it. */
int response_read(response *r, const char *data, size_t len, size_t *used);

/* Whether the response runs until the connection closes: it has no
 * length, so its end is the close, which makes it whole. */
int response_until_close(const response *r);

#endif
