// SPDX-License-Identifier: GPL-2.0-only
/*
 * bpf_cdg: CAIA Delay-Gradient, probabilistic backoff on rising delay with loss-based coexistence
 *
 * Reference: Linux net/ipv4/tcp_cdg.c (6.x); D. A. Hayes, G. Armitage,
 * "Revisiting TCP Congestion Control using Delay Gradients", IFIP
 * Networking 2011.  Per RTT, the changes of the RTT's minimum and maximum
 * are summed over a window of 8 RTTs; a positive gradient g backs off
 * (cwnd x 0.7071, through the CWR state) with probability
 * 1 - exp(-g x 42 / 1e6).  A shadow window (what Reno would have) bounds
 * loss reductions, ineffectual backoffs stop after 5 in a row, and slow
 * start exits by HyStart.  Growth is Reno's.  The arithmetic lives in
 * include/bpftcp/cdg.h, shared with the host tests.
 *
 * State: struct cdg (56 bytes here) fits in icsk_ca_priv, but its gradient
 * window (window x 8 bytes, kmalloc'ed by the kernel) does not.  It lives in
 * sk_local_storage: the map cdg_gradients (BPF_MAP_TYPE_SK_STORAGE), created
 * in .init with BPF_SK_STORAGE_GET_F_CREATE and deleted in .release.  The
 * counters storage_created / storage_deleted count both (the selftest
 * test_bpf_cdg checks they balance); storage_failed counts failed creations,
 * after which CDG runs without the window, as the kernel does when kzalloc
 * fails.
 *
 * Deviations from tcp_cdg.c, and why:
 *  1. The gradient window is in sk_local_storage, not kmalloc'ed (above).
 *     Its value has room for the largest window (256 entries, 2 KiB per
 *     connection) because a map's value size is fixed when it is created.
 *  2. tcp_enter_cwr() is not a kfunc, and icsk_ca_state, high_seq,
 *     prior_cwnd, the PRR counters, undo_marker, prior_ssthresh and
 *     tlp_high_seq are not writable from BPF, so a backoff cannot put the
 *     socket in TCP_CA_CWR.  The port emulates that state (struct cdg_cwr):
 *     on a backoff, if the socket is in Open or Disorder (as tcp_enter_cwr
 *     checks), it does what tcp_init_cwnd_reduction() does that BPF can do:
 *     snd_ssthresh = the ssthresh of the BACKOFF state, snd_cwnd_cnt = 0,
 *     TCP_ECN_QUEUE_CWR on classic-ECN connections, and records high_seq
 *     and prior_cwnd.  Then, per ACK (in pkts_acked, which runs on every ACK
 *     before the kernel's own cwnd step), it performs tcp_cwnd_reduction()'s
 *     Proportional Rate Reduction, with prr_delivered and prr_out taken from
 *     the deltas of tp->delivered and tp->data_segs_out since the backoff;
 *     cong_avoid does nothing meanwhile (the kernel does not call it in
 *     CWR).  When an ACK passes high_seq it ends the reduction as
 *     tcp_end_cwnd_reduction() does (cwnd = ssthresh, snd_cwnd_stamp =
 *     now) and applies CA_EVENT_COMPLETE_CWR.  Because the kernel sees Open,
 *     its application-limited path (tcp_cwnd_application_limited(), which
 *     in CWR only refreshes snd_cwnd_stamp) would raise ssthresh to 3/4 of
 *     cwnd and undo part of the backoff; the port refreshes snd_cwnd_stamp
 *     at the backoff and on every ACK of the reduction so that path cannot
 *     fire (cdg_cwr_stamp() in cdg.h).  If the kernel enters CWR, Recovery or Loss
 *     meanwhile, its own reduction takes over (set_state ends the
 *     emulation) and ssthresh returns the current snd_ssthresh, as the
 *     kernel would not recompute it in CWR.  What remains different: the
 *     kernel's state stays Open, so undo_marker is not cleared (a later
 *     spurious-recovery undo may restore ssthresh above the backoff's),
 *     prior_ssthresh and tlp_high_seq are not reset, a Recovery entered
 *     during the reduction
 *     restarts PRR from the current cwnd towards the same ssthresh, and
 *     tcp_get_info() reports Open rather than CWR.
 *  3. get_random_u32() is bpf_get_prandom_u32(); the HyStart MIB counters
 *     (LINUX_MIB_TCPHYSTART*) are counters in this program's cc_stats map.
 *  4. Module parameters are const volatile globals fixed at load time with
 *     the kernel's defaults.  tcp_cdg_register() refuses a window that is
 *     not a power of two in [1, 256]; a BPF program cannot refuse its own
 *     registration, so such a window counts an error at init and the
 *     connection runs with the window-1 behaviour (no gradient window).
 *  5. nexp_u32()'s loop over the bits of its argument is bounded at 16
 *     iterations, its maximum, for the verifier; signed divisions are done
 *     on magnitudes (no signed division before BPF ISA v4).
 *  6. tcp_reno_undo_cwnd and tcp_reno_cong_avoid, which the kernel file
 *     uses, are reno.h's maths on the socket's window (the policy of
 *     bpf_tcp.h), not through the kfuncs: same arithmetic.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "bpftcp/cc_stats.h"

/* sk_local_storage accounting, and what the kernel counts in its MIBs. */
struct cdg_counters {
	BPFTCP_CC_STATS_MEMBERS;
	__u64 storage_created;
	__u64 storage_deleted;
	__u64 storage_failed;
	__u64 hystart_train_detect;
	__u64 hystart_delay_detect;
	__u64 backoffs;		/* backoffs that started a CWR reduction */
};
#define BPFTCP_CC_COUNTERS struct cdg_counters
#include "bpftcp/bpf_tcp.h"
#include "bpftcp/cdg.h"

