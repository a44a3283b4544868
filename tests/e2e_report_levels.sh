#!/bin/bash
# End to end: the report adds its rollups up exactly. The top paths of a
# window come from visit_minutes at its leading edge, then visit_fives,
# visit_tens and visit_hours; for the window's edges at every minute of an
# hour (60m) and every quarter (24h), report_query (through
# tests/report_at, at that time) lists the same paths with the same
# visits in the same order as visit_minutes alone summed over the window:
# no row counted twice or left out, ties in byte order, top respected.
. "$top_srcdir/tests/lib.sh"

# Three hours of minutes before D, half past the hour before this one (so
# that the windows' edges below fall on every minute of an hour and none
# holds a minute later than its own time, as the consumer's tables never
# do):
# 40 paths (capitals, digits, UTF-8 to order by byte) with counts that
# often tie, and the rollups the consumer would have written for them.
D=$(( $(date +%s) / 3600 * 3600 - 1800 ))
sql "INSERT INTO visit_minutes (site, minute, path, visits)
       SELECT 'localhost', to_timestamp($D) - make_interval(mins => m),
              (ARRAY['/l/', '/L/', '/l/é', '/l/0'])[1 + p % 4] || p, 1 + (p * 7 + m) % 5
       FROM generate_series(1, 180) m, generate_series(1, 40) p
       WHERE (p + m) % 3 <> 0;
     INSERT INTO visit_fives (site, five, path, visits)
       SELECT site, date_bin('5 minutes', minute, timestamptz 'epoch'), path, sum(visits)
       FROM visit_minutes GROUP BY 1, 2, 3;
     INSERT INTO visit_tens (site, ten, path, visits)
       SELECT site, date_bin('10 minutes', minute, timestamptz 'epoch'), path, sum(visits)
       FROM visit_minutes GROUP BY 1, 2, 3;
     INSERT INTO visit_hours (site, hour, path, visits)
       SELECT site, date_trunc('hour', minute, 'UTC'), path, sum(visits)
       FROM visit_minutes GROUP BY 1, 2, 3;
     INSERT INTO visit_totals (site, minute, visits)
       SELECT site, minute, sum(visits) FROM visit_minutes GROUP BY 1, 2" >/dev/null \
    || fail "could not fill the tables"

# expected FIRST END TOP: what visit_minutes alone holds for the window.
expected() {
    sql "SELECT 'total ' || coalesce(sum(visits), 0) FROM visit_minutes
           WHERE minute >= to_timestamp($1) AND minute < to_timestamp($2)"
    sql "SELECT 'site_total ' || coalesce(sum(visits), 0) FROM visit_minutes
           WHERE minute >= to_timestamp($1) AND minute < to_timestamp($2)"
    sql "SELECT 'path ' || sum(visits) || ' ' || path FROM visit_minutes
           WHERE minute >= to_timestamp($1) AND minute < to_timestamp($2)
           GROUP BY path ORDER BY sum(visits) DESC, path COLLATE \"C\" LIMIT $3"
}
# check QUERY TOP BUCKET SECONDS_WINDOW AT
check() {
    local cur=$(( $5 / 60 * 60 )) end first
    end=$(( cur - cur % $3 + $3 ))
    first=$(( end - $4 ))
    "$top_builddir/tests/report_at" "$VISITS_DATABASE" localhost "$1" "$5" >"$T/got" \
        || fail "report_at $1 at $5 failed"
    expected "$first" "$end" "$2" >"$T/want"
    diff -u "$T/want" "$T/got" >"$T/diff" \
        || fail "$1 at $(date -u -d "@$5" +%H:%M) (window from $(date -u -d "@$first" +%H:%M)): $(cat "$T/diff")"
    [ "$(grep -c '^path ' "$T/got")" -eq "$2" ] && full=$((full + 1))
    return 0
}
full=0
for k in $(seq 0 59); do
    check "window=60m&top=7" 7 60 3600 $(( D + k * 60 + 30 ))
done
[ "$full" -ge 50 ] || fail "only $full of the 60-minute windows listed 7 paths"
full=0
for k in $(seq 0 3); do
    check "window=24h&top=40" 40 900 86400 $(( D + k * 900 + 30 ))
done
[ "$full" -eq 4 ] || fail "only $full of the 24-hour windows listed all 40 paths"
# The data must make the order matter: paths of equal visits across the
# cut of the top 7 somewhere (so byte order decided which were listed).
ties=0
for k in $(seq 0 59); do
    cur=$(( (D + k * 60) / 60 * 60 ))
    n=$(sql "SELECT count(*) FROM (SELECT sum(visits) AS v FROM visit_minutes
               WHERE minute >= to_timestamp($cur + 60 - 3600) AND minute < to_timestamp($cur + 60)
               GROUP BY path ORDER BY 1 DESC OFFSET 6 LIMIT 2) x HAVING min(v) = max(v)")
    [ -n "$n" ] && ties=$((ties + 1))
done
[ "$ties" -gt 0 ] || fail "no window had a tie at the cut: the test data does not test the order"
note "ok: $ties of them with a tie at the cut; 60 positions of the 60-minute window and 4 of the 24-hour window equal visit_minutes summed"
