/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The BPF side's vocabulary for tcp_congestion_ops programs: the small inline
 * pieces of include/net/tcp.h and include/net/inet_connection_sock.h, CO-RE
 * reads of the socket's bitfields, the window growth every algorithm uses,
 * and the per-algorithm counter map.  Include after vmlinux.h and
 * <bpf/bpf_helpers.h>.
 *
 * Conventions:
 *  - Bitfields of the socket (icsk_ca_state, is_cwnd_limited, tcp_usec_ts)
 *    are read only through the accessors here (tcp_ca_state(),
 *    tcp_sk_is_cwnd_limited(), tcp_sk_usec_ts()), which use
 *    BPF_CORE_READ_BITFIELD: their layout differs between kernels (6.4
 *    moved them), and a plain read would bake in the build host's.
 *  - Slow start and window growth policy: every algorithm grows its window
 *    with the shared, host-tested maths of reno.h (a faithful copy of
 *    net/ipv4/tcp_cong.c, checked by selftests/test_reno_math.c) on a
 *    struct cc_window, through cc_slow_start(), cc_cong_avoid_ai(),
 *    cc_reno_cong_avoid(), cc_reno_ssthresh() and cc_reno_undo_cwnd() below;
 *    no program calls the generic kfuncs tcp_slow_start, tcp_cong_avoid_ai
 *    or tcp_reno_* (same results, but the code would not be the one the
 *    host tests run).  cong_avoid callbacks that open as tcp_reno_cong_avoid
 *    does (nothing unless cwnd-limited; slow start first) use
 *    cc_cong_avoid_begin().
 *  - Counting: every callback does BPFTCP_COUNT(calls[BPFTCP_OP_<op>]) and
 *    every failure branch BPFTCP_ERR() (bpf_counters.h), in this program's
 *    per-CPU map cc_stats.  An algorithm with counters of its own defines
 *    BPFTCP_CC_COUNTERS first (cc_stats.h).
 *  - TCP_INFINITE_SSTHRESH, cc_min_u32()/cc_max_u32(), before()/after() and
 *    struct cc_window come from cc_common.h, shared with the host tests.
 */
#ifndef BPFTCP_BPF_TCP_H
#define BPFTCP_BPF_TCP_H

#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "bpftcp/bpf_counters.h"
#include "bpftcp/cc_common.h"
#include "bpftcp/cc_stats.h"
#include "bpftcp/reno.h"

#define USEC_PER_MSEC		1000UL
#define USEC_PER_SEC		1000000UL
#define MSEC_PER_SEC		1000UL
#define TCP_ECN_OK		1
#define TCP_ECN_QUEUE_CWR	2
#define TCP_ECN_DEMAND_CWR	4
#define TCP_ECN_SEEN		8
/* ECN mode bits of ecn_flags (include/linux/tcp.h, 6.18): bit 0 is
 * TCP_ECN_OK of older kernels, bit 4 (AccECN) was unused there. */
#define TCP_ECN_MODE_RFC3168	0x01
#define TCP_ECN_MODE_ACCECN	0x10
#define TCP_ECN_MODE_ANY	(TCP_ECN_MODE_RFC3168 | TCP_ECN_MODE_ACCECN)

/* The kernel's HZ, read by libbpf from the kernel config at load time. */
extern unsigned int CONFIG_HZ __kconfig;
#define HZ CONFIG_HZ
/* tcp_jiffies32 is the low 32 bits of jiffies. */
#define tcp_jiffies32 ((__u32)bpf_jiffies64())

/* --- counters ----------------------------------------------------------- */
#ifndef BPFTCP_CC_COUNTERS
#define BPFTCP_CC_COUNTERS struct bpftcp_cc_stats
#endif
BPFTCP_COUNTERS(cc_stats, BPFTCP_CC_COUNTERS)

/* --- the socket --------------------------------------------------------- */
static __always_inline struct tcp_sock *tcp_sk(const struct sock *sk)
{
	return (struct tcp_sock *)sk;
}

static __always_inline struct inet_connection_sock *inet_csk(const struct sock *sk)
{
	return (struct inet_connection_sock *)sk;
}

static __always_inline void *inet_csk_ca(const struct sock *sk)
{
	return (void *)inet_csk(sk)->icsk_ca_priv;
}

static __always_inline __u32 tcp_snd_cwnd(const struct tcp_sock *tp)
{
	return tp->snd_cwnd;
}

static __always_inline void tcp_snd_cwnd_set(struct tcp_sock *tp, __u32 val)
{
	tp->snd_cwnd = val;
}

/* inet_csk(sk)->icsk_ca_state: enum tcp_ca_state (a 5-bit bitfield). */
static __always_inline __u8 tcp_ca_state(const struct sock *sk)
{
	return BPF_CORE_READ_BITFIELD(inet_csk(sk), icsk_ca_state);
}

/* tp->is_cwnd_limited (a 1-bit bitfield). */
static __always_inline bool tcp_sk_is_cwnd_limited(const struct tcp_sock *tp)
{
	return BPF_CORE_READ_BITFIELD(tp, is_cwnd_limited);
}

/* tp->tcp_usec_ts: TCP timestamps in microseconds (a 1-bit bitfield). */
static __always_inline bool tcp_sk_usec_ts(const struct tcp_sock *tp)
{
	return BPF_CORE_READ_BITFIELD(tp, tcp_usec_ts);
}

static __always_inline bool tcp_in_slow_start(const struct tcp_sock *tp)
{
	return tcp_snd_cwnd(tp) < tp->snd_ssthresh;
}

