// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Host unit tests for the congestion-control negotiation option codec
 * (include/bpftcp/ccneg_opt.h): golden bytes, round trips, every malformed
 * form the decoder must reject, the passive side's choice, the space
 * arithmetic and the stability of the algorithm-id registry.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>
#include "bpftcp/ccneg_opt.h"

/* An offer: dctcp, cubic. */
static const __u8 golden_offer[] = { 253, 7, 0xCC, 0x4E, 0x00, 3, 2 };
/* An answer after a SYN cookie: cubic, RESEND. */
static const __u8 golden_answer[] = { 253, 6, 0xCC, 0x4E, 0x03, 2 };

static void encode_golden_offer_and_answer(void **state)
{
	struct hdropt_ccneg_opt offer = { .n = 2, .ids = { 3, 2 } };
	struct hdropt_ccneg_opt answer = { .flags = HDROPT_CCNEG_F_ANSWER | HDROPT_CCNEG_F_RESEND,
					   .n = 1, .ids = { 2 } };
	__u8 buf[16];

	memset(buf, 0xAA, sizeof(buf));
	assert_int_equal(hdropt_ccneg_encode(buf, sizeof(buf), &offer), sizeof(golden_offer));
	assert_memory_equal(buf, golden_offer, sizeof(golden_offer));
	assert_int_equal(buf[sizeof(golden_offer)], 0xAA);	/* nothing past it touched */
	memset(buf, 0xAA, sizeof(buf));
	assert_int_equal(hdropt_ccneg_encode(buf, sizeof(buf), &answer), sizeof(golden_answer));
	assert_memory_equal(buf, golden_answer, sizeof(golden_answer));
	assert_int_equal(buf[sizeof(golden_answer)], 0xAA);
}

static void decode_golden_offer_and_answer(void **state)
{
	struct hdropt_ccneg_opt o = {};

	assert_int_equal(hdropt_ccneg_decode(golden_offer, sizeof(golden_offer), &o), HDROPT_CCNEG_OK);
	assert_int_equal(o.flags, 0);
	assert_int_equal(o.n, 2);
	assert_int_equal(o.ids[0], HDROPT_CCNEG_ID_DCTCP);
	assert_int_equal(o.ids[1], HDROPT_CCNEG_ID_CUBIC);
	assert_int_equal(hdropt_ccneg_decode(golden_answer, sizeof(golden_answer), &o), HDROPT_CCNEG_OK);
	assert_int_equal(o.flags, HDROPT_CCNEG_F_ANSWER | HDROPT_CCNEG_F_RESEND);
	assert_int_equal(o.n, 1);
	assert_int_equal(o.ids[0], HDROPT_CCNEG_ID_CUBIC);
}

/* Offers of every length 1..8 with ids from the whole valid range. */
static void round_trip_offers_every_length(void **state)
{
	for (__u32 n = 1; n <= HDROPT_CCNEG_IDS_MAX; n++) {
		for (__u32 base = 1; base + n - 1 <= 254; base += 7) {
			struct hdropt_ccneg_opt in = { .n = (__u8)n }, out = {};
			__u8 buf[HDROPT_CCNEG_MAX_LEN];

			for (__u32 i = 0; i < n; i++)
				in.ids[i] = (__u8)(base + (i * 37) % n);
			assert_int_equal(hdropt_ccneg_encode(buf, sizeof(buf), &in),
					 HDROPT_CCNEG_HDR_LEN + n);
			assert_int_equal(hdropt_ccneg_decode(buf, HDROPT_CCNEG_HDR_LEN + n, &out), 0);
			assert_memory_equal(&in, &out, sizeof(in));
		}
	}
}

