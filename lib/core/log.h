/* log.h - one-line log messages on stderr: time, level, program, message. */
#ifndef VISITS_LOG_H
#define VISITS_LOG_H

#include <stdatomic.h>
#include <stdint.h>

enum log_level { LOG_ERROR = 0, LOG_WARN, LOG_INFO, LOG_DEBUG };

/* Sets the most verbose level printed. Call once at start, before threads. */
void log_set_level(enum log_level level);

/* Parses "error", "warn", "info" or "debug". Returns 0, or -1 when the name
 * is none of them (and leaves *level unchanged). */
int log_level_parse(const char *name, enum log_level *level);

/* Prints one line if level is enabled. The message should be short, lower
 * case, and name the cause; key=value fields may follow. */
void log_msg(enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

/* A limiter for messages that could repeat per request: at most one line per
 * second, carrying how many occurrences it stands for. Zero-initialize. */
typedef struct log_limit {
    _Atomic int64_t last_sec;
    _Atomic uint64_t suppressed;
} log_limit;

/* Counts one occurrence; returns the number of occurrences the caller's line
 * should report (>= 1), or 0 when the caller must stay quiet this second. */
uint64_t log_limit_hit(log_limit *ll);

#endif
