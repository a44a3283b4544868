#!/bin/bash
# End to end: a second consumer joins the group under load, the partitions
# are split between the two, then it leaves (SIGTERM: it flushes and leaves
# the group) and the first takes them all back. Every visit is counted
# exactly once.
. "$top_srcdir/tests/lib.sh"

n=20000
for i in $(seq 1 "$n"); do echo "$URL/rebal/page-$((i % 50))"; done >"$T/urls"
RATE=800 requests "$T/urls" >"$T/codes" &
load=$!
sleep 3
second_consumer
second=$SECOND
on_exit "kill -TERM $second 2>/dev/null"
note "second consumer: $(grep -o 'assigned [0-9]* partitions' "$T/log/consumer2.log" | tail -n 1)"
sleep 4
[ "$(grep -c '^200$' "$T/codes")" -lt "$n" ] || fail "the load ended before the second consumer left"
kill -TERM "$second"
wait "$second" || fail "the second consumer did not stop cleanly"
grep -q 'revoked' "$T/log/consumer2.log" || fail "the second consumer did not give its partitions back"
wait "$load" || true

[ "$(grep -c '^200$' "$T/codes")" -eq "$n" ] || fail "not every page was answered 200"
wait_total "$n" 60
for i in $(seq 0 49); do printf '/rebal/page-%d\t%d\n' "$i" $((n / 50)); done \
    | LC_ALL=C sort >"$T/expected"
diff -u "$T/expected" <(db_counts) || fail "per-path counts differ after the rebalances"
[ "$(grep -c 'assigned' "$T/log/consumer.log")" -ge 3 ] \
    || fail "the first consumer was not reassigned twice"
note "ok: $n visits counted exactly once across a consumer joining and leaving"
