#!/bin/bash
# End to end: nginx is reloaded five times under steady load. Its old
# workers finish their requests while new ones take over: no request fails,
# and every visit is counted exactly once.
. "$top_srcdir/tests/lib.sh"

n=2000
for i in $(seq 1 "$n"); do echo "$URL/reload/page-$((i % 20))"; done >"$T/urls"
master=$(cat "$T/run/nginx.pid")
workers_before=$(pgrep -P "$master" | sort | tr '\n' ' ')
RATE=200 requests "$T/urls" >"$T/codes" &
load=$!
for _ in 1 2 3 4 5; do
    sleep 1.5
    nginx -p "$T/nginx" -c "$T/nginx/nginx.conf" -e "$T/log/nginx-error.log" -s reload \
        || fail "nginx could not reload"
done
wait "$load" || true
[ "$(grep -c '^200$' "$T/codes")" -eq "$n" ] \
    || fail "$((n - $(grep -c '^200$' "$T/codes"))) of $n requests failed across the reloads: $(sort "$T/codes" | uniq -c | tr '\n' ' ')"
# The reloads happened: the master's workers are new ones.
workers_after=$(pgrep -P "$master" | sort | tr '\n' ' ')
[ -n "$workers_after" ] && [ "$workers_after" != "$workers_before" ] \
    || fail "nginx's workers did not change: $workers_before / $workers_after"
wait_total "$n" 30
for i in $(seq 0 19); do printf '/reload/page-%d\t%d\n' "$i" $((n / 20)); done \
    | LC_ALL=C sort >"$T/expected"
diff -u "$T/expected" <(db_counts) || fail "per-path counts differ after the reloads"
note "ok: $n visits answered 200 and counted exactly once across 5 nginx reloads"
