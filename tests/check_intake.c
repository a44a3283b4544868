/* check_intake.c - unit tests of lib/record/intake.h, what a client sends for a
 * page view (the events API's JSON body, the pixel's query string) turned
 * into the checked fields of a visit event, against the sites
 * "example.com www.example.com, shop.example.com, [::1] 127.0.0.1".
 *
 * Test cases: "split" (intake_url_split: http and https in any case, the
 * host and where the path begins, ports, IPv6, no path, query and
 * fragment, empty hosts, userinfo, other schemes, control characters,
 * space and DEL anywhere, len respected on unterminated buffers), "site"
 * (intake_url_site and intake_origin_site: aliases, ports, what an origin
 * is, "null" and "", unknown hosts), "referrer" (intake_referrer: the same
 * site by any name, scheme or port emptied, others kept, the output cut),
 * "event" (intake_parse_event: the accepted bodies and what is taken from
 * them, JSON escapes, the size limit, each refusal with its status and
 * reason, origins), "pixel" (intake_parse_pixel: the accepted queries and
 * each refusal). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "intake.h"

static const char *const spec =
    "example.com www.example.com, shop.example.com, [::1] 127.0.0.1";

static sites *all;

/* Checked fixture: the sites every test uses. */
static void
sites_setup(void)
{
    char err[256] = "";

    all = sites_parse(spec, err, sizeof(err));
    ck_assert_msg(all != NULL, "sites_parse(\"%s\") failed: %s", spec, err);
}

static void
sites_teardown(void)
{
    sites_free(all);
    all = NULL;
}

/* Returns a copy of s[0..len) in a buffer of exactly len bytes, without a
 * NUL, so that a read past len is caught by the address sanitizer. */
static char *
dup_exact(const char *s, size_t len)
{
    char *p = malloc(len ? len : 1);

    ck_assert_ptr_nonnull(p);
    memcpy(p, s, len);
    return p;
}

/* Asserts that the site name got is want (NULL for none), and the very
 * string the sites keep. */
static void
site_is(const char *what, const char *in, const char *got, const char *want)
{
    if (want == NULL) {
        ck_assert_msg(got == NULL, "%s(\"%s\") is \"%s\", not NULL", what, in, got);
        return;
    }
    ck_assert_msg(got != NULL, "%s(\"%s\") is NULL, not \"%s\"", what, in, want);
    ck_assert_msg(strcmp(got, want) == 0, "%s(\"%s\") is \"%s\", not \"%s\"", what,
                  in, got, want);
    ck_assert_msg(got == sites_find(all, want),
                  "%s(\"%s\") is not the sites' own string", what, in);
}

/* ---- split --------------------------------------------------------------- */

/* Splits url[0..len) (in an exact-size buffer), which must succeed with
 * host want_host and a path want_path running to the end. */
static void
split_len_ok(const char *url, size_t len, const char *want_host, const char *want_path)
{
    char *buf = dup_exact(url, len);
    const char *host = NULL, *path = NULL;
    size_t hostlen = (size_t)-1;
    int rc = intake_url_split(buf, len, &host, &hostlen, &path);

    ck_assert_msg(rc == 0, "intake_url_split(\"%.*s\") is %d, not 0", (int)len, url, rc);
    ck_assert_msg(host >= buf && host <= buf + len && hostlen <= len
                  && host + hostlen <= buf + len,
                  "intake_url_split(\"%.*s\"): host not inside the url", (int)len, url);
    ck_assert_msg(path >= buf && path <= buf + len,
                  "intake_url_split(\"%.*s\"): path not inside the url", (int)len, url);
    ck_assert_msg(hostlen == strlen(want_host) && memcmp(host, want_host, hostlen) == 0,
                  "intake_url_split(\"%.*s\"): host \"%.*s\", not \"%s\"", (int)len, url,
                  (int)hostlen, host, want_host);
    ck_assert_msg((size_t)(buf + len - path) == strlen(want_path)
                  && memcmp(path, want_path, strlen(want_path)) == 0,
                  "intake_url_split(\"%.*s\"): path \"%.*s\", not \"%s\"", (int)len, url,
                  (int)(buf + len - path), path, want_path);
    free(buf);
}

static void
split_ok(const char *url, const char *want_host, const char *want_path)
{
    split_len_ok(url, strlen(url), want_host, want_path);
}

/* Splits url[0..len), which must be refused. */
static void
split_len_bad(const char *url, size_t len)
{
    char *buf = dup_exact(url, len);
    const char *host = NULL, *path = NULL;
    size_t hostlen = 0;
    int rc = intake_url_split(buf, len, &host, &hostlen, &path);

    ck_assert_msg(rc == -1, "intake_url_split(\"%.*s\", %zu) is %d, not -1", (int)len,
                  url, len, rc);
    free(buf);
}

static void
split_bad(const char *url)
{
    split_len_bad(url, strlen(url));
}

START_TEST(test_split_schemes)
{
    split_ok("http://example.com/a", "example.com", "/a");
    split_ok("https://example.com/a", "example.com", "/a");
    split_ok("HTTP://example.com/a", "example.com", "/a");
    split_ok("HTTPS://example.com/a", "example.com", "/a");
    split_ok("HtTpS://example.com/a", "example.com", "/a");
    split_ok("hTTp://Example.COM/A/B", "Example.COM", "/A/B");
    /* The host is returned as it came, not lower-cased. */
    split_ok("https://WWW.EXAMPLE.COM/", "WWW.EXAMPLE.COM", "/");
}
END_TEST

START_TEST(test_split_pointers_into_url)
{
    static const char url[] = "https://shop.example.com/cart?x=1";
    const char *host = NULL, *path = NULL;
    size_t hostlen = 0;

    ck_assert_int_eq(intake_url_split(url, sizeof(url) - 1, &host, &hostlen, &path), 0);
    ck_assert_ptr_eq(host, url + 8);
    ck_assert_uint_eq(hostlen, strlen("shop.example.com"));
    ck_assert_ptr_eq(path, url + 8 + strlen("shop.example.com"));
}
END_TEST

START_TEST(test_split_port_not_in_host)
{
    /* intake.h: "its host (without port or userinfo)". */
    split_ok("http://example.com:8080/a", "example.com", "/a");
    split_ok("https://example.com:443", "example.com", "");
    split_ok("https://example.com:8443?q=1", "example.com", "?q=1");
    split_ok("http://[::1]:8080/x", "[::1]", "/x");
    split_ok("http://127.0.0.1:80/", "127.0.0.1", "/");
}
END_TEST

START_TEST(test_split_ipv6)
{
    split_ok("http://[::1]/x", "[::1]", "/x");
    split_ok("https://[2001:db8::1]", "[2001:db8::1]", "");
    split_ok("https://[2001:DB8::ABCD]/a?b", "[2001:DB8::ABCD]", "/a?b");
}
END_TEST

