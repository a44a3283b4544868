#!/bin/bash
# bench/bench.sh - the end-to-end benchmark behind `make bench` (QUICK=1 for
# a short run). Starts a private stack (PostgreSQL, dev broker, consumer,
# workers, nginx) and runs, in order:
#   1. steady: 1,000 visits/s over 50 paths (Zipf) with visits-loadgen, plus
#      a marker visit every 100 ms; checks the counts per path in PostgreSQL
#      and /visits.json against what was answered, measures freshness (a
#      marker answered -> it shows in /visits.json through nginx's cache,
#      and -> its row in PostgreSQL) and /visits.json latency.
#   2. max: wrk against the counted demo site (a static page with the
#      line of visits-count.conf: nginx mirrors each page view to the visit
#      worker), 50 paths, and the CPU and peak RSS of each component
#      meanwhile; then wrk again with ten marker visits a second beside
#      it, for freshness at full load.
#   3. ceilings: the same static page not counted, nginx `return 204`,
#      nginx -> visits-fcgi-hello (our FastCGI server, the visit worker's)
#      and nginx -> visits-libfcgi-hello (libfcgi's threaded server), same
#      keepalive and fastcgi settings; and nginx -> visits-record directly,
#      each request a page view as the mirror's last step hands it over:
#      the headline, ratio_204 (and its CPU per visit, nginx and worker).
#   4. consumer: 1,000,000 events over 1,000 paths preloaded into a second
#      dev broker, then a second consumer drains them into PostgreSQL.
#   5. outage: open-loop load on the site not counted, counted, counted
#      with the visit worker hung (SIGSTOP), then stopped, then not counted
#      again: every request answered, the latencies side by side, and the
#      hung and stopped p99 as ratios to the site not counted.
# Writes $OUT/results.json, the series behind it and, with gnuplot, the plot
# $OUT/bench.png (bench/plot.gp); prints a summary, and
# ends with one line "RESULT key=value ...". Stops everything it started.
# Usage (from the build directory): bench/bench.sh   [env: QUICK=1, OUT=dir]
set -Eeuo pipefail     # -E: the ERR trap below also fires inside functions
# Byte order for sort and join (they must agree), "." in awk's numbers.
export LC_ALL=C
top_srcdir=$(cd "$(dirname "$0")/.." && pwd)
top_builddir=${top_builddir:-$PWD}
B=$top_builddir/bench
OUT=${OUT:-$top_builddir/bench/results}
if [ -n "${QUICK:-}" ]; then
    STEADY_S=10 MAX_S=5 CEIL_S=5 FRESH_MAX_S=5
else
    STEADY_S=60 MAX_S=30 CEIL_S=15 FRESH_MAX_S=15
fi
CONSUMER_EVENTS=1000000 CONSUMER_PATHS=1000
WRK_THREADS=2 WRK_CONNS=64

die() { echo "bench: $*" >&2; exit 1; }
say() { printf '%s\n' "$*" >&2; }
for tool in wrk jq psql curl nginx; do
    command -v "$tool" >/dev/null || die "$tool is not installed (bin/bootstrap installs it)"
done
for prog in visits-loadgen visits-fcgi-hello visits-libfcgi-hello visits-preload; do
    [ -x "$B/$prog" ] || die "$B/$prog is not built: run make bench"
done

T=$(mktemp -d /tmp/visits-bench.XXXXXX)
chmod 755 "$T"
mkdir -p "$OUT"
free_port() {
    local p
    for _ in $(seq 100); do
        p=$((20000 + RANDOM % 12000))
        (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
    done
    die "no free port"
}
PORT=$(free_port)
# The demo site answers every path with its index.html: wrk's 50 paths are
# pages of it.
export VISITS_DEMO_FALLBACK=index
stack() {
    "$top_srcdir/tools/visits-stack" "$1" --dir "$T/stack" --port "$PORT" --app-port "$(free_port)" \
        --bindir "$top_builddir" --srcdir "$top_srcdir"
}
PIDS_TO_KILL=()
# stop PID: stops a background job and what it started (a pipeline's psql
# outlives the subshell that ran it).
# Either may be gone already: the job ends when its child is killed.
stop() { pkill -TERM -P "$1" 2>/dev/null || true; kill -TERM "$1" 2>/dev/null || true; }
cleanup() {
    trap - ERR
    set +e
    for p in "${PIDS_TO_KILL[@]}"; do stop "$p"; done
    [ -f "$T/ceil/nginx.pid" ] && nginx -p "$T/ceil" -c "$T/ceil/nginx.conf" -s stop 2>/dev/null
    stack stop >/dev/null 2>&1
    sleep 0.5
    for p in "${PIDS_TO_KILL[@]}"; do kill -KILL "$p" 2>/dev/null; done
    rm -rf "$T"
}
trap cleanup EXIT
trap 'say "bench: failed at line $LINENO: $BASH_COMMAND"' ERR

say "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
say "starting the stack on port $PORT ..."
stack start >/dev/null
# shellcheck disable=SC1091
. "$T/stack/run/env"
URL=${VISITS_URL%/}
sql() { psql -XAtq -F $'\t' "$VISITS_DATABASE" -c "$1"; }

# --- helpers --------------------------------------------------------------------

# ms VALUE: a wrk duration ("850.00us", "1.23ms", "2.01s") in milliseconds.
ms() {
    awk -v v="$1" 'BEGIN {
        if (v ~ /us$/) printf "%.3f", v / 1000;
        else if (v ~ /ms$/) printf "%.3f", v + 0;
        else if (v ~ /s$/) printf "%.3f", v * 1000;
        else printf "%.3f", v + 0 }'
}

