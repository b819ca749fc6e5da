// SPDX-License-Identifier: GPL-2.0-only
/*
 * bpf_nv: TCP-NV (New Vegas), rate-based congestion avoidance for data centers
 *
 * Reference: Linux net/ipv4/tcp_nv.c (6.x); L. Brakmo, "TCP-NV: An Update
 * to TCP-Vegas" (2016).  Each ACK yields a delivery rate (bytes delivered /
 * averaged RTT); once per RTT, cwnd is compared with what the best rate of
 * that RTT needs at the minimum RTT, plus nv_pad (10) packets: above it
 * (given enough samples and RTTs) cwnd is cut by 30% of the excess,
 * ssthresh set and growth stopped; below it (by nv_pad_buffer) growth
 * resumes, at Reno's rate or, after losses, slower.  The minimum RTT is
 * re-learnt every 3.75-6.25 s.  On loss cwnd keeps 80%.  Meant for data
 * centers where all flows are NV.  The arithmetic lives in
 * include/bpftcp/nv.h, shared with the host tests.
 *
 * Deviations from tcp_nv.c, and why:
 *  1. Module parameters (nv_pad, nv_reset_period, nv_min_cwnd and the
 *     file-static tunables) are const volatile globals fixed at load time,
 *     with the kernel's defaults: BPF has no module_param.
 *  2. The optional base RTT: tcpnv_init() asks the socket's sockops BPF
 *     program for it (tcp_call_bpf(BPF_SOCK_OPS_BASE_RTT)), a kernel
 *     function a congestion control written in BPF cannot call.  Here it is
 *     the load-time tunable nv_base_rtt (us; default 0 = none, as when no
 *     sockops program answers), applied to every connection.
 *  3. get_random_bytes(&rand, 1) is bpf_get_prandom_u32() & 0xff (same
 *     uniform byte).  jiffies is bpf_jiffies64() and HZ is CONFIG_HZ.
 *  4. The three bitfield flags of struct tcpnv are whole bytes (layout only).
 *  5. With nv_cwnd_growth_rate_pos > 0 (default 0) the growth factor can
 *     exceed 31, and the kernel's "snd_cwnd >> factor" becomes an undefined
 *     shift; the factor is capped at 31 there (result 0 -> max(4, 0) = 4,
 *     the mathematical limit).
 *  6. get_info (INET_DIAG_VEGASINFO) is not provided: the kernel rejects
 *     get_info in BPF congestion controls.
 *  7. tcp_slow_start, tcp_cong_avoid_ai and tcp_reno_undo_cwnd, which the
 *     kernel file uses, are reno.h's maths on the socket's window (the policy
 *     of bpf_tcp.h), not through the kfuncs: same arithmetic.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "bpftcp/bpf_tcp.h"
#include "bpftcp/nv.h"

char _license[] SEC("license") = "GPL";

/* Tunables: the module parameters of tcp_nv.c, with its defaults. */
const volatile int nv_pad = 10;
const volatile int nv_pad_buffer = 2;
const volatile int nv_reset_period = 5;		/* in seconds */
const volatile int nv_min_cwnd = 2;
const volatile int nv_cong_dec_mult = 30 * 128 / 100;	/* = 30% */
const volatile int nv_ssthresh_factor = 8;	/* = 1 */
const volatile int nv_rtt_factor = 128;		/* = 1/2*old + 1/2*new */
const volatile int nv_loss_dec_factor = 819;	/* => 80% */
const volatile int nv_cwnd_growth_rate_neg = 8;
const volatile int nv_cwnd_growth_rate_pos = 0;	/* 0 => fixed like Reno */
const volatile int nv_dec_eval_min_calls = 60;
const volatile int nv_inc_eval_min_calls = 20;
const volatile int nv_ssthresh_eval_min_calls = 30;
const volatile int nv_stop_rtt_cnt = 10;
const volatile int nv_rtt_min_cnt = 2;
/* What BPF_SOCK_OPS_BASE_RTT would answer (us); 0 = no base RTT. */
const volatile int nv_base_rtt = 0;

