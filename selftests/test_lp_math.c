// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Host unit tests for include/bpftcp/lp.h, the arithmetic that cc/lp.bpf.c
 * runs.  The remote-clock and smoothed-OWD estimators are checked against
 * their real-valued EWMAs (1/64 and 1/8 gains) computed here in floating
 * point; the thresholds, inference and reactions against hand-derived
 * values, including tcp_lp.c's 32-bit wrap-arounds.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <math.h>
#include <string.h>
#include <cmocka.h>
#include "bpftcp/lp.h"

static struct lp_state fresh(void)
{
	struct lp_state lp;

	memset(&lp, 0xa5, sizeof(lp));
	lp_init(&lp);
	return lp;
}

static void test_init(void **state)
{
	struct lp_state lp = fresh();

	(void)state;
	assert_int_equal(lp.flag, 0);
	assert_int_equal(lp.sowd, 0);
	assert_int_equal(lp.owd_min, 0xffffffff);
	assert_int_equal(lp.owd_max, 0);
	assert_int_equal(lp.remote_hz, 0);
	assert_int_equal(lp.last_drop, 0);
	assert_int_equal(lp.inference, 0);
}

static void test_remote_hz_needs_references(void **state)
{
	struct lp_state lp = fresh();

	(void)state;
	/* First call: only records the reference times. */
	assert_int_equal(lp_remote_hz_estimator(&lp, 500, 1000), 0);
	assert_false(lp.flag & LP_VALID_RHZ);
	assert_int_equal(lp.remote_ref_time, 500);
	assert_int_equal(lp.local_ref_time, 1000);
	/* No change on either clock: no estimate either. */
	assert_int_equal(lp_remote_hz_estimator(&lp, 500, 1100), 0);
	assert_int_equal(lp_remote_hz_estimator(&lp, 600, 1100), 0);
	assert_false(lp.flag & LP_VALID_RHZ);
}

/* Feeds the estimator @n samples of a peer ticking at @hz. */
static void tick(struct lp_state *lp, uint32_t *tsval, uint32_t *tsecr, uint32_t hz)
{
	*tsval += hz / 10;	/* 100 ms of the peer's clock */
	*tsecr += 100;		/* 100 ms of ours */
	lp->remote_hz = lp_remote_hz_estimator(lp, *tsval, *tsecr);
}

static void test_remote_hz_first_estimate_and_ewma(void **state)
{
	struct lp_state lp = fresh();
	uint32_t tsval = 1, tsecr = 1;
	double model;

	(void)state;
	lp_remote_hz_estimator(&lp, tsval, tsecr);
	/* A 1000 Hz peer: the first estimate is taken as is. */
	tick(&lp, &tsval, &tsecr, 1000);
	assert_int_equal(lp.remote_hz, 1000);
	assert_true(lp.flag & LP_VALID_RHZ);
	/* It turns out to tick at 250 Hz: 1/64 of the error per sample.
	 * By hand: 1000 - 750/64 = 988.3 -> 988; 988 - 738/64 -> 976. */
	tick(&lp, &tsval, &tsecr, 250);
	assert_int_equal(lp.remote_hz, 988);
	tick(&lp, &tsval, &tsecr, 250);
	assert_int_equal(lp.remote_hz, 976);
	/* Against the real-valued EWMA: the kernel restarts each step from
	 * the truncated estimate (lp->remote_hz << 6), which only speeds up a
	 * decrease, by less than 1 Hz per step. */
	model = 976.0;
	for (int i = 0; i < 600; i++) {
		tick(&lp, &tsval, &tsecr, 250);
		model += (250.0 - model) / 64.0;
		if (lp.remote_hz > model + 1e-9 || lp.remote_hz < model - 64.0)
			fail_msg("step %d: %u Hz, model %f", i, lp.remote_hz, model);
	}
	assert_int_equal(lp.remote_hz, 250);
}

static void test_remote_hz_increase_stalls_63_below(void **state)
{
	struct lp_state lp = fresh();
	uint32_t tsval = 1, tsecr = 1;

	(void)state;
	lp_remote_hz_estimator(&lp, tsval, tsecr);
	tick(&lp, &tsval, &tsecr, 250);
	assert_int_equal(lp.remote_hz, 250);
	/* Rising to a 1000 Hz peer, the truncation stops the estimate where
	 * the error is below 64 (its 1/64 rounds to 0): 937.  tcp_lp.c's
	 * behaviour, kept. */
	for (int i = 0; i < 2000; i++)
		tick(&lp, &tsval, &tsecr, 1000);
	assert_int_equal(lp.remote_hz, 937);
}

