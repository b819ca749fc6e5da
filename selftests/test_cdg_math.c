// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Host unit tests for include/bpftcp/cdg.h, the arithmetic that
 * cc/cdg.bpf.c runs.  exp(-x) and the backoff probability are checked
 * against libm, the gradient against a plain sliding-window model, the
 * ssthresh and Proportional Rate Reduction against their real-valued
 * definitions, the rest against hand-derived values.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "bpftcp/cdg.h"

static const struct cdg_params defaults = CDG_PARAMS_DEFAULT;

static struct cdg_state fresh(void)
{
	struct cdg_state ca;

	memset(&ca, 0, sizeof(ca));	/* icsk_ca_priv is zeroed before init */
	cdg_init(&ca, 1000, 10);
	return ca;
}

static void test_nexp_matches_exp(void **state)
{
	double max_abs = 0;

	(void)state;
	for (uint32_t ux = 0; ux < (1u << 24); ux += 13) {
		double got = cdg_nexp_u32(ux) / 4294967295.0;
		double want = exp(-(double)ux * 1e-6);
		double err = fabs(got - want);

		if (err > max_abs)
			max_abs = err;
		if (want > 1e-3 && err > 1e-3 * want)
			fail_msg("ux %u: %.9f, exp %.9f", ux, got, want);
	}
	assert_true(max_abs < 5e-5);
	assert_int_equal(cdg_nexp_u32(0), 0xffffffffu);
	/* Cut off at 2^24 (exp(-16.8) * U32_MAX < 223). */
	assert_int_equal(cdg_nexp_u32(1u << 24), 0);
	assert_int_equal(cdg_nexp_u32(0xffffffffu), 0);
	assert_true(cdg_nexp_u32((1u << 24) - 1) / 4294967295.0 < 1e-7);
}

static void test_signed_helpers(void **state)
{
	(void)state;
	for (int a = -1000; a <= 1000; a += 7)
		for (int b = -70; b <= 70; b += 3)
			if (b)
				assert_int_equal(cdg_sdiv32(a, b), a / b);
	assert_int_equal(cdg_sdiv32(INT32_MIN + 1, 1), INT32_MIN + 1);
	/* DIV_ROUND_CLOSEST: halves away from zero. */
	for (int x = -1000; x <= 1000; x++)
		assert_int_equal(cdg_div_round_closest(x, 64), (int)lround(x / 64.0));
	assert_int_equal(cdg_min_not_zero(0, 5), 5);
	assert_int_equal(cdg_min_not_zero(5, 0), 5);
	assert_int_equal(cdg_min_not_zero(3, 5), 3);
	assert_int_equal(cdg_min_not_zero(0, 0), 0);
}

static void test_window_validity(void **state)
{
	(void)state;
	for (int w = -3; w <= 600; w++) {
		bool pow2 = w > 0 && (w & (w - 1)) == 0;

		assert_int_equal(cdg_window_valid(w), pow2 && w <= 256);
	}
}

static void test_acked_min_max_and_delayed_ack_filter(void **state)
{
	struct cdg_state ca = fresh();

	(void)state;
	cdg_acked(&ca, 0, 1, 0);		/* no sample */
	cdg_acked(&ca, -1, 1, 0);
	assert_true(ca.rtt.v64 == 0);
	cdg_acked(&ca, 500, 1, 0);		/* delack 0: counts */
	cdg_acked(&ca, 700, 1, 0);
	assert_int_equal(ca.rtt.min, 500);
	assert_int_equal(ca.rtt.max, 700);
	/* Stretch ACKs raise the delayed-ACK credit, up to 5. */
	for (int i = 0; i < 7; i++)
		cdg_acked(&ca, 600, 2, 0);
	assert_int_equal(ca.delack, 5);
	/* Then a 1-packet ACK is presumed delayed: it may lower the minimum
	 * but not raise the maximum. */
	cdg_acked(&ca, 900, 1, 0);
	assert_int_equal(ca.rtt.max, 700);
	assert_int_equal(ca.delack, 4);
	cdg_acked(&ca, 400, 1, 0);
	assert_int_equal(ca.rtt.min, 400);
	assert_int_equal(ca.delack, 3);
	/* With SACKed data outstanding the filter is off. */
	cdg_acked(&ca, 950, 1, 3);
	assert_int_equal(ca.rtt.max, 950);
	assert_int_equal(ca.delack, 3);
}

