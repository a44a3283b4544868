/* check_sites.c - unit tests of lib/event/sites.h, the configured sites: parsing
 * the "sites" setting, looking a request's host up, finding a site by name
 * and checking host names.
 *
 * Test cases: "parse" (one site and several, separators, lower case, the
 * trailing dot, the default site, count and names, the spec not kept),
 * "lookup" (sites_lookup: case, trailing dot, ports, IPv6, near misses,
 * the length bound; sites_find: site names only), "valid"
 * (sites_name_valid), "errors" (each refused spec and its message),
 * "limits" (63-byte labels, 253-byte names, SITES_MAX_NAMES names,
 * sites_free(NULL)). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sites.h"

/* Parses spec, which must be accepted. */
static sites *
parse_ok(const char *spec)
{
    char err[256] = "";
    sites *s = sites_parse(spec, err, sizeof(err));

    ck_assert_msg(s != NULL, "sites_parse(\"%s\") failed: %s", spec, err);
    return s;
}

/* Parses spec, which must be refused with a message containing want. */
static void
parse_err(const char *spec, const char *want)
{
    char err[256] = "";
    sites *s = sites_parse(spec, err, sizeof(err));

    ck_assert_msg(s == NULL, "sites_parse(\"%.80s\") succeeded", spec);
    ck_assert_msg(err[0] != '\0', "sites_parse(\"%.80s\") gave no message", spec);
    ck_assert_msg(strstr(err, want) != NULL,
                  "sites_parse(\"%.80s\"): message \"%s\" lacks \"%s\"",
                  spec, err, want);
}

/* sites_lookup of a NUL-terminated host. */
static const char *
look(const sites *s, const char *host)
{
    return sites_lookup(s, host, strlen(host));
}

/* Asserts that host is a host name of the site named want. */
static void
look_is(const sites *s, const char *host, const char *want)
{
    const char *got = look(s, host);

    ck_assert_msg(got != NULL, "sites_lookup(\"%s\") is NULL, not %s", host, want);
    ck_assert_msg(strcmp(got, want) == 0, "sites_lookup(\"%s\") is %s, not %s",
                  host, got, want);
}

/* Asserts that no site has host. */
static void
look_none(const sites *s, const char *host)
{
    const char *got = look(s, host);

    ck_assert_msg(got == NULL, "sites_lookup(\"%s\") is %s, not NULL", host, got);
}

/* Writes n copies of ch to out, then a NUL; returns out + n. */
static char *
fill(char *out, char ch, size_t n)
{
    memset(out, ch, n);
    out[n] = '\0';
    return out + n;
}

/* ---- parse --------------------------------------------------------------- */

START_TEST(test_one_site)
{
    sites *s = parse_ok("example.com");

    ck_assert_uint_eq(sites_count(s), 1);
    ck_assert_str_eq(sites_name(s, 0), "example.com");
    ck_assert_ptr_null(sites_name(s, 1));
    ck_assert_ptr_null(sites_name(s, 1000));
    ck_assert_ptr_null(sites_name(s, (size_t)-1));
    sites_free(s);
}
END_TEST

START_TEST(test_one_site_aliases)
{
    sites *s = parse_ok("example.com www.example.com example.net");

    ck_assert_uint_eq(sites_count(s), 1);
    ck_assert_str_eq(sites_name(s, 0), "example.com");
    ck_assert_ptr_null(sites_name(s, 1));
    look_is(s, "example.com", "example.com");
    look_is(s, "www.example.com", "example.com");
    look_is(s, "example.net", "example.com");
    sites_free(s);
}
END_TEST

START_TEST(test_several_sites)
{
    sites *s = parse_ok("example.com www.example.com, shop.example.com,"
                        "blog.example.org  news.example.org\tb.example.org");

    ck_assert_uint_eq(sites_count(s), 3);
    ck_assert_str_eq(sites_name(s, 0), "example.com");
    ck_assert_str_eq(sites_name(s, 1), "shop.example.com");
    ck_assert_str_eq(sites_name(s, 2), "blog.example.org");
    ck_assert_ptr_null(sites_name(s, 3));
    look_is(s, "www.example.com", "example.com");
    look_is(s, "shop.example.com", "shop.example.com");
    look_is(s, "news.example.org", "blog.example.org");
    look_is(s, "b.example.org", "blog.example.org");
    sites_free(s);
}
END_TEST

