/* fcgi_conn.c - the FastCGI protocol of one connection, responder side. */
#include "fcgi_conn.h"

#include <stdio.h>
#include <string.h>

/* Record types, roles, flags and protocol statuses of FastCGI 1.0. */
enum {
    FCGI_BEGIN_REQUEST = 1, FCGI_ABORT_REQUEST = 2, FCGI_END_REQUEST = 3,
    FCGI_PARAMS = 4, FCGI_STDIN = 5, FCGI_STDOUT = 6, FCGI_GET_VALUES = 9,
    FCGI_GET_VALUES_RESULT = 10, FCGI_UNKNOWN_TYPE = 11
};
#define FCGI_VERSION_1 1
#define FCGI_RESPONDER 1
#define FCGI_KEEP_CONN 1
enum { FCGI_REQUEST_COMPLETE = 0, FCGI_CANT_MPX_CONN = 1, FCGI_UNKNOWN_ROLE = 3 };

#define FCGI_CONN_RECORD_MAX 65535      /* content bytes of one record */
#define FCGI_CONN_TOO_MANY (-2)

void
fcgi_conn_init(fcgi_conn *c, unsigned max_conns)
{
    c->head_len = 0;
    c->content_len = c->content_left = c->padding_left = 0;
    c->small_len = 0;
    c->req_id = 0;
    c->nparams = 0;
    c->max_conns = max_conns;
    c->error = NULL;
}

/* Appends a record of type for request id with len bytes of content. */
static int
fcgi_conn_put(buf *out, int type, unsigned id, const void *content, size_t len)
{
    unsigned char head[8] = { FCGI_VERSION_1, (unsigned char)type,
                              (unsigned char)(id >> 8), (unsigned char)id,
                              (unsigned char)(len >> 8), (unsigned char)len, 0, 0 };

    if (buf_append(out, head, sizeof(head)) < 0)
        return -1;
    return len > 0 ? buf_append(out, content, len) : 0;
}

/* Appends the END_REQUEST of request id: application status 0 and
 * protocol_status. */
static int
fcgi_conn_put_end(buf *out, unsigned id, int protocol_status)
{
    unsigned char body[8] = { 0, 0, 0, 0, (unsigned char)protocol_status, 0, 0, 0 };

    return fcgi_conn_put(out, FCGI_END_REQUEST, id, body, sizeof(body));
}

/* Reads one length of a name-value pair at data + *at (len bytes in all):
 * one byte below 128, else four with the top bit set. Returns 0 with
 * *value set and *at moved past it, or -1 when the bytes end first. */
static int
fcgi_conn_pair_length(const unsigned char *data, size_t len, size_t *at, size_t *value)
{
    const unsigned char *p = data + *at;

    if (*at >= len)
        return -1;
    if (p[0] < 0x80) {
        *value = p[0];
        *at += 1;
        return 0;
    }
    if (len - *at < 4)
        return -1;
    *value = ((size_t)(p[0] & 0x7f) << 24) | ((size_t)p[1] << 16)
             | ((size_t)p[2] << 8) | p[3];
    *at += 4;
    return 0;
}

/* Parses the name-value pairs of data (len bytes) into pairs (room for
 * max; values not NUL-terminated). Returns how many, -1 when malformed, or
 * FCGI_CONN_TOO_MANY. */
static int
fcgi_conn_pairs(const char *data, size_t len, fcgi_param *pairs, int max)
{
    const unsigned char *u = (const unsigned char *)data;
    size_t at = 0, name_len, value_len;
    int n = 0;

    while (at < len) {
        if (fcgi_conn_pair_length(u, len, &at, &name_len) < 0
            || fcgi_conn_pair_length(u, len, &at, &value_len) < 0
            || name_len > len - at || value_len > len - at - name_len)
            return -1;
        if (n == max)
            return FCGI_CONN_TOO_MANY;
        pairs[n] = (fcgi_param){ data + at, name_len, data + at + name_len, value_len };
        at += name_len + value_len;
        n++;
    }
    return n;
}

/* The end of the PARAMS stream: its pairs parsed, their values
 * NUL-terminated in place (each NUL lands on the first length byte of the
 * next pair, read already, or on the area's spare last byte). Returns 0,
 * or -1 when malformed. */
static int
fcgi_conn_params_end(fcgi_conn *c)
{
    int n;

    c->params_done = 1;
    if (c->too_large)
        return 0;
    n = fcgi_conn_pairs(c->params_area, c->params_len, c->params, FCGI_CONN_PARAMS_MAX);
    if (n == FCGI_CONN_TOO_MANY) {
        c->too_large = 1;
        return 0;
    }
    if (n < 0)
        return -1;
    for (int i = 0; i < n; i++)
        c->params_area[(size_t)(c->params[i].value - c->params_area)
                       + c->params[i].value_len] = '\0';
    c->nparams = n;
    return 0;
}

/* Answers GET_VALUES, whose names are in c->small: the values of the
 * variables asked for that we know, in a GET_VALUES_RESULT. */
