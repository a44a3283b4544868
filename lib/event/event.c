/* event.c - the visit event's JSON form, written and read with
 * lib/event/json_strict.c (no allocation per event). Making a new event is
 * lib/event/event_init.c, so that a program that only reads events (the
 * consumer) needs no libuuid. */
#include "event.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "json_strict.h"
#include "path.h"
#include "utf8.h"
#include "timestamp.h"

int
event_ip_valid(const char *s)
{
    unsigned char addr[sizeof(struct in6_addr)];

    return inet_pton(AF_INET, s, addr) == 1 || inet_pton(AF_INET6, s, addr) == 1;
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
    char norm[PATH_NORMAL_MAX + 1];
    size_t len = strlen(ev->path);

    if (!event_uuid_valid(ev->id)) {
        snprintf(reason, reasonsize, "field \"id\" is not a uuid");
        return -1;
    }
    if (ev->ts_ms < TIMESTAMP_MIN_MS || ev->ts_ms >= TIMESTAMP_MAX_MS) {
        snprintf(reason, reasonsize, "field \"ts\" is outside years 2000-2999");
        return -1;
    }
    if (ev->site[0] != '\0' && !sites_name_valid(ev->site)) {
        snprintf(reason, reasonsize, "field \"site\" is not a host name");
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

/* Appends len bytes of literal JSON text at out + *pos. Returns 0 or -1. */
static int
event_put(char *out, size_t size, size_t *pos, const char *text, size_t len)
{
    if (size - *pos < len)
        return -1;
    memcpy(out + *pos, text, len);
    *pos += len;
    return 0;
}

#define EVENT_PUT(lit) event_put(out, size, &pos, lit, sizeof(lit) - 1)
#define EVENT_STR(s) json_strict_put_string(out, size, &pos, s, strlen(s))

int
event_encode(const event *ev, char *out, size_t outsize)
{
    char ts[TIMESTAMP_ISO_MS_SIZE], reason[128];
    size_t pos = 0, size = outsize < EVENT_JSON_MAX ? outsize : EVENT_JSON_MAX;

    if (ev->site[0] == '\0' || event_validate(ev, reason, sizeof(reason)) < 0
        || timestamp_format_ms(ev->ts_ms, ts) < 0)
        return -1;
    if (EVENT_PUT("{\"v\":2,\"id\":") < 0 || EVENT_STR(ev->id) < 0
        || EVENT_PUT(",\"ts\":") < 0 || EVENT_STR(ts) < 0
        || EVENT_PUT(",\"site\":") < 0 || EVENT_STR(ev->site) < 0
        || EVENT_PUT(",\"path\":") < 0 || EVENT_STR(ev->path) < 0
        || EVENT_PUT(",\"ref\":") < 0 || EVENT_STR(ev->ref) < 0
        || EVENT_PUT(",\"ua\":") < 0 || EVENT_STR(ev->ua) < 0
        || EVENT_PUT(",\"ip\":") < 0 || EVENT_STR(ev->ip) < 0
        || EVENT_PUT("}") < 0)
        return -1;
    return (int)pos;
}

/* The members event_decode looks at, in the order it checks them. */
enum event_field { F_V, F_ID, F_TS, F_SITE, F_PATH, F_REF, F_UA, F_IP, F_COUNT };
static const char *const event_field_names[F_COUNT] = {
    "v", "id", "ts", "site", "path", "ref", "ua", "ip",
};

/* Returns the field named by m's key, or -1 for a key the schema does not
 * know (ignored, so later versions can add fields). */
static int
event_field_of(const json_strict_member *m)
{
    for (int f = 0; f < F_COUNT; f++) {
        if (m->keylen == strlen(event_field_names[f])
            && memcmp(m->key, event_field_names[f], m->keylen) == 0)
            return f;
    }
    return -1;
}

/* Copies string field f (NULL when absent) into dst (dstsize bytes). A
 * missing field is an error when required and an empty string otherwise.
 * Returns 0, or -1 with a reason. */
static int
event_get_string(const json_strict_member *m, int f, int required, char *dst,
                 size_t dstsize, char *reason, size_t reasonsize)
{
    const char *key = event_field_names[f];

    if (m == NULL) {
        if (required) {
            snprintf(reason, reasonsize, "missing field \"%s\"", key);
            return -1;
        }
        dst[0] = '\0';
        return 0;
    }
    if (m->type != JSON_STRICT_STRING) {
        snprintf(reason, reasonsize, "field \"%s\" is not a string", key);
        return -1;
    }
    if (json_strict_string(m, dst, dstsize) < 0) {
        snprintf(reason, reasonsize, "field \"%s\" is longer than %zu bytes", key,
                 dstsize - 1);
        return -1;
    }
    return 0;
}

int
event_decode(const char *data, size_t len, event *ev, char *reason,
             size_t reasonsize)
{
    json_strict_member members[F_COUNT], m;
    const json_strict_member *got[F_COUNT] = { NULL };
    char ts[TIMESTAMP_ISO_MS_SIZE + 1];
    json_strict_reader r;
    long long v;
    int rc, f;

    if (len > EVENT_JSON_MAX) {
        snprintf(reason, reasonsize, "message is larger than %d bytes",
                 EVENT_JSON_MAX);
        return -1;
    }
    /* The whole message is read first, so invalid JSON anywhere is named
     * as such rather than as a problem with some field before it. */
    if (json_strict_open(&r, data, len, reason, reasonsize) < 0)
        return -1;
    while ((rc = json_strict_next(&r, &m, reason, reasonsize)) == 1) {
        if ((f = event_field_of(&m)) < 0)
            continue;
        if (got[f] != NULL) {
            snprintf(reason, reasonsize, "duplicate field \"%s\"",
                     event_field_names[f]);
            return -1;
        }
        members[f] = m;
        got[f] = &members[f];
    }
    if (rc < 0)
        return -1;
    if (got[F_V] == NULL || json_strict_integer(got[F_V], &v) < 0) {
        snprintf(reason, reasonsize, "missing or non-integer field \"v\"");
        return -1;
    }
    if (v != 1 && v != EVENT_VERSION) {
        snprintf(reason, reasonsize, "unsupported schema version %lld", v);
        return -1;
    }

    if (event_get_string(got[F_ID], F_ID, 1, ev->id, sizeof(ev->id), reason,
                         reasonsize) < 0
        || event_get_string(got[F_TS], F_TS, 1, ts, sizeof(ts), reason,
                            reasonsize) < 0)
        return -1;
    if (timestamp_parse_ms(ts, strlen(ts), &ev->ts_ms) < 0) {
        snprintf(reason, reasonsize,
                 "field \"ts\" is not a UTC time like 2026-01-01T10:00:00.000Z");
        return -1;
    }
    /* Version 1 had no site (a "site" member was an unknown field then):
     * the consumer counts it under the default site. */
    ev->site[0] = '\0';
    if (v == EVENT_VERSION
        && event_get_string(got[F_SITE], F_SITE, 1, ev->site, sizeof(ev->site),
                            reason, reasonsize) < 0)
        return -1;
    if (v == EVENT_VERSION && ev->site[0] == '\0') {
        snprintf(reason, reasonsize, "field \"site\" is empty");
        return -1;
    }
    if (event_get_string(got[F_PATH], F_PATH, 1, ev->path, sizeof(ev->path),
                         reason, reasonsize) < 0
        || event_get_string(got[F_REF], F_REF, 0, ev->ref, sizeof(ev->ref), reason,
                            reasonsize) < 0
        || event_get_string(got[F_UA], F_UA, 0, ev->ua, sizeof(ev->ua), reason,
                            reasonsize) < 0
        || event_get_string(got[F_IP], F_IP, 0, ev->ip, sizeof(ev->ip), reason,
                            reasonsize) < 0
        || event_validate(ev, reason, reasonsize) < 0)
        return -1;
    return 0;
}

int
event_check_time(const event *ev, int64_t now_ms, int64_t max_future_ms,
                 int64_t max_age_ms, char *reason, size_t reasonsize)
{
    if (ev->ts_ms > now_ms + max_future_ms) {
        snprintf(reason, reasonsize,
                 "field \"ts\" is %lld s in the future, past the %lld s allowed",
                 (long long)((ev->ts_ms - now_ms) / 1000),
                 (long long)(max_future_ms / 1000));
        return -1;
    }
    if (ev->ts_ms < now_ms - max_age_ms) {
        snprintf(reason, reasonsize,
                 "field \"ts\" is %lld h old, past the %lld h allowed",
                 (long long)((now_ms - ev->ts_ms) / 3600000),
                 (long long)(max_age_ms / 3600000));
        return -1;
    }
    return 0;
}