/* Plain model of the gradient: sums over the last @window rounds. */
struct grad_model {
	int n, window;
	int32_t min[256], max[256];
};

static int32_t model_grad(struct grad_model *m, int32_t gmin, int32_t gmax)
{
	int64_t smin = 0, smax = 0, grad;
	int k = m->n < m->window ? m->n + 1 : m->window;

	m->min[m->n % m->window] = gmin;
	m->max[m->n % m->window] = gmax;
	m->n++;
	for (int i = 0; i < k; i++) {
		smin += m->min[i];
		smax += m->max[i];
	}
	grad = smin > 0 ? smin : smax;
	if (k < m->window)		/* extrapolate a partly filled window */
		grad = grad * m->window / k;
	return (int32_t)grad;
}

static void test_gradient_sums_over_window(void **state)
{
	static const int32_t seq_min[] = { 100, 130, 120, 180, 260, 250, 240, 300,
					   280, 260, 150, 140, 400, 90, 95, 100, 120 };
	static const int32_t seq_max[] = { 200, 210, 260, 250, 330, 420, 380, 390,
					   300, 290, 310, 180, 500, 240, 230, 220, 230 };
	struct cdg_minmax window[CDG_WINDOW_MAX] = { 0 };
	struct grad_model m = { .window = 8 };
	struct cdg_state ca = fresh();

	(void)state;
	ca.rtt.min = seq_min[0];
	ca.rtt.max = seq_max[0];
	for (size_t i = 1; i < sizeof(seq_min) / sizeof(seq_min[0]); i++) {
		int32_t want, got;

		ca.rtt_prev = ca.rtt;
		ca.rtt.min = seq_min[i];
		ca.rtt.max = seq_max[i];
		want = model_grad(&m, seq_min[i] - seq_min[i - 1], seq_max[i] - seq_max[i - 1]);
		got = cdg_grad(&ca, window, &defaults);
		if (got != want)
			fail_msg("round %zu: grad %d, model %d", i, got, want);
		assert_int_equal(ca.gfilled, i >= 8);
		assert_int_equal(ca.tail, i % 8);
	}
}

static void test_gradient_without_window(void **state)
{
	struct cdg_state ca = fresh();

	(void)state;
	/* Allocation failed: each gradient stands for a whole window. */
	ca.rtt_prev.min = 100;
	ca.rtt_prev.max = 200;
	ca.rtt.min = 110;
	ca.rtt.max = 190;
	assert_int_equal(cdg_grad(&ca, NULL, &defaults), 10 * 8);
	/* gmin <= 0: the max gradient is used. */
	ca.rtt.min = 100;
	ca.rtt.max = 230;
	assert_int_equal(cdg_grad(&ca, NULL, &defaults), 30 * 8);
	/* Window 1: no window, no scaling. */
	struct cdg_params one = defaults;

	one.window = 1;
	ca = fresh();
	ca.rtt_prev.min = 100;
	ca.rtt.min = 110;
	assert_int_equal(cdg_grad(&ca, NULL, &one), 10);
	assert_true(ca.gfilled);
}

/* A fresh state's first gradient, from RTT min/max of 1000 us to these. */
static struct cdg_state after_one_round(int32_t min, int32_t max, const struct cdg_params *p,
					struct cdg_minmax *window)
{
	struct cdg_state ca = fresh();

	memset(window, 0, sizeof(struct cdg_minmax) * CDG_WINDOW_MAX);
	ca.rtt_prev.min = 1000;
	ca.rtt_prev.max = 1000;
	ca.rtt.min = min;
	ca.rtt.max = max;
	cdg_grad(&ca, window, p);
	return ca;
}