static int
fcgi_conn_get_values(fcgi_conn *c, buf *out)
{
    fcgi_param asked[16];
    unsigned char result[256];
    char conns[16];
    size_t len = 0;
    int n = fcgi_conn_pairs((const char *)c->small, c->small_len, asked, 16);

    snprintf(conns, sizeof(conns), "%u", c->max_conns);
    for (int i = 0; i < n; i++) {
        const char *value = NULL;
        size_t vlen;

        if (asked[i].name_len == 14 && memcmp(asked[i].name, "FCGI_MAX_CONNS", 14) == 0)
            value = conns;
        else if (asked[i].name_len == 13 && memcmp(asked[i].name, "FCGI_MAX_REQS", 13) == 0)
            value = conns;
        else if (asked[i].name_len == 15
                 && memcmp(asked[i].name, "FCGI_MPXS_CONNS", 15) == 0)
            value = "0";
        if (value == NULL)
            continue;
        vlen = strlen(value);
        if (len + 2 + asked[i].name_len + vlen > sizeof(result))
            break;
        result[len++] = (unsigned char)asked[i].name_len;
        result[len++] = (unsigned char)vlen;
        memcpy(result + len, asked[i].name, asked[i].name_len);
        len += asked[i].name_len;
        memcpy(result + len, value, vlen);
        len += vlen;
    }
    return fcgi_conn_put(out, FCGI_GET_VALUES_RESULT, 0, result, len);
}

/* The header is whole: checks it and starts the record. Returns 0, or -1
 * with c->error. */
static int
fcgi_conn_record_start(fcgi_conn *c)
{
    const unsigned char *h = c->head;

    if (h[0] != FCGI_VERSION_1) {
        c->error = "not a FastCGI version 1 record";
        return -1;
    }
    c->type = h[1];
    c->id = ((unsigned)h[2] << 8) | h[3];
    c->content_len = c->content_left = ((size_t)h[4] << 8) | h[5];
    c->padding_left = h[6];
    c->small_len = 0;
    if (c->type == FCGI_BEGIN_REQUEST && (c->content_len != 8 || c->id == 0)) {
        c->error = "a BEGIN_REQUEST record that is not 8 bytes for a request id";
        return -1;
    }
    return 0;
}

/* n more bytes of the record's content: kept where the record needs them. */
static void
fcgi_conn_record_content(fcgi_conn *c, const char *data, size_t n)
{
    int for_request = c->req_id != 0 && c->id == c->req_id;

    if (c->type == FCGI_PARAMS) {
        if (!for_request || c->params_done)
            return;
        if (c->too_large || n > FCGI_CONN_PARAMS_BYTES - c->params_len) {
            c->too_large = 1;
            return;
        }
        memcpy(c->params_area + c->params_len, data, n);
        c->params_len += n;
    } else if (c->type == FCGI_STDIN) {
        size_t keep;

        if (!for_request || c->stdin_done)
            return;
        keep = FCGI_CONN_BODY_MAX - c->body_len;
        if (keep > n)
            keep = n;
        memcpy(c->body + c->body_len, data, keep);
        c->body_len += keep;
        c->body_total += n;
    } else {
        size_t keep = sizeof(c->small) - c->small_len;

        if (keep > n)
            keep = n;
        memcpy(c->small + c->small_len, data, keep);
        c->small_len += keep;
    }
}

/* Opens request c->id from its BEGIN_REQUEST body, or refuses it. */
static int
fcgi_conn_begin(fcgi_conn *c, buf *out)
{
    unsigned role = ((unsigned)c->small[0] << 8) | c->small[1];
    int keep = c->small[2] & FCGI_KEEP_CONN;

    if (c->req_id != 0) {
        if (c->id == c->req_id) {
            c->error = "a BEGIN_REQUEST for a request already open";
            return FCGI_CONN_ERROR;
        }
        return fcgi_conn_put_end(out, c->id, FCGI_CANT_MPX_CONN) < 0 ? FCGI_CONN_ERROR
                                                                     : FCGI_CONN_MORE;
    }
    if (role != FCGI_RESPONDER) {
        if (fcgi_conn_put_end(out, c->id, FCGI_UNKNOWN_ROLE) < 0)
            return FCGI_CONN_ERROR;
        return keep ? FCGI_CONN_MORE : FCGI_CONN_CLOSE;
    }
    c->req_id = c->id;
    c->keep_conn = keep;
    c->params_done = c->stdin_done = c->too_large = 0;
    c->params_len = c->body_len = c->body_read = 0;
    c->body_total = 0;
    c->nparams = 0;
    return FCGI_CONN_MORE;
}

