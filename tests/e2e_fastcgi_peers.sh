#!/bin/bash
# End to end: a FastCGI worker talks only to nginx's user and its own.
# File permissions let in every process of the socket's group (www-data on
# Debian, which a shared host's PHP-FPM pools may share), and such a
# process could forge REMOTE_ADDR or the monitoring parameter and skip
# nginx's limits. The worker checks each connection's user (SO_PEERCRED)
# against fastcgi-users. The socket is made 0666 here, standing in for a
# group every local process is in; nobody plays the other process.
. "$top_srcdir/tests/broker.sh"

[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root, to connect as other users"; exit 77; }
T=$(mktemp -d /tmp/visits-peers.XXXXXX)
chmod 0711 "$T"
pid=
cleanup() {
    [ -n "$pid" ] && { kill -KILL "$pid"; wait "$pid"; } 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT
get=$top_builddir/tests/fcgi_get
sock=$T/record.sock

# start_record ARGS...: a visit worker on $sock (Kafka unreachable: it
# answers its probes anyway), the socket opened to everyone.
start_record() {
    [ -n "$pid" ] && { kill -TERM "$pid"; wait "$pid" 2>/dev/null; }
    "$top_builddir/cgi-bin/visits-record" --socket "$sock" --threads 4 \
        --brokers 127.0.0.1:1 "$@" >"$T/record.log" 2>&1 &
    pid=$!
    for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.05; done
    [ -S "$sock" ] || fail "visits-record did not listen: $(cat "$T/record.log")"
    chmod 0666 "$sock"
}
# as USER: asks the worker for its /healthz as USER; prints the answer.
as() {
    setpriv --reuid="$1" --regid="$(id -g "$1")" --clear-groups -- \
        "$get" "$sock" VISITS_PROBE=healthz REQUEST_METHOD=GET REQUEST_URI=/healthz
}

start_record
as root >"$T/root.out" || fail "the worker's own user was not answered"
grep -q '^alive' "$T/root.out" || fail "root got: $(cat "$T/root.out")"
as www-data >"$T/www.out" || fail "nginx's user (www-data, the default) was not answered"
rc=0
as nobody >"$T/nobody.out" 2>"$T/nobody.err" || rc=$?
[ "$rc" -eq 1 ] || fail "another user (nobody) got an answer (exit $rc): $(cat "$T/nobody.out")"
grep -q 'refused a FastCGI connection from uid 65534 (pid [0-9]*): not this worker.s user nor in fastcgi-users count=1' \
    "$T/record.log" || fail "no log line names the refused user: $(cat "$T/record.log")"
as root >/dev/null || fail "the worker stopped answering after refusing one"
note "default fastcgi-users (www-data): root and www-data answered; nobody refused: $(grep -o 'refused a FastCGI.*' "$T/record.log")"

start_record --fastcgi-users nobody
as nobody >/dev/null || fail "nobody, named in fastcgi-users, was not answered"
rc=0
as www-data >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 1 ] || fail "www-data, not named, got an answer (exit $rc)"
start_record --fastcgi-users '*'
as nobody >/dev/null || fail "with fastcgi-users *, nobody was not answered"
note "ok: fastcgi-users nobody lets in nobody and not www-data; * lets in anyone the socket's permissions do"
