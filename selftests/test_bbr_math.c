// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host unit tests for BBR's arithmetic (include/bpftcp/bbr.h), the same code
 * cc/bbr.bpf.c runs.  Expected values come from models written here, not from
 * the header: the gain cycle and its random start from the table of the BBR
 * paper; the bandwidth filter's window from a brute-force windowed max over
 * every sample kept; BDP, the quantization budget and the pacing rate from
 * exact 128-bit (and floating-point) arithmetic on the formulas of
 * tcp_bbr.c's comments; the ACK-aggregation estimate from a direct
 * simulation of "data ACKed beyond bw * elapsed" per epoch.  The group runs
 * at every HZ (the min_rtt filter and PROBE_RTT count jiffies).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "harness.h"
#include "hz_sweep.h"
#include "bpftcp/bbr.h"

#define MSS 1448
#include "bbr_models.h"
/* The kernel's MAX_TCP_HEADER on the target hosts (bbr.h). */
#define MODEL_MAX_TCP_HEADER 192

/* --- models ------------------------------------------------------------- */

/* The PROBE_BW pacing gains of the paper, as fractions. */
static const double model_cycle[8] = { 1.25, 0.75, 1, 1, 1, 1, 1, 1 };

/* tso_segs_goal: the bytes of one pacing slot, capped at a 64 KB GSO packet
 * less MAX_TCP_HEADER, in segments, at least 1 below 1.2 Mbit/s and 2 above,
 * at most 127. */
static __u32 model_tso_goal(__u64 pacing_rate, __u32 shift, __u32 mss)
{
	__u64 bytes = pacing_rate >> shift;
	__u32 floor_segs = pacing_rate * 8 < 1200000 ? 1 : 2;
	__u64 segs;

	if (bytes > 65536 - 1 - MODEL_MAX_TCP_HEADER)
		bytes = 65536 - 1 - MODEL_MAX_TCP_HEADER;
	segs = bytes / mss;
	if (segs < floor_segs)
		segs = floor_segs;
	return segs > 127 ? 127 : (__u32)segs;
}

/* The target inflight: BDP, plus 3 TSO bursts, rounded up to even, plus 2
 * in the probing phase of PROBE_BW. */
static __u32 model_inflight(__u32 bdp, __u64 pacing_rate, __u32 shift, bool probing)
{
	__u32 c = bdp + 3 * model_tso_goal(pacing_rate, shift, MSS);

	c += c & 1;
	return c + (probing ? 2 : 0);
}

/* The pacing rate in bytes/s: bw * mss * gain, 1% below, exact. */
static __u64 model_pacing_rate(__u32 bw, __u32 mss, __u32 gain)
{
	u128 r = (u128)bw * mss * gain / 256;

	return (__u64)(r * 990000 / (1u << 24));
}

/* --- helpers ------------------------------------------------------------ */

/* A socket after the handshake: 10 packets cwnd, a 10 ms RTT seen. */
static struct bbr_sock test_sock(void)
{
	struct bbr_sock s = {
		.tcp_mstamp = 1000000,
		.delivered_mstamp = 1000000,
		.tcp_clock_cache = 1000000000ULL,
		.tcp_wstamp_ns = 1000000000ULL,
		.max_pacing_rate = ~0ULL,
		.mss_cache = MSS,
		.srtt_us = 10000 << 3,
		.tcp_min_rtt = 10000,
		.delivered = 1,
		.cwnd_clamp = 100000,
		.jiffies = 5000,
		.hz = HZ_TEST,
		.max_tcp_header = MODEL_MAX_TCP_HEADER,
		.pacing_shift = 10,
		.cwnd = 10,
		.ssthresh = TCP_INFINITE_SSTHRESH,
	};
	return s;
}

/* A valid, not app-limited sample of @delivered packets over @us. */
static struct bbr_rate_sample sample(__u32 prior_delivered, __s32 delivered, __s64 us,
				     __s64 rtt_us)
{
	struct bbr_rate_sample rs = {
		.interval_us = us, .rtt_us = rtt_us, .prior_delivered = prior_delivered,
		.delivered = delivered, .acked_sacked = (__u32)delivered,
	};
	return rs;
}

/* --- the gain cycle ----------------------------------------------------- */

static void gain_cycle_table_is_the_papers(void **state)
{
	for (__u32 i = 0; i < 8; i++)
		assert_int_equal(bbr_cycle_pacing_gain(i), (__u32)(model_cycle[i] * 256));
	/* STARTUP's 2/ln 2 and DRAIN's inverse, << 8 as tcp_bbr.c rounds. */
	assert_int_equal(bbr_high_gain, (int)floor(256 * 2.885) + 1);
	assert_int_equal(bbr_drain_gain, (int)floor(256 / 2.885));
	assert_true(fabs(bbr_high_gain / 256.0 - 2 / log(2)) < 0.005);
}

