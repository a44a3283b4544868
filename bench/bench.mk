# Benchmarks: programs and scripts that print numbers, run by hand (see
# docs/PERFORMANCE.md); never part of `make check`.

noinst_PROGRAMS = bench/visits-report-bench bench/visits-loadgen \
	bench/visits-fcgi-hello bench/visits-libfcgi-hello bench/visits-preload
bench_visits_report_bench_SOURCES = bench/report-bench.c
bench_visits_report_bench_LDADD = $(VISITS_LIBS)
bench_visits_loadgen_SOURCES = bench/loadgen/main.c bench/loadgen/loadgen.h \
	bench/loadgen/schedule.c bench/loadgen/connection.c \
	bench/loadgen/response.c bench/loadgen/response.h \
	bench/loadgen/options.c bench/loadgen/options.h \
	bench/loadgen/histogram.c bench/loadgen/histogram.h \
	bench/loadgen/random.c bench/loadgen/random.h
bench_visits_fcgi_hello_SOURCES = bench/fcgi-hello.c bench/hello_page.h
bench_visits_fcgi_hello_LDADD = $(VISITS_LIBS)
bench_visits_libfcgi_hello_SOURCES = bench/libfcgi-hello.c bench/hello_page.h
bench_visits_libfcgi_hello_LDADD = $(FCGI_LIBS)
bench_visits_preload_SOURCES = bench/preload.c
bench_visits_preload_LDADD = $(VISITS_LIBS)
EXTRA_DIST += bench/report.sh bench/bench.sh bench/paths.lua bench/event.lua bench/ceiling.conf.in \
	bench/plot.gp bench/json-poller.sh bench/soak.sh

# Report build time over 24 h x 1,000 paths a minute.
bench-report: bench/visits-report-bench
	top_builddir=$(abs_builddir) $(srcdir)/bench/report.sh $(ITERATIONS)
ITERATIONS = 200

# The end-to-end benchmark; QUICK=1 for a short run.
bench: all bench/visits-loadgen bench/visits-fcgi-hello bench/visits-libfcgi-hello \
	bench/visits-preload
	top_builddir=$(abs_builddir) QUICK=$(QUICK) $(srcdir)/bench/bench.sh
QUICK =

# The soak test: 1,000 visits/s for 10 minutes (SOAK_S, SOAK_RATE), RSS
# and descriptors of every component at the start and the end.
soak: all bench/visits-loadgen
	top_srcdir=$(abs_top_srcdir) top_builddir=$(abs_builddir) $(srcdir)/bench/soak.sh
.PHONY: bench bench-report soak
