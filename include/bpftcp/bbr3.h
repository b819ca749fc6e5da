/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * BBRv3's state and arithmetic, shared by cc/bbr3.bpf.c and the host unit
 * tests (selftests/test_bbr3_math.c), so the maths that is tested is the
 * maths that runs.  Written from the IETF draft draft-ietf-ccwg-bbr and the
 * v3 branch of github.com/google/bbr (net/ipv4/tcp_bbr.c, BBR_VERSION 3);
 * the helpers are named after the reference's functions with a bbr3_
 * prefix, so the files read side by side.  What v3 shares with v1
 * (the units, rates in bytes per second, the drain and cwnd gains) comes
 * from bbr.h.
 *
 * Nothing here touches a socket.  The caller copies what BBR reads into a
 * struct bbr3_sock, runs a step, and copies back snd_cwnd, snd_ssthresh,
 * sk_pacing_rate and app_limited.  State is split in two: struct bbr3_state
 * (the 104 bytes of icsk_ca_priv) and struct bbr3_ext (sk_local_storage),
 * because v3's struct bbr needs the 144-byte private area of the v3 kernel.
 * What the v3 kernel adds to the rate sample and does not exist in mainline
 * (tx_in_flight, lost, is_ece) is estimated by bbr3_sample_fill(); the
 * opening comment of cc/bbr3.bpf.c lists each approximation.
 */
#ifndef BPFTCP_BBR3_H
#define BPFTCP_BBR3_H

#include "bpftcp/bbr.h"

/* The PROBE_BW phases (enum bbr_pacing_gain_phase: the cycle_idx values). */
#define BBR3_BW_PROBE_UP	0	/* push inflight up to probe for bw */
#define BBR3_BW_PROBE_DOWN	1	/* drain the excess from the queue */
#define BBR3_BW_PROBE_CRUISE	2	/* use the pipe, with headroom */
#define BBR3_BW_PROBE_REFILL	3	/* refill the pipe to 100 % */

/* enum bbr_ack_phase: how the incoming ACKs relate to bw probing. */
#define BBR3_ACKS_INIT			0	/* not probing */
#define BBR3_ACKS_REFILLING		1	/* sending at est. bw to fill pipe */
#define BBR3_ACKS_PROBE_STARTING	2	/* inflight rising to probe bw */
#define BBR3_ACKS_PROBE_FEEDBACK	3	/* feedback from the bw probe */
#define BBR3_ACKS_PROBE_STOPPING	4	/* stopped probing, still feedback */

/* The static consts of the v3 tcp_bbr.c that are not tunables here. */
#define bbr3_probe_rtt_win_ms		5000U
#define bbr3_probe_rtt_cwnd_gain	(BBR_UNIT * 1 / 2)
#define bbr3_tso_rtt_shift		9U
#define bbr3_startup_pacing_gain	(BBR_UNIT * 277 / 100 + 1)	/* 4 ln 2 */
#define bbr3_startup_cwnd_gain		(BBR_UNIT * 2)
#define bbr3_full_loss_cnt		6U
#define bbr3_full_ecn_cnt		2U
#define bbr3_inflight_headroom		(BBR_UNIT * 15 / 100)
#define bbr3_bw_probe_cwnd_gain		1U	/* in BBR_UNIT / 4 */
#define bbr3_bw_probe_max_rounds	63U
#define bbr3_bw_probe_rand_rounds	2U
#define bbr3_bw_probe_base_us		(2U * 1000000)
#define bbr3_bw_probe_rand_us		(1U * 1000000)
#define bbr3_ecn_alpha_gain		(BBR_UNIT * 1 / 16)
#define bbr3_ecn_alpha_init		BBR_UNIT
#define bbr3_ecn_reprobe_gain		(BBR_UNIT * 1 / 2)

/* The consts the reference documents as switches ("disabled when 0"):
 * load-time tunables of cc/bbr3.bpf.c, with these defaults. */
#define BBR3_BETA_DEFAULT		(BBR_UNIT * 30 / 100)	/* loss cut: 0.3 */
#define BBR3_LOSS_THRESH_DEFAULT	(BBR_UNIT * 2 / 100)	/* 2 % */
#define BBR3_ECN_FACTOR_DEFAULT		(BBR_UNIT * 1 / 3)	/* ECN cut factor */
#define BBR3_ECN_THRESH_DEFAULT		(BBR_UNIT * 1 / 2)	/* 50 % CE */
#define BBR3_ECN_MAX_RTT_US_DEFAULT	5000U

/* bbr_pacing_gain[] of v3: the gain of each PROBE_BW phase. */
static inline __u32 bbr3_phase_pacing_gain(__u32 phase)
{
	switch (phase) {
	case BBR3_BW_PROBE_UP:
		return BBR_UNIT * 5 / 4;
	case BBR3_BW_PROBE_DOWN:
		return BBR_UNIT * 91 / 100;
	default:
		return BBR_UNIT;	/* CRUISE, REFILL */
	}
}

/* --- the state ---------------------------------------------------------- */

/* struct bbr of v3, less what moved to struct bbr3_ext and PLB's state
 * (mainline's PLB functions are not callable from BPF): 104 bytes. */
struct bbr3_state {
	__u32 min_rtt_us;		/* min RTT in min_rtt_win_sec window */
	__u32 min_rtt_stamp;		/* timestamp of min_rtt_us (jiffies) */
	__u32 probe_rtt_done_stamp;	/* end time for PROBE_RTT mode */
	__u32 probe_rtt_min_us;		/* min RTT in probe_rtt_win_ms window */
	__u32 probe_rtt_min_stamp;	/* timestamp of probe_rtt_min_us */
	__u32 next_rtt_delivered;	/* delivered at the end of the round */
	__u64 cycle_mstamp;		/* time of this cycle phase start (us) */
	__u32 mode:2,			/* BBR_MODE_* */
	      prev_ca_state:3,		/* CA state on previous ACK */
	      round_start:1,		/* start of packet-timed round? */
	      bw_probe_up_rounds:5,	/* cwnd-limited rounds in PROBE_UP */
	      try_fast_path:1,		/* can we take the fast path? */
	      idle_restart:1,		/* restarting after idle? */
	      probe_rtt_round_done:1,	/* a PROBE_RTT round at the low cwnd? */
	      init_cwnd:7,		/* initial cwnd */
	      has_ext:1,		/* struct bbr3_ext exists for this socket */
	      unused_1:10;
	__u32 pacing_gain:10,		/* current gain for the pacing rate */
	      cwnd_gain:10,		/* current gain for cwnd */
	      full_bw_reached:1,	/* reached full bw in STARTUP? */
	      full_bw_cnt:2,		/* rounds without large bw gains */
	      cycle_idx:2,		/* BBR3_BW_PROBE_* */
	      has_seen_rtt:1,		/* an RTT sample yet? */
	      unused_2:6;
	__u32 prior_cwnd;		/* cwnd before loss recovery / PROBE_RTT */
	__u32 full_bw;			/* recent bw, to tell if the pipe is full */
	__u64 ack_epoch_mstamp;		/* start of the ACK sampling epoch */
	__u16 extra_acked[2];		/* max excess data ACKed in epoch */
	__u32 ack_epoch_acked:20,	/* packets (S)ACKed in the epoch */
	      extra_acked_win_rtts:5,	/* age of extra_acked, in rounds */
	      extra_acked_win_idx:1,	/* current index in extra_acked[] */
	      full_bw_now:1,		/* recently reached a bw plateau? */
	      startup_ecn_rounds:2,	/* consecutive high-ECN STARTUP rounds */
	      loss_in_cycle:1,		/* loss in this cycle? */
	      ecn_in_cycle:1,		/* ECN in this cycle? */
	      unused_3:1;
	__u32 loss_round_delivered;	/* delivered ending the loss round */
	__u32 bw_latest;		/* max delivered bw in the last round */
	__u32 bw_lo;			/* lower bound on the sending bw */
	__u32 bw_hi[2];			/* max recent bw samples (2 cycles) */
	__u32 inflight_latest;		/* max delivered data in the last round */
	__u32 inflight_lo;		/* lower bound of the inflight range */
	__u32 inflight_hi;		/* upper bound of the inflight range */
	__u32 probe_wait_us;		/* PROBE_DOWN until the next clock probe */
	__u32 ecn_eligible:1,		/* sender may use ECN (RTT, handshake)? */
	      ecn_alpha:9,		/* EWMA of delivered_ce/delivered, 0..256 */
	      bw_probe_samples:1,	/* rate samples reflect bw probing? */
	      prev_probe_too_high:1,	/* did the last PROBE_UP go too high? */
	      stopped_risky_probe:1,	/* last PROBE_UP stopped due to risk? */
	      rounds_since_probe:8,	/* packet-timed rounds since bw probe */
	      loss_round_start:1,	/* a loss_round_delivered round began? */
	      loss_in_round:1,		/* loss marked in this round? */
	      ecn_in_round:1,		/* ECN marked in this round? */
	      ack_phase:3,		/* BBR3_ACKS_* */
	      loss_events_in_round:4,	/* losses in a STARTUP round */
	      initialized:1;		/* has init run? */
};

