#!/bin/bash
# End to end: migration 004 moves the rows counted before sites existed
# to the default site (the first of "sites"), losing and doubling none,
# and the tables then key every count by site. Applied to a database of
# its own, at version 3 with counts in every table.
. "$top_srcdir/tests/lib.sh"

db=${VISITS_DATABASE/dbname=visits/dbname=visits_mig}
sql "CREATE DATABASE visits_mig" >/dev/null
msql() { psql -XAtq -F $'\t' "$db" -c "$1"; }
mkdir -p "$T/sql3"
cp "$top_srcdir"/sql/00[123]_*.sql "$T/sql3/"
"$top_builddir/tools/visits-migrate" --database "$db" --sql-dir "$T/sql3" 2>"$T/m3.log" \
    || fail "migrating to version 3 failed: $(cat "$T/m3.log")"
grep -q 'schema is at version 3' "$T/m3.log" || fail "not at version 3: $(cat "$T/m3.log")"
msql "INSERT INTO visit_minutes (minute, path, visits)
        SELECT date_trunc('minute', now()) - make_interval(mins => g % 90), '/p/' || (g % 37), g
        FROM generate_series(1, 2000) g ON CONFLICT (minute, path) DO UPDATE
        SET visits = visit_minutes.visits + EXCLUDED.visits;
      INSERT INTO visit_totals (minute, visits)
        SELECT minute, sum(visits) FROM visit_minutes GROUP BY 1;
      INSERT INTO visit_hours (hour, path, visits)
        SELECT date_trunc('hour', minute, 'UTC'), path, sum(visits) FROM visit_minutes GROUP BY 1, 2;
      INSERT INTO visit_seconds (second, visits)
        SELECT date_trunc('second', now()) - make_interval(secs => g), g FROM generate_series(1, 50) g"
sums() {
    local t
    for t in visit_minutes visit_totals visit_hours visit_seconds; do
        printf '%s %s %s\n' "$t" "$(msql "SELECT count(*) FROM $t")" "$(msql "SELECT sum(visits) FROM $t")"
    done
}
sums >"$T/before"

# Without the setting (not through visits-migrate) it refuses, changing nothing.
if psql -Xq -v ON_ERROR_STOP=1 "$db" -f "$top_srcdir/sql/004_sites.sql" >/dev/null 2>"$T/plain.log"; then
    fail "004 applied without visits.default_site"
fi
grep -q 'visits.default_site is not set' "$T/plain.log" || fail "no reason given: $(cat "$T/plain.log")"

"$top_builddir/tools/visits-migrate" --database "$db" --sql-dir "$top_srcdir/sql" \
    --sites "example.org www.example.org, other.example" 2>"$T/m4.log" \
    || fail "migrating to version 4 failed: $(cat "$T/m4.log")"
grep -q 'schema is at version 7 (4 migrations applied now)' "$T/m4.log" || fail "$(cat "$T/m4.log")"
sums >"$T/after"
diff -u "$T/before" "$T/after" || fail "rows or visits changed in the migration"
for t in visit_minutes visit_totals visit_hours visit_seconds visit_tens visit_fives; do
    [ "$(msql "SELECT string_agg(DISTINCT site, ',') FROM $t")" = example.org ] \
        || fail "$t: not every row moved to the default site"
done
# The site is part of every key now: the same minute and path on another
# site is another row.
msql "INSERT INTO visit_minutes (site, minute, path, visits)
        SELECT 'other.example', minute, path, 1 FROM visit_minutes LIMIT 1" \
    || fail "the same minute and path could not be stored for another site"
msql "SELECT indexdef FROM pg_indexes WHERE tablename = 'visit_minutes'" >"$T/indexes"
grep -q 'PRIMARY KEY\|(site, minute, path)' "$T/indexes" || fail "no (site, minute, path) key: $(cat "$T/indexes")"
# Running it again applies nothing.
"$top_builddir/tools/visits-migrate" --database "$db" --sql-dir "$top_srcdir/sql" 2>"$T/m5.log" \
    && grep -q '(0 migrations applied now)' "$T/m5.log" || fail "a second run: $(cat "$T/m5.log")"
note "ok: $(head -n 1 "$T/after" | cut -d' ' -f2) minutes and every rollup moved to example.org, counts unchanged"
