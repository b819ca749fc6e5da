// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Host unit tests for include/bpftcp/illinois.h, the arithmetic that
 * cc/illinois.bpf.c runs.  The alpha and beta curves are checked against the
 * paper's real-valued definitions (alpha = k1 / (k2 + da) between 0.3 and
 * 10; beta linear between 1/8 and 1/2), computed here in floating point;
 * the rest against hand-derived values.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <math.h>
#include <string.h>
#include <cmocka.h>
#include "bpftcp/illinois.h"

static const struct illinois_params defaults = ILLINOIS_PARAMS_DEFAULT;

/* The paper's alpha(da) in packets per RTT, with amin = 0.3, amax = 10. */
static double ref_alpha(double da, double dm)
{
	const double amin = 0.3, amax = 10.0;
	double d1 = dm / 100.0, k1, k2;

	if (da <= d1)
		return amax;
	k1 = (dm - d1) * amin * amax / (amax - amin);
	k2 = (dm - d1) * amin / (amax - amin) - d1;
	return k1 / (k2 + da);
}

/* The paper's beta(da): 1/8 up to dm/10, 1/2 from 8dm/10, linear between. */
static double ref_beta(double da, double dm)
{
	double d2 = dm / 10.0, d3 = 8.0 * dm / 10.0;

	if (da <= d2)
		return 0.125;
	if (da >= d3)
		return 0.5;
	return 0.125 + (da - d2) * (0.5 - 0.125) / (d3 - d2);
}

static struct illinois_state fresh(void)
{
	struct illinois_state ca;

	memset(&ca, 0, sizeof(ca));
	illinois_init(&ca, 1000);
	return ca;
}

static void test_init_values(void **state)
{
	struct illinois_state ca = fresh();

	(void)state;
	assert_int_equal(ca.alpha, 10 * 128);
	assert_int_equal(ca.beta, 32);		/* 0.5 << 6 */
	assert_int_equal(ca.base_rtt, 0x7fffffff);
	assert_int_equal(ca.max_rtt, 0);
	assert_int_equal(ca.end_seq, 1000);
	assert_int_equal(ca.cnt_rtt, 0);
	assert_true(ca.sum_rtt == 0);
}

static void test_alpha_curve_matches_paper(void **state)
{
	(void)state;
	for (uint32_t dm = 1000; dm <= 1000000; dm *= 10) {
		for (uint32_t da = dm / 100 + 1; da <= dm; da += dm / 97 + 1) {
			struct illinois_state ca = fresh();
			double got = illinois_alpha(&ca, da, dm, &defaults) / 128.0;
			double want = ref_alpha(da, dm);

			/* The kernel's amin is 38/128 = 0.297 (1% off 0.3);
			 * plus one unit of 1/128 for the integer division. */
			if (fabs(got - want) > 0.011 * want + 1.0 / 128)
				fail_msg("dm %u da %u: alpha %f, paper %f", dm, da, got, want);
			assert_int_equal(ca.rtt_above, 1);
		}
	}
}

static void test_alpha_end_points(void **state)
{
	struct illinois_state ca = fresh();

	(void)state;
	/* At the maximum delay alpha is ALPHA_MIN (0.3). */
	assert_int_equal(illinois_alpha(&ca, 100000, 100000, &defaults), ALPHA_MIN);
	/* No queueing delay ever: alpha max. */
	ca = fresh();
	assert_int_equal(illinois_alpha(&ca, 0, 0, &defaults), ALPHA_MAX);
	assert_int_equal(illinois_alpha(&ca, 999, 100000, &defaults), ALPHA_MAX);
	assert_int_equal(ca.rtt_above, 0);
}

static void test_alpha_waits_theta_rtts_before_max(void **state)
{
	struct illinois_state ca = fresh();

	(void)state;
	/* Leave the low-delay zone: alpha drops, rtt_above is set. */
	ca.alpha = illinois_alpha(&ca, 50000, 100000, &defaults);
	assert_true(ca.alpha < ALPHA_MAX);
	assert_int_equal(ca.rtt_above, 1);
	/* theta - 1 = 4 low-delay RTTs keep the old alpha... */
	for (int i = 1; i < 5; i++) {
		assert_int_equal(illinois_alpha(&ca, 10, 100000, &defaults), ca.alpha);
		assert_int_equal(ca.rtt_low, i);
	}
	/* ...the 5th gives the maximum and clears the history. */
	assert_int_equal(illinois_alpha(&ca, 10, 100000, &defaults), ALPHA_MAX);
	assert_int_equal(ca.rtt_low, 0);
	assert_int_equal(ca.rtt_above, 0);
}

