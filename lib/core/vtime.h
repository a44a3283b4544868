/* vtime.h - UTC timestamps in milliseconds, their ISO 8601 text form, and
 * minute buckets. Pure arithmetic: independent of TZ and the C locale. */
#ifndef VISITS_VTIME_H
#define VISITS_VTIME_H

#include <stddef.h>
#include <stdint.h>

/* "2026-01-01T10:00:00.123Z" plus NUL. */
#define VTIME_ISO_MS_SIZE 25
/* "2026-01-01T10:00:00Z" plus NUL. */
#define VTIME_ISO_SIZE 21

/* Earliest and latest instants accepted anywhere (years 2000 to 2999). */
#define VTIME_MIN_MS 946684800000LL
#define VTIME_MAX_MS 32503680000000LL

/* Returns the current UTC time in milliseconds since the epoch. */
int64_t vtime_now_ms(void);

/* Returns milliseconds of a monotonic clock that ticks every few ms
 * (CLOCK_MONOTONIC_COARSE): for intervals and deadlines only, and cheap
 * enough to read once per Kafka message. */
int64_t vtime_mono_ms(void);

/* Returns seconds of the precise monotonic clock (CLOCK_MONOTONIC), for
 * timing an operation. */
double vtime_mono_s(void);

/* Writes ms as "YYYY-MM-DDTHH:MM:SS.mmmZ". Returns 0, or -1 (and writes an
 * empty string) when ms is outside [VTIME_MIN_MS, VTIME_MAX_MS). */
int vtime_format_ms(int64_t ms, char out[VTIME_ISO_MS_SIZE]);

/* Writes sec as "YYYY-MM-DDTHH:MM:SSZ"; as vtime_format_ms. */
int vtime_format_sec(int64_t sec, char out[VTIME_ISO_SIZE]);

/* Parses exactly "YYYY-MM-DDTHH:MM:SS.mmmZ" (len bytes, no NUL needed),
 * checking every field's range. Returns 0 and sets *ms, or -1 and leaves *ms
 * unchanged. */
int vtime_parse_ms(const char *s, size_t len, int64_t *ms);

/* Returns the start of the UTC minute holding ms, in seconds since the
 * epoch (floor, also for negative values). */
int64_t vtime_minute(int64_t ms);

#endif
