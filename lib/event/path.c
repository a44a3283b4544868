/* path.c - normalization of request paths. */
#include "path.h"

#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "hex.h"
#include "percent.h"
#include "utf8.h"

/* Every segment takes at least two input bytes ("/a"), so this many always
 * suffice for PATH_INPUT_MAX bytes and ".." is resolved exactly. */
#define PATH_SEGMENTS_MAX (PATH_INPUT_MAX / 2)

typedef struct path_seg {
    uint16_t off, len;  /* decoded bytes in the scratch buffer */
} path_seg;

/* Appends the canonical encoding of seg[0..len) to dst at *o, stopping at the
 * first character that does not fit before dst[cap - 1]. Returns 0 when all
 * of it fit, -1 when the output was cut. */
static int
path_encode(char *dst, size_t cap, size_t *o, const char *seg, size_t len)
{
    const unsigned char *s = (const unsigned char *)seg;
    size_t i = 0, n;
    uint32_t cp;

    while (i < len) {
        n = utf8_decode(s + i, len - i, &cp);
        if (n == 0 || cp <= 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == '%'
            || cp == '?' || cp == '#' || cp == '/') {
            /* Escape every byte of the character, or the one bad byte. */
            size_t k, bytes = n ? n : 1;
            if (*o + 3 * bytes >= cap)
                return -1;
            for (k = 0; k < bytes; k++) {
                dst[(*o)++] = '%';
                dst[(*o)++] = hex_digit(s[i + k] >> 4);
                dst[(*o)++] = hex_digit(s[i + k]);
            }
            i += bytes;
        } else {
            if (*o + n >= cap)
                return -1;
            memcpy(dst + *o, s + i, n);
            *o += n;
            i += n;
        }
    }
    return 0;
}

/* Returns 1 when s[0..len) is "." or "..", a dot segment. */
static int
path_is_dot_segment(const char *s, size_t len)
{
    return (len == 1 || len == 2) && memcmp(s, "..", len) == 0;
}

size_t
path_normalize(char *dst, size_t dstsize, const char *uri, size_t urilen)
{
    char scratch[PATH_INPUT_MAX];
    path_seg seg[PATH_SEGMENTS_MAX];
    size_t nseg = 0, used = 0, len, i, start, o = 0, segstart;
    int trailing = 0;
    const char *p;

    /* Drop the query string and fragment; bound the work. */
    for (len = 0; len < urilen && uri[len] != '?' && uri[len] != '#'; len++)
        ;
    if (len > PATH_INPUT_MAX)
        len = PATH_INPUT_MAX;

    /* Absolute form: skip "scheme://authority". */
    if ((len >= 7 && strncasecmp(uri, "http://", 7) == 0)
        || (len >= 8 && strncasecmp(uri, "https://", 8) == 0)) {
        p = (const char *)memchr(uri, ':', len) + 3;
        len -= (size_t)(p - uri);
        uri = p;
        p = memchr(uri, '/', len);
        len = p ? len - (size_t)(p - uri) : 0;
        uri = p ? p : uri;
    }

    /* Split on raw slashes, decode each segment, resolve dot segments. */
    for (i = 0; i < len; i = start) {
        while (i < len && uri[i] == '/')
            i++;
        for (start = i; start < len && uri[start] != '/'; start++)
            ;
        if (start == i)
            break;
        /* Lenient: an invalid escape stays as it is; never longer. */
        size_t dlen = (size_t)percent_decode(scratch + used, start - i, uri + i,
                                             start - i, 0);
        trailing = start == len ? 0 : 1;
        if (dlen == 1 && scratch[used] == '.') {
            trailing = 1;
        } else if (dlen == 2 && memcmp(scratch + used, "..", 2) == 0) {
            if (nseg > 0) {
                nseg--;
                used = seg[nseg].off;
            }
            trailing = 1;
        } else if (nseg < PATH_SEGMENTS_MAX) {
            seg[nseg].off = (uint16_t)used;
            seg[nseg].len = (uint16_t)dlen;
            nseg++;
            used += dlen;
        }
    }

    if (dstsize < 2) {
        if (dstsize == 1)
            dst[0] = '\0';
        return 0;
    }
    dst[o++] = '/';
    for (i = 0; i < nseg; i++) {
        if (i > 0) {
            if (o + 1 >= dstsize)
                goto done;
            dst[o++] = '/';
        }
        segstart = o;
        if (path_encode(dst, dstsize, &o, scratch + seg[i].off, seg[i].len) < 0) {
            /* A segment cut to "." or ".." ("..x" at the limit) would be
             * resolved by the next normalization: drop it, keep the '/'. */
            if (path_is_dot_segment(dst + segstart, o - segstart))
                o = segstart;
            goto done;
        }
    }
    if (trailing && nseg > 0 && o + 1 < dstsize)
        dst[o++] = '/';
done:
    dst[o] = '\0';
    return o;
}
