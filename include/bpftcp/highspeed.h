/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * HighSpeed TCP's AIMD table and arithmetic, shared by cc/highspeed.bpf.c
 * and the host tests (selftests/test_highspeed_math.c).  Ported from
 * net/ipv4/tcp_highspeed.c (Linux 6.x); names follow that file.  Nothing
 * here touches a socket: callers pass a copy of the window in.
 */
#ifndef BPFTCP_HIGHSPEED_H
#define BPFTCP_HIGHSPEED_H

#ifndef __bpf__
#include <linux/types.h>
#include <stdbool.h>
#endif
#include "bpftcp/cc_common.h"
#include "bpftcp/reno.h"

struct hstcp_aimd_val {
	__u32 cwnd;	/* upper end (inclusive) of this row's window range */
	__u32 md;	/* multiplicative decrease b(w), << 8 */
};

/*
 * hstcp_aimd_vals of tcp_highspeed.c: the AIMD table of RFC 3649 appendix B,
 * with the MD scaled << 8.  Row i applies to windows in
 * (vals[i-1].cwnd, vals[i].cwnd] and adds a(w) = i + 1 packets per RTT.
 */
static const struct hstcp_aimd_val hstcp_aimd_vals[] = {
	{     38,  128 },	/* 0.50 */
	{    118,  112 },	/* 0.44 */
	{    221,  104 },	/* 0.41 */
	{    347,   98 },	/* 0.38 */
	{    495,   93 },	/* 0.37 */
	{    663,   89 },	/* 0.35 */
	{    851,   86 },	/* 0.34 */
	{   1058,   83 },	/* 0.33 */
	{   1284,   81 },	/* 0.32 */
	{   1529,   78 },	/* 0.31 */
	{   1793,   76 },	/* 0.30 */
	{   2076,   74 },	/* 0.29 */
	{   2378,   72 },	/* 0.28 */
	{   2699,   71 },	/* 0.28 */
	{   3039,   69 },	/* 0.27 */
	{   3399,   68 },	/* 0.27 */
	{   3778,   66 },	/* 0.26 */
	{   4177,   65 },	/* 0.26 */
	{   4596,   64 },	/* 0.25 */
	{   5036,   62 },	/* 0.25 */
	{   5497,   61 },	/* 0.24 */
	{   5979,   60 },	/* 0.24 */
	{   6483,   59 },	/* 0.23 */
	{   7009,   58 },	/* 0.23 */
	{   7558,   57 },	/* 0.22 */
	{   8130,   56 },	/* 0.22 */
	{   8726,   55 },	/* 0.22 */
	{   9346,   54 },	/* 0.21 */
	{   9991,   53 },	/* 0.21 */
	{  10661,   52 },	/* 0.21 */
	{  11358,   52 },	/* 0.20 */
	{  12082,   51 },	/* 0.20 */
	{  12834,   50 },	/* 0.20 */
	{  13614,   49 },	/* 0.19 */
	{  14424,   48 },	/* 0.19 */
	{  15265,   48 },	/* 0.19 */
	{  16137,   47 },	/* 0.19 */
	{  17042,   46 },	/* 0.18 */
	{  17981,   45 },	/* 0.18 */
	{  18955,   45 },	/* 0.18 */
	{  19965,   44 },	/* 0.17 */
	{  21013,   43 },	/* 0.17 */
	{  22101,   43 },	/* 0.17 */
	{  23230,   42 },	/* 0.17 */
	{  24402,   41 },	/* 0.16 */
	{  25618,   41 },	/* 0.16 */
	{  26881,   40 },	/* 0.16 */
	{  28193,   39 },	/* 0.16 */
	{  29557,   39 },	/* 0.15 */
	{  30975,   38 },	/* 0.15 */
	{  32450,   38 },	/* 0.15 */
	{  33986,   37 },	/* 0.15 */
	{  35586,   36 },	/* 0.14 */
	{  37253,   36 },	/* 0.14 */
	{  38992,   35 },	/* 0.14 */
	{  40808,   35 },	/* 0.14 */
	{  42707,   34 },	/* 0.13 */
	{  44694,   33 },	/* 0.13 */
	{  46776,   33 },	/* 0.13 */
	{  48961,   32 },	/* 0.13 */
	{  51258,   32 },	/* 0.13 */
	{  53677,   31 },	/* 0.12 */
	{  56230,   30 },	/* 0.12 */
	{  58932,   30 },	/* 0.12 */
	{  61799,   29 },	/* 0.12 */
	{  64851,   28 },	/* 0.11 */
	{  68113,   28 },	/* 0.11 */
	{  71617,   27 },	/* 0.11 */
	{  75401,   26 },	/* 0.10 */
	{  79517,   26 },	/* 0.10 */
	{  84035,   25 },	/* 0.10 */
	{  89053,   24 },	/* 0.10 */
};

