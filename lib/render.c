/* render.c - the report as JSON and as an HTML page. */
#include "render.h"

#include <inttypes.h>
#include <jansson.h>
#include <string.h>

#include "html.h"
#include "vtime.h"

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

int
render_json(const report *r, buf *out)
{
    char stamp[VTIME_ISO_MS_SIZE], start[VTIME_ISO_SIZE];
    json_t *root, *minutes, *paths;
    int rc = -1;

    vtime_format_ms(r->generated_ms, stamp);
    minutes = json_array();
    paths = json_array();
    root = json_pack("{s:s, s:s, s:I, s:I, s:o, s:o}", "window", r->window,
                     "generated_at", stamp, "total", (json_int_t)r->total,
                     "current_minute",
                     (json_int_t)(r->nminutes ? r->minutes[r->nminutes - 1] : 0),
                     "minutes", minutes, "paths", paths);
    if (root == NULL)
        return -1;
    for (int i = 0; i < r->nminutes; i++) {
        vtime_format_sec(r->first_minute + 60 * (int64_t)i, start);
        if (json_array_append_new(minutes,
                                  json_pack("{s:s, s:I}", "start", start, "visits",
                                            (json_int_t)r->minutes[i])) < 0)
            goto done;
    }
    for (size_t i = 0; i < r->npaths; i++) {
        if (json_array_append_new(paths,
                                  json_pack("{s:o, s:I}", "path",
                                            render_string(r->paths[i].path),
                                            "visits",
                                            (json_int_t)r->paths[i].visits)) < 0)
            goto done;
    }
    if (json_dump_callback(root, render_dump_cb, out, JSON_COMPACT) == 0
        && buf_append(out, "\n", 1) == 0)
        rc = 0;
done:
    json_decref(root);
    return rc;
}

static const char *const render_windows[] = { "15m", "60m", "6h", "24h" };

int
render_html(const report *r, int top, buf *out)
{
    char stamp[VTIME_ISO_MS_SIZE], start[VTIME_ISO_SIZE];
    int64_t max = 1;
    size_t w;

    for (int i = 0; i < r->nminutes; i++)
        max = r->minutes[i] > max ? r->minutes[i] : max;
    vtime_format_ms(r->generated_ms, stamp);

    buf_printf(out,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\n"
        "<title>Visits, last %s</title>\n"
        "<link rel=\"stylesheet\" href=\"/visits/static/visits.css\">\n"
        "<noscript><meta http-equiv=\"refresh\" content=\"2\"></noscript>\n"
        "<script src=\"/visits/static/visits.js\" defer></script>\n"
        "</head>\n<body data-window=\"%s\" data-top=\"%d\">\n"
        "<header><h1>Visits</h1><nav aria-label=\"Window\">",
        r->window, r->window, top);
    for (w = 0; w < sizeof(render_windows) / sizeof(render_windows[0]); w++)
        buf_printf(out, "<a href=\"/visits?window=%s&amp;top=%d\"%s>%s</a> ",
                   render_windows[w], top,
                   strcmp(render_windows[w], r->window) == 0
                       ? " aria-current=\"page\"" : "",
                   render_windows[w]);
    buf_printf(out,
        "</nav></header>\n<main>\n<section class=\"stats\">\n"
        "<div><span class=\"label\">This minute</span>"
        "<span class=\"num\" id=\"current\">%" PRId64 "</span></div>\n"
        "<div><span class=\"label\">Last %s</span>"
        "<span class=\"num\" id=\"total\">%" PRId64 "</span></div>\n"
        "<div><span class=\"label\">Updated (UTC)</span>"
        "<span class=\"num small\"><time id=\"updated\" datetime=\"%s\">%.8s"
        "</time></span></div>\n</section>\n"
        "<p id=\"status\" role=\"status\" aria-live=\"polite\"></p>\n",
        r->nminutes ? r->minutes[r->nminutes - 1] : 0, r->window, r->total, stamp,
        stamp + 11);

    buf_puts(out, "<section><h2>Top paths</h2>\n<table id=\"paths\">"
                  "<thead><tr><th scope=\"col\">Path</th>"
                  "<th scope=\"col\" class=\"num\">Visits</th></tr></thead><tbody>\n");
    for (size_t i = 0; i < r->npaths; i++) {
        buf_puts(out, "<tr><td class=\"path\">");
        html_escape(out, r->paths[i].path);
        buf_printf(out, "</td><td class=\"num\">%" PRId64 "</td></tr>\n",
                   r->paths[i].visits);
    }
    buf_puts(out, "</tbody></table></section>\n");

    buf_puts(out, "<section><h2>Visits per minute</h2>\n<table id=\"minutes\">"
                  "<thead><tr><th scope=\"col\">Minute (UTC)</th>"
                  "<th scope=\"col\" class=\"num\">Visits</th>"
                  "<th scope=\"col\"><span class=\"sr\">Share of the busiest"
                  " minute</span></th></tr></thead><tbody>\n");
    for (int i = r->nminutes - 1; i >= 0; i--) {
        vtime_format_sec(r->first_minute + 60 * (int64_t)i, start);
        buf_printf(out, "<tr%s><td><time datetime=\"%s\">%.5s</time></td>"
                   "<td class=\"num\">%" PRId64 "</td><td class=\"bar\">"
                   "<span style=\"width:%d%%\"></span></td></tr>\n",
                   i == r->nminutes - 1 ? " class=\"now\"" : "", start, start + 11,
                   r->minutes[i], (int)(r->minutes[i] * 100 / max));
    }
    buf_puts(out, "</tbody></table></section>\n</main>\n</body></html>\n");
    return out->failed ? -1 : 0;
}
