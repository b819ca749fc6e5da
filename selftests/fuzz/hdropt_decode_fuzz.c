// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * libFuzzer target for the max-delayed-ACK option decoder
 * (include/bpftcp/delack_opt.h), built with -fsanitize=fuzzer,address,undefined.
 * The input is the option space from some option on: exactly what the BPF
 * program hands the decoder.  AddressSanitizer catches any read past the
 * input; the checks below catch a decoder that accepts what it should not:
 *   - a valid decode has in-range values, and re-encoding it gives back the
 *     first 7 input bytes exactly (there is one encoding per value);
 *   - a rejection is one of the documented errors and leaves the output alone;
 *   - whatever the encoder accepts, the decoder gives back.
 * 'make fuzz' runs it from selftests/fuzz/corpus/hdropt_decode/ for FUZZ_RUNS
 * executions; 'make test' (test_fuzz) for a short fixed number.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "bpftcp/delack_opt.h"

#define CHECK(cond)			\
	do {				\
		if (!(cond))		\
			__builtin_trap();	\
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hdropt_delack_opt poison = { .flags = 0xEE, .max_delack_us = 0xDEADBEEF };
	struct hdropt_delack_opt opt = poison, back = poison;
	__u8 buf[HDROPT_DELACK_LEN];
	int err;

	err = hdropt_delack_decode(data, (__u32)size, &opt);
	if (err == HDROPT_DELACK_OK) {
		CHECK(size >= HDROPT_DELACK_LEN);
		CHECK(!(opt.flags & HDROPT_DELACK_F_RESERVED));
		CHECK(opt.max_delack_us >= HDROPT_DELACK_MIN_US && opt.max_delack_us <= HDROPT_DELACK_MAX_US);
		CHECK(opt.max_delack_us % HDROPT_DELACK_UNIT_US == 0);
		CHECK(hdropt_delack_encode(buf, sizeof(buf), &opt) == HDROPT_DELACK_LEN);
		CHECK(memcmp(buf, data, HDROPT_DELACK_LEN) == 0);
	} else {
		CHECK(err < 0 && err >= HDROPT_DELACK__ERR_MIN && err != HDROPT_DELACK_ENOSPC);
		CHECK(opt.flags == poison.flags && opt.max_delack_us == poison.max_delack_us);
	}

	/* The encoder, driven by the same bytes: flags and a microsecond value. */
	if (size >= 5) {
		struct hdropt_delack_opt in = {
			.flags = data[0],
			.max_delack_us = (__u32)data[1] << 24 | (__u32)data[2] << 16 |
					 (__u32)data[3] << 8 | data[4],
		};

		err = hdropt_delack_encode(buf, sizeof(buf), &in);
		if (err == HDROPT_DELACK_LEN) {
			CHECK(hdropt_delack_decode(buf, sizeof(buf), &back) == HDROPT_DELACK_OK);
			CHECK(back.flags == in.flags && back.max_delack_us == in.max_delack_us);
		} else {
			CHECK(err == HDROPT_DELACK_ERESERVED || err == HDROPT_DELACK_EZERO ||
			      err == HDROPT_DELACK_ERANGE);
		}
	}
	return 0;
}
