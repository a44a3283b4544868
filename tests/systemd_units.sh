#!/bin/bash
# The systemd units, rendered as `make install` renders them (programs from
# this build): systemd-analyze verify has nothing to say about them, and it
# does about a broken copy. Every service is sandboxed (a system call
# filter, bounded memory and tasks, no other process visible; systemd's own
# exposure score at most 2.0 of 10 for each); the worker sockets belong to
# systemd, with a mode nginx's group can use.
set -euo pipefail
: "${top_srcdir:?set by make check}" "${top_builddir:?set by make check}"
fail() { echo "FAIL: $*" >&2; exit 1; }
command -v systemd-analyze >/dev/null \
    || fail "systemd-analyze not found (bin/bootstrap installs systemd)"
T=$(mktemp -d /tmp/visits-units.XXXXXX)
trap 'rm -rf "$T"' EXIT

mkdir "$T/bin" "$T/units"
for p in cgi-bin/visits-record cgi-bin/visits-report consumer/visits-consumer \
         tools/visits-migrate tools/visits-prune; do
    ln -s "$(cd "$top_builddir" && pwd)/$p" "$T/bin/"
done
for t in "$top_srcdir"/systemd/*.in; do
    sed -e "s|@BINDIR@|$T/bin|g" -e 's|@SYSCONFDIR@|/etc|g' -e 's|@RUNSTATEDIR@|/run|g' \
        "$t" >"$T/units/$(basename "${t%.in}")"
done
cp "$top_srcdir/systemd/visits-prune.timer" "$T/units/"
cd "$T/units"
grep -l '@[A-Z]*@' ./* && fail "a placeholder was left in the units"

verify() { systemd-analyze verify --man=no "$@" 2>&1 || true; }
out=$(verify ./*.socket ./*.service ./*.timer)
[ -z "$out" ] || fail "systemd-analyze verify: $out"
echo "# ok: systemd-analyze verify is silent on $(ls | wc -l) units"

# The check can fail: a bad value and a missing program are reported.
sed 's/^RestartSec=100ms/RestartSec=soon/' visits-record.service >"$T/bad.service"
mv "$T/bad.service" visits-record.service
out=$(verify ./visits-record.service)
[[ "$out" == *"Failed to parse sec value"* ]] || fail "a bad RestartSec went unnoticed: $out"
rm "$T/bin/visits-prune"
out=$(verify ./visits-prune.service)
[[ "$out" == *"visits-prune"* ]] || fail "a missing program went unnoticed: $out"

for s in *.service; do
    for want in DynamicUser=yes NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes \
        PrivateTmp=yes CapabilityBoundingSet= SystemCallFilter=@system-service \
        ProtectProc=invisible ProcSubset=pid UMask=0077; do
        grep -qx "$want" "$s" || fail "$s lacks $want"
    done
    grep -qE '^MemoryMax=[0-9]+[MG]$' "$s" || fail "$s has no MemoryMax"
    grep -qE '^TasksMax=[0-9]+$' "$s" || fail "$s has no TasksMax"
done
for w in record report; do
    grep -qx "ListenStream=/run/visits/$w.sock" "visits-$w.socket" || fail "visits-$w.socket path"
    grep -qx 'SocketMode=0660' "visits-$w.socket" || fail "visits-$w.socket mode"
    grep -qx "Requires=visits-$w.socket" "visits-$w.service" || fail "visits-$w.service socket"
done
# systemd's own review of each service's sandbox (0 is the best, 10 the
# worst; 3.2 before the system call filter and the rest).
for s in *.service; do
    score=$(systemd-analyze security --offline=true --no-pager "./$s" 2>/dev/null \
        | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\) .*/\1/p')
    [ -n "$score" ] || fail "systemd-analyze security gave no score for $s"
    echo "# $s: exposure $score"
    awk -v v="$score" 'BEGIN { exit !(v <= 2.0) }' || fail "$s: exposure $score, above 2.0"
done
echo "# ok: every service sandboxed; both worker sockets 0660 under /run/visits"
