/* json_strict.c - a strict JSON object reader and a string writer that
 * allocate nothing. */
#include "json_strict.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "hex.h"
#include "utf8.h"

int
json_strict_put_string(char *out, size_t size, size_t *pos, const char *s,
                       size_t len)
{
    size_t o = *pos;

    if (o >= size || size - o < len + 2)
        return -1;              /* the fast check: no room even unescaped */
    out[o++] = '"';
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc = 0;

        switch (c) {
        case '"': esc = '"'; break;
        case '\\': esc = '\\'; break;
        case '\b': esc = 'b'; break;
        case '\f': esc = 'f'; break;
        case '\n': esc = 'n'; break;
        case '\r': esc = 'r'; break;
        case '\t': esc = 't'; break;
        default: break;
        }
        if (esc) {
            if (size - o < 2 + (len - i - 1) + 1)
                return -1;
            out[o++] = '\\';
            out[o++] = esc;
        } else if (c < 0x20) {
            if (size - o < 6 + (len - i - 1) + 1)
                return -1;
            memcpy(out + o, "\\u00", 4);
            out[o + 4] = hex_digit(c >> 4);
            out[o + 5] = hex_digit(c);
            o += 6;
        } else {
            out[o++] = (char)c;
        }
    }
    if (o >= size)
        return -1;
    out[o++] = '"';
    *pos = o;
    return 0;
}

/* Writes "invalid json: <what> at byte N" to reason; returns -1. */
static int
json_strict_fail(const json_strict_reader *r, const char *what, char *reason,
                 size_t reasonsize)
{
    snprintf(reason, reasonsize, "invalid json: %s at byte %zu", what,
             (size_t)(r->p - r->start));
    return -1;
}

static void
json_strict_skip_ws(json_strict_reader *r)
{
    while (r->p < r->end
           && (*r->p == ' ' || *r->p == '\n' || *r->p == '\r' || *r->p == '\t'))
        r->p++;
}

/* Reads 4 hex digits at p (end bounds it) into *u. Returns 0 or -1. */
static int
json_strict_hex4(const char *p, const char *end, uint32_t *u)
{
    if (end - p < 4)
        return -1;
    *u = 0;
    for (int i = 0; i < 4; i++) {
        int d = hex_value((unsigned char)p[i]);
        if (d < 0)
            return -1;
        *u = *u << 4 | (uint32_t)d;
    }
    return 0;
}

/* Appends code point cp as UTF-8 to dst (cap bytes) at *n, cut at cap;
 * *n counts the whole length either way. */
