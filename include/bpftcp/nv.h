/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * TCP-NV's state and arithmetic, shared by cc/nv.bpf.c and the host unit
 * tests (selftests/test_nv_math.c).  Ported from net/ipv4/tcp_nv.c
 * (Linux 6.x); names follow that file.  Nothing here touches a socket: the
 * callers pass the ACK sample, sequence numbers, MSS, jiffies, a random
 * byte and a copy of cwnd/ssthresh in.
 *
 * NV (New Vegas) measures the delivery rate of each ACK (bytes newly
 * delivered / averaged RTT) and once per RTT compares cwnd with the window
 * that the best rate of the RTT needs at the minimum RTT, plus nv_pad
 * packets: above it (enough samples, enough RTTs) cwnd is cut by 30% of the
 * excess and growth stops; below it by nv_pad_buffer, growth resumes.  The
 * minimum RTT is re-learnt every ~nv_reset_period seconds.
 */
#ifndef BPFTCP_NV_H
#define BPFTCP_NV_H

#include "bpftcp/cc_common.h"

#define NV_INIT_RTT		0xffffffffu
#define NV_MIN_CWND		4
#define NV_MIN_CWND_GROW	2
#define NV_TSO_CWND_BOUND	80

/* Module parameters of tcp_nv.c (ints there), with the kernel's defaults. */
struct nv_params {
	int pad;			/* 10: max queued packets allowed in network */
	int pad_buffer;			/* 2: do not grow cwnd if this close to pad */
	int reset_period;		/* 5: seconds between min_rtt resets */
	int min_cwnd;			/* 2: no decrease below this without losses */
	int cong_dec_mult;		/* 38 = 30 * 128 / 100: decrease 30% of excess */
	int ssthresh_factor;		/* 8: on congestion ssthresh = this * max_win / 8 */
	int rtt_factor;			/* 128: RTT average, 1/2 old + 1/2 new */
	int loss_dec_factor;		/* 819: on loss keep 80% */
	int cwnd_growth_rate_neg;	/* 8 */
	int cwnd_growth_rate_pos;	/* 0: fixed like Reno */
	int dec_eval_min_calls;		/* 60 */
	int inc_eval_min_calls;		/* 20 */
	int ssthresh_eval_min_calls;	/* 30 */
	int stop_rtt_cnt;		/* 10 */
	int rtt_min_cnt;		/* 2 */
};

#define NV_PARAMS_DEFAULT {						\
	.pad = 10, .pad_buffer = 2, .reset_period = 5, .min_cwnd = 2,	\
	.cong_dec_mult = 30 * 128 / 100, .ssthresh_factor = 8,		\
	.rtt_factor = 128, .loss_dec_factor = 819,			\
	.cwnd_growth_rate_neg = 8, .cwnd_growth_rate_pos = 0,		\
	.dec_eval_min_calls = 60, .inc_eval_min_calls = 20,		\
	.ssthresh_eval_min_calls = 30, .stop_rtt_cnt = 10,		\
	.rtt_min_cnt = 2 }

/*
 * struct tcpnv of tcp_nv.c: lives in icsk_ca_priv.  The kernel packs the
 * three flags into one byte of bitfields; here they are whole bytes (the
 * struct still fits), which changes nothing but the layout.
 */
struct nv_state {
	__u64 nv_min_rtt_reset_jiffies;	/* when to switch to nv_min_rtt_new */
	__s8 cwnd_growth_factor;	/* < 0 => less than 1 packet/RTT */
	__u8 nv_allow_cwnd_growth;	/* whether cwnd can grow */
	__u8 nv_reset;			/* whether to reset values */
	__u8 nv_catchup;		/* growing because of a temporary decrease */
	__u8 nv_eval_call_cnt;		/* call count since last eval */
	__u8 nv_min_cwnd;		/* no CA decision below this cwnd; grows
					 * to cope with TSO, LRO, coalescing */
	__u8 nv_rtt_cnt;		/* RTTs without making ca decision */
	__u32 nv_last_rtt;		/* last rtt */
	__u32 nv_min_rtt;		/* active min rtt, to determine slope */
	__u32 nv_min_rtt_new;		/* min rtt for future use */
	__u32 nv_base_rtt;		/* if non-zero, the threshold for congestion */
	__u32 nv_lower_bound_rtt;	/* 80% of nv_base_rtt */
	__u32 nv_rtt_max_rate;		/* max rate seen during current RTT */
	__u32 nv_rtt_start_seq;		/* the RTT ends when snd_una passes it */
	__u32 nv_last_snd_una;		/* previous snd_una: bytes acked since */
	__u32 nv_no_cong_cnt;		/* consecutive no congestion decisions */
};

