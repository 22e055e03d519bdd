/*
 * fuzz.h - shared by the libFuzzer targets in hv/test/fuzz: a failed
 * invariant prints why and aborts, which libFuzzer reports as a crash and
 * saves the input (make fuzz fails on it).
 */
#ifndef HV_FUZZ_H
#define HV_FUZZ_H

#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <stddef.h>

#define FUZZ_FAIL(...)	do {					\
	fprintf(stderr, "fuzz invariant failed: " __VA_ARGS__);	\
	fputc('\n', stderr);					\
	abort();						\
} while (0)

int	 LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
