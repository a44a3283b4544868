# End-to-end tests: the real nginx, PostgreSQL, dev broker, consumer and
# workers on private ports and sockets (tests/lib.sh).
E2E_TESTS = tests/e2e_count.sh tests/e2e_kill_consumer.sh
TESTS += $(E2E_TESTS)
TEST_EXTENSIONS = .sh
SH_LOG_COMPILER = bash
AM_TESTS_ENVIRONMENT = top_srcdir='$(abs_top_srcdir)'; \
	top_builddir='$(abs_top_builddir)'; export top_srcdir top_builddir;
EXTRA_DIST += tests/lib.sh $(E2E_TESTS)

check-e2e:
	$(MAKE) $(AM_MAKEFLAGS) check TESTS="$(E2E_TESTS)"
.PHONY: check-e2e
