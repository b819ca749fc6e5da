/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * BBR's state and arithmetic, shared by cc/bbr.bpf.c and the host unit tests
 * (selftests/test_bbr_math.c), so the maths that is tested is the maths that
 * runs.  Ported from net/ipv4/tcp_bbr.c and lib/win_minmax.c of Linux 6.18;
 * the helpers keep the kernel's names so the files can be read side by side.
 *
 * Nothing here touches a socket.  The callers copy what BBR reads of the
 * socket into a struct bbr_sock, run the step, and copy back the four fields
 * BBR writes (snd_cwnd, snd_ssthresh, sk_pacing_rate, app_limited).  The entry
 * points are named after the callbacks they implement (bbr_on_init() for
 * bbr_init(), bbr_on_ack() for bbr_main(), ...): the kernel's own names are
 * kfuncs in vmlinux.h, and this port calls none of them.
 */
#ifndef BPFTCP_BBR_H
#define BPFTCP_BBR_H

#ifndef __bpf__
#include <linux/types.h>
#include <stdbool.h>
#endif
#include "bpftcp/cc_common.h"

/* Rates are in packets per usec << BW_SCALE (~715 bit/s per unit at 1500 B). */
#define BW_SCALE		24
#define BW_UNIT			(1 << BW_SCALE)
/* Gains and other fractions are << BBR_SCALE. */
#define BBR_SCALE		8
#define BBR_UNIT		(1 << BBR_SCALE)

/* enum bbr_mode of tcp_bbr.c, renamed: vmlinux.h carries the kernel's. */
#define BBR_MODE_STARTUP	0	/* ramp up sending rate rapidly to fill pipe */
#define BBR_MODE_DRAIN		1	/* drain any queue created during startup */
#define BBR_MODE_PROBE_BW	2	/* discover, share bw: pace around estimated bw */
#define BBR_MODE_PROBE_RTT	3	/* cut inflight to min to probe min_rtt */

#define CYCLE_LEN		8	/* phases in a pacing gain cycle */
#define TCP_INIT_CWND		10

/* The static consts of tcp_bbr.c (none of them is a module parameter). */
#define bbr_bw_rtts			(CYCLE_LEN + 2)	/* bw filter window, rounds */
#define bbr_min_rtt_win_sec		10U
#define bbr_probe_rtt_mode_ms		200U
#define bbr_min_tso_rate		1200000		/* bit/s */
#define bbr_pacing_margin_percent	1
#define bbr_high_gain			(BBR_UNIT * 2885 / 1000 + 1)
#define bbr_drain_gain			(BBR_UNIT * 1000 / 2885)
#define bbr_cwnd_gain			(BBR_UNIT * 2)
#define bbr_cycle_rand			7U
#define bbr_cwnd_min_target		4U
#define bbr_full_bw_thresh		(BBR_UNIT * 5 / 4)
#define bbr_full_bw_cnt			3U
#define bbr_lt_intvl_min_rtts		4U
#define bbr_lt_loss_thresh		50U
#define bbr_lt_bw_ratio			(BBR_UNIT / 8)
#define bbr_lt_bw_diff			(4000 / 8)
#define bbr_lt_bw_max_rtts		48U
#define bbr_extra_acked_gain		256	/* BBR_UNIT (a literal: a shift in a boolean test warns) */
#define bbr_extra_acked_win_rtts	5U
#define bbr_ack_epoch_acked_reset_thresh (1U << 20)
#define bbr_extra_acked_max_us		(100 * 1000)

/* GSO_LEGACY_MAX_SIZE of include/linux/netdevice.h. */
#define BBR_GSO_LEGACY_MAX_SIZE		65536U
/* MAX_TCP_HEADER of include/net/tcp.h, L1_CACHE_ALIGN(128 + MAX_HEADER):
 * 192 with 64-byte cache lines and LL_MAX_HEADER 32 (no WLAN, AX25, Hyper-V
 * net, IP tunnels).  A kernel build constant, so a tunable in cc/bbr.bpf.c. */
#define BBR_MAX_TCP_HEADER_DEFAULT	192U

/* bbr_pacing_gain[] of tcp_bbr.c, the PROBE_BW gain cycle. */
static inline __u32 bbr_cycle_pacing_gain(__u32 idx)
{
	switch (idx) {
	case 0:
		return BBR_UNIT * 5 / 4;	/* probe for more available bw */
	case 1:
		return BBR_UNIT * 3 / 4;	/* drain queue and/or yield bw */
	default:
		return BBR_UNIT;		/* cruise at 1.0*bw */
	}
}

/* --- lib/win_minmax.c: Kathleen Nichols' windowed max ------------------- */

struct bbr_minmax_sample {
	__u32 t;	/* time the measurement was taken */
	__u32 v;	/* value measured */
};

/* struct minmax: the best, 2nd best and 3rd best samples of the window. */
struct bbr_minmax {
	struct bbr_minmax_sample s[3];
};

static inline __u32 bbr_minmax_get(const struct bbr_minmax *m)
{
	return m->s[0].v;
}

static inline __u32 bbr_minmax_reset(struct bbr_minmax *m, __u32 t, __u32 meas)
{
	m->s[0].t = m->s[1].t = m->s[2].t = t;
	m->s[0].v = m->s[1].v = m->s[2].v = meas;
	return meas;
}

/* minmax_subwin_update(): as time advances, update the 1st, 2nd and 3rd
 * choices. */
static inline __u32 bbr_minmax_subwin_update(struct bbr_minmax *m, __u32 win,
					     __u32 t, __u32 meas)
{
	__u32 dt = t - m->s[0].t;

	if (dt > win) {
		/* A whole window without a new best: the 2nd choice becomes
		 * the best, the 3rd the 2nd; twice if the 2nd choice is also
		 * out of the window (the 3rd is in it, checked on entry). */
		m->s[0] = m->s[1];
		m->s[1] = m->s[2];
		m->s[2].t = t;
		m->s[2].v = meas;
		if (t - m->s[0].t > win) {
			m->s[0] = m->s[1];
			m->s[1] = m->s[2];
			m->s[2].t = t;
			m->s[2].v = meas;
		}
	} else if (m->s[1].t == m->s[0].t && dt > win / 4) {
		/* A quarter of the window without a new best: take a 2nd
		 * choice from the 2nd quarter. */
		m->s[2].t = m->s[1].t = t;
		m->s[2].v = m->s[1].v = meas;
	} else if (m->s[2].t == m->s[1].t && dt > win / 2) {
		/* Half the window: take a 3rd choice from the last half. */
		m->s[2].t = t;
		m->s[2].v = meas;
	}
	return m->s[0].v;
}

