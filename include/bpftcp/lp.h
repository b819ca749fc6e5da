/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * TCP-LP's state and arithmetic, shared by cc/lp.bpf.c and the host unit
 * tests (selftests/test_lp_math.c).  Ported from net/ipv4/tcp_lp.c
 * (Linux 6.x); names follow that file.  Nothing here touches a socket:
 * callers pass the TCP timestamp option values (TSval/TSecr of the last
 * segment received), the local timestamp clock and cwnd in.
 *
 * TCP-LP infers early congestion from the one-way delay (OWD): when the
 * smoothed OWD rises above min + 15% of (max - min), it halves cwnd, or
 * drops it to 1 if that happens again within the "inference" time
 * (3 x the last RTT, from the timestamps) after the previous drop, and
 * suppresses Reno's increase during that time.  The OWD is relative: the
 * remote timestamp clock, whose rate (remote "HZ") is estimated, minus the
 * echoed local one.
 *
 * The integer types follow tcp_lp.c exactly, including its unsigned 32-bit
 * wrap-arounds (e.g. in "TCP_TS_HZ * (tsval - remote_ref_time)"), because
 * they decide the results.
 */
#ifndef BPFTCP_LP_H
#define BPFTCP_LP_H

#include "bpftcp/cc_common.h"

#define LP_TCP_TS_HZ	1000		/* include/net/tcp.h's TCP_TS_HZ */
#define LP_RESOL	LP_TCP_TS_HZ	/* resolution of owd */

/* enum tcp_lp_state: TCP-LP's state flags. */
#define LP_VALID_RHZ	(1 << 0)	/* is remote HZ valid? */
#define LP_VALID_OWD	(1 << 1)	/* is OWD valid? */
#define LP_WITHIN_THR	(1 << 3)	/* are we within threshold? */
#define LP_WITHIN_INF	(1 << 4)	/* are we within inference? */

/* struct lp of tcp_lp.c: lives in icsk_ca_priv. */
struct lp_state {
	__u32 flag;		/* TCP-LP state flags */
	__u32 sowd;		/* smoothed OWD << 3 */
	__u32 owd_min;		/* min OWD */
	__u32 owd_max;		/* max OWD */
	__u32 owd_max_rsv;	/* reserved max owd */
	__u32 remote_hz;	/* estimated remote HZ */
	__u32 remote_ref_time;	/* remote reference time */
	__u32 local_ref_time;	/* local reference time */
	__u32 last_drop;	/* time for last active drop */
	__u32 inference;	/* current inference */
};

BPFTCP_CA_PRIV_ASSERT(struct lp_state);

/* tcp_lp_init() */
static inline void lp_init(struct lp_state *lp)
{
	lp->flag = 0;
	lp->sowd = 0;
	lp->owd_min = 0xffffffff;
	lp->owd_max = 0;
	lp->owd_max_rsv = 0;
	lp->remote_hz = 0;
	lp->remote_ref_time = 0;
	lp->local_ref_time = 0;
	lp->last_drop = 0;
	lp->inference = 0;
}

/*
 * tcp_lp_remote_hz_estimator(): the remote timestamp clock rate, as
 * TCP_TS_HZ x (TSval change / TSecr change) between consecutive calls,
 * smoothed 63/64 old + 1/64 new.  Records the new reference times.
 */
static inline __u32 lp_remote_hz_estimator(struct lp_state *lp, __u32 tsval, __u32 tsecr)
{
	__s64 rhz = (__u32)(lp->remote_hz << 6);	/* remote HZ << 6 */
	__s64 m = 0;

	/* not yet record reference time: record it before coming back */
	if (lp->remote_ref_time == 0 || lp->local_ref_time == 0)
		goto out;

	/* we can't calc remote HZ with no different!! */
	if (tsval == lp->remote_ref_time || tsecr == lp->local_ref_time)
		goto out;

	/* 32-bit unsigned, as in the kernel (the product may wrap). */
	m = (__u32)(LP_TCP_TS_HZ * (tsval - lp->remote_ref_time)) /
	    (tsecr - lp->local_ref_time);
	if (m < 0)
		m = -m;

	if (rhz > 0) {
		m -= rhz >> 6;	/* m is now error in remote HZ est */
		rhz += m;	/* 63/64 old + 1/64 new */
	} else {
		rhz = m << 6;
	}

out:
	/* record time for successful remote HZ calc */
	if ((rhz >> 6) > 0)
		lp->flag |= LP_VALID_RHZ;
	else
		lp->flag &= ~LP_VALID_RHZ;

	/* record reference time stamp */
	lp->remote_ref_time = tsval;
	lp->local_ref_time = tsecr;

	return rhz >> 6;
}

