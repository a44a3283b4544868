/* hex.h - hexadecimal digits both ways: the value of one, for the
 * decoders of percent escapes (percent) and JSON \u escapes (json_strict); and
 * the digit of a value, for the encoders (path, query_string, json_strict:
 * upper case as RFC 3986 and jansson write them; db's bytea: lower case). */
#ifndef VISITS_HEX_H
#define VISITS_HEX_H

/* Returns the value 0-15 of hex digit c (either case), or -1. */
static inline int
hex_value(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Returns the upper-case hex digit of v & 0xF. */
static inline char
hex_digit(unsigned v)
{
    return "0123456789ABCDEF"[v & 0xF];
}

/* Returns the lower-case hex digit of v & 0xF. */
static inline char
hex_digit_lower(unsigned v)
{
    return "0123456789abcdef"[v & 0xF];
}

#endif
