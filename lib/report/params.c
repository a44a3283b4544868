/* params.c - the query parameters of the report endpoints. */
#include "params.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "path.h"
#include "query_string.h"
#include "timestamp.h"

static const struct {
    const char *name;
    int minutes;
    int bucket_minutes;
} params_windows[] = {
    { "15m", 15, 1 }, { "60m", 60, 1 }, { "6h", 360, 5 }, { "24h", 1440, 15 },
};

#define PARAMS_NWINDOWS (sizeof(params_windows) / sizeof(params_windows[0]))

int
params_tz_valid(const char *name)
{
    const char *dir = getenv("TZDIR");
    char file[512], magic[4];
    size_t len = strlen(name);
    int fd, ok, n;

    if (strcmp(name, "UTC") == 0)
        return 1;
    if (len == 0 || len > PARAMS_TZ_MAX || name[0] == '/' || name[len - 1] == '/'
        || strstr(name, "..") || strstr(name, "//"))
        return 0;
    for (const char *c = name; *c; c++) {
        if (!((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z')
              || (*c >= '0' && *c <= '9') || *c == '/' || *c == '_' || *c == '-'
              || *c == '+'))
            return 0;
    }
    n = snprintf(file, sizeof(file), "%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo",
                 name);
    if (n < 0 || (size_t)n >= sizeof(file))
        return 0;       /* cut short, it would name another file */
    fd = open(file, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ok = read(fd, magic, 4) == 4 && memcmp(magic, "TZif", 4) == 0;
    close(fd);
    return ok;
}

/* Copies value into path when it is a normalized path or PATH_OTHER
 * (the paths of a minute past its cap). Returns 0 or -1 with a message. */
static int
params_path(const char *value, char *path, char *err, size_t errlen)
{
    size_t len = strlen(value);

    if (strcmp(value, PATH_OTHER) == 0) {
        strcpy(path, value);
        return 0;
    }
    if (len == 0 || len > PATH_NORMAL_MAX || value[0] != '/'
        || path_normalize(path, PATH_NORMAL_MAX + 1, value, len) != len
        || strcmp(path, value) != 0) {
        snprintf(err, errlen, "parameter \"path\" must be a normalized path "
                 "like /pricing, as listed on the report");
        return -1;
    }
    return 0;
}

/* Copies value into site when it names one of the sites in all (a site's
 * name; an alias is not one); "" means the default site. Returns 0 or -1
 * with a message. */
static int
params_site(const char *value, const sites *all, char *site, char *err,
            size_t errlen)
{
    const char *name = value[0] ? sites_find(all, value) : sites_name(all, 0);

    if (name == NULL) {
        snprintf(err, errlen, "parameter \"site\" must name one of the sites "
                 "counted here, like %s", sites_name(all, 0));
        return -1;
    }
    snprintf(site, SITES_NAME_MAX + 1, "%s", name);
    return 0;
}

/* Returns 0, or -1 with a message naming the first key that appears twice
 * in qp[0..n): no parameter may be repeated. */
static int
params_once(const query_string_param *qp, int n, char *err, size_t errlen)
{
    for (int i = 0; i < n; i++) {
        for (int j = i + 1; j < n; j++) {
            if (strcmp(qp[i].key, qp[j].key) == 0) {
                snprintf(err, errlen, "parameter \"%s\" is given more than once",
                         qp[i].key);
                return -1;
            }
        }
    }
    return 0;
}

/* The PARAMS_* bit of a report parameter's name, 0 for any other. */
static unsigned
params_bit(const char *key)
{
    static const char *const names[] = { "site", "window", "top", "tz", "path" };

    for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strcmp(key, names[i]) == 0)
            return 1u << i;
    return 0;
}

int
params_parse(const char *query, const sites *all, report_params *p, char *err,
             size_t errlen)
{
    query_string_param qp[QUERY_STRING_MAX_PARAMS];
    int n;
    size_t w;
    char *end;
    long v;

    p->sites = all;
    snprintf(p->site, sizeof(p->site), "%s", sites_name(all, 0));
    p->window = "60m";
    p->minutes = 60;
    p->bucket_minutes = 1;
    p->top = PARAMS_TOP_DEFAULT;
    strcpy(p->tz, "UTC");
    p->path[0] = '\0';
    p->given = 0;
    n = query_string_parse(query, qp, QUERY_STRING_MAX_PARAMS, err, errlen);
    if (n < 0 || params_once(qp, n, err, errlen) < 0)
        return -1;
    for (int i = 0; i < n; i++) {
        const char *key = qp[i].key, *value = qp[i].value;
        p->given |= params_bit(key);
        if (strcmp(key, "site") == 0) {
            if (params_site(value, all, p->site, err, errlen) < 0)
                return -1;
        } else if (strcmp(key, "window") == 0) {
            for (w = 0; w < PARAMS_NWINDOWS; w++) {
                if (strcmp(value, params_windows[w].name) == 0)
                    break;
            }
            if (w == PARAMS_NWINDOWS) {
                snprintf(err, errlen,
                         "parameter \"window\" must be one of 15m, 60m, 6h, 24h");
                return -1;
            }
            p->window = params_windows[w].name;
            p->minutes = params_windows[w].minutes;
            p->bucket_minutes = params_windows[w].bucket_minutes;
        } else if (strcmp(key, "top") == 0) {
            v = strtol(value, &end, 10);
            if (value[0] < '0' || value[0] > '9' || *end != '\0' || v < 1
                || v > PARAMS_TOP_MAX) {
                snprintf(err, errlen,
                         "parameter \"top\" must be an integer from 1 to %d",
                         PARAMS_TOP_MAX);
                return -1;
            }
            p->top = (int)v;
        } else if (strcmp(key, "tz") == 0) {
            if (value[0] == '\0')
                continue;       /* an emptied form field: the default */
            if (!params_tz_valid(value)) {
                snprintf(err, errlen, "parameter \"tz\" must be an IANA time zone "
                         "name like UTC or Europe/Berlin");
                return -1;
            }
            strcpy(p->tz, value);
        } else if (strcmp(key, "path") == 0) {
            if (value[0] != '\0' && params_path(value, p->path, err, errlen) < 0)
                return -1;
        } else {
            snprintf(err, errlen, "unknown parameter \"%s\" (allowed: site, "
                     "window, top, tz, path)", key);
            return -1;
        }
    }
    return 0;
}

/* Parses "YYYY-MM-DDTHH:MMZ" or "YYYY-MM-DDTHH:MM:SSZ" into seconds,
 * rounded down to the minute. Returns 0 or -1. */
static int
params_time(const char *s, int64_t *sec)
{
    char full[TIMESTAMP_ISO_MS_SIZE];
    size_t len = strlen(s);
    int64_t ms;

    if (len == 17 && s[16] == 'Z')
        snprintf(full, sizeof(full), "%.16s:00.000Z", s);
    else if (len == 20 && s[19] == 'Z')
        snprintf(full, sizeof(full), "%.19s.000Z", s);
    else
        return -1;
    if (timestamp_parse_ms(full, strlen(full), &ms) < 0)
        return -1;
    *sec = timestamp_minute(ms);
    return 0;
}

int
params_parse_csv(const char *query, const sites *all, int64_t now_ms,
                 csv_params *p, char *err, size_t errlen)
{
    query_string_param qp[QUERY_STRING_MAX_PARAMS];
    int n, have_from = 0;

    snprintf(p->site, sizeof(p->site), "%s", sites_name(all, 0));
    p->to = timestamp_minute(now_ms) + 60;
    p->path[0] = '\0';
    n = query_string_parse(query, qp, QUERY_STRING_MAX_PARAMS, err, errlen);
    if (n < 0 || params_once(qp, n, err, errlen) < 0)
        return -1;
    for (int i = 0; i < n; i++) {
        const char *key = qp[i].key, *value = qp[i].value;
        if (strcmp(key, "site") == 0) {
            if (params_site(value, all, p->site, err, errlen) < 0)
                return -1;
        } else if (strcmp(key, "from") == 0 || strcmp(key, "to") == 0) {
            int64_t *t = key[0] == 'f' ? &p->from : &p->to;
            if (params_time(value, t) < 0) {
                snprintf(err, errlen, "parameter \"%s\" must be a UTC time like "
                         "2026-01-01T10:00Z or 2026-01-01T10:00:00Z", key);
                return -1;
            }
            have_from |= key[0] == 'f';
        } else if (strcmp(key, "path") == 0) {
            if (value[0] != '\0' && params_path(value, p->path, err, errlen) < 0)
                return -1;
        } else {
            snprintf(err, errlen, "unknown parameter \"%s\" (allowed: site, "
                     "from, to, path)", key);
            return -1;
        }
    }
    if (!have_from)
        p->from = p->to - 3600;
    if (p->from >= p->to) {
        snprintf(err, errlen, "parameter \"from\" must be before \"to\"");
        return -1;
    }
    if (p->to - p->from > PARAMS_CSV_MAX_SECONDS) {
        snprintf(err, errlen, "parameters \"from\" and \"to\" must be at most "
                 "7 days apart");
        return -1;
    }
    return 0;
}

int
params_query(buf *out, const report_params *p, unsigned which, const char *amp)
{
    const char *sep = "";

    if (which & PARAMS_SITE) {
        buf_puts(out, "site=");
        query_string_encode(out, p->site);
        sep = amp;
    }
    if (which & PARAMS_WINDOW) {
        buf_printf(out, "%swindow=%s", sep, p->window);
        sep = amp;
    }
    if (which & PARAMS_TOP) {
        buf_printf(out, "%stop=%d", sep, p->top);
        sep = amp;
    }
    if (which & PARAMS_TZ) {
        buf_printf(out, "%stz=", sep);
        query_string_encode(out, p->tz);
        sep = amp;
    }
    if (which & PARAMS_PATH) {
        buf_printf(out, "%spath=", sep);
        query_string_encode(out, p->path);
    }
    return out->failed ? -1 : 0;
}

unsigned
params_nondefault(const report_params *p)
{
    unsigned bits = 0;

    if (p->sites && strcmp(p->site, sites_name(p->sites, 0)) != 0)
        bits |= PARAMS_SITE;
    if (strcmp(p->window, "60m") != 0)
        bits |= PARAMS_WINDOW;
    if (p->top != PARAMS_TOP_DEFAULT)
        bits |= PARAMS_TOP;
    if (strcmp(p->tz, "UTC") != 0)
        bits |= PARAMS_TZ;
    if (p->path[0] != '\0')
        bits |= PARAMS_PATH;
    return bits;
}

int
params_is_canonical(const char *query, const report_params *p, buf *scratch)
{
    buf_reset(scratch);
    if (params_query(scratch, p, p->given, "&") < 0)
        return 0;
    return strcmp(query ? query : "", scratch->data ? scratch->data : "") == 0;
}