START_TEST(test_split_no_path)
{
    split_ok("http://example.com", "example.com", "");
    split_ok("https://e", "e", "");
    split_ok("https://127.0.0.1", "127.0.0.1", "");
}
END_TEST

START_TEST(test_split_query_fragment)
{
    split_ok("https://example.com/p?q=1#f", "example.com", "/p?q=1#f");
    split_ok("https://example.com?q=1", "example.com", "?q=1");
    split_ok("https://example.com?q=1#f", "example.com", "?q=1#f");
    split_ok("https://example.com#f", "example.com", "#f");
    split_ok("https://example.com/a/b/c/?x=/y&z=%20", "example.com",
             "/a/b/c/?x=/y&z=%20");
    /* An '@' past the host is no userinfo. */
    split_ok("https://example.com/@user", "example.com", "/@user");
    split_ok("https://example.com/?u=a@b", "example.com", "/?u=a@b");
    split_ok("https://example.com#a@b", "example.com", "#a@b");
    /* Bytes past ASCII are neither controls nor space. */
    split_ok("https://example.com/caf\xc3\xa9", "example.com", "/caf\xc3\xa9");
}
END_TEST

START_TEST(test_split_empty_host)
{
    split_bad("http://");
    split_bad("https://");
    split_bad("http:///");
    split_bad("https:///path");
    split_bad("http://?q=1");
    split_bad("http://#f");
    /* A port alone is no host either. */
    split_bad("http://:80/");
    split_bad("https://:443");
}
END_TEST

START_TEST(test_split_userinfo)
{
    split_bad("http://user@example.com/");
    split_bad("https://user:secret@example.com/");
    split_bad("https://@example.com/");
    split_bad("https://example.com@evil.example/");
    split_bad("https://evil.example\\@example.com/");
    split_bad("https://user@example.com");
    split_bad("https://user@[::1]:80/");
}
END_TEST

START_TEST(test_split_other_schemes)
{
    static const char *const bad[] = {
        "ftp://example.com/",
        "javascript:alert(1)",
        "JAVASCRIPT://example.com/%0aalert(1)",
        "//example.com/",
        "/relative/path",
        "relative",
        "example.com",
        "example.com/pricing",
        "http:/example.com/",
        "http:example.com",
        "http:\\\\example.com/",
        "httpx://example.com/",
        "httpss://example.com/",
        "htt://example.com/",
        "ws://example.com/",
        "file:///etc/passwd",
        "data:text/html,hi",
        "mailto:a@example.com",
        "http",
        "https:",
        "https:/",
        "", "null",
    };

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        split_bad(bad[i]);
}
END_TEST

START_TEST(test_split_controls_anywhere)
{
    /* Each of these bytes, put at any position of a good URL, or replacing
     * any byte of it, makes it refused. */
    static const char good[] = "https://example.com:80/p?q=1#f";
    static const char badch[] = { '\0', '\x01', '\t', '\n', '\r', '\x1b', '\x1f', ' ',
                                  '\x7f' };
    char url[sizeof(good) + 1];
    size_t n = sizeof(good) - 1;

    for (size_t c = 0; c < sizeof(badch); c++) {
        for (size_t pos = 0; pos <= n; pos++) {
            /* Inserted. */
            memcpy(url, good, pos);
            url[pos] = badch[c];
            memcpy(url + pos + 1, good + pos, n - pos);
            split_len_bad(url, n + 1);
            /* Replacing. */
            if (pos < n) {
                memcpy(url, good, n);
                url[pos] = badch[c];
                split_len_bad(url, n);
            }
        }
    }
    split_bad(" https://example.com/");
    split_bad("https://example.com/a b");
    split_bad("https://example.com/ ");
    split_bad("https://exa mple.com/");
}
END_TEST

START_TEST(test_split_len)
{
    static const char url[] = "http://example.com/a b\x7f";

    /* Only len bytes count: what follows them is not looked at (and the
     * buffers of split_len_ok hold no NUL, so the sanitizer catches any
     * read past len). */
    split_len_ok(url, 20, "example.com", "/a");
    split_len_ok(url, 19, "example.com", "/");
    split_len_ok(url, 18, "example.com", "");
    split_len_ok(url, 11, "exam", "");
    split_len_ok(url, 8, "e", "");
    split_len_bad(url, 7);      /* "http://" */
    split_len_bad(url, 6);      /* "http:/" */
    split_len_bad(url, 4);
    split_len_bad(url, 0);
    split_len_bad(url, 22);     /* includes the space */
    split_len_bad(url, sizeof(url) - 1);
    split_len_bad("https://example.com", 7);    /* "https:/" */
    split_len_ok("https://example.com/x?y", 21, "example.com", "/x");
}
END_TEST

/* ---- site ---------------------------------------------------------------- */

static void
url_site_is(const char *url, const char *want)
{
    site_is("intake_url_site", url, intake_url_site(all, url), want);
}

static void
origin_site_is(const char *origin, const char *want)
{
    site_is("intake_origin_site", origin, intake_origin_site(all, origin), want);
}

START_TEST(test_url_site)
{
    url_site_is("https://example.com/", "example.com");
    url_site_is("https://example.com", "example.com");
    url_site_is("http://www.example.com/pricing?x=1", "example.com");
    url_site_is("HTTP://WWW.Example.COM/a", "example.com");
    url_site_is("https://example.com:8443/a", "example.com");
    url_site_is("https://www.example.com:80", "example.com");
    url_site_is("https://example.com./", "example.com");
    url_site_is("https://shop.example.com/cart", "shop.example.com");
    url_site_is("http://shop.example.com:8080#x", "shop.example.com");
    url_site_is("http://[::1]/", "[::1]");
    url_site_is("http://[::1]:8080/x", "[::1]");
    url_site_is("http://127.0.0.1/", "[::1]");
    url_site_is("http://127.0.0.1:3000?a", "[::1]");
}
END_TEST

START_TEST(test_url_site_none)
{
    url_site_is("https://example.org/", NULL);
    url_site_is("https://evil.example.com/", NULL);
    url_site_is("https://example.com.evil/", NULL);
    url_site_is("https://wwwexample.com/", NULL);
    url_site_is("https://127.0.0.2/", NULL);
    url_site_is("https://[::2]/", NULL);
    url_site_is("ftp://example.com/", NULL);
    url_site_is("//example.com/", NULL);
    url_site_is("/pricing", NULL);
    url_site_is("example.com", NULL);
    url_site_is("https://user@example.com/", NULL);
    url_site_is("https://example.com/a b", NULL);
    url_site_is("https://", NULL);
    url_site_is("", NULL);
}
END_TEST

