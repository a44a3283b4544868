/* html.c - escaping text for HTML. */
#include "html.h"

#include <string.h>

int
html_escape(buf *b, const char *s)
{
    const char *run = s;

    for (; *s; s++) {
        const char *rep;
        switch (*s) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        case '\'': rep = "&#39;"; break;
        default: continue;
        }
        if (buf_append(b, run, (size_t)(s - run)) < 0 || buf_puts(b, rep) < 0)
            return -1;
        run = s + 1;
    }
    return buf_append(b, run, (size_t)(s - run));
}
