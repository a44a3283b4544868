/* intake.c - what a page view's client sends, checked. */
#include "intake.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "json_strict.h"
#include "query_string.h"

int
intake_url_split(const char *url, size_t len, const char **host, size_t *hostlen,
                 const char **path)
{
    const char *p, *end = url + len, *auth;
    size_t n;

    if (len >= 7 && strncasecmp(url, "http://", 7) == 0)
        auth = url + 7;
    else if (len >= 8 && strncasecmp(url, "https://", 8) == 0)
        auth = url + 8;
    else
        return -1;
    for (p = url; p < end; p++) {
        if ((unsigned char)*p <= ' ' || *p == 0x7f)
            return -1;
    }
    for (n = 0; auth + n < end && auth[n] != '/' && auth[n] != '?' && auth[n] != '#';)
        n++;
    if (n == 0 || memchr(auth, '@', n) != NULL)
        return -1;
    *path = auth + n;
    /* The host: an IPv6 address in brackets, or up to a ":port". */
    if (auth[0] == '[') {
        p = memchr(auth, ']', n);
        if (p == NULL || (p + 1 < auth + n && p[1] != ':'))
            return -1;
        n = (size_t)(p - auth) + 1;
    } else if ((p = memchr(auth, ':', n)) != NULL) {
        n = (size_t)(p - auth);
    }
    if (n == 0)
        return -1;
    *host = auth;
    *hostlen = n;
    return 0;
}

/* Copies what a client sent into out (outsize bytes, cut to fit) for a
 * one-line message: bytes below 0x20 and 0x7f become '?'. Returns out. */
