/* check_path.c - unit tests of path_normalize (lib/event/path.h) and of the UTF-8
 * helpers it relies on (lib/core/utf8.h).
 *
 * Test cases: "core" (the normalization rules, one family per test),
 * "limits" (output cut to dstsize, canaries, huge inputs), "utf8"
 * (utf8_decode and utf8_clean), "percent" (percent_decode, lenient and
 * strict, form encoding, the output bound). */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "path.h"
#include "percent.h"
#include "utf8.h"

#define BIG 4096
#define CANARY ((char)0x5A)

/* Normalizes the NUL-terminated uri into a large buffer; returns it. */
static const char *
norm(const char *uri)
{
    static char out[BIG];
    size_t n = path_normalize(out, sizeof(out), uri, strlen(uri));

    ck_assert_uint_eq(n, strlen(out));
    return out;
}

/* As norm, for an input that may hold NUL bytes. */
static const char *
norm_len(const char *uri, size_t len)
{
    static char out[BIG];
    size_t n = path_normalize(out, sizeof(out), uri, len);

    ck_assert_uint_eq(n, strlen(out));
    return out;
}

/* Normalizes uri into a buffer of exactly dstsize bytes followed by canary
 * bytes; checks the canaries, the NUL and the returned length. The result is
 * copied to res (at least dstsize bytes). */
static size_t
norm_capped(const char *uri, size_t urilen, size_t dstsize, char *res)
{
    char *mem = malloc(dstsize + 8);
    size_t n, i;

    ck_assert_ptr_nonnull(mem);
    memset(mem, CANARY, dstsize + 8);
    n = path_normalize(mem, dstsize, uri, urilen);
    for (i = dstsize; i < dstsize + 8; i++)
        ck_assert_msg(mem[i] == CANARY, "byte %zu written past dstsize %zu", i,
                      dstsize);
    if (dstsize > 0) {
        ck_assert_msg(n < dstsize, "length %zu does not fit dstsize %zu", n,
                      dstsize);
        ck_assert_msg(mem[n] == '\0', "result not NUL-terminated");
        ck_assert_uint_eq(strlen(mem), n);
        memcpy(res, mem, n + 1);
    }
    free(mem);
    return n;
}

/* 1 when s[0..len) is entirely well-formed UTF-8. */
static int
utf8_valid(const char *s, size_t len)
{
    size_t i = 0, n;
    uint32_t cp;

    while (i < len) {
        n = utf8_decode((const unsigned char *)s + i, len - i, &cp);
        if (n == 0)
            return 0;
        i += n;
    }
    return 1;
}

#define NORM_EQ(in, want) ck_assert_str_eq(norm(in), want)

/* ---- core ---------------------------------------------------------------- */

START_TEST(test_query_fragment_dropped)
{
    NORM_EQ("/a/b?q=1", "/a/b");
    NORM_EQ("/a/b?q=/x/../y#f", "/a/b");
    NORM_EQ("/a#frag", "/a");
    NORM_EQ("/a#frag?x", "/a");
    NORM_EQ("/blog/?page=2", "/blog/");
}
END_TEST

START_TEST(test_empty_segments_merged)
{
    NORM_EQ("//a///b", "/a/b");
    NORM_EQ("///", "/");
    NORM_EQ("/a//", "/a/");
    NORM_EQ("a/b", "/a/b");
}
END_TEST

START_TEST(test_dot_segments)
{
    NORM_EQ("/a/./b", "/a/b");
    NORM_EQ("/a/b/../c", "/a/c");
    NORM_EQ("/../../x", "/x");
    NORM_EQ("/..", "/");
    NORM_EQ("/.", "/");
    NORM_EQ("/a/..", "/");
    NORM_EQ("/a/b/..", "/a/");
    NORM_EQ("/a/.", "/a/");
    NORM_EQ("/a/b/../../../../c/", "/c/");
    /* Encoded dots are dot segments too. */
    NORM_EQ("/a/%2e%2E/b", "/b");
    NORM_EQ("/a/%2E/b", "/a/b");
    /* Not dot segments. */
    NORM_EQ("/a/.../b", "/a/.../b");
    NORM_EQ("/a/..b/.c", "/a/..b/.c");
}
END_TEST

