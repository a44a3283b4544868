#!/bin/bash
# End to end: the events API (POST /visits/event) and the pixel
# (GET /visits/pixel.gif). Accepted events answer 202 and are counted
# once each, under the site of their URL; everything refused answers a
# 4xx with a one-line reason and changes no count: bad JSON, too large,
# an unknown field, an unknown site, a URL or Origin of another site, the
# wrong method or content type, a body that never arrives. CORS: the
# preflight and the answers carry Access-Control-Allow-Origin for pages of
# the sites only.
. "$top_srcdir/tests/lib.sh"

E=$URL/visits/event
# post BODY [CURL ARGS...]: POSTs BODY as JSON (as $CT when set); prints
# "STATUS BODY".
post() {
    local body=$1
    shift
    curl -s -o "$T/answer" -w '%{http_code}' -H "Content-Type: ${CT:-application/json}" \
        --data-binary "$body" "$@" "$E"
    printf ' %s' "$(tr -d '\n' <"$T/answer")"
}
# expect_post WANT REASON BODY [CURL ARGS...]: the status is WANT and the
# answer holds REASON.
expect_post() {
    local want=$1 reason=$2 body=$3 got
    shift 3
    got=$(post "$body" "$@")
    [ "${got%% *}" = "$want" ] || fail "$body: answered \"$got\", expected $want"
    grep -qF -- "$reason" "$T/answer" || fail "$body: answer \"$got\" lacks \"$reason\""
}

# Accepted: 5 for localhost (3 of /pricing, one through the alias
# 127.0.0.1, one with a query), 2 for app.localhost, 1 by the pixel.
for i in 1 2; do
    expect_post 202 accepted '{"site":"localhost","url":"http://localhost/pricing","referrer":"https://search.example/?q=x"}'
done
expect_post 202 accepted '{"site":"127.0.0.1","url":"http://127.0.0.1:8080/pricing#plans"}'
expect_post 202 accepted '{"url":"https://localhost/docs/a?utm=1","site":"localhost","referrer":""}'
CT='text/plain;charset=UTF-8' expect_post 202 accepted '{"site":"localhost","url":"http://LOCALHOST"}'
expect_post 202 accepted '{"site":"app.localhost","url":"http://app.localhost:1/spa/one"}' \
    -H 'Origin: http://app.localhost:1'
cors=$(curl -s -D - -o /dev/null -H 'Content-Type: text/plain' -H 'Origin: http://app.localhost:9' \
    --data-binary '{"site":"app.localhost","url":"http://app.localhost:9/spa/two"}' "$E")
grep -qi '^access-control-allow-origin: http://app.localhost:9' <<<"$cors" \
    || fail "a page of a site got no Access-Control-Allow-Origin: $cors"
code=$(curl -s -D "$T/pixel.h" -o "$T/pixel.gif" -w '%{http_code}' \
    "$URL/visits/pixel.gif?site=localhost&url=http%3A%2F%2Flocalhost%2Fpixel%2Fpage&ref=x")
[ "$code" = 200 ] || fail "the pixel answered $code"
[ "$(head -c 6 "$T/pixel.gif")" = GIF89a ] || fail "the pixel is not a GIF"
grep -qi '^content-type: image/gif' "$T/pixel.h" || fail "the pixel is not image/gif"
grep -qi '^cache-control: no-store' "$T/pixel.h" || fail "the pixel may be cached"

# Refused, each with its reason.
big=$(head -c 3000 /dev/zero | tr '\0' a)
expect_post 400 'JSON object' 'not json'
expect_post 400 'JSON object' '["site","localhost"]'
expect_post 400 'JSON object' '{"site":"localhost","url":"http://localhost/x"} trailing'
expect_post 400 'unknown field "path"' '{"site":"localhost","url":"http://localhost/x","path":"/x"}'
expect_post 400 'given twice' '{"site":"localhost","site":"localhost","url":"http://localhost/x"}'
expect_post 400 '"url" is missing' '{"site":"localhost"}'
expect_post 400 '"site" must be a string' '{"site":1,"url":"http://localhost/x"}'
expect_post 400 'absolute http or https URL' '{"site":"localhost","url":"/relative"}'
expect_post 400 'absolute http or https URL' '{"site":"localhost","url":"javascript:alert(1)"}'
expect_post 400 'JSON object' ''
expect_post 403 'not one of the sites' '{"site":"evil.example","url":"http://evil.example/x"}'
expect_post 403 'not a page of site' '{"site":"localhost","url":"http://app.localhost/x"}'
expect_post 403 'origin is not site' '{"site":"localhost","url":"http://localhost/x"}' \
    -H 'Origin: https://evil.example'
