/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Small pieces shared by the congestion-control maths headers (and so by the
 * BPF programs and the host tests): the size of the per-socket private area,
 * the tcp_congestion_ops flag values, the kernel's usecs/msecs to jiffies
 * rounding, the window copy (struct cc_window), TCP_INFINITE_SSTHRESH, and
 * min/max/before/after.  Plain values only; nothing here touches a socket.
 */
#ifndef BPFTCP_CC_COMMON_H
#define BPFTCP_CC_COMMON_H

#ifndef __bpf__
#include <linux/types.h>
#include <stdbool.h>
#endif

/* ICSK_CA_PRIV_SIZE: inet_connection_sock.icsk_ca_priv is u64[13]. */
#define BPFTCP_CA_PRIV_SIZE	104

/* Fails the build when an algorithm's state would not fit in icsk_ca_priv. */
#define BPFTCP_CA_PRIV_ASSERT(type)					\
	_Static_assert(sizeof(type) <= BPFTCP_CA_PRIV_SIZE,		\
		       #type " must fit in icsk_ca_priv (104 bytes)")

/* tcp_congestion_ops.flags (include/net/tcp.h); #defines, so not in BTF.
 * The programs never set TCP_CONG_NON_RESTRICTED: the loader puts the name
 * in net.ipv4.tcp_allowed_congestion_control at register, and sets the
 * flag only in the copy a replace loads for an allowed algorithm (so that
 * it stays allowed through the update: lib/cc.c). */
#define BPFTCP_TCP_CONG_NON_RESTRICTED	0x1	/* in tcp_allowed_congestion_control */
#define BPFTCP_TCP_CONG_NEEDS_ECN	0x2	/* requires ECN/ECT on all packets */

/*
 * usecs_to_jiffies() and msecs_to_jiffies(): the kernel rounds up.  For an
 * HZ that divides USEC_PER_SEC (MSEC_PER_SEC) it does this same division;
 * otherwise (HZ 300) it multiplies and shifts by the constants of
 * kernel/timeconst.bc, which give the same values for every msecs it
 * accepts (< 2^31) and for usecs below 2605480000 (43 minutes; checked
 * over every u32 for HZ 300).  @hz is passed in because BPF reads it at
 * load time.
 */
static inline __u32 bpftcp_usecs_to_jiffies(__u32 us, __u32 hz)
{
	return (__u32)(((__u64)us * hz + 999999) / 1000000);
}

static inline __u32 bpftcp_msecs_to_jiffies(__u32 ms, __u32 hz)
{
	return (__u32)(((__u64)ms * hz + 999) / 1000);
}

/* enum tcp_ca_state (uapi linux/tcp.h), for maths headers that take the
 * congestion-avoidance state as a plain number. */
#define BPFTCP_CA_STATE_OPEN		0
#define BPFTCP_CA_STATE_DISORDER	1
#define BPFTCP_CA_STATE_CWR		2
#define BPFTCP_CA_STATE_RECOVERY	3
#define BPFTCP_CA_STATE_LOSS		4

/* TCP_INFINITE_SSTHRESH (include/net/tcp.h): "no ssthresh yet". */
#define TCP_INFINITE_SSTHRESH	0x7fffffff

/*
 * The window of a tcp_sock, in packets: what the algorithms' maths reads
 * and writes instead of the socket.  bpf_tcp.h's tcp_window_get() and
 * tcp_window_put() copy it from and back to the socket; the host tests
 * build one by hand.
 */
struct cc_window {
	__u32 cwnd;		/* snd_cwnd */
	__u32 cwnd_cnt;		/* snd_cwnd_cnt: linear increase counter */
	__u32 ssthresh;		/* snd_ssthresh */
	__u32 cwnd_clamp;	/* snd_cwnd_clamp (read-only for BPF) */
};

/*
 * min()/max() on u32 (the kernel's min_t(u32, ...)) and before()/after() of
 * include/net/tcp.h, for the maths headers and the BPF programs alike (the
 * kernel's are not available on either side).  The only definitions in
 * bpftcp: bpf_tcp.h includes this file.  As functions they evaluate each
 * argument once, like the kernel's.
 */
static inline __u32 cc_min_u32(__u32 a, __u32 b)
{
	return a < b ? a : b;
}

static inline __u32 cc_max_u32(__u32 a, __u32 b)
{
	return a > b ? a : b;
}

/* Is sequence number @seq1 before @seq2, modulo 2^32? */
static inline bool before(__u32 seq1, __u32 seq2)
{
	return (__s32)(seq1 - seq2) < 0;
}

static inline bool after(__u32 seq2, __u32 seq1)
{
	return before(seq1, seq2);
}

#endif /* BPFTCP_CC_COMMON_H */
