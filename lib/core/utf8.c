/* utf8.c - validation and cleaning of UTF-8 text from untrusted sources. */
#include "utf8.h"

#include <string.h>

size_t
utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    uint32_t c;
    size_t len, i;

    if (n == 0)
        return 0;
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    if (s[0] >= 0xC2 && s[0] <= 0xDF) {
        len = 2;
        c = s[0] & 0x1F;
    } else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
        len = 3;
        c = s[0] & 0x0F;
    } else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
        len = 4;
        c = s[0] & 0x07;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        c = (c << 6) | (s[i] & 0x3F);
    }
    if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) || c > 0x10FFFF
        || (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    *cp = c;
    return len;
}

/* Returns 1 for the code points utf8_clean replaces: C0, DEL and C1. */
static int
utf8_is_control(uint32_t cp)
{
    return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F);
}

int
utf8_is_clean(const char *s, size_t len)
{
    size_t i = 0, n;
    uint32_t cp;

    while (i < len) {
        n = utf8_decode((const unsigned char *)s + i, len - i, &cp);
        if (n == 0 || utf8_is_control(cp))
            return 0;
        i += n;
    }
    return 1;
}

size_t
utf8_clean(char *dst, size_t dstsize, const char *src, size_t srclen)
{
    static const char repl[] = "\xEF\xBF\xBD"; /* U+FFFD */
    const unsigned char *s = (const unsigned char *)src;
    size_t i = 0, o = 0, len;
    const char *from;
    uint32_t cp;

    while (i < srclen) {
        len = utf8_decode(s + i, srclen - i, &cp);
        if (len == 0 || utf8_is_control(cp)) {
            from = repl;
            i += len ? len : 1;
            len = 3;
        } else {
            from = (const char *)s + i;
            i += len;
        }
        if (o + len >= dstsize)
            break;
        memcpy(dst + o, from, len);
        o += len;
    }
    dst[o] = '\0';
    return o;
}
