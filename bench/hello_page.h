/* hello_page.h - the fixed page both FastCGI hellos answer (445 bytes,
 * about what a small page of a site weighs), so that they differ only in
 * the server. */
#ifndef VISITS_HELLO_PAGE_H
#define VISITS_HELLO_PAGE_H

#define HELLO_PAGE \
    "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">" \
    "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">" \
    "<title>hello - visits ceiling</title><link rel=\"stylesheet\" " \
    "href=\"/visits/static/visits.css\"></head>\n<body><main>" \
    "<h1>Hello from <code>/</code></h1>\n<p>This answer went through " \
    "nginx and FastCGI only; nothing was recorded, no Kafka. It is the " \
    "ceiling of " \
    "<a href=\"/visits\">the visit worker</a>.</p></main></body></html>\n"

#endif
