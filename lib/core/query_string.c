/* query_string.c - parsing of URL query strings. */
#include "query_string.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "hex.h"
#include "percent.h"
#include "utf8.h"

/* Decodes src[0..len) into dst (cap bytes with the NUL). Returns 0, or -1
 * with a reason naming what. */
static int
query_string_decode(char *dst, size_t cap, const char *src, size_t len,
                    const char *what, char *reason, size_t reasonsize)
{
    long n = percent_decode(dst, cap - 1, src, len, PERCENT_STRICT | PERCENT_FORM);

    if (n == PERCENT_INVALID) {
        snprintf(reason, reasonsize, "invalid percent-escape in %s", what);
        return -1;
    }
    if (n == PERCENT_TOO_LONG) {
        snprintf(reason, reasonsize, "%s is longer than %zu bytes", what, cap - 1);
        return -1;
    }
    dst[n] = '\0';
    if (!utf8_is_clean(dst, (size_t)n)) {
        snprintf(reason, reasonsize,
                 "%s holds a control character or invalid UTF-8", what);
        return -1;
    }
    return 0;
}

int
query_string_parse(const char *query, query_string_param *out, int max,
                   char *reason, size_t reasonsize)
{
    const char *p = query ? query : "", *end, *eq;
    int n = 0;

    while (*p) {
        end = strchr(p, '&');
        if (end == NULL)
            end = p + strlen(p);
        if (end > p) {
            if (n == max) {
                snprintf(reason, reasonsize, "more than %d query parameters", max);
                return -1;
            }
            eq = memchr(p, '=', (size_t)(end - p));
            if (query_string_decode(out[n].key, sizeof(out[n].key), p,
                          (size_t)((eq ? eq : end) - p), "a parameter name",
                          reason, reasonsize) < 0)
                return -1;
            if (eq == NULL)
                out[n].value[0] = '\0';
            else if (query_string_decode(out[n].value, sizeof(out[n].value),
                                         eq + 1, (size_t)(end - eq - 1),
                                         "a parameter value", reason,
                                         reasonsize) < 0)
                return -1;
            n++;
        }
        p = *end ? end + 1 : end;
    }
    return n;
}

int
query_string_encode(buf *b, const char *s)
{
    char esc[3] = { '%', 0, 0 };

    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
            || c == '-' || c == '.' || c == '_' || c == '~' || c == '/') {
            buf_append(b, s, 1);
        } else {
            esc[1] = hex_digit(c >> 4);
            esc[2] = hex_digit(c);
            buf_append(b, esc, 3);
        }
    }
    return b->failed ? -1 : 0;
}