/* minmax_running_max() */
static inline __u32 bbr_minmax_running_max(struct bbr_minmax *m, __u32 win, __u32 t,
					   __u32 meas)
{
	if (meas >= m->s[0].v ||		/* found new max? */
	    t - m->s[2].t > win)		/* nothing left in window? */
		return bbr_minmax_reset(m, t, meas);	/* forget earlier samples */

	if (meas >= m->s[1].v) {
		m->s[2].t = m->s[1].t = t;
		m->s[2].v = m->s[1].v = meas;
	} else if (meas >= m->s[2].v) {
		m->s[2].t = t;
		m->s[2].v = meas;
	}
	return bbr_minmax_subwin_update(m, win, t, meas);
}

/* --- struct bbr --------------------------------------------------------- */

/* struct bbr of tcp_bbr.c, field for field (bit-fields included): 104 bytes
 * would not hold it unpacked.  Lives in icsk_ca_priv. */
struct bbr_state {
	__u32 min_rtt_us;		/* min RTT in min_rtt_win_sec window */
	__u32 min_rtt_stamp;		/* timestamp of min_rtt_us (jiffies) */
	__u32 probe_rtt_done_stamp;	/* end time for PROBE_RTT mode */
	struct bbr_minmax bw;		/* max recent delivery rate, pkts/us << 24 */
	__u32 rtt_cnt;			/* count of packet-timed rounds elapsed */
	__u32 next_rtt_delivered;	/* scb->tx.delivered at end of round */
	__u64 cycle_mstamp;		/* time of this cycle phase start */
	__u32 mode:3,			/* current BBR_MODE_* */
	      prev_ca_state:3,		/* CA state on previous ACK */
	      packet_conservation:1,	/* use packet conservation? */
	      round_start:1,		/* start of packet-timed tx->ack round? */
	      idle_restart:1,		/* restarting after idle? */
	      probe_rtt_round_done:1,	/* a PROBE_RTT round at 4 pkts? */
	      unused:13,
	      lt_is_sampling:1,		/* taking long-term ("LT") samples now? */
	      lt_rtt_cnt:7,		/* round trips in long-term interval */
	      lt_use_bw:1;		/* use lt_bw as our bw estimate? */
	__u32 lt_bw;			/* LT est delivery rate in pkts/us << 24 */
	__u32 lt_last_delivered;	/* LT intvl start: tp->delivered */
	__u32 lt_last_stamp;		/* LT intvl start: tp->delivered_mstamp (ms) */
	__u32 lt_last_lost;		/* LT intvl start: tp->lost */
	__u32 pacing_gain:10,		/* current gain for setting pacing rate */
	      cwnd_gain:10,		/* current gain for setting cwnd */
	      full_bw_reached:1,	/* reached full bw in Startup? */
	      full_bw_cnt:2,		/* number of rounds without large bw gains */
	      cycle_idx:3,		/* current index in pacing_gain cycle array */
	      has_seen_rtt:1,		/* have we seen an RTT sample yet? */
	      unused_b:5;
	__u32 prior_cwnd;		/* prior cwnd upon entering loss recovery */
	__u32 full_bw;			/* recent bw, to estimate if pipe is full */
	/* ACK aggregation: */
	__u64 ack_epoch_mstamp;		/* start of ACK sampling epoch */
	__u16 extra_acked[2];		/* max excess data ACKed in epoch */
	__u32 ack_epoch_acked:20,	/* packets (S)ACKed in sampling epoch */
	      extra_acked_win_rtts:5,	/* age of extra_acked, in round trips */
	      extra_acked_win_idx:1,	/* current index in extra_acked array */
	      unused_c:6;
};

BPFTCP_CA_PRIV_ASSERT(struct bbr_state);

/*
 * What BBR reads of the socket (and the clock), and the four fields it
 * writes.  The caller fills it, runs a step, and writes back pacing_rate,
 * cwnd, ssthresh and app_limited.
 */
struct bbr_sock {
	/* read */
	__u64 tcp_mstamp;		/* tp->tcp_mstamp (us) */
	__u64 delivered_mstamp;		/* tp->delivered_mstamp (us) */
	__u64 tcp_clock_cache;		/* tp->tcp_clock_cache (ns) */
	__u64 tcp_wstamp_ns;		/* tp->tcp_wstamp_ns (ns) */
	__u64 max_pacing_rate;		/* sk->sk_max_pacing_rate (bytes/s) */
	__u32 mss_cache;		/* tp->mss_cache */
	__u32 srtt_us;			/* tp->srtt_us (<< 3) */
	__u32 tcp_min_rtt;		/* tcp_min_rtt(tp) */
	__u32 delivered;		/* tp->delivered */
	__u32 lost;			/* tp->lost */
	__u32 in_flight;		/* tcp_packets_in_flight(tp) */
	__u32 cwnd_clamp;		/* tp->snd_cwnd_clamp */
	__u32 jiffies;			/* tcp_jiffies32 */
	__u32 hz;			/* HZ */
	__u32 rand;			/* a random u32 (the gain cycle's start phase) */
	__u32 max_tcp_header;		/* MAX_TCP_HEADER */
	__u8 ca_state;			/* inet_csk(sk)->icsk_ca_state */
	__u8 pacing_shift;		/* sk->sk_pacing_shift */
	__u16 __pad;
	/* read and written */
	__u64 pacing_rate;		/* sk->sk_pacing_rate (bytes/s) */
	__u32 cwnd;			/* tp->snd_cwnd */
	__u32 ssthresh;			/* tp->snd_ssthresh */
	__u32 app_limited;		/* tp->app_limited */
};