/* The random start: any of the 8 phases but the draining one (1). */
static void gain_cycle_random_start_skips_the_drain_phase(void **state)
{
	struct bbr_sock s = test_sock();
	unsigned int hits[8] = { 0 };
	const unsigned int n = 70000;

	for (unsigned int k = 0; k < n; k++) {
		struct bbr_state b = { 0 };

		s.rand = (__u32)((__u64)k * 0xffffffffULL / (n - 1));
		bbr_reset_probe_bw_mode(&b, &s);
		assert_int_equal(b.mode, BBR_MODE_PROBE_BW);
		assert_true(b.cycle_mstamp == s.delivered_mstamp);
		hits[b.cycle_idx]++;
	}
	assert_int_equal(hits[1], 0);
	for (int i = 0; i < 8; i++) {
		if (i == 1)
			continue;
		/* Uniform over the 7 other phases, within one draw. */
		assert_true(abs((int)hits[i] - (int)(n / 7)) <= 1);
	}
}

/* Phases at gain 1.0 end after one min_rtt of wall clock (strictly more). */
static void gain_cycle_cruise_phase_lasts_one_min_rtt(void **state)
{
	struct bbr_sock s = test_sock();
	struct bbr_state b = { .mode = BBR_MODE_PROBE_BW, .cycle_idx = 3,
			       .pacing_gain = BBR_UNIT, .min_rtt_us = 10000 };
	struct bbr_rate_sample rs = sample(0, 1, 100, 10000);

	b.cycle_mstamp = s.delivered_mstamp;
	s.delivered_mstamp += 10000;
	bbr_update_cycle_phase(&b, &s, &rs);
	assert_int_equal(b.cycle_idx, 3);
	s.delivered_mstamp += 1;
	bbr_update_cycle_phase(&b, &s, &rs);
	assert_int_equal(b.cycle_idx, 4);
	assert_true(b.cycle_mstamp == s.delivered_mstamp);
}

/* The probing phase (1.25) lasts a min_rtt and until inflight reaches
 * 1.25 BDP or a loss; the draining one (0.75) ends early when inflight is
 * down to the BDP.  Then the whole cycle, in order, back to the start. */
static void gain_cycle_probe_and_drain_phases(void **state)
{
	struct bbr_sock s = test_sock();
	struct bbr_state b = { .mode = BBR_MODE_PROBE_BW, .cycle_idx = 0, .min_rtt_us = 10000 };
	__u32 bw = model_bw(100), target_hi, target_1;
	struct bbr_rate_sample rs = sample(0, 1, 100, 10000);

	bbr_minmax_reset(&b.bw, 0, bw);
	b.pacing_gain = bbr_cycle_pacing_gain(0);
	s.pacing_rate = model_pacing_rate(bw, MSS, b.pacing_gain);
	target_hi = model_inflight(model_bdp(bw, 10000, 320), s.pacing_rate, 10, true);
	b.cycle_mstamp = s.delivered_mstamp;
	s.delivered_mstamp += 10001;
	rs.prior_in_flight = target_hi - 1 - model_tso_goal(s.pacing_rate, 10, MSS);
	bbr_update_cycle_phase(&b, &s, &rs);
	assert_int_equal(b.cycle_idx, 0);	/* below 1.25 BDP: keep probing */
	rs.losses = 1;
	bbr_update_cycle_phase(&b, &s, &rs);
	assert_int_equal(b.cycle_idx, 1);	/* a loss ends it */
	/* Inflight at EDT includes the skb departing at EDT. */
	b.cycle_idx = 0;
	b.cycle_mstamp = s.delivered_mstamp - 10001;
	rs.losses = 0;
	rs.prior_in_flight = target_hi - model_tso_goal(s.pacing_rate, 10, MSS);
	bbr_update_cycle_phase(&b, &s, &rs);
	assert_int_equal(b.cycle_idx, 1);

	/* Draining: before a min_rtt, only when inflight <= BDP target. */
	b.pacing_gain = bbr_cycle_pacing_gain(1);
	target_1 = model_inflight(model_bdp(bw, 10000, 256), s.pacing_rate, 10, false);
	rs.prior_in_flight = target_1 + 1;
	bbr_update_cycle_phase(&b, &s, &rs);
	assert_int_equal(b.cycle_idx, 1);
	rs.prior_in_flight = target_1;
	bbr_update_cycle_phase(&b, &s, &rs);
	assert_int_equal(b.cycle_idx, 2);

	/* The rest of the cycle: one phase per min_rtt, wrapping to 0. */
	for (int k = 3; k <= 8; k++) {
		b.pacing_gain = bbr_cycle_pacing_gain(b.cycle_idx);
		s.delivered_mstamp += 10001;
		bbr_update_cycle_phase(&b, &s, &rs);
		assert_int_equal(b.cycle_idx, k & 7);
	}
	/* Gains follow the index through bbr_update_gains(). */
	for (__u32 i = 0; i < 8; i++) {
		b.cycle_idx = i;
		bbr_update_gains(&b);
		assert_int_equal(b.pacing_gain, (__u32)(model_cycle[i] * 256));
		assert_int_equal(b.cwnd_gain, 512);
	}
	/* A policed flow cruises at 1.0 in every phase. */
	b.lt_use_bw = 1;
	b.cycle_idx = 0;
	bbr_update_gains(&b);
	assert_int_equal(b.pacing_gain, 256);
}

