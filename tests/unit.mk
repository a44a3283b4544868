# tests/unit.mk - unit test suites (Check), included by Makefile.am.
# One program per area of lib/; each prints its details to tests/check_*.log.
# `make check-unit` runs only these; `make check` runs them with the e2e tests.

UNIT_TESTS = tests/check_path tests/check_timestamp tests/check_event \
	tests/check_json_strict tests/check_agg tests/check_text tests/check_config \
	tests/check_chart tests/check_report tests/check_span_cache tests/check_response tests/check_csv tests/check_metrics \
	tests/check_http_listener tests/check_sites tests/check_intake tests/check_consume \
	tests/check_fcgi_conn

check_PROGRAMS = $(UNIT_TESTS)
TESTS = $(UNIT_TESTS)

tests_check_path_SOURCES = tests/check_path.c
tests_check_path_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_check_path_LDADD = $(VISITS_LIBS) $(CHECK_LIBS)

tests_check_timestamp_SOURCES = tests/check_timestamp.c
tests_check_timestamp_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_check_timestamp_LDADD = $(VISITS_LIBS) $(CHECK_LIBS)

tests_check_event_SOURCES = tests/check_event.c
tests_check_event_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_check_event_LDADD = $(VISITS_LIBS) $(CHECK_LIBS)

tests_check_json_strict_SOURCES = tests/check_json_strict.c
tests_check_json_strict_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_check_json_strict_LDADD = $(VISITS_LIBS) $(CHECK_LIBS)

tests_check_fcgi_conn_SOURCES = tests/check_fcgi_conn.c
tests_check_fcgi_conn_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_check_fcgi_conn_LDADD = $(VISITS_LIBS) $(CHECK_LIBS)

tests_check_consume_SOURCES = tests/check_consume.c
tests_check_consume_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_check_consume_LDADD = $(VISITS_LIBS) $(CHECK_LIBS)

tests_check_agg_SOURCES = tests/check_agg.c
tests_check_agg_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_check_agg_LDADD = $(VISITS_LIBS) $(CHECK_LIBS)

tests_check_text_SOURCES = tests/check_text.c tests/sites_fixture.h
tests_check_text_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_check_text_LDADD = $(VISITS_LIBS) $(CHECK_LIBS)

tests_check_config_SOURCES = tests/check_config.c
tests_check_config_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_check_config_LDADD = $(VISITS_LIBS) $(CHECK_LIBS)

tests_check_chart_SOURCES = tests/check_chart.c
tests_check_chart_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_check_chart_LDADD = $(VISITS_LIBS) $(CHECK_LIBS)

tests_check_response_SOURCES = tests/check_response.c bench/loadgen/response.c
tests_check_response_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/bench/loadgen
tests_check_response_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_check_response_LDADD = $(CHECK_LIBS)
tests_check_span_cache_SOURCES = tests/check_span_cache.c
tests_check_span_cache_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_check_span_cache_LDADD = $(VISITS_LIBS) $(CHECK_LIBS)
tests_check_report_SOURCES = tests/check_report.c tests/sites_fixture.h
tests_check_report_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_check_report_LDADD = $(VISITS_LIBS) $(CHECK_LIBS)

tests_check_csv_SOURCES = tests/check_csv.c tests/sites_fixture.h
tests_check_csv_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_check_csv_LDADD = $(VISITS_LIBS) $(CHECK_LIBS)

tests_check_metrics_SOURCES = tests/check_metrics.c tests/promlint.c tests/promlint.h
tests_check_metrics_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_check_metrics_LDADD = $(VISITS_LIBS) $(CHECK_LIBS)

tests_check_http_listener_SOURCES = tests/check_http_listener.c
tests_check_http_listener_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_check_http_listener_LDADD = $(VISITS_LIBS) $(CHECK_LIBS)

tests_check_sites_SOURCES = tests/check_sites.c
tests_check_sites_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_check_sites_LDADD = $(VISITS_LIBS) $(CHECK_LIBS)

tests_check_intake_SOURCES = tests/check_intake.c
tests_check_intake_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_check_intake_LDADD = $(VISITS_LIBS) $(CHECK_LIBS)

# A strict checker of /metrics scrapes, for the end-to-end tests.
check_PROGRAMS += tests/promlint
tests_promlint_SOURCES = tests/promlint.c tests/promlint.h
tests_promlint_CFLAGS = $(AM_CFLAGS) -DPROMLINT_MAIN
tests_promlint_LDADD = -lm

# Only the unit suites, e.g. while editing lib/.
check-unit:
	$(MAKE) $(AM_MAKEFLAGS) check TESTS="$(UNIT_TESTS)"

.PHONY: check-unit
