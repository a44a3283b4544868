#!/bin/bash
# tests/docker.sh - make check-docker: the container image and the compose
# file, run for real, on this machine only.
#   1. docker-compose.yml passes `docker-compose config`, and refuses to
#      start without a database password (none is built in).
#   2. A private dockerd (its own data root and socket, no bridge: host
#      networking only) gets a base image made offline with debootstrap,
#      tagged debian:bookworm-slim, the FROM of the Dockerfile.
#   3. The Dockerfile is built (the source tree as context, as `docker
#      compose build` does); the image runs as a user of its own, not root.
#   4. Its containers run as docker-compose.yml runs them (migrate, then the
#      consumer, both workers and nginx, sharing the sockets' volume),
#      against a private PostgreSQL (visits-stack pg-start; its socket
#      mounted) and a real Kafka broker (VISITS_TEST_KAFKACTL, as make
#      check-kafka; without it the image's own dev broker, in a container);
#      nginx on private ports: docker.conf with only its two listen ports
#      changed. With 8 nginx processes (more kept connections than the
#      workers' threads) the image refuses to start nginx.
#   5. The compose file's health checks pass in the containers; page views
#      of the demo site (its mirror line), beacons of the events API and
#      pixels go through the container's nginx and are counted exactly, per
#      path, in PostgreSQL and in /visits.json.
# Everything it made is removed at the end: containers, volume, images,
# its dockerd and its data, the broker, PostgreSQL. Prints what each step
# took and the image's size. Needs root, dockerd, debootstrap and
# docker-compose (.ci/run installs them). VISITS_TEST_DEBIAN_TAR=FILE keeps
# the debootstrapped root as a tar between runs (made when missing).
set -euo pipefail
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$PWD}
. "$top_srcdir/tests/broker.sh"

[ "$(id -u)" -eq 0 ] || fail "needs root (dockerd, debootstrap)"
for tool in dockerd docker debootstrap docker-compose python3 psql curl jq; do
    command -v "$tool" >/dev/null \
        || fail "$tool is not installed (apt-get install docker.io debootstrap docker-compose)"
done
[ "$KAFKA" != cluster ] || fail "VISITS_TEST_BROKERS is not supported here: use VISITS_TEST_KAFKACTL"

# Short: unix socket paths under it must stay below 108 bytes.
T=$(mktemp -d /tmp/visits-docker.XXXXXX)
chmod 755 "$T"
ID=visits-test-$(echo "${T##*.}" | tr "[:upper:]" "[:lower:]")
IMAGE=$ID:latest
CONTAINERS=()
export DOCKER_HOST=unix://$T/docker.sock
step_t0=$(date +%s)
step() {  # step NAME: notes how long the previous step took
    local now
    now=$(date +%s)
    note "$1 ($((now - step_t0)) s since the last step)"
    step_t0=$now
}
stack() {
    "$top_srcdir/tools/visits-stack" "$1" --dir "$T/stack" --bindir "$top_builddir" \
        --srcdir "$top_srcdir"
}