static void test_gradient_resets_ineffective_count_and_tolerance(void **state)
{
	struct cdg_minmax window[CDG_WINDOW_MAX];
	struct cdg_params tol = defaults;
	struct cdg_state ca;

	(void)state;
	/* A falling gradient sum of at least 32 us: the backoff worked. */
	ca = after_one_round(969, 1000, &defaults, window);	/* -31 */
	ca.backoff_cnt = 4;
	ca.rtt_prev = ca.rtt;
	ca.rtt.min = 969 - 1;		/* the sum reaches -32 */
	cdg_grad(&ca, window, &defaults);
	assert_int_equal(ca.backoff_cnt, 0);
	ca = after_one_round(969, 1000, &defaults, window);
	ca.backoff_cnt = 4;
	ca.rtt_prev = ca.rtt;		/* the sum stays -31 */
	cdg_grad(&ca, window, &defaults);
	assert_int_equal(ca.backoff_cnt, 4);

	/* Loss tolerance: the rounded sums classify the path. */
	tol.use_tolerance = true;
	ca = after_one_round(1100, 1000, &tol, window);	/* min up, max flat */
	assert_int_equal(ca.state, CDG_FULL);
	ca = after_one_round(1100, 1100, &tol, window);	/* both up */
	assert_int_equal(ca.state, CDG_NONFULL);
	ca = after_one_round(1000, 900, &tol, window);	/* max down */
	assert_int_equal(ca.state, CDG_NONFULL);
	/* Small variations are reduced to zero: +31 rounds to 0 (state
	 * kept), +32 to 1 (both rising: non-full). */
	ca = after_one_round(1031, 1100, &tol, window);
	assert_int_equal(ca.state, CDG_UNKNOWN);
	ca = after_one_round(1032, 1100, &tol, window);
	assert_int_equal(ca.state, CDG_NONFULL);
	/* Without the heuristic the state is not touched. */
	ca = after_one_round(1100, 1000, &defaults, window);
	assert_int_equal(ca.state, CDG_UNKNOWN);
}

static void test_backoff_probability(void **state)
{
	(void)state;
	/* P(backoff) = 1 - exp(-grad * 42 / 1e6), rand uniform. */
	for (uint32_t grad = 100; grad < 200000; grad *= 3) {
		const int n = 20000;
		int backoffs = 0;
		double want = 1.0 - exp(-(double)grad * 42 / 1e6);

		for (int i = 0; i < n; i++) {
			struct cdg_state ca = fresh();
			uint32_t rand = (uint32_t)((i + 0.5) / n * 4294967296.0);

			backoffs += cdg_backoff_decide(&ca, grad, rand, &defaults);
		}
		if (fabs((double)backoffs / n - want) > 1e-3)
			fail_msg("grad %u: %f, want %f", grad, (double)backoffs / n, want);
	}
}

static void test_ineffective_backoffs_stop_after_five(void **state)
{
	struct cdg_state ca = fresh();

	(void)state;
	for (int i = 1; i <= 5; i++) {
		assert_true(cdg_backoff_decide(&ca, 100000, 0xffffffffu, &defaults));
		assert_int_equal(ca.backoff_cnt, i);
	}
	assert_false(cdg_backoff_decide(&ca, 100000, 0xffffffffu, &defaults));
	/* Without the heuristic every draw above exp(-x) backs off. */
	struct cdg_params noineff = defaults;

	noineff.use_ineff = 0;
	for (int i = 0; i < 10; i++)
		assert_true(cdg_backoff_decide(&ca, 100000, 0xffffffffu, &noineff));
	/* A draw at or below exp(-x) never does. */
	assert_false(cdg_backoff_decide(&ca, 100000, 0, &noineff));
}

static void test_backoff_begin(void **state)
{
	struct cdg_state ca = fresh();

	(void)state;
	ca.shadow_wnd = 50;
	cdg_backoff_begin(&ca, 40);
	assert_int_equal(ca.shadow_wnd, 50);
	assert_int_equal(ca.state, CDG_BACKOFF);
	cdg_backoff_begin(&ca, 80);
	assert_int_equal(ca.shadow_wnd, 80);
}

