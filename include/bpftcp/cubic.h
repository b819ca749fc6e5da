/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * CUBIC's state and arithmetic, shared by cc/cubic.bpf.c and the host unit
 * tests (selftests/test_cubic_math.c), so the maths that is tested is the
 * maths that runs.  Ported from net/ipv4/tcp_cubic.c (Linux 6.x); names follow
 * that file so the two can be read side by side.  Nothing here touches a
 * socket: callers pass cwnd, the jiffies clock and HZ in.
 */
#ifndef BPFTCP_CUBIC_H
#define BPFTCP_CUBIC_H

#ifndef __bpf__
#include <linux/types.h>
#include <stdbool.h>
#endif
#include "bpftcp/cc_common.h"

#define BICTCP_BETA_SCALE	1024	/* scale factor for beta */
#define BICTCP_HZ		10	/* BIC HZ 2^10 = 1024 */

#define HYSTART_ACK_TRAIN	0x1
#define HYSTART_DELAY		0x2
#define HYSTART_MIN_SAMPLES	8
#define HYSTART_DELAY_MIN	4000U	/* 4 ms */
#define HYSTART_DELAY_MAX	16000U	/* 16 ms */

/* Module parameters of tcp_cubic.c, with the kernel's defaults. */
struct cubic_params {
	__u32 beta;			/* 717 = 717/1024 */
	__u32 bic_scale;		/* 41: C = 41*10/1024 = 0.4 */
	bool fast_convergence;
	bool tcp_friendliness;
};

#define CUBIC_PARAMS_DEFAULT { .beta = 717, .bic_scale = 41, \
			       .fast_convergence = true, .tcp_friendliness = true }

/* struct bictcp of tcp_cubic.c: lives in icsk_ca_priv (60 of 104 bytes). */
struct cubic_state {
	__u32 cnt;		/* increase cwnd by 1 after this many ACKs */
	__u32 last_max_cwnd;	/* W_max: last maximum snd_cwnd */
	__u32 last_cwnd;	/* the last snd_cwnd */
	__u32 last_time;	/* time when last_cwnd was updated (jiffies) */
	__u32 bic_origin_point;	/* origin point of the cubic function */
	__u32 bic_K;		/* time from epoch start to origin, 2^-10 s */
	__u32 delay_min;	/* min delay (usec) */
	__u32 epoch_start;	/* beginning of an epoch (jiffies), 0 = none */
	__u32 ack_cnt;		/* number of acks */
	__u32 tcp_cwnd;		/* estimated Reno cwnd */
	__u16 unused;
	__u8 sample_cnt;	/* samples taken to decide curr_rtt */
	__u8 found;		/* HyStart exit point found? */
	__u32 round_start;	/* beginning of each round (usec) */
	__u32 end_seq;		/* end_seq of the round */
	__u32 last_ack;		/* last time when the ACK spacing is close (usec) */
	__u32 curr_rtt;		/* the minimum rtt of the current round (usec) */
};

BPFTCP_CA_PRIV_ASSERT(struct cubic_state);

/* bictcp_reset(): everything before 'unused', and 'found'. */
static inline void cubic_reset(struct cubic_state *ca)
{
	ca->cnt = 0;
	ca->last_max_cwnd = 0;
	ca->last_cwnd = 0;
	ca->last_time = 0;
	ca->bic_origin_point = 0;
	ca->bic_K = 0;
	ca->delay_min = 0;
	ca->epoch_start = 0;
	ca->ack_cnt = 0;
	ca->tcp_cwnd = 0;
	ca->found = 0;
}

/* Derived constants, computed in cubictcp_register() in the kernel. */
static inline __u32 cubic_beta_scale(const struct cubic_params *p)
{
	return 8 * (BICTCP_BETA_SCALE + p->beta) / 3 / (BICTCP_BETA_SCALE - p->beta);
}

static inline __u32 cubic_cube_rtt_scale(const struct cubic_params *p)
{
	return p->bic_scale * 10;	/* 1024 * c / rtt */
}

/* 1/c * 2^(3*BICTCP_HZ) * srtt, with srtt a constant 100 ms. */
static inline __u64 cubic_cube_factor(const struct cubic_params *p)
{
	return (1ULL << (10 + 3 * BICTCP_HZ)) / (__u64)(p->bic_scale * 10);
}

