// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Host unit tests for include/bpftcp/hybla.h, the arithmetic of bpf_hybla:
 * rho = RTT / RTT0, the 2^fraction table, and the increments 2^rho - 1 (slow
 * start) and rho^2 / cwnd (congestion avoidance).  Expected values come from
 * those formulas in floating point (Caini & Firrincieli 2004) or by hand.
 */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include "bpftcp/hybla.h"

#define RTT0 25		/* ms, the kernel's default */

/* srtt_us is the smoothed RTT in usec, << 3. */
static uint32_t srtt_us_of_ms(double rtt_ms)
{
	return (uint32_t)(rtt_ms * 1000 * 8);
}

static void rho_is_rtt_over_rtt0(void **state)
{
	struct hybla_state ca = { 0 };

	hybla_recalc_param(&ca, srtt_us_of_ms(100), RTT0);	/* rho 4 */
	assert_int_equal(ca.rho_3ls, 32);
	assert_int_equal(ca.rho, 4);
	assert_int_equal(ca.rho2_7ls, 16 << 7);
	assert_int_equal(ca.rho2, 16);

	hybla_recalc_param(&ca, srtt_us_of_ms(62.5), RTT0);	/* rho 2.5 */
	assert_int_equal(ca.rho_3ls, 20);
	assert_int_equal(ca.rho, 2);
	assert_int_equal(ca.rho2, (20 * 20 * 2) >> 7);		/* 6.25 -> 6 */

	for (uint32_t rtt_us = 25000; rtt_us < 2000000; rtt_us += 3700) {
		hybla_recalc_param(&ca, rtt_us * 8, RTT0);
		/* rho = RTT / RTT0 in eighths, truncated. */
		assert_int_equal(ca.rho_3ls, (uint32_t)floor(rtt_us / (RTT0 * 1000.0) * 8));
		assert_int_equal(ca.rho, (uint32_t)floor(rtt_us / (RTT0 * 1000.0)));
	}
}

static void rho_is_at_least_one(void **state)
{
	struct hybla_state ca = { 0 };

	hybla_recalc_param(&ca, srtt_us_of_ms(1), RTT0);
	assert_int_equal(ca.rho, 1);
	assert_int_equal(ca.rho_3ls, 8);
	hybla_recalc_param(&ca, 0, RTT0);
	assert_int_equal(ca.rho, 1);
	hybla_recalc_param(&ca, srtt_us_of_ms(100), 0);		/* rtt0 0 */
	assert_int_equal(ca.rho, 1);
}

static void fraction_table_is_two_to_the_eighths(void **state)
{
	for (uint32_t k = 0; k < 8; k++)
		assert_true(fabs(hybla_fraction(k) - 128 * pow(2, k / 8.0)) < 1.0);
	assert_int_equal(hybla_fraction(8), 128);
	assert_int_equal(hybla_fraction(1000), 128);
}

static void init_window_is_rho(void **state)
{
	struct hybla_state ca;

	assert_int_equal(hybla_init(&ca, srtt_us_of_ms(600), RTT0), 24);
	assert_true(ca.hybla_en);
	assert_int_equal(ca.minrtt_us, srtt_us_of_ms(600));
	assert_int_equal(ca.snd_cwnd_cents, 0);
	assert_int_equal(hybla_init(&ca, srtt_us_of_ms(0.1), RTT0), 1);
}

static void min_rtt_recalculates_only_when_lower(void **state)
{
	struct hybla_state ca;

	hybla_init(&ca, srtt_us_of_ms(200), RTT0);
	assert_int_equal(ca.rho, 8);
	hybla_track_min_rtt(&ca, srtt_us_of_ms(300), RTT0);
	assert_int_equal(ca.rho, 8);
	hybla_track_min_rtt(&ca, srtt_us_of_ms(100), RTT0);
	assert_int_equal(ca.rho, 4);
	assert_int_equal(ca.minrtt_us, srtt_us_of_ms(100));
}

/* Runs @acks ACKs and returns the fractional window (cwnd + cents/128). */
static double run_acks(struct hybla_state *ca, struct cc_window *w, uint32_t srtt_us,
		       uint32_t acks)
{
	for (uint32_t i = 0; i < acks; i++)
		hybla_increase(ca, w, srtt_us, RTT0);
	return w->cwnd + ca->snd_cwnd_cents / 128.0;
}

static void slow_start_adds_two_to_the_rho_minus_one_per_ack(void **state)
{
	const double rhos[] = { 1, 2, 2.5, 4, 5.375, 10 };

	for (unsigned int i = 0; i < sizeof(rhos) / sizeof(rhos[0]); i++) {
		uint32_t srtt_us = srtt_us_of_ms(rhos[i] * RTT0);
		struct hybla_state ca;
		struct cc_window w = { .cwnd = 10, .ssthresh = 1000000, .cwnd_clamp = 1000000 };
		double want = 10 + 10 * (pow(2, rhos[i]) - 1), got;

		hybla_init(&ca, srtt_us, RTT0);
		got = run_acks(&ca, &w, srtt_us, 10);
		/* The table's 2^fraction is within 1/128 of the real one. */
		assert_true(fabs(got - want) <= 10 * pow(2, floor(rhos[i])) / 128.0 + 1e-9);
	}
}

