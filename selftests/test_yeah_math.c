// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Host unit tests for include/bpftcp/yeah.h, the arithmetic that
 * cc/yeah.bpf.c runs.  The queue estimate and the decongestion and loss
 * reductions are checked against YeAH's real-valued rules
 * (Q = cwnd (RTT - BaseRTT) / RTT; drain min(Q, cwnd/2) when Q > 80; on loss
 * cut min(max(Q, cwnd/8), cwnd/2)), the mode switches against hand-derived
 * sequences.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <math.h>
#include <string.h>
#include <cmocka.h>
#include "bpftcp/yeah.h"

static struct yeah_state fresh(void)
{
	struct yeah_state y;

	memset(&y, 0xa5, sizeof(y));
	yeah_init(&y, 5000);
	y.fast_count = 0;
	return y;
}

/* A state whose last round saw base RTT @base and minimum RTT @rtt. */
static struct yeah_state with_rtts(uint32_t base, uint32_t rtt)
{
	struct yeah_state y = fresh();

	y.vegas.baseRTT = base;
	y.vegas.minRTT = rtt;
	y.vegas.cntRTT = 3;
	return y;
}

static void test_init(void **state)
{
	struct yeah_state y = fresh();

	(void)state;
	assert_int_equal(y.vegas.baseRTT, 0x7fffffff);
	assert_int_equal(y.vegas.minRTT, 0x7fffffff);
	assert_int_equal(y.vegas.beg_snd_nxt, 5000);
	assert_int_equal(y.vegas.cntRTT, 0);
	assert_int_equal(y.vegas.doing_vegas_now, 1);
	assert_int_equal(y.doing_reno_now, 0);
	assert_int_equal(y.lastQ, 0);
	assert_int_equal(y.reno_count, 2);
}

static void test_vegas_samples_and_states(void **state)
{
	struct yeah_state y = fresh();

	(void)state;
	vegas_pkts_acked(&y.vegas, 800);
	vegas_pkts_acked(&y.vegas, 700);
	vegas_pkts_acked(&y.vegas, -1);	/* no timestamp: ignored */
	assert_int_equal(y.vegas.baseRTT, 701);	/* rtt + 1 */
	assert_int_equal(y.vegas.minRTT, 701);
	assert_int_equal(y.vegas.cntRTT, 2);
	/* Leaving Open stops the samples; coming back restarts the round. */
	vegas_state(&y.vegas, false, 6000);
	assert_int_equal(y.vegas.doing_vegas_now, 0);
	vegas_state(&y.vegas, true, 7000);
	assert_int_equal(y.vegas.doing_vegas_now, 1);
	assert_int_equal(y.vegas.beg_snd_nxt, 7000);
	assert_int_equal(y.vegas.cntRTT, 0);
	assert_int_equal(y.vegas.minRTT, 0x7fffffff);
	assert_int_equal(y.vegas.baseRTT, 701);	/* kept across states */
	/* Restart after idle forgets the base RTT too. */
	vegas_init(&y.vegas, 8000);
	assert_int_equal(y.vegas.baseRTT, 0x7fffffff);
}

static void test_ai_cnt_fast_and_slow_modes(void **state)
{
	struct yeah_state y = fresh();

	(void)state;
	assert_int_equal(yeah_ai_cnt(&y, 50), 50);	/* Scalable, below 100 */
	assert_int_equal(yeah_ai_cnt(&y, 5000), 100);	/* Scalable: 1% per RTT */
	y.doing_reno_now = 1;
	assert_int_equal(yeah_ai_cnt(&y, 5000), 5000);	/* Reno */
}

static void test_no_queue_is_fast_mode(void **state)
{
	struct yeah_state y = with_rtts(1000, 1000);
	uint32_t cwnd = 1000, ssthresh = 77;

	(void)state;
	y.doing_reno_now = 5;
	assert_false(yeah_rtt_decision(&y, &cwnd, &ssthresh));
	assert_int_equal(cwnd, 1000);
	assert_int_equal(ssthresh, 77);
	assert_int_equal(y.doing_reno_now, 0);
	assert_int_equal(y.fast_count, 1);
	assert_int_equal(y.lastQ, 0);
}

