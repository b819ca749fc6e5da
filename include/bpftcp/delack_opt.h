/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The max-delayed-ACK TCP header option: wire format and a pure encoder and
 * decoder, shared by hdropt/delack.bpf.c, the bpftcp CLI, the unit tests and
 * the fuzzer.  docs/hdropt-delack.md describes the format for humans.
 *
 * An RFC 6994 experimental option (kind 253, 16-bit ExID), 7 bytes:
 *
 *    0        1        2        3        4        5        6
 *   +--------+--------+--------+--------+--------+--------+--------+
 *   |  253   |   7    |   ExID 0xDA1C   | flags  |  max_ack_delay  |
 *   +--------+--------+--------+--------+--------+--------+--------+
 *
 * flags:          bit 0 (0x01) RESEND: "I keep no state for this connection
 *                 (syncookies): repeat your option on your next segments".
 *                 Bits 1-7 are reserved: sent as zero, and an option with any
 *                 of them set is rejected (so they can get a meaning later).
 * max_ack_delay:  unsigned, network byte order, in units of 100 us: the
 *                 longest the sender will delay an ACK.  Valid 1..10000
 *                 (0.1 ms .. 1 s), so every whole millisecond 1..1000 is exact.
 *
 * Everything here is static inline, has no libc or helper calls, and touches
 * only the bytes it was given, so it compiles unchanged for BPF and the host.
 */
#ifndef BPFTCP_DELACK_OPT_H
#define BPFTCP_DELACK_OPT_H

#ifndef __bpf__
#include <linux/types.h>
#endif
#include "bpftcp/hdropt_peers.h"

#define HDROPT_DELACK_KIND		253	/* RFC 4727/6994 experimental */
#define HDROPT_DELACK_EXID		0xDA1C	/* not IANA-registered (see docs) */
#define HDROPT_DELACK_LEN		7	/* kind, len, ExID(2), flags, delay(2) */
/* What bpf_reserve_hdr_opt() really takes: the kernel rounds to 4 bytes. */
#define HDROPT_DELACK_SPACE		8

#define HDROPT_DELACK_F_RESEND		0x01
#define HDROPT_DELACK_F_RESERVED	0xFE

#define HDROPT_DELACK_UNIT_US		100
#define HDROPT_DELACK_MIN_UNITS		1
#define HDROPT_DELACK_MAX_UNITS		10000
#define HDROPT_DELACK_MIN_US		(HDROPT_DELACK_MIN_UNITS * HDROPT_DELACK_UNIT_US)
#define HDROPT_DELACK_MAX_US		(HDROPT_DELACK_MAX_UNITS * HDROPT_DELACK_UNIT_US)

/* A decoded option. */
struct hdropt_delack_opt {
	__u8  flags;		/* HDROPT_DELACK_F_* */
	__u32 max_delack_us;	/* sender's max delayed ACK, microseconds */
};

/* Why a buffer is not a valid option (all negative: 0 means valid). */
enum hdropt_delack_err {
	HDROPT_DELACK_OK	=  0,
	HDROPT_DELACK_ETRUNC	= -1,	/* fewer bytes than the option needs */
	HDROPT_DELACK_EKIND	= -2,	/* not kind 253 */
	HDROPT_DELACK_ELEN	= -3,	/* length byte is not 7 */
	HDROPT_DELACK_EEXID	= -4,	/* another experiment's ExID */
	HDROPT_DELACK_ERESERVED	= -5,	/* a reserved flag bit is set */
	HDROPT_DELACK_EZERO	= -6,	/* max_ack_delay is zero */
	HDROPT_DELACK_ERANGE	= -7,	/* max_ack_delay above 1 s, or not a whole unit */
	HDROPT_DELACK_ENOSPC	= -8,	/* (encoder) output buffer too small */
	HDROPT_DELACK__ERR_MIN	= -8,
};

/* Is @us a value the option can carry exactly? */
static inline int hdropt_delack_check_us(__u32 us)
{
	if (us == 0)
		return HDROPT_DELACK_EZERO;
	if (us > HDROPT_DELACK_MAX_US || us % HDROPT_DELACK_UNIT_US)
		return HDROPT_DELACK_ERANGE;
	return HDROPT_DELACK_OK;
}

/*
 * Writes the option for @opt into @buf (@buflen bytes available).
 * Returns HDROPT_DELACK_LEN, or a negative enum hdropt_delack_err: the encoder
 * refuses to produce anything the decoder would reject.
 */
