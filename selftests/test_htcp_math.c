// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Host unit tests for include/bpftcp/htcp.h, the arithmetic of bpf_htcp:
 * the alpha (increase) and beta (backoff) computations, the bandwidth
 * switch, RTT and throughput measurement, and the per-ACK increase.
 * Expected values are hand-derived from the H-TCP formulas (Shorten & Leith:
 * alpha = 1 + 10 d + (d/2)^2 after the first second, beta = minRTT/maxRTT
 * in [0.5, 0.8]) or computed from them in floating point.
 */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include "bpftcp/htcp.h"
#include "hz_sweep.h"

static const struct htcp_params defaults = HTCP_PARAMS_DEFAULT;
static const struct htcp_params no_scaling = { .use_rtt_scaling = 0, .use_bandwidth_switch = 1 };
static const struct htcp_params no_switch = { .use_rtt_scaling = 1, .use_bandwidth_switch = 0 };

static struct htcp_state fresh(uint32_t now)
{
	struct htcp_state ca;

	htcp_init(&ca, now);
	return ca;
}

static void init_is_reno_with_half_backoff(void **state)
{
	struct htcp_state ca = fresh(1000);

	assert_int_equal(ca.alpha, 128);	/* 1.0 packet per RTT */
	assert_int_equal(ca.beta, 64);		/* 0.5 */
	assert_int_equal(ca.pkts_acked, 1);
	assert_int_equal(ca.last_cong, 1000);
	assert_int_equal(ca.minRTT, 0);
	assert_int_equal(ca.modeswitch, 0);
}

static void alpha_is_reno_during_first_second(void **state)
{
	struct htcp_state ca = fresh(1000);

	ca.minRTT = model_msecs_to_jiffies(100);	/* RTT scaling is neutral */
	for (uint32_t t = 0; t <= HZ_TEST; t += HZ_TEST / 5) {
		htcp_alpha_update(&ca, 1000 + t, HZ_TEST, &defaults);
		assert_int_equal(ca.alpha, 2 * 1 * (128 - 64));
	}
}

static void alpha_follows_the_htcp_polynomial(void **state)
{
	struct htcp_state ca = fresh(0);

	/* d = 1 s past the first second: 1 + 10 + 0.25 -> 11. */
	htcp_alpha_update(&ca, 2 * HZ_TEST, HZ_TEST, &no_scaling);
	assert_int_equal(ca.alpha, 2 * 11 * 64);
	/* d = 10 s: 1 + 100 + 25 = 126. */
	htcp_alpha_update(&ca, 11 * HZ_TEST, HZ_TEST, &no_scaling);
	assert_int_equal(ca.alpha, 2 * 126 * 64);

	for (uint32_t diff = HZ_TEST + 1; diff < 60 * HZ_TEST; diff += 7) {
		double d = (double)(diff - HZ_TEST) / HZ_TEST;
		double want = 1 + 10 * d + (d / 2) * (d / 2);
		double got;

		htcp_alpha_update(&ca, diff, HZ_TEST, &no_scaling);
		got = ca.alpha / (2.0 * 64);
		/* Integer division truncates, never rounding up: the final
		 * division loses < 1, the inner one < 1/HZ, and halving diff
		 * before squaring < d/(2 HZ) + 1/(4 HZ^2). */
		assert_true(got <= want + 1e-9);
		assert_true(got > want - 1.0 - d / (2.0 * HZ_TEST) - 2.0 / HZ_TEST);
	}
}

