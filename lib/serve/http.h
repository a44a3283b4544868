/* http.h - answering FastCGI requests: status line, headers, body.
 *
 * A request is an http_request, whichever server carries it: the
 * libfcgi threads of lib/serve/fcgi_server.c (the report worker) or the
 * event loops of lib/serve/fcgi_loop.c (the visit worker). The apps see
 * only this interface. */
#ifndef VISITS_HTTP_H
#define VISITS_HTTP_H

#include <stddef.h>

#include "buf.h"
#include "probe.h"

/* What a server provides for one request. */
typedef struct http_request_ops {
    /* Returns the parameter name's value, or NULL when nginx did not send it. */
    const char *(*param)(void *impl, const char *name);
    /* Copies up to len bytes of the request body into to. Returns how many
     * (0 at its end). Never waits on the client. */
    size_t (*read)(void *impl, char *to, size_t len);
    /* Sends len bytes of the answer (headers first). Returns 0, or -1 when
     * the client went away or the answer is larger than the server allows. */
    int (*write)(void *impl, const char *data, size_t len);
    /* Optional: bounds how long one write may wait for the client (ms; 0:
     * no bound), for servers whose writes block. */
    void (*send_timeout)(void *impl, int ms);
} http_request_ops;

typedef struct http_request {
    const http_request_ops *ops;
    void *impl;
} http_request;

/* Returns the reason phrase of an HTTP status ("Unknown" for one not used
 * here). */
const char *http_reason(int status);

/* Returns the request parameter name (e.g. "REQUEST_METHOD"), or "" when
 * nginx did not send it. */
const char *http_param(http_request *req, const char *name);

/* Copies up to len bytes of the request body into to; returns how many. */
size_t http_read(http_request *req, char *to, size_t len);

/* Sends len bytes of an answer begun with http_begin. Returns 0, or -1
 * when the client went away. */
int http_write(http_request *req, const char *data, size_t len);

/* Bounds how long one write may wait for the client, in ms (0: no
 * bound), where the server's writes can wait at all. */
void http_send_timeout(http_request *req, int ms);

/* Returns 1 for a HEAD request, whose answer carries no body. */
int http_is_head(http_request *req);

/* Starts an answer of unknown length (nginx chunks it): status,
 * Content-Type and the extra header lines; the body follows through
 * http_write (nothing for HEAD). Returns 0, or -1 when the client went
 * away. */
int http_begin(http_request *req, int status, const char *content_type,
               const char *extra_headers);

/* Returns 1 when the If-None-Match header value (a list of entity tags, or
 * "*") matches etag under the weak comparison of RFC 9110: W/ prefixes are
 * ignored. */
int http_etag_matches(const char *if_none_match, const char *etag);

/* Answers with status, Content-Type, Content-Length, the extra header lines
 * (each ending in "\r\n", or NULL) and body (len bytes; omitted for HEAD).
 * Returns 0, or -1 when the client went away. */
int http_respond(http_request *req, int status, const char *content_type,
                 const char *extra_headers, const char *body, size_t len);

/* Answers 204 No Content: no body, no Content-Type, the extra header lines
 * (each ending in "\r\n", or NULL). Returns 0, or -1 when the client went
 * away. */
int http_no_content(http_request *req, const char *extra_headers);

/* As http_respond, but the body goes out for HEAD as well: nginx's
 * fastcgi_cache stores a HEAD's answer under the same key as a GET's, so
 * a cached answer must be whole (nginx itself drops the body for the HEAD
 * client). */
int http_respond_whole(http_request *req, int status, const char *content_type,
                       const char *extra_headers, const char *body, size_t len);

/* Answers status with a one-line text/plain message (no trailing newline
 * needed) and Cache-Control: no-store. Returns as http_respond. */
int http_error(http_request *req, int status, const char *message);

/* Returns 1 when the request method is GET or HEAD. Otherwise answers 405
 * with "Allow: GET, HEAD" and returns 0. */
int http_get_or_head(http_request *req);

/* Answers the monitoring request probe (nginx's VISITS_PROBE parameter)
 * with probe_answer, never cached. out is the caller's scratch buffer. */
void http_probe(http_request *req, const char *probe, const probe_app *app,
                buf *out);

#endif
