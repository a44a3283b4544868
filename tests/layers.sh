#!/bin/bash
# lib/ is laid out by stage, in the order of the flow (Makefile.am): a
# module may include the headers of its own stage and of the stages
# before it, never of a later one, and every header it includes is one of
# lib/'s or a system header (<...>). Fails naming each include that breaks
# the order.
set -u
stages=(core event serve record consume report setup)
lib=$top_srcdir/lib
failed=0
declare -A stage_of rank
for i in "${!stages[@]}"; do
    rank[${stages[$i]}]=$i
    for h in "$lib/${stages[$i]}"/*.h; do
        [ -e "$h" ] || continue
        stage_of[$(basename "$h")]=${stages[$i]}
    done
done
# Every module sits in a stage folder.
for f in "$lib"/*.c "$lib"/*.h; do
    [ -e "$f" ] || continue
    echo "FAIL: $f is not in a stage folder of lib/"
    failed=1
done
n=0
for s in "${stages[@]}"; do
    for f in "$lib/$s"/*.c "$lib/$s"/*.h; do
        [ -e "$f" ] || continue
        while read -r h; do
            n=$((n + 1))
            t=${stage_of[$h]:-}
            if [ -z "$t" ]; then
                echo "FAIL: ${f#"$top_srcdir"/} includes \"$h\", not a header of lib/"
                failed=1
            elif [ "${rank[$t]}" -gt "${rank[$s]}" ]; then
                echo "FAIL: ${f#"$top_srcdir"/} ($s) includes $h of the later stage $t"
                failed=1
            fi
        done < <(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f")
    done
done
[ "$n" -gt 50 ] || { echo "FAIL: only $n includes found under $lib"; failed=1; }
[ "$failed" -eq 0 ] && echo "# ok: $n includes in lib/, none of a later stage (${stages[*]})"
exit "$failed"
