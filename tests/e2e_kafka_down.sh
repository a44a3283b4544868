#!/bin/bash
# End to end: Kafka is unavailable for 10 s under steady load, longer than
# the consumer's 6 s session (broker_down in tests/lib.sh: the dev broker's
# brokers refuse connections; a real broker is stopped). Pages keep being
# answered 200 at once; the visit events wait in the worker's producer and
# are delivered after recovery; every visit is counted exactly once.
export TEST_STOPS_BROKER=1
. "$top_srcdir/tests/lib.sh"

n=3000
for i in $(seq 1 "$n"); do
    printf 'url = "%s/kdown/page-%d"\noutput = "/dev/null"\n' "$URL" $((i % 20))
done >"$T/curl.cfg"
curl -s -H "$PAGE_ACCEPT" --rate 200/s -K "$T/curl.cfg" -w '%{http_code} %{time_total}\n' >"$T/answers" &
load=$!
sleep 3
broker_down
note "brokers down after $(grep -c . "$T/answers") answers"
sleep 10
broker_up
note "brokers up after $(grep -c . "$T/answers") answers"
wait "$load" || true

[ "$(grep -c '^200 ' "$T/answers")" -eq "$n" ] || fail "not every page was answered 200"
slowest=$(sort -k2 -n "$T/answers" | tail -n 1 | cut -d' ' -f2)
awk -v s="$slowest" 'BEGIN {exit !(s < 0.5)}' \
    || fail "a page took ${slowest}s while Kafka was down"
[ "$KAFKA" != dev ] || grep -q 'brokers down' "$T/log/devbroker.log" \
    || fail "the brokers were not taken down"

wait_total "$n" 90
for i in $(seq 0 19); do printf '/kdown/page-%d\t%d\n' "$i" $((n / 20)); done \
    | LC_ALL=C sort >"$T/expected"
diff -u "$T/expected" <(db_counts) || fail "per-path counts differ after the outage"
grep -q 'dropped\|delivery failed' "$T/log/record.log" && fail "the worker dropped or lost events"
note "ok: $n visits answered (slowest ${slowest}s) and counted exactly once across a 10 s Kafka outage"