START_TEST(test_origin_site)
{
    origin_site_is("https://example.com", "example.com");
    origin_site_is("http://example.com", "example.com");
    origin_site_is("HTTPS://EXAMPLE.COM", "example.com");
    origin_site_is("https://www.example.com", "example.com");
    origin_site_is("https://www.example.com:8443", "example.com");
    origin_site_is("https://example.com:443", "example.com");
    origin_site_is("http://shop.example.com", "shop.example.com");
    origin_site_is("http://[::1]:3000", "[::1]");
    origin_site_is("http://127.0.0.1", "[::1]");
}
END_TEST

START_TEST(test_origin_site_none)
{
    /* scheme://host[:port] and nothing more. */
    origin_site_is("https://example.com/", NULL);
    origin_site_is("https://example.com/pricing", NULL);
    origin_site_is("https://example.com:8443/", NULL);
    origin_site_is("https://example.com?x=1", NULL);
    origin_site_is("https://example.com#f", NULL);
    origin_site_is("https://example.com ", NULL);
    origin_site_is("null", NULL);
    origin_site_is("", NULL);
    origin_site_is("https://example.org", NULL);
    origin_site_is("https://evil.example.com", NULL);
    origin_site_is("https://user@example.com", NULL);
    origin_site_is("example.com", NULL);
    origin_site_is("//example.com", NULL);
    origin_site_is("chrome-extension://abcdef", NULL);
    origin_site_is("https://", NULL);
}
END_TEST

/* ---- referrer ------------------------------------------------------------ */

/* intake_referrer into a 64-byte buffer; out must be want. */
static void
ref_is(const char *site, const char *ref, const char *want)
{
    char out[64];

    memset(out, 'Z', sizeof(out));
    intake_referrer(all, site, ref, out, sizeof(out));
    ck_assert_msg(memchr(out, '\0', sizeof(out)) != NULL,
                  "intake_referrer(%s, \"%s\") is not terminated", site, ref);
    ck_assert_msg(strcmp(out, want) == 0,
                  "intake_referrer(%s, \"%s\") is \"%s\", not \"%s\"",
                  site, ref, out, want);
}

START_TEST(test_referrer_same_site)
{
    ref_is("example.com", "https://example.com/", "");
    ref_is("example.com", "https://example.com/pricing?x=1#f", "");
    ref_is("example.com", "https://example.com", "");
    ref_is("example.com", "http://example.com/a", "");
    ref_is("example.com", "https://www.example.com/a", "");
    ref_is("example.com", "HTTP://WWW.EXAMPLE.COM/A", "");
    ref_is("example.com", "https://www.example.com:8443/a", "");
    ref_is("example.com", "http://example.com:80", "");
    ref_is("shop.example.com", "https://shop.example.com/cart", "");
    ref_is("[::1]", "http://127.0.0.1:8080/x", "");
    ref_is("[::1]", "http://[::1]/", "");
    ref_is("example.com", "", "");
}
END_TEST

START_TEST(test_referrer_kept)
{
    ref_is("example.com", "https://shop.example.com/cart",
           "https://shop.example.com/cart");
    ref_is("shop.example.com", "https://www.example.com/", "https://www.example.com/");
    ref_is("example.com", "http://127.0.0.1/", "http://127.0.0.1/");
    ref_is("[::1]", "https://example.com/", "https://example.com/");
    ref_is("example.com", "https://search.example/?q=visits",
           "https://search.example/?q=visits");
    ref_is("example.com", "https://evil.example.com/", "https://evil.example.com/");
    ref_is("example.com", "https://example.com.evil/", "https://example.com.evil/");
    /* Not http(s) URLs of the site: kept as they are. */
    ref_is("example.com", "android-app://com.example/", "android-app://com.example/");
    ref_is("example.com", "//example.com/", "//example.com/");
    ref_is("example.com", "not a url", "not a url");
}
END_TEST

START_TEST(test_referrer_cut)
{
    char out[32];

    memset(out, 'Z', sizeof(out));
    intake_referrer(all, "example.com", "https://search.example/?q=visits", out, 10);
    ck_assert_str_eq(out, "https://s");
    for (size_t i = 10; i < sizeof(out); i++)
        ck_assert_int_eq(out[i], 'Z');

    memset(out, 'Z', sizeof(out));
    intake_referrer(all, "example.com", "https://search.example/", out, 1);
    ck_assert_str_eq(out, "");
    ck_assert_int_eq(out[1], 'Z');

    /* Exactly fitting, and one byte short. */
    intake_referrer(all, "example.com", "https://a.example/", out, 19);
    ck_assert_str_eq(out, "https://a.example/");
    intake_referrer(all, "example.com", "https://a.example/", out, 18);
    ck_assert_str_eq(out, "https://a.example");

    /* A page of the site is "" whatever the room. */
    memset(out, 'Z', sizeof(out));
    intake_referrer(all, "example.com", "https://www.example.com/long/page", out, 5);
    ck_assert_str_eq(out, "");
}
END_TEST

/* ---- event --------------------------------------------------------------- */

/* Parses body (from an exact-size buffer) sent from origin, which must be
 * accepted as a view of site want_site with uri want_uri and ref want_ref. */
static void
event_len_ok(const char *body, size_t len, const char *origin, const char *want_site,
             const char *want_uri, const char *want_ref)
{
    char *buf = dup_exact(body, len), err[256] = "";
    intake_view v;
    int rc;

    memset(&v, 'X', sizeof(v));
    v.site = NULL;
    rc = intake_parse_event(all, buf, len, origin, &v, err, sizeof(err));
    ck_assert_msg(rc == 0, "intake_parse_event(%.*s, origin \"%s\") is %d: %s", (int)len,
                  body, origin, rc, err);
    site_is("intake_parse_event", body, v.site, want_site);
    ck_assert_msg(memchr(v.uri, '\0', sizeof(v.uri)) && strcmp(v.uri, want_uri) == 0,
                  "intake_parse_event(%.*s): uri \"%.80s\", not \"%s\"", (int)len, body,
                  v.uri, want_uri);
    ck_assert_msg(memchr(v.ref, '\0', sizeof(v.ref)) && strcmp(v.ref, want_ref) == 0,
                  "intake_parse_event(%.*s): ref \"%.80s\", not \"%s\"", (int)len, body,
                  v.ref, want_ref);
    free(buf);
}

static void
event_ok(const char *body, const char *origin, const char *want_site,
         const char *want_uri, const char *want_ref)
{
    event_len_ok(body, strlen(body), origin, want_site, want_uri, want_ref);
}

/* Parses body[0..len) from origin, which must be refused with status and
 * a one-line reason containing want. */