/* The fields of struct rate_sample that BBR reads. */
struct bbr_rate_sample {
	__s64 interval_us;		/* time for tp->delivered to incr "delivered" */
	__s64 rtt_us;			/* RTT of last (S)ACKed packet (or -1) */
	__u32 prior_delivered;		/* tp->delivered at "prior_mstamp" */
	__s32 delivered;		/* packets delivered over interval_us */
	__s32 losses;			/* packets marked lost upon ACK */
	__u32 acked_sacked;		/* packets newly (S)ACKed upon ACK */
	__u32 prior_in_flight;		/* in flight before this ACK */
	bool is_app_limited;		/* is sample from packet with bubble in pipe? */
	bool is_ack_delayed;		/* is this (likely) a delayed ACK? */
};

/* tcp_stamp_us_delta() */
static inline __u32 bbr_stamp_us_delta(__u64 t1, __u64 t0)
{
	__s64 d = (__s64)(t1 - t0);

	return d > 0 ? (__u32)d : 0;
}

/* get_random_u32_below(@ceil) from a random u32: the multiply-and-shift the
 * kernel uses, without its rejection of the (ceil / 2^32) biased draws. */
static inline __u32 bbr_random_below(__u32 rand, __u32 ceil)
{
	return (__u32)(((__u64)rand * ceil) >> 32);
}

static inline bool bbr_full_bw_reached(const struct bbr_state *bbr)
{
	return bbr->full_bw_reached;
}

/* The windowed max recent bandwidth sample, in pkts/us << BW_SCALE. */
static inline __u32 bbr_max_bw(const struct bbr_state *bbr)
{
	return bbr_minmax_get(&bbr->bw);
}

/* The estimated bandwidth of the path, in pkts/us << BW_SCALE. */
static inline __u32 bbr_bw(const struct bbr_state *bbr)
{
	return bbr->lt_use_bw ? bbr->lt_bw : bbr_max_bw(bbr);
}

/* extra_acked[idx] read and written with constant indices: the verifier
 * refuses a variable offset into the socket (icsk_ca_priv). */
static inline __u16 *bbr_extra_acked_slot(struct bbr_state *bbr, __u32 idx)
{
	return idx ? &bbr->extra_acked[1] : &bbr->extra_acked[0];
}

/* The maximum extra acked in the past k-2k round trips (k = 5). */
static inline __u16 bbr_extra_acked(const struct bbr_state *bbr)
{
	return bbr->extra_acked[0] > bbr->extra_acked[1] ?
	       bbr->extra_acked[0] : bbr->extra_acked[1];
}

/* Rate in bytes per second, with a gain and the 1% pacing margin; the order
 * avoids u64 overflow up to 2.9 Tbit/s at a gain of 2.89. */
static inline __u64 bbr_rate_bytes_per_sec(__u32 mss, __u64 rate, int gain)
{
	rate *= mss;
	rate *= gain;
	rate >>= BBR_SCALE;
	rate *= 1000000 / 100 * (100 - bbr_pacing_margin_percent);
	return rate >> BW_SCALE;
}

/* A bw and gain as a pacing rate in bytes per second. */
static inline __u64 bbr_bw_to_pacing_rate(const struct bbr_sock *sk, __u32 bw, int gain)
{
	__u64 rate = bbr_rate_bytes_per_sec(sk->mss_cache, bw, gain);

	return rate < sk->max_pacing_rate ? rate : sk->max_pacing_rate;
}

/* bw as get_info reports it (bbr_bw_lo/hi): bytes per second, no margin. */
static inline __u64 bbr_bw_bytes_per_sec(__u32 bw, __u32 mss)
{
	return (__u64)bw * mss * 1000000 >> BW_SCALE;
}

/* Initial pacing rate: high_gain * init_cwnd / RTT. */
/* The initial bw estimate, cwnd / RTT (1 ms without an RTT sample); true
 * in *@seen_rtt when there was one.  (Shared with bbr3.h.) */
static inline __u64 bbr_init_bw_from_rtt(const struct bbr_sock *sk, bool *seen_rtt)
{
	__u64 bw;
	__u32 rtt_us;

	*seen_rtt = sk->srtt_us != 0;
	if (sk->srtt_us)		/* any RTT sample yet? */
		rtt_us = cc_max_u32(sk->srtt_us >> 3, 1U);
	else				/* no RTT sample yet */
		rtt_us = 1000;		/* use nominal default RTT */
	bw = (__u64)sk->cwnd * BW_UNIT;
	bw /= rtt_us;
	return bw;
}

static inline void bbr_init_pacing_rate_from_rtt(struct bbr_state *bbr, struct bbr_sock *sk)
{
	bool seen;
	__u64 bw = bbr_init_bw_from_rtt(sk, &seen);

	if (seen)
		bbr->has_seen_rtt = 1;
	sk->pacing_rate = bbr_bw_to_pacing_rate(sk, bw, bbr_high_gain);
}

/* Pace at the bw estimate times a gain. */
static inline void bbr_set_pacing_rate(struct bbr_state *bbr, struct bbr_sock *sk,
				       __u32 bw, int gain)
{
	__u64 rate = bbr_bw_to_pacing_rate(sk, bw, gain);

	if (!bbr->has_seen_rtt && sk->srtt_us)
		bbr_init_pacing_rate_from_rtt(bbr, sk);
	if (bbr_full_bw_reached(bbr) || rate > sk->pacing_rate)
		sk->pacing_rate = rate;
}

/* bbr_min_tso_segs(): overrides sysctl_tcp_min_tso_segs. */
static inline __u32 bbr_min_tso_segs_at(__u64 pacing_rate)
{
	return pacing_rate < (bbr_min_tso_rate >> 3) ? 1 : 2;
}