char _license[] SEC("license") = "GPL";

/* Tunables: the module parameters of tcp_cdg.c, with its defaults. */
const volatile int window = 8;
const volatile unsigned int backoff_beta = 0.7071 * 1024;	/* sqrt 0.5 */
const volatile unsigned int backoff_factor = 42;
const volatile unsigned int hystart_detect = 3;
const volatile unsigned int use_ineff = 5;
const volatile bool use_shadow = true;
const volatile bool use_tolerance = false;

/* The gradient window: the part of struct cdg that icsk_ca_priv cannot hold. */
struct cdg_gradients {
	struct cdg_minmax g[CDG_WINDOW_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct cdg_gradients);
} cdg_gradients SEC(".maps");

static __always_inline struct cdg_params cdg_params(void)
{
	struct cdg_params p = {
		.window = cdg_window_valid(window) ? window : 1,
		.backoff_beta = backoff_beta,
		.backoff_factor = backoff_factor,
		.hystart_detect = hystart_detect,
		.use_ineff = use_ineff,
		.use_shadow = use_shadow,
		.use_tolerance = use_tolerance,
	};
	return p;
}

/* memset(): a plain loop would become a memset call, which BPF lacks;
 * barrier_var() keeps it a loop. */
static __always_inline void zero_gradients(struct cdg_gradients *g, int n)
{
	for (int i = 0; i < CDG_WINDOW_MAX && i < n; i++) {
		g->g[i].v64 = 0;
		barrier_var(i);
	}
}

/* The socket's gradient window, or NULL (allocation failed or window 1). */
static __always_inline struct cdg_minmax *gradients_of(struct sock *sk,
							const struct cdg_state *ca)
{
	struct cdg_gradients *g;

	if (!ca->has_gradients)
		return NULL;
	g = bpf_sk_storage_get(&cdg_gradients, sk, NULL, 0);
	if (!g) {
		BPFTCP_ERR();	/* created at init, deleted only at release */
		return NULL;
	}
	return g->g;
}

SEC("struct_ops")
void BPF_PROG(bpf_cdg_init, struct sock *sk)
{
	struct cdg_state *ca = inet_csk_ca(sk);
	struct tcp_sock *tp = tcp_sk(sk);
	struct cdg_params p = cdg_params();

	BPFTCP_COUNT(calls[BPFTCP_OP_INIT]);
	if (!cdg_window_valid(window))
		BPFTCP_ERR();	/* tcp_cdg_register() would refuse this window */

	ca->has_gradients = 0;
	/* We silently fall back to window = 1 if allocation fails. */
	if (p.window > 1) {
		struct cdg_gradients *g;

		g = bpf_sk_storage_get(&cdg_gradients, sk, NULL,
				       BPF_SK_STORAGE_GET_F_CREATE);
		if (g) {
			/* New elements are zeroed; one left by an earlier
			 * owner of this socket would not be. */
			zero_gradients(g, p.window);
			ca->has_gradients = 1;
			BPFTCP_COUNT(storage_created);
		} else {
			BPFTCP_COUNT(storage_failed);
			BPFTCP_ERR();
		}
	}
	cdg_init(ca, tp->snd_nxt, tcp_snd_cwnd(tp));
}

