/* log.c - one-line log messages on stderr. */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* Set once at start (log_set_level), read by every thread afterwards. */
static enum log_level log_max = LOG_INFO;

static const char *const log_names[] = { "error", "warn", "info", "debug" };

void
log_set_level(enum log_level level)
{
    log_max = level;
}

int
log_level_parse(const char *name, enum log_level *level)
{
    for (int i = 0; i <= LOG_DEBUG; i++) {
        if (strcmp(name, log_names[i]) == 0) {
            *level = (enum log_level)i;
            return 0;
        }
    }
    return -1;
}

void
log_msg(enum log_level level, const char *fmt, ...)
{
    char line[1024], stamp[32];
    struct timespec ts;
    struct tm tm;
    va_list ap;
    int n, saved = errno;

    if (level > log_max)
        return;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
    n = snprintf(line, sizeof(line), "%s.%03ldZ %s %s: ", stamp,
                 ts.tv_nsec / 1000000, log_names[level],
                 program_invocation_short_name);
    va_start(ap, fmt);
    if (n > 0 && (size_t)n < sizeof(line))
        vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
    va_end(ap);
    /* One write per line, so lines from threads do not interleave. */
    fprintf(stderr, "%s\n", line);
    errno = saved;
}

uint64_t
log_limit_hit(log_limit *ll)
{
    int64_t now = (int64_t)time(NULL);
    int64_t last = atomic_load(&ll->last_sec);

    if (now != last && atomic_compare_exchange_strong(&ll->last_sec, &last, now))
        return atomic_exchange(&ll->suppressed, 0) + 1;
    atomic_fetch_add(&ll->suppressed, 1);
    return 0;
}
