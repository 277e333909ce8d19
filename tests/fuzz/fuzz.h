/* SPDX-License-Identifier: GPL-2.0-or-later
 * fuzz.h - what every libFuzzer harness of tests/fuzz/ shares
 *
 * Each harness is one fuzz_*.c defining LLVMFuzzerTestOneInput(); libFuzzer
 * (clang -fsanitize=fuzzer) supplies main(). The parsers take C strings,
 * the fuzzer's input is bytes: fuzz_cstr() makes the string. A harness
 * checks what must hold for every input (a parse that succeeds reads back
 * the same way, a merge is idempotent...) with FUZZ_ASSERT(), which aborts:
 * libFuzzer reports an abort as a crash, with the input that caused it.
 */
#ifndef B4NS_FUZZ_H
#define B4NS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* FUZZ_QUIET() - errors only: a warning per input (a profile's denied
 * syscalls...) would be most of a harness's time */
#define FUZZ_QUIET() (log_level = LOG_LVL_ERROR)

/* FUZZ_ASSERT() - abort with the failed condition if @cond is false */
#define FUZZ_ASSERT(cond)						\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "%s:%d: assertion failed: %s\n",	\
				__FILE__, __LINE__, #cond);		\
			abort();					\
		}							\
	} while (0)

/* fuzz_cstr() - @data as a malloc'd C string, cut at its first NUL (the
 * parsers see C strings); NULL if out of memory */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s) {
		memcpy(s, data, size);
		s[size] = '\0';
	}
	return s;
}

#endif /* B4NS_FUZZ_H */
