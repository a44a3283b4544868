/* path.h - normalization of request paths into the form visits are counted
 * under. */
#ifndef VISITS_PATH_H
#define VISITS_PATH_H

#include <stddef.h>

/* Raw request targets longer than this are cut before normalization. */
#define PATH_INPUT_MAX 8192
/* Bytes of a normalized path as events carry it and the tables count it. */
#define PATH_NORMAL_MAX 512
/* Where a minute's visits to paths past max-paths-per-minute are counted.
 * Not a path (paths start with '/'), so it cannot collide with one. */
#define PATH_OTHER "(other)"

/* Normalizes a request target (REQUEST_URI: origin form "/a/b?q" or absolute
 * form "http://host/a/b") into dst, which must hold at least 2 bytes:
 *  - the query string and fragment are dropped;
 *  - percent-escapes are decoded, "." and ".." segments resolved (never above
 *    the root), empty segments merged; a trailing slash is kept;
 *  - the result is re-encoded canonically: bytes that are not well-formed
 *    UTF-8, controls, space, '%', '?', '#' and a '/' that was encoded inside
 *    a segment become %XX (upper case); everything else is kept as is;
 *  - the result is cut to fit dstsize, never inside an escape or a character,
 *    and a segment cut to "." or ".." is left out (its '/' stays).
 * So equal results mean the same resource, and the result is itself a valid
 * path to request that normalizes to itself (if at most PATH_INPUT_MAX
 * bytes). Returns the length written (without the NUL). */
size_t path_normalize(char *dst, size_t dstsize, const char *uri, size_t urilen);

#endif