/*
 * tcp_lp_owd_calculator(): the one-way delay in relative form, remote time
 * (scaled by the estimated remote HZ) minus echoed local time.  (The
 * original TCP-LP subtracted the two time differences, which is the RTT and
 * gives OWD 0 on a stable path; tcp_lp.c fixed that.)
 */
static inline __u32 lp_owd_calculator(struct lp_state *lp, __u32 tsval, __u32 tsecr)
{
	__s64 owd = 0;

	lp->remote_hz = lp_remote_hz_estimator(lp, tsval, tsecr);

	if (lp->flag & LP_VALID_RHZ) {
		/* 32-bit unsigned, as in the kernel; remote_hz >= 1 here. */
		owd = (__u32)(tsval * (LP_RESOL / lp->remote_hz) -
			      tsecr * (LP_RESOL / LP_TCP_TS_HZ));
		if (owd < 0)
			owd = -owd;
	}

	if (owd > 0)
		lp->flag |= LP_VALID_OWD;
	else
		lp->flag &= ~LP_VALID_OWD;

	return owd;
}

/*
 * tcp_lp_rtt_sample(): take an OWD sample, track its min and max (the max
 * "one below the max of the max", via owd_max_rsv) and the smoothed OWD
 * (7/8 old + 1/8 new, kept << 3).
 */
static inline void lp_rtt_sample(struct lp_state *lp, __u32 tsval, __u32 tsecr)
{
	__s64 mowd = lp_owd_calculator(lp, tsval, tsecr);

	/* sorry that we don't have valid data */
	if (!(lp->flag & LP_VALID_RHZ) || !(lp->flag & LP_VALID_OWD))
		return;

	/* record the next min owd */
	if (mowd < lp->owd_min)
		lp->owd_min = mowd;

	/* always forget the max of the max: set owd_max one below it */
	if (mowd > lp->owd_max) {
		if (mowd > lp->owd_max_rsv) {
			if (lp->owd_max_rsv == 0)
				lp->owd_max = mowd;
			else
				lp->owd_max = lp->owd_max_rsv;
			lp->owd_max_rsv = mowd;
		} else {
			lp->owd_max = mowd;
		}
	}

	/* calc for smoothed owd */
	if (lp->sowd != 0) {
		mowd -= lp->sowd >> 3;	/* m is now error in owd est */
		lp->sowd += mowd;	/* owd = 7/8 owd + 1/8 new */
	} else {
		lp->sowd = mowd << 3;	/* take the measured time be owd */
	}
}

/*
 * tcp_lp_pkts_acked(): the early congestion indication.  @now is the local
 * timestamp clock (tcp_time_stamp_ts()), @tsval/@tsecr the last received
 * timestamp option; @cwnd is changed in place.  Returns true when it acted
 * (cwnd was reduced).
 */
static inline bool lp_pkts_acked(struct lp_state *lp, __s32 rtt_us, __u32 tsval,
				 __u32 tsecr, __u32 now, __u32 *cwnd)
{
	__u32 delta;

	if (rtt_us > 0)
		lp_rtt_sample(lp, tsval, tsecr);

	/* calc inference */
	delta = now - tsecr;
	if ((__s32)delta > 0)
		lp->inference = 3 * delta;

	/* test if within inference */
	if (lp->last_drop && (now - lp->last_drop < lp->inference))
		lp->flag |= LP_WITHIN_INF;
	else
		lp->flag &= ~LP_WITHIN_INF;

	/* test if within threshold (32-bit unsigned, as in the kernel) */
	if (lp->sowd >> 3 <
	    lp->owd_min + 15 * (lp->owd_max - lp->owd_min) / 100)
		lp->flag |= LP_WITHIN_THR;
	else
		lp->flag &= ~LP_WITHIN_THR;

	if (lp->flag & LP_WITHIN_THR)
		return false;

	/* Reset owd_min and owd_max (the kernel's FIXME) so a stale min/max
	 * is less likely to keep us outside the threshold. */
	lp->owd_min = lp->sowd >> 3;
	lp->owd_max = lp->sowd >> 2;
	lp->owd_max_rsv = lp->sowd >> 2;

	if (lp->flag & LP_WITHIN_INF)
		*cwnd = 1U;			/* within inference: drop to 1 */
	else
		*cwnd = cc_max_u32(*cwnd >> 1U, 1U);	/* after: halve */

	/* record this drop time */
	lp->last_drop = now;
	return true;
}

#endif /* BPFTCP_LP_H */
