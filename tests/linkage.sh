#!/bin/bash
# The programs link what they use and nothing of another stage: the
# consumer reads events and serves its own monitoring, so it needs neither
# libfcgi (the workers' FastCGI) nor libuuid (making events' ids). Read
# from the programs' dynamic sections (objdump -p). The visit worker runs
# on its own FastCGI server (lib/serve/fcgi_loop.c), the report worker on
# libfcgi.
. "$top_srcdir/tests/broker.sh"

command -v objdump >/dev/null || { echo "SKIP: no objdump (binutils)"; exit 77; }
needed() { objdump -p "$top_builddir/$1" | awk '$1 == "NEEDED" { print $2 }'; }
needed consumer/visits-consumer >/tmp/linkage.$$ || fail "objdump could not read the consumer"
trap 'rm -f /tmp/linkage.$$' EXIT
for lib in libfcgi libuuid; do
    grep -q "^$lib\\." /tmp/linkage.$$ && fail "visits-consumer links $lib: $(tr '\n' ' ' </tmp/linkage.$$)"
done
grep -q '^librdkafka\.' /tmp/linkage.$$ && grep -q '^libpq\.' /tmp/linkage.$$ \
    || fail "visits-consumer does not link librdkafka and libpq: $(tr '\n' ' ' </tmp/linkage.$$)"
needed cgi-bin/visits-record | grep -q '^libfcgi\.' && fail "visits-record links libfcgi"
needed cgi-bin/visits-report | grep -q '^libfcgi\.' || fail "visits-report does not link libfcgi"
note "ok: visits-consumer links $(tr '\n' ' ' </tmp/linkage.$$)"
