// SPDX-License-Identifier: GPL-2.0-only
/*
 * bpf_veno: TCP Veno, Reno that tells random (wireless) loss from congestion by the backlog
 *
 * Reference: Linux net/ipv4/tcp_veno.c (6.x); C. P. Fu, S. C. Liew, "TCP
 * Veno: TCP Enhancement for Transmission over Wireless Access Networks",
 * IEEE JSAC 21(2), 2003.  From the minimum RTT of each round and the base
 * RTT it estimates the packets queued at the bottleneck; with fewer than 3,
 * cwnd grows as Reno and a loss is taken as random (cwnd cut by 1/5); with
 * 3 or more it grows every other RTT and a loss halves cwnd.  The
 * arithmetic lives in include/bpftcp/veno.h, shared with the host tests.
 *
 * Deviations from tcp_veno.c, and why:
 *  1. tcp_reno_cong_avoid, tcp_slow_start, tcp_cong_avoid_ai and
 *     tcp_reno_undo_cwnd, which the kernel file uses, are reno.h's maths on
 *     the socket's window (the policy of bpf_tcp.h), not through the kfuncs:
 *     same arithmetic.  No behavioural
 *     deviation; the callbacks only add bpftcp's per-callback counters.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "bpftcp/bpf_tcp.h"
#include "bpftcp/veno.h"

char _license[] SEC("license") = "GPL";

SEC("struct_ops")
void BPF_PROG(bpf_veno_init, struct sock *sk)
{
	BPFTCP_COUNT(calls[BPFTCP_OP_INIT]);
	veno_init(inet_csk_ca(sk));
}

/* Do rtt sampling needed for Veno. */
SEC("struct_ops")
void BPF_PROG(bpf_veno_pkts_acked, struct sock *sk, const struct ack_sample *sample)
{
	BPFTCP_COUNT(calls[BPFTCP_OP_PKTS_ACKED]);
	veno_pkts_acked(inet_csk_ca(sk), sample->rtt_us);
}

SEC("struct_ops")
void BPF_PROG(bpf_veno_state, struct sock *sk, __u8 ca_state)
{
	BPFTCP_COUNT(calls[BPFTCP_OP_SET_STATE]);
	if (ca_state == TCP_CA_Open)
		veno_enable(inet_csk_ca(sk));
	else
		veno_disable(inet_csk_ca(sk));
}

/*
 * Restarting from idle: no Veno calculations until fresh RTT samples, so
 * reset to a clean state; the next flight's ACKs rebuild it.
 */
SEC("struct_ops")
void BPF_PROG(bpf_veno_cwnd_event, struct sock *sk, enum tcp_ca_event event)
{
	BPFTCP_COUNT(calls[BPFTCP_OP_CWND_EVENT]);
	if (event == CA_EVENT_CWND_RESTART || event == CA_EVENT_TX_START)
		veno_init(inet_csk_ca(sk));
}

SEC("struct_ops")
void BPF_PROG(bpf_veno_cong_avoid, struct sock *sk, __u32 ack, __u32 acked)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct veno_state *veno = inet_csk_ca(sk);

	BPFTCP_COUNT(calls[BPFTCP_OP_CONG_AVOID]);
	if (!veno->doing_veno_now) {
		cc_reno_cong_avoid(sk, acked);
		return;
	}

	/* limited by applications */
	if (!tcp_is_cwnd_limited(sk))
		return;

	/* We do the Veno calculations only if we got enough rtt samples */
	if (veno->cntrtt <= 2) {
		/* Not enough samples to tell: behave like Reno. */
		cc_reno_cong_avoid(sk, acked);
	} else {
		/* minrtt >= 1 here: samples are rtt_us + 1 and cntrtt > 2. */
		veno->diff = veno_diff(tcp_snd_cwnd(tp), veno->basertt, veno->minrtt);

		if (tcp_in_slow_start(tp)) {
			/* Slow start. */
			acked = cc_slow_start(tp, acked);
			if (!acked)
				goto done;
		}

		/* Congestion avoidance. */
		if (veno->diff < VENO_BETA) {
			/* "non-congestive state": increase cwnd every rtt. */
			cc_cong_avoid_ai(tp, tcp_snd_cwnd(tp), acked);
		} else {
			/* "congestive state": increase cwnd every other rtt. */
			__u32 cwnd = tcp_snd_cwnd(tp), cnt = tp->snd_cwnd_cnt;

			veno_congestive_ai(veno, &cwnd, &cnt, tp->snd_cwnd_clamp, acked);
			tcp_snd_cwnd_set(tp, cwnd);
			tp->snd_cwnd_cnt = cnt;
		}
done:
		tcp_snd_cwnd_set(tp, veno_bound_cwnd(tcp_snd_cwnd(tp), tp->snd_cwnd_clamp));
	}
	/* Wipe the slate clean for the next rtt (cntrtt is kept, as in the
	 * kernel). */
	veno->minrtt = 0x7fffffff;
}

/* Veno MD phase */
SEC("struct_ops")
__u32 BPF_PROG(bpf_veno_ssthresh, struct sock *sk)
{
	BPFTCP_COUNT(calls[BPFTCP_OP_SSTHRESH]);
	return veno_ssthresh(inet_csk_ca(sk), tcp_snd_cwnd(tcp_sk(sk)));
}

SEC("struct_ops")
__u32 BPF_PROG(bpf_veno_undo_cwnd, struct sock *sk)
{
	BPFTCP_COUNT(calls[BPFTCP_OP_UNDO_CWND]);
	return cc_reno_undo_cwnd(sk);
}

SEC(".struct_ops.link")
struct tcp_congestion_ops veno = {
	.init		= (void *)bpf_veno_init,
	.ssthresh	= (void *)bpf_veno_ssthresh,
	.undo_cwnd	= (void *)bpf_veno_undo_cwnd,
	.cong_avoid	= (void *)bpf_veno_cong_avoid,
	.pkts_acked	= (void *)bpf_veno_pkts_acked,
	.set_state	= (void *)bpf_veno_state,
	.cwnd_event	= (void *)bpf_veno_cwnd_event,
	.name		= "bpf_veno",
};
