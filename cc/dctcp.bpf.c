// SPDX-License-Identifier: GPL-2.0-only
/*
 * bpf_dctcp: DCTCP (RFC 8257): ECN-fraction based window cuts for datacenters
 *
 * A port of Linux net/ipv4/tcp_dctcp.c and tcp_dctcp.h (6.x).  References:
 * RFC 8257; Alizadeh et al., "Data Center TCP (DCTCP)", SIGCOMM 2010; and
 * Alizadeh, Javanmard, Prabhakar, "Analysis of DCTCP", SIGMETRICS 2011.
 *
 * The sender keeps alpha, an EWMA (gain g = 1/2^dctcp_shift_g) of the
 * fraction of its packets the network CE-marked over each window of data,
 * and on congestion cuts cwnd by alpha/2 instead of 1/2.  The receiver
 * echoes CE exactly: it tracks whether the last packet was CE and, when that
 * flips, ACKs at once (first sending any delayed ACK for the previous state,
 * with that state's ECE).  Window growth is Reno's; a loss (fast recovery or
 * RTO) halves like Reno, once per RTT.  The connection must have negotiated
 * ECN (TCP_CONG_NEEDS_ECN makes the SYN ask for it); if the peer declined,
 * init falls back to Reno and stops sending ECT, as the kernel does.  The
 * arithmetic lives in include/bpftcp/dctcp.h so the host tests exercise it.
 *
 * Deviations from tcp_dctcp.c / tcp_dctcp.h, and why:
 *  1. Module parameters dctcp_shift_g (4) and dctcp_alpha_on_init (1024) are
 *     const volatile globals fixed at load time: BPF has no module_param.
 *     dctcp_shift_g is bounded to [0, 10] where it is used, as the kernel's
 *     param setter bounds it (a shift of 10 - g must not go negative).
 *  2. Fallback when ECN was not negotiated: the kernel points icsk_ca_ops at
 *     its private "dctcp-reno" ops (tcp_reno_ssthresh/cong_avoid/undo_cwnd)
 *     and calls INET_ECN_dontxmit().  BPF can write neither, so init calls
 *     bpf_setsockopt(TCP_CONGESTION, "reno") - the use the kernel's
 *     bpf_setsockopt() explicitly supports from .init - which switches to the
 *     same three functions, and tcp_reinit_congestion_control() clears ECT
 *     because reno lacks TCP_CONG_NEEDS_ECN.  The difference: the socket
 *     then reports "reno" rather than "dctcp-reno" in TCP_CONGESTION and
 *     inet_diag.  Fallbacks are counted in the reno_fallbacks global.
 *     When init itself runs inside a BPF TCP_CONGESTION change (a sockops
 *     program, or another BPF congestion control's init, switched the
 *     socket to bpf_dctcp with bpf_setsockopt), the kernel refuses the
 *     nested change with -EBUSY (net/core/filter.c, bpf_chg_cc_inprogress),
 *     where the kernel's dctcp still switches to dctcp-reno.  The port
 *     then becomes that dctcp-reno itself: init sets reno_fallback, after
 *     which ssthresh, cong_avoid and undo_cwnd are tcp_reno_ssthresh,
 *     tcp_reno_cong_avoid and tcp_reno_undo_cwnd, and in_ack_event,
 *     cwnd_event and set_state do nothing (dctcp_reno has none of them).
 *     ECT, which only tcp_reinit_congestion_control() can clear (inet->tos
 *     is not writable from BPF and IP_TOS keeps a TCP socket's ECN bits),
 *     is cleared by retrying the switch to reno on the next ACK
 *     (in_ack_event, which runs before the ACK's cong_avoid), outside the
 *     nested change; so the
 *     packets sent before the first ACK after init still carry ECT(0),
 *     which the kernel's dctcp would have sent Not-ECT.  Counted in
 *     reno_fallbacks_nested (and reno_fallbacks once switched); a retry
 *     that fails again counts in reno_fallback_retries_failed and leaves
 *     Reno running inside bpf_dctcp with ECT on.
 *  3. "ECN negotiated" is tcp_ecn_mode_any(): ecn_flags & (RFC 3168 mode bit
 *     0 | AccECN mode bit 4).  Before AccECN (Linux < 6.18) bit 4 is unused
 *     and bit 0 is TCP_ECN_OK, so the test is right on both.
 *  4. Protective Load Balancing (tcp_plb_*, Linux >= 6.2) is not ported: its
 *     action, sk_rethink_txhash(), is neither a helper nor a kfunc, and its
 *     state is kernel-internal.  It is off unless net.ipv4.tcp_plb_enabled=1
 *     (default 0), in which case the kernel's dctcp would rehash the flow
 *     after sustained congestion and this port does not; connections that
 *     start while PLB is enabled are counted in plb_enabled_not_supported.
 *  5. get_info (INET_DIAG_DCTCPINFO: alpha, ce_state, ab_ecn, ab_tot for
 *     "ss -i") is not a member BPF may implement.  Instead alpha and the CE
 *     state are published in the socket's bpftcp record
 *     (include/bpftcp/sock_state.h, 'bpftcp sockets'): init allocates it,
 *     and alpha is written once per window, when it is recomputed.
 *  6. __tcp_send_ack(sk, rcv_nxt, 0) is bpf_tcp_send_ack(tp, rcv_nxt), the
 *     helper that wraps it; WRITE_ONCE() on dctcp_alpha (for get_info's
 *     lockless read) is a plain store, get_info being absent.
 *  7. cong_avoid is tcp_reno_cong_avoid, as the kernel's dctcp points
 *     .cong_avoid at it: reno.h's maths on the socket's window (the policy of
 *     bpf_tcp.h), not through the kfuncs: same arithmetic.
 *  8. Each callback counts itself in this program's cc_stats map, and CE
 *     state flips (receiver side) in ce_state_changes.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "bpftcp/cc_stats.h"

/* This program's counters, shown by "bpftcp cc stats dctcp". */
struct dctcp_counters {
	BPFTCP_CC_STATS_MEMBERS;
	__u64 reno_fallbacks;		/* a non-ECN socket switched to reno */
	__u64 reno_fallbacks_nested;	/* init's switch refused (-EBUSY): Reno ran here */
	__u64 reno_fallback_retries_failed; /* the later switch failed too */
	__u64 ce_state_changes;		/* receiver: CE state flips */
	__u64 plb_enabled_not_supported; /* connections started with PLB on */
};
#define BPFTCP_CC_COUNTERS struct dctcp_counters
#include "bpftcp/bpf_tcp.h"
#include "bpftcp/dctcp.h"
#include "bpftcp/sock_state.bpf.h"

