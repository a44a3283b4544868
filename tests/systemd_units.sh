#!/bin/bash
# The systemd units, rendered as `make install` renders them (programs from
# this build): systemd-analyze verify has nothing to say about them, and it
# does about a broken copy. Every service is sandboxed; the worker sockets
# belong to systemd, with a mode nginx's group can use.
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
        PrivateTmp=yes CapabilityBoundingSet=; do
        grep -qx "$want" "$s" || fail "$s lacks $want"
    done
done
for w in record report; do
    grep -qx "ListenStream=/run/visits/$w.sock" "visits-$w.socket" || fail "visits-$w.socket path"
    grep -qx 'SocketMode=0660' "visits-$w.socket" || fail "visits-$w.socket mode"
    grep -qx "Requires=visits-$w.socket" "visits-$w.service" || fail "visits-$w.service socket"
done
echo "# ok: every service sandboxed; both worker sockets 0660 under /run/visits"
