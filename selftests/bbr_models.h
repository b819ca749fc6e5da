/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Models shared by the BBR maths tests (test_bbr_math.c, test_bbr3_math.c):
 * rates and the BDP computed from their definitions, exactly, not from the
 * headers under test.  Include after defining MSS (the segment size the
 * tests use).
 */
#ifndef BPFTCP_SELFTESTS_BBR_MODELS_H
#define BPFTCP_SELFTESTS_BBR_MODELS_H

#include <math.h>
#include <linux/types.h>

typedef unsigned __int128 u128;

/* bw (packets/us << 24) at @mbps megabit/s for MSS-byte packets. */
static inline __u32 model_bw(double mbps)
{
	return (__u32)llround(mbps * 1e6 / 8 / MSS / 1e6 * (1 << 24));
}

/* bdp = ceil(bw * min_rtt * gain), gain applied first with its << 8 dropped
 * (floor), as tcp_bbr.c's comment describes: exact, in 128 bits. */
static inline __u32 model_bdp(__u32 bw, __u32 min_rtt_us, __u32 gain)
{
	u128 w = (u128)bw * min_rtt_us * gain / 256;

	return (__u32)((w + (1u << 24) - 1) / (1u << 24));
}

#endif
