// SPDX-License-Identifier: GPL-2.0-only
/*
 * bpf_htcp: H-TCP, AIMD whose increase grows with the time since the last loss
 *
 * A port of Linux net/ipv4/tcp_htcp.c (6.x).  Reference: R. N. Shorten,
 * D. J. Leith, "H-TCP: TCP for high-speed and long-distance networks",
 * PFLDnet 2004 (and Leith, Shorten, "H-TCP: TCP congestion control for high
 * bandwidth-delay product paths", IETF draft, 2008).  For the first second
 * after a congestion event it is Reno; after that the additive increase
 * grows as 1 + 10 d + (d/2)^2 for d seconds, scaled by 2 (1 - beta) and
 * (optionally) by minRTT / 100 ms.  The backoff beta = minRTT / maxRTT in
 * [0.5, 0.8], or 0.5 when the achieved throughput changed by more than 20%
 * (the bandwidth switch).  Undo restores the congestion-epoch clock.  The
 * arithmetic lives in include/bpftcp/htcp.h so the host tests exercise it.
 *
 * Deviations from tcp_htcp.c, and why:
 *  1. Module parameters use_rtt_scaling and use_bandwidth_switch are const
 *     volatile globals fixed at load time, with the kernel's defaults: BPF
 *     has no module_param.
 *  2. HZ comes from CONFIG_HZ via libbpf's __kconfig, jiffies from
 *     bpf_jiffies64() (the kernel's htcp stores jiffies in u32 fields, so
 *     the low 32 bits, as here); usecs_to_jiffies() and msecs_to_jiffies()
 *     round up as the kernel's do.
 *  3. The congestion-avoidance increase runs on a copy of snd_cwnd,
 *     snd_cwnd_cnt and snd_cwnd_clamp that is written back afterwards (same
 *     arithmetic); slow start and undo's window (tcp_slow_start and
 *     tcp_reno_undo_cwnd in the kernel file) are reno.h's maths (the policy of
 *     bpf_tcp.h), not through the kfuncs: same arithmetic.
 *  4. Each callback counts itself in this program's cc_stats map.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "bpftcp/bpf_tcp.h"
#include "bpftcp/htcp.h"

char _license[] SEC("license") = "GPL";

/* Tunables: the module parameters of tcp_htcp.c, with its defaults. */
const volatile int use_rtt_scaling = 1;		/* turn on/off RTT scaling */
const volatile int use_bandwidth_switch = 1;	/* turn on/off bandwidth switcher */

static __always_inline struct htcp_params htcp_params(void)
{
	struct htcp_params p = {
		.use_rtt_scaling = use_rtt_scaling,
		.use_bandwidth_switch = use_bandwidth_switch,
	};
	return p;
}

SEC("struct_ops")
__u32 BPF_PROG(bpf_htcp_cwnd_undo, struct sock *sk)
{
	BPFTCP_COUNT(calls[BPFTCP_OP_UNDO_CWND]);
	htcp_undo(inet_csk_ca(sk));
	return cc_reno_undo_cwnd(sk);
}

SEC("struct_ops")
void BPF_PROG(bpf_htcp_pkts_acked, struct sock *sk, const struct ack_sample *sample)
{
	struct htcp_params p = htcp_params();
	__u8 state = tcp_ca_state(sk);

	BPFTCP_COUNT(calls[BPFTCP_OP_PKTS_ACKED]);
	htcp_measure_achieved_throughput(inet_csk_ca(sk), sample->pkts_acked, sample->rtt_us,
					 state == TCP_CA_Open,
					 state == TCP_CA_Open || state == TCP_CA_Disorder,
					 tcp_snd_cwnd(tcp_sk(sk)), tcp_jiffies32, HZ, &p);
}

SEC("struct_ops")
__u32 BPF_PROG(bpf_htcp_recalc_ssthresh, struct sock *sk)
{
	struct htcp_params p = htcp_params();

	BPFTCP_COUNT(calls[BPFTCP_OP_SSTHRESH]);
	return htcp_recalc_ssthresh(inet_csk_ca(sk), tcp_snd_cwnd(tcp_sk(sk)), tcp_jiffies32,
				    HZ, &p);
}

SEC("struct_ops")
void BPF_PROG(bpf_htcp_cong_avoid, struct sock *sk, __u32 ack, __u32 acked)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct htcp_params p;
	struct cc_window w;

	BPFTCP_COUNT(calls[BPFTCP_OP_CONG_AVOID]);
	if (!tcp_is_cwnd_limited(sk))
		return;

	if (tcp_in_slow_start(tp)) {
		cc_slow_start(tp, acked);
		return;
	}
	/* In dangerous area, increase slowly. */
	p = htcp_params();
	w = tcp_window_get(tp);
	htcp_cong_avoid_ai(inet_csk_ca(sk), &w, tcp_jiffies32, HZ, &p);
	tcp_window_put(tp, &w);
}

SEC("struct_ops")
void BPF_PROG(bpf_htcp_init, struct sock *sk)
{
	BPFTCP_COUNT(calls[BPFTCP_OP_INIT]);
	htcp_init(inet_csk_ca(sk), tcp_jiffies32);
}

SEC("struct_ops")
void BPF_PROG(bpf_htcp_state, struct sock *sk, __u8 new_state)
{
	BPFTCP_COUNT(calls[BPFTCP_OP_SET_STATE]);
	htcp_set_state(inet_csk_ca(sk), new_state == TCP_CA_Open,
		       new_state == TCP_CA_CWR || new_state == TCP_CA_Recovery ||
		       new_state == TCP_CA_Loss,
		       tcp_jiffies32);
}

SEC(".struct_ops.link")
struct tcp_congestion_ops htcp = {
	.init		= (void *)bpf_htcp_init,
	.ssthresh	= (void *)bpf_htcp_recalc_ssthresh,
	.cong_avoid	= (void *)bpf_htcp_cong_avoid,
	.set_state	= (void *)bpf_htcp_state,
	.undo_cwnd	= (void *)bpf_htcp_cwnd_undo,
	.pkts_acked	= (void *)bpf_htcp_pkts_acked,
	.name		= "bpf_htcp",
};
