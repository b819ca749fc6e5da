// SPDX-License-Identifier: GPL-2.0-only
/*
 * ccneg: both ends of a connection agree on its congestion control in the
 * handshake, through a TCP header option.
 *
 * The active side offers, in its SYN, the algorithms it can run (its
 * --prefer list, most preferred first).  The passive side picks the first
 * algorithm of its own --prefer list that the offer names, and answers with
 * it in the SYN-ACK (or with "nothing in common").  When the connection is
 * established both ends switch to the chosen algorithm with
 * bpf_setsockopt(TCP_CONGESTION).  An end whose peer does not speak the
 * option (or sent a malformed one, or had nothing in common) switches to its
 * --fallback.  Peers outside --peers are left alone: no option, no switch.
 *
 * Wire format: include/bpftcp/ccneg_opt.h and docs/hdropt-ccneg.md (an
 * RFC 6994 experimental option, kind 253, ExID 0xCC4E, with a registry of
 * algorithm ids).  "Which congestion control we prefer" is one of the uses
 * the designers of BPF header options gave (the kernel's
 * tools/testing/selftests/bpf/progs/test_tcp_hdr_options.c is the model of
 * the kernel API, as for hdropt/delack.bpf.c); differences from a plain port
 * of that selftest:
 *   - a strict decoder: malformed options are counted and ignored, and an
 *     answer that chooses what we did not offer is malformed too;
 *   - the offer is trimmed to the option space left (other options, and
 *     delack, may have taken some): the most preferred ids are kept
 *     (hdropt_ccneg_ids_that_fit() is the arithmetic; the program finds the
 *     room by trying, since the context does not expose it);
 *   - ECN has to be agreed in the SYN, before the choice is known: when the
 *     policy could choose an ECN algorithm (DCTCP) for this peer, the
 *     program answers BPF_SOCK_OPS_NEEDS_ECN with 1, on both ends;
 *   - scope: only peers in the --peers LPM trie (when given).
 *
 * Flow (active = connect(), passive = accept()), as delack's:
 *   LISTEN_CB         listener: TCP_SAVE_SYN, WRITE_HDR_OPT flag (SYN-ACKs).
 *   CONNECT_CB        active: WRITE_HDR_OPT flag, if the peer is in scope.
 *   NEEDS_ECN         either side (the passive one on its request socket):
 *                     reply 1 if an ECN algorithm could be chosen.
 *   HDR_OPT_LEN/WRITE SYN: our offer, trimmed to fit.  SYN-ACK: the answer
 *                     to a valid offer; RESEND when we will not have the SYN
 *                     later (syncookies).  Other segments: the offer again
 *                     while the peer asked for a resend.
 *   ACTIVE_ESTAB      read the SYN-ACK's answer; switch (or fall back); on
 *                     RESEND keep offering until the peer's next packet.
 *   PASSIVE_ESTAB     read the offer in the saved SYN (or, after a cookie,
 *                     in the ACK; or, for TFO, in the SYN in hand); choose
 *                     again (the same pure function the SYN-ACK used); switch.
 *   PARSE_HDR_OPT     first packet after the handshake while a resend or a
 *                     TFO SYN-ACK was pending: turn the callbacks off.
 *
 * Kernel quirks (besides those hdropt/delack.bpf.c lists, which hold here):
 *   - The option callback flags are shared with delack (and any sockops
 *     program): whether our SYN offered is kept in the record (NO_ROOM,
 *     allocated only then), not read from the write flag, and the flags are
 *     turned off only when no bpftcp option program still needs them
 *     (hdropt_cb_flags_release()).
 *   - bpf_setsockopt(TCP_CONGESTION) in the ESTABLISHED callbacks runs
 *     before tcp_init_transfer() initialises the congestion control, which
 *     then sees icsk_ca_initialized and keeps ours.  It takes
 *     cap_net_admin=true, so restricted algorithms can be chosen, and
 *     load=false: a module must be loaded already (the library checks at
 *     attach that every algorithm is available).  The new algorithm's init
 *     runs inside the call; a nested bpf_setsockopt(TCP_CONGESTION) from it
 *     gets -EBUSY (bpf_dctcp's non-ECN fallback handles that).
 *   - DCTCP keeps DCTCP only when ECN was negotiated (TCP_ECN_OK), which
 *     the NEEDS_ECN answer arranges on both ends; otherwise it runs as Reno.
 *   - The passive choice cannot check, on a request socket, that the
 *     algorithm is still registered: if it was unregistered since the
 *     attach, the switch fails at establishment (counted as an error,
 *     recorded as SWITCH_FAILED) and the fallback is tried.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "bpftcp/bpf_counters.h"
#include "bpftcp/ccneg_opt.h"
#include "bpftcp/hdropt.bpf.h"

#define NAME_LEN	BPFTCP_CA_NAME_MAX
#define SLOT_FALLBACK	0xff

/* Admin settings, set by 'bpftcp opt attach ccneg' before load. */
const volatile __u8 cfg_prefer_cnt = 0;			/* 1..HDROPT_CCNEG_IDS_MAX */
const volatile __u8 cfg_prefer_ids[HDROPT_CCNEG_IDS_MAX];	/* registry ids, in order */
/* The kernel names to switch to: "bpf_dctcp" or "dctcp", as configured. */
const volatile char cfg_prefer_names[HDROPT_CCNEG_IDS_MAX][NAME_LEN];
const volatile __u8 cfg_fallback_id = 0;
const volatile char cfg_fallback_name[NAME_LEN];
const volatile __u8 cfg_ecn = 0;		/* 1: a preferred or the fallback algorithm needs ECN */
const volatile __u8 cfg_peers_restricted = 0;	/* 1: only peers in ccneg_peers */
/* 1 (--record): allocate a per-socket record on each end (delack's
 * trade-off, docs/hdropt-delack.md#cost); 0: only where state is needed. */
