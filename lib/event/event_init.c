/* event_init.c - a new visit event, as the visit worker makes one: a fresh
 * id, the time, and the request's fields cleaned and bounded. */
#include "event.h"

#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <uuid/uuid.h>

#include "path.h"
#include "utf8.h"

void
event_init(event *ev, int64_t ts_ms, const char *site, const char *uri,
           const char *ref, const char *ua, const char *ip)
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