START_TEST(test_trailing_slash_kept)
{
    NORM_EQ("/blog/", "/blog/");
    NORM_EQ("/blog", "/blog");
    NORM_EQ("/blog//", "/blog/");
    NORM_EQ("/a/b/", "/a/b/");
    NORM_EQ("/", "/");
}
END_TEST

START_TEST(test_percent_decoding)
{
    NORM_EQ("/a b", "/a%20b");
    NORM_EQ("/a%20b", "/a%20b");
    NORM_EQ("/%41", "/A");
    NORM_EQ("/%7e%7E", "/~~");
    NORM_EQ("/a%2Fb", "/a%2Fb");
    NORM_EQ("/a%2fb", "/a%2Fb");
    NORM_EQ("/%25", "/%25");
    NORM_EQ("/%3F", "/%3F");
    NORM_EQ("/%3f", "/%3F");
    NORM_EQ("/%23", "/%23");
    NORM_EQ("/a%09b", "/a%09b");
    NORM_EQ("/a%7Fb", "/a%7Fb");
    NORM_EQ("/a%0d%0A", "/a%0D%0A");
    /* Kept as is: other printable ASCII. */
    NORM_EQ("/a+b;c=d,e!$&'()*@:~", "/a+b;c=d,e!$&'()*@:~");
}
END_TEST

START_TEST(test_invalid_escapes)
{
    NORM_EQ("/%zz", "/%25zz");
    NORM_EQ("/a%", "/a%25");
    NORM_EQ("/a%4", "/a%254");
    NORM_EQ("/%G1x", "/%25G1x");
    NORM_EQ("/%%41", "/%25A");
    /* The escape does not span a slash. */
    NORM_EQ("/a%/41", "/a%25/41");
    /* Nor the end of the input given by urilen. */
    ck_assert_str_eq(norm_len("/a%41", 4), "/a%254");
    ck_assert_str_eq(norm_len("/a%41", 3), "/a%25");
}
END_TEST

START_TEST(test_nul_byte)
{
    NORM_EQ("/a%00b", "/a%00b");
    /* A raw NUL inside the given length. */
    ck_assert_str_eq(norm_len("/a\0b", 4), "/a%00b");
}
END_TEST

START_TEST(test_invalid_utf8_escaped)
{
    NORM_EQ("/%FF", "/%FF");
    NORM_EQ("/%ff", "/%FF");
    NORM_EQ("/\xFF", "/%FF");
    NORM_EQ("/%C0%AF", "/%C0%AF");             /* overlong '/' */
    NORM_EQ("/%E0%80%AF", "/%E0%80%AF");       /* overlong, 3 bytes */
    NORM_EQ("/%ED%A0%80", "/%ED%A0%80");       /* surrogate U+D800 */
    NORM_EQ("/%F4%90%80%80", "/%F4%90%80%80"); /* above U+10FFFF */
    NORM_EQ("/a%C3", "/a%C3");                 /* truncated */
    NORM_EQ("/%C3x", "/%C3x");
    NORM_EQ("/%80", "/%80");                   /* lone continuation */
    /* A C1 control is well-formed but still escaped, both bytes. */
    NORM_EQ("/%C2%85", "/%C2%85");
    /* Mixed: the valid character survives next to the bad byte. */
    NORM_EQ("/%C3%A9%FF", "/\xC3\xA9%FF");
}
END_TEST

START_TEST(test_valid_utf8_kept)
{
    NORM_EQ("/%C3%A9t%C3%A9", "/\xC3\xA9t\xC3\xA9");
    NORM_EQ("/%c3%a9", "/\xC3\xA9");
    NORM_EQ("/\xC3\xA9t\xC3\xA9", "/\xC3\xA9t\xC3\xA9");
    NORM_EQ("/%E2%82%AC", "/\xE2\x82\xAC");
    NORM_EQ("/%F0%9F%98%80", "/\xF0\x9F\x98\x80");
    NORM_EQ("/%C2%A0", "/\xC2\xA0"); /* NBSP is not a control */
}
END_TEST