const volatile __u8 cfg_record = 0;
/* The cgroup as the admin named it, for 'bpftcp opt show'; never read here. */
const volatile char cfg_cgroup_path[256];

BPFTCP_COUNTERS(ccneg_counters, struct hdropt_ccneg_counters)
HDROPT_PEERS_MAP(ccneg_peers);

/*
 * Connections whose SYN-ACK had no room for our answer (a SYN-ACK that
 * hands out a Fast Open cookie, beside delack, has 1 byte left).  The
 * SYN-ACK callbacks run on the request socket, which has no storage, and
 * the client, without an answer, runs its fallback: so the server must
 * too.  Keyed by the connection, written only in that case, removed at
 * establishment; LRU, so entries of connections that never complete go.
 */
struct unanswered_key {
	__u8  addr[16];		/* peer, IPv4 as IPv4-mapped IPv6 */
	__u32 ports;		/* remote port << 16 | local port */
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct unanswered_key);
	__type(value, __u8);
} ccneg_unanswered SEC(".maps");

/* --------------------------------------------------------------- helpers */

static __always_inline bool peer_in_scope(const struct bpf_sock_ops *skops)
{
	return !cfg_peers_restricted || hdropt_peer_in(skops, &ccneg_peers);
}

static __always_inline void cb_flags_on(struct bpf_sock_ops *skops, __u32 flags)
{
	if (hdropt_cb_flags_on(skops, flags))
		BPFTCP_ERR();
}

/* Done with the option callbacks, unless another option program (delack)
 * still needs them (hdropt_cb_flags_release()). */
static __always_inline void cb_flags_off(struct bpf_sock_ops *skops)
{
	if (hdropt_cb_flags_release(skops, hdropt_sock_state(skops, false)))
		BPFTCP_ERR();
}

static __always_inline __u32 prefer_cnt(void)
{
	__u32 n = cfg_prefer_cnt;

	return n > HDROPT_CCNEG_IDS_MAX ? HDROPT_CCNEG_IDS_MAX : n;
}

/* The preference list as plain bytes, for the pure functions of ccneg_opt.h. */
static __always_inline void prefer_ids(__u8 *ids)
{
	for (__u32 i = 0; i < HDROPT_CCNEG_IDS_MAX; i++)
		ids[i] = cfg_prefer_ids[i];
}