static void test_ssthresh(void **state)
{
	struct cdg_state ca = fresh();

	(void)state;
	/* Delay backoff: keep 724/1024 = 0.7071. */
	ca.state = CDG_BACKOFF;
	for (uint32_t cwnd = 3; cwnd < 100000; cwnd += 77)
		assert_true(fabs(cdg_ssthresh(&ca, cwnd, &defaults) - cwnd * sqrt(0.5)) <
			    0.0001 * cwnd + 1.0);
	assert_int_equal(cdg_ssthresh(&ca, 100, &defaults), 70);
	assert_int_equal(cdg_ssthresh(&ca, 2, &defaults), 2);
	/* Loss: halve, but not below the halved shadow window. */
	ca.state = CDG_UNKNOWN;
	ca.shadow_wnd = 300;
	assert_int_equal(cdg_ssthresh(&ca, 200, &defaults), 150);
	assert_int_equal(ca.shadow_wnd, 150);
	ca.shadow_wnd = 1000;
	assert_int_equal(cdg_ssthresh(&ca, 200, &defaults), 200);	/* min(500, cwnd) */
	ca.shadow_wnd = 100;
	assert_int_equal(cdg_ssthresh(&ca, 200, &defaults), 100);	/* cwnd/2 */
	/* Without the shadow window: halve. */
	struct cdg_params noshadow = defaults;

	noshadow.use_shadow = false;
	ca.shadow_wnd = 1000;
	assert_int_equal(cdg_ssthresh(&ca, 200, &noshadow), 100);
	assert_int_equal(cdg_ssthresh(&ca, 3, &noshadow), 2);
	/* Loss tolerance on a non-full path: no reduction. */
	struct cdg_params tol = defaults;

	tol.use_tolerance = true;
	ca.state = CDG_NONFULL;
	assert_int_equal(cdg_ssthresh(&ca, 200, &tol), 200);
}

static void test_shadow_window(void **state)
{
	struct cdg_state ca = fresh();

	(void)state;
	assert_int_equal(ca.shadow_wnd, 10);
	assert_int_equal(ca.rtt_seq, 1000);
	cdg_shadow_grow(&ca, 3);
	assert_int_equal(ca.shadow_wnd, 13);
	ca.shadow_wnd = 0xfffffffe;
	cdg_shadow_grow(&ca, 5);		/* no wrap-around */
	assert_int_equal(ca.shadow_wnd, 0xfffffffe);
	cdg_shadow_app_limited(&ca, 40);
	assert_int_equal(ca.shadow_wnd, 40);
}

static void test_round_end_and_events(void **state)
{
	struct cdg_minmax window[CDG_WINDOW_MAX] = { 0 };
	struct cdg_state ca = fresh();

	(void)state;
	/* First round: no previous one, no gradient. */
	ca.rtt.min = 100;
	ca.rtt.max = 120;
	ca.last_ack = 5;
	ca.sample_cnt = 3;
	assert_int_equal(cdg_round_end(&ca, 2000, window, &defaults), 0);
	assert_int_equal(ca.rtt_seq, 2000);
	assert_int_equal(ca.rtt_prev.min, 100);
	assert_true(ca.rtt.v64 == 0);
	assert_int_equal(ca.last_ack, 0);
	assert_int_equal(ca.sample_cnt, 0);
	/* Second: +20 on min, extrapolated from 1 of 8 slots. */
	ca.rtt.min = 120;
	ca.rtt.max = 150;
	assert_int_equal(cdg_round_end(&ca, 3000, window, &defaults), 20 * 8);
	/* COMPLETE_CWR: the round restarts from the current samples. */
	ca.state = CDG_BACKOFF;
	ca.rtt.min = 130;
	cdg_complete_cwr(&ca, 4000);
	assert_int_equal(ca.state, CDG_UNKNOWN);
	assert_int_equal(ca.rtt_prev.min, 130);
	assert_true(ca.rtt.v64 == 0);
	assert_int_equal(ca.rtt_seq, 4000);
	/* CWND_RESTART: everything but the window and the CWR emulation. */
	ca.has_gradients = 1;
	ca.cwr.active = 1;
	ca.cwr.high_seq = 77;
	ca.backoff_cnt = 3;
	cdg_cwnd_restart(&ca, 5000, 33);
	assert_int_equal(ca.has_gradients, 1);
	assert_int_equal(ca.cwr.active, 1);
	assert_int_equal(ca.cwr.high_seq, 77);
	assert_int_equal(ca.backoff_cnt, 0);
	assert_int_equal(ca.tail, 0);
	assert_true(ca.rtt_prev.v64 == 0);
	assert_int_equal(ca.rtt_seq, 5000);
	assert_int_equal(ca.shadow_wnd, 33);
}

