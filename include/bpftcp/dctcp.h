/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * DCTCP's state and arithmetic, shared by cc/dctcp.bpf.c and the host tests
 * (selftests/test_dctcp_math.c).  Ported from net/ipv4/tcp_dctcp.c and
 * tcp_dctcp.h (Linux 6.x); names follow those files.  Nothing here touches a
 * socket: callers pass counters and windows in.
 */
#ifndef BPFTCP_DCTCP_H
#define BPFTCP_DCTCP_H

#ifndef __bpf__
#include <linux/types.h>
#include <stdbool.h>
#endif
#include "bpftcp/cc_common.h"

#define DCTCP_MAX_ALPHA		1024U	/* alpha is a fraction scaled by 2^10 */
#define DCTCP_SHIFT_G_MAX	10U	/* the kernel refuses dctcp_shift_g > 10 */

/* struct dctcp of tcp_dctcp.c, without its PLB state (see cc/dctcp.bpf.c). */
struct dctcp_state {
	__u32 old_delivered;	/* tp->delivered at the start of this window */
	__u32 old_delivered_ce;	/* tp->delivered_ce at the start of this window */
	__u32 prior_rcv_nxt;	/* rcv_nxt when the CE state last changed */
	__u32 dctcp_alpha;	/* EWMA of the fraction of CE-marked packets */
	__u32 next_seq;		/* snd_nxt at the start of this window */
	__u32 ce_state;		/* receiver: was the last packet CE? (0/1) */
	__u32 loss_cwnd;	/* cwnd at the last reduction, for undo */
	__u32 reno_fallback;	/* non-ECN socket whose switch to reno is pending:
				 * runs Reno here (cc/dctcp.bpf.c, deviation 2) */
};
BPFTCP_CA_PRIV_ASSERT(struct dctcp_state);

/* dctcp_shift_g is bounded to [0, 10] by its module_param setter. */
static inline __u32 dctcp_shift_g_bound(__u32 shift_g)
{
	return shift_g < DCTCP_SHIFT_G_MAX ? shift_g : DCTCP_SHIFT_G_MAX;
}

/* dctcp_init(): the initial alpha, at most 1.0. */
static inline __u32 dctcp_initial_alpha(__u32 alpha_on_init)
{
	return alpha_on_init < DCTCP_MAX_ALPHA ? alpha_on_init : DCTCP_MAX_ALPHA;
}

/*
 * dctcp_update_alpha() for one observation window (about one RTT):
 *   alpha = (1 - g) * alpha + g * F,  g = 2^-shift_g,
 * F = delivered_ce / delivered, the fraction of CE-marked packets.  @delivered
 * and @delivered_ce are the counts over the window.  Note the kernel's
 * rounding: alpha -= min_not_zero(alpha, alpha >> g), so an alpha below 2^g
 * decays straight to 0.
 */
static inline __u32 dctcp_alpha_update(__u32 alpha, __u32 delivered, __u32 delivered_ce,
				       __u32 shift_g)
{
	__u32 decay = alpha >> shift_g;

	/* min_not_zero(alpha, alpha >> g) */
	alpha -= alpha == 0 ? decay : decay == 0 ? alpha : (alpha < decay ? alpha : decay);
	if (delivered_ce) {
		/* If dctcp_shift_g == 1, a 32-bit value would overflow after
		 * 8 M packets. */
		delivered_ce <<= (10 - shift_g);
		delivered_ce /= delivered > 1 ? delivered : 1;

		alpha = alpha + delivered_ce < DCTCP_MAX_ALPHA ? alpha + delivered_ce :
								  DCTCP_MAX_ALPHA;
	}
	return alpha;
}

/* dctcp_ssthresh(): cwnd * (1 - alpha / 2), at least 2. */
static inline __u32 dctcp_ssthresh(__u32 cwnd, __u32 alpha)
{
	__u32 ssthresh = cwnd - ((cwnd * alpha) >> 11U);

	return ssthresh > 2 ? ssthresh : 2;
}

/* dctcp_react_to_loss(): a loss halves the window like Reno. */
static inline __u32 dctcp_loss_ssthresh(__u32 cwnd)
{
	return (cwnd >> 1U) > 2 ? (cwnd >> 1U) : 2;
}

/* dctcp_cwnd_undo() */
static inline __u32 dctcp_undo_cwnd(__u32 cwnd, __u32 loss_cwnd)
{
	return cwnd > loss_cwnd ? cwnd : loss_cwnd;
}

/*
 * What dctcp_ece_ack_update() (tcp_dctcp.h) must do on the receiver when a
 * data packet arrives with (@is_ce) or without CE.  DCTCP echoes CE exactly:
 * ECE on an ACK means "the packets this ACK covers were CE".  When the CE
 * state flips, an ACK must go out at once to report the new state; and if an
 * ACK was being delayed (@delayed_ack_pending, ICSK_ACK_TIMER), it covers
 * packets of the old state, so it is sent first, for prior_rcv_nxt, with the
 * old state's ECE.
 */
struct dctcp_ce_actions {
	bool send_delayed_ack;	/* send the pending ACK for prior_rcv_nxt first... */
	bool delayed_ack_ece;	/* ...with ECE demanded iff the old state was CE */
	bool ack_now;		/* set ICSK_ACK_NOW: ACK this packet immediately */
	bool demand_cwr;	/* finally: TCP_ECN_DEMAND_CWR (ECE) iff now CE */
};

static inline struct dctcp_ce_actions dctcp_ce_event(__u32 *ce_state, bool is_ce,
						     bool delayed_ack_pending)
{
	__u32 new_ce_state = is_ce ? 1 : 0;
	struct dctcp_ce_actions a = { 0 };

	if (*ce_state != new_ce_state) {
		if (delayed_ack_pending) {
			a.send_delayed_ack = true;
			a.delayed_ack_ece = *ce_state == 1;
		}
		a.ack_now = true;
	}
	*ce_state = new_ce_state;
	a.demand_cwr = new_ce_state == 1;
	return a;
}

#endif /* BPFTCP_DCTCP_H */
