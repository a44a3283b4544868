/* http.h - answering FastCGI requests: status line, headers, body. */
#ifndef VISITS_HTTP_H
#define VISITS_HTTP_H

#include <fcgiapp.h>
#include <stddef.h>

#include "buf.h"
#include "probe.h"

/* Returns the reason phrase of an HTTP status ("Unknown" for one not used
 * here). */
const char *http_reason(int status);

/* Returns the request parameter name (e.g. "REQUEST_METHOD"), or "" when
 * nginx did not send it. */
const char *http_param(FCGX_Request *req, const char *name);

/* Returns 1 for a HEAD request, whose answer carries no body. */
int http_is_head(FCGX_Request *req);

/* Starts an answer of unknown length (nginx chunks it): status,
 * Content-Type and the extra header lines; the body follows through
 * FCGX_PutStr (nothing for HEAD). Returns 0, or -1 when the client went
 * away. */
int http_begin(FCGX_Request *req, int status, const char *content_type,
               const char *extra_headers);

/* Returns 1 when the If-None-Match header value (a list of entity tags, or
 * "*") matches etag under the weak comparison of RFC 9110: W/ prefixes are
 * ignored. */
int http_etag_matches(const char *if_none_match, const char *etag);

/* Answers with status, Content-Type, Content-Length, the extra header lines
 * (each ending in "\r\n", or NULL) and body (len bytes; omitted for HEAD).
 * Returns 0, or -1 when the client went away. */
int http_respond(FCGX_Request *req, int status, const char *content_type,
                 const char *extra_headers, const char *body, size_t len);

/* Answers 204 No Content: no body, no Content-Type, the extra header lines
 * (each ending in "\r\n", or NULL). Returns 0, or -1 when the client went
 * away. */
int http_no_content(FCGX_Request *req, const char *extra_headers);

/* As http_respond, but the body goes out for HEAD as well: nginx's
 * fastcgi_cache stores a HEAD's answer under the same key as a GET's, so
 * a cached answer must be whole (nginx itself drops the body for the HEAD
 * client). */
int http_respond_whole(FCGX_Request *req, int status, const char *content_type,
                       const char *extra_headers, const char *body, size_t len);

/* Answers status with a one-line text/plain message (no trailing newline
 * needed) and Cache-Control: no-store. Returns as http_respond. */
int http_error(FCGX_Request *req, int status, const char *message);

/* Returns 1 when the request method is GET or HEAD. Otherwise answers 405
 * with "Allow: GET, HEAD" and returns 0. */
int http_get_or_head(FCGX_Request *req);

/* Answers the monitoring request probe (nginx's VISITS_PROBE parameter)
 * with probe_answer, never cached. out is the caller's scratch buffer. */
void http_probe(FCGX_Request *req, const char *probe, const probe_app *app,
                buf *out);

#endif
