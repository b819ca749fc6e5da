/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * TCP Hybla's state and arithmetic, shared by cc/hybla.bpf.c and the host
 * tests (selftests/test_hybla_math.c).  Ported from net/ipv4/tcp_hybla.c
 * (Linux 6.x); names follow that file.  Nothing here touches a socket:
 * callers pass srtt_us (the smoothed RTT << 3, in usec), rtt0 and a copy of
 * the window in.  Increments are fixed point with 7 fractional bits.
 */
#ifndef BPFTCP_HYBLA_H
#define BPFTCP_HYBLA_H

#ifndef __bpf__
#include <linux/types.h>
#include <stdbool.h>
#endif
#include "bpftcp/cc_common.h"
#include "bpftcp/reno.h"

#define HYBLA_CWND_CLAMP 65535	/* hybla_init() sets snd_cwnd_clamp to this */

/* struct hybla of tcp_hybla.c. */
struct hybla_state {
	bool hybla_en;
	__u32 snd_cwnd_cents;	/* Keeps increment values when it is <1, <<7 */
	__u32 rho;		/* Rho parameter, integer part */
	__u32 rho2;		/* Rho * Rho, integer part */
	__u32 rho_3ls;		/* Rho parameter, <<3 */
	__u32 rho2_7ls;		/* Rho^2, <<7 */
	__u32 minrtt_us;	/* Minimum smoothed round trip time value seen */
};
BPFTCP_CA_PRIV_ASSERT(struct hybla_state);

/*
 * hybla_recalc_param(): rho = RTT / RTT0, at least 1, from the smoothed RTT.
 * @rtt0_ms is the reference RTT (module parameter rtt0, 25 ms).  rtt0 = 0
 * would divide by zero in the kernel; here (as in BPF) it gives rho = 1.
 */
static inline void hybla_recalc_param(struct hybla_state *ca, __u32 srtt_us, __u32 rtt0_ms)
{
	__u64 rtt0_us = (__u64)rtt0_ms * 1000;
	__u32 rho_3ls = rtt0_us ? srtt_us / rtt0_us : 0;

	ca->rho_3ls = rho_3ls > 8U ? rho_3ls : 8U;
	ca->rho = ca->rho_3ls >> 3;
	ca->rho2_7ls = (ca->rho_3ls * ca->rho_3ls) << 1;
	ca->rho2 = ca->rho2_7ls >> 7;
}

/* hybla_fraction(): 2^(odds/8) << 7, for the fractional part of rho. */
static inline __u32 hybla_fraction(__u32 odds)
{
	static const __u32 fractions[] = {
		128, 139, 152, 165, 181, 197, 215, 234,
	};

	return (odds < sizeof(fractions) / sizeof(fractions[0])) ? fractions[odds & 7] : 128;
}

/* hybla_init() after snd_cwnd = 2 and the clamp: returns the initial cwnd. */
static inline __u32 hybla_init(struct hybla_state *ca, __u32 srtt_us, __u32 rtt0_ms)
{
	ca->rho = 0;
	ca->rho2 = 0;
	ca->rho_3ls = 0;
	ca->rho2_7ls = 0;
	ca->snd_cwnd_cents = 0;
	ca->hybla_en = true;

	/* 1st Rho measurement based on initial srtt */
	hybla_recalc_param(ca, srtt_us, rtt0_ms);

	/* set minimum rtt as this is the 1st ever seen */
	ca->minrtt_us = srtt_us;
	return ca->rho;
}

/* The first step of hybla_cong_avoid(): recalculate rho only if this srtt
 * is the lowest. */
static inline void hybla_track_min_rtt(struct hybla_state *ca, __u32 srtt_us, __u32 rtt0_ms)
{
	if (srtt_us < ca->minrtt_us) {
		hybla_recalc_param(ca, srtt_us, rtt0_ms);
		ca->minrtt_us = srtt_us;
	}
}

/*
 * The Hybla part of hybla_cong_avoid() (hybla_en, cwnd-limited), per ACK:
 *   slow start:             INC = 2^rho - 1
 *   congestion avoidance:   INC = rho^2 / cwnd
 * i.e. the window grows as a Reno flow with an RTT of RTT0 would.  2^rho is
 * split as 2^int * 2^fract, the latter from hybla_fraction(); fractions of a
 * packet accumulate in snd_cwnd_cents.
 */
static inline void hybla_increase(struct hybla_state *ca, struct cc_window *w,
				  __u32 srtt_us, __u32 rtt0_ms)
{
	__u32 increment, odd, rho_fractions;
	bool is_slowstart = false;

	if (ca->rho == 0)
		hybla_recalc_param(ca, srtt_us, rtt0_ms);

	rho_fractions = ca->rho_3ls - (ca->rho << 3);

	if (reno_in_slow_start(w)) {
		is_slowstart = true;
		increment = ((1U << (ca->rho < 16U ? ca->rho : 16U)) *
			     hybla_fraction(rho_fractions)) - 128;
	} else {
		increment = ca->rho2_7ls / w->cwnd;
		if (increment < 128)
			w->cwnd_cnt++;
	}

	odd = increment % 128;
	w->cwnd += increment >> 7;
	ca->snd_cwnd_cents += odd;

	/* Check when fractions go >= 128 and increase cwnd by 1: the kernel's
	 * "while (cents >= 128) { cwnd++; cents -= 128; cnt = 0; }" in closed
	 * form (cents < 2 * 128 here, so it is at most one step anyway). */
	if (ca->snd_cwnd_cents >= 128) {
		w->cwnd += ca->snd_cwnd_cents >> 7;
		ca->snd_cwnd_cents &= 127;
		w->cwnd_cnt = 0;
	}
	/* Increment < 1 packet (rho^2 < cwnd): grow once per cwnd ACKs. */
	if (increment == 0 && odd == 0 && w->cwnd_cnt >= w->cwnd) {
		w->cwnd++;
		w->cwnd_cnt = 0;
	}
	/* clamp down slowstart cwnd to ssthresh value. */
	if (is_slowstart && w->cwnd > w->ssthresh)
		w->cwnd = w->ssthresh;

	if (w->cwnd > w->cwnd_clamp)
		w->cwnd = w->cwnd_clamp;
}

#endif /* BPFTCP_HYBLA_H */
