// SPDX-License-Identifier: GPL-2.0-only
/*
 * delack: the max-delayed-ACK TCP header option, negotiated in the handshake.
 *
 * Each side tells the other, in a TCP option, the longest it will delay an
 * ACK.  When both sides advertised, each sets its own TCP_BPF_DELACK_MAX so
 * that it keeps what it promised, and its TCP_BPF_RTO_MIN to the peer's
 * promise plus a margin (clamped to the admin's floor and ceiling), so a
 * sender no longer waits the kernel's fixed 200 ms minimum RTO for a peer
 * that promised, say, 12 ms.  If only one side speaks the option, nothing
 * changes.
 *
 * Wire format: include/bpftcp/delack_opt.h and docs/hdropt-delack.md (an
 * RFC 6994 experimental option, kind 253).  The idea and the kernel API come
 * from the kernel selftest tools/testing/selftests/bpf/progs/
 * test_tcp_hdr_options.c; differences from it:
 *   - a real option with a strict decoder: malformed options are counted and
 *     ignored, never half-used;
 *   - the RTO minimum has a margin and admin clamps, since the peer is not
 *     trusted;
 *   - the promise is what the kernel really does: TCP_BPF_DELACK_MAX is set
 *     two ticks below it, because an ACK leaves up to two ticks after its
 *     timer's nominal expiry (see hdropt_delack_local() in delack_opt.h);
 *   - scope: only peers in the --peers LPM trie (when given);
 *   - the option callbacks are turned off as soon as the handshake is done,
 *     unless another bpftcp option program (ccneg) still needs them: the
 *     socket's flag word is shared, and each program marks what it still
 *     needs in its section of the shared record (hdropt_cb_flags_release(),
 *     include/bpftcp/hdropt.bpf.h).  So whether our SYN carried the option
 *     is not read from the write flag, which another program may have
 *     turned off.
 *
 * Flow (active = connect(), passive = accept()):
 *   LISTEN_CB         listener: TCP_SAVE_SYN, WRITE_HDR_OPT flag (SYN-ACKs).
 *   CONNECT_CB        active: WRITE_HDR_OPT flag, if the peer is in scope.
 *   HDR_OPT_LEN/WRITE SYN: our option.  SYN-ACK: ours, if the SYN had a
 *                     valid one; RESEND set when we will not have the SYN
 *                     later (syncookies).  Other segments: ours again while
 *                     the peer asked for a resend.
 *   ACTIVE_ESTAB      read the SYN-ACK's option; apply; on RESEND keep
 *                     writing until a packet from the peer proves it is
 *                     established (PARSE_ALL_HDR_OPT).
 *   PASSIVE_ESTAB     read the saved SYN (or, after a cookie, the ACK that
 *                     carries the resent option; or, for TFO, the SYN in
 *                     hand); apply.
 *   PARSE_HDR_OPT     first packet after the handshake while a resend or a
 *                     TFO SYN-ACK was pending: turn the callbacks off.
 *
 * Kernel quirks this relies on (Linux >= 5.10):
 *   - SYN-ACK callbacks run on the request socket (skops->sk is a
 *     request_sock, not a full socket): no sk_storage and no
 *     bpf_setsockopt() there; the SYN is read with BPF_LOAD_HDR_OPT_TCP_SYN,
 *     which uses the SYN skb in hand, or the saved SYN on retransmits.
 *   - With syncookies the request socket is freed right after the SYN-ACK,
 *     and args[0] has BPF_WRITE_HDR_TCP_SYNACK_COOKIE; the child is later
 *     made from the ACK, which has no saved SYN: hence RESEND.
 *   - TCP Fast Open: the child is made from the SYN and PASSIVE_ESTABLISHED
 *     runs before the SYN-ACK is sent (skb = the SYN), so the write flag must
 *     stay on for the SYN-ACK (and its retransmits).
 *   - PARSE_HDR_OPT_CB is not called in SYN_SENT/SYN_RECV/LISTEN: the
 *     handshake options are read in the ESTABLISHED callbacks, where
 *     bpf_load_hdr_opt() sees the SYN-ACK (active) or the ACK (passive).
 *   - bpf_setsockopt() is only allowed on full, locked sockets, i.e. not in
 *     the SYN-ACK callbacks.  TCP_BPF_DELACK_MAX/TCP_BPF_RTO_MIN only store a
 *     field, so calling them from the ESTABLISHED callbacks cannot recurse;
 *     options that transmit (TCP_NODELAY pushes pending data) would re-enter
 *     HDR_OPT_LEN/WRITE from inside them, so none are used here.
 *   - Both setsockopts take microseconds but store jiffies (rounded up) and
 *     fail outside 2 jiffies .. 200 ms: the policy in delack_opt.h works in
 *     ticks so that what is advertised is what the timers do.
 *   - The kernel rounds reserved option space up to 4 bytes and fills what
 *     was not written with NOPs.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "bpftcp/bpf_counters.h"
#include "bpftcp/delack_opt.h"
#include "bpftcp/hdropt.bpf.h"

/* Admin settings, set by 'bpftcp opt attach delack' before load. */
const volatile __u32 cfg_max_delack_us = 20000;
const volatile __u32 cfg_rto_floor_us = 5000;
const volatile __u32 cfg_rto_ceiling_us = HDROPT_KERNEL_MAX_US;
const volatile __u8 cfg_peers_restricted;	/* 1: only peers in delack_peers */
/*
 * 1 (--record): allocate a per-socket record on each end and keep what was
 * negotiated there.  0 (the default): allocate nothing, unless the program
 * needs state (a client repeating its option after a cookie SYN-ACK); a
 * record that another bpftcp program already made is still filled.  The
 * allocation (and its RCU free at close) is most of what the option costs a
 * short connection: docs/hdropt-delack.md#cost.
 */