static void test_remote_hz_wraps_in_32_bits(void **state)
{
	struct lp_state lp = fresh();

	(void)state;
	lp_remote_hz_estimator(&lp, 1, 1);
	/* 1000 * 5000000 wraps: 5e9 - 2^32 = 705032704, as in the kernel. */
	assert_int_equal(lp_remote_hz_estimator(&lp, 5000001, 2), 705032704u);
}

static void test_owd_is_remote_minus_local_time(void **state)
{
	struct lp_state lp = fresh();

	(void)state;
	/* Peer at 1000 Hz (both clocks advance 2000): OWD = tsval - tsecr. */
	lp_owd_calculator(&lp, 3000, 1000);
	assert_int_equal(lp_owd_calculator(&lp, 5000, 3000), 2000);
	assert_true(lp.flag & LP_VALID_OWD);
	assert_int_equal(lp.remote_hz, 1000);
	/* Peer at 250 Hz: its ticks count 4 ms each. */
	lp = fresh();
	lp_owd_calculator(&lp, 1000, 1000);
	assert_int_equal(lp_owd_calculator(&lp, 1500, 3000), 1500 * 4 - 3000);
	assert_int_equal(lp.remote_hz, 250);
	/* A peer faster than 1000 Hz: LP_RESOL / remote_hz is 0 in integers,
	 * so OWD = -tsecr in u32, as in the kernel. */
	lp = fresh();
	lp_owd_calculator(&lp, 1000, 1000);
	assert_int_equal(lp_owd_calculator(&lp, 4000, 3000), (uint32_t)-3000);
	assert_int_equal(lp.remote_hz, 1500);
	/* Equal clocks: OWD 0 is not valid. */
	lp = fresh();
	lp_owd_calculator(&lp, 1000, 1000);
	assert_int_equal(lp_owd_calculator(&lp, 3000, 3000), 0);
	assert_false(lp.flag & LP_VALID_OWD);
	/* Remote clock behind: the kernel's u32 difference wraps (its
	 * "owd < 0" branch cannot trigger); kept as is. */
	lp = fresh();
	lp_owd_calculator(&lp, 1000, 3000);
	assert_int_equal(lp_owd_calculator(&lp, 3000, 5000), 0xfffff830u);
	/* No valid remote HZ yet: no OWD. */
	lp = fresh();
	assert_int_equal(lp_owd_calculator(&lp, 3000, 1000), 0);
	assert_false(lp.flag & (LP_VALID_OWD | LP_VALID_RHZ));
}

/* Feeds OWD samples from a 1000 Hz peer (tsecr steps of 10 s). */
static void feed(struct lp_state *lp, uint32_t *tsecr, uint32_t owd)
{
	*tsecr += 10000;
	lp_rtt_sample(lp, *tsecr + owd, *tsecr);
}

static void test_sample_min_max_and_smoothing(void **state)
{
	static const uint32_t owds[] = { 100, 105, 103, 109, 101, 104, 108, 102, 100, 107 };
	struct lp_state lp = fresh();
	uint32_t tsecr = 0;
	double sowd = 0;

	(void)state;
	feed(&lp, &tsecr, 100);	/* reference times only */
	assert_int_equal(lp.sowd, 0);
	for (size_t i = 0; i < sizeof(owds) / sizeof(owds[0]); i++) {
		feed(&lp, &tsecr, owds[i]);
		assert_int_equal(lp.remote_hz >= 999 && lp.remote_hz <= 1000, 1);
		sowd = i == 0 ? owds[i] : sowd * 7.0 / 8.0 + owds[i] / 8.0;
		if (fabs((lp.sowd >> 3) - sowd) > 1.0)
			fail_msg("sample %zu: sowd %u, model %f", i, lp.sowd >> 3, sowd);
	}
	assert_int_equal(lp.owd_min, 100);
	/* Maxima seen in order 100, 105, 109: the max is kept one below the
	 * max of the max (105), which is in owd_max_rsv. */
	assert_int_equal(lp.owd_max_rsv, 109);
	assert_int_equal(lp.owd_max, 108);
}

