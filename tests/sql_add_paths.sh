#!/bin/bash
# The capped upsert in SQL (sql/007_add_paths.sql), called as the consumer
# calls it, one flush at a time, with a cap of 3 paths per span: what each
# table holds after each flush, and what each flush says it capped.
#   - a path the span has is always added to, (other) is never capped;
#   - new paths are taken busiest first, then in path order, while the
#     span has room, the rest added under (other);
#   - the fives, tens and hours get what the minutes kept, capped again
#     per their own span; every table adds up to what was sent;
#   - each site has its own cap; an empty flush changes nothing.
. "$top_srcdir/tests/lib.sh"

# Minutes of one hour well in the past (nothing else writes there).
H=$(( ($(date +%s) - 86400) / 3600 * 3600 ))
# flush 'MINUTE:SITE:PATH:VISITS ...': one call of visits_add_paths, with
# MINUTE in minutes after H; prints "capped KEYS VISITS".
flush() {
    local t="" s="" p="" v="" e m site path n
    for e in $1; do
        IFS=: read -r m site path n <<<"$e"
        t="$t${t:+,}$(( H + m * 60 ))"
        s="$s${s:+,}\"$site\""
        p="$p${p:+,}\"$path\""
        v="$v${v:+,}$n"
    done
    sql "SELECT 'capped ' || capped_keys || ' ' || capped_visits FROM visits_add_paths(
           '{$t}'::bigint[], '{$s}'::text[], '{$p}'::text[], '{$v}'::bigint[], 3, '(other)')"
}
# rows TABLE COLUMN: "SITE MINUTES_AFTER_H PATH VISITS" per row, in order.
rows() {
    sql "SELECT site || ' ' || (extract(epoch FROM $2)::bigint - $H) / 60 || ' ' || path
                || ' ' || visits
         FROM $1 WHERE $2 >= to_timestamp($H) AND $2 < to_timestamp($H + 3600)
         ORDER BY site, $2, path COLLATE \"C\""
}
# expect WHAT WANT GOT
expect() { [ "$2" = "$3" ] || fail "$1: expected \"$2\", got \"$(echo "$3" | tr '\n' '|')\""; }

expect "an empty flush" "capped 0 0" "$(flush "")"
expect "an empty flush writes nothing" "" "$(rows visit_minutes minute)"

# Minute 0: /a and /b. Then /a again (known), and three new paths for the
# one place left: /c and /d tie on 5 (path order decides), /e has 1.
expect "minute 0" "capped 0 0" "$(flush "0:s:/a:1 0:s:/b:2")"
expect "minute 0 full" "capped 2 6" "$(flush "0:s:/a:10 0:s:/e:1 0:s:/d:5 0:s:/c:5")"
expect "minute 0's rows" "s 0 (other) 6
s 0 /a 11
s 0 /b 2
s 0 /c 5" "$(rows visit_minutes minute)"
# A full minute still adds to its own paths and to (other), capping none
# of them; a new path goes under (other).
expect "known paths of a full minute" "capped 1 7" \
    "$(flush "0:s:/b:1 0:s:(other):3 0:s:/f:7")"
expect "minute 0 after" "s 0 (other) 16
s 0 /a 11
s 0 /b 3
s 0 /c 5" "$(rows visit_minutes minute)"

# Minutes 1 and 2 (the same five, ten and hour as minute 0), each within
# its own cap: the five-minute span (and the ten, and the hour) already
# has /a, /b, /c, so what the minutes kept goes under its (other), except
# /a, which it has.
expect "minutes 1 and 2" "capped 0 0" "$(flush "1:s:/x:9 1:s:/a:1 2:s:/y:4 2:s:/z:2")"
expect "the five" "s 0 (other) 31
s 0 /a 12
s 0 /b 3
s 0 /c 5" "$(rows visit_fives five)"
expect "the ten = the five" "$(rows visit_fives five)" "$(rows visit_tens ten)"
expect "the hour = the five" "$(rows visit_fives five)" "$(rows visit_hours hour)"
# Minute 5 is another five-minute span of the same ten and hour: the five
# takes its busiest three, the ten and the hour none of them.
expect "minute 5" "capped 0 0" "$(flush "5:s:/p:1 5:s:/q:3 5:s:/r:2")"
expect "the second five" "s 5 /p 1
s 5 /q 3
s 5 /r 2" "$(rows visit_fives five | grep '^s 5 ')"
expect "the hour" "s 0 (other) 37
s 0 /a 12
s 0 /b 3
s 0 /c 5" "$(rows visit_hours hour)"
# A new five of a full ten: a new path with many visits goes under the
# ten's (other) and the hour's, not past the cap of either.
expect "minute 6" "capped 0 0" "$(flush "6:s:/big:100")"
expect "the ten's (other)" "s 0 (other) 137" "$(rows visit_tens ten | grep ' (other) ')"

# Another site has its own cap, in the same minute, in the same flush as
# a path of s; busiest first across the flush's new paths: /w2 (4) and
# /w3 (4) before /w1 (1), with /w0 (5) first.
expect "site t" "capped 1 1" "$(flush "0:t:/w1:1 0:t:/w2:4 0:t:/w3:4 0:t:/w0:5 0:s:/a:1")"
expect "site t's minute" "t 0 /w0 5
t 0 /w2 4
t 0 /w3 4
t 0 (other) 1" "$(rows visit_minutes minute | grep '^t ' | sort -k4,4nr -s)"

# Every table adds up to what was sent, per site.
for table in "visit_minutes minute" "visit_fives five" "visit_tens ten" "visit_hours hour"; do
    set -- $table
    got=$(sql "SELECT string_agg(site || '=' || v, ' ' ORDER BY site) FROM (SELECT site, sum(visits) AS v
               FROM $1 WHERE $2 >= to_timestamp($H) AND $2 < to_timestamp($H + 3600) GROUP BY site) x")
    expect "$1 adds up" "s=158 t=14" "$got"
done
note "ok: the capped upsert keeps known paths, takes the busiest new ones while there is room, (other) for the rest, per site and span, every total exact"
