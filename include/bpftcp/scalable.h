/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Scalable TCP's arithmetic, shared by cc/scalable.bpf.c and the host unit
 * tests (selftests/test_scalable_math.c).  Ported from
 * net/ipv4/tcp_scalable.c (Linux 6.x).  Scalable TCP keeps no state: it grows
 * cwnd by 1 packet every min(cwnd, 100) ACKed packets (about 1% per RTT once
 * cwnd > 100) and cuts it by 1/8 on loss.
 */
#ifndef BPFTCP_SCALABLE_H
#define BPFTCP_SCALABLE_H

#include "bpftcp/cc_common.h"

/* From the paper's recommended a = 0.01 and b = 0.125 (7/8 kept on loss). */
#define TCP_SCALABLE_AI_CNT	100U
#define TCP_SCALABLE_MD_SCALE	3

/* The "w" given to tcp_cong_avoid_ai(): ACKed packets per +1 of cwnd. */
static inline __u32 scalable_ai_cnt(__u32 cwnd)
{
	return cc_min_u32(cwnd, TCP_SCALABLE_AI_CNT);
}

/* tcp_scalable_ssthresh(): cwnd - cwnd/8, at least 2. */
static inline __u32 scalable_ssthresh(__u32 cwnd)
{
	return cc_max_u32(cwnd - (cwnd >> TCP_SCALABLE_MD_SCALE), 2U);
}

#endif /* BPFTCP_SCALABLE_H */
