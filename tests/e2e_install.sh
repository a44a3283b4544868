#!/bin/bash
# End to end: the installed tree. A build configured for a private prefix
# installs the expected files (and honours DESTDIR); the installed
# programs then run from there, the workers under the installed
# visits-supervise, behind an nginx that includes the installed snippets,
# against the test stack's Kafka, consumer and PostgreSQL. Visits made
# through it are counted; its report, static files and monitoring answer.
. "$top_srcdir/tests/lib.sh"

P=$T/prefix
B2=$T/build
pids=()
on_exit 'for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done; wait'

# From the distribution's files (configure refuses a second build of a
# source tree already configured in place).
make -C "$top_builddir" distdir distdir="$B2" >"$T/build.log" 2>&1 \
    || { tail -n 30 "$T/build.log"; fail "make distdir failed"; }
(cd "$B2" && ./configure --quiet --prefix="$P" --runstatedir="$P/run" \
    && make -j"$(nproc)" >/dev/null && make install >/dev/null \
    && make install DESTDIR="$T/dest" >/dev/null) >>"$T/build.log" 2>&1 \
    || { tail -n 30 "$T/build.log"; fail "the private build or install failed"; }

want="bin/visits-record bin/visits-report bin/visits-consumer bin/visits-migrate
bin/visits-prune bin/visits-nginx-check
libexec/visits/visits-devbroker libexec/visits/visits-supervise
etc/visits/visits.conf
share/visits/sql/001_init.sql share/visits/sql/002_rollups.sql share/visits/sql/003_retention.sql
share/visits/sql/004_sites.sql share/visits/sql/005_tens.sql share/visits/sql/006_fives.sql share/visits/sql/007_add_paths.sql
share/visits/nginx/visits-upstreams.conf share/visits/nginx/visits-locations.conf
share/visits/nginx/visits-monitor.conf share/visits/nginx/visits-pageview.conf
share/visits/nginx/visits-count.conf share/visits/nginx/visits-mirror.conf
share/visits/www/visits.js share/visits/www/visits.css share/visits/www/script.js share/visits/www/empty
lib/systemd/system/visits-record.socket lib/systemd/system/visits-record.service
lib/systemd/system/visits-report.socket lib/systemd/system/visits-report.service
lib/systemd/system/visits-consumer.service lib/systemd/system/visits-migrate.service
lib/systemd/system/visits-prune.service lib/systemd/system/visits-prune.timer"
for f in $want; do
    [ -f "$P/$f" ] || fail "make install did not install $f"
    [ -f "$T/dest$P/$f" ] || fail "make install DESTDIR did not install $f under DESTDIR"
done
got=$(cd "$P" && find . -type f | wc -l)
[ "$got" -eq "$(echo $want | wc -w)" ] || fail "make install installed $got files: $(cd "$P" && find . -type f)"
grep -q "unix:$P/run/visits/record.sock" "$P/share/visits/nginx/visits-upstreams.conf" \
    || fail "the installed snippet does not name the installed socket"
grep -qx "ExecStart=$P/bin/visits-record --config $P/etc/visits/visits.conf" \
    "$P/lib/systemd/system/visits-record.service" || fail "the installed unit does not name the installed program"
note "make install: $got files under the prefix, the same under DESTDIR"

# The installed migrate finds the installed migrations by itself.
"$P/bin/visits-migrate" --database "$VISITS_DATABASE" 2>"$T/migrate.log" \
    || fail "the installed visits-migrate failed: $(cat "$T/migrate.log")"
grep -q 'schema is at version 7 (0 migrations applied now)' "$T/migrate.log" \
    || fail "unexpected: $(cat "$T/migrate.log")"
"$P/bin/visits-prune" --config "$P/etc/visits/visits.conf" --database "$VISITS_DATABASE" \
    2>"$T/prune.log" || fail "the installed visits-prune failed: $(cat "$T/prune.log")"
grep -q 'pruned visit_minutes=0 ' "$T/prune.log" || fail "unexpected: $(cat "$T/prune.log")"

