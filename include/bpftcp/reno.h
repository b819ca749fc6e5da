/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * TCP Reno (RFC 5681) as Linux implements it in net/ipv4/tcp_cong.c (6.x):
 * tcp_slow_start(), tcp_cong_avoid_ai(), tcp_reno_cong_avoid(),
 * tcp_reno_ssthresh() and tcp_reno_undo_cwnd(), on a struct cc_window (a
 * plain copy of the four tcp_sock fields they use, cc_common.h).  Every BPF
 * congestion control grows its window with these (through bpf_tcp.h's
 * cc_slow_start() and friends), and the host tests check them
 * (selftests/test_reno_math.c).
 */
#ifndef BPFTCP_RENO_H
#define BPFTCP_RENO_H

#ifndef __bpf__
#include <linux/types.h>
#include <stdbool.h>
#endif

#include "bpftcp/cc_common.h"

/* tcp_in_slow_start() */
static inline bool reno_in_slow_start(const struct cc_window *w)
{
	return w->cwnd < w->ssthresh;
}

/*
 * tcp_slow_start(): a stretch ACK of degree N counts as N ACKs of degree 1,
 * but cwnd stops at ssthresh; the ACKs left over are returned so the caller
 * can spend them in congestion avoidance.
 */
static inline __u32 reno_slow_start(struct cc_window *w, __u32 acked)
{
	__u32 cwnd = w->cwnd + acked < w->ssthresh ? w->cwnd + acked : w->ssthresh;

	acked -= cwnd - w->cwnd;
	w->cwnd = cwnd < w->cwnd_clamp ? cwnd : w->cwnd_clamp;
	return acked;
}

/*
 * tcp_cong_avoid_ai(): cwnd += acked / @win, with the remainder kept in
 * cwnd_cnt.  @win must not be 0 (the kernel never passes 0).
 */
static inline void reno_cong_avoid_ai(struct cc_window *w, __u32 win, __u32 acked)
{
	/* If credits accumulated at a higher win, apply them gently now. */
	if (w->cwnd_cnt >= win) {
		w->cwnd_cnt = 0;
		w->cwnd++;
	}

	w->cwnd_cnt += acked;
	if (w->cwnd_cnt >= win) {
		__u32 delta = w->cwnd_cnt / win;

		w->cwnd_cnt -= delta * win;
		w->cwnd += delta;
	}
	if (w->cwnd > w->cwnd_clamp)
		w->cwnd = w->cwnd_clamp;
}

/*
 * tcp_reno_cong_avoid() after its tcp_is_cwnd_limited() check (which needs
 * the socket, so the caller does it): Jacobson's slow start and congestion
 * avoidance, SIGCOMM '88 p. 328.
 */
static inline void reno_cong_avoid(struct cc_window *w, __u32 acked)
{
	if (reno_in_slow_start(w)) {
		acked = reno_slow_start(w, acked);
		if (!acked)
			return;
	}
	reno_cong_avoid_ai(w, w->cwnd, acked);
}

/* tcp_reno_ssthresh(): half the window, at least 2. */
static inline __u32 reno_ssthresh(__u32 cwnd)
{
	return (cwnd >> 1) > 2 ? (cwnd >> 1) : 2;
}

/* tcp_reno_undo_cwnd(): back to the window before the reduction. */
static inline __u32 reno_undo_cwnd(__u32 cwnd, __u32 prior_cwnd)
{
	return cwnd > prior_cwnd ? cwnd : prior_cwnd;
}

#endif /* BPFTCP_RENO_H */
