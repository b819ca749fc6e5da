// SPDX-License-Identifier: GPL-2.0-only
/*
 * bpf_highspeed: HighSpeed TCP (RFC 3649): AIMD parameters that scale with cwnd
 *
 * A port of Linux net/ipv4/tcp_highspeed.c (6.x).  Reference: S. Floyd,
 * "HighSpeed TCP for Large Congestion Windows", RFC 3649 (2003).  Up to 38
 * packets it is Reno; above, the additive increase a(w) grows (up to 72
 * packets per RTT) and the decrease b(w) shrinks (down to 0.1) with the
 * window, following the table of RFC 3649 appendix B, so that a single flow
 * can fill a large bandwidth-delay product at realistic loss rates.  The
 * table and arithmetic live in include/bpftcp/highspeed.h so the host tests
 * exercise them.
 *
 * Deviations from tcp_highspeed.c, and why:
 *  1. The table walk's two while loops carry an iteration bound (the table
 *     size, which they never reach) and ai is clamped to a valid row before
 *     it indexes the table (it always is one): the verifier needs both
 *     proofs.  Same results.
 *  2. init lowers snd_cwnd_clamp with bpf_setsockopt(TCP_BPF_SNDCWND_CLAMP)
 *     (tcp_snd_cwnd_clamp_set() in bpf_tcp.h), since BPF may not write the
 *     field; that option also sets snd_ssthresh, which is put back.  It is
 *     only called when the clamp changes (the default ~0 does change).
 *  3. The congestion-avoidance increase runs on a copy of snd_cwnd,
 *     snd_cwnd_cnt and snd_cwnd_clamp that is written back afterwards (same
 *     arithmetic); slow start and undo_cwnd (tcp_slow_start and
 *     tcp_reno_undo_cwnd in the kernel file) are reno.h's maths (the policy of
 *     bpf_tcp.h), not through the kfuncs: same arithmetic.
 *  4. Each callback counts itself in this program's cc_stats map.
 * The file has no module parameters.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "bpftcp/bpf_tcp.h"
#include "bpftcp/highspeed.h"

char _license[] SEC("license") = "GPL";

SEC("struct_ops")
void BPF_PROG(bpf_highspeed_init, struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct hstcp_state *ca = inet_csk_ca(sk);

	BPFTCP_COUNT(calls[BPFTCP_OP_INIT]);
	ca->ai = 0;

	/* Ensure the MD arithmetic works.  This is somewhat pedantic, since
	 * I don't think we will see a cwnd this large. :) */
	if (hstcp_cwnd_clamp(tp->snd_cwnd_clamp) != tp->snd_cwnd_clamp &&
	    tcp_snd_cwnd_clamp_set(sk, hstcp_cwnd_clamp(tp->snd_cwnd_clamp)))
		BPFTCP_ERR();
}

SEC("struct_ops")
void BPF_PROG(bpf_highspeed_cong_avoid, struct sock *sk, __u32 ack, __u32 acked)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct cc_window w;

	BPFTCP_COUNT(calls[BPFTCP_OP_CONG_AVOID]);
	if (!tcp_is_cwnd_limited(sk))
		return;

	if (tcp_in_slow_start(tp)) {
		cc_slow_start(tp, acked);
		return;
	}
	w = tcp_window_get(tp);
	hstcp_cong_avoid_ai(inet_csk_ca(sk), &w);
	tcp_window_put(tp, &w);
}

SEC("struct_ops")
__u32 BPF_PROG(bpf_highspeed_ssthresh, struct sock *sk)
{
	BPFTCP_COUNT(calls[BPFTCP_OP_SSTHRESH]);
	/* Do multiplicative decrease */
	return hstcp_ssthresh(inet_csk_ca(sk), tcp_snd_cwnd(tcp_sk(sk)));
}

SEC("struct_ops")
__u32 BPF_PROG(bpf_highspeed_undo_cwnd, struct sock *sk)
{
	BPFTCP_COUNT(calls[BPFTCP_OP_UNDO_CWND]);
	return cc_reno_undo_cwnd(sk);
}

SEC(".struct_ops.link")
struct tcp_congestion_ops highspeed = {
	.init		= (void *)bpf_highspeed_init,
	.ssthresh	= (void *)bpf_highspeed_ssthresh,
	.undo_cwnd	= (void *)bpf_highspeed_undo_cwnd,
	.cong_avoid	= (void *)bpf_highspeed_cong_avoid,
	.name		= "bpf_highspeed",
};