static void
event_len_err(const char *body, size_t len, const char *origin, int status,
              const char *want)
{
    char *buf = dup_exact(body, len), err[256] = "";
    intake_view v;
    int rc = intake_parse_event(all, buf, len, origin, &v, err, sizeof(err));

    ck_assert_msg(rc == status,
                  "intake_parse_event(%.*s, origin \"%s\") is %d, not %d (%s)",
                  (int)(len > 200 ? 200 : len), body, origin, rc, status, err);
    ck_assert_msg(err[0] != '\0', "intake_parse_event(%.*s) gave no reason",
                  (int)(len > 200 ? 200 : len), body);
    ck_assert_msg(strchr(err, '\n') == NULL && strchr(err, '\r') == NULL,
                  "intake_parse_event(%.*s): reason \"%s\" is not one line",
                  (int)(len > 200 ? 200 : len), body, err);
    ck_assert_msg(strstr(err, want) != NULL,
                  "intake_parse_event(%.*s): reason \"%s\" lacks \"%s\"",
                  (int)(len > 200 ? 200 : len), body, err, want);
    free(buf);
}

static void
event_err(const char *body, const char *origin, int status, const char *want)
{
    event_len_err(body, strlen(body), origin, status, want);
}

#define NOT_SITE "is not one of the sites counted here"
#define NOT_URL "url must be an absolute http or https URL"
#define NOT_JSON "the body must be a JSON object"

START_TEST(test_event_ok)
{
    event_ok("{\"site\":\"example.com\",\"url\":\"https://example.com/pricing\"}", "",
             "example.com", "/pricing", "");
    event_ok("{\"site\":\"shop.example.com\","
             "\"url\":\"https://shop.example.com/cart?id=7\","
             "\"referrer\":\"https://search.example/?q=shoes\"}",
             "", "shop.example.com", "/cart?id=7", "https://search.example/?q=shoes");
    event_ok("{\"site\":\"[::1]\",\"url\":\"http://127.0.0.1:8080/dev\"}", "", "[::1]",
             "/dev", "");
    /* Members in any order, whitespace anywhere JSON allows it. */
    event_ok(" \t\r\n{ \"referrer\" : \"https://a.example/\" ,\n\"url\":"
             "\"https://example.com/x\" , \"site\" : \"example.com\" }\n ",
             "", "example.com", "/x", "https://a.example/");
}
END_TEST

START_TEST(test_event_aliases)
{
    /* The site by an alias; a url of an alias host: the site's name. */
    event_ok("{\"site\":\"www.example.com\",\"url\":\"https://example.com/a\"}", "",
             "example.com", "/a", "");
    event_ok("{\"site\":\"example.com\",\"url\":\"https://www.example.com/a?b=1\"}", "",
             "example.com", "/a?b=1", "");
    event_ok("{\"site\":\"www.example.com\",\"url\":\"HTTP://WWW.EXAMPLE.COM:8080/A\"}",
             "", "example.com", "/A", "");
    event_ok("{\"site\":\"127.0.0.1\",\"url\":\"http://[::1]:3000/\"}", "", "[::1]", "/",
             "");
}
END_TEST

START_TEST(test_event_uri)
{
    /* "/" when the url has no path. */
    event_ok("{\"site\":\"example.com\",\"url\":\"https://example.com\"}", "",
             "example.com", "/", "");
    event_ok("{\"site\":\"example.com\",\"url\":\"https://example.com:8443\"}", "",
             "example.com", "/", "");
    event_ok("{\"site\":\"example.com\",\"url\":\"https://example.com/\"}", "",
             "example.com", "/", "");
    /* Path and query as they came: not normalized here. */
    event_ok("{\"site\":\"example.com\","
             "\"url\":\"https://example.com/a/../b//c?x=%20&y\"}",
             "", "example.com", "/a/../b//c?x=%20&y", "");
    event_ok("{\"site\":\"example.com\",\"url\":\"https://example.com/caf\xc3\xa9\"}", "",
             "example.com", "/caf\xc3\xa9", "");
}
END_TEST

START_TEST(test_event_uri_query_fragment)
{
    /* A query without a path, and a fragment: the header promises the
     * page's "path and query"; either the query alone or with a "/"
     * before it, and the fragment dropped or kept, identify the page. */
    static const struct {
        const char *url, *a, *b, *c, *d;
    } cases[] = {
        { "https://example.com?x=1", "?x=1", "/?x=1", NULL, NULL },
        { "https://example.com/p?x=1#top", "/p?x=1", "/p?x=1#top", NULL, NULL },
        { "https://example.com/p#top", "/p", "/p#top", NULL, NULL },
        { "https://example.com#top", "/", "#top", "/#top", NULL },
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char body[256], err[256] = "";
        intake_view v;
        int rc;

        snprintf(body, sizeof(body), "{\"site\":\"example.com\",\"url\":\"%s\"}",
                 cases[i].url);
        rc = intake_parse_event(all, body, strlen(body), "", &v, err, sizeof(err));
        ck_assert_msg(rc == 0, "%s: %d %s", body, rc, err);
        ck_assert_msg(strcmp(v.uri, cases[i].a) == 0 || strcmp(v.uri, cases[i].b) == 0
                      || (cases[i].c && strcmp(v.uri, cases[i].c) == 0),
                      "url %s: uri \"%s\"", cases[i].url, v.uri);
    }
}
END_TEST

START_TEST(test_event_referrer)
{
    /* Kept when another site's page or an external one. */
    event_ok("{\"site\":\"example.com\",\"url\":\"https://example.com/\","
             "\"referrer\":\"https://shop.example.com/cart\"}",
             "", "example.com", "/", "https://shop.example.com/cart");
    event_ok("{\"site\":\"example.com\",\"url\":\"https://example.com/\","
             "\"referrer\":\"android-app://com.google.android.gm/\"}",
             "", "example.com", "/", "android-app://com.google.android.gm/");
    /* Emptied when a page of the same site, by any of its names. */
    event_ok("{\"site\":\"example.com\",\"url\":\"https://example.com/b\","
             "\"referrer\":\"https://example.com/a\"}",
             "", "example.com", "/b", "");
    event_ok("{\"site\":\"example.com\",\"url\":\"https://example.com/b\","
             "\"referrer\":\"http://www.example.com:8080/a\"}",
             "", "example.com", "/b", "");
    event_ok("{\"site\":\"[::1]\",\"url\":\"http://[::1]/b\","
             "\"referrer\":\"http://127.0.0.1/a\"}",
             "", "[::1]", "/b", "");
    /* Empty, or absent. */
    event_ok("{\"site\":\"example.com\",\"url\":\"https://example.com/\","
             "\"referrer\":\"\"}",
             "", "example.com", "/", "");
    event_ok("{\"site\":\"example.com\",\"url\":\"https://example.com/\"}", "",
             "example.com", "/", "");
}
END_TEST

