/* html.h - escaping text for HTML element content and attribute values. */
#ifndef VISITS_HTML_H
#define VISITS_HTML_H

#include "buf.h"

/* Appends s to b with &, <, >, " and ' replaced by character references, so
 * the result is safe in element content and in quoted attribute values.
 * Returns 0, or -1 when out of memory (see buf_append). */
int html_escape(buf *b, const char *s);

#endif
