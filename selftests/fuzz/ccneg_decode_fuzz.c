// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * libFuzzer target for the congestion-control negotiation option decoder
 * (include/bpftcp/ccneg_opt.h), built with -fsanitize=fuzzer,address,undefined.
 * The input is the option space from some option on: what the BPF program
 * hands the decoder.  AddressSanitizer catches any read past the input; the
 * checks below catch a decoder that accepts what it should not:
 *   - a valid decode obeys every rule of the format (lengths, reserved bits,
 *     ids, no duplicates), and re-encoding it gives back the input's first
 *     5 + n bytes exactly (one encoding per value);
 *   - a rejection is one of the documented errors and leaves the output alone;
 *   - whatever the encoder accepts, the decoder gives back;
 *   - the choice is an index of the chooser's list whose id was offered.
 * 'make fuzz' runs it for FUZZ_TIME seconds; 'make test' a few thousand runs.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "bpftcp/ccneg_opt.h"

#define CHECK(cond)			\
	do {				\
		if (!(cond))		\
			__builtin_trap();	\
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hdropt_ccneg_opt poison, opt, back;
	__u8 buf[HDROPT_CCNEG_MAX_LEN];
	int err, len;

	memset(&poison, 0xEE, sizeof(poison));
	opt = poison;
	err = hdropt_ccneg_decode(data, (__u32)size, &opt);
	if (err == HDROPT_CCNEG_OK) {
		bool answer = opt.flags & HDROPT_CCNEG_F_ANSWER;

		CHECK(opt.n >= 1 && opt.n <= HDROPT_CCNEG_IDS_MAX);
		CHECK(size >= (size_t)HDROPT_CCNEG_HDR_LEN + opt.n);
		CHECK(!(opt.flags & HDROPT_CCNEG_F_RESERVED));
		CHECK(answer || !(opt.flags & HDROPT_CCNEG_F_RESEND));
		CHECK(!answer || opt.n == 1);
		for (int i = 0; i < opt.n; i++) {
			CHECK(opt.ids[i] != HDROPT_CCNEG_ID_RESERVED);
			CHECK(answer || opt.ids[i] != HDROPT_CCNEG_ID_NONE);
			for (int j = 0; j < i; j++)
				CHECK(opt.ids[j] != opt.ids[i]);
		}
		len = hdropt_ccneg_encode(buf, sizeof(buf), &opt);
		CHECK(len == HDROPT_CCNEG_HDR_LEN + opt.n);
		CHECK(memcmp(buf, data, (size_t)len) == 0);
		/* The chooser, with the input's ids as one side's preferences. */
		if (!answer) {
			__u8 pref[HDROPT_CCNEG_IDS_MAX];
			int pick;

			for (int i = 0; i < HDROPT_CCNEG_IDS_MAX; i++)
				pref[i] = (__u8)(data[(size_t)i % size] + i);
			pick = hdropt_ccneg_choose(pref, HDROPT_CCNEG_IDS_MAX, &opt);
			CHECK(pick >= -1 && pick < HDROPT_CCNEG_IDS_MAX);
			if (pick >= 0) {
				CHECK(hdropt_ccneg_index(opt.ids, opt.n, pref[pick]) >= 0);
				for (int i = 0; i < pick; i++)
					CHECK(hdropt_ccneg_index(opt.ids, opt.n, pref[i]) < 0);
			}
		}
	} else {
		CHECK(err < 0 && err >= HDROPT_CCNEG__ERR_MIN && err != HDROPT_CCNEG_ENOSPC);
		CHECK(memcmp(&opt, &poison, sizeof(opt)) == 0);
	}

	/* The encoder, driven by the same bytes: ctl, count, ids. */
	if (size >= 2) {
		struct hdropt_ccneg_opt in = { .flags = data[0], .n = data[1] & 15 };

		for (int i = 0; i < HDROPT_CCNEG_IDS_MAX && (size_t)i + 2 < size; i++)
			in.ids[i] = data[i + 2];
		len = hdropt_ccneg_encode(buf, sizeof(buf), &in);
		if (len > 0) {
			back = poison;
			CHECK(hdropt_ccneg_decode(buf, (__u32)len, &back) == HDROPT_CCNEG_OK);
			CHECK(back.flags == in.flags && back.n == in.n);
			CHECK(memcmp(back.ids, in.ids, in.n) == 0);
		} else {
			CHECK(len == HDROPT_CCNEG_ERESERVED || len == HDROPT_CCNEG_ELEN ||
			      len == HDROPT_CCNEG_EID || len == HDROPT_CCNEG_EDUP);
		}
	}
	return 0;
}
