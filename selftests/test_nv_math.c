// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Host unit tests for include/bpftcp/nv.h, the arithmetic that cc/nv.bpf.c
 * runs.  Rates and the window the rate needs are checked against their
 * physical meaning (bits per second, packets in flight at the minimum RTT)
 * computed here in floating point; the decisions against hand-built
 * states.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "bpftcp/nv.h"
#include "hz_sweep.h"

#define MSS 1000

static const struct nv_params defaults = NV_PARAMS_DEFAULT;

static struct nv_state fresh(void)
{
	struct nv_state ca;

	memset(&ca, 0xa5, sizeof(ca));
	nv_init(&ca, 1000, 0, 5000, HZ_TEST);
	return ca;
}

/* An ACK in TCP_CA_Open with an RTT sample. */
static struct nv_ack ack(int32_t rtt_us, uint32_t in_flight, uint32_t snd_una)
{
	struct nv_ack a = {
		.rtt_us = rtt_us, .in_flight = in_flight,
		.ca_state = BPFTCP_CA_STATE_OPEN, .snd_una = snd_una,
		.snd_nxt = snd_una + 100 * MSS, .mss_cache = MSS,
		.now = 5001, .rand = 128, .hz = HZ_TEST,
	};
	return a;
}

static void test_init(void **state)
{
	struct nv_state ca = fresh();

	(void)state;
	assert_int_equal(ca.nv_allow_cwnd_growth, 1);
	assert_int_equal(ca.nv_reset, 0);
	assert_int_equal(ca.nv_catchup, 0);
	assert_int_equal(ca.cwnd_growth_factor, 0);
	assert_int_equal(ca.nv_min_cwnd, NV_MIN_CWND);
	assert_int_equal(ca.nv_min_rtt, NV_INIT_RTT);
	assert_int_equal(ca.nv_min_rtt_new, NV_INIT_RTT);
	assert_true(ca.nv_min_rtt_reset_jiffies == 5000 + 2 * HZ_TEST);
	assert_int_equal(ca.nv_rtt_start_seq, 1000);
	assert_int_equal(ca.nv_last_snd_una, 1000);
	assert_int_equal(ca.nv_eval_call_cnt, 0);
	assert_int_equal(ca.nv_base_rtt, 0);
	assert_int_equal(ca.nv_lower_bound_rtt, 0);
	/* With a known base RTT: the lower bound is 80% of it. */
	nv_init(&ca, 0, 10000, 0, HZ_TEST);
	assert_int_equal(ca.nv_base_rtt, 10000);
	assert_int_equal(ca.nv_lower_bound_rtt, 8007);	/* 10000 * 205 / 256 */
	assert_true(fabs(ca.nv_lower_bound_rtt - 0.8 * 10000) < 0.001 * 10000);
}

static void test_bounded_rtt(void **state)
{
	struct nv_state ca = fresh();

	(void)state;
	assert_int_equal(nv_get_bounded_rtt(&ca, 5), 5);	/* no bounds */
	nv_init(&ca, 0, 10000, 0, HZ_TEST);
	assert_int_equal(nv_get_bounded_rtt(&ca, 5), 8007);
	assert_int_equal(nv_get_bounded_rtt(&ca, 9000), 9000);
	assert_int_equal(nv_get_bounded_rtt(&ca, 20000), 10000);
}

static void test_ai_cnt_by_growth_factor(void **state)
{
	struct nv_state ca = fresh();

	(void)state;
	assert_int_equal(nv_ai_cnt(&ca, 100), 100);	/* Reno */
	assert_int_equal(nv_ai_cnt(&ca, 2), 4);		/* at least 4 */
	ca.cwnd_growth_factor = -3;			/* 8x slower */
	assert_int_equal(nv_ai_cnt(&ca, 100), 800);
	ca.cwnd_growth_factor = 2;			/* 4x faster */
	assert_int_equal(nv_ai_cnt(&ca, 100), 25);
	ca.cwnd_growth_factor = 40;			/* capped shift */
	assert_int_equal(nv_ai_cnt(&ca, 0xffffffff), 4);
}

static void test_loss_keeps_80_percent(void **state)
{
	(void)state;
	for (uint32_t cwnd = 3; cwnd < 200000; cwnd += 61) {
		uint32_t got = nv_recalc_ssthresh(cwnd, &defaults);

		assert_true(fabs(got - 0.8 * cwnd) <= 0.0003 * cwnd + 1.0);
	}
	assert_int_equal(nv_recalc_ssthresh(100, &defaults), 79);	/* 81900 >> 10 */
	assert_int_equal(nv_recalc_ssthresh(2, &defaults), 2);
}