static void test_beta_curve_matches_paper(void **state)
{
	(void)state;
	for (uint32_t dm = 100; dm <= 10000000; dm *= 10) {
		for (uint32_t da = 0; da <= dm; da += dm / 113 + 1) {
			double got = illinois_beta(da, dm) / 64.0;
			double want = ref_beta(da, dm);

			/* One unit of 1/64 for the integer division, plus the
			 * integer d2, d3 when dm is small. */
			if (fabs(got - want) > 1.0 / 64 + (dm < 1000 ? 0.02 : 0))
				fail_msg("dm %u da %u: beta %f, paper %f", dm, da, got, want);
		}
	}
	assert_int_equal(illinois_beta(0, 0), BETA_MIN);
	assert_int_equal(illinois_beta(100, 1000), BETA_MIN);	/* = dm/10 */
	assert_int_equal(illinois_beta(800, 1000), BETA_MAX);	/* = 8dm/10 */
	/* Half-way: (8*800 - 32*100 + 24*450) / 700 = 20 (exact 20.57). */
	assert_int_equal(illinois_beta(450, 1000), 20);
}

static void test_rtt_samples(void **state)
{
	struct illinois_state ca = fresh();

	(void)state;
	illinois_acked(&ca, 3, 1000);
	illinois_acked(&ca, 2, 3000);
	illinois_acked(&ca, 1, 2000);
	assert_int_equal(ca.acked, 1);
	assert_int_equal(ca.base_rtt, 1000);
	assert_int_equal(ca.max_rtt, 3000);
	assert_int_equal(ca.cnt_rtt, 3);
	assert_true(ca.sum_rtt == 6000);
	assert_int_equal(illinois_max_delay(&ca), 2000);
	assert_int_equal(illinois_avg_delay(&ca), 1000);	/* 2000 - 1000 */
	/* A dup ACK: pkts counted, no sample. */
	illinois_acked(&ca, 4, -1);
	assert_int_equal(ca.acked, 4);
	assert_int_equal(ca.cnt_rtt, 3);
	/* Bogus huge RTTs are clamped to RTT_MAX (3.3 s). */
	illinois_acked(&ca, 1, 0x7fffffff);
	assert_int_equal(ca.max_rtt, RTT_MAX);
	assert_int_equal(RTT_MAX, 3355443);
}

static void test_update_params(void **state)
{
	struct illinois_state ca = fresh();

	(void)state;
	/* Small window: Reno's alpha = 1 and beta = 1/2. */
	illinois_acked(&ca, 1, 1000);
	illinois_update_params(&ca, 14, 5000, &defaults);
	assert_int_equal(ca.alpha, ALPHA_BASE);
	assert_int_equal(ca.beta, BETA_BASE);
	assert_int_equal(ca.end_seq, 5000);
	assert_int_equal(ca.cnt_rtt, 0);
	/* No samples in the round: alpha/beta kept. */
	ca.alpha = 77;
	illinois_update_params(&ca, 100, 6000, &defaults);
	assert_int_equal(ca.alpha, 77);
	/* Samples: base 1000, max 11000 (dm = 10000), average 6000
	 * (da = 5000): alpha and beta from the curves. */
	illinois_acked(&ca, 1, 11000);
	illinois_acked(&ca, 1, 1000);
	illinois_update_params(&ca, 100, 7000, &defaults);
	assert_int_equal(ca.beta, illinois_beta(5000, 10000));
	assert_true(fabs(ca.alpha / 128.0 - ref_alpha(5000, 10000)) < 0.02);
}

