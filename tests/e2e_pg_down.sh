#!/bin/bash
# End to end: PostgreSQL stops for 10 s while requests flow. Pages keep being
# answered, the report answers 503 with a message, the consumer pauses and
# keeps what it counted; once PostgreSQL is back everything recovers by
# itself and every visit is counted exactly once.
. "$top_srcdir/tests/lib.sh"

for i in $(seq 1 12000); do echo "$URL/pg/page-$((i % 40))"; done >"$T/urls"
RATE=800 requests "$T/urls" >"$T/codes" &
load=$!
sleep 4
pg_stop
note "postgresql stopped after $(grep -c . "$T/codes") answers"
body=$(curl -s -w ' %{http_code}' "$URL/visits.json")
[ "${body##* }" = 503 ] || fail "the report answered ${body##* } while the database was down"
grep -q unavailable <<<"$body" || fail "the 503 does not say the database is unavailable: $body"
sleep 10
pg_start
note "postgresql started again"
sleep 1.5
[ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/visits.json")" = 200 ] \
    || fail "the report did not recover"
wait "$load"
[ "$(grep -c '^200$' "$T/codes")" -eq 12000 ] || fail "not every page was answered 200"
wait_total 12000 60
for i in $(seq 0 39); do printf '/pg/page-%d\t300\n' "$i"; done | LC_ALL=C sort >"$T/expected"
diff -u "$T/expected" <(db_counts) || fail "per-path counts differ after the outage"
grep -q 'consumption paused' "$T/log/consumer.log" || fail "the consumer never paused"
note "ok: 12000 visits counted exactly once across a 10 s database outage"