static void test_hystart_ack_train(void **state)
{
	struct cdg_state ca = fresh();
	uint32_t ss = 0x7fffffff, now = 1000000;

	(void)state;
	/* No RTT yet: nothing. */
	assert_int_equal(cdg_hystart_update(&ca, now, true, 20, &ss, &defaults),
			 CDG_HYSTART_NONE);
	ca.rtt.min = 10000;			/* delay_min 10 ms: base_owd 5 ms */
	assert_int_equal(cdg_hystart_update(&ca, now, true, 20, &ss, &defaults),
			 CDG_HYSTART_NONE);
	assert_int_equal(ca.round_start, now);
	/* ACKs closer than 3 ms apart, for 5 ms after the round start. */
	for (int i = 1; i <= 2; i++)
		assert_int_equal(cdg_hystart_update(&ca, now + i * 2500, true, 20, &ss,
						    &defaults), CDG_HYSTART_NONE);
	assert_int_equal(cdg_hystart_update(&ca, now + 5001, true, 24, &ss, &defaults),
			 CDG_HYSTART_EXIT_TRAIN);
	assert_int_equal(ss, 24);
	/* A gap of 3 ms breaks the train; application limited restarts it. */
	ca = fresh();
	ca.rtt.min = 10000;
	ss = 0x7fffffff;
	cdg_hystart_update(&ca, now, true, 20, &ss, &defaults);
	cdg_hystart_update(&ca, now + 3000, true, 20, &ss, &defaults);
	assert_int_equal(ca.last_ack, now);
	cdg_hystart_update(&ca, now + 4000, false, 20, &ss, &defaults);
	assert_int_equal(ca.round_start, now + 4000);
	assert_true(ss == 0x7fffffff);
}

static void test_hystart_delay(void **state)
{
	struct cdg_params delay_only = defaults;
	struct cdg_state ca = fresh();
	uint32_t ss = 0x7fffffff;

	(void)state;
	delay_only.hystart_detect = CDG_HYSTART_DELAY;
	ca.delay_min = 8000;
	ca.rtt.min = 9001;		/* > 8000 + 1000 */
	/* 8 samples first. */
	for (int i = 1; i <= 8; i++) {
		assert_int_equal(cdg_hystart_update(&ca, 0, true, 30, &ss, &delay_only),
				 CDG_HYSTART_NONE);
		assert_int_equal(ca.sample_cnt, i);
	}
	ca.rtt.min = 9000;		/* not above the threshold */
	assert_int_equal(cdg_hystart_update(&ca, 0, true, 30, &ss, &delay_only),
			 CDG_HYSTART_NONE);
	ca.rtt.min = 9001;
	assert_int_equal(cdg_hystart_update(&ca, 0, true, 30, &ss, &delay_only),
			 CDG_HYSTART_EXIT_DELAY);
	assert_int_equal(ss, 30);
	/* The threshold is at least 125 us. */
	ca = fresh();
	ca.delay_min = 40;
	ca.sample_cnt = 8;
	ca.rtt.min = 125;
	ss = 0x7fffffff;
	assert_int_equal(cdg_hystart_update(&ca, 0, true, 30, &ss, &delay_only),
			 CDG_HYSTART_NONE);
}