static void
json_strict_put_cp(char *dst, size_t cap, size_t *n, uint32_t cp)
{
    unsigned char b[4];
    size_t k;

    if (cp < 0x80) {
        b[0] = (unsigned char)cp;
        k = 1;
    } else if (cp < 0x800) {
        b[0] = (unsigned char)(0xC0 | cp >> 6);
        b[1] = (unsigned char)(0x80 | (cp & 0x3F));
        k = 2;
    } else if (cp < 0x10000) {
        b[0] = (unsigned char)(0xE0 | cp >> 12);
        b[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
        b[2] = (unsigned char)(0x80 | (cp & 0x3F));
        k = 3;
    } else {
        b[0] = (unsigned char)(0xF0 | cp >> 18);
        b[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3F));
        b[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
        b[3] = (unsigned char)(0x80 | (cp & 0x3F));
        k = 4;
    }
    if (dst && *n < cap)        /* as much as fits, like a run of ASCII */
        memcpy(dst + *n, b, k < cap - *n ? k : cap - *n);
    *n += k;
}

/* Reads the string whose opening quote is at r->p, leaving r->p after the
 * closing one. Decodes into dst (cap bytes, no NUL written; may be NULL)
 * as far as it fits, a character cut at cap if need be, and stores the
 * whole decoded length in *n. Returns 0, or -1 with a reason. */
static int
json_strict_scan_string(json_strict_reader *r, char *dst, size_t cap, size_t *n,
                        char *reason, size_t reasonsize)
{
    const char *p = r->p + 1, *end = r->end;
    size_t len = 0;
    uint32_t cp, lo;

    for (;;) {
        const char *run = p;

        /* The common case: a run of plain printable ASCII. */
        while (p < end && (unsigned char)*p >= 0x20 && (unsigned char)*p < 0x80
               && *p != '"' && *p != '\\')
            p++;
        if (p > run) {
            size_t k = (size_t)(p - run);
            if (dst && len < cap)
                memcpy(dst + len, run, k < cap - len ? k : cap - len);
            len += k;
        }
        if (p >= end) {
            r->p = p;
            return json_strict_fail(r, "unterminated string", reason,
                                    reasonsize);
        }
        if (*p == '"')
            break;
        if (*p == '\\') {
            r->p = p;
            if (end - p < 2)
                return json_strict_fail(r, "unterminated string", reason,
                                        reasonsize);
            switch (p[1]) {
            case '"': cp = '"'; break;
            case '\\': cp = '\\'; break;
            case '/': cp = '/'; break;
            case 'b': cp = '\b'; break;
            case 'f': cp = '\f'; break;
            case 'n': cp = '\n'; break;
            case 'r': cp = '\r'; break;
            case 't': cp = '\t'; break;
            case 'u':
                if (json_strict_hex4(p + 2, end, &cp) < 0)
                    return json_strict_fail(r, "invalid \\u escape", reason,
                                            reasonsize);
                if (cp == 0)
                    return json_strict_fail(r, "\\u0000 in a string", reason,
                                            reasonsize);
                if (cp >= 0xDC00 && cp <= 0xDFFF)
                    return json_strict_fail(r, "lone low surrogate", reason,
                                            reasonsize);
                if (cp >= 0xD800 && cp <= 0xDBFF) {
                    if (end - p < 12 || p[6] != '\\' || p[7] != 'u'
                        || json_strict_hex4(p + 8, end, &lo) < 0 || lo < 0xDC00
                        || lo > 0xDFFF)
                        return json_strict_fail(r, "lone high surrogate",
                                                reason, reasonsize);
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    p += 6;
                }
                p += 4;
                break;
            default:
                return json_strict_fail(r, "invalid escape", reason,
                                        reasonsize);
            }
            p += 2;
            json_strict_put_cp(dst, cap, &len, cp);
            continue;
        }
        if ((unsigned char)*p < 0x20) {
            r->p = p;
            return json_strict_fail(r, "control character in a string", reason,
                                    reasonsize);
        }
        /* A byte >= 0x80: must start well-formed UTF-8. */
        size_t k = utf8_decode((const unsigned char *)p, (size_t)(end - p), &cp);
        if (k == 0) {
            r->p = p;
            return json_strict_fail(r, "invalid utf-8 in a string", reason,
                                    reasonsize);
        }
        if (dst && len < cap)
            memcpy(dst + len, p, k < cap - len ? k : cap - len);
        len += k;
        p += k;
    }
    r->p = p + 1;
    *n = len;
    return 0;
}

/* Skips the digits at r->p; returns how many. */
static size_t
json_strict_digits(json_strict_reader *r)
{
    const char *p0 = r->p;

    while (r->p < r->end && *r->p >= '0' && *r->p <= '9')
        r->p++;
    return (size_t)(r->p - p0);
}

/* Reads a number as RFC 8259 writes it. Returns 0, or -1 with a reason. */
static int
json_strict_scan_number(json_strict_reader *r, char *reason, size_t reasonsize)
{
    if (r->p < r->end && *r->p == '-')
        r->p++;
    if (r->p < r->end && *r->p == '0')
        r->p++;
    else if (json_strict_digits(r) == 0)
        return json_strict_fail(r, "invalid number", reason, reasonsize);
    if (r->p < r->end && *r->p == '.') {
        r->p++;
        if (json_strict_digits(r) == 0)
            return json_strict_fail(r, "invalid number", reason, reasonsize);
    }
    if (r->p < r->end && (*r->p == 'e' || *r->p == 'E')) {
        r->p++;
        if (r->p < r->end && (*r->p == '+' || *r->p == '-'))
            r->p++;
        if (json_strict_digits(r) == 0)
            return json_strict_fail(r, "invalid number", reason, reasonsize);
    }
    return 0;
}

/* Reads literal word (true, false or null) at r->p. */
static int
json_strict_scan_word(json_strict_reader *r, const char *word, char *reason,
                      size_t reasonsize)
{
    size_t n = strlen(word);

    if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n) != 0)
        return json_strict_fail(r, "invalid literal", reason, reasonsize);
    r->p += n;
    return 0;
}

