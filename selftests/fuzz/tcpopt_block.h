/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Option blocks for the option-block fuzzer (tcpopt_walk_fuzz.c) and its
 * unit test (selftests/test_tcpopt_walk.c):
 *
 *   - tcpopt_build(): turns structured input into a TCP option block of at
 *     most 40 bytes, as a sequence of options (EOL, NOP, MSS, WS, SACK-perm,
 *     SACK, TS, TFO, ours valid or with any length, flags and value, kind
 *     253 with another ExID, kind 254 with ours, any kind with any length,
 *     raw bytes) and truncations.  Input is consumed from the front, one
 *     byte at a time, and reads as zeros once used up (FuzzedDataProvider's
 *     convention), so every input makes a block and small mutations make
 *     small changes;
 *   - an independent reference: a tokenizer that splits the block into
 *     options first and then searches the list, and a decoder of the delack
 *     option written from docs/hdropt-delack.md, not from delack_opt.h;
 *   - tcpopt_check(): the invariants, for a walker passed in (the real one,
 *     or in the unit test, walkers with planted bugs).
 */
#ifndef BPFTCP_FUZZ_TCPOPT_BLOCK_H
#define BPFTCP_FUZZ_TCPOPT_BLOCK_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "bpftcp/delack_opt.h"
#include "bpftcp/tcp_opt.h"

/* ---------------------------------------------------------------- input */

struct tcpopt_src {
	const uint8_t *p;
	size_t n;
};

static inline uint8_t tcpopt_u8(struct tcpopt_src *s)
{
	if (!s->n)
		return 0;
	s->n--;
	return *s->p++;
}

/* An option block being built: bytes past 40 are dropped (a truncation). */
struct tcpopt_block {
	uint8_t b[BPFTCP_TCPOPT_SPACE];
	size_t len;
};

static inline void tcpopt_put(struct tcpopt_block *k, uint8_t v)
{
	if (k->len < sizeof(k->b))
		k->b[k->len++] = v;
}

/* @n bytes from the input, or as many as fit (a length byte may claim
 * more than the block holds: a truncated option). */
static inline void tcpopt_fill(struct tcpopt_block *k, struct tcpopt_src *s, unsigned n)
{
	while (n-- && k->len < sizeof(k->b))
		tcpopt_put(k, tcpopt_u8(s));
}

/* One option: kind @kind, length @len, then the rest from the input. */
static inline void tcpopt_put_opt(struct tcpopt_block *k, struct tcpopt_src *s, uint8_t kind, uint8_t len)
{
	tcpopt_put(k, kind);
	tcpopt_put(k, len);
	tcpopt_fill(k, s, len > 2 ? len - 2u : 0);
}

static inline void tcpopt_put_ours(struct tcpopt_block *k, uint8_t kind, uint8_t len)
{
	tcpopt_put(k, kind);
	tcpopt_put(k, len);
	tcpopt_put(k, HDROPT_DELACK_EXID >> 8);
	tcpopt_put(k, HDROPT_DELACK_EXID & 0xff);
}

