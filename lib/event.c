/* event.c - the visit event and its JSON form. */
#include "event.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <uuid/uuid.h>

#include "path.h"
#include "utf8.h"
#include "vtime.h"

/* Returns 1 when s is a textual IPv4 or IPv6 address. */
static int
event_ip_valid(const char *s)
{
    unsigned char addr[sizeof(struct in6_addr)];

    return inet_pton(AF_INET, s, addr) == 1 || inet_pton(AF_INET6, s, addr) == 1;
}

void
event_init(event *ev, int64_t ts_ms, const char *uri, const char *ref,
           const char *ua, const char *ip)
{
    uuid_t u;

    /* A version 4 uuid straight from the kernel's CSPRNG: one syscall.
     * libuuid's uuid_generate_random also reseeds random() under its lock
     * on every call, which showed in profiles of the visit worker. */
    if (getrandom(u, sizeof(u), 0) == (ssize_t)sizeof(u)) {
        u[6] = (unsigned char)((u[6] & 0x0F) | 0x40);   /* version 4 */
        u[8] = (unsigned char)((u[8] & 0x3F) | 0x80);   /* RFC 4122 variant */
    } else {
        uuid_generate_random(u);
    }
    uuid_unparse_lower(u, ev->id);
    ev->ts_ms = ts_ms;
    uri = uri ? uri : "/";
    path_normalize(ev->path, sizeof(ev->path), uri, strlen(uri));
    ref = ref ? ref : "";
    utf8_clean(ev->ref, sizeof(ev->ref), ref, strlen(ref));
    ua = ua ? ua : "";
    utf8_clean(ev->ua, sizeof(ev->ua), ua, strlen(ua));
    if (ip && strlen(ip) <= EVENT_IP_MAX && event_ip_valid(ip))
        strcpy(ev->ip, ip);
    else
        ev->ip[0] = '\0';
}

/* Returns 1 when s is a uuid in its 36-character text form: hex digits of
 * either case with hyphens at 8, 13, 18 and 23, what uuid_parse accepts.
 * uuid_parse itself calls strtoul per byte, about 8 % of the consumer's
 * time. */
static int
event_uuid_valid(const char *s)
{
    for (int i = 0; i < EVENT_ID_LEN; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-')
                return 0;
        } else if (!isxdigit((unsigned char)s[i])) {
            return 0;
        }
    }
    return s[EVENT_ID_LEN] == '\0';
}

/* Checks every field of ev against the schema. Returns 0, or -1 with a
 * short reason. */
static int
event_validate(const event *ev, char *reason, size_t reasonsize)
{
    char norm[EVENT_PATH_MAX + 1];
    size_t len = strlen(ev->path);

    if (!event_uuid_valid(ev->id)) {
        snprintf(reason, reasonsize, "field \"id\" is not a uuid");
        return -1;
    }
    if (ev->ts_ms < VTIME_MIN_MS || ev->ts_ms >= VTIME_MAX_MS) {
        snprintf(reason, reasonsize, "field \"ts\" is outside years 2000-2999");
        return -1;
    }
    if (ev->path[0] != '/'
        || path_normalize(norm, sizeof(norm), ev->path, len) != len
        || memcmp(norm, ev->path, len) != 0) {
        snprintf(reason, reasonsize, "field \"path\" is not a normalized path");
        return -1;
    }
    if (!utf8_is_clean(ev->ref, strlen(ev->ref))) {
        snprintf(reason, reasonsize, "field \"ref\" holds a control character");
        return -1;
    }
    if (!utf8_is_clean(ev->ua, strlen(ev->ua))) {
        snprintf(reason, reasonsize, "field \"ua\" holds a control character");
        return -1;
    }
    if (ev->ip[0] != '\0' && !event_ip_valid(ev->ip)) {
        snprintf(reason, reasonsize, "field \"ip\" is not an IP address");
        return -1;
    }
    return 0;
}