# run_wrk NAME URL SECONDS [SCRIPT]: wrk with the paths script (or
# SCRIPT); sets WRK_<NAME>_RPS, _P50, _P99, _REQS and _ERRS.
run_wrk() {
    local name=$1 url=$2 secs=$3 script=${4:-$top_srcdir/bench/paths.lua} out
    out=$(wrk -t"$WRK_THREADS" -c"$WRK_CONNS" -d"${secs}s" --latency \
        -s "$script" "$url")
    printf '%s\n' "$out" >"$T/wrk-$name.txt"
    printf -v "WRK_${name}_RPS" '%s' "$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' <<<"$out")"
    printf -v "WRK_${name}_P50" '%s' "$(ms "$(awk '$1 == "50%" {print $2}' <<<"$out")")"
    printf -v "WRK_${name}_P99" '%s' "$(ms "$(awk '$1 == "99%" {print $2}' <<<"$out")")"
    printf -v "WRK_${name}_REQS" '%s' "$(awk '/requests in/ {print $1}' <<<"$out")"
    printf -v "WRK_${name}_ERRS" '%s' "$(awk '/Non-2xx|Socket errors/ {s = s $0 "; "} END {print s}' <<<"$out")"
}

# CPU ticks (utime + stime, plus reaped children's) of PID and its children.
ticks() {
    local pid=$1 c total=0
    for c in "$pid" $(pgrep -P "$pid" || true); do
        [ -r "/proc/$c/stat" ] || continue
        total=$((total + $(awk '{print $14 + $15 + $16 + $17}' "/proc/$c/stat")))
    done
    echo "$total"
}
# Peak RSS in MB of PID or, for a master, of its largest child.
peak_mb() {
    local pid=$1 c kb max=0
    for c in "$pid" $(pgrep -P "$pid" || true); do
        kb=$(awk '/^VmHWM:/ {print $2}' "/proc/$c/status" 2>/dev/null || echo 0)
        [ "${kb:-0}" -gt "$max" ] && max=$kb
    done
    awk -v k="$max" 'BEGIN {printf "%.1f", k / 1024}'
}
HZ=$(getconf CLK_TCK)
declare -A PID
PID[record]=$(cat "$T/stack/run/record-worker.pid")
PID[consumer]=$(cat "$T/stack/run/consumer.pid")
PID[broker]=$(cat "$T/stack/run/devbroker.pid")
PID[nginx]=$(cat "$T/stack/run/nginx.pid")
PID[postgres]=$(head -n 1 "$T/stack/pg/data/postmaster.pid")

# wait_stable: until PostgreSQL's total stops moving for 2 s (max 60 s);
# prints it.
wait_stable() {
    local last=-1 now same=0
    for _ in $(seq 600); do
        now=$(sql "SELECT coalesce(sum(visits), 0) FROM visit_totals") || now=$last
        if [ "$now" = "$last" ]; then
            same=$((same + 1))
            [ "$same" -ge 20 ] && break
        else
            same=0
        fi
        last=$now
        sleep 0.1
    done
    echo "$last"
}

# watch SECONDS QUERY: runs QUERY every SECONDS on one connection (psql's
# \watch), so polling costs the machine one small query, not a process.
watch_sql() {
    printf '%s \\watch %s\n' "$2" "$1" | psql -XAtq -F $'\t' "$VISITS_DATABASE"
}
NOW_MS="(extract(epoch FROM clock_timestamp()) * 1000)::bigint"

# start_poller RUNID: notes when each marker of RUNID (one every 100 ms)
# first shows in PostgreSQL, what the report worker reads (polled every
# 20 ms), in $T/seen-pg-RUNID, and in /visits.json?path=... through nginx
# and its 1 s micro-cache, as a dashboard sees it (bench/json-poller.sh), in
# $T/seen-json-RUNID.
start_poller() {
    watch_sql 0.02 "SELECT path, $NOW_MS FROM visit_minutes
        WHERE path LIKE '/bench/marker/$1-%'" >"$T/seen-pg-$1" 2>/dev/null &
    POLLER_PG=$!
    "$top_srcdir/bench/json-poller.sh" "$URL" "$1" 100 >"$T/seen-json-$1" 2>/dev/null &
    POLLER_JSON=$!
    PIDS_TO_KILL+=("$POLLER_PG" "$POLLER_JSON")
}

# stop_poller RUNID MARKERS: waits (up to 16 s) until every marker answered
# (MARKERS: "path<TAB>answered_ms" lines) was seen both ways, stops the
# pollers, appends "RUNID<TAB>answered_ms<TAB>freshness_ms<TAB>pg|json" per
# marker to $OUT/freshness.tsv, and writes the freshness alone, sorted, to
# $T/fresh-pg-RUNID and $T/fresh-json-RUNID.
stop_poller() {
    local n via got
    n=$(grep -c . "$2" || true)
    for _ in $(seq 160); do
        [ "$(cut -f1 "$T/seen-pg-$1" | sort -u | grep -c . || true)" -ge "$n" ] \
            && [ "$(cut -f1 "$T/seen-json-$1" | sort -u | grep -c . || true)" -ge "$n" ] \
            && break
        sleep 0.1
    done
    stop "$POLLER_PG"
    stop "$POLLER_JSON"
    for via in pg json; do
        sort -t$'\t' -k1,1 -k2,2n "$T/seen-$via-$1" | awk -F'\t' '!s[$1]++' >"$T/first-$via-$1"
        join -t$'\t' <(sort -t$'\t' -k1,1 "$2") <(sort -t$'\t' -k1,1 "$T/first-$via-$1") \
            | awk -F'\t' -v run="$1" -v via="$via" '{print run "\t" $2 "\t" $3 - $2 "\t" via}' \
            >>"$OUT/freshness.tsv"
        awk -F'\t' -v run="$1" -v via="$via" '$1 == run && $4 == via {print $3}' \
            "$OUT/freshness.tsv" | sort -n >"$T/fresh-$via-$1"
        got=$(grep -c . "$T/fresh-$via-$1" || true)
        [ "$got" -lt "$n" ] && say "   $((n - got)) of $n markers never showed in ${via/pg/PostgreSQL}"
    done
    return 0
}

