/* fuzz_event.c - libFuzzer target for event_decode (lib/event/event.h), and
 * through it the JSON reader (lib/event/json_strict.c), timestamp_parse_ms and
 * the path check. The input is one Kafka message, as the consumer receives it.
 *
 * Checked for every input, besides what ASan and UBSan catch:
 *  - event_decode returns 0 or -1;
 *  - on -1, reason is a non-empty NUL-terminated string;
 *  - on 0, every string field is NUL-terminated inside its array, the site
 *    is empty (version 1) or a valid site name, the event encodes
 *    (event_encode succeeds, at most EVENT_JSON_MAX bytes; a version 1
 *    event once given the default site, as the consumer does), its
 *    encoding decodes to an identical event, and encoding that again gives
 *    the same bytes. */
#include <stdint.h>
#include <string.h>

#include "event.h"
#include "fuzz.h"

/* 1 when s (size bytes) holds a NUL. */
static int
fuzz_terminated(const char *s, size_t size)
{
    return memchr(s, '\0', size) != NULL;
}

/* Checks the string fields of a decoded event. */
static void
fuzz_event_fields(const event *ev)
{
    FUZZ_ASSERT(fuzz_terminated(ev->id, sizeof(ev->id)), "id not terminated");
    FUZZ_ASSERT(fuzz_terminated(ev->site, sizeof(ev->site)), "site not terminated");
    FUZZ_ASSERT(ev->site[0] == '\0' || sites_name_valid(ev->site),
                "a decoded site is not a site name");
    FUZZ_ASSERT(fuzz_terminated(ev->path, sizeof(ev->path)),
                "path not terminated");
    FUZZ_ASSERT(fuzz_terminated(ev->ref, sizeof(ev->ref)), "ref not terminated");
    FUZZ_ASSERT(fuzz_terminated(ev->ua, sizeof(ev->ua)), "ua not terminated");
    FUZZ_ASSERT(fuzz_terminated(ev->ip, sizeof(ev->ip)), "ip not terminated");
}

/* Checks that a and b hold the same event. */
static void
fuzz_event_equal(const event *a, const event *b)
{
    FUZZ_ASSERT(strcmp(a->id, b->id) == 0, "round trip changed id");
    FUZZ_ASSERT(a->ts_ms == b->ts_ms, "round trip changed ts");
    FUZZ_ASSERT(strcmp(a->site, b->site) == 0, "round trip changed site");
    FUZZ_ASSERT(strcmp(a->path, b->path) == 0, "round trip changed path");
    FUZZ_ASSERT(strcmp(a->ref, b->ref) == 0, "round trip changed ref");
    FUZZ_ASSERT(strcmp(a->ua, b->ua) == 0, "round trip changed ua");
    FUZZ_ASSERT(strcmp(a->ip, b->ip) == 0, "round trip changed ip");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char reason[256], json[EVENT_JSON_MAX], again[EVENT_JSON_MAX];
    event ev, back;
    int rc, n, m;

    memset(reason, 'R', sizeof(reason));
    rc = event_decode((const char *)data, size, &ev, reason, sizeof(reason));
    FUZZ_ASSERT(rc == 0 || rc == -1, "event_decode returned neither 0 nor -1");
    if (rc < 0) {
        FUZZ_ASSERT(fuzz_terminated(reason, sizeof(reason)),
                    "reason not NUL-terminated");
        FUZZ_ASSERT(reason[0] != '\0', "empty reason");
        return 0;
    }
    fuzz_event_fields(&ev);
    if (ev.site[0] == '\0')
        strcpy(ev.site, "example.com");     /* what the consumer counts it under */

    n = event_encode(&ev, json, sizeof(json));
    FUZZ_ASSERT(n > 0, "a decoded event does not encode");
    FUZZ_ASSERT(n <= EVENT_JSON_MAX, "encoding longer than EVENT_JSON_MAX");
    memset(reason, 'R', sizeof(reason));
    rc = event_decode(json, (size_t)n, &back, reason, sizeof(reason));
    if (rc != 0)
        fprintf(stderr, "re-decode: %.*s: %.256s\n", n, json, reason);
    FUZZ_ASSERT(rc == 0, "the encoding of a decoded event does not decode");
    fuzz_event_fields(&back);
    fuzz_event_equal(&ev, &back);

    m = event_encode(&back, again, sizeof(again));
    FUZZ_ASSERT(m == n && memcmp(json, again, (size_t)n) == 0,
                "encoding is not stable across a round trip");
    return 0;
}
