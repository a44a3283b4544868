/* render.c - the report as JSON, HTML with an SVG chart, and CSV. */
#include "render.h"

#include <ctype.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <string.h>

#include "chart.h"
#include "html.h"
#include "query_string.h"
#include "timestamp.h"

static int
render_dump_cb(const char *data, size_t size, void *out)
{
    return buf_append(out, data, size);
}

/* Returns a JSON string for s; text that is not UTF-8 (only possible when
 * someone wrote the table by hand) is replaced. */
static json_t *
render_string(const char *s)
{
    json_t *j = json_string(s);

    return j ? j : json_string("(invalid utf-8)");
}

static double
render_rate(const report *r)
{
    return (double)r->rate_visits / (double)(r->rate_to - r->rate_from);
}

/* x rounded to 'scale' (100 for two decimals): what the JSON carries, so that
 * it needs no fixed count of significant digits that large rates outgrow. */
static double
render_round(double x, double scale)
{
    return round(x * scale) / scale;
}

/* Returns 1 when bar i of r gets an x label: its local "HH:MM" is a round
 * time at label_minutes between labels, or, when anchored (no bar of the
 * window falls on one), every label_minutes from the last bar. */
static int
render_xlabel(const report *r, int i, int label_minutes, int anchored)
{
    const char *t = r->buckets[i].local;     /* "YYYY-MM-DD HH:MM" */
    int per = r->p.bucket_minutes > 0 ? label_minutes / r->p.bucket_minutes : 1;

    if (anchored)
        return (r->nbuckets - 1 - i) % (per > 0 ? per : 1) == 0;
    if (strlen(t) != 16 || t[13] != ':')
        return 0;
    for (int k = 11; k < 16; k++) {
        if (k != 13 && !isdigit((unsigned char)t[k]))
            return 0;
    }
    return chart_label_at((t[11] - '0') * 10 + t[12] - '0',
                          (t[14] - '0') * 10 + t[15] - '0', label_minutes);
}

/* Returns 1 when no bar of r falls on a round local time for label_minutes
 * (a time zone whose offset is no multiple of it), so labels are anchored. */
static int
render_xlabels_anchored(const report *r, int label_minutes)
{
    for (int i = 0; i < r->nbuckets; i++) {
        if (render_xlabel(r, i, label_minutes, 0))
            return 0;
    }
    return 1;
}

