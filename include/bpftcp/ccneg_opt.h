/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The congestion-control negotiation TCP header option (ccneg): wire format,
 * the algorithm-id registry, and a pure encoder, decoder and chooser, shared
 * by hdropt/ccneg.bpf.c, libbpftcp, the unit tests and the fuzzer.
 * docs/hdropt-ccneg.md describes the format for humans.
 *
 * An RFC 6994 experimental option (kind 253, 16-bit ExID), as delack's
 * (delack_opt.h), 6 to 13 bytes:
 *
 *    0        1        2        3        4        5             5+n-1
 *   +--------+--------+--------+--------+--------+--------...--------+
 *   |  253   | 5 + n  |   ExID 0xCC4E   |  ctl   |  id[0] ... id[n-1] |
 *   +--------+--------+--------+--------+--------+--------...--------+
 *
 * ctl:  bit 0 (0x01) RESEND: "I keep no state for this connection (a SYN
 *       cookie): repeat your offer on your next segments"; only in an answer.
 *       bit 1 (0x02) ANSWER: the option is the passive side's choice.
 *       Bits 2-7 are reserved: sent as zero, rejected when set.
 * An OFFER (ANSWER clear; the SYN, and the repeats after RESEND) lists the
 * algorithms the sender can run, most preferred first: 1..8 ids, each
 * 1..254, no id twice.  An ANSWER (the SYN-ACK) carries exactly one id: the
 * algorithm both ends switch to, or 0 for "nothing in common" (both ends
 * then use their own fallback).
 *
 * Ids come from the registry below (HDROPT_CCNEG_ID_*), which only grows:
 * an id, once given, names that algorithm for ever.  Unknown ids in an offer
 * are valid (a newer peer); they just never match.
 *
 * Everything here is static inline, has no libc or helper calls, and touches
 * only the bytes it was given, so it compiles unchanged for BPF and the host.
 */
#ifndef BPFTCP_CCNEG_OPT_H
#define BPFTCP_CCNEG_OPT_H

#ifndef __bpf__
#include <stdbool.h>
#include <linux/types.h>
#endif

#define HDROPT_CCNEG_KIND		253	/* RFC 4727/6994 experimental */
#define HDROPT_CCNEG_EXID		0xCC4E	/* "CN"; not IANA-registered (see docs) */
#define HDROPT_CCNEG_HDR_LEN		5	/* kind, len, ExID(2), ctl */
#define HDROPT_CCNEG_IDS_MAX		8	/* ids in one offer */
#define HDROPT_CCNEG_MIN_LEN		(HDROPT_CCNEG_HDR_LEN + 1)
#define HDROPT_CCNEG_MAX_LEN		(HDROPT_CCNEG_HDR_LEN + HDROPT_CCNEG_IDS_MAX)
#define HDROPT_CCNEG_ANSWER_LEN		HDROPT_CCNEG_MIN_LEN

#define HDROPT_CCNEG_F_RESEND		0x01
#define HDROPT_CCNEG_F_ANSWER		0x02
#define HDROPT_CCNEG_F_RESERVED		0xFC

/* The id an answer carries when no offered algorithm is acceptable. */
#define HDROPT_CCNEG_ID_NONE		0
#define HDROPT_CCNEG_ID_RESERVED	255

/*
 * The registry.  An id names an algorithm, not an implementation: the
 * kernel's "dctcp" and bpftcp's "bpf_dctcp" are both DCTCP (id 3), and each
 * end runs whichever it has.  Never renumber; add at the end.
 */
enum hdropt_ccneg_id {
	HDROPT_CCNEG_ID_RENO		= 1,
	HDROPT_CCNEG_ID_CUBIC		= 2,
	HDROPT_CCNEG_ID_DCTCP		= 3,
	HDROPT_CCNEG_ID_BBR		= 4,	/* BBR v1 (Linux tcp_bbr.c) */
	HDROPT_CCNEG_ID_VEGAS		= 5,
	HDROPT_CCNEG_ID_WESTWOOD	= 6,
	HDROPT_CCNEG_ID_BIC		= 7,
	HDROPT_CCNEG_ID_HTCP		= 8,
	HDROPT_CCNEG_ID_HIGHSPEED	= 9,
	HDROPT_CCNEG_ID_HYBLA		= 10,
	HDROPT_CCNEG_ID_ILLINOIS	= 11,
	HDROPT_CCNEG_ID_SCALABLE	= 12,
	HDROPT_CCNEG_ID_YEAH		= 13,
	HDROPT_CCNEG_ID_VENO		= 14,
	HDROPT_CCNEG_ID_LP		= 15,
	HDROPT_CCNEG_ID_NV		= 16,
	HDROPT_CCNEG_ID_CDG		= 17,
	HDROPT_CCNEG_ID__LAST		= 17,
};