/* fls64(): 1-based index of the most significant set bit, 0 for 0. */
static inline __u32 cubic_fls64(__u64 x)
{
	__u32 n = 64;

	if (!x)
		return 0;
	if (!(x & 0xFFFFFFFF00000000ULL)) { x <<= 32; n -= 32; }
	if (!(x & 0xFFFF000000000000ULL)) { x <<= 16; n -= 16; }
	if (!(x & 0xFF00000000000000ULL)) { x <<= 8;  n -= 8; }
	if (!(x & 0xF000000000000000ULL)) { x <<= 4;  n -= 4; }
	if (!(x & 0xC000000000000000ULL)) { x <<= 2;  n -= 2; }
	if (!(x & 0x8000000000000000ULL)) { n -= 1; }
	return n;
}

/*
 * cbrt(x) MSB values for x MSB values in [0..63], from tcp_cubic.c:
 *   v = cbrt(x << 18) - 1, cbrt(x) = (v[x] + 10) >> 6
 */
static const __u8 cubic_root_table[64] = {
	/* 0x00 */    0,   54,   54,   54,  118,  118,  118,  118,
	/* 0x08 */  123,  129,  134,  138,  143,  147,  151,  156,
	/* 0x10 */  157,  161,  164,  168,  170,  173,  176,  179,
	/* 0x18 */  181,  185,  187,  190,  192,  194,  197,  199,
	/* 0x20 */  200,  202,  204,  206,  209,  211,  213,  215,
	/* 0x28 */  217,  219,  221,  222,  224,  225,  227,  229,
	/* 0x30 */  231,  232,  234,  236,  237,  239,  240,  242,
	/* 0x38 */  244,  245,  246,  248,  250,  251,  252,  254,
};

/*
 * Cube root of a: table lookup on the top 6 bits, then one Newton-Raphson
 * step, x' = (2x + a/x^2) / 3, with /3 done as *341 >> 10 as in the kernel.
 */
static inline __u32 cubic_root(__u64 a)
{
	__u32 x, b, shift;

	b = cubic_fls64(a);
	if (b < 7) {
		/* a in [0..63]; the mask only tells the verifier so. */
		return ((__u32)cubic_root_table[(__u32)a & 63] + 35) >> 6;
	}

	b = ((b * 84) >> 8) - 1;
	shift = (a >> (b * 3));
	/* shift < 64 follows from b; the mask only tells the verifier so. */
	x = ((__u32)(((__u32)cubic_root_table[shift & 63] + 10) << b)) >> 6;

	x = (2 * x + (__u32)(a / ((__u64)x * (__u64)(x - 1))));
	x = ((x * 341) >> 10);
	return x;
}

/*
 * bictcp_update(): compute ca->cnt, the number of ACKs per cwnd increment,
 * from the cubic function W(t) = C (t - K)^3 + W_max and the Reno estimate.
 * @now is tcp_jiffies32, the clock of both the epoch and the rate limit:
 * last_time is in jiffies, as in the running kernel (netns-tests/
 * test-cubic-clock.sh reads the native cubic's state and checks it).  So cnt
 * is recomputed at most once per jiffy, and with an unchanged cwnd at most
 * every HZ/32 jiffies (7 = 28 ms at HZ 250).  (A 2024 patch that keys
 * last_time on microseconds was discussed upstream; the kernel this port is
 * proven against does not have it.)
 */