# The installed workers, as the installed units would run them.
mkdir -p "$P/run/visits" "$P/var/cache/visits" "$P/var/log/nginx"
"$P/libexec/visits/visits-supervise" --socket "$P/run/visits/record.sock" -- \
    "$P/bin/visits-record" --config "$P/etc/visits/visits.conf" --brokers "$VISITS_BROKERS" \
    2>"$T/log/inst-record.log" &
pids+=($!)
"$P/libexec/visits/visits-supervise" --socket "$P/run/visits/report.sock" -- \
    "$P/bin/visits-report" --config "$P/etc/visits/visits.conf" --database "$VISITS_DATABASE" \
    2>"$T/log/inst-report.log" &
pids+=($!)

# An nginx that includes the installed snippets, on a port of its own.
PORT2=
for _ in $(seq 50); do
    p=$((20000 + RANDOM % 12000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then PORT2=$p; break; fi
done
[ -n "$PORT2" ] || fail "no free port for the second nginx"
mkdir -p "$T/nginx2/tmp"
user=""; [ "$(id -u)" -eq 0 ] && user="user root root;"
cat >"$T/nginx2/nginx.conf" <<EOF
$user
worker_processes 1;
pid $T/nginx2/nginx.pid;
error_log $T/log/nginx2-error.log warn;
events { worker_connections 2048; }
http {
    access_log off;
    client_body_temp_path $T/nginx2/tmp/client;
    proxy_temp_path $T/nginx2/tmp/proxy;
    fastcgi_temp_path $T/nginx2/tmp/fastcgi;
    uwsgi_temp_path $T/nginx2/tmp/uwsgi;
    scgi_temp_path $T/nginx2/tmp/scgi;
    include $P/share/visits/nginx/visits-upstreams.conf;
    include $P/share/visits/nginx/visits-pageview.conf;
    server {
        listen 127.0.0.1:$PORT2;
        root $top_srcdir/www/demo;
        include $P/share/visits/nginx/visits-locations.conf;
        include $P/share/visits/nginx/visits-mirror.conf;
        location / {
            try_files \$uri \$uri/ /index.html;
            include $P/share/visits/nginx/visits-count.conf;
        }
    }
    server {
        listen unix:$T/nginx2/monitor.sock;
        include $P/share/visits/nginx/visits-monitor.conf;
    }
}
EOF
nginx -p "$T/nginx2" -c "$T/nginx2/nginx.conf" -e "$T/log/nginx2-error.log" -g 'daemon off;' &
pids+=($!)
for _ in $(seq 100); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT2/installed/up")" = 200 ] && break
    sleep 0.1
done
U2=http://127.0.0.1:$PORT2

n=200
for i in $(seq 1 "$n"); do echo "$U2/installed/page-$((i % 4))"; done >"$T/urls"
[ "$(requests "$T/urls" | grep -c '^200$')" -eq "$n" ] \
    || fail "the installed stack did not answer every page 200"
wait_total "$n" 30      # not the probe above: no page view
for i in 0 1 2 3; do printf '/installed/page-%d\t%d\n' "$i" $((n / 4)); done >"$T/expected"
diff -u <(LC_ALL=C sort "$T/expected") <(db_counts) || fail "per-path counts differ"
for i in $(seq 50); do
    [ "$(curl -s "$U2/visits.json?window=15m" | jq '.total')" = "$n" ] && break
    sleep 0.1
done
[ "$(curl -s "$U2/visits.json?window=15m" | jq '.total')" = "$n" ] \
    || fail "the installed report does not show the visits"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$U2/visits/static/visits.css")" = 200 ] \
    || fail "the installed static files are not served"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$U2/visits/script.js")" = 200 ] \
    || fail "the installed script is not served"
curl -sf --unix-socket "$T/nginx2/monitor.sock" http://localhost/record/metrics \
    | "$top_builddir/tests/promlint" || fail "the installed monitoring snippet does not serve metrics"
note "ok: the installed programs and snippets counted $n visits exactly and served the report, static files and metrics"