static void test_state_changes(void **state)
{
	struct nv_state ca = fresh();

	(void)state;
	nv_state_change(&ca, BPFTCP_CA_STATE_RECOVERY, 2000, &defaults);
	assert_int_equal(ca.nv_reset, 1);
	assert_int_equal(ca.nv_allow_cwnd_growth, 0);
	assert_int_equal(ca.cwnd_growth_factor, 0);	/* only Loss slows */
	/* Back to Open: reset the per-RTT counters. */
	ca.nv_rtt_cnt = 7;
	nv_state_change(&ca, BPFTCP_CA_STATE_OPEN, 3000, &defaults);
	assert_int_equal(ca.nv_reset, 0);
	assert_int_equal(ca.nv_rtt_cnt, 0);
	assert_int_equal(ca.nv_rtt_start_seq, 3000);
	/* Open again without a pending reset: nothing. */
	ca.nv_rtt_cnt = 7;
	nv_state_change(&ca, BPFTCP_CA_STATE_OPEN, 4000, &defaults);
	assert_int_equal(ca.nv_rtt_cnt, 7);
	/* Losses halve the growth rate each time, down to 1/256 of Reno. */
	ca.cwnd_growth_factor = 3;
	nv_state_change(&ca, BPFTCP_CA_STATE_LOSS, 0, &defaults);
	assert_int_equal(ca.cwnd_growth_factor, -1);
	for (int i = 0; i < 20; i++)
		nv_state_change(&ca, BPFTCP_CA_STATE_LOSS, 0, &defaults);
	assert_int_equal(ca.cwnd_growth_factor, -8);
	nv_state_change(&ca, BPFTCP_CA_STATE_CWR, 0, &defaults);
	assert_int_equal(ca.nv_allow_cwnd_growth, 0);
}

static void test_skipped_acks(void **state)
{
	struct nv_state ca = fresh();
	uint32_t cwnd = 10, ss = 20;
	struct nv_ack a = ack(-1, 5000, 6000);

	(void)state;
	nv_acked(&ca, &a, &cwnd, &ss, &defaults);	/* no RTT sample */
	assert_int_equal(ca.nv_last_snd_una, 1000);
	a = ack(1000, 5000, 6000);
	a.ca_state = BPFTCP_CA_STATE_RECOVERY;
	nv_acked(&ca, &a, &cwnd, &ss, &defaults);	/* not Open/Disorder */
	assert_int_equal(ca.nv_last_snd_una, 1000);
	a = ack(1000, 0, 6000);
	nv_acked(&ca, &a, &cwnd, &ss, &defaults);	/* nothing delivered */
	assert_int_equal(ca.nv_last_snd_una, 6000);
	assert_int_equal(ca.nv_eval_call_cnt, 0);
	assert_int_equal(ca.nv_last_rtt, 0);
}

static void test_rtt_average_and_rate(void **state)
{
	struct nv_state ca = fresh();
	uint32_t cwnd = 10, ss = 20;
	struct nv_ack a = ack(2000, 10000, 1000);	/* snd_una not advanced */

	(void)state;
	nv_acked(&ca, &a, &cwnd, &ss, &defaults);
	assert_int_equal(ca.nv_last_rtt, 2000);
	assert_int_equal(ca.nv_min_rtt, 2000);		/* 2x, then min'ed */
	assert_int_equal(ca.nv_min_rtt_new, 2000);
	/* 10000 bytes per 2 ms = 40 Mbit/s = 400000 x 100 bit/s. */
	assert_int_equal(ca.nv_rtt_max_rate, 400000);
	assert_int_equal(ca.nv_eval_call_cnt, 1);
	/* The next RTT is averaged half and half: (1000 + 2000) / 2. */
	a = ack(1000, 30000, 1000);
	nv_acked(&ca, &a, &cwnd, &ss, &defaults);
	assert_int_equal(ca.nv_last_rtt, 1500);
	assert_int_equal(ca.nv_min_rtt, 1500);
	/* Rate in units of 100 bit/s, against floating point. */
	assert_true(fabs(ca.nv_rtt_max_rate - 30000 * 8 / 1500e-6 / 100) < 1.0);
	assert_int_equal(ca.nv_eval_call_cnt, 2);
	/* A lower rate does not lower the maximum. */
	a = ack(1500, 100, 1000);
	nv_acked(&ca, &a, &cwnd, &ss, &defaults);
	assert_true(fabs(ca.nv_rtt_max_rate - 30000 * 8 / 1500e-6 / 100) < 1.0);
}

