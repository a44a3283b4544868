#!/bin/bash
# visits-nginx-check: an nginx configuration that can keep more
# connections to a worker than it has threads is refused, naming the
# numbers; the image's configuration (nginx/docker.conf) passes on a host
# of any size, where `worker_processes auto` on more than 4 CPUs left
# requests waiting 10 s for a thread.
. "$top_srcdir/tests/broker.sh"

T=$(mktemp -d /tmp/visits-nginx-check.XXXXXX)
trap 'rm -rf "$T"' EXIT
check=$top_srcdir/tools/visits-nginx-check
mkdir -p "$T/prefix" "$T/nginx"
# The snippets as installed, with paths of this test.
for f in "$top_srcdir"/nginx/visits-*.conf "$top_srcdir"/nginx/visits-*.conf.in; do
    out=$T/nginx/${f##*/}
    sed -e "s|@[A-Z_]*SOCKET@|$T/x.sock|g" -e "s|@[A-Z_]*_DIR@|$T/dir|g" \
        -e "s|@MIRROR_LOG@|$T/mirror.log|g" "$f" >"${out%.in}"
done
# conf WORKERS: docker.conf with worker_processes WORKERS, on these snippets.
conf() {
    sed -e "s|/usr/share/visits/nginx/|$T/nginx/|g" \
        -e "s|^worker_processes .*|worker_processes $1;|" \
        "$top_srcdir/nginx/docker.conf" >"$T/nginx.conf"
}

sed -e "s|/usr/share/visits/nginx/|$T/nginx/|g" "$top_srcdir/nginx/docker.conf" >"$T/nginx.conf"
for cpus in 2 16 64; do
    VISITS_NGINX_CPUS=$cpus "$check" -p "$T/prefix" -c "$T/nginx.conf" >"$T/out" 2>&1 \
        || fail "the image's nginx.conf is refused on $cpus CPUs: $(cat "$T/out")"
done
note "nginx/docker.conf on 2, 16 and 64 CPUs: $(tr '\n' ';' <"$T/out")"

conf 3
rc=0
"$check" --record-connections 320 -p "$T/prefix" -c "$T/nginx.conf" >"$T/out" 2>&1 || rc=$?
[ "$rc" -eq 1 ] || fail "3 nginx processes (1632 kept connections to 320) passed: $(cat "$T/out")"
grep -q 'nginx can keep 1632 connections open to visits-record (3 worker processes x 544: visits_record 32, visits_record_relayed 512) but visits-record has 320 connection slots' "$T/out" \
    || fail "the refusal does not name the numbers: $(cat "$T/out")"
note "3 processes: $(grep -o 'nginx can keep.*' "$T/out" | head -n 1)"
"$check" -p "$T/prefix" -c "$T/nginx.conf" >"$T/out" 2>&1 \
    || fail "1632 kept connections to the default 2048 were refused: $(cat "$T/out")"
grep -q warning "$T/out" && fail "worker_connections 4096 was warned about: $(cat "$T/out")"
rc=0
VISITS_RECORD_CONNECTIONS=400 "$check" -p "$T/prefix" -c "$T/nginx.conf" >"$T/out" 2>&1 || rc=$?
[ "$rc" -eq 1 ] || fail "VISITS_RECORD_CONNECTIONS=400 was not used: $(cat "$T/out")"

conf auto
rc=0
VISITS_NGINX_CPUS=5 "$check" -p "$T/prefix" -c "$T/nginx.conf" >"$T/out" 2>&1 || rc=$?
[ "$rc" -eq 1 ] || fail "worker_processes auto on 5 CPUs passed: $(cat "$T/out")"
grep -q 'visits-report (5 worker processes x 8: visits_report 8) but visits-report has 32 threads' "$T/out" \
    || fail "auto on 5 CPUs: $(cat "$T/out")"
VISITS_REPORT_THREADS=40 VISITS_RECORD_CONNECTIONS=3000 VISITS_NGINX_CPUS=5 \
    "$check" -p "$T/prefix" -c "$T/nginx.conf" >/dev/null 2>&1 \
    || fail "threads from VISITS_*_THREADS were not used"

# Too few connections for the site while a hung worker holds the relay's:
# a warning, not a refusal.
sed -i 's|worker_connections 4096;|worker_connections 1024;|' "$T/nginx.conf"
VISITS_REPORT_THREADS=40 VISITS_RECORD_CONNECTIONS=3000 VISITS_NGINX_CPUS=5 \
    "$check" -p "$T/prefix" -c "$T/nginx.conf" >"$T/out" 2>&1 \
    || fail "worker_connections 1024 was refused: $(cat "$T/out")"
grep -q 'warning: worker_connections 1024: while visits-record is hung the relay holds up to 2 x 512 .* at least 2048' "$T/out" \
    || fail "worker_connections 1024 was not warned about: $(cat "$T/out")"

rc=0
"$check" -p "$T/prefix" -c "$T/missing.conf" >"$T/out" 2>&1 || rc=$?
[ "$rc" -eq 2 ] || fail "a missing configuration exited $rc, not 2"
note "ok: refused past the threads (exit 1, naming the numbers), passed within them; unreadable configuration exit 2"