static inline void cubic_update(struct cubic_state *ca, __u32 cwnd, __u32 acked,
				__u32 now, __u32 hz, const struct cubic_params *p)
{
	__u32 delta, bic_target, max_cnt;
	__u64 offs, t;

	ca->ack_cnt += acked;	/* count the number of ACKed packets */

	if (ca->last_cwnd == cwnd && (__s32)(now - ca->last_time) <= (__s32)(hz / 32))
		return;

	/* The cubic function updates ca->cnt at most once per jiffy; on every
	 * cwnd reduction epoch_start is zeroed, forcing a recalculation. */
	if (ca->epoch_start && now == ca->last_time)
		goto tcp_friendliness;

	ca->last_cwnd = cwnd;
	ca->last_time = now;

	if (ca->epoch_start == 0) {
		ca->epoch_start = now;	/* record beginning */
		ca->ack_cnt = acked;	/* start counting */
		ca->tcp_cwnd = cwnd;	/* sync with cubic */

		if (ca->last_max_cwnd <= cwnd) {
			ca->bic_K = 0;
			ca->bic_origin_point = cwnd;
		} else {
			/* K = cbrt((W_max - cwnd) * rtt / c), in 2^-10 s */
			ca->bic_K = cubic_root(cubic_cube_factor(p) *
					       (ca->last_max_cwnd - cwnd));
			ca->bic_origin_point = ca->last_max_cwnd;
		}
	}

	/* t = time since epoch start plus min delay, in 2^-BICTCP_HZ s */
	t = (__s32)(now - ca->epoch_start);
	t += bpftcp_usecs_to_jiffies(ca->delay_min, hz);
	t <<= BICTCP_HZ;
	t /= hz;

	if (t < ca->bic_K)	/* t - K */
		offs = ca->bic_K - t;
	else
		offs = t - ca->bic_K;

	/* c/rtt * (t-K)^3; no overflow for cwnd < 1 million packets */
	delta = (cubic_cube_rtt_scale(p) * offs * offs * offs) >> (10 + 3 * BICTCP_HZ);
	if (t < ca->bic_K)	/* below origin */
		bic_target = ca->bic_origin_point - delta;
	else			/* above origin */
		bic_target = ca->bic_origin_point + delta;

	if (bic_target > cwnd)
		ca->cnt = cwnd / (bic_target - cwnd);
	else
		ca->cnt = 100 * cwnd;	/* very small increment */

	/* The initial growth may be too conservative while the available
	 * bandwidth is unknown: at least 5% per RTT. */
	if (ca->last_max_cwnd == 0 && ca->cnt > 20)
		ca->cnt = 20;

tcp_friendliness:
	if (p->tcp_friendliness) {
		__u32 scale = cubic_beta_scale(p);

		delta = (cwnd * scale) >> 3;
		/* The kernel loops "while (ack_cnt > delta) { ack_cnt -= delta;
		 * tcp_cwnd++; }".  BPF needs bounded loops, so this is the same
		 * arithmetic in closed form (delta >= 1 since cwnd >= 2). */
		if (delta && ca->ack_cnt > delta) {
			__u32 n = (ca->ack_cnt - 1) / delta;

			ca->ack_cnt -= n * delta;
			ca->tcp_cwnd += n;
		}

		if (ca->tcp_cwnd > cwnd) {	/* if bic is slower than tcp */
			delta = ca->tcp_cwnd - cwnd;
			max_cnt = cwnd / delta;
			if (ca->cnt > max_cnt)
				ca->cnt = max_cnt;
		}
	}

	/* At most 1 packet per 2 packets ACKed: cwnd grows at most 1.5x per RTT. */
	if (ca->cnt < 2)
		ca->cnt = 2;
}

/* cubictcp_recalc_ssthresh(): W_max with fast convergence, new ssthresh. */
static inline __u32 cubic_recalc_ssthresh(struct cubic_state *ca, __u32 cwnd,
					  const struct cubic_params *p)
{
	__u32 ssthresh;

	ca->epoch_start = 0;	/* end of epoch */

	if (cwnd < ca->last_max_cwnd && p->fast_convergence)
		ca->last_max_cwnd = (cwnd * (BICTCP_BETA_SCALE + p->beta)) /
				    (2 * BICTCP_BETA_SCALE);
	else
		ca->last_max_cwnd = cwnd;

	ssthresh = (cwnd * p->beta) / BICTCP_BETA_SCALE;
	return ssthresh > 2 ? ssthresh : 2;
}

/* HYSTART_DELAY_THRESH(x): clamp(x, 4 ms, 16 ms) */
static inline __u32 cubic_hystart_delay_thresh(__u32 x)
{
	return x < HYSTART_DELAY_MIN ? HYSTART_DELAY_MIN :
	       x > HYSTART_DELAY_MAX ? HYSTART_DELAY_MAX : x;
}

#endif /* BPFTCP_CUBIC_H */
