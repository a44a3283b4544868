/* check_event.c - unit tests of lib/event/event.h: building an event from request
 * data, its JSON encoding, and the validation done by event_decode.
 *
 * Test cases: "init" (event_init), "codec" (encode/decode round trips),
 * "reject" (every reason event_decode refuses a message, and the time
 * window of event_check_time). */
#include <check.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uuid/uuid.h>

#include "event.h"
#include "utf8.h"

#define TS_MS 1767225600123LL /* 2026-01-01T00:00:00.123Z */
#define SITE "example.com"
#define FFFD "\xEF\xBF\xBD"

/* 1 when s is entirely well-formed UTF-8. */
static int
utf8_valid(const char *s)
{
    size_t i = 0, n, len = strlen(s);
    uint32_t cp;

    while (i < len) {
        n = utf8_decode((const unsigned char *)s + i, len - i, &cp);
        if (n == 0)
            return 0;
        i += n;
    }
    return 1;
}

/* 1 when id looks like "xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx" in lower
 * case hex. */
static int
uuid_v4_lower(const char *id)
{
    if (strlen(id) != EVENT_ID_LEN)
        return 0;
    for (int i = 0; i < EVENT_ID_LEN; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (id[i] != '-')
                return 0;
        } else if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f'))) {
            return 0;
        }
    }
    return id[14] == '4' && strchr("89ab", id[19]) != NULL;
}

/* Encodes ev, decodes the result into back, and checks every field. */
static void
check_round_trip(const event *ev)
{
    char json[EVENT_JSON_MAX], reason[256] = "";
    event back;
    int n;

    n = event_encode(ev, json, sizeof(json));
    ck_assert_int_gt(n, 0);
    ck_assert_int_le(n, EVENT_JSON_MAX);
    memset(&back, 0x55, sizeof(back));
    ck_assert_msg(event_decode(json, (size_t)n, &back, reason, sizeof(reason)) == 0,
                  "decode of own encoding failed: %s: %.*s", reason, n, json);
    ck_assert_str_eq(back.id, ev->id);
    ck_assert_int_eq(back.ts_ms, ev->ts_ms);
    ck_assert_str_eq(back.path, ev->path);
    ck_assert_str_eq(back.ref, ev->ref);
    ck_assert_str_eq(back.ua, ev->ua);
    ck_assert_str_eq(back.ip, ev->ip);
}

/* ---- init ---------------------------------------------------------------- */

START_TEST(test_init_fields)
{
    event ev;

    event_init(&ev, TS_MS, SITE, "/a/./b//c?x=1#f", "https://example.com/?q=1",
               "Mozilla/5.0 (X11)", "192.0.2.1");
    ck_assert(uuid_v4_lower(ev.id));
    ck_assert_int_eq(ev.ts_ms, TS_MS);
    ck_assert_str_eq(ev.path, "/a/b/c");
    ck_assert_str_eq(ev.ref, "https://example.com/?q=1");
    ck_assert_str_eq(ev.ua, "Mozilla/5.0 (X11)");
    ck_assert_str_eq(ev.ip, "192.0.2.1");
}
END_TEST

START_TEST(test_init_nulls)
{
    event ev;

    event_init(&ev, TS_MS, SITE, NULL, NULL, NULL, NULL);
    ck_assert(uuid_v4_lower(ev.id));
    ck_assert_str_eq(ev.path, "/");
    ck_assert_str_eq(ev.ref, "");
    ck_assert_str_eq(ev.ua, "");
    ck_assert_str_eq(ev.ip, "");
    check_round_trip(&ev);
}
END_TEST

START_TEST(test_init_ids_differ)
{
    event a, b;

    event_init(&a, TS_MS, SITE, "/", NULL, NULL, NULL);
    event_init(&b, TS_MS, SITE, "/", NULL, NULL, NULL);
    ck_assert_uint_eq(strlen(a.id), 36);
    ck_assert_uint_eq(strlen(b.id), 36);
    ck_assert_msg(uuid_v4_lower(a.id), "not a lower-case v4 uuid: %s", a.id);
    ck_assert_msg(uuid_v4_lower(b.id), "not a lower-case v4 uuid: %s", b.id);
    ck_assert_str_ne(a.id, b.id);
}
END_TEST

