#!/bin/bash
# tests/fuzz/run.sh - builds the libFuzzer targets of tests/fuzz/ with clang
# (ASan + UBSan, every finding fatal), runs each crash input kept in
# tests/fuzz/regressions/ through its target once, then fuzzes each target
# for SECONDS (default 60), one after the other.
# Usage: tests/fuzz/run.sh [SECONDS]   (`make fuzz SECONDS=...` runs it)
#
# Everything happens in a temporary directory: the lib/ sources each target
# needs are compiled there with clang (not lib/libvisits.a, which gcc built
# without coverage instrumentation), and the fuzzers grow a copy of
# tests/fuzz/corpus/, so the tree is never written to. Prints one line per
# target; exits 1 when any target fails, printing the end of its log, the
# path of the input that failed and the input in base64. The temporary
# directory is then kept for inspection. CLANG overrides the compiler.
set -uo pipefail
top_srcdir=$(cd "$(dirname "$0")/../.." && pwd)
fuzzdir=$top_srcdir/tests/fuzz
secs=${1:-60}
clang=${CLANG:-clang}

case $secs in
    '' | *[!0-9]* | 0) echo "run.sh: SECONDS must be a positive integer, not '$secs'" >&2
                       exit 2 ;;
esac
if ! command -v "$clang" >/dev/null; then
    echo "run.sh: $clang not found: install the Debian packages clang and libclang-rt-dev" >&2
    exit 2
fi

T=$(mktemp -d /tmp/visits-fuzz.XXXXXX)
keep=0
trap '[ "$keep" -eq 1 ] || rm -rf "$T"' EXIT

# The lib/ sources of each target, and the largest input it is given.
sources() {
    case $1 in
        event) echo lib/event/event.c lib/event/json_strict.c lib/event/path.c lib/core/percent.c lib/event/sites.c lib/core/utf8.c lib/core/timestamp.c ;;
        path) echo lib/event/path.c lib/core/percent.c lib/core/utf8.c ;;
        query_string) echo lib/core/query_string.c lib/core/buf.c lib/core/percent.c lib/core/utf8.c ;;
        response) echo bench/loadgen/response.c ;;
        fcgi_conn) echo lib/serve/fcgi_conn.c lib/core/buf.c ;;
    esac
}
max_len() {
    case $1 in
        event) echo 8192 ;;
        response) echo 9000 ;;  # past RESPONSE_LINE_MAX, twice
        fcgi_conn) echo 40000 ;;  # past FCGI_CONN_PARAMS_BYTES
        *) echo 4096 ;;
    esac
}
targets="event path query_string response fcgi_conn"

# The project's warnings (configure.ac) and C dialect; -D_GNU_SOURCE as
# AC_USE_SYSTEM_EXTENSIONS defines it.
cflags="-std=gnu99 -g -O1 -fsanitize=fuzzer,address,undefined
-fno-sanitize-recover=all -fno-omit-frame-pointer -D_GNU_SOURCE
-Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
-Wformat=2 -Wno-format-nonliteral -I$fuzzdir -I$top_srcdir/bench/loadgen"
for stage in core event serve record consume report setup; do
    cflags="$cflags -I$top_srcdir/lib/$stage"
done
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}

failed=0

# report TARGET LOG [INPUT]: prints why TARGET failed and the input that
# did it (by default the ones libFuzzer saved).
report() {
    local t=$1 log=$2 f
    shift 2
    [ $# -gt 0 ] || set -- "$T/artifacts/$t"-*
    echo "--- fuzz_$t: last 40 lines of $log"
    tail -n 40 "$log"
    for f in "$@"; do
        [ -f "$f" ] || continue
        echo "--- fuzz_$t failed on $f ($(wc -c < "$f") bytes), base64:"
        base64 "$f"
    done
    keep=1
    failed=1
}

for t in $targets; do
    srcs=""
    for s in $(sources "$t"); do
        srcs="$srcs $top_srcdir/$s"
    done
    # shellcheck disable=SC2086
    if ! "$clang" $cflags -o "$T/fuzz_$t" "$fuzzdir/fuzz_$t.c" $srcs \
            >"$T/build-$t.log" 2>&1; then
        echo "fuzz_$t: build failed"
        cat "$T/build-$t.log"
        keep=1
        exit 1
    fi
done

# Every kept crash input, through its target (regressions/<target>-<name>).
mkdir -p "$T/artifacts"
for t in $targets; do
    n=0
    for f in "$fuzzdir/regressions/$t"-*; do
        [ -f "$f" ] || continue
        n=$((n + 1))
        log=$T/regression-${f##*/}.log
        if ! "$T/fuzz_$t" -timeout=10 "$f" >"$log" 2>&1; then
            echo "fuzz_$t: regression input $f fails"
            report "$t" "$log" "$f"
        fi
    done
    [ "$n" -eq 0 ] || echo "fuzz_$t: $n regression input(s) run"
done
if [ "$failed" -ne 0 ]; then
    echo "builds and logs kept in $T"
    exit 1
fi

for t in $targets; do
    mkdir -p "$T/corpus/$t"
    cp "$fuzzdir/corpus/$t"/* "$T/corpus/$t"/
    for f in "$fuzzdir/regressions/$t"-*; do
        [ -f "$f" ] && cp "$f" "$T/corpus/$t"/
    done
    if "$T/fuzz_$t" -max_total_time="$secs" -max_len="$(max_len "$t")" \
            -timeout=10 -print_final_stats=1 -artifact_prefix="$T/artifacts/$t-" \
            "$T/corpus/$t" >"$T/$t.log" 2>&1; then
        # "#1234 DONE cov: 345 ft: 890 corp: 120/4Kb lim: 4096 exec/s: 20 rss: 40Mb"
        summary=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$T/$t.log" | tail -n 1)
        echo "fuzz_$t: ${secs} s, no failure: $summary"
    else
        echo "fuzz_$t: FAILED"
        report "$t" "$T/$t.log"
    fi
done
if [ "$failed" -ne 0 ]; then
    echo "builds, logs and inputs kept in $T"
    exit 1
fi