static void test_cwr_enter_and_end(void **state)
{
	struct cdg_state ca = fresh();

	(void)state;
	cdg_cwr_enter(&ca.cwr, 50000, 100, 900, 1200, 3, 40000);
	assert_int_equal(ca.cwr.active, 1);
	assert_int_equal(ca.cwr.high_seq, 50000);
	assert_int_equal(ca.cwr.prior_cwnd, 100);
	assert_false(cdg_cwr_done(&ca.cwr, 49999));
	/* CWR is held until something above high_seq is ACKed. */
	assert_false(cdg_cwr_done(&ca.cwr, 50000));
	assert_true(cdg_cwr_done(&ca.cwr, 50001));
}

/*
 * A model of the kernel's tcp_cwnd_application_limited() as
 * tcp_cwnd_validate() runs it on a send that is not cwnd-limited, in
 * TCP_CA_Open (tcp_output.c; tcp_current_ssthresh() outside CWR/Recovery
 * is max(ssthresh, 3/4 cwnd)): what the kernel does during the emulated
 * reduction, whose socket it sees as Open.
 */
struct sim_sock {
	uint32_t cwnd, ssthresh, stamp, cwnd_used;
};

static void model_app_limited_send(struct sim_sock *s, uint32_t now, uint32_t rto,
				   uint32_t init_win)
{
	uint32_t win_used;

	if ((int32_t)(now - s->stamp) < (int32_t)rto)
		return;
	win_used = s->cwnd_used > init_win ? s->cwnd_used : init_win;
	if (win_used < s->cwnd) {
		uint32_t three_quarters = (s->cwnd >> 1) + (s->cwnd >> 2);

		s->ssthresh = s->ssthresh > three_quarters ? s->ssthresh : three_quarters;
		s->cwnd = (s->cwnd + win_used) >> 1;
	}
	s->cwnd_used = 0;
	s->stamp = now;
}

/*
 * An application-limited flow (20 packets per RTT of a cwnd of 100, stamp
 * last refreshed long ago) backs off to ssthresh 70.  In the kernel's CWR
 * state the application-limited path would change nothing; with the port's
 * stamping (cdg_cwr_stamp() at the backoff and on each ACK) it cannot fire,
 * so the backoff stands.  Without it, the Open-state path fires at the
 * first send and raises ssthresh to 75: the defect the stamping removes.
 */
static void test_cwr_stamp_keeps_app_limited_path_off(void **state)
{
	const uint32_t rto = 50, rtt = 10, init_win = 10, in_flight = 20;

	(void)state;
	for (int stamping = 0; stamping <= 1; stamping++) {
		struct cdg_state ca = fresh();
		struct sim_sock s = { .cwnd = 100, .ssthresh = 70, .stamp = 0,
				      .cwnd_used = in_flight };
		uint32_t now = 1000;

		cdg_cwr_enter(&ca.cwr, 5000, 100, 0, 0, 0, 4000);
		if (stamping)
			s.stamp = cdg_cwr_stamp(&ca.cwr, s.stamp, now);
		for (int rtts = 0; rtts < 8; rtts++) {
			model_app_limited_send(&s, now + 1, rto, init_win);
			now += rtt;
			if (stamping)	/* an ACK of the reduction */
				s.stamp = cdg_cwr_stamp(&ca.cwr, s.stamp, now);
			s.cwnd_used = in_flight;
		}
		if (stamping) {
			assert_int_equal(s.ssthresh, 70);
			assert_int_equal(s.cwnd, 100);	/* PRR's alone to change */
			assert_int_equal(s.stamp, now);
		} else {
			/* Fires at 1001 (cwnd 60) and again an RTO later. */
			assert_int_equal(s.ssthresh, 75);
			assert_int_equal(s.cwnd, 40);
		}
	}
	/* Outside a reduction the stamp is the kernel's business. */
	{
		struct cdg_state ca = fresh();

		assert_int_equal(cdg_cwr_stamp(&ca.cwr, 123, 456), 123);
	}
}

/*
 * One RTT of a reduction from cwnd 100 to ssthresh 70, one packet per ACK,
 * the sender filling cwnd after each: PRR sends 70 packets for the 100
 * delivered (RFC 6937), spread evenly, and ends with 70 in flight.
 */