START_TEST(test_event_escapes)
{
    event_ok("{\"site\":\"example.com\",\"url\":\"https://example.com\\u002fpricing\"}",
             "", "example.com", "/pricing", "");
    event_ok("{\"site\":\"example\\u002ecom\","
             "\"url\":\"https:\\/\\/www.example.com\\/a\"}",
             "", "example.com", "/a", "");
    event_ok("{\"s\\u0069te\":\"shop.example.com\","
             "\"\\u0075rl\":\"https://shop.example.com"
             "/\\u00e9\",\"referrer\":\"https://a.example/\\\"q\\\\\"}",
             "", "shop.example.com", "/\xc3\xa9", "https://a.example/\"q\\");
    event_ok("{\"site\":\"example.com\",\"url\":\"https://example.com/\\ud83d\\ude00\"}",
             "", "example.com", "/\xf0\x9f\x98\x80", "");
    /* A decoded control character in the url is refused like a raw one. */
    event_err("{\"site\":\"example.com\",\"url\":\"https://example.com/a\\tb\"}", "", 400,
              NOT_URL);
    event_err("{\"site\":\"example.com\",\"url\":\"https://example.com/a\\u007fb\"}", "",
              400, NOT_URL);
}
END_TEST

START_TEST(test_event_len)
{
    static const char body[] =
        "{\"site\":\"example.com\",\"url\":\"https://example.com/x\"}garbage";

    /* Only len bytes: the buffer is not NUL-terminated there. */
    event_len_ok(body, sizeof(body) - 1 - strlen("garbage"), "", "example.com", "/x", "");
    event_len_err(body, sizeof(body) - 1, "", 400, NOT_JSON);
    event_len_err(body, sizeof(body) - 1 - strlen("garbage") - 1, "", 400, NOT_JSON);
}
END_TEST

/* Writes a body of exactly len bytes to out: site example.com, and a url
 * padded with 'a' to fit. Returns the url's length. */
static size_t
sized_body(char *out, size_t len)
{
    static const char head[] = "{\"site\":\"example.com\",\"url\":\"https://example.com/";
    static const char tail[] = "\"}";
    size_t pad = len - (sizeof(head) - 1) - (sizeof(tail) - 1);

    memcpy(out, head, sizeof(head) - 1);
    memset(out + sizeof(head) - 1, 'a', pad);
    memcpy(out + sizeof(head) - 1 + pad, tail, sizeof(tail));
    ck_assert_uint_eq(strlen(out), len);
    return strlen("https://example.com/") + pad;
}

START_TEST(test_event_size)
{
    static char body[INTAKE_BODY_MAX + 64], want[INTAKE_BODY_MAX + 2];
    size_t urllen;

    /* At the limit: accepted, the whole url kept. */
    urllen = sized_body(body, INTAKE_BODY_MAX);
    want[0] = '/';
    memset(want + 1, 'a', urllen - strlen("https://example.com/"));
    want[urllen - strlen("https://example.com")] = '\0';
    event_ok(body, "", "example.com", want, "");

    /* One byte more: 413, whatever the body is. */
    sized_body(body, INTAKE_BODY_MAX + 1);
    event_err(body, "", 413, "larger than 2048 bytes");
    memset(body, ' ', INTAKE_BODY_MAX + 1);
    body[INTAKE_BODY_MAX + 1] = '\0';
    body[0] = '{';
    body[INTAKE_BODY_MAX] = '}';
    event_err(body, "", 413, "larger than");
    memset(body, 'x', sizeof(body) - 1);
    body[sizeof(body) - 1] = '\0';
    event_err(body, "", 413, "larger than");
    /* The limit is checked before anything is read of the body. */
    {
        char err[256] = "";
        intake_view v;

        ck_assert_int_eq(intake_parse_event(all, "{}", (size_t)1 << 30, "", &v, err,
                                            sizeof(err)), 413);
        ck_assert_ptr_nonnull(strstr(err, "larger than"));
    }
}
END_TEST

START_TEST(test_event_url_max)
{
    /* A url of more than INTAKE_URL_MAX bytes does not fit a body of
     * INTAKE_BODY_MAX (JSON escapes only make it shorter once decoded),
     * so the longest url that can come is accepted whole, and a body of
     * a longer one is refused as too large. */
    static char body[INTAKE_BODY_MAX + 64];
    char err[256];
    intake_view v;
    size_t urllen = sized_body(body, INTAKE_BODY_MAX);

    ck_assert_uint_le(urllen, INTAKE_URL_MAX);
    ck_assert_int_eq(intake_parse_event(all, body, strlen(body), "", &v, err,
                                        sizeof(err)), 0);
    ck_assert_uint_eq(strlen(v.uri), urllen - strlen("https://example.com"));
    sized_body(body, INTAKE_BODY_MAX + 10);
    event_err(body, "", 413, "larger than");
}
END_TEST

START_TEST(test_event_not_json)
{
    event_len_err("", 0, "", 400, NOT_JSON);
    event_err(" ", "", 400, NOT_JSON);
    event_err("hello", "", 400, NOT_JSON);
    event_err("site=example.com&url=https://example.com/", "", 400, NOT_JSON);
    event_err("{", "", 400, NOT_JSON);
    event_err("{\"site\":\"example.com\",\"url\":\"https://example.com/\"", "", 400,
              NOT_JSON);
    event_err("{\"site\":\"example.com\",\"url\":\"https://example.com/\",}", "", 400,
              NOT_JSON);
    event_err("{\"site\":\"example.com\" \"url\":\"https://example.com/\"}", "", 400,
              NOT_JSON);
    event_err("{'site':'example.com','url':'https://example.com/'}", "", 400, NOT_JSON);
    event_err("{\"site\":\"example.com\",\"url\":\"https://example.com/\xff\"}", "", 400,
              NOT_JSON);
    event_err("{\"site\":\"example.com\",\"url\":\"https://example.com/\\x\"}", "", 400,
              NOT_JSON);
    event_err("{\"site\":\"example.com\",\"url\":\"https://example.com/\\u0000\"}", "",
              400, NOT_JSON);
    event_err("{\"site\":\"example.com\",\"url\":\"https://example.com/a\tb\"}", "", 400,
              NOT_JSON);
}
END_TEST

START_TEST(test_event_not_object)
{
    event_err("[]", "", 400, "not a json object");
    event_err("[{\"site\":\"example.com\",\"url\":\"https://example.com/\"}]", "", 400,
              NOT_JSON);
    event_err("\"example.com\"", "", 400, NOT_JSON);
    event_err("42", "", 400, NOT_JSON);
    event_err("null", "", 400, NOT_JSON);
    event_err("true", "", 400, NOT_JSON);
}
END_TEST