int
render_json(const report *r, buf *out)
{
    char stamp[TIMESTAMP_ISO_MS_SIZE], start[TIMESTAMP_ISO_SIZE],
        from[TIMESTAMP_ISO_SIZE], to[TIMESTAMP_ISO_SIZE];
    json_t *root, *buckets, *paths, *ticks, *ylabels, *xlabels, *xmajor, *site_list;
    char label[CHART_TICK_LABEL_SIZE];
    chart_scale s;
    int64_t max = 0;
    int rc = -1, minutes = chart_label_minutes(r->nbuckets, r->p.bucket_minutes);
    int anchored = render_xlabels_anchored(r, minutes);

    for (int i = 0; i < r->nbuckets; i++)
        max = r->buckets[i].visits > max ? r->buckets[i].visits : max;
    s = chart_scale_for(max);
    timestamp_format_ms(r->generated_ms, stamp);
    timestamp_format_sec(r->rate_from, from);
    timestamp_format_sec(r->rate_to, to);
    buckets = json_array();
    paths = json_array();
    ticks = json_array();
    ylabels = json_array();
    xlabels = json_array();
    xmajor = json_array();
    site_list = json_array();
    root = json_pack("{s:o, s:o, s:s, s:i, s:s, s:o, s:s, s:I, s:I, s:o, s:I, s:I,"
                     " s:{s:f, s:s, s:s, s:s}, s:o, s:o,"
                     " s:{s:I, s:o, s:o, s:i, s:o, s:o}}",
                     "site", render_string(r->p.site), "sites", site_list,
                     "window", r->p.window, "bucket_seconds", r->bucket_seconds,
                     "tz", r->p.tz,
                     "path", r->p.path[0] ? render_string(r->p.path) : json_null(),
                     "generated_at", stamp, "total", (json_int_t)r->total,
                     "previous_total", (json_int_t)r->previous_total, "change",
                     r->previous_total
                         ? json_real(render_round(
                               (double)(r->total - r->previous_total)
                                   / (double)r->previous_total, 1e4))
                         : json_null(),
                     "current_minute", (json_int_t)r->current_minute,
                     "site_total", (json_int_t)r->site_total,
                     "rate", "per_second", render_round(render_rate(r), 100),
                     "from", from, "to", to, "scope", "site",
                     "buckets", buckets, "paths", paths,
                     "chart", "y_max", (json_int_t)s.max, "y_ticks", ticks,
                     "y_labels", ylabels, "label_minutes", minutes, "x_labels",
                     xlabels, "x_major", xmajor);
    if (root == NULL)
        return -1;
    for (size_t i = 0; r->p.sites && i < sites_count(r->p.sites); i++) {
        if (json_array_append_new(site_list, render_string(sites_name(r->p.sites, i))) < 0)
            goto done;
    }
    for (int i = 0; i < s.nticks; i++) {
        if (json_array_append_new(ticks, json_integer(s.step * i)) < 0
            || json_array_append_new(
                   ylabels, json_string(chart_tick_label(s.step * i, label))) < 0)
            goto done;
    }
    for (int i = 0; i < r->nbuckets; i++) {
        if (render_xlabel(r, i, minutes, anchored)
            && json_array_append_new(xlabels, json_integer(i)) < 0)
            goto done;
        if (render_xlabel(r, i, 2 * minutes, anchored)
            && json_array_append_new(xmajor, json_integer(i)) < 0)
            goto done;
    }
    for (int i = 0; i < r->nbuckets; i++) {
        timestamp_format_sec(r->buckets[i].start, start);
        if (json_array_append_new(buckets,
                                  json_pack("{s:s, s:s, s:I}", "start", start,
                                            "local", r->buckets[i].local, "visits",
                                            (json_int_t)r->buckets[i].visits)) < 0)
            goto done;
    }
    for (size_t i = 0; i < r->npaths; i++) {
        double share = r->site_total
                           ? (double)r->paths[i].visits / (double)r->site_total
                           : 0;
        if (json_array_append_new(paths,
                                  json_pack("{s:o, s:I, s:f}", "path",
                                            render_string(r->paths[i].path),
                                            "visits",
                                            (json_int_t)r->paths[i].visits,
                                            "share", render_round(share, 1e4))) < 0)
            goto done;
    }
    if (json_dump_callback(root, render_dump_cb, out,
                           JSON_COMPACT | JSON_REAL_PRECISION(15)) == 0
        && buf_append(out, "\n", 1) == 0)
        rc = 0;
done:
    json_decref(root);
    return rc;
}

/* Appends v with thousands separators. */
static void
render_count(buf *out, int64_t v)
{
    char digits[32];
    int n, i;

    if (v < 0) {
        buf_append(out, "-", 1);
        v = -v;
    }
    n = snprintf(digits, sizeof(digits), "%" PRId64, v);
    for (i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            buf_append(out, ",", 1);
        buf_append(out, digits + i, 1);
    }
}

/* Appends an href to the report with r's parameters, path replaced by
 * path ("" for all) and window by window. Already HTML-safe: every value is
 * percent-encoded and '&' written as "&amp;". */
static void
render_href(buf *out, const report *r, const char *window, const char *path)
{
    report_params q = r->p;

    q.window = window;
    snprintf(q.path, sizeof(q.path), "%s", path);
    buf_puts(out, "/visits?");
    params_query(out, &q, PARAMS_SITE | PARAMS_WINDOW | PARAMS_TOP | PARAMS_TZ
                          | (path[0] ? PARAMS_PATH : 0), "&amp;");
}

static const char *
render_bucket_name(int minutes)
{
    return minutes == 1 ? "minute" : minutes == 5 ? "5 minutes" : "15 minutes";
}