/* The record is read to its end: acts on it. Returns an fcgi_conn_status. */
static int
fcgi_conn_record_end(fcgi_conn *c, buf *out)
{
    int for_request = c->req_id != 0 && c->id == c->req_id, rc = FCGI_CONN_MORE;

    c->head_len = 0;
    switch (c->type) {
    case FCGI_BEGIN_REQUEST:
        rc = fcgi_conn_begin(c, out);
        break;
    case FCGI_ABORT_REQUEST:
        if (for_request) {
            int keep = c->keep_conn;
            c->req_id = 0;
            if (fcgi_conn_put_end(out, c->id, FCGI_REQUEST_COMPLETE) < 0)
                return FCGI_CONN_ERROR;
            return keep ? FCGI_CONN_MORE : FCGI_CONN_CLOSE;
        }
        break;
    case FCGI_PARAMS:
        if (for_request && !c->params_done && c->content_len == 0
            && fcgi_conn_params_end(c) < 0) {
            c->error = "malformed FastCGI parameters";
            return FCGI_CONN_ERROR;
        }
        break;
    case FCGI_STDIN:
        if (for_request && c->content_len == 0)
            c->stdin_done = 1;
        break;
    case FCGI_GET_VALUES:
        if (c->id == 0 && fcgi_conn_get_values(c, out) < 0)
            return FCGI_CONN_ERROR;
        break;
    default:
        if (c->id == 0) {
            unsigned char body[8] = { (unsigned char)c->type };
            if (fcgi_conn_put(out, FCGI_UNKNOWN_TYPE, 0, body, sizeof(body)) < 0)
                return FCGI_CONN_ERROR;
        }
        break;
    }
    if (rc == FCGI_CONN_MORE && c->req_id != 0 && c->params_done && c->stdin_done)
        rc = FCGI_CONN_READY;
    if (rc == FCGI_CONN_ERROR && c->error == NULL)
        c->error = "out of memory for the answer";
    return rc;
}

/* Returns 1 when a request is ready and not ended yet. */
static int
fcgi_conn_ready(const fcgi_conn *c)
{
    return c->req_id != 0 && c->params_done && c->stdin_done;
}

int
fcgi_conn_feed(fcgi_conn *c, const char *data, size_t len, size_t *used, buf *out)
{
    size_t at = 0, n;
    int rc;

    c->error = NULL;
    if (fcgi_conn_ready(c)) {
        *used = 0;
        return FCGI_CONN_READY;
    }
    while (at < len) {
        if (c->head_len < sizeof(c->head)) {
            n = sizeof(c->head) - c->head_len;
            if (n > len - at)
                n = len - at;
            memcpy(c->head + c->head_len, data + at, n);
            c->head_len += n;
            at += n;
            if (c->head_len < sizeof(c->head))
                break;
            if (fcgi_conn_record_start(c) < 0) {
                *used = at;
                return FCGI_CONN_ERROR;
            }
        } else if (c->content_left > 0) {
            n = c->content_left < len - at ? c->content_left : len - at;
            fcgi_conn_record_content(c, data + at, n);
            c->content_left -= n;
            at += n;
        } else {
            n = c->padding_left < len - at ? c->padding_left : len - at;
            c->padding_left -= n;
            at += n;
        }
        if (c->content_left == 0 && c->padding_left == 0
            && (rc = fcgi_conn_record_end(c, out)) != FCGI_CONN_MORE) {
            *used = at;
            return rc;
        }
    }
    *used = at;
    return FCGI_CONN_MORE;
}

int
fcgi_conn_busy(const fcgi_conn *c)
{
    return c->head_len > 0 || c->req_id != 0;
}

const char *
fcgi_conn_param(const fcgi_conn *c, const char *name)
{
    size_t len = strlen(name);

    for (int i = 0; i < c->nparams; i++) {
        if (c->params[i].name_len == len && memcmp(c->params[i].name, name, len) == 0)
            return c->params[i].value;
    }
    return NULL;
}

int
fcgi_conn_too_large(const fcgi_conn *c)
{
    return c->too_large;
}

size_t
fcgi_conn_read(fcgi_conn *c, char *to, size_t len)
{
    size_t n = c->body_len - c->body_read;

    if (n > len)
        n = len;
    memcpy(to, c->body + c->body_read, n);
    c->body_read += n;
    return n;
}

uint64_t
fcgi_conn_body_total(const fcgi_conn *c)
{
    return c->body_total;
}

int
fcgi_conn_write(fcgi_conn *c, buf *out, const char *data, size_t len)
{
    while (len > 0) {
        size_t n = len < FCGI_CONN_RECORD_MAX ? len : FCGI_CONN_RECORD_MAX;
        if (fcgi_conn_put(out, FCGI_STDOUT, c->req_id, data, n) < 0)
            return -1;
        data += n;
        len -= n;
    }
    return 0;
}

int
fcgi_conn_end(fcgi_conn *c, buf *out)
{
    unsigned id = c->req_id;

    c->req_id = 0;
    c->nparams = 0;
    if (fcgi_conn_put(out, FCGI_STDOUT, id, NULL, 0) < 0
        || fcgi_conn_put_end(out, id, FCGI_REQUEST_COMPLETE) < 0)
        return -1;
    return c->keep_conn;
}
