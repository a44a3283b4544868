/* timestamp.c - UTC timestamps, their ISO 8601 form, minute buckets. */
#include "timestamp.h"

#include <string.h>
#include <time.h>

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil). */
static int64_t
timestamp_days_from_civil(int64_t y, int m, int d)
{
    int64_t era, yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* The inverse of timestamp_days_from_civil. */
static void
timestamp_civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    int64_t era, doe, yoe, doy, mp;

    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static int
timestamp_days_in_month(int64_t y, int m)
{
    static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return days[m - 1];
}

int64_t
timestamp_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
timestamp_mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

double
timestamp_mono_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Writes v as n decimal digits (zero-padded) at out. */
static void
timestamp_put(char *out, int64_t v, int n)
{
    while (n-- > 0) {
        out[n] = (char)('0' + v % 10);
        v /= 10;
    }
}

/* Writes the date and time of sec (>= 0, year < 10000) as
 * "YYYY-MM-DDTHH:MM:SS" into out[0..19), without a NUL. */
static void
timestamp_format_base(int64_t sec, char *out)
{
    int64_t days = sec / 86400, rem = sec % 86400, y;
    int m, d;

    timestamp_civil_from_days(days, &y, &m, &d);
    memcpy(out, "0000-00-00T00:00:00", 19);
    timestamp_put(out, y, 4);
    timestamp_put(out + 5, m, 2);
    timestamp_put(out + 8, d, 2);
    timestamp_put(out + 11, rem / 3600, 2);
    timestamp_put(out + 14, rem / 60 % 60, 2);
    timestamp_put(out + 17, rem % 60, 2);
}

int
timestamp_format_ms(int64_t ms, char out[TIMESTAMP_ISO_MS_SIZE])
{
    if (ms < TIMESTAMP_MIN_MS || ms >= TIMESTAMP_MAX_MS) {
        out[0] = '\0';
        return -1;
    }
    timestamp_format_base(ms / 1000, out);
    out[19] = '.';
    timestamp_put(out + 20, ms % 1000, 3);
    out[23] = 'Z';
    out[24] = '\0';
    return 0;
}

int
timestamp_format_sec(int64_t sec, char out[TIMESTAMP_ISO_SIZE])
{
    if (sec < TIMESTAMP_MIN_MS / 1000 || sec >= TIMESTAMP_MAX_MS / 1000) {
        out[0] = '\0';
        return -1;
    }
    timestamp_format_base(sec, out);
    out[19] = 'Z';
    out[20] = '\0';
    return 0;
}

/* Reads n decimal digits at s into *v. Returns 0 or -1. */
static int
timestamp_digits(const char *s, int n, int *v)
{
    *v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        *v = *v * 10 + (s[i] - '0');
    }
    return 0;
}

int
timestamp_parse_ms(const char *s, size_t len, int64_t *ms)
{
    int y, mo, d, h, mi, sec, milli;
    int64_t v;

    if (len != TIMESTAMP_ISO_MS_SIZE - 1 || s[4] != '-' || s[7] != '-'
        || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != '.'
        || s[23] != 'Z')
        return -1;
    if (timestamp_digits(s, 4, &y) < 0 || timestamp_digits(s + 5, 2, &mo) < 0
        || timestamp_digits(s + 8, 2, &d) < 0
        || timestamp_digits(s + 11, 2, &h) < 0
        || timestamp_digits(s + 14, 2, &mi) < 0
        || timestamp_digits(s + 17, 2, &sec) < 0
        || timestamp_digits(s + 20, 3, &milli) < 0)
        return -1;
    if (mo < 1 || mo > 12 || d < 1 || d > timestamp_days_in_month(y, mo)
        || h > 23 || mi > 59 || sec > 59)
        return -1;
    v = ((timestamp_days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60 + sec;
    v = v * 1000 + milli;
    if (v < TIMESTAMP_MIN_MS || v >= TIMESTAMP_MAX_MS)
        return -1;
    *ms = v;
    return 0;
}

int64_t
timestamp_minute(int64_t ms)
{
    int64_t q = ms / 60000;

    if (ms % 60000 < 0)
        q--;
    return q * 60;
}