#define HSTCP_AIMD_MAX (sizeof(hstcp_aimd_vals) / sizeof(hstcp_aimd_vals[0]))

/* struct hstcp of tcp_highspeed.c. */
struct hstcp_state {
	__u32 ai;	/* current row of hstcp_aimd_vals */
};
BPFTCP_CA_PRIV_ASSERT(struct hstcp_state);

/* hstcp_init(): cap cwnd so that cwnd * md (md <= 128) fits in 32 bits. */
static inline __u32 hstcp_cwnd_clamp(__u32 cwnd_clamp)
{
	return cwnd_clamp < 0xffffffff / 128 ? cwnd_clamp : 0xffffffff / 128;
}

/*
 * Makes @x opaque to the compiler, so that the table is indexed afresh from
 * it: clang otherwise steps a pointer through the table, whose bound the
 * verifier cannot follow.  Emits no instruction.
 */
#define hstcp_opaque(x) __asm__ volatile("" : "+r"(x))

/*
 * The table walk of hstcp_cong_avoid(): move ai up or down until
 * vals[ai-1].cwnd < cwnd <= vals[ai].cwnd (ai stops at the last row).  The
 * loops are the kernel's, with the two conditions of the upward one tested
 * in the other order (no side effects, so the same result) so that ai is
 * known to be a valid row before it indexes the table.  For the verifier
 * only: "steps" bounds the loops (they never take more than
 * HSTCP_AIMD_MAX - 1 steps), and the first clamp and the downward loop's
 * ai < HSTCP_AIMD_MAX prove ai a valid row (it always is).
 */
static inline __u32 hstcp_update_ai(__u32 ai, __u32 cwnd)
{
	__u32 steps;

	if (ai > HSTCP_AIMD_MAX - 1)
		ai = HSTCP_AIMD_MAX - 1;

	if (cwnd > hstcp_aimd_vals[ai].cwnd) {
		for (steps = 0; steps < HSTCP_AIMD_MAX; steps++) {
			hstcp_opaque(ai);
			if (!(ai < HSTCP_AIMD_MAX - 1 && cwnd > hstcp_aimd_vals[ai].cwnd))
				break;
			ai++;
		}
	} else if (ai && cwnd <= hstcp_aimd_vals[ai - 1].cwnd) {
		for (steps = 0; steps < HSTCP_AIMD_MAX; steps++) {
			hstcp_opaque(ai);
			if (!(ai && ai < HSTCP_AIMD_MAX && cwnd <= hstcp_aimd_vals[ai - 1].cwnd))
				break;
			ai--;
		}
	}
	return ai;
}

/*
 * The congestion-avoidance branch of hstcp_cong_avoid(): update the row,
 * then cwnd += a(w) / cwnd per ACK, a(w) = ai + 1, counted in cwnd_cnt.
 */
static inline void hstcp_cong_avoid_ai(struct hstcp_state *ca, struct cc_window *w)
{
	ca->ai = hstcp_update_ai(ca->ai, w->cwnd);

	/* Do additive increase */
	if (w->cwnd < w->cwnd_clamp) {
		/* cwnd = cwnd + a(w) / cwnd */
		w->cwnd_cnt += ca->ai + 1;
		if (w->cwnd_cnt >= w->cwnd) {
			w->cwnd_cnt -= w->cwnd;
			w->cwnd++;
		}
	}
}

/* hstcp_ssthresh(): multiplicative decrease by b(w) of the current row. */
static inline __u32 hstcp_ssthresh(const struct hstcp_state *ca, __u32 cwnd)
{
	__u32 ai = ca->ai < HSTCP_AIMD_MAX ? ca->ai : HSTCP_AIMD_MAX - 1;
	__u32 ssthresh = cwnd - ((cwnd * hstcp_aimd_vals[ai].md) >> 8);

	return ssthresh > 2 ? ssthresh : 2;
}

#endif /* BPFTCP_HIGHSPEED_H */
