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
	tests/e2e_migrate_sites.sh tests/e2e_recovery.sh \
	tests/e2e_stack_private.sh tests/e2e_syscalls.sh tests/e2e_csv_hostile.sh \
	tests/e2e_fastcgi_peers.sh tests/nginx_check.sh tests/e2e_hour_cap.sh \
	tests/e2e_report_limits.sh tests/linkage.sh tests/e2e_report_levels.sh \
	tests/layers.sh tests/sql_add_paths.sh tests/e2e_fcgi_loop.sh \
	tests/e2e_worker_stall.sh
TESTS += $(E2E_TESTS)

# Writes raw messages to the topic, for the rejected-events check.
check_PROGRAMS += tests/kafka_produce
tests_kafka_produce_SOURCES = tests/kafka_produce.c
tests_kafka_produce_LDADD = $(RDKAFKA_LIBS)
# Creates and deletes a test's own topic on a cluster of someone else's.
check_PROGRAMS += tests/kafka_topic
tests_kafka_topic_SOURCES = tests/kafka_topic.c
tests_kafka_topic_LDADD = $(RDKAFKA_LIBS)
# One FastCGI request straight to a worker's socket, as a process that is
# not nginx.
check_PROGRAMS += tests/fcgi_get
tests_fcgi_get_SOURCES = tests/fcgi_get.c
# The report's numbers at a given time, straight from report_query.
check_PROGRAMS += tests/report_at
tests_report_at_SOURCES = tests/report_at.c
tests_report_at_LDADD = $(VISITS_LIBS)
# Reads the topic back, for what an event carries.
check_PROGRAMS += tests/kafka_tail
tests_kafka_tail_SOURCES = tests/kafka_tail.c
tests_kafka_tail_LDADD = $(RDKAFKA_LIBS)
TEST_EXTENSIONS = .sh
SH_LOG_COMPILER = bash
AM_TESTS_ENVIRONMENT = top_srcdir='$(abs_top_srcdir)'; \
	top_builddir='$(abs_top_builddir)'; export top_srcdir top_builddir;
EXTRA_DIST += tests/lib.sh tests/broker.sh tests/webdriver.sh $(E2E_TESTS)
# The browser test's screenshot.
CLEANFILES += tests/e2e_browser.png

check-e2e:
	$(MAKE) $(AM_MAKEFLAGS) check TESTS="$(E2E_TESTS)"

# Under ./configure --enable-sanitizers: the Check suites and the
# end-to-end tests that drive every program hardest (counting, a consumer
# killed mid-flush, workers restarted under load), each program built with
# AddressSanitizer and UBSan; tests/lib.sh fails a test whose programs
# printed a sanitizer report. (make check runs everything so built too.)
SANITIZED_E2E_TESTS = tests/e2e_count.sh tests/e2e_kill_consumer.sh \
	tests/e2e_worker_restart.sh tests/e2e_fcgi_loop.sh
check-sanitizers:
	$(MAKE) $(AM_MAKEFLAGS) check TESTS="$(UNIT_TESTS) $(SANITIZED_E2E_TESTS)"

# Under ./configure --enable-sanitizers=thread: the threads of the visit
# worker (its event loops, librdkafka's and the producer's poller),
# of the report worker and of the consumer (its loop, librdkafka's and the
# monitoring listener's) under load, built with ThreadSanitizer; a data
# race fails the test the same way. Not the tests that send page views
# through the relay faster than the slowed worker keeps up with, or restart
# it: the relay then gives up on page views as it does by design (past
# max_conns, or after its 1 s wait, nginx/visits-upstreams.conf.in). In
# clean-clone .ci/run rehearsals e2e_count's 5,000 page views outran the
# worker, and in e2e_worker_restart a worker under the sanitizer took up
# to 1.3 s to serve again, so one page view in 3,000 was not counted.
# e2e_api's events wait for the worker; e2e_report loads the report
# worker's threads and its span cache; e2e_fcgi_loop runs the visit
# worker's server with two event loops and its readiness thread.
THREAD_SANITIZED_TESTS = tests/e2e_api.sh tests/e2e_report.sh \
	tests/e2e_consumer_metrics.sh tests/e2e_fcgi_loop.sh
# tests/tsan_c11_threads.c, preloaded, makes librdkafka's C11 threads and
# locks visible to the sanitizer (its top comment says why).
check-thread-sanitizer: tests/tsan-c11-threads.so
	LD_PRELOAD=$(abs_top_builddir)/tests/tsan-c11-threads.so \
	TSAN_OPTIONS="suppressions=$(abs_top_srcdir)/tests/tsan.supp $$TSAN_OPTIONS" \
	    $(MAKE) $(AM_MAKEFLAGS) check TESTS="$(THREAD_SANITIZED_TESTS)"
tests/tsan-c11-threads.so: $(srcdir)/tests/tsan_c11_threads.c
	$(CC) -std=gnu11 $(WARN_CFLAGS) -O1 -shared -fPIC -o $@ \
	    $(srcdir)/tests/tsan_c11_threads.c -lpthread
EXTRA_DIST += tests/tsan_c11_threads.c tests/tsan.supp
CLEANFILES += tests/tsan-c11-threads.so

# The tests of delivery against a real Kafka (docs/RELIABILITY.md): each
# test starts a broker of its own with VISITS_TEST_KAFKACTL (a kafkactl:
# start, stop, kill, topic), or uses a topic of its own on the cluster at
# VISITS_TEST_BROKERS (host:port), where the tests that stop or crash the
# broker are skipped. One at a time: each broker is two JVMs.
KAFKA_TESTS = tests/e2e_count.sh tests/e2e_kill_consumer.sh \
	tests/e2e_broker_crash.sh tests/e2e_rebalance.sh tests/e2e_kafka_down.sh \
	tests/e2e_queue_full.sh tests/e2e_poison.sh tests/e2e_worker_restart.sh \
	tests/e2e_recovery.sh
EXTRA_DIST += tests/e2e_broker_crash.sh
check-kafka: tests/kafka_topic
	@if [ -z "$$VISITS_TEST_KAFKACTL$$VISITS_TEST_BROKERS" ]; then \
	    echo "make check-kafka: name a real Kafka: VISITS_TEST_KAFKACTL=path/to/kafkactl" \
	         "or VISITS_TEST_BROKERS=host:port" >&2; \
	    exit 2; \
	fi
	$(MAKE) $(AM_MAKEFLAGS) -j1 check TESTS="$(KAFKA_TESTS)" \
	    TEST_SUITE_LOG=tests/kafka-suite.log
print-kafka-tests:
	@echo $(KAFKA_TESTS)

# The container image built and run, and docker-compose.yml checked
# (tests/docker.sh: needs root, docker.io, debootstrap and docker-compose;
# with VISITS_TEST_KAFKACTL against a real Kafka).
EXTRA_DIST += tests/docker.sh
check-docker:
	top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' \
	    bash $(abs_top_srcdir)/tests/docker.sh
.PHONY: check-e2e check-sanitizers check-thread-sanitizer check-kafka check-docker print-kafka-tests