int
render_chart(const report *r, buf *out)
{
    int64_t max = 0;
    chart_scale s;
    int n = r->nbuckets, minutes = chart_label_minutes(n, r->p.bucket_minutes);
    int anchored = render_xlabels_anchored(r, minutes);
    double w = chart_bar_width(n);
    char label[CHART_TICK_LABEL_SIZE];

    for (int i = 0; i < n; i++)
        max = r->buckets[i].visits > max ? r->buckets[i].visits : max;
    s = chart_scale_for(max);

    buf_printf(out,
        "<svg id=\"chart\" class=\"chart\" viewBox=\"0 0 %d %d\" role=\"img\""
        " aria-labelledby=\"chart-title chart-desc\" data-n=\"%d\""
        " data-left=\"%d\" data-top=\"%d\" data-plot-w=\"%d\""
        " data-plot-h=\"%d\">\n<desc id=\"chart-desc\">%d bars, one per %s; the last"
        " one, the current %s, is still growing. Highest: ",
        CHART_WIDTH, CHART_HEIGHT, n, CHART_LEFT, CHART_TOP, CHART_PLOT_W,
        CHART_PLOT_H, n, render_bucket_name(r->p.bucket_minutes),
        render_bucket_name(r->p.bucket_minutes));
    render_count(out, max);
    buf_puts(out, " visits.</desc>\n<g class=\"grid\" aria-hidden=\"true\">\n");
    for (int t = 0; t < s.nticks; t++) {
        double y = CHART_TOP + CHART_PLOT_H - chart_bar_height(s.step * t, &s);
        buf_printf(out, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\"/>"
                   "<text x=\"%d\" y=\"%.1f\" class=\"ylabel\">",
                   CHART_LEFT, CHART_WIDTH - CHART_RIGHT, y, y, CHART_LEFT - 6, y + 4);
        buf_puts(out, chart_tick_label(s.step * t, label));
        buf_puts(out, "</text>\n");
    }
    buf_puts(out, "</g>\n<g class=\"bars\">\n");
    for (int i = 0; i < n; i++) {
        const report_bucket *b = &r->buckets[i];
        double x = chart_bar_x(i, n), h = chart_bar_height(b->visits, &s);
        buf_printf(out, "<g class=\"b%s\" tabindex=\"0\"><title>",
                   i == n - 1 ? " now" : "");
        html_escape(out, b->local);
        buf_puts(out, " ");
        html_escape(out, r->p.tz);
        buf_puts(out, ": ");
        render_count(out, b->visits);
        buf_printf(out, " visit%s%s</title><rect class=\"hit\" x=\"%.1f\" y=\"%d\""
                   " width=\"%.1f\" height=\"%d\"/><rect class=\"bar\" x=\"%.1f\""
                   " y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/></g>\n",
                   b->visits == 1 ? "" : "s", i == n - 1 ? " so far" : "", x,
                   CHART_TOP, w, CHART_PLOT_H, x,
                   CHART_TOP + CHART_PLOT_H - h, w, h);
    }
    buf_puts(out, "</g>\n<g class=\"xlabels\" aria-hidden=\"true\">\n");
    for (int i = 0; i < n; i++) {
        if (!render_xlabel(r, i, minutes, anchored))
            continue;
        buf_printf(out, "<text x=\"%.1f\" y=\"%d\" data-i=\"%d\"%s>",
                   chart_bar_x(i, n) + w / 2, CHART_HEIGHT - 8, i,
                   render_xlabel(r, i, 2 * minutes, anchored) ? " class=\"major\"" : "");
        html_escape(out, r->buckets[i].local + 11);
        buf_puts(out, "</text>\n");
    }
    buf_puts(out, "</g>\n</svg>\n");
    return out->failed ? -1 : 0;
}

static const char *const render_windows[] = { "15m", "60m", "6h", "24h" };