BPFTCP_CA_PRIV_ASSERT(struct bbr3_state);

/* Snapshots of the lost count (struct bbr3_ext), a power of 2. */
#define BBR3_SNAPS	16U

/*
 * The rest of v3's struct bbr, and what the approximations keep, in
 * sk_local_storage (cc/bbr3.bpf.c).  Without it (allocation failed, or
 * the cong_control call the kernel makes before init) a step runs on a
 * copy set by bbr3_ext_defaults(): the undo is a no-op, inflight_hi does
 * not grow by the PROBE_UP slope, a sample's loss count (rs.lost) is 0 so
 * only loss rounds count, the ECN ratio spans the connection.
 */
struct bbr3_ext {
	__u32 undo_bw_lo;		/* bw_lo before the latest losses */
	__u32 undo_inflight_lo;		/* inflight_lo before the latest losses */
	__u32 undo_inflight_hi;		/* inflight_hi before the latest losses */
	__u32 bw_probe_up_cnt;		/* packets delivered per inflight_hi incr */
	__u32 bw_probe_up_acks;		/* packets (S)ACKed since inflight_hi incr */
	__u32 alpha_last_delivered;	/* delivered at the last alpha update */
	__u32 alpha_last_delivered_ce;	/* delivered_ce at the last alpha update */
	/* A ring of (tp->delivered, tp->lost) snapshots, one each time
	 * delivered advanced by an eighth of the flight, covering about two
	 * rounds: tp->lost when an ACKed packet was sent (rs.lost). */
	__u32 snap_delivered[BBR3_SNAPS];
	__u32 snap_lost[BBR3_SNAPS];
	__u32 snap_head;		/* index of the newest snapshot */
};

/* What BBRv3 reads of the socket, on top of v1's copy, and the tunables. */
struct bbr3_sock {
	struct bbr_sock b;		/* as bbr.h: read, and the 4 written fields */
	__u32 delivered_ce;		/* tp->delivered_ce */
	__u32 rand2;			/* a second random u32 (the probe wait) */
	__u32 min_tso_segs;		/* net.ipv4.tcp_min_tso_segs */
	__u8 ecn_ok;			/* ECN negotiated (tcp_ecn_mode_any) */
	__u8 is_cwnd_limited;		/* tp->is_cwnd_limited */
	__u8 fast_path;			/* tunable: the app-limited fast path */
	__u8 __pad;
	/* tunables (the reference's "disabled when 0" consts) */
	__u32 beta;			/* loss cut of inflight_hi/bw_lo, << 8 */
	__u32 loss_thresh;		/* loss rate that ends probing, << 8 */
	__u32 ecn_factor;		/* ECN cut = 1 - ecn_factor * alpha */
	__u32 ecn_thresh;		/* CE rate that ends probing, << 8 */
	__u32 ecn_max_rtt_us;		/* ECN used only at min_rtt <= this */
};

/* struct rate_sample as v3 reads it.  The first block is mainline's; the
 * second is what the v3 kernel adds, filled by bbr3_sample_fill(). */
struct bbr3_rate_sample {
	__s64 interval_us;		/* time for delivered to advance */
	__s64 rtt_us;			/* RTT of last (S)ACKed packet (or -1) */
	__u32 prior_delivered;		/* delivered when the packet was sent */
	__s32 delivered;		/* packets delivered over interval_us */
	__s32 delivered_ce;		/* of which CE-marked (ECE) */
	__s32 losses;			/* packets marked lost upon this ACK */
	__u32 acked_sacked;		/* packets newly (S)ACKed upon this ACK */
	__u32 prior_in_flight;		/* in flight before this ACK */
	bool is_app_limited;		/* sample from a packet with a bubble? */
	bool is_ack_delayed;		/* (likely) a delayed ACK? */
	/* v3 additions, estimated */
	bool is_ece;			/* this ACK carried ECE */
	__u32 tx_in_flight;		/* in flight when the packet was sent */
	__s32 lost;			/* lost between its send and now */
};

/* --- small pieces ------------------------------------------------------- */

static inline __u32 bbr3_max_bw(const struct bbr3_state *bbr)
{
	return cc_max_u32(bbr->bw_hi[0], bbr->bw_hi[1]);
}

/* The estimated bandwidth: the max filter, bounded by bw_lo. */
static inline __u32 bbr3_bw(const struct bbr3_state *bbr)
{
	return cc_min_u32(bbr3_max_bw(bbr), bbr->bw_lo);
}

static inline __u16 *bbr3_extra_acked_slot(struct bbr3_state *bbr, __u32 idx)
{
	return idx ? &bbr->extra_acked[1] : &bbr->extra_acked[0];
}

static inline __u16 bbr3_extra_acked(const struct bbr3_state *bbr)
{
	return bbr->extra_acked[0] > bbr->extra_acked[1] ?
	       bbr->extra_acked[0] : bbr->extra_acked[1];
}

/* v3's pacing rate: v1's arithmetic (bbr.h), but never below 1 byte/s. */
static inline __u64 bbr3_bw_to_pacing_rate(const struct bbr3_sock *sk, __u32 bw, int gain)
{
	__u64 rate = bbr_rate_bytes_per_sec(sk->b.mss_cache, bw, gain);

	rate = rate > 1 ? rate : 1;
	return rate < sk->b.max_pacing_rate ? rate : sk->b.max_pacing_rate;
}

static inline void bbr3_init_pacing_rate_from_rtt(struct bbr3_state *bbr, struct bbr3_sock *sk)
{
	bool seen;
	__u64 bw = bbr_init_bw_from_rtt(&sk->b, &seen);

	if (seen)
		bbr->has_seen_rtt = 1;
	sk->b.pacing_rate = bbr3_bw_to_pacing_rate(sk, (__u32)bw, bbr3_startup_pacing_gain);
}

static inline void bbr3_set_pacing_rate(struct bbr3_state *bbr, struct bbr3_sock *sk,
					__u32 bw, int gain)
{
	__u64 rate = bbr3_bw_to_pacing_rate(sk, bw, gain);

	if (!bbr->has_seen_rtt && sk->b.srtt_us)
		bbr3_init_pacing_rate_from_rtt(bbr, sk);
	if (bbr->full_bw_reached || rate > sk->b.pacing_rate)
		sk->b.pacing_rate = rate;
}

/* bbr_tso_segs_generic(): a burst from the pacing rate plus an allowance
 * that halves for every 512 us of min_rtt (64 KB at 0 us). */
static inline __u32 bbr3_tso_segs_generic(const struct bbr3_state *bbr,
					  const struct bbr3_sock *sk, __u32 mss_now,
					  __u32 gso_max_size)
{
	__u64 bytes = sk->b.pacing_rate >> sk->b.pacing_shift;
	__u32 r = bbr->min_rtt_us >> bbr3_tso_rtt_shift, cap;

	if (r < 32)
		bytes += BBR_GSO_LEGACY_MAX_SIZE >> r;
	cap = gso_max_size - 1 - sk->b.max_tcp_header;
	if (bytes > cap)
		bytes = cap;
	return cc_max_u32((__u32)bytes / (mss_now ? mss_now : 1), sk->min_tso_segs);
}

static inline __u32 bbr3_tso_segs_goal(const struct bbr3_state *bbr, const struct bbr3_sock *sk)
{
	return bbr3_tso_segs_generic(bbr, sk, sk->b.mss_cache, BBR_GSO_LEGACY_MAX_SIZE);
}

static inline void bbr3_save_cwnd(struct bbr3_state *bbr, const struct bbr3_sock *sk)
{
	bbr->prior_cwnd = bbr_saved_cwnd(bbr->prior_cwnd, sk->b.cwnd, bbr->prev_ca_state,
					 bbr->mode);
}

/* bdp = ceil(bw * min_rtt * gain); the initial cwnd before an RTT sample. */
static inline __u32 bbr3_bdp(const struct bbr3_state *bbr, __u32 bw, int gain)
{
	if (bbr->min_rtt_us == ~0U)
		return bbr->init_cwnd;
	return bbr_bdp_of(bw, bbr->min_rtt_us, gain);
}

/* v3's budget: at least 3 TSO bursts and 4 packets, +2 in PROBE_UP. */
static inline __u32 bbr3_quantization_budget(const struct bbr3_state *bbr,
					     const struct bbr3_sock *sk, __u32 cwnd)
{
	cwnd = cc_max_u32(cwnd, 3 * bbr3_tso_segs_goal(bbr, sk));
	cwnd = cc_max_u32(cwnd, bbr_cwnd_min_target);
	if (bbr->mode == BBR_MODE_PROBE_BW && bbr->cycle_idx == BBR3_BW_PROBE_UP)
		cwnd += 2;
	return cwnd;
}

static inline __u32 bbr3_inflight(const struct bbr3_state *bbr, const struct bbr3_sock *sk,
				  __u32 bw, int gain)
{
	return bbr3_quantization_budget(bbr, sk, bbr3_bdp(bbr, bw, gain));
}