START_TEST(test_absolute_form)
{
    NORM_EQ("http://host/x?y", "/x");
    NORM_EQ("https://host", "/");
    NORM_EQ("https://host/", "/");
    NORM_EQ("http://host", "/");
    NORM_EQ("http://host?x/y", "/");
    NORM_EQ("HTTP://Example.COM:8080/a/../b/", "/b/");
    NORM_EQ("https://user@host/a%20b#f", "/a%20b");
    /* Not an absolute form. */
    NORM_EQ("ftp://host/x", "/ftp:/host/x");
    NORM_EQ("/http://host/x", "/http:/host/x");
}
END_TEST

START_TEST(test_empty_input)
{
    char out[8];

    ck_assert_uint_eq(path_normalize(out, sizeof(out), "", 0), 1);
    ck_assert_str_eq(out, "/");
    ck_assert_uint_eq(path_normalize(out, sizeof(out), "?", 1), 1);
    ck_assert_str_eq(out, "/");
    NORM_EQ("?a=/b", "/");
    NORM_EQ("#", "/");
    /* urilen governs, not the NUL. */
    ck_assert_uint_eq(path_normalize(out, sizeof(out), "/abc", 2), 2);
    ck_assert_str_eq(out, "/a");
}
END_TEST

static const char *const idem_inputs[] = {
    "", "/", "?", "//a///b", "/../../x", "/blog/", "/a/b/..", "/a b",
    "/%41%2F%25%3F%23", "/%zz", "/a%", "/a%00b", "/%FF%C0%AF%ED%A0%80",
    "/%C3%A9", "/\xC3\xA9", "/%C2%85", "http://host/x?y", "https://host",
    "/a%2fb/../c", "/a%252F", "/%2e%2e/%2E", "/a/./b/../../c/", "/\t\x7f",
    "/a?b#c", "/~user/a+b/", "/\xF0\x9F\x98\x80/%F0%9F%98", "/a%/41",
    "/http:%2F%2Fx", "/%20%20%20%20%20%20", "/.../..../",
};

START_TEST(test_idempotent)
{
    char once[BIG], twice[BIG];
    size_t i, n1, n2;

    for (i = 0; i < sizeof(idem_inputs) / sizeof(idem_inputs[0]); i++) {
        n1 = path_normalize(once, sizeof(once), idem_inputs[i],
                            strlen(idem_inputs[i]));
        n2 = path_normalize(twice, sizeof(twice), once, n1);
        ck_assert_msg(strcmp(once, twice) == 0,
                      "input #%zu: \"%s\" -> \"%s\" -> \"%s\"", i, idem_inputs[i],
                      once, twice);
        ck_assert_uint_eq(n1, n2);
        ck_assert_msg(once[0] == '/', "input #%zu: result does not start with /",
                      i);
        ck_assert_msg(utf8_valid(once, n1), "input #%zu: invalid UTF-8", i);
    }
}
END_TEST

/* Segments past the table of the normalizer must not change how ".." is
 * resolved: "/x" + 300 x "/a" + 300 x "/.." names "/x/". */
START_TEST(test_many_segments_dotdot)
{
    char *uri = malloc(4096), out[64];
    size_t len = 0, n;

    ck_assert_ptr_nonnull(uri);
    memcpy(uri, "/x", 2);
    len = 2;
    for (int i = 0; i < 300; i++) {
        memcpy(uri + len, "/a", 2);
        len += 2;
    }
    for (int i = 0; i < 300; i++) {
        memcpy(uri + len, "/..", 3);
        len += 3;
    }
    n = path_normalize(out, sizeof(out), uri, len);
    ck_assert_str_eq(out, "/x/");
    ck_assert_uint_eq(n, 3);
    free(uri);
}
END_TEST

/* ---- limits -------------------------------------------------------------- */

