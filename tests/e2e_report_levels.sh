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
# Written as the consumer writes them: visits_add_paths (sql/007) with the
# cap of 1,000 (the 40 paths fit), and visit_totals.
sql "CREATE TEMP TABLE fill AS
       SELECT extract(epoch FROM to_timestamp($D) - make_interval(mins => m))::bigint AS t,
              (ARRAY['/l/', '/L/', '/l/é', '/l/0'])[1 + p % 4] || p AS path,
              (1 + (p * 7 + m) % 5)::bigint AS v
       FROM generate_series(1, 180) m, generate_series(1, 40) p
       WHERE (p + m) % 3 <> 0;
     SELECT * FROM visits_add_paths((SELECT array_agg(t ORDER BY t, path) FROM fill),
       (SELECT array_agg('localhost'::text) FROM fill),
       (SELECT array_agg(path ORDER BY t, path) FROM fill),
       (SELECT array_agg(v ORDER BY t, path) FROM fill), 1000, '(other)');
     INSERT INTO visit_totals (site, minute, visits)
       SELECT 'localhost', to_timestamp(t), sum(v) FROM fill GROUP BY t" >/dev/null \
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
# window FIRST END for QUERY's BUCKET and SECONDS_WINDOW at AT: sets FIRST
# and END.
window() {
    local cur=$(( $4 / 60 * 60 ))
    END=$(( cur - cur % $2 + $2 ))
    FIRST=$(( END - $3 ))
}
# check QUERY TOP BUCKET SECONDS_WINDOW AT...: each report, from one
# report_at (so with one span cache across them, as a worker's, filled by
# the positions before), equals visit_minutes summed over its window; the
# first of them is read with every span read (no cache before it).
check() {
    local q=$1 top=$2 bucket=$3 len=$4 at
    shift 4
    "$top_builddir/tests/report_at" "$VISITS_DATABASE" localhost "$q" "$@" >"$T/got" \
        2>"$T/spans" || fail "report_at $q failed: $(cat "$T/spans")"
    : >"$T/want"
    for at in "$@"; do
        window "$q" "$bucket" "$len" "$at"
        expected "$FIRST" "$END" "$top" >>"$T/want"
    done
    # The reports that listed top paths.
    full=$(( full + $(awk -v top="$top" '/^total /{ if (n == top) f++; n = 0 }
        /^path /{ n++ } END { if (n == top) f++; print f + 0 }' "$T/got") ))
    diff -u "$T/want" "$T/got" >"$T/diff" \
        || fail "$q at $(date -u -d "@$1" +%H:%M) and after: $(cat "$T/diff")"
    return 0
}
full=0
check "window=60m&top=7" 7 60 3600 $(for k in $(seq 0 59); do echo $(( D + k * 60 + 30 )); done)
[ "$full" -ge 50 ] || fail "only $full of the 60-minute windows listed 7 paths"
# The cache served them: the first read every span; after it, most
# reports took some of their spans from what the reports before had read
# (not all: at the turn of the hour the window's spans are all new), and
# in all more spans came from the cache than were read.
head -n 1 "$T/spans" | grep -q ' cached=0$' \
    || fail "the first report found spans in an empty cache: $(head -n 1 "$T/spans")"
served=$(grep -c ' cached=[1-9]' "$T/spans" || true)
sums=$(awk -F'[ =]' '{ read += $3; cached += $5 } END { print read, cached }' "$T/spans")
[ "$served" -ge 40 ] || fail "only $served of 60 reports took spans from the cache"
[ "${sums#* }" -gt "${sums% *}" ] || fail "the reports read more spans than the cache gave them (read, cached: $sums)"
note "$served of the 60 reports took spans from the cache; spans read, cached: $sums"
# The same positions again, later ones first (each report from what the
# cache kept of others).
check "window=60m&top=7" 7 60 3600 $(for k in $(seq 59 -7 0); do echo $(( D + k * 60 + 30 )); done)
# At a few positions, the report made with no cache at all and the one made
# after the two minutes before it filled the cache are the same.
for k in 2 5 33 45; do
    at=$(( D + k * 60 + 30 ))
    "$top_builddir/tests/report_at" "$VISITS_DATABASE" localhost "window=60m&top=7" --cold \
        "$at" >"$T/cold" 2>/dev/null || fail "report_at --cold failed"
    "$top_builddir/tests/report_at" "$VISITS_DATABASE" localhost "window=60m&top=7" \
        $(( at - 120 )) $(( at - 60 )) "$at" 2>"$T/spans" \
        | awk '/^total /{ n++ } n == 3' >"$T/warm" || fail "report_at failed"
    tail -n 1 "$T/spans" | grep -q 'cached=[1-9]' \
        || fail "at minute $k the third report took nothing from the cache: $(cat "$T/spans")"
    cmp -s "$T/cold" "$T/warm" || fail "at minute $k the report from the cache differs: $(diff "$T/cold" "$T/warm")"
done
full=0
check "window=24h&top=40" 40 900 86400 $(for k in $(seq 0 3); do echo $(( D + k * 900 + 30 )); done)
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

# Late visits into closed spans the cache holds: a report made before
# they are written and one after, by the same report_at (one cache), the
# second with them and equal to visit_minutes summed.
# late_sql PATH VISITS MINUTE...: the transaction that adds VISITS of PATH
# to each MINUTE (seconds) as the consumer writes them, to every table
# and visit_totals at once.
late_sql() {
    local path=$1 v=$2 mt t
    shift 2
    echo "BEGIN;"
    for mt in "$@"; do
        for t in "visit_minutes minute $mt" "visit_fives five $(( mt / 300 * 300 ))" \
                 "visit_tens ten $(( mt / 600 * 600 ))" "visit_hours hour $(( mt / 3600 * 3600 ))"; do
            set -- $t
            echo "INSERT INTO $1 (site, $2, path, visits) VALUES ('localhost', to_timestamp($3), '$path', $v)
                  ON CONFLICT (site, $2, path) DO UPDATE SET visits = $1.visits + $v;"
        done
        echo "INSERT INTO visit_totals (site, minute, visits) VALUES ('localhost', to_timestamp($mt), $v)
              ON CONFLICT (site, minute) DO UPDATE SET visits = visit_totals.visits + $v;"
    done
    echo "COMMIT"
}
# late QUERY TOP BUCKET SECONDS_WINDOW AT PATH VISITS MINUTE...: the two
# reports of QUERY at AT around late_sql; the late visits must be listed.
late() {
    local q=$1 top=$2 at=$5 path=$6 v=$7 want
    window "$q" "$3" "$4" "$at"
    shift 7
    want=$(( v * $# ))
    "$top_builddir/tests/report_at" "$VISITS_DATABASE" localhost "$q" "$at" \
        "sql:$(late_sql "$path" "$v" "$@")" "$at" >"$T/got" 2>"$T/spans" \
        || fail "report_at $q with late visits failed: $(cat "$T/spans")"
    tail -n 1 "$T/spans" | grep -q 'cached=[1-9]' \
        || fail "$q: the report after the late visits took nothing from the cache"
    awk '/^total /{ n++ } n == 1' "$T/got" | grep -q " $path\$" \
        && fail "$q: the late visits showed before they were written"
    awk '/^total /{ n++ } n == 2' "$T/got" >"$T/after"
    expected "$FIRST" "$END" "$top" >"$T/want"
    diff -u "$T/want" "$T/after" >"$T/diff" || fail "$q: late visits, once written: $(cat "$T/diff")"
    grep -q "^path $want $path\$" "$T/after" || fail "$q: the late visits are not listed: $(cat "$T/after")"
}
# The 60-minute window at its worst position (half a minute past the hour
# after D): minutes of a minute span, the five and two tens (one with no
# visits before).
window "window=60m" 60 3600 $(( D + 1800 + 30 ))
late "window=60m&top=7" 7 60 3600 $(( D + 1800 + 30 )) /late 50 \
    $(( FIRST + 60 )) $(( FIRST + 300 )) $(( FIRST + 1200 )) $(( FIRST + 1860 ))
# A closed hour of the 24-hour window: the hour before D's.
late "window=24h&top=40" 40 900 86400 $(( D + 30 )) /late-hour 500 $(( D / 3600 * 3600 - 3600 + 120 ))
note "ok: $ties of them with a tie at the cut; 60 positions of the 60-minute window and 4 of the 24-hour window equal visit_minutes summed, with the span cache and without; late visits into cached minutes, fives, tens and an hour read again"