START_TEST(test_event_trailing)
{
    event_err("{\"site\":\"example.com\",\"url\":\"https://example.com/\"} x", "", 400,
              NOT_JSON);
    event_err("{\"site\":\"example.com\",\"url\":\"https://example.com/\"}{}", "", 400,
              NOT_JSON);
    event_err("{\"site\":\"example.com\",\"url\":\"https://example.com/\"},", "", 400,
              NOT_JSON);
    {
        static const char nul[] =
            "{\"site\":\"example.com\",\"url\":\"https://example.com/\"}\0";

        event_len_err(nul, sizeof(nul), "", 400, NOT_JSON);   /* both NULs */
        event_len_err(nul, sizeof(nul) - 1, "", 400, NOT_JSON);
    }
}
END_TEST

START_TEST(test_event_unknown_field)
{
    event_err("{\"site\":\"example.com\",\"url\":\"https://example.com/\","
              "\"path\":\"/x\"}", "",
              400, "unknown field \"path\"");
    event_err("{\"title\":\"Home\",\"site\":\"example.com\","
              "\"url\":\"https://example.com/\"}",
              "", 400, "\"title\"");
    /* Names are matched exactly: case, prefixes, extensions. */
    event_err("{\"Site\":\"example.com\",\"url\":\"https://example.com/\"}", "", 400,
              "unknown field \"Site\"");
    event_err("{\"site\":\"example.com\",\"URL\":\"https://example.com/\"}", "", 400,
              "unknown field \"URL\"");
    event_err("{\"sit\":\"example.com\",\"url\":\"https://example.com/\"}", "", 400,
              "unknown field \"sit\"");
    event_err("{\"site\":\"example.com\",\"url\":\"https://example.com/\",\"ref\":\"x\"}",
              "", 400, "unknown field \"ref\"");
    event_err("{\"site\":\"example.com\",\"url\":\"https://example.com/\","
              "\"referrerx\":\"\"}",
              "", 400, "unknown field \"referrerx\"");
    event_err("{\"\":\"x\",\"site\":\"example.com\",\"url\":\"https://example.com/\"}",
              "", 400,
              "unknown field \"\"");
    /* A key longer than JSON_STRICT_KEY_MAX that begins with a known name. */
    event_err("{\"siteXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"
              "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"
              "\":\"example.com\",\"url\":\"https://example.com/\"}",
              "", 400, "unknown field \"siteXXXX");
    /* Whatever its value. */
    event_err("{\"site\":\"example.com\",\"url\":\"https://example.com/\","
              "\"n\":{\"a\":[1]}}",
              "", 400, "unknown field \"n\"");
}
END_TEST

START_TEST(test_event_duplicate)
{
    event_err("{\"site\":\"example.com\",\"site\":\"example.com\","
              "\"url\":\"https://example.com/\"}",
              "", 400, "\"site\" is given twice");
    event_err("{\"site\":\"example.com\",\"url\":\"https://example.com/\","
              "\"url\":\"https://example.com/b\"}",
              "", 400, "\"url\" is given twice");
    event_err("{\"site\":\"example.com\",\"url\":\"https://example.com/\","
              "\"referrer\":\"\",\"referrer\":\"\"}",
              "", 400, "\"referrer\" is given twice");
    /* The same key spelled with an escape. */
    event_err("{\"site\":\"example.com\",\"s\\u0069te\":\"shop.example.com\","
              "\"url\":\"https://example.com/\"}",
              "", 400, "\"site\" is given twice");
}
END_TEST

START_TEST(test_event_not_string)
{
    static const char *const fields[] = { "site", "url", "referrer" };
    static const char *const values[] = { "1", "-0.5", "null", "true", "false", "[]",
                                          "{}", "[\"example.com\"]",
                                          "{\"a\":\"example.com\"}" };
    char body[256], want[64];

    for (size_t f = 0; f < 3; f++) {
        for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
            snprintf(body, sizeof(body), "{\"site\":%s,\"url\":%s,\"referrer\":%s}",
                     f == 0 ? values[i] : "\"example.com\"",
                     f == 1 ? values[i] : "\"https://example.com/\"",
                     f == 2 ? values[i] : "\"\"");
            snprintf(want, sizeof(want), "\"%s\" must be a string", fields[f]);
            event_err(body, "", 400, want);
        }
    }
}
END_TEST

START_TEST(test_event_missing)
{
    event_err("{}", "", 400, "\"site\" is missing");
    event_err("{\"url\":\"https://example.com/\"}", "", 400, "\"site\" is missing");
    event_err("{\"referrer\":\"https://a.example/\"}", "", 400, "\"site\" is missing");
    event_err("{\"site\":\"example.com\"}", "", 400, "\"url\" is missing");
    event_err("{\"site\":\"example.com\",\"referrer\":\"\"}", "", 400,
              "\"url\" is missing");
}
END_TEST

START_TEST(test_event_unknown_site)
{
    static const char *const bad[] = {
        "example.org", "", "ample.com", "example.co", "evil.example.com",
        "example.com.evil", "shop", "127.0.0.2", "[::2]", "::1",
        /* A site with a port is no site name. */
        "example.com:80", "www.example.com:443", "example.com:", "shop.example.com:8080",
        "127.0.0.1:80", "[::1]:80", "[::1]:",
    };
    char body[256];

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        snprintf(body, sizeof(body), "{\"site\":\"%s\",\"url\":\"https://example.com/\"}",
                 bad[i]);
        event_err(body, "", 403, NOT_SITE);
    }
    /* The reason names the site given. */
    event_err("{\"site\":\"example.org\",\"url\":\"https://example.org/\"}", "", 403,
              "\"example.org\"");
}
END_TEST

START_TEST(test_event_url_other_site)
{
    event_err("{\"site\":\"example.com\",\"url\":\"https://shop.example.com/\"}", "", 403,
              "url is not a page of site \"example.com\"");
    event_err("{\"site\":\"www.example.com\",\"url\":\"https://shop.example.com/\"}", "",
              403, "url is not a page of site \"example.com\"");
    event_err("{\"site\":\"shop.example.com\",\"url\":\"https://www.example.com/\"}", "",
              403, "url is not a page of site \"shop.example.com\"");
    event_err("{\"site\":\"[::1]\",\"url\":\"http://example.com/\"}", "", 403,
              "url is not a page of site \"[::1]\"");
    event_err("{\"site\":\"example.com\",\"url\":\"https://example.org/\"}", "", 403,
              "url is not a page of site");
    event_err("{\"site\":\"example.com\",\"url\":\"https://evil.example.com/\"}", "", 403,
              "url is not a page of site");
}
END_TEST

START_TEST(test_event_url_not_http)
{
    static const char *const bad[] = {
        "", "ftp://example.com/", "//example.com/", "/pricing", "example.com/pricing",
        "javascript:alert(1)", "https://user@example.com/", "https://example.com/a b",
        "https://", "http:/example.com/", "file:///etc/passwd",
    };
    char body[256];

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        snprintf(body, sizeof(body), "{\"site\":\"example.com\",\"url\":\"%s\"}", bad[i]);
        event_err(body, "", 400, NOT_URL);
    }
}
END_TEST

