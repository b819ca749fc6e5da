// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Host unit tests for include/bpftcp/reno.h, the arithmetic of bpf_reno.
 * Expected values are hand-derived, or come from the textbook per-ACK
 * formulation (one ACK at a time: +1 in slow start, +1/cwnd in congestion
 * avoidance), which the kernel's batched code must match.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include "bpftcp/reno.h"

static struct cc_window win(uint32_t cwnd, uint32_t cnt, uint32_t ssthresh, uint32_t clamp)
{
	struct cc_window w = { .cwnd = cwnd, .cwnd_cnt = cnt, .ssthresh = ssthresh,
				 .cwnd_clamp = clamp };
	return w;
}

static void slow_start_adds_one_per_acked_packet(void **state)
{
	struct cc_window w = win(10, 0, 100, 10000);

	assert_int_equal(reno_slow_start(&w, 5), 0);
	assert_int_equal(w.cwnd, 15);
}

static void slow_start_stops_at_ssthresh_and_returns_leftover(void **state)
{
	struct cc_window w = win(98, 0, 100, 10000);

	/* 2 of the 5 ACKs reach ssthresh; 3 are left for congestion avoidance. */
	assert_int_equal(reno_slow_start(&w, 5), 3);
	assert_int_equal(w.cwnd, 100);
}

static void slow_start_respects_cwnd_clamp(void **state)
{
	struct cc_window w = win(10, 0, 1000, 12);

	/* The leftover is computed against ssthresh, before the clamp. */
	assert_int_equal(reno_slow_start(&w, 5), 0);
	assert_int_equal(w.cwnd, 12);
}

/* Reference: the per-ACK formulation of additive increase with a fixed w. */
static void ai_reference(struct cc_window *w, uint32_t win_pkts, uint32_t acked)
{
	if (w->cwnd_cnt >= win_pkts) {
		w->cwnd_cnt = 0;
		w->cwnd++;
	}
	for (uint32_t i = 0; i < acked; i++) {
		if (++w->cwnd_cnt >= win_pkts) {
			w->cwnd_cnt = 0;
			w->cwnd++;
		}
	}
	if (w->cwnd > w->cwnd_clamp)
		w->cwnd = w->cwnd_clamp;
}

static void cong_avoid_ai_matches_per_ack_increase(void **state)
{
	uint32_t seed = 12345;

	for (int i = 0; i < 5000; i++) {
		struct cc_window a, b;
		uint32_t wpk, acked;

		seed = seed * 1103515245 + 12345;
		wpk = 1 + (seed >> 8) % 300;
		seed = seed * 1103515245 + 12345;
		acked = (seed >> 8) % 700;
		seed = seed * 1103515245 + 12345;
		a = win(2 + (seed >> 8) % 500, (seed >> 4) % (2 * wpk), 1, 100000);
		b = a;
		reno_cong_avoid_ai(&a, wpk, acked);
		ai_reference(&b, wpk, acked);
		assert_int_equal(a.cwnd, b.cwnd);
		assert_int_equal(a.cwnd_cnt, b.cwnd_cnt);
	}
}

static void cong_avoid_ai_applies_stale_credit_once(void **state)
{
	/* Credits gathered at a larger w (cnt 50 >= w 20): +1 and restart. */
	struct cc_window w = win(40, 50, 1, 1000);

	reno_cong_avoid_ai(&w, 20, 3);
	assert_int_equal(w.cwnd, 41);
	assert_int_equal(w.cwnd_cnt, 3);
}

static void cong_avoid_ai_respects_cwnd_clamp(void **state)
{
	struct cc_window w = win(50, 9, 1, 50);

	reno_cong_avoid_ai(&w, 10, 25);
	assert_int_equal(w.cwnd, 50);
}

static void cong_avoid_spills_slow_start_leftover_into_ai(void **state)
{
	struct cc_window w = win(98, 0, 100, 10000);

	reno_cong_avoid(&w, 5);
	assert_int_equal(w.cwnd, 100);
	assert_int_equal(w.cwnd_cnt, 3);
}

static void cong_avoid_grows_one_packet_per_rtt(void **state)
{
	struct cc_window w = win(10, 0, 10, 100000);

	/* Each RTT, cwnd packets are ACKed one by one: +1 per RTT. */
	for (int rtt = 0; rtt < 100; rtt++) {
		uint32_t n = w.cwnd;

		for (uint32_t i = 0; i < n; i++)
			reno_cong_avoid(&w, 1);
	}
	assert_int_equal(w.cwnd, 110);
	assert_int_equal(w.cwnd_cnt, 0);
}

static void slow_start_doubles_per_rtt(void **state)
{
	struct cc_window w = win(10, 0, 1000, 100000);

	for (int rtt = 0; rtt < 4; rtt++) {
		uint32_t n = w.cwnd;

		for (uint32_t i = 0; i < n; i++)
			reno_cong_avoid(&w, 1);
	}
	assert_int_equal(w.cwnd, 160);
}

static void ssthresh_halves_with_floor_of_two(void **state)
{
	assert_int_equal(reno_ssthresh(0), 2);
	assert_int_equal(reno_ssthresh(1), 2);
	assert_int_equal(reno_ssthresh(5), 2);
	assert_int_equal(reno_ssthresh(6), 3);
	assert_int_equal(reno_ssthresh(101), 50);
	assert_int_equal(reno_ssthresh(0xffffffffu), 0x7fffffffu);
}

static void undo_returns_the_larger_window(void **state)
{
	assert_int_equal(reno_undo_cwnd(10, 40), 40);
	assert_int_equal(reno_undo_cwnd(40, 10), 40);
	assert_int_equal(reno_undo_cwnd(7, 7), 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(slow_start_adds_one_per_acked_packet),
		cmocka_unit_test(slow_start_stops_at_ssthresh_and_returns_leftover),
		cmocka_unit_test(slow_start_respects_cwnd_clamp),
		cmocka_unit_test(cong_avoid_ai_matches_per_ack_increase),
		cmocka_unit_test(cong_avoid_ai_applies_stale_credit_once),
		cmocka_unit_test(cong_avoid_ai_respects_cwnd_clamp),
		cmocka_unit_test(cong_avoid_spills_slow_start_leftover_into_ai),
		cmocka_unit_test(cong_avoid_grows_one_packet_per_rtt),
		cmocka_unit_test(slow_start_doubles_per_rtt),
		cmocka_unit_test(ssthresh_halves_with_floor_of_two),
		cmocka_unit_test(undo_returns_the_larger_window),
	};

	return cmocka_run_group_tests_name("reno_math", tests, NULL, NULL);
}
