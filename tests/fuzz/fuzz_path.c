/* fuzz_path.c - libFuzzer target for path_normalize (lib/event/path.h).
 *
 * Input: the first byte picks dstsize, the rest is the request target
 * (it may hold NULs; urilen is given). dstsize is 2 + the byte for 0-63
 * (cuts everywhere), 513 for 64-127 (the event's path buffer; the seeds in
 * corpus/path/ start with a letter) and, above, room enough that nothing is
 * ever cut. dst is allocated with exactly dstsize bytes so ASan sees any
 * write past it.
 *
 * Checked, besides what ASan and UBSan catch, the properties path.h
 * promises that are cheap to see:
 *  - the length returned is < dstsize, with the NUL there and none before;
 *  - the result starts with '/' and has no empty segment ("//");
 *  - it is well-formed UTF-8 with no control character, no raw space, '?'
 *    or '#', and every '%' starts an upper-case escape "%XX";
 *  - it is a prefix of the uncut result, and equal to it when that fits;
 *  - it is idempotent: normalizing it again, cut at dstsize or not, gives
 *    the same bytes (for results up to PATH_INPUT_MAX bytes; a longer one,
 *    possible only with dstsize above it, is cut as an input). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "path.h"
#include "utf8.h"

/* Room for any result uncut: each input byte becomes at most "%XX". */
#define FUZZ_PATH_FULL (3 * PATH_INPUT_MAX + 2)

/* Returns dstsize for selector byte b (see the header comment). */
static size_t
fuzz_path_dstsize(uint8_t b)
{
    if (b < 64)
        return 2 + (size_t)b;
    if (b < 128)
        return 513;
    return FUZZ_PATH_FULL;
}

/* 1 when c is an upper-case hex digit, as the normalizer writes escapes. */
static int
fuzz_path_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
}

/* Checks that s[0..n) is in the canonical form path.h describes. */
static void
fuzz_path_canonical(const char *s, size_t n)
{
    size_t i = 0, k;
    uint32_t cp;

    FUZZ_ASSERT(n >= 1 && s[0] == '/', "result does not start with '/'");
    FUZZ_ASSERT(memmem(s, n, "//", 2) == NULL, "result has an empty segment");
    while (i < n) {
        k = utf8_decode((const unsigned char *)s + i, n - i, &cp);
        FUZZ_ASSERT(k > 0, "result is not well-formed UTF-8");
        FUZZ_ASSERT(cp > 0x20 && !(cp >= 0x7F && cp <= 0x9F),
                    "result holds a control character or a space");
        FUZZ_ASSERT(cp != '?' && cp != '#', "result holds a raw '?' or '#'");
        if (cp == '%')
            FUZZ_ASSERT(n - i >= 3 && fuzz_path_hex(s[i + 1])
                            && fuzz_path_hex(s[i + 2]),
                        "'%' does not start an upper-case escape");
        i += k;
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char full[FUZZ_PATH_FULL], again[FUZZ_PATH_FULL];
    const char *uri = (const char *)data + 1;
    size_t dstsize, urilen, n, fn, an;
    char *dst;

    if (size < 1)
        return 0;
    dstsize = fuzz_path_dstsize(data[0]);
    urilen = size - 1;
    dst = malloc(dstsize);
    FUZZ_ASSERT(dst != NULL, "out of memory");

    n = path_normalize(dst, dstsize, uri, urilen);
    FUZZ_ASSERT(n < dstsize, "length does not fit dstsize");
    FUZZ_ASSERT(dst[n] == '\0', "result not NUL-terminated at its length");
    FUZZ_ASSERT(strlen(dst) == n, "a NUL inside the result");
    fuzz_path_canonical(dst, n);

    fn = path_normalize(full, sizeof(full), uri, urilen);
    FUZZ_ASSERT(fn < sizeof(full), "uncut result does not fit");
    FUZZ_ASSERT(n <= fn && memcmp(dst, full, n) == 0,
                "cut result is not a prefix of the uncut one");
    FUZZ_ASSERT(fn >= dstsize || n == fn, "result cut although it fits");

    /* A result longer than PATH_INPUT_MAX (escapes triple the bytes) is
     * cut when given back as input: path.h promises nothing there. */
    if (n <= PATH_INPUT_MAX) {
        an = path_normalize(again, sizeof(again), dst, n);
        FUZZ_ASSERT(an == n && memcmp(again, dst, n + 1) == 0,
                    "not idempotent: normalizing the result changes it");
        an = path_normalize(again, dstsize, dst, n);
        FUZZ_ASSERT(an == n && memcmp(again, dst, n + 1) == 0,
                    "not idempotent at the same dstsize");
    }
    free(dst);
    return 0;
}
