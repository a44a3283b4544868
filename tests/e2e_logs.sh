#!/bin/bash
# End to end: the logs. Every line any of our programs writes is one event
# in one format: UTC time, level, program, message (values as key=value);
# librdkafka's lines go through the same. Requests are not logged at info:
# 500 visits and 100 bad requests add no line to any log, and failing
# report queries add at most one line a second, counting the rest.
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

# The report's queries fail (a table is gone): 200 requests at once (what
# limit_req lets through) make a line a second, each with how many
# failures it stands for (those kept quiet since the last line), not a
# line each; one more a second later reports the rest.
sql "ALTER TABLE visit_totals RENAME TO visit_totals_away"
before=$(grep -c 'report query failed' "$T/log/report.log" || true)
for i in $(seq 1 200); do echo "$URL/visits.json?window=15m&top=$((i % 100 + 1))&tz=$([ $((i % 2)) -eq 0 ] && echo UTC || echo Europe/Paris)"; done \
    >"$T/failing"
codes=$(requests "$T/failing" | sort | uniq -c | awk '{ printf "%s%s x%s", (NR > 1 ? ", " : ""), $2, $1 }')
[[ "$codes" == *"500 x"* ]] || fail "the failing queries were not answered 500: $codes"
sleep 1.1
[ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/visits.json?window=60m")" = 500 ] \
    || fail "the last failing query was not answered 500"
lines=$(($(grep -c 'report query failed' "$T/log/report.log" || true) - before))
counted=$(grep 'report query failed' "$T/log/report.log" | sed -n 's/.* count=\([0-9]*\)$/\1/p' \
    | awk '{ s += $1 } END { print s + 0 }')
[ "$lines" -ge 1 ] && [ "$lines" -le 10 ] \
    || fail "$lines lines for 200 failed report queries ($codes)"
[ "$counted" -eq $(($(grep -o '500 x[0-9]*' <<<"$codes" | cut -dx -f2) + 1)) ] \
    || fail "the lines count $counted failures, the answers say $codes"
note "ok: 201 failing report queries ($codes, then one 500) logged in $lines lines counting $counted"
