// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Host unit tests for include/bpftcp/veno.h, the arithmetic that
 * cc/veno.bpf.c runs.  The backlog estimate is checked against the paper's
 * real-valued N = cwnd (RTT - BaseRTT) / RTT; the state machine against
 * hand-derived values.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <math.h>
#include <string.h>
#include <cmocka.h>
#include "bpftcp/veno.h"

static struct veno_state fresh(void)
{
	struct veno_state v;

	memset(&v, 0xa5, sizeof(v));
	veno_init(&v);
	v.cntrtt = 0;
	v.diff = 0;
	return v;
}

static void test_init_and_enable(void **state)
{
	struct veno_state v = fresh();

	(void)state;
	assert_int_equal(v.basertt, 0x7fffffff);
	assert_int_equal(v.minrtt, 0x7fffffff);
	assert_int_equal(v.inc, 1);
	assert_int_equal(v.doing_veno_now, 1);
	veno_disable(&v);
	assert_int_equal(v.doing_veno_now, 0);
	v.minrtt = 5;
	veno_enable(&v);
	assert_int_equal(v.doing_veno_now, 1);
	assert_int_equal(v.minrtt, 0x7fffffff);
}

static void test_samples_min_filtered_plus_one(void **state)
{
	struct veno_state v = fresh();

	(void)state;
	veno_pkts_acked(&v, 5000);
	veno_pkts_acked(&v, 3000);
	veno_pkts_acked(&v, 4000);
	/* Never a zero RTT: every sample is rtt + 1. */
	assert_int_equal(v.basertt, 3001);
	assert_int_equal(v.minrtt, 3001);
	assert_int_equal(v.cntrtt, 3);
	/* No timestamp (rtt < 0): ignored. */
	veno_pkts_acked(&v, -1);
	assert_int_equal(v.cntrtt, 3);
	veno_pkts_acked(&v, 0);
	assert_int_equal(v.basertt, 1);
	/* A new round's minimum does not touch the base RTT's. */
	v.minrtt = 0x7fffffff;
	veno_pkts_acked(&v, 9000);
	assert_int_equal(v.minrtt, 9001);
	assert_int_equal(v.basertt, 1);
}

static void test_diff_is_twice_the_backlog(void **state)
{
	(void)state;
	for (uint32_t cwnd = 2; cwnd < 20000; cwnd = cwnd * 3 / 2 + 1) {
		for (uint32_t base = 100; base < 1000000; base *= 7) {
			for (uint32_t rtt = base; rtt < 4 * base; rtt += base / 3 + 1) {
				double n = (double)cwnd * (rtt - base) / rtt;
				double got = veno_diff(cwnd, base, rtt) / 2.0;

				/* target is truncated: diff rounds N up by < 1/2. */
				if (got < n - 1e-9 || got > n + 0.5 + 1e-9)
					fail_msg("cwnd %u base %u rtt %u: N %f, diff/2 %f",
						 cwnd, base, rtt, n, got);
			}
		}
	}
	/* Hand values: no queue; 100 packets at 2x base RTT -> N = 50. */
	assert_int_equal(veno_diff(100, 1000, 1000), 0);
	assert_int_equal(veno_diff(100, 1000, 2000), 100);
	/* Large windows do not overflow (64-bit product). */
	assert_int_equal(veno_diff(4000000, 1000000, 2000000), 4000000);
}

static void test_congestive_state_grows_every_other_rtt(void **state)
{
	struct veno_state v = fresh();
	uint32_t cwnd = 100, cnt = 0;

	(void)state;
	/* A "round" is cwnd single-packet ACKs plus the one that acts. */
	for (int round = 1; round <= 6; round++) {
		for (uint32_t n = 0, w = cwnd; n <= w; n++)
			veno_congestive_ai(&v, &cwnd, &cnt, 100000, 1);
		/* +1 every second round: 101, 101, 102, 102, 103, 103. */
		assert_int_equal(cwnd, 100 + (round + 1) / 2);
		assert_int_equal(cnt, 0);
	}
}

