// SPDX-License-Identifier: GPL-2.0-only
/*
 * bpf_hybla: TCP Hybla: Reno growth normalised to a 25 ms RTT, for long-RTT (satellite) links
 *
 * A port of Linux net/ipv4/tcp_hybla.c (6.x).  Reference: C. Caini,
 * R. Firrincieli, "TCP Hybla: a TCP enhancement for heterogeneous networks",
 * International Journal of Satellite Communications and Networking 22(5),
 * 2004.  With rho = RTT / RTT0 (RTT0 = rtt0 = 25 ms, rho >= 1), slow start
 * adds 2^rho - 1 packets per ACK and congestion avoidance rho^2 / cwnd, so
 * the window grows in time, not in RTTs, like that of a flow with RTT0;
 * the initial window is rho.  Outside the Open state it is Reno; so is the
 * loss response.  The arithmetic (with the kernel's 2^fraction table) lives
 * in include/bpftcp/hybla.h so the host tests exercise it.
 *
 * Deviations from tcp_hybla.c, and why:
 *  1. Module parameter rtt0 is a const volatile global fixed at load time,
 *     with the kernel's default: BPF has no module_param.
 *  2. init sets snd_cwnd_clamp (65535) with
 *     bpf_setsockopt(TCP_BPF_SNDCWND_CLAMP) (tcp_snd_cwnd_clamp_set() in
 *     bpf_tcp.h), since BPF may not write the field; that option also sets
 *     snd_ssthresh, which is put back.
 *  3. "while (snd_cwnd_cents >= 128)" is computed in closed form (the
 *     verifier needs bounded loops; same result, and the loop can only run
 *     once since cents < 2 * 128).  The fraction table index is masked with
 *     7 (it is < 8 already) to prove the bound to the verifier.
 *  4. The increase runs on a copy of snd_cwnd, snd_cwnd_cnt, snd_ssthresh
 *     and snd_cwnd_clamp, written back afterwards; the Reno fallback,
 *     ssthresh and undo_cwnd (tcp_reno_cong_avoid, tcp_reno_ssthresh and
 *     tcp_reno_undo_cwnd in the kernel file) are reno.h's maths (the policy of
 *     bpf_tcp.h), not through the kfuncs: same arithmetic.
 *  5. rtt0 = 0 divides by zero in the kernel; here rho is then 1.
 *  6. Each callback counts itself in this program's cc_stats map.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "bpftcp/bpf_tcp.h"
#include "bpftcp/hybla.h"

char _license[] SEC("license") = "GPL";

/* Tunables: the module parameter of tcp_hybla.c, with its default. */
const volatile int rtt0 = 25;	/* reference round trip time (ms) */

SEC("struct_ops")
void BPF_PROG(bpf_hybla_init, struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);

	BPFTCP_COUNT(calls[BPFTCP_OP_INIT]);
	tp->snd_cwnd = 2;
	if (tcp_snd_cwnd_clamp_set(sk, HYBLA_CWND_CLAMP))
		BPFTCP_ERR();
	tp->snd_cwnd = hybla_init(inet_csk_ca(sk), tp->srtt_us, rtt0);
}

SEC("struct_ops")
void BPF_PROG(bpf_hybla_state, struct sock *sk, __u8 ca_state)
{
	struct hybla_state *ca = inet_csk_ca(sk);

	BPFTCP_COUNT(calls[BPFTCP_OP_SET_STATE]);
	ca->hybla_en = (ca_state == TCP_CA_Open);
}

SEC("struct_ops")
void BPF_PROG(bpf_hybla_cong_avoid, struct sock *sk, __u32 ack, __u32 acked)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct hybla_state *ca = inet_csk_ca(sk);
	struct cc_window w;

	BPFTCP_COUNT(calls[BPFTCP_OP_CONG_AVOID]);
	hybla_track_min_rtt(ca, tp->srtt_us, rtt0);

	if (!tcp_is_cwnd_limited(sk))
		return;

	if (!ca->hybla_en) {
		cc_reno_cong_avoid(sk, acked);
		return;
	}

	w = tcp_window_get(tp);
	hybla_increase(ca, &w, tp->srtt_us, rtt0);
	tcp_window_put(tp, &w);
}

SEC("struct_ops")
__u32 BPF_PROG(bpf_hybla_ssthresh, struct sock *sk)
{
	BPFTCP_COUNT(calls[BPFTCP_OP_SSTHRESH]);
	return cc_reno_ssthresh(sk);
}

SEC("struct_ops")
__u32 BPF_PROG(bpf_hybla_undo_cwnd, struct sock *sk)
{
	BPFTCP_COUNT(calls[BPFTCP_OP_UNDO_CWND]);
	return cc_reno_undo_cwnd(sk);
}

SEC(".struct_ops.link")
struct tcp_congestion_ops hybla = {
	.init		= (void *)bpf_hybla_init,
	.ssthresh	= (void *)bpf_hybla_ssthresh,
	.undo_cwnd	= (void *)bpf_hybla_undo_cwnd,
	.cong_avoid	= (void *)bpf_hybla_cong_avoid,
	.set_state	= (void *)bpf_hybla_state,
	.name		= "bpf_hybla",
};
