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
echo "filling 24 hours x 1,000 paths per minute ..."
t0=$(date +%s.%N)
psql -XqAt "$VISITS_DATABASE" <<'SQL'
INSERT INTO visit_minutes (site, minute, path, visits)
SELECT 'localhost', m, '/p/' || p, 1 + (p * 7 + extract(minute FROM m)::int) % 13
FROM generate_series(date_trunc('minute', now()) - interval '24 hours',
                     date_trunc('minute', now()), interval '1 minute') AS m,
     generate_series(1, 1000) AS p;
INSERT INTO visit_hours (site, hour, path, visits)
SELECT site, date_trunc('hour', minute, 'UTC'), path, sum(visits) FROM visit_minutes GROUP BY 1, 2, 3;
INSERT INTO visit_totals (site, minute, visits)
SELECT site, minute, sum(visits) FROM visit_minutes GROUP BY 1, 2;
VACUUM ANALYZE;
SQL
printf 'filled %s visit_minutes rows in %.1f s\n' \
    "$(psql -XqAt "$VISITS_DATABASE" -c 'SELECT count(*) FROM visit_minutes')" \
    "$(echo "$(date +%s.%N) - $t0" | awk '{print $1 - $3}')"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
"$top_builddir/bench/visits-report-bench" "$VISITS_DATABASE" "$iterations"