static void alpha_scales_with_min_rtt_over_100ms(void **state)
{
	struct htcp_state ca = fresh(0);
	const uint32_t now = 2 * HZ_TEST;	/* unscaled factor 11 */

	ca.minRTT = model_msecs_to_jiffies(100);	/* x1 */
	htcp_alpha_update(&ca, now, HZ_TEST, &defaults);
	assert_int_equal(ca.alpha, 2 * 11 * 64);
	ca.minRTT = model_msecs_to_jiffies(20);	/* x0.2 -> 2.2 -> 2 */
	htcp_alpha_update(&ca, now, HZ_TEST, &defaults);
	assert_int_equal(ca.alpha, 2 * 2 * 64);
	ca.minRTT = model_msecs_to_jiffies(1000);	/* x10, clamped to x2 */
	htcp_alpha_update(&ca, now, HZ_TEST, &defaults);
	assert_int_equal(ca.alpha, 2 * 22 * 64);
	ca.minRTT = 1;		/* 1 jiffy, <= 10 ms at every HZ: clamped to x0.1 */
	htcp_alpha_update(&ca, now, HZ_TEST, &defaults);
	assert_int_equal(ca.alpha, 2 * 1 * 64);
	ca.minRTT = 0;				/* unknown: unscaled */
	htcp_alpha_update(&ca, now, HZ_TEST, &defaults);
	assert_int_equal(ca.alpha, 2 * 11 * 64);
}

static void alpha_accounts_for_beta(void **state)
{
	struct htcp_state ca = fresh(0);

	ca.beta = 102;		/* 0.8: 2 (1 - 0.8) = 0.4 of the increase */
	htcp_alpha_update(&ca, 0, HZ_TEST, &no_scaling);
	assert_int_equal(ca.alpha, 2 * (128 - 102));
}

static void beta_is_min_rtt_over_max_rtt_clamped(void **state)
{
	struct htcp_state ca = fresh(0);

	ca.modeswitch = 1;
	htcp_beta_update(&ca, 70, 100, HZ_TEST, &no_switch);
	assert_int_equal(ca.beta, 89);		/* 0.7 * 128 = 89.6 */
	htcp_beta_update(&ca, 50, 100, HZ_TEST, &no_switch);
	assert_int_equal(ca.beta, 64);		/* 0.5 */
	htcp_beta_update(&ca, 40, 100, HZ_TEST, &no_switch);
	assert_int_equal(ca.beta, 64);		/* 0.4 -> 0.5 */
	htcp_beta_update(&ca, 90, 100, HZ_TEST, &no_switch);
	assert_int_equal(ca.beta, 102);		/* 0.9 -> 0.8 */
	assert_int_equal(ca.modeswitch, 1);
}

static void beta_half_for_short_rtt_or_unknown_max(void **state)
{
	struct htcp_state ca = fresh(0);

	/* minRTT must exceed 10 ms in jiffies (rounded up). */
	ca.modeswitch = 1;
	htcp_beta_update(&ca, model_msecs_to_jiffies(10), model_msecs_to_jiffies(10) + 1,
			 HZ_TEST, &no_switch);
	assert_int_equal(ca.beta, 64);
	ca.modeswitch = 1;
	htcp_beta_update(&ca, model_msecs_to_jiffies(10) + 1, model_msecs_to_jiffies(10) + 1,
			 HZ_TEST, &no_switch);
	assert_int_equal(ca.beta, 102);		/* 1.0 -> 0.8 */
	ca.modeswitch = 1;
	htcp_beta_update(&ca, 40, 0, HZ_TEST, &no_switch);
	assert_int_equal(ca.beta, 64);
	/* The first congestion event only arms the mode switch. */
	ca.modeswitch = 0;
	htcp_beta_update(&ca, 70, 100, HZ_TEST, &no_switch);
	assert_int_equal(ca.beta, 64);
	assert_int_equal(ca.modeswitch, 1);
	htcp_beta_update(&ca, 70, 100, HZ_TEST, &no_switch);
	assert_int_equal(ca.beta, 89);
}

static void bandwidth_switch_resets_beta_on_20_percent_change(void **state)
{
	struct htcp_state ca = fresh(0);

	ca.modeswitch = 1;
	ca.old_maxB = 100;
	ca.maxB = 115;		/* within +-20%: adaptive beta */
	htcp_beta_update(&ca, 70, 100, HZ_TEST, &defaults);
	assert_int_equal(ca.beta, 89);
	assert_int_equal(ca.old_maxB, 115);

	ca.old_maxB = 100;
	ca.maxB = 125;		/* +25% */
	htcp_beta_update(&ca, 70, 100, HZ_TEST, &defaults);
	assert_int_equal(ca.beta, 64);
	assert_int_equal(ca.modeswitch, 0);

	ca.modeswitch = 1;
	ca.old_maxB = 100;
	ca.maxB = 79;		/* -21% */
	htcp_beta_update(&ca, 70, 100, HZ_TEST, &defaults);
	assert_int_equal(ca.beta, 64);

	assert_true(htcp_between(500, 400, 600));
	assert_true(htcp_between(400, 400, 600));
	assert_false(htcp_between(601, 400, 600));
	assert_true(htcp_between(0, 0, 0));	/* no measurement yet */
}