const volatile __u8 cfg_record = 0;
/* The cgroup as the admin named it, for 'bpftcp opt show'; never read here. */
const volatile char cfg_cgroup_path[256];

extern unsigned int CONFIG_HZ __kconfig;

BPFTCP_COUNTERS(delack_counters, struct hdropt_delack_counters)

HDROPT_PEERS_MAP(delack_peers);

/* --------------------------------------------------------------- helpers */

static __always_inline bool peer_in_scope(const struct bpf_sock_ops *skops)
{
	return !cfg_peers_restricted || hdropt_peer_in(skops, &delack_peers);
}

static __always_inline void cb_flags_on(struct bpf_sock_ops *skops, __u32 flags)
{
	if (hdropt_cb_flags_on(skops, flags))
		BPFTCP_ERR();
}

/* Done with the option callbacks (unless another option program is not). */
static __always_inline void cb_flags_off(struct bpf_sock_ops *skops)
{
	if (hdropt_cb_flags_release(skops, hdropt_sock_state(skops, false)))
		BPFTCP_ERR();
}

static __always_inline void local_setting(struct hdropt_delack_local *l)
{
	hdropt_delack_local(cfg_max_delack_us, CONFIG_HZ, l);
}

/*
 * Finds our option in the packet in hand, or with @from_syn in the SYN
 * (BPF_LOAD_HDR_OPT_TCP_SYN).  Returns 0 and fills @opt; -ENOMSG when there
 * is none; -EBADMSG-like 1 when there is one but it is malformed (counted);
 * another negative errno when the packet cannot be read.
 */
#define LOAD_MALFORMED	1
static __always_inline int load_option(struct bpf_sock_ops *skops, bool from_syn,
				       struct hdropt_delack_opt *opt)
{
	__u8 buf[16] = {};
	int ret = hdropt_load(skops, from_syn, HDROPT_DELACK_EXID, buf, sizeof(buf));

	if (ret == HDROPT_LOAD_TOO_LONG) {
		BPFTCP_COUNT(malformed);
		return LOAD_MALFORMED;
	}
	if (ret < 0)
		return ret;
	if (hdropt_delack_decode(buf, ret, opt)) {
		BPFTCP_COUNT(malformed);
		return LOAD_MALFORMED;
	}
	return 0;
}

static __always_inline int store_option(struct bpf_sock_ops *skops, __u8 flags)
{
	struct hdropt_delack_opt opt = { .flags = flags };
	struct hdropt_delack_local local;
	__u8 buf[8] = {};

	local_setting(&local);
	opt.max_delack_us = local.advertise_us;

	if (hdropt_delack_encode(buf, sizeof(buf), &opt) != HDROPT_DELACK_LEN) {
		BPFTCP_ERR();
		return -1;
	}
	if (bpf_store_hdr_opt(skops, buf, HDROPT_DELACK_LEN, 0)) {
		BPFTCP_ERR();
		return -1;
	}
	BPFTCP_COUNT(sent);
	return 0;
}

/* Returns 0, or -1 (counted) when the other options (a TFO cookie, MD5...)
 * left no room. */
static __always_inline int reserve_option(struct bpf_sock_ops *skops)
{
	if (bpf_reserve_hdr_opt(skops, HDROPT_DELACK_LEN, 0)) {
		BPFTCP_ERR();
		return -1;
	}
	return 0;
}

/*
 * The per-socket record is the delack section of bpftcp's shared record
 * (include/bpftcp/sock_state.h, map "sock_state"), so 'bpftcp sockets' and
 * libbpftcp show what was negotiated.
 */
