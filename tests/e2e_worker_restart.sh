#!/bin/bash
# End to end: the visit worker, the only one behind nginx, is restarted with
# SIGTERM four times under steady load. visits-supervise holds the socket;
# each old worker stops accepting at once, closes the connections nginx
# keeps idle to it (nginx drops them from its cache), answers what it
# took, flushes its events and exits 0, and the supervisor starts a new
# one. New connections wait in the socket's backlog for the new worker;
# a page view nginx sent on a kept connection just as it was closed is
# sent again. Every request must be answered 200 and every
# visit counted exactly once. Then the report worker is restarted under a
# /visits.json poll loop: no answer but 200.
. "$top_srcdir/tests/lib.sh"

# restart NAME: SIGTERMs the worker NAME and waits (up to 10 s) until its
# supervisor's pid file names a new live process that serves; prints the
# old pid, the new one and the milliseconds from the signal to serving.
restart() {
    local name=$1 old new="" before t0 i
    old=$(cat "$T/run/$name-worker.pid")
    before=$(grep -c "visits-$name: listening on" "$T/log/$name.log")
    t0=$(date +%s%N)
    kill -TERM "$old"
    for ((i = 0; i < 1000; i++)); do
        new=$(cat "$T/run/$name-worker.pid" 2>/dev/null || true)
        if [ -n "$new" ] && [ "$new" != "$old" ] && kill -0 "$new" 2>/dev/null \
            && [ "$(grep -c "visits-$name: listening on" "$T/log/$name.log")" -gt "$before" ]
        then
            echo "$old $new $((($(date +%s%N) - t0) / 1000000))"
            return 0
        fi
        sleep 0.01
    done
    fail "no new $name worker served within 10 s of SIGTERM to $old"
}

# exited_clean NAME PID: the supervisor saw PID exit with status 0.
exited_clean() {
    grep -q "visits-supervise: .*visits-$1 pid=$2 exited with status 0 " "$T/log/$1.log"
}

# Four clients at 75/s each, so nginx keeps several connections open.
n=3000
for i in $(seq 1 "$n"); do
    printf 'url = "%s/restart/page-%d"\noutput = "/dev/null"\n' "$URL" $((i % 20)) \
        >>"$T/curl.$((i % 4)).cfg"
done
loads=()
for c in 0 1 2 3; do
    curl -s -H "$PAGE_ACCEPT" --rate 75/s -K "$T/curl.$c.cfg" -w '%{http_code} %{time_total}\n' \
        >"$T/answers.$c" &
    loads+=($!)
done
: >"$T/restarts"
for _ in 1 2 3 4; do
    sleep 1.5
    restart record >>"$T/restarts"
done
wait "${loads[@]}" || true
cat "$T"/answers.? >"$T/answers"
while read -r old new ms; do
    note "visit worker $old -> $new, serving again after $ms ms"
done <"$T/restarts"
cut -d' ' -f1 "$T/answers" >"$T/codes"
ok=$(grep -c '^200$' "$T/codes" || true)
[ "$ok" -eq "$n" ] \
    || fail "$((n - ok)) of $n requests were not answered 200 across the restarts: $(sort "$T/codes" | uniq -c | tr '\n' ' ')"
resent=$(grep -c 'page view sent again' "$T/log/nginx-mirror.log" || true)
closed=$(sed -n 's/.*visits-record: stopped accepting: closed_idle=\([0-9]*\).*/\1/p' \
    "$T/log/record.log" | awk '{s += $1} END {print s + 0}')
note "slowest answer $(sort -k2 -n "$T/answers" | tail -n 1 | cut -d' ' -f2) s;" \
    "stopping workers closed $closed idle kept connections; nginx sent $resent" \
    "page views again after a stopping worker closed a connection it had just used"
# The path this test is about was taken: stopping workers closed the
# connections nginx kept open to them, and no page view was lost for it.
[ "$closed" -ge 1 ] || fail "no stopping worker closed a kept connection: the path was not exercised"

# Four different workers came and went, each with a clean stop.
[ "$(cut -d' ' -f1,2 "$T/restarts" | tr ' ' '\n' | sort -u | grep -c .)" -eq 5 ] \
    || fail "the worker pids did not change each time: $(tr '\n' ' ' <"$T/restarts")"
while read -r old _ _; do
    for _ in $(seq 100); do exited_clean record "$old" && break; sleep 0.1; done
    exited_clean record "$old" || fail "visit worker $old did not exit with status 0"
done <"$T/restarts"
[ "$(grep -c 'visits-record: received SIGTERM, stopping' "$T/log/record.log")" -eq 4 ] \
    || fail "not every visit worker logged its stop"
grep 'visits-record: producer stopped' "$T/log/record.log" >"$T/stops" || true
[ "$(grep -c . "$T/stops")" -eq 4 ] || fail "not every visit worker logged its flush"
while read -r line; do
    field() { sed -n "s/.* $1=\([0-9]*\).*/\1/p" <<<"$line"; }
    [ "$(field delivered)" -eq "$(field sent)" ] && [ "$(field failed)" -eq 0 ] \
        && [ "$(field dropped)" -eq 0 ] && [ "$(field undelivered)" -eq 0 ] \
        || fail "a visit worker did not deliver everything: $line"
done <"$T/stops"
if grep -E 'requests still running|could not deliver' "$T/log/record.log"; then
    fail "a visit worker stopped without finishing its work"
fi

# What the five workers produced: the four stopped ones logged it, the
# live one counts it. Said before the counts are checked, so that a loss
# shows whether a worker never got a page view (nginx's side) or Kafka
# and the consumer lost one it sent.
live=$(curl -s --unix-socket "$VISITS_MONITOR_SOCKET" http://localhost/record/metrics \
    | awk '$1 == "visits_record_events_sent_total" {print $2}')
produced=$(sed -n 's/.*producer stopped sent=\([0-9]*\).*/\1/p' "$T/stops" \
    | awk -v live="${live:-0}" '{s += $1} END {print s + live}')
note "the visit workers produced $produced events (the live one ${live:-?})"
wait_total "$n" 30
for i in $(seq 0 19); do printf '/restart/page-%d\t%d\n' "$i" $((n / 20)); done \
    | LC_ALL=C sort >"$T/expected"
diff -u "$T/expected" <(db_counts) || fail "per-path counts differ after the restarts"
note "ok: $n visits at 300/s answered 200 and counted exactly once across 4 visit worker restarts"

# The report worker: a dashboard polling /visits.json (a new URL each time,
# so the micro-cache does not answer for the worker), 20 a second.
(
    for i in $(seq 1 100); do
        curl -s -o /dev/null -w '%{http_code}\n' "$URL/visits.json?window=15m&top=$i"
        sleep 0.05
    done
) >"$T/json-codes" &
poll=$!
sleep 1.5
read -r old new ms < <(restart report)
wait "$poll" || true
note "report worker $old -> $new, serving again after $ms ms"
for _ in $(seq 100); do exited_clean report "$old" && break; sleep 0.1; done
exited_clean report "$old" || fail "report worker $old did not exit with status 0"
bad=$(grep -cvE '^(200|304)$' "$T/json-codes" || true)
[ "$(grep -c . "$T/json-codes")" -eq 100 ] && [ "$bad" -eq 0 ] \
    || fail "/visits.json answered other than 200 across the restart: $(sort "$T/json-codes" | uniq -c | tr '\n' ' ')"
note "ok: 100 /visits.json polls answered 200 across a report worker restart"