static __always_inline struct nv_params nv_params(void)
{
	struct nv_params p = {
		.pad = nv_pad,
		.pad_buffer = nv_pad_buffer,
		.reset_period = nv_reset_period,
		.min_cwnd = nv_min_cwnd,
		.cong_dec_mult = nv_cong_dec_mult,
		.ssthresh_factor = nv_ssthresh_factor,
		.rtt_factor = nv_rtt_factor,
		.loss_dec_factor = nv_loss_dec_factor,
		.cwnd_growth_rate_neg = nv_cwnd_growth_rate_neg,
		.cwnd_growth_rate_pos = nv_cwnd_growth_rate_pos,
		.dec_eval_min_calls = nv_dec_eval_min_calls,
		.inc_eval_min_calls = nv_inc_eval_min_calls,
		.ssthresh_eval_min_calls = nv_ssthresh_eval_min_calls,
		.stop_rtt_cnt = nv_stop_rtt_cnt,
		.rtt_min_cnt = nv_rtt_min_cnt,
	};
	return p;
}

SEC("struct_ops")
void BPF_PROG(bpf_nv_init, struct sock *sk)
{
	BPFTCP_COUNT(calls[BPFTCP_OP_INIT]);
	nv_init(inet_csk_ca(sk), tcp_sk(sk)->snd_una, nv_base_rtt, bpf_jiffies64(), HZ);
}

SEC("struct_ops")
void BPF_PROG(bpf_nv_cong_avoid, struct sock *sk, __u32 ack, __u32 acked)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct nv_state *ca = inet_csk_ca(sk);

	BPFTCP_COUNT(calls[BPFTCP_OP_CONG_AVOID]);
	/* Only grow cwnd if NV has not detected congestion (tested before
	 * tcp_is_cwnd_limited() in the kernel; both are plain reads). */
	if (!ca->nv_allow_cwnd_growth)
		return;
	if (!cc_cong_avoid_begin(sk, &acked))
		return;
	cc_cong_avoid_ai(tp, nv_ai_cnt(ca, tcp_snd_cwnd(tp)), acked);
}

SEC("struct_ops")
__u32 BPF_PROG(bpf_nv_recalc_ssthresh, struct sock *sk)
{
	struct nv_params p = nv_params();

	BPFTCP_COUNT(calls[BPFTCP_OP_SSTHRESH]);
	return nv_recalc_ssthresh(tcp_snd_cwnd(tcp_sk(sk)), &p);
}

SEC("struct_ops")
void BPF_PROG(bpf_nv_state, struct sock *sk, __u8 new_state)
{
	struct nv_params p = nv_params();

	BPFTCP_COUNT(calls[BPFTCP_OP_SET_STATE]);
	nv_state_change(inet_csk_ca(sk), new_state, tcp_sk(sk)->snd_una, &p);
}

/* Do congestion avoidance calculations for TCP-NV. */
SEC("struct_ops")
void BPF_PROG(bpf_nv_acked, struct sock *sk, const struct ack_sample *sample)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct nv_params p = nv_params();
	__u32 cwnd = tcp_snd_cwnd(tp), ssthresh = tp->snd_ssthresh;
	struct nv_ack a = {
		.rtt_us = sample->rtt_us,
		.in_flight = sample->in_flight,
		.ca_state = tcp_ca_state(sk),
		.snd_una = tp->snd_una,
		.snd_nxt = tp->snd_nxt,
		.mss_cache = tp->mss_cache,
		.now = bpf_jiffies64(),
		.rand = bpf_get_prandom_u32() & 0xff,
		.hz = HZ,
	};

	BPFTCP_COUNT(calls[BPFTCP_OP_PKTS_ACKED]);
	nv_acked(inet_csk_ca(sk), &a, &cwnd, &ssthresh, &p);
	if (cwnd != tcp_snd_cwnd(tp))
		tcp_snd_cwnd_set(tp, cwnd);
	if (ssthresh != tp->snd_ssthresh)
		tp->snd_ssthresh = ssthresh;
}

SEC("struct_ops")
__u32 BPF_PROG(bpf_nv_undo_cwnd, struct sock *sk)
{
	BPFTCP_COUNT(calls[BPFTCP_OP_UNDO_CWND]);
	return cc_reno_undo_cwnd(sk);
}

SEC(".struct_ops.link")
struct tcp_congestion_ops nv = {
	.init		= (void *)bpf_nv_init,
	.ssthresh	= (void *)bpf_nv_recalc_ssthresh,
	.cong_avoid	= (void *)bpf_nv_cong_avoid,
	.set_state	= (void *)bpf_nv_state,
	.undo_cwnd	= (void *)bpf_nv_undo_cwnd,
	.pkts_acked	= (void *)bpf_nv_acked,
	.name		= "bpf_nv",
};