BPFTCP_CA_PRIV_ASSERT(struct nv_state);

/* time_after_eq() on the 64-bit jiffies clock */
static inline bool nv_time_after_eq(__u64 a, __u64 b)
{
	return (__s64)(a - b) >= 0;
}

/* tcpnv_reset() */
static inline void nv_reset(struct nv_state *ca, __u32 snd_una)
{
	ca->nv_reset = 0;
	ca->nv_no_cong_cnt = 0;
	ca->nv_rtt_cnt = 0;
	ca->nv_last_rtt = 0;
	ca->nv_rtt_max_rate = 0;
	ca->nv_rtt_start_seq = snd_una;
	ca->nv_eval_call_cnt = 0;
	ca->nv_last_snd_una = snd_una;
}

/* tcpnv_init(); @base_rtt is the datacenter's known RTT (us) or <= 0. */
static inline void nv_init(struct nv_state *ca, __u32 snd_una, __s32 base_rtt,
			   __u64 now, __u32 hz)
{
	nv_reset(ca, snd_una);

	if (base_rtt > 0) {
		ca->nv_base_rtt = base_rtt;
		ca->nv_lower_bound_rtt = (base_rtt * 205) >> 8;	/* 80% */
	} else {
		ca->nv_base_rtt = 0;
		ca->nv_lower_bound_rtt = 0;
	}

	ca->nv_allow_cwnd_growth = 1;
	ca->nv_min_rtt_reset_jiffies = now + 2 * hz;
	ca->nv_min_rtt = NV_INIT_RTT;
	ca->nv_min_rtt_new = NV_INIT_RTT;
	ca->nv_min_cwnd = NV_MIN_CWND;
	ca->nv_catchup = 0;
	ca->cwnd_growth_factor = 0;
}

/* nv_get_bounded_rtt(): apply the base-RTT bounds, if provided. */
static inline __u32 nv_get_bounded_rtt(const struct nv_state *ca, __u32 val)
{
	if (ca->nv_lower_bound_rtt > 0 && val < ca->nv_lower_bound_rtt)
		return ca->nv_lower_bound_rtt;
	else if (ca->nv_base_rtt > 0 && val > ca->nv_base_rtt)
		return ca->nv_base_rtt;
	else
		return val;
}

/*
 * The "w" that tcpnv_cong_avoid() gives tcp_cong_avoid_ai(): cwnd << -f
 * (slower than Reno) for a negative growth factor f, else
 * max(4, cwnd >> f).  A positive f only grows when nv_cwnd_growth_rate_pos
 * is set, and without bound; shifts of 32 or more are undefined in C (and
 * in BPF), so f is capped at 31, where cwnd >> f is already 0 -> 4.
 */
static inline __u32 nv_ai_cnt(const struct nv_state *ca, __u32 cwnd)
{
	if (ca->cwnd_growth_factor < 0)
		return cwnd << -ca->cwnd_growth_factor;
	return cc_max_u32(4U, cwnd >> (ca->cwnd_growth_factor < 31 ?
				       ca->cwnd_growth_factor : 31));
}

/* tcpnv_recalc_ssthresh(): keep 80% on loss. */
static inline __u32 nv_recalc_ssthresh(__u32 cwnd, const struct nv_params *p)
{
	return cc_max_u32((cwnd * p->loss_dec_factor) >> 10, 2U);
}

/* tcpnv_state() */
static inline void nv_state_change(struct nv_state *ca, __u8 new_state,
				   __u32 snd_una, const struct nv_params *p)
{
	if (new_state == BPFTCP_CA_STATE_OPEN && ca->nv_reset) {
		nv_reset(ca, snd_una);
	} else if (new_state == BPFTCP_CA_STATE_LOSS ||
		   new_state == BPFTCP_CA_STATE_CWR ||
		   new_state == BPFTCP_CA_STATE_RECOVERY) {
		ca->nv_reset = 1;
		ca->nv_allow_cwnd_growth = 0;
		if (new_state == BPFTCP_CA_STATE_LOSS) {
			/* Reset cwnd growth factor to Reno value */
			if (ca->cwnd_growth_factor > 0)
				ca->cwnd_growth_factor = 0;
			/* Decrease growth rate if allowed */
			if (p->cwnd_growth_rate_neg > 0 &&
			    ca->cwnd_growth_factor > -8)
				ca->cwnd_growth_factor--;
		}
	}
}