static int json_strict_scan_value(json_strict_reader *r, int depth,
                                  enum json_strict_type *type, char *reason,
                                  size_t reasonsize);

/* Reads the array or object opening at r->p (open is '[' or '{'). */
static int
json_strict_scan_container(json_strict_reader *r, int depth, char open,
                           char *reason, size_t reasonsize)
{
    char close = open == '[' ? ']' : '}';
    enum json_strict_type type;
    size_t n;

    if (depth > JSON_STRICT_DEPTH_MAX)
        return json_strict_fail(r, "nesting too deep", reason, reasonsize);
    r->p++;
    json_strict_skip_ws(r);
    if (r->p < r->end && *r->p == close) {
        r->p++;
        return 0;
    }
    for (;;) {
        if (open == '{') {
            if (r->p >= r->end || *r->p != '"')
                return json_strict_fail(r, "expected a key", reason,
                                        reasonsize);
            if (json_strict_scan_string(r, NULL, 0, &n, reason, reasonsize) < 0)
                return -1;
            json_strict_skip_ws(r);
            if (r->p >= r->end || *r->p != ':')
                return json_strict_fail(r, "expected ':'", reason, reasonsize);
            r->p++;
            json_strict_skip_ws(r);
        }
        if (json_strict_scan_value(r, depth, &type, reason, reasonsize) < 0)
            return -1;
        json_strict_skip_ws(r);
        if (r->p < r->end && *r->p == close) {
            r->p++;
            return 0;
        }
        if (r->p >= r->end || *r->p != ',')
            return json_strict_fail(r, open == '[' ? "expected ',' or ']'"
                                             : "expected ',' or '}'",
                              reason, reasonsize);
        r->p++;
        json_strict_skip_ws(r);
    }
}

/* Reads any value at r->p (whitespace skipped before), nested ones at
 * depth + 1, and stores its type. */
static int
json_strict_scan_value(json_strict_reader *r, int depth,
                       enum json_strict_type *type, char *reason,
                       size_t reasonsize)
{
    size_t n;

    if (r->p >= r->end)
        return json_strict_fail(r, "expected a value", reason, reasonsize);
    switch (*r->p) {
    case '"':
        *type = JSON_STRICT_STRING;
        return json_strict_scan_string(r, NULL, 0, &n, reason, reasonsize);
    case '{':
        *type = JSON_STRICT_OBJECT;
        return json_strict_scan_container(r, depth + 1, '{', reason,
                                          reasonsize);
    case '[':
        *type = JSON_STRICT_ARRAY;
        return json_strict_scan_container(r, depth + 1, '[', reason,
                                          reasonsize);
    case 't':
        *type = JSON_STRICT_TRUE;
        return json_strict_scan_word(r, "true", reason, reasonsize);
    case 'f':
        *type = JSON_STRICT_FALSE;
        return json_strict_scan_word(r, "false", reason, reasonsize);
    case 'n':
        *type = JSON_STRICT_NULL;
        return json_strict_scan_word(r, "null", reason, reasonsize);
    default:
        *type = JSON_STRICT_NUMBER;
        return json_strict_scan_number(r, reason, reasonsize);
    }
}

int
json_strict_open(json_strict_reader *r, const char *data, size_t len,
                 char *reason, size_t reasonsize)
{
    r->start = r->p = data;
    r->end = data + len;
    r->members = 0;
    r->done = 0;
    json_strict_skip_ws(r);
    if (r->p >= r->end)
        return json_strict_fail(r, "no value", reason, reasonsize);
    if (*r->p != '{') {
        enum json_strict_type type;

        /* Some other value, or not JSON at all? */
        if (json_strict_scan_value(r, 0, &type, reason, reasonsize) < 0)
            return -1;
        json_strict_skip_ws(r);
        if (r->p != r->end)
            return json_strict_fail(r, "data after the value", reason,
                                    reasonsize);
        snprintf(reason, reasonsize, "not a json object");
        return -1;
    }
    r->p++;
    return 0;
}