char _license[] SEC("license") = "GPL";

/* tcp_ecn_mode_any(): include/linux/tcp.h (6.18) TCP_ECN_MODE_ANY. */
#define TCP_ECN_MODE_RFC3168	0x01
#define TCP_ECN_MODE_ACCECN	0x10

/* Tunables: the module parameters of tcp_dctcp.c, with its defaults. */
const volatile __u32 dctcp_shift_g = 4;			/* g = 1/2^4 */
const volatile __u32 dctcp_alpha_on_init = DCTCP_MAX_ALPHA;

/* The Reno that non-ECN connections fall back to (deviation 2). */
const char fallback_cc[] = "reno";

/* Switches the socket to the kernel's reno (deviation 2); 0 or -errno. */
static __always_inline int dctcp_switch_to_reno(struct sock *sk)
{
	return bpf_setsockopt(sk, SOL_TCP, TCP_CONGESTION, (void *)fallback_cc,
			      sizeof(fallback_cc));
}

/* A fallback whose switch init could not make (-EBUSY, nested in another
 * BPF TCP_CONGESTION change): retried from the ACK path; true once the
 * socket runs reno (nothing of this program runs for it afterwards). */
static __always_inline bool dctcp_retry_fallback(struct sock *sk, struct dctcp_state *ca)
{
	if (dctcp_switch_to_reno(sk)) {
		BPFTCP_COUNT(reno_fallback_retries_failed);
		return false;
	}
	BPFTCP_COUNT(reno_fallbacks);
	return true;
}

static __always_inline struct dctcp_state *inet_csk_ca_dctcp(struct sock *sk)
{
	return inet_csk_ca(sk);
}

static __always_inline void dctcp_reset(const struct tcp_sock *tp, struct dctcp_state *ca)
{
	ca->next_seq = tp->snd_nxt;

	ca->old_delivered = tp->delivered;
	ca->old_delivered_ce = tp->delivered_ce;
}

/* Publishes alpha and the CE state in the socket's record (deviation 5). */
static __always_inline void dctcp_export(struct sock *sk, const struct dctcp_state *ca,
					 bool new_window)
{
	struct bpftcp_cc_export *e = bpftcp_cc_export(sk, BPFTCP_CC_DCTCP);

	if (!e)
		return;
	e->u.dctcp.alpha = ca->dctcp_alpha;
	e->u.dctcp.ce_state = ca->ce_state;
	if (new_window)
		e->u.dctcp.alpha_updates++;
}

