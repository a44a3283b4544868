/* utf8.h - validation and cleaning of UTF-8 text from untrusted sources. */
#ifndef VISITS_UTF8_H
#define VISITS_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Returns the length (1-4) of the well-formed UTF-8 sequence at s (at most n
 * bytes available) and stores its code point in *cp, or returns 0 when the
 * bytes there are not well-formed (overlong forms, surrogates and code points
 * above U+10FFFF are not). */
size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);

/* Copies src (srclen bytes, may contain NULs) into dst as well-formed UTF-8
 * with no control characters: each byte that does not start a well-formed
 * sequence, and each C0/C1 control or DEL, becomes U+FFFD. Stops before a
 * character that would not fit, so dst (dstsize > 0) always holds complete
 * characters and a NUL. Returns the length written, without the NUL. */
size_t utf8_clean(char *dst, size_t dstsize, const char *src, size_t srclen);

/* Returns 1 when s[0..len) is what utf8_clean produces from it unchanged:
 * well-formed UTF-8 without NUL, C0/C1 controls or DEL; 0 otherwise. */
int utf8_is_clean(const char *s, size_t len);

#endif
