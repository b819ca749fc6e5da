/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * TCP Westwood+'s state and bandwidth estimator, shared by
 * cc/westwood.bpf.c and the host tests (selftests/test_westwood_math.c).
 * Ported from net/ipv4/tcp_westwood.c (Linux 6.x); names follow that file.
 * Nothing here touches a socket: callers pass the jiffies clock, snd_una,
 * mss_cache and HZ in.  Bandwidth is in bytes per jiffy, RTTs in jiffies.
 */
#ifndef BPFTCP_WESTWOOD_H
#define BPFTCP_WESTWOOD_H

#ifndef __bpf__
#include <linux/types.h>
#include <stdbool.h>
#endif
#include "bpftcp/cc_common.h"

/* TCP_WESTWOOD_RTT_MIN: 50 ms, the shortest bandwidth sampling window. */
static inline __u32 westwood_rtt_min_jiffies(__u32 hz)
{
	return hz / 20;
}

/* TCP_WESTWOOD_INIT_RTT: 20 s, deliberately too conservative. */
static inline __u32 westwood_init_rtt_jiffies(__u32 hz)
{
	return 20 * hz;
}

/* struct westwood of tcp_westwood.c. */
struct westwood_state {
	__u32 bw_ns_est;	/* first bandwidth estimation..not too smoothed 8) */
	__u32 bw_est;		/* bandwidth estimate */
	__u32 rtt_win_sx;	/* here starts a new evaluation... */
	__u32 bk;		/* bytes acknowledged in the current window */
	__u32 snd_una;		/* used for evaluating the number of acked bytes */
	__u32 cumul_ack;
	__u32 accounted;	/* bytes already counted for dupacks */
	__u32 rtt;
	__u32 rtt_min;		/* minimum observed RTT */
	__u8 first_ack;		/* flag which infers that this is the first ack */
	__u8 reset_rtt_min;	/* Reset RTT min to next RTT sample */
};
BPFTCP_CA_PRIV_ASSERT(struct westwood_state);

/*
 * tcp_westwood_init(): called after the SYN exchange, when there is no RTT
 * information yet; rtt_min starts at 20 s so the first real sample takes
 * over within the first RTT.
 */
static inline void westwood_init(struct westwood_state *w, __u32 now, __u32 snd_una, __u32 hz)
{
	w->bk = 0;
	w->bw_ns_est = 0;
	w->bw_est = 0;
	w->accounted = 0;
	w->cumul_ack = 0;
	w->reset_rtt_min = 1;
	w->rtt_min = w->rtt = westwood_init_rtt_jiffies(hz);
	w->rtt_win_sx = now;
	w->snd_una = snd_una;
	w->first_ack = 1;
}

/* westwood_do_filter(): low-pass filter with constant coefficients, 7/8. */
static inline __u32 westwood_do_filter(__u32 a, __u32 b)
{
	return ((7 * a) + b) >> 3;
}

/* westwood_filter(): one bandwidth sample, bk / delta, through two stages. */
static inline void westwood_filter(struct westwood_state *w, __u32 delta)
{
	/* If the filter is empty fill it with the first sample of bandwidth */
	if (w->bw_ns_est == 0 && w->bw_est == 0) {
		w->bw_ns_est = w->bk / delta;
		w->bw_est = w->bw_ns_est;
	} else {
		w->bw_ns_est = westwood_do_filter(w->bw_ns_est, w->bk / delta);
		w->bw_est = westwood_do_filter(w->bw_est, w->bw_ns_est);
	}
}

/* tcp_westwood_pkts_acked(): all Westwood needs is the last RTT sample. */
static inline void westwood_pkts_acked(struct westwood_state *w, __s32 rtt_us, __u32 hz)
{
	if (rtt_us > 0)
		w->rtt = bpftcp_usecs_to_jiffies(rtt_us, hz);
}

/*
 * westwood_update_window(): close the sampling window once an RTT (but at
 * least 50 ms: shorter windows give poor estimates) has passed, feeding the
 * filter.  On a LAN the window is therefore always 50 ms long.
 */
static inline void westwood_update_window(struct westwood_state *w, __u32 now, __u32 snd_una,
					  __u32 hz)
{
	__s32 delta = now - w->rtt_win_sx;
	__u32 min_win = westwood_rtt_min_jiffies(hz);

	/* Initialize snd_una with the first acked sequence number, so the
	 * first bandwidth sample does not count what preceded it. */
	if (w->first_ack) {
		w->snd_una = snd_una;
		w->first_ack = 0;
	}

	if (w->rtt && (__u32)delta > (w->rtt > min_win ? w->rtt : min_win)) {
		westwood_filter(w, delta);

		w->bk = 0;
		w->rtt_win_sx = now;
	}
}

/* update_rtt_min() */
static inline void westwood_update_rtt_min(struct westwood_state *w)
{
	if (w->reset_rtt_min) {
		w->rtt_min = w->rtt;
		w->reset_rtt_min = 0;
	} else {
		w->rtt_min = w->rtt < w->rtt_min ? w->rtt : w->rtt_min;
	}
}

/* westwood_fast_bw(): in-order ACK (the fast path): count what it acked. */
static inline void westwood_fast_bw(struct westwood_state *w, __u32 now, __u32 snd_una, __u32 hz)
{
	westwood_update_window(w, now, snd_una, hz);

	w->bk += snd_una - w->snd_una;
	w->snd_una = snd_una;
	westwood_update_rtt_min(w);
}

/*
 * westwood_acked_count(): bytes to credit for an ACK on the slow path.  A
 * dupack (snd_una not moving) still means a segment left the network:
 * credit one mss and remember it ("accounted"), and take it back from the
 * cumulative ACK that eventually covers it.
 */
static inline __u32 westwood_acked_count(struct westwood_state *w, __u32 snd_una, __u32 mss)
{
	w->cumul_ack = snd_una - w->snd_una;

	/* If cumul_ack is 0 this is a dupack since it's not moving snd_una. */
	if (!w->cumul_ack) {
		w->accounted += mss;
		w->cumul_ack = mss;
	}

	if (w->cumul_ack > mss) {
		/* Partial or delayed ack */
		if (w->accounted >= w->cumul_ack) {
			w->accounted -= w->cumul_ack;
			w->cumul_ack = mss;
		} else {
			w->cumul_ack -= w->accounted;
			w->accounted = 0;
		}
	}

	w->snd_una = snd_una;

	return w->cumul_ack;
}

/*
 * tcp_westwood_bw_rttmin(): the window, in packets, that the estimated
 * bandwidth fills over the minimum RTT (BWE * RTTmin / mss), at least 2.
 */
static inline __u32 westwood_bw_rttmin(const struct westwood_state *w, __u32 mss)
{
	__u32 win = (w->bw_est * w->rtt_min) / mss;

	return win > 2 ? win : 2;
}

/* tcp_westwood_ack(): in_ack_event, @slowpath = ack_flags & CA_ACK_SLOWPATH. */
static inline void westwood_ack(struct westwood_state *w, bool slowpath, __u32 now,
				__u32 snd_una, __u32 mss, __u32 hz)
{
	if (slowpath) {
		westwood_update_window(w, now, snd_una, hz);
		w->bk += westwood_acked_count(w, snd_una, mss);

		westwood_update_rtt_min(w);
		return;
	}

	westwood_fast_bw(w, now, snd_una, hz);
}

#endif /* BPFTCP_WESTWOOD_H */