/* --- the bandwidth filter ----------------------------------------------- */

/* A peak holds for exactly bbr_bw_rtts (10) rounds after its own. */
static void bw_filter_holds_a_peak_for_ten_rounds(void **state)
{
	struct bbr_minmax m;

	bbr_minmax_reset(&m, 0, 0);
	assert_int_equal(bbr_minmax_running_max(&m, bbr_bw_rtts, 5, 1000), 1000);
	for (__u32 t = 6; t <= 15; t++)
		assert_int_equal(bbr_minmax_running_max(&m, bbr_bw_rtts, t, 400), 1000);
	/* Round 16 is 11 rounds later: the peak has left the window. */
	assert_int_equal(bbr_minmax_running_max(&m, bbr_bw_rtts, 16, 400), 400);
	/* A larger sample is taken at once. */
	assert_int_equal(bbr_minmax_running_max(&m, bbr_bw_rtts, 16, 401), 401);
}

/* Brute force: the max of every sample taken at rounds t - win .. t. */
struct brute {
	__u32 t[4096], v[4096];
	int n;
};

static __u32 brute_max(const struct brute *b, __u32 now, __u32 win)
{
	__u32 best = 0;

	for (int i = 0; i < b->n; i++)
		if (now - b->t[i] <= win && b->v[i] > best)
			best = b->v[i];
	return best;
}

/*
 * Against the brute-force windowed max: the estimate is never above the
 * true max of the window (every sample it returns is one of the window's)
 * and never below the latest sample.  It is not always equal: Nichols'
 * filter keeps three samples, and once the best expires it falls back to
 * the 2nd choice (taken a quarter of a window later), not to the best of
 * what remains; on random samples it still agrees most of the time.
 */
static void bw_filter_against_brute_force(void **state)
{
	static struct brute br;
	struct bbr_minmax m;
	unsigned int seed = 12345, exact = 0, total = 0;

	for (int run = 0; run < 20; run++) {
		__u32 t = 0;

		br.n = 0;
		bbr_minmax_reset(&m, 0, 0);
		for (int k = 0; k < 4000 && br.n < 4096; k++) {
			__u32 v = rand_r(&seed) % 100000, est;

			t += rand_r(&seed) % 3 == 0;	/* several samples per round */
			br.t[br.n] = t;
			br.v[br.n++] = v;
			est = bbr_minmax_running_max(&m, bbr_bw_rtts, t, v);
			assert_true(est >= v);
			assert_true(est <= brute_max(&br, t, bbr_bw_rtts));
			exact += est == brute_max(&br, t, bbr_bw_rtts);
			total++;
		}
	}
	print_message("windowed max: equal to brute force in %.1f%% of %u random samples\n",
		      100.0 * exact / total, total);
	assert_true(exact > total * 9 / 10);

	/* Decreasing after a peak: the peak for 10 rounds, then the 2nd
	 * choice, a sample of the window's second quarter, within bounds. */
	br.n = 0;
	bbr_minmax_reset(&m, 0, 0);
	for (__u32 t = 1; t < 200; t++) {
		__u32 v = 90000 - t * 300, est;

		br.t[br.n] = t;
		br.v[br.n++] = v;
		est = bbr_minmax_running_max(&m, bbr_bw_rtts, t, v);
		if (t <= 1 + bbr_bw_rtts)
			assert_int_equal(est, 90000 - 300);
		assert_true(est >= v && est <= brute_max(&br, t, bbr_bw_rtts));
	}
}

/* bbr_update_bw(): rounds advance when a packet sent after the round began
 * is delivered; app-limited samples count only when they raise the max. */
