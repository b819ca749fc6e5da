/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * BIC-TCP's state and arithmetic, shared by cc/bic.bpf.c and the host unit
 * tests (selftests/test_bic_math.c).  Ported from net/ipv4/tcp_bic.c
 * (Linux 6.x); names follow that file.  Nothing here touches a socket:
 * callers pass cwnd, the jiffies clock and HZ in.
 */
#ifndef BPFTCP_BIC_H
#define BPFTCP_BIC_H

#include "bpftcp/cc_common.h"

#define BICTCP_BETA_SCALE	1024	/* scale factor for beta */
#define BICTCP_B		4	/* binary search goes to (max+min)/B */
#define ACK_RATIO_SHIFT		4	/* delayed_ack is packets/ACK << 4 */

/* Module parameters of tcp_bic.c, with the kernel's defaults. */
struct bic_params {
	bool fast_convergence;	/* 1 */
	__u32 max_increment;	/* 16: cap on the per-RTT increment */
	__u32 low_window;	/* 14: below this BIC behaves as Reno */
	__u32 beta;		/* 819 = 819/1024 kept on loss */
	__u32 smooth_part;	/* 20: RTTs from W_max - B to W_max */
};

#define BIC_PARAMS_DEFAULT { .fast_convergence = true, .max_increment = 16, \
			     .low_window = 14, .beta = 819, .smooth_part = 20 }

/* struct bictcp of tcp_bic.c: lives in icsk_ca_priv. */
struct bic_state {
	__u32 cnt;		/* increase cwnd by 1 after this many ACKs */
	__u32 last_max_cwnd;	/* last maximum snd_cwnd */
	__u32 last_cwnd;	/* the last snd_cwnd */
	__u32 last_time;	/* jiffies when last_cwnd was updated */
	__u32 epoch_start;	/* beginning of an epoch (jiffies) */
	__u32 delayed_ack;	/* estimated packets/ACK << ACK_RATIO_SHIFT */
};

BPFTCP_CA_PRIV_ASSERT(struct bic_state);

/* bictcp_reset() */
static inline void bic_reset(struct bic_state *ca)
{
	ca->cnt = 0;
	ca->last_max_cwnd = 0;
	ca->last_cwnd = 0;
	ca->last_time = 0;
	ca->epoch_start = 0;
	ca->delayed_ack = 2 << ACK_RATIO_SHIFT;
}

/*
 * bictcp_update(): ca->cnt, the ACKs needed per +1 of cwnd.  Below W_max the
 * window moves by a binary search towards it (at most max_increment per RTT,
 * smoothly near it); above W_max it probes slowly, then linearly.  @now is
 * tcp_jiffies32.
 */
static inline void bic_update(struct bic_state *ca, __u32 cwnd, __u32 now,
			      __u32 hz, const struct bic_params *p)
{
	if (ca->last_cwnd == cwnd && (__s32)(now - ca->last_time) <= (__s32)(hz / 32))
		return;

	ca->last_cwnd = cwnd;
	ca->last_time = now;

	if (ca->epoch_start == 0)	/* record the beginning of an epoch */
		ca->epoch_start = now;

	/* start off normal */
	if (cwnd <= p->low_window) {
		ca->cnt = cwnd;
		return;
	}

	/* binary increase */
	if (cwnd < ca->last_max_cwnd) {
		__u32 dist = (ca->last_max_cwnd - cwnd) / BICTCP_B;

		if (dist > p->max_increment)
			ca->cnt = cwnd / p->max_increment;	/* linear increase */
		else if (dist <= 1U)
			ca->cnt = (cwnd * p->smooth_part) / BICTCP_B;
		else
			ca->cnt = cwnd / dist;		/* binary search */
	} else {
		/* slow start AMD linear increase */
		if (cwnd < ca->last_max_cwnd + BICTCP_B)
			ca->cnt = (cwnd * p->smooth_part) / BICTCP_B;
		else if (cwnd < ca->last_max_cwnd + p->max_increment * (BICTCP_B - 1))
			ca->cnt = (cwnd * (BICTCP_B - 1)) / (cwnd - ca->last_max_cwnd);
		else
			ca->cnt = cwnd / p->max_increment;	/* linear increase */
	}

	/* if in slow start or link utilization is very low */
	if (ca->last_max_cwnd == 0) {
		if (ca->cnt > 20)	/* increase cwnd 5% per RTT */
			ca->cnt = 20;
	}

	/* Scale by the delayed-ACK ratio: each ACK covers that many packets.
	 * delayed_ack never reaches 0 (bic_acked() keeps it >= 15). */
	ca->cnt = (ca->cnt << ACK_RATIO_SHIFT) / ca->delayed_ack;
	if (ca->cnt == 0)	/* cannot be zero */
		ca->cnt = 1;
}

/* bictcp_recalc_ssthresh(): W_max with fast convergence, new ssthresh. */
static inline __u32 bic_recalc_ssthresh(struct bic_state *ca, __u32 cwnd,
					const struct bic_params *p)
{
	ca->epoch_start = 0;	/* end of epoch */

	/* Wmax and fast convergence */
	if (cwnd < ca->last_max_cwnd && p->fast_convergence)
		ca->last_max_cwnd = (cwnd * (BICTCP_BETA_SCALE + p->beta)) /
				    (2 * BICTCP_BETA_SCALE);
	else
		ca->last_max_cwnd = cwnd;

	if (cwnd <= p->low_window)
		return cc_max_u32(cwnd >> 1U, 2U);
	return cc_max_u32((cwnd * p->beta) / BICTCP_BETA_SCALE, 2U);
}

/* bictcp_acked(): delayed_ack = 15/16 delayed_ack + 1/16 pkts_acked (<< 4);
 * the caller applies it only in TCP_CA_Open. */
static inline void bic_acked(struct bic_state *ca, __u32 pkts_acked)
{
	ca->delayed_ack += pkts_acked - (ca->delayed_ack >> ACK_RATIO_SHIFT);
}

#endif /* BPFTCP_BIC_H */
