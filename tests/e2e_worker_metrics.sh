#!/bin/bash
# End to end: the workers' monitoring endpoints behind nginx's monitoring
# server (visits-monitor.conf). /metrics passes the strict format checker
# and moves by exactly a known load; /healthz answers; /readyz follows
# Kafka (visit worker) and PostgreSQL (report worker) going away and back;
# a visitor cannot reach any of it.
export TEST_STOPS_BROKER=1
. "$top_srcdir/tests/lib.sh"

S=$VISITS_MONITOR_SOCKET
[ -S "$S" ] || fail "no monitoring socket at $S"
mon() { curl -s -w ' %{http_code}' --unix-socket "$S" "http://localhost/$1" | tr '\n' ' '; }
scrape() {
    curl -sf --unix-socket "$S" "http://localhost/$1/metrics" >"$T/$1.prom" \
        || fail "GET /$1/metrics failed"
    "$top_builddir/tests/promlint" <"$T/$1.prom" || fail "/$1/metrics is not valid Prometheus text"
}
# metric WORKER SERIES: the value of one series in the last scrape.
metric() {
    awk -v n="$2" '$1 == n { print $2; found = 1 } END { exit !found }' "$T/$1.prom" \
        || fail "no $2 in /$1/metrics"
}

scrape record; scrape report
ok0=$(metric record 'visits_record_requests_total{status="204"}')
bad0=$(metric record 'visits_record_requests_total{status="405"}')
sent0=$(metric record visits_record_events_sent_total)
del0=$(metric record visits_record_events_delivered_total)
r200=$(metric report 'visits_report_requests_total{status="200"}')
r400=$(metric report 'visits_report_requests_total{status="400"}')
q0=$(metric report visits_report_query_duration_seconds_count)

n=50
for i in $(seq 1 "$n"); do echo "$URL/wm/page-$((i % 5))"; done >"$T/urls"
[ "$(requests "$T/urls" | grep -c '^200$')" -eq "$n" ] || fail "not every page was answered 200"
# A DELETE is no page view: nginx's rules keep it from the worker.
[ "$(curl -s -o /dev/null -w '%{http_code}' -X DELETE "$URL/wm/x")" = 405 ] || fail "DELETE not 405"
# A host that is not one of the sites: the worker refuses it (403) and
# counts it.
[ "$(page -o /dev/null -w '%{http_code}' -H 'Host: not-a-site.example' "$URL/wm/elsewhere")" = 200 ] \
    || fail "the page of another host was not served"
[ "$(metric record visits_record_unknown_site_total)" -eq 0 ] || fail "unknown sites before any"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/visits.json?top=7")" = 200 ] || fail "report not 200"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/visits.json?top=0")" = 400 ] || fail "bad top not 400"
wait_total "$n" 30

scrape record; scrape report
[ $(($(metric record 'visits_record_requests_total{status="204"}') - ok0)) -eq "$n" ] \
    || fail "record 204s did not move by $n"
[ $(($(metric record 'visits_record_requests_total{status="405"}') - bad0)) -eq 0 ] \
    || fail "the DELETE reached the worker"
for _ in $(seq 50); do
    scrape record
    [ "$(metric record 'visits_record_requests_total{status="403"}')" -ge 1 ] && break
    sleep 0.1
done
[ "$(metric record 'visits_record_requests_total{status="403"}')" -eq 1 ] \
    || fail "record 403s are not 1"
[ "$(metric record visits_record_unknown_site_total)" -eq 1 ] \
    || fail "visits_record_unknown_site_total is not 1"
[ $(($(metric record visits_record_events_sent_total) - sent0)) -eq "$n" ] \
    || fail "events sent did not move by $n"
[ $(($(metric record visits_record_events_delivered_total) - del0)) -eq "$n" ] \
    || fail "events delivered did not move by $n"
[ "$(metric record visits_record_queue_messages)" = 0 ] || fail "messages left in the queue"
[ $(($(metric report 'visits_report_requests_total{status="200"}') - r200)) -eq 1 ] \
    || fail "report 200s did not move by 1"
[ $(($(metric report 'visits_report_requests_total{status="400"}') - r400)) -eq 1 ] \
    || fail "report 400s did not move by 1"
[ $(($(metric report visits_report_query_duration_seconds_count) - q0)) -eq 1 ] \
    || fail "report queries did not move by 1"
note "after $n visits, a DELETE, a page of another host and two report requests: the counters moved by exactly that"

# Visitors cannot reach any of it: the public server has no such locations,
# and a header cannot become the VISITS_PROBE parameter.
page "$URL/record/metrics" | grep -q 'A small site' || fail "/record/metrics is not a page of the site"
curl -s -H 'VISITS_PROBE: metrics' -H 'Visits-Probe: metrics' "$URL/visits.json?top=3" \
    | jq -e '.paths' >/dev/null || fail "a header turned /visits.json into a probe"

for w in record report; do
    [[ "$(mon $w/healthz)" == "alive  200" ]] || fail "/$w/healthz: $(mon $w/healthz)"
    [[ "$(mon $w/readyz)" == "ready  200" ]] || fail "/$w/readyz: $(mon $w/readyz)"
done
[[ "$(mon record/other)" == *" 404" ]] || fail "an unknown probe: $(mon record/other)"

broker_down
for _ in $(seq 50); do [[ "$(mon record/readyz)" == *" 503" ]] && break; sleep 0.2; done
got=$(mon record/readyz)
[[ "$got" == "not ready: kafka: "*" 503" ]] || fail "/record/readyz with Kafka down: $got"
[[ "$(mon record/healthz)" == "alive  200" ]] || fail "/record/healthz with Kafka down"
broker_up
record_ready() { [[ "$(mon record/readyz)" == "ready  200" ]]; }
within "$READY_BOUND_S" record_ready \
    || fail "/record/readyz ${READY_BOUND_S}s after Kafka came back: $(mon record/readyz)"

pg_stop
got=$(mon report/readyz)
[[ "$got" == "not ready: postgresql"*" 503" ]] || fail "/report/readyz with PostgreSQL down: $got"
[[ "$(mon report/healthz)" == "alive  200" ]] || fail "/report/healthz with PostgreSQL down"
pg_start
report_ready() { [[ "$(mon report/readyz)" == "ready  200" ]]; }
within "$READY_BOUND_S" report_ready || true
[[ "$(mon report/readyz)" == "ready  200" ]] || fail "/report/readyz after PostgreSQL came back"
note "ok: both workers' /metrics valid and exact, /healthz alive, /readyz followed Kafka and PostgreSQL"
