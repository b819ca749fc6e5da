// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Host unit tests for include/bpftcp/scalable.h, the arithmetic that
 * cc/scalable.bpf.c runs.  Expected values come from the paper's real-valued
 * rules (a = 0.01 per ACK up to the Reno region, b = 1/8), computed here in
 * floating point, not from the header's integer code.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <math.h>
#include <cmocka.h>
#include "bpftcp/scalable.h"

/* Real-valued reference: keep 7/8 of cwnd, rounded up to a whole packet. */
static uint32_t ref_ssthresh(uint32_t cwnd)
{
	double keep = ceil((double)cwnd * 7.0 / 8.0);

	return keep < 2.0 ? 2 : (uint32_t)keep;
}

static void test_ssthresh_keeps_seven_eighths(void **state)
{
	(void)state;
	for (uint32_t cwnd = 2; cwnd < 100000; cwnd += 7)
		assert_int_equal(scalable_ssthresh(cwnd), ref_ssthresh(cwnd));
	assert_int_equal(scalable_ssthresh(8), 7);
	assert_int_equal(scalable_ssthresh(100), 88);
	assert_int_equal(scalable_ssthresh(1000), 875);
}

static void test_ssthresh_floor_is_two(void **state)
{
	(void)state;
	assert_int_equal(scalable_ssthresh(0), 2);
	assert_int_equal(scalable_ssthresh(1), 2);
	assert_int_equal(scalable_ssthresh(2), 2);
	assert_int_equal(scalable_ssthresh(3), 3);
}

static void test_ssthresh_largest_window(void **state)
{
	(void)state;
	/* No overflow: 0xffffffff - 0x1fffffff. */
	assert_int_equal(scalable_ssthresh(UINT32_MAX), 0xe0000000u);
}

static void test_ai_cnt_is_reno_below_100(void **state)
{
	(void)state;
	/* Below 100 packets Scalable grows like Reno: +1 per cwnd ACKs. */
	for (uint32_t cwnd = 1; cwnd <= 100; cwnd++)
		assert_int_equal(scalable_ai_cnt(cwnd), cwnd);
}

static void test_ai_cnt_gives_one_percent_per_rtt(void **state)
{
	(void)state;
	/* Above 100, one RTT (cwnd ACKs) adds cwnd/100 packets = 1%. */
	for (uint32_t cwnd = 200; cwnd < 1000000; cwnd *= 3) {
		double growth = (double)cwnd / scalable_ai_cnt(cwnd);

		assert_true(fabs(growth - cwnd * 0.01) < 1e-9);
	}
	assert_int_equal(scalable_ai_cnt(UINT32_MAX), 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ssthresh_keeps_seven_eighths),
		cmocka_unit_test(test_ssthresh_floor_is_two),
		cmocka_unit_test(test_ssthresh_largest_window),
		cmocka_unit_test(test_ai_cnt_is_reno_below_100),
		cmocka_unit_test(test_ai_cnt_gives_one_percent_per_rtt),
	};

	return cmocka_run_group_tests_name("scalable_math", tests, NULL, NULL);
}