static __always_inline bool tcp_is_cwnd_limited(const struct sock *sk)
{
	const struct tcp_sock *tp = tcp_sk(sk);

	if (tcp_sk_is_cwnd_limited(tp))
		return true;
	/* In slow start, ensure cwnd grows to twice what was ACKed. */
	if (tcp_in_slow_start(tp))
		return tcp_snd_cwnd(tp) < 2 * tp->max_packets_out;
	return false;
}

/* --- the window: reno.h's maths on the socket (the policy above) -------- */

/* A copy of the window for the maths headers (struct cc_window)... */
static __always_inline struct cc_window tcp_window_get(const struct tcp_sock *tp)
{
	struct cc_window w = {
		.cwnd = tp->snd_cwnd,
		.cwnd_cnt = tp->snd_cwnd_cnt,
		.ssthresh = tp->snd_ssthresh,
		.cwnd_clamp = tp->snd_cwnd_clamp,
	};
	return w;
}

/* ...and back: the fields they may change (the clamp is not writable). */
static __always_inline void tcp_window_put(struct tcp_sock *tp, const struct cc_window *w)
{
	tp->snd_cwnd = w->cwnd;
	tp->snd_cwnd_cnt = w->cwnd_cnt;
	tp->snd_ssthresh = w->ssthresh;
}

/* tcp_slow_start(): returns the ACKs left over for congestion avoidance. */
static __always_inline __u32 cc_slow_start(struct tcp_sock *tp, __u32 acked)
{
	struct cc_window w = tcp_window_get(tp);

	acked = reno_slow_start(&w, acked);
	tcp_window_put(tp, &w);
	return acked;
}

/* tcp_cong_avoid_ai(): cwnd += acked / @win (@win > 0). */
static __always_inline void cc_cong_avoid_ai(struct tcp_sock *tp, __u32 win, __u32 acked)
{
	struct cc_window w = tcp_window_get(tp);

	reno_cong_avoid_ai(&w, win, acked);
	tcp_window_put(tp, &w);
}

/*
 * The opening of tcp_reno_cong_avoid() that many cong_avoid callbacks share:
 * nothing to do unless cwnd-limited; in slow start, grow towards ssthresh.
 * Returns false when the callback is done, else true with *@acked the ACKs
 * left for the algorithm's congestion avoidance.
 */
static __always_inline bool cc_cong_avoid_begin(struct sock *sk, __u32 *acked)
{
	struct tcp_sock *tp = tcp_sk(sk);

	if (!tcp_is_cwnd_limited(sk))
		return false;
	if (tcp_in_slow_start(tp)) {
		*acked = cc_slow_start(tp, *acked);
		if (!*acked)
			return false;
	}
	return true;
}

/* tcp_reno_cong_avoid() */
static __always_inline void cc_reno_cong_avoid(struct sock *sk, __u32 acked)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct cc_window w;

	if (!tcp_is_cwnd_limited(sk))
		return;
	w = tcp_window_get(tp);
	reno_cong_avoid(&w, acked);
	tcp_window_put(tp, &w);
}

/* tcp_reno_ssthresh() */
static __always_inline __u32 cc_reno_ssthresh(const struct sock *sk)
{
	return reno_ssthresh(tcp_snd_cwnd(tcp_sk(sk)));
}

/* tcp_reno_undo_cwnd() */
static __always_inline __u32 cc_reno_undo_cwnd(const struct sock *sk)
{
	const struct tcp_sock *tp = tcp_sk(sk);

	return reno_undo_cwnd(tcp_snd_cwnd(tp), tp->prior_cwnd);
}

/* tcp_ecn_mode_rfc3168(): classic ECN negotiated (not AccECN). */
static __always_inline bool tcp_ecn_mode_rfc3168(const struct tcp_sock *tp)
{
	return (tp->ecn_flags & TCP_ECN_MODE_ANY) == TCP_ECN_MODE_RFC3168;
}

static __always_inline __u32 tcp_packets_in_flight(const struct tcp_sock *tp)
{
	return tp->packets_out - (tp->sacked_out + tp->lost_out) + tp->retrans_out;
}

#ifndef SOL_TCP
#define SOL_TCP			6	/* socket level of TCP options */
#endif
#ifndef TCP_CONGESTION
#define TCP_CONGESTION		13
#endif

/*
 * tp->snd_cwnd_clamp = clamp.  struct_ops programs may not write
 * snd_cwnd_clamp directly (bpf_tcp_ca_btf_struct_access() allows only
 * snd_cwnd, snd_cwnd_cnt, snd_cwnd_stamp, snd_ssthresh, ecn_flags,
 * app_limited, the pacing fields, icsk_ca_priv and icsk_ack.pending), but
 * bpf_setsockopt(TCP_BPF_SNDCWND_CLAMP) sets it - and snd_ssthresh too,
 * which is put back so that only the clamp changes.  Returns 0 or -errno.
 */
static __always_inline int tcp_snd_cwnd_clamp_set(struct sock *sk, __u32 clamp)
{
	struct tcp_sock *tp = tcp_sk(sk);
	__u32 ssthresh = tp->snd_ssthresh;
	int val = clamp;
	int err;

	err = bpf_setsockopt(sk, SOL_TCP, TCP_BPF_SNDCWND_CLAMP, &val, sizeof(val));
	tp->snd_ssthresh = ssthresh;
	return err;
}

#endif /* BPFTCP_BPF_TCP_H */
