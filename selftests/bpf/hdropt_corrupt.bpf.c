// SPDX-License-Identifier: GPL-2.0-only
/*
 * hdropt_corrupt: a tc egress program for netns-tests/test-hdropt.sh that
 * plays a hostile or buggy peer.  It finds the max-delayed-ACK option
 * (kind 253, ExID 0xDA1C) in outgoing TCP segments and damages it in one of
 * the ways the decoder must reject, fixing the TCP checksum, so the receiver
 * sees a well-formed segment carrying a malformed option.  One program per
 * damage, chosen by section when tc loads it:
 *   tc/reserved  sets reserved flag bit 0x80
 *   tc/zero      max_ack_delay = 0
 *   tc/range     max_ack_delay = 0xffff (above 1 s)
 *   tc/length    length byte 7 -> 8 (the NOP pad after it becomes part of it)
 *   tc/exid      flips the ExID: another experiment's option, not ours
 * The same for the ccneg answer (kind 253, ExID 0xCC4E) in SYN-ACKs
 * (netns-tests/test-ccneg.sh):
 *   tc/cn_reserved   sets reserved ctl bit 0x80
 *   tc/cn_length     length byte 6 -> 7 (an answer with two ids)
 *   tc/cn_id         the chosen id becomes 255 (reserved)
 *   tc/cn_offer      clears ANSWER: an offer in a SYN-ACK
 *   tc/cn_unoffered  the chosen id becomes 200, which no client offered
 * and one that makes a tail loss, for an ingress hook of the client:
 *   tc/drop_response  drops the 5th data segment from port 7171 (the test's
 *                     server), so its sender has to retransmit on timeout.
 * iproute2 loads it from the object file directly (tc ... obj ... sec ...),
 * so there are no settings: the port is the one test-hdropt.sh uses.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "bpftcp/ccneg_opt.h"
#include "bpftcp/delack_opt.h"

#define ETH_P_IP	0x0800
#define ETH_P_IPV6	0x86DD
#define IPPROTO_TCP	6
#define TC_ACT_OK	0
#define CSUM_FIELD_2BYTES	2	/* bpf_l4_csum_replace flags: a 16-bit field */
#define TC_ACT_SHOT	2
#define TEST_PORT	7171	/* HD_PORT in netns-tests/test-hdropt.sh */
#define DROP_NTH	5

/* Where the kind-253 option with @exid starts in the packet, or -1. */
static __always_inline int find_option(struct __sk_buff *skb, __u32 *csum_off, __u16 exid)
{
	__u8 opts[64];
	__u32 l4, doff, len;
	__u16 proto;
	__u8 b;

	if (bpf_skb_load_bytes(skb, 12, &proto, 2))
		return -1;
	if (proto == bpf_htons(ETH_P_IP)) {
		if (bpf_skb_load_bytes(skb, 14, &b, 1))
			return -1;
		l4 = 14 + (b & 15) * 4;
		if (bpf_skb_load_bytes(skb, 14 + 9, &b, 1) || b != IPPROTO_TCP)
			return -1;
	} else if (proto == bpf_htons(ETH_P_IPV6)) {
		/* No extension headers in these tests. */
		if (bpf_skb_load_bytes(skb, 14 + 6, &b, 1) || b != IPPROTO_TCP)
			return -1;
		l4 = 14 + 40;
	} else {
		return -1;
	}
	if (bpf_skb_load_bytes(skb, l4 + 12, &b, 1))
		return -1;
	doff = (b >> 4) * 4;
	if (doff <= 20 || doff > 60)
		return -1;
	len = doff - 20;
	if (len > 40)
		return -1;
	__builtin_memset(opts, 0, sizeof(opts));
	if (bpf_skb_load_bytes(skb, l4 + 20, opts, len))
		return -1;
	*csum_off = l4 + 16;
	for (__u32 i = 0, n = 0; i + 1 < len && n < 20; n++) {
		__u8 kind = opts[i & 63];

		if (kind == 0)
			return -1;
		if (kind == 1) {
			i++;
			continue;
		}
		if (kind == HDROPT_DELACK_KIND &&
		    opts[(i + 2) & 63] == (exid >> 8) &&
		    opts[(i + 3) & 63] == (exid & 0xff))
			return l4 + 20 + i;
		if (opts[(i + 1) & 63] < 2)
			return -1;
		i += opts[(i + 1) & 63];
	}
	return -1;
}

/* Sets one byte, fixing the checksum through the 16-bit word around it. */
static __always_inline void set_byte(struct __sk_buff *skb, __u32 csum_off, __u32 off, __u8 val)
{
	/* The TCP header starts at an even offset (14 + 4 * ihl, or 54), so
	 * the checksum's 16-bit words are the packet's even-aligned pairs. */
	__u32 word = off & ~1u;
	__u8 w[2], nw[2];

	if (bpf_skb_load_bytes(skb, word, w, 2))
		return;
	nw[0] = w[0];
	nw[1] = w[1];
	if (off & 1)
		nw[1] = val;
	else
		nw[0] = val;
	if (bpf_skb_store_bytes(skb, word, nw, 2, 0))
		return;
	bpf_l4_csum_replace(skb, csum_off, *(__u16 *)w, *(__u16 *)nw, CSUM_FIELD_2BYTES);
}

