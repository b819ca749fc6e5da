/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * TCP-Illinois' state and arithmetic, shared by cc/illinois.bpf.c and the
 * host unit tests (selftests/test_illinois_math.c).  Ported from
 * net/ipv4/tcp_illinois.c (Linux 6.x); names follow that file.  Nothing here
 * touches a socket: callers pass cwnd, RTT samples and tunables in.
 *
 * Illinois is AIMD with a variable increase alpha (per RTT, in packets) and
 * decrease beta, both functions of the average queueing delay da relative to
 * the maximum seen dm:
 *   alpha = 10 when da <= dm/100, falling as k1 / (k2 + da) to 0.3 at dm;
 *   beta = 1/8 when da <= dm/10, rising linearly to 1/2 at 8 dm / 10.
 */
#ifndef BPFTCP_ILLINOIS_H
#define BPFTCP_ILLINOIS_H

#include "bpftcp/cc_common.h"

#define ALPHA_SHIFT	7
#define ALPHA_SCALE	(1u << ALPHA_SHIFT)
#define ALPHA_MIN	((3 * ALPHA_SCALE) / 10)	/* ~0.3 */
#define ALPHA_MAX	(10 * ALPHA_SCALE)		/* 10.0 */
#define ALPHA_BASE	ALPHA_SCALE			/* 1.0 */
#define RTT_MAX		(0xffffffffu / ALPHA_MAX)	/* 3.3 secs */

#define BETA_SHIFT	6
#define BETA_SCALE	(1u << BETA_SHIFT)
#define BETA_MIN	(BETA_SCALE / 8)		/* 0.125 */
#define BETA_MAX	(BETA_SCALE / 2)		/* 0.5 */
#define BETA_BASE	BETA_MAX

/* Module parameters of tcp_illinois.c, with the kernel's defaults. */
struct illinois_params {
	__u32 win_thresh;	/* 15: below this window, alpha/beta as Reno */
	__u32 theta;		/* 5: fast RTTs before alpha may jump to max */
};

#define ILLINOIS_PARAMS_DEFAULT { .win_thresh = 15, .theta = 5 }

/* struct illinois of tcp_illinois.c: lives in icsk_ca_priv. */
struct illinois_state {
	__u64 sum_rtt;		/* sum of rtt's measured within last rtt */
	__u16 cnt_rtt;		/* # of rtts measured within last rtt */
	__u32 base_rtt;		/* min of all rtt in usec */
	__u32 max_rtt;		/* max of all rtt in usec */
	__u32 end_seq;		/* right edge of current RTT */
	__u32 alpha;		/* additive increase, << ALPHA_SHIFT */
	__u32 beta;		/* multiplicative decrease, << BETA_SHIFT */
	__u16 acked;		/* # packets acked by current ACK */
	__u8 rtt_above;		/* average rtt has gone above threshold */
	__u8 rtt_low;		/* # of rtts measurements below threshold */
};

BPFTCP_CA_PRIV_ASSERT(struct illinois_state);

/* rtt_reset(): start a new RTT round ending at @snd_nxt. */
static inline void illinois_rtt_reset(struct illinois_state *ca, __u32 snd_nxt)
{
	ca->end_seq = snd_nxt;
	ca->cnt_rtt = 0;
	ca->sum_rtt = 0;
}

/* tcp_illinois_init() */
static inline void illinois_init(struct illinois_state *ca, __u32 snd_nxt)
{
	ca->alpha = ALPHA_MAX;
	ca->beta = BETA_BASE;
	ca->base_rtt = 0x7fffffff;
	ca->max_rtt = 0;

	ca->acked = 0;
	ca->rtt_low = 0;
	ca->rtt_above = 0;

	illinois_rtt_reset(ca, snd_nxt);
}

/* tcp_illinois_acked(): one RTT sample (rtt_us < 0: none, a dup ACK). */
static inline void illinois_acked(struct illinois_state *ca, __u32 pkts_acked,
				  __s32 rtt_us)
{
	ca->acked = pkts_acked;

	/* dup ack, no rtt sample */
	if (rtt_us < 0)
		return;

	/* ignore bogus values, this prevents wraparound in alpha math */
	if ((__u32)rtt_us > RTT_MAX)
		rtt_us = RTT_MAX;

	/* keep track of minimum RTT seen so far */
	if (ca->base_rtt > (__u32)rtt_us)
		ca->base_rtt = rtt_us;

	/* and max */
	if (ca->max_rtt < (__u32)rtt_us)
		ca->max_rtt = rtt_us;

	++ca->cnt_rtt;
	ca->sum_rtt += rtt_us;
}

