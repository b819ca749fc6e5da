// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Host unit tests for the max-delayed-ACK option codec
 * (include/bpftcp/delack_opt.h): golden bytes, round trips, and every
 * malformed form the decoder must reject.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>
#include "bpftcp/delack_opt.h"

/* A valid option: 20 ms, RESEND set. */
static const __u8 golden[HDROPT_DELACK_LEN] = { 253, 7, 0xDA, 0x1C, 0x01, 0x00, 0xC8 };

static int decode(const __u8 *buf, __u32 len, struct hdropt_delack_opt *out)
{
	return hdropt_delack_decode(buf, len, out);
}

static void encode_golden_bytes(void **state)
{
	struct hdropt_delack_opt opt = { .flags = HDROPT_DELACK_F_RESEND, .max_delack_us = 20000 };
	__u8 buf[16];

	memset(buf, 0xAA, sizeof(buf));
	assert_int_equal(hdropt_delack_encode(buf, sizeof(buf), &opt), HDROPT_DELACK_LEN);
	assert_memory_equal(buf, golden, sizeof(golden));
	/* Nothing past the option is touched. */
	assert_int_equal(buf[HDROPT_DELACK_LEN], 0xAA);
}

static void decode_golden_bytes(void **state)
{
	struct hdropt_delack_opt opt = {};

	assert_int_equal(decode(golden, sizeof(golden), &opt), HDROPT_DELACK_OK);
	assert_int_equal(opt.flags, HDROPT_DELACK_F_RESEND);
	assert_int_equal(opt.max_delack_us, 20000);
}

static void round_trip_every_whole_ms_1_to_1000(void **state)
{
	for (__u32 ms = 1; ms <= 1000; ms++) {
		for (__u8 flags = 0; flags <= HDROPT_DELACK_F_RESEND; flags++) {
			struct hdropt_delack_opt in = { .flags = flags, .max_delack_us = ms * 1000 };
			struct hdropt_delack_opt out = {};
			__u8 buf[HDROPT_DELACK_LEN] = { 0 };

			assert_int_equal(hdropt_delack_encode(buf, sizeof(buf), &in), HDROPT_DELACK_LEN);
			assert_int_equal(decode(buf, sizeof(buf), &out), HDROPT_DELACK_OK);
			assert_int_equal(out.flags, flags);
			assert_int_equal(out.max_delack_us, ms * 1000);
		}
	}
}

static void round_trip_range_ends(void **state)
{
	const __u32 vals[] = { HDROPT_DELACK_MIN_US, 200, 900, 1100, HDROPT_DELACK_MAX_US - 100,
			       HDROPT_DELACK_MAX_US };

	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		struct hdropt_delack_opt in = { .max_delack_us = vals[i] }, out = {};
		__u8 buf[HDROPT_DELACK_LEN] = { 0 };

		assert_int_equal(hdropt_delack_encode(buf, sizeof(buf), &in), HDROPT_DELACK_LEN);
		assert_int_equal(decode(buf, sizeof(buf), &out), 0);
		assert_int_equal(out.max_delack_us, vals[i]);
	}
}

/* Every (flags, value) pair on the wire: valid exactly when it should be. */
static void decode_exhaustive_flags_and_values(void **state)
{
	__u8 buf[HDROPT_DELACK_LEN] = { 253, 7, 0xDA, 0x1C };
	unsigned long valid = 0;

	for (unsigned int flags = 0; flags < 256; flags++) {
		for (unsigned int units = 0; units < 65536; units++) {
			struct hdropt_delack_opt out = { .flags = 0x5A, .max_delack_us = 12345 };
			int want, got;

			buf[4] = flags;
			buf[5] = units >> 8;
			buf[6] = units & 0xff;
			if (flags & HDROPT_DELACK_F_RESERVED)
				want = HDROPT_DELACK_ERESERVED;
			else if (units == 0)
				want = HDROPT_DELACK_EZERO;
			else if (units > HDROPT_DELACK_MAX_UNITS)
				want = HDROPT_DELACK_ERANGE;
			else
				want = HDROPT_DELACK_OK;
			got = decode(buf, sizeof(buf), &out);
			if (got != want)
				fail_msg("flags 0x%02x units %u: got %d want %d", flags, units, got, want);
			if (got == HDROPT_DELACK_OK) {
				valid++;
				if (out.max_delack_us != units * HDROPT_DELACK_UNIT_US || out.flags != flags)
					fail_msg("flags 0x%02x units %u decoded wrongly", flags, units);
			} else if (out.flags != 0x5A || out.max_delack_us != 12345) {
				fail_msg("flags 0x%02x units %u: output written on error", flags, units);
			}
		}
	}
	assert_int_equal(valid, 2 * HDROPT_DELACK_MAX_UNITS);
}

