#!/bin/bash
# End to end: the consumer is SIGKILLed twice while requests flow, each time
# once it has stored more visits (so it is busy consuming and flushing), and
# restarted. Every visit answered 200 must still be counted exactly once.
. "$top_srcdir/tests/lib.sh"

urls=$T/urls
for i in $(seq 1 16000); do echo "$URL/kill/page-$((i % 50))"; done >"$urls"
stored() { sql "SELECT coalesce(sum(visits), 0) FROM visit_minutes"; }

RATE=800 requests "$urls" >"$T/codes" &
load=$!
last=0
for round in 1 2; do
    for ((i = 0; i < 200; i++)); do
        [ "$(stored)" -gt "$last" ] && break
        sleep 0.1
    done
    sleep 0.$((RANDOM % 10))
    pid=$(cat "$T/run/consumer.pid")
    kill -KILL "$pid"
    last=$(stored)
    note "round $round: consumer $pid killed with $last visits stored"
    [ "$last" -gt 0 ] || fail "the consumer stored nothing before it was killed"
    stack restart-consumer
done
wait "$load"
[ "$last" -lt 16000 ] || fail "the load ended before the second kill"

ok=$(grep -c '^200$' "$T/codes" || true)
note "answered 200: $ok of 16000"
[ "$ok" -eq 16000 ] || fail "only $ok of 16000 requests were answered 200"
wait_total 16000 60
for i in $(seq 0 49); do printf '/kill/page-%d\t320\n' "$i"; done | LC_ALL=C sort >"$T/expected"
diff -u "$T/expected" <(db_counts) || fail "per-path counts differ after the kills"
diff -u "$T/expected" <(json_counts) || fail "/visits.json differs after the kills"
note "ok: 16000 visits counted exactly once across two consumer kills"