pct() { awk -v p="$1" '{v[NR] = $1} END {if (NR == 0) {print "null"; exit}
    i = int(p * NR + 0.999999); if (i < 1) i = 1; if (i > NR) i = NR; print v[i]}' "$2"; }

# The visits stored, sampled every second for the plot: "unix_ms<TAB>total".
: >"$OUT/freshness.tsv"
watch_sql 1 "SELECT $NOW_MS, coalesce(sum(visits), 0) FROM visit_totals" \
    >"$OUT/counted.tsv" 2>/dev/null &
SAMPLER=$!
PIDS_TO_KILL+=("$SAMPLER")
BENCH_T0=$(date +%s%3N)

# --- 1. steady 1,000 visits/s -------------------------------------------------

say "1. steady: 1,000 visits/s for ${STEADY_S}s over 50 paths, a marker every 100 ms ..."
RUN=s$$
start_poller "$RUN"
(
    while :; do
        curl -s -o /dev/null -w '%{time_total}\n' "$URL/visits.json?window=60m"
        sleep 0.2
    done
) >"$T/report-times" 2>/dev/null &
REPORTER=$!
PIDS_TO_KILL+=("$REPORTER")
steady=$("$B/visits-loadgen" --url "$URL" --rate 1000 --duration "$STEADY_S" \
    --connections 32 --paths 50 --marker-every 100 --run-id "$RUN" \
    --markers-out "$T/markers" --counts-out "$T/counts" --series-out "$OUT/steady-series.tsv")
say "   loadgen: $steady"
stop "$REPORTER"
stop_poller "$RUN" "$T/markers"
wait_stable >/dev/null
FRESH_N=$(grep -c . "$T/fresh-json-$RUN" || true)
FRESH_P50=$(pct 0.50 "$T/fresh-json-$RUN") FRESH_P99=$(pct 0.99 "$T/fresh-json-$RUN")
FRESH_MAX=$(pct 1 "$T/fresh-json-$RUN")
FRESH_PG_P50=$(pct 0.50 "$T/fresh-pg-$RUN") FRESH_PG_P99=$(pct 0.99 "$T/fresh-pg-$RUN")
awk '{print $1 * 1000}' "$T/report-times" | sort -n >"$T/report-ms"
REPORT_P50=$(pct 0.50 "$T/report-ms") REPORT_P99=$(pct 0.99 "$T/report-ms")
# Exactness: every path answered 200 by loadgen, in PostgreSQL and in
# /visits.json (its top 100 holds the 50 page paths, which outnumber the
# one-visit markers).
sort "$T/counts" >"$T/counts.sorted"
sql "SELECT path, sum(visits) FROM visit_minutes WHERE path LIKE '/bench/p/%'
     OR path LIKE '/bench/marker/$RUN-%' GROUP BY path" | sort >"$T/db.sorted"
curl -sf "$URL/visits.json?window=15m&top=100" \
    | jq -r '.paths[] | select(.path | startswith("/bench/p/")) | "\(.path)\t\(.visits)"' \
    | sort >"$T/json.sorted"
STEADY_SENT=$(awk -F'\t' '{s += $2} END {print s + 0}' "$T/counts.sorted")
STEADY_DB=$(awk -F'\t' '{s += $2} END {print s + 0}' "$T/db.sorted")
STEADY_EXACT=yes
diff -q "$T/counts.sorted" "$T/db.sorted" >/dev/null || STEADY_EXACT=no
diff -q <(grep '^/bench/p/' "$T/counts.sorted") "$T/json.sorted" >/dev/null || STEADY_EXACT=no
say "   answered $STEADY_SENT, in PostgreSQL $STEADY_DB, per path equal in PostgreSQL and /visits.json: $STEADY_EXACT"
say "   freshness over $FRESH_N markers in /visits.json: p50 ${FRESH_P50} ms, p99 ${FRESH_P99} ms, max ${FRESH_MAX} ms (into PostgreSQL: p50 ${FRESH_PG_P50} ms, p99 ${FRESH_PG_P99} ms)"
say "   /visits.json under load: p50 ${REPORT_P50} ms, p99 ${REPORT_P99} ms"

# --- 3. ceilings (first) and 2. max -----------------------------------------------

mkdir -p "$T/ceil"
P204=$(free_port) PHELLO=$(free_port) PSTATIC=$(free_port) PLIBFCGI=$(free_port)
PRECORD=$(free_port)
user=""
[ "$(id -u)" -eq 0 ] && user="user root root;"
sed -e "s|@PREFIX@|$T/ceil|g" -e "s|@WORKERS@|2|g" -e "s|@PORT_204@|$P204|g" \
    -e "s|@PORT_HELLO@|$PHELLO|g" -e "s|@HELLO_SOCKET@|$T/ceil/hello.sock|g" \
    -e "s|@PORT_STATIC@|$PSTATIC|g" -e "s|@DEMO_DIR@|$top_srcdir/www/demo|g" \
    -e "s|@PORT_LIBFCGI@|$PLIBFCGI|g" -e "s|@LIBFCGI_SOCKET@|$T/ceil/libfcgi.sock|g" \
    -e "s|@PORT_RECORD@|$PRECORD|g" -e "s|@RECORD_SOCKET@|$T/stack/run/record.sock|g" \
    -e "s|@USER@|$user|g" "$top_srcdir/bench/ceiling.conf.in" >"$T/ceil/nginx.conf"
