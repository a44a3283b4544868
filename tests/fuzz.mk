# tests/fuzz.mk - libFuzzer targets (tests/fuzz/), included by Makefile.am.
# tests/fuzz/run.sh builds them with clang in a temporary directory, since
# -fsanitize=fuzzer needs clang whatever compiler configure found; so they
# are no programs of this Makefile and never part of `make check`. .ci/run
# runs `make fuzz`.

EXTRA_DIST += tests/fuzz/run.sh tests/fuzz/fuzz.h tests/fuzz/fuzz_event.c \
	tests/fuzz/fuzz_path.c tests/fuzz/fuzz_query_string.c tests/fuzz/fuzz_response.c tests/fuzz/fuzz_fcgi_conn.c tests/fuzz/corpus \
	tests/fuzz/regressions

# The kept crash inputs once, then each target for SECONDS.
fuzz:
	$(srcdir)/tests/fuzz/run.sh $(SECONDS)
SECONDS = 60
.PHONY: fuzz