START_TEST(test_init_invalid_ip)
{
    static const char *const bad[] = {
        "999.1.1.1", "abc", "", "1.2.3", "1.2.3.4.5", "192.0.2.1 ", " 192.0.2.1",
        "192.0.2.1:80", "[2001:db8::1]", "2001:db8::1::2", "fe80::1%eth0",
        "1111:2222:3333:4444:5555:6666:7777:8888:9999",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    };
    event ev;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        memset(ev.ip, 'x', sizeof(ev.ip));
        event_init(&ev, TS_MS, SITE, "/", NULL, NULL, bad[i]);
        ck_assert_msg(ev.ip[0] == '\0', "\"%s\" accepted as \"%s\"", bad[i], ev.ip);
    }
}
END_TEST

START_TEST(test_init_valid_ip)
{
    static const char *const good[] = {
        "0.0.0.0", "255.255.255.255", "10.1.2.3", "::1", "::", "2001:db8::1",
        "fe80::1", "::ffff:192.0.2.1",
        /* The longest textual IPv6 form: exactly EVENT_IP_MAX characters. */
        "0000:0000:0000:0000:0000:ffff:192.168.100.228",
    };
    event ev;

    ck_assert_uint_eq(strlen(good[8]), EVENT_IP_MAX);
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        event_init(&ev, TS_MS, SITE, "/", NULL, NULL, good[i]);
        ck_assert_str_eq(ev.ip, good[i]);
        check_round_trip(&ev);
    }
}
END_TEST

START_TEST(test_init_caps_ref_ua)
{
    const size_t big = 10 * 1024;
    char *s = malloc(big + 1);
    event ev;

    ck_assert_ptr_nonnull(s);
    memset(s, 'r', big);
    s[big] = '\0';
    event_init(&ev, TS_MS, SITE, "/", s, s, NULL);
    ck_assert_uint_eq(strlen(ev.ref), EVENT_REF_MAX);
    ck_assert_uint_eq(strlen(ev.ua), EVENT_UA_MAX);
    ck_assert(strspn(ev.ref, "r") == EVENT_REF_MAX);
    check_round_trip(&ev);

    /* 3-byte characters: cut on a character boundary, still valid. */
    for (size_t i = 0; i + 3 <= big; i += 3)
        memcpy(s + i, "\xE2\x82\xAC", 3);
    s[big - big % 3] = '\0';
    event_init(&ev, TS_MS, SITE, "/", s, s, NULL);
    ck_assert_uint_eq(strlen(ev.ref), EVENT_REF_MAX / 3 * 3);
    ck_assert_uint_eq(strlen(ev.ua), EVENT_UA_MAX / 3 * 3);
    ck_assert(utf8_valid(ev.ref));
    ck_assert(utf8_valid(ev.ua));
    check_round_trip(&ev);

    /* A long path is capped too. */
    memset(s, 'p', big);
    s[0] = '/';
    s[big] = '\0';
    event_init(&ev, TS_MS, SITE, s, NULL, NULL, NULL);
    ck_assert_uint_eq(strlen(ev.path), PATH_NORMAL_MAX);
    check_round_trip(&ev);
    free(s);
}
END_TEST

/* A request path cut at PATH_NORMAL_MAX right after "." or ".." gave an
 * event that failed its own validation, so event_encode refused it and the
 * visit was lost (found by tests/fuzz/fuzz_path.c). */
START_TEST(test_init_path_cut_to_dot)
{
    char uri[PATH_NORMAL_MAX + 8];
    event ev;

    /* "/" + 508 x "a" + "/..x": the cut falls after "/..". */
    uri[0] = '/';
    memset(uri + 1, 'a', PATH_NORMAL_MAX - 4);
    strcpy(uri + PATH_NORMAL_MAX - 3, "/..x");
    event_init(&ev, TS_MS, SITE, uri, NULL, NULL, NULL);
    ck_assert_uint_eq(strlen(ev.path), PATH_NORMAL_MAX - 2);
    ck_assert_int_eq(ev.path[PATH_NORMAL_MAX - 3], '/');
    check_round_trip(&ev);

    /* One "a" more: the cut falls after "/.". */
    memset(uri + 1, 'a', PATH_NORMAL_MAX - 3);
    strcpy(uri + PATH_NORMAL_MAX - 2, "/..x");
    event_init(&ev, TS_MS, SITE, uri, NULL, NULL, NULL);
    ck_assert_uint_eq(strlen(ev.path), PATH_NORMAL_MAX - 1);
    ck_assert_int_eq(ev.path[PATH_NORMAL_MAX - 2], '/');
    check_round_trip(&ev);
}
END_TEST