START_TEST(test_cap_inside_escape)
{
    char res[16];
    size_t n;

    /* "/%20%20%20%20%20" is 16 bytes: the fifth escape does not fit. */
    n = norm_capped("/%20%20%20%20%20%20", 19, 16, res);
    ck_assert_str_eq(res, "/%20%20%20%20");
    ck_assert_uint_eq(n, 13);
    /* An escape that would end on the last byte leaves no room for the NUL. */
    n = norm_capped("/abc%20%20%20%20", 16, 16, res);
    ck_assert_str_eq(res, "/abc%20%20%20");
    ck_assert_uint_eq(n, 13);
    /* Each invalid byte is an escape of its own. */
    n = norm_capped("/aaaaaaaaa%FF%FF", 16, 16, res);
    ck_assert_str_eq(res, "/aaaaaaaaa%FF");
}
END_TEST

START_TEST(test_cap_inside_character)
{
    char res[16];
    size_t n;

    /* 2-byte characters: 1 + 7 * 2 = 15 bytes fit. */
    n = norm_capped("/\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9"
                    "\xC3\xA9\xC3\xA9", 19, 16, res);
    ck_assert_uint_eq(n, 15);
    ck_assert_str_eq(res, "/\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9"
                          "\xC3\xA9");
    /* 3-byte characters: 1 + 4 * 3 = 13 fit, a fifth would need 16. */
    n = norm_capped("/%E2%82%AC%E2%82%AC%E2%82%AC%E2%82%AC%E2%82%AC", 46, 16, res);
    ck_assert_uint_eq(n, 13);
    ck_assert_str_eq(res, "/\xE2\x82\xAC\xE2\x82\xAC\xE2\x82\xAC\xE2\x82\xAC");
    /* 4-byte characters: 1 + 3 * 4 = 13. */
    n = norm_capped("/\xF0\x9F\x98\x80\xF0\x9F\x98\x80\xF0\x9F\x98\x80"
                    "\xF0\x9F\x98\x80", 17, 16, res);
    ck_assert_uint_eq(n, 13);
    ck_assert_str_eq(res, "/\xF0\x9F\x98\x80\xF0\x9F\x98\x80\xF0\x9F\x98\x80");
    /* A C1 control is escaped as a whole: 6 bytes or nothing. */
    n = norm_capped("/abcdefghi%C2%85", 16, 16, res);
    ck_assert_str_eq(res, "/abcdefghi");
}
END_TEST

static const char *const cap_inputs[] = {
    "/a/b/c/d/e/f/g/h/i/j/k/l", "/%20a%20b%20c%20d%20e%20f%20g",
    "/\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80/\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80",
    "/%FF%FE%FD%C0%AF/%ED%A0%80x", "/blog/", "/abcdefghijklmnopqrstuvwxyz/",
    "/x%2Fy%2Fz%2F/%25%25%25", "/%C2%85%C2%85%C2%85%C2%85", "/a b c d e f g h",
};

/* For every dstsize from 1 to 40: no overflow, NUL-terminated, the result is
 * a prefix of the uncapped result, ends on a character boundary, and never
 * inside an escape. */
START_TEST(test_cap_every_size)
{
    char full[BIG], res[64];
    size_t i, size, n, fn;

    for (i = 0; i < sizeof(cap_inputs) / sizeof(cap_inputs[0]); i++) {
        const char *in = cap_inputs[i];
        fn = path_normalize(full, sizeof(full), in, strlen(in));
        for (size = 1; size <= 40; size++) {
            n = norm_capped(in, strlen(in), size, res);
            if (size == 1) {
                ck_assert_uint_eq(n, 0);
                continue;
            }
            ck_assert_msg(n <= fn && memcmp(res, full, n) == 0,
                          "\"%s\" at %zu: \"%s\" is not a prefix of \"%s\"", in,
                          size, res, full);
            ck_assert_msg(n >= 1 && res[0] == '/', "\"%s\" at %zu: no leading /",
                          in, size);
            ck_assert_msg(utf8_valid(res, n), "\"%s\" at %zu: cut in a character",
                          in, size);
            /* The next byte of the full result starts something new. */
            ck_assert_msg(full[n] == '\0' || full[n] == '/' || full[n] == '%'
                              || ((unsigned char)full[n] & 0xC0) != 0x80,
                          "\"%s\" at %zu: cut inside a character", in, size);
            ck_assert_msg(!(n >= 1 && res[n - 1] == '%')
                              && !(n >= 2 && res[n - 2] == '%'),
                          "\"%s\" at %zu: cut inside an escape: \"%s\"", in, size,
                          res);
            if (fn < size)
                ck_assert_str_eq(res, full);
        }
    }
}
END_TEST

