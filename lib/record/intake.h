/* intake.h - turning what a client sends into the fields of a visit
 * event, for every way in: the page views nginx mirrors, the events API
 * and the script's beacon (POST /visits/event), and the pixel
 * (GET /visits/pixel.gif). Pure functions over strings: the visit worker
 * reads the request, these decide what it means, so every rule is
 * unit-tested without a network.
 *
 * The events API's body is one strict JSON object of at most
 * INTAKE_BODY_MAX bytes:
 *   {"site": "example.com", "url": "https://example.com/pricing",
 *    "referrer": "https://search.example/"}
 * site and url are required, referrer is optional; any other member is
 * refused. The pixel takes the same three as query parameters site, url
 * and ref. */
#ifndef VISITS_INTAKE_H
#define VISITS_INTAKE_H

#include <stddef.h>

#include "event.h"
#include "sites.h"

#define INTAKE_BODY_MAX 2048    /* bytes of an events API body */
#define INTAKE_URL_MAX 2048     /* bytes of a page's URL */

/* A page view as a client describes it, checked: the site's name (as
 * sites_lookup returns it), the page's path, query and fragment as they
 * came, always starting with '/' (the event normalizes them and drops the
 * query and fragment), and the referrer ("" when absent or when it is
 * a page of the same site: internal navigation is not a source). */
typedef struct intake_view {
    const char *site;
    char uri[INTAKE_URL_MAX + 1];
    char ref[INTAKE_URL_MAX + 1];
} intake_view;

/* Splits an absolute http or https URL (len bytes) into its host (without
 * port; an IPv6 address keeps its brackets) and where the path begins.
 * Returns 0 with *host, *hostlen and *path (pointing into url; the path
 * may be empty, and runs to url + len), or -1 when url is not such a URL
 * (another scheme, no host, userinfo, anything but a port after a
 * bracketed address, a control character or space). */
int intake_url_split(const char *url, size_t len, const char **host, size_t *hostlen,
                     const char **path);

/* Returns the site the page at url (NUL-terminated) belongs to, or NULL
 * when url is no http(s) URL or its host is not one of the sites'. */
const char *intake_url_site(const sites *all, const char *url);

/* Returns the site the browser origin ("https://example.com:8443", as the
 * Origin header has it) belongs to, or NULL. "null" and "" are no site. */
const char *intake_origin_site(const sites *all, const char *origin);

/* Copies ref into out (outsize bytes, cut to fit) unless it is a page of
 * site (internal navigation), in which case out is "". */
void intake_referrer(const sites *all, const char *site, const char *ref, char *out,
                     size_t outsize);

/* Fills v from an events API body (len bytes, any Content-Type already
 * checked by the caller) sent from origin ("" when no Origin header came,
 * as from a server). Checks: the body is a JSON object of at most
 * INTAKE_BODY_MAX bytes with string members site and url, optionally
 * referrer, and nothing else; site names one of the sites (its name or an
 * alias); url is an http(s) URL of that same site; an origin, when given,
 * is of that site too. Returns 0, or the HTTP status to answer (400 for a
 * malformed body, 403 for a site that is not counted here or does not
 * match) with a one-line reason in err. */
int intake_parse_event(const sites *all, const char *body, size_t len,
                       const char *origin, intake_view *v, char *err, size_t errlen);

/* As intake_parse_event, for the pixel's query string (site, url and ref;
 * unknown and repeated parameters refused). */
int intake_parse_pixel(const sites *all, const char *query, intake_view *v, char *err,
                       size_t errlen);

#endif
