// SPDX-License-Identifier: GPL-2.0-only
/*
 * bpf_vegas: TCP Vegas, delay-based: keeps 2 to 4 packets queued in the path
 *
 * A port of Linux net/ipv4/tcp_vegas.c and tcp_vegas.h (6.x).  Reference:
 * L. S. Brakmo, L. L. Peterson, "TCP Vegas: End to End Congestion Avoidance
 * on a Global Internet", IEEE JSAC 13(8), 1995.  Once per RTT, from the
 * minimum RTT of that RTT and the minimum ever seen (baseRTT), Vegas
 * estimates how many of its packets sit in queues, diff = cwnd (rtt -
 * baseRTT) / baseRTT, and moves cwnd by one packet to keep diff between
 * alpha (2) and beta (4); in slow start it leaves for congestion avoidance
 * as soon as diff exceeds gamma (1), with cwnd set to the rate it achieved.
 * With too few RTT samples (<= 2), or outside the Open state, it behaves
 * like Reno; losses are handled as Reno does.  The arithmetic lives in
 * include/bpftcp/vegas.h so the host tests exercise it.
 *
 * Deviations from tcp_vegas.c, and why:
 *  1. Module parameters alpha, beta and gamma are const volatile globals
 *     fixed at load time, with the kernel's defaults: BPF has no
 *     module_param.
 *  2. The slow-start branch of the per-RTT adjustment uses reno_slow_start()
 *     (include/bpftcp/reno.h, the arithmetic of tcp_slow_start()) on a copy
 *     of the window, so that the whole adjustment is host-tested; the other
 *     calls into tcp_cong.c (tcp_reno_cong_avoid, tcp_slow_start,
 *     tcp_reno_ssthresh, tcp_reno_undo_cwnd) are reno.h's maths too (the policy
 *     of bpf_tcp.h), not through the kfuncs: same arithmetic.
 *  3. get_info (INET_DIAG_VEGASINFO for "ss -i") is not a member BPF may
 *     implement.  Instead baseRTT, the last RTT's minRTT and sample count,
 *     and diff are published in the socket's bpftcp record
 *     (include/bpftcp/sock_state.h, 'bpftcp sockets'): init allocates it,
 *     and the once-per-RTT adjustment writes it.
 *  4. Each callback counts itself in this program's cc_stats map.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "bpftcp/bpf_tcp.h"
#include "bpftcp/vegas.h"
#include "bpftcp/sock_state.bpf.h"

char _license[] SEC("license") = "GPL";

/* Tunables: the module parameters of tcp_vegas.c, with its defaults. */
const volatile int alpha = 2;	/* lower bound of packets in network */
const volatile int beta = 4;	/* upper bound of packets in network */
const volatile int gamma = 1;	/* limit on increase (scale by 2) */

static __always_inline struct vegas_params vegas_params(void)
{
	struct vegas_params p = { .alpha = alpha, .beta = beta, .gamma = gamma };

	return p;
}

SEC("struct_ops")
void BPF_PROG(bpf_vegas_init, struct sock *sk)
{
	BPFTCP_COUNT(calls[BPFTCP_OP_INIT]);
	vegas_init(inet_csk_ca(sk), tcp_sk(sk)->snd_nxt);
	if (!bpftcp_cc_export_init(sk, BPFTCP_CC_VEGAS, "bpf_vegas"))
		BPFTCP_ERR();
}

/*
 * Publishes the RTT that just ended (deviation 3); diff only when Vegas
 * computed one (enough samples), else the last one stays.
 */
static __always_inline void vegas_export(struct sock *sk, const struct vegas_state *v,
					 __u32 cwnd, bool adjusting)
{
	struct bpftcp_cc_export *e = bpftcp_cc_export(sk, BPFTCP_CC_VEGAS);

	if (!e)
		return;
	e->u.vegas.base_rtt_us = v->baseRTT;
	e->u.vegas.min_rtt_us = v->minRTT;
	e->u.vegas.cnt_rtt = v->cntRTT;
	if (adjusting) {
		e->u.vegas.diff = vegas_diff(cwnd, v->minRTT, v->baseRTT);
		e->u.vegas.adjustments++;
	}
}