static void decode_rejects_truncation_at_every_length(void **state)
{
	struct hdropt_delack_opt out;

	for (__u32 len = 0; len < HDROPT_DELACK_LEN; len++)
		assert_int_equal(decode(golden, len, &out), HDROPT_DELACK_ETRUNC);
}

static void decode_rejects_wrong_kind(void **state)
{
	struct hdropt_delack_opt out;
	__u8 buf[HDROPT_DELACK_LEN];
	const __u8 kinds[] = { 0, 1, 2, 8, 252, 254, 255 };

	for (size_t i = 0; i < sizeof(kinds); i++) {
		memcpy(buf, golden, sizeof(buf));
		buf[0] = kinds[i];
		assert_int_equal(decode(buf, sizeof(buf), &out), HDROPT_DELACK_EKIND);
	}
}

static void decode_rejects_wrong_length_byte(void **state)
{
	struct hdropt_delack_opt out;
	__u8 buf[40];

	/* Complete in the buffer, but not 7 bytes long: wrong length. */
	for (unsigned int l = 0; l <= 40; l++) {
		if (l == HDROPT_DELACK_LEN)
			continue;
		memset(buf, 0, sizeof(buf));
		memcpy(buf, golden, sizeof(golden));
		buf[1] = l;
		assert_int_equal(decode(buf, sizeof(buf), &out), HDROPT_DELACK_ELEN);
	}
	/* Longer than what is there: truncated. */
	memcpy(buf, golden, sizeof(golden));
	buf[1] = 9;
	assert_int_equal(decode(buf, 8, &out), HDROPT_DELACK_ETRUNC);
	buf[1] = 255;
	assert_int_equal(decode(buf, sizeof(buf), &out), HDROPT_DELACK_ETRUNC);
}

static void decode_rejects_unknown_exid(void **state)
{
	struct hdropt_delack_opt out;
	__u8 buf[HDROPT_DELACK_LEN];

	/* Every single-bit change of the ExID. */
	for (int bit = 0; bit < 16; bit++) {
		memcpy(buf, golden, sizeof(buf));
		buf[2 + bit / 8] ^= 1u << (bit % 8);
		assert_int_equal(decode(buf, sizeof(buf), &out), HDROPT_DELACK_EEXID);
	}
	/* Byte-swapped (a host-order bug on the sender) and TFO's ExID. */
	memcpy(buf, golden, sizeof(buf));
	buf[2] = 0x1C;
	buf[3] = 0xDA;
	assert_int_equal(decode(buf, sizeof(buf), &out), HDROPT_DELACK_EEXID);
	buf[2] = 0xF9;
	buf[3] = 0x89;
	assert_int_equal(decode(buf, sizeof(buf), &out), HDROPT_DELACK_EEXID);
}

static void decode_rejects_each_reserved_bit(void **state)
{
	struct hdropt_delack_opt out;
	__u8 buf[HDROPT_DELACK_LEN];

	for (int bit = 1; bit < 8; bit++) {
		memcpy(buf, golden, sizeof(buf));
		buf[4] = 1u << bit;
		assert_int_equal(decode(buf, sizeof(buf), &out), HDROPT_DELACK_ERESERVED);
	}
}