static void test_congestive_state_hand_steps(void **state)
{
	struct veno_state v = fresh();
	uint32_t cwnd = 10, cnt = 9;

	(void)state;
	veno_congestive_ai(&v, &cwnd, &cnt, 1000, 3);	/* 9 < 10: count */
	assert_int_equal(cnt, 12);
	assert_int_equal(cwnd, 10);
	veno_congestive_ai(&v, &cwnd, &cnt, 1000, 3);	/* 12 >= 10, inc: grow */
	assert_int_equal(cwnd, 11);
	assert_int_equal(cnt, 0);
	assert_int_equal(v.inc, 0);
	cnt = 11;
	veno_congestive_ai(&v, &cwnd, &cnt, 1000, 3);	/* !inc: skip */
	assert_int_equal(cwnd, 11);
	assert_int_equal(v.inc, 1);
	/* At the clamp: no growth, inc flips back. */
	cnt = 20;
	veno_congestive_ai(&v, &cwnd, &cnt, 11, 1);
	assert_int_equal(cwnd, 11);
	assert_int_equal(v.inc, 1);
}

static void test_bound_cwnd(void **state)
{
	(void)state;
	assert_int_equal(veno_bound_cwnd(0, 100), 2);
	assert_int_equal(veno_bound_cwnd(1, 100), 2);
	assert_int_equal(veno_bound_cwnd(50, 100), 50);
	assert_int_equal(veno_bound_cwnd(150, 100), 100);
}

static void test_ssthresh_random_vs_congestive_loss(void **state)
{
	struct veno_state v = fresh();

	(void)state;
	/* backlog < 3 packets (diff < 6): random loss, keep 4/5. */
	for (v.diff = 0; v.diff < 6; v.diff++)
		for (uint32_t cwnd = 3; cwnd < 100000; cwnd += 97)
			assert_int_equal(veno_ssthresh(&v, cwnd),
					 fmax(floor(cwnd * 0.8), 2));
	/* backlog >= 3: congestion, halve. */
	for (v.diff = 6; v.diff < 100; v.diff += 7)
		for (uint32_t cwnd = 3; cwnd < 100000; cwnd += 97)
			assert_int_equal(veno_ssthresh(&v, cwnd), fmax(floor(cwnd * 0.5), 2));
	v.diff = 0;
	assert_int_equal(veno_ssthresh(&v, 2), 2);
	v.diff = 6;
	assert_int_equal(veno_ssthresh(&v, 3), 2);
}

static void test_decision_threshold_is_three_packets(void **state)
{
	(void)state;
	/* cwnd 30, base 1000 us: N = 30 (rtt - 1000) / rtt. */
	/* rtt 1090: N = 2.48 -> diff 5 -> non-congestive */
	assert_true(veno_diff(30, 1000, 1090) < VENO_BETA);
	/* rtt 1100: N = 2.73, but the truncated target rounds 2N up to 6:
	 * congestive, as in the kernel. */
	assert_int_equal(veno_diff(30, 1000, 1100), 6);
	/* rtt 1112: N = 3.02 -> congestive */
	assert_true(veno_diff(30, 1000, 1112) >= VENO_BETA);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_and_enable),
		cmocka_unit_test(test_samples_min_filtered_plus_one),
		cmocka_unit_test(test_diff_is_twice_the_backlog),
		cmocka_unit_test(test_congestive_state_grows_every_other_rtt),
		cmocka_unit_test(test_congestive_state_hand_steps),
		cmocka_unit_test(test_bound_cwnd),
		cmocka_unit_test(test_ssthresh_random_vs_congestive_loss),
		cmocka_unit_test(test_decision_threshold_is_three_packets),
	};

	return cmocka_run_group_tests_name("veno_math", tests, NULL, NULL);
}