START_TEST(test_separators)
{
    /* Spaces and tabs around names and commas, leading and trailing, and
     * runs of them, all separate the same way. */
    static const char *const specs[] = {
        "a.example,b.example b2.example,c.example",
        "a.example, b.example b2.example, c.example",
        "  a.example ,b.example   b2.example ,  c.example  ",
        "\ta.example\t,\tb.example\t\tb2.example\t,\tc.example\t",
        " \t a.example \t , \t b.example \t b2.example \t , \t c.example \t ",
    };

    for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
        sites *s = parse_ok(specs[i]);

        ck_assert_uint_eq(sites_count(s), 3);
        ck_assert_str_eq(sites_name(s, 0), "a.example");
        ck_assert_str_eq(sites_name(s, 1), "b.example");
        ck_assert_str_eq(sites_name(s, 2), "c.example");
        look_is(s, "b2.example", "b.example");
        look_none(s, "");
        look_none(s, " ");
        sites_free(s);
    }
}
END_TEST

START_TEST(test_lower_case)
{
    sites *s = parse_ok("Example.COM WWW.Example.Com, SHOP.EXAMPLE.COM, [2001:DB8::ABCD]");

    ck_assert_uint_eq(sites_count(s), 3);
    ck_assert_str_eq(sites_name(s, 0), "example.com");
    ck_assert_str_eq(sites_name(s, 1), "shop.example.com");
    ck_assert_str_eq(sites_name(s, 2), "[2001:db8::abcd]");
    look_is(s, "www.example.com", "example.com");
    ck_assert_ptr_nonnull(sites_find(s, "shop.example.com"));
    ck_assert_ptr_null(sites_find(s, "SHOP.EXAMPLE.COM"));
    sites_free(s);
}
END_TEST

START_TEST(test_trailing_dot)
{
    sites *s = parse_ok("example.com. www.example.com., other.example.");

    ck_assert_uint_eq(sites_count(s), 2);
    ck_assert_str_eq(sites_name(s, 0), "example.com");
    ck_assert_str_eq(sites_name(s, 1), "other.example");
    look_is(s, "www.example.com", "example.com");
    look_is(s, "www.example.com.", "example.com");
    ck_assert_ptr_nonnull(sites_find(s, "other.example"));
    ck_assert_ptr_null(sites_find(s, "other.example."));
    sites_free(s);
}
END_TEST

START_TEST(test_addresses)
{
    sites *s = parse_ok("192.0.2.1 [2001:db8::1], [::1] 127.0.0.1, [::ffff:192.0.2.7]");

    ck_assert_uint_eq(sites_count(s), 3);
    ck_assert_str_eq(sites_name(s, 0), "192.0.2.1");
    ck_assert_str_eq(sites_name(s, 1), "[::1]");
    ck_assert_str_eq(sites_name(s, 2), "[::ffff:192.0.2.7]");
    look_is(s, "[2001:db8::1]", "192.0.2.1");
    look_is(s, "127.0.0.1", "[::1]");
    look_is(s, "[::FFFF:192.0.2.7]", "[::ffff:192.0.2.7]");
    sites_free(s);
}
END_TEST

START_TEST(test_names_are_stored_valid)
{
    /* Every name sites_parse keeps passes sites_name_valid, whatever case
     * and trailing dot it was given with. */
    sites *s = parse_ok("A.Example., B_1.EXAMPLE, [FE80::1], 10.0.0.1., x-y.example");

    ck_assert_uint_eq(sites_count(s), 5);
    for (size_t i = 0; i < sites_count(s); i++) {
        const char *name = sites_name(s, i);

        ck_assert_ptr_nonnull(name);
        ck_assert_msg(sites_name_valid(name), "stored name \"%s\" is not valid", name);
        ck_assert_ptr_eq(sites_find(s, name), name);
    }
    ck_assert_str_eq(sites_name(s, 0), "a.example");
    ck_assert_str_eq(sites_name(s, 1), "b_1.example");
    ck_assert_str_eq(sites_name(s, 2), "[fe80::1]");
    ck_assert_str_eq(sites_name(s, 3), "10.0.0.1");
    ck_assert_str_eq(sites_name(s, 4), "x-y.example");
    sites_free(s);
}
END_TEST

