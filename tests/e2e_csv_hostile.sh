#!/bin/bash
# End to end: CSV exports and slow queries cannot take the report from
# everyone else. Forty clients (forty addresses, through a trusted proxy's
# X-Forwarded-For) each start a seven-day export and read it at 10 bytes a
# second: visits-report streams at most a quarter of its threads' worth at
# once (4) and answers the rest 429 at once; an export whose client stalls
# a write for 10 s is cut off; /visits.json keeps answering fast. A query
# that waits is cut after 5 s (statement_timeout). One address gets at
# most 2 exports at once (nginx's limit_conn), and HEAD answers the
# headers without running the query.
export VISITS_TRUSTED_PROXIES=127.0.0.1
. "$top_srcdir/tests/lib.sh"

# Seven days of 60 paths a minute: about 600,000 rows, some 35 MB of CSV,
# more than the sockets between the worker and a client can hold.
sql "INSERT INTO visit_minutes (site, minute, path, visits)
     SELECT 'localhost', m, '/csv/page-' || p, 1
     FROM generate_series(date_trunc('minute', now()) - interval '7 days',
                          date_trunc('minute', now()) - interval '1 minute',
                          interval '1 minute') AS m,
          generate_series(1, 60) AS p"
from=$(date -u -d '-7 days +5 minutes' +%Y-%m-%dT%H:%MZ)
to=$(date -u -d '+1 minute' +%Y-%m-%dT%H:%MZ)
csv="$URL/visits.csv?from=$from&to=$to"

# Forty clients that read 10 bytes a second.
for i in $(seq 1 40); do
    curl -s -o /dev/null --limit-rate 10 --max-time 30 -H "X-Forwarded-For: 10.0.1.$i" \
        -w '%{http_code}\n' "$csv" >"$T/slow.$i" &
done
sleep 3
for i in $(seq 1 20); do
    got=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' -H "X-Forwarded-For: 10.0.2.$i" \
        "$URL/visits.json?window=60m&top=$i")
    [ "${got% *}" = 200 ] || fail "/visits.json answered ${got% *} during the slow exports"
    awk -v t="${got#* }" 'BEGIN { exit !(t < 1) }' || fail "/visits.json took ${got#* } s"
done
note "/visits.json answered 20 times, each within 1 s, during 40 slow exports"
# The streaming ones stalled once the sockets filled; 10 s later they are
# cut (the client gives up at 30 s), and exports that read at full speed
# get through again.
S=$VISITS_MONITOR_SOCKET
exports() {
    curl -sf --unix-socket "$S" http://localhost/report/metrics \
        | awk '$1 == "visits_report_csv_exports" { print $2 }'
}
[ "$(exports)" -ge 1 ] || fail "no export is streaming while the slow clients read"
t0=$(date +%s)
none() { [ "$(exports)" = 0 ]; }
within 30 none || fail "exports still streaming 30 s later: $(exports)"
note "the stalled exports were cut $(($(date +%s) - t0)) s after the page checks"
for i in 1 2 3 4; do
    curl -s -o "$T/fast.$i" -H "X-Forwarded-For: 10.0.4.$i" -w '%{http_code}\n' "$csv" >"$T/fastcode.$i" &
done
wait
streamed=$(cat "$T"/slow.* | grep -c '^200$' || true)
refused=$(cat "$T"/slow.* | grep -c '^429$' || true)
note "slow exports: $streamed streamed, $refused refused 429"
[ $((streamed + refused)) -eq 40 ] || fail "other answers: $(cat "$T"/slow.* | sort | uniq -c | tr '\n' ' ')"
[ "$streamed" -ge 1 ] && [ "$streamed" -le 4 ] || fail "$streamed exports streamed at once, not 1-4"
[ "$(cat "$T"/fastcode.* | grep -c '^200$')" -eq 4 ] \
    || fail "exports after the stalled ones: $(cat "$T"/fastcode.* | tr '\n' ' '): the stalled ones were not cut"
for i in 1 2 3 4; do
    grep -q '^# error' "$T/fast.$i" && fail "a full-speed export was cut"
done
note "the stalled exports were cut; 4 exports at full speed then streamed whole ($(wc -c <"$T/fast.1") bytes)"

# A report query that waits (a lock held 8 s) is cut after 5 s: 500, not
# a thread held for as long as the lock.
psql -XAtq "$VISITS_DATABASE" -c "BEGIN; LOCK TABLE visit_totals IN ACCESS EXCLUSIVE MODE;
    SELECT pg_sleep(8); COMMIT" >/dev/null &
locker=$!
sleep 0.5
got=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' "$URL/visits.json?window=15m&top=77")
wait "$locker"
[ "${got% *}" = 500 ] || fail "a query waiting on a lock answered ${got% *}"
awk -v t="${got#* }" 'BEGIN { exit !(t < 7) }' || fail "a query waiting on a lock took ${got#* } s"
note "a query held by a lock answered ${got% *} after ${got#* } s"

# One address: 2 exports at once, the third refused by nginx.
for i in 1 2 3; do
    curl -s -o /dev/null --limit-rate 1k --max-time 5 -H "X-Forwarded-For: 10.0.3.1" \
        -w '%{http_code}\n' "$csv" >"$T/same.$i" &
    sleep 0.3
done
wait
[ "$(cat "$T"/same.* | grep -c '^429$')" -ge 1 ] \
    || fail "three exports at once from one address: $(cat "$T"/same.* | tr '\n' ' ')"

# HEAD: the headers of a GET, and no query (it answers with the table gone).
sql "ALTER TABLE visit_minutes RENAME TO visit_minutes_away"
head=$(curl -s -I "$csv" | tr -d '\r')
[[ "$head" == "HTTP/1.1 200"* ]] || fail "HEAD /visits.csv: $(head -n 1 <<<"$head")"
grep -qi '^content-disposition: attachment' <<<"$head" || fail "HEAD lacks the download header"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$csv")" = 500 ] || fail "GET with the table gone is not 500"
sql "ALTER TABLE visit_minutes_away RENAME TO visit_minutes"
# Nor any other database work: HEAD and a bad parameter are answered with
# PostgreSQL stopped.
pg_stop
[ "$(curl -s -o /dev/null -w '%{http_code}' -I "$csv")" = 200 ] || fail "HEAD needed the database"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/visits.csv?from=bad")" = 400 ] \
    || fail "a bad parameter needed the database"
pg_start
note "ok: at most 4 exports at once, 2 per address, stalled ones cut, HEAD and bad parameters without the database"