/* Sort of tcp_tso_autosize(), ignoring the driver's sk_gso_max_size. */
static inline __u32 bbr_tso_segs_goal(const struct bbr_sock *sk)
{
	__u64 bytes = sk->pacing_rate >> sk->pacing_shift;
	__u64 cap = BBR_GSO_LEGACY_MAX_SIZE - 1 - sk->max_tcp_header;
	__u32 segs;

	if (bytes > cap)
		bytes = cap;
	/* mss_cache is never 0 on a connected socket; the check is for the
	 * verifier and costs nothing. */
	segs = cc_max_u32((__u32)bytes / (sk->mss_cache ? sk->mss_cache : 1),
			  bbr_min_tso_segs_at(sk->pacing_rate));
	return cc_min_u32(segs, 0x7FU);
}

/* Save the "last known good" cwnd to restore after losses or PROBE_RTT. */
/* The prior_cwnd to keep: this cwnd if good enough, else the larger of the
 * two.  (Shared with bbr3.h.) */
static inline __u32 bbr_saved_cwnd(__u32 prior_cwnd, __u32 cwnd, __u8 prev_ca_state, __u8 mode)
{
	if (prev_ca_state < BPFTCP_CA_STATE_RECOVERY && mode != BBR_MODE_PROBE_RTT)
		return cwnd;			/* this cwnd is good enough */
	/* loss recovery or PROBE_RTT have temporarily cut cwnd */
	return cc_max_u32(prior_cwnd, cwnd);
}

static inline void bbr_save_cwnd(struct bbr_state *bbr, const struct bbr_sock *sk)
{
	bbr->prior_cwnd = bbr_saved_cwnd(bbr->prior_cwnd, sk->cwnd, bbr->prev_ca_state, bbr->mode);
}

/* ceil(bw * min_rtt * gain): apply the gain, remove the BW_SCALE shift,
 * round up.  (Shared with bbr3.h.) */
static inline __u32 bbr_bdp_of(__u32 bw, __u32 min_rtt_us, int gain)
{
	__u64 w = (__u64)bw * min_rtt_us;

	return (__u32)((((w * gain) >> BBR_SCALE) + BW_UNIT - 1) / BW_UNIT);
}

/* bdp = ceil(bw * min_rtt * gain) */
static inline __u32 bbr_bdp(const struct bbr_state *bbr, __u32 bw, int gain)
{
	/* No valid RTT sample yet: cap at the default initial cwnd. */
	if (bbr->min_rtt_us == ~0U)
		return TCP_INIT_CWND;
	return bbr_bdp_of(bw, bbr->min_rtt_us, gain);
}

/* Budget for full-sized skbs in flight on both end hosts (qdisc, TSO/GSO,
 * the receiver's LRO/GRO/delayed ACK), even cwnds, and gain cycling above
 * BDP for small BDPs. */
static inline __u32 bbr_quantization_budget(const struct bbr_state *bbr,
					    const struct bbr_sock *sk, __u32 cwnd)
{
	cwnd += 3 * bbr_tso_segs_goal(sk);
	cwnd = (cwnd + 1) & ~1U;
	if (bbr->mode == BBR_MODE_PROBE_BW && bbr->cycle_idx == 0)
		cwnd += 2;
	return cwnd;
}

/* Inflight target from min RTT and the estimated bottleneck bandwidth. */
static inline __u32 bbr_inflight(const struct bbr_state *bbr, const struct bbr_sock *sk,
				 __u32 bw, int gain)
{
	return bbr_quantization_budget(bbr, sk, bbr_bdp(bbr, bw, gain));
}

/* Estimated packets in the network at the earliest departure time of the
 * next skb (EDT pacing): in_network_at_edt = inflight_at_edt - (EDT - now) * bw. */
/* @inflight_at_edt less what @bw delivers from now to the earliest
 * departure time.  (Shared with bbr3.h.) */
static inline __u32 bbr_in_net_at_edt(const struct bbr_sock *sk, __u32 bw,
				      __u32 inflight_at_edt)
{
	__u64 now_ns = sk->tcp_clock_cache, edt_ns, interval_us;
	__u32 interval_delivered;

	edt_ns = sk->tcp_wstamp_ns > now_ns ? sk->tcp_wstamp_ns : now_ns;
	interval_us = (edt_ns - now_ns) / 1000;
	interval_delivered = (__u32)((__u64)bw * interval_us >> BW_SCALE);
	if (interval_delivered >= inflight_at_edt)
		return 0;
	return inflight_at_edt - interval_delivered;
}

static inline __u32 bbr_packets_in_net_at_edt(const struct bbr_state *bbr,
					      const struct bbr_sock *sk, __u32 inflight_now)
{
	__u32 inflight_at_edt = inflight_now;

	if (bbr->pacing_gain > BBR_UNIT)		/* increasing inflight */
		inflight_at_edt += bbr_tso_segs_goal(sk);	/* include EDT skb */
	return bbr_in_net_at_edt(sk, bbr_bw(bbr), inflight_at_edt);
}

/* The cwnd increment for the estimated ACK aggregation. */
static inline __u32 bbr_ack_aggregation_cwnd(const struct bbr_state *bbr)
{
	__u32 max_aggr_cwnd, aggr_cwnd = 0;

	if (bbr_extra_acked_gain && bbr_full_bw_reached(bbr)) {
		max_aggr_cwnd = (__u32)(((__u64)bbr_bw(bbr) * bbr_extra_acked_max_us) / BW_UNIT);
		aggr_cwnd = (bbr_extra_acked_gain * bbr_extra_acked(bbr)) >> BBR_SCALE;
		aggr_cwnd = cc_min_u32(aggr_cwnd, max_aggr_cwnd);
	}
	return aggr_cwnd;
}

/* Packet conservation in the first round of recovery, then slow start up
 * to at most 2*P per P acked; restore the saved cwnd when recovery ends. */
