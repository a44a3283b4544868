/* readiness.h - a readiness answer (/readyz) that costs the checked
 * services at most one check per max_age_ms, however often it is asked:
 * the answer is cached, and one caller at a time runs the check while the
 * others are answered with the last result. */
#ifndef VISITS_READINESS_H
#define VISITS_READINESS_H

#include <stdint.h>

#include "buf.h"

/* Checks the services now: returns 1 when ready, or 0 after appending to
 * why one line per reason ("not ready: ...\n"). May block, for as long as
 * its own timeouts allow. */
typedef int (*readiness_check)(void *ctx, buf *why);

typedef struct readiness readiness;

/* A cache for check (called with ctx), whose answers are reused for
 * max_age_ms. Returns NULL when out of memory. */
readiness *readiness_new(readiness_check check, void *ctx, int64_t max_age_ms);

/* Starts a thread that runs the check every period_ms (the first at
 * once) until readiness_free. From then on readiness_answer never runs
 * the check itself and never waits on it: it answers the last result
 * (503 until the first is in). For servers whose request threads must
 * not block (lib/serve/fcgi_loop). Returns 0, or -1 when the thread could
 * not start. */
int readiness_watch(readiness *r, int64_t period_ms);

/* Frees r, stopping readiness_watch's thread (after the check it may be
 * running). Nobody may be in readiness_answer. Accepts NULL. */
void readiness_free(readiness *r);

/* Appends the answer to body ("ready\n", or the reasons) and returns its
 * status, 200 or 503. Runs the check when the last one started more than
 * max_age_ms before now_ms (a monotonic clock) and no other caller is
 * running one; otherwise answers the last result, or 503 while the first
 * check is still running. Thread-safe. */
int readiness_answer_at(readiness *r, int64_t now_ms, buf *body);

/* readiness_answer_at with the monotonic clock's now. */
int readiness_answer(readiness *r, buf *body);

/* How many times the check has run. */
uint64_t readiness_checks(readiness *r);

#endif
