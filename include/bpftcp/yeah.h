/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * YeAH-TCP's state and arithmetic, shared by cc/yeah.bpf.c and the host unit
 * tests (selftests/test_yeah_math.c).  Ported from net/ipv4/tcp_yeah.c
 * (Linux 6.x); names follow that file.  The parts of tcp_vegas.c/.h that
 * YeAH reuses (struct vegas, RTT sampling, the enable/disable state machine)
 * come from include/bpftcp/vegas.h, as they do in the kernel.  Nothing here
 * touches a socket.
 *
 * YeAH runs Scalable TCP's fast increase while the estimated queue is small
 * (Q < 80 packets and queueing delay < BaseRTT/8), and Reno's otherwise;
 * a queue above 80 packets is drained by cutting cwnd by Q once per RTT
 * ("precautionary decongestion"), and a loss cuts cwnd by the last Q (at
 * least 1/8, at most 1/2) unless Reno flows compete (then by 1/2).
 */
#ifndef BPFTCP_YEAH_H
#define BPFTCP_YEAH_H

#include "bpftcp/cc_common.h"
#include "bpftcp/vegas.h"

#define TCP_YEAH_ALPHA		80	/* number of packets queued at the bottleneck */
#define TCP_YEAH_GAMMA		1	/* fraction of queue to be removed per rtt */
#define TCP_YEAH_DELTA		3	/* log minimum fraction of cwnd to be removed on loss */
#define TCP_YEAH_EPSILON	1	/* log maximum fraction to be removed on early decongestion */
#define TCP_YEAH_PHY		8	/* maximum delta from base */
#define TCP_YEAH_RHO		16	/* minimum number of consecutive rtt to consider competition on loss */
#define TCP_YEAH_ZETA		50	/* minimum number of state switches to reset reno_count */

#define TCP_YEAH_SCALABLE_AI_CNT 100U	/* tcp_yeah.c's TCP_SCALABLE_AI_CNT */

/* tcp_yeah_init() lowers snd_cwnd_clamp to this so that the arithmetic
 * cannot overflow. */
#define TCP_YEAH_CWND_MAX	(0xffffffffu / 128)

/* struct yeah of tcp_yeah.c: lives in icsk_ca_priv. */
struct yeah_state {
	struct vegas_state vegas;	/* must be first */

	__u32 lastQ;
	__u32 doing_reno_now;

	__u32 reno_count;
	__u32 fast_count;
};

BPFTCP_CA_PRIV_ASSERT(struct yeah_state);

/* tcp_yeah_init() after tcp_vegas_init(). */
static inline void yeah_init(struct yeah_state *yeah, __u32 snd_nxt)
{
	vegas_init(&yeah->vegas, snd_nxt);

	yeah->doing_reno_now = 0;
	yeah->lastQ = 0;

	yeah->reno_count = 2;
}

/* The "w" given to tcp_cong_avoid_ai(): Scalable's, or Reno's. */
static inline __u32 yeah_ai_cnt(const struct yeah_state *yeah, __u32 cwnd)
{
	if (!yeah->doing_reno_now)
		return cc_min_u32(cwnd, TCP_YEAH_SCALABLE_AI_CNT);	/* Scalable */
	return cwnd;							/* Reno */
}

/*
 * The once-per-RTT decision of tcp_yeah_cong_avoid(), given enough RTT
 * samples (cntRTT > 2): estimate the queue Q = cwnd (RTT - BaseRTT) / RTT
 * from the round's minimum RTT; if it is large (Q > ALPHA, or the queueing
 * delay is above BaseRTT / PHY) switch to Reno mode and, for Q > ALPHA,
 * drain it: cwnd -= min(Q / GAMMA, cwnd / 2), not below reno_count, and
 * ssthresh = cwnd.  Otherwise count a "fast" round.  Returns true when
 * *cwnd and *ssthresh were set.
 */
static inline bool yeah_rtt_decision(struct yeah_state *yeah, __u32 *cwnd,
				     __u32 *ssthresh)
{
	__u32 rtt, queue;
	__u64 bw;
	bool reduced = false;

	/* The min RTT seen during the last RTT: filters delayed ACKs. */
	rtt = yeah->vegas.minRTT;

	/* Excess packets above the bandwidth (a 64-bit product). */
	bw = *cwnd;
	bw *= rtt - yeah->vegas.baseRTT;
	bw /= rtt;
	queue = bw;

	if (queue > TCP_YEAH_ALPHA ||
	    rtt - yeah->vegas.baseRTT > (yeah->vegas.baseRTT / TCP_YEAH_PHY)) {
		if (queue > TCP_YEAH_ALPHA && *cwnd > yeah->reno_count) {
			__u32 reduction = cc_min_u32(queue / TCP_YEAH_GAMMA,
						     *cwnd >> TCP_YEAH_EPSILON);

			*cwnd -= reduction;
			*cwnd = cc_max_u32(*cwnd, yeah->reno_count);
			*ssthresh = *cwnd;
			reduced = true;
		}

		if (yeah->reno_count <= 2)
			yeah->reno_count = cc_max_u32(*cwnd >> 1, 2U);
		else
			yeah->reno_count++;

		yeah->doing_reno_now = cc_min_u32(yeah->doing_reno_now + 1, 0xffffffU);
	} else {
		yeah->fast_count++;

		if (yeah->fast_count > TCP_YEAH_ZETA) {
			yeah->reno_count = 2;
			yeah->fast_count = 0;
		}

		yeah->doing_reno_now = 0;
	}

	yeah->lastQ = queue;
	return reduced;
}

/* End of an RTT round: remember its extent and wipe the samples. */
static inline void yeah_next_round(struct yeah_state *yeah, __u32 snd_nxt, __u32 cwnd)
{
	yeah->vegas.beg_snd_una = yeah->vegas.beg_snd_nxt;
	yeah->vegas.beg_snd_nxt = snd_nxt;
	yeah->vegas.beg_snd_cwnd = cwnd;

	yeah->vegas.cntRTT = 0;
	yeah->vegas.minRTT = VEGAS_RTT_NONE;
}

/*
 * tcp_yeah_ssthresh(): without Reno competition (fewer than RHO Reno
 * rounds in a row) cut by the last queue estimate, between cwnd/8 and
 * cwnd/2; with it, halve.
 */
static inline __u32 yeah_ssthresh(struct yeah_state *yeah, __u32 cwnd)
{
	__u32 reduction;

	if (yeah->doing_reno_now < TCP_YEAH_RHO) {
		reduction = yeah->lastQ;

		reduction = cc_min_u32(reduction, cc_max_u32(cwnd >> 1, 2U));

		reduction = cc_max_u32(reduction, cwnd >> TCP_YEAH_DELTA);
	} else {
		reduction = cc_max_u32(cwnd >> 1, 2U);
	}

	yeah->fast_count = 0;
	yeah->reno_count = cc_max_u32(yeah->reno_count >> 1, 2U);

	/* max_t(int, ...): a reduction above cwnd (cwnd < 4) gives 2. */
	return (__s32)(cwnd - reduction) > 2 ? cwnd - reduction : 2;
}

#endif /* BPFTCP_YEAH_H */