"$B/visits-fcgi-hello" --socket "$T/ceil/hello.sock" >"$T/ceil/hello.log" 2>&1 &
PIDS_TO_KILL+=("$!")
"$B/visits-libfcgi-hello" --socket "$T/ceil/libfcgi.sock" >"$T/ceil/libfcgi.log" 2>&1 &
PIDS_TO_KILL+=("$!")
for _ in $(seq 50); do
    [ -S "$T/ceil/hello.sock" ] && [ -S "$T/ceil/libfcgi.sock" ] && break
    sleep 0.1
done
nginx -p "$T/ceil" -c "$T/ceil/nginx.conf" -e "$T/ceil/error.log"

say "3. ceilings: wrk -t$WRK_THREADS -c$WRK_CONNS for ${CEIL_S}s each ..."
run_wrk HELLO "http://127.0.0.1:$PHELLO" "$CEIL_S"
say "   nginx -> fastcgi hello (ours): $WRK_HELLO_RPS req/s (p50 $WRK_HELLO_P50 ms, p99 $WRK_HELLO_P99 ms)"
run_wrk LIBFCGI "http://127.0.0.1:$PLIBFCGI" "$CEIL_S"
say "   nginx -> libfcgi hello: $WRK_LIBFCGI_RPS req/s (p50 $WRK_LIBFCGI_P50 ms, p99 $WRK_LIBFCGI_P99 ms)"

CEIL_NGINX=$(cat "$T/ceil/nginx.pid")
c0=$(ticks "$CEIL_NGINX")
run_wrk STATIC "http://127.0.0.1:$PSTATIC" "$CEIL_S"
STATIC_CPU_US=$(awk -v d=$(($(ticks "$CEIL_NGINX") - c0)) -v hz="$HZ" -v n="$WRK_STATIC_REQS" \
    'BEGIN {printf "%.1f", d / hz * 1e6 / n}')
say "   the demo site, not counted: $WRK_STATIC_RPS req/s (p50 $WRK_STATIC_P50 ms, p99 $WRK_STATIC_P99 ms), nginx $STATIC_CPU_US cpu-us a page"

say "2. max: wrk -t$WRK_THREADS -c$WRK_CONNS for ${MAX_S}s against the counted demo site ..."
declare -A T0 T1
for c in "${!PID[@]}"; do T0[$c]=$(ticks "${PID[$c]}"); done
t0=$(date +%s.%N)
# mirrored: the page views the visit worker has taken from the mirror.
mirrored() {
    curl -s --unix-socket "$VISITS_MONITOR_SOCKET" http://localhost/record/metrics \
        | awk '$1 == "visits_record_page_views_total{intake=\"mirror\"}" {print $2}'
}
M0=$(mirrored)
run_wrk OURS "$URL" "$MAX_S"
sleep 1     # the relay's last page views
MIRRORED=$(($(mirrored) - M0))
t1=$(date +%s.%N)
for c in "${!PID[@]}"; do T1[$c]=$(ticks "${PID[$c]}"); done
say "   the demo site, counted: $WRK_OURS_RPS visits/s (p50 $WRK_OURS_P50 ms, p99 $WRK_OURS_P99 ms) ${WRK_OURS_ERRS}"
say "   page views the visit worker took from the mirror: $MIRRORED of the $WRK_OURS_REQS wrk made"
# CPU a counted page costs, by component.
per_view() { awk -v d=$((T1[$1] - T0[$1])) -v hz="$HZ" -v n="$WRK_OURS_REQS" 'BEGIN {printf "%.1f", d / hz * 1e6 / n}'; }
OURS_NGINX_US=$(per_view nginx) OURS_RECORD_US=$(per_view record)
say "   cpu-us a counted page: nginx $OURS_NGINX_US, visit worker $OURS_RECORD_US (not counted: nginx $STATIC_CPU_US)"
# Freshness at full load in a run of its own: its pollers (a bash loop
# running curl ten times a second, psql every 20 ms) take CPU the hello's
# run above did not have to share.
say "   freshness at full load: wrk again for ${FRESH_MAX_S}s with ten marker visits a second ..."
MRUN=m$$
start_poller "$MRUN"
"$B/visits-loadgen" --url "$URL" --rate 10 --duration "$FRESH_MAX_S" --connections 2 \
    --marker-every 1 --run-id "$MRUN" --markers-out "$T/markers-max" \
    --counts-out "$T/counts-max" >"$T/loadgen-max.txt" 2>/dev/null &
MLOAD=$!
run_wrk LOADED "$URL" "$FRESH_MAX_S"
wait "$MLOAD" || true
stop_poller "$MRUN" "$T/markers-max"
FRESH_MAX_N=$(grep -c . "$T/fresh-json-$MRUN" || true)
FRESH_MAX_P50=$(pct 0.50 "$T/fresh-json-$MRUN") FRESH_MAX_P99=$(pct 0.99 "$T/fresh-json-$MRUN")
FRESH_MAX_PG_P50=$(pct 0.50 "$T/fresh-pg-$MRUN") FRESH_MAX_PG_P99=$(pct 0.99 "$T/fresh-pg-$MRUN")
say "   freshness over $FRESH_MAX_N markers in /visits.json: p50 ${FRESH_MAX_P50} ms, p99 ${FRESH_MAX_P99} ms (into PostgreSQL: p50 ${FRESH_MAX_PG_P50} ms, p99 ${FRESH_MAX_PG_P99} ms)"
say "   meanwhile the visit worker answered $WRK_LOADED_RPS visits/s ${WRK_LOADED_ERRS}"
elapsed=$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}')
RES_JSON=$(for c in record consumer broker nginx postgres; do
    jq -nc --arg c "$c" \
        --argjson cpu "$(awk -v d=$((T1[$c] - T0[$c])) -v hz="$HZ" 'BEGIN {printf "%.2f", d / hz}')" \
        --argjson rss "$(peak_mb "${PID[$c]}")" '{($c): {cpu_s: $cpu, peak_rss_mb: $rss}}'
done | jq -sc 'add')
say "   resources over ${elapsed%.*} s: $(jq -r 'to_entries | map("\(.key) \(.value.cpu_s) cpu-s \(.value.peak_rss_mb) MB") | join(", ")' <<<"$RES_JSON")"

