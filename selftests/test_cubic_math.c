// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host unit tests for CUBIC's arithmetic (include/bpftcp/cubic.h), the same
 * code cc/cubic.bpf.c runs.  Expected values come from floating point
 * (cbrt(), the cubic function W(t) = C (t - K)^3 + W_max) or from the kernel's
 * loop form, not from the code under test.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "harness.h"
#include "bpftcp/cubic.h"
#include "hz_sweep.h"

static const struct cubic_params defaults = CUBIC_PARAMS_DEFAULT;

static double rel_err(double got, double want)
{
	return fabs(got - want) / want;
}

/*
 * The stated accuracy of cubic_root(): over CUBIC's operating range
 * (inputs >= 2^31: cube_factor * (W_max - cwnd) with W_max - cwnd >= 1 is
 * 2^40/410 ~ 2.7e9) the maximum relative error is below 0.2%, the mean below
 * 0.05%; from 2^20 up the maximum is below 1%.
 */
static void cube_root_matches_cbrt_over_operating_range(void **state)
{
	double worst = 0, sum = 0;
	long n = 0;

	for (int sh = 31; sh < 64; sh++) {
		for (int k = 0; k < 4000; k++) {
			__u64 a = (1ULL << sh) + (__u64)((double)k / 4000 * (double)(1ULL << sh));
			double e = rel_err(cubic_root(a), cbrt((double)a));

			sum += e;
			n++;
			if (e > worst)
				worst = e;
		}
	}
	print_message("cube root, inputs 2^31..2^64: max rel err %.5f%%, mean %.5f%%\n",
		      worst * 100, sum / n * 100);
	assert_true(worst < 0.002);
	assert_true(sum / n < 0.0005);
}

static void cube_root_within_one_percent_from_2_pow_20(void **state)
{
	double worst = 0;

	for (int sh = 20; sh < 31; sh++)
		for (int k = 0; k < 4000; k++) {
			__u64 a = (1ULL << sh) + (__u64)((double)k / 4000 * (double)(1ULL << sh));
			double e = rel_err(cubic_root(a), cbrt((double)a));

			if (e > worst)
				worst = e;
		}
	assert_true(worst < 0.01);
}

static void cube_root_small_inputs_round_to_nearest_or_adjacent(void **state)
{
	/* The kernel's table is coarse below 64; results stay within 1 of
	 * the true root there (and 0 maps to 0). */
	assert_int_equal(cubic_root(0), 0);
	for (__u64 a = 1; a < 4096; a++)
		assert_true(fabs(cubic_root(a) - cbrt((double)a)) <= 1.0);
}

static void cube_root_of_max_u64_does_not_overflow(void **state)
{
	assert_true(rel_err(cubic_root(~0ULL), cbrt(18446744073709551615.0)) < 0.002);
}

static void fls64_finds_most_significant_bit(void **state)
{
	assert_int_equal(cubic_fls64(0), 0);
	assert_int_equal(cubic_fls64(1), 1);
	for (int b = 0; b < 64; b++) {
		assert_int_equal(cubic_fls64(1ULL << b), b + 1);
		assert_int_equal(cubic_fls64((1ULL << b) | 1), b + 1);
	}
	assert_int_equal(cubic_fls64(~0ULL), 64);
}

static void derived_constants_match_kernel_defaults(void **state)
{
	/* beta_scale = 8*(1024+717)/3/(1024-717) = 15; cube_rtt_scale = 410;
	 * cube_factor = 2^40 / 410. */
	assert_int_equal(cubic_beta_scale(&defaults), 15);
	assert_int_equal(cubic_cube_rtt_scale(&defaults), 410);
	assert_true(cubic_cube_factor(&defaults) == (1ULL << 40) / 410);
}

static void usecs_to_jiffies_rounds_up(void **state)
{
	assert_int_equal(bpftcp_usecs_to_jiffies(0, 250), 0);
	assert_int_equal(bpftcp_usecs_to_jiffies(1, 250), 1);
	assert_int_equal(bpftcp_usecs_to_jiffies(4000, 250), 1);
	assert_int_equal(bpftcp_usecs_to_jiffies(4001, 250), 2);
	assert_int_equal(bpftcp_usecs_to_jiffies(1000000, 1000), 1000);
}