/* Every answer id and ctl byte: valid exactly when it should be. */
static void answers_exhaustive_ids_and_ctl(void **state)
{
	__u8 buf[HDROPT_CCNEG_ANSWER_LEN] = { 253, 6, 0xCC, 0x4E };
	unsigned int valid = 0;

	for (unsigned int ctl = 0; ctl < 256; ctl++) {
		for (unsigned int id = 0; id < 256; id++) {
			struct hdropt_ccneg_opt out = {};
			int err;

			buf[4] = (__u8)ctl;
			buf[5] = (__u8)id;
			err = hdropt_ccneg_decode(buf, sizeof(buf), &out);
			if (ctl & HDROPT_CCNEG_F_RESERVED) {
				assert_int_equal(err, HDROPT_CCNEG_ERESERVED);
			} else if (!(ctl & HDROPT_CCNEG_F_ANSWER)) {
				/* A one-id offer: RESEND is not allowed, nor id 0. */
				if (ctl & HDROPT_CCNEG_F_RESEND)
					assert_int_equal(err, HDROPT_CCNEG_ERESERVED);
				else if (id == 0 || id == 255)
					assert_int_equal(err, HDROPT_CCNEG_EID);
				else
					assert_int_equal(err, 0);
			} else if (id == 255) {
				assert_int_equal(err, HDROPT_CCNEG_EID);
			} else {
				assert_int_equal(err, 0);
				assert_int_equal(out.ids[0], id);
				assert_int_equal(out.flags, ctl);
				valid++;
			}
		}
	}
	/* Answers: ctl 0x02, 0x03, ids 0..254. */
	assert_int_equal(valid, 2 * 255);
}

static void expect_rejected(const __u8 *b, __u32 len, int want)
{
	struct hdropt_ccneg_opt out, poison;

	memset(&out, 0x5A, sizeof(out));
	poison = out;
	assert_int_equal(hdropt_ccneg_decode(b, len, &out), want);
	/* A rejection leaves the output alone. */
	assert_memory_equal(&out, &poison, sizeof(out));
}

