#!/bin/bash
# Bad configuration: each program exits at once with a message naming the
# problem (status 2 for bad options, 1 for what fails when starting), or,
# where waiting is right (a broker not reachable yet), starts and retries.
set -uo pipefail
: "${top_builddir:?set by make check}"
B=$top_builddir
T=$(mktemp -d /tmp/visits-config.XXXXXX)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# refuses STATUS TEXT PROGRAM ARGS...: PROGRAM exits STATUS within 5 s and
# its stderr holds TEXT; for status 2 (bad options) stderr is that one line.
refuses() {
    local want=$1 text=$2 rc
    shift 2
    timeout 5 "$@" </dev/null >"$T/out" 2>"$T/err"
    rc=$?
    [ "$rc" -eq "$want" ] || fail "$* exited $rc, not $want: $(cat "$T/err")"
    grep -qF -- "$text" "$T/err" || fail "$*: no \"$text\" in: $(cat "$T/err")"
    if [ "$want" -eq 2 ] && [ "$(grep -c . "$T/err")" -ne 1 ]; then
        fail "$*: not one line: $(cat "$T/err")"
    fi
    echo "# ok: $* -> $rc: $(grep -F -- "$text" "$T/err" | head -n 1)"
}

for prog in cgi-bin/visits-record cgi-bin/visits-report consumer/visits-consumer tools/visits-prune \
            tools/visits-migrate tools/visits-devbroker; do
    refuses 2 "unknown option --bogus" "$B/$prog" --bogus
    refuses 2 'could not open config file "/nonexistent.conf"' "$B/$prog" \
        --config /nonexistent.conf
done
# Every program answers --version and --help, exit status 0.
for prog in cgi-bin/visits-record cgi-bin/visits-report consumer/visits-consumer \
            tools/visits-prune tools/visits-migrate tools/visits-devbroker \
            tools/visits-supervise; do
    "$B/$prog" --version | grep -qx "${prog##*/} [0-9.]*" || fail "$prog --version"
    "$B/$prog" --help | grep -q -- '--help' || fail "$prog --help"
done
echo "# ok: every program answers --version and --help"
# The shipped visits.conf names real keys with their defaults: with every
# setting uncommented (but the SASL examples), every program accepts it.
sed 's/^#\([a-z]\)/\1/' "${top_srcdir:?set by make check}/visits.conf" | grep -v '^kafka\.' >"$T/all.conf"
for prog in cgi-bin/visits-record cgi-bin/visits-report consumer/visits-consumer \
            tools/visits-prune tools/visits-migrate tools/visits-devbroker; do
    "$B/$prog" --config "$T/all.conf" --version >/dev/null 2>"$T/err" \
        || fail "$prog rejects the shipped visits.conf: $(cat "$T/err")"
done
echo "# ok: visits.conf, uncommented, is accepted by every program"
refuses 2 "must be an integer from 0 to 256" "$B/cgi-bin/visits-record" --threads=257
refuses 2 "must be an integer from 10 to 60000" "$B/consumer/visits-consumer" \
    --flush-interval-ms=abc
refuses 2 "must be an integer from 1 to 1024" "$B/tools/visits-devbroker" --partitions=0
printf 'flush-interval-ms = 500\nno-such-key = 1\n' >"$T/bad.conf"
refuses 2 "no-such-key" "$B/consumer/visits-consumer" --config "$T/bad.conf"
refuses 1 "kafka property no.such.property" "$B/cgi-bin/visits-record" \
    -X no.such.property=1
refuses 1 "could not listen on \"$T/missing/r.sock\": No such file or directory" \
    "$B/cgi-bin/visits-record" --socket "$T/missing/r.sock" --brokers 127.0.0.1:1
refuses 1 "could not listen on \"$T/missing/r.sock\": No such file or directory" \
    "$B/cgi-bin/visits-report" --socket "$T/missing/r.sock"
refuses 1 "no socket path given, no socket passed by socket activation, and fd 0" \
    "$B/cgi-bin/visits-report"
# Socket activation (sd_listen_fds): LISTEN_PID must be the worker's own.
activated() { LISTEN_PID=$$ LISTEN_FDS=$1 exec "${@:2}"; }
export -f activated
refuses 1 "socket activation passed LISTEN_FDS=2, expected 1 socket" \
    bash -c 'activated 2 "$0"' "$B/cgi-bin/visits-report"
refuses 1 "socket activation passed fd 3, which is not a listening stream socket" \
    bash -c 'activated 1 "$0" 3<"$0"' "$B/cgi-bin/visits-report"
refuses 2 "unknown option --bogus" "$B/tools/visits-supervise" --bogus
refuses 2 "--socket PATH is required" "$B/tools/visits-supervise" -- /bin/true
refuses 2 "no program to run after --" "$B/tools/visits-supervise" --socket "$T/s.sock"
refuses 1 "could not listen on \"$T/missing/s.sock\": No such file or directory" \
    "$B/tools/visits-supervise" --socket "$T/missing/s.sock" -- /bin/true
refuses 1 'connection to server on socket "/nonexistent/.s.PGSQL.5432" failed' \
    "$B/consumer/visits-consumer" --database host=/nonexistent --brokers 127.0.0.1:1
refuses 1 'connection to server on socket "/nonexistent/.s.PGSQL.5432" failed' \
    "$B/tools/visits-migrate" --database host=/nonexistent

# A broker that cannot be reached is waited for: the visit worker starts,
# serves, says why Kafka is not there, and stops cleanly on SIGTERM.
"$B/cgi-bin/visits-record" --socket "$T/r.sock" --brokers 127.0.0.1:1 2>"$T/err" &
pid=$!
sleep 2
kill -0 "$pid" 2>/dev/null || fail "the visit worker gave up on an unreachable broker: $(cat "$T/err")"
[ -S "$T/r.sock" ] || fail "the visit worker did not listen"
grep -q 'Connect to ipv4#127.0.0.1:1 failed' "$T/err" || fail "no line says Kafka is unreachable"
kill -TERM "$pid"
wait "$pid" || fail "the visit worker did not stop cleanly: $(cat "$T/err")"
echo "# ok: an unreachable broker is waited for, and said so"

# A worker that dies at once is started again, less and less often; a
# second supervisor for the same socket is refused; SIGTERM stops the
# supervisor, which removes its socket and pid file.
"$B/tools/visits-supervise" --socket "$T/s.sock" --pid-file "$T/w.pid" -- /bin/false \
    2>"$T/err" &
pid=$!
sleep 2.5
kill -0 "$pid" 2>/dev/null || fail "the supervisor gave up: $(cat "$T/err")"
grep -q '/bin/false pid=[0-9]* exited with status 1 ' "$T/err" \
    || fail "no line says the program exited: $(cat "$T/err")"
grep -q 'lasted less than 1000 ms; starting it again in 2000 ms' "$T/err" \
    || fail "the supervisor did not back off: $(cat "$T/err")"
refuses 1 "could not listen on \"$T/s.sock\": another process serves it" \
    "$B/tools/visits-supervise" --socket "$T/s.sock" -- /bin/true
kill -TERM "$pid"
wait "$pid" || fail "the supervisor did not stop cleanly: $(cat "$T/err")"
[ ! -e "$T/s.sock" ] && [ ! -e "$T/w.pid" ] || fail "the supervisor left its socket or pid file"
echo "# ok: a failing program is restarted with back-off; the supervisor stops cleanly"