/* The cards: rate, current minute, window total and its change. */
static void
render_cards(const report *r, buf *out)
{
    char rate[32];

    snprintf(rate, sizeof(rate), "%.1f", render_rate(r));
    buf_printf(out,
        "<section class=\"cards\" aria-label=\"Now\">\n"
        "<div class=\"card\"><h2>Visits per second</h2><p class=\"big\" id=\"rate\">"
        "%s</p><p class=\"sub\">all paths, average of %d s</p></div>\n"
        "<div class=\"card\"><h2>This minute</h2><p class=\"big\" id=\"current\">",
        rate, REPORT_RATE_SECONDS);
    render_count(out, r->current_minute);
    buf_puts(out, "</p><p class=\"sub\">so far</p></div>\n<div class=\"card\"><h2>"
                  "Last ");
    buf_puts(out, r->p.window);
    buf_puts(out, "</h2><p class=\"big\" id=\"total\">");
    render_count(out, r->total);
    buf_puts(out, "</p><p class=\"sub\" id=\"change\">");
    if (r->previous_total == 0) {
        buf_puts(out, "none in the window before");
    } else {
        double c = 100.0 * (double)(r->total - r->previous_total)
                   / (double)r->previous_total;
        buf_printf(out, "%s%.1f%% vs the %s before", c >= 0 ? "+" : "", c,
                   r->p.window);
    }
    buf_puts(out, "</p></div>\n</section>\n");
}

/* The form: site (a switcher when there are several), window, time zone,
 * path filter. */
static void
render_controls(const report *r, buf *out)
{
    size_t nsites = r->p.sites ? sites_count(r->p.sites) : 1;

    buf_puts(out, "<form class=\"controls\" method=\"get\" action=\"/visits\">\n");
    if (nsites > 1) {
        buf_puts(out, "<label>Site <select name=\"site\" id=\"site\">");
        for (size_t i = 0; i < nsites; i++) {
            const char *name = sites_name(r->p.sites, i);
            buf_printf(out, "<option%s>", strcmp(name, r->p.site) == 0
                                              ? " selected" : "");
            html_escape(out, name);
            buf_puts(out, "</option>");
        }
        buf_puts(out, "</select></label>\n");
    } else {
        buf_puts(out, "<input type=\"hidden\" name=\"site\" value=\"");
        html_escape(out, r->p.site);
        buf_puts(out, "\">\n");
    }
    buf_puts(out, "<label>Window <select name=\"window\">");
    for (size_t w = 0; w < sizeof(render_windows) / sizeof(render_windows[0]); w++)
        buf_printf(out, "<option%s>%s</option>",
                   strcmp(render_windows[w], r->p.window) == 0 ? " selected" : "",
                   render_windows[w]);
    /* In the order of the canonical query (params_query). */
    buf_printf(out, "</select></label>\n<input type=\"hidden\" name=\"top\" value=\"%d\">\n"
                    "<label>Time zone <input name=\"tz\" value=\"", r->p.top);
    html_escape(out, r->p.tz);
    buf_puts(out, "\" size=\"16\" spellcheck=\"false\"></label>\n<label>Path <input"
                  " name=\"path\" value=\"");
    html_escape(out, r->p.path);
    buf_puts(out, "\" placeholder=\"all paths\" size=\"18\" spellcheck=\"false\">"
                  "</label>\n<button type=\"submit\">Show</button>\n</form>\n");
}

/* The top paths (or the one path asked for), each linking to its chart. */
static void
render_paths(const report *r, buf *out)
{
    buf_printf(out, "<section aria-labelledby=\"paths-title\">\n<h2 id=\"paths-title\">"
                    "%s</h2>\n", r->p.path[0] ? "This path" : "Top paths");
    buf_puts(out, "<table id=\"paths\"><thead><tr>"
                  "<th scope=\"col\">Path</th><th scope=\"col\" class=\"num\">Visits"
                  "</th><th scope=\"col\" class=\"num\">Share</th></tr></thead>"
                  "<tbody>\n");
    for (size_t i = 0; i < r->npaths; i++) {
        double share = r->site_total ? 100.0 * (double)r->paths[i].visits
                                           / (double)r->site_total
                                     : 0;
        buf_puts(out, "<tr><td class=\"path\"><a href=\"");
        render_href(out, r, r->p.window, r->paths[i].path);
        buf_puts(out, "\">");
        html_escape(out, r->paths[i].path);
        buf_puts(out, "</a></td><td class=\"num\">");
        render_count(out, r->paths[i].visits);
        buf_printf(out, "</td><td class=\"num\">%.1f%%</td></tr>\n", share);
    }
    if (r->npaths == 0)
        buf_puts(out, "<tr><td colspan=\"3\">No visits in this window yet.</td></tr>\n");
    buf_puts(out, "</tbody></table>\n</section>\n");
}