static __always_inline struct bpftcp_ccneg_state *sock_record(struct bpf_sock_ops *skops, bool create)
{
	struct bpftcp_sock_state *st = hdropt_sock_state(skops, create);

	return st ? &st->ccneg : NULL;
}

/*
 * Finds our option in the packet in hand, or with @from_syn in the SYN
 * (BPF_LOAD_HDR_OPT_TCP_SYN).  Returns 0 and fills @opt; LOAD_MALFORMED when
 * there is one but it does not decode; -ENOMSG when there is none; another
 * negative errno when the packet cannot be read (-ENOENT: no saved SYN).
 * Counts nothing: the callers that decide count.
 */
#define LOAD_MALFORMED	1
static __always_inline int load_option(struct bpf_sock_ops *skops, bool from_syn,
				       struct hdropt_ccneg_opt *opt)
{
	__u8 buf[16] = {};
	int ret = hdropt_load(skops, from_syn, HDROPT_CCNEG_EXID, buf, sizeof(buf));

	if (ret == HDROPT_LOAD_TOO_LONG)
		return LOAD_MALFORMED;
	if (ret < 0)
		return ret;
	if (hdropt_ccneg_decode(buf, ret, opt))
		return LOAD_MALFORMED;
	return 0;
}

/* A valid option of the wrong form (an answer in a SYN, an offer in a
 * SYN-ACK) is as malformed as a broken one. */
static __always_inline int load_offer(struct bpf_sock_ops *skops, bool from_syn,
				      struct hdropt_ccneg_opt *opt)
{
	int err = load_option(skops, from_syn, opt);

	if (!err && (opt->flags & HDROPT_CCNEG_F_ANSWER))
		return LOAD_MALFORMED;
	return err;
}

/* Our offer: the first @n ids of --prefer. */
static __always_inline int store_offer(struct bpf_sock_ops *skops, __u32 n)
{
	struct hdropt_ccneg_opt opt = { .n = (__u8)n };
	__u8 buf[HDROPT_CCNEG_MAX_LEN] = {};
	int len;

	prefer_ids(opt.ids);
	len = hdropt_ccneg_encode(buf, sizeof(buf), &opt);
	if (len < HDROPT_CCNEG_MIN_LEN || len > HDROPT_CCNEG_MAX_LEN) {
		BPFTCP_ERR();
		return -1;
	}
	if (bpf_store_hdr_opt(skops, buf, len, 0)) {
		BPFTCP_ERR();
		return -1;
	}
	BPFTCP_COUNT(offered);
	return 0;
}

/* How many ids the offer of this socket has: all, unless its SYN had to
 * trim them (then the record says how many). */
static __always_inline __u32 offer_len_ids(struct bpftcp_ccneg_state *rec)
{
	__u32 n = prefer_cnt();

	if (rec && rec->offer_n && rec->offer_n < n)
		n = rec->offer_n;
	return n;
}

/*
 * Switches the socket to slot @slot of --prefer, or to the fallback
 * (SLOT_FALLBACK).  A failed switch to a preferred algorithm (unregistered
 * since the attach) tries the fallback.
 */
static __always_inline void switch_cc(struct bpf_sock_ops *skops, struct bpftcp_ccneg_state *rec,
				      __u32 slot)
{
	char name[NAME_LEN];
	__u8 id;

	if (slot < HDROPT_CCNEG_IDS_MAX) {
		for (__u32 i = 0; i < NAME_LEN; i++)
			name[i] = cfg_prefer_names[slot][i];
		id = cfg_prefer_ids[slot];
		if (!bpf_setsockopt(skops, SOL_TCP, TCP_CONGESTION, name, sizeof(name))) {
			BPFTCP_COUNT(chosen[slot]);
			if (rec) {
				rec->flags |= BPFTCP_CCNEG_F_NEGOTIATED;
				rec->chosen_id = id;
				rec->pref_index = (__u8)slot;
			}
			return;
		}
		BPFTCP_ERR();
		if (rec)
			rec->flags |= BPFTCP_CCNEG_F_SWITCH_FAILED;
	}
	for (__u32 i = 0; i < NAME_LEN; i++)
		name[i] = cfg_fallback_name[i];
	if (bpf_setsockopt(skops, SOL_TCP, TCP_CONGESTION, name, sizeof(name))) {
		BPFTCP_ERR();
		if (rec)
			rec->flags |= BPFTCP_CCNEG_F_SWITCH_FAILED;
		return;
	}
	BPFTCP_COUNT(fallback);
	if (rec) {
		rec->flags |= BPFTCP_CCNEG_F_FALLBACK;
		rec->chosen_id = cfg_fallback_id;
		rec->pref_index = SLOT_FALLBACK;
	}
}

