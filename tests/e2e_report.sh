#!/bin/bash
# End to end: the report's API. A hostile path is recorded and comes back
# intact in JSON, escaped in HTML and CSV; time zones move labels but not
# buckets; the path filter; ETag and 304; nginx's micro-cache; the CSV
# export and its limits; and a 400 naming the parameter for every bad one.
. "$top_srcdir/tests/lib.sh"

code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }

# Markup, quotes, a comma, and invalid UTF-8 (a lone 0xFF byte, kept
# percent-encoded) next to a valid character (é, decoded).
hostile_raw='/r/%3Cscript%3Ealert(1)%3C%2Fscript%3E%22q%22,x%FF%C3%A9'
hostile='/r/<script>alert(1)<%2Fscript>"q",x%FFé'
for _ in 1 2 3; do page -f -o /dev/null "$URL$hostile_raw"; done
for _ in $(seq 1 5); do page -f -o /dev/null "$URL/r/plain"; done
wait_total 8 30

json=$(curl -sf "$URL/visits.json?window=15m")
[ "$(jq -r --arg p "$hostile" '.paths[] | select(.path == $p) | .visits' <<<"$json")" = 3 ] \
    || fail "the hostile path is not in /visits.json as $hostile: $(jq -c .paths <<<"$json")"
[ "$(jq '.site_total' <<<"$json")" = 8 ] || fail "site_total is not 8"
jq -e '.rate.scope == "site" and (.rate.per_second | type == "number")' <<<"$json" >/dev/null \
    || fail "no site-wide rate"

html=$(curl -sf "$URL/visits?window=15m")
grep -q '<script>alert' <<<"$html" && fail "the page holds an unescaped script tag"
grep -q '/r/&lt;script&gt;alert(1)&lt;%2Fscript&gt;&quot;q&quot;,x%FFé' <<<"$html" \
    || fail "the page does not show the escaped hostile path"
[ "$(grep -o '<script' <<<"$html" | wc -l)" = 1 ] || fail "the page has more than one script"
headers=$(curl -sfI "$URL/visits")
grep -qi "^content-security-policy: default-src 'none'; script-src 'self'" <<<"$headers" \
    || fail "no Content-Security-Policy on the page"
grep -qi '^referrer-policy: same-origin' <<<"$headers" || fail "no Referrer-Policy"
grep -qi '^x-content-type-options: nosniff' <<<"$headers" || fail "no nosniff"

# The path filter: one path's chart, all paths' table.
f=$(curl -sf "$URL/visits.json?window=60m&path=/r/plain")
[ "$(jq '.total' <<<"$f")" = 5 ] || fail "path filter total is not 5: $f"
[ "$(jq -r '.path' <<<"$f")" = /r/plain ] || fail "path filter not echoed"
[ "$(jq '.site_total' <<<"$f")" = 8 ] || fail "site_total under a filter is not 8"

# Time zones move the labels, not the buckets.
k=$(curl -sf "$URL/visits.json?window=15m&tz=Asia/Kolkata")
[ "$(jq -r '.buckets[-1].start' <<<"$k")" = "$(jq -r '.buckets[-1].start' <<<"$json")" ] \
    || fail "a time zone moved the buckets"
start=$(jq -r '.buckets[-1].start' <<<"$k")
want=$(TZ=Asia/Kolkata date -d "$start" '+%Y-%m-%d %H:%M')
[ "$(jq -r '.buckets[-1].local' <<<"$k")" = "$want" ] \
    || fail "Asia/Kolkata label is $(jq -r '.buckets[-1].local' <<<"$k"), expected $want"
for w in 6h:300:72 24h:900:96; do
    IFS=: read -r win secs n <<<"$w"
    d=$(curl -sf "$URL/visits.json?window=$win")
    [ "$(jq .bucket_seconds <<<"$d")" = "$secs" ] && [ "$(jq '.buckets | length' <<<"$d")" = "$n" ] \
        && [ "$(jq .total <<<"$d")" = 8 ] \
        || fail "window $win: expected $n buckets of $secs s and 8 visits"
done