run_wrk N204 "http://127.0.0.1:$P204" "$CEIL_S"
say "   nginx return 204: $WRK_N204_RPS req/s"
say "   the visit worker itself: wrk -> nginx -> visits-record, each request a page view ..."
CN0=$(ticks "$CEIL_NGINX") CR0=$(ticks "${PID[record]}")
run_wrk RECORD "http://127.0.0.1:$PRECORD" "$CEIL_S"
per_direct() { awk -v d=$(($(ticks "$1") - $2)) -v hz="$HZ" -v n="$WRK_RECORD_REQS" 'BEGIN {printf "%.1f", d / hz * 1e6 / n}'; }
RECORD_NGINX_US=$(per_direct "$CEIL_NGINX" "$CN0") RECORD_RECORD_US=$(per_direct "${PID[record]}" "$CR0")
say "   visits-record: $WRK_RECORD_RPS visits/s (p50 $WRK_RECORD_P50 ms, p99 $WRK_RECORD_P99 ms) ${WRK_RECORD_ERRS}, cpu-us a visit: nginx $RECORD_NGINX_US, visit worker $RECORD_RECORD_US"
say "   the events API: wrk POSTing beacons for ${CEIL_S}s ..."
run_wrk EVENT "$URL" "$CEIL_S" "$top_srcdir/bench/event.lua"
EVENT_RATIO=$(awk -v a="$WRK_EVENT_RPS" -v b="$WRK_HELLO_RPS" 'BEGIN {printf "%.3f", a / b}')
say "   events API: $WRK_EVENT_RPS events/s (p99 $WRK_EVENT_P99 ms) ${WRK_EVENT_ERRS}, $EVENT_RATIO of the fastcgi hello"

# --- 5. outage -----------------------------------------------------------------------

# The counted site while its visit worker is healthy, hung (SIGSTOP), then
# stopped, against the same site not counted, before and after (what runs
# first shares the machine with the consumer's last work): open-loop load
# at a fixed rate (visits-loadgen, latency from each request's due time,
# so a stalled connection shows), every request must be answered. The
# hung and stopped p99 are given as ratios to the lower of the two
# uncounted ones (issue 11's target: at most 1.10).
OUT_S=$((MAX_S < 10 ? 5 : 10))
OUT_RATE=$(awk -v r="$WRK_OURS_RPS" 'BEGIN {r = int(r * 0.4 / 100) * 100; if (r > 5000) r = 5000; if (r < 500) r = 500; print r}')
say "5. outage: $OUT_RATE pages/s for ${OUT_S}s each, open loop: not counted, counted, worker hung, worker stopped, not counted ..."
# outage_run NAME URL: sets OUT_<NAME>_{OK,SENT,P50,P99,P999,MAX}.
outage_run() {
    local line f
    line=$("$B/visits-loadgen" --url "$2" --rate "$OUT_RATE" --duration "$OUT_S" \
        --connections 64 --paths 50 2>/dev/null | tail -n 1)
    for f in sent ok p50_ms p99_ms p999_ms max_ms; do
        printf -v "OUT_${1}_${f%_ms}" '%s' "$(sed -n "s/.* \{0,1\}$f=\([0-9.]*\).*/\1/p" <<<" $line")"
    done
    local ok=OUT_${1}_ok sent=OUT_${1}_sent p50=OUT_${1}_p50 p99=OUT_${1}_p99 p999=OUT_${1}_p999 max=OUT_${1}_max
    say "   $1: answered ${!ok} of ${!sent}, p50 ${!p50} ms, p99 ${!p99} ms, p99.9 ${!p999} ms, max ${!max} ms"
}
outage_run STATIC "http://127.0.0.1:$PSTATIC"
outage_run COUNTED "$URL"
WORKER=$(cat "$T/stack/run/record-worker.pid")
kill -STOP "$WORKER"
outage_run HUNG "$URL"
kill -CONT "$WORKER"
# Stopped: its supervisor takes it down and removes the socket.
SUPERVISOR=$(cat "$T/stack/run/record.pid")
kill -TERM "$SUPERVISOR"
for _ in $(seq 300); do kill -0 "$SUPERVISOR" 2>/dev/null || break; sleep 0.1; done
outage_run STOPPED "$URL"
outage_run STATIC_AGAIN "http://127.0.0.1:$PSTATIC"
nginx -p "$T/ceil" -c "$T/ceil/nginx.conf" -s stop 2>/dev/null
UNCOUNTED_P99=$(awk -v a="$OUT_STATIC_p99" -v b="$OUT_STATIC_AGAIN_p99" 'BEGIN {print (a < b ? a : b)}')
p99_ratio() { awk -v a="$1" -v b="$UNCOUNTED_P99" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}'; }
HUNG_P99_RATIO=$(p99_ratio "$OUT_HUNG_p99") STOPPED_P99_RATIO=$(p99_ratio "$OUT_STOPPED_p99")
say "   p99 against the site not counted ($UNCOUNTED_P99 ms): worker hung $HUNG_P99_RATIO, stopped $STOPPED_P99_RATIO (target <= 1.10)"
OUTAGE_OK=yes
for n in STATIC COUNTED HUNG STOPPED STATIC_AGAIN; do
    ok=OUT_${n}_ok sent=OUT_${n}_sent
    [ -n "${!ok}" ] && [ "${!ok}" = "${!sent}" ] || OUTAGE_OK=no