static void bw_samples_rounds_and_app_limited(void **state)
{
	struct bbr_sock s = test_sock();
	struct bbr_state b = { 0 };
	struct bbr_rate_sample rs;

	bbr_minmax_reset(&b.bw, 0, 0);
	s.delivered = 20;
	rs = sample(0, 10, 1000, 10000);	/* 10 packets per ms */
	bbr_update_bw(&b, &s, &rs);
	assert_int_equal(b.rtt_cnt, 1);
	assert_true(b.round_start);
	assert_int_equal(b.next_rtt_delivered, 20);
	assert_int_equal(bbr_max_bw(&b), (__u32)(10ULL * (1 << 24) / 1000));
	/* Sent before the round began (prior_delivered 19 < 20): same round. */
	rs = sample(19, 5, 1000, 10000);
	bbr_update_bw(&b, &s, &rs);
	assert_int_equal(b.rtt_cnt, 1);
	assert_false(b.round_start);
	/* App-limited and lower: ignored; app-limited and higher: taken. */
	rs.is_app_limited = true;
	rs.prior_delivered = 20;
	s.delivered = 40;
	bbr_update_bw(&b, &s, &rs);
	assert_int_equal(b.rtt_cnt, 2);
	assert_int_equal(bbr_max_bw(&b), (__u32)(10ULL * (1 << 24) / 1000));
	rs.delivered = 20;
	bbr_update_bw(&b, &s, &rs);
	assert_int_equal(bbr_max_bw(&b), (__u32)(20ULL * (1 << 24) / 1000));
	/* Invalid samples change nothing but clear round_start. */
	rs = sample(100, -1, 1000, 10000);
	b.round_start = 1;
	bbr_update_bw(&b, &s, &rs);
	assert_false(b.round_start);
	assert_int_equal(b.rtt_cnt, 2);
}

/* --- BDP, target cwnd, quantization ------------------------------------- */

static void bdp_and_inflight_match_the_exact_model(void **state)
{
	static const double mbps[] = { 0.5, 1, 10, 100, 1000, 10000, 40000 };
	static const __u32 rtts[] = { 20, 100, 1000, 10000, 40000, 200000 };
	static const __u32 gains[] = { 256, 320, 192, 512, 739, 88 };
	struct bbr_sock s = test_sock();

	for (size_t i = 0; i < sizeof(mbps) / sizeof(mbps[0]); i++)
		for (size_t j = 0; j < sizeof(rtts) / sizeof(rtts[0]); j++)
			for (size_t k = 0; k < sizeof(gains) / sizeof(gains[0]); k++)
				for (__u32 idx = 0; idx < 2; idx++) {
					struct bbr_state b = { .min_rtt_us = rtts[j],
							       .mode = BBR_MODE_PROBE_BW,
							       .cycle_idx = idx };
					__u32 bw = model_bw(mbps[i]);
					__u32 bdp = model_bdp(bw, rtts[j], gains[k]);
					double real = mbps[i] * 1e6 / 8 / MSS * rtts[j] / 1e6 *
						      gains[k] / 256;

					assert_int_equal(bbr_bdp(&b, bw, gains[k]), bdp);
					/* ceil(): never below the real BDP, less than
					 * one packet above (bw is rounded to 2^-24). */
					assert_true(bdp + 1e-6 >= real * (1 - 1e-6) &&
						    bdp < real + 1.001);
					s.pacing_rate = model_pacing_rate(bw, MSS, gains[k]);
					assert_int_equal(bbr_inflight(&b, &s, bw, gains[k]),
							 model_inflight(bdp, s.pacing_rate, 10,
									idx == 0));
				}
	/* No RTT sample yet: TCP_INIT_CWND. */
	struct bbr_state none = { .min_rtt_us = ~0U };

	assert_int_equal(bbr_bdp(&none, model_bw(100), 512), 10);
}

static void tso_goal_bounds(void **state)
{
	struct bbr_sock s = test_sock();
	static const __u64 rates[] = { 0, 149999, 150000, 1000000, 10000000, 67000000,
				       1ULL << 40 };

	for (size_t i = 0; i < sizeof(rates) / sizeof(rates[0]); i++)
		for (__u32 shift = 0; shift <= 10; shift += 2)
			for (__u32 mss = 100; mss <= 9000; mss += 1100) {
				s.pacing_rate = rates[i];
				s.pacing_shift = shift;
				s.mss_cache = mss;
				assert_int_equal(bbr_tso_segs_goal(&s),
						 model_tso_goal(rates[i], shift, mss));
			}
	assert_int_equal(bbr_min_tso_segs_at(149999), 1);
	assert_int_equal(bbr_min_tso_segs_at(150000), 2);
}

/* bbr_set_cwnd(): slow start toward the target until full bw, then snap to
 * it; at least 4; the clamp; 4 in PROBE_RTT. */