static void test_prr_spreads_the_reduction(void **state)
{
	struct cdg_state ca = fresh();
	uint32_t in_flight = 100, delivered = 0, segs_out = 0, una = 0, cwnd = 100;

	(void)state;
	cdg_cwr_enter(&ca.cwr, 100, cwnd, delivered, segs_out, 0, una);
	for (int ack = 1; ack <= 100; ack++) {
		struct cdg_prr_in in = { .ssthresh = 70 };
		uint32_t sent;

		delivered++;
		una++;
		in_flight--;
		in.in_flight = in_flight;
		in.delivered = delivered;
		in.segs_out = segs_out;
		in.snd_una = una;
		assert_true(cdg_cwr_prr(&ca.cwr, &in, &cwnd));
		sent = cwnd > in_flight ? cwnd - in_flight : 0;
		segs_out += sent;
		in_flight += sent;
		/* Sent so far follows 70% of delivered, rounded up. */
		if (abs((int)segs_out - (int)ceil(0.7 * ack)) > 1)
			fail_msg("ack %d: sent %u, want %f", ack, segs_out, 0.7 * ack);
	}
	assert_int_equal(segs_out, 70);
	assert_int_equal(in_flight, 70);
	/* Nothing newly delivered: cwnd untouched. */
	struct cdg_prr_in same = { .ssthresh = 70, .in_flight = 70,
				   .delivered = delivered, .segs_out = segs_out };

	cwnd = 12345;
	assert_false(cdg_cwr_prr(&ca.cwr, &same, &cwnd));
	assert_int_equal(cwnd, 12345);
}

static void test_prr_below_ssthresh_regrows(void **state)
{
	struct cdg_state ca = fresh();
	uint32_t cwnd = 0;
	struct cdg_prr_in in = {
		.ssthresh = 70, .in_flight = 40, .delivered = 10,
		.segs_out = 2, .lost = 0, .snd_una = 5,
	};

	(void)state;
	/* In flight fell below ssthresh (delta 30): send the larger of what
	 * was delivered and not yet sent (10 - 2) and what this ACK delivered
	 * (10), +1 as the ACK advanced snd_una without a new loss. */
	cdg_cwr_enter(&ca.cwr, 100, 100, 0, 0, 0, 0);
	assert_true(cdg_cwr_prr(&ca.cwr, &in, &cwnd));
	assert_int_equal(cwnd, 40 + 11);
	/* ...but never above ssthresh. */
	in.delivered = 200;
	in.in_flight = 65;
	in.snd_una = 9;
	assert_true(cdg_cwr_prr(&ca.cwr, &in, &cwnd));
	assert_int_equal(cwnd, 70);
	/* A new loss on this ACK: no +1. */
	in.delivered = 201;
	in.in_flight = 40;
	in.lost = 1;
	in.segs_out = 201;
	in.snd_una = 12;
	assert_true(cdg_cwr_prr(&ca.cwr, &in, &cwnd));
	assert_int_equal(cwnd, 40 + 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nexp_matches_exp),
		cmocka_unit_test(test_signed_helpers),
		cmocka_unit_test(test_window_validity),
		cmocka_unit_test(test_acked_min_max_and_delayed_ack_filter),
		cmocka_unit_test(test_gradient_sums_over_window),
		cmocka_unit_test(test_gradient_without_window),
		cmocka_unit_test(test_gradient_resets_ineffective_count_and_tolerance),
		cmocka_unit_test(test_backoff_probability),
		cmocka_unit_test(test_ineffective_backoffs_stop_after_five),
		cmocka_unit_test(test_backoff_begin),
		cmocka_unit_test(test_ssthresh),
		cmocka_unit_test(test_shadow_window),
		cmocka_unit_test(test_round_end_and_events),
		cmocka_unit_test(test_hystart_ack_train),
		cmocka_unit_test(test_hystart_delay),
		cmocka_unit_test(test_cwr_enter_and_end),
		cmocka_unit_test(test_cwr_stamp_keeps_app_limited_path_off),
		cmocka_unit_test(test_prr_spreads_the_reduction),
		cmocka_unit_test(test_prr_below_ssthresh_regrows),
	};

	return cmocka_run_group_tests_name("cdg_math", tests, NULL, NULL);
}
