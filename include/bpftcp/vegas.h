/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * TCP Vegas's state and arithmetic, shared by cc/vegas.bpf.c and the host
 * tests (selftests/test_vegas_math.c).  Ported from net/ipv4/tcp_vegas.c and
 * tcp_vegas.h (Linux 6.x); names follow those files.  Other delay-based
 * algorithms built on Vegas (YeAH, Veno in spirit) can reuse the sampling
 * part.  Nothing here touches a socket: callers pass sequence numbers, RTT
 * samples and a copy of the window in.
 */
#ifndef BPFTCP_VEGAS_H
#define BPFTCP_VEGAS_H

#ifndef __bpf__
#include <linux/types.h>
#include <stdbool.h>
#endif
#include "bpftcp/cc_common.h"
#include "bpftcp/reno.h"

/* Module parameters of tcp_vegas.c (ints there), with the kernel's defaults. */
struct vegas_params {
	int alpha;	/* 2: lower bound of packets queued in the network */
	int beta;	/* 4: upper bound of packets queued in the network */
	int gamma;	/* 1: slow-start exit threshold */
};

#define VEGAS_PARAMS_DEFAULT { .alpha = 2, .beta = 4, .gamma = 1 }
#define VEGAS_RTT_NONE 0x7fffffff

/* struct vegas of tcp_vegas.h. */
struct vegas_state {
	__u32 beg_snd_nxt;	/* right edge during last RTT */
	__u32 beg_snd_una;	/* left edge during last RTT (unused, as in Linux) */
	__u32 beg_snd_cwnd;	/* saves the size of the cwnd (unused, as in Linux) */
	__u8 doing_vegas_now;	/* if true, do vegas for this RTT */
	__u16 cntRTT;		/* # of RTTs measured within last RTT */
	__u32 minRTT;		/* min of RTTs measured within last RTT (in usec) */
	__u32 baseRTT;		/* the min of all Vegas RTT measurements seen (in usec) */
};
BPFTCP_CA_PRIV_ASSERT(struct vegas_state);

/*
 * vegas_enable(): start an RTT of sampling.  Vegas must be "re-started" when
 * the connection is established, after an RTO or fast recovery, and after
 * idle: decisions need one full RTT of fresh samples, not stale ones.
 */
static inline void vegas_enable(struct vegas_state *v, __u32 snd_nxt)
{
	/* Begin taking Vegas samples next time we send something. */
	v->doing_vegas_now = 1;
	/* Set the beginning of the next send window. */
	v->beg_snd_nxt = snd_nxt;

	v->cntRTT = 0;
	v->minRTT = VEGAS_RTT_NONE;
}

/* vegas_disable() */
static inline void vegas_disable(struct vegas_state *v)
{
	v->doing_vegas_now = 0;
}

/* tcp_vegas_init(): also forgets the propagation delay. */
static inline void vegas_init(struct vegas_state *v, __u32 snd_nxt)
{
	v->baseRTT = VEGAS_RTT_NONE;
	vegas_enable(v, snd_nxt);
}

/*
 * tcp_vegas_pkts_acked(): min-filter the samples within an RTT (current
 * propagation + queueing delay, filtering delayed ACKs) and over all time
 * (baseRTT, the propagation delay).
 */
static inline void vegas_pkts_acked(struct vegas_state *v, __s32 rtt_us)
{
	__u32 vrtt;

	if (rtt_us < 0)
		return;

	/* Never allow zero rtt or baseRTT */
	vrtt = rtt_us + 1;

	/* Filter to find propagation delay: */
	if (vrtt < v->baseRTT)
		v->baseRTT = vrtt;

	/* Find the min RTT during the last RTT to find the current
	 * prop. delay + queuing delay: */
	v->minRTT = v->minRTT < vrtt ? v->minRTT : vrtt;
	v->cntRTT++;
}

/* tcp_vegas_state(): sample only while in the Open state. */
static inline void vegas_state(struct vegas_state *v, bool ca_open, __u32 snd_nxt)
{
	if (ca_open)
		vegas_enable(v, snd_nxt);
	else
		vegas_disable(v);
}

/* target_cwnd = cwnd * baseRTT / rtt: the window that would fill the pipe
 * without queueing, at the rate (cwnd / rtt) achieved. */
static inline __u64 vegas_target_cwnd(__u32 cwnd, __u32 rtt, __u32 base_rtt)
{
	return (__u64)cwnd * base_rtt / rtt;
}

/* "Diff" of the Vegas papers: packets queued = cwnd (rtt - baseRTT) / rtt
 * in the paper; Linux divides by baseRTT (and computes in 32 bits). */
static inline __u32 vegas_diff(__u32 cwnd, __u32 rtt, __u32 base_rtt)
{
	return cwnd * (rtt - base_rtt) / base_rtt;
}

/* tcp_current_ssthresh() */
static inline __u32 vegas_current_ssthresh(const struct cc_window *w, bool in_cwnd_reduction)
{
	__u32 three_quarters = (w->cwnd >> 1) + (w->cwnd >> 2);

	if (in_cwnd_reduction)
		return w->ssthresh;
	return w->ssthresh > three_quarters ? w->ssthresh : three_quarters;
}

/*
 * The once-per-RTT Vegas adjustment of tcp_vegas_cong_avoid(), for when an
 * RTT has ended with more than 2 samples (fewer are likely all delayed ACKs
 * and the caller behaves like Reno instead).  @w is a copy of the socket's
 * window; the caller writes cwnd and ssthresh back.  The slow-start branch
 * is tcp_slow_start() (reno_slow_start(), same arithmetic).
 */
static inline void vegas_rtt_adjust(struct cc_window *w, const struct vegas_state *v,
				    __u32 acked, bool in_cwnd_reduction,
				    const struct vegas_params *p)
{
	/* The min RTT of the last RTT: filters delayed ACKs, at the cost of
	 * noticing congestion a bit later. */
	__u32 rtt = v->minRTT;
	__u64 target_cwnd = vegas_target_cwnd(w->cwnd, rtt, v->baseRTT);
	__u32 diff = vegas_diff(w->cwnd, rtt, v->baseRTT);

	if (diff > (__u32)p->gamma && reno_in_slow_start(w)) {
		/* Going too fast: slow down and switch to congestion
		 * avoidance, with cwnd matching the actual rate exactly, +1
		 * because the integer truncation robs full utilization. */
		if ((__u32)target_cwnd + 1 < w->cwnd)
			w->cwnd = (__u32)target_cwnd + 1;
		w->ssthresh = w->ssthresh < w->cwnd ? w->ssthresh : w->cwnd;
	} else if (reno_in_slow_start(w)) {
		/* Slow start. */
		reno_slow_start(w, acked);
	} else {
		/* Congestion avoidance. */
		if (diff > (__u32)p->beta) {
			/* The old window was too fast, so slow down. */
			w->cwnd--;
			w->ssthresh = w->ssthresh < w->cwnd ? w->ssthresh : w->cwnd;
		} else if (diff < (__u32)p->alpha) {
			/* Not enough extra packets in the network: speed up. */
			w->cwnd++;
		} else {
			/* Sending just as fast as we should be. */
		}
	}

	if (w->cwnd < 2)
		w->cwnd = 2;
	else if (w->cwnd > w->cwnd_clamp)
		w->cwnd = w->cwnd_clamp;

	w->ssthresh = vegas_current_ssthresh(w, in_cwnd_reduction);
}

#endif /* BPFTCP_VEGAS_H */
