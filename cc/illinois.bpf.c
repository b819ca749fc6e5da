// SPDX-License-Identifier: GPL-2.0-only
/*
 * bpf_illinois: TCP-Illinois, loss-based AIMD whose increase/decrease follow queueing delay
 *
 * Reference: Linux net/ipv4/tcp_illinois.c (6.x); S. Liu, T. Basar,
 * R. Srikant, "TCP-Illinois: A Loss and Delay-Based Congestion Control
 * Algorithm for High-Speed Networks", VALUETOOLS 2006 / Perf. Eval. 2008.
 * Loss still triggers the decrease, but the additive increase alpha (0.3 to
 * 10 packets per RTT) and the multiplicative decrease beta (1/8 to 1/2) are
 * recomputed once per RTT from the average and maximum queueing delay
 * (RTT samples minus the minimum RTT); below win_thresh (15) it is Reno.
 * The arithmetic lives in include/bpftcp/illinois.h, shared with the host
 * tests.
 *
 * Deviations from tcp_illinois.c, and why:
 *  1. Module parameters (win_thresh, theta) are const volatile globals fixed
 *     at load time, with the kernel's defaults: BPF has no module_param.
 *  2. get_info (INET_DIAG_VEGASINFO for ss -i) is not provided: the kernel
 *     rejects get_info in BPF congestion controls (bpf_tcp_ca.c lists it as
 *     unsupported).  Nothing else depends on it.
 *  3. tcp_slow_start and tcp_reno_undo_cwnd, which the kernel file uses, are
 *     reno.h's maths on the socket's window (the policy of bpf_tcp.h), not
 *     through the kfuncs: same arithmetic.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "bpftcp/bpf_tcp.h"
#include "bpftcp/illinois.h"

char _license[] SEC("license") = "GPL";

/* Tunables: the module parameters of tcp_illinois.c, with its defaults. */
const volatile __u32 win_thresh = 15;
const volatile __u32 theta = 5;

static __always_inline struct illinois_params illinois_params(void)
{
	struct illinois_params p = {
		.win_thresh = win_thresh,
		.theta = theta,
	};
	return p;
}

SEC("struct_ops")
void BPF_PROG(bpf_illinois_init, struct sock *sk)
{
	BPFTCP_COUNT(calls[BPFTCP_OP_INIT]);
	illinois_init(inet_csk_ca(sk), tcp_sk(sk)->snd_nxt);
}

/* Measure RTT for each ack. */
SEC("struct_ops")
void BPF_PROG(bpf_illinois_acked, struct sock *sk, const struct ack_sample *sample)
{
	BPFTCP_COUNT(calls[BPFTCP_OP_PKTS_ACKED]);
	illinois_acked(inet_csk_ca(sk), sample->pkts_acked, sample->rtt_us);
}

/* In case of loss, reset to default values. */
SEC("struct_ops")
void BPF_PROG(bpf_illinois_state, struct sock *sk, __u8 new_state)
{
	BPFTCP_COUNT(calls[BPFTCP_OP_SET_STATE]);
	if (new_state == TCP_CA_Loss)
		illinois_loss(inet_csk_ca(sk), tcp_sk(sk)->snd_nxt);
}

/* Increase window in response to successful acknowledgment. */
SEC("struct_ops")
void BPF_PROG(bpf_illinois_cong_avoid, struct sock *sk, __u32 ack, __u32 acked)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct illinois_state *ca = inet_csk_ca(sk);
	struct illinois_params p = illinois_params();

	BPFTCP_COUNT(calls[BPFTCP_OP_CONG_AVOID]);
	if (after(ack, ca->end_seq))
		illinois_update_params(ca, tcp_snd_cwnd(tp), tp->snd_nxt, &p);

	/* RFC2861 only increase cwnd if fully utilized */
	if (!tcp_is_cwnd_limited(sk))
		return;

	if (tcp_in_slow_start(tp)) {
		cc_slow_start(tp, acked);
	} else {
		__u32 cwnd = tcp_snd_cwnd(tp), cnt = tp->snd_cwnd_cnt;

		illinois_increase(ca, &cwnd, &cnt, tp->snd_cwnd_clamp);
		tcp_snd_cwnd_set(tp, cwnd);
		tp->snd_cwnd_cnt = cnt;
	}
}

SEC("struct_ops")
__u32 BPF_PROG(bpf_illinois_ssthresh, struct sock *sk)
{
	BPFTCP_COUNT(calls[BPFTCP_OP_SSTHRESH]);
	return illinois_ssthresh(inet_csk_ca(sk), tcp_snd_cwnd(tcp_sk(sk)));
}

SEC("struct_ops")
__u32 BPF_PROG(bpf_illinois_undo_cwnd, struct sock *sk)
{
	BPFTCP_COUNT(calls[BPFTCP_OP_UNDO_CWND]);
	return cc_reno_undo_cwnd(sk);
}

SEC(".struct_ops.link")
struct tcp_congestion_ops illinois = {
	.init		= (void *)bpf_illinois_init,
	.ssthresh	= (void *)bpf_illinois_ssthresh,
	.undo_cwnd	= (void *)bpf_illinois_undo_cwnd,
	.cong_avoid	= (void *)bpf_illinois_cong_avoid,
	.set_state	= (void *)bpf_illinois_state,
	.pkts_acked	= (void *)bpf_illinois_acked,
	.name		= "bpf_illinois",
};
