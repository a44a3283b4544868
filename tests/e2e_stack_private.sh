#!/bin/bash
# End to end: the development stack's PostgreSQL (make run, the tests) is
# reachable only by the user who started it. It trusts whoever connects,
# as superuser, so a socket that any local user can reach would let them
# run programs as PostgreSQL's user (COPY ... TO PROGRAM). Another local
# user (nobody) is refused; the stack's own programs are not.
. "$top_srcdir/tests/lib.sh"

[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root, to try as another user"; exit 77; }
sock=$T/pg/sock
mode=$(stat -c %a "$sock")
[ "$mode" = 700 ] || fail "the socket directory $sock is mode $mode, not 700"
for s in "$sock"/.s.PGSQL.*; do
    [ -S "$s" ] || continue
    m=$(stat -c %a "$s")
    [ "$m" = 700 ] || fail "the socket $s is mode $m, not 700"
done
if runuser -u nobody -- psql -XAtq "host=$sock port=5432 user=visits dbname=visits" \
        -c "SELECT 1" >"$T/nobody.out" 2>&1; then
    fail "another local user (nobody) got into the stack's PostgreSQL"
fi
note "nobody: $(head -n 1 "$T/nobody.out")"
[ "$(sql "SELECT 1")" = 1 ] || fail "the stack's own user cannot connect"
page -o /dev/null "$URL/private/page"
wait_total 1 30
note "ok: only the stack's user reaches its PostgreSQL (mode 700); the stack counts as before"