/* in_network_at_edt = inflight_at_edt - (EDT - now) * bw */
static inline __u32 bbr3_packets_in_net_at_edt(const struct bbr3_state *bbr,
					       const struct bbr3_sock *sk, __u32 inflight_now)
{
	__u32 inflight_at_edt = inflight_now;

	if (bbr->pacing_gain > BBR_UNIT)
		inflight_at_edt += bbr3_tso_segs_goal(bbr, sk);
	return bbr_in_net_at_edt(&sk->b, bbr3_bw(bbr), inflight_at_edt);
}

/* v3 adds the aggregation allowance in STARTUP too. */
static inline __u32 bbr3_ack_aggregation_cwnd(const struct bbr3_state *bbr)
{
	__u32 max_aggr_cwnd, aggr_cwnd;

	max_aggr_cwnd = (__u32)(((__u64)bbr3_bw(bbr) * bbr_extra_acked_max_us) / BW_UNIT);
	aggr_cwnd = (bbr_extra_acked_gain * bbr3_extra_acked(bbr)) >> BBR_SCALE;
	return cc_min_u32(aggr_cwnd, max_aggr_cwnd);
}

/* PROBE_RTT's cwnd: half the BDP, at least 4. */
static inline __u32 bbr3_probe_rtt_cwnd(const struct bbr3_state *bbr)
{
	return cc_max_u32(bbr_cwnd_min_target,
			  bbr3_bdp(bbr, bbr3_bw(bbr), bbr3_probe_rtt_cwnd_gain));
}

/* Slow-start up toward the target cwnd, or snap down to it once the pipe
 * was filled.  (v3 has no packet conservation in recovery.) */
static inline void bbr3_set_cwnd(struct bbr3_state *bbr, struct bbr3_sock *sk,
				 __u32 acked, __u32 bw, int gain)
{
	__u32 cwnd = sk->b.cwnd, target_cwnd;

	if (!acked)
		goto done;

	target_cwnd = bbr3_bdp(bbr, bw, gain);
	target_cwnd += bbr3_ack_aggregation_cwnd(bbr);
	target_cwnd = bbr3_quantization_budget(bbr, sk, target_cwnd);

	bbr->try_fast_path = 0;
	if (bbr->full_bw_reached) {
		cwnd += acked;
		if (cwnd >= target_cwnd) {
			cwnd = target_cwnd;
			bbr->try_fast_path = 1;
		}
	} else if (cwnd < target_cwnd || cwnd < 2 * bbr->init_cwnd) {
		cwnd += acked;
	} else {
		bbr->try_fast_path = 1;
	}
	cwnd = cc_max_u32(cwnd, bbr_cwnd_min_target);
done:
	sk->b.cwnd = cc_min_u32(cwnd, sk->b.cwnd_clamp);
	if (bbr->mode == BBR_MODE_PROBE_RTT)
		sk->b.cwnd = cc_min_u32(sk->b.cwnd, bbr3_probe_rtt_cwnd(bbr));
}

/* The round trip counter. */
static inline void bbr3_update_round_start(struct bbr3_state *bbr, const struct bbr3_sock *sk,
					   const struct bbr3_rate_sample *rs)
{
	bbr->round_start = 0;
	if (rs->interval_us > 0 && !before(rs->prior_delivered, bbr->next_rtt_delivered)) {
		bbr->next_rtt_delivered = sk->b.delivered;
		bbr->round_start = 1;
	}
}

/* A new (delivered, lost) snapshot once delivered has advanced by an
 * eighth of what is in flight (at least 1) since the newest one, so the
 * ring spans about two rounds at one eighth of a round's resolution
 * (bbr3_sample_fill reads it). */
static inline void bbr3_take_snapshot(struct bbr3_ext *x, const struct bbr3_sock *sk)
{
	__u32 head = x->snap_head & (BBR3_SNAPS - 1);
	__u32 step = cc_max_u32(sk->b.in_flight >> 3, 1U);

	if (sk->b.delivered - x->snap_delivered[head] < step)
		return;
	head = (head + 1) & (BBR3_SNAPS - 1);
	x->snap_delivered[head] = sk->b.delivered;
	x->snap_lost[head] = sk->b.lost;
	x->snap_head = head;
}

/* bw sample, rounded up; 0 when not a valid observation. */
static inline __u32 bbr3_bw_sample(const struct bbr3_rate_sample *rs)
{
	if (rs->interval_us <= 0 || rs->delivered < 0)
		return 0;
	return (__u32)(((__u64)rs->delivered * BW_UNIT + (__u64)rs->interval_us - 1) /
		       (__u64)rs->interval_us);
}

/* The windowed max degree of ACK aggregation (1-2 rounds in STARTUP,
 * 5-10 after). */
static inline void bbr3_update_ack_aggregation(struct bbr3_state *bbr, const struct bbr3_sock *sk,
					       const struct bbr3_rate_sample *rs)
{
	__u32 epoch_us, expected_acked, extra_acked, win = bbr_extra_acked_win_rtts;
	__u16 *slot;

	if (rs->acked_sacked <= 0 || rs->delivered < 0 || rs->interval_us <= 0)
		return;

	if (bbr->round_start) {
		bbr->extra_acked_win_rtts = cc_min_u32(0x1F, bbr->extra_acked_win_rtts + 1);
		if (!bbr->full_bw_reached)
			win = 1;
		if (bbr->extra_acked_win_rtts >= win) {
			bbr->extra_acked_win_rtts = 0;
			bbr->extra_acked_win_idx = bbr->extra_acked_win_idx ? 0 : 1;
			*bbr3_extra_acked_slot(bbr, bbr->extra_acked_win_idx) = 0;
		}
	}

	epoch_us = bbr_stamp_us_delta(sk->b.delivered_mstamp, bbr->ack_epoch_mstamp);
	expected_acked = (__u32)(((__u64)bbr3_bw(bbr) * epoch_us) / BW_UNIT);
	if (bbr->ack_epoch_acked <= expected_acked ||
	    bbr->ack_epoch_acked + rs->acked_sacked >= bbr_ack_epoch_acked_reset_thresh) {
		bbr->ack_epoch_acked = 0;
		bbr->ack_epoch_mstamp = sk->b.delivered_mstamp;
		expected_acked = 0;
	}
	bbr->ack_epoch_acked = cc_min_u32(0xFFFFF, bbr->ack_epoch_acked + rs->acked_sacked);
	extra_acked = bbr->ack_epoch_acked - expected_acked;
	extra_acked = cc_min_u32(extra_acked, sk->b.cwnd);
	slot = bbr3_extra_acked_slot(bbr, bbr->extra_acked_win_idx);
	if (extra_acked > *slot)
		*slot = (__u16)extra_acked;
}

/* --- lower and upper bounds --------------------------------------------- */

static inline void bbr3_reset_lower_bounds(struct bbr3_state *bbr)
{
	bbr->bw_lo = ~0U;
	bbr->inflight_lo = ~0U;
}

static inline void bbr3_reset_congestion_signals(struct bbr3_state *bbr)
{
	bbr->loss_in_round = 0;
	bbr->ecn_in_round = 0;
	bbr->loss_in_cycle = 0;
	bbr->ecn_in_cycle = 0;
	bbr->bw_latest = 0;
	bbr->inflight_latest = 0;
}

static inline void bbr3_reset_full_bw(struct bbr3_state *bbr)
{
	bbr->full_bw = 0;
	bbr->full_bw_cnt = 0;
	bbr->full_bw_now = 0;
}

static inline bool bbr3_is_probing_bandwidth(const struct bbr3_state *bbr)
{
	return bbr->mode == BBR_MODE_STARTUP ||
	       (bbr->mode == BBR_MODE_PROBE_BW &&
		(bbr->cycle_idx == BBR3_BW_PROBE_REFILL || bbr->cycle_idx == BBR3_BW_PROBE_UP));
}

/* How much we want in flight: the BDP, unless congestion cut cwnd. */
static inline __u32 bbr3_target_inflight(const struct bbr3_state *bbr, const struct bbr3_sock *sk)
{
	return cc_min_u32(bbr3_inflight(bbr, sk, bbr3_bw(bbr), BBR_UNIT), sk->b.cwnd);
}

/*
 * Does the loss or ECN rate of this sample say inflight is too high?  Loss:
 * lost > tx_in_flight * loss_thresh (2 %).  ECN: delivered_ce > delivered *
 * ecn_thresh (50 %), when the flow may use ECN.
 */
static inline bool bbr3_is_inflight_too_high(const struct bbr3_state *bbr,
					     const struct bbr3_sock *sk,
					     const struct bbr3_rate_sample *rs)
{
	if (rs->lost > 0 && rs->tx_in_flight) {
		__u32 loss_thresh = (__u32)((__u64)rs->tx_in_flight * sk->loss_thresh >> BBR_SCALE);

		if ((__u32)rs->lost > loss_thresh)
			return true;
	}
	if (rs->delivered_ce > 0 && rs->delivered > 0 && bbr->ecn_eligible && sk->ecn_thresh) {
		__u32 ecn_thresh = (__u32)((__u64)rs->delivered * sk->ecn_thresh >> BBR_SCALE);

		if ((__u32)rs->delivered_ce > ecn_thresh)
			return true;
	}
	return false;
}