START_TEST(test_init_cleans_utf8)
{
    event ev;

    event_init(&ev, TS_MS, SITE, "/", "http://x/\xC3\xA9\xFF",
               "Mozilla\xFF\xC0/5.0\t(\xC2\x85)\x7F", NULL);
    ck_assert_str_eq(ev.ua, "Mozilla" FFFD FFFD "/5.0" FFFD "(" FFFD ")" FFFD);
    ck_assert_str_eq(ev.ref, "http://x/\xC3\xA9" FFFD);
    check_round_trip(&ev);
}
END_TEST

/* ---- codec --------------------------------------------------------------- */

START_TEST(test_encode_exact)
{
    char json[EVENT_JSON_MAX + 1], want[EVENT_JSON_MAX];
    event ev;
    int n;

    event_init(&ev, TS_MS, SITE, "/x", "r", "u", "192.0.2.1");
    n = event_encode(&ev, json, sizeof(json) - 1);
    ck_assert_int_gt(n, 0);
    json[n] = '\0';
    snprintf(want, sizeof(want),
             "{\"v\":2,\"id\":\"%s\",\"ts\":\"2026-01-01T00:00:00.123Z\","
             "\"site\":\"example.com\",\"path\":\"/x\",\"ref\":\"r\",\"ua\":\"u\",\"ip\":\"192.0.2.1\"}",
             ev.id);
    ck_assert_str_eq(json, want);
    ck_assert_int_eq(n, (int)strlen(want));
}
END_TEST

START_TEST(test_round_trip_all_fields)
{
    event ev;

    event_init(&ev, TS_MS, SITE, "http://host/a/../b%20c/?q", "https://ref.example/p?x=1",
               "Mozilla/5.0 \xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80", "2001:db8::42");
    ck_assert_str_eq(ev.path, "/b%20c/");
    check_round_trip(&ev);
}
END_TEST

START_TEST(test_round_trip_special_chars)
{
    event ev;

    event_init(&ev, TS_MS, SITE, "/<b>\"x\"\\'&",
               "https://x/?q=<script>alert(\"x\")</script>&a='b'\\",
               "a \"quoted\" \\ back\\\\slash <b>&amp;</b> \\u0041 /* */", "::1");
    ck_assert_str_eq(ev.path, "/<b>\"x\"\\'&");
    ck_assert_str_eq(ev.ref, "https://x/?q=<script>alert(\"x\")</script>&a='b'\\");
    ck_assert_str_eq(ev.ua, "a \"quoted\" \\ back\\\\slash <b>&amp;</b> \\u0041 /* */");
    check_round_trip(&ev);
}
END_TEST

START_TEST(test_round_trip_largest)
{
    char *s = malloc(20000);
    event ev;

    /* Fields full of characters JSON escapes: still fits EVENT_JSON_MAX. */
    ck_assert_ptr_nonnull(s);
    memset(s, '"', 19999);
    s[19999] = '\0';
    s[0] = '/';
    event_init(&ev, TS_MS, SITE, s, s, s,
               "0000:0000:0000:0000:0000:ffff:192.168.100.228");
    ck_assert_uint_eq(strlen(ev.path), PATH_NORMAL_MAX);
    ck_assert_uint_eq(strlen(ev.ref), EVENT_REF_MAX);
    ck_assert_uint_eq(strlen(ev.ua), EVENT_UA_MAX);
    check_round_trip(&ev);
    memset(s, '\\', 19999);
    s[0] = '/';
    event_init(&ev, TS_MS, SITE, s, s, s, "::1");
    check_round_trip(&ev);
    free(s);
}
END_TEST

