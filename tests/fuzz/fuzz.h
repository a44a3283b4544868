/* fuzz.h - what the libFuzzer targets in tests/fuzz/ share: an assertion
 * that names the broken property and aborts, so libFuzzer records the
 * input as a crash (tests/fuzz/run.sh builds and runs the targets). */
#ifndef VISITS_FUZZ_H
#define VISITS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* The entry point libFuzzer calls with each input; returns 0. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Aborts with "file:line: property broken: what" when cond is false. */
#define FUZZ_ASSERT(cond, what)                                              \
    do {                                                                     \
        if (!(cond)) {                                                       \
            fprintf(stderr, "%s:%d: property broken: %s\n", __FILE__,        \
                    __LINE__, what);                                         \
            abort();                                                         \
        }                                                                    \
    } while (0)

#endif
