// SPDX-License-Identifier: GPL-2.0-only
/*
 * bpf_bic: BIC-TCP, binary search towards the last maximum window (cubic's predecessor)
 *
 * Reference: Linux net/ipv4/tcp_bic.c (6.x); L. Xu, K. Harfoush, I. Rhee,
 * "Binary Increase Congestion Control (BIC) for Fast Long-Distance Networks",
 * IEEE INFOCOM 2004.  Reno below low_window (14 packets); above it, after a
 * loss cwnd moves towards the last maximum W_max by binary search (at most
 * max_increment packets per RTT), probes slowly past it, then grows
 * linearly; beta = 819/1024 with fast convergence; the per-ACK increment is
 * scaled by an EWMA of the delayed-ACK ratio.  The arithmetic lives in
 * include/bpftcp/bic.h, shared with the host tests.
 *
 * Deviations from tcp_bic.c, and why:
 *  1. Module parameters (fast_convergence, max_increment, low_window, beta,
 *     initial_ssthresh, smooth_part) are const volatile globals fixed at load
 *     time, with the kernel's defaults: BPF has no module_param, and values
 *     are not changeable while registered (the kernel's are 0644).
 *  2. HZ comes from CONFIG_HZ via libbpf's __kconfig and tcp_jiffies32 from
 *     bpf_jiffies64(); same values as the kernel's.
 *  3. tcp_slow_start, tcp_cong_avoid_ai and tcp_reno_undo_cwnd, which the
 *     kernel file uses, are reno.h's maths on the socket's window (the policy
 *     of bpf_tcp.h), not through the kfuncs: same arithmetic.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "bpftcp/bpf_tcp.h"
#include "bpftcp/bic.h"

char _license[] SEC("license") = "GPL";

/* Tunables: the module parameters of tcp_bic.c, with its defaults. */
const volatile bool fast_convergence = true;
const volatile __u32 max_increment = 16;
const volatile __u32 low_window = 14;
const volatile __u32 beta = 819;		/* = 819/1024 (BICTCP_BETA_SCALE) */
const volatile __u32 initial_ssthresh = 0;
const volatile __u32 smooth_part = 20;

static __always_inline struct bic_params bic_params(void)
{
	struct bic_params p = {
		.fast_convergence = fast_convergence,
		.max_increment = max_increment,
		.low_window = low_window,
		.beta = beta,
		.smooth_part = smooth_part,
	};
	return p;
}

SEC("struct_ops")
void BPF_PROG(bpf_bic_init, struct sock *sk)
{
	BPFTCP_COUNT(calls[BPFTCP_OP_INIT]);
	bic_reset(inet_csk_ca(sk));

	if (initial_ssthresh)
		tcp_sk(sk)->snd_ssthresh = initial_ssthresh;
}

SEC("struct_ops")
void BPF_PROG(bpf_bic_cong_avoid, struct sock *sk, __u32 ack, __u32 acked)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct bic_state *ca = inet_csk_ca(sk);
	struct bic_params p = bic_params();

	BPFTCP_COUNT(calls[BPFTCP_OP_CONG_AVOID]);
	if (!cc_cong_avoid_begin(sk, &acked))
		return;
	bic_update(ca, tcp_snd_cwnd(tp), tcp_jiffies32, HZ, &p);
	cc_cong_avoid_ai(tp, ca->cnt, acked);
}

SEC("struct_ops")
__u32 BPF_PROG(bpf_bic_recalc_ssthresh, struct sock *sk)
{
	struct bic_params p = bic_params();

	BPFTCP_COUNT(calls[BPFTCP_OP_SSTHRESH]);
	return bic_recalc_ssthresh(inet_csk_ca(sk), tcp_snd_cwnd(tcp_sk(sk)), &p);
}

SEC("struct_ops")
void BPF_PROG(bpf_bic_state, struct sock *sk, __u8 new_state)
{
	BPFTCP_COUNT(calls[BPFTCP_OP_SET_STATE]);
	if (new_state == TCP_CA_Loss)
		bic_reset(inet_csk_ca(sk));
}

/* Track the delayed-ACK ratio with a sliding window, in TCP_CA_Open only. */
SEC("struct_ops")
void BPF_PROG(bpf_bic_acked, struct sock *sk, const struct ack_sample *sample)
{
	BPFTCP_COUNT(calls[BPFTCP_OP_PKTS_ACKED]);
	if (tcp_ca_state(sk) == TCP_CA_Open)
		bic_acked(inet_csk_ca(sk), sample->pkts_acked);
}

SEC("struct_ops")
__u32 BPF_PROG(bpf_bic_undo_cwnd, struct sock *sk)
{
	BPFTCP_COUNT(calls[BPFTCP_OP_UNDO_CWND]);
	return cc_reno_undo_cwnd(sk);
}

SEC(".struct_ops.link")
struct tcp_congestion_ops bic = {
	.init		= (void *)bpf_bic_init,
	.ssthresh	= (void *)bpf_bic_recalc_ssthresh,
	.cong_avoid	= (void *)bpf_bic_cong_avoid,
	.set_state	= (void *)bpf_bic_state,
	.undo_cwnd	= (void *)bpf_bic_undo_cwnd,
	.pkts_acked	= (void *)bpf_bic_acked,
	.name		= "bpf_bic",
};
