// SPDX-License-Identifier: GPL-2.0-only
/*
 * bpf_yeah: YeAH-TCP, Scalable growth while the queue is short, Reno-fair when it is not
 *
 * Reference: Linux net/ipv4/tcp_yeah.c (6.x) with the pieces of
 * net/ipv4/tcp_vegas.c/.h it reuses; A. Baiocchi, A. P. Castellani,
 * F. Vacirca, "YeAH-TCP: Yet Another Highspeed TCP", PFLDnet 2007.  Each
 * RTT, a Vegas-style estimate of the packets queued at the bottleneck picks
 * the "fast" mode (Scalable TCP's increase) or the "slow" mode (Reno's);
 * a queue above 80 packets is drained at once (precautionary
 * decongestion), and on loss cwnd drops by the queue estimate (between 1/8
 * and 1/2) unless competing Reno flows were detected (then 1/2).  The
 * arithmetic lives in include/bpftcp/yeah.h, shared with the host tests.
 *
 * Deviations from tcp_yeah.c, and why:
 *  1. tcp_yeah_init() lowers tp->snd_cwnd_clamp to 0xffffffff/128 so that
 *     cwnd cannot grow into overflowing arithmetic.  BPF congestion controls
 *     may not write snd_cwnd_clamp directly, so this port sets it through
 *     bpf_setsockopt(TCP_BPF_SNDCWND_CLAMP) (tcp_snd_cwnd_clamp_set() in
 *     bpf_tcp.h), which has the same effect; a failure counts an error.
 *  2. The Vegas helpers (tcp_vegas_init/state/cwnd_event/pkts_acked) are
 *     exported kernel functions that BPF cannot call; the same code comes
 *     from include/bpftcp/vegas.h, which bpf_vegas uses too.
 *  3. get_info (tcp_vegas_get_info, for ss -i) is not provided: the kernel
 *     rejects get_info in BPF congestion controls.
 *  4. tcp_slow_start, tcp_cong_avoid_ai and tcp_reno_undo_cwnd, which the
 *     kernel file uses, are reno.h's maths on the socket's window (the policy
 *     of bpf_tcp.h), not through the kfuncs: same arithmetic.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "bpftcp/bpf_tcp.h"
#include "bpftcp/yeah.h"

char _license[] SEC("license") = "GPL";

SEC("struct_ops")
void BPF_PROG(bpf_yeah_init, struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);

	BPFTCP_COUNT(calls[BPFTCP_OP_INIT]);
	yeah_init(inet_csk_ca(sk), tp->snd_nxt);

	/* Ensure the MD arithmetic works.  This is somewhat pedantic, since
	 * a cwnd this large is not expected. */
	if (tp->snd_cwnd_clamp > TCP_YEAH_CWND_MAX &&
	    tcp_snd_cwnd_clamp_set(sk, TCP_YEAH_CWND_MAX))
		BPFTCP_ERR();
}

SEC("struct_ops")
void BPF_PROG(bpf_yeah_cong_avoid, struct sock *sk, __u32 ack, __u32 acked)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct yeah_state *yeah = inet_csk_ca(sk);

	BPFTCP_COUNT(calls[BPFTCP_OP_CONG_AVOID]);
	if (!tcp_is_cwnd_limited(sk))
		return;

	if (tcp_in_slow_start(tp)) {
		acked = cc_slow_start(tp, acked);
		if (!acked)
			goto do_vegas;
	}

	cc_cong_avoid_ai(tp, yeah_ai_cnt(yeah, tcp_snd_cwnd(tp)), acked);

	/*
	 * beg_snd_una and beg_snd_nxt approximate snd_una and snd_nxt at the
	 * start of the current RTT; when an ACK passes beg_snd_nxt, one RTT
	 * of samples is complete.
	 */
do_vegas:
	if (after(ack, yeah->vegas.beg_snd_nxt)) {
		/* Only with > 2 samples: with 2, the ACKs are almost
		 * certainly delayed (one per RTT); with 3 we are OK. */
		if (yeah->vegas.cntRTT > 2) {
			__u32 cwnd = tcp_snd_cwnd(tp), ssthresh = tp->snd_ssthresh;

			if (yeah_rtt_decision(yeah, &cwnd, &ssthresh)) {
				tcp_snd_cwnd_set(tp, cwnd);
				tp->snd_ssthresh = ssthresh;
			}
		}
		yeah_next_round(yeah, tp->snd_nxt, tcp_snd_cwnd(tp));
	}
}

SEC("struct_ops")
__u32 BPF_PROG(bpf_yeah_ssthresh, struct sock *sk)
{
	BPFTCP_COUNT(calls[BPFTCP_OP_SSTHRESH]);
	return yeah_ssthresh(inet_csk_ca(sk), tcp_snd_cwnd(tcp_sk(sk)));
}

/* tcp_vegas_state() */
SEC("struct_ops")
void BPF_PROG(bpf_yeah_state, struct sock *sk, __u8 ca_state)
{
	struct yeah_state *yeah = inet_csk_ca(sk);

	BPFTCP_COUNT(calls[BPFTCP_OP_SET_STATE]);
	vegas_state(&yeah->vegas, ca_state == TCP_CA_Open, tcp_sk(sk)->snd_nxt);
}

/* tcp_vegas_cwnd_event(): restart the samples after idle. */
SEC("struct_ops")
void BPF_PROG(bpf_yeah_cwnd_event, struct sock *sk, enum tcp_ca_event event)
{
	struct yeah_state *yeah = inet_csk_ca(sk);

	BPFTCP_COUNT(calls[BPFTCP_OP_CWND_EVENT]);
	if (event == CA_EVENT_CWND_RESTART || event == CA_EVENT_TX_START)
		vegas_init(&yeah->vegas, tcp_sk(sk)->snd_nxt);
}

/* tcp_vegas_pkts_acked() */
SEC("struct_ops")
void BPF_PROG(bpf_yeah_pkts_acked, struct sock *sk, const struct ack_sample *sample)
{
	struct yeah_state *yeah = inet_csk_ca(sk);

	BPFTCP_COUNT(calls[BPFTCP_OP_PKTS_ACKED]);
	vegas_pkts_acked(&yeah->vegas, sample->rtt_us);
}

SEC("struct_ops")
__u32 BPF_PROG(bpf_yeah_undo_cwnd, struct sock *sk)
{
	BPFTCP_COUNT(calls[BPFTCP_OP_UNDO_CWND]);
	return cc_reno_undo_cwnd(sk);
}

SEC(".struct_ops.link")
struct tcp_congestion_ops yeah = {
	.init		= (void *)bpf_yeah_init,
	.ssthresh	= (void *)bpf_yeah_ssthresh,
	.undo_cwnd	= (void *)bpf_yeah_undo_cwnd,
	.cong_avoid	= (void *)bpf_yeah_cong_avoid,
	.set_state	= (void *)bpf_yeah_state,
	.cwnd_event	= (void *)bpf_yeah_cwnd_event,
	.pkts_acked	= (void *)bpf_yeah_pkts_acked,
	.name		= "bpf_yeah",
};