# early_in_slot: waits, if need be, until early in a half second, the slot
# in nginx's cache key, so that two requests made next share an entry
# (nginx's clock is this machine's).
early_in_slot() {
    local ms
    ms=$(date +%N | cut -c1-3)
    ms=$((10#$ms % 500))
    [ "$ms" -le 300 ] || sleep "0.$(printf '%03d' $((500 - ms)))"
}

# ETag: nginx answers from its cache, and the worker's ETag follows the
# data: two answers (the second after the cached one expired) have the same
# tag exactly when they show the same numbers (all but generated_at and the
# rate's moving window; the rate itself may change as its window slides
# past the visits above).
# fetch_tagged N: the body of /visits.json in $T/body.N, its ETag printed.
fetch_tagged() {
    curl -sf -D "$T/head.$1" -o "$T/body.$1" "$URL/visits.json?window=60m"
    tr -d '\r' <"$T/head.$1" | sed -n 's/^[Ee][Tt][Aa][Gg]: //p'
}
numbers() { jq -S 'del(.generated_at, .rate.from, .rate.to)' "$T/body.$1"; }
etag=$(fetch_tagged 1)
[ -n "$etag" ] || fail "no ETag on /visits.json"
[ "$(code -H "If-None-Match: $etag" "$URL/visits.json?window=60m")" = 304 ] \
    || fail "If-None-Match with the current ETag did not get 304"
sleep 1.5
again=$(fetch_tagged 2)
if [ "$(numbers 1)" = "$(numbers 2)" ]; then
    [ "$again" = "$etag" ] || fail "the ETag changed without new data: $etag then $again"
else
    [ "$again" != "$etag" ] || fail "the data changed but the ETag did not: $etag"
fi
[ "$(code -H 'If-None-Match: W/"0000000000000000j"' "$URL/visits.json?window=60m")" = 200 ] \
    || fail "a stale ETag did not get 200"
early_in_slot
curl -sfI "$URL/visits.json?window=15m&top=7" >/dev/null
curl -sfI "$URL/visits.json?window=15m&top=7" | grep -qi '^x-cache-status: HIT' \
    || fail "the second request within a half second was not served from nginx's cache"
curl -sfI "$URL/visits.json" | grep -qi '^cache-control: private, max-age=1' \
    || fail "Cache-Control does not match the 1 s refresh, or lets shared caches keep it"

# A HEAD shares the cache entry of the GET that follows: it must be whole.
for u in "/visits.json?window=6h&top=3" "/visits?window=6h&top=3"; do
    early_in_slot
    curl -sfI "$URL$u" >/dev/null || fail "HEAD $u failed"
    got=$(curl -s --max-time 5 -D "$T/head.h" "$URL$u") || fail "GET $u after a HEAD failed"
    grep -qi '^x-cache-status: HIT' "$T/head.h" || fail "GET $u after a HEAD was not a cache hit"
    case $u in
    *.json*) jq -e '.buckets | length == 72' >/dev/null <<<"$got" \
        || fail "GET $u after a HEAD got: ${got:0:200}" ;;
    *) grep -q '</html>' <<<"$got" || fail "GET $u after a HEAD got: ${got:0:200}" ;;
    esac
done

# CSV: streamed rows, quoted where needed.
now=$(date -u +%Y-%m-%dT%H:%MZ)
from=$(date -u -d '-10 minutes' +%Y-%m-%dT%H:%MZ)
csv=$(curl -sf "$URL/visits.csv?from=$from&to=$(date -u -d '+1 minute' +%Y-%m-%dT%H:%MZ)")
[ "$(head -n 1 <<<"$csv" | tr -d '\r')" = "minute,site,path,visits" ] || fail "CSV header: $(head -n1 <<<"$csv")"
[ "$(tail -n +2 <<<"$csv" | tr -d '\r' | awk -F, '{s += $NF} END {print s}')" = 8 ] \
    || fail "CSV rows do not add up to 8: $csv"
grep -qF ',localhost,"/r/<script>alert(1)<%2Fscript>""q"",x%FFé",3' <<<"$csv" \
    || fail "the hostile path is not quoted in the CSV: $csv"
[ "$(curl -sf "$URL/visits.csv?path=/r/plain" | tail -n +2 | tr -d '\r' | awk -F, '{s += $NF} END {print s}')" = 5 ] \
    || fail "CSV path filter does not give 5"
curl -sfI "$URL/visits.csv" | grep -qi '^content-type: text/csv' || fail "CSV content type"

# Bad parameters: 400 naming the parameter; bad methods: 405.
check400() {  # URL-SUFFIX WORD
    local body status
    body=$(curl -s -w '\n%{http_code}' "$URL$1")
    status=${body##*$'\n'}
    [ "$status" = 400 ] || fail "$1 answered $status, not 400"
    grep -q "$2" <<<"$body" || fail "$1: the message does not name $2: $body"
}
check400 '/visits?window=2h' '"window"'
check400 '/visits.json?window=2h' '15m, 60m, 6h, 24h'
check400 '/visits.json?top=101' '"top"'
check400 '/visits.json?top=x' '1 to 100'
check400 '/visits.json?tz=Not/AZone' '"tz"'
check400 '/visits.json?tz=..%2F..%2Fetc%2Fpasswd' '"tz"'
check400 '/visits.json?path=relative' '"path"'
check400 '/visits.json?path=%2Fa%2F..%2Fb' '"path"'
check400 '/visits.json?bogus=1' '"bogus"'
check400 '/visits.json?window=15m&window=60m' 'more than once'
check400 '/visits.json?%FF=1' 'invalid UTF-8'
check400 "/visits.csv?from=yesterday" '"from"'
check400 "/visits.csv?from=2026-01-01T00:00Z&to=2026-01-09T00:00Z" '7 days'
check400 "/visits.csv?from=2026-01-02T00:00Z&to=2026-01-01T00:00Z" 'before'
check400 "/visits.csv?window=15m" '"window"'
[ "$(code -X POST "$URL/visits.json")" = 405 ] || fail "POST /visits.json was not 405"
[ "$(code "$URL/visits/static/visits.js")" = 200 ] || fail "the page script is not served"
curl -sfI "$URL/visits/static/visits.js" | grep -qi '^x-content-type-options: nosniff' \
    || fail "the page script is served without nosniff"
# Only the report's own URLs go to the report: /visits-policy is a page
# of the site.
page -f "$URL/visits-policy" | grep -q 'A small site' \
    || fail "/visits-policy was not answered as a page of the site"

# Distinct query strings each miss the cache: nginx limits one address.
for i in $(seq 1 300); do echo "$URL/visits.json?top=$((i % 100 + 1))&window=15m&path=/b/$i"; done >"$T/burst"
codes=$(requests "$T/burst" | sort | uniq -c)
grep -q ' 429$' <<<"$codes" || fail "300 distinct report URLs at once were never limited: $codes"
grep -q ' 5[0-9][0-9]$' <<<"$codes" && fail "a burst of report requests got server errors: $codes"
note "ok: report API checked ($now)"
