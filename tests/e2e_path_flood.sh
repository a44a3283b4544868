#!/bin/bash
# End to end: a flood of 100,000 distinct paths in one minute, written
# straight to the topic, across a consumer restart and a second consumer
# joining the group, while real pages are visited. The minute keeps exactly
# max-paths-per-minute (1,000 by default) paths of its own, the rest is
# counted under "(other)", and every total stays exact.
. "$top_srcdir/tests/lib.sh"

CAP=1000
second=
on_exit '[ -n "$second" ] && kill -TERM "$second" 2>/dev/null'

# Every flooded event falls in the minute that began before the test.
MINUTE=$(date -u +%Y-%m-%dT%H:%M:00)
TS="$MINUTE.000Z"
# events FIRST LAST PREFIX: one event per number, path PREFIX-<number>-<random>.
events() {
    awk -v a="$1" -v b="$2" -v p="$3" -v ts="$TS" 'BEGIN {
        srand(a);
        for (i = a; i <= b; i++)
            printf "{\"v\":1,\"id\":\"%08x-0000-4000-8000-%012x\",\"ts\":\"%s\",\"path\":\"%s-%d-%x\"}\n",
                i, i, ts, p, i, int(rand() * 2147483647)
    }'
}
produce() { "$top_builddir/tests/kafka_produce" "$VISITS_BROKERS" "$TOPIC" || fail "could not produce"; }
in_minute() {
    sql "SELECT $1 FROM visit_minutes WHERE minute = '$MINUTE+00'"
}

# Ten paths seen first: they keep their own rows whatever follows.
for i in $(seq 0 9); do
    for _ in 1 2 3 4 5; do
        printf '{"v":1,"id":"0f8fad5b-d9cb-469f-a165-70867728950e","ts":"%s","path":"/flood/early-%d"}\n' "$TS" "$i"
    done
done | produce
wait_total 50 30

# Real visits throughout, through nginx.
n=1000
for i in $(seq 1 "$n"); do echo "$URL/flood/page-$((i % 10))"; done >"$T/urls"
RATE=100 requests "$T/urls" >"$T/codes" &
load=$!

events 1 50000 /flood/r | produce
for _ in $(seq 300); do
    [ "$(in_minute 'coalesce(sum(visits), 0)')" -ge 50050 ] && break
    sleep 0.1
done
[ "$(in_minute 'coalesce(sum(visits), 0)')" -ge 50050 ] || fail "the first 50,000 were not stored in 30 s"
note "after 50,000: $(in_minute "count(*) FILTER (WHERE path <> '(other)')") paths of their own"

# Across a restart and a second consumer in the group.
stack restart-consumer
second_consumer
second=$SECOND
events 50001 100000 /flood/r | produce
wait "$load" || true
[ "$(grep -c '^200$' "$T/codes")" -eq "$n" ] \
    || fail "pages not answered 200 during the flood: $(sort "$T/codes" | uniq -c | tr '\n' ' ')"

# A path the minute keeps goes on counting; a new one goes to (other).
{
    for _ in 1 2 3 4 5 6 7; do
        printf '{"v":1,"id":"0f8fad5b-d9cb-469f-a165-70867728950e","ts":"%s","path":"/flood/early-0"}\n' "$TS"
        printf '{"v":1,"id":"0f8fad5b-d9cb-469f-a165-70867728950e","ts":"%s","path":"/flood/late-new"}\n' "$TS"
    done
} | produce
total=$((50 + 100000 + n + 14))
wait_total "$total" 60

own=$(in_minute "count(*) FILTER (WHERE path <> '(other)')")
[ "$own" -eq "$CAP" ] || fail "the flooded minute holds $own paths of its own, expected $CAP"
over=$(sql "SELECT count(*) FROM (SELECT minute FROM visit_minutes WHERE path <> '(other)'
            GROUP BY minute HAVING count(*) > $CAP) m")
[ "$over" -eq 0 ] || fail "$over minutes hold more than $CAP paths"
for i in $(seq 0 9); do
    want=5; [ "$i" -eq 0 ] && want=12
    got=$(sql "SELECT visits FROM visit_minutes
               WHERE minute = '$MINUTE+00' AND path = '/flood/early-$i'")
    [ "$got" = "$want" ] || fail "/flood/early-$i has \"$got\" visits in the flooded minute, expected $want"
done
[ "$(in_minute "count(*) FILTER (WHERE path = '/flood/late-new')")" -eq 0 ] \
    || fail "a path new after the cap got a row of its own"
other=$(in_minute "coalesce(sum(visits) FILTER (WHERE path = '(other)'), 0)")
inm=$(in_minute "sum(visits)")
[ "$(sql "SELECT visits FROM visit_totals WHERE minute = '$MINUTE+00'")" -eq "$inm" ] \
    || fail "visit_totals differs from visit_minutes for the flooded minute"
[ "$(sql "SELECT count(*) FROM visit_hours WHERE path LIKE '/flood/r-%'
          AND path NOT IN (SELECT path FROM visit_minutes)")" -eq 0 ] \
    || fail "visit_hours holds paths visit_minutes does not"
grep -q 'max-paths-per-minute=1000' "$T/log/consumer.log" "$T/log/consumer2.log" \
    || fail "no consumer logged the cap"

# The report lists the bucket first and answers for it.
top=$(curl -sf "$URL/visits.json?window=15m&top=3" | jq -r '.paths[0].path') \
    || fail "/visits.json failed"
[ "$top" = "(other)" ] || fail "/visits.json's top path is \"$top\", expected (other)"
code=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' "$URL/visits?path=%28other%29")
[ "${code%% *}" = 200 ] || fail "/visits?path=(other) answered $code"
rows=$(sql "SELECT count(*) FROM visit_minutes")
note "ok: $total visits exact; the flooded minute kept $own paths and $other visits under (other); $rows rows in visit_minutes; /visits?path=(other) in ${code#* }s"
