/* fuzz_response.c - libFuzzer target for the load generator's HTTP
 * response reader (bench/loadgen/response.h).
 *
 * Input: the bytes a server sends. They are fed as the load generator
 * feeds them (a buffer of RESPONSE_LINE_MAX + 1 bytes; what response_read
 * did not take stays at its front and more is appended after it): all at
 * once, a byte at a time, and in pieces of a size taken from the first
 * byte.
 *
 * Checked, besides what ASan and UBSan catch:
 *  - response_read returns RESPONSE_DONE, RESPONSE_MORE or RESPONSE_BAD
 *    and never takes more than it was given;
 *  - after RESPONSE_MORE the buffer is never left full (the load generator
 *    would have no room to read into, and take that for a close);
 *  - every way of cutting the input gives the same outcome: the same
 *    result, at the same byte of the input, with the same status and the
 *    same close. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "response.h"

typedef struct outcome {
    int rc;             /* the last result */
    size_t end;         /* bytes of the input taken when it came */
    int status, close, until_close;
} outcome;

/* Feeds data[0..size) in pieces of step bytes. */
static outcome
fuzz_feed(const uint8_t *data, size_t size, size_t step)
{
    char buf[RESPONSE_LINE_MAX + 1];
    size_t pending = 0, fed = 0, used;
    outcome o = { RESPONSE_MORE, 0, 0, 0, 0 };
    response r;

    response_begin(&r);
    while (fed < size) {
        size_t room = sizeof(buf) - pending, n = size - fed;

        if (n > step)
            n = step;
        if (n > room)
            n = room;
        FUZZ_ASSERT(n > 0, "the buffer is full after RESPONSE_MORE");
        memcpy(buf + pending, data + fed, n);
        pending += n;
        fed += n;
        used = (size_t)-1;
        o.rc = response_read(&r, buf, pending, &used);
        FUZZ_ASSERT(o.rc == RESPONSE_DONE || o.rc == RESPONSE_MORE || o.rc == RESPONSE_BAD,
                    "response_read returned something else");
        FUZZ_ASSERT(used <= pending, "response_read took more than it was given");
        if (o.rc != RESPONSE_MORE) {
            o.end = fed - (pending - used);
            break;
        }
        memmove(buf, buf + used, pending - used);
        pending -= used;
        FUZZ_ASSERT(pending < sizeof(buf), "the buffer is full after RESPONSE_MORE");
        o.end = fed - pending;
    }
    o.status = r.status;
    o.close = r.close;
    o.until_close = response_until_close(&r);
    return o;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    outcome whole = fuzz_feed(data, size, size ? size : 1);
    size_t steps[2] = { 1, size ? 1 + data[0] % 64 : 1 };

    for (int i = 0; i < 2; i++) {
        outcome cut = fuzz_feed(data, size, steps[i]);

        FUZZ_ASSERT(cut.rc == whole.rc, "another result when the input comes in pieces");
        FUZZ_ASSERT(cut.end == whole.end, "the response ends elsewhere in pieces");
        FUZZ_ASSERT(cut.status == whole.status && cut.close == whole.close
                        && cut.until_close == whole.until_close,
                    "another status or close when the input comes in pieces");
    }
    return 0;
}