static void congestion_event_fades_max_rtt_and_sets_ssthresh(void **state)
{
	struct htcp_state ca = fresh(0);

	ca.modeswitch = 1;
	ca.minRTT = 80;
	ca.maxRTT = 100;
	assert_int_equal(htcp_recalc_ssthresh(&ca, 100, 0, HZ_TEST, &no_switch), 79);
	assert_int_equal(ca.beta, 102);
	assert_int_equal(ca.maxRTT, 80 + 20 * 95 / 100);	/* 99 */
	assert_int_equal(htcp_recalc_ssthresh(&ca, 2, 0, HZ_TEST, &no_switch), 2);
}

static void increase_is_alpha_packets_per_rtt(void **state)
{
	struct htcp_state ca = fresh(0);
	struct cc_window w = { .cwnd = 100, .ssthresh = 50, .cwnd_clamp = 100000 };
	/* 0.1 s past the first second: factor 2, alpha = 256 (2 / RTT). */
	const uint32_t now = HZ_TEST + HZ_TEST / 10;
	double ideal = 100;

	htcp_alpha_update(&ca, now, HZ_TEST, &no_scaling);
	assert_int_equal(ca.alpha, 256);
	for (int rtt = 0; rtt < 20; rtt++) {
		uint32_t n = w.cwnd;

		for (uint32_t i = 0; i < n; i++)
			htcp_cong_avoid_ai(&ca, &w, now, HZ_TEST, &no_scaling);
		ideal += ca.alpha / 128.0;
	}
	/* The counter restarts after each increment (that ACK is not
	 * counted), so the real rate is a little under the ideal one. */
	assert_true(w.cwnd <= ideal);
	assert_true(w.cwnd >= ideal - 0.1 * (ideal - 100));
}

static void increase_respects_cwnd_clamp(void **state)
{
	struct htcp_state ca = fresh(0);
	struct cc_window w = { .cwnd = 50, .cwnd_cnt = 1000, .cwnd_clamp = 50 };

	htcp_cong_avoid_ai(&ca, &w, 0, HZ_TEST, &no_scaling);
	assert_int_equal(w.cwnd, 50);
	assert_int_equal(w.cwnd_cnt, 0);
}

static void max_rtt_grows_only_when_open_and_in_small_steps(void **state)
{
	struct htcp_state ca = fresh(0);

	const uint32_t j20 = model_msecs_to_jiffies(20);

	htcp_measure_rtt(&ca, 30, true, HZ_TEST);
	assert_int_equal(ca.minRTT, 30);
	assert_int_equal(ca.maxRTT, 30);
	htcp_measure_rtt(&ca, 30 + j20, true, HZ_TEST);	/* +20 ms: ok */
	assert_int_equal(ca.maxRTT, 30 + j20);
	htcp_measure_rtt(&ca, 31 + 2 * j20, true, HZ_TEST);	/* +20 ms + 1: an outlier */
	assert_int_equal(ca.maxRTT, 30 + j20);
	htcp_measure_rtt(&ca, 31 + j20, false, HZ_TEST);	/* not Open */
	assert_int_equal(ca.maxRTT, 30 + j20);
	htcp_measure_rtt(&ca, 20, false, HZ_TEST);	/* min: any state */
	assert_int_equal(ca.minRTT, 20);
}