/* Starts an epoch after a loss from W_max down to cwnd at time @now. */
static struct cubic_state epoch_after_loss(__u32 wmax, __u32 cwnd, __u32 now)
{
	struct cubic_state ca = { 0 };

	ca.last_max_cwnd = wmax;
	cubic_update(&ca, cwnd, 1, now, HZ_TEST, &defaults);
	return ca;
}

static void k_is_time_to_return_to_wmax(void **state)
{
	/* K = cbrt((W_max - cwnd) / C) seconds, C = 410/1024; in 2^-10 s. */
	static const __u32 cases[][2] = { { 100, 70 }, { 1000, 717 }, { 10000, 7170 },
					  { 50, 49 }, { 100000, 71700 } };

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cubic_state ca = epoch_after_loss(cases[i][0], cases[i][1], 1000);
		double k = cbrt((cases[i][0] - cases[i][1]) / (410.0 / 1024)) * 1024;

		assert_int_equal(ca.bic_origin_point, cases[i][0]);
		assert_int_equal(ca.epoch_start, 1000);
		assert_true(rel_err(ca.bic_K, k) < 0.003);
	}
}

static void no_k_when_cwnd_at_or_above_wmax(void **state)
{
	struct cubic_state ca = epoch_after_loss(100, 120, 1000);

	assert_int_equal(ca.bic_K, 0);
	assert_int_equal(ca.bic_origin_point, 120);
}

/* The real cubic function W(t) = C (t - K)^3 + W_max, C = 410/1024. */
static double cubic_w(double wmax, double cwnd0, double t)
{
	double c = 410.0 / 1024, k = cbrt((wmax - cwnd0) / c);

	return wmax + c * pow(t - k, 3);
}

static void target_follows_cubic_function_concave_then_convex(void **state)
{
	const __u32 wmax = 1000, cwnd0 = 717, t0 = 10000;
	/* K ~ 8.9 s: sample the concave part, the plateau and the convex part. */
	const double secs[] = { 0.5, 2, 4, 6, 8, 8.9, 10, 12, 14 };

	for (size_t i = 0; i < sizeof(secs) / sizeof(secs[0]); i++) {
		struct cubic_state ca = epoch_after_loss(wmax, cwnd0, t0);
		__u32 now = t0 + (__u32)(secs[i] * HZ_TEST);
		double target = cubic_w(wmax, cwnd0, secs[i]);
		/* A cwnd 10 packets below the target makes cnt = cwnd / 10,
		 * so each integer target gives a distinct cnt. */
		__u32 cwnd = (__u32)floor(target) - 10;
		bool match = false;

		cubic_update(&ca, cwnd, 1, now, HZ_TEST, &defaults);
		/* The kernel's integer target is within one packet of W(t):
		 * some integer T with |T - W(t)| <= 1 gives this cnt. */
		for (__u32 t_int = (__u32)ceil(target - 1); t_int <= (__u32)floor(target + 1); t_int++)
			match |= ca.cnt == cwnd / (t_int - cwnd);
		print_message("t=%4.1fs W(t)=%7.2f cwnd=%u cnt=%u\n", secs[i], target, cwnd, ca.cnt);
		assert_true(match);
	}
}

static void target_below_cwnd_means_tiny_increment(void **state)
{
	struct cubic_state ca = epoch_after_loss(1000, 717, 10000);

	/* cwnd above the target (before K, below W_max): cnt = 100 * cwnd. */
	cubic_update(&ca, 990, 1, 10000 + HZ_TEST, HZ_TEST, &defaults);
	assert_int_equal(ca.cnt, 100 * 990);
}

static void first_epoch_grows_at_least_five_percent_per_rtt(void **state)
{
	/* No loss yet (W_max = 0): cnt is capped at 20. */
	struct cubic_state ca = { 0 };

	cubic_update(&ca, 1000, 1, 500, HZ_TEST, &defaults);
	assert_true(ca.cnt <= 20);
	assert_true(ca.cnt >= 2);
}