SEC("struct_ops")
void BPF_PROG(bpf_vegas_pkts_acked, struct sock *sk, const struct ack_sample *sample)
{
	BPFTCP_COUNT(calls[BPFTCP_OP_PKTS_ACKED]);
	vegas_pkts_acked(inet_csk_ca(sk), sample->rtt_us);
}

SEC("struct_ops")
void BPF_PROG(bpf_vegas_state, struct sock *sk, __u8 new_state)
{
	BPFTCP_COUNT(calls[BPFTCP_OP_SET_STATE]);
	vegas_state(inet_csk_ca(sk), new_state == TCP_CA_Open, tcp_sk(sk)->snd_nxt);
}

/*
 * Restarting after idle: the saved cwnd and the congestion feedback are
 * stale, so start over, and decide again only after a flight of fresh ACKs.
 */
SEC("struct_ops")
void BPF_PROG(bpf_vegas_cwnd_event, struct sock *sk, enum tcp_ca_event event)
{
	BPFTCP_COUNT(calls[BPFTCP_OP_CWND_EVENT]);
	if (event == CA_EVENT_CWND_RESTART || event == CA_EVENT_TX_START)
		vegas_init(inet_csk_ca(sk), tcp_sk(sk)->snd_nxt);
}

SEC("struct_ops")
void BPF_PROG(bpf_vegas_cong_avoid, struct sock *sk, __u32 ack, __u32 acked)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct vegas_state *v = inet_csk_ca(sk);

	BPFTCP_COUNT(calls[BPFTCP_OP_CONG_AVOID]);
	if (!v->doing_vegas_now) {
		cc_reno_cong_avoid(sk, acked);
		return;
	}

	if (after(ack, v->beg_snd_nxt)) {
		/* Do the Vegas once-per-RTT cwnd adjustment.  Save the extent
		 * of the current window, for the end of the next RTT. */
		v->beg_snd_nxt = tp->snd_nxt;
		vegas_export(sk, v, tp->snd_cwnd, v->cntRTT > 2);

		/* Two samples per RTT means one ACK per RTT: almost certainly
		 * delayed ACKs.  With three, one is likely a real RTT. */
		if (v->cntRTT <= 2) {
			cc_reno_cong_avoid(sk, acked);
		} else {
			struct vegas_params p = vegas_params();
			struct cc_window w = tcp_window_get(tp);
			__u8 state = tcp_ca_state(sk);

			vegas_rtt_adjust(&w, v, acked,
					 (1 << state) & ((1 << TCP_CA_CWR) | (1 << TCP_CA_Recovery)),
					 &p);
			tcp_window_put(tp, &w);
		}

		/* Wipe the slate clean for the next RTT. */
		v->cntRTT = 0;
		v->minRTT = VEGAS_RTT_NONE;
	} else if (tcp_in_slow_start(tp)) {
		/* Use normal slow start */
		cc_slow_start(tp, acked);
	}
}

SEC("struct_ops")
__u32 BPF_PROG(bpf_vegas_ssthresh, struct sock *sk)
{
	BPFTCP_COUNT(calls[BPFTCP_OP_SSTHRESH]);
	return cc_reno_ssthresh(sk);
}

SEC("struct_ops")
__u32 BPF_PROG(bpf_vegas_undo_cwnd, struct sock *sk)
{
	BPFTCP_COUNT(calls[BPFTCP_OP_UNDO_CWND]);
	return cc_reno_undo_cwnd(sk);
}

SEC(".struct_ops.link")
struct tcp_congestion_ops vegas = {
	.init		= (void *)bpf_vegas_init,
	.ssthresh	= (void *)bpf_vegas_ssthresh,
	.undo_cwnd	= (void *)bpf_vegas_undo_cwnd,
	.cong_avoid	= (void *)bpf_vegas_cong_avoid,
	.pkts_acked	= (void *)bpf_vegas_pkts_acked,
	.set_state	= (void *)bpf_vegas_state,
	.cwnd_event	= (void *)bpf_vegas_cwnd_event,
	.name		= "bpf_vegas",
};