static inline bool bbr_set_cwnd_to_recover_or_restore(struct bbr_state *bbr,
						      const struct bbr_sock *sk,
						      const struct bbr_rate_sample *rs,
						      __u32 acked, __u32 *new_cwnd)
{
	__u8 prev_state = bbr->prev_ca_state, state = sk->ca_state;
	__u32 cwnd = sk->cwnd;

	/* An ACK for P pkts should release at most 2*P packets: first deduct
	 * the lost packets, then bbr_set_cwnd() slow-starts to the target. */
	if (rs->losses > 0) {
		__s32 c = (__s32)(cwnd - rs->losses);

		cwnd = c > 1 ? (__u32)c : 1;
	}

	if (state == BPFTCP_CA_STATE_RECOVERY && prev_state != BPFTCP_CA_STATE_RECOVERY) {
		/* First round of Recovery: packet conservation. */
		bbr->packet_conservation = 1;
		bbr->next_rtt_delivered = sk->delivered;	/* start round now */
		/* Cut unused cwnd from app behavior, TSQ, or TSO deferral. */
		cwnd = sk->in_flight + acked;
	} else if (prev_state >= BPFTCP_CA_STATE_RECOVERY && state < BPFTCP_CA_STATE_RECOVERY) {
		/* Leaving loss recovery: restore the cwnd saved before it. */
		cwnd = cc_max_u32(cwnd, bbr->prior_cwnd);
		bbr->packet_conservation = 0;
	}
	bbr->prev_ca_state = state;

	if (bbr->packet_conservation) {
		*new_cwnd = cc_max_u32(cwnd, sk->in_flight + acked);
		return true;
	}
	*new_cwnd = cwnd;
	return false;
}

/* Slow-start up toward the target cwnd, or snap down to it if above. */
static inline void bbr_set_cwnd(struct bbr_state *bbr, struct bbr_sock *sk,
				const struct bbr_rate_sample *rs, __u32 acked, __u32 bw,
				int gain)
{
	__u32 cwnd = sk->cwnd, target_cwnd = 0;

	if (!acked)
		goto done;	/* no packet fully ACKed; just apply caps */

	if (bbr_set_cwnd_to_recover_or_restore(bbr, sk, rs, acked, &cwnd))
		goto done;

	target_cwnd = bbr_bdp(bbr, bw, gain);
	/* Excess data ACKed because of aggregation. */
	target_cwnd += bbr_ack_aggregation_cwnd(bbr);
	target_cwnd = bbr_quantization_budget(bbr, sk, target_cwnd);

	if (bbr_full_bw_reached(bbr))	/* only cut cwnd if we filled the pipe */
		cwnd = cc_min_u32(cwnd + acked, target_cwnd);
	else if (cwnd < target_cwnd || sk->delivered < TCP_INIT_CWND)
		cwnd = cwnd + acked;
	cwnd = cc_max_u32(cwnd, bbr_cwnd_min_target);

done:
	sk->cwnd = cc_min_u32(cwnd, sk->cwnd_clamp);	/* apply global cap */
	if (bbr->mode == BBR_MODE_PROBE_RTT)	/* drain queue, refresh min_rtt */
		sk->cwnd = cc_min_u32(sk->cwnd, bbr_cwnd_min_target);
}

/* End the cycle phase if it is time and/or the phase's inflight target is hit. */
static inline bool bbr_is_next_cycle_phase(const struct bbr_state *bbr,
					   const struct bbr_sock *sk,
					   const struct bbr_rate_sample *rs)
{
	bool is_full_length = bbr_stamp_us_delta(sk->delivered_mstamp, bbr->cycle_mstamp) >
			      bbr->min_rtt_us;
	__u32 inflight, bw;

	/* Gain 1.0 paces at the estimated bw: wall clock time only. */
	if (bbr->pacing_gain == BBR_UNIT)
		return is_full_length;

	inflight = bbr_packets_in_net_at_edt(bbr, sk, rs->prior_in_flight);
	bw = bbr_max_bw(bbr);

	/* Gain > 1.0 probes until inflight reaches pacing_gain*BDP, unless
	 * packets are lost (a small buffer may not hold that much). */
	if (bbr->pacing_gain > BBR_UNIT)
		return is_full_length &&
		       (rs->losses || inflight >= bbr_inflight(bbr, sk, bw, bbr->pacing_gain));

	/* Gain < 1.0 drains until inflight falls to the BDP. */
	return is_full_length || inflight <= bbr_inflight(bbr, sk, bw, BBR_UNIT);
}

static inline void bbr_advance_cycle_phase(struct bbr_state *bbr, const struct bbr_sock *sk)
{
	bbr->cycle_idx = (bbr->cycle_idx + 1) & (CYCLE_LEN - 1);
	bbr->cycle_mstamp = sk->delivered_mstamp;
}

/* Gain cycling, to converge to a fair share of the available bw. */
static inline void bbr_update_cycle_phase(struct bbr_state *bbr, const struct bbr_sock *sk,
					  const struct bbr_rate_sample *rs)
{
	if (bbr->mode == BBR_MODE_PROBE_BW && bbr_is_next_cycle_phase(bbr, sk, rs))
		bbr_advance_cycle_phase(bbr, sk);
}

static inline void bbr_reset_startup_mode(struct bbr_state *bbr)
{
	bbr->mode = BBR_MODE_STARTUP;
}

/* PROBE_BW from a random phase other than the draining one (1). */
static inline void bbr_reset_probe_bw_mode(struct bbr_state *bbr, const struct bbr_sock *sk)
{
	bbr->mode = BBR_MODE_PROBE_BW;
	bbr->cycle_idx = CYCLE_LEN - 1 - bbr_random_below(sk->rand, bbr_cycle_rand);
	bbr_advance_cycle_phase(bbr, sk);	/* flip to next phase of gain cycle */
}

static inline void bbr_reset_mode(struct bbr_state *bbr, const struct bbr_sock *sk)
{
	if (!bbr_full_bw_reached(bbr))
		bbr_reset_startup_mode(bbr);
	else
		bbr_reset_probe_bw_mode(bbr, sk);
}

/* Start a new long-term sampling interval. */
static inline void bbr_reset_lt_bw_sampling_interval(struct bbr_state *bbr,
						     const struct bbr_sock *sk)
{
	bbr->lt_last_stamp = (__u32)(sk->delivered_mstamp / 1000);
	bbr->lt_last_delivered = sk->delivered;
	bbr->lt_last_lost = sk->lost;
	bbr->lt_rtt_cnt = 0;
}