static void target_cwnd_growth_and_caps(void **state)
{
	struct bbr_sock s = test_sock();
	struct bbr_state b = { .min_rtt_us = 10000, .mode = BBR_MODE_PROBE_BW, .cycle_idx = 2 };
	__u32 bw = model_bw(100), target;
	struct bbr_rate_sample rs = sample(0, 5, 1000, 10000);

	s.pacing_rate = model_pacing_rate(bw, MSS, 512);
	s.delivered = 1000;
	target = model_inflight(model_bdp(bw, 10000, 512), s.pacing_rate, 10, false);
	s.cwnd = 10;
	bbr_set_cwnd(&b, &s, &rs, 5, bw, 512);
	assert_int_equal(s.cwnd, 15);		/* below target: + acked */
	s.cwnd = target + 40;
	bbr_set_cwnd(&b, &s, &rs, 5, bw, 512);
	assert_int_equal(s.cwnd, target + 40);	/* pipe not known full: keep */
	b.full_bw_reached = 1;
	bbr_set_cwnd(&b, &s, &rs, 5, bw, 512);
	assert_int_equal(s.cwnd, target);	/* full: snap down */
	s.cwnd = 1;
	bbr_set_cwnd(&b, &s, &rs, 1, model_bw(0.01), 512);
	assert_int_equal(s.cwnd, 4);		/* the floor of 4 */
	s.cwnd = 20;
	s.delivered = 5;
	bbr_set_cwnd(&b, &s, &rs, 1, 1, 512);
	assert_int_equal(s.cwnd, 21);		/* < TCP_INIT_CWND delivered: grow */
	s.cwnd_clamp = 7;
	s.cwnd = 50;
	bbr_set_cwnd(&b, &s, &rs, 0, bw, 512);
	assert_int_equal(s.cwnd, 7);		/* clamp, even with nothing acked */
	b.mode = BBR_MODE_PROBE_RTT;
	bbr_set_cwnd(&b, &s, &rs, 0, bw, 512);
	assert_int_equal(s.cwnd, 4);
}

/* Recovery: packet conservation in the first round, the saved cwnd back
 * at the end. */
static void recovery_conserves_then_restores(void **state)
{
	struct bbr_sock s = test_sock();
	struct bbr_state b = { .min_rtt_us = 10000, .mode = BBR_MODE_PROBE_BW, .cycle_idx = 2,
			       .full_bw_reached = 1 };
	struct bbr_rate_sample rs = sample(0, 2, 1000, 10000);
	__u32 bw = model_bw(100);

	s.cwnd = 80;
	bbr_save_cwnd(&b, &s);				/* ssthresh() */
	assert_int_equal(b.prior_cwnd, 80);
	s.ca_state = BPFTCP_CA_STATE_RECOVERY;
	s.in_flight = 30;
	s.delivered = 500;
	rs.losses = 3;
	bbr_set_cwnd(&b, &s, &rs, 2, bw, 512);
	assert_int_equal(s.cwnd, 32);			/* in flight + acked */
	assert_true(b.packet_conservation);
	assert_int_equal(b.next_rtt_delivered, 500);
	s.ca_state = BPFTCP_CA_STATE_OPEN;
	rs.losses = 0;
	bbr_set_cwnd(&b, &s, &rs, 2, bw, 512);
	assert_false(b.packet_conservation);
	assert_true(s.cwnd >= 80 || s.cwnd == model_inflight(model_bdp(bw, 10000, 512),
							     s.pacing_rate, 10, false));
}

/* --- pacing ------------------------------------------------------------- */

static void pacing_rate_has_the_one_percent_margin(void **state)
{
	static const double mbps[] = { 0.1, 1, 50, 100, 1000, 25000, 100000 };
	static const __u32 gains[] = { 256, 739, 88, 320, 192 };
	struct bbr_sock s = test_sock();

	for (size_t i = 0; i < sizeof(mbps) / sizeof(mbps[0]); i++)
		for (size_t k = 0; k < sizeof(gains) / sizeof(gains[0]); k++) {
			__u32 bw = model_bw(mbps[i]);
			__u64 want = model_pacing_rate(bw, MSS, gains[k]);
			double real = (double)bw / (1 << 24) * MSS * 1e6 * gains[k] / 256 * 0.99;

			assert_true(bbr_rate_bytes_per_sec(MSS, bw, gains[k]) == want);
			assert_true(fabs((double)want - real) <= 1 + real * 1e-9);
			s.max_pacing_rate = ~0ULL;
			assert_true(bbr_bw_to_pacing_rate(&s, bw, gains[k]) == want);
			s.max_pacing_rate = want / 2;	/* SO_MAX_PACING_RATE */
			assert_true(bbr_bw_to_pacing_rate(&s, bw, gains[k]) == want / 2);
		}
	/* get_info's bw: bytes/s without margin or gain. */
	assert_true(bbr_bw_bytes_per_sec(model_bw(100), MSS) / 1e6 - 12.5 < 1e-4);
}

/* The first rate: high_gain * cwnd / srtt (1 ms before any RTT sample);
 * before the pipe is full the rate only rises. */