static void test_delay_above_base_over_8_is_slow_mode(void **state)
{
	/* cwnd 50, delay 200 us > 1000/8: Q = 50*200/1200 = 8.3 -> 8. */
	struct yeah_state y = with_rtts(1000, 1200);
	uint32_t cwnd = 50, ssthresh = 77;

	(void)state;
	assert_false(yeah_rtt_decision(&y, &cwnd, &ssthresh));
	assert_int_equal(cwnd, 50);		/* Q <= 80: nothing drained */
	assert_int_equal(y.lastQ, 8);
	assert_int_equal(y.doing_reno_now, 1);
	assert_int_equal(y.reno_count, 25);	/* was 2: cwnd / 2 */
	/* Next slow round: reno_count just counts up. */
	assert_false(yeah_rtt_decision(&y, &cwnd, &ssthresh));
	assert_int_equal(y.reno_count, 26);
	assert_int_equal(y.doing_reno_now, 2);
	/* Exactly base/8 of delay is still fast. */
	y = with_rtts(1000, 1125);
	yeah_rtt_decision(&y, &cwnd, &ssthresh);
	assert_int_equal(y.doing_reno_now, 0);
}

static void test_large_queue_is_drained(void **state)
{
	/* cwnd 1000, rtt 1.25 base: Q = 200 > 80 -> cwnd 800 = ssthresh. */
	struct yeah_state y = with_rtts(1000, 1250);
	uint32_t cwnd = 1000, ssthresh = 0x7fffffff;

	(void)state;
	assert_true(yeah_rtt_decision(&y, &cwnd, &ssthresh));
	assert_int_equal(cwnd, 800);
	assert_int_equal(ssthresh, 800);
	assert_int_equal(y.lastQ, 200);
	assert_int_equal(y.reno_count, 400);
	/* At most half is drained: rtt 4x base, Q = 750 -> cwnd 500. */
	y = with_rtts(1000, 4000);
	cwnd = 1000;
	assert_true(yeah_rtt_decision(&y, &cwnd, &ssthresh));
	assert_int_equal(cwnd, 500);
	/* Never below reno_count. */
	y = with_rtts(1000, 4000);
	y.reno_count = 600;
	cwnd = 1000;
	assert_true(yeah_rtt_decision(&y, &cwnd, &ssthresh));
	assert_int_equal(cwnd, 600);
	assert_int_equal(y.reno_count, 601);
	/* Not at or below reno_count at all. */
	y = with_rtts(1000, 4000);
	y.reno_count = 1000;
	cwnd = 1000;
	assert_false(yeah_rtt_decision(&y, &cwnd, &ssthresh));
	assert_int_equal(cwnd, 1000);
}

static void test_drain_matches_real_model(void **state)
{
	(void)state;
	for (uint32_t cwnd = 100; cwnd < 200000; cwnd = cwnd * 5 / 4) {
		for (uint32_t rtt = 1000; rtt < 5000; rtt += 37) {
			struct yeah_state y = with_rtts(1000, rtt);
			uint32_t c = cwnd, ss = 0;
			double q = (double)cwnd * (rtt - 1000) / rtt, want = cwnd;

			if (q >= 81.0)
				want = cwnd - fmin(q, cwnd / 2.0);
			yeah_rtt_decision(&y, &c, &ss);
			/* Q and cwnd/2 are truncated: at most 1 packet more kept. */
			if (c < want - 1e-9 || c > want + 1.0 + 1e-9)
				fail_msg("cwnd %u rtt %u: got %u, model %f", cwnd, rtt, c, want);
			assert_true(fabs(y.lastQ - q) < 1.0);
		}
	}
}

static void test_fifty_one_fast_rounds_reset_reno_count(void **state)
{
	struct yeah_state y = with_rtts(1000, 1000);
	uint32_t cwnd = 100, ss = 0;

	(void)state;
	y.reno_count = 40;
	for (int i = 1; i <= TCP_YEAH_ZETA; i++) {
		yeah_rtt_decision(&y, &cwnd, &ss);
		assert_int_equal(y.fast_count, i);
		assert_int_equal(y.reno_count, 40);
	}
	yeah_rtt_decision(&y, &cwnd, &ss);
	assert_int_equal(y.reno_count, 2);
	assert_int_equal(y.fast_count, 0);
}

static void test_doing_reno_now_saturates(void **state)
{
	struct yeah_state y = with_rtts(1000, 2000);
	uint32_t cwnd = 10, ss = 0;

	(void)state;
	y.doing_reno_now = 0xffffff;
	yeah_rtt_decision(&y, &cwnd, &ss);
	assert_int_equal(y.doing_reno_now, 0xffffff);
}