START_TEST(test_encode_fails)
{
    char json[EVENT_JSON_MAX];
    event ev;

    event_init(&ev, TS_MS, SITE, "/x", "r", "u", "192.0.2.1");
    /* Too small an output buffer. */
    ck_assert_int_eq(event_encode(&ev, json, 20), -1);
    /* A time outside the accepted range. */
    ev.ts_ms = 0;
    ck_assert_int_eq(event_encode(&ev, json, sizeof(json)), -1);
}
END_TEST

/* event.h: event_encode returns -1 "when ev holds an invalid field". So
 * whatever it encodes, event_decode must accept: a field the consumer would
 * reject may not be encoded. */
START_TEST(test_encode_rejects_invalid_fields)
{
    static const struct {
        const char *what;
        size_t offset, size;
        const char *value;
    } bad[] = {
        { "ip", offsetof(event, ip), sizeof(((event *)0)->ip), "not-an-ip" },
        { "id", offsetof(event, id), sizeof(((event *)0)->id), "x" },
        { "path", offsetof(event, path), sizeof(((event *)0)->path), "relative" },
        { "ua", offsetof(event, ua), sizeof(((event *)0)->ua), "a\001b" },
        { "ref", offsetof(event, ref), sizeof(((event *)0)->ref), "a\nb" },
    };
    char json[EVENT_JSON_MAX], reason[256];
    event ev, back;
    int n;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        event_init(&ev, TS_MS, SITE, "/x", "r", "u", "192.0.2.1");
        snprintf((char *)&ev + bad[i].offset, bad[i].size, "%s", bad[i].value);
        n = event_encode(&ev, json, sizeof(json));
        if (n < 0)
            continue;
        reason[0] = '\0';
        ck_assert_msg(event_decode(json, (size_t)n, &back, reason, sizeof(reason)) == 0,
                      "event_encode accepted an invalid %s (\"%s\") that "
                      "event_decode rejects: %s", bad[i].what, bad[i].value, reason);
    }
}
END_TEST

#define ID "\"id\":\"0f8fad5b-d9cb-469f-a165-70867728950e\""
#define TS "\"ts\":\"2026-01-01T10:00:00.123Z\""
#define PATH "\"path\":\"/x\""

START_TEST(test_decode_minimal)
{
    const char *json = "{\"v\":1," ID "," TS "," PATH "}";
    char reason[128] = "";
    event ev;

    memset(&ev, 'z', sizeof(ev));
    ck_assert_int_eq(event_decode(json, strlen(json), &ev, reason, sizeof(reason)), 0);
    ck_assert_str_eq(ev.id, "0f8fad5b-d9cb-469f-a165-70867728950e");
    ck_assert_int_eq(ev.ts_ms, 1767261600123LL);
    ck_assert_str_eq(ev.path, "/x");
    ck_assert_str_eq(ev.ref, "");
    ck_assert_str_eq(ev.ua, "");
    ck_assert_str_eq(ev.ip, "");
}
END_TEST

START_TEST(test_decode_unknown_fields)
{
    const char *json = "{\"v\":1,\"extra\":{\"a\":[1,2,{\"b\":null}]}," ID "," TS
                       "," PATH ",\"ref\":\"\",\"ua\":\"u\",\"ip\":\"\","
                       "\"later\":true,\"n\":1.5}";
    char reason[128] = "";
    event ev;

    ck_assert_msg(event_decode(json, strlen(json), &ev, reason, sizeof(reason)) == 0,
                  "rejected: %s", reason);
    ck_assert_str_eq(ev.ua, "u");
    ck_assert_str_eq(ev.path, "/x");
}
END_TEST

/* The input needs no NUL: decode from a buffer of exactly its length. */
START_TEST(test_decode_no_nul)
{
    const char *json = "{\"v\":1," ID "," TS "," PATH "}";
    size_t len = strlen(json);
    char *copy = malloc(len), reason[128] = "";
    event ev;

    ck_assert_ptr_nonnull(copy);
    memcpy(copy, json, len);
    ck_assert_int_eq(event_decode(copy, len, &ev, reason, sizeof(reason)), 0);
    /* A prefix is not a message. */
    ck_assert_int_eq(event_decode(copy, len - 1, &ev, reason, sizeof(reason)), -1);
    free(copy);
}
END_TEST

/* Version 2 carries the site; version 1, from before sites, decodes with
 * an empty site (the consumer's default), a "site" member in it being an
 * unknown field of that version. An event without a site cannot be
 * encoded. */