/*
 * The inflight at which the loss rate crossed loss_thresh, within a lost
 * "skb" of @pcount packets: the smallest prefix p with
 * (lost_prev + p) / (inflight_prev + p) >= loss_thresh, rounded up.
 * ~0U when the sample is inconsistent (the reference warns then).
 */
static inline __u32 bbr3_inflight_hi_from_lost(const struct bbr3_sock *sk,
					       const struct bbr3_rate_sample *rs, __u32 pcount)
{
	__s32 inflight_prev = (__s32)(rs->tx_in_flight - pcount);
	__s32 lost_prev = rs->lost - (__s32)pcount;
	__u64 loss_budget, lost_prefix;
	__u32 divisor;

	if (inflight_prev < 0 || lost_prev < 0)
		return ~0U;
	loss_budget = ((__u64)inflight_prev * sk->loss_thresh + BBR_UNIT - 1) >> BBR_SCALE;
	if ((__u64)lost_prev >= loss_budget) {
		lost_prefix = 0;
	} else {
		divisor = BBR_UNIT - sk->loss_thresh;
		if (!divisor)
			return ~0U;
		lost_prefix = ((loss_budget - lost_prev) << BBR_SCALE) / divisor;
	}
	return (__u32)(inflight_prev + lost_prefix);
}

/* The operating point that leaves 15 % of inflight_hi as headroom. */
static inline __u32 bbr3_inflight_with_headroom(const struct bbr3_state *bbr)
{
	__u32 headroom;
	__s32 v;

	if (bbr->inflight_hi == ~0U)
		return ~0U;
	headroom = (__u32)(((__u64)bbr->inflight_hi * bbr3_inflight_headroom) >> BBR_SCALE);
	headroom = cc_max_u32(headroom, 1U);
	v = (__s32)(bbr->inflight_hi - headroom);
	return v > (__s32)bbr_cwnd_min_target ? (__u32)v : bbr_cwnd_min_target;
}

/* Bound cwnd by the model: inflight_hi while probing (not cruising), the
 * headroom point in CRUISE and PROBE_RTT, and inflight_lo always. */
static inline void bbr3_bound_cwnd_for_inflight_model(const struct bbr3_state *bbr,
						      struct bbr3_sock *sk)
{
	__u32 cap = ~0U;

	if (!bbr->initialized)
		return;
	if (bbr->mode == BBR_MODE_PROBE_BW && bbr->cycle_idx != BBR3_BW_PROBE_CRUISE)
		cap = bbr->inflight_hi;
	else if (bbr->mode == BBR_MODE_PROBE_RTT ||
		 (bbr->mode == BBR_MODE_PROBE_BW && bbr->cycle_idx == BBR3_BW_PROBE_CRUISE))
		cap = bbr3_inflight_with_headroom(bbr);
	cap = cc_min_u32(cap, bbr->inflight_lo);
	cap = cc_max_u32(cap, bbr_cwnd_min_target);
	sk->b.cwnd = cc_min_u32(cap, sk->b.cwnd);
}

/* The ECN cut: 1 - ecn_factor * ecn_alpha, << 8. */
static inline __u32 bbr3_ecn_cut(const struct bbr3_state *bbr, const struct bbr3_sock *sk)
{
	return BBR_UNIT - ((bbr->ecn_alpha * sk->ecn_factor) >> BBR_SCALE);
}

static inline void bbr3_init_lower_bounds(struct bbr3_state *bbr, const struct bbr3_sock *sk,
					  bool init_bw)
{
	if (init_bw && bbr->bw_lo == ~0U)
		bbr->bw_lo = bbr3_max_bw(bbr);
	if (bbr->inflight_lo == ~0U)
		bbr->inflight_lo = sk->b.cwnd;
}

/* Loss: bw_lo and inflight_lo to (1 - beta), not below this round's
 * delivery. */
static inline void bbr3_loss_lower_bounds(struct bbr3_state *bbr, const struct bbr3_sock *sk)
{
	__u32 loss_cut = BBR_UNIT - sk->beta;

	bbr->bw_lo = cc_max_u32(bbr->bw_latest,
				(__u32)((__u64)bbr->bw_lo * loss_cut >> BBR_SCALE));
	bbr->inflight_lo = cc_max_u32(bbr->inflight_latest,
				      (__u32)((__u64)bbr->inflight_lo * loss_cut >> BBR_SCALE));
}

/* ECN: inflight_lo to (1 - ecn_factor * alpha). */
static inline __u32 bbr3_ecn_lower_bound(const struct bbr3_state *bbr, const struct bbr3_sock *sk)
{
	return (__u32)((__u64)bbr->inflight_lo * bbr3_ecn_cut(bbr, sk) >> BBR_SCALE);
}

/* Once per round outside bw probing: cut bw_lo/inflight_lo on loss/ECN. */
static inline void bbr3_adapt_lower_bounds(struct bbr3_state *bbr, const struct bbr3_sock *sk)
{
	__u32 ecn_inflight_lo = ~0U;

	if (bbr3_is_probing_bandwidth(bbr))
		return;
	if (bbr->ecn_in_round && sk->ecn_factor) {
		bbr3_init_lower_bounds(bbr, sk, false);
		ecn_inflight_lo = bbr3_ecn_lower_bound(bbr, sk);
	}
	if (bbr->loss_in_round) {
		bbr3_init_lower_bounds(bbr, sk, true);
		bbr3_loss_lower_bounds(bbr, sk);
	}
	bbr->inflight_lo = cc_min_u32(bbr->inflight_lo, ecn_inflight_lo);
	bbr->bw_lo = cc_max_u32(1U, bbr->bw_lo);
}

/* --- ECN ---------------------------------------------------------------- */

/* Updates ecn_alpha once per round; returns the CE ratio (<< 8) of the
 * round, or -1.  Exits STARTUP after 2 rounds at >= ecn_thresh. */
static inline void bbr3_handle_queue_too_high_in_startup(struct bbr3_state *bbr,
							 const struct bbr3_sock *sk)
{
	bbr->full_bw_reached = 1;
	bbr->inflight_hi = cc_max_u32(bbr3_inflight(bbr, sk, bbr3_max_bw(bbr), BBR_UNIT),
				      bbr->inflight_latest);
}

static inline void bbr3_check_ecn_too_high_in_startup(struct bbr3_state *bbr,
						      const struct bbr3_sock *sk, __u32 ce_ratio)
{
	if (bbr->full_bw_reached || !bbr->ecn_eligible || !bbr3_full_ecn_cnt || !sk->ecn_thresh)
		return;
	if (ce_ratio >= sk->ecn_thresh)
		bbr->startup_ecn_rounds = cc_min_u32(bbr->startup_ecn_rounds + 1, 3);
	else
		bbr->startup_ecn_rounds = 0;
	if (bbr->startup_ecn_rounds >= bbr3_full_ecn_cnt)
		bbr3_handle_queue_too_high_in_startup(bbr, sk);
}

/* alpha = (1 - g) * alpha + g * ce_ratio, g = 1/16, at most 1.0. */
static inline __u32 bbr3_ecn_alpha_next(__u32 alpha, __u32 ce_ratio)
{
	__u64 a = ((__u64)(BBR_UNIT - bbr3_ecn_alpha_gain) * alpha) >> BBR_SCALE;

	a += ((__u64)bbr3_ecn_alpha_gain * ce_ratio) >> BBR_SCALE;
	return a < BBR_UNIT ? (__u32)a : BBR_UNIT;
}

static inline int bbr3_update_ecn_alpha(struct bbr3_state *bbr, struct bbr3_ext *x,
					const struct bbr3_sock *sk)
{
	__s32 delivered, delivered_ce;
	__u32 ce_ratio;

	if (!bbr->ecn_eligible && sk->ecn_ok && sk->ecn_factor &&
	    (bbr->min_rtt_us <= sk->ecn_max_rtt_us || !sk->ecn_max_rtt_us))
		bbr->ecn_eligible = 1;
	if (!bbr->ecn_eligible)
		return -1;	/* (PLB, which would want alpha too, is not here) */

	delivered = (__s32)(sk->b.delivered - x->alpha_last_delivered);
	delivered_ce = (__s32)(sk->delivered_ce - x->alpha_last_delivered_ce);
	if (delivered <= 0 || delivered_ce < 0)
		return -1;

	ce_ratio = (__u32)(((__u64)delivered_ce << BBR_SCALE) / (__u32)delivered);
	bbr->ecn_alpha = bbr3_ecn_alpha_next(bbr->ecn_alpha, ce_ratio);
	x->alpha_last_delivered = sk->b.delivered;
	x->alpha_last_delivered_ce = sk->delivered_ce;

	bbr3_check_ecn_too_high_in_startup(bbr, sk, ce_ratio);
	return (int)ce_ratio;
}

/* --- PROBE_BW ----------------------------------------------------------- */