/* Keeps clang from turning a byte loop into a call to memcpy(), which BPF
 * does not have for a variable length. */
#define HDROPT_CCNEG_NO_MEMCPY()	__asm__ __volatile__("" ::: "memory")

/* A decoded option. */
struct hdropt_ccneg_opt {
	__u8 flags;			/* HDROPT_CCNEG_F_* */
	__u8 n;				/* ids used: 1..8 (offer), 1 (answer) */
	__u8 ids[HDROPT_CCNEG_IDS_MAX];
};

/* Why a buffer is not a valid option (all negative: 0 means valid). */
enum hdropt_ccneg_err {
	HDROPT_CCNEG_OK		=  0,
	HDROPT_CCNEG_ETRUNC	= -1,	/* fewer bytes than the option needs */
	HDROPT_CCNEG_EKIND	= -2,	/* not kind 253 */
	HDROPT_CCNEG_ELEN	= -3,	/* length not 6..13, or an answer not 6 */
	HDROPT_CCNEG_EEXID	= -4,	/* another experiment's ExID */
	HDROPT_CCNEG_ERESERVED	= -5,	/* reserved ctl bit, or RESEND in an offer */
	HDROPT_CCNEG_EID	= -6,	/* id 255, or id 0 in an offer */
	HDROPT_CCNEG_EDUP	= -7,	/* an id offered twice */
	HDROPT_CCNEG_ENOSPC	= -8,	/* (encoder) output buffer too small */
	HDROPT_CCNEG__ERR_MIN	= -8,
};

/* Checks a decoded (or to-be-encoded) option; 0 or an enum hdropt_ccneg_err. */
static inline int hdropt_ccneg_check(const struct hdropt_ccneg_opt *opt)
{
	bool answer = opt->flags & HDROPT_CCNEG_F_ANSWER;

	if (opt->flags & HDROPT_CCNEG_F_RESERVED)
		return HDROPT_CCNEG_ERESERVED;
	if ((opt->flags & HDROPT_CCNEG_F_RESEND) && !answer)
		return HDROPT_CCNEG_ERESERVED;
	if (opt->n < 1 || opt->n > HDROPT_CCNEG_IDS_MAX || (answer && opt->n != 1))
		return HDROPT_CCNEG_ELEN;
	for (__u32 i = 0; i < HDROPT_CCNEG_IDS_MAX; i++) {
		if (i >= opt->n)
			break;
		if (opt->ids[i] == HDROPT_CCNEG_ID_RESERVED ||
		    (!answer && opt->ids[i] == HDROPT_CCNEG_ID_NONE))
			return HDROPT_CCNEG_EID;
		for (__u32 j = 0; j < HDROPT_CCNEG_IDS_MAX; j++) {
			if (j >= i)
				break;
			if (opt->ids[j] == opt->ids[i])
				return HDROPT_CCNEG_EDUP;
		}
	}
	return HDROPT_CCNEG_OK;
}

/*
 * Writes the option for @opt into @buf (@buflen bytes available).  Returns
 * its length (5 + n), or a negative enum hdropt_ccneg_err: the encoder
 * refuses to produce anything the decoder would reject.
 */
static inline int hdropt_ccneg_encode(__u8 *buf, __u32 buflen, const struct hdropt_ccneg_opt *opt)
{
	int err = hdropt_ccneg_check(opt);
	__u32 len;

	if (err)
		return err;
	len = HDROPT_CCNEG_HDR_LEN + opt->n;
	if (buflen < len)
		return HDROPT_CCNEG_ENOSPC;
	buf[0] = HDROPT_CCNEG_KIND;
	buf[1] = (__u8)len;
	buf[2] = (HDROPT_CCNEG_EXID >> 8) & 0xff;
	buf[3] = HDROPT_CCNEG_EXID & 0xff;
	buf[4] = opt->flags;
	for (__u32 i = 0; i < HDROPT_CCNEG_IDS_MAX; i++) {
		if (i >= opt->n)
			break;
		buf[HDROPT_CCNEG_HDR_LEN + i] = opt->ids[i];
		HDROPT_CCNEG_NO_MEMCPY();
	}
	return (int)len;
}

