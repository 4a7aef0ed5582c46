/*
 * fuzz_main.c - main() of the plain (non-libFuzzer) build of a fuzz target:
 * one input on stdin, or one per file named on the command line, each
 * handed to LLVMFuzzerTestOneInput().  Linked only into the programs of
 * `make fuzz-stdin`, never into a libFuzzer binary (which has its own main).
 *
 *   build/fuzz-stdin/fuzz_msg < crash-file     replay one input
 *   build/fuzz-stdin/fuzz_msg seed1 seed2 ...  replay many
 *
 * Built with afl-clang-fast (or afl-clang-lto), it uses AFL++'s persistent
 * mode with shared-memory test cases: many inputs per process, no stdin
 * read per input.  The targets reset all their state at every call.
 */
#define _POSIX_C_SOURCE 200809L /* read(), which AFL++'s macros use */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/fuzz/fuzz.h"

/* Larger than any target's -max_len (tests/fuzz/run.sh); the rest of a
 * longer input is ignored. */
#define FUZZ_INPUT_MAX (1u << 20)

static uint8_t buf[FUZZ_INPUT_MAX];

/* Each input in a heap block of exactly its size, as libFuzzer does, so
 * that a read past its end is seen by ASan (AFL_USE_ASAN=1). */
static void run_one(const uint8_t *p, size_t n)
{
	uint8_t *copy = malloc(n > 0 ? n : 1);

	if (copy == NULL) {
		perror("malloc");
		exit(2);
	}
	if (n > 0)
		memcpy(copy, p, n);
	LLVMFuzzerTestOneInput(copy, n);
	free(copy);
}

static size_t read_all(FILE *f)
{
	size_t n = 0, k;

	while (n < sizeof(buf) && (k = fread(buf + n, 1, sizeof(buf) - n, f)) > 0)
		n += k;
	return n;
}

#ifdef __AFL_FUZZ_TESTCASE_LEN
__AFL_FUZZ_INIT();
#endif

int main(int argc, char **argv)
{
#ifdef __AFL_FUZZ_TESTCASE_LEN
	if (argc < 2) {
		unsigned char *p;

		__AFL_INIT();
		p = __AFL_FUZZ_TESTCASE_BUF;
		while (__AFL_LOOP(10000)) {
			size_t n = (size_t)__AFL_FUZZ_TESTCASE_LEN;

			run_one(p, n < sizeof(buf) ? n : sizeof(buf));
		}
		return 0;
	}
#endif
	if (argc < 2) {
		run_one(buf, read_all(stdin));
		return 0;
	}
	for (int i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		size_t n;

		if (f == NULL) {
			perror(argv[i]);
			return 2;
		}
		n = read_all(f);
		fclose(f);
		run_one(buf, n);
	}
	return 0;
}