static void test_loss_resets(void **state)
{
	struct illinois_state ca = fresh();

	(void)state;
	ca.alpha = 300;
	ca.beta = 10;
	ca.rtt_low = 3;
	ca.rtt_above = 1;
	illinois_acked(&ca, 1, 500);
	illinois_loss(&ca, 42);
	assert_int_equal(ca.alpha, ALPHA_BASE);
	assert_int_equal(ca.beta, BETA_BASE);
	assert_int_equal(ca.rtt_low, 0);
	assert_int_equal(ca.rtt_above, 0);
	assert_int_equal(ca.cnt_rtt, 0);
	assert_int_equal(ca.end_seq, 42);
	assert_int_equal(ca.base_rtt, 500);	/* the minimum is kept */
}

/* One RTT of single-packet ACKs adds about alpha packets. */
static void test_increase_is_alpha_per_rtt(void **state)
{
	static const uint32_t alphas[] = { ALPHA_MIN, ALPHA_BASE, 5 * 128, ALPHA_MAX };

	(void)state;
	for (size_t i = 0; i < sizeof(alphas) / sizeof(alphas[0]); i++) {
		struct illinois_state ca = fresh();
		uint32_t cwnd = 1000, cnt = 0;
		double want = alphas[i] / 128.0 * 10;	/* 10 RTTs */

		ca.alpha = alphas[i];
		ca.acked = 1;
		/* 10 RTTs: each ACK covers one packet. */
		for (int rtt = 0; rtt < 10; rtt++)
			for (uint32_t n = 0, w = cwnd; n < w; n++)
				illinois_increase(&ca, &cwnd, &cnt, 100000);
		if (fabs((cwnd - 1000.0) - want) > 0.1 * want + 1)
			fail_msg("alpha %u: grew %u, want %f", alphas[i], cwnd - 1000, want);
	}
}

static void test_increase_hand_values(void **state)
{
	struct illinois_state ca = fresh();
	uint32_t cwnd = 100, cnt = 0;

	(void)state;
	/* alpha 10: delta = cnt * 10; +1 when cnt reaches 10. */
	ca.acked = 9;
	illinois_increase(&ca, &cwnd, &cnt, 1000);
	assert_int_equal(cnt, 9);
	assert_int_equal(ca.acked, 1);		/* later ACKs count one each */
	illinois_increase(&ca, &cwnd, &cnt, 1000);
	assert_int_equal(cwnd, 101);
	assert_int_equal(cnt, 0);
	/* A stretch ACK of 25 packets: delta 250 -> +2. */
	ca.acked = 25;
	cwnd = 100;
	illinois_increase(&ca, &cwnd, &cnt, 1000);
	assert_int_equal(cwnd, 102);
	/* The clamp holds. */
	ca.acked = 25;
	cwnd = 100;
	cnt = 0;
	illinois_increase(&ca, &cwnd, &cnt, 101);
	assert_int_equal(cwnd, 101);
}

static void test_ssthresh(void **state)
{
	struct illinois_state ca = fresh();

	(void)state;
	ca.beta = BETA_MAX;
	assert_int_equal(illinois_ssthresh(&ca, 100), 50);
	ca.beta = BETA_MIN;
	assert_int_equal(illinois_ssthresh(&ca, 100), 88);	/* 100 - 12 */
	assert_int_equal(illinois_ssthresh(&ca, 2), 2);
	assert_int_equal(illinois_ssthresh(&ca, 0), 2);
	for (uint32_t b = BETA_MIN; b <= BETA_MAX; b++) {
		ca.beta = b;
		for (uint32_t cwnd = 16; cwnd < 50000; cwnd += 101)
			assert_int_equal(illinois_ssthresh(&ca, cwnd),
					 (uint32_t)ceil(cwnd * (1.0 - b / 64.0)));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_values),
		cmocka_unit_test(test_alpha_curve_matches_paper),
		cmocka_unit_test(test_alpha_end_points),
		cmocka_unit_test(test_alpha_waits_theta_rtts_before_max),
		cmocka_unit_test(test_beta_curve_matches_paper),
		cmocka_unit_test(test_rtt_samples),
		cmocka_unit_test(test_update_params),
		cmocka_unit_test(test_loss_resets),
		cmocka_unit_test(test_increase_is_alpha_per_rtt),
		cmocka_unit_test(test_increase_hand_values),
		cmocka_unit_test(test_ssthresh),
	};

	return cmocka_run_group_tests_name("illinois_math", tests, NULL, NULL);
}
