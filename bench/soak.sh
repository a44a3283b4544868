#!/bin/bash
# bench/soak.sh - the soak test (not part of CI): a private stack takes
# 1,000 visits/s for 10 minutes (SOAK_S, SOAK_RATE to change), and the RSS
# and open file descriptors of every component are printed at the start,
# every minute, and at the end, then checked: no component may end with
# more than twice its RSS after the first minute plus 16 MB, nor with more
# descriptors than it had then plus 16. The dev broker is shown but not
# checked: it is Kafka's log, in memory, growing to about 5 MB per
# partition by design; nor are PostgreSQL's descriptors, whose autovacuum
# workers come and go. Every visit answered 200 must be stored exactly
# once. Exit 0 when all holds.
# Usage (from the build directory): bench/soak.sh, or make soak.
set -Eeuo pipefail
export LC_ALL=C
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$PWD}
SOAK_S=${SOAK_S:-600} SOAK_RATE=${SOAK_RATE:-1000}

say() { echo "$*" >&2; }
die() { say "soak: $*"; exit 1; }
[ -x "$top_builddir/bench/visits-loadgen" ] || die "bench/visits-loadgen is not built: run make soak"

T=$(mktemp -d /tmp/visits-soak.XXXXXX)
chmod 755 "$T"
PORT=$((20000 + RANDOM % 12000))
stack() {
    "$top_srcdir/tools/visits-stack" "$1" --dir "$T/stack" --port "$PORT" \
        --bindir "$top_builddir" --srcdir "$top_srcdir"
}
LOADGEN=
cleanup() {
    [ -n "$LOADGEN" ] && kill -TERM "$LOADGEN" 2>/dev/null
    stack stop >/dev/null 2>&1 || true
    rm -rf "$T"
}
trap cleanup EXIT
trap 'say "soak: failed at line $LINENO: $BASH_COMMAND"' ERR

stack start >/dev/null
# shellcheck disable=SC1091
. "$T/stack/run/env"
sql() { psql -XAtq "$VISITS_DATABASE" -c "$1"; }
declare -A PID
for c in record report consumer devbroker nginx; do PID[$c]=$(cat "$T/stack/run/$c.pid"); done
# The workers themselves, not their supervisors.
for c in record report; do PID[$c]=$(cat "$T/stack/run/$c-worker.pid"); done
PID[postgres]=$(head -n 1 "$T/stack/pg/data/postmaster.pid")
COMPONENTS="record report consumer devbroker nginx postgres"

# sample: "name rss_kb fds" per component, RSS and descriptors summed over
# the process and its children (nginx and PostgreSQL are several).
sample() {
    local c p rss fds
    for c in $COMPONENTS; do
        rss=0 fds=0
        for p in "${PID[$c]}" $(pgrep -P "${PID[$c]}" || true); do
            [ -r "/proc/$p/status" ] || continue
            rss=$((rss + $(awk '/^VmRSS:/ {print $2}' "/proc/$p/status")))
            fds=$((fds + $(find "/proc/$p/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)))
        done
        echo "$c $rss $fds"
    done
}
show() {  # show LABEL FILE
    say "$1: $(awk '{printf "%s %.1f MB %d fds, ", $1, $2 / 1024, $3}' "$2" | sed 's/, $//')"
}

say "soak: $SOAK_RATE visits/s for $SOAK_S s on port $PORT"
sample >"$T/start"
show "start" "$T/start"
"$top_builddir/bench/visits-loadgen" --url "$VISITS_URL" --rate "$SOAK_RATE" \
    --duration "$SOAK_S" --connections 32 --paths 200 --counts-out "$T/counts" \
    >"$T/loadgen.txt" 2>/dev/null &
LOADGEN=$!
for ((m = 1; m * 60 <= SOAK_S; m++)); do
    sleep 60
    sample >"$T/minute-$m"
    show "minute $m" "$T/minute-$m"
done
wait "$LOADGEN" || die "the load generator failed"
LOADGEN=
sample >"$T/end"
show "end" "$T/end"
say "loadgen: $(cat "$T/loadgen.txt")"

answered=$(awk -F'\t' '{s += $2} END {print s + 0}' "$T/counts")
for _ in $(seq 300); do
    stored=$(sql "SELECT coalesce(sum(visits), 0) FROM visit_minutes")
    [ "$stored" -ge "$answered" ] && break
    sleep 0.2
done
sleep 2
stored=$(sql "SELECT coalesce(sum(visits), 0) FROM visit_minutes")
say "answered $answered, stored $stored"
ok=1
[ "$stored" -eq "$answered" ] || { say "soak: stored differs from answered"; ok=0; }
base=$T/minute-1
[ -f "$base" ] || base=$T/start
while read -r c rss fds; do
    [ "$c" = devbroker ] && continue
    read -r _ rss0 fds0 < <(grep "^$c " "$base")
    if [ "$rss" -gt $((2 * rss0 + 16384)) ]; then
        say "soak: $c grew from $((rss0 / 1024)) to $((rss / 1024)) MB"; ok=0
    fi
    if [ "$c" != postgres ] && [ "$fds" -gt $((fds0 + 16)) ]; then
        say "soak: $c went from $fds0 to $fds open descriptors"; ok=0
    fi
done <"$T/end"
[ "$ok" -eq 1 ] && say "soak: ok"
[ "$ok" -eq 1 ]