/* Each round of PROBE_UP doubles the growth of inflight_hi. */
static inline void bbr3_raise_inflight_hi_slope(struct bbr3_state *bbr, struct bbr3_ext *x,
						const struct bbr3_sock *sk)
{
	__u32 growth_this_round = 1U << bbr->bw_probe_up_rounds;

	bbr->bw_probe_up_rounds = cc_min_u32(bbr->bw_probe_up_rounds + 1, 30);
	x->bw_probe_up_cnt = cc_max_u32(sk->b.cwnd / growth_this_round, 1U);
}

static inline void bbr3_probe_inflight_hi_upward(struct bbr3_state *bbr, struct bbr3_ext *x,
						 const struct bbr3_sock *sk,
						 const struct bbr3_rate_sample *rs)
{
	__u32 delta;

	if (!sk->is_cwnd_limited || sk->b.cwnd < bbr->inflight_hi)
		return;
	x->bw_probe_up_acks += rs->acked_sacked;
	if (x->bw_probe_up_acks >= x->bw_probe_up_cnt) {
		delta = x->bw_probe_up_acks / x->bw_probe_up_cnt;
		x->bw_probe_up_acks -= delta * x->bw_probe_up_cnt;
		bbr->inflight_hi += delta;
		bbr->try_fast_path = 0;
	}
	if (bbr->round_start)
		bbr3_raise_inflight_hi_slope(bbr, x, sk);
}

/* The randomized wait before the next bw probe: 0..1 extra rounds on top
 * of the Reno-coexistence bound, and 2 s + [0, 1 s) of wall clock. */
static inline void bbr3_pick_probe_wait(struct bbr3_state *bbr, const struct bbr3_sock *sk)
{
	bbr->rounds_since_probe = bbr_random_below(sk->b.rand, bbr3_bw_probe_rand_rounds);
	bbr->probe_wait_us = bbr3_bw_probe_base_us +
			     bbr_random_below(sk->rand2, bbr3_bw_probe_rand_us);
}

static inline bool bbr3_is_reno_coexistence_probe_time(const struct bbr3_state *bbr,
						       const struct bbr3_sock *sk)
{
	__u32 rounds = cc_min_u32(bbr3_bw_probe_max_rounds, bbr3_target_inflight(bbr, sk));

	return bbr->rounds_since_probe >= rounds;
}

static inline bool bbr3_has_elapsed_in_phase(const struct bbr3_state *bbr,
					     const struct bbr3_sock *sk, __u32 interval_us)
{
	return (__s64)(sk->b.tcp_mstamp - (bbr->cycle_mstamp + interval_us)) > 0;
}

static inline void bbr3_set_cycle_idx(struct bbr3_state *bbr, __u32 idx)
{
	bbr->cycle_idx = idx;
	bbr->try_fast_path = 0;
}

static inline void bbr3_start_bw_probe_refill(struct bbr3_state *bbr, struct bbr3_ext *x,
					      const struct bbr3_sock *sk, __u32 up_rounds)
{
	bbr3_reset_lower_bounds(bbr);
	bbr->bw_probe_up_rounds = up_rounds;
	x->bw_probe_up_acks = 0;
	bbr->stopped_risky_probe = 0;
	bbr->ack_phase = BBR3_ACKS_REFILLING;
	bbr->next_rtt_delivered = sk->b.delivered;
	bbr3_set_cycle_idx(bbr, BBR3_BW_PROBE_REFILL);
}

static inline void bbr3_start_bw_probe_up(struct bbr3_state *bbr, struct bbr3_ext *x,
					  const struct bbr3_sock *sk, __u32 sample_bw)
{
	bbr->ack_phase = BBR3_ACKS_PROBE_STARTING;
	bbr->next_rtt_delivered = sk->b.delivered;
	bbr->cycle_mstamp = sk->b.tcp_mstamp;
	bbr3_reset_full_bw(bbr);
	bbr->full_bw = sample_bw;
	bbr3_set_cycle_idx(bbr, BBR3_BW_PROBE_UP);
	bbr3_raise_inflight_hi_slope(bbr, x, sk);
}

static inline void bbr3_start_bw_probe_down(struct bbr3_state *bbr, struct bbr3_ext *x,
					    const struct bbr3_sock *sk)
{
	bbr3_reset_congestion_signals(bbr);
	x->bw_probe_up_cnt = ~0U;
	bbr3_pick_probe_wait(bbr, sk);
	bbr->cycle_mstamp = sk->b.tcp_mstamp;
	bbr->ack_phase = BBR3_ACKS_PROBE_STOPPING;
	bbr->next_rtt_delivered = sk->b.delivered;
	bbr3_set_cycle_idx(bbr, BBR3_BW_PROBE_DOWN);
}

static inline void bbr3_start_bw_probe_cruise(struct bbr3_state *bbr)
{
	if (bbr->inflight_lo != ~0U)
		bbr->inflight_lo = cc_min_u32(bbr->inflight_lo, bbr->inflight_hi);
	bbr3_set_cycle_idx(bbr, BBR3_BW_PROBE_CRUISE);
}

/* The inflight_hi cut: max(tx_in_flight, target * (1 - beta)). */
static inline __u32 bbr3_inflight_hi_cut(const struct bbr3_state *bbr, const struct bbr3_sock *sk,
					 __u32 tx_in_flight)
{
	__u32 cut = (__u32)((__u64)bbr3_target_inflight(bbr, sk) * (BBR_UNIT - sk->beta) >>
			    BBR_SCALE);

	return cc_max_u32(tx_in_flight, cut);
}

/* Loss/ECN too high while probing: cut inflight_hi once per probe, and
 * leave PROBE_UP for PROBE_DOWN. */
static inline void bbr3_handle_inflight_too_high(struct bbr3_state *bbr, struct bbr3_ext *x,
						 const struct bbr3_sock *sk,
						 const struct bbr3_rate_sample *rs)
{
	bbr->prev_probe_too_high = 1;
	bbr->bw_probe_samples = 0;
	if (!rs->is_app_limited)
		bbr->inflight_hi = bbr3_inflight_hi_cut(bbr, sk, rs->tx_in_flight);
	if (bbr->mode == BBR_MODE_PROBE_BW && bbr->cycle_idx == BBR3_BW_PROBE_UP)
		bbr3_start_bw_probe_down(bbr, x, sk);
}

static inline void bbr3_advance_max_bw_filter(struct bbr3_state *bbr)
{
	if (!bbr->bw_hi[1])
		return;
	bbr->bw_hi[0] = bbr->bw_hi[1];
	bbr->bw_hi[1] = 0;
}

/* Adapt inflight_hi to the signals of this sample; true if it decided a
 * state transition. */
static inline bool bbr3_adapt_upper_bounds(struct bbr3_state *bbr, struct bbr3_ext *x,
					   const struct bbr3_sock *sk,
					   const struct bbr3_rate_sample *rs)
{
	if (bbr->ack_phase == BBR3_ACKS_PROBE_STARTING && bbr->round_start)
		bbr->ack_phase = BBR3_ACKS_PROBE_FEEDBACK;
	if (bbr->ack_phase == BBR3_ACKS_PROBE_STOPPING && bbr->round_start) {
		bbr->bw_probe_samples = 0;
		bbr->ack_phase = BBR3_ACKS_INIT;
		if (bbr->mode == BBR_MODE_PROBE_BW && !rs->is_app_limited)
			bbr3_advance_max_bw_filter(bbr);
		if (bbr->mode == BBR_MODE_PROBE_BW && bbr->stopped_risky_probe &&
		    !bbr->prev_probe_too_high) {
			bbr3_start_bw_probe_refill(bbr, x, sk, 0);
			return true;
		}
	}
	if (bbr3_is_inflight_too_high(bbr, sk, rs)) {
		if (bbr->bw_probe_samples)
			bbr3_handle_inflight_too_high(bbr, x, sk, rs);
	} else {
		if (bbr->inflight_hi == ~0U)
			return false;
		if (rs->tx_in_flight > bbr->inflight_hi)
			bbr->inflight_hi = rs->tx_in_flight;
		if (bbr->mode == BBR_MODE_PROBE_BW && bbr->cycle_idx == BBR3_BW_PROBE_UP)
			bbr3_probe_inflight_hi_upward(bbr, x, sk, rs);
	}
	return false;
}

/* floor(log2(v)), 0 for 0 (the reference's ilog2 of a u32-sized value). */
static inline __u32 bbr3_ilog2(__u32 v)
{
	__u32 r = 0;

	if (v >= 1U << 16) { v >>= 16; r += 16; }
	if (v >= 1U << 8) { v >>= 8; r += 8; }
	if (v >= 1U << 4) { v >>= 4; r += 4; }
	if (v >= 1U << 2) { v >>= 2; r += 2; }
	if (v >= 1U << 1) r += 1;
	return r;
}