/*
 * A state at the end of an RTT: nv_min_rtt 1000 us and a best rate of
 * @pkts packets of MSS bytes per min RTT, so the rate needs @pkts packets
 * in flight and max_win = @pkts + nv_pad.
 */
static struct nv_state end_of_rtt(uint32_t pkts, uint8_t rtt_cnt, uint8_t calls)
{
	struct nv_state ca = fresh();

	ca.nv_min_rtt = 1000;
	ca.nv_min_rtt_new = 1000;
	ca.nv_last_rtt = 1000;
	ca.nv_rtt_max_rate = (uint32_t)((double)pkts * MSS * 8 / 1000e-6 / 100);
	ca.nv_rtt_cnt = rtt_cnt;
	ca.nv_eval_call_cnt = calls;
	ca.nv_rtt_start_seq = 1000;
	ca.nv_last_snd_una = 1000;
	return ca;
}

/* The ACK that ends the RTT (snd_una passes nv_rtt_start_seq), small. */
static void end_rtt(struct nv_state *ca, uint32_t *cwnd, uint32_t *ss,
		    const struct nv_params *p)
{
	struct nv_ack a = ack(1000, MSS, 1000 + MSS);

	nv_acked(ca, &a, cwnd, ss, p);
}

static void test_congestion_cuts_30_percent_of_excess(void **state)
{
	(void)state;
	for (uint32_t cwnd0 = 63; cwnd0 < 5000; cwnd0 = cwnd0 * 3 / 2) {
		struct nv_state ca = end_of_rtt(50, 1, 59);	/* max_win 60 */
		uint32_t cwnd = cwnd0, ss = 40;
		double want = cwnd0 - fmax(2.0, 0.3 * (cwnd0 - 60.0));

		end_rtt(&ca, &cwnd, &ss, &defaults);
		/* cong_dec_mult is 38/128 = 0.297 of the excess, truncated */
		if (fabs(cwnd - want) > 0.004 * (cwnd0 - 60.0) + 1.0)
			fail_msg("cwnd %u: %u, model %f", cwnd0, cwnd, want);
		assert_int_equal(ss, 60);		/* max_win */
		assert_int_equal(ca.nv_allow_cwnd_growth, 0);
		assert_int_equal(ca.nv_eval_call_cnt, 0);
		assert_int_equal(ca.nv_rtt_cnt, 0);
		assert_int_equal(ca.nv_rtt_max_rate, 0);
		assert_int_equal(ca.nv_rtt_start_seq, 1000 + MSS + 100 * MSS);
	}
	/* Hand value: 100 - max(2, 40 * 38 >> 7 = 11) = 89. */
	struct nv_state ca = end_of_rtt(50, 1, 59);
	uint32_t cwnd = 100, ss = 40;

	end_rtt(&ca, &cwnd, &ss, &defaults);
	assert_int_equal(cwnd, 89);
	/* An excess of 3: the exponential decrease, at least 2: 61. */
	ca = end_of_rtt(50, 1, 59);
	cwnd = 63;
	end_rtt(&ca, &cwnd, &ss, &defaults);
	assert_int_equal(cwnd, 61);
	/* An excess of 1-2 packets: cwnd = max_win. */
	ca = end_of_rtt(50, 1, 59);
	cwnd = 62;
	end_rtt(&ca, &cwnd, &ss, &defaults);
	assert_int_equal(cwnd, 60);
}

static void test_congestion_needs_enough_evidence(void **state)
{
	struct nv_state ca = end_of_rtt(50, 0, 59);	/* only 1 RTT */
	uint32_t cwnd = 100, ss = 40;

	(void)state;
	end_rtt(&ca, &cwnd, &ss, &defaults);
	assert_int_equal(cwnd, 100);
	assert_int_equal(ca.nv_allow_cwnd_growth, 1);
	assert_int_equal(ca.nv_rtt_cnt, 1);
	/* 2 RTTs but 59 calls < 60: wait, growth continues ... */
	ca = end_of_rtt(50, 1, 58);
	end_rtt(&ca, &cwnd, &ss, &defaults);
	assert_int_equal(cwnd, 100);
	assert_int_equal(ca.nv_allow_cwnd_growth, 1);
	/* ... unless stop_rtt_cnt (10) RTTs passed without a decision. */
	ca = end_of_rtt(50, 10, 58);
	end_rtt(&ca, &cwnd, &ss, &defaults);
	assert_int_equal(cwnd, 100);
	assert_int_equal(ca.nv_allow_cwnd_growth, 0);
	/* In the first slow start (no ssthresh) 30 calls are enough. */
	ca = end_of_rtt(50, 1, 29);
	ss = TCP_INFINITE_SSTHRESH;
	end_rtt(&ca, &cwnd, &ss, &defaults);
	assert_int_equal(cwnd, 89);
	assert_int_equal(ss, 60);
	ca = end_of_rtt(50, 1, 28);
	cwnd = 100;
	ss = TCP_INFINITE_SSTHRESH;
	end_rtt(&ca, &cwnd, &ss, &defaults);
	assert_int_equal(cwnd, 100);
}

