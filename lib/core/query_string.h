/* query_string.h - parsing of URL query strings. */
#ifndef VISITS_QUERY_STRING_H
#define VISITS_QUERY_STRING_H

#include <stddef.h>

#include "buf.h"

#define QUERY_STRING_MAX_PARAMS 16
#define QUERY_STRING_KEY_MAX 32
#define QUERY_STRING_VALUE_MAX 512

typedef struct query_string_param {
    char key[QUERY_STRING_KEY_MAX + 1];
    char value[QUERY_STRING_VALUE_MAX + 1];
} query_string_param;

/* Splits query ("a=1&b=x%20y"; NULL or "" is empty) into at most max
 * parameters, decoding percent-escapes and '+' as space. Empty pieces
 * ("a=1&&b=2") are skipped; a key without '=' has an empty value.
 * Returns the number of parameters, or -1 with a short reason when there
 * are too many, a key or value is too long, an escape is invalid, or a
 * decoded key or value holds a NUL, a control character or invalid UTF-8. */
int query_string_parse(const char *query, query_string_param *out, int max,
                       char *reason, size_t reasonsize);

/* Appends s to b encoded as a query-string value: letters, digits, "-._~"
 * and '/' as they are, every other byte as %XX. Returns 0, or -1 when out of
 * memory. */
int query_string_encode(buf *b, const char *s);

#endif