START_TEST(test_spec_not_kept)
{
    /* The sites copy what they need: spec is neither changed nor used
     * after sites_parse returns. */
    char spec[] = "example.com www.example.com, shop.example.com";
    char copy[sizeof(spec)];
    sites *s;

    memcpy(copy, spec, sizeof(spec));
    s = parse_ok(spec);
    ck_assert_str_eq(spec, copy);
    memset(spec, 'x', sizeof(spec) - 1);
    ck_assert_str_eq(sites_name(s, 0), "example.com");
    ck_assert_str_eq(sites_name(s, 1), "shop.example.com");
    look_is(s, "www.example.com", "example.com");
    sites_free(s);
}
END_TEST

START_TEST(test_independent_parses)
{
    sites *a = parse_ok("a.example, shared.example");
    sites *b = parse_ok("b.example shared.example");

    ck_assert_uint_eq(sites_count(a), 2);
    ck_assert_uint_eq(sites_count(b), 1);
    look_is(a, "shared.example", "shared.example");
    look_is(b, "shared.example", "b.example");
    look_none(a, "b.example");
    look_none(b, "a.example");
    sites_free(a);
    look_is(b, "shared.example", "b.example");
    sites_free(b);
}
END_TEST

/* ---- lookup -------------------------------------------------------------- */

static const char *const lookup_spec =
    "example.com www.example.com, shop.example.com, 192.0.2.1, [::1] localhost";

START_TEST(test_lookup_exact)
{
    sites *s = parse_ok(lookup_spec);

    look_is(s, "example.com", "example.com");
    look_is(s, "www.example.com", "example.com");
    look_is(s, "shop.example.com", "shop.example.com");
    look_is(s, "192.0.2.1", "192.0.2.1");
    look_is(s, "[::1]", "[::1]");
    look_is(s, "localhost", "[::1]");
    sites_free(s);
}
END_TEST

START_TEST(test_lookup_returns_site_name)
{
    /* The string returned is the site's own name, kept by s. */
    sites *s = parse_ok(lookup_spec);

    ck_assert_ptr_eq(look(s, "example.com"), sites_name(s, 0));
    ck_assert_ptr_eq(look(s, "WWW.example.com:80"), sites_name(s, 0));
    ck_assert_ptr_eq(look(s, "shop.example.com"), sites_name(s, 1));
    ck_assert_ptr_eq(look(s, "192.0.2.1"), sites_name(s, 2));
    ck_assert_ptr_eq(look(s, "localhost."), sites_name(s, 3));
    sites_free(s);
}
END_TEST

START_TEST(test_lookup_any_case)
{
    sites *s = parse_ok(lookup_spec);

    look_is(s, "EXAMPLE.COM", "example.com");
    look_is(s, "Www.Example.Com", "example.com");
    look_is(s, "sHoP.eXaMpLe.CoM", "shop.example.com");
    look_is(s, "LOCALHOST", "[::1]");
    sites_free(s);
}
END_TEST

START_TEST(test_lookup_trailing_dot_and_port)
{
    sites *s = parse_ok(lookup_spec);

    look_is(s, "example.com.", "example.com");
    look_is(s, "example.com:8080", "example.com");
    look_is(s, "example.com.:8080", "example.com");
    look_is(s, "WWW.EXAMPLE.COM.:443", "example.com");
    look_is(s, "example.com:", "example.com");
    look_is(s, "192.0.2.1:80", "192.0.2.1");
    look_is(s, "192.0.2.1.", "192.0.2.1");
    look_is(s, "[::1]:8080", "[::1]");
    look_is(s, "[::1]:", "[::1]");
    look_is(s, "localhost:3000", "[::1]");
    /* One trailing dot only, and it must be the last byte of the name. */
    look_none(s, "example.com..");
    look_none(s, "example.com..:80");
    look_none(s, ".example.com");
    sites_free(s);
}
END_TEST

START_TEST(test_lookup_ipv6)
{
    sites *s = parse_ok("[2001:db8::abcd] v6.example, [::1]");

    look_is(s, "[2001:db8::abcd]", "[2001:db8::abcd]");
    look_is(s, "[2001:DB8::ABCD]", "[2001:db8::abcd]");
    look_is(s, "[2001:db8::abcd]:443", "[2001:db8::abcd]");
    look_is(s, "[::1]:8080", "[::1]");
    look_none(s, "[::2]");
    look_none(s, "[::2]:8080");
    look_none(s, "::1");
    look_none(s, "[::1");
    look_none(s, "::1]");
    look_none(s, "[2001:db8::abc]");
    look_none(s, "2001:db8::abcd");
    sites_free(s);
}
END_TEST