done
[ "$OUTAGE_OK" = yes ] || say "   NOT every request was answered 200"

say "   waiting for the consumer to catch up ..."
TOTAL_DB=$(wait_stable)
stop "$SAMPLER"
say "   PostgreSQL holds $TOTAL_DB visits"
# Per-second rates from the samples, seconds since the start, for the plot.
awk -F'\t' -v t0="$BENCH_T0" 'NR > 1 && $1 > pt {
    printf "%.1f\t%.0f\n", ($1 - t0) / 1000, ($2 - pv) * 1000 / ($1 - pt) }
    {pt = $1; pv = $2}' "$OUT/counted.tsv" >"$OUT/rate.tsv"
if command -v gnuplot >/dev/null; then
    gnuplot -e "dir='$OUT'; t0=$BENCH_T0/1000.0" "$top_srcdir/bench/plot.gp" \
        && say "   plot: $OUT/bench.png"
else
    say "   no gnuplot: no plot (bin/bootstrap installs gnuplot-nox)"
fi

# --- 4. consumer alone --------------------------------------------------------------

say "4. consumer: $CONSUMER_EVENTS events over $CONSUMER_PATHS paths, preloaded ..."
# start_bench_broker: a dev broker of its own for the topic visits-bench,
# 64 partitions (so 1M events fit in its memory); sets BBPID and BB.
start_bench_broker() {
    rm -f "$T/bench-broker"
    "$top_builddir/tools/visits-devbroker" --topic visits-bench --partitions 64 \
        --bootstrap-file "$T/bench-broker" >>"$T/bench-broker.log" 2>&1 &
    BBPID=$!
    PIDS_TO_KILL+=("$BBPID")
    for _ in $(seq 100); do [ -s "$T/bench-broker" ] && break; sleep 0.1; done
    BB=$(cat "$T/bench-broker")
}
start_bench_broker
# The preload says why when it fails (seen once in a dozen runs, not
# reproduced alone); one more try on a fresh broker before giving up.
if ! preload=$("$B/visits-preload" --brokers "$BB" --topic visits-bench \
        --events "$CONSUMER_EVENTS" --paths "$CONSUMER_PATHS"); then
    say "   preload failed (above); once more on a new broker"
    stop "$BBPID"
    start_bench_broker
    preload=$("$B/visits-preload" --brokers "$BB" --topic visits-bench \
        --events "$CONSUMER_EVENTS" --paths "$CONSUMER_PATHS")
fi
say "   preload: $preload"
before=$(sql "SELECT coalesce(sum(visits), 0) FROM visit_minutes WHERE path LIKE '/bench/c/%'")
# Its 1,000 paths land in minutes that already hold the runs' markers (a
# path each): with the default cap of 1,000 paths a minute some would be
# counted under (other), not under /bench/c/, and look lost. This measures
# throughput; e2e_path_flood tests the cap.
"$top_builddir/consumer/visits-consumer" --brokers "$BB" --topic visits-bench \
    --database "$VISITS_DATABASE" --group visits-bench --metrics-listen 127.0.0.1:0 \
    --max-paths-per-minute 1000000 \
    >"$T/bench-consumer.log" 2>&1 &
BC=$!
PIDS_TO_KILL+=("$BC")
for _ in $(seq 300); do grep -q 'assigned' "$T/bench-consumer.log" && break; sleep 0.05; done
c0=$(date +%s%3N)
BC_T0=$(ticks "$BC") BB_T0=$(ticks "$BBPID") PG_T0=$(ticks "${PID[postgres]}")
for _ in $(seq 1200); do
    got=$(sql "SELECT coalesce(sum(visits), 0) FROM visit_minutes WHERE path LIKE '/bench/c/%'")
    [ $((got - before)) -ge "$CONSUMER_EVENTS" ] && break
    sleep 0.05
done
c1=$(date +%s%3N)
cpu_since() { awk -v d=$(($(ticks "$1") - $2)) -v hz="$HZ" 'BEGIN {printf "%.2f", d / hz}'; }
BC_CPU=$(cpu_since "$BC" "$BC_T0")
BB_CPU=$(cpu_since "$BBPID" "$BB_T0") PG_CPU=$(cpu_since "${PID[postgres]}" "$PG_T0")
BC_RSS=$(peak_mb "$BC")
kill -TERM "$BC"
CONSUMER_GOT=$((got - before))
CONSUMER_RATE=$(awk -v n="$CONSUMER_GOT" -v ms=$((c1 - c0)) 'BEGIN {printf "%.0f", n * 1000 / ms}')
say "   drained $CONSUMER_GOT events in $((c1 - c0)) ms after its partitions were assigned: $CONSUMER_RATE events/s, $BC_CPU cpu-s, peak $BC_RSS MB"
say "   meanwhile: dev broker $BB_CPU cpu-s, PostgreSQL $PG_CPU cpu-s"

# --- totals ---------------------------------------------------------------------------