static inline bool bbr3_check_time_to_probe_bw(struct bbr3_state *bbr, struct bbr3_ext *x,
					       const struct bbr3_sock *sk)
{
	/* ECN marks without loss: reprobe quickly once they stop. */
	if (bbr3_ecn_reprobe_gain && bbr->ecn_eligible && bbr->ecn_in_cycle &&
	    !bbr->loss_in_cycle && sk->b.ca_state == BPFTCP_CA_STATE_OPEN) {
		__u32 n = bbr3_ilog2((__u32)(((__u64)bbr->inflight_hi * bbr3_ecn_reprobe_gain) >>
					     BBR_SCALE));

		bbr3_start_bw_probe_refill(bbr, x, sk, n);
		return true;
	}
	if (bbr3_has_elapsed_in_phase(bbr, sk, bbr->probe_wait_us) ||
	    bbr3_is_reno_coexistence_probe_time(bbr, sk)) {
		bbr3_start_bw_probe_refill(bbr, x, sk, 0);
		return true;
	}
	return false;
}

static inline bool bbr3_check_time_to_cruise(const struct bbr3_state *bbr,
					     const struct bbr3_sock *sk, __u32 inflight, __u32 bw)
{
	if (inflight > bbr3_inflight_with_headroom(bbr))
		return false;
	return inflight <= bbr3_inflight(bbr, sk, bw, BBR_UNIT);
}

/* The PROBE_BW state machine: CRUISE -> REFILL -> UP -> DOWN -> CRUISE. */
static inline void bbr3_update_cycle_phase(struct bbr3_state *bbr, struct bbr3_ext *x,
					   const struct bbr3_sock *sk,
					   const struct bbr3_rate_sample *rs, __u32 sample_bw)
{
	bool is_bw_probe_done = false;
	__u32 inflight, bw;

	if (!bbr->full_bw_reached)
		return;
	if (bbr3_adapt_upper_bounds(bbr, x, sk, rs))
		return;
	if (bbr->mode != BBR_MODE_PROBE_BW)
		return;

	inflight = bbr3_packets_in_net_at_edt(bbr, sk, rs->prior_in_flight);
	bw = bbr3_max_bw(bbr);

	switch (bbr->cycle_idx) {
	case BBR3_BW_PROBE_CRUISE:
		bbr3_check_time_to_probe_bw(bbr, x, sk);
		break;
	case BBR3_BW_PROBE_REFILL:
		if (bbr->round_start) {
			bbr->bw_probe_samples = 1;
			bbr3_start_bw_probe_up(bbr, x, sk, sample_bw);
		}
		break;
	case BBR3_BW_PROBE_UP:
		if (bbr->prev_probe_too_high && inflight >= bbr->inflight_hi) {
			bbr->stopped_risky_probe = 1;
			is_bw_probe_done = true;
		} else if (sk->is_cwnd_limited && sk->b.cwnd >= bbr->inflight_hi) {
			bbr3_reset_full_bw(bbr);	/* inflight_hi limits growth */
			bbr->full_bw = sample_bw;
		} else if (bbr->full_bw_now) {
			is_bw_probe_done = true;	/* bw plateau: pipe full */
		}
		if (is_bw_probe_done) {
			bbr->prev_probe_too_high = 0;
			bbr3_start_bw_probe_down(bbr, x, sk);
		}
		break;
	case BBR3_BW_PROBE_DOWN:
		if (bbr3_check_time_to_probe_bw(bbr, x, sk))
			return;
		if (bbr3_check_time_to_cruise(bbr, sk, inflight, bw))
			bbr3_start_bw_probe_cruise(bbr);
		break;
	}
}

/* --- STARTUP, DRAIN, PROBE_RTT ------------------------------------------ */

static inline void bbr3_exit_probe_rtt(struct bbr3_state *bbr, struct bbr3_ext *x,
				       const struct bbr3_sock *sk)
{
	bbr3_reset_lower_bounds(bbr);
	if (bbr->full_bw_reached) {
		bbr->mode = BBR_MODE_PROBE_BW;
		bbr3_start_bw_probe_down(bbr, x, sk);
		bbr3_start_bw_probe_cruise(bbr);
	} else {
		bbr->mode = BBR_MODE_STARTUP;
	}
}

static inline void bbr3_check_probe_rtt_done(struct bbr3_state *bbr, struct bbr3_ext *x,
					     struct bbr3_sock *sk)
{
	if (!(bbr->probe_rtt_done_stamp && after(sk->b.jiffies, bbr->probe_rtt_done_stamp)))
		return;
	bbr->probe_rtt_min_stamp = sk->b.jiffies;	/* schedule the next PROBE_RTT */
	sk->b.cwnd = cc_max_u32(sk->b.cwnd, bbr->prior_cwnd);
	bbr3_exit_probe_rtt(bbr, x, sk);
}

/* Exit STARTUP at the end of a recovery round with >= 6 loss events and
 * a loss rate above loss_thresh. */
static inline void bbr3_check_loss_too_high_in_startup(struct bbr3_state *bbr,
						       const struct bbr3_sock *sk,
						       const struct bbr3_rate_sample *rs)
{
	if (bbr->full_bw_reached)
		return;
	if (rs->losses && bbr->loss_events_in_round < 0xf)
		bbr->loss_events_in_round++;
	if (bbr3_full_loss_cnt && bbr->loss_round_start &&
	    sk->b.ca_state == BPFTCP_CA_STATE_RECOVERY &&
	    bbr->loss_events_in_round >= bbr3_full_loss_cnt &&
	    bbr3_is_inflight_too_high(bbr, sk, rs)) {
		bbr3_handle_queue_too_high_in_startup(bbr, sk);
		return;
	}
	if (bbr->loss_round_start)
		bbr->loss_events_in_round = 0;
}

/* Full bw: 3 non-app-limited rounds of less than 25 % growth. */
static inline void bbr3_check_full_bw_reached(struct bbr3_state *bbr,
					      const struct bbr3_rate_sample *rs, __u32 sample_bw)
{
	__u32 bw_thresh;

	if (bbr->full_bw_now || rs->is_app_limited)
		return;
	bw_thresh = (__u32)((__u64)bbr->full_bw * bbr_full_bw_thresh >> BBR_SCALE);
	if (sample_bw >= bw_thresh) {
		bbr3_reset_full_bw(bbr);
		bbr->full_bw = sample_bw;
		return;
	}
	if (!bbr->round_start)
		return;
	++bbr->full_bw_cnt;
	bbr->full_bw_now = bbr->full_bw_cnt >= bbr_full_bw_cnt;
	bbr->full_bw_reached |= bbr->full_bw_now;
}

static inline void bbr3_check_drain(struct bbr3_state *bbr, struct bbr3_ext *x,
				    struct bbr3_sock *sk)
{
	if (bbr->mode == BBR_MODE_STARTUP && bbr->full_bw_reached) {
		bbr->mode = BBR_MODE_DRAIN;
		sk->b.ssthresh = bbr3_inflight(bbr, sk, bbr3_max_bw(bbr), BBR_UNIT);
		bbr3_reset_congestion_signals(bbr);
	}
	if (bbr->mode == BBR_MODE_DRAIN &&
	    bbr3_packets_in_net_at_edt(bbr, sk, sk->b.in_flight) <=
	    bbr3_inflight(bbr, sk, bbr3_max_bw(bbr), BBR_UNIT)) {
		bbr->mode = BBR_MODE_PROBE_BW;
		bbr3_start_bw_probe_down(bbr, x, sk);
	}
}

/* min_rtt (10 s) and probe_rtt_min (5 s) filters; PROBE_RTT every 5 s
 * without a lower RTT, at half the BDP for max(200 ms, one round). */
static inline void bbr3_update_min_rtt(struct bbr3_state *bbr, struct bbr3_ext *x,
				       struct bbr3_sock *sk, const struct bbr3_rate_sample *rs)
{
	bool probe_rtt_expired, min_rtt_expired;

	probe_rtt_expired = after(sk->b.jiffies, bbr->probe_rtt_min_stamp +
				  bpftcp_msecs_to_jiffies(bbr3_probe_rtt_win_ms, sk->b.hz));
	if (rs->rtt_us >= 0 &&
	    (rs->rtt_us < bbr->probe_rtt_min_us || (probe_rtt_expired && !rs->is_ack_delayed))) {
		bbr->probe_rtt_min_us = (__u32)rs->rtt_us;
		bbr->probe_rtt_min_stamp = sk->b.jiffies;
	}
	min_rtt_expired = after(sk->b.jiffies, bbr->min_rtt_stamp + bbr_min_rtt_win_sec * sk->b.hz);
	if (bbr->probe_rtt_min_us <= bbr->min_rtt_us || min_rtt_expired) {
		bbr->min_rtt_us = bbr->probe_rtt_min_us;
		bbr->min_rtt_stamp = bbr->probe_rtt_min_stamp;
	}

	if (bbr_probe_rtt_mode_ms > 0 && probe_rtt_expired && !bbr->idle_restart &&
	    bbr->mode != BBR_MODE_PROBE_RTT) {
		bbr->mode = BBR_MODE_PROBE_RTT;
		bbr3_save_cwnd(bbr, sk);
		bbr->probe_rtt_done_stamp = 0;
		bbr->ack_phase = BBR3_ACKS_PROBE_STOPPING;
		bbr->next_rtt_delivered = sk->b.delivered;
	}

