# tests/lib.sh - sourced by the end-to-end tests. Starts the whole stack
# (PostgreSQL, a Kafka broker, consumer, both workers, nginx) in a fresh
# directory on a free port, and stops it when the test exits, however it
# exits. On failure the components' logs are printed.
#
# The broker: the dev broker, or a real Kafka as the environment says
# (tests/broker.sh).
set -euo pipefail
: "${top_srcdir:?set by make check}" "${top_builddir:?set by make check}"

. "$top_srcdir/tests/broker.sh"

T=$(mktemp -d /tmp/visits-test.XXXXXX)
chmod 755 "$T"      # PostgreSQL runs as postgres when we are root
PORT=

# The demo site answers every made-up path the tests ask for with its
# index.html (200), as a single-page app's server does.
export VISITS_DEMO_FALLBACK=index

stack() {
    "$top_srcdir/tools/visits-stack" "$1" --dir "$T" --port "$PORT" --app-port "$APP_PORT" \
        --bindir "$top_builddir" --srcdir "$top_srcdir"
}

# on_exit COMMAND: runs COMMAND (eval'd, failures ignored) when the test
# exits, however it exits, before the stack stops: a test's own processes.
# Use it rather than a trap of the test's own, which would replace this one.
EXIT_HOOKS=()
on_exit() { EXIT_HOOKS+=("$1"); }

