// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Host unit tests for include/bpftcp/vegas.h, the arithmetic of bpf_vegas:
 * RTT sampling, the Vegas "diff" and target window, and the once-per-RTT
 * decisions.  Expected values are hand-derived from the Vegas rules
 * (Brakmo & Peterson 1995, as Linux states them) or computed in floating
 * point.
 */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <setjmp.h>
#include <cmocka.h>
#include "bpftcp/vegas.h"

static const struct vegas_params defaults = VEGAS_PARAMS_DEFAULT;

static struct cc_window win(uint32_t cwnd, uint32_t ssthresh)
{
	struct cc_window w = { .cwnd = cwnd, .ssthresh = ssthresh, .cwnd_clamp = 100000 };
	return w;
}

/* A state that ended an RTT with @min_rtt and a propagation delay @base. */
static struct vegas_state sampled(uint32_t min_rtt, uint32_t base)
{
	struct vegas_state v = { .doing_vegas_now = 1, .cntRTT = 5, .minRTT = min_rtt,
				 .baseRTT = base };
	return v;
}

static void init_forgets_base_rtt_and_starts_sampling(void **state)
{
	struct vegas_state v = { .baseRTT = 42, .minRTT = 43, .cntRTT = 9 };

	vegas_init(&v, 1000);
	assert_int_equal(v.baseRTT, 0x7fffffff);
	assert_int_equal(v.minRTT, 0x7fffffff);
	assert_int_equal(v.cntRTT, 0);
	assert_int_equal(v.doing_vegas_now, 1);
	assert_int_equal(v.beg_snd_nxt, 1000);
}

static void samples_are_min_filtered_and_never_zero(void **state)
{
	struct vegas_state v;

	vegas_init(&v, 0);
	vegas_pkts_acked(&v, 5000);
	vegas_pkts_acked(&v, 3000);
	vegas_pkts_acked(&v, 4000);
	assert_int_equal(v.minRTT, 3001);
	assert_int_equal(v.baseRTT, 3001);
	assert_int_equal(v.cntRTT, 3);
	/* A new RTT: minRTT restarts, baseRTT remembers. */
	vegas_enable(&v, 0);
	vegas_pkts_acked(&v, 6000);
	assert_int_equal(v.minRTT, 6001);
	assert_int_equal(v.baseRTT, 3001);
	/* 0 us becomes 1; negative (no timestamp) is ignored. */
	vegas_pkts_acked(&v, 0);
	vegas_pkts_acked(&v, -1);
	assert_int_equal(v.baseRTT, 1);
	assert_int_equal(v.cntRTT, 2);
}

static void state_open_enables_others_disable(void **state)
{
	struct vegas_state v;

	vegas_init(&v, 0);
	vegas_pkts_acked(&v, 100);
	vegas_state(&v, false, 77);
	assert_int_equal(v.doing_vegas_now, 0);
	assert_int_equal(v.cntRTT, 1);		/* disable keeps the samples */
	vegas_state(&v, true, 77);
	assert_int_equal(v.doing_vegas_now, 1);
	assert_int_equal(v.cntRTT, 0);
	assert_int_equal(v.beg_snd_nxt, 77);
	assert_int_equal(v.baseRTT, 101);	/* the base is kept */
}

static void diff_counts_queued_packets(void **state)
{
	/* 100 packets, RTT 12 ms over a 10 ms base: 100 * 2/10 = 20. */
	assert_int_equal(vegas_diff(100, 12000, 10000), 20);
	assert_int_equal(vegas_target_cwnd(100, 12000, 10000), 83);
	/* No queueing. */
	assert_int_equal(vegas_diff(100, 10000, 10000), 0);
	assert_int_equal(vegas_target_cwnd(100, 10000, 10000), 100);
}

static void diff_matches_floating_point(void **state)
{
	unsigned int seed = 3;

	for (int i = 0; i < 20000; i++) {
		uint32_t cwnd = 2 + rand_r(&seed) % 5000;
		uint32_t base = 1 + rand_r(&seed) % 200000;
		uint32_t rtt = base + rand_r(&seed) % 200000;

		if ((uint64_t)cwnd * (rtt - base) > UINT32_MAX)
			continue;	/* see diff_wraps_in_32_bits_like_linux */
		assert_int_equal(vegas_diff(cwnd, rtt, base),
				 (uint32_t)floor((double)cwnd * (rtt - base) / base));
		assert_int_equal(vegas_target_cwnd(cwnd, rtt, base),
				 (uint64_t)floor((double)cwnd * base / rtt));
	}
}

static void diff_wraps_in_32_bits_like_linux(void **state)
{
	/* tcp_vegas.c computes snd_cwnd * (rtt - baseRTT) in u32. */
	uint32_t want = (uint32_t)(100000ULL * 100000ULL) / 1000;

	assert_int_equal(vegas_diff(100000, 101000, 1000), want);
}