static void test_threshold_is_min_plus_15_percent(void **state)
{
	struct lp_state lp = fresh();
	uint32_t cwnd = 100;

	(void)state;
	lp.owd_min = 100;
	lp.owd_max = 200;
	lp.owd_max_rsv = 200;
	lp.sowd = 114 << 3;			/* 114 < 100 + 15 */
	assert_false(lp_pkts_acked(&lp, -1, 0, 0, 1000, &cwnd));
	assert_true(lp.flag & LP_WITHIN_THR);
	assert_int_equal(cwnd, 100);
	lp.sowd = 115 << 3;			/* at the threshold: act */
	assert_true(lp_pkts_acked(&lp, -1, 0, 0, 1000, &cwnd));
	assert_false(lp.flag & LP_WITHIN_THR);
	assert_int_equal(cwnd, 50);
	assert_int_equal(lp.last_drop, 1000);
	/* min/max restart around the smoothed OWD. */
	assert_int_equal(lp.owd_min, 115);
	assert_int_equal(lp.owd_max, 230);
	assert_int_equal(lp.owd_max_rsv, 230);
}

static void test_fresh_state_never_acts(void **state)
{
	struct lp_state lp = fresh();
	uint32_t cwnd = 100;

	(void)state;
	/* owd_min = ~0, owd_max = 0: the u32 threshold is ~0. */
	assert_false(lp_pkts_acked(&lp, 1000, 0, 0, 5000, &cwnd));
	assert_true(lp.flag & LP_WITHIN_THR);
	assert_int_equal(cwnd, 100);
}

static void test_inference_drops_to_one(void **state)
{
	struct lp_state lp = fresh();
	uint32_t cwnd = 100;

	(void)state;
	lp.owd_min = 100;
	lp.owd_max = 100;
	lp.sowd = 150 << 3;
	/* RTT by the timestamps: now - tsecr = 40 -> inference 120. */
	assert_true(lp_pkts_acked(&lp, -1, 0, 960, 1000, &cwnd));
	assert_int_equal(lp.inference, 120);
	assert_int_equal(cwnd, 50);		/* first drop: halve */
	assert_false(lp.flag & LP_WITHIN_INF);
	/* Congested again 119 later: within the inference -> cwnd 1. */
	lp.sowd = 500 << 3;
	assert_true(lp_pkts_acked(&lp, -1, 0, 1079, 1119, &cwnd));
	assert_true(lp.flag & LP_WITHIN_INF);
	assert_int_equal(cwnd, 1);
	/* 120 after that drop: outside the inference -> halve (stays >= 1). */
	lp.sowd = 5000 << 3;
	cwnd = 40;
	assert_true(lp_pkts_acked(&lp, -1, 0, 1199, 1239, &cwnd));
	assert_false(lp.flag & LP_WITHIN_INF);
	assert_int_equal(cwnd, 20);
	lp.sowd = 50000 << 3;
	cwnd = 1;
	lp_pkts_acked(&lp, -1, 0, 5000, 5040, &cwnd);
	assert_int_equal(cwnd, 1);
}

static void test_inference_needs_positive_rtt(void **state)
{
	struct lp_state lp = fresh();
	uint32_t cwnd = 10;

	(void)state;
	lp.inference = 77;
	/* TSecr ahead of now (e.g. a bogus echo): inference kept. */
	lp_pkts_acked(&lp, -1, 0, 2000, 1000, &cwnd);
	assert_int_equal(lp.inference, 77);
	lp_pkts_acked(&lp, -1, 0, 1000, 1000, &cwnd);
	assert_int_equal(lp.inference, 77);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init),
		cmocka_unit_test(test_remote_hz_needs_references),
		cmocka_unit_test(test_remote_hz_first_estimate_and_ewma),
		cmocka_unit_test(test_remote_hz_increase_stalls_63_below),
		cmocka_unit_test(test_remote_hz_wraps_in_32_bits),
		cmocka_unit_test(test_owd_is_remote_minus_local_time),
		cmocka_unit_test(test_sample_min_max_and_smoothing),
		cmocka_unit_test(test_threshold_is_min_plus_15_percent),
		cmocka_unit_test(test_fresh_state_never_acts),
		cmocka_unit_test(test_inference_drops_to_one),
		cmocka_unit_test(test_inference_needs_positive_rtt),
	};

	return cmocka_run_group_tests_name("lp_math", tests, NULL, NULL);
}