static __always_inline struct bpftcp_delack_state *sock_record(struct bpf_sock_ops *skops, bool create)
{
	struct bpftcp_sock_state *st = hdropt_sock_state(skops, create);

	return st ? &st->delack : NULL;
}

/* Both sides advertised: set our delayed-ACK maximum and our RTO minimum. */
static __always_inline void apply(struct bpf_sock_ops *skops, struct bpftcp_delack_state *rec,
				  __u32 peer_us)
{
	struct hdropt_delack_local local;
	int clamped = 0;
	__u32 rto_us;

	local_setting(&local);
	rto_us = hdropt_rto_min_us(peer_us, cfg_rto_floor_us, cfg_rto_ceiling_us, CONFIG_HZ, &clamped);
	if (bpf_setsockopt(skops, SOL_TCP, TCP_BPF_DELACK_MAX, &local.setsockopt_us,
			   sizeof(local.setsockopt_us))) {
		BPFTCP_ERR();
		return;
	}
	if (bpf_setsockopt(skops, SOL_TCP, TCP_BPF_RTO_MIN, &rto_us, sizeof(rto_us))) {
		BPFTCP_ERR();
		return;
	}
	if (clamped)
		BPFTCP_COUNT(clamped);
	BPFTCP_COUNT(applied);
	if (rec) {
		rec->local_max_delack_us = local.advertise_us;
		rec->peer_max_delack_us = peer_us;
		rec->delack_max_us = local.setsockopt_us;
		rec->rto_min_us = rto_us;
		rec->flags |= BPFTCP_DELACK_F_SENT | BPFTCP_DELACK_F_RECEIVED | BPFTCP_DELACK_F_APPLIED |
			      (clamped ? BPFTCP_DELACK_F_CLAMPED : 0);
	}
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

/* SYN-ACK, on the request socket: answer only a valid option in the SYN. */
static __always_inline void synack_opt_len(struct bpf_sock_ops *skops)
{
	struct hdropt_delack_opt peer;

	if (!peer_in_scope(skops))
		return;
	/* -ENOMSG: no option; -ENOENT: the SYN is gone (a TFO SYN-ACK
	 * retransmit, whose SYN moved to the child): stay silent. */
	if (load_option(skops, true, &peer))
		return;
	BPFTCP_COUNT(received);
	reserve_option(skops);
}

/*
 * Will the passive side lack the SYN at establishment?  Then ask for a resend.
 * Only a cookie SYN-ACK says so (args[0]).  A listener whose TCP_SAVE_SYN the
 * application turned off after listen() would need it too, but a SYN-ACK
 * callback cannot tell: skops->sk reads as NULL on request sockets (the ctx
 * rewrite exposes full sockets only), so the request's saved_syn is out of
 * reach.  docs/hdropt-delack.md lists that case.
 */
static __always_inline bool synack_needs_resend(const struct bpf_sock_ops *skops)
{
	return skops->args[0] & BPF_WRITE_HDR_TCP_SYNACK_COOKIE;
}

static __always_inline void on_opt_len(struct bpf_sock_ops *skops)
{
	__u8 tcp_flags = skops->skb_tcp_flags;
	struct bpftcp_delack_state *rec;

	if ((tcp_flags & (TCPHDR_SYN | TCPHDR_ACK)) == (TCPHDR_SYN | TCPHDR_ACK)) {
		synack_opt_len(skops);
		return;
	}
	if (tcp_flags & TCPHDR_SYN) {
		/* No room (counted): our write below fails too, and the
		 * server, seeing no option, does not answer. */
		reserve_option(skops);
		return;
	}
	/* Data, pure ACKs, and tcp_current_mss() (args[0] has
	 * BPF_WRITE_HDR_TCP_CURRENT_MSS, no skb): room only while resending,
	 * so the MSS is right for the segments that will carry it. */
	rec = sock_record(skops, false);
	if (rec && (rec->flags & BPFTCP_DELACK_F_RESENDING))
		reserve_option(skops);
}

static __always_inline void on_write_opt(struct bpf_sock_ops *skops)
{
	__u8 tcp_flags = skops->skb_tcp_flags;
	struct bpftcp_delack_state *rec;

	if ((tcp_flags & (TCPHDR_SYN | TCPHDR_ACK)) == (TCPHDR_SYN | TCPHDR_ACK)) {
		store_option(skops, synack_needs_resend(skops) ? HDROPT_DELACK_F_RESEND : 0);
		return;
	}
	if (tcp_flags & TCPHDR_SYN) {
		/* No per-socket record yet: a connection whose peer does not
		 * answer costs no allocation. */
		store_option(skops, 0);
		return;
	}
	rec = sock_record(skops, false);
	if (rec && (rec->flags & BPFTCP_DELACK_F_RESENDING))
		store_option(skops, 0);
}

static __always_inline void on_active_established(struct bpf_sock_ops *skops)
{
	struct bpftcp_delack_state *rec;
	struct hdropt_delack_opt peer;
	int err;

	/* Our SYN carried the option if the peer is in scope and the SYN had
	 * room for it; a server answers only an option it got, and an
	 * unsolicited answer gives a peer nothing it could not get by
	 * answering a real one. */
	if (!peer_in_scope(skops))
		return;
	err = load_option(skops, false, &peer);	/* the SYN-ACK */
	if (err) {
		if (err == LOAD_MALFORMED) {
			rec = sock_record(skops, cfg_record);
			if (rec)
				rec->flags |= BPFTCP_DELACK_F_SENT | BPFTCP_DELACK_F_MALFORMED;
		}
		cb_flags_off(skops);
		return;
	}
	BPFTCP_COUNT(received);
	/* The repeat after RESEND needs state: a record even without --record. */
	rec = sock_record(skops, cfg_record || (peer.flags & HDROPT_DELACK_F_RESEND));
	if (!rec && (cfg_record || (peer.flags & HDROPT_DELACK_F_RESEND)))
		BPFTCP_ERR();
	apply(skops, rec, peer.max_delack_us);
	if ((peer.flags & HDROPT_DELACK_F_RESEND) && rec) {
		/* Syncookies: the server builds the connection from our ACK
		 * (or first data) and needs our option there.  Repeat it until
		 * a packet from the server shows it is established: the ACK
		 * can be lost and then the first data segment carries it.
		 * (The repeat needs the record; without one the server will
		 * not apply, which is the safe side.) */
		rec->flags |= BPFTCP_DELACK_F_RESEND | BPFTCP_DELACK_F_RESENDING;
		/* Both: another option program may have turned write off. */
		cb_flags_on(skops, HDROPT_CB_FLAGS);
		return;
	}
	cb_flags_off(skops);
}

static __always_inline void on_passive_established(struct bpf_sock_ops *skops)
{
	bool syn_in_hand = skops->skb_tcp_flags & TCPHDR_SYN;
	struct bpftcp_delack_state *rec;
	struct hdropt_delack_opt peer;
	bool resent = false;
	int err;

	/* The child inherits the listener's flags; TFO needs them a little
	 * longer (below), everything else is done after this callback. */
	if (!peer_in_scope(skops)) {
		cb_flags_off(skops);
		return;
	}
	err = load_option(skops, true, &peer);	/* the saved SYN */
	if (err == -ENOENT) {
		/* No saved SYN: a cookie (the client resent its option in the
		 * packet in hand), or TFO (the packet in hand is the SYN). */
		err = load_option(skops, false, &peer);
		resent = !syn_in_hand;
	}
	if (err) {
		if (err == LOAD_MALFORMED) {
			rec = sock_record(skops, cfg_record);
			if (rec)
				rec->flags |= BPFTCP_DELACK_F_MALFORMED;
		}
		cb_flags_off(skops);
		return;
	}
	/* A SYN option was already counted when the SYN-ACK answered it. */
	if (resent)
		BPFTCP_COUNT(received);
	/* Fast Open keeps writing after this callback: that needs a record
	 * (see cb_flags_off()). */
	rec = sock_record(skops, cfg_record || syn_in_hand);
	if (!rec && (cfg_record || syn_in_hand))
		BPFTCP_ERR();
	apply(skops, rec, peer.max_delack_us);
	if (rec && resent)
		rec->flags |= BPFTCP_DELACK_F_RESEND;
	if (syn_in_hand) {
		/* TCP Fast Open: the SYN-ACK is still to be sent (and maybe
		 * retransmitted), so keep writing until the peer's next packet
		 * shows the handshake is over. */
		if (rec)
			rec->flags |= BPFTCP_DELACK_F_TFO_PENDING;
		cb_flags_on(skops, HDROPT_CB_FLAGS);
		return;
	}
	cb_flags_off(skops);
}

static __always_inline void on_parse(struct bpf_sock_ops *skops)
{
	struct bpftcp_delack_state *rec = sock_record(skops, false);

	/* Only reached while PARSE_ALL is on, i.e. while a resend or a TFO
	 * SYN-ACK was pending (ours or another option program's): the
	 * peer's packet ends both. */
	if (rec)
		rec->flags &= ~(BPFTCP_DELACK_F_RESENDING | BPFTCP_DELACK_F_TFO_PENDING);
	cb_flags_off(skops);
}

SEC("sockops")
int bpftcp_delack(struct bpf_sock_ops *skops)
{
	switch (skops->op) {
	case BPF_SOCK_OPS_TCP_LISTEN_CB:
		on_listen(skops);
		break;
	case BPF_SOCK_OPS_TCP_CONNECT_CB:
		on_connect(skops);
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