SEC("struct_ops")
void BPF_PROG(bpf_cdg_release, struct sock *sk)
{
	struct cdg_state *ca = inet_csk_ca(sk);

	BPFTCP_COUNT(calls[BPFTCP_OP_RELEASE]);
	if (!ca->has_gradients)
		return;
	if (bpf_sk_storage_delete(&cdg_gradients, sk) == 0)
		BPFTCP_COUNT(storage_deleted);
	else
		BPFTCP_ERR();
	ca->has_gradients = 0;
}

/* tcp_enter_cwr() as far as BPF can: see deviation 2. */
static __always_inline void cdg_enter_cwr(struct sock *sk, struct cdg_state *ca,
					  const struct cdg_params *p)
{
	struct tcp_sock *tp = tcp_sk(sk);

	if (tcp_ca_state(sk) >= TCP_CA_CWR)
		return;

	cdg_cwr_enter(&ca->cwr, tp->snd_nxt, tcp_snd_cwnd(tp), tp->delivered,
		      tp->data_segs_out, tp->lost, tp->snd_una);
	/* Keeps tcp_cwnd_application_limited() off (cdg_cwr_stamp()). */
	tp->snd_cwnd_stamp = cdg_cwr_stamp(&ca->cwr, tp->snd_cwnd_stamp, tcp_jiffies32);
	tp->snd_cwnd_cnt = 0;
	tp->snd_ssthresh = cdg_ssthresh(ca, tcp_snd_cwnd(tp), p);
	if (tcp_ecn_mode_rfc3168(tp))
		tp->ecn_flags |= TCP_ECN_QUEUE_CWR;
	BPFTCP_COUNT(backoffs);
}

/* tcp_cdg_backoff() */
static __always_inline bool cdg_backoff(struct sock *sk, struct cdg_state *ca,
					__u32 grad, const struct cdg_params *p)
{
	if (!cdg_backoff_decide(ca, grad, bpf_get_prandom_u32(), p))
		return false;

	cdg_backoff_begin(ca, tcp_snd_cwnd(tcp_sk(sk)));
	cdg_enter_cwr(sk, ca, p);
	return true;
}

/* Not called in CWR or Recovery state (nor in the emulated CWR). */
SEC("struct_ops")
void BPF_PROG(bpf_cdg_cong_avoid, struct sock *sk, __u32 ack, __u32 acked)
{
	struct cdg_state *ca = inet_csk_ca(sk);
	struct tcp_sock *tp = tcp_sk(sk);
	struct cdg_params p = cdg_params();
	__u32 prior_snd_cwnd;

	BPFTCP_COUNT(calls[BPFTCP_OP_CONG_AVOID]);
	if (ca->cwr.active)
		return;

	if (tcp_in_slow_start(tp) && p.hystart_detect) {
		__u32 ssthresh = tp->snd_ssthresh;

		switch (cdg_hystart_update(ca, tp->tcp_mstamp, tcp_is_cwnd_limited(sk),
					   tcp_snd_cwnd(tp), &ssthresh, &p)) {
		case CDG_HYSTART_EXIT_TRAIN:
			BPFTCP_COUNT(hystart_train_detect);
			tp->snd_ssthresh = ssthresh;
			break;
		case CDG_HYSTART_EXIT_DELAY:
			BPFTCP_COUNT(hystart_delay_detect);
			tp->snd_ssthresh = ssthresh;
			break;
		default:
			break;
		}
	}

	if (after(ack, ca->rtt_seq) && ca->rtt.v64) {
		__s32 grad = cdg_round_end(ca, tp->snd_nxt, gradients_of(sk, ca), &p);

		if (grad > 0 && cdg_backoff(sk, ca, grad, &p))
			return;
	}

	if (!tcp_is_cwnd_limited(sk)) {
		cdg_shadow_app_limited(ca, tcp_snd_cwnd(tp));
		return;
	}

	prior_snd_cwnd = tcp_snd_cwnd(tp);
	cc_reno_cong_avoid(sk, acked);
	cdg_shadow_grow(ca, tcp_snd_cwnd(tp) - prior_snd_cwnd);
}