START_TEST(test_site_versions)
{
    char json[EVENT_JSON_MAX], reason[256];
    event ev, back;
    int n;

    event_init(&ev, TS_MS, "shop.example.com", "/x", "", "", "");
    n = event_encode(&ev, json, sizeof(json));
    ck_assert_int_gt(n, 0);
    ck_assert_msg(event_decode(json, (size_t)n, &back, reason, sizeof(reason)) == 0,
                  "%s", reason);
    ck_assert_str_eq(back.site, "shop.example.com");

    const char *v1 = "{\"v\":1," ID "," TS ",\"site\":\"x.example\"," PATH "}";
    ck_assert_msg(event_decode(v1, strlen(v1), &back, reason, sizeof(reason)) == 0,
                  "%s", reason);
    ck_assert_str_eq(back.site, "");
    const char *v2 = "{\"v\":2," ID "," TS ",\"site\":\"x.example\"," PATH "}";
    ck_assert_msg(event_decode(v2, strlen(v2), &back, reason, sizeof(reason)) == 0,
                  "%s", reason);
    ck_assert_str_eq(back.site, "x.example");

    event_init(&ev, TS_MS, "", "/x", "", "", "");
    ck_assert_int_eq(event_encode(&ev, json, sizeof(json)), -1);
    event_init(&ev, TS_MS, "Not A Host", "/x", "", "", "");
    ck_assert_int_eq(event_encode(&ev, json, sizeof(json)), -1);
}
END_TEST

/* ---- reject -------------------------------------------------------------- */

/* Decodes json (len bytes), expecting -1 and a reason containing want. */
static void
check_reject_len(const char *json, size_t len, const char *want)
{
    char reason[256];
    event ev;

    memset(reason, 0, sizeof(reason));
    ck_assert_msg(event_decode(json, len, &ev, reason, sizeof(reason)) == -1,
                  "accepted: %.200s", json);
    ck_assert_msg(reason[0] != '\0', "no reason for %.200s", json);
    ck_assert_msg(strstr(reason, want) != NULL, "reason \"%s\" lacks \"%s\" for %.200s",
                  reason, want, json);
}

static void
check_reject(const char *json, const char *want)
{
    check_reject_len(json, strlen(json), want);
}

START_TEST(test_reject_not_json)
{
    check_reject("not json", "invalid json");
    check_reject("", "invalid json");
    check_reject("{\"v\":1," ID "," TS "," PATH, "invalid json");
    check_reject("{\"v\":1," ID "," TS "," PATH "} trailing", "invalid json");
    check_reject("[1,2]", "not a json object");
    check_reject("[{\"v\":1," ID "," TS "," PATH "}]", "not a json object");
    /* Scalars: refused by the parser or as non-objects, either way. */
    check_reject("\"str\"", "json");
    check_reject("42", "json");
}
END_TEST

START_TEST(test_reject_version)
{
    check_reject("{" ID "," TS "," PATH "}", "\"v\"");
    check_reject("{\"v\":\"1\"," ID "," TS "," PATH "}", "\"v\"");
    check_reject("{\"v\":1.0," ID "," TS "," PATH "}", "\"v\"");
    check_reject("{\"v\":null," ID "," TS "," PATH "}", "\"v\"");
    check_reject("{\"v\":3," ID "," TS ",\"site\":\"a.example\"," PATH "}",
                 "unsupported schema version 3");
    check_reject("{\"v\":0," ID "," TS "," PATH "}", "unsupported schema version 0");
    check_reject("{\"v\":0," ID "," TS "," PATH "}", "version");
    check_reject("{\"v\":-1," ID "," TS "," PATH "}", "version");
}
END_TEST