START_TEST(test_event_origin)
{
    static const char body[] =
        "{\"site\":\"example.com\",\"url\":\"https://example.com/\"}";

    /* Of the same site, by any of its names and ports. */
    event_ok(body, "https://example.com", "example.com", "/", "");
    event_ok(body, "http://example.com", "example.com", "/", "");
    event_ok(body, "https://www.example.com", "example.com", "/", "");
    event_ok(body, "https://www.example.com:8443", "example.com", "/", "");
    event_ok("{\"site\":\"[::1]\",\"url\":\"http://[::1]/\"}", "http://127.0.0.1:3000",
             "[::1]", "/", "");
    /* Of another site, or not one. */
    event_err(body, "https://shop.example.com", 403,
              "origin is not site \"example.com\"");
    event_err(body, "https://example.org", 403, "origin is not site");
    event_err(body, "http://127.0.0.1", 403, "origin is not site");
    /* Not an origin at all. */
    event_err(body, "https://example.com/", 403, "origin is not site");
    event_err(body, "https://example.com/pricing", 403, "origin is not site");
    event_err(body, "example.com", 403, "origin is not site");
    event_err(body, "null", 403, "origin is not site");
    event_err(body, "https://user@example.com", 403, "origin is not site");
    event_err(body, "https://example.com ", 403, "origin is not site");
}
END_TEST

/* The reason is one line even when it quotes what the client sent,
 * which JSON escapes may fill with line breaks. */
START_TEST(test_event_reason_one_line_site)
{
    event_err("{\"site\":\"evil\\nInjected: 1\",\"url\":\"https://example.com/\"}", "",
              403, "evil");
    event_err("{\"site\":\"a\\rb\",\"url\":\"https://example.com/\"}", "", 403,
              NOT_SITE);
}
END_TEST

START_TEST(test_event_reason_one_line_key)
{
    event_err("{\"a\\r\\nb\":\"x\",\"site\":\"example.com\","
              "\"url\":\"https://example.com/\"}",
              "", 400, "unknown field");
}
END_TEST

START_TEST(test_event_err_cut)
{
    /* The reason is cut to errlen, and terminated. */
    char err[16];
    intake_view v;

    memset(err, 'Z', sizeof(err));
    ck_assert_int_eq(intake_parse_event(all, "{}", 2, "", &v, err, 8), 400);
    ck_assert_uint_eq(strlen(err), 7);
    for (size_t i = 8; i < sizeof(err); i++)
        ck_assert_int_eq(err[i], 'Z');
}
END_TEST

/* ---- pixel --------------------------------------------------------------- */

static void
pixel_ok(const char *query, const char *want_site, const char *want_uri,
         const char *want_ref)
{
    char err[256] = "";
    intake_view v;
    int rc;

    memset(&v, 'X', sizeof(v));
    v.site = NULL;
    rc = intake_parse_pixel(all, query, &v, err, sizeof(err));
    ck_assert_msg(rc == 0, "intake_parse_pixel(\"%s\") is %d: %s", query, rc, err);
    site_is("intake_parse_pixel", query, v.site, want_site);
    ck_assert_msg(strcmp(v.uri, want_uri) == 0,
                  "intake_parse_pixel(\"%s\"): uri \"%s\", not \"%s\"",
                  query, v.uri, want_uri);
    ck_assert_msg(strcmp(v.ref, want_ref) == 0,
                  "intake_parse_pixel(\"%s\"): ref \"%s\", not \"%s\"",
                  query, v.ref, want_ref);
}

static void
pixel_err(const char *query, int status, const char *want)
{
    char err[256] = "";
    intake_view v;
    int rc = intake_parse_pixel(all, query, &v, err, sizeof(err));

    ck_assert_msg(rc == status, "intake_parse_pixel(\"%s\") is %d, not %d (%s)",
                  query ? query : "(null)", rc, status, err);
    ck_assert_msg(err[0] != '\0', "intake_parse_pixel(\"%s\") gave no reason",
                  query ? query : "(null)");
    ck_assert_msg(strchr(err, '\n') == NULL,
                  "intake_parse_pixel(\"%s\"): \"%s\" not one line",
                  query ? query : "(null)", err);
    ck_assert_msg(strstr(err, want) != NULL,
                  "intake_parse_pixel(\"%s\"): reason \"%s\" lacks \"%s\"",
                  query ? query : "(null)", err, want);
}

#define U_HOME "url=https%3A%2F%2Fexample.com%2F"

START_TEST(test_pixel_ok)
{
    pixel_ok("site=example.com&url=https%3A%2F%2Fexample.com%2Fpricing%3Fplan%3Dpro"
             "&ref=https%3A%2F%2Fsearch.example%2F%3Fq%3Dvisits",
             "example.com", "/pricing?plan=pro", "https://search.example/?q=visits");
    /* Any order, by an alias, unescaped where the query allows it. */
    pixel_ok("ref=https://a.example/&url=https://www.example.com/a&site=www.example.com",
             "example.com", "/a", "https://a.example/");
    pixel_ok("site=shop.example.com&url=https%3A%2F%2Fshop.example.com",
             "shop.example.com",
             "/", "");
    pixel_ok("site=127.0.0.1&url=http%3A%2F%2F%5B%3A%3A1%5D%3A8080%2Fx", "[::1]", "/x",
             "");
    /* Empty pieces are skipped. */
    pixel_ok("&&site=example.com&&" U_HOME "&", "example.com", "/", "");
    /* The referrer of the same site emptied, an empty one kept empty. */
    pixel_ok("site=example.com&" U_HOME "&ref=https%3A%2F%2Fwww.example.com%2Fb",
             "example.com", "/", "");
    pixel_ok("site=example.com&" U_HOME "&ref=", "example.com", "/", "");
    pixel_ok("site=example.com&" U_HOME "&ref", "example.com", "/", "");
    pixel_ok("site=example.com&" U_HOME "&ref=https%3A%2F%2Fshop.example.com%2F",
             "example.com", "/", "https://shop.example.com/");
    /* Escapes decoded once. */
    pixel_ok("site=example.com&url=https%3A%2F%2Fexample.com%2Fa%2520b", "example.com",
             "/a%20b", "");
}
END_TEST

START_TEST(test_pixel_unknown_param)
{
    pixel_err("site=example.com&" U_HOME "&v=1", 400, "unknown parameter \"v\"");
    pixel_err("referrer=x&site=example.com&" U_HOME, 400,
              "unknown parameter \"referrer\"");
    pixel_err("Site=example.com&" U_HOME, 400, "unknown parameter \"Site\"");
    pixel_err("site=example.com&" U_HOME "&=x", 400, "unknown parameter \"\"");
    pixel_err("site=example.com&" U_HOME "&sitex", 400, "unknown parameter \"sitex\"");
}
END_TEST

