// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Host unit tests for include/bpftcp/bic.h, the arithmetic that
 * cc/bic.bpf.c runs.  Exact values are derived by hand from the BIC rules;
 * sweeps compare against a real-valued model of the binary search increase
 * (per-RTT increment = distance to W_max / B, capped at Smax, 1/smooth_part
 * near W_max) with a tolerance for integer truncation.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <math.h>
#include <string.h>
#include <cmocka.h>
#include "bpftcp/bic.h"
#include "hz_sweep.h"

static const struct bic_params defaults = BIC_PARAMS_DEFAULT;

/* A fresh state with W_max = @wmax and one packet per ACK unless given. */
static struct bic_state state_with(uint32_t wmax, uint32_t delayed_ack)
{
	struct bic_state ca;

	bic_reset(&ca);
	ca.last_max_cwnd = wmax;
	ca.delayed_ack = delayed_ack;
	return ca;
}

static uint32_t cnt_for(uint32_t cwnd, uint32_t wmax, uint32_t delayed_ack)
{
	struct bic_state ca = state_with(wmax, delayed_ack);

	bic_update(&ca, cwnd, 1000, HZ_TEST, &defaults);
	return ca.cnt;
}

static void test_reset_state(void **state)
{
	struct bic_state ca;

	(void)state;
	memset(&ca, 0xa5, sizeof(ca));
	bic_reset(&ca);
	assert_int_equal(ca.cnt, 0);
	assert_int_equal(ca.last_max_cwnd, 0);
	assert_int_equal(ca.epoch_start, 0);
	assert_int_equal(ca.delayed_ack, 32);	/* 2 packets per ACK, << 4 */
}

static void test_reno_below_low_window(void **state)
{
	(void)state;
	/* cwnd <= 14: cnt = cwnd, not scaled by the delayed-ACK ratio. */
	for (uint32_t cwnd = 1; cwnd <= 14; cwnd++)
		assert_int_equal(cnt_for(cwnd, 500, 32), cwnd);
}

static void test_binary_search_hand_values(void **state)
{
	(void)state;
	/* All with delayed_ack = 32 (2 packets/ACK): cnt is halved. */
	/* far below W_max: dist 25 > 16 -> linear, 100/16 = 6 -> 3 */
	assert_int_equal(cnt_for(100, 200, 32), 3);
	/* dist = 20/4 = 5 -> 100/5 = 20 -> 10 */
	assert_int_equal(cnt_for(100, 120, 32), 10);
	/* dist = 1: smooth, 100 * 20 / 4 = 500 -> 250 */
	assert_int_equal(cnt_for(100, 104, 32), 250);
	/* just above W_max (< W_max + B): also smooth */
	assert_int_equal(cnt_for(100, 98, 32), 250);
	/* W_max + 4 <= cwnd < W_max + 48: 100 * 3 / 10 = 30 -> 15 */
	assert_int_equal(cnt_for(100, 90, 32), 15);
	/* far above W_max: linear, 200 / 16 = 12 -> 6 */
	assert_int_equal(cnt_for(200, 100, 32), 6);
	/* one packet per ACK (delayed_ack = 16): unscaled */
	assert_int_equal(cnt_for(100, 120, 16), 20);
}

static void test_no_wmax_caps_cnt_at_20(void **state)
{
	(void)state;
	/* W_max = 0 (slow start never lost): at least 5% per RTT. */
	assert_int_equal(cnt_for(1000, 0, 16), 20);	/* 1000/16 = 62 -> 20 */
	assert_int_equal(cnt_for(100, 0, 16), 6);	/* 100/16 = 6, kept */
	assert_int_equal(cnt_for(1000, 0, 32), 10);	/* capped, then halved */
}

static void test_cnt_never_zero(void **state)
{
	(void)state;
	/* cwnd 15, W_max 0: 15*3/15 = 3; 4 packets per ACK: 48/64 = 0 -> 1 */
	assert_int_equal(cnt_for(15, 0, 64), 1);
}

/* Real-valued model: the per-RTT increment BIC aims for. */
static double ref_increment(double cwnd, double wmax, const struct bic_params *p)
{
	double smax = p->max_increment, b = BICTCP_B;

	if (cwnd < wmax) {
		double dist = (wmax - cwnd) / b;

		if (dist > smax)
			return smax;
		if (dist < 2.0)		/* integer dist <= 1 */
			return b / p->smooth_part;
		return dist;
	}
	if (cwnd < wmax + b)
		return b / p->smooth_part;
	if (cwnd < wmax + smax * (b - 1))
		return (cwnd - wmax) / (b - 1);
	return smax;
}

static void test_increment_tracks_real_model(void **state)
{
	(void)state;
	for (uint32_t wmax = 50; wmax <= 5000; wmax += 97) {
		for (uint32_t cwnd = 15; cwnd < 2 * wmax; cwnd += 13) {
			/* cnt >= 1: never more than one packet per ACK. */
			double inc = fmin(ref_increment(cwnd, wmax, &defaults), cwnd);
			uint32_t cnt = cnt_for(cwnd, wmax, 16);
			double got = (double)cwnd / cnt;
			/* The code truncates dist to an integer (up to 1 packet
			 * less) and cnt to an integer (up to 1 ACK less). */
			double lo = inc - 1.0;
			double hi = cwnd / inc > 2.0 ? cwnd / (cwnd / inc - 1.0) : cwnd;

			if (!(got >= lo - 1e-9 && got <= hi + 1e-9))
				fail_msg("cwnd %u wmax %u: increment %f, model %f",
					 cwnd, wmax, got, inc);
		}
	}
}