static __always_inline bool unanswered_key(const struct bpf_sock_ops *skops,
					   struct unanswered_key *key)
{
	__builtin_memset(key, 0, sizeof(*key));
	/* remote_port is in network byte order in the upper half; local_port
	 * in host order. */
	key->ports = (bpf_ntohl(skops->remote_port) & 0xffff) << 16 | (skops->local_port & 0xffff);
	return hdropt_peer_addr(skops, key->addr);
}

/* SYN-ACK: remember that this connection got no answer. */
static __always_inline void unanswered_mark(const struct bpf_sock_ops *skops)
{
	struct unanswered_key key;
	__u8 one = 1;

	if (!unanswered_key(skops, &key) || bpf_map_update_elem(&ccneg_unanswered, &key, &one, BPF_ANY))
		BPFTCP_ERR();
}

/* Established: did the SYN-ACK go without our answer?  (Forgets it.) */
static __always_inline bool unanswered_take(const struct bpf_sock_ops *skops)
{
	struct unanswered_key key;

	if (!unanswered_key(skops, &key) || !bpf_map_lookup_elem(&ccneg_unanswered, &key))
		return false;
	bpf_map_delete_elem(&ccneg_unanswered, &key);
	return true;
}

/* The passive choice for a valid offer: a slot of --prefer, or -1. */
static __always_inline int choose(const struct hdropt_ccneg_opt *offer)
{
	__u8 ids[HDROPT_CCNEG_IDS_MAX];

	prefer_ids(ids);
	return hdropt_ccneg_choose(ids, prefer_cnt(), offer);
}

/* ------------------------------------------------------------- callbacks */

static __always_inline void on_listen(struct bpf_sock_ops *skops)
{
	if (hdropt_on_listen(skops))
		BPFTCP_ERR();
}

static __always_inline void on_connect(struct bpf_sock_ops *skops)
{
	if (peer_in_scope(skops))
		cb_flags_on(skops, BPF_SOCK_OPS_WRITE_HDR_OPT_CB_FLAG);
}

/*
 * ECN is agreed in the SYN and SYN-ACK, before the choice is known.  The
 * kernel asks on the active socket before its SYN, and on the request
 * socket of a SYN that asked for ECN.  Say yes when, for this peer, the
 * policy could end on an algorithm that needs ECN.
 */
static __always_inline void on_needs_ecn(struct bpf_sock_ops *skops)
{
	if (cfg_ecn && peer_in_scope(skops))
		skops->reply = 1;
}

/* SYN-ACK, on the request socket: room for an answer to a valid offer. */
static __always_inline void synack_opt_len(struct bpf_sock_ops *skops)
{
	struct hdropt_ccneg_opt peer;

	if (!peer_in_scope(skops))
		return;
	/* -ENOMSG: no option; -ENOENT: the SYN is gone (a TFO SYN-ACK
	 * retransmit, whose SYN moved to the child): stay silent. */
	if (load_offer(skops, true, &peer))
		return;
	if (bpf_reserve_hdr_opt(skops, HDROPT_CCNEG_ANSWER_LEN, 0)) {
		BPFTCP_COUNT(no_room);
		unanswered_mark(skops);
	}
}