START_TEST(test_reject_id)
{
    check_reject("{\"v\":2," ID "," TS "," PATH "}", "missing field \"site\"");
    check_reject("{\"v\":2," ID "," TS ",\"site\":\"\"," PATH "}",
                 "field \"site\" is empty");
    check_reject("{\"v\":2," ID "," TS ",\"site\":7," PATH "}",
                 "\"site\" is not a string");
    check_reject("{\"v\":2," ID "," TS ",\"site\":\"Example.COM\"," PATH "}",
                 "\"site\" is not a host name");
    check_reject("{\"v\":2," ID "," TS ",\"site\":\"a b\"," PATH "}",
                 "\"site\" is not a host name");
    check_reject("{\"v\":2," ID "," TS ",\"site\":\"<x>\"," PATH "}",
                 "\"site\" is not a host name");
    check_reject("{\"v\":1," TS "," PATH "}", "missing field \"id\"");
    check_reject("{\"v\":1,\"id\":\"not-a-uuid\"," TS "," PATH "}",
                 "\"id\" is not a uuid");
    check_reject("{\"v\":1,\"id\":\"zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz\"," TS
                 "," PATH "}", "\"id\" is not a uuid");
    check_reject("{\"v\":1,\"id\":\"\"," TS "," PATH "}", "\"id\"");
    check_reject("{\"v\":1,\"id\":\"0f8fad5b-d9cb-469f-a165-70867728950e0\"," TS
                 "," PATH "}", "\"id\"");
    check_reject("{\"v\":1,\"id\":42," TS "," PATH "}", "\"id\" is not a string");
}
END_TEST

/* The id check agrees with libuuid's uuid_parse (for 36-character ids) on
 * the canonical id, its upper-case form, and every id made by putting one
 * of a set of characters at one position of either. */
START_TEST(test_id_matches_uuid_parse)
{
    static const char subst[] = "0aAfFgG-z \x7f\xc3";
    const char *bases[] = { "0f8fad5b-d9cb-469f-a165-70867728950e",
                            "0F8FAD5B-D9CB-469F-A165-70867728950E" };
    char id[64], json[256], reason[128];
    event ev;
    uuid_t u;

    for (int b = 0; b < 2; b++) {
        for (int pos = -1; pos < 36; pos++) {
            for (size_t k = 0; k < sizeof(subst) - 1; k++) {
                int want, got, n;

                snprintf(id, sizeof(id), "%s", bases[b]);
                if (pos >= 0)
                    id[pos] = subst[k];
                want = uuid_parse(id, u) == 0;
                n = snprintf(json, sizeof(json), "{\"v\":1,\"id\":\"%s\"," TS "," PATH "}",
                             id);
                got = event_decode(json, (size_t)n, &ev, reason, sizeof(reason)) == 0;
                ck_assert_msg(got == want, "id \"%s\": decode %s, uuid_parse %s", id,
                              got ? "accepts" : "rejects", want ? "accepts" : "rejects");
                if (pos < 0)
                    break;
            }
        }
    }
}
END_TEST

START_TEST(test_reject_ts)
{
    check_reject("{\"v\":1," ID "," PATH "}", "missing field \"ts\"");
    check_reject("{\"v\":1," ID ",\"ts\":\"2026-01-01 10:00:00\"," PATH "}", "\"ts\"");
    check_reject("{\"v\":1," ID ",\"ts\":\"2026-02-30T10:00:00.000Z\"," PATH "}",
                 "\"ts\"");
    check_reject("{\"v\":1," ID ",\"ts\":\"1999-12-31T23:59:59.999Z\"," PATH "}",
                 "\"ts\"");
    check_reject("{\"v\":1," ID ",\"ts\":\"2026-01-01T10:00:00.123Zx\"," PATH "}",
                 "\"ts\"");
    check_reject("{\"v\":1," ID ",\"ts\":\"2026-01-01T10:00:00.123Z and more\","
                 PATH "}", "\"ts\"");
    check_reject("{\"v\":1," ID ",\"ts\":1767261600123," PATH "}",
                 "\"ts\" is not a string");
}
END_TEST

