/* event.h - the visit event: built from a request, encoded as JSON for
 * Kafka, decoded and validated by the consumer.
 *
 * Schema version 2, one compact JSON object:
 *   {"v":2,"id":"<uuid>","ts":"2026-01-01T10:00:00.123Z",
 *    "site":"example.com","path":"/x","ref":"...","ua":"...",
 *    "ip":"192.0.2.1"}
 * v, id, ts, site and path are required; ref, ua and ip may be absent or
 * empty. Version 1, written before sites existed, is the same without
 * "site": it is decoded with an empty site, which the consumer counts
 * under the default site. Unknown fields are ignored so later versions
 * can add some. */
#ifndef VISITS_EVENT_H
#define VISITS_EVENT_H

#include <stddef.h>
#include <stdint.h>

#include "path.h"
#include "sites.h"

#define EVENT_VERSION 2
#define EVENT_ID_LEN 36
#define EVENT_SITE_MAX SITES_NAME_MAX
#define EVENT_REF_MAX 512   /* bytes of referrer */
#define EVENT_UA_MAX 256    /* bytes of user agent */
#define EVENT_IP_MAX 45     /* longest textual IPv6 address */
#define EVENT_JSON_MAX 4096 /* largest encoded event; larger ones are invalid */

typedef struct event {
    char id[EVENT_ID_LEN + 1];
    int64_t ts_ms;
    char site[EVENT_SITE_MAX + 1];  /* a site's name; "" in a version 1 event */
    char path[PATH_NORMAL_MAX + 1];
    char ref[EVENT_REF_MAX + 1];
    char ua[EVENT_UA_MAX + 1];
    char ip[EVENT_IP_MAX + 1];
} event;

/* Returns 1 when s is a textual IPv4 or IPv6 address, else 0. */
int event_ip_valid(const char *s);

/* Fills ev for a request answered at ts_ms on site (a site's name, as
 * sites_lookup returns it): a new random id, the normalized path of uri
 * (REQUEST_URI), referrer and user agent cleaned to well-formed UTF-8 and
 * capped, and the client address if it parses as IPv4 or IPv6 (empty
 * otherwise). NULL strings count as empty. Never fails. In
 * lib/event/event_init.c. */
void event_init(event *ev, int64_t ts_ms, const char *site, const char *uri,
                const char *ref, const char *ua, const char *ip);

/* Encodes ev as JSON into out. Returns the length (no NUL is written), or -1
 * when ev holds an invalid field or out is too small. */
int event_encode(const event *ev, char *out, size_t outsize);

/* Decodes and validates a message of len bytes (version 1 or 2). Returns 0
 * and fills ev, or -1 and writes a short reason ("missing field \"ts\"") to reason. */
int event_decode(const char *data, size_t len, event *ev, char *reason,
                 size_t reasonsize);

/* Checks ev's time against now_ms: at most max_future_ms ahead (clocks of
 * workers and consumer differ a little; a visit from the future is a bad
 * clock or a forged message) and at most max_age_ms behind (older buckets
 * are closed; such an event comes from a replay longer than the retention
 * or from a bad clock). Returns 0, or -1 with a reason that says how far
 * off the time is. */
int event_check_time(const event *ev, int64_t now_ms, int64_t max_future_ms,
                     int64_t max_age_ms, char *reason, size_t reasonsize);

#endif