	if (bbr->mode == BBR_MODE_PROBE_RTT) {
		sk->b.app_limited = (sk->b.delivered + sk->b.in_flight) ? : 1;
		if (!bbr->probe_rtt_done_stamp && sk->b.in_flight <= bbr3_probe_rtt_cwnd(bbr)) {
			bbr->probe_rtt_done_stamp = sk->b.jiffies +
				bpftcp_msecs_to_jiffies(bbr_probe_rtt_mode_ms, sk->b.hz);
			bbr->probe_rtt_round_done = 0;
			bbr->next_rtt_delivered = sk->b.delivered;
		} else if (bbr->probe_rtt_done_stamp) {
			if (bbr->round_start)
				bbr->probe_rtt_round_done = 1;
			if (bbr->probe_rtt_round_done)
				bbr3_check_probe_rtt_done(bbr, x, sk);
		}
	}
	if (rs->delivered > 0)
		bbr->idle_restart = 0;
}

static inline void bbr3_update_gains(struct bbr3_state *bbr)
{
	switch (bbr->mode) {
	case BBR_MODE_STARTUP:
		bbr->pacing_gain = bbr3_startup_pacing_gain;
		bbr->cwnd_gain = bbr3_startup_cwnd_gain;
		break;
	case BBR_MODE_DRAIN:
		bbr->pacing_gain = bbr_drain_gain;
		bbr->cwnd_gain = bbr3_startup_cwnd_gain;
		break;
	case BBR_MODE_PROBE_BW:
		bbr->pacing_gain = bbr3_phase_pacing_gain(bbr->cycle_idx);
		bbr->cwnd_gain = bbr_cwnd_gain;
		if (bbr3_bw_probe_cwnd_gain && bbr->cycle_idx == BBR3_BW_PROBE_UP)
			bbr->cwnd_gain += BBR_UNIT * bbr3_bw_probe_cwnd_gain / 4;
		break;
	case BBR_MODE_PROBE_RTT:
		bbr->pacing_gain = BBR_UNIT;
		bbr->cwnd_gain = BBR_UNIT;
		break;
	}
}

/* --- per-round delivery signals ----------------------------------------- */

static inline void bbr3_update_latest_delivery_signals(struct bbr3_state *bbr,
						       const struct bbr3_sock *sk,
						       const struct bbr3_rate_sample *rs,
						       __u32 sample_bw)
{
	bbr->loss_round_start = 0;
	if (rs->interval_us <= 0 || !rs->acked_sacked)
		return;
	bbr->bw_latest = cc_max_u32(bbr->bw_latest, sample_bw);
	bbr->inflight_latest = cc_max_u32(bbr->inflight_latest, (__u32)rs->delivered);
	if (!before(rs->prior_delivered, bbr->loss_round_delivered)) {
		bbr->loss_round_delivered = sk->b.delivered;
		bbr->loss_round_start = 1;
	}
}

/* (The reference keeps the filter across an ACK of a TLP retransmission;
 * mainline's rate sample does not say, so it never does here.) */
static inline void bbr3_advance_latest_delivery_signals(struct bbr3_state *bbr,
							const struct bbr3_rate_sample *rs,
							__u32 sample_bw)
{
	if (bbr->loss_round_start) {
		bbr->bw_latest = sample_bw;
		bbr->inflight_latest = (__u32)rs->delivered;
	}
}

static inline void bbr3_update_congestion_signals(struct bbr3_state *bbr,
						  const struct bbr3_sock *sk,
						  const struct bbr3_rate_sample *rs,
						  __u32 sample_bw)
{
	if (rs->interval_us <= 0 || !rs->acked_sacked)
		return;
	if (!rs->is_app_limited || sample_bw >= bbr3_max_bw(bbr))
		bbr->bw_hi[1] = cc_max_u32(sample_bw, bbr->bw_hi[1]);
	bbr->loss_in_round |= rs->losses > 0;
	if (!bbr->loss_round_start)
		return;
	bbr3_adapt_lower_bounds(bbr, sk);
	bbr->loss_in_round = 0;
	bbr->ecn_in_round = 0;
}

static inline void bbr3_update_model(struct bbr3_state *bbr, struct bbr3_ext *x,
				     struct bbr3_sock *sk, const struct bbr3_rate_sample *rs,
				     __u32 sample_bw)
{
	bbr3_update_congestion_signals(bbr, sk, rs, sample_bw);
	bbr3_update_ack_aggregation(bbr, sk, rs);
	bbr3_check_loss_too_high_in_startup(bbr, sk, rs);
	bbr3_check_full_bw_reached(bbr, rs, sample_bw);
	bbr3_check_drain(bbr, x, sk);
	bbr3_update_cycle_phase(bbr, x, sk, rs, sample_bw);
	bbr3_update_min_rtt(bbr, x, sk, rs);
}

/* --- the approximations of the v3 kernel's additions --------------------- */

/*
 * rs.tx_in_flight, rs.lost, rs.is_ece from mainline's sample:
 *  - lost (tp->lost minus its value when the packet was sent) is tp->lost
 *    minus its value at the newest snapshot (bbr3_take_snapshot) taken at
 *    or before the packet's send, found by prior_delivered (tp->delivered
 *    at its send): the losses marked in the up to an eighth of a round
 *    between that snapshot and the send are counted too (the oldest
 *    snapshot when the send is older than the ring);
 *  - tx_in_flight (in flight when the ACKed packet was sent) is what of
 *    that flight has since been delivered (rs.delivered: in order, every
 *    packet sent before it) or marked lost (lost), as v3 itself estimates
 *    it after a TLP (inflight_latest + lost); prior_in_flight (in flight
 *    when the ACK arrived) when the sample has no delivered count;
 *  - is_ece is delivered_ce > 0 (ECE counts delivered_ce; an ECE on an ACK
 *    that delivers nothing is missed).
 */
static inline void bbr3_sample_fill(const struct bbr3_ext *x, const struct bbr3_sock *sk,
				    struct bbr3_rate_sample *rs)
{
	__u32 i, idx, head = x->snap_head, lost_then;

	idx = (head + 1) & (BBR3_SNAPS - 1);	/* the oldest */
	lost_then = x->snap_lost[idx];
	for (i = 0; i < BBR3_SNAPS; i++) {
		idx = (head - i) & (BBR3_SNAPS - 1);
		if (!after(x->snap_delivered[idx], rs->prior_delivered)) {
			lost_then = x->snap_lost[idx];
			break;
		}
	}
	rs->lost = (__s32)(sk->b.lost - lost_then);
	if (rs->lost < 0)
		rs->lost = 0;
	if (rs->delivered > 0)
		rs->tx_in_flight = (__u32)rs->delivered + (__u32)rs->lost;
	else
		rs->tx_in_flight = rs->prior_in_flight;
	rs->is_ece = rs->delivered_ce > 0;
}

/* bbr_note_loss(): this round is a loss round. */
static inline void bbr3_note_loss(struct bbr3_state *bbr, const struct bbr3_sock *sk)
{
	if (!bbr->loss_in_round)
		bbr->loss_round_delivered = sk->b.delivered;
	bbr->loss_in_round = 1;
	bbr->loss_in_cycle = 1;
}

/*
 * bbr_skb_marked_lost(), once per ACK that marked rs->losses packets lost,
 * as if they were one skb of that many segments sent in the flight the
 * sample describes (the kernel calls it per skb, with the skb's own
 * tx.in_flight and tx.lost, before cong_control).
 */
static inline void bbr3_on_marked_lost(struct bbr3_state *bbr, struct bbr3_ext *x,
				       const struct bbr3_sock *sk,
				       const struct bbr3_rate_sample *rs)
{
	struct bbr3_rate_sample ls = {
		.tx_in_flight = rs->tx_in_flight,
		.lost = rs->lost,
		.is_app_limited = rs->is_app_limited,
	};

	bbr3_note_loss(bbr, sk);
	if (!bbr->bw_probe_samples)
		return;
	if (bbr3_is_inflight_too_high(bbr, sk, &ls)) {
		ls.tx_in_flight = bbr3_inflight_hi_from_lost(sk, &ls, (__u32)rs->losses);
		bbr3_handle_inflight_too_high(bbr, x, sk, &ls);
	}
}

static inline void bbr3_ext_defaults(struct bbr3_ext *x, const struct bbr3_sock *sk)
{
	__u32 i;

	x->undo_bw_lo = 0;
	x->undo_inflight_lo = 0;
	x->undo_inflight_hi = 0;
	x->bw_probe_up_cnt = ~0U;
	x->bw_probe_up_acks = 0;
	x->alpha_last_delivered = 0;
	x->alpha_last_delivered_ce = 0;
	for (i = 0; i < BBR3_SNAPS; i++) {
		x->snap_delivered[i] = sk->b.delivered;
		x->snap_lost[i] = sk->b.lost;
	}
	x->snap_head = 0;
}