/* What tcpnv_acked() reads from the socket and the ACK sample. */
struct nv_ack {
	__s32 rtt_us;		/* sample->rtt_us, < 0 if none */
	__u32 in_flight;	/* sample->in_flight: bytes newly delivered */
	__u8 ca_state;		/* icsk_ca_state */
	__u32 snd_una;
	__u32 snd_nxt;
	__u32 mss_cache;
	__u64 now;		/* jiffies */
	__u8 rand;		/* a random byte (get_random_bytes(&rand, 1)) */
	__u32 hz;
};

/*
 * tcpnv_acked(): the congestion avoidance of TCP-NV.  @cwnd and @ssthresh
 * are copies of snd_cwnd and snd_ssthresh, updated in place.
 */
static inline void nv_acked(struct nv_state *ca, const struct nv_ack *a,
			    __u32 *cwnd, __u32 *ssthresh, const struct nv_params *p)
{
	__u64 rate64;
	__u32 rate, max_win, cwnd_by_slope;
	__u32 avg_rtt;
	__u32 bytes_acked = 0;

	/* Some calls are for duplicates without timetamps */
	if (a->rtt_us < 0)
		return;

	/* If not in TCP_CA_Open or TCP_CA_Disorder states, skip. */
	if (a->ca_state != BPFTCP_CA_STATE_OPEN &&
	    a->ca_state != BPFTCP_CA_STATE_DISORDER)
		return;

	/* Stop cwnd growth if we were in catch up mode */
	if (ca->nv_catchup && *cwnd >= (__u32)p->min_cwnd) {
		ca->nv_catchup = 0;
		ca->nv_allow_cwnd_growth = 0;
	}

	bytes_acked = a->snd_una - ca->nv_last_snd_una;
	ca->nv_last_snd_una = a->snd_una;

	if (a->in_flight == 0)
		return;

	/* Calculate moving average of RTT */
	if (p->rtt_factor > 0) {
		if (ca->nv_last_rtt > 0) {
			avg_rtt = (((__u64)a->rtt_us) * p->rtt_factor +
				   ((__u64)ca->nv_last_rtt) * (256 - p->rtt_factor)) >> 8;
		} else {
			avg_rtt = a->rtt_us;
			ca->nv_min_rtt = avg_rtt << 1;
		}
		ca->nv_last_rtt = avg_rtt;
	} else {
		avg_rtt = a->rtt_us;
	}

	/* rate in 100's bits per second */
	rate64 = ((__u64)a->in_flight) * 80000;
	rate64 /= avg_rtt ? avg_rtt : 1;
	rate = (__u32)rate64;

	/* Remember the maximum rate seen during this RTT (it may span more
	 * than one RTT: at least dec_eval_min_calls calls are wanted). */
	if (ca->nv_rtt_max_rate < rate)
		ca->nv_rtt_max_rate = rate;

	/* We have valid information, increment counter */
	if (ca->nv_eval_call_cnt < 255)
		ca->nv_eval_call_cnt++;

	/* Apply bounds to rtt. Only used to update min_rtt */
	avg_rtt = nv_get_bounded_rtt(ca, avg_rtt);

	/* update min rtt if necessary */
	if (avg_rtt < ca->nv_min_rtt)
		ca->nv_min_rtt = avg_rtt;

	/* update future min_rtt if necessary */
	if (avg_rtt < ca->nv_min_rtt_new)
		ca->nv_min_rtt_new = avg_rtt;

	/*
	 * nv_min_rtt is the minimum (averaged) rtt of the last reset period
	 * (a warm reset): nv_min_rtt_new takes over, and is then learnt for
	 * another period, randomized to [3/4, 5/4) of nv_reset_period.
	 */
	if (nv_time_after_eq(a->now, ca->nv_min_rtt_reset_jiffies)) {
		ca->nv_min_rtt = ca->nv_min_rtt_new;
		ca->nv_min_rtt_new = NV_INIT_RTT;
		ca->nv_min_rtt_reset_jiffies =
			a->now + ((p->reset_period * (384 + (int)a->rand) * (int)a->hz) >> 9);
		/* Every so often decrease nv_min_cwnd, in case the previous
		 * value is no longer accurate. */
		ca->nv_min_cwnd = ca->nv_min_cwnd / 2 > NV_MIN_CWND ?
				  ca->nv_min_cwnd / 2 : NV_MIN_CWND;
	}

	/* Once per RTT check if we need to do congestion avoidance */
	if (before(ca->nv_rtt_start_seq, a->snd_una)) {
		ca->nv_rtt_start_seq = a->snd_nxt;
		if (ca->nv_rtt_cnt < 0xff)
			/* Increase counter for RTTs without CA decision */
			ca->nv_rtt_cnt++;

		/* Called only once this RTT: cwnd is probably too small
		 * (TSO, LRO, interrupt coalescing), so raise nv_min_cwnd. */
		if (ca->nv_eval_call_cnt == 1 &&
		    bytes_acked >= (ca->nv_min_cwnd - 1) * a->mss_cache &&
		    ca->nv_min_cwnd < (NV_TSO_CWND_BOUND + 1)) {
			ca->nv_min_cwnd = ca->nv_min_cwnd + NV_MIN_CWND_GROW <
					  NV_TSO_CWND_BOUND + 1 ?
					  ca->nv_min_cwnd + NV_MIN_CWND_GROW :
					  NV_TSO_CWND_BOUND + 1;
			ca->nv_rtt_start_seq = a->snd_nxt +
				ca->nv_min_cwnd * a->mss_cache;
			ca->nv_eval_call_cnt = 0;
			ca->nv_allow_cwnd_growth = 1;
			return;
		}

		/* The ideal cwnd for the current rate, from the slope
		 * 80000.0 * mss / nv_min_rtt: nv_rtt_max_rate / slope. */
		cwnd_by_slope = (__u32)((((__u64)ca->nv_rtt_max_rate) * ca->nv_min_rtt) /
					(80000ULL * a->mss_cache));
		max_win = cwnd_by_slope + p->pad;

		/* cwnd > max_win: decrease; cwnd < max_win: grow; else keep */
		if (*cwnd > max_win) {
			/* Congestion: make a CA decision only with at least
			 * dec_eval_min_calls data points (ssthresh_eval_min_calls
			 * in the first slow start) and after rtt_min_cnt RTTs. */
			if (ca->nv_rtt_cnt < p->rtt_min_cnt) {
				return;
			} else if (*ssthresh == TCP_INFINITE_SSTHRESH) {
				if (ca->nv_eval_call_cnt < p->ssthresh_eval_min_calls)
					return;
				/* otherwise we will decrease cwnd */
			} else if (ca->nv_eval_call_cnt < p->dec_eval_min_calls) {
				if (ca->nv_allow_cwnd_growth &&
				    ca->nv_rtt_cnt > p->stop_rtt_cnt)
					ca->nv_allow_cwnd_growth = 0;
				return;
			}

			/* We have enough data to determine we are congested */
			ca->nv_allow_cwnd_growth = 0;
			*ssthresh = (p->ssthresh_factor * max_win) >> 3;
			if (*cwnd - max_win > 2) {
				/* gap > 2, we do exponential cwnd decrease */
				int dec;

				dec = cc_max_u32(2U, ((*cwnd - max_win) * p->cong_dec_mult) >> 7);
				*cwnd -= dec;
			} else if (p->cong_dec_mult > 0) {
				*cwnd = max_win;
			}
			if (ca->cwnd_growth_factor > 0)
				ca->cwnd_growth_factor = 0;
			ca->nv_no_cong_cnt = 0;
		} else if (*cwnd <= max_win - p->pad_buffer) {
			/* There is no congestion, grow cwnd if allowed */
			if (ca->nv_eval_call_cnt < p->inc_eval_min_calls)
				return;

			ca->nv_allow_cwnd_growth = 1;
			ca->nv_no_cong_cnt++;
			if (ca->cwnd_growth_factor < 0 &&
			    p->cwnd_growth_rate_neg > 0 &&
			    ca->nv_no_cong_cnt > (__u32)p->cwnd_growth_rate_neg) {
				ca->cwnd_growth_factor++;
				ca->nv_no_cong_cnt = 0;
			} else if (ca->cwnd_growth_factor >= 0 &&
				   p->cwnd_growth_rate_pos > 0 &&
				   ca->nv_no_cong_cnt > (__u32)p->cwnd_growth_rate_pos) {
				ca->cwnd_growth_factor++;
				ca->nv_no_cong_cnt = 0;
			}
		} else {
			/* cwnd is in-between, so do nothing */
			return;
		}

		/* update state */
		ca->nv_eval_call_cnt = 0;
		ca->nv_rtt_cnt = 0;
		ca->nv_rtt_max_rate = 0;

		/* Don't want to make cwnd < nv_min_cwnd (it wasn't before,
		 * if it is now it is because nv decreased it). */
		if (*cwnd < (__u32)p->min_cwnd)
			*cwnd = p->min_cwnd;
	}
}

#endif /* BPFTCP_NV_H */
