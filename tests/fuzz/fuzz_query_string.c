/* fuzz_query_string.c - libFuzzer target for query_string_parse and
 * query_string_encode (lib/core/query_string.h).
 *
 * Input: the bytes before the first NUL are the query string
 * (query_string_parse takes a C string, as the report worker gets
 * QUERY_STRING). The byte after that NUL, if any, picks max (0 to
 * QUERY_STRING_MAX_PARAMS); without one max is QUERY_STRING_MAX_PARAMS, what
 * lib/report/params.c passes. The query and the max parameters are allocated
 * with their exact sizes so ASan sees any access past them.
 *
 * Checked, besides what ASan and UBSan catch:
 *  - query_string_parse returns -1 or a count from 0 to max;
 *  - on -1, reason is a non-empty NUL-terminated string;
 *  - otherwise the count is the number of non-empty '&'-separated pieces,
 *    and each key and value is NUL-terminated inside its array, well-formed
 *    UTF-8 without NUL or control characters (query_string_parse refuses the
 * rest);
 *  - the parameters re-encoded with query_string_encode ("k=v&...") parse back
 * to the same keys and values. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fuzz.h"
#include "query_string.h"
#include "utf8.h"

/* Returns the number of non-empty pieces of q between '&'s. */
static int
fuzz_qs_pieces(const char *q)
{
    int n = 0;
    size_t len;

    for (;;) {
        len = strcspn(q, "&");
        n += len > 0;
        if (q[len] == '\0')
            return n;
        q += len + 1;
    }
}

/* Checks one decoded key or value held in an array of size bytes. */
static void
fuzz_qs_text(const char *s, size_t size)
{
    const char *nul = memchr(s, '\0', size);

    FUZZ_ASSERT(nul != NULL, "key or value not NUL-terminated in its array");
    FUZZ_ASSERT(utf8_is_clean(s, (size_t)(nul - s)),
                "key or value holds a control character or invalid UTF-8");
}

/* Encodes p[0..n) back into a query string in b. */
static void
fuzz_qs_encode(buf *b, const query_string_param *p, int n)
{
    for (int i = 0; i < n; i++) {
        if (i > 0)
            buf_puts(b, "&");
        query_string_encode(b, p[i].key);
        buf_puts(b, "=");
        query_string_encode(b, p[i].value);
    }
    FUZZ_ASSERT(!b->failed, "out of memory");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, '\0', size);
    size_t qlen = nul ? (size_t)(nul - data) : size;
    int max = QUERY_STRING_MAX_PARAMS, rc, rc2;
    query_string_param *out, *back;
    char reason[128], *query;
    buf b = BUF_INIT;

    if (nul && qlen + 1 < size)
        max = data[qlen + 1] % (QUERY_STRING_MAX_PARAMS + 1);
    query = malloc(qlen + 1);
    out = malloc(sizeof(*out) * (size_t)max);
    back = malloc(sizeof(*back) * (size_t)max);
    FUZZ_ASSERT(query && (max == 0 || (out && back)), "out of memory");
    memcpy(query, data, qlen);
    query[qlen] = '\0';

    memset(reason, 'R', sizeof(reason));
    rc = query_string_parse(query, out, max, reason, sizeof(reason));
    FUZZ_ASSERT(rc >= -1 && rc <= max, "count outside -1..max");
    if (rc < 0) {
        FUZZ_ASSERT(memchr(reason, '\0', sizeof(reason)) != NULL,
                    "reason not NUL-terminated");
        FUZZ_ASSERT(reason[0] != '\0', "empty reason");
        goto done;
    }
    FUZZ_ASSERT(rc == fuzz_qs_pieces(query),
                "count differs from the non-empty pieces");
    for (int i = 0; i < rc; i++) {
        fuzz_qs_text(out[i].key, sizeof(out[i].key));
        fuzz_qs_text(out[i].value, sizeof(out[i].value));
    }

    fuzz_qs_encode(&b, out, rc);
    rc2 = query_string_parse(b.data, back, max, reason, sizeof(reason));
    FUZZ_ASSERT(rc2 == rc, "re-encoded parameters parse to another count");
    for (int i = 0; i < rc; i++)
        FUZZ_ASSERT(strcmp(out[i].key, back[i].key) == 0
                        && strcmp(out[i].value, back[i].value) == 0,
                    "re-encoded parameters parse to other text");
done:
    buf_free(&b);
    free(back);
    free(out);
    free(query);
    return 0;
}