/* --- the callbacks ------------------------------------------------------- */

/* The app-limited fast path: no loss/ECN and a sample below max bw. */
static inline bool bbr3_run_fast_path(struct bbr3_state *bbr, struct bbr3_ext *x,
				      struct bbr3_sock *sk, const struct bbr3_rate_sample *rs,
				      __u32 sample_bw, bool *update_model)
{
	__u32 prev_min_rtt_us, prev_mode;

	if (!(sk->fast_path && bbr->try_fast_path && rs->is_app_limited &&
	      sample_bw < bbr3_max_bw(bbr) && !bbr->loss_in_round && !bbr->ecn_in_round))
		return false;
	prev_mode = bbr->mode;
	prev_min_rtt_us = bbr->min_rtt_us;
	bbr3_check_drain(bbr, x, sk);
	bbr3_update_cycle_phase(bbr, x, sk, rs, sample_bw);
	bbr3_update_min_rtt(bbr, x, sk, rs);
	if (bbr->mode == prev_mode && bbr->min_rtt_us == prev_min_rtt_us && bbr->try_fast_path)
		return true;
	*update_model = false;
	return false;
}

/* bbr_main() (with skb_marked_lost for this ACK's losses first). */
static inline void bbr3_on_ack(struct bbr3_state *bbr, struct bbr3_ext *x,
			       struct bbr3_sock *sk, struct bbr3_rate_sample *rs)
{
	bool update_model = true;
	__u32 bw, sample_bw;

	bbr3_sample_fill(x, sk, rs);
	bbr3_take_snapshot(x, sk);
	if (rs->losses > 0)
		bbr3_on_marked_lost(bbr, x, sk, rs);

	bbr3_update_round_start(bbr, sk, rs);
	if (bbr->round_start) {
		bbr->rounds_since_probe = cc_min_u32(bbr->rounds_since_probe + 1, 0xFF);
		bbr3_update_ecn_alpha(bbr, x, sk);
	}
	bbr->ecn_in_round |= bbr->ecn_eligible && rs->is_ece;
	sample_bw = bbr3_bw_sample(rs);
	bbr3_update_latest_delivery_signals(bbr, sk, rs, sample_bw);

	if (bbr3_run_fast_path(bbr, x, sk, rs, sample_bw, &update_model))
		goto out;
	if (update_model)
		bbr3_update_model(bbr, x, sk, rs, sample_bw);

	bbr3_update_gains(bbr);
	bw = bbr3_bw(bbr);
	bbr3_set_pacing_rate(bbr, sk, bw, bbr->pacing_gain);
	bbr3_set_cwnd(bbr, sk, rs->acked_sacked, bw, bbr->cwnd_gain);
	bbr3_bound_cwnd_for_inflight_model(bbr, sk);
out:
	bbr3_advance_latest_delivery_signals(bbr, rs, sample_bw);
	bbr->prev_ca_state = sk->b.ca_state;
	bbr->loss_in_cycle |= rs->lost > 0;
	bbr->ecn_in_cycle |= rs->delivered_ce > 0;
}

/* bbr_init(), but for the pacing status, ECN flags and fast_ack_mode,
 * which the caller handles.  @x is the extension (all of it is set here);
 * @tp_prior_cwnd is tp->prior_cwnd. */
static inline void bbr3_on_init(struct bbr3_state *bbr, struct bbr3_ext *x,
				struct bbr3_sock *sk, __u32 tp_prior_cwnd)
{
	bbr->initialized = 1;
	bbr->init_cwnd = cc_min_u32(0x7FU, sk->b.cwnd);
	bbr->prior_cwnd = tp_prior_cwnd;
	sk->b.ssthresh = TCP_INFINITE_SSTHRESH;
	bbr->next_rtt_delivered = sk->b.delivered;
	bbr->prev_ca_state = BPFTCP_CA_STATE_OPEN;

	bbr->probe_rtt_done_stamp = 0;
	bbr->probe_rtt_round_done = 0;
	bbr->probe_rtt_min_us = sk->b.tcp_min_rtt;
	bbr->probe_rtt_min_stamp = sk->b.jiffies;
	bbr->min_rtt_us = sk->b.tcp_min_rtt;
	bbr->min_rtt_stamp = sk->b.jiffies;

	bbr->has_seen_rtt = 0;
	bbr3_init_pacing_rate_from_rtt(bbr, sk);

	bbr->round_start = 0;
	bbr->idle_restart = 0;
	bbr->full_bw_reached = 0;
	bbr->full_bw = 0;
	bbr->full_bw_cnt = 0;
	bbr->cycle_mstamp = 0;
	bbr->cycle_idx = 0;
	bbr->mode = BBR_MODE_STARTUP;

	bbr->ack_epoch_mstamp = sk->b.tcp_mstamp;
	bbr->ack_epoch_acked = 0;
	bbr->extra_acked_win_rtts = 0;
	bbr->extra_acked_win_idx = 0;
	bbr->extra_acked[0] = 0;
	bbr->extra_acked[1] = 0;

	bbr->try_fast_path = 0;

	bbr->loss_round_delivered = sk->b.delivered + 1;
	bbr->loss_round_start = 0;
	bbr->loss_events_in_round = 0;
	bbr->startup_ecn_rounds = 0;
	bbr3_reset_congestion_signals(bbr);
	bbr->bw_lo = ~0U;
	bbr->bw_hi[0] = 0;
	bbr->bw_hi[1] = 0;
	bbr->inflight_lo = ~0U;
	bbr->inflight_hi = ~0U;
	bbr3_reset_full_bw(bbr);
	bbr->bw_probe_up_rounds = 0;
	bbr->probe_wait_us = 0;
	bbr->stopped_risky_probe = 0;
	bbr->ack_phase = BBR3_ACKS_INIT;
	bbr->rounds_since_probe = 0;
	bbr->bw_probe_samples = 0;
	bbr->prev_probe_too_high = 0;
	bbr->ecn_eligible = 0;
	bbr->ecn_alpha = bbr3_ecn_alpha_init;

	bbr3_ext_defaults(x, sk);
}

/* bbr_cwnd_event(CA_EVENT_TX_START) when app-limited. */
static inline void bbr3_on_tx_start(struct bbr3_state *bbr, struct bbr3_ext *x,
				    struct bbr3_sock *sk)
{
	bbr->idle_restart = 1;
	bbr->ack_epoch_mstamp = sk->b.tcp_mstamp;
	bbr->ack_epoch_acked = 0;
	if (bbr->mode == BBR_MODE_PROBE_BW)
		bbr3_set_pacing_rate(bbr, sk, bbr3_bw(bbr), BBR_UNIT);
	else if (bbr->mode == BBR_MODE_PROBE_RTT)
		bbr3_check_probe_rtt_done(bbr, x, sk);
}

/* bbr_undo_cwnd(): revert the short-term model; returns prior_cwnd. */
static inline __u32 bbr3_on_undo(struct bbr3_state *bbr, const struct bbr3_ext *x)
{
	bbr3_reset_full_bw(bbr);
	bbr->loss_in_round = 0;
	bbr->bw_lo = cc_max_u32(bbr->bw_lo, x->undo_bw_lo);
	bbr->inflight_lo = cc_max_u32(bbr->inflight_lo, x->undo_inflight_lo);
	bbr->inflight_hi = cc_max_u32(bbr->inflight_hi, x->undo_inflight_hi);
	bbr->try_fast_path = 0;
	return bbr->prior_cwnd;
}

/* bbr_ssthresh(): save cwnd and the loss-adapted bounds for undo. */
static inline __u32 bbr3_on_ssthresh(struct bbr3_state *bbr, struct bbr3_ext *x,
				     const struct bbr3_sock *sk)
{
	bbr3_save_cwnd(bbr, sk);
	x->undo_bw_lo = bbr->bw_lo;
	x->undo_inflight_lo = bbr->inflight_lo;
	x->undo_inflight_hi = bbr->inflight_hi;
	return sk->b.ssthresh;
}

/* bbr_set_state(): an RTO resets the full-bw detector and seeds
 * inflight_lo; leaving Loss restores cwnd.  The RTO's losses are noted
 * here (the reference sees them through skb_marked_lost). */
static inline void bbr3_on_set_state(struct bbr3_state *bbr, struct bbr3_sock *sk, __u8 new_state)
{
	if (new_state == BPFTCP_CA_STATE_LOSS) {
		bbr->prev_ca_state = BPFTCP_CA_STATE_LOSS;
		bbr3_note_loss(bbr, sk);
		bbr3_reset_full_bw(bbr);
		if (!bbr3_is_probing_bandwidth(bbr) && bbr->inflight_lo == ~0U)
			bbr->inflight_lo = cc_max_u32(sk->b.cwnd, bbr->prior_cwnd);
	} else if (bbr->prev_ca_state == BPFTCP_CA_STATE_LOSS) {
		sk->b.cwnd = cc_max_u32(sk->b.cwnd, bbr->prior_cwnd);
		bbr->try_fast_path = 0;
	}
}

#endif /* BPFTCP_BBR3_H */
