// SPDX-License-Identifier: GPL-2.0-only
/*
 * bpf_scalable: Scalable TCP (MIMD, +1% per RTT, -1/8 on loss) for high-BDP paths
 *
 * Reference: Linux net/ipv4/tcp_scalable.c (6.x); T. Kelly, "Scalable TCP:
 * Improving Performance in Highspeed Wide Area Networks", ACM CCR 33(2), 2003.
 * Slow start as Reno; in congestion avoidance cwnd grows by one packet every
 * min(cwnd, 100) ACKed packets; on loss ssthresh = cwnd - cwnd/8.  The
 * arithmetic lives in include/bpftcp/scalable.h, shared with the host tests.
 *
 * Deviations from tcp_scalable.c, and why:
 *  1. None in behaviour.  The kernel file uses tcp_reno_undo_cwnd as its
 *     undo_cwnd, and tcp_slow_start and tcp_cong_avoid_ai; this port uses
 *     reno.h's copies of them (the policy of bpf_tcp.h), not the kfuncs.
 *     The only addition is the per-callback counting (BPFTCP_COUNT) that
 *     every bpftcp algorithm does.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "bpftcp/bpf_tcp.h"
#include "bpftcp/scalable.h"

char _license[] SEC("license") = "GPL";

SEC("struct_ops")
void BPF_PROG(bpf_scalable_cong_avoid, struct sock *sk, __u32 ack, __u32 acked)
{
	struct tcp_sock *tp = tcp_sk(sk);

	BPFTCP_COUNT(calls[BPFTCP_OP_CONG_AVOID]);
	if (!cc_cong_avoid_begin(sk, &acked))
		return;
	cc_cong_avoid_ai(tp, scalable_ai_cnt(tcp_snd_cwnd(tp)), acked);
}

SEC("struct_ops")
__u32 BPF_PROG(bpf_scalable_ssthresh, struct sock *sk)
{
	BPFTCP_COUNT(calls[BPFTCP_OP_SSTHRESH]);
	return scalable_ssthresh(tcp_snd_cwnd(tcp_sk(sk)));
}

SEC("struct_ops")
__u32 BPF_PROG(bpf_scalable_undo_cwnd, struct sock *sk)
{
	BPFTCP_COUNT(calls[BPFTCP_OP_UNDO_CWND]);
	return cc_reno_undo_cwnd(sk);
}

SEC(".struct_ops.link")
struct tcp_congestion_ops scalable = {
	.ssthresh	= (void *)bpf_scalable_ssthresh,
	.cong_avoid	= (void *)bpf_scalable_cong_avoid,
	.undo_cwnd	= (void *)bpf_scalable_undo_cwnd,
	.name		= "bpf_scalable",
};
