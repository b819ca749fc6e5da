// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Host unit tests for include/bpftcp/highspeed.h, the AIMD table and
 * arithmetic of bpf_highspeed.  The table is checked against the response
 * function of RFC 3649 (b(w) and a(w) in floating point), the table walk
 * against a literal copy of the kernel's loops, and the increase and
 * decrease against hand-derived values.
 */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include "bpftcp/highspeed.h"

/* RFC 3649 section 5: Low_Window 38, High_Window 83000, High_Decrease 0.1. */
static double rfc3649_b(double w)
{
	return (0.1 - 0.5) * (log(w) - log(38)) / (log(83000) - log(38)) + 0.5;
}

/* a(w) = w^2 p(w) 2 b(w) / (2 - b(w)), with p(w) = 0.078 / w^1.2. */
static double rfc3649_a(double w)
{
	double p = 0.078 / pow(w, 1.2);

	return w * w * p * 2 * rfc3649_b(w) / (2 - rfc3649_b(w));
}

static void table_follows_rfc3649_response_function(void **state)
{
	assert_int_equal(HSTCP_AIMD_MAX, 72);
	for (unsigned int i = 0; i < HSTCP_AIMD_MAX; i++) {
		double w = hstcp_aimd_vals[i].cwnd;

		/* md is b(w) << 8, truncated. */
		assert_true(hstcp_aimd_vals[i].md <= rfc3649_b(w) * 256 + 0.01);
		assert_true(hstcp_aimd_vals[i].md > rfc3649_b(w) * 256 - 1);
		/* Row i ends where a(w) reaches i + 1 packets per RTT. */
		assert_true(fabs(rfc3649_a(w) - (i + 1)) < 0.1);
		if (i)
			assert_true(hstcp_aimd_vals[i].cwnd > hstcp_aimd_vals[i - 1].cwnd);
	}
	assert_int_equal(hstcp_aimd_vals[0].cwnd, 38);
	assert_int_equal(hstcp_aimd_vals[0].md, 128);		/* Reno's 0.5 */
	assert_int_equal(hstcp_aimd_vals[71].cwnd, 89053);
	assert_int_equal(hstcp_aimd_vals[71].md, 24);
}

/* The kernel's while loops, verbatim in behaviour. */
static uint32_t kernel_walk(uint32_t ai, uint32_t cwnd)
{
	if (cwnd > hstcp_aimd_vals[ai].cwnd) {
		while (cwnd > hstcp_aimd_vals[ai].cwnd && ai < HSTCP_AIMD_MAX - 1)
			ai++;
	} else if (ai && cwnd <= hstcp_aimd_vals[ai - 1].cwnd) {
		while (ai && cwnd <= hstcp_aimd_vals[ai - 1].cwnd)
			ai--;
	}
	return ai;
}

static void table_walk_matches_kernel_loops_from_every_row(void **state)
{
	for (uint32_t ai = 0; ai < HSTCP_AIMD_MAX; ai++) {
		for (uint32_t cwnd = 1; cwnd < 100000; cwnd += 97)
			assert_int_equal(hstcp_update_ai(ai, cwnd), kernel_walk(ai, cwnd));
		for (uint32_t i = 0; i < HSTCP_AIMD_MAX; i++) {
			uint32_t edge = hstcp_aimd_vals[i].cwnd;

			assert_int_equal(hstcp_update_ai(ai, edge), kernel_walk(ai, edge));
			assert_int_equal(hstcp_update_ai(ai, edge + 1), kernel_walk(ai, edge + 1));
		}
	}
}

static void table_walk_finds_the_row_of_the_window(void **state)
{
	assert_int_equal(hstcp_update_ai(0, 1), 0);
	assert_int_equal(hstcp_update_ai(0, 38), 0);
	assert_int_equal(hstcp_update_ai(0, 39), 1);
	assert_int_equal(hstcp_update_ai(50, 118), 1);
	assert_int_equal(hstcp_update_ai(0, 119), 2);
	assert_int_equal(hstcp_update_ai(3, 1000), 7);
	assert_int_equal(hstcp_update_ai(0, 89053), 71);
	assert_int_equal(hstcp_update_ai(0, 1000000), 71);	/* last row */
	assert_int_equal(hstcp_update_ai(500, 1000), 7);	/* bad row: clamped */
}

static void increase_is_row_plus_one_packets_per_rtt(void **state)
{
	struct hstcp_state ca = { 0 };
	struct cc_window w = { .cwnd = 1000, .ssthresh = 10, .cwnd_clamp = 100000 };
	uint32_t start = w.cwnd;

	/* 851 < 1000 <= 1058: row 7, a(w) = 8 packets per RTT. */
	for (uint32_t i = 0; i < start; i++)
		hstcp_cong_avoid_ai(&ca, &w);
	assert_int_equal(ca.ai, 7);
	assert_true(w.cwnd >= start + 7 && w.cwnd <= start + 8);

	/* Below 38 packets it is Reno: +1 per RTT. */
	ca.ai = 5;
	w.cwnd = 20;
	w.cwnd_cnt = 0;
	for (uint32_t i = 0; i < 20; i++)
		hstcp_cong_avoid_ai(&ca, &w);
	assert_int_equal(ca.ai, 0);
	assert_int_equal(w.cwnd, 21);
}

static void increase_stops_at_cwnd_clamp(void **state)
{
	struct hstcp_state ca = { 0 };
	struct cc_window w = { .cwnd = 50, .cwnd_cnt = 49, .cwnd_clamp = 50 };

	hstcp_cong_avoid_ai(&ca, &w);
	assert_int_equal(w.cwnd, 50);
	assert_int_equal(w.cwnd_cnt, 49);
}

static void decrease_is_b_of_w(void **state)
{
	struct hstcp_state ca = { .ai = 7 };	/* md 83: b = 0.324 */

	assert_int_equal(hstcp_ssthresh(&ca, 1000), 1000 - 83000 / 256);
	ca.ai = 0;				/* Reno: halve */
	assert_int_equal(hstcp_ssthresh(&ca, 38), 19);
	ca.ai = 71;				/* b = 0.094 */
	assert_int_equal(hstcp_ssthresh(&ca, 100000), 100000 - 100000 * 24 / 256);
	ca.ai = 0;
	assert_int_equal(hstcp_ssthresh(&ca, 2), 2);
	assert_int_equal(hstcp_ssthresh(&ca, 3), 2);
}

static void clamp_keeps_md_product_in_32_bits(void **state)
{
	assert_int_equal(hstcp_cwnd_clamp(0xffffffffu), 0xffffffffu / 128);
	assert_int_equal(hstcp_cwnd_clamp(1000), 1000);
	/* At the clamp, cwnd * md (md <= 128) still fits. */
	assert_true((uint64_t)hstcp_cwnd_clamp(0xffffffffu) * 128 <= 0xffffffffu);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(table_follows_rfc3649_response_function),
		cmocka_unit_test(table_walk_matches_kernel_loops_from_every_row),
		cmocka_unit_test(table_walk_finds_the_row_of_the_window),
		cmocka_unit_test(increase_is_row_plus_one_packets_per_rtt),
		cmocka_unit_test(increase_stops_at_cwnd_clamp),
		cmocka_unit_test(decrease_is_b_of_w),
		cmocka_unit_test(clamp_keeps_md_product_in_32_bits),
	};

	return cmocka_run_group_tests_name("highspeed_math", tests, NULL, NULL);
}
