# End-to-end tests: the real nginx, PostgreSQL, dev broker, consumer and
# workers on private ports and sockets (tests/lib.sh).
E2E_TESTS = tests/e2e_count.sh tests/e2e_kill_consumer.sh tests/e2e_report.sh \
	tests/e2e_poison.sh tests/e2e_badinput.sh tests/e2e_kafka_down.sh \
	tests/e2e_nginx_reload.sh tests/e2e_queue_full.sh \
	tests/e2e_rebalance.sh tests/e2e_path_flood.sh tests/config_errors.sh \
	tests/e2e_consumer_metrics.sh tests/e2e_worker_restart.sh tests/e2e_prune.sh \
	tests/systemd_units.sh tests/e2e_worker_metrics.sh tests/e2e_install.sh \
	tests/e2e_logs.sh \
	tests/e2e_pg_down.sh tests/e2e_browser.sh tests/e2e_site.sh \
	tests/e2e_site_outage.sh tests/e2e_api.sh tests/e2e_browser_script.sh \
	tests/e2e_migrate_sites.sh
TESTS += $(E2E_TESTS)

# Writes raw messages to the topic, for the rejected-events check.
check_PROGRAMS += tests/kafka_produce
tests_kafka_produce_SOURCES = tests/kafka_produce.c
tests_kafka_produce_LDADD = $(RDKAFKA_LIBS)
# Reads the topic back, for what an event carries.
check_PROGRAMS += tests/kafka_tail
tests_kafka_tail_SOURCES = tests/kafka_tail.c
tests_kafka_tail_LDADD = $(RDKAFKA_LIBS)
TEST_EXTENSIONS = .sh
SH_LOG_COMPILER = bash
AM_TESTS_ENVIRONMENT = top_srcdir='$(abs_top_srcdir)'; \
	top_builddir='$(abs_top_builddir)'; export top_srcdir top_builddir;
EXTRA_DIST += tests/lib.sh tests/webdriver.sh $(E2E_TESTS)
# The browser test's screenshot.
CLEANFILES += tests/e2e_browser.png

check-e2e:
	$(MAKE) $(AM_MAKEFLAGS) check TESTS="$(E2E_TESTS)"
.PHONY: check-e2e
