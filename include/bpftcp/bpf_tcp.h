/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * BPF-side helpers for tcp_congestion_ops programs: the small inline pieces of
 * include/net/tcp.h and include/net/inet_connection_sock.h that are not kfuncs,
 * the generic TCP kfuncs we are allowed to call, and the per-algorithm counter
 * map (see cc_stats.h).  Include after vmlinux.h and <bpf/bpf_helpers.h>.
 */
#ifndef BPFTCP_BPF_TCP_H
#define BPFTCP_BPF_TCP_H

#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "bpftcp/cc_stats.h"
#include "bpftcp/reno.h"

#define TCP_INFINITE_SSTHRESH	0x7fffffff
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

#ifndef min
#define min(a, b) ((a) < (b) ? (a) : (b))
#endif
#ifndef max
#define max(a, b) ((a) > (b) ? (a) : (b))
#endif
#define clamp(v, lo, hi) min(max((v), (lo)), (hi))

/* Generic TCP kfuncs (net/ipv4/tcp_cong.c), exported for BPF CCs. */
extern __u32 tcp_slow_start(struct tcp_sock *tp, __u32 acked) __ksym;
extern void tcp_cong_avoid_ai(struct tcp_sock *tp, __u32 w, __u32 acked) __ksym;
extern void tcp_reno_cong_avoid(struct sock *sk, __u32 ack, __u32 acked) __ksym;
extern __u32 tcp_reno_ssthresh(struct sock *sk) __ksym;
extern __u32 tcp_reno_undo_cwnd(struct sock *sk) __ksym;

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

/* A copy of the window for the maths headers (struct reno_window)... */
static __always_inline struct reno_window tcp_window_get(const struct tcp_sock *tp)
{
	struct reno_window w = {
		.cwnd = tp->snd_cwnd,
		.cwnd_cnt = tp->snd_cwnd_cnt,
		.ssthresh = tp->snd_ssthresh,
		.cwnd_clamp = tp->snd_cwnd_clamp,
	};
	return w;
}

/* ...and back: the fields they may change (the clamp is not writable). */
static __always_inline void tcp_window_put(struct tcp_sock *tp, const struct reno_window *w)
{
	tp->snd_cwnd = w->cwnd;
	tp->snd_cwnd_cnt = w->cwnd_cnt;
	tp->snd_ssthresh = w->ssthresh;
}

static __always_inline bool before(__u32 seq1, __u32 seq2)
{
	return (__s32)(seq1 - seq2) < 0;
}
#define after(seq2, seq1) before(seq1, seq2)

static __always_inline bool tcp_in_slow_start(const struct tcp_sock *tp)
{
	return tcp_snd_cwnd(tp) < tp->snd_ssthresh;
}

static __always_inline bool tcp_is_cwnd_limited(const struct sock *sk)
{
	const struct tcp_sock *tp = tcp_sk(sk);

	if (tp->is_cwnd_limited)
		return true;
	/* In slow start, ensure cwnd grows to twice what was ACKed. */
	if (tcp_in_slow_start(tp))
		return tcp_snd_cwnd(tp) < 2 * tp->max_packets_out;
	return false;
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

/* --- counters ----------------------------------------------------------- */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bpftcp_cc_stats);
} cc_stats SEC(".maps");

static __always_inline struct bpftcp_cc_stats *bpftcp_stats(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&cc_stats, &zero);
}

/* Count one invocation of callback @op. Per-CPU, so no atomics needed. */
#define BPFTCP_COUNT(op)						\
	do {								\
		struct bpftcp_cc_stats *__s = bpftcp_stats();		\
		if (__s)						\
			__s->calls[(op)]++;				\
	} while (0)

/* Record that a failure branch was taken, and where (RET_CG_ERR idea). */
#define BPFTCP_ERR()							\
	do {								\
		struct bpftcp_cc_stats *__s = bpftcp_stats();		\
		if (__s) {						\
			__s->errors++;					\
			__s->last_err_line = __LINE__;			\
		}							\
	} while (0)

#endif /* BPFTCP_BPF_TCP_H */
