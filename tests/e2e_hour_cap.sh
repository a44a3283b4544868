#!/bin/bash
# End to end: the hourly, ten- and five-minute rollups keep at most
# max-paths-per-minute (1,000) distinct paths per site and hour (ten, five
# minutes) as well, the rest under "(other)". Ten minutes of one hour each bring 600 new paths, every
# minute within its own cap, 6,000 in the hour, which the 24-hour report
# reads: before, every one got a row of visit_hours (60 minutes at the cap
# make 60,000 rows an hour). Paths the hour kept go on counting, and
# every total stays exact.
. "$top_srcdir/tests/lib.sh"

CAP=1000
# The hour before this one, minutes 0 to 9.
HOUR=$(date -u -d '1 hour ago' +%Y-%m-%dT%H:00:00)
produce() { "$top_builddir/tests/kafka_produce" "$VISITS_BROKERS" "$TOPIC" || fail "could not produce"; }
# minute M FIRST LAST: one event per number, path /h/<number>, in minute M.
minute() {
    awk -v m="$1" -v a="$2" -v b="$3" -v h="$HOUR" 'BEGIN {
        ts = sprintf("%s%02d:00.000Z", substr(h, 1, 14), m)
        for (i = a; i <= b; i++)
            printf "{\"v\":1,\"id\":\"%08x-0000-4000-8000-%012x\",\"ts\":\"%s\",\"path\":\"/h/%d\"}\n",
                i, i, ts, i
    }'
}
in_hour() { sql "SELECT $1 FROM visit_hours WHERE hour = '$HOUR+00'"; }

# Minute 0: 600 paths, 2 visits each (busier than what follows).
{ minute 0 1 600; minute 0 1 600; } | produce
wait_total 1200 30
for m in $(seq 1 9); do minute "$m" $((m * 600 + 1)) $((m * 600 + 600)); done | produce
wait_total $((1200 + 5400)) 60
# A path the hour kept goes on counting; a new one goes to (other).
{ minute 30 1 1; minute 30 99999 99999; } | produce
total=$((1200 + 5400 + 2))
wait_total "$total" 30

own=$(in_hour "count(*) FILTER (WHERE path <> '(other)')")
[ "$own" -eq "$CAP" ] || fail "the hour holds $own paths of its own, expected $CAP"
sum=$(in_hour "sum(visits)")
[ "$sum" -eq "$total" ] || fail "the hour's rows add up to $sum, not $total"
minutes=$(sql "SELECT sum(visits) FROM visit_minutes WHERE minute >= '$HOUR+00'
               AND minute < '$HOUR+00'::timestamptz + interval '1 hour'")
[ "$minutes" -eq "$total" ] || fail "the minutes add up to $minutes, not $total"
# path_in_hour PATH: its visits in the hour's row of its own, or nothing.
path_in_hour() { sql "SELECT visits FROM visit_hours WHERE hour = '$HOUR+00' AND path = '$1'"; }
[ "$(path_in_hour /h/1)" = 3 ] || fail "/h/1 has \"$(path_in_hour /h/1)\" visits in the hour, expected 3"
[ -z "$(path_in_hour /h/99999)" ] || fail "a new path got a row of its own in the full hour"
# Minutes 0 to 4 are one five-minute span, 0 to 9 one of ten minutes:
# capped the same way.
five_own=$(sql "SELECT count(*) FILTER (WHERE path <> '(other)') FROM visit_fives WHERE five = '$HOUR+00'")
[ "$five_own" -eq "$CAP" ] || fail "the first five minutes hold $five_own paths of their own, expected $CAP"
[ "$(sql "SELECT sum(visits) FROM visit_fives WHERE five >= '$HOUR+00'
          AND five < '$HOUR+00'::timestamptz + interval '1 hour'")" -eq "$total" ] \
    || fail "the five-minute rows do not add up to $total"
ten_own=$(sql "SELECT count(*) FILTER (WHERE path <> '(other)') FROM visit_tens WHERE ten = '$HOUR+00'")
[ "$ten_own" -eq "$CAP" ] || fail "the first ten minutes hold $ten_own paths of their own, expected $CAP"
[ "$(sql "SELECT sum(visits) FROM visit_tens WHERE ten >= '$HOUR+00'
          AND ten < '$HOUR+00'::timestamptz + interval '1 hour'")" -eq "$total" ] \
    || fail "the ten-minute rows do not add up to $total"
# The minutes kept their own paths (each was within its cap).
[ "$(sql "SELECT count(*) FROM visit_minutes WHERE path = '(other)'")" -eq 0 ] \
    || fail "a minute within its cap counted under (other)"
other=$(path_in_hour '(other)')
note "the hour: $own paths of its own, (other) $other visits; total $sum = the minutes' $minutes"
# The 600 paths of minute 0, first and busiest, are among those kept.
kept=$(in_hour "count(*) FILTER (WHERE path IN (SELECT '/h/' || g FROM generate_series(1, 600) g))")
[ "$kept" -eq 600 ] || fail "$kept of the first 600 paths of the hour were kept, not 600"
note "ok: $CAP paths per hour, the busiest and the first kept, (other) for the rest, totals exact"
