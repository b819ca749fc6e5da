// SPDX-License-Identifier: GPL-2.0-only
/*
 * bpf_westwood: TCP Westwood+, Reno whose loss response is set by a bandwidth estimate
 *
 * A port of Linux net/ipv4/tcp_westwood.c (6.x).  References: S. Mascolo,
 * C. Casetti, M. Gerla et al., "TCP Westwood: Bandwidth Estimation for
 * Enhanced Transport over Wireless Links", ACM MobiCom 2001; L. A. Grieco,
 * S. Mascolo, "Performance Evaluation and Comparison of Westwood+, New Reno
 * and Vegas TCP Congestion Control", ACM CCR 2004.  The sender measures the
 * bytes ACKed per RTT window (at least 50 ms; dupacks count as one segment
 * delivered), smooths that with two 7/8 low-pass filters, and after a loss
 * sets ssthresh (and, when CWR completes, cwnd) to bandwidth x RTTmin
 * instead of halving: random (e.g. wireless) losses do not collapse the
 * window.  Probing is Reno's.  The estimator lives in
 * include/bpftcp/westwood.h so the host tests exercise it.
 *
 * Deviations from tcp_westwood.c, and why:
 *  1. HZ comes from CONFIG_HZ via libbpf's __kconfig and tcp_jiffies32 from
 *     bpf_jiffies64(); usecs_to_jiffies() rounds up as the kernel's does.
 *  2. ssthresh, cong_avoid and undo_cwnd are tcp_reno_ssthresh,
 *     tcp_reno_cong_avoid and tcp_reno_undo_cwnd, which the kernel file
 *     installs: reno.h's maths on the socket's window (the policy of
 *     bpf_tcp.h), not through the kfuncs: same arithmetic.
 *  3. get_info (INET_DIAG_VEGASINFO with Westwood's RTTs for "ss -i") is not
 *     a member BPF may implement.
 *  4. Each callback counts itself in this program's cc_stats map.
 * The file has no module parameters.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "bpftcp/bpf_tcp.h"
#include "bpftcp/westwood.h"

char _license[] SEC("license") = "GPL";

SEC("struct_ops")
void BPF_PROG(bpf_westwood_init, struct sock *sk)
{
	BPFTCP_COUNT(calls[BPFTCP_OP_INIT]);
	westwood_init(inet_csk_ca(sk), tcp_jiffies32, tcp_sk(sk)->snd_una, HZ);
}

SEC("struct_ops")
void BPF_PROG(bpf_westwood_pkts_acked, struct sock *sk, const struct ack_sample *sample)
{
	BPFTCP_COUNT(calls[BPFTCP_OP_PKTS_ACKED]);
	westwood_pkts_acked(inet_csk_ca(sk), sample->rtt_us, HZ);
}

SEC("struct_ops")
void BPF_PROG(bpf_westwood_ack, struct sock *sk, __u32 ack_flags)
{
	const struct tcp_sock *tp = tcp_sk(sk);

	BPFTCP_COUNT(calls[BPFTCP_OP_IN_ACK_EVENT]);
	westwood_ack(inet_csk_ca(sk), ack_flags & CA_ACK_SLOWPATH, tcp_jiffies32,
		     tp->snd_una, tp->mss_cache, HZ);
}

SEC("struct_ops")
void BPF_PROG(bpf_westwood_event, struct sock *sk, enum tcp_ca_event event)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct westwood_state *w = inet_csk_ca(sk);

	BPFTCP_COUNT(calls[BPFTCP_OP_CWND_EVENT]);
	switch (event) {
	case CA_EVENT_COMPLETE_CWR:
		tp->snd_ssthresh = westwood_bw_rttmin(w, tp->mss_cache);
		tp->snd_cwnd = tp->snd_ssthresh;
		break;
	case CA_EVENT_LOSS:
		tp->snd_ssthresh = westwood_bw_rttmin(w, tp->mss_cache);
		/* Update RTT_min when next ack arrives */
		w->reset_rtt_min = 1;
		break;
	default:
		/* don't care */
		break;
	}
}

SEC("struct_ops")
__u32 BPF_PROG(bpf_westwood_ssthresh, struct sock *sk)
{
	BPFTCP_COUNT(calls[BPFTCP_OP_SSTHRESH]);
	return cc_reno_ssthresh(sk);
}

SEC("struct_ops")
void BPF_PROG(bpf_westwood_cong_avoid, struct sock *sk, __u32 ack, __u32 acked)
{
	BPFTCP_COUNT(calls[BPFTCP_OP_CONG_AVOID]);
	cc_reno_cong_avoid(sk, acked);
}

SEC("struct_ops")
__u32 BPF_PROG(bpf_westwood_undo_cwnd, struct sock *sk)
{
	BPFTCP_COUNT(calls[BPFTCP_OP_UNDO_CWND]);
	return cc_reno_undo_cwnd(sk);
}

SEC(".struct_ops.link")
struct tcp_congestion_ops westwood = {
	.init		= (void *)bpf_westwood_init,
	.ssthresh	= (void *)bpf_westwood_ssthresh,
	.cong_avoid	= (void *)bpf_westwood_cong_avoid,
	.undo_cwnd	= (void *)bpf_westwood_undo_cwnd,
	.cwnd_event	= (void *)bpf_westwood_event,
	.in_ack_event	= (void *)bpf_westwood_ack,
	.pkts_acked	= (void *)bpf_westwood_pkts_acked,
	.name		= "bpf_westwood",
};