static void cnt_never_below_two(void **state)
{
	/* Far above K the cubic target explodes; growth stays <= 1.5x/RTT. */
	struct cubic_state ca = epoch_after_loss(100, 70, 1000);

	ca.last_cwnd = 0;
	cubic_update(&ca, 70, 1, 1000 + 3600 * HZ_TEST, HZ_TEST, &defaults);
	assert_int_equal(ca.cnt, 2);
}

/* The rate limit of the running kernel, in jiffies: HZ/32 rounded down
 * (7 jiffies = 28 ms at HZ 250, 31 = 31 ms at HZ 1000). */
static __u32 model_throttle_jiffies(void)
{
	return (__u32)floor(HZ_TEST / 32.0);
}

static void update_throttled_within_hz_over_32_same_cwnd(void **state)
{
	struct cubic_state ca = epoch_after_loss(1000, 717, 1000);
	__u32 cnt = ca.cnt, time = ca.last_time;

	assert_int_equal(time, 1000);
	/* Same cwnd, up to HZ/32 jiffies later: only ack_cnt moves... */
	cubic_update(&ca, 717, 3, 1000 + model_throttle_jiffies(), HZ_TEST, &defaults);
	assert_int_equal(ca.cnt, cnt);
	assert_int_equal(ca.last_time, time);
	assert_int_equal(ca.ack_cnt, 1 + 3);
	/* ...one jiffy more and cnt is recomputed. */
	cubic_update(&ca, 717, 1, 1000 + model_throttle_jiffies() + 1, HZ_TEST, &defaults);
	assert_int_equal(ca.last_time, 1000 + model_throttle_jiffies() + 1);
}

static void cnt_recomputed_at_most_once_per_jiffy(void **state)
{
	struct cubic_state ca = epoch_after_loss(1000, 717, 1000);

	/* A new cwnd within the same jiffy: only the TCP-friendly part runs. */
	cubic_update(&ca, 800, 1, 1000, HZ_TEST, &defaults);
	assert_int_equal(ca.last_cwnd, 717);
	assert_int_equal(ca.last_time, 1000);
	/* One jiffy later it runs in full. */
	cubic_update(&ca, 800, 1, 1001, HZ_TEST, &defaults);
	assert_int_equal(ca.last_cwnd, 800);
	assert_int_equal(ca.last_time, 1001);
}

/* The kernel's loop, for comparison with the closed form. */
static void friendliness_loop(__u32 *ack_cnt, __u32 *tcp_cwnd, __u32 delta)
{
	while (*ack_cnt > delta) {
		*ack_cnt -= delta;
		(*tcp_cwnd)++;
	}
}

static void tcp_friendly_closed_form_equals_kernel_loop(void **state)
{
	srand(42);
	for (int i = 0; i < 100000; i++) {
		__u32 cwnd = 2 + rand() % 5000, acked = 1 + rand() % 3000;
		struct cubic_state ca = { 0 }, ref;
		__u32 delta = (cwnd * cubic_beta_scale(&defaults)) >> 3;

		/* An epoch in progress, updated in this same jiffy: only the
		 * TCP-friendly part runs. */
		ca.epoch_start = 100;
		ca.last_time = 200;
		ca.last_cwnd = cwnd + 1;
		ca.ack_cnt = rand() % 100000;
		ca.tcp_cwnd = cwnd / 2 + rand() % cwnd;
		ca.cnt = 1000;
		ref = ca;

		cubic_update(&ca, cwnd, acked, 200, HZ_TEST, &defaults);
		ref.ack_cnt += acked;
		friendliness_loop(&ref.ack_cnt, &ref.tcp_cwnd, delta);
		assert_int_equal(ca.ack_cnt, ref.ack_cnt);
		assert_int_equal(ca.tcp_cwnd, ref.tcp_cwnd);
	}
}

static void tcp_friendly_region_caps_cnt(void **state)
{
	/* Reno estimate above cwnd: cnt <= cwnd / (tcp_cwnd - cwnd). */
	struct cubic_state ca = { .epoch_start = 100, .last_time = 200, .last_cwnd = 1,
				  .tcp_cwnd = 150, .cnt = 1000 };

	cubic_update(&ca, 100, 1, 200, HZ_TEST, &defaults);
	assert_int_equal(ca.cnt, 100 / 50);
}