int
event_encode(const event *ev, char *out, size_t outsize)
{
    char ts[VTIME_ISO_MS_SIZE], reason[128];
    json_t *root;
    size_t n;

    if (event_validate(ev, reason, sizeof(reason)) < 0
        || vtime_format_ms(ev->ts_ms, ts) < 0)
        return -1;
    root = json_pack("{s:i, s:s, s:s, s:s, s:s, s:s, s:s}", "v", EVENT_VERSION,
                     "id", ev->id, "ts", ts, "path", ev->path, "ref", ev->ref,
                     "ua", ev->ua, "ip", ev->ip);
    if (root == NULL)
        return -1;
    n = json_dumpb(root, out, outsize, JSON_COMPACT);
    json_decref(root);
    if (n == 0 || n > outsize || n > EVENT_JSON_MAX)
        return -1;
    return (int)n;
}

/* Copies the string field key of obj into dst (dstsize bytes). A missing
 * field is an error when required and an empty string otherwise. Returns 0,
 * or -1 with a reason. */
static int
event_get_string(json_t *obj, const char *key, int required, char *dst,
                 size_t dstsize, char *reason, size_t reasonsize)
{
    json_t *v = json_object_get(obj, key);
    size_t len;

    if (v == NULL) {
        if (required) {
            snprintf(reason, reasonsize, "missing field \"%s\"", key);
            return -1;
        }
        dst[0] = '\0';
        return 0;
    }
    if (!json_is_string(v)) {
        snprintf(reason, reasonsize, "field \"%s\" is not a string", key);
        return -1;
    }
    len = json_string_length(v);
    if (len >= dstsize) {
        snprintf(reason, reasonsize, "field \"%s\" is longer than %zu bytes", key,
                 dstsize - 1);
        return -1;
    }
    if (memchr(json_string_value(v), '\0', len)) {
        snprintf(reason, reasonsize, "field \"%s\" holds a NUL byte", key);
        return -1;
    }
    memcpy(dst, json_string_value(v), len + 1);
    return 0;
}

int
event_decode(const char *data, size_t len, event *ev, char *reason,
             size_t reasonsize)
{
    char ts[VTIME_ISO_MS_SIZE + 1];
    json_error_t jerr;
    json_t *root = NULL, *v;
    int rc = -1;

    if (len > EVENT_JSON_MAX) {
        snprintf(reason, reasonsize, "message is larger than %d bytes",
                 EVENT_JSON_MAX);
        return -1;
    }
    root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        snprintf(reason, reasonsize, "invalid json: %s", jerr.text);
        return -1;
    }
    if (!json_is_object(root)) {
        snprintf(reason, reasonsize, "not a json object");
        goto done;
    }
    v = json_object_get(root, "v");
    if (!json_is_integer(v)) {
        snprintf(reason, reasonsize, "missing or non-integer field \"v\"");
        goto done;
    }
    if (json_integer_value(v) != EVENT_VERSION) {
        snprintf(reason, reasonsize, "unsupported schema version %lld",
                 (long long)json_integer_value(v));
        goto done;
    }
    if (event_get_string(root, "id", 1, ev->id, sizeof(ev->id), reason,
                         reasonsize) < 0
        || event_get_string(root, "ts", 1, ts, sizeof(ts), reason, reasonsize) < 0)
        goto done;
    if (vtime_parse_ms(ts, strlen(ts), &ev->ts_ms) < 0) {
        snprintf(reason, reasonsize,
                 "field \"ts\" is not a UTC time like 2026-01-01T10:00:00.000Z");
        goto done;
    }
    if (event_get_string(root, "path", 1, ev->path, sizeof(ev->path), reason,
                         reasonsize) < 0
        || event_get_string(root, "ref", 0, ev->ref, sizeof(ev->ref), reason,
                            reasonsize) < 0
        || event_get_string(root, "ua", 0, ev->ua, sizeof(ev->ua), reason,
                            reasonsize) < 0
        || event_get_string(root, "ip", 0, ev->ip, sizeof(ev->ip), reason,
                            reasonsize) < 0
        || event_validate(ev, reason, reasonsize) < 0)
        goto done;
    rc = 0;
done:
    json_decref(root);
    return rc;
}