static void test_queue_estimate_has_no_overflow(void **state)
{
	/* The largest cwnd YeAH allows, with a 3.3 s queueing delay. */
	struct yeah_state y = with_rtts(1000, 3300000);
	uint32_t cwnd = TCP_YEAH_CWND_MAX, ss = 0;

	(void)state;
	yeah_rtt_decision(&y, &cwnd, &ss);
	assert_int_equal(y.lastQ,
			 (uint32_t)((uint64_t)TCP_YEAH_CWND_MAX * 3299000 / 3300000));
	assert_int_equal(cwnd, TCP_YEAH_CWND_MAX - (TCP_YEAH_CWND_MAX >> 1));
}

static void test_ssthresh_cuts_by_queue(void **state)
{
	struct yeah_state y = fresh();

	(void)state;
	y.lastQ = 50;		/* below cwnd/8: cut 1/8 */
	assert_int_equal(yeah_ssthresh(&y, 1000), 875);
	y.lastQ = 300;		/* in range: cut Q */
	assert_int_equal(yeah_ssthresh(&y, 1000), 700);
	y.lastQ = 900;		/* above cwnd/2: cut 1/2 */
	assert_int_equal(yeah_ssthresh(&y, 1000), 500);
	y.lastQ = 10;		/* Reno competition for RHO rounds: halve */
	y.doing_reno_now = TCP_YEAH_RHO;
	assert_int_equal(yeah_ssthresh(&y, 1000), 500);
	y.doing_reno_now = TCP_YEAH_RHO - 1;
	assert_int_equal(yeah_ssthresh(&y, 1000), 875);
	/* Sweep against the real-valued rule. */
	y.doing_reno_now = 0;
	for (uint32_t cwnd = 16; cwnd < 100000; cwnd += 331) {
		for (y.lastQ = 0; y.lastQ < cwnd; y.lastQ += cwnd / 13 + 1) {
			double cut = fmin(fmax(y.lastQ, cwnd / 8.0), cwnd / 2.0);
			uint32_t got = yeah_ssthresh(&y, cwnd);

			if (fabs(got - (cwnd - cut)) > 1.0)
				fail_msg("cwnd %u Q %u: %u, model %f", cwnd, y.lastQ, got, cwnd - cut);
		}
	}
}

static void test_ssthresh_side_effects_and_small_windows(void **state)
{
	struct yeah_state y = fresh();

	(void)state;
	y.fast_count = 9;
	y.reno_count = 40;
	y.lastQ = 10;
	yeah_ssthresh(&y, 1000);
	assert_int_equal(y.fast_count, 0);
	assert_int_equal(y.reno_count, 20);
	y.reno_count = 3;
	yeah_ssthresh(&y, 1000);
	assert_int_equal(y.reno_count, 2);
	/* cwnd 3: cut min(10, 2) = 2 -> 1 -> at least 2. */
	assert_int_equal(yeah_ssthresh(&y, 3), 2);
	/* cwnd 1: the cut (2) exceeds cwnd; the signed max gives 2. */
	assert_int_equal(yeah_ssthresh(&y, 1), 2);
	y.lastQ = 0;
	assert_int_equal(yeah_ssthresh(&y, 0), 2);
}

static void test_next_round(void **state)
{
	struct yeah_state y = with_rtts(1000, 1100);

	(void)state;
	y.vegas.beg_snd_nxt = 3000;
	yeah_next_round(&y, 9000, 123);
	assert_int_equal(y.vegas.beg_snd_una, 3000);
	assert_int_equal(y.vegas.beg_snd_nxt, 9000);
	assert_int_equal(y.vegas.beg_snd_cwnd, 123);
	assert_int_equal(y.vegas.cntRTT, 0);
	assert_int_equal(y.vegas.minRTT, 0x7fffffff);
	assert_int_equal(y.vegas.baseRTT, 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init),
		cmocka_unit_test(test_vegas_samples_and_states),
		cmocka_unit_test(test_ai_cnt_fast_and_slow_modes),
		cmocka_unit_test(test_no_queue_is_fast_mode),
		cmocka_unit_test(test_delay_above_base_over_8_is_slow_mode),
		cmocka_unit_test(test_large_queue_is_drained),
		cmocka_unit_test(test_drain_matches_real_model),
		cmocka_unit_test(test_fifty_one_fast_rounds_reset_reno_count),
		cmocka_unit_test(test_doing_reno_now_saturates),
		cmocka_unit_test(test_queue_estimate_has_no_overflow),
		cmocka_unit_test(test_ssthresh_cuts_by_queue),
		cmocka_unit_test(test_ssthresh_side_effects_and_small_windows),
		cmocka_unit_test(test_next_round),
	};

	return cmocka_run_group_tests_name("yeah_math", tests, NULL, NULL);
}