#define TCPOPT_OPS 16
/* Builds @k from @s: one operation per input byte (op % TCPOPT_OPS). */
static inline void tcpopt_build(struct tcpopt_block *k, struct tcpopt_src *s)
{
	unsigned n, units;

	k->len = 0;
	while (s->n && k->len < sizeof(k->b)) {
		switch (tcpopt_u8(s) % TCPOPT_OPS) {
		case 0:	tcpopt_put(k, 0); break;				/* EOL */
		case 1:	tcpopt_put(k, 1); break;				/* NOP */
		case 2:	tcpopt_put_opt(k, s, 2, 4); break;			/* MSS */
		case 3:	tcpopt_put_opt(k, s, 3, 3); break;			/* WS */
		case 4:	tcpopt_put_opt(k, s, 4, 2); break;			/* SACK-perm */
		case 5:	tcpopt_put_opt(k, s, 5, 2 + 8 * (tcpopt_u8(s) % 4 + 1)); break; /* SACK */
		case 6:	tcpopt_put_opt(k, s, 8, 10); break;			/* TS */
		case 7:	tcpopt_put_opt(k, s, 34, 2 + tcpopt_u8(s) % 17); break; /* TFO */
		case 8:	/* ours, valid: the resend flag and a value in range */
			tcpopt_put_ours(k, HDROPT_DELACK_KIND, HDROPT_DELACK_LEN);
			tcpopt_put(k, tcpopt_u8(s) & HDROPT_DELACK_F_RESEND);
			units = tcpopt_u8(s) << 8;
			units = 1 + (units | tcpopt_u8(s)) % HDROPT_DELACK_MAX_UNITS;
			tcpopt_put(k, units >> 8);
			tcpopt_put(k, units & 0xff);
			break;
		case 9:	/* ours with any length byte */
			n = tcpopt_u8(s);
			tcpopt_put_ours(k, HDROPT_DELACK_KIND, n);
			tcpopt_fill(k, s, n > 4 ? n - 4 : 0);
			break;
		case 10: /* ours, 7 bytes, any flags and value */
			tcpopt_put_ours(k, HDROPT_DELACK_KIND, HDROPT_DELACK_LEN);
			tcpopt_fill(k, s, 3);
			break;
		case 11: /* kind 253, another experiment (any ExID, 2..17 bytes) */
			tcpopt_put_opt(k, s, HDROPT_DELACK_KIND, 2 + tcpopt_u8(s) % 16);
			break;
		case 12: /* any kind, any length */
			n = tcpopt_u8(s);
			tcpopt_put_opt(k, s, n, tcpopt_u8(s));
			break;
		case 13: /* raw bytes */
			tcpopt_fill(k, s, tcpopt_u8(s) % 8);
			break;
		case 14: /* cut the block short */
			k->len = tcpopt_u8(s) % (k->len + 1);
			break;
		case 15: /* our ExID under kind 254 */
			tcpopt_put_ours(k, 254, HDROPT_DELACK_LEN);
			tcpopt_fill(k, s, 3);
			break;
		}
	}
}

/* ------------------------------------------------------------ reference */

enum { TOK_OPT, TOK_EOL, TOK_BAD };
struct tcpopt_tok {
	int type;
	size_t off;
};

/*
 * Splits @b (@n bytes) into its options, in order, up to an EOL or the
 * first option that does not fit (a TOK_BAD).  NOPs are left out.
 */
static inline size_t tcpopt_ref_tokens(const uint8_t *b, size_t n, struct tcpopt_tok *t)
{
	size_t pos = 0, k = 0;

	while (pos < n) {
		if (b[pos] == 1) {
			pos++;
		} else if (b[pos] == 0) {
			t[k++] = (struct tcpopt_tok){ TOK_EOL, pos };
			break;
		} else if (n - pos < 2 || b[pos + 1] < 2 || b[pos + 1] > n - pos) {
			t[k++] = (struct tcpopt_tok){ TOK_BAD, pos };
			break;
		} else {
			t[k++] = (struct tcpopt_tok){ TOK_OPT, pos };
			pos += b[pos + 1];
		}
	}
	return k;
}

/* The reference search: same contract as bpftcp_tcpopt_find(). */
static inline int tcpopt_ref_find(const uint8_t *b, size_t n, uint8_t kind, uint16_t exid)
{
	struct tcpopt_tok t[BPFTCP_TCPOPT_SPACE + 1];
	size_t k, i;

	if (n > BPFTCP_TCPOPT_SPACE)
		return BPFTCP_TCPOPT_TOOBIG;
	k = tcpopt_ref_tokens(b, n, t);
	for (i = 0; i < k; i++) {
		const uint8_t *o = b + t[i].off;

		if (t[i].type == TOK_EOL)
			return BPFTCP_TCPOPT_ABSENT;
		if (t[i].type == TOK_BAD)
			return BPFTCP_TCPOPT_BAD;
		if (o[0] != kind)
			continue;
		/* The kernel's quirk: one of the kind too short for an ExID
		 * ends the search. */
		if (o[1] < 4)
			return BPFTCP_TCPOPT_ABSENT;
		if (((unsigned)o[2] << 8 | o[3]) == exid)
			return (int)t[i].off;
	}
	return BPFTCP_TCPOPT_ABSENT;
}