static __always_inline void synack_write(struct bpf_sock_ops *skops)
{
	struct hdropt_ccneg_opt peer, ans = { .flags = HDROPT_CCNEG_F_ANSWER, .n = 1 };
	__u8 buf[HDROPT_CCNEG_ANSWER_LEN];
	int slot;

	if (!peer_in_scope(skops) || load_offer(skops, true, &peer))
		return;
	slot = choose(&peer);
	ans.ids[0] = slot >= 0 && slot < HDROPT_CCNEG_IDS_MAX ? cfg_prefer_ids[slot & 7] :
							       HDROPT_CCNEG_ID_NONE;
	/* Syncookies: the child is made from the ACK, without the SYN. */
	if (skops->args[0] & BPF_WRITE_HDR_TCP_SYNACK_COOKIE)
		ans.flags |= HDROPT_CCNEG_F_RESEND;
	if (hdropt_ccneg_encode(buf, sizeof(buf), &ans) != HDROPT_CCNEG_ANSWER_LEN) {
		BPFTCP_ERR();
		return;
	}
	/* -ENOSPC: HDR_OPT_LEN found no room (counted and marked there). */
	if (bpf_store_hdr_opt(skops, buf, sizeof(buf), 0))
		return;
	BPFTCP_COUNT(answered);
}

/*
 * Reserves room for an offer of the most preferred ids that fit, at most
 * @want; returns how many (0: not even one).  The context does not expose
 * the room left (the kernel's remaining_opt_len), but bpf_reserve_hdr_opt()
 * refuses with -ENOSPC what does not fit, so try from the longest down.
 */
static __always_inline __u32 reserve_offer(struct bpf_sock_ops *skops, __u32 want)
{
	for (__u32 n = HDROPT_CCNEG_IDS_MAX; n > 0; n--) {
		if (n > want)
			continue;
		if (!bpf_reserve_hdr_opt(skops, HDROPT_CCNEG_HDR_LEN + n, 0))
			return n;
	}
	return 0;
}

static __always_inline void on_opt_len(struct bpf_sock_ops *skops)
{
	__u8 tcp_flags = skops->skb_tcp_flags;
	struct bpftcp_ccneg_state *rec;
	__u32 want = prefer_cnt(), n;

	if ((tcp_flags & (TCPHDR_SYN | TCPHDR_ACK)) == (TCPHDR_SYN | TCPHDR_ACK)) {
		synack_opt_len(skops);
		return;
	}
	if (tcp_flags & TCPHDR_SYN) {
		/* Keep the most preferred ids that fit beside the other
		 * options (a Fast Open cookie, delack...). */
		n = reserve_offer(skops, want);
		if (!n) {
			/* No room: the record remembers that we did not offer
			 * (the write flag cannot: it is shared with delack). */
			BPFTCP_COUNT(no_room);
			rec = sock_record(skops, true);
			if (rec)
				rec->flags |= BPFTCP_CCNEG_F_NO_ROOM;
			else
				BPFTCP_ERR();
			return;
		}
		rec = sock_record(skops, n < want);
		if (rec)
			rec->flags &= ~BPFTCP_CCNEG_F_NO_ROOM;	/* a retransmitted SYN with room */
		if (n < want) {
			/* WRITE must write what LEN reserved: it cannot know
			 * how much of the rounded-up space other programs use. */
			if (rec)
				rec->offer_n = (__u8)n;
			else
				BPFTCP_ERR();
		} else if (rec) {
			rec->offer_n = 0;	/* a retransmitted SYN with more room */
		}
		return;
	}
	/* Data, pure ACKs, and tcp_current_mss() (no skb): room only while
	 * resending, so the MSS is right for the segments that carry it. */
	rec = sock_record(skops, false);
	if (rec && (rec->flags & BPFTCP_CCNEG_F_RESENDING))
		if (bpf_reserve_hdr_opt(skops, HDROPT_CCNEG_HDR_LEN + offer_len_ids(rec), 0))
			BPFTCP_ERR();
}