START_TEST(test_lookup_not_configured)
{
    sites *s = parse_ok(lookup_spec);

    look_none(s, "example.org");
    look_none(s, "other.example.com");
    look_none(s, "192.0.2.2");
    look_none(s, "[::2]");
    look_none(s, "localhost.localdomain");
    look_none(s, "127.0.0.1");
    sites_free(s);
}
END_TEST

START_TEST(test_lookup_near_misses)
{
    /* Prefixes, suffixes and extensions of configured names are other
     * hosts. */
    sites *s = parse_ok(lookup_spec);

    look_none(s, "ample.com");
    look_none(s, "example.co");
    look_none(s, "example.com.evil");
    look_none(s, "example.com.evil:80");
    look_none(s, "evil.example.com");
    look_none(s, "evilexample.com");
    look_none(s, "example.comm");
    look_none(s, "xexample.com");
    look_none(s, "w.example.com");
    look_none(s, "ww.example.com");
    look_none(s, "www.example.co");
    look_none(s, "hop.example.com");
    look_none(s, "192.0.2.10");
    look_none(s, "192.0.2.");
    look_none(s, "92.0.2.1");
    look_none(s, "localhos");
    look_none(s, "localhost1");
    look_none(s, "example");
    look_none(s, "com");
    sites_free(s);
}
END_TEST

START_TEST(test_lookup_empty)
{
    sites *s = parse_ok(lookup_spec);

    look_none(s, "");
    look_none(s, ".");
    look_none(s, ":");
    look_none(s, ":80");
    look_none(s, ".:80");
    look_none(s, "[]");
    look_none(s, "[");
    ck_assert_ptr_null(sites_lookup(s, "example.com", 0));
    sites_free(s);
}
END_TEST

START_TEST(test_lookup_length_bound)
{
    /* Only host[0..len) is the host: bytes after it are not read as part
     * of it, and the host need not end in a NUL. */
    sites *s = parse_ok(lookup_spec);
    const char buf[11] = { 'e', 'x', 'a', 'm', 'p', 'l', 'e', '.', 'c', 'o', 'm' };

    ck_assert_str_eq(sites_lookup(s, "example.com.evil", 11), "example.com");
    ck_assert_str_eq(sites_lookup(s, "example.comXYZ", 11), "example.com");
    ck_assert_str_eq(sites_lookup(s, buf, sizeof(buf)), "example.com");
    ck_assert_str_eq(sites_lookup(s, "example.com:80junk", 14), "example.com");
    ck_assert_ptr_null(sites_lookup(s, "example.com", 10));
    ck_assert_ptr_null(sites_lookup(s, "example.com", 7));
    /* A NUL inside len is not the end of the host. */
    ck_assert_ptr_null(sites_lookup(s, "example.com\0", 12));
    sites_free(s);
}
END_TEST

START_TEST(test_find_names_only)
{
    sites *s = parse_ok(lookup_spec);

    ck_assert_ptr_eq(sites_find(s, "example.com"), sites_name(s, 0));
    ck_assert_ptr_eq(sites_find(s, "shop.example.com"), sites_name(s, 1));
    ck_assert_ptr_eq(sites_find(s, "192.0.2.1"), sites_name(s, 2));
    ck_assert_ptr_eq(sites_find(s, "[::1]"), sites_name(s, 3));
    /* An alias is a host of a site, not its name. */
    ck_assert_ptr_null(sites_find(s, "www.example.com"));
    ck_assert_ptr_null(sites_find(s, "localhost"));
    /* Exactly the name: no case folding, trailing dot, port or part. */
    ck_assert_ptr_null(sites_find(s, "Example.com"));
    ck_assert_ptr_null(sites_find(s, "EXAMPLE.COM"));
    ck_assert_ptr_null(sites_find(s, "example.com."));
    ck_assert_ptr_null(sites_find(s, "example.com:80"));
    ck_assert_ptr_null(sites_find(s, "[::1]:80"));
    ck_assert_ptr_null(sites_find(s, "example.co"));
    ck_assert_ptr_null(sites_find(s, "ample.com"));
    ck_assert_ptr_null(sites_find(s, "example.com.evil"));
    ck_assert_ptr_null(sites_find(s, "shop"));
    ck_assert_ptr_null(sites_find(s, ""));
    ck_assert_ptr_null(sites_find(s, "other.example"));
    sites_free(s);
}
END_TEST