# The visit worker's own count, from the line it logs when it stops.
stack stop >/dev/null 2>&1
stats=$(grep 'producer stopped' "$T/stack/log/record.log" | tail -n 1)
field() { sed -n "s/.* $1=\([0-9]*\).*/\1/p" <<<"$stats"; }
DELIVERED=$(field delivered) DROPPED=$(field dropped) FAILED=$(field failed)
LOST=$((DELIVERED > TOTAL_DB ? DELIVERED - TOTAL_DB : 0))
DUP=$((TOTAL_DB > DELIVERED ? TOTAL_DB - DELIVERED : 0))
[ "$CONSUMER_GOT" -gt "$CONSUMER_EVENTS" ] && DUP=$((DUP + CONSUMER_GOT - CONSUMER_EVENTS))
[ "$CONSUMER_GOT" -lt "$CONSUMER_EVENTS" ] && LOST=$((LOST + CONSUMER_EVENTS - CONSUMER_GOT))
RATIO=$(awk -v a="$WRK_OURS_RPS" -v b="$WRK_HELLO_RPS" 'BEGIN {printf "%.3f", a / b}')
RATIO_STATIC=$(awk -v a="$WRK_OURS_RPS" -v b="$WRK_STATIC_RPS" 'BEGIN {printf "%.3f", a / b}')
SITE_RATIO204=$(awk -v a="$WRK_OURS_RPS" -v b="$WRK_N204_RPS" 'BEGIN {printf "%.3f", a / b}')
# The headline: visits-record behind nginx against nginx alone.
RATIO204=$(awk -v a="$WRK_RECORD_RPS" -v b="$WRK_N204_RPS" 'BEGIN {printf "%.3f", a / b}')
RATIO_LIBFCGI=$(awk -v a="$WRK_RECORD_RPS" -v b="$WRK_LIBFCGI_RPS" 'BEGIN {printf "%.3f", a / b}')
RATIO_HELLO=$(awk -v a="$WRK_RECORD_RPS" -v b="$WRK_HELLO_RPS" 'BEGIN {printf "%.3f", a / b}')