/*
 * The delack option @o (its length byte says how long; all of it present):
 * valid iff exactly 7 bytes, only the resend flag, and 1..10000 units of
 * 100 us (docs/hdropt-delack.md).
 */
static inline int tcpopt_ref_delack(const uint8_t *o, uint8_t *flags, uint32_t *us)
{
	unsigned units;

	if (o[1] != 7 || (o[4] & ~1u))
		return 0;
	units = (unsigned)o[5] * 256 + o[6];
	if (units == 0 || units > 10000)
		return 0;
	*flags = o[4];
	*us = units * 100;
	return 1;
}

/* --------------------------------------------------------------- checks */

typedef int (*tcpopt_find_fn)(const __u8 *opts, __u32 len, __u8 kind, __u16 exid);

/* The searches every block gets: ours, ours under the wrong kind, ccneg's. */
static const struct {
	uint8_t kind;
	uint16_t exid;
} tcpopt_searches[] = {
	{ HDROPT_DELACK_KIND, HDROPT_DELACK_EXID },
	{ 254, HDROPT_DELACK_EXID },
	{ 253, 0xCC4E },
};

/*
 * Checks @find and hdropt_delack_find() on the block @b of @n bytes against
 * the reference.  Returns NULL, or what was violated.  Reads of @b past @n
 * are left to AddressSanitizer (the fuzzer gives an exactly sized copy).
 */
static inline const char *tcpopt_check(const uint8_t *b, size_t n, tcpopt_find_fn find)
{
	struct hdropt_delack_opt poison = { .flags = 0xEE, .max_delack_us = 0xDEADBEEF };
	struct hdropt_delack_opt got = poison;
	uint32_t us = 0;
	uint8_t flags = 0;
	size_t i;
	int ref, r;

	for (i = 0; i < sizeof(tcpopt_searches) / sizeof(tcpopt_searches[0]); i++) {
		uint8_t kind = tcpopt_searches[i].kind;
		uint16_t exid = tcpopt_searches[i].exid;

		ref = tcpopt_ref_find(b, n, kind, exid);
		r = find(b, (__u32)n, kind, exid);
		if (r != ref)
			return "walker and reference disagree";
		if (r >= 0 && !((size_t)r + 4 <= n && b[r] == kind && b[r + 1] >= 4 &&
				(size_t)r + b[r + 1] <= n && ((unsigned)b[r + 2] << 8 | b[r + 3]) == exid))
			return "found option is not whole, or not the one searched";
		if (r < 0 && r != BPFTCP_TCPOPT_ABSENT && r != BPFTCP_TCPOPT_BAD &&
		    r != BPFTCP_TCPOPT_TOOBIG)
			return "walker returned an unknown error";
	}

	/* What the delack program makes of the block. */
	ref = tcpopt_ref_find(b, n, HDROPT_DELACK_KIND, HDROPT_DELACK_EXID);
	r = hdropt_delack_find(b, (__u32)n, &got);
	if (ref == BPFTCP_TCPOPT_ABSENT)
		return r == HDROPT_DELACK_ABSENT ? NULL : "delack: missed the absence";
	if (ref < 0)
		return r == HDROPT_DELACK_BADBLOCK ? NULL : "delack: missed a malformed block";
	if (tcpopt_ref_delack(b + ref, &flags, &us)) {
		if (r != HDROPT_DELACK_FOUND)
			return "delack: rejected a valid option";
		if (got.flags != flags || got.max_delack_us != us)
			return "delack: decoded the wrong value";
		return NULL;
	}
	if (r >= 0)
		return "delack: accepted a malformed option";
	if (r < HDROPT_DELACK__ERR_MIN || r == HDROPT_DELACK_ENOSPC)
		return "delack: unknown decoder error";
	if (got.flags != poison.flags || got.max_delack_us != poison.max_delack_us)
		return "delack: wrote the output on an error";
	return NULL;
}

#endif /* BPFTCP_FUZZ_TCPOPT_BLOCK_H */