int
render_html(const report *r, buf *out)
{
    char stamp[TIMESTAMP_ISO_MS_SIZE];

    timestamp_format_ms(r->generated_ms, stamp);
    buf_puts(out, "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
                  "<meta name=\"viewport\" content=\"width=device-width,"
                  "initial-scale=1\">\n<title>Visits to ");
    html_escape(out, r->p.site);
    if (r->p.path[0]) {
        buf_puts(out, " ");
        html_escape(out, r->p.path);
    }
    buf_printf(out, ", last %s</title>\n"
                    "<link rel=\"stylesheet\" href=\"/visits/static/visits.css\">\n"
                    "<noscript><meta http-equiv=\"refresh\" content=\"5\"></noscript>\n"
                    "<script src=\"/visits/static/visits.js\" defer></script>\n"
                    "</head>\n<body>\n<header class=\"top\"><h1><a href=\"/visits\">"
                    "Visits</a></h1>\n",
               r->p.window);
    render_controls(r, out);
    buf_puts(out, "</header>\n<main>\n<p class=\"status\"><span id=\"status\""
                  " role=\"status\" aria-live=\"polite\">Updated</span> <time"
                  " id=\"updated\" datetime=\"");
    buf_puts(out, stamp);
    buf_printf(out, "\">%.8s UTC</time><span id=\"age\"></span></p>\n", stamp + 11);
    render_cards(r, out);

    buf_printf(out, "<section aria-labelledby=\"chart-title\">\n<h2 id=\"chart-title\">"
                    "Visits per %s, ", render_bucket_name(r->p.bucket_minutes));
    if (r->p.path[0]) {
        buf_puts(out, "<code>");
        html_escape(out, r->p.path);
        buf_puts(out, "</code> (<a href=\"");
        render_href(out, r, r->p.window, "");
        buf_puts(out, "\">all paths</a>)");
    } else {
        buf_puts(out, "all paths");
    }
    buf_puts(out, ", times in ");
    html_escape(out, r->p.tz);
    buf_puts(out, "</h2>\n<figure>\n");
    render_chart(r, out);
    buf_puts(out, "<figcaption id=\"chart-focus\" class=\"sub\" aria-live=\"polite\">"
                  "Point at or tab to a bar to see its count.</figcaption>\n"
                  "</figure>\n</section>\n");
    render_paths(r, out);
    buf_puts(out, "</main>\n<footer><a href=\"/visits.json?site=");
    query_string_encode(out, r->p.site);
    buf_puts(out, "\">JSON</a> &middot; <a href=\"/visits.csv?site=");
    query_string_encode(out, r->p.site);
    buf_puts(out, "\">CSV of the last hour</a></footer>\n</body></html>\n");
    return out->failed ? -1 : 0;
}

int
render_csv_field(buf *out, const char *s)
{
    int quote = strpbrk(s, ",\"\r\n") != NULL;
    int formula = s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@'
                  || s[0] == '\t' || s[0] == '\r';

    if (quote)
        buf_append(out, "\"", 1);
    if (formula)
        buf_append(out, "'", 1);
    for (; *s; s++) {
        if (*s == '"')
            buf_append(out, "\"", 1);
        buf_append(out, s, 1);
    }
    if (quote)
        buf_append(out, "\"", 1);
    return out->failed ? -1 : 0;
}
