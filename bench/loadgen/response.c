/* response.c - the load generator's HTTP/1.x response reader: a line at a
 * time for the status, headers, chunk sizes and trailers, a count of
 * bytes for bodies and chunks. */
#include "response.h"

#include <string.h>
#include <strings.h>

enum { R_STATUS, R_HEADER, R_BODY, R_CHUNK_SIZE, R_CHUNK_DATA, R_CHUNK_END,
       R_TRAILER, R_UNTIL_CLOSE };

void
response_begin(response *r)
{
    memset(r, 0, sizeof(*r));
    r->state = R_STATUS;
    r->length = -1;
}

int
response_until_close(const response *r)
{
    return r->state == R_UNTIL_CLOSE;
}

/* Whether the comma-separated list s[0..len) holds token tok
 * (lower-case), ignoring case and blanks. */
static int
response_has_token(const char *s, size_t len, const char *tok)
{
    size_t tl = strlen(tok), i = 0;

    while (i < len) {
        size_t j, e;

        while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == ','))
            i++;
        for (j = i; j < len && s[j] != ','; j++)
            ;
        e = j;
        while (e > i && (s[e - 1] == ' ' || s[e - 1] == '\t'))
            e--;
        if (e - i == tl && strncasecmp(s + i, tok, tl) == 0)
            return 1;
        i = j;
    }
    return 0;
}

/* Whether header line p[0..len) is named name (lower-case); if so sets
 * *v and *vlen to its trimmed value. */
static int
response_header(const char *p, size_t len, const char *name, const char **v, size_t *vlen)
{
    size_t nl = strlen(name);

    if (len <= nl || p[nl] != ':' || strncasecmp(p, name, nl) != 0)
        return 0;
    p += nl + 1;
    len -= nl + 1;
    while (len > 0 && (*p == ' ' || *p == '\t')) {
        p++;
        len--;
    }
    while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
        len--;
    *v = p;
    *vlen = len;
    return 1;
}

/* Reads the status line p[0..len). Returns RESPONSE_MORE or RESPONSE_BAD. */
static int
response_status_line(response *r, const char *p, size_t len)
{
    if (len < 12 || memcmp(p, "HTTP/1.", 7) != 0 || (p[7] != '0' && p[7] != '1')
        || p[8] != ' ' || (len > 12 && p[12] != ' '))
        return RESPONSE_BAD;
    r->status = 0;
    for (int i = 9; i < 12; i++) {
        if (p[i] < '0' || p[i] > '9')
            return RESPONSE_BAD;
        r->status = r->status * 10 + (p[i] - '0');
    }
    if (r->status < 100 || r->status > 599 || r->status == 101)
        return RESPONSE_BAD;
    r->close = p[7] == '0';
    r->chunked = 0;
    r->length = -1;
    r->state = R_HEADER;
    return RESPONSE_MORE;
}

/* The end of the headers: where the body is, if any. */
static int
response_headers_end(response *r)
{
    if (r->status < 200) {
        r->state = R_STATUS;
        return RESPONSE_MORE;
    }
    if (r->status == 204 || r->status == 304)
        return RESPONSE_DONE;
    if (r->chunked) {
        r->state = R_CHUNK_SIZE;
        return RESPONSE_MORE;
    }
    if (r->length == 0)
        return RESPONSE_DONE;
    if (r->length > 0) {
        r->remain = (uint64_t)r->length;
        r->state = R_BODY;
        return RESPONSE_MORE;
    }
    r->close = 1;
    r->state = R_UNTIL_CLOSE;
    return RESPONSE_MORE;
}

/* Reads header line p[0..len). Returns RESPONSE_MORE or RESPONSE_BAD. */
static int
response_header_line(response *r, const char *p, size_t len)
{
    const char *v;
    size_t vlen;
    uint64_t x = 0;

    if (response_header(p, len, "content-length", &v, &vlen)) {
        if (vlen == 0 || vlen > 15)
            return RESPONSE_BAD;
        for (size_t i = 0; i < vlen; i++) {
            if (v[i] < '0' || v[i] > '9')
                return RESPONSE_BAD;
            x = x * 10 + (uint64_t)(v[i] - '0');
        }
        r->length = (int64_t)x;
    } else if (response_header(p, len, "transfer-encoding", &v, &vlen)) {
        if (response_has_token(v, vlen, "chunked"))
            r->chunked = 1;
    } else if (response_header(p, len, "connection", &v, &vlen)) {
        if (response_has_token(v, vlen, "close"))
            r->close = 1;
        else if (response_has_token(v, vlen, "keep-alive"))
            r->close = 0;
    }
    return RESPONSE_MORE;
}

/* Reads chunk size line p[0..len). Returns RESPONSE_MORE or RESPONSE_BAD. */
static int
response_chunk_size(response *r, const char *p, size_t len)
{
    uint64_t x = 0;

    if (len == 0 || p[0] == ';')
        return RESPONSE_BAD;
    for (size_t i = 0; i < len && p[i] != ';' && p[i] != ' ' && p[i] != '\t'; i++) {
        int d = p[i] >= '0' && p[i] <= '9'   ? p[i] - '0'
                : p[i] >= 'a' && p[i] <= 'f' ? p[i] - 'a' + 10
                : p[i] >= 'A' && p[i] <= 'F' ? p[i] - 'A' + 10
                                             : -1;
        if (d < 0 || i >= 15)
            return RESPONSE_BAD;
        x = x * 16 + (uint64_t)d;
    }
    r->remain = x;
    r->state = x ? R_CHUNK_DATA : R_TRAILER;
    return RESPONSE_MORE;
}

/* Reads one line p[0..len) (without its line end). */
static int
response_line(response *r, const char *p, size_t len)
{
    switch (r->state) {
    case R_STATUS:
        return response_status_line(r, p, len);
    case R_HEADER:
        return len == 0 ? response_headers_end(r) : response_header_line(r, p, len);
    case R_CHUNK_SIZE:
        return response_chunk_size(r, p, len);
    case R_CHUNK_END:
        if (len != 0)
            return RESPONSE_BAD;
        r->state = R_CHUNK_SIZE;
        return RESPONSE_MORE;
    case R_TRAILER:
        return len == 0 ? RESPONSE_DONE : RESPONSE_MORE;
    }
    return RESPONSE_BAD;
}

int
response_read(response *r, const char *data, size_t len, size_t *used)
{
    size_t pos = 0;
    int rc;

    while (pos < len) {
        const char *p = data + pos, *nl;
        size_t avail = len - pos, take, n;

        switch (r->state) {
        case R_BODY:
        case R_CHUNK_DATA:
            take = avail < r->remain ? avail : (size_t)r->remain;
            pos += take;
            r->remain -= take;
            if (r->remain > 0)
                break;
            if (r->state == R_BODY) {
                *used = pos;
                return RESPONSE_DONE;
            }
            r->state = R_CHUNK_END;
            break;
        case R_UNTIL_CLOSE:
            *used = len;
            return RESPONSE_MORE;
        default:
            nl = memchr(p, '\n', avail);
            if (nl == NULL) {
                *used = pos;
                return avail > RESPONSE_LINE_MAX ? RESPONSE_BAD : RESPONSE_MORE;
            }
            n = (size_t)(nl - p);
            pos += n + 1;
            if (n > 0 && p[n - 1] == '\r')
                n--;
            if ((rc = response_line(r, p, n)) != RESPONSE_MORE) {
                *used = pos;
                return rc;
            }
        }
    }
    *used = pos;
    return RESPONSE_MORE;
}