static __always_inline void dctcp_export_init(struct sock *sk, const struct dctcp_state *ca)
{
	if (!bpftcp_cc_export_init(sk, BPFTCP_CC_DCTCP, "bpf_dctcp"))
		BPFTCP_ERR();
	dctcp_export(sk, ca, false);
}

SEC("struct_ops")
void BPF_PROG(bpf_dctcp_init, struct sock *sk)
{
	const struct tcp_sock *tp = tcp_sk(sk);
	int state = sk->__sk_common.skc_state;

	BPFTCP_COUNT(calls[BPFTCP_OP_INIT]);
	if ((tp->ecn_flags & (TCP_ECN_MODE_RFC3168 | TCP_ECN_MODE_ACCECN)) ||
	    state == TCP_LISTEN || state == TCP_CLOSE) {
		struct dctcp_state *ca = inet_csk_ca(sk);

		ca->prior_rcv_nxt = tp->rcv_nxt;

		ca->dctcp_alpha = dctcp_initial_alpha(dctcp_alpha_on_init);

		ca->loss_cwnd = 0;
		ca->ce_state = 0;

		dctcp_reset(tp, ca);
		dctcp_export_init(sk, ca);
		if (sk->__sk_common.skc_net.net->ipv4.sysctl_tcp_plb_enabled)
			BPFTCP_COUNT(plb_enabled_not_supported);
		return;
	}

	/* No ECN support? Fall back to Reno, which also stops ECT marking
	 * (the SYN carried it because of TCP_CONG_NEEDS_ECN).  Nothing of
	 * this program may run for the socket after the switch. */
	if (dctcp_switch_to_reno(sk)) {
		/* Inside another BPF TCP_CONGESTION change (-EBUSY): be
		 * dctcp-reno here until the ACK path can switch. */
		inet_csk_ca_dctcp(sk)->reno_fallback = 1;
		BPFTCP_COUNT(reno_fallbacks_nested);
		return;
	}
	BPFTCP_COUNT(reno_fallbacks);
}

SEC("struct_ops")
__u32 BPF_PROG(bpf_dctcp_ssthresh, struct sock *sk)
{
	struct dctcp_state *ca = inet_csk_ca(sk);
	const struct tcp_sock *tp = tcp_sk(sk);

	BPFTCP_COUNT(calls[BPFTCP_OP_SSTHRESH]);
	if (ca->reno_fallback)
		return cc_reno_ssthresh(sk);
	ca->loss_cwnd = tcp_snd_cwnd(tp);
	return dctcp_ssthresh(tcp_snd_cwnd(tp), ca->dctcp_alpha);
}

/* dctcp_update_alpha(): once per window of data, fold in its CE fraction. */
SEC("struct_ops")
void BPF_PROG(bpf_dctcp_in_ack_event, struct sock *sk, __u32 flags)
{
	const struct tcp_sock *tp = tcp_sk(sk);
	struct dctcp_state *ca = inet_csk_ca(sk);

	BPFTCP_COUNT(calls[BPFTCP_OP_IN_ACK_EVENT]);
	if (ca->reno_fallback) {
		/* dctcp-reno has no in_ack_event: only the pending switch
		 * (1), tried once; 2: it failed, Reno stays in here. */
		if (ca->reno_fallback == 1 && !dctcp_retry_fallback(sk, ca))
			ca->reno_fallback = 2;
		return;
	}
	/* Expired RTT */
	if (!before(tp->snd_una, ca->next_seq)) {
		ca->dctcp_alpha = dctcp_alpha_update(ca->dctcp_alpha,
						     tp->delivered - ca->old_delivered,
						     tp->delivered_ce - ca->old_delivered_ce,
						     dctcp_shift_g_bound(dctcp_shift_g));
		dctcp_reset(tp, ca);
		dctcp_export(sk, ca, true);
	}
}

static __always_inline void dctcp_react_to_loss(struct sock *sk)
{
	struct dctcp_state *ca = inet_csk_ca(sk);
	struct tcp_sock *tp = tcp_sk(sk);

	ca->loss_cwnd = tcp_snd_cwnd(tp);
	tp->snd_ssthresh = dctcp_loss_ssthresh(tcp_snd_cwnd(tp));
}

