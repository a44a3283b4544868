#!/bin/bash
# End to end: the logs. Every line any of our programs writes is one event
# in one format: UTC time, level, program, message (values as key=value);
# librdkafka's lines go through the same. Requests are not logged at info:
# 500 visits and 100 bad requests add no line to any log.
. "$top_srcdir/tests/lib.sh"

# The dev broker also prints its bootstrap address alone on stdout, for
# scripts; that line is not a log line.
logs() {
    cat "$T"/log/{record,report,consumer,migrate}.log
    grep -vxE '[0-9.:,]+' "$T/log/devbroker.log"
}
before=$(logs | wc -l)
for i in $(seq 1 500); do echo "$URL/logs/page-$((i % 5))"; done >"$T/urls"
[ "$(requests "$T/urls" | grep -c '^200$')" -eq 500 ] || fail "not every page was answered 200"
for i in $(seq 1 100); do echo "$URL/visits.json?window=bad$i"; done >"$T/bad"
[ "$(requests "$T/bad" | grep -c '^400$')" -eq 100 ] || fail "not every bad request was answered 400"
wait_total 500 30
sleep 1
after=$(logs | wc -l)
[ "$after" -eq "$before" ] || fail "$((after - before)) lines logged for 600 requests: $(logs | tail -n $((after - before)))"

format='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z (error|warn|info|debug) visits-[a-z]+: [^ ]'
bad=$(logs | grep -cvE "$format" || true)
[ "$bad" -eq 0 ] || fail "$bad lines not in the log format: $(logs | grep -vE "$format" | head -n 5)"
grep -q 'info visits-consumer: consuming "visits" via .* group=visits-consumer flush_interval_ms=500' \
    "$T/log/consumer.log" || fail "the consumer's start line lacks its key=value fields"
note "ok: $after log lines, all one event each in the format; none for 600 requests"