/*
 * Parses the option that starts at @buf, with @buflen bytes available from
 * there (the rest of the TCP option space, or what bpf_load_hdr_opt()
 * copied).  Returns 0 and fills @out, or a negative enum hdropt_ccneg_err;
 * @out is untouched on error.  Every byte is checked before it is trusted.
 */
static inline int hdropt_ccneg_decode(const __u8 *buf, __u32 buflen, struct hdropt_ccneg_opt *out)
{
	struct hdropt_ccneg_opt o = {};
	__u16 exid;
	int err;

	if (buflen < 2)
		return HDROPT_CCNEG_ETRUNC;
	if (buf[0] != HDROPT_CCNEG_KIND)
		return HDROPT_CCNEG_EKIND;
	/* As delack: claiming more than is there is truncation, whatever the
	 * claim; a complete option of a length we do not define is ELEN. */
	if (buf[1] > buflen)
		return HDROPT_CCNEG_ETRUNC;
	if (buf[1] < HDROPT_CCNEG_MIN_LEN || buf[1] > HDROPT_CCNEG_MAX_LEN)
		return HDROPT_CCNEG_ELEN;
	exid = (__u16)(buf[2] << 8 | buf[3]);
	if (exid != HDROPT_CCNEG_EXID)
		return HDROPT_CCNEG_EEXID;
	o.flags = buf[4];
	o.n = buf[1] - HDROPT_CCNEG_HDR_LEN;
	for (__u32 i = 0; i < HDROPT_CCNEG_IDS_MAX; i++) {
		if (i >= o.n)
			break;
		o.ids[i] = buf[HDROPT_CCNEG_HDR_LEN + i];
		HDROPT_CCNEG_NO_MEMCPY();
	}
	err = hdropt_ccneg_check(&o);
	if (err)
		return err;
	/* Field by field: BPF has no memcpy for a struct copy. */
	out->flags = o.flags;
	out->n = o.n;
	for (__u32 i = 0; i < HDROPT_CCNEG_IDS_MAX; i++)
		out->ids[i] = o.ids[i];
	return HDROPT_CCNEG_OK;
}

/*
 * The passive side's choice: the first of its own @pref (@npref ids, most
 * preferred first) that @offer lists.  Returns its index in @pref, or -1
 * when nothing matches.
 */
static inline int hdropt_ccneg_choose(const __u8 *pref, __u32 npref,
				      const struct hdropt_ccneg_opt *offer)
{
	for (__u32 i = 0; i < HDROPT_CCNEG_IDS_MAX; i++) {
		if (i >= npref)
			break;
		for (__u32 j = 0; j < HDROPT_CCNEG_IDS_MAX; j++) {
			if (j >= offer->n)
				break;
			if (offer->ids[j] == pref[i])
				return (int)i;
		}
	}
	return -1;
}

/* The index of @id in @pref (@npref ids), or -1. */
static inline int hdropt_ccneg_index(const __u8 *pref, __u32 npref, __u8 id)
{
	for (__u32 i = 0; i < HDROPT_CCNEG_IDS_MAX; i++) {
		if (i >= npref)
			break;
		if (pref[i] == id)
			return (int)i;
	}
	return -1;
}

/*
 * How many ids of an offer fit in @room bytes of option space (what
 * bpf_reserve_hdr_opt() still accepts), at most @want; 0 when not even one.
 */
static inline __u32 hdropt_ccneg_ids_that_fit(__u32 room, __u32 want)
{
	__u32 n;

	if (room < HDROPT_CCNEG_MIN_LEN)
		return 0;
	n = room - HDROPT_CCNEG_HDR_LEN;
	if (n > want)
		n = want;
	if (n > HDROPT_CCNEG_IDS_MAX)
		n = HDROPT_CCNEG_IDS_MAX;
	return n;
}

#ifndef __bpf__
/* A short lowercase description of an enum hdropt_ccneg_err. */
static inline const char *hdropt_ccneg_strerror(int err)
{
	switch (err) {
	case HDROPT_CCNEG_OK:		return "valid";
	case HDROPT_CCNEG_ETRUNC:	return "truncated";
	case HDROPT_CCNEG_EKIND:	return "wrong kind";
	case HDROPT_CCNEG_ELEN:		return "wrong length";
	case HDROPT_CCNEG_EEXID:	return "unknown experiment id";
	case HDROPT_CCNEG_ERESERVED:	return "reserved control bits set";
	case HDROPT_CCNEG_EID:		return "invalid algorithm id";
	case HDROPT_CCNEG_EDUP:		return "algorithm offered twice";
	case HDROPT_CCNEG_ENOSPC:	return "no room for the option";
	default:			return "unknown error";
	}
}