/* max_delay(): maximum queueing delay */
static inline __u32 illinois_max_delay(const struct illinois_state *ca)
{
	return ca->max_rtt - ca->base_rtt;
}

/* avg_delay(): average queueing delay; cnt_rtt must not be 0. */
static inline __u32 illinois_avg_delay(const struct illinois_state *ca)
{
	__u64 t = ca->sum_rtt / ca->cnt_rtt;

	return t - ca->base_rtt;
}

/*
 * alpha(): the additive increase.  Small delay: the maximum (10), but only
 * after theta RTTs in the low-delay zone once it has been left, so one good
 * RTT cannot cause a sudden increase.  Otherwise, from
 *   k1 = (dm - d1) amin amax / (amax - amin)
 *   k2 = (dm - d1) amin / (amax - amin) - d1
 *   alpha = k1 / (k2 + da)
 * which gives a convex window growth curve.
 */
static inline __u32 illinois_alpha(struct illinois_state *ca, __u32 da, __u32 dm,
				   const struct illinois_params *p)
{
	__u32 d1 = dm / 100;	/* Low threshold */

	if (da <= d1) {
		/* If never got out of low delay zone, then use max */
		if (!ca->rtt_above)
			return ALPHA_MAX;

		/* Wait for theta good RTTs before allowing alpha max. */
		if (++ca->rtt_low < p->theta)
			return ca->alpha;

		ca->rtt_low = 0;
		ca->rtt_above = 0;
		return ALPHA_MAX;
	}

	ca->rtt_above = 1;

	dm -= d1;
	da -= d1;
	return (dm * ALPHA_MAX) / (dm + (da * (ALPHA_MAX - ALPHA_MIN)) / ALPHA_MIN);
}

/*
 * beta(): the multiplicative decrease.  1/8 when da <= dm/10, 1/2 when
 * da >= 8 dm / 10, and in between linear: b = k3 + k4 da with
 *   k3 = (bmin d3 - bmax d2) / (d3 - d2),  k4 = (bmax - bmin) / (d3 - d2)
 */
static inline __u32 illinois_beta(__u32 da, __u32 dm)
{
	__u32 d2, d3;

	d2 = dm / 10;
	if (da <= d2)
		return BETA_MIN;

	d3 = (8 * dm) / 10;
	if (da >= d3 || d3 <= d2)
		return BETA_MAX;

	return (BETA_MIN * d3 - BETA_MAX * d2 + (BETA_MAX - BETA_MIN) * da) / (d3 - d2);
}

/* update_params(): once per RTT. */
static inline void illinois_update_params(struct illinois_state *ca, __u32 cwnd,
					  __u32 snd_nxt, const struct illinois_params *p)
{
	if (cwnd < p->win_thresh) {
		ca->alpha = ALPHA_BASE;
		ca->beta = BETA_BASE;
	} else if (ca->cnt_rtt > 0) {
		__u32 dm = illinois_max_delay(ca);
		__u32 da = illinois_avg_delay(ca);

		ca->alpha = illinois_alpha(ca, da, dm, p);
		ca->beta = illinois_beta(da, dm);
	}

	illinois_rtt_reset(ca, snd_nxt);
}

/* tcp_illinois_state() for TCP_CA_Loss: back to Reno's values. */
static inline void illinois_loss(struct illinois_state *ca, __u32 snd_nxt)
{
	ca->alpha = ALPHA_BASE;
	ca->beta = BETA_BASE;
	ca->rtt_low = 0;
	ca->rtt_above = 0;
	illinois_rtt_reset(ca, snd_nxt);
}

/*
 * The congestion-avoidance step of tcp_illinois_cong_avoid(), a close
 * approximation of cwnd += alpha / cwnd per packet: *cwnd_cnt counts packets
 * since the last increment.
 */
static inline void illinois_increase(struct illinois_state *ca, __u32 *cwnd,
				     __u32 *cwnd_cnt, __u32 cwnd_clamp)
{
	__u32 delta;

	*cwnd_cnt += ca->acked;
	ca->acked = 1;

	delta = (*cwnd_cnt * ca->alpha) >> ALPHA_SHIFT;
	if (delta >= *cwnd) {
		*cwnd = cc_min_u32(*cwnd + delta / *cwnd, cwnd_clamp);
		*cwnd_cnt = 0;
	}
}

/* tcp_illinois_ssthresh(): multiplicative decrease by beta. */
static inline __u32 illinois_ssthresh(const struct illinois_state *ca, __u32 cwnd)
{
	return cc_max_u32(cwnd - ((cwnd * ca->beta) >> BETA_SHIFT), 2U);
}

#endif /* BPFTCP_ILLINOIS_H */