/* ---- valid --------------------------------------------------------------- */

START_TEST(test_name_valid)
{
    static const char *const good[] = {
        "example.com", "a", "localhost", "www.example.com", "a.b.c.d.e.f",
        "xn--bcher-kva.example", "my_host.example", "_dmarc.example.com",
        "a-b.c", "0.example", "123", "192.0.2.1", "10.0.0.1",
        "[::1]", "[::]", "[2001:db8::1]", "[fe80::abcd:ef01]",
        "[::ffff:192.0.2.1]", "[2001:db8:0:0:0:0:0:1]",
    };
    static const char *const bad[] = {
        "", ".", "..", "Example.com", "EXAMPLE.COM", "example.Com",
        "example.com.", ".example.com", "example..com",
        "example.com:80", "example.com:", "192.0.2.1:80", "[::1]:80",
        "[2001:DB8::1]", "[::ABCD]", "[FE80::1]", "[::1", "::1]", "::1",
        "[]", "[:]", "[::g]", "[::1%eth0]", "[192.0.2.1]", "[[::1]]",
        "[2001:db8::1::2]", "[ ::1]",
        "exa mple.com", "example.com ", " example.com", "exa\tmple.com",
        "example.com\n", "ex\rample.com", "example.com/", "example.com/x",
        "a@b.com", "user@example.com", "a%b.com", "example%2ecom",
        "a*.example", "*.example.com", "a+b.example", "a=b", "a,b", "a;b",
        "a!b", "a\"b", "a'b", "a\\b", "a#b", "a?b", "a~b",
        "\xc3\xa9.example", "b\xfc" "cher.example",
    };

    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        ck_assert_msg(sites_name_valid(good[i]) == 1,
                      "\"%s\" should be valid", good[i]);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ck_assert_msg(sites_name_valid(bad[i]) == 0,
                      "\"%s\" should not be valid", bad[i]);
}
END_TEST

START_TEST(test_name_valid_lengths)
{
    char name[600], *p;

    /* A 63-byte label is fine, 64 is not, alone or among others. */
    fill(name, 'a', 63);
    ck_assert_int_eq(sites_name_valid(name), 1);
    fill(name, 'a', 64);
    ck_assert_int_eq(sites_name_valid(name), 0);
    p = fill(name, 'b', 63);
    strcpy(p, ".example");
    ck_assert_int_eq(sites_name_valid(name), 1);
    strcpy(name, "www.");
    p = fill(name + 4, 'c', 64);
    strcpy(p, ".example");
    ck_assert_int_eq(sites_name_valid(name), 0);

    /* 253 bytes in all is fine, 254 is not, even with short labels. */
    for (size_t len = 250; len <= 256; len++) {
        for (size_t i = 0; i < len; i++)
            name[i] = i % 2 ? '.' : 'x';
        if (len % 2 == 0)
            name[len - 1] = 'y';    /* never end with a dot */
        name[len] = '\0';
        ck_assert_uint_eq(strlen(name), len);
        ck_assert_msg(sites_name_valid(name) == (len <= SITES_NAME_MAX),
                      "a %zu-byte name is %s", len, len <= SITES_NAME_MAX
                      ? "refused" : "accepted");
    }
    fill(name, 'z', 500);
    ck_assert_int_eq(sites_name_valid(name), 0);
}
END_TEST

/* ---- errors -------------------------------------------------------------- */

START_TEST(test_error_empty)
{
    parse_err("", "no site is named");
    parse_err(" ", "no site is named");
    parse_err("   \t  \t", "no site is named");
}
END_TEST

START_TEST(test_error_empty_site)
{
    parse_err(",", "a site between commas has no host name");
    parse_err(",,", "a site between commas has no host name");
    parse_err(" , ", "a site between commas has no host name");
    parse_err("a.example,,b.example", "a site between commas has no host name");
    parse_err("a.example, ,b.example", "a site between commas has no host name");
    parse_err("a.example,\t,b.example", "a site between commas has no host name");
    parse_err("a.example,", "a site between commas has no host name");
    parse_err("a.example, ", "a site between commas has no host name");
    parse_err("a.example b.example , \t", "a site between commas has no host name");
    parse_err(",a.example", "a site between commas has no host name");
    parse_err(" , a.example", "a site between commas has no host name");
}
END_TEST

