/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * H-TCP's state and arithmetic, shared by cc/htcp.bpf.c and the host tests
 * (selftests/test_htcp_math.c).  Ported from net/ipv4/tcp_htcp.c (Linux
 * 6.x); names follow that file.  Nothing here touches a socket: callers pass
 * the jiffies clock, HZ, the CA state and a copy of the window in.  Times are
 * in jiffies; alpha and beta are fixed point with 7 fractional bits.
 */
#ifndef BPFTCP_HTCP_H
#define BPFTCP_HTCP_H

#ifndef __bpf__
#include <linux/types.h>
#include <stdbool.h>
#endif
#include "bpftcp/cc_common.h"
#include "bpftcp/reno.h"

#define HTCP_ALPHA_BASE	(1 << 7)	/* 1.0 with shift << 7 */
#define HTCP_BETA_MIN	(1 << 6)	/* 0.5 with shift << 7 */
#define HTCP_BETA_MAX	102		/* 0.8 with shift << 7 */

/* Module parameters of tcp_htcp.c (ints there), with the kernel's defaults. */
struct htcp_params {
	int use_rtt_scaling;		/* 1: scale alpha with the RTT */
	int use_bandwidth_switch;	/* 1: fall back to beta 0.5 on bandwidth change */
};

#define HTCP_PARAMS_DEFAULT { .use_rtt_scaling = 1, .use_bandwidth_switch = 1 }

/* struct htcp of tcp_htcp.c. */
struct htcp_state {
	__u32 alpha;		/* Fixed point arith, << 7 */
	__u8 beta;		/* Fixed point arith, << 7 */
	__u8 modeswitch;	/* Delay modeswitch until we had at least one congestion event */
	__u16 pkts_acked;
	__u32 packetcount;
	__u32 minRTT;
	__u32 maxRTT;
	__u32 last_cong;	/* Time since last congestion event end */
	__u32 undo_last_cong;

	__u32 undo_maxRTT;
	__u32 undo_old_maxB;

	/* Bandwidth estimation */
	__u32 minB;
	__u32 maxB;
	__u32 old_maxB;
	__u32 Bi;
	__u32 lasttime;
};
BPFTCP_CA_PRIV_ASSERT(struct htcp_state);

/* between() of include/net/tcp.h: is seq2 <= seq1 <= seq3, modulo 2^32? */
static inline bool htcp_between(__u32 seq1, __u32 seq2, __u32 seq3)
{
	return seq3 - seq2 >= seq1 - seq2;
}

/* htcp_cong_time(): jiffies since the last congestion event. */
static inline __u32 htcp_cong_time(const struct htcp_state *ca, __u32 now)
{
	return now - ca->last_cong;
}

/* htcp_ccount(): RTTs since the last congestion event (minRTT > 0). */
static inline __u32 htcp_ccount(const struct htcp_state *ca, __u32 now)
{
	return htcp_cong_time(ca, now) / ca->minRTT;
}

/* htcp_reset(): a congestion event starts now; keep what undo needs. */
static inline void htcp_reset(struct htcp_state *ca, __u32 now)
{
	ca->undo_last_cong = ca->last_cong;
	ca->undo_maxRTT = ca->maxRTT;
	ca->undo_old_maxB = ca->old_maxB;

	ca->last_cong = now;
}

/* The state part of htcp_cwnd_undo(): the congestion event did not happen. */
static inline void htcp_undo(struct htcp_state *ca)
{
	if (ca->undo_last_cong) {
		ca->last_cong = ca->undo_last_cong;
		ca->maxRTT = ca->undo_maxRTT;
		ca->old_maxB = ca->undo_old_maxB;
		ca->undo_last_cong = 0;
	}
}