static __always_inline void on_write_opt(struct bpf_sock_ops *skops)
{
	__u8 tcp_flags = skops->skb_tcp_flags;
	struct bpftcp_ccneg_state *rec;

	if ((tcp_flags & (TCPHDR_SYN | TCPHDR_ACK)) == (TCPHDR_SYN | TCPHDR_ACK)) {
		synack_write(skops);
		return;
	}
	rec = sock_record(skops, false);
	if (tcp_flags & TCPHDR_SYN) {
		if (rec && (rec->flags & BPFTCP_CCNEG_F_NO_ROOM))
			return;
		if (store_offer(skops, offer_len_ids(rec))) {
			/* Not offered after all (counted): remember it. */
			rec = sock_record(skops, true);
			if (rec)
				rec->flags |= BPFTCP_CCNEG_F_NO_ROOM;
		}
		return;
	}
	if (rec && (rec->flags & BPFTCP_CCNEG_F_RESENDING))
		store_offer(skops, offer_len_ids(rec));
}

static __always_inline void on_active_established(struct bpf_sock_ops *skops)
{
	struct bpftcp_ccneg_state *rec;
	struct hdropt_ccneg_opt peer;
	bool offered, resend = false;
	__u32 slot = SLOT_FALLBACK;
	__u8 ids[HDROPT_CCNEG_IDS_MAX];
	int err, idx;

	if (!peer_in_scope(skops))
		return;
	/* Offered unless the SYN had no room (which made a record). */
	rec = sock_record(skops, false);
	offered = !(rec && (rec->flags & BPFTCP_CCNEG_F_NO_ROOM));
	err = offered ? load_option(skops, false, &peer) : -ENOMSG;	/* the SYN-ACK */
	if (!err && !(peer.flags & HDROPT_CCNEG_F_ANSWER))
		err = LOAD_MALFORMED;
	if (!err && peer.ids[0] != HDROPT_CCNEG_ID_NONE) {
		/* Only what we offered may be chosen. */
		prefer_ids(ids);
		idx = hdropt_ccneg_index(ids, prefer_cnt(), peer.ids[0]);
		if (idx < 0)
			err = LOAD_MALFORMED;
		else
			slot = (__u32)idx & 7;
	}
	if (err == LOAD_MALFORMED)
		BPFTCP_COUNT(malformed);
	resend = !err && (peer.flags & HDROPT_CCNEG_F_RESEND);
	/* The repeat after RESEND needs state: a record even without --record. */
	rec = sock_record(skops, cfg_record || resend || err == LOAD_MALFORMED);
	if (!rec && (cfg_record || resend))
		BPFTCP_ERR();
	if (rec && offered)
		rec->flags |= BPFTCP_CCNEG_F_SENT;
	if (!err) {
		if (rec)
			rec->flags |= BPFTCP_CCNEG_F_RECEIVED;
		if (slot == SLOT_FALLBACK) {
			BPFTCP_COUNT(no_common);
			if (rec)
				rec->flags |= BPFTCP_CCNEG_F_NO_COMMON;
		}
	} else if (err == LOAD_MALFORMED && rec) {
		rec->flags |= BPFTCP_CCNEG_F_MALFORMED;
	}
	switch_cc(skops, rec, slot);
	if (resend && rec) {
		/* Syncookies: the server builds the connection from our ACK
		 * (or first data) and needs our offer there.  Repeat it until
		 * a packet from the server shows it is established. */
		rec->flags |= BPFTCP_CCNEG_F_RESEND | BPFTCP_CCNEG_F_RESENDING;
		/* Both: delack may have turned write off already. */
		cb_flags_on(skops, HDROPT_CB_FLAGS);
		return;
	}
	cb_flags_off(skops);
}