START_TEST(test_error_not_a_name)
{
    parse_err("example.com/", "\"example.com/\" is not a host name");
    parse_err("example.com/path", "\"example.com/path\" is not a host name");
    parse_err("http://example.com", "is not a host name");
    parse_err("user@example.com", "\"user@example.com\" is not a host name");
    parse_err("a%b.example", "\"a%b.example\" is not a host name");
    parse_err("example.com:8080", "\"example.com:8080\" is not a host name");
    parse_err("[::1]:8080", "\"[::1]:8080\" is not a host name");
    parse_err("example..com", "\"example..com\" is not a host name");
    parse_err(".example.com", "\".example.com\" is not a host name");
    parse_err("example.com..", "is not a host name");
    parse_err(".", "is not a host name");
    parse_err("*.example.com", "is not a host name");
    /* Space-like bytes other than space and tab are part of a name. */
    parse_err("example.com\nwww.example.com", "is not a host name");
    parse_err("example.com\rwww.example.com", "is not a host name");
    parse_err("example.com\vwww.example.com", "is not a host name");
    parse_err("example.com\fwww.example.com", "is not a host name");
    parse_err("example.com\xc2\xa0www.example.com", "is not a host name");
    parse_err("example.com;www.example.com", "is not a host name");
    parse_err("\xc3\xa9.example", "is not a host name");
    /* The bad name is found among good ones, in any site. */
    parse_err("a.example b/.example", "\"b/.example\" is not a host name");
    parse_err("a.example, b.example c@d.example", "\"c@d.example\" is not a host name");
    /* The message says what a host name looks like. */
    parse_err("x/y", "like example.com, 192.0.2.1 or [2001:db8::1]");
}
END_TEST

START_TEST(test_error_bad_ipv6)
{
    parse_err("[::1", "\"[::1\" is not a host name");
    parse_err("::1", "\"::1\" is not a host name");
    parse_err("[]", "\"[]\" is not a host name");
    parse_err("[::g]", "\"[::g]\" is not a host name");
    parse_err("[2001:db8::1::2]", "is not a host name");
    parse_err("[fe80::1%eth0]", "is not a host name");
    parse_err("[192.0.2.1]", "\"[192.0.2.1]\" is not a host name");
    parse_err("[1:2:3:4:5:6:7:8:9]", "is not a host name");
    parse_err("example.com [::1", "\"[::1\" is not a host name");
}
END_TEST

START_TEST(test_upper_ipv6_lowered)
{
    /* Upper-case hex is not how a name is stored, so sites_name_valid
     * refuses it, but sites_parse lowers it first and takes it. */
    sites *s;

    ck_assert_int_eq(sites_name_valid("[2001:DB8::1]"), 0);
    ck_assert_int_eq(sites_name_valid("[2001:db8::1]"), 1);
    s = parse_ok("[2001:DB8::1]");
    ck_assert_str_eq(sites_name(s, 0), "[2001:db8::1]");
    ck_assert_int_eq(sites_name_valid(sites_name(s, 0)), 1);
    ck_assert_ptr_nonnull(sites_find(s, "[2001:db8::1]"));
    ck_assert_ptr_null(sites_find(s, "[2001:DB8::1]"));
    look_is(s, "[2001:Db8::1]", "[2001:db8::1]");
    sites_free(s);
}
END_TEST

START_TEST(test_error_twice)
{
    parse_err("example.com example.com", "\"example.com\" is named twice");
    parse_err("example.com www.example.com www.example.com",
              "\"www.example.com\" is named twice");
    /* Across sites, as a name or an alias. */
    parse_err("example.com, example.com", "\"example.com\" is named twice");
    parse_err("example.com www.example.com, shop.example.com www.example.com",
              "\"www.example.com\" is named twice");
    parse_err("example.com, shop.example.com example.com",
              "\"example.com\" is named twice");
    /* Differing only in case or a trailing dot is the same name. */
    parse_err("example.com EXAMPLE.COM", "\"example.com\" is named twice");
    parse_err("Example.com, example.COM", "\"example.com\" is named twice");
    parse_err("example.com, example.com.", "\"example.com\" is named twice");
    parse_err("[::1] localhost, [::1]", "\"[::1]\" is named twice");
    parse_err("[2001:db8::a], [2001:DB8::A]", "\"[2001:db8::a]\" is named twice");
    parse_err("192.0.2.1, 192.0.2.1.", "\"192.0.2.1\" is named twice");
}
END_TEST