static void throughput_is_measured_per_window_and_smoothed(void **state)
{
	struct htcp_state ca = fresh(0);

	ca.minRTT = 10;
	/* 100 packets in 20 jiffies, 2 RTTs after the event: take it as is. */
	htcp_measure_achieved_throughput(&ca, 100, -1, true, true, 100, 20, HZ_TEST, &defaults);
	const uint32_t b1 = (uint32_t)floor(100.0 / 20 * HZ_TEST);	/* packets/s */
	const uint32_t b2 = (uint32_t)floor(100.0 / 80 * HZ_TEST);

	assert_int_equal(ca.Bi, b1);
	assert_int_equal(ca.maxB, b1);
	assert_int_equal(ca.minB, b1);
	assert_int_equal(ca.packetcount, 0);
	assert_int_equal(ca.pkts_acked, 100);
	/* Later (10 RTTs after): 100 packets in 80 jiffies, smoothed 3/4. */
	htcp_measure_achieved_throughput(&ca, 100, -1, true, true, 100, 100, HZ_TEST, &defaults);
	assert_int_equal(ca.Bi, (uint32_t)floor((3.0 * b1 + b2) / 4));
	assert_int_equal(ca.maxB, b1);
	/* Too few packets for a window: keep counting. */
	htcp_measure_achieved_throughput(&ca, 10, -1, true, true, 100, 200, HZ_TEST, &defaults);
	assert_int_equal(ca.packetcount, 10);
	/* Outside Open/Disorder: restart the measurement. */
	htcp_measure_achieved_throughput(&ca, 10, -1, false, false, 100, 300, HZ_TEST, &defaults);
	assert_int_equal(ca.packetcount, 0);
	assert_int_equal(ca.lasttime, 300);
	assert_int_equal(ca.pkts_acked, 10);		/* only set when Open */
	/* An RTT sample in microseconds becomes jiffies, rounded up. */
	htcp_measure_achieved_throughput(&ca, 1, 4001, true, true, 100, 301, HZ_TEST, &defaults);
	assert_int_equal(ca.minRTT, model_usecs_to_jiffies(4001));
}

static void undo_restores_the_congestion_epoch(void **state)
{
	struct htcp_state ca = fresh(100);

	ca.maxRTT = 40;
	ca.old_maxB = 7;
	htcp_set_state(&ca, false, true, 500);		/* enter Recovery */
	assert_int_equal(ca.last_cong, 500);
	assert_int_equal(ca.undo_last_cong, 100);
	ca.maxRTT = 30;
	ca.old_maxB = 9;
	htcp_undo(&ca);
	assert_int_equal(ca.last_cong, 100);
	assert_int_equal(ca.maxRTT, 40);
	assert_int_equal(ca.old_maxB, 7);
	assert_int_equal(ca.undo_last_cong, 0);

	/* Back to Open after a real (not undone) event: the clock restarts. */
	htcp_set_state(&ca, false, true, 600);
	htcp_set_state(&ca, true, false, 700);
	assert_int_equal(ca.last_cong, 700);
	assert_int_equal(ca.undo_last_cong, 0);
	/* Open again with nothing pending: no change. */
	htcp_set_state(&ca, true, false, 800);
	assert_int_equal(ca.last_cong, 700);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(init_is_reno_with_half_backoff),
		cmocka_unit_test(alpha_is_reno_during_first_second),
		cmocka_unit_test(alpha_follows_the_htcp_polynomial),
		cmocka_unit_test(alpha_scales_with_min_rtt_over_100ms),
		cmocka_unit_test(alpha_accounts_for_beta),
		cmocka_unit_test(beta_is_min_rtt_over_max_rtt_clamped),
		cmocka_unit_test(beta_half_for_short_rtt_or_unknown_max),
		cmocka_unit_test(bandwidth_switch_resets_beta_on_20_percent_change),
		cmocka_unit_test(congestion_event_fades_max_rtt_and_sets_ssthresh),
		cmocka_unit_test(increase_is_alpha_packets_per_rtt),
		cmocka_unit_test(increase_respects_cwnd_clamp),
		cmocka_unit_test(max_rtt_grows_only_when_open_and_in_small_steps),
		cmocka_unit_test(throughput_is_measured_per_window_and_smoothed),
		cmocka_unit_test(undo_restores_the_congestion_epoch),
	};

	return run_group_at_every_hz("htcp_math", tests);
}