static __always_inline int corrupt(struct __sk_buff *skb, int what)
{
	__u32 csum_off = 0;
	__u8 b = 0;
	int at;

	at = find_option(skb, &csum_off, what < 10 ? HDROPT_DELACK_EXID : HDROPT_CCNEG_EXID);
	if (at < 0)
		return TC_ACT_OK;
	switch (what) {
	case 0:	/* reserved */
		if (!bpf_skb_load_bytes(skb, at + 4, &b, 1))
			set_byte(skb, csum_off, at + 4, b | 0x80);
		break;
	case 1:	/* zero */
		set_byte(skb, csum_off, at + 5, 0);
		set_byte(skb, csum_off, at + 6, 0);
		break;
	case 2:	/* range */
		set_byte(skb, csum_off, at + 5, 0xff);
		set_byte(skb, csum_off, at + 6, 0xff);
		break;
	case 3:	/* length */
		set_byte(skb, csum_off, at + 1, HDROPT_DELACK_LEN + 1);
		break;
	case 4:	/* exid */
		set_byte(skb, csum_off, at + 3, (HDROPT_DELACK_EXID & 0xff) ^ 0x01);
		break;
	case 10:	/* ccneg: reserved */
		if (!bpf_skb_load_bytes(skb, at + 4, &b, 1))
			set_byte(skb, csum_off, at + 4, b | 0x80);
		break;
	case 11:	/* ccneg: length */
		set_byte(skb, csum_off, at + 1, HDROPT_CCNEG_ANSWER_LEN + 1);
		break;
	case 12:	/* ccneg: id */
		set_byte(skb, csum_off, at + 5, HDROPT_CCNEG_ID_RESERVED);
		break;
	case 13:	/* ccneg: offer */
		if (!bpf_skb_load_bytes(skb, at + 4, &b, 1))
			set_byte(skb, csum_off, at + 4, b & ~HDROPT_CCNEG_F_ANSWER);
		break;
	case 14:	/* ccneg: unoffered */
		set_byte(skb, csum_off, at + 5, 200);
		break;
	}
	return TC_ACT_OK;
}

SEC("tc/reserved")
int corrupt_reserved(struct __sk_buff *skb) { return corrupt(skb, 0); }
SEC("tc/zero")
int corrupt_zero(struct __sk_buff *skb) { return corrupt(skb, 1); }
SEC("tc/range")
int corrupt_range(struct __sk_buff *skb) { return corrupt(skb, 2); }
SEC("tc/length")
int corrupt_length(struct __sk_buff *skb) { return corrupt(skb, 3); }
SEC("tc/exid")
int corrupt_exid(struct __sk_buff *skb) { return corrupt(skb, 4); }
SEC("tc/cn_reserved")
int cn_reserved(struct __sk_buff *skb) { return corrupt(skb, 10); }
SEC("tc/cn_length")
int cn_length(struct __sk_buff *skb) { return corrupt(skb, 11); }
SEC("tc/cn_id")
int cn_id(struct __sk_buff *skb) { return corrupt(skb, 12); }
SEC("tc/cn_offer")
int cn_offer(struct __sk_buff *skb) { return corrupt(skb, 13); }
SEC("tc/cn_unoffered")
int cn_unoffered(struct __sk_buff *skb) { return corrupt(skb, 14); }

__u32 responses_seen;

SEC("tc/drop_response")
int drop_response(struct __sk_buff *skb)
{
	__u8 ihl_b, doff_b;
	__u16 proto, sport;
	__u32 ihl, payload;

	if (bpf_skb_load_bytes(skb, 12, &proto, 2) || proto != bpf_htons(ETH_P_IP))
		return TC_ACT_OK;
	if (bpf_skb_load_bytes(skb, 14, &ihl_b, 1) || bpf_skb_load_bytes(skb, 14 + 9, &doff_b, 1) ||
	    doff_b != IPPROTO_TCP)
		return TC_ACT_OK;
	ihl = (ihl_b & 15) * 4;
	if (bpf_skb_load_bytes(skb, 14 + ihl, &sport, 2) || sport != bpf_htons(TEST_PORT) ||
	    bpf_skb_load_bytes(skb, 14 + ihl + 12, &doff_b, 1))
		return TC_ACT_OK;
	payload = skb->len - 14 - ihl - (doff_b >> 4) * 4;
	if ((int)payload <= 0)
		return TC_ACT_OK;
	return __sync_add_and_fetch(&responses_seen, 1) == DROP_NTH ? TC_ACT_SHOT : TC_ACT_OK;
}

char _license[] SEC("license") = "GPL";
