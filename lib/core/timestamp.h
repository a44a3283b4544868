/* timestamp.h - UTC timestamps in milliseconds, their ISO 8601 text form, and
 * minute buckets. Pure arithmetic: independent of TZ and the C locale. */
#ifndef VISITS_TIMESTAMP_H
#define VISITS_TIMESTAMP_H

#include <stddef.h>
#include <stdint.h>

/* "2026-01-01T10:00:00.123Z" plus NUL. */
#define TIMESTAMP_ISO_MS_SIZE 25
/* "2026-01-01T10:00:00Z" plus NUL. */
#define TIMESTAMP_ISO_SIZE 21

/* Earliest and latest instants accepted anywhere (years 2000 to 2999). */
#define TIMESTAMP_MIN_MS 946684800000LL
#define TIMESTAMP_MAX_MS 32503680000000LL

/* Returns the current UTC time in milliseconds since the epoch. */
int64_t timestamp_now_ms(void);

/* Returns milliseconds of a monotonic clock that ticks every few ms
 * (CLOCK_MONOTONIC_COARSE): for intervals and deadlines only, and cheap
 * enough to read once per Kafka message. */
int64_t timestamp_mono_ms(void);

/* Returns seconds of the precise monotonic clock (CLOCK_MONOTONIC), for
 * timing an operation. */
double timestamp_mono_s(void);

/* Writes ms as "YYYY-MM-DDTHH:MM:SS.mmmZ". Returns 0, or -1 (and writes an
 * empty string) when ms is outside [TIMESTAMP_MIN_MS, TIMESTAMP_MAX_MS). */
int timestamp_format_ms(int64_t ms, char out[TIMESTAMP_ISO_MS_SIZE]);

/* Writes sec as "YYYY-MM-DDTHH:MM:SSZ"; as timestamp_format_ms. */
int timestamp_format_sec(int64_t sec, char out[TIMESTAMP_ISO_SIZE]);

/* Parses exactly "YYYY-MM-DDTHH:MM:SS.mmmZ" (len bytes, no NUL needed),
 * checking every field's range. Returns 0 and sets *ms, or -1 and leaves *ms
 * unchanged. */
int timestamp_parse_ms(const char *s, size_t len, int64_t *ms);

/* Returns the start of the UTC minute holding ms, in seconds since the
 * epoch (floor, also for negative values). */
int64_t timestamp_minute(int64_t ms);

#endif