SEC("struct_ops")
void BPF_PROG(bpf_cdg_acked, struct sock *sk, const struct ack_sample *sample)
{
	struct cdg_state *ca = inet_csk_ca(sk);
	struct tcp_sock *tp = tcp_sk(sk);

	BPFTCP_COUNT(calls[BPFTCP_OP_PKTS_ACKED]);
	cdg_acked(ca, sample->rtt_us, sample->pkts_acked, tp->sacked_out);

	if (!ca->cwr.active)
		return;
	if (cdg_cwr_done(&ca->cwr, tp->snd_una)) {
		/* tcp_end_cwnd_reduction(), then CA_EVENT_COMPLETE_CWR. */
		if (tp->snd_ssthresh < TCP_INFINITE_SSTHRESH) {
			tcp_snd_cwnd_set(tp, tp->snd_ssthresh);
			tp->snd_cwnd_stamp = tcp_jiffies32;
		}
		ca->cwr.active = 0;
		cdg_complete_cwr(ca, tp->snd_nxt);
	} else {
		struct cdg_prr_in in = {
			.ssthresh = tp->snd_ssthresh,
			.in_flight = tcp_packets_in_flight(tp),
			.delivered = tp->delivered,
			.segs_out = tp->data_segs_out,
			.lost = tp->lost,
			.snd_una = tp->snd_una,
		};
		__u32 cwnd;

		if (cdg_cwr_prr(&ca->cwr, &in, &cwnd))
			tcp_snd_cwnd_set(tp, cwnd);
		tp->snd_cwnd_stamp = cdg_cwr_stamp(&ca->cwr, tp->snd_cwnd_stamp,
						   tcp_jiffies32);
	}
}

SEC("struct_ops")
__u32 BPF_PROG(bpf_cdg_ssthresh, struct sock *sk)
{
	struct cdg_state *ca = inet_csk_ca(sk);
	struct tcp_sock *tp = tcp_sk(sk);
	struct cdg_params p = cdg_params();

	BPFTCP_COUNT(calls[BPFTCP_OP_SSTHRESH]);
	/* In (emulated) CWR the kernel would keep the reduction's ssthresh. */
	if (ca->cwr.active)
		return tp->snd_ssthresh;
	return cdg_ssthresh(ca, tcp_snd_cwnd(tp), &p);
}

/* The kernel's own reductions (CWR, Recovery, Loss) replace the emulated one. */
SEC("struct_ops")
void BPF_PROG(bpf_cdg_set_state, struct sock *sk, __u8 new_state)
{
	struct cdg_state *ca = inet_csk_ca(sk);

	BPFTCP_COUNT(calls[BPFTCP_OP_SET_STATE]);
	if (new_state >= TCP_CA_CWR)
		ca->cwr.active = 0;
}

SEC("struct_ops")
void BPF_PROG(bpf_cdg_cwnd_event, struct sock *sk, enum tcp_ca_event ev)
{
	struct cdg_state *ca = inet_csk_ca(sk);
	struct tcp_sock *tp = tcp_sk(sk);
	struct cdg_params p = cdg_params();
	struct cdg_minmax *gradients;

	BPFTCP_COUNT(calls[BPFTCP_OP_CWND_EVENT]);
	switch (ev) {
	case CA_EVENT_CWND_RESTART:
		gradients = gradients_of(sk, ca);
		if (gradients)
			zero_gradients((struct cdg_gradients *)gradients, p.window);
		cdg_cwnd_restart(ca, tp->snd_nxt, tcp_snd_cwnd(tp));
		break;
	case CA_EVENT_COMPLETE_CWR:
		ca->cwr.active = 0;
		cdg_complete_cwr(ca, tp->snd_nxt);
		break;
	default:
		break;
	}
}

SEC("struct_ops")
__u32 BPF_PROG(bpf_cdg_undo_cwnd, struct sock *sk)
{
	BPFTCP_COUNT(calls[BPFTCP_OP_UNDO_CWND]);
	return cc_reno_undo_cwnd(sk);
}

SEC(".struct_ops.link")
struct tcp_congestion_ops cdg = {
	.cong_avoid	= (void *)bpf_cdg_cong_avoid,
	.cwnd_event	= (void *)bpf_cdg_cwnd_event,
	.pkts_acked	= (void *)bpf_cdg_acked,
	.undo_cwnd	= (void *)bpf_cdg_undo_cwnd,
	.ssthresh	= (void *)bpf_cdg_ssthresh,
	.set_state	= (void *)bpf_cdg_set_state,
	.release	= (void *)bpf_cdg_release,
	.init		= (void *)bpf_cdg_init,
	.name		= "bpf_cdg",
};