/* Completely reset long-term bandwidth sampling. */
static inline void bbr_reset_lt_bw_sampling(struct bbr_state *bbr, const struct bbr_sock *sk)
{
	bbr->lt_bw = 0;
	bbr->lt_use_bw = 0;
	bbr->lt_is_sampling = false;
	bbr_reset_lt_bw_sampling_interval(bbr, sk);
}

/* A long-term interval is done: are we policed? */
static inline void bbr_lt_bw_interval_done(struct bbr_state *bbr, const struct bbr_sock *sk,
					   __u32 bw)
{
	__u32 diff;

	if (bbr->lt_bw) {	/* bw from a previous interval? */
		/* Is the new bw close to it? (abs() of the u32 difference) */
		diff = bw > bbr->lt_bw ? bw - bbr->lt_bw : bbr->lt_bw - bw;
		if ((diff * BBR_UNIT <= bbr_lt_bw_ratio * bbr->lt_bw) ||
		    (bbr_rate_bytes_per_sec(sk->mss_cache, diff, BBR_UNIT) <= bbr_lt_bw_diff)) {
			/* All criteria are met; estimate we're policed. */
			bbr->lt_bw = (bw + bbr->lt_bw) >> 1;	/* avg 2 intvls */
			bbr->lt_use_bw = 1;
			bbr->pacing_gain = BBR_UNIT;	/* try to avoid drops */
			bbr->lt_rtt_cnt = 0;
			return;
		}
	}
	bbr->lt_bw = bw;
	bbr_reset_lt_bw_sampling_interval(bbr, sk);
}

/*
 * Token-bucket policer detection: two consecutive sampling intervals with
 * consistent throughput and high loss mean we are policed; lt_bw is then the
 * long-term average delivery rate of those two intervals.
 */
static inline void bbr_lt_bw_sampling(struct bbr_state *bbr, const struct bbr_sock *sk,
				      const struct bbr_rate_sample *rs)
{
	__u32 lost, delivered, t;
	__u64 bw;

	if (bbr->lt_use_bw) {	/* already using long-term rate, lt_bw? */
		if (bbr->mode == BBR_MODE_PROBE_BW && bbr->round_start &&
		    ++bbr->lt_rtt_cnt >= bbr_lt_bw_max_rtts) {
			bbr_reset_lt_bw_sampling(bbr, sk);	/* stop using lt_bw */
			bbr_reset_probe_bw_mode(bbr, sk);	/* restart gain cycling */
		}
		return;
	}

	/* Sample from the first loss on: the policer's tokens are exhausted. */
	if (!bbr->lt_is_sampling) {
		if (!rs->losses)
			return;
		bbr_reset_lt_bw_sampling_interval(bbr, sk);
		bbr->lt_is_sampling = true;
	}

	/* To avoid underestimates, reset sampling if we run out of data. */
	if (rs->is_app_limited) {
		bbr_reset_lt_bw_sampling(bbr, sk);
		return;
	}

	if (bbr->round_start)
		bbr->lt_rtt_cnt++;	/* count round trips in this interval */
	if (bbr->lt_rtt_cnt < bbr_lt_intvl_min_rtts)
		return;		/* sampling interval needs to be longer */
	if (bbr->lt_rtt_cnt > 4 * bbr_lt_intvl_min_rtts) {
		bbr_reset_lt_bw_sampling(bbr, sk);	/* interval is too long */
		return;
	}

	/* End the interval at a loss: the tokens were exhausted. */
	if (!rs->losses)
		return;

	lost = sk->lost - bbr->lt_last_lost;
	delivered = sk->delivered - bbr->lt_last_delivered;
	/* Is loss rate (lost/delivered) >= lt_loss_thresh? If not, wait. */
	if (!delivered || (lost << BBR_SCALE) < bbr_lt_loss_thresh * delivered)
		return;

	/* Average delivery rate in this sampling interval. */
	t = (__u32)(sk->delivered_mstamp / 1000) - bbr->lt_last_stamp;
	if ((__s32)t < 1)
		return;		/* interval is less than one ms, so wait */
	/* Can we multiply without overflow? */
	if (t >= ~0U / 1000) {
		bbr_reset_lt_bw_sampling(bbr, sk);	/* interval too long; reset */
		return;
	}
	t *= 1000;
	bw = (__u64)delivered * BW_UNIT;
	bw /= t;
	bbr_lt_bw_interval_done(bbr, sk, (__u32)bw);
}

/* The bandwidth estimate, from how fast packets are delivered. */
static inline void bbr_update_bw(struct bbr_state *bbr, const struct bbr_sock *sk,
				 const struct bbr_rate_sample *rs)
{
	__u64 bw;

	bbr->round_start = 0;
	if (rs->delivered < 0 || rs->interval_us <= 0)
		return;		/* not a valid observation */

	/* Have we reached the next RTT? */
	if (!before(rs->prior_delivered, bbr->next_rtt_delivered)) {
		bbr->next_rtt_delivered = sk->delivered;
		bbr->rtt_cnt++;
		bbr->round_start = 1;
		bbr->packet_conservation = 0;
	}

	bbr_lt_bw_sampling(bbr, sk, rs);

	/* delivered / interval: a lower bound of the bottleneck bandwidth. */
	bw = (__u64)rs->delivered * BW_UNIT;
	bw /= (__u64)rs->interval_us;

	/* App-limited samples count only if they do not lower the estimate. */
	if (!rs->is_app_limited || bw >= bbr_max_bw(bbr))
		bbr_minmax_running_max(&bbr->bw, bbr_bw_rtts, bbr->rtt_cnt, (__u32)bw);
}

/*
 * The windowed max degree of ACK aggregation: extra data ACKed beyond
 * max_bw * interval, over 5-10 packet-timed rounds; clamped by cwnd and by
 * bw * 100 ms.
 */