static void test_no_congestion_allows_growth(void **state)
{
	struct nv_state ca = end_of_rtt(50, 1, 19);	/* max_win 60 */
	uint32_t cwnd = 58, ss = 40;

	(void)state;
	ca.nv_allow_cwnd_growth = 0;
	ca.cwnd_growth_factor = -2;
	end_rtt(&ca, &cwnd, &ss, &defaults);
	assert_int_equal(cwnd, 58);
	assert_int_equal(ca.nv_allow_cwnd_growth, 1);
	assert_int_equal(ca.nv_no_cong_cnt, 1);
	assert_int_equal(ca.nv_eval_call_cnt, 0);
	/* After more than 8 such decisions the growth rate doubles. */
	ca = end_of_rtt(50, 1, 19);
	ca.cwnd_growth_factor = -2;
	ca.nv_no_cong_cnt = 8;
	end_rtt(&ca, &cwnd, &ss, &defaults);
	assert_int_equal(ca.cwnd_growth_factor, -1);
	assert_int_equal(ca.nv_no_cong_cnt, 0);
	/* Growth factor 0 stays (nv_cwnd_growth_rate_pos = 0). */
	ca = end_of_rtt(50, 1, 19);
	ca.nv_no_cong_cnt = 100;
	end_rtt(&ca, &cwnd, &ss, &defaults);
	assert_int_equal(ca.cwnd_growth_factor, 0);
	/* Too few calls (< 20): no decision yet. */
	ca = end_of_rtt(50, 1, 18);
	ca.nv_allow_cwnd_growth = 0;
	end_rtt(&ca, &cwnd, &ss, &defaults);
	assert_int_equal(ca.nv_allow_cwnd_growth, 0);
	assert_int_equal(ca.nv_eval_call_cnt, 19);
}

static void test_in_between_does_nothing(void **state)
{
	(void)state;
	/* max_win 60: cwnd 59 and 60 are neither above nor 2 below. */
	for (uint32_t cwnd0 = 59; cwnd0 <= 60; cwnd0++) {
		struct nv_state ca = end_of_rtt(50, 1, 59);
		uint32_t cwnd = cwnd0, ss = 40;

		ca.nv_allow_cwnd_growth = 0;
		end_rtt(&ca, &cwnd, &ss, &defaults);
		assert_int_equal(cwnd, cwnd0);
		assert_int_equal(ss, 40);
		assert_int_equal(ca.nv_allow_cwnd_growth, 0);
		assert_int_equal(ca.nv_eval_call_cnt, 60);	/* not reset */
	}
}

static void test_window_from_slope_matches_physics(void **state)
{
	(void)state;
	/* cwnd_by_slope = rate * min_rtt / (8 * mss): decide around it. */
	for (uint32_t pkts = 5; pkts < 20000; pkts = pkts * 7 / 4) {
		struct nv_state ca = end_of_rtt(pkts, 1, 59);
		uint32_t cwnd = pkts + 10 + 1, ss = 40;	/* max_win + 1 */

		end_rtt(&ca, &cwnd, &ss, &defaults);
		/* Congested by one packet: cwnd = max_win (pkts + pad), +-1
		 * for the rate's truncation. */
		if (abs((int)ss - (int)(pkts + 10)) > 1)
			fail_msg("pkts %u: max_win %u", pkts, ss);
	}
}

static void test_min_cwnd_floor_after_decrease(void **state)
{
	struct nv_params p = defaults;
	struct nv_state ca = end_of_rtt(0, 1, 59);	/* no rate */
	uint32_t cwnd = 30, ss = 40;

	(void)state;
	/* pad 0 and a full-excess decrease would take cwnd to 0. */
	p.pad = 0;
	p.cong_dec_mult = 128;
	end_rtt(&ca, &cwnd, &ss, &p);
	assert_int_equal(cwnd, 2);			/* nv_min_cwnd */
}