START_TEST(test_pixel_repeated)
{
    pixel_err("site=example.com&site=example.com&" U_HOME, 400,
              "\"site\" is given twice");
    pixel_err("site=example.com&" U_HOME "&" U_HOME, 400, "\"url\" is given twice");
    pixel_err("site=example.com&" U_HOME "&ref=a&ref=b", 400, "\"ref\" is given twice");
    pixel_err("site=example.com&" U_HOME "&ref&ref", 400, "\"ref\" is given twice");
    pixel_err("site=example.com&" U_HOME "&s%69te=example.com", 400,
              "\"site\" is given twice");
}
END_TEST

START_TEST(test_pixel_missing)
{
    pixel_err(U_HOME, 400, "\"site\" is missing");
    pixel_err(U_HOME "&ref=x", 400, "\"site\" is missing");
    pixel_err("site=example.com", 400, "\"url\" is missing");
    pixel_err("site=example.com&ref=https%3A%2F%2Fa.example%2F", 400,
              "\"url\" is missing");
    pixel_err("", 400, "is missing");
    pixel_err("&&&", 400, "is missing");
    pixel_err(NULL, 400, "is missing");
}
END_TEST

START_TEST(test_pixel_bad_query)
{
    pixel_err("site=example.com&url=https%3A%2F%2Fexample.com%2F%zz", 400,
              "the query string");
    pixel_err("site=example.com&url=https%3A%2F%2Fexample.com%2F%4", 400,
              "the query string");
    pixel_err("site=example.com&url=https%3A%2F%2Fexample.com%2F%", 400,
              "the query string");
    pixel_err("site=example%2&" U_HOME, 400, "the query string");
    pixel_err("site=example.com&url=https%3A%2F%2Fexample.com%2F%00", 400,
              "the query string");
    pixel_err("site=example.com&url=https%3A%2F%2Fexample.com%2F%0a", 400,
              "the query string");
    pixel_err("site=example.com&url=https%3A%2F%2Fexample.com%2F%ff", 400,
              "the query string");
}
END_TEST

START_TEST(test_pixel_unknown_site)
{
    pixel_err("site=example.org&" U_HOME, 403, NOT_SITE);
    pixel_err("site=&" U_HOME, 403, NOT_SITE);
    pixel_err("site&" U_HOME, 403, NOT_SITE);
    pixel_err("site=example.com%3A80&" U_HOME, 403, NOT_SITE);
    pixel_err("site=example.com:80&" U_HOME, 403, NOT_SITE);
    pixel_err("site=%5B%3A%3A1%5D%3A80&url=http%3A%2F%2F%5B%3A%3A1%5D%2F", 403, NOT_SITE);
}
END_TEST

START_TEST(test_pixel_bad_url)
{
    pixel_err("site=example.com&url=https%3A%2F%2Fshop.example.com%2F", 403,
              "url is not a page of site \"example.com\"");
    pixel_err("site=example.com&url=ftp%3A%2F%2Fexample.com%2F", 400, NOT_URL);
    pixel_err("site=example.com&url=%2Fpricing", 400, NOT_URL);
    pixel_err("site=example.com&url=", 400, NOT_URL);
    /* '+' is a space, which no URL holds. */
    pixel_err("site=example.com&url=https://example.com/a+b", 400, NOT_URL);
    pixel_err("site=example.com&url=https%3A%2F%2Fuser%40example.com%2F", 400, NOT_URL);
}
END_TEST

static Suite *
intake_suite(void)
{
    Suite *s = suite_create("intake");
    TCase *tc;

    tc = tcase_create("split");
    tcase_add_test(tc, test_split_schemes);
    tcase_add_test(tc, test_split_pointers_into_url);
    tcase_add_test(tc, test_split_port_not_in_host);
    tcase_add_test(tc, test_split_ipv6);
    tcase_add_test(tc, test_split_no_path);
    tcase_add_test(tc, test_split_query_fragment);
    tcase_add_test(tc, test_split_empty_host);
    tcase_add_test(tc, test_split_userinfo);
    tcase_add_test(tc, test_split_other_schemes);
    tcase_add_test(tc, test_split_controls_anywhere);
    tcase_add_test(tc, test_split_len);
    suite_add_tcase(s, tc);

    tc = tcase_create("site");
    tcase_add_checked_fixture(tc, sites_setup, sites_teardown);
    tcase_add_test(tc, test_url_site);
    tcase_add_test(tc, test_url_site_none);
    tcase_add_test(tc, test_origin_site);
    tcase_add_test(tc, test_origin_site_none);
    suite_add_tcase(s, tc);

    tc = tcase_create("referrer");
    tcase_add_checked_fixture(tc, sites_setup, sites_teardown);
    tcase_add_test(tc, test_referrer_same_site);
    tcase_add_test(tc, test_referrer_kept);
    tcase_add_test(tc, test_referrer_cut);
    suite_add_tcase(s, tc);

    tc = tcase_create("event");
    tcase_add_checked_fixture(tc, sites_setup, sites_teardown);
    tcase_add_test(tc, test_event_ok);
    tcase_add_test(tc, test_event_aliases);
    tcase_add_test(tc, test_event_uri);
    tcase_add_test(tc, test_event_uri_query_fragment);
    tcase_add_test(tc, test_event_referrer);
    tcase_add_test(tc, test_event_escapes);
    tcase_add_test(tc, test_event_len);
    tcase_add_test(tc, test_event_size);
    tcase_add_test(tc, test_event_url_max);
    tcase_add_test(tc, test_event_not_json);
    tcase_add_test(tc, test_event_not_object);
    tcase_add_test(tc, test_event_trailing);
    tcase_add_test(tc, test_event_unknown_field);
    tcase_add_test(tc, test_event_duplicate);
    tcase_add_test(tc, test_event_not_string);
    tcase_add_test(tc, test_event_missing);
    tcase_add_test(tc, test_event_unknown_site);
    tcase_add_test(tc, test_event_url_other_site);
    tcase_add_test(tc, test_event_url_not_http);
    tcase_add_test(tc, test_event_origin);
    tcase_add_test(tc, test_event_reason_one_line_site);
    tcase_add_test(tc, test_event_reason_one_line_key);
    tcase_add_test(tc, test_event_err_cut);
    suite_add_tcase(s, tc);

    tc = tcase_create("pixel");
    tcase_add_checked_fixture(tc, sites_setup, sites_teardown);
    tcase_add_test(tc, test_pixel_ok);
    tcase_add_test(tc, test_pixel_unknown_param);
    tcase_add_test(tc, test_pixel_repeated);
    tcase_add_test(tc, test_pixel_missing);
    tcase_add_test(tc, test_pixel_bad_query);
    tcase_add_test(tc, test_pixel_unknown_site);
    tcase_add_test(tc, test_pixel_bad_url);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(intake_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