START_TEST(test_cap_tiny_dst)
{
    char res[4];

    ck_assert_uint_eq(norm_capped("/abc", 4, 2, res), 1);
    ck_assert_str_eq(res, "/");
    ck_assert_uint_eq(norm_capped("/abc", 4, 1, res), 0);
    ck_assert_str_eq(res, "");
    ck_assert_uint_eq(norm_capped("/a/", 3, 3, res), 2);
    ck_assert_str_eq(res, "/a");
}
END_TEST

/* A segment cut to "." or ".." is left out: normalizing the result again
 * would resolve it and name another path. Found by tests/fuzz/fuzz_path.c
 * (tests/fuzz/regressions/path-cut-to-dot). */
START_TEST(test_cap_to_dot_segment)
{
    static const struct {
        const char *uri;
        size_t dstsize;
        const char *want;
    } cases[] = {
        { "ht%C3%A9%C1A9/.y/%C3%A9%", 13, "/ht\xC3\xA9%C1A9/" }, /* the fuzzer's */
        { "/abc/.x", 7, "/abc/" },
        { "/abc/..x", 8, "/abc/" },
        { "/abc/..x", 7, "/abc/" },
        { "/abc/...", 8, "/abc/" },
        { "/a/%2Ex", 5, "/a/" },
        { "/..x", 3, "/" },
        { "/..x", 4, "/" },
        /* Not dot segments. */
        { "/abc/..x", 9, "/abc/..x" },
        { "/abc/x..", 8, "/abc/x." },
    };
    char res[16], again[16];
    size_t i, n;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        n = norm_capped(cases[i].uri, strlen(cases[i].uri), cases[i].dstsize, res);
        ck_assert_msg(strcmp(res, cases[i].want) == 0,
                      "\"%s\" at %zu: \"%s\", expected \"%s\"", cases[i].uri,
                      cases[i].dstsize, res, cases[i].want);
        ck_assert_uint_eq(path_normalize(again, sizeof(again), res, n), n);
        ck_assert_str_eq(again, res);
    }
}
END_TEST

START_TEST(test_huge_input)
{
    const size_t size = 100 * 1024;
    char *uri = malloc(size), *res = malloc(513);
    size_t i, n;

    ck_assert_ptr_nonnull(uri);
    ck_assert_ptr_nonnull(res);

    /* One long segment: capped to what fits. */
    uri[0] = '/';
    memset(uri + 1, 'a', size - 1);
    n = norm_capped(uri, size, 513, res);
    ck_assert_uint_eq(n, 512);
    ck_assert_int_eq(res[0], '/');
    for (i = 1; i < n; i++)
        ck_assert_int_eq(res[i], 'a');

    /* Many segments. */
    for (i = 0; i + 9 <= size; i += 9)
        memcpy(uri + i, "/abcdefgh", 9);
    n = norm_capped(uri, i, 513, res);
    ck_assert_uint_le(n, 512);
    ck_assert_uint_ge(n, 500);
    ck_assert(strncmp(res, "/abcdefgh/abcdefgh/", 19) == 0);

    /* Escapes all the way: never cut inside one. */
    for (i = 0; i + 3 <= size; i += 3)
        memcpy(uri + i, "%20", 3);
    uri[0] = '/';
    n = norm_capped(uri, i, 513, res);
    ck_assert_uint_le(n, 512);
    ck_assert_int_eq(res[n - 3], '%');

    /* Only dot segments. */
    for (i = 0; i + 3 <= size; i += 3)
        memcpy(uri + i, "/..", 3);
    n = norm_capped(uri, i, 513, res);
    ck_assert_str_eq(res, "/");

    /* A huge query string is dropped entirely. */
    memset(uri, 'q', size);
    memcpy(uri, "/p?", 3);
    n = norm_capped(uri, size, 513, res);
    ck_assert_str_eq(res, "/p");
    free(uri);
    free(res);
}
END_TEST