cleanup() {
    local rc=$? c
    trap - EXIT
    set +e
    if [ "$rc" -ne 0 ]; then
        for c in "${CONTAINERS[@]}"; do
            echo "--- container $c (last 20 lines)"
            docker logs --tail 20 "$c" 2>&1
        done
        for f in "$T"/*.log "$T"/log/*.log; do
            [ -s "$f" ] || continue
            echo "--- $f (last 20 lines)"
            tail -n 20 "$f"
        done
    fi
    if [ -S "$T/docker.sock" ]; then
        for c in "${CONTAINERS[@]}"; do docker rm -f "$c" >/dev/null 2>&1; done
        docker volume rm "$ID-run" >/dev/null 2>&1
        docker image rm -f "$IMAGE" debian:bookworm-slim >/dev/null 2>&1
        docker image prune -f >/dev/null 2>&1
    fi
    if [ -f "$T/docker.pid" ]; then
        kill -TERM "$(cat "$T/docker.pid")" 2>/dev/null
        for _ in $(seq 100); do [ -f "$T/docker.pid" ] || break; sleep 0.1; done
    fi
    broker_remove
    stack pg-stop >/dev/null 2>&1
    # What dockerd may have left mounted under its data root.
    grep -o " $T/[^ ]*" /proc/mounts | sort -r | xargs -r -n 1 umount -l 2>/dev/null
    rm -rf "$T"
    exit "$rc"
}
trap cleanup EXIT

# 1. The compose file: valid, and no password built in (it refuses to
# start without one).
VISITS_DB_PASSWORD=test docker-compose -f "$top_srcdir/docker-compose.yml" config -q \
    || fail "docker-compose.yml does not pass docker-compose config"
if (unset VISITS_DB_PASSWORD; docker-compose -f "$top_srcdir/docker-compose.yml" config -q) \
        >"$T/nopass.log" 2>&1; then
    fail "docker-compose.yml starts without VISITS_DB_PASSWORD: a default password is built in"
fi
grep -q 'VISITS_DB_PASSWORD' "$T/nopass.log" || fail "no password: $(cat "$T/nopass.log")"
step "docker-compose.yml is valid and needs VISITS_DB_PASSWORD"

# 2. The daemon and the base image.
dockerd --data-root "$T/data" --exec-root "$T/exec" -H "$DOCKER_HOST" \
    --pidfile "$T/docker.pid" --bridge=none --iptables=false --ip-masq=false \
    >"$T/dockerd.log" 2>&1 &
for _ in $(seq 150); do docker info >/dev/null 2>&1 && break; sleep 0.2; done
docker info >/dev/null 2>&1 || fail "dockerd did not start"
mirror=${VISITS_DEBIAN_MIRROR:-http://deb.debian.org/debian}
if [ -n "${VISITS_TEST_DEBIAN_TAR:-}" ] && [ -s "$VISITS_TEST_DEBIAN_TAR" ]; then
    docker import - debian:bookworm-slim <"$VISITS_TEST_DEBIAN_TAR" >/dev/null
else
    debootstrap --variant=minbase bookworm "$T/rootfs" "$mirror" >"$T/debootstrap.log" 2>&1 \
        || fail "debootstrap failed"
    rm -rf "$T"/rootfs/var/cache/apt/archives/*.deb "$T"/rootfs/var/lib/apt/lists/*
    if [ -n "${VISITS_TEST_DEBIAN_TAR:-}" ]; then
        tar -C "$T/rootfs" -c . >"$VISITS_TEST_DEBIAN_TAR"
        docker import - debian:bookworm-slim <"$VISITS_TEST_DEBIAN_TAR" >/dev/null
    else
        tar -C "$T/rootfs" -c . | docker import - debian:bookworm-slim >/dev/null
    fi
    rm -rf "$T/rootfs"
fi
step "dockerd up, base image debian:bookworm-slim imported"

# 3. The image.
docker build --network host -t "$IMAGE" "$top_srcdir" >"$T/build.log" 2>&1 \
    || fail "docker build failed"
size=$(docker image inspect --format '{{.Size}}' "$IMAGE")
user=$(docker run --rm "$IMAGE" id -un)
uid=$(docker run --rm "$IMAGE" id -u)
[ "$uid" != 0 ] || fail "the image runs as root"
step "image built: $((size / 1000000)) MB, runs as $user (uid $uid)"

# 4. PostgreSQL, Kafka, the containers.
mkdir -p "$T/stack/log"
stack pg-start >/dev/null || fail "PostgreSQL did not start"
PGSOCK=$T/stack/pg/sock
# The stack's PostgreSQL admits only the user who started it; the
# containers' user (uid 999) needs its socket too, for this test only.
chmod 0755 "$PGSOCK"
chmod 0777 "$PGSOCK"/.s.PGSQL.5432
DB="host=/run/postgresql port=5432 user=visits dbname=visits"
sql() { psql -XAtq -F $'\t' "host=$PGSOCK port=5432 user=visits dbname=visits" -c "$1"; }
# run NAME ARGS...: a container of the image, as docker-compose.yml runs it.
run() {
    local name=$ID-$1
    shift
    CONTAINERS+=("$name")
    docker run -d --name "$name" --network host -e VISITS_DATABASE="$DB" \
        -v "$PGSOCK:/run/postgresql" -v "$ID-run:/run/visits" "$@" >/dev/null
}
if [ "$KAFKA" = kafkactl ]; then
    broker_create
    BROKERS=$VISITS_BROKERS
else
    mkdir -m 777 "$T/boot"
    run devbroker -v "$T/boot:/boot" "$IMAGE" /usr/libexec/visits/visits-devbroker --bootstrap-file /boot/address
    for _ in $(seq 100); do [ -s "$T/boot/address" ] && break; sleep 0.1; done
    [ -s "$T/boot/address" ] || fail "the image's dev broker did not start"
    BROKERS=$(cat "$T/boot/address")
fi
docker volume create "$ID-run" >/dev/null
docker run --rm --network host -e VISITS_DATABASE="$DB" -v "$PGSOCK:/run/postgresql" \
    "$IMAGE" visits-migrate >"$T/migrate.log" 2>&1 || fail "visits-migrate failed in its container"
PORT=$(free_port) MONPORT=$(free_port) METRICSPORT=$(free_port)
sed -e "s|^\( *\)listen 8080;|\1listen 127.0.0.1:$PORT;|" \
    -e "s|^\( *\)listen 8081;|\1listen 127.0.0.1:$MONPORT;|" \
    "$top_srcdir/nginx/docker.conf" >"$T/nginx.conf"
grep -q "listen 127.0.0.1:$PORT;" "$T/nginx.conf" && grep -q "listen 127.0.0.1:$MONPORT;" "$T/nginx.conf" \
    || fail "nginx/docker.conf no longer listens on 8080 and 8081"
run consumer -e VISITS_BROKERS="$BROKERS" -e VISITS_METRICS_LISTEN="127.0.0.1:$METRICSPORT" \
    "$IMAGE" visits-consumer
run record -e VISITS_BROKERS="$BROKERS" "$IMAGE" visits-record --socket /run/visits/record.sock
run report "$IMAGE" visits-report --socket /run/visits/report.sock
# The image refuses an nginx that would keep more connections to the
# workers than they serve (here 8 processes x 544 > 2048 connection slots).
sed -e 's/^worker_processes .*/worker_processes 8;/' "$T/nginx.conf" >"$T/nginx-8.conf"
rc=0
docker run --rm --network host -v "$T/nginx-8.conf:/etc/nginx/nginx.conf:ro" "$IMAGE" \
    >"$T/nginx-8.log" 2>&1 || rc=$?
[ "$rc" -eq 1 ] && grep -q 'nginx can keep 4352 connections open to visits-record' "$T/nginx-8.log" \
    || fail "the image started nginx with 8 processes (exit $rc): $(cat "$T/nginx-8.log")"
run nginx -v "$T/nginx.conf:/etc/nginx/nginx.conf:ro" "$IMAGE"
step "PostgreSQL, $KAFKA broker and the containers started; 8 nginx processes refused"

# 5. Health checks, then visits.
probe=$(python3 -c '
import sys, yaml
print(yaml.safe_load(open(sys.argv[1]))["x-probe"].replace("$$", "$"))' \
    "$top_srcdir/docker-compose.yml")
healthy() { docker exec "$ID-$1" bash -c "$probe" "${@:2}"; }
for _ in $(seq 300); do
    healthy nginx "$MONPORT" /record/readyz /report/readyz 2>/dev/null \
        && healthy consumer "$METRICSPORT" /healthz 2>/dev/null && break
    sleep 0.2
done
healthy nginx "$MONPORT" /record/readyz /report/readyz || fail "nginx's health check fails"
healthy consumer "$METRICSPORT" /healthz || fail "the consumer's health check fails"
for _ in $(seq 300); do
    docker logs "$ID-consumer" 2>&1 | grep -q 'assigned [0-9]* partitions' && break
    sleep 0.2
done
docker logs "$ID-consumer" 2>&1 | grep -q 'assigned [0-9]* partitions' \
    || fail "the consumer in its container got no partitions"
step "health checks pass"

URL=http://127.0.0.1:$PORT
pages="/ /pricing/ /blog/ /blog/hello.html"
n=100
for i in $(seq 1 "$n"); do
    for p in $pages; do printf 'url = "%s%s"\noutput = "/dev/null"\n' "$URL" "$p"; done
    printf 'url = "%s/demo.css"\noutput = "/dev/null"\n' "$URL"
done >"$T/pages.cfg"
curl -s --no-progress-meter -H 'Accept: text/html,application/xhtml+xml' -Z --parallel-max 8 -K "$T/pages.cfg" \
    -w '%{http_code}\n' >"$T/pages.codes" || true
[ "$(grep -c '^200$' "$T/pages.codes")" -eq $((n * 5)) ] \
    || fail "the demo site did not answer every request 200: $(sort "$T/pages.codes" | uniq -c | tr '\n' ' ')"
for i in $(seq 1 "$n"); do
    code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: text/plain' \
        --data "{\"site\":\"localhost\",\"url\":\"http://localhost/api/page\",\"referrer\":\"\"}" \
        "$URL/visits/event")
    [ "$code" = 202 ] || fail "the events API answered $code"
    code=$(curl -s -o /dev/null -w '%{http_code}' \
        "$URL/visits/pixel.gif?site=localhost&url=http%3A%2F%2Flocalhost%2Fpixel%2Fpage")
    [ "$code" = 200 ] || fail "the pixel answered $code"
done
{
    for p in $pages; do printf '%s\t%d\n' "$p" "$n"; done
    printf '/api/page\t%d\n/pixel/page\t%d\n' "$n" "$n"
} | LC_ALL=C sort >"$T/expected"
want=$((n * 6))
for _ in $(seq 300); do
    [ "$(sql "SELECT coalesce(sum(visits), 0) FROM visit_minutes")" -ge "$want" ] && break
    sleep 0.2
done
sleep 1.5   # nothing counted twice arrives late
diff -u "$T/expected" <(sql "SELECT path, sum(visits) FROM visit_minutes GROUP BY path ORDER BY path") \
    || fail "the counts in PostgreSQL differ from the visits made"
diff -u "$T/expected" <(curl -sf "$URL/visits.json?window=15m&top=100" \
    | jq -r '.paths[] | "\(.path)\t\(.visits)"' | LC_ALL=C sort) \
    || fail "/visits.json of the container's nginx differs from the visits made"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/visits")" = 200 ] || fail "/visits does not answer 200"
step "ok: $want visits (mirrored pages, events, pixels) counted exactly through the containers; CSS not counted"