static const char *
intake_shown(const char *s, char *out, size_t outsize)
{
    size_t i;

    for (i = 0; s[i] != '\0' && i + 1 < outsize; i++)
        out[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
    out[i] = '\0';
    return out;
}

const char *
intake_url_site(const sites *all, const char *url)
{
    const char *host, *path;
    size_t hostlen;

    if (intake_url_split(url, strlen(url), &host, &hostlen, &path) < 0)
        return NULL;
    return sites_lookup(all, host, hostlen);
}

const char *
intake_origin_site(const sites *all, const char *origin)
{
    const char *host, *path;
    size_t hostlen, len = strlen(origin);

    /* An origin is scheme://host[:port] and nothing more. */
    if (intake_url_split(origin, len, &host, &hostlen, &path) < 0
        || path != origin + len)
        return NULL;
    return sites_lookup(all, host, hostlen);
}

void
intake_referrer(const sites *all, const char *site, const char *ref, char *out,
                size_t outsize)
{
    const char *ref_site = intake_url_site(all, ref);

    if (ref_site != NULL && strcmp(ref_site, site) == 0)
        ref = "";
    snprintf(out, outsize, "%s", ref);
}

/* Fills v from the three values a client gave (ref may be NULL), the
 * site first: site is one of the sites, url a page of it, origin (may be
 * "") of it too. Returns 0, or 403 or 400 with a reason. */
static int
intake_view_fill(const sites *all, const char *site, const char *url,
                 const char *ref, const char *origin, intake_view *v, char *err,
                 size_t errlen)
{
    const char *named = sites_lookup(all, site, strlen(site)), *of_url;
    const char *host, *path;
    size_t hostlen, sitelen = strlen(site);
    /* A host name, not host:port (an IPv6 address is in brackets). */
    int port = site[0] == '['
               ? site[sitelen - 1] != ']'
               : strchr(site, ':') != NULL;

    if (named == NULL || port) {
        char shown[65];
        snprintf(err, errlen, "site \"%s\" is not one of the sites counted here",
                 intake_shown(site, shown, sizeof(shown)));
        return 403;
    }
    if (strlen(url) > INTAKE_URL_MAX
        || intake_url_split(url, strlen(url), &host, &hostlen, &path) < 0) {
        snprintf(err, errlen, "url must be an absolute http or https URL of at "
                 "most %d bytes", INTAKE_URL_MAX);
        return 400;
    }
    of_url = sites_lookup(all, host, hostlen);
    if (of_url == NULL || strcmp(of_url, named) != 0) {
        snprintf(err, errlen, "url is not a page of site \"%s\"", named);
        return 403;
    }
    if (origin[0] != '\0') {
        const char *of_origin = intake_origin_site(all, origin);
        if (of_origin == NULL || strcmp(of_origin, named) != 0) {
            snprintf(err, errlen, "origin is not site \"%s\"", named);
            return 403;
        }
    }
    v->site = named;
    snprintf(v->uri, sizeof(v->uri), "%s%s", path[0] == '/' ? "" : "/", path);
    intake_referrer(all, named, ref ? ref : "", v->ref, sizeof(v->ref));
    return 0;
}

/* The members of an events API body. */
enum intake_field { I_SITE, I_URL, I_REFERRER, I_COUNT };
static const char *const intake_field_names[I_COUNT] = { "site", "url", "referrer" };

int
intake_parse_event(const sites *all, const char *body, size_t len, const char *origin,
                   intake_view *v, char *err, size_t errlen)
{
    char values[I_COUNT][INTAKE_BODY_MAX + 1], reason[160];
    int got[I_COUNT] = { 0 }, f, rc;
    json_strict_member m;
    json_strict_reader r;

    if (len > INTAKE_BODY_MAX) {
        snprintf(err, errlen, "the body is larger than %d bytes", INTAKE_BODY_MAX);
        return 413;
    }
    if (json_strict_open(&r, body, len, reason, sizeof(reason)) < 0) {
        snprintf(err, errlen, "the body must be a JSON object: %s", reason);
        return 400;
    }
    while ((rc = json_strict_next(&r, &m, reason, sizeof(reason))) == 1) {
        for (f = 0; f < I_COUNT; f++) {
            if (m.keylen == strlen(intake_field_names[f])
                && strcmp(m.key, intake_field_names[f]) == 0)
                break;
        }
        if (f == I_COUNT) {
            char shown[33];
            snprintf(err, errlen, "unknown field \"%s\" (allowed: site, url, "
                     "referrer)", intake_shown(m.key, shown, sizeof(shown)));
            return 400;
        }
        if (got[f]) {
            snprintf(err, errlen, "field \"%s\" is given twice", intake_field_names[f]);
            return 400;
        }
        if (m.type != JSON_STRICT_STRING
            || json_strict_string(&m, values[f], sizeof(values[f])) < 0) {
            snprintf(err, errlen, "field \"%s\" must be a string", intake_field_names[f]);
            return 400;
        }
        got[f] = 1;
    }
    if (rc < 0) {
        snprintf(err, errlen, "the body must be a JSON object: %s", reason);
        return 400;
    }
    for (f = I_SITE; f <= I_URL; f++) {
        if (!got[f]) {
            snprintf(err, errlen, "field \"%s\" is missing", intake_field_names[f]);
            return 400;
        }
    }
    return intake_view_fill(all, values[I_SITE], values[I_URL],
                            got[I_REFERRER] ? values[I_REFERRER] : NULL, origin, v,
                            err, errlen);
}

int
intake_parse_pixel(const sites *all, const char *query, intake_view *v, char *err,
                   size_t errlen)
{
    const char *site = NULL, *url = NULL, *ref = NULL, **slot;
    query_string_param qp[QUERY_STRING_MAX_PARAMS];
    char reason[128];
    int n;

    n = query_string_parse(query, qp, QUERY_STRING_MAX_PARAMS, reason,
                           sizeof(reason));
    if (n < 0) {
        snprintf(err, errlen, "the query string: %s", reason);
        return 400;
    }
    for (int i = 0; i < n; i++) {
        if (strcmp(qp[i].key, "site") == 0)
            slot = &site;
        else if (strcmp(qp[i].key, "url") == 0)
            slot = &url;
        else if (strcmp(qp[i].key, "ref") == 0)
            slot = &ref;
        else {
            char shown[33];
            snprintf(err, errlen, "unknown parameter \"%s\" (allowed: site, url, ref)",
                     intake_shown(qp[i].key, shown, sizeof(shown)));
            return 400;
        }
        if (*slot != NULL) {
            snprintf(err, errlen, "parameter \"%s\" is given twice", qp[i].key);
            return 400;
        }
        *slot = qp[i].value;
    }
    if (site == NULL || url == NULL) {
        snprintf(err, errlen, "parameter \"%s\" is missing", site == NULL ? "site" : "url");
        return 400;
    }
    return intake_view_fill(all, site, url, ref, "", v, err, errlen);
}
