#!/bin/bash
# End to end: what one client can make the report's database do.
#  - Spellings of one report's query that are not the canonical one
#    (another order, percent-escapes, leading zeros, spelled-out
#    defaults) each missed nginx's micro-cache, keyed on the URL, and ran
#    the query: 60 such URLs, 60 queries. The worker now redirects them
#    (302) to the canonical URL without a query, so they cost the database
#    what one URL does: one query per half second.
#  - nginx's request limit counted each IPv6 address on its own, so a
#    client with a /64 (2^64 addresses) had no limit. It now counts the /64.
# Client addresses come through a trusted proxy's X-Forwarded-For.
export VISITS_TRUSTED_PROXIES=127.0.0.1
. "$top_srcdir/tests/lib.sh"

S=$VISITS_MONITOR_SOCKET
queries() {
    curl -sf --unix-socket "$S" http://localhost/report/metrics \
        | awk '$1 == "visits_report_query_duration_seconds_count" { print $2 }'
}
code() { curl -s -o /dev/null -w '%{http_code} %{redirect_url}' "$@"; }
# batch LIST [OPTION]: requests every "URL ADDRESS" line of LIST, 16 at
# once, each from ADDRESS (X-Forwarded-For), with the curl config OPTION
# (e.g. location); prints one status per line.
batch() {
    awk -v opt="${2:-}" '{
        if (NR > 1) print "next"
        printf "url = \"%s\"\nheader = \"X-Forwarded-For: %s\"\noutput = \"/dev/null\"\n", $1, $2
        print "write-out = \"%{http_code}\\n\"\nsilent"
        if (opt != "") print opt
    }' "$1" >"$1.cfg"
    curl -Z --parallel-max 16 --no-progress-meter -K "$1.cfg"
}

# 1. Other spellings are redirected to the shortest canonical URL.
check_redirect() {
    local got
    got=$(code "$URL/visits.json?$1")
    [ "$got" = "302 $URL/visits.json$2" ] || fail "?$1 answered \"$got\", not a redirect to ${2:-no query}"
}
check_redirect 'top=10&window=60m' ''
check_redirect 'window=%36%30m' ''
check_redirect 'top=010' ''
check_redirect 'top=5&window=15m' '?window=15m&top=5'
check_redirect 'window=15m&&top=5' '?window=15m&top=5'
check_redirect 'tz=Europe%2FParis' '?tz=Europe/Paris'
check_redirect 'path=%2Fa%2Fb' '?path=/a/b'
for q in '' 'window=15m' 'window=15m&top=5' 'site=localhost&window=60m&top=10&tz=UTC&path=' \
        'tz=Europe/Paris&path=/a/b' 'path=%28other%29'; do
    got=$(code "$URL/visits.json?$q")
    [ "${got% *}" = 200 ] || fail "the canonical ?$q answered \"$got\""
done
[ "$(code "$URL/visits?window=15m&top=5&tz=UTC")" = "200 " ] || fail "the page's canonical URL was not answered 200"
[ "$(code -I "$URL/visits?top=5&window=15m")" = "302 $URL/visits?window=15m&top=5" ] \
    || fail "HEAD of another spelling was not redirected"
note "other spellings answered 302 to the canonical URL; canonical ones 200"

# 60 spellings of one report, from 60 addresses (no request limit in the
# way): before, 60 queries; now redirects without one, then at most one
# query per half second for the canonical URL they lead to.
q0=$(queries)
t0=$(date +%s%3N)
for i in $(seq 1 60); do
    printf '%s/visits.json?top=%05d&window=15m 10.9.0.%d\n' "$URL" 5 "$i"
    printf '%s/visits.json?window=15m&top=%0*d 10.9.1.%d\n' "$URL" $((i % 5 + 2)) 5 "$i"
done >"$T/spellings"
batch "$T/spellings" >"$T/codes"
ms=$(($(date +%s%3N) - t0))
q1=$(queries)
[ "$(grep -c '^302$' "$T/codes")" -eq 120 ] || fail "not every spelling was redirected: $(sort "$T/codes" | uniq -c | tr '\n' ' ')"
[ "$q1" -eq "$q0" ] || fail "redirected spellings ran $((q1 - q0)) queries"
batch "$T/spellings" location >"$T/codes"
ms=$(($(date +%s%3N) - t0))
q2=$(queries)
bound=$((ms / 500 + 2))
[ "$(grep -c '^200$' "$T/codes")" -eq 120 ] || fail "followed redirects: $(sort "$T/codes" | uniq -c | tr '\n' ' ')"
[ $((q2 - q1)) -le "$bound" ] \
    || fail "120 spellings of one report ran $((q2 - q1)) queries in $ms ms (at most $bound: one per half second)"
note "120 spellings of one report: 0 queries for the redirects, $((q2 - q1)) for the canonical URL in $ms ms"

# 2. One IPv6 /64, a new address for each request: limited as one client.
for i in $(seq 1 400); do printf '%s/visits.json?window=15m 2001:db8:1:2::%x\n' "$URL" "$i"; done >"$T/net64"
batch "$T/net64" >"$T/codes"
limited=$(grep -c '^429$' "$T/codes" || true)
[ "$limited" -ge 100 ] || fail "400 requests from one /64 in a burst: only $limited answered 429 ($(sort "$T/codes" | uniq -c | tr '\n' ' '))"
# As many requests from 400 different /64s: none limited.
for i in $(seq 1 400); do printf '%s/visits.json?window=15m 2001:db8:%x:1::1\n' "$URL" "$i"; done >"$T/nets"
batch "$T/nets" >"$T/codes"
[ "$(grep -c '^200$' "$T/codes")" -eq 400 ] || fail "400 /64s, one request each: $(sort "$T/codes" | uniq -c | tr '\n' ' ')"
note "ok: one /64 with 400 addresses limited ($limited of 400 answered 429); 400 /64s not limited"
