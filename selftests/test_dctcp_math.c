// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Host unit tests for include/bpftcp/dctcp.h, the arithmetic and the CE
 * state machine of bpf_dctcp.  Expected values are hand-derived from the
 * formulas of RFC 8257 (alpha = (1 - g) alpha + g F, cwnd (1 - alpha/2)), or
 * come from a floating-point EWMA that the kernel's integer one must track.
 */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <setjmp.h>
#include <cmocka.h>
#include "bpftcp/dctcp.h"

static void alpha_decays_by_one_sixteenth_without_marks(void **state)
{
	/* g = 1/16: 1024 - 64 = 960, then 960 - 60 = 900. */
	assert_int_equal(dctcp_alpha_update(1024, 100, 0, 4), 960);
	assert_int_equal(dctcp_alpha_update(960, 100, 0, 4), 900);
	assert_int_equal(dctcp_alpha_update(16, 100, 0, 4), 15);
	assert_int_equal(dctcp_alpha_update(0, 100, 0, 4), 0);
}

static void small_alpha_drops_to_zero(void **state)
{
	/* alpha >> g == 0, so min_not_zero() takes alpha itself. */
	assert_int_equal(dctcp_alpha_update(15, 100, 0, 4), 0);
	assert_int_equal(dctcp_alpha_update(1, 100, 0, 4), 0);
	assert_int_equal(dctcp_alpha_update(1023, 100, 0, 10), 0);
}

static void alpha_adds_g_times_marked_fraction(void **state)
{
	/* F = 1/2, g = 1/16: + 1024/32 = 32. */
	assert_int_equal(dctcp_alpha_update(0, 100, 50, 4), 32);
	/* F = 1/4 on top of decay: 960 - 60 + 16. */
	assert_int_equal(dctcp_alpha_update(960, 40, 10, 4), 916);
	/* g = 1 (shift 0): alpha becomes F exactly. */
	assert_int_equal(dctcp_alpha_update(700, 8, 2, 0), 256);
	/* g = 1/1024 (shift 10): F contributes F * 1. */
	assert_int_equal(dctcp_alpha_update(0, 3, 3, 10), 1);
}

static void alpha_is_capped_at_one(void **state)
{
	assert_int_equal(dctcp_alpha_update(1024, 10, 10, 4), 1024);
	assert_int_equal(dctcp_alpha_update(1024, 10, 10, 0), 1024);
	/* More CE than delivered cannot push it past 1024 either. */
	assert_int_equal(dctcp_alpha_update(1000, 1, 5, 4), 1024);
}

static void alpha_update_survives_zero_delivered(void **state)
{
	/* The kernel divides by max(1, delivered). */
	assert_int_equal(dctcp_alpha_update(0, 0, 3, 4), 3 << 6);
}

static void alpha_tracks_floating_point_ewma(void **state)
{
	const double fractions[] = { 0.25, 0.0, 1.0, 0.1, 0.6, 0.03 };
	unsigned int seed = 7;

	for (unsigned int g = 1; g <= 6; g++) {
		double ref = 1024, gain = 1.0 / (1u << g);
		__u32 alpha = 1024;

		for (int w = 0; w < 2000; w++) {
			double f = fractions[(w / 100) % 6];
			__u32 delivered = 50 + rand_r(&seed) % 200;
			__u32 ce = (__u32)(f * delivered + 0.5);

			alpha = dctcp_alpha_update(alpha, delivered, ce, g);
			ref = (1 - gain) * ref + gain * 1024.0 * ce / delivered;
			/* Integer truncation costs < 1 per step in each of the
			 * two terms; in steady state that is < 2^(g+1). */
			assert_true(fabs(alpha - ref) <= (double)(2u << g));
			assert_true(alpha <= DCTCP_MAX_ALPHA);
		}
	}
}

static void ssthresh_cuts_by_half_alpha(void **state)
{
	assert_int_equal(dctcp_ssthresh(100, 1024), 50);	/* alpha 1: halve */
	assert_int_equal(dctcp_ssthresh(100, 512), 75);		/* alpha 1/2: -25% */
	assert_int_equal(dctcp_ssthresh(100, 0), 100);		/* no marks: no cut */
	assert_int_equal(dctcp_ssthresh(1000, 64), 969);	/* 1000 - 31.25 */
	assert_int_equal(dctcp_ssthresh(3, 1024), 2);
	assert_int_equal(dctcp_ssthresh(2, 1024), 2);		/* floor of 2 */
	assert_int_equal(dctcp_ssthresh(1, 0), 2);
}