static void ssthresh_is_beta_times_cwnd(void **state)
{
	struct cubic_state ca = { 0 };

	assert_int_equal(cubic_recalc_ssthresh(&ca, 100, &defaults), 100 * 717 / 1024);
	assert_int_equal(ca.last_max_cwnd, 100);
	assert_int_equal(ca.epoch_start, 0);
	/* never below 2 */
	assert_int_equal(cubic_recalc_ssthresh(&ca, 2, &defaults), 2);
}

static void fast_convergence_lowers_wmax(void **state)
{
	struct cubic_state ca = { .last_max_cwnd = 100, .epoch_start = 5 };
	struct cubic_params nofc = defaults;

	/* A loss below the previous W_max: release bandwidth to new flows. */
	cubic_recalc_ssthresh(&ca, 80, &defaults);
	assert_int_equal(ca.last_max_cwnd, 80 * (1024 + 717) / 2048);
	assert_int_equal(ca.epoch_start, 0);

	ca.last_max_cwnd = 100;
	nofc.fast_convergence = false;
	cubic_recalc_ssthresh(&ca, 80, &nofc);
	assert_int_equal(ca.last_max_cwnd, 80);
}

static void hystart_delay_threshold_is_clamped(void **state)
{
	assert_int_equal(cubic_hystart_delay_thresh(0), 4000);
	assert_int_equal(cubic_hystart_delay_thresh(5000), 5000);
	assert_int_equal(cubic_hystart_delay_thresh(100000), 16000);
}

static void reset_keeps_hystart_round_fields(void **state)
{
	struct cubic_state ca;

	memset(&ca, 0xab, sizeof(ca));
	cubic_reset(&ca);
	assert_int_equal(ca.cnt, 0);
	assert_int_equal(ca.last_max_cwnd, 0);
	assert_int_equal(ca.epoch_start, 0);
	assert_int_equal(ca.tcp_cwnd, 0);
	assert_int_equal(ca.found, 0);
	/* bictcp_reset() leaves the HyStart round state to hystart_reset. */
	assert_int_equal(ca.sample_cnt, 0xab);
	assert_int_equal(ca.curr_rtt, 0xabababab);
}

static void state_fits_in_icsk_ca_priv(void **state)
{
	assert_true(sizeof(struct cubic_state) <= 104);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(cube_root_matches_cbrt_over_operating_range),
		cmocka_unit_test(cube_root_within_one_percent_from_2_pow_20),
		cmocka_unit_test(cube_root_small_inputs_round_to_nearest_or_adjacent),
		cmocka_unit_test(cube_root_of_max_u64_does_not_overflow),
		cmocka_unit_test(fls64_finds_most_significant_bit),
		cmocka_unit_test(derived_constants_match_kernel_defaults),
		cmocka_unit_test(usecs_to_jiffies_rounds_up),
		cmocka_unit_test(k_is_time_to_return_to_wmax),
		cmocka_unit_test(no_k_when_cwnd_at_or_above_wmax),
		cmocka_unit_test(target_follows_cubic_function_concave_then_convex),
		cmocka_unit_test(target_below_cwnd_means_tiny_increment),
		cmocka_unit_test(first_epoch_grows_at_least_five_percent_per_rtt),
		cmocka_unit_test(cnt_never_below_two),
		cmocka_unit_test(update_throttled_within_hz_over_32_same_cwnd),
		cmocka_unit_test(cnt_recomputed_at_most_once_per_jiffy),
		cmocka_unit_test(tcp_friendly_closed_form_equals_kernel_loop),
		cmocka_unit_test(tcp_friendly_region_caps_cnt),
		cmocka_unit_test(ssthresh_is_beta_times_cwnd),
		cmocka_unit_test(fast_convergence_lowers_wmax),
		cmocka_unit_test(hystart_delay_threshold_is_clamped),
		cmocka_unit_test(reset_keeps_hystart_round_fields),
		cmocka_unit_test(state_fits_in_icsk_ca_priv),
	};

	return run_group_at_every_hz("cubic_math", tests);
}
