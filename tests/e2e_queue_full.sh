#!/bin/bash
# End to end: the one deliberate loss mode. The visit worker's local
# producer queue is made tiny (100 events) and Kafka is taken away, so the
# queue fills. Pages are still answered 200 at once; each event that does
# not fit is dropped, counted in the worker's statistics and logged; after
# recovery PostgreSQL holds exactly the events the worker delivered.
export VISITS_RECORD_KAFKA="queue.buffering.max.messages=100"
export TEST_STOPS_BROKER=1
. "$top_srcdir/tests/lib.sh"

n=600
for i in $(seq 1 "$n"); do
    printf 'url = "%s/qfull/page-%d"\noutput = "/dev/null"\n' "$URL" $((i % 10))
done >"$T/curl.cfg"
broker_down
sleep 0.5
curl -s -H "$PAGE_ACCEPT" --rate 300/s -K "$T/curl.cfg" -w '%{http_code} %{time_total}\n' >"$T/answers" || true
broker_up
[ "$(grep -c '^200 ' "$T/answers")" -eq "$n" ] || fail "not every page was answered 200"
slowest=$(sort -k2 -n "$T/answers" | tail -n 1 | cut -d' ' -f2)
awk -v s="$slowest" 'BEGIN {exit !(s < 0.5)}' || fail "a page took ${slowest}s with the queue full"
grep -q 'visit event dropped, visit lost: local producer queue is full' "$T/log/record.log" \
    || fail "the drops were not logged"

# The worker's own count, from the line it logs when it stops (after
# delivering what it queued; give the producer time to reconnect first).
sleep 5
kill -TERM "$(cat "$T/run/record-worker.pid")"
for _ in $(seq 150); do grep -q 'producer stopped' "$T/log/record.log" && break; sleep 0.1; done
stats=$(grep 'producer stopped' "$T/log/record.log" | tail -n 1)
[ -n "$stats" ] || fail "the worker did not log its statistics when stopping"
field() { sed -n "s/.* $1=\([0-9]*\).*/\1/p" <<<"$stats"; }
sent=$(field sent) delivered=$(field delivered) dropped=$(field dropped)
note "worker: $stats"
[ "$dropped" -gt 0 ] || fail "nothing was dropped: the queue never filled"
[ $((sent + dropped)) -eq "$n" ] || fail "sent $sent + dropped $dropped is not the $n answered"
[ "$delivered" -eq "$sent" ] || fail "delivered $delivered of the $sent queued"
wait_total "$delivered" 30
note "ok: $n answered (slowest ${slowest}s), $dropped dropped and logged, $delivered delivered and counted exactly"