static inline void bbr_update_ack_aggregation(struct bbr_state *bbr, const struct bbr_sock *sk,
					      const struct bbr_rate_sample *rs)
{
	__u32 epoch_us, expected_acked, extra_acked;
	__u16 *slot;

	if (!bbr_extra_acked_gain || rs->acked_sacked <= 0 ||
	    rs->delivered < 0 || rs->interval_us <= 0)
		return;

	if (bbr->round_start) {
		bbr->extra_acked_win_rtts = cc_min_u32(0x1F, bbr->extra_acked_win_rtts + 1);
		if (bbr->extra_acked_win_rtts >= bbr_extra_acked_win_rtts) {
			bbr->extra_acked_win_rtts = 0;
			bbr->extra_acked_win_idx = bbr->extra_acked_win_idx ? 0 : 1;
			*bbr_extra_acked_slot(bbr, bbr->extra_acked_win_idx) = 0;
		}
	}

	/* Packets expected to be delivered over the epoch. */
	epoch_us = bbr_stamp_us_delta(sk->delivered_mstamp, bbr->ack_epoch_mstamp);
	expected_acked = (__u32)(((__u64)bbr_bw(bbr) * epoch_us) / BW_UNIT);

	/* Reset the epoch if the ACK rate is below the expected rate, or after
	 * very many ACKed packets (a potentially quite old epoch). */
	if (bbr->ack_epoch_acked <= expected_acked ||
	    (bbr->ack_epoch_acked + rs->acked_sacked >= bbr_ack_epoch_acked_reset_thresh)) {
		bbr->ack_epoch_acked = 0;
		bbr->ack_epoch_mstamp = sk->delivered_mstamp;
		expected_acked = 0;
	}

	/* Excess data delivered, beyond what was expected. */
	bbr->ack_epoch_acked = cc_min_u32(0xFFFFF, bbr->ack_epoch_acked + rs->acked_sacked);
	extra_acked = bbr->ack_epoch_acked - expected_acked;
	extra_acked = cc_min_u32(extra_acked, sk->cwnd);
	slot = bbr_extra_acked_slot(bbr, bbr->extra_acked_win_idx);
	if (extra_acked > *slot)
		*slot = extra_acked;
}

/* STARTUP filled the pipe when bw grew less than 25% in 3 non-app-limited
 * rounds. */
static inline void bbr_check_full_bw_reached(struct bbr_state *bbr,
					     const struct bbr_rate_sample *rs)
{
	__u32 bw_thresh;

	if (bbr_full_bw_reached(bbr) || !bbr->round_start || rs->is_app_limited)
		return;

	bw_thresh = (__u32)((__u64)bbr->full_bw * bbr_full_bw_thresh >> BBR_SCALE);
	if (bbr_max_bw(bbr) >= bw_thresh) {
		bbr->full_bw = bbr_max_bw(bbr);
		bbr->full_bw_cnt = 0;
		return;
	}
	++bbr->full_bw_cnt;
	bbr->full_bw_reached = bbr->full_bw_cnt >= bbr_full_bw_cnt;
}

/* If the pipe is probably full, drain the queue, then enter steady state. */
static inline void bbr_check_drain(struct bbr_state *bbr, struct bbr_sock *sk,
				   const struct bbr_rate_sample *rs)
{
	if (bbr->mode == BBR_MODE_STARTUP && bbr_full_bw_reached(bbr)) {
		bbr->mode = BBR_MODE_DRAIN;	/* drain queue we created */
		sk->ssthresh = bbr_inflight(bbr, sk, bbr_max_bw(bbr), BBR_UNIT);
	}	/* fall through to check if in-flight is already small: */
	if (bbr->mode == BBR_MODE_DRAIN &&
	    bbr_packets_in_net_at_edt(bbr, sk, sk->in_flight) <=
	    bbr_inflight(bbr, sk, bbr_max_bw(bbr), BBR_UNIT))
		bbr_reset_probe_bw_mode(bbr, sk);	/* queue is drained */
}

static inline void bbr_check_probe_rtt_done(struct bbr_state *bbr, struct bbr_sock *sk)
{
	if (!(bbr->probe_rtt_done_stamp && after(sk->jiffies, bbr->probe_rtt_done_stamp)))
		return;

	bbr->min_rtt_stamp = sk->jiffies;	/* wait a while until PROBE_RTT */
	sk->cwnd = cc_max_u32(sk->cwnd, bbr->prior_cwnd);
	bbr_reset_mode(bbr, sk);
}

/*
 * The min_rtt filter (10 s) and PROBE_RTT: when the estimate expires, cap
 * cwnd at 4 packets for max(200 ms, one round) to re-measure the
 * propagation delay, then return to the previous mode.
 */
static inline void bbr_update_min_rtt(struct bbr_state *bbr, struct bbr_sock *sk,
				      const struct bbr_rate_sample *rs)
{
	bool filter_expired;

	/* Track min RTT seen in the min_rtt_win_sec filter window. */
	filter_expired = after(sk->jiffies, bbr->min_rtt_stamp + bbr_min_rtt_win_sec * sk->hz);
	if (rs->rtt_us >= 0 &&
	    (rs->rtt_us < bbr->min_rtt_us || (filter_expired && !rs->is_ack_delayed))) {
		bbr->min_rtt_us = (__u32)rs->rtt_us;
		bbr->min_rtt_stamp = sk->jiffies;
	}

	if (bbr_probe_rtt_mode_ms > 0 && filter_expired &&
	    !bbr->idle_restart && bbr->mode != BBR_MODE_PROBE_RTT) {
		bbr->mode = BBR_MODE_PROBE_RTT;	/* dip, drain queue */
		bbr_save_cwnd(bbr, sk);		/* note cwnd so we can restore it */
		bbr->probe_rtt_done_stamp = 0;
	}

	if (bbr->mode == BBR_MODE_PROBE_RTT) {
		/* Ignore low rate samples during this mode. */
		sk->app_limited = (sk->delivered + sk->in_flight) ? : 1;
		/* Maintain min packets in flight for max(200 ms, 1 round). */
		if (!bbr->probe_rtt_done_stamp && sk->in_flight <= bbr_cwnd_min_target) {
			bbr->probe_rtt_done_stamp = sk->jiffies +
				bpftcp_msecs_to_jiffies(bbr_probe_rtt_mode_ms, sk->hz);
			bbr->probe_rtt_round_done = 0;
			bbr->next_rtt_delivered = sk->delivered;
		} else if (bbr->probe_rtt_done_stamp) {
			if (bbr->round_start)
				bbr->probe_rtt_round_done = 1;
			if (bbr->probe_rtt_round_done)
				bbr_check_probe_rtt_done(bbr, sk);
		}
	}
	/* Restart after idle ends only once we process a new S/ACK for data. */
	if (rs->delivered > 0)
		bbr->idle_restart = 0;
}