static void rejects_every_malformed_form(void **state)
{
	const __u8 kind[] = { 254, 7, 0xCC, 0x4E, 0, 3, 2 };
	const __u8 short_len[] = { 253, 5, 0xCC, 0x4E, 0 };
	const __u8 tiny_len[] = { 253, 2, 0xCC, 0x4E, 0, 3 };
	const __u8 long_len[] = { 253, 14, 0xCC, 0x4E, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	const __u8 exid[] = { 253, 7, 0xDA, 0x1C, 0, 3, 2 };
	const __u8 reserved[] = { 253, 7, 0xCC, 0x4E, 0x80, 3, 2 };
	const __u8 resend_offer[] = { 253, 7, 0xCC, 0x4E, 0x01, 3, 2 };
	const __u8 long_answer[] = { 253, 7, 0xCC, 0x4E, 0x02, 3, 2 };
	const __u8 zero_offered[] = { 253, 7, 0xCC, 0x4E, 0, 3, 0 };
	const __u8 id255[] = { 253, 7, 0xCC, 0x4E, 0, 255, 2 };
	const __u8 answer255[] = { 253, 6, 0xCC, 0x4E, 0x02, 255 };
	const __u8 dup[] = { 253, 9, 0xCC, 0x4E, 0, 3, 2, 1, 2 };

	expect_rejected(golden_offer, 0, HDROPT_CCNEG_ETRUNC);
	expect_rejected(golden_offer, 1, HDROPT_CCNEG_ETRUNC);
	for (__u32 len = 2; len < sizeof(golden_offer); len++)
		expect_rejected(golden_offer, len, HDROPT_CCNEG_ETRUNC);
	expect_rejected(kind, sizeof(kind), HDROPT_CCNEG_EKIND);
	expect_rejected(short_len, sizeof(short_len), HDROPT_CCNEG_ELEN);
	expect_rejected(tiny_len, sizeof(tiny_len), HDROPT_CCNEG_ELEN);
	expect_rejected(long_len, sizeof(long_len), HDROPT_CCNEG_ELEN);
	expect_rejected(exid, sizeof(exid), HDROPT_CCNEG_EEXID);
	expect_rejected(reserved, sizeof(reserved), HDROPT_CCNEG_ERESERVED);
	expect_rejected(resend_offer, sizeof(resend_offer), HDROPT_CCNEG_ERESERVED);
	expect_rejected(long_answer, sizeof(long_answer), HDROPT_CCNEG_ELEN);
	expect_rejected(zero_offered, sizeof(zero_offered), HDROPT_CCNEG_EID);
	expect_rejected(id255, sizeof(id255), HDROPT_CCNEG_EID);
	expect_rejected(answer255, sizeof(answer255), HDROPT_CCNEG_EID);
	expect_rejected(dup, sizeof(dup), HDROPT_CCNEG_EDUP);
}

/* Bytes after the option (the rest of the option space) are not its business. */
static void decode_ignores_what_follows(void **state)
{
	__u8 buf[20] = { 253, 6, 0xCC, 0x4E, 0, 2, 1, 1, 0xFF, 0xFF };
	struct hdropt_ccneg_opt o = {};

	assert_int_equal(hdropt_ccneg_decode(buf, sizeof(buf), &o), 0);
	assert_int_equal(o.n, 1);
	assert_int_equal(o.ids[0], 2);
}

static void encoder_refuses_what_decoder_rejects(void **state)
{
	struct hdropt_ccneg_opt o = { .n = 2, .ids = { 3, 2 } };
	__u8 buf[HDROPT_CCNEG_MAX_LEN];

	assert_int_equal(hdropt_ccneg_encode(buf, 6, &o), HDROPT_CCNEG_ENOSPC);
	o.flags = 0x04;
	assert_int_equal(hdropt_ccneg_encode(buf, sizeof(buf), &o), HDROPT_CCNEG_ERESERVED);
	o.flags = HDROPT_CCNEG_F_RESEND;
	assert_int_equal(hdropt_ccneg_encode(buf, sizeof(buf), &o), HDROPT_CCNEG_ERESERVED);
	o.flags = HDROPT_CCNEG_F_ANSWER;
	assert_int_equal(hdropt_ccneg_encode(buf, sizeof(buf), &o), HDROPT_CCNEG_ELEN);
	o.flags = 0;
	o.n = 0;
	assert_int_equal(hdropt_ccneg_encode(buf, sizeof(buf), &o), HDROPT_CCNEG_ELEN);
	o.n = 9;
	assert_int_equal(hdropt_ccneg_encode(buf, sizeof(buf), &o), HDROPT_CCNEG_ELEN);
	o.n = 2;
	o.ids[1] = 3;
	assert_int_equal(hdropt_ccneg_encode(buf, sizeof(buf), &o), HDROPT_CCNEG_EDUP);
	o.ids[1] = 0;
	assert_int_equal(hdropt_ccneg_encode(buf, sizeof(buf), &o), HDROPT_CCNEG_EID);
	/* Id 0 is an answer's "nothing in common". */
	o = (struct hdropt_ccneg_opt){ .flags = HDROPT_CCNEG_F_ANSWER, .n = 1, .ids = { 0 } };
	assert_int_equal(hdropt_ccneg_encode(buf, sizeof(buf), &o), HDROPT_CCNEG_ANSWER_LEN);
}

static void choose_takes_the_passive_sides_order(void **state)
{
	const __u8 server[] = { HDROPT_CCNEG_ID_DCTCP, HDROPT_CCNEG_ID_CUBIC };
	struct hdropt_ccneg_opt both = { .n = 2, .ids = { HDROPT_CCNEG_ID_CUBIC, HDROPT_CCNEG_ID_DCTCP } };
	struct hdropt_ccneg_opt cubic = { .n = 2, .ids = { HDROPT_CCNEG_ID_BBR, HDROPT_CCNEG_ID_CUBIC } };
	struct hdropt_ccneg_opt none = { .n = 2, .ids = { HDROPT_CCNEG_ID_BBR, 200 } };

	/* The client prefers cubic; the server's order wins. */
	assert_int_equal(hdropt_ccneg_choose(server, 2, &both), 0);
	assert_int_equal(hdropt_ccneg_choose(server, 2, &cubic), 1);
	assert_int_equal(hdropt_ccneg_choose(server, 2, &none), -1);
	assert_int_equal(hdropt_ccneg_choose(server, 0, &both), -1);
	assert_int_equal(hdropt_ccneg_index(server, 2, HDROPT_CCNEG_ID_CUBIC), 1);
	assert_int_equal(hdropt_ccneg_index(server, 2, HDROPT_CCNEG_ID_BBR), -1);
}

/*
 * Option space: a SYN with MSS (4), timestamps and SACK-permitted (12),
 * window scale (4) leaves 20 bytes; a Fast Open cookie request 4 more, a
 * cookie of 8 bytes 12.  delack reserves 7 of what is left.
 */
static void offer_trimmed_to_the_room_left(void **state)
{
	const __u32 delack = 7;

	assert_int_equal(hdropt_ccneg_ids_that_fit(20 - delack, 2), 2);
	assert_int_equal(hdropt_ccneg_ids_that_fit(20 - delack, 8), 8);
	assert_int_equal(hdropt_ccneg_ids_that_fit(16 - delack, 8), 4);
	assert_int_equal(hdropt_ccneg_ids_that_fit(12 - delack, 8), 0);
	assert_int_equal(hdropt_ccneg_ids_that_fit(8 - delack, 8), 0);
	assert_int_equal(hdropt_ccneg_ids_that_fit(40, 20), HDROPT_CCNEG_IDS_MAX);
	assert_int_equal(hdropt_ccneg_ids_that_fit(6, 3), 1);
	assert_int_equal(hdropt_ccneg_ids_that_fit(5, 3), 0);
}

/* The registry is part of the wire format: these numbers never change. */
static void registry_ids_are_stable(void **state)
{
	static const struct { const char *name; __u8 id; } pinned[] = {
		{ "reno", 1 }, { "cubic", 2 }, { "dctcp", 3 }, { "bbr", 4 }, { "vegas", 5 },
		{ "westwood", 6 }, { "bic", 7 }, { "htcp", 8 }, { "highspeed", 9 },
		{ "hybla", 10 }, { "illinois", 11 }, { "scalable", 12 }, { "yeah", 13 },
		{ "veno", 14 }, { "lp", 15 }, { "nv", 16 }, { "cdg", 17 },
	};

	assert_int_equal(HDROPT_CCNEG_REGISTRY_LEN, sizeof(pinned) / sizeof(pinned[0]));
	for (size_t i = 0; i < sizeof(pinned) / sizeof(pinned[0]); i++) {
		const struct hdropt_ccneg_alg *a = hdropt_ccneg_alg_by_name(pinned[i].name);
		char bpf_name[32];

		assert_non_null(a);
		assert_int_equal(a->id, pinned[i].id);
		assert_ptr_equal(hdropt_ccneg_alg_by_id(pinned[i].id), a);
		snprintf(bpf_name, sizeof(bpf_name), "bpf_%s", pinned[i].name);
		assert_ptr_equal(hdropt_ccneg_alg_by_name(bpf_name), a);
		assert_int_equal(a->needs_ecn, pinned[i].id == HDROPT_CCNEG_ID_DCTCP);
	}
	assert_null(hdropt_ccneg_alg_by_name("cubicx"));
	assert_null(hdropt_ccneg_alg_by_name("cubi"));
	assert_null(hdropt_ccneg_alg_by_name("bpf_"));
	assert_null(hdropt_ccneg_alg_by_id(0));
	assert_null(hdropt_ccneg_alg_by_id(255));
	assert_string_equal(hdropt_ccneg_strerror(HDROPT_CCNEG_EDUP), "algorithm offered twice");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(encode_golden_offer_and_answer),
		cmocka_unit_test(decode_golden_offer_and_answer),
		cmocka_unit_test(round_trip_offers_every_length),
		cmocka_unit_test(answers_exhaustive_ids_and_ctl),
		cmocka_unit_test(rejects_every_malformed_form),
		cmocka_unit_test(decode_ignores_what_follows),
		cmocka_unit_test(encoder_refuses_what_decoder_rejects),
		cmocka_unit_test(choose_takes_the_passive_sides_order),
		cmocka_unit_test(offer_trimmed_to_the_room_left),
		cmocka_unit_test(registry_ids_are_stable),
	};

	return cmocka_run_group_tests_name("ccneg_codec", tests, NULL, NULL);
}