START_TEST(test_error_small_buffer)
{
    /* The message is cut to fit errlen and still ends in a NUL. */
    char err[8];

    memset(err, 'x', sizeof(err));
    ck_assert_ptr_null(sites_parse("", err, sizeof(err)));
    ck_assert_uint_eq(strlen(err), sizeof(err) - 1);
    ck_assert_int_eq(strncmp(err, "no site", 7), 0);
    memset(err, 'x', sizeof(err));
    ck_assert_ptr_null(sites_parse("a/b", err, sizeof(err)));
    ck_assert_uint_eq(strlen(err), sizeof(err) - 1);
    ck_assert_str_eq(err, "\"a/b\" i");
}
END_TEST

/* ---- limits -------------------------------------------------------------- */

START_TEST(test_label_length)
{
    char spec[300], *p;
    sites *s;

    /* 63 bytes in a label are fine. */
    p = fill(spec, 'a', 63);
    strcpy(p, ".example");
    s = parse_ok(spec);
    ck_assert_str_eq(sites_name(s, 0), spec);
    sites_free(s);

    /* 64 are not, in the first label or another. */
    p = fill(spec, 'a', 64);
    strcpy(p, ".example");
    parse_err(spec, "is not a host name");
    strcpy(spec, "www.");
    p = fill(spec + 4, 'b', 64);
    strcpy(p, ".example");
    parse_err(spec, "is not a host name");
    strcpy(spec, "ok.example ");
    fill(spec + 11, 'c', 64);
    parse_err(spec, "is not a host name");
}
END_TEST

/* Writes a DNS name of exactly len bytes to out: ch in labels of 63 (the
 * last one shorter), never ending in a dot. */
static void
long_name(char *out, size_t len, char ch)
{
    memset(out, ch, len);
    for (size_t i = 63; i + 1 < len; i += 64)
        out[i] = '.';
    out[len] = '\0';
}

START_TEST(test_name_length)
{
    char spec[700], name[600];
    sites *s;

    /* 253 bytes are fine, also with a trailing dot (254 given). */
    long_name(name, 253, 'a');
    ck_assert_uint_eq(strlen(name), 253);
    ck_assert_int_eq(sites_name_valid(name), 1);
    s = parse_ok(name);
    ck_assert_str_eq(sites_name(s, 0), name);
    look_is(s, name, name);
    sites_free(s);
    snprintf(spec, sizeof(spec), "%s.", name);
    s = parse_ok(spec);
    ck_assert_str_eq(sites_name(s, 0), name);
    sites_free(s);
    /* An alias of 253 too. */
    snprintf(spec, sizeof(spec), "example.com %s", name);
    s = parse_ok(spec);
    look_is(s, name, "example.com");
    sites_free(s);

    /* 254 and more are not, with or without a trailing dot. */
    long_name(name, 254, 'b');
    ck_assert_uint_eq(strlen(name), 254);
    ck_assert_int_eq(sites_name_valid(name), 0);
    parse_err(name, "a host name is longer than 253 bytes");
    snprintf(spec, sizeof(spec), "%s.", name);
    parse_err(spec, "a host name is longer than 253 bytes");
    snprintf(spec, sizeof(spec), "example.com, shop.example.com %s", name);
    parse_err(spec, "a host name is longer than 253 bytes");
    long_name(name, 500, 'c');
    parse_err(name, "a host name is longer than 253 bytes");
}
END_TEST

/* Writes a spec of n host names to out: in one site when one_site, else
 * each its own site. */
static char *
many_names(size_t n, int one_site)
{
    size_t size = n * 24 + 1, used = 0;
    char *out = malloc(size);

    ck_assert_ptr_nonnull(out);
    out[0] = '\0';
    for (size_t i = 0; i < n; i++)
        used += (size_t)snprintf(out + used, size - used, "%sh%zu.example",
                                 i == 0 ? "" : one_site ? " " : ", ", i);
    return out;
}