static inline int hdropt_delack_encode(__u8 *buf, __u32 buflen,
				       const struct hdropt_delack_opt *opt)
{
	__u32 units;
	int err;

	if (buflen < HDROPT_DELACK_LEN)
		return HDROPT_DELACK_ENOSPC;
	if (opt->flags & HDROPT_DELACK_F_RESERVED)
		return HDROPT_DELACK_ERESERVED;
	err = hdropt_delack_check_us(opt->max_delack_us);
	if (err)
		return err;
	units = opt->max_delack_us / HDROPT_DELACK_UNIT_US;
	buf[0] = HDROPT_DELACK_KIND;
	buf[1] = HDROPT_DELACK_LEN;
	buf[2] = (HDROPT_DELACK_EXID >> 8) & 0xff;
	buf[3] = HDROPT_DELACK_EXID & 0xff;
	buf[4] = opt->flags;
	buf[5] = (units >> 8) & 0xff;
	buf[6] = units & 0xff;
	return HDROPT_DELACK_LEN;
}

/*
 * Parses the option that starts at @buf, with @buflen bytes available from
 * there (the rest of the TCP option space, or what bpf_load_hdr_opt() copied).
 * Returns 0 and fills @out, or a negative enum hdropt_delack_err; @out is
 * untouched on error.  Every byte is checked before it is trusted.
 */
static inline int hdropt_delack_decode(const __u8 *buf, __u32 buflen,
				       struct hdropt_delack_opt *out)
{
	__u32 units;
	__u16 exid;

	if (buflen < 2)
		return HDROPT_DELACK_ETRUNC;
	if (buf[0] != HDROPT_DELACK_KIND)
		return HDROPT_DELACK_EKIND;
	/* The length byte first: an option claiming more than is there is
	 * truncated whatever it claims; one that is complete but not 7 bytes
	 * long is the wrong length. */
	if (buf[1] > buflen)
		return HDROPT_DELACK_ETRUNC;
	if (buf[1] != HDROPT_DELACK_LEN)
		return HDROPT_DELACK_ELEN;
	exid = (__u16)(buf[2] << 8 | buf[3]);
	if (exid != HDROPT_DELACK_EXID)
		return HDROPT_DELACK_EEXID;
	if (buf[4] & HDROPT_DELACK_F_RESERVED)
		return HDROPT_DELACK_ERESERVED;
	units = (__u32)buf[5] << 8 | buf[6];
	if (units < HDROPT_DELACK_MIN_UNITS)
		return HDROPT_DELACK_EZERO;
	if (units > HDROPT_DELACK_MAX_UNITS)
		return HDROPT_DELACK_ERANGE;
	out->flags = buf[4];
	out->max_delack_us = units * HDROPT_DELACK_UNIT_US;
	return HDROPT_DELACK_OK;
}

#ifndef __bpf__
/* A short lowercase description of an enum hdropt_delack_err. */
static inline const char *hdropt_delack_strerror(int err)
{
	switch (err) {
	case HDROPT_DELACK_OK:		return "valid";
	case HDROPT_DELACK_ETRUNC:	return "truncated";
	case HDROPT_DELACK_EKIND:	return "wrong kind";
	case HDROPT_DELACK_ELEN:	return "wrong length";
	case HDROPT_DELACK_EEXID:	return "unknown experiment id";
	case HDROPT_DELACK_ERESERVED:	return "reserved flag bits set";
	case HDROPT_DELACK_EZERO:	return "zero max ack delay";
	case HDROPT_DELACK_ERANGE:	return "max ack delay out of range";
	case HDROPT_DELACK_ENOSPC:	return "no room for the option";
	default:			return "unknown error";
	}
}
#endif

/* ------------------------------------------------------------------------
 * What the BPF program shares with user space: counters and settings.
 */

/* Counters of one attachment: a one-entry per-CPU array (BPFTCP_COUNTERS()
 * of bpf_counters.h), summed by the CLI. */
struct hdropt_delack_counters {
	__u64 sent;		/* options written (SYN, SYN-ACK, resends) */
	__u64 received;		/* valid options taken from a peer */
	__u64 malformed;	/* options with our kind + ExID that failed to decode */
	__u64 clamped;		/* RTO minimums moved by the admin's floor/ceiling */
	__u64 applied;		/* connections where both sides advertised */
	__u64 errors;		/* failure branches taken (helper errors) */
	__u32 last_err_line;	/* __LINE__ of the last failure branch */
	__u32 __pad;
};

#define HDROPT_DELACK_COUNTERS_MAP	"delack_counters"
#define HDROPT_DELACK_PEERS_MAP		"delack_peers"

/* --peers: struct hdropt_peer_key, hdropt_peers.h. */

/* What was negotiated on each socket is recorded in the delack section of
 * bpftcp's per-socket record: struct bpftcp_delack_state and its
 * BPFTCP_DELACK_F_* flags, in sock_state.h. */

/* ------------------------------------------------------------------------
 * Policy: the values a side advertises and applies.  Pure functions of the
 * admin's settings, the peer's value and the kernel's HZ (which the BPF
 * program reads at load time), so the host tests check the same arithmetic.
 *
 * The kernel keeps both timers in jiffies and rounds a microsecond setting
 * up (usecs_to_jiffies); TCP_BPF_DELACK_MAX and TCP_BPF_RTO_MIN accept
 * 2 jiffies (TCP_TIMEOUT_MIN) .. HZ/5 jiffies (200 ms) and fail otherwise.
 */