static void pacing_initial_rate_and_only_up_in_startup(void **state)
{
	struct bbr_sock s = test_sock();
	struct bbr_state b = { 0 };
	__u64 want;

	s.srtt_us = 0;
	bbr_init_pacing_rate_from_rtt(&b, &s);
	want = model_pacing_rate((__u32)(10ULL * (1 << 24) / 1000), MSS, bbr_high_gain);
	assert_true(s.pacing_rate == want);
	assert_false(b.has_seen_rtt);
	s.srtt_us = 20000 << 3;		/* 20 ms */
	bbr_init_pacing_rate_from_rtt(&b, &s);
	want = model_pacing_rate((__u32)(10ULL * (1 << 24) / 20000), MSS, bbr_high_gain);
	assert_true(s.pacing_rate == want);
	assert_true(b.has_seen_rtt);
	/* STARTUP: a lower rate is ignored, a higher one taken. */
	bbr_set_pacing_rate(&b, &s, 1, bbr_high_gain);
	assert_true(s.pacing_rate == want);
	bbr_set_pacing_rate(&b, &s, model_bw(100), bbr_high_gain);
	assert_true(s.pacing_rate == model_pacing_rate(model_bw(100), MSS, bbr_high_gain));
	b.full_bw_reached = 1;
	bbr_set_pacing_rate(&b, &s, model_bw(10), BBR_UNIT);
	assert_true(s.pacing_rate == model_pacing_rate(model_bw(10), MSS, BBR_UNIT));
}

/* --- ACK aggregation ---------------------------------------------------- */

/*
 * The model: within an epoch, extra = packets ACKed - bw * elapsed; a new
 * epoch starts when the ACKs fall behind the bw (extra <= 0) ; extra is
 * clamped by cwnd; the estimate is the max over the last two windows of 5
 * rounds; the cwnd increment is it, capped at bw * 100 ms, once the pipe is
 * full.
 */
static void ack_aggregation_estimate(void **state)
{
	struct bbr_sock s = test_sock();
	struct bbr_state b = { .min_rtt_us = 10000, .full_bw_reached = 1 };
	__u32 bw = model_bw(100);		/* ~8.63 packets per ms */
	double pkts_per_us = (double)bw / (1 << 24);
	struct bbr_rate_sample rs;
	double model_extra = 0, model_epoch_acked = 0, model_epoch_start = 1000000;

	bbr_minmax_reset(&b.bw, 0, bw);
	s.cwnd = 1000;
	b.ack_epoch_mstamp = s.delivered_mstamp;
	/* ACKs in bursts: every 4 ms, all packets of those 4 ms at once, and
	 * every 20 ms a 12 ms silence followed by its packets. */
	for (int k = 1; k <= 60; k++) {
		__u32 gap = k % 5 == 0 ? 12000 : 4000;
		__u32 acked = (__u32)llround(gap * pkts_per_us);
		double expected;

		s.delivered_mstamp += gap;
		rs = sample(0, (__s32)acked, gap, 10000);
		b.round_start = 0;
		bbr_update_ack_aggregation(&b, &s, &rs);

		expected = floor(pkts_per_us * (s.delivered_mstamp - model_epoch_start));
		if (model_epoch_acked <= expected) {
			model_epoch_acked = 0;
			model_epoch_start = s.delivered_mstamp;
			expected = 0;
		}
		model_epoch_acked += acked;
		if (model_epoch_acked - expected > model_extra)
			model_extra = fmin(model_epoch_acked - expected, s.cwnd);
	}
	print_message("aggregation: extra_acked %u, model %.0f\n", bbr_extra_acked(&b),
		      model_extra);
	assert_int_equal(bbr_extra_acked(&b), (__u32)model_extra);
	/* ACKing the first burst after an epoch start counts it all. */
	assert_true(bbr_extra_acked(&b) >= (__u32)llround(4000 * pkts_per_us));
	assert_int_equal(bbr_ack_aggregation_cwnd(&b), bbr_extra_acked(&b));
	/* Capped at bw * 100 ms... */
	b.extra_acked[0] = 60000;
	assert_int_equal(bbr_ack_aggregation_cwnd(&b),
			 (__u32)((__u64)bw * 100000 / (1 << 24)));
	/* ...and nothing before the pipe is full. */
	b.full_bw_reached = 0;
	assert_int_equal(bbr_ack_aggregation_cwnd(&b), 0);
}

/* The max over two windows of 5 rounds: a burst is forgotten 5 to 10
 * rounds later. */
static void ack_aggregation_window_rotates_every_five_rounds(void **state)
{
	struct bbr_sock s = test_sock();
	struct bbr_state b = { .min_rtt_us = 10000 };
	struct bbr_rate_sample rs = sample(0, 50, 1000, 10000);
	int round;

	s.cwnd = 1000;
	bbr_minmax_reset(&b.bw, 0, model_bw(1));
	b.ack_epoch_mstamp = s.delivered_mstamp;
	bbr_update_ack_aggregation(&b, &s, &rs);	/* a burst of 50 */
	assert_int_equal(bbr_extra_acked(&b), 50);
	rs = sample(0, 1, 1000, 10000);
	for (round = 1; round <= 10; round++) {
		/* A new epoch each round, where a single packet is ACKed. */
		s.delivered_mstamp += 1000000;
		b.round_start = 1;
		bbr_update_ack_aggregation(&b, &s, &rs);
		if (bbr_extra_acked(&b) != 50)
			break;
	}
	/* Rotations at rounds 5 and 10 (the first clears the other slot). */
	assert_int_equal(round, 10);
	assert_int_equal(bbr_extra_acked(&b), 1);
}