static void loss_halves_like_reno(void **state)
{
	assert_int_equal(dctcp_loss_ssthresh(100), 50);
	assert_int_equal(dctcp_loss_ssthresh(5), 2);
	assert_int_equal(dctcp_loss_ssthresh(0), 2);
}

static void undo_restores_the_larger_window(void **state)
{
	assert_int_equal(dctcp_undo_cwnd(30, 60), 60);
	assert_int_equal(dctcp_undo_cwnd(60, 30), 60);
}

static void params_are_bounded_like_the_kernel(void **state)
{
	assert_int_equal(dctcp_shift_g_bound(4), 4);
	assert_int_equal(dctcp_shift_g_bound(10), 10);
	assert_int_equal(dctcp_shift_g_bound(11), 10);
	assert_int_equal(dctcp_shift_g_bound(0xffffffffu), 10);
	assert_int_equal(dctcp_initial_alpha(1024), 1024);
	assert_int_equal(dctcp_initial_alpha(5000), 1024);
	assert_int_equal(dctcp_initial_alpha(0), 0);
}

static void ce_state_steady_non_ce_does_nothing(void **state)
{
	__u32 ce = 0;
	struct dctcp_ce_actions a = dctcp_ce_event(&ce, false, true);

	assert_false(a.send_delayed_ack);
	assert_false(a.ack_now);
	assert_false(a.demand_cwr);
	assert_int_equal(ce, 0);
}

static void ce_state_steady_ce_keeps_echoing(void **state)
{
	__u32 ce = 1;
	struct dctcp_ce_actions a = dctcp_ce_event(&ce, true, true);

	assert_false(a.send_delayed_ack);
	assert_false(a.ack_now);
	assert_true(a.demand_cwr);
	assert_int_equal(ce, 1);
}

static void ce_onset_acks_now(void **state)
{
	__u32 ce = 0;
	struct dctcp_ce_actions a = dctcp_ce_event(&ce, true, false);

	assert_false(a.send_delayed_ack);	/* nothing was being delayed */
	assert_true(a.ack_now);
	assert_true(a.demand_cwr);
	assert_int_equal(ce, 1);
}

static void ce_onset_flushes_delayed_ack_without_ece(void **state)
{
	__u32 ce = 0;
	struct dctcp_ce_actions a = dctcp_ce_event(&ce, true, true);

	/* The delayed ACK covers non-CE packets: no ECE on it. */
	assert_true(a.send_delayed_ack);
	assert_false(a.delayed_ack_ece);
	assert_true(a.ack_now);
	assert_true(a.demand_cwr);
	assert_int_equal(ce, 1);
}

static void ce_end_flushes_delayed_ack_with_ece(void **state)
{
	__u32 ce = 1;
	struct dctcp_ce_actions a = dctcp_ce_event(&ce, false, true);

	/* The delayed ACK covers CE packets: it must carry ECE. */
	assert_true(a.send_delayed_ack);
	assert_true(a.delayed_ack_ece);
	assert_true(a.ack_now);
	assert_false(a.demand_cwr);
	assert_int_equal(ce, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(alpha_decays_by_one_sixteenth_without_marks),
		cmocka_unit_test(small_alpha_drops_to_zero),
		cmocka_unit_test(alpha_adds_g_times_marked_fraction),
		cmocka_unit_test(alpha_is_capped_at_one),
		cmocka_unit_test(alpha_update_survives_zero_delivered),
		cmocka_unit_test(alpha_tracks_floating_point_ewma),
		cmocka_unit_test(ssthresh_cuts_by_half_alpha),
		cmocka_unit_test(loss_halves_like_reno),
		cmocka_unit_test(undo_restores_the_larger_window),
		cmocka_unit_test(params_are_bounded_like_the_kernel),
		cmocka_unit_test(ce_state_steady_non_ce_does_nothing),
		cmocka_unit_test(ce_state_steady_ce_keeps_echoing),
		cmocka_unit_test(ce_onset_acks_now),
		cmocka_unit_test(ce_onset_flushes_delayed_ack_without_ece),
		cmocka_unit_test(ce_end_flushes_delayed_ack_with_ece),
	};

	return cmocka_run_group_tests_name("dctcp_math", tests, NULL, NULL);
}
