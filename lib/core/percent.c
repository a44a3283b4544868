/* percent.c - decoding percent-escapes (see percent.h). */
#include "percent.h"

#include "hex.h"

long
percent_decode(char *out, size_t cap, const char *in, size_t len, int flags)
{
    size_t i, o = 0;
    int hi, lo;

    for (i = 0; i < len; i++) {
        char c = in[i];

        if (c == '+' && (flags & PERCENT_FORM)) {
            c = ' ';
        } else if (c == '%') {
            hi = i + 2 < len ? hex_value((unsigned char)in[i + 1]) : -1;
            lo = i + 2 < len ? hex_value((unsigned char)in[i + 2]) : -1;
            if (hi >= 0 && lo >= 0) {
                c = (char)(hi << 4 | lo);
                i += 2;
            } else if (flags & PERCENT_STRICT) {
                return PERCENT_INVALID;
            }
        }
        if (o == cap)
            return PERCENT_TOO_LONG;
        out[o++] = c;
    }
    return (long)o;
}