static void slow_start_stops_at_ssthresh(void **state)
{
	uint32_t srtt_us = srtt_us_of_ms(100);
	struct hybla_state ca;
	struct cc_window w = { .cwnd = 10, .ssthresh = 20, .cwnd_clamp = 1000 };

	hybla_init(&ca, srtt_us, RTT0);
	hybla_increase(&ca, &w, srtt_us, RTT0);		/* +15 -> 25, clamped */
	assert_int_equal(w.cwnd, 20);
}

static void avoidance_adds_rho_squared_per_rtt(void **state)
{
	uint32_t srtt_us = srtt_us_of_ms(100);		/* rho^2 = 16 */
	struct hybla_state ca;
	struct cc_window w = { .cwnd = 200, .ssthresh = 100, .cwnd_clamp = 100000 };
	double start = 200, got;

	hybla_init(&ca, srtt_us, RTT0);
	/* One RTT = cwnd ACKs of rho^2 / cwnd each: + rho^2 (slightly less,
	 * as cwnd grows during the RTT and increments truncate). */
	got = run_acks(&ca, &w, srtt_us, 200);
	assert_true(got <= start + 16 + 1e-9);
	assert_true(got >= start + 16 * 0.9);
}

static void avoidance_below_one_128th_still_grows_once_per_window(void **state)
{
	uint32_t srtt_us = srtt_us_of_ms(10);		/* rho 1: rho2_7ls = 128 */
	struct hybla_state ca;
	struct cc_window w = { .cwnd = 200, .ssthresh = 100, .cwnd_clamp = 100000 };

	hybla_init(&ca, srtt_us, RTT0);
	/* increment = 128 / 200 = 0: count ACKs, +1 after a window of them. */
	run_acks(&ca, &w, srtt_us, 199);
	assert_int_equal(w.cwnd, 200);
	assert_int_equal(w.cwnd_cnt, 199);
	run_acks(&ca, &w, srtt_us, 1);
	assert_int_equal(w.cwnd, 201);
	assert_int_equal(w.cwnd_cnt, 0);
}

static void cents_carry_like_the_kernel_loop(void **state)
{
	uint32_t srtt_us = srtt_us_of_ms(62.5);		/* rho 2.5: fractional increments */
	struct hybla_state ca, ref;
	struct cc_window w = { .cwnd = 10, .ssthresh = 100000, .cwnd_clamp = 100000 };
	struct cc_window rw;

	hybla_init(&ca, srtt_us, RTT0);
	ref = ca;
	rw = w;
	for (int i = 0; i < 200; i++) {
		/* Reference: the same step with the kernel's while loop. */
		uint32_t inc = ((1U << ref.rho) * hybla_fraction(ref.rho_3ls - (ref.rho << 3))) - 128;

		if (rw.cwnd >= rw.ssthresh)
			break;
		rw.cwnd += inc >> 7;
		ref.snd_cwnd_cents += inc % 128;
		while (ref.snd_cwnd_cents >= 128) {
			rw.cwnd++;
			ref.snd_cwnd_cents -= 128;
			rw.cwnd_cnt = 0;
		}
		hybla_increase(&ca, &w, srtt_us, RTT0);
		assert_int_equal(w.cwnd, rw.cwnd);
		assert_int_equal(ca.snd_cwnd_cents, ref.snd_cwnd_cents);
	}
}

static void window_never_exceeds_clamp(void **state)
{
	uint32_t srtt_us = srtt_us_of_ms(400);		/* rho 16: +65535 per ACK */
	struct hybla_state ca;
	struct cc_window w = { .cwnd = 10, .ssthresh = 0xffffffff,
				 .cwnd_clamp = HYBLA_CWND_CLAMP };

	hybla_init(&ca, srtt_us, RTT0);
	hybla_increase(&ca, &w, srtt_us, RTT0);
	assert_int_equal(w.cwnd, HYBLA_CWND_CLAMP);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rho_is_rtt_over_rtt0),
		cmocka_unit_test(rho_is_at_least_one),
		cmocka_unit_test(fraction_table_is_two_to_the_eighths),
		cmocka_unit_test(init_window_is_rho),
		cmocka_unit_test(min_rtt_recalculates_only_when_lower),
		cmocka_unit_test(slow_start_adds_two_to_the_rho_minus_one_per_ack),
		cmocka_unit_test(slow_start_stops_at_ssthresh),
		cmocka_unit_test(avoidance_adds_rho_squared_per_rtt),
		cmocka_unit_test(avoidance_below_one_128th_still_grows_once_per_window),
		cmocka_unit_test(cents_carry_like_the_kernel_loop),
		cmocka_unit_test(window_never_exceeds_clamp),
	};

	return cmocka_run_group_tests_name("hybla_math", tests, NULL, NULL);
}
