/* json_strict.h - the JSON the visit event needs, without allocation: writing a
 * string, and reading the members of one top-level object strictly
 * (RFC 8259: well-formed UTF-8, valid escapes and numbers, nothing after
 * the object). Values of members the caller does not want are checked and
 * skipped, nested ones to a bounded depth.
 *
 * The event codec used jansson, which builds a tree of allocated nodes per
 * message: 54 % of the consumer's CPU while draining a backlog. */
#ifndef VISITS_JSON_STRICT_H
#define VISITS_JSON_STRICT_H

#include <stddef.h>

#define JSON_STRICT_DEPTH_MAX 32 /* arrays and objects nested inside a member  \
                                  */
#define JSON_STRICT_KEY_MAX                                                    \
    64 /* bytes of a decoded key; longer ones are kept cut */

/* Writes s (len bytes of well-formed UTF-8) as a quoted JSON string at
 * out + *pos, escaping what JSON requires ('"', '\\' and C0 controls, the
 * latter as \b \f \n \r \t or \u00XX) and nothing else, like jansson's
 * compact output. Advances *pos. Returns 0, or -1 when out (size bytes)
 * has no room; out is then unspecified past the old *pos. */
int json_strict_put_string(char *out, size_t size, size_t *pos, const char *s,
                     size_t len);

enum json_strict_type {
    JSON_STRICT_STRING,
    JSON_STRICT_NUMBER,
    JSON_STRICT_OBJECT,
    JSON_STRICT_ARRAY,
    JSON_STRICT_TRUE,
    JSON_STRICT_FALSE,
    JSON_STRICT_NULL,
};

/* One member of the object being read. */
typedef struct json_strict_member {
    char key[JSON_STRICT_KEY_MAX + 1]; /* decoded, NUL-terminated; of a longer
                                    key, its first JSON_STRICT_KEY_MAX bytes */
    size_t keylen;                  /* the whole decoded length, even if cut */
    enum json_strict_type type;
    const char *value;              /* the value's JSON text, inside the input */
    size_t valuelen;
} json_strict_member;

/* A reader over one message; fill with json_strict_open. */
typedef struct json_strict_reader {
    const char *p;          /* next byte to read */
    const char *start, *end;
    int members;            /* returned so far */
    int done;               /* 1: the object was read whole; -1: it failed */
} json_strict_reader;

/* Starts reading data (len bytes, no NUL needed). Returns 0, or -1 with a
 * reason: "not a json object" when data is a whole valid JSON value of
 * another kind, "invalid json: ..." otherwise. */
int json_strict_open(json_strict_reader *r, const char *data, size_t len,
                     char *reason, size_t reasonsize);

/* Reads the next member into m. Returns 1, 0 after the last one (having
 * checked that only whitespace follows the object), or -1 with a reason
 * "invalid json: ... at byte N". The value is validated whatever its
 * type. A \u0000 escape anywhere is refused, as jansson does by default,
 * so decoded strings never hold NUL. Duplicate keys are not detected:
 * that is the caller's to decide for the keys it knows. After -1 the
 * reader is spent: calling again returns -1. */
int json_strict_next(json_strict_reader *r, json_strict_member *m, char *reason,
                     size_t reasonsize);

/* Decodes the string member m (from json_strict_next) into dst (dstsize bytes,
 * NUL-terminated). Returns the decoded length, or -1 when m is not a
 * string or needs more than dstsize - 1 bytes. */
long json_strict_string(const json_strict_member *m, char *dst, size_t dstsize);

/* Stores the number member m in *v when it is an integer written without
 * fraction or exponent that fits a long long. Returns 0 or -1. */
int json_strict_integer(const json_strict_member *m, long long *v);

#endif
