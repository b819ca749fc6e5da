// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Host unit tests for include/bpftcp/westwood.h, the bandwidth estimator of
 * bpf_westwood.  Expected values are hand-derived, or come from the ideal
 * answer (a constant delivery rate must be estimated as that rate, and the
 * resulting window must be the bandwidth-delay product).
 */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include "bpftcp/westwood.h"
#include "hz_sweep.h"

#define MSS 1000

static void init_starts_with_conservative_rtt(void **state)
{
	struct westwood_state w;

	westwood_init(&w, 5000, 777, HZ_TEST);
	assert_int_equal(w.rtt, 20 * HZ_TEST);
	assert_int_equal(w.rtt_min, 20 * HZ_TEST);
	assert_int_equal(w.rtt_win_sx, 5000);
	assert_int_equal(w.snd_una, 777);
	assert_int_equal(w.bw_est, 0);
	assert_true(w.first_ack);
	assert_true(w.reset_rtt_min);
}

static void rtt_samples_become_jiffies_rounded_up(void **state)
{
	struct westwood_state w;

	westwood_init(&w, 0, 0, HZ_TEST);
	westwood_pkts_acked(&w, 80000, HZ_TEST);
	assert_int_equal(w.rtt, model_usecs_to_jiffies(80000));
	westwood_pkts_acked(&w, 4001, HZ_TEST);
	assert_int_equal(w.rtt, model_usecs_to_jiffies(4001));
	/* No timestamp (negative) or zero: ignored. */
	westwood_pkts_acked(&w, -1, HZ_TEST);
	westwood_pkts_acked(&w, 0, HZ_TEST);
	assert_int_equal(w.rtt, model_usecs_to_jiffies(4001));
}

static void filter_takes_first_sample_then_smooths_by_seven_eighths(void **state)
{
	struct westwood_state w = { .bk = 80000 };

	westwood_filter(&w, 20);
	assert_int_equal(w.bw_ns_est, 4000);
	assert_int_equal(w.bw_est, 4000);
	w.bk = 40000;	/* 2000 per jiffy */
	westwood_filter(&w, 20);
	assert_int_equal(w.bw_ns_est, (7 * 4000 + 2000) / 8);		/* 3750 */
	assert_int_equal(w.bw_est, (7 * 4000 + 3750) / 8);		/* 3968 */
	assert_int_equal(westwood_do_filter(0, 8), 1);
	assert_int_equal(westwood_do_filter(8, 0), 7);
}

static void window_closes_only_after_rtt_and_at_least_50ms(void **state)
{
	struct westwood_state w;

	/* The minimum window: 50 ms, HZ/20 jiffies (12 at HZ 250). */
	const uint32_t win = (uint32_t)floor(HZ_TEST / 20.0);

	westwood_init(&w, 1000, 0, HZ_TEST);
	w.first_ack = 0;
	w.rtt = 1;		/* shorter than 50 ms: the minimum applies */
	w.bk = 120000;
	westwood_update_window(&w, 1000 + win, 0, HZ_TEST);
	assert_int_equal(w.bw_est, 0);		/* win is not > win */
	westwood_update_window(&w, 1001 + win, 0, HZ_TEST);
	assert_int_equal(w.bw_est, 120000 / (win + 1));
	assert_int_equal(w.bk, 0);
	assert_int_equal(w.rtt_win_sx, 1001 + win);

	w.rtt = 2 * win;	/* a longer RTT sets the window */
	w.bk = 3000;
	westwood_update_window(&w, 1001 + win + 2 * win, 0, HZ_TEST);
	assert_int_equal(w.bk, 3000);
	westwood_update_window(&w, 1002 + win + 2 * win, 0, HZ_TEST);
	assert_int_equal(w.bk, 0);
}

static void first_ack_does_not_count_earlier_bytes(void **state)
{
	struct westwood_state w;

	westwood_init(&w, 0, 100, HZ_TEST);
	westwood_ack(&w, false, 1, 5100, MSS, HZ_TEST);
	assert_int_equal(w.bk, 0);
	westwood_ack(&w, false, 2, 6100, MSS, HZ_TEST);
	assert_int_equal(w.bk, 1000);
}

