#!/bin/bash
# End to end: the counted demo site under steady load while its visit
# worker is hung (SIGSTOP) for 5 s, then stopped (its supervisor and socket
# gone) for 5 s. The site answers every request, 200, and nothing is
# logged per request; no visitor waits for the worker (the relay answers
# the site's mirror at once: no answer while hung may take 0.25 s, where
# waiting for the worker took 1 s); the page views of the healthy
# stretches are counted exactly. (make bench measures the latencies;
# docs/PERFORMANCE.md.)
. "$top_srcdir/tests/lib.sh"

# rate_load FILE N SECONDS: N page requests spread over SECONDS, 4 clients.
load() {
    local n=$1 per i c
    per=$((n / 4))
    for c in 0 1 2 3; do
        for i in $(seq 1 "$per"); do
            printf 'url = "%s/outage/%s/page-%d"\noutput = "/dev/null"\n' "$URL" "$2" $((i % 10))
        done >"$T/curl.$2.$c.cfg"
        curl -s -H "$PAGE_ACCEPT" --rate "$3/s" -K "$T/curl.$2.$c.cfg" \
            -w '%{http_code} %{time_total}\n' >"$T/answers.$2.$c" &
    done
    wait
    cat "$T"/answers."$2".? >"$T/answers.$2"
}
check_answers() {  # PHASE N [MAX_SECONDS]
    local ok slow
    ok=$(grep -c '^200 ' "$T/answers.$1" || true)
    [ "$ok" -eq "$2" ] || fail "$1: $((2 - ok)) of $2 requests not answered 200: $(cut -d' ' -f1 "$T/answers.$1" | sort | uniq -c | tr '\n' ' ')"
    slow=$(sort -k2 -n "$T/answers.$1" | tail -n 1 | cut -d' ' -f2)
    note "$1: $2 requests answered 200, slowest $slow s"
    [ -z "${3:-}" ] || awk -v s="$slow" -v m="$3" 'BEGIN {exit !(s < m)}' \
        || fail "$1: a request took $slow s, the site waited for the worker"
}

lines0=$(grep -c . "$T/log/nginx-error.log" || true)
load 800 before 50
check_answers before 800
wait_total 800 30

worker=$(cat "$T/run/record-worker.pid")
kill -STOP "$worker"
load 1000 hung 50
kill -CONT "$worker"
check_answers hung 1000 0.25

supervisor=$(cat "$T/run/record.pid")
kill -TERM "$supervisor"
for _ in $(seq 300); do kill -0 "$supervisor" 2>/dev/null || break; sleep 0.1; done
kill -0 "$supervisor" 2>/dev/null && fail "the visit worker's supervisor did not stop"
[ -e "$T/run/record.sock" ] && fail "the socket of the stopped worker is still there"
load 1000 stopped 50
check_answers stopped 1000 0.25

lines=$(($(grep -c . "$T/log/nginx-error.log" || true) - lines0))
[ "$lines" -eq 0 ] || fail "nginx logged $lines lines during the outages: $(tail -n 3 "$T/log/nginx-error.log")"
# Counted: all of before, none of stopped; of hung, those the worker took
# off its socket when it woke up (at most all of them).
hung=$(sql "SELECT coalesce(sum(visits), 0) FROM visit_minutes WHERE path LIKE '/outage/hung/%'")
stopped=$(sql "SELECT coalesce(sum(visits), 0) FROM visit_minutes WHERE path LIKE '/outage/stopped/%'")
before=$(sql "SELECT coalesce(sum(visits), 0) FROM visit_minutes WHERE path LIKE '/outage/before/%'")
[ "$before" -eq 800 ] && [ "$hung" -le 1000 ] && [ "$stopped" -eq 0 ] \
    || fail "counted before=$before hung=$hung stopped=$stopped"
note "ok: 2,800 requests answered 200 across a hung and a stopped visit worker, nothing logged; counted 800, $hung of the hung stretch, none while stopped"
