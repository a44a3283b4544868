#!/bin/bash
# End to end: 5,000 page requests over 50 distinct paths (some with query
# strings and doubled slashes that normalize to the same path) go through
# nginx, the visit worker, Kafka, the consumer and PostgreSQL; the database
# and /visits.json must show exactly the numbers sent, per path.
. "$top_srcdir/tests/lib.sh"

urls=$T/urls
expected=$T/expected
: >"$urls"
for i in $(seq 1 50); do
    for j in $(seq 1 100); do
        case $((j % 4)) in
        0) echo "$URL/e2e/page-$i?utm_source=x$j" ;;
        1) echo "$URL/e2e//page-$i" ;;
        2) echo "$URL/e2e/./page-$i#frag" ;;
        *) echo "$URL/e2e/page-$i" ;;
        esac
    done
done | shuf >"$urls"
for i in $(seq 1 50); do printf '/e2e/page-%d\t100\n' "$i"; done | LC_ALL=C sort >"$expected"

codes=$(requests "$urls" | sort | uniq -c)
note "answers: $(echo $codes)"
[ "$(echo "$codes" | awk '$2 == 200 {print $1}')" = 5000 ] \
    || fail "expected 5000 answers 200, got: $codes"

# The site's own page is served, whatever the path.
page -f "$URL/e2e/%3Cscript%3Ex" | grep -q 'A small site' \
    || fail "the site's page was not served"
# HEAD counts; POST, an asset, a request that is not for a page (no Accept
# naming HTML) and a prefetch do not.
for _ in 1 2 3; do page -fI -o /dev/null "$URL/e2e/head"; done
[ "$(page -o /dev/null -w '%{http_code}' -X POST "$URL/e2e/post")" = 405 ] \
    || fail "POST was not answered 405"
page -f -o /dev/null "$URL/demo.css" || fail "the stylesheet was not served"
curl -sf -o /dev/null "$URL/e2e/not-a-page" || fail "a non-page request failed"
page -f -o /dev/null -H 'Sec-Purpose: prefetch' "$URL/e2e/prefetched" || fail "a prefetch failed"
printf '/e2e/<script>x\t1\n/e2e/head\t3\n' >>"$expected"
LC_ALL=C sort -o "$expected" "$expected"

# Messages that are not visit events, written straight to the topic, land
# in rejected_events with a reason and are not counted.
"$top_builddir/tests/kafka_produce" "$VISITS_BROKERS" "$TOPIC" <<'MSGS'
not json at all
{"v":3,"id":"0f8fad5b-d9cb-469f-a165-70867728950e","ts":"2026-01-01T10:00:00.000Z","site":"localhost","path":"/x"}
{"v":1,"id":"0f8fad5b-d9cb-469f-a165-70867728950e","path":"/x"}
MSGS

wait_total 5004 30
diff -u "$expected" <(db_counts) || fail "per-path counts in the database differ"
diff -u "$expected" <(json_counts) || fail "per-path counts in /visits.json differ"

json=$(curl -sf "$URL/visits.json?window=15m&top=100")
[ "$(jq .total <<<"$json")" = 5004 ] || fail "/visits.json total is not 5004: $json"
[ "$(jq '[.buckets[].visits] | add' <<<"$json")" = 5004 ] \
    || fail "/visits.json buckets do not add up to 5004"
[ "$(jq '.buckets | length' <<<"$json")" = 15 ] || fail "15m window has not 15 buckets"

# The HTML report shows the same and escapes the path.
html=$(curl -sf "$URL/visits?window=15m&top=100")
grep -q '<p class="big" id="total">5,004</p>' <<<"$html" \
    || fail "the report page does not show the total"
grep -q '/e2e/&lt;script&gt;x' <<<"$html" || fail "the report page does not escape paths"
grep -q '<script>x' <<<"$html" && fail "the report page shows an unescaped path"

# Bad parameters are refused with a message naming them.
[ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/visits.json?window=7m")" = 400 ] \
    || fail "window=7m was not refused"
curl -s "$URL/visits.json?top=0" | grep -q '"top"' || fail "top=0 message does not name top"
for ((i = 0; i < 50; i++)); do
    [ "$(sql "SELECT count(*) FROM rejected_events")" = 3 ] && break
    sleep 0.1
done
sql "SELECT reason FROM rejected_events ORDER BY reason" >"$T/reasons"
grep -q '^invalid json' "$T/reasons" && grep -q '^missing field "ts"$' "$T/reasons" \
    && grep -q '^unsupported schema version 3$' "$T/reasons" \
    || fail "rejected_events does not hold the three poison messages: $(cat "$T/reasons")"
[ "$(sql "SELECT convert_from(payload, 'UTF8') FROM rejected_events WHERE reason LIKE 'invalid json%'")" = "not json at all" ] \
    || fail "rejected_events does not keep the payload"
note "ok: 5004 visits counted exactly, per path, in the database and /visits.json"
