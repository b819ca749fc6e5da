// SPDX-License-Identifier: GPL-2.0-only
/*
 * bpf_lp: TCP-LP, low-priority (scavenger) transfers that yield to other traffic on one-way delay
 *
 * Reference: Linux net/ipv4/tcp_lp.c (6.x); A. Kuzmanovic, E. W. Knightly,
 * "TCP-LP: A Distributed Algorithm for Low Priority Data Transfer",
 * IEEE INFOCOM 2003.  Uses only the bandwidth others leave: from the TCP
 * timestamp option it tracks a relative one-way delay; when the smoothed
 * delay exceeds min + 15% of (max - min), cwnd is halved, or set to 1 if
 * that recurs within 3 RTTs ("inference"), during which Reno's increase is
 * suspended.  Otherwise it is Reno.  Needs TCP timestamps (on by default).
 * The arithmetic lives in include/bpftcp/lp.h, shared with the host tests.
 *
 * Deviations from tcp_lp.c, and why:
 *  1. tcp_time_stamp_ts() (the local timestamp clock: ms, or us on
 *     connections that negotiated usec timestamps) is computed here from
 *     tp->tcp_mstamp and tcp_sk_usec_ts(tp), as the kernel inline does.
 *  2. The pr_debug() trace of the state in pkts_acked is dropped (BPF has
 *     no pr_debug; bpf_printk would be a trace_pipe write per ACK).
 *  3. ssthresh, cong_avoid and undo_cwnd are tcp_reno_ssthresh,
 *     tcp_reno_cong_avoid and tcp_reno_undo_cwnd, as in the kernel file:
 *     reno.h's maths on the socket's window (the policy of bpf_tcp.h), not
 *     through the kfuncs: same arithmetic.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "bpftcp/bpf_tcp.h"
#include "bpftcp/lp.h"

char _license[] SEC("license") = "GPL";

/* tcp_time_stamp_ts(): the clock the peer echoes in TSecr. */
static __always_inline __u32 lp_time_stamp_ts(const struct tcp_sock *tp)
{
	if (tcp_sk_usec_ts(tp))
		return tp->tcp_mstamp;
	return tp->tcp_mstamp / USEC_PER_MSEC;
}

SEC("struct_ops")
void BPF_PROG(bpf_lp_init, struct sock *sk)
{
	BPFTCP_COUNT(calls[BPFTCP_OP_INIT]);
	lp_init(inet_csk_ca(sk));
}

/* Only Reno's increase, and only when away from an inference. */
SEC("struct_ops")
void BPF_PROG(bpf_lp_cong_avoid, struct sock *sk, __u32 ack, __u32 acked)
{
	struct lp_state *lp = inet_csk_ca(sk);

	BPFTCP_COUNT(calls[BPFTCP_OP_CONG_AVOID]);
	if (!(lp->flag & LP_WITHIN_INF))
		cc_reno_cong_avoid(sk, acked);
}

/* The early congestion indication, handled per ACK. */
SEC("struct_ops")
void BPF_PROG(bpf_lp_pkts_acked, struct sock *sk, const struct ack_sample *sample)
{
	struct tcp_sock *tp = tcp_sk(sk);
	__u32 cwnd = tcp_snd_cwnd(tp);

	BPFTCP_COUNT(calls[BPFTCP_OP_PKTS_ACKED]);
	if (lp_pkts_acked(inet_csk_ca(sk), sample->rtt_us, tp->rx_opt.rcv_tsval,
			  tp->rx_opt.rcv_tsecr, lp_time_stamp_ts(tp), &cwnd))
		tcp_snd_cwnd_set(tp, cwnd);
}

SEC("struct_ops")
__u32 BPF_PROG(bpf_lp_ssthresh, struct sock *sk)
{
	BPFTCP_COUNT(calls[BPFTCP_OP_SSTHRESH]);
	return cc_reno_ssthresh(sk);
}

SEC("struct_ops")
__u32 BPF_PROG(bpf_lp_undo_cwnd, struct sock *sk)
{
	BPFTCP_COUNT(calls[BPFTCP_OP_UNDO_CWND]);
	return cc_reno_undo_cwnd(sk);
}

SEC(".struct_ops.link")
struct tcp_congestion_ops lp = {
	.init		= (void *)bpf_lp_init,
	.ssthresh	= (void *)bpf_lp_ssthresh,
	.undo_cwnd	= (void *)bpf_lp_undo_cwnd,
	.cong_avoid	= (void *)bpf_lp_cong_avoid,
	.pkts_acked	= (void *)bpf_lp_pkts_acked,
	.name		= "bpf_lp",
};