/* --- full bw, drain, min_rtt and PROBE_RTT, policer ---------------------- */

/* Three rounds without 25% growth fill the pipe; then DRAIN (ssthresh at
 * the 1.0 target), then PROBE_BW once inflight is at the target. */
static void startup_full_bw_drain_probe_bw(void **state)
{
	struct bbr_sock s = test_sock();
	struct bbr_state b;
	struct bbr_rate_sample rs;
	__u32 bws[] = { 100, 200, 400, 450, 480, 490 }, target;

	bbr_on_init(&b, &s);
	assert_int_equal(b.mode, BBR_MODE_STARTUP);
	assert_int_equal(s.ssthresh, TCP_INFINITE_SSTHRESH);
	for (int r = 0; r < 6; r++) {
		rs = sample(s.delivered, (__s32)bws[r], 1000, 10000);
		s.delivered += bws[r];
		s.delivered_mstamp += 10000;
		s.in_flight = 100000;	/* more than DRAIN's target */
		bbr_on_ack(&b, &s, &rs);
		/* 100 -> 200 -> 400 grow >= 25%; 450, 480, 490 do not. */
		assert_int_equal(b.full_bw_reached, r >= 5);
		assert_int_equal(b.pacing_gain, r >= 5 ? bbr_drain_gain : bbr_high_gain);
	}
	assert_int_equal(b.mode, BBR_MODE_DRAIN);
	target = model_inflight(model_bdp(bbr_max_bw(&b), b.min_rtt_us, 256), s.pacing_rate, 10,
				false);
	assert_int_equal(s.ssthresh, target);
	s.in_flight = target;
	rs = sample(s.delivered, 490, 1000, 10000);
	s.delivered += 490;
	bbr_on_ack(&b, &s, &rs);
	assert_int_equal(b.mode, BBR_MODE_PROBE_BW);
	assert_true(b.cycle_idx != 1 && b.cycle_idx < 8);
}

/* min_rtt expires after 10 s (strictly after, in jiffies); PROBE_RTT holds
 * cwnd at 4 for max(200 ms, one round) and then restores it. */
static void min_rtt_expiry_and_probe_rtt(void **state)
{
	struct bbr_sock s = test_sock();
	struct bbr_state b;
	struct bbr_rate_sample rs = sample(0, 10, 1000, 12000);
	__u32 start, done;

	bbr_on_init(&b, &s);
	b.full_bw_reached = 1;
	bbr_reset_probe_bw_mode(&b, &s);
	start = b.min_rtt_stamp;
	assert_int_equal(b.min_rtt_us, 10000);
	s.cwnd = 100;
	s.in_flight = 20;
	s.jiffies = start + 10 * HZ_TEST;
	bbr_update_min_rtt(&b, &s, &rs);	/* 12 ms > 10 ms, not expired */
	assert_int_equal(b.min_rtt_us, 10000);
	assert_int_equal(b.mode, BBR_MODE_PROBE_BW);
	s.jiffies++;
	rs.is_ack_delayed = true;		/* a delayed ACK does not refresh */
	bbr_update_min_rtt(&b, &s, &rs);
	assert_int_equal(b.min_rtt_us, 10000);
	assert_int_equal(b.mode, BBR_MODE_PROBE_RTT);
	assert_int_equal(b.prior_cwnd, 100);
	assert_int_equal(s.app_limited, s.delivered + s.in_flight ? s.delivered + s.in_flight : 1);
	rs.is_ack_delayed = false;
	/* Inflight still above 4: no end time yet. */
	bbr_update_min_rtt(&b, &s, &rs);
	assert_int_equal(b.probe_rtt_done_stamp, 0);
	s.in_flight = 4;
	s.delivered = 777;
	bbr_update_min_rtt(&b, &s, &rs);
	done = s.jiffies + model_msecs_to_jiffies(200);
	assert_int_equal(b.probe_rtt_done_stamp, done);
	assert_int_equal(b.next_rtt_delivered, 777);
	/* A round completes, but 200 ms have not passed. */
	s.jiffies = done;
	b.round_start = 1;
	bbr_update_min_rtt(&b, &s, &rs);
	assert_int_equal(b.mode, BBR_MODE_PROBE_RTT);
	s.cwnd = 4;
	s.jiffies = done + 1;
	b.round_start = 0;
	bbr_update_min_rtt(&b, &s, &rs);
	assert_int_equal(b.mode, BBR_MODE_PROBE_BW);	/* full bw: back to PROBE_BW */
	assert_int_equal(s.cwnd, 100);
	assert_int_equal(b.min_rtt_stamp, done + 1);
}

