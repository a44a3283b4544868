/* sites.c - the configured sites and their host names. */
#include "sites.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* One host name and the site it belongs to. */
typedef struct sites_host {
    char name[SITES_NAME_MAX + 1];
    size_t len;
    size_t site;            /* index into sites.names of the site's name */
} sites_host;

struct sites {
    sites_host hosts[SITES_MAX_NAMES];
    size_t nhosts;
    size_t site_host[SITES_MAX_NAMES];  /* site i's name is hosts[site_host[i]] */
    size_t nsites;
};

/* Returns 1 when name[0..len) is a DNS name in lower case: labels of 1 to
 * 63 letters, digits, '-' or '_', separated by single dots. */
static int
sites_dns_valid(const char *name, size_t len)
{
    size_t label = 0;

    if (len == 0 || len > SITES_NAME_MAX)
        return 0;
    for (size_t i = 0; i < len; i++) {
        char ch = name[i];
        if (ch == '.') {
            if (label == 0)
                return 0;
            label = 0;
        } else if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')
                   || ch == '-' || ch == '_') {
            if (++label > 63)
                return 0;
        } else {
            return 0;
        }
    }
    return label > 0;
}

/* Returns 1 when name[0..len) is an IPv6 address in brackets. */
static int
sites_ipv6_valid(const char *name, size_t len)
{
    char addr[64];
    unsigned char bin[16];

    if (len < 4 || len - 2 >= sizeof(addr) || name[0] != '[' || name[len - 1] != ']')
        return 0;
    memcpy(addr, name + 1, len - 2);
    addr[len - 2] = '\0';
    for (size_t i = 0; addr[i]; i++) {
        if (addr[i] >= 'A' && addr[i] <= 'F')
            return 0;   /* stored in lower case */
    }
    return inet_pton(AF_INET6, addr, bin) == 1;
}

int
sites_name_valid(const char *name)
{
    size_t len = strlen(name);

    return sites_dns_valid(name, len) || sites_ipv6_valid(name, len);
}

/* Cuts host[0..*len) down to the host name alone: without a ":port" and
 * a trailing dot. */
static void
sites_trim_host(const char *host, size_t *len)
{
    const char *end;

    if (*len > 0 && host[0] == '[') {
        end = memchr(host, ']', *len);
        if (end == NULL || (end + 1 < host + *len && end[1] != ':'))
            *len = 0;       /* no host name: matches none */
        else
            *len = (size_t)(end - host) + 1;
        return;
    }
    end = memchr(host, ':', *len);
    if (end != NULL)
        *len = (size_t)(end - host);
    if (*len > 0 && host[*len - 1] == '.')
        (*len)--;
}

/* Adds the host name word[0..len) to site (a new site when site equals
 * s->nsites). Returns 0, or -1 with a message. */
static int
sites_add(sites *s, const char *word, size_t len, size_t site, char *err,
          size_t errlen)
{
    sites_host *h;

    if (len > 0 && word[len - 1] == '.')
        len--;
    if (s->nhosts == SITES_MAX_NAMES) {
        snprintf(err, errlen, "more than %d host names", SITES_MAX_NAMES);
        return -1;
    }
    h = &s->hosts[s->nhosts];
    if (len > SITES_NAME_MAX) {
        snprintf(err, errlen, "a host name is longer than %d bytes",
                 SITES_NAME_MAX);
        return -1;
    }
    for (size_t i = 0; i < len; i++) {
        char ch = word[i];
        h->name[i] = ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
    }
    h->name[len] = '\0';
    h->len = len;
    if (!sites_name_valid(h->name)) {
        snprintf(err, errlen, "\"%.60s\" is not a host name (like "
                 "example.com, 192.0.2.1 or [2001:db8::1])", h->name);
        return -1;
    }
    for (size_t i = 0; i < s->nhosts; i++) {
        if (strcmp(s->hosts[i].name, h->name) == 0) {
            snprintf(err, errlen, "\"%.60s\" is named twice", h->name);
            return -1;
        }
    }
    if (site == s->nsites)
        s->site_host[s->nsites++] = s->nhosts;
    h->site = s->site_host[site];
    s->nhosts++;
    return 0;
}

sites *
sites_parse(const char *spec, char *err, size_t errlen)
{
    sites *s = calloc(1, sizeof(*s));
    const char *p = spec, *word;
    size_t site = 0;
    int in_site = 0;

    if (s == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    for (;;) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == ',' || *p == '\0') {
            if (!in_site) {
                snprintf(err, errlen, "%s", site == 0 && *p == '\0'
                         ? "no site is named (e.g. sites = example.com www.example.com)"
                         : "a site between commas has no host name");
                goto failed;
            }
            if (*p == '\0')
                break;
            p++;
            site++;
            in_site = 0;
            continue;
        }
        word = p;
        while (*p != '\0' && *p != ' ' && *p != '\t' && *p != ',')
            p++;
        if (sites_add(s, word, (size_t)(p - word), site, err, errlen) < 0)
            goto failed;
        in_site = 1;
    }
    return s;
failed:
    free(s);
    return NULL;
}

void
sites_free(sites *s)
{
    free(s);
}

size_t
sites_count(const sites *s)
{
    return s->nsites;
}

const char *
sites_name(const sites *s, size_t i)
{
    return i < s->nsites ? s->hosts[s->site_host[i]].name : NULL;
}

const char *
sites_lookup(const sites *s, const char *host, size_t len)
{
    sites_trim_host(host, &len);
    for (size_t i = 0; i < s->nhosts; i++) {
        if (s->hosts[i].len == len && strncasecmp(s->hosts[i].name, host, len) == 0)
            return s->hosts[s->hosts[i].site].name;
    }
    return NULL;
}

const char *
sites_find(const sites *s, const char *name)
{
    for (size_t i = 0; i < s->nsites; i++) {
        if (strcmp(s->hosts[s->site_host[i]].name, name) == 0)
            return s->hosts[s->site_host[i]].name;
    }
    return NULL;
}
