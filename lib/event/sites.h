/* sites.h - the web sites an installation counts: each one a name (the
 * host it is known by) and the other host names that count as the same
 * site. Parsed once from the "sites" setting, then only read, so any
 * number of threads may look hosts up at once. */
#ifndef VISITS_SITES_H
#define VISITS_SITES_H

#include <stddef.h>

#define SITES_NAME_MAX 253      /* the longest DNS name */
#define SITES_MAX_NAMES 256     /* host names of all sites together */

typedef struct sites sites;

/* Parses spec: sites separated by commas, each a list of host names
 * separated by spaces, its name first, e.g.
 * "example.com www.example.com, shop.example.com". A host name is a DNS
 * name (letters, digits, '-', '_' and dots), an IPv4 address or an IPv6
 * address in brackets ("[::1]"); it is stored in lower case without a
 * trailing dot. The first site is the default one. Returns the sites, or
 * NULL with a message naming the problem (an empty site, a host name that
 * is not one, a name given twice, too many names). */
sites *sites_parse(const char *spec, char *err, size_t errlen);

/* Frees s. Accepts NULL. */
void sites_free(sites *s);

/* Returns the number of sites (at least 1). */
size_t sites_count(const sites *s);

/* Returns the name of site i (0 is the default site), or NULL when i is
 * out of range. */
const char *sites_name(const sites *s, size_t i);

/* Returns the name of the site whose host names include host (len bytes,
 * any case, with or without a trailing dot and a ":port"; anything else
 * after a bracketed IPv6 address matches nothing), or NULL when no site
 * has it. The string belongs to s. */
const char *sites_lookup(const sites *s, const char *host, size_t len);

/* Returns the site named name exactly (a site's name, not an alias), or
 * NULL. */
const char *sites_find(const sites *s, const char *name);

/* Returns 1 when name (NUL-terminated) is a host name as sites_parse
 * stores it: lower case, no trailing dot, no port. */
int sites_name_valid(const char *name);

#endif