#define HDROPT_KERNEL_MIN_TICKS		2	/* TCP_TIMEOUT_MIN */
#define HDROPT_KERNEL_MAX_US		200000	/* TCP_DELACK_MAX, TCP_RTO_MIN */
/* The RTO minimum is the peer's promise plus this many ticks, for what the
 * smoothed RTT does not cover: jitter in the network and in the softirq that
 * sends the peer's ACK once its timer fired.  (Our own retransmit timer
 * never fires early: the timer wheel rounds up.) */
#define HDROPT_RTO_MARGIN_TICKS		2

static inline __u32 hdropt_ticks(__u32 us, __u32 hz)
{
	return (__u32)(((__u64)us * hz + 999999) / 1000000);
}

/* The largest microsecond value that still rounds up to @ticks. */
static inline __u32 hdropt_ticks_to_us(__u32 ticks, __u32 hz)
{
	return (__u32)((__u64)ticks * 1000000 / hz);
}

struct hdropt_delack_local {
	__u32 advertise_us;	/* the promise on the wire: a whole 100 us unit */
	__u32 setsockopt_us;	/* what TCP_BPF_DELACK_MAX gets: the slack less */
};

/*
 * What this side promises for an admin setting of @cfg_us, and what it sets.
 * The kernel delays an ACK by a timer of TCP_BPF_DELACK_MAX rounded up to
 * whole ticks, and the ACK can leave up to HDROPT_DELACK_SLACK_TICKS ticks
 * after that timer's nominal expiry:
 *   - the timer wheel files a timer of N ticks in the bucket after its
 *     expiry (it rounds up so as never to fire early): up to N + 1 ticks
 *     after arming;
 *   - tcp_delack_timer_handler() re-arms, for one more tick, when it runs
 *     before jiffies reached the expiry; measured on Linux 6.18 (test (c) of
 *     netns-tests/test-hdropt.sh) as ACKs at N + 2 ticks for about a third of
 *     the delayed ACKs.
 * So the setting is the promise less that slack: the largest N with
 * (N + slack) ticks <= @cfg_us, within the kernel's limits, and the promise is
 * (N + slack) ticks in wire units rounded up.  A setting too small to honour
 * (the kernel's minimum timer is 2 ticks) is raised: the promise is never
 * smaller than what the kernel does.
 */
#define HDROPT_DELACK_SLACK_TICKS	2

static inline void hdropt_delack_local(__u32 cfg_us, __u32 hz, struct hdropt_delack_local *l)
{
	__u32 ticks = (__u32)((__u64)cfg_us * hz / 1000000);	/* whole ticks in cfg */
	__u32 max_ticks = hz / 5 - HDROPT_DELACK_SLACK_TICKS;
	__u32 us;

	ticks = ticks > HDROPT_DELACK_SLACK_TICKS ? ticks - HDROPT_DELACK_SLACK_TICKS : 0;
	if (ticks < HDROPT_KERNEL_MIN_TICKS)
		ticks = HDROPT_KERNEL_MIN_TICKS;
	if (ticks > max_ticks)
		ticks = max_ticks;
	l->setsockopt_us = hdropt_ticks_to_us(ticks, hz);
	us = (__u32)(((__u64)(ticks + HDROPT_DELACK_SLACK_TICKS) * 1000000 + hz - 1) / hz);
	l->advertise_us = (us + HDROPT_DELACK_UNIT_US - 1) / HDROPT_DELACK_UNIT_US *
			  HDROPT_DELACK_UNIT_US;
}

/*
 * TCP_BPF_RTO_MIN for a peer that promised @peer_us: the promise plus the
 * margin, clamped to the admin's [@floor_us, @ceiling_us] and to what the
 * kernel accepts.  *@clamped says whether a clamp moved it.
 */
static inline __u32 hdropt_rto_min_us(__u32 peer_us, __u32 floor_us, __u32 ceiling_us,
				      __u32 hz, int *clamped)
{
	__u32 lo = hdropt_ticks_to_us(HDROPT_KERNEL_MIN_TICKS, hz);
	__u32 hi = HDROPT_KERNEL_MAX_US;
	__u32 want = peer_us + hdropt_ticks_to_us(HDROPT_RTO_MARGIN_TICKS, hz);

	if (floor_us > lo)
		lo = floor_us;
	if (ceiling_us < hi)
		hi = ceiling_us;
	*clamped = 0;
	if (want < lo) {
		want = lo;
		*clamped = 1;
	}
	if (want > hi) {
		want = hi;
		*clamped = 1;
	}
	return want;
}

#endif /* BPFTCP_DELACK_OPT_H */
