#!/bin/bash
# bench/report.sh - fills a private database with 24 hours of buckets, 1,000
# distinct paths per minute (1.44 million visit_minutes rows and their
# rollups), then measures the report's build time (query + render) for each
# window with visits-report-bench. Prints the numbers; changes nothing else.
# Usage: bench/report.sh [ITERATIONS]   (from the build directory)
set -euo pipefail
top_srcdir=$(cd "$(dirname "$0")/.." && pwd)
top_builddir=${top_builddir:-$PWD}
iterations=${1:-200}
T=$(mktemp -d /tmp/visits-bench.XXXXXX)
chmod 755 "$T"
port=$((20000 + RANDOM % 12000))
stack() {
    "$top_srcdir/tools/visits-stack" "$1" --dir "$T" --port "$port" --app-port $((port + 1)) \
        --bindir "$top_builddir" --srcdir "$top_srcdir"
}
trap 'stack stop; rm -rf "$T"' EXIT
stack start
# shellcheck disable=SC1091
. "$T/run/env"
# capped_rollup TABLE COLUMN WIDTH...: the SQL that fills TABLE from
# visit_minutes as the consumer keeps it: per site and span of WIDTH, the
# 1,000 busiest paths of their own, the rest under (other).
capped_rollup() {
    local table=$1 col=$2
    shift 2
    cat <<ROLLUP
WITH s AS (SELECT site, date_bin('$*', minute, timestamptz 'epoch') AS $col, path,
                  sum(visits) AS visits FROM visit_minutes GROUP BY 1, 2, 3),
     r AS (SELECT s.*, row_number() OVER (PARTITION BY site, $col ORDER BY visits DESC, path) AS n
           FROM s)
INSERT INTO $table (site, $col, path, visits)
SELECT site, $col, CASE WHEN n > 1000 THEN '(other)' ELSE path END, sum(visits)
FROM r GROUP BY 1, 2, 3;
ROLLUP
}
# rollups: the SQL that fills visit_hours, visit_fives, visit_tens and
# visit_totals from visit_minutes, then analyzes.
rollups() {
    local r
    for r in "visit_hours hour 1 hour" "visit_fives five 5 minutes" "visit_tens ten 10 minutes"; do
        # shellcheck disable=SC2086
        capped_rollup $r
    done
    echo "INSERT INTO visit_totals (site, minute, visits)"
    echo "SELECT site, minute, sum(visits) FROM visit_minutes GROUP BY 1, 2;"
    echo "VACUUM ANALYZE;"
}
echo "filling 24 hours x 1,000 paths per minute ..."
t0=$(date +%s.%N)
psql -XqAt "$VISITS_DATABASE" <<SQL
INSERT INTO visit_minutes (site, minute, path, visits)
SELECT 'localhost', m, '/p/' || p, 1 + (p * 7 + extract(minute FROM m)::int) % 13
FROM generate_series(date_trunc('minute', now()) - interval '24 hours',
                     date_trunc('minute', now()), interval '1 minute') AS m,
     generate_series(1, 1000) AS p;
$(rollups)
SQL
printf 'filled %s visit_minutes rows in %.1f s\n' \
    "$(psql -XqAt "$VISITS_DATABASE" -c 'SELECT count(*) FROM visit_minutes')" \
    "$(echo "$(date +%s.%N) - $t0" | awk '{print $1 - $3}')"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
"$top_builddir/bench/visits-report-bench" "$VISITS_DATABASE" "$iterations"

# The worst case a crawler can make: every minute of the day at the path
# cap with paths no other minute has (1.44 million distinct paths). The
# hourly, ten- and five-minute rollups are filled as the consumer keeps
# them: at most 1,000 paths of their own per hour, ten and five minutes
# (the busiest), the rest under (other).
# The report must stay within P99_60M_MS and P99_24H_MS.
P99_60M_MS=${P99_60M_MS:-20}
P99_24H_MS=${P99_24H_MS:-100}
echo "filling the worst case: 24 hours x 1,000 paths per minute, none twice ..."
t0=$(date +%s.%N)
psql -XqAt "$VISITS_DATABASE" <<SQL
TRUNCATE visit_minutes, visit_fives, visit_tens, visit_hours, visit_totals;
INSERT INTO visit_minutes (site, minute, path, visits)
SELECT 'localhost', m, '/w/' || extract(epoch FROM m)::bigint / 60 % 100000 || '/' || p,
       1 + (p * 7 + extract(minute FROM m)::int) % 13
FROM generate_series(date_trunc('minute', now()) - interval '24 hours',
                     date_trunc('minute', now()), interval '1 minute') AS m,
     generate_series(1, 1000) AS p;
$(rollups)
SQL
printf 'filled %s visit_minutes rows, %s visit_hours rows in %.1f s\n' \
    "$(psql -XqAt "$VISITS_DATABASE" -c 'SELECT count(*) FROM visit_minutes')" \
    "$(psql -XqAt "$VISITS_DATABASE" -c 'SELECT count(*) FROM visit_hours')" \
    "$(echo "$(date +%s.%N) - $t0" | awk '{print $1 - $3}')"
# At the window position that reads the most rows: the reports made just
# after the start of this hour, where the 60-minute window's top paths
# come from 11 spans of rows (4 minutes, a five-minute span, 5 ten-minute
# spans and the hour) and the 24-hour one's from 29.
at=$(( $(date +%s) / 3600 * 3600 + 30 ))
echo "reports made at $(date -u -d "@$at" +%H:%M:%S) UTC, the worst position of the 60-minute window"
probe=$(psql -XqAt "$VISITS_DATABASE" -c "SELECT path FROM visit_minutes
    WHERE minute = to_timestamp($at - 30 - 1800) LIMIT 1")
VISITS_REPORT_BENCH_AT=$at "$top_builddir/bench/visits-report-bench" "$VISITS_DATABASE" \
    "$iterations" window=60m window=24h "window=24h&top=100" "window=60m&path=$probe" \
    "window=24h&path=$probe" | tee "$T/worst"
# Each warm case's p99 against its window's bound: the reports a running
# worker makes. A cold one (every span read, cache=cold) is what the first
# report of a window pays after the worker starts, and again after spans
# it had not held enter the window (each five minutes a few, each hour
# ten): printed, not bounded.
awk -v b60="$P99_60M_MS" -v b24="$P99_24H_MS" '
    { q = $1; sub(/^query=/, "", q); p99 = $0; sub(/.*p99_ms=/, "", p99); sub(/ .*/, "", p99)
      cache = $3; sub(/^cache=/, "", cache)
      bound = (q ~ /window=24h/) ? b24 : b60
      if (cache == "cold") {
          printf "worst case %s %s cold: p99 %.2f ms (not bounded)\n", q, $2, p99
          next
      }
      verdict = (p99 + 0 <= bound) ? "within" : "OVER"
      if (verdict == "OVER") over++
      printf "worst case %s %s: p99 %.2f ms, %s the %d ms bound\n", q, $2, p99, verdict, bound }
    END { exit over > 0 }' "$T/worst"