static __always_inline void on_passive_established(struct bpf_sock_ops *skops)
{
	bool syn_in_hand = skops->skb_tcp_flags & TCPHDR_SYN;
	struct bpftcp_ccneg_state *rec;
	struct hdropt_ccneg_opt peer;
	bool resent = false;
	__u32 slot = SLOT_FALLBACK;
	int err, pick;

	/* The child inherits the listener's flags; TFO needs them a little
	 * longer (below), everything else is done after this callback. */
	if (!peer_in_scope(skops)) {
		cb_flags_off(skops);
		return;
	}
	err = load_offer(skops, true, &peer);	/* the saved SYN */
	if (err == -ENOENT) {
		/* No saved SYN: a cookie (the client repeated its offer in the
		 * packet in hand), or TFO (the packet in hand is the SYN). */
		err = load_offer(skops, false, &peer);
		resent = !syn_in_hand;
	}
	if (err == LOAD_MALFORMED)
		BPFTCP_COUNT(malformed);
	/* Fast Open keeps writing after this callback: that needs a record
	 * (see cb_flags_off()). */
	rec = sock_record(skops, cfg_record || err == LOAD_MALFORMED || (syn_in_hand && !err));
	if (!rec && (cfg_record || (syn_in_hand && !err)))
		BPFTCP_ERR();
	if (!err && unanswered_take(skops)) {
		/* Our SYN-ACK had no room for the answer: the client runs its
		 * fallback, so we run ours (no_room was counted). */
		if (rec)
			rec->flags |= BPFTCP_CCNEG_F_NO_ROOM;
		err = -ENOSPC;
	}
	if (!err) {
		pick = choose(&peer);
		if (pick >= 0)
			slot = (__u32)pick & 7;
		else
			BPFTCP_COUNT(no_common);
		if (rec) {
			rec->flags |= BPFTCP_CCNEG_F_RECEIVED | BPFTCP_CCNEG_F_SENT |
				      (pick < 0 ? BPFTCP_CCNEG_F_NO_COMMON : 0) |
				      (resent ? BPFTCP_CCNEG_F_RESEND : 0);
			rec->peer_first_id = peer.ids[0];
		}
	} else if (err == LOAD_MALFORMED && rec) {
		rec->flags |= BPFTCP_CCNEG_F_MALFORMED;
	}
	switch_cc(skops, rec, slot);
	if (syn_in_hand && !err) {
		/* TCP Fast Open: the SYN-ACK is still to be sent (and maybe
		 * retransmitted), so keep writing until the peer's next packet
		 * shows the handshake is over. */
		if (rec)
			rec->flags |= BPFTCP_CCNEG_F_TFO_PENDING;
		cb_flags_on(skops, HDROPT_CB_FLAGS);
		return;
	}
	cb_flags_off(skops);
}

static __always_inline void on_parse(struct bpf_sock_ops *skops)
{
	struct bpftcp_ccneg_state *rec = sock_record(skops, false);

	/* Only reached while PARSE_ALL is on, i.e. while a resend or a TFO
	 * SYN-ACK was pending (ours or delack's): the peer's packet ends both. */
	if (rec && (rec->flags & BPFTCP_CCNEG_F_TFO_PENDING) && unanswered_take(skops)) {
		/* Fast Open switched before the SYN-ACK went, and it went
		 * without our answer: the client runs its fallback. */
		rec->flags &= ~(BPFTCP_CCNEG_F_NEGOTIATED | BPFTCP_CCNEG_F_TFO_PENDING);
		rec->flags |= BPFTCP_CCNEG_F_NO_ROOM;
		if (rec->pref_index < HDROPT_CCNEG_IDS_MAX) {
			switch_cc(skops, rec, SLOT_FALLBACK);
		}
	}
	if (rec)
		rec->flags &= ~(BPFTCP_CCNEG_F_RESENDING | BPFTCP_CCNEG_F_TFO_PENDING);
	cb_flags_off(skops);
}

SEC("sockops")
int bpftcp_ccneg(struct bpf_sock_ops *skops)
{
	switch (skops->op) {
	case BPF_SOCK_OPS_TCP_LISTEN_CB:
		on_listen(skops);
		break;
	case BPF_SOCK_OPS_TCP_CONNECT_CB:
		on_connect(skops);
		break;
	case BPF_SOCK_OPS_NEEDS_ECN:
		on_needs_ecn(skops);
		break;
	case BPF_SOCK_OPS_HDR_OPT_LEN_CB:
		on_opt_len(skops);
		break;
	case BPF_SOCK_OPS_WRITE_HDR_OPT_CB:
		on_write_opt(skops);
		break;
	case BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB:
		on_active_established(skops);
		break;
	case BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB:
		on_passive_established(skops);
		break;
	case BPF_SOCK_OPS_PARSE_HDR_OPT_CB:
		on_parse(skops);
		break;
	}
	/* Always 1: for HDR_OPT_LEN_CB anything else discards the reservation. */
	return 1;
}

char _license[] SEC("license") = "GPL";
