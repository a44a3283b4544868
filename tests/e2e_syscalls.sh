#!/bin/bash
# End to end: every system call our programs make is one the systemd units
# allow (SystemCallFilter=@system-service, systemd/*.service.in); a call
# outside it would kill the service. Traced with strace from their start
# to their stop, under traffic that takes every path: both workers (traced
# from the fork of their supervisor, as a restart starts them), a consumer
# of the group (from its exec: Kafka, PostgreSQL, its monitoring listener,
# its assignment), the migration and the prune job; page views, the events
# API, the pixel, /visits, /visits.json and /visits.csv, the monitoring
# endpoints; then each stops as systemd stops it (SIGTERM).
. "$top_srcdir/tests/lib.sh"

command -v strace >/dev/null || fail "strace is not installed (bin/bootstrap installs it)"
command -v systemd-analyze >/dev/null || fail "systemd-analyze is not installed"

# allowed GROUP: the system calls of a systemd group, nested groups expanded.
allowed() {
    local line
    systemd-analyze syscall-filter "$1" | while read -r line; do
        case $line in
        "$1" | "#"* | "") ;;
        @*) allowed "$line" ;;
        *) echo "$line" ;;
        esac
    done
}
allowed @system-service | sort -u >"$T/allowed"
[ "$(grep -c . "$T/allowed")" -gt 100 ] || fail "could not list @system-service"

TRACERS=()
on_exit 'for p in "${TRACERS[@]}"; do kill -TERM "$p" 2>/dev/null; done'
# trace_restart NAME: traces the supervisor of worker NAME and every child it
# starts, then restarts the worker, so the new one is traced from its fork;
# sets RESTARTED to the new worker's pid.
trace_restart() {
    local old new i
    old=$(cat "$T/run/$1-worker.pid")
    strace -f -qq -o "$T/strace.$1" -p "$(cat "$T/run/$1.pid")" >/dev/null 2>&1 &
    TRACERS+=($!)
    for ((i = 0; i < 50; i++)); do [ -s "$T/strace.$1" ] && break; sleep 0.1; done
    sleep 0.5
    kill -TERM "$old"
    for ((i = 0; i < 300; i++)); do
        new=$(cat "$T/run/$1-worker.pid")
        [ "$new" != "$old" ] && grep -q "listening on" <(tail -n 3 "$T/log/$1.log") && break
        sleep 0.1
    done
    [ "$new" != "$old" ] || fail "the $1 worker did not restart under strace"
    RESTARTED=$new
}
trace_restart record
record=$RESTARTED
trace_restart report
report=$RESTARTED
# The stack's consumer leaves the group (SIGTERM), and a traced one takes
# its place alone: two members under strace's slowness kept rebalancing
# (the traced one too slow to finish joining) and never settled.
old_consumer=$(cat "$T/run/consumer.pid")
kill -TERM "$old_consumer"
for _ in $(seq 300); do kill -0 "$old_consumer" 2>/dev/null || break; sleep 0.1; done
kill -0 "$old_consumer" 2>/dev/null && fail "the stack's consumer did not stop"
on_exit 'kill -TERM "$SECOND" 2>/dev/null'
second_consumer strace -f -qq -o "$T/strace.consumer"
consumer=$SECOND
TRACERS+=("$consumer")
monitor=$(sed -n 's|.*monitoring on \(http://[0-9.:]*\)/metrics.*|\1|p' "$T/log/consumer2.log" | head -n 1)

n=200
for i in $(seq 1 "$n"); do echo "$URL/traced/page-$((i % 20))"; done >"$T/urls"
# At a pace the traced worker keeps up with: the relay answers the site at
# once, so a burst piles page views up at a worker that strace slows down
# many times over, and past the relay's max_conns (or its 1 s wait) they
# are not counted, by design (nginx/visits-upstreams.conf); CI once lost
# one that way.
[ "$(RATE=40 requests "$T/urls" | grep -c '^200$')" -eq "$n" ] || fail "not every page was answered 200"
for i in $(seq 1 20); do
    curl -sf -o /dev/null -H 'Content-Type: text/plain' \
        --data '{"site":"localhost","url":"http://localhost/traced/api","referrer":""}' \
        "$URL/visits/event" || fail "the events API refused a beacon"
    curl -sf -o /dev/null "$URL/visits/pixel.gif?site=localhost&url=http%3A%2F%2Flocalhost%2Ftraced%2Fpixel" \
        || fail "the pixel refused a view"
done
wait_total $((n + 40)) 60
for u in /visits /visits.json "/visits.json?window=24h" /visits.csv; do
    curl -sf -o /dev/null "$URL$u" || fail "$u did not answer"
done
for u in /metrics /healthz /readyz; do curl -sf -o /dev/null "$monitor$u" || fail "consumer $u"; done
for w in record report; do
    curl -sf -o /dev/null --unix-socket "$VISITS_MONITOR_SOCKET" "http://localhost/$w/metrics" \
        || fail "$w metrics"
done

# Stops, as systemd stops them.
kill -TERM "$record" "$report"
pkill -TERM -P "$consumer" 2>/dev/null || true
for _ in $(seq 300); do
    ! kill -0 "$record" 2>/dev/null && ! kill -0 "$report" 2>/dev/null \
        && ! pgrep -P "$consumer" >/dev/null && break
    sleep 0.1
done
strace -f -qq -o "$T/strace.migrate" "$top_builddir/tools/visits-migrate" \
    --database "$VISITS_DATABASE" --sql-dir "$top_srcdir/sql" >/dev/null 2>&1 \
    || fail "visits-migrate failed under strace"
strace -f -qq -o "$T/strace.prune" "$top_builddir/tools/visits-prune" \
    --database "$VISITS_DATABASE" >/dev/null 2>&1 || fail "visits-prune failed under strace"
for p in "${TRACERS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
sleep 0.5

# The calls of each program: "PID name(" lines, and "<... name resumed>";
# not the supervisors' own (they are no service of their own).
bad=""
for prog in record report consumer migrate prune; do
    f=$T/strace.$prog
    [ -s "$f" ] || fail "nothing traced for $prog"
    skip=
    case $prog in record | report) skip=$(cat "$T/run/$prog.pid") ;; esac
    awk -v skip="$skip" '$1 != skip { if (match($2, /^[a-z0-9_]+\(/)) print substr($2, 1, RLENGTH - 1);
        else if ($2 == "<..." && $4 ~ /^resumed>/) print $3 }' "$f" | sort -u >"$T/used.$prog"
    extra=$(comm -23 "$T/used.$prog" "$T/allowed" | tr '\n' ' ')
    note "$prog: $(grep -c . "$T/used.$prog") distinct system calls${extra:+, outside @system-service: $extra}"
    [ -z "$extra" ] || bad="$bad $prog: $extra;"
done
[ -z "$bad" ] || fail "system calls the units' filter would refuse:$bad"
note "ok: every system call of the five programs is in @system-service"