expect_post 413 '' "{\"site\":\"localhost\",\"url\":\"http://localhost/$big\"}"
CT=application/x-www-form-urlencoded expect_post 415 'application/json' \
    '{"site":"localhost","url":"http://localhost/x"}'
[ "$(curl -s -o /dev/null -w '%{http_code}' "$E")" = 405 ] || fail "GET of the API was not 405"
[ "$(curl -s -o /dev/null -w '%{http_code}' -X PUT --data-binary '{}' "$E")" = 405 ] \
    || fail "PUT of the API was not 405"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/visits/pixel.gif?site=localhost")" = 400 ] \
    || fail "a pixel without url was not 400"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/visits/pixel.gif?site=evil.example&url=http%3A%2F%2Fevil.example%2F")" = 403 ] \
    || fail "a pixel of another site was not 403"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/visits/pixel.gif?site=localhost&url=http%3A%2F%2Flocalhost%2F&x=1")" = 400 ] \
    || fail "a pixel with an unknown parameter was not 400"

# CORS preflight: for a page of a site, 204 with what the browser needs;
# for any other origin, 403 and no Access-Control-Allow-Origin.
pre=$(curl -s -D - -o /dev/null -X OPTIONS -H 'Origin: http://app.localhost:9' \
    -H 'Access-Control-Request-Method: POST' -H 'Access-Control-Request-Headers: content-type' "$E")
grep -q '^HTTP/1.1 204' <<<"$pre" || fail "the preflight of a site's page was not 204: $pre"
grep -qi '^access-control-allow-origin: http://app.localhost:9' <<<"$pre" \
    && grep -qi '^access-control-allow-methods: POST' <<<"$pre" \
    && grep -qi '^access-control-allow-headers: Content-Type' <<<"$pre" \
    || fail "the preflight lacks CORS headers: $pre"
pre=$(curl -s -D - -o /dev/null -X OPTIONS -H 'Origin: https://evil.example' \
    -H 'Access-Control-Request-Method: POST' "$E")
grep -q '^HTTP/1.1 403' <<<"$pre" || fail "the preflight of another origin was not 403: $pre"
grep -qi '^access-control-allow-origin' <<<"$pre" && fail "another origin was allowed: $pre"

# A body that never comes: nginx gives up after client_body_timeout (5 s)
# and closes the connection (its 408, which it does not send); the worker
# never sees it.
t0=$(date +%s)
exec 3<>"/dev/tcp/127.0.0.1/$PORT"
printf 'POST /visits/event HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"site":' >&3
slow=$(timeout 15 cat <&3 | head -c 100)
exec 3<&-
waited=$(($(date +%s) - t0))
[ -z "$slow" ] && [ "$waited" -ge 4 ] && [ "$waited" -le 10 ] \
    || fail "a body that stopped coming got \"$slow\" after $waited s, not a close after 5 s"
note "a body that stopped coming: closed after $waited s"

cat >"$T/expected" <<'EXP'
/	1
/docs/a	1
/pixel/page	1
/pricing	3
/spa/one	1
/spa/two	1
EXP
wait_total 8 30
diff -u "$T/expected" <(db_counts) || fail "the counts differ from the 8 accepted"
[ "$(sql "SELECT string_agg(DISTINCT site, ',' ORDER BY site) FROM visit_minutes WHERE path LIKE '/spa/%'")" = app.localhost ] \
    || fail "the app's events are not under app.localhost"
[ "$(sql "SELECT string_agg(DISTINCT site, ',' ORDER BY site) FROM visit_minutes WHERE path NOT LIKE '/spa/%'")" = localhost ] \
    || fail "the other events are not under localhost"
# The referrer of a page of the same site is internal navigation: dropped.
"$top_builddir/tests/kafka_tail" "$VISITS_BROKERS" "$TOPIC" >"$T/events"
[ "$(jq -r 'select(.path == "/pricing") | .ref' "$T/events" | sort | uniq -c | awk '{print $1 ":" $2}' | tr '\n' ' ')" = "1: 2:https://search.example/?q=x " ] \
    || fail "referrers of /pricing: $(jq -c 'select(.path == "/pricing") | .ref' "$T/events")"
note "ok: 8 events accepted and counted once each, every refusal answered with its reason and not counted"
