#!/bin/bash
# End to end: the consumer's monitoring listener. /metrics passes the
# strict format checker (tests/promlint) and its counters move by exactly
# what a known load did; /healthz answers; /readyz follows PostgreSQL and
# Kafka going away and coming back, within its one-second cache.
export TEST_STOPS_BROKER=1
. "$top_srcdir/tests/lib.sh"

M=$VISITS_CONSUMER_MONITOR
[ -n "$M" ] || fail "visits-stack did not publish the consumer's monitoring address"

scrape() {
    curl -sf "$M/metrics" >"$T/scrape" || fail "GET /metrics failed"
    "$top_builddir/tests/promlint" <"$T/scrape" || fail "/metrics is not valid Prometheus text"
}
# metric NAME: the value of an unlabelled sample in the last scrape.
metric() {
    awk -v n="$1" '$1 == n { print $2; found = 1 } END { exit !found }' "$T/scrape" \
        || fail "no $1 in /metrics"
}
# probe PATH: "status body" of a monitoring endpoint.
probe() { curl -s -w ' %{http_code}' "$M$1" | tr '\n' ' '; }

scrape
e0=$(metric visits_consumer_events_total)
r0=$(metric visits_consumer_rejected_total)

n=500
for i in $(seq 1 "$n"); do echo "$URL/metrics-test/page-$((i % 10))"; done >"$T/urls"
[ "$(requests "$T/urls" | grep -c '^200$')" -eq "$n" ] || fail "not every page was answered 200"
printf 'not json\n{"v":2}\nhex:00ff\n' \
    | "$top_builddir/tests/kafka_produce" "$VISITS_BROKERS" "$TOPIC" || fail "could not produce"
wait_total "$n" 30
for _ in $(seq 50); do
    scrape
    [ "$(metric visits_consumer_rejected_total)" -ge $((r0 + 3)) ] && break
    sleep 0.1
done
sleep 1.2   # lag is published once a second

scrape
events=$(($(metric visits_consumer_events_total) - e0))
[ "$events" -eq "$n" ] || fail "events_total moved by $events for $n visits"
rejected=$(($(metric visits_consumer_rejected_total) - r0))
[ "$rejected" -eq 3 ] || fail "rejected_total moved by $rejected for 3 poison messages"
flushes=$(metric visits_consumer_flushes_total)
failures=$(metric visits_consumer_flush_failures_total)
fenced=$(metric visits_consumer_flushes_fenced_total)
attempts=$(metric visits_consumer_flush_duration_seconds_count)
[ "$flushes" -ge 1 ] || fail "no flush counted"
[ "$attempts" -eq $((flushes + failures + fenced)) ] \
    || fail "flush_duration_seconds_count $attempts is not flushes+failures+fenced $((flushes + failures + fenced))"
rows=$(metric visits_consumer_rows_total)
[ "$rows" -ge 10 ] || fail "rows_total $rows for 10 paths"
[ "$(metric visits_consumer_assigned_partitions)" = 16 ] || fail "not 16 partitions held"
lag=$(awk '/^visits_consumer_lag\{/ { s += $2; n++ } END { print n + 0, s + 0 }' "$T/scrape")
[ "$lag" = "16 0" ] || fail "lag (partitions, sum) is $lag, expected 16 partitions at 0"
age=$(metric visits_consumer_last_flush_age_seconds)
awk -v a="$age" 'BEGIN { exit !(a >= 0 && a < 10) }' || fail "last flush age $age s"
note "after $n visits and 3 poison messages: events +$events, rejected +$rejected, flushes $flushes, rows $rows, lag 0 on 16 partitions"

[[ "$(probe /healthz)" == "alive  200" ]] || fail "/healthz: $(probe /healthz)"
[[ "$(probe /readyz)" == "ready  200" ]] || fail "/readyz: $(probe /readyz)"

pg_stop
# /readyz is checked at most once a second: it follows within that.
not_ready() { [[ "$(probe /readyz)" == *postgresql*" 503" ]]; }
within 3 not_ready || fail "/readyz 3 s after PostgreSQL stopped: $(probe /readyz)"
[[ "$(probe /healthz)" == "alive  200" ]] || fail "/healthz with PostgreSQL stopped: $(probe /healthz)"
pg_start
ready() { [[ "$(probe /readyz)" == "ready  200" ]]; }
within "$READY_BOUND_S" ready \
    || fail "/readyz ${READY_BOUND_S}s after PostgreSQL came back: $(probe /readyz)"

broker_down
for _ in $(seq 50); do [[ "$(probe /readyz)" == *" 503" ]] && break; sleep 0.2; done
got=$(probe /readyz)
[[ "$got" == *kafka*" 503" ]] || fail "/readyz with Kafka down: $got"
broker_up
within "$READY_BOUND_S" ready || fail "/readyz ${READY_BOUND_S}s after Kafka came back: $(probe /readyz)"

[[ "$(probe /nothing)" == *" 404" ]] || fail "/nothing: $(probe /nothing)"
note "ok: /metrics valid and exact; /healthz alive throughout; /readyz followed PostgreSQL and Kafka down and up"

# A second consumer cannot take the same address: it stops at once, saying so.
addr=${M#http://}
rc=0
timeout 10 "$top_builddir/consumer/visits-consumer" --brokers "$VISITS_BROKERS" \
    --database "$VISITS_DATABASE" --metrics-listen "$addr" >"$T/log/consumer2.log" 2>&1 \
    || rc=$?
[ "$rc" -eq 1 ] || fail "a consumer on a taken metrics address exited $rc, not 1"
grep -q "metrics-listen: could not listen on \"$addr\": Address already in use" \
    "$T/log/consumer2.log" || fail "no line names the taken address: $(cat "$T/log/consumer2.log")"
note "ok: a taken metrics address stops a consumer with: $(grep -o 'metrics-listen: .*' "$T/log/consumer2.log")"