START_TEST(test_max_names_sites)
{
    char *spec = many_names(SITES_MAX_NAMES, 0);
    char name[32];
    sites *s = parse_ok(spec);

    ck_assert_uint_eq(sites_count(s), SITES_MAX_NAMES);
    ck_assert_str_eq(sites_name(s, 0), "h0.example");
    snprintf(name, sizeof(name), "h%d.example", SITES_MAX_NAMES - 1);
    ck_assert_str_eq(sites_name(s, SITES_MAX_NAMES - 1), name);
    ck_assert_ptr_null(sites_name(s, SITES_MAX_NAMES));
    for (size_t i = 0; i < SITES_MAX_NAMES; i++) {
        snprintf(name, sizeof(name), "h%zu.example", i);
        ck_assert_ptr_eq(look(s, name), sites_name(s, i));
        ck_assert_ptr_eq(sites_find(s, name), sites_name(s, i));
    }
    snprintf(name, sizeof(name), "h%d.example", SITES_MAX_NAMES);
    look_none(s, name);
    sites_free(s);
    free(spec);

    spec = many_names(SITES_MAX_NAMES + 1, 0);
    parse_err(spec, "more than 256 host names");
    free(spec);
}
END_TEST

START_TEST(test_max_names_one_site)
{
    char *spec = many_names(SITES_MAX_NAMES, 1);
    char name[32];
    sites *s = parse_ok(spec);

    ck_assert_uint_eq(sites_count(s), 1);
    ck_assert_ptr_null(sites_name(s, 1));
    for (size_t i = 0; i < SITES_MAX_NAMES; i++) {
        snprintf(name, sizeof(name), "H%zu.EXAMPLE.", i);
        look_is(s, name, "h0.example");
    }
    ck_assert_ptr_null(sites_find(s, "h1.example"));
    sites_free(s);
    free(spec);

    spec = many_names(SITES_MAX_NAMES + 1, 1);
    parse_err(spec, "more than 256 host names");
    free(spec);
    spec = many_names(2 * SITES_MAX_NAMES, 1);
    parse_err(spec, "more than 256 host names");
    free(spec);
}
END_TEST

START_TEST(test_free_null)
{
    sites_free(NULL);
    /* A parsed set frees cleanly too, once used or not. */
    sites_free(parse_ok("example.com"));
}
END_TEST

static Suite *
sites_suite(void)
{
    Suite *s = suite_create("sites");
    TCase *tc;

    tc = tcase_create("parse");
    tcase_add_test(tc, test_one_site);
    tcase_add_test(tc, test_one_site_aliases);
    tcase_add_test(tc, test_several_sites);
    tcase_add_test(tc, test_separators);
    tcase_add_test(tc, test_lower_case);
    tcase_add_test(tc, test_trailing_dot);
    tcase_add_test(tc, test_addresses);
    tcase_add_test(tc, test_names_are_stored_valid);
    tcase_add_test(tc, test_spec_not_kept);
    tcase_add_test(tc, test_independent_parses);
    suite_add_tcase(s, tc);

    tc = tcase_create("lookup");
    tcase_add_test(tc, test_lookup_exact);
    tcase_add_test(tc, test_lookup_returns_site_name);
    tcase_add_test(tc, test_lookup_any_case);
    tcase_add_test(tc, test_lookup_trailing_dot_and_port);
    tcase_add_test(tc, test_lookup_ipv6);
    tcase_add_test(tc, test_lookup_not_configured);
    tcase_add_test(tc, test_lookup_near_misses);
    tcase_add_test(tc, test_lookup_empty);
    tcase_add_test(tc, test_lookup_length_bound);
    tcase_add_test(tc, test_find_names_only);
    suite_add_tcase(s, tc);

    tc = tcase_create("valid");
    tcase_add_test(tc, test_name_valid);
    tcase_add_test(tc, test_name_valid_lengths);
    suite_add_tcase(s, tc);

    tc = tcase_create("errors");
    tcase_add_test(tc, test_error_empty);
    tcase_add_test(tc, test_error_empty_site);
    tcase_add_test(tc, test_error_not_a_name);
    tcase_add_test(tc, test_error_bad_ipv6);
    tcase_add_test(tc, test_upper_ipv6_lowered);
    tcase_add_test(tc, test_error_twice);
    tcase_add_test(tc, test_error_small_buffer);
    suite_add_tcase(s, tc);

    tc = tcase_create("limits");
    tcase_add_test(tc, test_label_length);
    tcase_add_test(tc, test_name_length);
    tcase_add_test(tc, test_max_names_sites);
    tcase_add_test(tc, test_max_names_one_site);
    tcase_add_test(tc, test_free_null);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(sites_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