static void dupacks_count_one_segment_and_are_taken_back(void **state)
{
	struct westwood_state w = { .snd_una = 10000 };

	/* Two dupacks: one mss each. */
	assert_int_equal(westwood_acked_count(&w, 10000, MSS), MSS);
	assert_int_equal(westwood_acked_count(&w, 10000, MSS), MSS);
	assert_int_equal(w.accounted, 2 * MSS);
	/* The cumulative ACK for 3 segments credits only the 1 not yet
	 * counted. */
	assert_int_equal(westwood_acked_count(&w, 13000, MSS), MSS);
	assert_int_equal(w.accounted, 0);
	assert_int_equal(w.snd_una, 13000);
}

static void partial_ack_within_accounted_credits_one_mss(void **state)
{
	struct westwood_state w = { .snd_una = 0, .accounted = 5 * MSS };

	assert_int_equal(westwood_acked_count(&w, 2 * MSS, MSS), MSS);
	assert_int_equal(w.accounted, 3 * MSS);
	/* A plain one-segment ACK is credited as is. */
	assert_int_equal(westwood_acked_count(&w, 3 * MSS, MSS), MSS);
	assert_int_equal(w.accounted, 3 * MSS);
}

static void rtt_min_follows_samples_and_resets_after_loss(void **state)
{
	struct westwood_state w;

	westwood_init(&w, 0, 0, HZ_TEST);
	w.rtt = 30;
	westwood_update_rtt_min(&w);		/* reset pending: take 30 */
	assert_int_equal(w.rtt_min, 30);
	w.rtt = 40;
	westwood_update_rtt_min(&w);
	assert_int_equal(w.rtt_min, 30);
	w.rtt = 25;
	westwood_update_rtt_min(&w);
	assert_int_equal(w.rtt_min, 25);
	w.reset_rtt_min = 1;			/* what CA_EVENT_LOSS does */
	w.rtt = 60;
	westwood_update_rtt_min(&w);
	assert_int_equal(w.rtt_min, 60);
}

static void window_is_bandwidth_times_rtt_min_in_packets(void **state)
{
	struct westwood_state w = { .bw_est = 15000, .rtt_min = 25 };

	assert_int_equal(westwood_bw_rttmin(&w, 1500), 250);
	w.bw_est = 10;
	assert_int_equal(westwood_bw_rttmin(&w, 1500), 2);	/* floor of 2 */
}

static void constant_rate_is_estimated_as_that_rate(void **state)
{
	const uint32_t bytes_per_jiffy = 10 * MSS, rtt_jiffies = 20;
	struct westwood_state w;
	uint32_t una = 1;
	double bdp;

	westwood_init(&w, 0, una, HZ_TEST);
	for (uint32_t now = 1; now < 3000; now++) {
		una += bytes_per_jiffy;
		/* An RTT of exactly rtt_jiffies jiffies, in microseconds. */
		westwood_pkts_acked(&w, rtt_jiffies * (1000000 / HZ_TEST), HZ_TEST);
		/* Mostly in-order ACKs, some on the slow path. */
		westwood_ack(&w, now % 7 == 0, now, una, MSS, HZ_TEST);
	}
	assert_true(fabs((double)w.bw_est - bytes_per_jiffy) <= bytes_per_jiffy * 0.01);
	assert_int_equal(w.rtt_min, rtt_jiffies);
	bdp = (double)bytes_per_jiffy * rtt_jiffies / MSS;	/* 200 packets */
	assert_true(fabs(westwood_bw_rttmin(&w, MSS) - bdp) <= bdp * 0.01);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(init_starts_with_conservative_rtt),
		cmocka_unit_test(rtt_samples_become_jiffies_rounded_up),
		cmocka_unit_test(filter_takes_first_sample_then_smooths_by_seven_eighths),
		cmocka_unit_test(window_closes_only_after_rtt_and_at_least_50ms),
		cmocka_unit_test(first_ack_does_not_count_earlier_bytes),
		cmocka_unit_test(dupacks_count_one_segment_and_are_taken_back),
		cmocka_unit_test(partial_ack_within_accounted_credits_one_mss),
		cmocka_unit_test(rtt_min_follows_samples_and_resets_after_loss),
		cmocka_unit_test(window_is_bandwidth_times_rtt_min_in_packets),
		cmocka_unit_test(constant_rate_is_estimated_as_that_rate),
	};

	return run_group_at_every_hz("westwood_math", tests);
}
