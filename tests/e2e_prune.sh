#!/bin/bash
# End to end: the retention job. visits-prune deletes minutes, hours and
# rejected messages past their retention, in batches, and nothing newer:
# the visits just counted stay exact, and hourly counts outlive minutes.
. "$top_srcdir/tests/lib.sh"

n=100
for i in $(seq 1 "$n"); do echo "$URL/prune/page-$((i % 5))"; done >"$T/urls"
[ "$(requests "$T/urls" | grep -c '^200$')" -eq "$n" ] || fail "not every page was answered 200"
wait_total "$n" 30

# History: 25,000 minutes 8 days old (three batches), one 6 days old; hours
# 8 and 400 days old; rejected messages 40 and 10 days old.
sql "INSERT INTO visit_minutes (site, minute, path, visits)
       SELECT 'localhost', date_trunc('minute', now() - interval '8 days'), '/old-' || g, 1
       FROM generate_series(1, 25000) g;
     INSERT INTO visit_totals (site, minute, visits)
       VALUES ('localhost', date_trunc('minute', now() - interval '8 days'), 25000),
              ('localhost', date_trunc('minute', now() - interval '6 days'), 7);
     INSERT INTO visit_minutes (site, minute, path, visits)
       VALUES ('localhost', date_trunc('minute', now() - interval '6 days'), '/recent', 7);
     INSERT INTO visit_fives (site, five, path, visits)
       VALUES ('localhost', date_bin('5 minutes', now() - interval '8 days', timestamptz 'epoch'), '/old-five', 2),
              ('localhost', date_bin('5 minutes', now() - interval '6 days', timestamptz 'epoch'), '/recent', 7);
     INSERT INTO visit_tens (site, ten, path, visits)
       VALUES ('localhost', date_bin('10 minutes', now() - interval '8 days', timestamptz 'epoch'), '/old-ten', 4);
     INSERT INTO visit_hours (site, hour, path, visits)
       VALUES ('localhost', date_trunc('hour', now() - interval '8 days', 'UTC'), '/old-hour', 3),
              ('localhost', date_trunc('hour', now() - interval '400 days', 'UTC'), '/ancient', 5);
     INSERT INTO rejected_events (rejected_at, topic, partition, kafka_offset, reason, payload)
       VALUES (now() - interval '40 days', 'visits', 0, 900000001, 'old', ''),
              (now() - interval '10 days', 'visits', 0, 900000002, 'recent', '')" >/dev/null

prune() {
    "$top_builddir/tools/visits-prune" --database "$VISITS_DATABASE" "$@" 2>"$T/prune.log"
}
prune || fail "visits-prune failed: $(cat "$T/prune.log")"
grep -q 'pruned visit_minutes=25000 visit_totals=1 visit_fives=1 visit_tens=1 (older than 7 days) visit_hours=1 (366 days) rejected_events=1 (30 days)' \
    "$T/prune.log" || fail "unexpected counts: $(cat "$T/prune.log")"
[ "$(sql "SELECT count(*) FROM visit_minutes WHERE path LIKE '/old-%'")" = 0 ] \
    || fail "old minutes are left"
[ "$(sql "SELECT visits FROM visit_minutes WHERE path = '/recent'")" = 7 ] \
    || fail "a 6-day-old minute was deleted"
[ "$(sql "SELECT string_agg(path, ',' ORDER BY path) FROM visit_hours
          WHERE path IN ('/old-hour', '/ancient')")" = /old-hour ] \
    || fail "hours were not pruned at 366 days"
[ "$(sql "SELECT string_agg(reason, ',') FROM rejected_events WHERE kafka_offset > 900000000")" = recent ] \
    || fail "rejected messages were not pruned at 30 days"
for i in $(seq 0 4); do printf '/prune/page-%d\t20\n' "$i"; done >"$T/expected"
echo "/recent	7" >>"$T/expected"
diff -u <(LC_ALL=C sort "$T/expected") <(db_counts) || fail "the counts kept are not exact"

prune || fail "a second run failed: $(cat "$T/prune.log")"
grep -q 'pruned visit_minutes=0 visit_totals=0 visit_fives=0 visit_tens=0 (older than 7 days) visit_hours=0 (366 days) rejected_events=0' \
    "$T/prune.log" || fail "a second run deleted more: $(cat "$T/prune.log")"

rc=0
prune --keep-hours-days 3 || rc=$?
[ "$rc" -eq 2 ] && grep -q 'keep-hours-days (3) is shorter than keep-minutes-days (7)' "$T/prune.log" \
    || fail "hours kept shorter than minutes was not refused: $rc $(cat "$T/prune.log")"
note "ok: 25,000 old minutes pruned in batches, the hour and rejected retentions kept, $n fresh visits exact"