jq -n --arg machine "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')" \
    --arg quick "${QUICK:-}" --argjson steady_s "$STEADY_S" --argjson max_s "$MAX_S" \
    --argjson steady_sent "$STEADY_SENT" --argjson steady_db "$STEADY_DB" --arg steady_exact "$STEADY_EXACT" \
    --argjson fresh_n "$FRESH_N" --argjson fresh_p50 "$FRESH_P50" --argjson fresh_p99 "$FRESH_P99" \
    --argjson fresh_max "$FRESH_MAX" --argjson fresh_max_n "$FRESH_MAX_N" \
    --argjson fresh_max_s "$FRESH_MAX_S" --argjson loaded "$WRK_LOADED_RPS" \
    --argjson fresh_max_p50 "$FRESH_MAX_P50" --argjson fresh_max_p99 "$FRESH_MAX_P99" \
    --argjson fresh_pg_p50 "$FRESH_PG_P50" --argjson fresh_pg_p99 "$FRESH_PG_P99" \
    --argjson fresh_max_pg_p50 "$FRESH_MAX_PG_P50" --argjson fresh_max_pg_p99 "$FRESH_MAX_PG_P99" \
    --argjson report_p50 "$REPORT_P50" --argjson report_p99 "$REPORT_P99" \
    --argjson ours "$WRK_OURS_RPS" --argjson ours_p50 "$WRK_OURS_P50" --argjson ours_p99 "$WRK_OURS_P99" \
    --argjson hello "$WRK_HELLO_RPS" --argjson n204 "$WRK_N204_RPS" \
    --argjson static "$WRK_STATIC_RPS" --argjson static_p99 "$WRK_STATIC_P99" \
    --argjson event "$WRK_EVENT_RPS" --argjson event_p99 "$WRK_EVENT_P99" \
    --argjson event_ratio "$EVENT_RATIO" \
    --argjson static_cpu_us "$STATIC_CPU_US" --argjson ratio_static "$RATIO_STATIC" \
    --argjson nginx_us "$OURS_NGINX_US" --argjson record_us "$OURS_RECORD_US" \
    --argjson mirrored "$MIRRORED" --argjson ours_reqs "$WRK_OURS_REQS" \
    --argjson outage_rate "$OUT_RATE" --arg outage_ok "$OUTAGE_OK" --argjson outage_s "$OUT_S" \
    --argjson hung_p99_ratio "$HUNG_P99_RATIO" --argjson stopped_p99_ratio "$STOPPED_P99_RATIO" \
    --argjson outage "$(for n in STATIC COUNTED HUNG STOPPED STATIC_AGAIN; do
        p50=OUT_${n}_p50 p99=OUT_${n}_p99 p999=OUT_${n}_p999 max=OUT_${n}_max
        jq -nc --arg k "$(tr 'A-Z' 'a-z' <<<"$n")" --argjson a "${!p50:-null}" \
            --argjson b "${!p99:-null}" --argjson c "${!p999:-null}" --argjson d "${!max:-null}" \
            '{($k): {p50_ms: $a, p99_ms: $b, p999_ms: $c, max_ms: $d}}'
    done | jq -sc add)" \
    --argjson ratio "$RATIO" --argjson ratio204 "$RATIO204" --argjson resources "$RES_JSON" \
    --argjson site_ratio204 "$SITE_RATIO204" --argjson ratio_libfcgi "$RATIO_LIBFCGI" \
    --argjson ratio_hello "$RATIO_HELLO" --argjson libfcgi "$WRK_LIBFCGI_RPS" \
    --argjson rec "$WRK_RECORD_RPS" --argjson rec_p50 "$WRK_RECORD_P50" \
    --argjson rec_p99 "$WRK_RECORD_P99" --argjson rec_nginx_us "$RECORD_NGINX_US" \
    --argjson rec_record_us "$RECORD_RECORD_US" \
    --argjson consumer_rate "$CONSUMER_RATE" --argjson consumer_events "$CONSUMER_GOT" \
    --argjson consumer_cpu "$BC_CPU" --argjson consumer_rss "$BC_RSS" \
    --argjson consumer_broker_cpu "$BB_CPU" --argjson consumer_pg_cpu "$PG_CPU" \
    --argjson delivered "$DELIVERED" --argjson counted "$TOTAL_DB" --argjson dropped "$DROPPED" \
    --argjson failed "$FAILED" --argjson lost "$LOST" --argjson dup "$DUP" '{
  machine: $machine, quick: ($quick != ""),
  steady: {seconds: $steady_s, rate: 1000, answered: $steady_sent, counted: $steady_db,
           per_path_equal: ($steady_exact == "yes"),
           freshness_ms: {markers: $fresh_n, p50: $fresh_p50, p99: $fresh_p99, max: $fresh_max,
                          into_postgresql: {p50: $fresh_pg_p50, p99: $fresh_pg_p99}},
           report_ms: {p50: $report_p50, p99: $report_p99}},
  max: {seconds: $max_s, visits_per_s: $ours, p50_ms: $ours_p50, p99_ms: $ours_p99,
        cpu_us_per_view: {nginx: $nginx_us, record: $record_us},
        requests: $ours_reqs, mirrored_to_worker: $mirrored,
        freshness_run: {seconds: $fresh_max_s, visits_per_s: $loaded},
        freshness_ms: {markers: $fresh_max_n, p50: $fresh_max_p50, p99: $fresh_max_p99,
                       into_postgresql: {p50: $fresh_max_pg_p50, p99: $fresh_max_pg_p99}},
        resources: $resources},
  record: {visits_per_s: $rec, p50_ms: $rec_p50, p99_ms: $rec_p99,
           cpu_us_per_visit: {nginx: $rec_nginx_us, record: $rec_record_us},
           ratio_to_204: $ratio204, ratio_to_libfcgi: $ratio_libfcgi,
           ratio_to_hello: $ratio_hello},
  events_api: {per_s: $event, p99_ms: $event_p99, ratio_to_hello: $event_ratio},
  ceilings: {static_per_s: $static, static_p99_ms: $static_p99,
             static_nginx_cpu_us_per_view: $static_cpu_us, ratio_to_static: $ratio_static,
             fcgi_hello_per_s: $hello, libfcgi_hello_per_s: $libfcgi,
             nginx_204_per_s: $n204,
             site_ratio_to_hello: $ratio, site_ratio_to_204: $site_ratio204},
  outage: ({seconds: $outage_s, pages_per_s: $outage_rate,
            all_answered: ($outage_ok == "yes"), hung_p99_ratio: $hung_p99_ratio,
            stopped_p99_ratio: $stopped_p99_ratio} + $outage),
  consumer: {events: $consumer_events, events_per_s: $consumer_rate, cpu_s: $consumer_cpu,
             peak_rss_mb: $consumer_rss, broker_cpu_s: $consumer_broker_cpu,
             postgres_cpu_s: $consumer_pg_cpu},
  totals: {delivered: $delivered, counted: $counted, dropped: $dropped, failed: $failed,
           lost: $lost, duplicated: $dup}
}' >"$OUT/results.json"
say "results: $OUT/results.json"
echo "RESULT ratio_204=$RATIO204 ratio_libfcgi=$RATIO_LIBFCGI record_per_s=$WRK_RECORD_RPS" \
    "record_p99_ms=$WRK_RECORD_P99 record_cpu_us=$RECORD_RECORD_US record_nginx_cpu_us=$RECORD_NGINX_US" \
    "nginx_204_per_s=$WRK_N204_RPS libfcgi_hello_per_s=$WRK_LIBFCGI_RPS" \
    "fcgi_ceiling_per_s=$WRK_HELLO_RPS ratio_hello=$RATIO_HELLO" \
    "visits_per_s=$WRK_OURS_RPS static_per_s=$WRK_STATIC_RPS ratio_static=$RATIO_STATIC" \
    "site_ratio_204=$SITE_RATIO204 site_ratio_hello=$RATIO events_per_s=$WRK_EVENT_RPS" \
    "events_ratio=$EVENT_RATIO sent=$DELIVERED counted=$TOTAL_DB" \
    "lost=$LOST duplicated=$DUP dropped=$DROPPED steady_exact=$STEADY_EXACT" \
    "fresh_p50_ms=$FRESH_P50 fresh_p99_ms=$FRESH_P99 fresh_max_p99_ms=$FRESH_MAX_P99" \
    "fresh_pg_p99_ms=$FRESH_PG_P99" \
    "report_p99_ms=$REPORT_P99" \
    "consumer_per_s=$CONSUMER_RATE record_rss_mb=$(jq -r .record.peak_rss_mb <<<"$RES_JSON")" \
    "consumer_rss_mb=$BC_RSS outage_answered=$OUTAGE_OK outage_rate=$OUT_RATE" \
    "max_requests=$WRK_OURS_REQS max_mirrored=$MIRRORED" \
    "uncounted_p99_ms=$OUT_STATIC_p99 uncounted_again_p99_ms=$OUT_STATIC_AGAIN_p99" \
    "counted_p99_ms=$OUT_COUNTED_p99 hung_p99_ms=$OUT_HUNG_p99 stopped_p99_ms=$OUT_STOPPED_p99" \
    "hung_p99_ratio=$HUNG_P99_RATIO stopped_p99_ratio=$STOPPED_P99_RATIO"
