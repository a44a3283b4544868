#!/bin/bash
# End to end: counting a site nginx already serves, with the one line of
# visits-count.conf. A static site (root) and a proxied backend
# (proxy_pass to another server block) are each served twice, with and
# without the line: status, headers and bodies are the same bytes. Every
# page view is counted exactly once (also through the index and
# error_page redirects nginx makes); assets, prefetches, other fetches,
# other methods and the report's URLs are not. X-Forwarded-For is
# believed only from a trusted proxy.
. "$top_srcdir/tests/lib.sh"

SITE_C=$(free_port) SITE_U=$(free_port) BACKEND=$(free_port)
PROXY_C=$(free_port) PROXY_U=$(free_port) TRUSTED=$(free_port)
root=$top_srcdir/www/demo
nginx_extra site "$SITE_C" "$SITE_U" "$BACKEND" "$PROXY_C" "$PROXY_U" "$TRUSTED" <<CONF
# The demo site counted, and the same not counted.
server {
    listen 127.0.0.1:$SITE_C;
    root $root;
    error_page 404 /404.html;
    include visits-mirror.conf;
    location / { include visits-count.conf; }
}
server {
    listen 127.0.0.1:$SITE_U;
    root $root;
    error_page 404 /404.html;
    location / { }
}
# An application server (here another nginx server block), and two
# proxies in front of it: one counting, one not.
server {
    listen 127.0.0.1:$BACKEND;
    root $root;
    add_header X-Backend "yes";
    location /app/ { return 200 "app page \$request_uri\n"; }
}
server {
    listen 127.0.0.1:$PROXY_C;
    include visits-mirror.conf;
    location / {
        proxy_pass http://127.0.0.1:$BACKEND;
        include visits-count.conf;
    }
}
server {
    listen 127.0.0.1:$PROXY_U;
    location / { proxy_pass http://127.0.0.1:$BACKEND; }
}
# Behind a load balancer this nginx trusts: X-Forwarded-For from loopback
# is believed.
server {
    listen 127.0.0.1:$TRUSTED;
    set_real_ip_from 127.0.0.1;
    root $root;
    include visits-mirror.conf;
    location / { include visits-count.conf; }
}
CONF

# same COUNTED UNCOUNTED PATH [CURL ARGS...]: the two servers answer PATH
# with the same status, headers (but Date, and the port in a Location) and
# body bytes.
same() {
    local c=$1 u=$2 path=$3 f
    shift 3
    for f in c u; do
        local port=$c
        [ "$f" = u ] && port=$u
        page -D "$T/h.$f" -o "$T/b.$f" "$@" "http://127.0.0.1:$port$path" \
            || fail "GET $path from port $port failed"
        grep -vi '^date:' "$T/h.$f" | sed "s/127\.0\.0\.1:$port/HOST/" >"$T/hn.$f"
    done
    diff -u "$T/hn.u" "$T/hn.c" >&2 || fail "$path $*: headers differ with the line"
    cmp -s "$T/b.u" "$T/b.c" || fail "$path $*: bodies differ with the line"
    printf '%s\n' "$path" >>"$T/compared"
}

for path in / /pricing/ /pricing /blog/hello.html /nowhere /demo.css /favicon.ico \
    "/blog/?q=1" "/%3Cscript%3E"; do
    same "$SITE_C" "$SITE_U" "$path"
done
same "$SITE_C" "$SITE_U" / -I
same "$SITE_C" "$SITE_U" /demo.css -H 'Range: bytes=5-20'
etag=$(grep -i '^etag:' "$T/h.c" | cut -d' ' -f2 | tr -d '\r')
same "$SITE_C" "$SITE_U" /demo.css -H "If-None-Match: $etag"
same "$SITE_C" "$SITE_U" /blog/ -X POST -d 'a=b'
for path in / /app/x /app/y?z=1 /missing /demo.css; do
    same "$PROXY_C" "$PROXY_U" "$path"
done
note "same status, headers and bytes with and without the line: $(grep -c . "$T/compared") answers"
# (Each comparison above asked the counted server once.) Counted so far:
# static / /pricing/ /pricing /blog/hello.html /nowhere /<script> (the
# path decoded) /blog/ and HEAD /; proxied / /app/x /app/y /missing. Not
# counted: /demo.css (4 times), /favicon.ico, POST /blog/.

C=http://127.0.0.1:$SITE_C
page -o /dev/null "$C/" ; page -o /dev/null "$C/"          # two more of /
page -o /dev/null "$C/pricing/"                            # index redirect: once
page -o /dev/null "$C/gone/1"; page -o /dev/null "$C/gone/1"  # 404 page: once each
curl -s -o /dev/null -H 'Sec-Fetch-Dest: document' -H 'Accept: */*' "$C/doc"
# Not page views:
curl -s -o /dev/null "$C/not-asked-as-page"                # Accept: */*
page -o /dev/null -H 'Sec-Fetch-Dest: image' "$C/img"
page -o /dev/null -H 'Sec-Fetch-Dest: empty' "$C/fetched"
page -o /dev/null -H 'Sec-Fetch-Dest: iframe' "$C/framed"
page -o /dev/null -H 'Sec-Purpose: prefetch' "$C/prefetched"
page -o /dev/null -H 'Sec-Purpose: prefetch;prerender' "$C/prerendered"
page -o /dev/null -H 'Purpose: prefetch' "$C/purpose"
page -o /dev/null -H 'X-Moz: prefetch' "$C/xmoz"
for p in /logo.png /app.js /style.css?v=2 /font.woff2 /robots.txt /favicon.ico \
    /sitemap.xml /.well-known/security.txt /visits /visits.json /visits.csv \
    /visits/static/visits.js; do
    page -o /dev/null "$C$p"
done
page -o /dev/null -X PUT "$C/put"
page -o /dev/null -X OPTIONS "$C/options"
# X-Forwarded-For: ignored from a client nginx does not trust, believed
# from the trusted proxy (the last untrusted address of a chain).
page -o /dev/null -H 'X-Forwarded-For: 203.0.113.9' "$C/xff/untrusted"
page -o /dev/null -H 'X-Forwarded-For: 203.0.113.7' "http://127.0.0.1:$TRUSTED/xff/trusted"
page -o /dev/null -H 'X-Forwarded-For: 198.51.100.1, 203.0.113.8' \
    "http://127.0.0.1:$TRUSTED/xff/chain"

cat >"$T/expected" <<'EXP'
/	5
/<script>	1
/app/x	1
/app/y	1
/blog/	1
/blog/hello.html	1
/doc	1
/gone/1	2
/missing	1
/nowhere	1
/pricing	1
/pricing/	2
/xff/chain	1
/xff/trusted	1
/xff/untrusted	1
EXP
LC_ALL=C sort -o "$T/expected" "$T/expected"
wait_total "$(awk '{s += $2} END {print s}' "$T/expected")" 30
diff -u "$T/expected" <(db_counts) || fail "the page views counted differ"
[ "$(sql "SELECT DISTINCT site FROM visit_minutes")" = localhost ] \
    || fail "not every page view was counted under the site localhost"

"$top_builddir/tests/kafka_tail" "$VISITS_BROKERS" "$TOPIC" >"$T/events" \
    || fail "could not read the events back"
ip_of() { jq -r --arg p "$1" 'select(.path == $p) | .ip' "$T/events"; }
[ "$(ip_of /xff/untrusted)" = 127.0.0.1 ] \
    || fail "an untrusted X-Forwarded-For was believed: $(ip_of /xff/untrusted)"
[ "$(ip_of /xff/trusted)" = 203.0.113.7 ] \
    || fail "the trusted proxy's X-Forwarded-For was not used: $(ip_of /xff/trusted)"
[ "$(ip_of /xff/chain)" = 203.0.113.8 ] \
    || fail "the chain did not give its last untrusted address: $(ip_of /xff/chain)"
note "ok: each page view counted once, nothing else counted, X-Forwarded-For only from the trusted proxy"
