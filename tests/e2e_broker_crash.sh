#!/bin/bash
# End to end, real Kafka only (make check-kafka with VISITS_TEST_KAFKACTL):
# the broker is SIGKILLed twice under steady load and started again each
# time, recovering its log. Pages keep being answered 200 at once; the
# worker's idempotent producer resends what the dead broker had not
# acknowledged, and the restarted broker, which rebuilt the producer's
# sequence numbers from its log, drops what it already had; the consumer
# rejoins and goes on from the offsets in PostgreSQL. Every visit is
# counted exactly once: none lost, none twice.
export TEST_CRASHES_BROKER=1
. "$top_srcdir/tests/lib.sh"

# 50 s at 400/s: a restart after a SIGKILL can take 10 s and more, until
# ZooKeeper lets the dead broker's registration go (tests/broker.sh).
n=20000
for i in $(seq 1 "$n"); do
    printf 'url = "%s/crash/page-%d"\noutput = "/dev/null"\n' "$URL" $((i % 40))
done >"$T/curl.cfg"
curl -s -H "$PAGE_ACCEPT" --rate 400/s -K "$T/curl.cfg" -w '%{http_code} %{time_total}\n' \
    >"$T/answers" &
load=$!
stored() { sql "SELECT coalesce(sum(visits), 0) FROM visit_minutes"; }
for round in 1 2; do
    # Killed while the consumer is busy: once more visits are stored.
    last=$(stored)
    for ((i = 0; i < 100; i++)); do [ "$(stored)" -gt "$last" ] && break; sleep 0.1; done
    sleep 2
    broker_kill
    note "round $round: broker killed after $(grep -c . "$T/answers") answers, $(stored) visits stored"
    sleep 3
    broker_up
    note "round $round: broker up again after $(grep -c . "$T/answers") answers"
done
[ "$(grep -c . "$T/answers")" -lt "$n" ] || fail "the load ended before the last restart"
wait "$load" || true

[ "$(grep -c '^200 ' "$T/answers")" -eq "$n" ] || fail "not every page was answered 200"
slowest=$(sort -k2 -n "$T/answers" | tail -n 1 | cut -d' ' -f2)
awk -v s="$slowest" 'BEGIN {exit !(s < 0.5)}' || fail "a page took ${slowest}s while the broker was away"

wait_total "$n" 120
for i in $(seq 0 39); do printf '/crash/page-%d\t%d\n' "$i" $((n / 40)); done \
    | LC_ALL=C sort >"$T/expected"
diff -u "$T/expected" <(db_counts) || fail "per-path counts differ after the broker crashes"
diff -u "$T/expected" <(json_counts) || fail "/visits.json differs after the broker crashes"
grep -q 'dropped\|delivery failed\|fatal' "$T/log/record.log" && fail "the worker dropped or lost events"
note "ok: $n visits answered (slowest ${slowest}s) and counted exactly once across two broker SIGKILLs"