/* ---- utf8 ---------------------------------------------------------------- */

/* utf8_decode of the bytes of s (strlen), expecting length want and, when
 * want > 0, code point wantcp. */
static void
check_decode(const char *s, size_t want, uint32_t wantcp)
{
    uint32_t cp = 0xDEADBEEF;
    size_t n = utf8_decode((const unsigned char *)s, strlen(s), &cp);

    ck_assert_msg(n == want, "utf8_decode(%02X...) returned %zu, expected %zu",
                  (unsigned char)s[0], n, want);
    if (want > 0)
        ck_assert_msg(cp == wantcp, "code point U+%04X, expected U+%04X",
                      (unsigned)cp, (unsigned)wantcp);
}

START_TEST(test_utf8_decode_valid)
{
    check_decode("A", 1, 0x41);
    check_decode("\x7F", 1, 0x7F);
    check_decode("\xC2\x80", 2, 0x80);
    check_decode("\xC3\xA9", 2, 0xE9);
    check_decode("\xDF\xBF", 2, 0x7FF);
    check_decode("\xE0\xA0\x80", 3, 0x800);
    check_decode("\xE2\x82\xAC", 3, 0x20AC);
    check_decode("\xED\x9F\xBF", 3, 0xD7FF);
    check_decode("\xEE\x80\x80", 3, 0xE000);
    check_decode("\xEF\xBF\xBF", 3, 0xFFFF);
    check_decode("\xF0\x90\x80\x80", 4, 0x10000);
    check_decode("\xF0\x9F\x98\x80", 4, 0x1F600);
    check_decode("\xF4\x8F\xBF\xBF", 4, 0x10FFFF);
    /* Only the first character counts. */
    check_decode("\xC3\xA9zz", 2, 0xE9);
}
END_TEST

START_TEST(test_utf8_decode_invalid)
{
    uint32_t cp;

    /* Overlong forms. */
    check_decode("\xC0\xAF", 0, 0);
    check_decode("\xC1\xBF", 0, 0);
    check_decode("\xE0\x80\xAF", 0, 0);
    check_decode("\xE0\x9F\xBF", 0, 0);
    check_decode("\xF0\x80\x80\xAF", 0, 0);
    check_decode("\xF0\x8F\xBF\xBF", 0, 0);
    /* Surrogates. */
    check_decode("\xED\xA0\x80", 0, 0);
    check_decode("\xED\xBF\xBF", 0, 0);
    /* Above U+10FFFF. */
    check_decode("\xF4\x90\x80\x80", 0, 0);
    check_decode("\xF5\x80\x80\x80", 0, 0);
    check_decode("\xF7\xBF\xBF\xBF", 0, 0);
    /* Bytes that never start a character. */
    check_decode("\xFF", 0, 0);
    check_decode("\xFE", 0, 0);
    check_decode("\x80", 0, 0);
    check_decode("\xBF", 0, 0);
    /* Bad continuation bytes. */
    check_decode("\xC3\x41", 0, 0);
    check_decode("\xE2\x82\x41", 0, 0);
    check_decode("\xF0\x9F\x98\xC3", 0, 0);
    /* Truncated: fewer bytes available than the sequence needs. */
    ck_assert_uint_eq(utf8_decode((const unsigned char *)"\xC3\xA9", 1, &cp), 0);
    ck_assert_uint_eq(utf8_decode((const unsigned char *)"\xE2\x82\xAC", 2, &cp), 0);
    ck_assert_uint_eq(utf8_decode((const unsigned char *)"\xF0\x9F\x98\x80", 3, &cp),
                      0);
    ck_assert_uint_eq(utf8_decode((const unsigned char *)"A", 0, &cp), 0);
    /* A NUL byte is a well-formed U+0000. */
    ck_assert_uint_eq(utf8_decode((const unsigned char *)"\0", 1, &cp), 1);
    ck_assert_uint_eq(cp, 0);
}
END_TEST

