/*
 * Shared by the libFuzzer targets (tests/fuzz/fuzz_*.c, built by `make
 * fuzz`).  A target feeds one parser hostile bytes and checks the parser's
 * promises, not only that it survives: FUZZ_CHECK aborts with the broken
 * invariant, which libFuzzer records as a crash with its input.
 */
#ifndef ORCH_FUZZ_H
#define ORCH_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_CHECK(cond, ...) \
	do { \
		if (!(cond)) { \
			fprintf(stderr, "%s:%d: invariant broken: %s: ", __FILE__, __LINE__, #cond); \
			fprintf(stderr, __VA_ARGS__); \
			fputc('\n', stderr); \
			abort(); \
		} \
	} while (0)

/* The input as a NUL-terminated heap copy of exactly len + 1 bytes (ASan sees over-reads). */
static inline char *
fuzz_str(const uint8_t *data, size_t len)
{
	char *s = malloc(len + 1);

	if (s == NULL)
		abort();
	memcpy(s, data, len);
	s[len] = '\0';
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

#endif