/* The registry as a table: id, the algorithm's name (the kernel's name of
 * its native implementation), and whether it needs ECN. */
struct hdropt_ccneg_alg {
	__u8 id;
	const char *name;
	bool needs_ecn;
};

static const struct hdropt_ccneg_alg hdropt_ccneg_registry[] = {
	{ HDROPT_CCNEG_ID_RENO,		"reno",		false },
	{ HDROPT_CCNEG_ID_CUBIC,	"cubic",	false },
	{ HDROPT_CCNEG_ID_DCTCP,	"dctcp",	true },
	{ HDROPT_CCNEG_ID_BBR,		"bbr",		false },
	{ HDROPT_CCNEG_ID_VEGAS,	"vegas",	false },
	{ HDROPT_CCNEG_ID_WESTWOOD,	"westwood",	false },
	{ HDROPT_CCNEG_ID_BIC,		"bic",		false },
	{ HDROPT_CCNEG_ID_HTCP,		"htcp",		false },
	{ HDROPT_CCNEG_ID_HIGHSPEED,	"highspeed",	false },
	{ HDROPT_CCNEG_ID_HYBLA,	"hybla",	false },
	{ HDROPT_CCNEG_ID_ILLINOIS,	"illinois",	false },
	{ HDROPT_CCNEG_ID_SCALABLE,	"scalable",	false },
	{ HDROPT_CCNEG_ID_YEAH,		"yeah",		false },
	{ HDROPT_CCNEG_ID_VENO,		"veno",		false },
	{ HDROPT_CCNEG_ID_LP,		"lp",		false },
	{ HDROPT_CCNEG_ID_NV,		"nv",		false },
	{ HDROPT_CCNEG_ID_CDG,		"cdg",		false },
};
#define HDROPT_CCNEG_REGISTRY_LEN \
	(sizeof(hdropt_ccneg_registry) / sizeof(hdropt_ccneg_registry[0]))

/* The registry entry of @id, or NULL. */
static inline const struct hdropt_ccneg_alg *hdropt_ccneg_alg_by_id(__u8 id)
{
	for (__u32 i = 0; i < HDROPT_CCNEG_REGISTRY_LEN; i++)
		if (hdropt_ccneg_registry[i].id == id)
			return &hdropt_ccneg_registry[i];
	return 0;
}

/* The registry entry of an algorithm named "dctcp" or "bpf_dctcp", or NULL. */
static inline const struct hdropt_ccneg_alg *hdropt_ccneg_alg_by_name(const char *name)
{
	const char *p = name;

	if (p[0] == 'b' && p[1] == 'p' && p[2] == 'f' && p[3] == '_')
		p += 4;
	for (__u32 i = 0; i < HDROPT_CCNEG_REGISTRY_LEN; i++) {
		const char *a = hdropt_ccneg_registry[i].name, *b = p;

		while (*a && *a == *b) {
			a++;
			b++;
		}
		if (!*a && !*b)
			return &hdropt_ccneg_registry[i];
	}
	return 0;
}
#endif

/* ------------------------------------------------------------------------
 * What the BPF program shares with user space.
 */

/* Counters of one attachment: a one-entry per-CPU array (BPFTCP_COUNTERS()
 * of bpf_counters.h), summed by libbpftcp. */
struct hdropt_ccneg_counters {
	__u64 offered;		/* offers written (SYN, repeats after RESEND) */
	__u64 answered;		/* answers written (SYN-ACK) */
	__u64 chosen[HDROPT_CCNEG_IDS_MAX];	/* connection ends switched to
						 * the negotiated algorithm, by
						 * its index in --prefer */
	__u64 fallback;		/* connection ends switched to the fallback */
	__u64 no_common;	/* ... of which: both spoke, nothing in common */
	__u64 malformed;	/* options with our kind + ExID that failed to decode,
				 * or answers that chose what we did not offer */
	__u64 no_room;		/* SYNs/SYN-ACKs without room left for the option */
	__u64 errors;		/* failure branches taken (helper errors) */
	__u32 last_err_line;	/* __LINE__ of the last failure branch */
	__u32 __pad;
};

#define HDROPT_CCNEG_COUNTERS_MAP	"ccneg_counters"

#endif /* BPFTCP_CCNEG_OPT_H */
