/* http.c - answering FastCGI requests. */
#include "http.h"

#include <stdio.h>
#include <string.h>

#include "metrics.h"

const char *
http_reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 302: return "Found";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Unknown";
    }
}

const char *
http_param(http_request *req, const char *name)
{
    const char *v = req->ops->param(req->impl, name);

    return v ? v : "";
}

size_t
http_read(http_request *req, char *to, size_t len)
{
    return req->ops->read(req->impl, to, len);
}

int
http_write(http_request *req, const char *data, size_t len)
{
    return req->ops->write(req->impl, data, len);
}

void
http_send_timeout(http_request *req, int ms)
{
    if (req->ops->send_timeout)
        req->ops->send_timeout(req->impl, ms);
}

int
http_is_head(http_request *req)
{
    return strcmp(http_param(req, "REQUEST_METHOD"), "HEAD") == 0;
}

/* Writes the header block. len < 0 leaves Content-Length out. Every answer
 * carries nosniff and a referrer policy; HTML also a Content-Security-Policy
 * that allows no inline script or style. */
static int
http_head(http_request *req, int status, const char *content_type,
          const char *extra_headers, long long len)
{
    char head[1536], length[48] = "";
    int n;

    if (len >= 0)
        snprintf(length, sizeof(length), "Content-Length: %lld\r\n", len);
    n = snprintf(head, sizeof(head),
                 "Status: %d %s\r\nContent-Type: %s\r\n%s"
                 "X-Content-Type-Options: nosniff\r\n"
                 "Referrer-Policy: same-origin\r\n%s%s\r\n",
                 status, http_reason(status), content_type, length,
                 strncmp(content_type, "text/html", 9) == 0
                     ? "Content-Security-Policy: default-src 'none'; "
                       "script-src 'self'; style-src 'self'; img-src 'self'; "
                       "connect-src 'self'; form-action 'self'; base-uri 'none'; "
                       "frame-ancestors 'none'\r\n"
                     : "",
                 extra_headers ? extra_headers : "");
    if (n < 0 || (size_t)n >= sizeof(head))
        return -1;
    return http_write(req, head, (size_t)n);
}

int
http_begin(http_request *req, int status, const char *content_type,
           const char *extra_headers)
{
    return http_head(req, status, content_type, extra_headers, -1);
}

/* Answers as http_respond; the body goes out for HEAD too when whole. */
static int
http_answer(http_request *req, int status, const char *content_type,
            const char *extra_headers, const char *body, size_t len, int whole)
{
    if (http_head(req, status, content_type, extra_headers, (long long)len) < 0)
        return -1;
    if (len > 0 && (whole || !http_is_head(req))
        && http_write(req, body, len) < 0)
        return -1;
    return 0;
}

int
http_no_content(http_request *req, const char *extra_headers)
{
    char head[512];
    int n = snprintf(head, sizeof(head), "Status: 204 No Content\r\n"
                     "X-Content-Type-Options: nosniff\r\n%s\r\n",
                     extra_headers ? extra_headers : "");

    if (n < 0 || (size_t)n >= sizeof(head))
        return -1;
    return http_write(req, head, (size_t)n);
}

int
http_respond(http_request *req, int status, const char *content_type,
             const char *extra_headers, const char *body, size_t len)
{
    return http_answer(req, status, content_type, extra_headers, body, len, 0);
}

int
http_respond_whole(http_request *req, int status, const char *content_type,
                   const char *extra_headers, const char *body, size_t len)
{
    return http_answer(req, status, content_type, extra_headers, body, len, 1);
}

int
http_etag_matches(const char *inm, const char *etag)
{
    const char *tag = strncmp(etag, "W/", 2) == 0 ? etag + 2 : etag;
    size_t taglen = strlen(tag), len;

    while (*inm) {
        while (*inm == ' ' || *inm == '\t' || *inm == ',')
            inm++;
        if (*inm == '*')
            return 1;
        if (strncmp(inm, "W/", 2) == 0)
            inm += 2;
        len = strcspn(inm, ",");
        while (len > 0 && (inm[len - 1] == ' ' || inm[len - 1] == '\t'))
            len--;
        if (len == taglen && strncmp(inm, tag, len) == 0)
            return 1;
        inm += strcspn(inm, ",");
    }
    return 0;
}

/* Answers status with a one-line text/plain message and extra headers. */
static int
http_text(http_request *req, int status, const char *extra_headers,
          const char *message)
{
    char body[512];
    int n = snprintf(body, sizeof(body), "%s\n", message);

    if (n < 0)
        return -1;
    if ((size_t)n >= sizeof(body))
        n = sizeof(body) - 1;
    return http_respond(req, status, "text/plain; charset=utf-8", extra_headers,
                        body, (size_t)n);
}

int
http_error(http_request *req, int status, const char *message)
{
    return http_text(req, status, "Cache-Control: no-store\r\n", message);
}

int
http_get_or_head(http_request *req)
{
    const char *method = http_param(req, "REQUEST_METHOD");

    if (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0)
        return 1;
    http_text(req, 405, "Allow: GET, HEAD\r\nCache-Control: no-store\r\n",
              "method not allowed: use GET or HEAD");
    return 0;
}

void
http_probe(http_request *req, const char *probe, const probe_app *app, buf *out)
{
    const char *type;
    int status = probe_answer(app, probe, out, &type);

    http_respond(req, status, type, "Cache-Control: no-store\r\n",
                 out->data ? out->data : "", out->len);
}
