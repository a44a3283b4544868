/* promlint.h - a strict checker of the Prometheus text exposition format
 * (0.0.4), for the tests: Check suites link it, and tests/promlint reads
 * a scrape on stdin. */
#ifndef VISITS_PROMLINT_H
#define VISITS_PROMLINT_H

#include <stdio.h>

/* Checks text and writes one line per problem to report (may be NULL).
 * Returns the number of problems: 0 when every line is a HELP, TYPE or
 * sample line of the format; each family has at most one HELP and one
 * TYPE, before its samples; every sample belongs to a family declared
 * by TYPE (name, or name_bucket/_sum/_count for a histogram); no series
 * appears twice; values are numbers, NaN or +-Inf; counters are not
 * negative; a histogram's buckets carry le, grow, end at le="+Inf" and
 * equal its _count; and the text ends with a newline. */
int promlint(const char *text, FILE *report);

#endif