static void slow_start_exits_to_achieved_rate_when_diff_exceeds_gamma(void **state)
{
	struct vegas_state v = sampled(12000, 10000);
	struct cc_window w = win(100, 1000);

	vegas_rtt_adjust(&w, &v, 1, false, &defaults);
	/* cwnd = target + 1 = 84; ssthresh = min(ssthresh, cwnd) = 84, then
	 * tcp_current_ssthresh() = max(84, 3/4 * 84 = 63). */
	assert_int_equal(w.cwnd, 84);
	assert_int_equal(w.ssthresh, 84);
}

static void slow_start_continues_while_diff_within_gamma(void **state)
{
	/* diff = 100 * 100 / 10000 = 1 = gamma: keep slow-starting. */
	struct vegas_state v = sampled(10100, 10000);
	struct cc_window w = win(100, 1000);

	vegas_rtt_adjust(&w, &v, 3, false, &defaults);
	assert_int_equal(w.cwnd, 103);
	assert_int_equal(w.ssthresh, 1000);
}

static void avoidance_decreases_above_beta(void **state)
{
	/* diff = 50 * 1100 / 10000 = 5 > 4. */
	struct vegas_state v = sampled(11100, 10000);
	struct cc_window w = win(50, 50);

	vegas_rtt_adjust(&w, &v, 1, false, &defaults);
	assert_int_equal(w.cwnd, 49);
	/* min(50, 49) = 49, then max(49, 36). */
	assert_int_equal(w.ssthresh, 49);
}

static void avoidance_increases_below_alpha(void **state)
{
	/* diff = 50 * 200 / 10000 = 1 < 2. */
	struct vegas_state v = sampled(10200, 10000);
	struct cc_window w = win(50, 40);

	vegas_rtt_adjust(&w, &v, 1, false, &defaults);
	assert_int_equal(w.cwnd, 51);
	/* tcp_current_ssthresh(): max(40, 3/4 of 51 = 25 + 12). */
	assert_int_equal(w.ssthresh, 40);
}

static void avoidance_holds_between_alpha_and_beta(void **state)
{
	for (uint32_t queued = 2; queued <= 4; queued++) {
		/* diff = 100 * (queued * 100) / 10000 = queued. */
		struct vegas_state v = sampled(10000 + queued * 100, 10000);
		struct cc_window w = win(100, 60);

		vegas_rtt_adjust(&w, &v, 1, false, &defaults);
		assert_int_equal(w.cwnd, 100);
		/* ssthresh is raised to 3/4 of cwnd. */
		assert_int_equal(w.ssthresh, 75);
	}
}

static void window_stays_within_two_and_clamp(void **state)
{
	struct vegas_state v = sampled(100000, 10000);	/* diff huge */
	struct cc_window w = win(2, 2);

	vegas_rtt_adjust(&w, &v, 1, false, &defaults);
	assert_int_equal(w.cwnd, 2);

	v = sampled(10000, 10000);	/* diff 0: increase */
	w = win(500, 100);
	w.cwnd_clamp = 500;
	vegas_rtt_adjust(&w, &v, 1, false, &defaults);
	assert_int_equal(w.cwnd, 500);
}

static void current_ssthresh_kept_during_cwnd_reduction(void **state)
{
	struct vegas_state v = sampled(10200, 10000);
	struct cc_window w = win(50, 10);

	vegas_rtt_adjust(&w, &v, 1, true, &defaults);
	assert_int_equal(w.cwnd, 51);
	assert_int_equal(w.ssthresh, 10);
}

static void params_change_the_band(void **state)
{
	const struct vegas_params wide = { .alpha = 10, .beta = 20, .gamma = 1 };
	/* diff = 5: below the wide alpha, so increase instead of decrease. */
	struct vegas_state v = sampled(11100, 10000);
	struct cc_window w = win(50, 50);

	vegas_rtt_adjust(&w, &v, 1, false, &wide);
	assert_int_equal(w.cwnd, 51);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(init_forgets_base_rtt_and_starts_sampling),
		cmocka_unit_test(samples_are_min_filtered_and_never_zero),
		cmocka_unit_test(state_open_enables_others_disable),
		cmocka_unit_test(diff_counts_queued_packets),
		cmocka_unit_test(diff_matches_floating_point),
		cmocka_unit_test(diff_wraps_in_32_bits_like_linux),
		cmocka_unit_test(slow_start_exits_to_achieved_rate_when_diff_exceeds_gamma),
		cmocka_unit_test(slow_start_continues_while_diff_within_gamma),
		cmocka_unit_test(avoidance_decreases_above_beta),
		cmocka_unit_test(avoidance_increases_below_alpha),
		cmocka_unit_test(avoidance_holds_between_alpha_and_beta),
		cmocka_unit_test(window_stays_within_two_and_clamp),
		cmocka_unit_test(current_ssthresh_kept_during_cwnd_reduction),
		cmocka_unit_test(params_change_the_band),
	};

	return cmocka_run_group_tests_name("vegas_math", tests, NULL, NULL);
}