SEC("struct_ops")
void BPF_PROG(bpf_dctcp_state, struct sock *sk, __u8 new_state)
{
	BPFTCP_COUNT(calls[BPFTCP_OP_SET_STATE]);
	if (inet_csk_ca_dctcp(sk)->reno_fallback)
		return;		/* dctcp-reno has no set_state */
	if (new_state == TCP_CA_Recovery &&
	    new_state != tcp_ca_state(sk))
		dctcp_react_to_loss(sk);
	/* RTO is handled in cwnd_event (CA_EVENT_LOSS), so that there is only
	 * one loss adjustment per RTT. */
}

/* dctcp_ece_ack_cwr(): ECE on our ACKs iff the CE state is 1. */
static __always_inline void dctcp_ece_ack_cwr(struct tcp_sock *tp, bool demand_cwr)
{
	if (demand_cwr)
		tp->ecn_flags |= TCP_ECN_DEMAND_CWR;
	else
		tp->ecn_flags &= ~TCP_ECN_DEMAND_CWR;
}

/* dctcp_ece_ack_update(): the receiver's minimal CE state machine. */
static __always_inline void dctcp_ece_ack_update(struct sock *sk, enum tcp_ca_event evt,
						 struct dctcp_state *ca)
{
	struct inet_connection_sock *icsk = inet_csk(sk);
	struct tcp_sock *tp = tcp_sk(sk);
	struct dctcp_ce_actions a;

	a = dctcp_ce_event(&ca->ce_state, evt == CA_EVENT_ECN_IS_CE,
			   icsk->icsk_ack.pending & ICSK_ACK_TIMER);
	if (a.send_delayed_ack) {
		/* The delayed ACK covers packets of the prior CE state. */
		dctcp_ece_ack_cwr(tp, a.delayed_ack_ece);
		if (bpf_tcp_send_ack(tp, ca->prior_rcv_nxt))
			BPFTCP_ERR();
	}
	if (a.ack_now) {
		icsk->icsk_ack.pending |= ICSK_ACK_NOW;
		BPFTCP_COUNT(ce_state_changes);
		dctcp_export(sk, ca, false);
	}
	ca->prior_rcv_nxt = tp->rcv_nxt;
	dctcp_ece_ack_cwr(tp, a.demand_cwr);
}

SEC("struct_ops")
void BPF_PROG(bpf_dctcp_cwnd_event, struct sock *sk, enum tcp_ca_event ev)
{
	struct dctcp_state *ca = inet_csk_ca(sk);

	BPFTCP_COUNT(calls[BPFTCP_OP_CWND_EVENT]);
	if (ca->reno_fallback)
		return;		/* dctcp-reno has no cwnd_event */
	switch (ev) {
	case CA_EVENT_ECN_IS_CE:
	case CA_EVENT_ECN_NO_CE:
		dctcp_ece_ack_update(sk, ev, ca);
		break;
	case CA_EVENT_LOSS:
		dctcp_react_to_loss(sk);
		break;
	default:
		/* Don't care for the rest. */
		break;
	}
}

SEC("struct_ops")
__u32 BPF_PROG(bpf_dctcp_undo_cwnd, struct sock *sk)
{
	const struct dctcp_state *ca = inet_csk_ca(sk);

	BPFTCP_COUNT(calls[BPFTCP_OP_UNDO_CWND]);
	if (ca->reno_fallback)
		return cc_reno_undo_cwnd(sk);
	return dctcp_undo_cwnd(tcp_snd_cwnd(tcp_sk(sk)), ca->loss_cwnd);
}

SEC("struct_ops")
void BPF_PROG(bpf_dctcp_cong_avoid, struct sock *sk, __u32 ack, __u32 acked)
{
	BPFTCP_COUNT(calls[BPFTCP_OP_CONG_AVOID]);
	/* tcp_reno_cong_avoid, in dctcp and in dctcp-reno alike. */
	cc_reno_cong_avoid(sk, acked);
}

SEC(".struct_ops.link")
struct tcp_congestion_ops dctcp = {
	.init		= (void *)bpf_dctcp_init,
	.in_ack_event	= (void *)bpf_dctcp_in_ack_event,
	.cwnd_event	= (void *)bpf_dctcp_cwnd_event,
	.ssthresh	= (void *)bpf_dctcp_ssthresh,
	.cong_avoid	= (void *)bpf_dctcp_cong_avoid,
	.undo_cwnd	= (void *)bpf_dctcp_undo_cwnd,
	.set_state	= (void *)bpf_dctcp_state,
	.flags		= BPFTCP_TCP_CONG_NEEDS_ECN,
	.name		= "bpf_dctcp",
};