cleanup() {
    local rc=$? h
    trap - EXIT
    set +e      # nothing below may cut the cleanup short
    for h in "${EXIT_HOOKS[@]}"; do eval "$h"; done
    [ -n "$PORT" ] && stack stop
    declare -F broker_remove >/dev/null && broker_remove
    # Built with --enable-sanitizers, a program that hit an error, leaked
    # or raced prints a report in its log (and a daemon may have gone on or
    # been restarted): that fails the test whatever it checked.
    local report='ERROR: (AddressSanitizer|LeakSanitizer)|WARNING: ThreadSanitizer|runtime error: '
    if grep -lE "$report" "$T"/log/*.log >"$T/sanitizer-reports" 2>/dev/null; then
        echo "FAIL: a sanitizer report in $(tr '\n' ' ' <"$T/sanitizer-reports")"
        while read -r f; do
            grep -A 40 -E "$report" "$f" | head -n 80
        done <"$T/sanitizer-reports"
        [ "$rc" -ne 0 ] || rc=1
    fi
    if [ "$rc" -ne 0 ]; then
        for f in "$T"/log/*.log; do
            [ -s "$f" ] || continue
            echo "--- $f (last 30 lines)"
            tail -n 30 "$f"
        done
    fi
    rm -rf "$T"
    exit "$rc"
}
trap cleanup EXIT

PORT=$(free_port)
APP_PORT=$(free_port)

broker_create
[ "$KAFKA" = dev ] || note "a real Kafka ($KAFKA) at $VISITS_BROKERS, topic $VISITS_TOPIC"
# The topic of the test's events.
TOPIC=${VISITS_TOPIC:-visits}
stack start
# shellcheck disable=SC1091
. "$T/run/env"
URL=${VISITS_URL%/}

# nginx_extra NAME PORT...: adds the server blocks on stdin to the stack's
# nginx as extra/NAME.conf, reloads it, and waits until each PORT answers.
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
nginx_extra() {
    local name=$1 p i
    shift
    cat >"$T/nginx/extra/$name.conf"
    "$NGINX" -p "$T/nginx" -c "$T/nginx/nginx.conf" -e "$T/log/nginx-error.log" -t -q \
        || fail "nginx refused extra/$name.conf"
    "$NGINX" -p "$T/nginx" -c "$T/nginx/nginx.conf" -e "$T/log/nginx-error.log" -s reload
    for p in "$@"; do
        for ((i = 0; i < 100; i++)); do
            (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && break
            sleep 0.1
        done
        (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || fail "nginx does not listen on $p"
    done
}

sql() { psql -XAtq -F $'\t' "$VISITS_DATABASE" -c "$1"; }

# pg_stop, pg_start: stop and start the stack's PostgreSQL, as an outage.
pg_stop() { stack pg-stop >/dev/null; }
pg_start() { stack pg-start >/dev/null; }

# second_consumer [WRAPPER...]: starts another consumer of the stack's
# group in the background (the stack's 6 s session; its monitoring on a
# free port; WRAPPER, such as strace, runs it), logging to
# log/consumer2.log, and waits up to 90 s until it holds partitions. Sets
# SECOND to the pid started.
second_consumer() {
    "$@" "$top_builddir/consumer/visits-consumer" --brokers "$VISITS_BROKERS" \
        --database "$VISITS_DATABASE" -X session.timeout.ms=6000 \
        -X heartbeat.interval.ms=1000 --metrics-listen 127.0.0.1:0 \
        >"$T/log/consumer2.log" 2>&1 &
    SECOND=$!
    within 90 grep -q 'assigned [1-9]' "$T/log/consumer2.log" \
        || fail "the second consumer got no partitions"
}

# within SECONDS COMMAND...: runs COMMAND every 50 ms until it succeeds;
# fails once SECONDS of wall-clock time have passed (however long each try
# takes). READY_BOUND_S: how soon a component is ready again after Kafka or
# PostgreSQL comes back, the bound docs/RELIABILITY.md states.
READY_BOUND_S=5
within() {
    local secs=$1 t0
    shift
    t0=$(date +%s%3N)
    until "$@"; do
        [ $(($(date +%s%3N) - t0)) -lt $((secs * 1000)) ] || return 1
        sleep 0.05
    done
}

# A page view, as nginx's rules (nginx/visits-pageview.conf) know one from
# a client that sends no Sec-Fetch headers.
PAGE_ACCEPT='Accept: text/html,application/xhtml+xml'

# page ARGS...: curl asking for a page, as a browser does.
page() { curl -s -H "$PAGE_ACCEPT" "$@"; }

# requests FILE: requests every URL in FILE (one per line) as a page and
# prints one status code per line: 16 at a time, or one after the other at
# RATE per second when RATE is set (curl ignores --rate in parallel mode).
requests() {
    local cfg=$T/curl.$RANDOM
    # Options of a config file apply to every URL in it: the header goes
    # on the command line, once.
    sed 's|.*|url = "&"\noutput = "/dev/null"|' "$1" >"$cfg"
    if [ -n "${RATE:-}" ]; then
        curl -s -H "$PAGE_ACCEPT" --rate "$RATE/s" -K "$cfg" -w '%{http_code}\n' || true
    else
        curl -s -H "$PAGE_ACCEPT" --no-progress-meter -Z --parallel-max 16 -K "$cfg" \
            -w '%{http_code}\n' || true
    fi
}

# db_counts: "path<TAB>visits" per path, sorted.
db_counts() {
    sql "SELECT path, sum(visits) FROM visit_minutes GROUP BY path ORDER BY path"
}

# json_counts: the same, from /visits.json.
json_counts() {
    curl -sf "$URL/visits.json?window=15m&top=100" \
        | jq -r '.paths[] | "\(.path)\t\(.visits)"' | LC_ALL=C sort
}

# wait_total N SECONDS [SITE]: waits until PostgreSQL holds exactly N
# visits (of SITE, when given), then checks that the number stays N
# (nothing counted twice arrives late).
wait_total() {
    local want=$1 secs=$2 where="" got i
    [ -n "${3:-}" ] && where="WHERE site = '$3'"
    for ((i = 0; i < secs * 10; i++)); do
        got=$(sql "SELECT coalesce(sum(visits), 0) FROM visit_minutes $where")
        [ "$got" -gt "$want" ] && fail "database holds $got visits${3:+ of $3}, more than the $want sent"
        [ "$got" -eq "$want" ] && break
        sleep 0.1
    done
    [ "$got" -eq "$want" ] || fail "database holds $got visits${3:+ of $3} after ${secs}s, expected $want"
    sleep 1.5
    got=$(sql "SELECT coalesce(sum(visits), 0) FROM visit_minutes $where")
    [ "$got" -eq "$want" ] || fail "database went from $want to $got visits${3:+ of $3}"
    # The rollups the report reads are written in the same transaction.
    local t
    for t in visit_totals visit_fives visit_tens visit_hours visit_seconds; do
        got=$(sql "SELECT coalesce(sum(visits), 0) FROM $t $where")
        [ "$got" -eq "$want" ] || fail "$t holds $got visits, visit_minutes $want"
    done
}
