/* hex.h - the value of a hexadecimal digit, for the decoders of percent
 * escapes (path, qs) and JSON \u escapes (jlite). */
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

#endif