/* measure_rtt(): @srtt is one RTT sample in jiffies (not smoothed). */
static inline void htcp_measure_rtt(struct htcp_state *ca, __u32 srtt, bool ca_open, __u32 hz)
{
	/* keep track of minimum RTT seen so far, minRTT is zero at first */
	if (ca->minRTT > srtt || !ca->minRTT)
		ca->minRTT = srtt;

	/* max RTT, only from the Open state, in steps of at most 20 ms */
	if (ca_open) {
		if (ca->maxRTT < ca->minRTT)
			ca->maxRTT = ca->minRTT;
		if (ca->maxRTT < srtt && srtt <= ca->maxRTT + bpftcp_msecs_to_jiffies(20, hz))
			ca->maxRTT = srtt;
	}
}

/*
 * measure_achieved_throughput(), the pkts_acked callback: the RTT sample,
 * and (with use_bandwidth_switch) the achieved throughput Bi in packets per
 * second, measured over at least minRTT and about a window of packets, and
 * smoothed 3/4 except just after a backoff.  @ca_open / @ca_open_or_disorder
 * describe icsk_ca_state.
 */
static inline void htcp_measure_achieved_throughput(struct htcp_state *ca, __u32 pkts_acked,
						    __s32 rtt_us, bool ca_open,
						    bool ca_open_or_disorder, __u32 cwnd,
						    __u32 now, __u32 hz,
						    const struct htcp_params *p)
{
	__u32 alpha_pkts;

	if (ca_open)
		ca->pkts_acked = pkts_acked;

	if (rtt_us > 0)
		htcp_measure_rtt(ca, bpftcp_usecs_to_jiffies(rtt_us, hz), ca_open, hz);

	if (!p->use_bandwidth_switch)
		return;

	/* achieved throughput calculations */
	if (!ca_open_or_disorder) {
		ca->packetcount = 0;
		ca->lasttime = now;
		return;
	}

	ca->packetcount += pkts_acked;

	alpha_pkts = ca->alpha >> 7 ? ca->alpha >> 7 : 1;
	if (ca->packetcount >= cwnd - alpha_pkts &&
	    now - ca->lasttime >= ca->minRTT &&
	    ca->minRTT > 0) {
		__u32 cur_Bi = ca->packetcount * hz / (now - ca->lasttime);

		if (htcp_ccount(ca, now) <= 3) {
			/* just after backoff */
			ca->minB = ca->maxB = ca->Bi = cur_Bi;
		} else {
			ca->Bi = (3 * ca->Bi + cur_Bi) / 4;
			if (ca->Bi > ca->maxB)
				ca->maxB = ca->Bi;
			if (ca->minB > ca->maxB)
				ca->minB = ca->maxB;
		}
		ca->packetcount = 0;
		ca->lasttime = now;
	}
}

/*
 * htcp_beta_update(): the backoff factor.  Adaptive beta = minRTT / maxRTT
 * in [0.5, 0.8], which empties the queue on a backoff; 0.5 after the first
 * congestion event, for RTTs of 10 ms or less, and (bandwidth switch) when
 * the maximum throughput changed by more than 20% since the last event.
 */
static inline void htcp_beta_update(struct htcp_state *ca, __u32 minRTT, __u32 maxRTT,
				    __u32 hz, const struct htcp_params *p)
{
	if (p->use_bandwidth_switch) {
		__u32 maxB = ca->maxB;
		__u32 old_maxB = ca->old_maxB;

		ca->old_maxB = ca->maxB;
		if (!htcp_between(5 * maxB, 4 * old_maxB, 6 * old_maxB)) {
			ca->beta = HTCP_BETA_MIN;
			ca->modeswitch = 0;
			return;
		}
	}

	if (ca->modeswitch && minRTT > bpftcp_msecs_to_jiffies(10, hz) && maxRTT) {
		ca->beta = (minRTT << 7) / maxRTT;	/* stored as u8, as in Linux */
		if (ca->beta < HTCP_BETA_MIN)
			ca->beta = HTCP_BETA_MIN;
		else if (ca->beta > HTCP_BETA_MAX)
			ca->beta = HTCP_BETA_MAX;
	} else {
		ca->beta = HTCP_BETA_MIN;
		ca->modeswitch = 1;
	}
}

