#!/bin/bash
# End to end: hostile and malformed requests. Each gets a proper status:
# nginx's own 414 and 400 for what it refuses (a 100 KB path, 20 KB of
# headers, %00, broken percent-encoding), the report's 405 with Allow and
# a message for methods other than GET and HEAD. The site's pages answered
# 200 are recorded once, their paths cleaned and capped at 512 bytes, and
# shown escaped; nothing refused is recorded, nor any method but GET and
# HEAD.
. "$top_srcdir/tests/lib.sh"

# code ARGS...: the status curl gets.
code() { page -o /dev/null -w '%{http_code}' "$@"; }
# expect WANT WHAT ARGS...: fails unless the request answers WANT.
expect() {
    local want=$1 what=$2 got
    shift 2
    got=$(code "$@")
    [ "$got" = "$want" ] || fail "$what: answered $got, expected $want"
}

long=$(head -c 100000 /dev/zero | tr '\0' a)
expect 414 "a 100 KB path" "$URL/$long"
expect 400 "20 KB of headers" -H "X-Big: ${long:0:20000}" "$URL/big-header"
expect 400 "a 10 KB user agent" -A "${long:0:10000}" "$URL/big-ua"
expect 400 "%00 in the path" "$URL/nul%00byte"
expect 400 "broken percent-encoding" "$URL/bad%zzescape"

for path in /visits /visits/ /visits.json /visits.csv; do
    for method in POST PUT DELETE OPTIONS PATCH; do
        out=$(curl -s -i -X "$method" -d 'a=b' "$URL$path")
        status=$(head -n 1 <<<"$out" | cut -d' ' -f2)
        [ "$status" = 405 ] || fail "$method $path answered $status, expected 405"
        grep -qi '^Allow: GET, HEAD' <<<"$out" || fail "$method $path: no Allow header"
        grep -q 'method not allowed' <<<"$out" || fail "$method $path: no message"
    done
done

# Other methods on the site's pages are the site's business (nginx's
# static files answer 405) and never counted.
for method in POST PUT DELETE OPTIONS PATCH; do
    expect 405 "$method of a page" -X "$method" -d 'a=b' "$URL/page"
done

# Answered and recorded, cleaned: raw invalid UTF-8, a 7 KB path, markup
# and SQL in the path, hostile referrer and user agent.
expect 200 "invalid UTF-8 in the path" --path-as-is "$URL/$(printf 'bad\xff\xfeutf8')"
expect 200 "a 7 KB path" "$URL/${long:0:7000}"
expect 200 "markup in the path" --path-as-is "$URL/<script>alert(1)</script>"
expect 200 "SQL in the path" "$URL/x%27;DROP%20TABLE%20visit_minutes;--"
expect 200 "a hostile referrer" -H "Referer: $(printf 'http://x/\xff"<script>')" "$URL/ref"
expect 200 "a hostile user agent" -A "$(printf '<b>"\x01\xc0')" "$URL/ua"
expect 200 "HEAD of a page" -I "$URL/head"

wait_total 7 30
{
    printf '/bad%%FF%%FEutf8\t1\n'
    printf '/%s\t1\n' "${long:0:511}"
    printf '/<script>alert(1)</script>\t1\n'
    printf "/x';DROP%%20TABLE%%20visit_minutes;--\t1\n"
    printf '/ref\t1\n/ua\t1\n/head\t1\n'
} | LC_ALL=C sort >"$T/expected"
diff -u "$T/expected" <(db_counts) || fail "recorded paths differ"

html=$(curl -sf "$URL/visits?window=15m&top=100")
grep -q '<script>alert' <<<"$html" && fail "the report shows an unescaped path"
grep -q '&lt;script&gt;alert(1)&lt;/script&gt;' <<<"$html" || fail "the report lacks the escaped path"
json=$(curl -sf "$URL/visits.json?window=15m&top=100")
[ "$(jq '[.paths[].path] | length' <<<"$json")" = 7 ] || fail "/visits.json lists not 7 paths"
note "ok: refused requests answered 414/400/405 and not recorded; 7 odd visits recorded cleaned"
