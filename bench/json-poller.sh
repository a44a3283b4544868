#!/bin/bash
# json-poller.sh URL RUNID MARKER_MS - notes when each marker visit of a
# visits-loadgen run (/bench/marker/RUNID-K, due MARKER_MS * K ms after the
# start) first shows in /visits.json?path=..., through nginx and its 1 s
# micro-cache, the way a dashboard sees it. Prints "path<TAB>unix_ms" per
# marker seen; runs until killed. Start it just before the load generator.
#
# Each marker's URL is polled every 100 ms from a moment drawn in the
# second before its visit is due, as by a dashboard already open on it: the
# cache's refresh then falls at a random point of the visit's second rather
# than always right before it. Markers not seen 15 s after they were due
# are given up (the caller reports them as missing). Each poll round is one
# curl (keep-alive) from its own loopback address in 127.0.0.2-201, as many
# dashboards would be, so nginx's per-address limit on reports applies to
# each as it would to a user.
set -u
URL=$1 RUN=$2 EVERY=$3
T0=$(date +%s%3N)
declare -A SEEN
lo=0 round=0
while :; do
    now=$(date +%s%3N)
    urls=()
    k=$lo
    # Markers due up to 1 s from now may be polled already.
    while [ $((T0 + k * EVERY - 1000)) -le "$now" ]; do
        due=$((T0 + k * EVERY))
        if [ -z "${SEEN[$k]:-}" ]; then
            if [ "$now" -gt $((due + 15000)) ]; then
                SEEN[$k]=lost
            elif [ "$now" -ge $((due - (k * 7919) % 1000)) ]; then
                urls+=("$URL/visits.json?window=15m&path=/bench/marker/$RUN-$k")
            fi
        fi
        k=$((k + 1))
    done
    while [ -n "${SEEN[$lo]:-}" ]; do unset "SEEN[$lo]"; lo=$((lo + 1)); done
    if [ ${#urls[@]} -gt 0 ]; then
        round=$((round + 1))
        # The paths whose total is no longer 0; stamped when the round's
        # answers are in, as a dashboard would have them.
        got=$(curl -s --interface "127.0.0.$((2 + round % 200))" \
                  -w '\n%{url_effective}\n' "${urls[@]}" \
              | awk '/^\{/ {t = 0; if (match($0, /"total":[0-9]+/))
                                t = substr($0, RSTART + 8, RLENGTH - 8) + 0; next}
                     /^http/ {if (t > 0) {sub(/.*path=/, ""); print}}')
        stamp=$(date +%s%3N)
        for path in $got; do
            printf '%s\t%s\n' "$path" "$stamp"
            SEEN[${path##*-}]=seen
        done
    fi
    sleep 0.1
done
