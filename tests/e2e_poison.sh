#!/bin/bash
# End to end: messages that are not valid visit events, written straight to
# the topic between two runs of real visits. Each lands in rejected_events
# with a reason naming the problem (and at most 1 KB of its payload); the
# consumer keeps going; the visits around them are counted exactly; none of
# the poison is counted.
. "$top_srcdir/tests/lib.sh"

for i in $(seq 1 300); do echo "$URL/poison/before-$((i % 10))"; done >"$T/before"
[ "$(requests "$T/before" | grep -c '^200$')" -eq 300 ] || fail "a page before was not answered 200"

ID='"id":"0f8fad5b-d9cb-469f-a165-70867728950e"'
NOW=$(date -u +%Y-%m-%dT%H:%M:%S.000Z)
TS="\"ts\":\"$NOW\""
FUTURE=$(date -u -d '+1 day' +%Y-%m-%dT%H:%M:%S.000Z)
PAST=$(date -u -d '-30 days' +%Y-%m-%dT%H:%M:%S.000Z)
PAD=$(head -c 100000 /dev/zero | tr '\0' a)
# One message per line ("hex:" lines are bytes), and the reason each must get.
cat >"$T/poison" <<EOF
not json at all
hex:00ff7b2200
[{"v":1,$ID,$TS,"path":"/poison/array"}]
{"v":3,$ID,$TS,"site":"localhost","path":"/poison/v3"}
{"v":2,$ID,$TS,"path":"/poison/nosite"}
{"v":2,$ID,$TS,"site":"<b>x","path":"/poison/badsite"}
{"v":2,$ID,$TS,"site":"","path":"/poison/emptysite"}
{"v":"1",$ID,$TS,"path":"/poison/vstring"}
{$ID,$TS,"path":"/poison/nov"}
{"v":1,$TS,"path":"/poison/noid"}
{"v":1,$ID,"path":"/poison/nots"}
{"v":1,$ID,$TS}
{"v":1,$ID,$TS,"path":"/poison/big","pad":"$PAD"}
{"v":1,$ID,"ts":"$FUTURE","path":"/poison/future"}
{"v":1,$ID,"ts":"$PAST","path":"/poison/past"}
{"v":1,$ID,"ts":"2026-02-30T10:00:00.000Z","path":"/poison/feb30"}
{"v":1,$ID,$TS,"path":"/poison/a/../b"}
{"v":1,$ID,$TS,"path":"/poison/ua","ua":"a\u0001b"}
{"v":1,$ID,$TS,"path":"/poison/dup","path":"/poison/dup2"}
{"v":1,$ID,$TS,"path":"/poison/ip","ip":"999.1.1.1"}
{"v":1,$ID,$TS,"path":"/poison/';%20DROP%20TABLE%20visit_minutes;%20--"}
EOF
cat >"$T/want" <<'EOF'
invalid json
invalid json
not a json object
unsupported schema version 3
missing field "site"
field "site" is not a host name
field "site" is empty
missing or non-integer field "v"
missing or non-integer field "v"
missing field "id"
missing field "ts"
missing field "path"
message is larger than 4096 bytes
in the future
h old
field "ts" is not a UTC time
field "path" is not a normalized path
field "ua" holds a control character
duplicate field "path"
field "ip" is not an IP address
EOF
"$top_builddir/tests/kafka_produce" "$VISITS_BROKERS" "$TOPIC" <"$T/poison" \
    || fail "could not write the poison messages"
npoison=$(grep -c . "$T/poison")

for i in $(seq 1 300); do echo "$URL/poison/after-$((i % 10))"; done >"$T/after"
[ "$(requests "$T/after" | grep -c '^200$')" -eq 300 ] || fail "a page after was not answered 200"

# The last message is valid but for its path, which is a normalized path
# with SQL in it: counted, as any odd path is, and stored as text.
wait_total 601 30
{
    for i in $(seq 0 9); do
        printf '/poison/after-%d\t30\n/poison/before-%d\t30\n' "$i" "$i"
    done
    printf "%s\t1\n" "/poison/';%20DROP%20TABLE%20visit_minutes;%20--"
} | LC_ALL=C sort >"$T/expected"
diff -u "$T/expected" <(db_counts) || fail "per-path counts differ around the poison"

# Every other message is rejected once, each with its reason.
for _ in $(seq 50); do
    [ "$(sql "SELECT count(*) FROM rejected_events")" -ge $((npoison - 1)) ] && break
    sleep 0.1
done
sql "SELECT reason FROM rejected_events" >"$T/reasons"
[ "$(grep -c . "$T/reasons")" -eq $((npoison - 1)) ] \
    || fail "$(grep -c . "$T/reasons") rejected events for $((npoison - 1)) poison messages: $(cat "$T/reasons")"
while IFS= read -r want; do
    n=$(grep -cF -- "$want" "$T/reasons" || true)
    [ "$n" -ge 1 ] || fail "no rejected event with a reason like \"$want\": $(cat "$T/reasons")"
done <"$T/want"
[ "$(grep -cF 'invalid json' "$T/reasons")" -eq 2 ] || fail "not two invalid-json rejects"
[ "$(grep -cF 'missing or non-integer field "v"' "$T/reasons")" -eq 2 ] \
    || fail "not two rejects for field v"

# Payloads are kept as they came, capped at 1 KB.
[ "$(sql "SELECT count(*) FROM rejected_events WHERE payload = 'not json at all'::bytea")" = 1 ] \
    || fail "the payload of a rejected message was not kept"
[ "$(sql "SELECT count(*) FROM rejected_events WHERE payload = '\\x00ff7b2200'::bytea")" = 1 ] \
    || fail "the binary payload was not kept byte for byte"
[ "$(sql "SELECT octet_length(payload) FROM rejected_events WHERE reason LIKE 'message is larger%'")" = 1024 ] \
    || fail "the huge payload was not capped at 1024 bytes"

kill -0 "$(cat "$T/run/consumer.pid")" 2>/dev/null || fail "the consumer is not running"
grep -q 'out of memory\|fatal' "$T/log/consumer.log" && fail "the consumer logged a fatal error"
note "ok: $((npoison - 1)) poison messages rejected with their reasons, 601 visits counted exactly"
