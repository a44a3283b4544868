/* percent.h - decoding percent-escapes (RFC 3986 "%41"), the one decoder
 * of request paths (lenient: an invalid escape stays as it is) and query
 * strings (strict, and '+' is a space). */
#ifndef VISITS_PERCENT_H
#define VISITS_PERCENT_H

#include <stddef.h>

enum {
    PERCENT_STRICT = 1,     /* an invalid escape is an error, not text */
    PERCENT_FORM = 2,       /* '+' is a space (form encoding, query strings) */
};

#define PERCENT_INVALID (-1)    /* PERCENT_STRICT and an invalid escape */
#define PERCENT_TOO_LONG (-2)   /* the decoded text is longer than cap */

/* Decodes in[0..len) into out, at most cap bytes (decoding never makes
 * text longer, so cap = len always suffices); writes no NUL. Returns the
 * decoded length, PERCENT_INVALID or PERCENT_TOO_LONG. */
long percent_decode(char *out, size_t cap, const char *in, size_t len, int flags);

#endif