/*
 * htcp_alpha_update(): the increase per RTT, growing with the time since the
 * last congestion event (after the first second, 1 + 10 d + (d/2)^2 for d
 * seconds), times 2 (1 - beta) for fairness with Reno at the same beta,
 * optionally scaled by minRTT / 100 ms (clamped to [0.1, 2]) so that flows
 * with different RTTs get the same rate growth.
 */
static inline void htcp_alpha_update(struct htcp_state *ca, __u32 now, __u32 hz,
				     const struct htcp_params *p)
{
	__u32 minRTT = ca->minRTT;
	__u32 factor = 1;
	__u32 diff = htcp_cong_time(ca, now);

	if (diff > hz) {
		diff -= hz;
		factor = 1 + (10 * diff + ((diff / 2) * (diff / 2) / hz)) / hz;
	}

	if (p->use_rtt_scaling && minRTT) {
		__u32 scale = (hz << 3) / (10 * minRTT);

		/* clamping ratio to interval [0.5,10]<<3 */
		scale = scale > (1U << 2) ? scale : (1U << 2);
		scale = scale < (10U << 3) ? scale : (10U << 3);
		factor = (factor << 3) / scale;
		if (!factor)
			factor = 1;
	}

	ca->alpha = 2 * factor * ((1 << 7) - ca->beta);
	if (!ca->alpha)
		ca->alpha = HTCP_ALPHA_BASE;
}

/*
 * htcp_param_update(): at a congestion event (only then is maxRTT, with the
 * queues full, meaningful), new beta and alpha, and a slowly fading memory
 * for maxRTT to follow routing changes.
 */
static inline void htcp_param_update(struct htcp_state *ca, __u32 now, __u32 hz,
				     const struct htcp_params *p)
{
	__u32 minRTT = ca->minRTT;
	__u32 maxRTT = ca->maxRTT;

	htcp_beta_update(ca, minRTT, maxRTT, hz, p);
	htcp_alpha_update(ca, now, hz, p);

	if (minRTT > 0 && maxRTT > minRTT)
		ca->maxRTT = minRTT + ((maxRTT - minRTT) * 95) / 100;
}

/* htcp_recalc_ssthresh() */
static inline __u32 htcp_recalc_ssthresh(struct htcp_state *ca, __u32 cwnd, __u32 now,
					 __u32 hz, const struct htcp_params *p)
{
	__u32 ssthresh;

	htcp_param_update(ca, now, hz, p);
	ssthresh = (cwnd * ca->beta) >> 7;
	return ssthresh > 2 ? ssthresh : 2;
}

/*
 * The congestion-avoidance branch of htcp_cong_avoid(): in theory
 * cwnd += alpha / cwnd per ACK, counted in cwnd_cnt.
 */
static inline void htcp_cong_avoid_ai(struct htcp_state *ca, struct cc_window *w, __u32 now,
				      __u32 hz, const struct htcp_params *p)
{
	if ((w->cwnd_cnt * ca->alpha) >> 7 >= w->cwnd) {
		if (w->cwnd < w->cwnd_clamp)
			w->cwnd++;
		w->cwnd_cnt = 0;
		htcp_alpha_update(ca, now, hz, p);
	} else {
		w->cwnd_cnt += ca->pkts_acked;
	}

	ca->pkts_acked = 1;
}

/* htcp_init() */
static inline void htcp_init(struct htcp_state *ca, __u32 now)
{
	__builtin_memset(ca, 0, sizeof(*ca));
	ca->alpha = HTCP_ALPHA_BASE;
	ca->beta = HTCP_BETA_MIN;
	ca->pkts_acked = 1;
	ca->last_cong = now;
}

/*
 * htcp_state(): entering CWR, Recovery or Loss starts a congestion epoch;
 * back to Open after an undone one restarts the clock.
 */
static inline void htcp_set_state(struct htcp_state *ca, bool to_open, bool to_reduction,
				  __u32 now)
{
	if (to_open) {
		if (ca->undo_last_cong) {
			ca->last_cong = now;
			ca->undo_last_cong = 0;
		}
	} else if (to_reduction) {
		htcp_reset(ca, now);
	}
}

#endif /* BPFTCP_HTCP_H */