START_TEST(test_reject_path)
{
    char json[1024];
    int n;

    check_reject("{\"v\":1," ID "," TS "}", "missing field \"path\"");
    check_reject("{\"v\":1," ID "," TS ",\"path\":\"x\"}", "\"path\"");
    check_reject("{\"v\":1," ID "," TS ",\"path\":\"\"}", "\"path\"");
    check_reject("{\"v\":1," ID "," TS ",\"path\":\"http://h/x\"}", "\"path\"");
    check_reject("{\"v\":1," ID "," TS ",\"path\":[\"/x\"]}", "\"path\" is not a string");

    /* 512 bytes are fine, 513 are too long. */
    n = snprintf(json, sizeof(json), "{\"v\":1," ID "," TS ",\"path\":\"/%0511d\"}", 0);
    ck_assert_int_lt(n, (int)sizeof(json));
    {
        char reason[128] = "";
        event ev;
        ck_assert_msg(event_decode(json, (size_t)n, &ev, reason, sizeof(reason)) == 0,
                      "512-byte path rejected: %s", reason);
        ck_assert_uint_eq(strlen(ev.path), 512);
    }
    n = snprintf(json, sizeof(json), "{\"v\":1," ID "," TS ",\"path\":\"/%0512d\"}", 0);
    check_reject_len(json, (size_t)n, "\"path\" is longer");
}
END_TEST

START_TEST(test_reject_optional_fields)
{
    char json[1024];
    int n;

    check_reject("{\"v\":1," ID "," TS "," PATH ",\"ref\":5}", "\"ref\" is not a string");
    check_reject("{\"v\":1," ID "," TS "," PATH ",\"ua\":null}", "\"ua\" is not a string");
    check_reject("{\"v\":1," ID "," TS "," PATH ",\"ip\":{}}", "\"ip\" is not a string");
    check_reject("{\"v\":1," ID "," TS "," PATH ",\"ip\":\"not-an-ip\"}",
                 "\"ip\" is not an IP address");
    check_reject("{\"v\":1," ID "," TS "," PATH ",\"ip\":\"999.1.1.1\"}", "\"ip\"");
    n = snprintf(json, sizeof(json), "{\"v\":1," ID "," TS "," PATH ",\"ua\":\"%0257d\"}",
                 0);
    check_reject_len(json, (size_t)n, "\"ua\" is longer");
}
END_TEST

START_TEST(test_reject_too_large)
{
    size_t size = EVENT_JSON_MAX + 100;
    char *json = malloc(size + 1);
    int n;

    /* Valid JSON, valid event, but one byte over the limit. */
    ck_assert_ptr_nonnull(json);
    n = snprintf(json, size + 1, "{\"v\":1," ID "," TS "," PATH ",\"pad\":\"");
    memset(json + n, 'a', size - (size_t)n);
    json[size] = '\0';
    memcpy(json + EVENT_JSON_MAX + 1 - 2, "\"}", 2);
    check_reject_len(json, EVENT_JSON_MAX + 1, "larger than 4096");
    /* The same shape at exactly EVENT_JSON_MAX bytes is accepted. */
    memcpy(json + EVENT_JSON_MAX - 2, "\"}", 2);
    {
        char reason[128] = "";
        event ev;
        ck_assert_msg(event_decode(json, EVENT_JSON_MAX, &ev, reason,
                                   sizeof(reason)) == 0,
                      "message of EVENT_JSON_MAX bytes rejected: %s", reason);
    }
    free(json);
}
END_TEST

START_TEST(test_reject_duplicate_keys)
{
    check_reject("{\"v\":1," ID "," TS "," PATH ",\"path\":\"/y\"}", "duplicate");
    check_reject("{\"v\":1,\"v\":1," ID "," TS "," PATH "}", "duplicate");
}
END_TEST

START_TEST(test_check_time)
{
    const int64_t now = TS_MS, min = 60000, hour = 3600000;
    char reason[256];
    event ev;

    event_init(&ev, now, SITE, "/x", "", "", "");
    ck_assert_int_eq(event_check_time(&ev, now, 5 * min, 168 * hour, reason,
                                      sizeof(reason)), 0);
    /* Both edges are inside. */
    ev.ts_ms = now + 5 * min;
    ck_assert_int_eq(event_check_time(&ev, now, 5 * min, 168 * hour, reason,
                                      sizeof(reason)), 0);
    ev.ts_ms = now - 168 * hour;
    ck_assert_int_eq(event_check_time(&ev, now, 5 * min, 168 * hour, reason,
                                      sizeof(reason)), 0);
    /* One millisecond past either is out, with a reason saying how far. */
    ev.ts_ms = now + 5 * min + 1;
    ck_assert_int_eq(event_check_time(&ev, now, 5 * min, 168 * hour, reason,
                                      sizeof(reason)), -1);
    ck_assert_str_eq(reason, "field \"ts\" is 300 s in the future, past the 300 s allowed");
    ev.ts_ms = now - 168 * hour - 1;
    ck_assert_int_eq(event_check_time(&ev, now, 5 * min, 168 * hour, reason,
                                      sizeof(reason)), -1);
    ck_assert_str_eq(reason, "field \"ts\" is 168 h old, past the 168 h allowed");
    ev.ts_ms = now + 400LL * 24 * hour;
    ck_assert_int_eq(event_check_time(&ev, now, 0, 168 * hour, reason,
                                      sizeof(reason)), -1);
    ck_assert_ptr_nonnull(strstr(reason, "34560000 s in the future"));
}
END_TEST