static void decode_rejects_zero_and_out_of_range(void **state)
{
	struct hdropt_delack_opt out;
	__u8 buf[HDROPT_DELACK_LEN];

	memcpy(buf, golden, sizeof(buf));
	buf[5] = buf[6] = 0;
	assert_int_equal(decode(buf, sizeof(buf), &out), HDROPT_DELACK_EZERO);
	buf[5] = (HDROPT_DELACK_MAX_UNITS + 1) >> 8;
	buf[6] = (HDROPT_DELACK_MAX_UNITS + 1) & 0xff;
	assert_int_equal(decode(buf, sizeof(buf), &out), HDROPT_DELACK_ERANGE);
	buf[5] = buf[6] = 0xff;
	assert_int_equal(decode(buf, sizeof(buf), &out), HDROPT_DELACK_ERANGE);
}

static void decode_ignores_bytes_after_the_option(void **state)
{
	struct hdropt_delack_opt out = {};
	__u8 buf[40];

	memset(buf, 0xFF, sizeof(buf));
	memcpy(buf, golden, sizeof(golden));
	assert_int_equal(decode(buf, sizeof(buf), &out), HDROPT_DELACK_OK);
	assert_int_equal(out.max_delack_us, 20000);
}

static void encode_refuses_what_decode_rejects(void **state)
{
	struct hdropt_delack_opt opt = { .max_delack_us = 20000 };
	__u8 buf[HDROPT_DELACK_LEN];

	assert_int_equal(hdropt_delack_encode(buf, HDROPT_DELACK_LEN - 1, &opt), HDROPT_DELACK_ENOSPC);
	opt.flags = 0x02;
	assert_int_equal(hdropt_delack_encode(buf, sizeof(buf), &opt), HDROPT_DELACK_ERESERVED);
	opt.flags = 0;
	opt.max_delack_us = 0;
	assert_int_equal(hdropt_delack_encode(buf, sizeof(buf), &opt), HDROPT_DELACK_EZERO);
	opt.max_delack_us = HDROPT_DELACK_MAX_US + 100;
	assert_int_equal(hdropt_delack_encode(buf, sizeof(buf), &opt), HDROPT_DELACK_ERANGE);
	/* Not a whole 100 us unit: would not round-trip exactly. */
	opt.max_delack_us = 20050;
	assert_int_equal(hdropt_delack_encode(buf, sizeof(buf), &opt), HDROPT_DELACK_ERANGE);
	opt.max_delack_us = 99;
	assert_int_equal(hdropt_delack_encode(buf, sizeof(buf), &opt), HDROPT_DELACK_ERANGE);
}

static void every_error_has_a_description(void **state)
{
	for (int e = HDROPT_DELACK__ERR_MIN; e <= 0; e++)
		assert_string_not_equal(hdropt_delack_strerror(e), "unknown error");
	assert_string_equal(hdropt_delack_strerror(-100), "unknown error");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(encode_golden_bytes),
		cmocka_unit_test(decode_golden_bytes),
		cmocka_unit_test(round_trip_every_whole_ms_1_to_1000),
		cmocka_unit_test(round_trip_range_ends),
		cmocka_unit_test(decode_exhaustive_flags_and_values),
		cmocka_unit_test(decode_rejects_truncation_at_every_length),
		cmocka_unit_test(decode_rejects_wrong_kind),
		cmocka_unit_test(decode_rejects_wrong_length_byte),
		cmocka_unit_test(decode_rejects_unknown_exid),
		cmocka_unit_test(decode_rejects_each_reserved_bit),
		cmocka_unit_test(decode_rejects_zero_and_out_of_range),
		cmocka_unit_test(decode_ignores_bytes_after_the_option),
		cmocka_unit_test(encode_refuses_what_decode_rejects),
		cmocka_unit_test(every_error_has_a_description),
	};

	return cmocka_run_group_tests_name("hdropt_codec", tests, NULL, NULL);
}