static inline void bbr_update_gains(struct bbr_state *bbr)
{
	switch (bbr->mode) {
	case BBR_MODE_STARTUP:
		bbr->pacing_gain = bbr_high_gain;
		bbr->cwnd_gain = bbr_high_gain;
		break;
	case BBR_MODE_DRAIN:
		bbr->pacing_gain = bbr_drain_gain;	/* slow, to drain */
		bbr->cwnd_gain = bbr_high_gain;		/* keep cwnd */
		break;
	case BBR_MODE_PROBE_BW:
		bbr->pacing_gain = bbr->lt_use_bw ? BBR_UNIT :
				   bbr_cycle_pacing_gain(bbr->cycle_idx);
		bbr->cwnd_gain = bbr_cwnd_gain;
		break;
	case BBR_MODE_PROBE_RTT:
		bbr->pacing_gain = BBR_UNIT;
		bbr->cwnd_gain = BBR_UNIT;
		break;
	}
}

static inline void bbr_update_model(struct bbr_state *bbr, struct bbr_sock *sk,
				    const struct bbr_rate_sample *rs)
{
	bbr_update_bw(bbr, sk, rs);
	bbr_update_ack_aggregation(bbr, sk, rs);
	bbr_update_cycle_phase(bbr, sk, rs);
	bbr_check_full_bw_reached(bbr, rs);
	bbr_check_drain(bbr, sk, rs);
	bbr_update_min_rtt(bbr, sk, rs);
	bbr_update_gains(bbr);
}

/* --- the callbacks ------------------------------------------------------ */

/* bbr_main(), the cong_control callback: one rate sample. */
static inline void bbr_on_ack(struct bbr_state *bbr, struct bbr_sock *sk,
			      const struct bbr_rate_sample *rs)
{
	__u32 bw;

	bbr_update_model(bbr, sk, rs);

	bw = bbr_bw(bbr);
	bbr_set_pacing_rate(bbr, sk, bw, bbr->pacing_gain);
	bbr_set_cwnd(bbr, sk, rs, rs->acked_sacked, bw, bbr->cwnd_gain);
}

/* bbr_init(), but for the SK_PACING_NEEDED cmpxchg, which the caller does. */
static inline void bbr_on_init(struct bbr_state *bbr, struct bbr_sock *sk)
{
	bbr->prior_cwnd = 0;
	sk->ssthresh = TCP_INFINITE_SSTHRESH;
	bbr->rtt_cnt = 0;
	bbr->next_rtt_delivered = 0;
	bbr->prev_ca_state = BPFTCP_CA_STATE_OPEN;
	bbr->packet_conservation = 0;

	bbr->probe_rtt_done_stamp = 0;
	bbr->probe_rtt_round_done = 0;
	bbr->min_rtt_us = sk->tcp_min_rtt;
	bbr->min_rtt_stamp = sk->jiffies;

	bbr_minmax_reset(&bbr->bw, bbr->rtt_cnt, 0);	/* init max bw to 0 */

	bbr->has_seen_rtt = 0;
	bbr_init_pacing_rate_from_rtt(bbr, sk);

	bbr->round_start = 0;
	bbr->idle_restart = 0;
	bbr->full_bw_reached = 0;
	bbr->full_bw = 0;
	bbr->full_bw_cnt = 0;
	bbr->cycle_mstamp = 0;
	bbr->cycle_idx = 0;
	bbr_reset_lt_bw_sampling(bbr, sk);
	bbr_reset_startup_mode(bbr);

	bbr->ack_epoch_mstamp = sk->tcp_mstamp;
	bbr->ack_epoch_acked = 0;
	bbr->extra_acked_win_rtts = 0;
	bbr->extra_acked_win_idx = 0;
	bbr->extra_acked[0] = 0;
	bbr->extra_acked[1] = 0;
}

/* bbr_cwnd_event(CA_EVENT_TX_START) when tp->app_limited: restart after
 * idle; pace at the estimated bw if we don't need more speed. */
static inline void bbr_on_tx_start(struct bbr_state *bbr, struct bbr_sock *sk)
{
	bbr->idle_restart = 1;
	bbr->ack_epoch_mstamp = sk->tcp_mstamp;
	bbr->ack_epoch_acked = 0;
	if (bbr->mode == BBR_MODE_PROBE_BW)
		bbr_set_pacing_rate(bbr, sk, bbr_bw(bbr), BBR_UNIT);
	else if (bbr->mode == BBR_MODE_PROBE_RTT)
		bbr_check_probe_rtt_done(bbr, sk);
}

/* bbr_undo_cwnd(): a spurious slow-down; reset full pipe detection.
 * Returns the cwnd to keep. */
static inline __u32 bbr_on_undo(struct bbr_state *bbr, const struct bbr_sock *sk)
{
	bbr->full_bw = 0;
	bbr->full_bw_cnt = 0;
	bbr_reset_lt_bw_sampling(bbr, sk);
	return sk->cwnd;
}

/* bbr_ssthresh(): entering loss recovery, save cwnd for when we exit or undo
 * it; ssthresh stays. */
static inline __u32 bbr_on_ssthresh(struct bbr_state *bbr, const struct bbr_sock *sk)
{
	bbr_save_cwnd(bbr, sk);
	return sk->ssthresh;
}

/* bbr_set_state(TCP_CA_Loss): treat the RTO like the end of a round with a
 * loss. */
static inline void bbr_on_loss_state(struct bbr_state *bbr, struct bbr_sock *sk)
{
	struct bbr_rate_sample rs = { .losses = 1 };

	bbr->prev_ca_state = BPFTCP_CA_STATE_LOSS;
	bbr->full_bw = 0;
	bbr->round_start = 1;
	bbr_lt_bw_sampling(bbr, sk, &rs);
}

#endif /* BPFTCP_BBR_H */