START_TEST(test_reject_control_chars)
{
    /* Jansson refuses \u0000 itself; any reason will do, but it must fail. */
    const char *nul = "{\"v\":1," ID "," TS "," PATH ",\"ua\":\"a\\u0000b\"}";
    char reason[128] = "";
    event ev;

    ck_assert_int_eq(event_decode(nul, strlen(nul), &ev, reason, sizeof(reason)), -1);
    ck_assert_str_ne(reason, "");
    check_reject("{\"v\":1," ID "," TS "," PATH ",\"ua\":\"a\\u0001b\"}",
                 "\"ua\" holds a control character");
    check_reject("{\"v\":1," ID "," TS "," PATH ",\"ref\":\"a\\nb\"}",
                 "\"ref\" holds a control character");
    check_reject("{\"v\":1," ID "," TS "," PATH ",\"ua\":\"a\\u007fb\"}",
                 "\"ua\" holds a control character");
    check_reject("{\"v\":1," ID "," TS ",\"path\":\"/a\\tb\"}",
                 "\"path\" is not a normalized path");
    check_reject("{\"v\":1," ID "," TS ",\"path\":\"/a/../b\"}",
                 "\"path\" is not a normalized path");
    check_reject("{\"v\":1," ID "," TS "," PATH ",\"ua\":\"a\\u0085b\"}",
                 "\"ua\" holds a control character");
    /* Raw invalid UTF-8 in a string is not JSON. */
    check_reject("{\"v\":1," ID "," TS "," PATH ",\"ua\":\"\xFF\"}", "invalid json");
}
END_TEST

static Suite *
event_suite(void)
{
    Suite *s = suite_create("event");
    TCase *tc;

    tc = tcase_create("init");
    tcase_add_test(tc, test_init_fields);
    tcase_add_test(tc, test_init_nulls);
    tcase_add_test(tc, test_init_ids_differ);
    tcase_add_test(tc, test_init_invalid_ip);
    tcase_add_test(tc, test_init_valid_ip);
    tcase_add_test(tc, test_init_caps_ref_ua);
    tcase_add_test(tc, test_init_cleans_utf8);
    tcase_add_test(tc, test_init_path_cut_to_dot);
    suite_add_tcase(s, tc);

    tc = tcase_create("codec");
    tcase_add_test(tc, test_encode_exact);
    tcase_add_test(tc, test_site_versions);
    tcase_add_test(tc, test_round_trip_all_fields);
    tcase_add_test(tc, test_round_trip_special_chars);
    tcase_add_test(tc, test_round_trip_largest);
    tcase_add_test(tc, test_encode_fails);
    tcase_add_test(tc, test_encode_rejects_invalid_fields);
    tcase_add_test(tc, test_decode_minimal);
    tcase_add_test(tc, test_decode_unknown_fields);
    tcase_add_test(tc, test_decode_no_nul);
    suite_add_tcase(s, tc);

    tc = tcase_create("reject");
    tcase_add_test(tc, test_reject_not_json);
    tcase_add_test(tc, test_reject_version);
    tcase_add_test(tc, test_reject_id);
    tcase_add_test(tc, test_id_matches_uuid_parse);
    tcase_add_test(tc, test_reject_ts);
    tcase_add_test(tc, test_reject_path);
    tcase_add_test(tc, test_reject_optional_fields);
    tcase_add_test(tc, test_reject_too_large);
    tcase_add_test(tc, test_reject_duplicate_keys);
    tcase_add_test(tc, test_reject_control_chars);
    tcase_add_test(tc, test_check_time);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(event_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
