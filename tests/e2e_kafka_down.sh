#!/bin/bash
# End to end: Kafka is unavailable for 10 s under steady load (the dev
# broker takes its brokers down on SIGUSR1, up on SIGUSR2). Pages keep being
# answered 200 at once; the visit events wait in the worker's producer and
# are delivered after recovery; every visit is counted exactly once.
. "$top_srcdir/tests/lib.sh"

n=3000
for i in $(seq 1 "$n"); do
    printf 'url = "%s/kdown/page-%d"\noutput = "/dev/null"\n' "$URL" $((i % 20))
done >"$T/curl.cfg"
curl -s -H "$PAGE_ACCEPT" --rate 200/s -K "$T/curl.cfg" -w '%{http_code} %{time_total}\n' >"$T/answers" &
load=$!
broker=$(cat "$T/run/devbroker.pid")
sleep 3
kill -USR1 "$broker"
note "brokers down after $(grep -c . "$T/answers") answers"
sleep 10
kill -USR2 "$broker"
note "brokers up after $(grep -c . "$T/answers") answers"
wait "$load" || true

[ "$(grep -c '^200 ' "$T/answers")" -eq "$n" ] || fail "not every page was answered 200"
slowest=$(sort -k2 -n "$T/answers" | tail -n 1 | cut -d' ' -f2)
awk -v s="$slowest" 'BEGIN {exit !(s < 0.5)}' \
    || fail "a page took ${slowest}s while Kafka was down"
grep -q 'brokers down' "$T/log/devbroker.log" || fail "the brokers were not taken down"

wait_total "$n" 90
for i in $(seq 0 19); do printf '/kdown/page-%d\t%d\n' "$i" $((n / 20)); done \
    | LC_ALL=C sort >"$T/expected"
diff -u "$T/expected" <(db_counts) || fail "per-path counts differ after the outage"
grep -q 'dropped\|delivery failed' "$T/log/record.log" && fail "the worker dropped or lost events"
note "ok: $n visits answered (slowest ${slowest}s) and counted exactly once across a 10 s Kafka outage"
