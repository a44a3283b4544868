#!/bin/bash
# End to end: the consumer is SIGKILLed five times while requests flow and
# restarted each time: four times at a random moment once it has stored
# more visits (so it is busy consuming and flushing), and once in the
# middle of a flush, with its transaction open and some rows written (a
# lock held on visit_seconds stops it there). Every visit answered 200 must
# still be counted exactly once.
. "$top_srcdir/tests/lib.sh"

n=50000
urls=$T/urls
for i in $(seq 1 "$n"); do echo "$URL/kill/page-$((i % 50))"; done >"$urls"
stored() { sql "SELECT coalesce(sum(visits), 0) FROM visit_minutes"; }
# consumer_waits_on_lock: true while a backend of the consumer's waits for
# a lock (its flush, held up by the lock below).
consumer_waits_on_lock() {
    [ "$(sql "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'
              AND query LIKE '%visit_seconds%'")" -gt 0 ]
}

RATE=1000 requests "$urls" >"$T/codes" &
load=$!
last=0
for round in 1 2 3 4 5; do
    for ((i = 0; i < 200; i++)); do
        [ "$(stored)" -gt "$last" ] && break
        sleep 0.1
    done
    pid=$(cat "$T/run/consumer.pid")
    if [ "$round" -eq 3 ]; then
        # Hold visit_seconds so the next flush stops after its first
        # upsert, inside the transaction; kill it there.
        psql -XAtq "$VISITS_DATABASE" -c "BEGIN; LOCK TABLE visit_seconds; SELECT pg_sleep(4); COMMIT" \
            >/dev/null &
        locker=$!
        for ((i = 0; i < 40; i++)); do consumer_waits_on_lock && break; sleep 0.1; done
        consumer_waits_on_lock || fail "the consumer's flush never waited on the lock"
        kill -KILL "$pid"
        wait "$locker"
        last=$(stored)
        note "round 3: consumer $pid killed inside a flush with $last visits stored"
    else
        sleep 0.$((RANDOM % 10))
        kill -KILL "$pid"
        last=$(stored)
        note "round $round: consumer $pid killed with $last visits stored"
    fi
    [ "$last" -gt 0 ] || fail "the consumer stored nothing before it was killed"
    stack restart-consumer
done
wait "$load"
[ "$last" -lt "$n" ] || fail "the load ended before the last kill"

ok=$(grep -c '^200$' "$T/codes" || true)
note "answered 200: $ok of $n"
[ "$ok" -eq "$n" ] || fail "only $ok of $n requests were answered 200"
wait_total "$n" 60
for i in $(seq 0 49); do printf '/kill/page-%d\t%d\n' "$i" $((n / 50)); done \
    | LC_ALL=C sort >"$T/expected"
diff -u "$T/expected" <(db_counts) || fail "per-path counts differ after the kills"
diff -u "$T/expected" <(json_counts) || fail "/visits.json differs after the kills"
note "ok: $n visits counted exactly once across five consumer kills, one inside a flush"