#define FFFD "\xEF\xBF\xBD"

/* utf8_clean of src (srclen bytes) into a dstsize buffer with a canary;
 * checks the result against want. */
static void
check_clean(const char *src, size_t srclen, size_t dstsize, const char *want)
{
    char *dst = malloc(dstsize + 4);
    size_t n;

    ck_assert_ptr_nonnull(dst);
    memset(dst, CANARY, dstsize + 4);
    n = utf8_clean(dst, dstsize, src, srclen);
    for (size_t i = dstsize; i < dstsize + 4; i++)
        ck_assert_msg(dst[i] == CANARY, "utf8_clean wrote past dstsize %zu", dstsize);
    ck_assert_msg(n < dstsize && dst[n] == '\0', "not NUL-terminated in %zu",
                  dstsize);
    ck_assert_str_eq(dst, want);
    ck_assert_uint_eq(n, strlen(want));
    free(dst);
}

START_TEST(test_utf8_clean_replaces)
{
    check_clean("a\tb", 3, 64, "a" FFFD "b");
    check_clean("a\x7F" "b", 3, 64, "a" FFFD "b");
    check_clean("a\xC2\x85" "b", 4, 64, "a" FFFD "b");   /* C1 NEL: one char */
    check_clean("a\xC2\x9F" "b", 4, 64, "a" FFFD "b");
    check_clean("\r\n", 2, 64, FFFD FFFD);
    check_clean("x\0y", 3, 64, "x" FFFD "y");
    check_clean("\xFF\xFE", 2, 64, FFFD FFFD);
    check_clean("\xC0\xAF", 2, 64, FFFD FFFD);
    check_clean("\xED\xA0\x80", 3, 64, FFFD FFFD FFFD);
    check_clean("ab\xC3", 3, 64, "ab" FFFD);             /* truncated at end */
    check_clean("\xE2\x82" "A", 3, 64, FFFD FFFD "A");
}
END_TEST

START_TEST(test_utf8_clean_keeps_valid)
{
    const char *s = "h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80 \xC2\xA0 <\"'\\>";

    check_clean(s, strlen(s), 64, s);
    check_clean("", 0, 1, "");
    /* U+FFFD itself is kept. */
    check_clean(FFFD, 3, 64, FFFD);
}
END_TEST

START_TEST(test_utf8_clean_truncates)
{
    const char *s = "\xC3\xA9\xC3\xA9\xE2\x82\xAC"; /* "éé€", 7 bytes */

    check_clean(s, 7, 8, s);
    check_clean(s, 7, 7, "\xC3\xA9\xC3\xA9");
    check_clean(s, 7, 5, "\xC3\xA9\xC3\xA9");
    check_clean(s, 7, 4, "\xC3\xA9");
    check_clean(s, 7, 2, "");
    check_clean(s, 7, 1, "");
    check_clean("abc", 3, 3, "ab");
    /* A replacement character needs 3 bytes too. */
    check_clean("a\xFF", 2, 4, "a");
    check_clean("a\xFF", 2, 5, "a" FFFD);
}
END_TEST

/* ---- percent ------------------------------------------------------------- */

/* Decodes in with flags into a buffer of cap bytes and checks the result:
 * want (NULL when an error, rc, is expected). */
static void
check_percent(const char *in, int flags, size_t cap, const char *want, long rc)
{
    char out[64];
    long n;

    memset(out, '#', sizeof(out));
    n = percent_decode(out, cap, in, strlen(in), flags);
    if (want == NULL) {
        ck_assert_int_eq(n, rc);
        return;
    }
    ck_assert_int_eq(n, (long)strlen(want));
    ck_assert(memcmp(out, want, (size_t)n) == 0);
    ck_assert_int_eq(out[n], '#');      /* nothing past the length, no NUL */
}

