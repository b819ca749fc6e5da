/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * TCP Veno's state and arithmetic, shared by cc/veno.bpf.c and the host unit
 * tests (selftests/test_veno_math.c).  Ported from net/ipv4/tcp_veno.c
 * (Linux 6.x); names follow that file.  Nothing here touches a socket.
 *
 * Veno estimates the backlog N = cwnd (RTT - BaseRTT) / RTT, kept as
 * diff = 2 cwnd - 2 cwnd BaseRTT / RTT (one fractional bit), and compares it
 * with beta = 3 packets: below it the path is "non-congestive" (Reno growth;
 * a loss is taken as random and cuts cwnd by 1/5 only), at or above it the
 * path is "congestive" (grow every other RTT; a loss halves cwnd).
 */
#ifndef BPFTCP_VENO_H
#define BPFTCP_VENO_H

#include "bpftcp/cc_common.h"

/* Veno's parameters in fixed point with V_PARAM_SHIFT fractional bits. */
#define V_PARAM_SHIFT	1
#define VENO_BETA	(3 << V_PARAM_SHIFT)	/* backlog threshold, packets */

/* struct veno of tcp_veno.c: lives in icsk_ca_priv. */
struct veno_state {
	__u8 doing_veno_now;	/* if true, do veno for this rtt */
	__u16 cntrtt;		/* # of rtts measured within last rtt */
	__u32 minrtt;		/* min of rtts measured within last rtt (in usec) */
	__u32 basertt;		/* the min of all Veno rtt measurements seen (in usec) */
	__u32 inc;		/* decide whether to increase cwnd */
	__u32 diff;		/* calculate the diff rate */
};

BPFTCP_CA_PRIV_ASSERT(struct veno_state);

/* veno_enable(): (re)start Veno for this RTT. */
static inline void veno_enable(struct veno_state *veno)
{
	veno->doing_veno_now = 1;
	veno->minrtt = 0x7fffffff;
}

/* veno_disable() */
static inline void veno_disable(struct veno_state *veno)
{
	veno->doing_veno_now = 0;
}

/* tcp_veno_init(): also run on CA_EVENT_CWND_RESTART / CA_EVENT_TX_START. */
static inline void veno_init(struct veno_state *veno)
{
	veno->basertt = 0x7fffffff;
	veno->inc = 1;
	veno_enable(veno);
}

/* tcp_veno_pkts_acked(): one RTT sample; rtt_us < 0 means none. */
static inline void veno_pkts_acked(struct veno_state *veno, __s32 rtt_us)
{
	__u32 vrtt;

	if (rtt_us < 0)
		return;

	/* Never allow zero rtt or baseRTT */
	vrtt = rtt_us + 1;

	/* Filter to find propagation delay: */
	if (vrtt < veno->basertt)
		veno->basertt = vrtt;

	/* Find the min rtt during the last rtt to find
	 * the current prop. delay + queuing delay: */
	veno->minrtt = cc_min_u32(veno->minrtt, vrtt);
	veno->cntrtt++;
}

/*
 * The backlog estimate: diff = (cwnd << 1) - target, with
 * target = (cwnd * basertt << 1) / rtt the window that the base RTT would
 * carry at the current rate.  @rtt is the minimum RTT of the last round.
 */
static inline __u32 veno_diff(__u32 cwnd, __u32 basertt, __u32 rtt)
{
	__u64 target_cwnd;

	target_cwnd = (__u64)cwnd * basertt;
	target_cwnd <<= V_PARAM_SHIFT;
	target_cwnd /= rtt;

	return (cwnd << V_PARAM_SHIFT) - (__u32)target_cwnd;
}

/*
 * Congestion avoidance in the "congestive state": cwnd grows by one every
 * other RTT, with *cwnd_cnt counting ACKed packets and veno->inc alternating.
 * (The non-congestive state is plain tcp_cong_avoid_ai(tp, cwnd, acked).)
 */
static inline void veno_congestive_ai(struct veno_state *veno, __u32 *cwnd,
				      __u32 *cwnd_cnt, __u32 cwnd_clamp, __u32 acked)
{
	if (*cwnd_cnt >= *cwnd) {
		if (veno->inc && *cwnd < cwnd_clamp) {
			(*cwnd)++;
			veno->inc = 0;
		} else {
			veno->inc = 1;
		}
		*cwnd_cnt = 0;
	} else {
		*cwnd_cnt += acked;
	}
}

/* The bounds applied after each Veno step: 2 <= cwnd <= cwnd_clamp. */
static inline __u32 veno_bound_cwnd(__u32 cwnd, __u32 cwnd_clamp)
{
	if (cwnd < 2)
		return 2;
	if (cwnd > cwnd_clamp)
		return cwnd_clamp;
	return cwnd;
}

/* tcp_veno_ssthresh(): random loss (backlog < beta) cuts 1/5, else 1/2. */
static inline __u32 veno_ssthresh(const struct veno_state *veno, __u32 cwnd)
{
	if (veno->diff < VENO_BETA)
		return cc_max_u32(cwnd * 4 / 5, 2U);
	return cc_max_u32(cwnd >> 1U, 2U);
}

#endif /* BPFTCP_VENO_H */
