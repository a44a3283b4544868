#!/bin/bash
# End to end: how soon the consumer is back after an outage, the bound
# docs/RELIABILITY.md states: within 5 s of PostgreSQL or Kafka coming
# back, /readyz answers 200; a visit made then is counted within 5 s of
# PostgreSQL's return, 15 s of Kafka's (after a broker restart the group
# is formed again: a real broker waits 3 s for members to join, and the
# consumer's session is 6 s here).
#   1. PostgreSQL stops, and a second consumer of the group is SIGKILLed
#      meanwhile, so the first is given all the partitions while
#      PostgreSQL cannot say where they stand (it assigns them, pauses,
#      and assigns them again at their offsets once PostgreSQL answers;
#      it used to try to seek partitions that never started fetching,
#      which librdkafka refuses: "Local: Erroneous state").
#   2. Kafka goes away for longer than the consumer's 6 s session.
# Under steady load throughout; every visit is counted exactly once, and
# the consumer never failed to position a partition.
export TEST_STOPS_BROKER=1
. "$top_srcdir/tests/lib.sh"

READY_S=$READY_BOUND_S
n=6000
for i in $(seq 1 "$n"); do echo "$URL/recover/page-$((i % 20))"; done >"$T/urls"
RATE=150 requests "$T/urls" >"$T/codes" &
load=$!
probe() { curl -s -o /dev/null -w '%{http_code}' "$VISITS_CONSUMER_MONITOR/readyz"; }
ms() { date +%s%3N; }
# back WHAT COUNTED_S: after WHAT came back, the time until /readyz
# answers 200 and until a marker visit made then is in PostgreSQL, each
# within its bound.
back() {
    local t0 ready counted marker=/recover/marker-$1 COUNTED_S=$2
    t0=$(ms)
    [ "$(page -o /dev/null -w '%{http_code}' "$URL$marker")" = 200 ] || fail "the marker was not answered"
    until [ "$(probe)" = 200 ]; do
        [ $(($(ms) - t0)) -le $((READY_S * 1000)) ] || fail "/readyz not 200 ${READY_S}s after $1 came back"
        sleep 0.05
    done
    ready=$(($(ms) - t0))
    [ "$ready" -le $((READY_S * 1000)) ] || fail "/readyz took $ready ms after $1 came back"
    until [ "$(sql "SELECT count(*) FROM visit_minutes WHERE path = '$marker'")" = 1 ]; do
        [ $(($(ms) - t0)) -le $((COUNTED_S * 1000)) ] \
            || fail "a visit made when $1 came back was not counted within ${COUNTED_S}s"
        sleep 0.05
    done
    counted=$(($(ms) - t0))
    note "$1 back: ready after $ready ms, counting again after $counted ms"
}
sleep 3

second_consumer
second=$SECOND
on_exit "kill -KILL $second 2>/dev/null"
pg_stop
kill -KILL "$second"
for _ in $(seq 300); do grep -q 'paused until postgresql answers' "$T/log/consumer.log" && break; sleep 0.1; done
grep -q 'paused until postgresql answers' "$T/log/consumer.log" \
    || fail "the first consumer was not given the partitions while PostgreSQL was down"
note "the first consumer was given the partitions with PostgreSQL down"
sleep 2
pg_start
back postgresql 5

sleep 2
broker_down
sleep 8
broker_up
back kafka 15

wait "$load" || true
[ "$(grep -c '^200$' "$T/codes")" -eq "$n" ] || fail "not every page was answered 200"
wait_total $((n + 2)) 60
for i in $(seq 0 19); do printf '/recover/page-%d\t%d\n' "$i" $((n / 20)); done >"$T/expected"
printf '/recover/marker-%s\t1\n' kafka postgresql >>"$T/expected"
diff -u <(LC_ALL=C sort "$T/expected") <(db_counts) || fail "per-path counts differ after the outages"
grep -q 'Erroneous state\|could not assign' "$T/log/consumer.log" \
    && fail "the consumer failed to position a partition: $(grep 'Erroneous state\|could not assign' "$T/log/consumer.log" | head -n 3)"
note "ok: $n visits counted exactly once; within the bounds after each return"