static void test_update_rate_limited_to_hz_over_32(void **state)
{
	struct bic_state ca = state_with(200, 16);

	(void)state;
	bic_update(&ca, 100, 1000, HZ_TEST, &defaults);
	assert_int_equal(ca.cnt, 6);		/* 100/16 */
	assert_int_equal(ca.epoch_start, 1000);
	/* Same cwnd within HZ/32 jiffies (31.25 ms, in whole jiffies): no
	 * recomputation. */
	ca.last_max_cwnd = 120;
	bic_update(&ca, 100, 1000 + (uint32_t)floor(HZ_TEST / 32.0), HZ_TEST, &defaults);
	assert_int_equal(ca.cnt, 6);
	/* One jiffy later it recomputes with the new W_max. */
	bic_update(&ca, 100, 1001 + (uint32_t)floor(HZ_TEST / 32.0), HZ_TEST, &defaults);
	assert_int_equal(ca.cnt, 20);
	assert_int_equal(ca.epoch_start, 1000);	/* epoch kept */
	/* A different cwnd recomputes at once. */
	ca.last_max_cwnd = 200;
	bic_update(&ca, 101, 1001 + (uint32_t)floor(HZ_TEST / 32.0), HZ_TEST, &defaults);
	assert_int_equal(ca.cnt, 6);		/* 101/16 */
}

static void test_ssthresh_beta_and_fast_convergence(void **state)
{
	struct bic_state ca = state_with(0, 32);

	(void)state;
	/* First loss: W_max = cwnd, ssthresh = floor(cwnd * 819/1024). */
	assert_int_equal(bic_recalc_ssthresh(&ca, 100, &defaults), 79);
	assert_int_equal(ca.last_max_cwnd, 100);
	assert_int_equal(ca.epoch_start, 0);
	/* Loss below W_max: fast convergence W_max = cwnd (1 + beta) / 2. */
	ca.last_max_cwnd = 200;
	assert_int_equal(bic_recalc_ssthresh(&ca, 100, &defaults), 79);
	assert_int_equal(ca.last_max_cwnd, (uint32_t)floor(100 * (1.0 + 819.0 / 1024) / 2));
	/* Without fast convergence W_max = cwnd. */
	struct bic_params nofc = defaults;

	nofc.fast_convergence = false;
	ca.last_max_cwnd = 200;
	bic_recalc_ssthresh(&ca, 100, &nofc);
	assert_int_equal(ca.last_max_cwnd, 100);
	/* Sweep against floating point. */
	for (uint32_t cwnd = 15; cwnd < 100000; cwnd += 37)
		assert_int_equal(bic_recalc_ssthresh(&ca, cwnd, &defaults),
				 (uint32_t)floor(cwnd * 819.0 / 1024.0));
}

static void test_ssthresh_small_windows_halve(void **state)
{
	struct bic_state ca = state_with(0, 32);

	(void)state;
	assert_int_equal(bic_recalc_ssthresh(&ca, 14, &defaults), 7);
	assert_int_equal(bic_recalc_ssthresh(&ca, 10, &defaults), 5);
	assert_int_equal(bic_recalc_ssthresh(&ca, 3, &defaults), 2);
	assert_int_equal(bic_recalc_ssthresh(&ca, 1, &defaults), 2);
}

static void test_delayed_ack_ratio_converges(void **state)
{
	(void)state;
	/* d += s - d/16 settles where d/16 == s: the packets-per-ACK ratio. */
	for (uint32_t s = 1; s <= 8; s++) {
		struct bic_state ca = state_with(0, 32);

		for (int i = 0; i < 400; i++)
			bic_acked(&ca, s);
		assert_int_equal(ca.delayed_ack >> ACK_RATIO_SHIFT, s);
	}
	/* One step by hand: 32 + 4 - 2 = 34. */
	struct bic_state ca = state_with(0, 32);

	bic_acked(&ca, 4);
	assert_int_equal(ca.delayed_ack, 34);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reset_state),
		cmocka_unit_test(test_reno_below_low_window),
		cmocka_unit_test(test_binary_search_hand_values),
		cmocka_unit_test(test_no_wmax_caps_cnt_at_20),
		cmocka_unit_test(test_cnt_never_zero),
		cmocka_unit_test(test_increment_tracks_real_model),
		cmocka_unit_test(test_update_rate_limited_to_hz_over_32),
		cmocka_unit_test(test_ssthresh_beta_and_fast_convergence),
		cmocka_unit_test(test_ssthresh_small_windows_halve),
		cmocka_unit_test(test_delayed_ack_ratio_converges),
	};

	return run_group_at_every_hz("bic_math", tests);
}