/* Two 4+ round intervals with >= 20% loss and bw within 1/8: policed. */
static void policer_detected_from_two_lossy_intervals(void **state)
{
	struct bbr_sock s = test_sock();
	struct bbr_state b = { .mode = BBR_MODE_PROBE_BW };
	struct bbr_rate_sample rs = sample(0, 10, 1000, 10000);
	__u32 bw1, bw2;

	s.delivered_mstamp = 0;
	rs.losses = 1;
	bbr_lt_bw_sampling(&b, &s, &rs);	/* the first loss starts sampling */
	assert_true(b.lt_is_sampling);
	for (int r = 0; r < 4; r++) {
		b.round_start = 1;
		s.delivered += 100;
		s.lost += 30;
		s.delivered_mstamp += 100000;	/* 100 ms per round */
		rs.losses = r == 3;
		bbr_lt_bw_sampling(&b, &s, &rs);
	}
	bw1 = (__u32)(400ULL * (1 << 24) / 400000);
	assert_int_equal(b.lt_bw, bw1);
	assert_false(b.lt_use_bw);
	for (int r = 0; r < 4; r++) {
		b.round_start = 1;
		s.delivered += 105;
		s.lost += 30;
		s.delivered_mstamp += 100000;
		rs.losses = r == 3;
		bbr_lt_bw_sampling(&b, &s, &rs);
	}
	bw2 = (__u32)(420ULL * (1 << 24) / 400000);
	assert_true(b.lt_use_bw);
	assert_int_equal(b.lt_bw, (bw1 + bw2) >> 1);
	assert_int_equal(b.pacing_gain, BBR_UNIT);
	assert_int_equal(bbr_bw(&b), b.lt_bw);
	/* 48 rounds later it gives lt_bw up and restarts gain cycling. */
	for (int r = 0; r < 48; r++) {
		b.round_start = 1;
		bbr_lt_bw_sampling(&b, &s, &rs);
	}
	assert_false(b.lt_use_bw);
	assert_int_equal(b.lt_bw, 0);
	/* An RTO (set_state Loss) starts sampling, as a round with a loss. */
	bbr_on_loss_state(&b, &s);
	assert_true(b.lt_is_sampling);
	assert_int_equal(b.prev_ca_state, BPFTCP_CA_STATE_LOSS);
}

/* Idle restart, undo and ssthresh. */
static void idle_restart_undo_ssthresh(void **state)
{
	struct bbr_sock s = test_sock();
	struct bbr_state b;

	bbr_on_init(&b, &s);
	b.full_bw_reached = 1;
	bbr_reset_probe_bw_mode(&b, &s);
	bbr_minmax_reset(&b.bw, 0, model_bw(50));
	s.pacing_rate = 1;
	s.tcp_mstamp = 7777777;
	bbr_on_tx_start(&b, &s);
	assert_true(b.idle_restart);
	assert_true(b.ack_epoch_mstamp == 7777777);
	assert_true(s.pacing_rate == model_pacing_rate(model_bw(50), MSS, BBR_UNIT));
	b.full_bw = 123;
	b.full_bw_cnt = 2;
	b.lt_use_bw = 1;
	s.cwnd = 42;
	assert_int_equal(bbr_on_undo(&b, &s), 42);
	assert_int_equal(b.full_bw, 0);
	assert_int_equal(b.full_bw_cnt, 0);
	assert_false(b.lt_use_bw);
	s.ssthresh = 99;
	assert_int_equal(bbr_on_ssthresh(&b, &s), 99);
	assert_int_equal(b.prior_cwnd, 42);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(gain_cycle_table_is_the_papers),
		cmocka_unit_test(gain_cycle_random_start_skips_the_drain_phase),
		cmocka_unit_test(gain_cycle_cruise_phase_lasts_one_min_rtt),
		cmocka_unit_test(gain_cycle_probe_and_drain_phases),
		cmocka_unit_test(bw_filter_holds_a_peak_for_ten_rounds),
		cmocka_unit_test(bw_filter_against_brute_force),
		cmocka_unit_test(bw_samples_rounds_and_app_limited),
		cmocka_unit_test(bdp_and_inflight_match_the_exact_model),
		cmocka_unit_test(tso_goal_bounds),
		cmocka_unit_test(target_cwnd_growth_and_caps),
		cmocka_unit_test(recovery_conserves_then_restores),
		cmocka_unit_test(pacing_rate_has_the_one_percent_margin),
		cmocka_unit_test(pacing_initial_rate_and_only_up_in_startup),
		cmocka_unit_test(ack_aggregation_estimate),
		cmocka_unit_test(ack_aggregation_window_rotates_every_five_rounds),
		cmocka_unit_test(startup_full_bw_drain_probe_bw),
		cmocka_unit_test(min_rtt_expiry_and_probe_rtt),
		cmocka_unit_test(policer_detected_from_two_lossy_intervals),
		cmocka_unit_test(idle_restart_undo_ssthresh),
	};

	return run_group_at_every_hz("bbr_math", tests);
}