/* Reads the end of the object: after '}', only whitespace. */
static int
json_strict_close(json_strict_reader *r, char *reason, size_t reasonsize)
{
    r->p++;
    json_strict_skip_ws(r);
    if (r->p != r->end)
        return json_strict_fail(r, "data after the object", reason, reasonsize);
    r->done = 1;
    return 0;
}

/* json_strict_next, before the reader is marked spent on an error. */
static int
json_strict_member_read(json_strict_reader *r, json_strict_member *m,
                        char *reason, size_t reasonsize)
{
    const char *v;

    json_strict_skip_ws(r);
    if (r->p < r->end && *r->p == '}')
        return json_strict_close(r, reason, reasonsize);
    if (r->members > 0) {
        if (r->p >= r->end || *r->p != ',')
            return json_strict_fail(r, "expected ',' or '}'", reason,
                                    reasonsize);
        r->p++;
        json_strict_skip_ws(r);
    }
    if (r->p >= r->end || *r->p != '"')
        return json_strict_fail(r, "expected a key", reason, reasonsize);
    if (json_strict_scan_string(r, m->key, JSON_STRICT_KEY_MAX, &m->keylen,
                                reason, reasonsize) < 0)
        return -1;
    m->key[m->keylen < JSON_STRICT_KEY_MAX ? m->keylen : JSON_STRICT_KEY_MAX]
        = '\0';
    json_strict_skip_ws(r);
    if (r->p >= r->end || *r->p != ':')
        return json_strict_fail(r, "expected ':'", reason, reasonsize);
    r->p++;
    json_strict_skip_ws(r);
    v = r->p;
    if (json_strict_scan_value(r, 0, &m->type, reason, reasonsize) < 0)
        return -1;
    m->value = v;
    m->valuelen = (size_t)(r->p - v);
    r->members++;
    return 1;
}

int
json_strict_next(json_strict_reader *r, json_strict_member *m, char *reason,
                 size_t reasonsize)
{
    int rc;

    if (r->done < 0) {
        snprintf(reason, reasonsize, "invalid json: read past an error");
        return -1;
    }
    if (r->done)
        return 0;
    if ((rc = json_strict_member_read(r, m, reason, reasonsize)) < 0)
        r->done = -1;
    return rc;
}

long
json_strict_string(const json_strict_member *m, char *dst, size_t dstsize)
{
    json_strict_reader r = { m->value, m->value, m->value + m->valuelen, 0, 0 };
    char reason[8];
    size_t n;

    if (m->type != JSON_STRICT_STRING || dstsize == 0 || m->valuelen < 2)
        return -1;
    /* json_strict_next checked it: without a backslash it is its own text. Half
     * the consumer's string scanning, per callgrind. */
    n = m->valuelen - 2;
    if (memchr(m->value + 1, '\\', n) == NULL) {
        if (n > dstsize - 1)
            return -1;
        memcpy(dst, m->value + 1, n);
        dst[n] = '\0';
        return (long)n;
    }
    if (json_strict_scan_string(&r, dst, dstsize - 1, &n, reason,
                                sizeof(reason)) < 0)
        return -1;
    if (n > dstsize - 1)
        return -1;
    dst[n] = '\0';
    return (long)n;
}

int
json_strict_integer(const json_strict_member *m, long long *v)
{
    const char *p = m->value, *end = m->value + m->valuelen;
    int neg = 0;
    unsigned long long u = 0, limit;

    if (m->type != JSON_STRICT_NUMBER || p == end)
        return -1;
    if (*p == '-') {
        neg = 1;
        p++;
    }
    if (p == end)
        return -1;
    limit = neg ? (unsigned long long)INT64_MAX + 1 : (unsigned long long)INT64_MAX;
    for (; p < end; p++) {
        if (*p < '0' || *p > '9')
            return -1;          /* a fraction or an exponent */
        if (u > (limit - (unsigned long long)(*p - '0')) / 10)
            return -1;
        u = u * 10 + (unsigned long long)(*p - '0');
    }
    *v = neg && u > 0 ? -(long long)(u - 1) - 1 : (long long)u;
    return 0;
}