START_TEST(test_percent_lenient)
{
    check_percent("/a%20b", 0, 64, "/a b", 0);
    check_percent("%41%42%43", 0, 64, "ABC", 0);
    check_percent("%c3%A9", 0, 64, "\xC3\xA9", 0);
    check_percent("100%", 0, 64, "100%", 0);        /* invalid: kept */
    check_percent("%4", 0, 64, "%4", 0);
    check_percent("%zz%4g", 0, 64, "%zz%4g", 0);
    check_percent("a+b", 0, 64, "a+b", 0);          /* '+' is text */
}
END_TEST

START_TEST(test_percent_nul_and_bounds)
{
    char out[4];

    ck_assert_int_eq(percent_decode(out, sizeof(out), "%00x", 4, 0), 2);
    ck_assert_int_eq(out[0], '\0');
    ck_assert_int_eq(out[1], 'x');
    /* cap = len always suffices; one less is too long. */
    ck_assert_int_eq(percent_decode(out, 4, "abcd", 4, 0), 4);
    ck_assert_int_eq(percent_decode(out, 3, "abcd", 4, 0), PERCENT_TOO_LONG);
    ck_assert_int_eq(percent_decode(out, 1, "%41", 3, 0), 1);
    ck_assert_int_eq(percent_decode(out, 0, "", 0, PERCENT_STRICT), 0);
}
END_TEST

START_TEST(test_percent_strict_form)
{
    const int f = PERCENT_STRICT | PERCENT_FORM;

    check_percent("a+b%2Bc", f, 64, "a b+c", 0);
    check_percent("%E2%82%AC", f, 64, "\xE2\x82\xAC", 0);
    check_percent("100%", f, 64, NULL, PERCENT_INVALID);
    check_percent("%4", f, 64, NULL, PERCENT_INVALID);
    check_percent("%g1", f, 64, NULL, PERCENT_INVALID);
    check_percent("%1g", PERCENT_STRICT, 64, NULL, PERCENT_INVALID);
    check_percent("abcdef", f, 5, NULL, PERCENT_TOO_LONG);
    check_percent("%41%42", f, 2, "AB", 0);
}
END_TEST

static Suite *
path_suite(void)
{
    Suite *s = suite_create("path");
    TCase *tc;

    tc = tcase_create("core");
    tcase_add_test(tc, test_query_fragment_dropped);
    tcase_add_test(tc, test_empty_segments_merged);
    tcase_add_test(tc, test_dot_segments);
    tcase_add_test(tc, test_trailing_slash_kept);
    tcase_add_test(tc, test_percent_decoding);
    tcase_add_test(tc, test_invalid_escapes);
    tcase_add_test(tc, test_nul_byte);
    tcase_add_test(tc, test_invalid_utf8_escaped);
    tcase_add_test(tc, test_valid_utf8_kept);
    tcase_add_test(tc, test_absolute_form);
    tcase_add_test(tc, test_empty_input);
    tcase_add_test(tc, test_idempotent);
    tcase_add_test(tc, test_many_segments_dotdot);
    suite_add_tcase(s, tc);

    tc = tcase_create("limits");
    tcase_add_test(tc, test_cap_inside_escape);
    tcase_add_test(tc, test_cap_inside_character);
    tcase_add_test(tc, test_cap_every_size);
    tcase_add_test(tc, test_cap_tiny_dst);
    tcase_add_test(tc, test_cap_to_dot_segment);
    tcase_add_test(tc, test_huge_input);
    suite_add_tcase(s, tc);

    tc = tcase_create("utf8");
    tcase_add_test(tc, test_utf8_decode_valid);
    tcase_add_test(tc, test_utf8_decode_invalid);
    tcase_add_test(tc, test_utf8_clean_replaces);
    tcase_add_test(tc, test_utf8_clean_keeps_valid);
    tcase_add_test(tc, test_utf8_clean_truncates);
    suite_add_tcase(s, tc);

    tc = tcase_create("percent");
    tcase_add_test(tc, test_percent_lenient);
    tcase_add_test(tc, test_percent_nul_and_bounds);
    tcase_add_test(tc, test_percent_strict_form);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(path_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
