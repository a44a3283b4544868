/* event_init.c - a new visit event, as the visit worker makes one: a fresh
 * id, the time, and the request's fields cleaned and bounded. */
#include "event.h"

#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <uuid/uuid.h>

#include "path.h"
#include "utf8.h"

#define EVENT_ID_POOL_BYTES 4096    /* 256 ids per getrandom(2) */

/* Fills u with 16 random bytes from the kernel's CSPRNG, through a pool of
 * each thread's own: one getrandom(2) per 256 ids instead of one per id
 * (a syscall per visit showed in the visit worker's profile). Falls back
 * to libuuid when the kernel will not give. */
static void
event_random_id(uuid_t u)
{
    static _Thread_local unsigned char pool[EVENT_ID_POOL_BYTES];
    static _Thread_local size_t left;

    if (left < sizeof(uuid_t)) {
        if (getrandom(pool, sizeof(pool), 0) != (ssize_t)sizeof(pool)) {
            uuid_generate_random(u);
            return;
        }
        left = sizeof(pool);
    }
    memcpy(u, pool + sizeof(pool) - left, sizeof(uuid_t));
    /* Never handed out twice. */
    memset(pool + sizeof(pool) - left, 0, sizeof(uuid_t));
    left -= sizeof(uuid_t);
    u[6] = (unsigned char)((u[6] & 0x0F) | 0x40);   /* version 4 */
    u[8] = (unsigned char)((u[8] & 0x3F) | 0x80);   /* RFC 4122 variant */
}

void
event_init(event *ev, int64_t ts_ms, const char *site, const char *uri,
           const char *ref, const char *ua, const char *ip)
{
    uuid_t u;

    /* A version 4 uuid. libuuid's uuid_generate_random reseeds random()
     * under its lock on every call, which showed in profiles too. */
    event_random_id(u);
    uuid_unparse_lower(u, ev->id);
    ev->ts_ms = ts_ms;
    snprintf(ev->site, sizeof(ev->site), "%s", site ? site : "");
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