static void test_min_rtt_reset_period(void **state)
{
	struct nv_state ca = fresh();
	uint32_t cwnd = 10, ss = 20;
	struct nv_ack a = ack(3000, 1000, 1000);

	(void)state;
	ca.nv_min_cwnd = 20;
	nv_acked(&ca, &a, &cwnd, &ss, &defaults);
	assert_int_equal(ca.nv_min_rtt, 3000);
	a = ack(2000, 1000, 1000);	/* avg 2500 */
	a.now = 5000 + 2 * HZ_TEST;	/* the first reset is at 2 s */
	a.rand = 0;
	ca.nv_min_rtt_new = 2000;
	nv_acked(&ca, &a, &cwnd, &ss, &defaults);
	assert_int_equal(ca.nv_min_rtt, 2000);		/* from _new */
	assert_int_equal(ca.nv_min_rtt_new, NV_INIT_RTT);
	assert_int_equal(ca.nv_min_cwnd, 10);		/* halved */
	/* Next period: 5 s * (384 + rand) / 512, 3.75 s for rand 0 ... */
	assert_true(ca.nv_min_rtt_reset_jiffies == a.now + (uint64_t)(3.75 * HZ_TEST));
	/* ... up to 6.25 s (exclusive) for rand 255. */
	a.now = ca.nv_min_rtt_reset_jiffies;
	a.rand = 255;
	nv_acked(&ca, &a, &cwnd, &ss, &defaults);
	assert_true(ca.nv_min_rtt_reset_jiffies ==
		    a.now + (uint64_t)floor(5.0 * 639 / 512 * HZ_TEST));
	assert_int_equal(ca.nv_min_cwnd, 5);
	a.now = ca.nv_min_rtt_reset_jiffies;
	nv_acked(&ca, &a, &cwnd, &ss, &defaults);
	assert_int_equal(ca.nv_min_cwnd, NV_MIN_CWND);	/* floor 4 */
	/* Jiffies wrap-around: 15 jiffies before the reset time (which is
	 * past the wrap) is not after it (time_after_eq). */
	ca.nv_min_rtt_reset_jiffies = 5;
	a.now = (uint64_t)-10;
	ca.nv_min_rtt = 77;
	nv_acked(&ca, &a, &cwnd, &ss, &defaults);
	assert_int_equal(ca.nv_min_rtt, 77);	/* not replaced by _new */
	assert_true(ca.nv_min_rtt_reset_jiffies == 5);
}

static void test_single_call_per_rtt_raises_min_cwnd(void **state)
{
	struct nv_state ca = fresh();
	uint32_t cwnd = 4, ss = 20;
	struct nv_ack a = ack(1000, 4 * MSS, 1000 + 4 * MSS);

	(void)state;
	ca.nv_allow_cwnd_growth = 0;
	/* One ACK covering the RTT (>= (4 - 1) MSS): TSO/LRO at work. */
	nv_acked(&ca, &a, &cwnd, &ss, &defaults);
	assert_int_equal(ca.nv_min_cwnd, 6);
	assert_int_equal(ca.nv_rtt_start_seq, a.snd_nxt + 6 * MSS);
	assert_int_equal(ca.nv_eval_call_cnt, 0);
	assert_int_equal(ca.nv_allow_cwnd_growth, 1);
	/* Bounded at NV_TSO_CWND_BOUND + 1. */
	ca = fresh();
	ca.nv_min_cwnd = 80;
	a = ack(1000, 100 * MSS, 1000 + 100 * MSS);
	nv_acked(&ca, &a, &cwnd, &ss, &defaults);
	assert_int_equal(ca.nv_min_cwnd, 81);
	ca.nv_eval_call_cnt = 0;
	a.snd_una = ca.nv_rtt_start_seq + 1;
	a.snd_nxt = a.snd_una + 1000 * MSS;
	nv_acked(&ca, &a, &cwnd, &ss, &defaults);
	assert_int_equal(ca.nv_min_cwnd, 81);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init),
		cmocka_unit_test(test_bounded_rtt),
		cmocka_unit_test(test_ai_cnt_by_growth_factor),
		cmocka_unit_test(test_loss_keeps_80_percent),
		cmocka_unit_test(test_state_changes),
		cmocka_unit_test(test_skipped_acks),
		cmocka_unit_test(test_rtt_average_and_rate),
		cmocka_unit_test(test_congestion_cuts_30_percent_of_excess),
		cmocka_unit_test(test_congestion_needs_enough_evidence),
		cmocka_unit_test(test_no_congestion_allows_growth),
		cmocka_unit_test(test_in_between_does_nothing),
		cmocka_unit_test(test_window_from_slope_matches_physics),
		cmocka_unit_test(test_min_cwnd_floor_after_decrease),
		cmocka_unit_test(test_min_rtt_reset_period),
		cmocka_unit_test(test_single_call_per_rtt_raises_min_cwnd),
	};

	return run_group_at_every_hz("nv_math", tests);
}
