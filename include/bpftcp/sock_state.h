/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The per-socket record of bpftcp, shared by BPF and user space.
 *
 * Every TCP socket that a bpftcp program has seen owns one struct
 * bpftcp_sock_state in the BPF_MAP_TYPE_SK_STORAGE map "sock_state", pinned
 * at <bpffs>/bpftcp/sock_state_v<BPFTCP_SOCK_STATE_VERSION>.  The record is
 * created on first use by whichever program touches the socket first, and
 * the kernel frees it with the socket: there is no 4-tuple table to keep in
 * sync.
 *
 * Three kinds of writers fill separate sections, each under the socket lock
 * of the callback that runs them, so no section has two writers:
 *   stats   skstorage/sock_state.bpf.c, a cgroup sockops program
 *           (attached by 'bpftcp sockets attach');
 *   cc      the bpftcp congestion control in use (cc/<algo>.bpf.c), through
 *           include/bpftcp/sock_state.bpf.h;
 *   delack  the delack header-option program (hdropt/delack.bpf.c);
 *   ccneg   the congestion-control negotiation program (hdropt/ccneg.bpf.c).
 * Each section says itself whether it is filled (stats.established_ns,
 * cc.kind, delack.flags, ccneg.flags are 0 until then), so no shared flag
 * word is needed.
 *
 * ABI rules: fields are plain __u8/__u16/__u32/__u64 at natural alignment,
 * with explicit padding, so the layout is the same for clang -target bpf and
 * the host compilers.  Any change to the layout bumps
 * BPFTCP_SOCK_STATE_VERSION; readers check version and size first.  The
 * version is part of the pin name, so programs of two bpftcp versions on one
 * machine each keep their own map instead of fighting over one; the loader
 * also refuses to share a pinned map whose value size differs.
 *
 * Size: 136 bytes.  The kernel allocates each record with a 72-byte header
 * (Linux 6.18 x86_64), one 208-byte object in the kmalloc-256 class, so the
 * record can grow by 48 bytes at no memory cost (docs/sockstate.md).
 * Version 3 added the ccneg section (8 bytes at the end).
 */
#ifndef BPFTCP_SOCK_STATE_H
#define BPFTCP_SOCK_STATE_H

#ifndef __bpf__
#include <linux/types.h>
#endif

#define BPFTCP_SOCK_STATE_VERSION	3
/* Map name in every BPF object that shares the record... */
#define BPFTCP_SOCK_STATE_MAP		"sock_state"
/* ...and its pin name under <bpffs>/bpftcp/: "sock_state_v3" (bpffs
 * refuses dots in names). */
#define BPFTCP__STR2(x)			#x
#define BPFTCP__STR(x)			BPFTCP__STR2(x)
#define BPFTCP_SOCK_STATE_PIN		"sock_state_v" BPFTCP__STR(BPFTCP_SOCK_STATE_VERSION)
/* TCP_CA_NAME_MAX of the kernel. */
#define BPFTCP_CA_NAME_MAX		16

/* Statistics gathered by the sockops program (skstorage/sock_state.bpf.c). */
struct bpftcp_sock_stats {
	__u64 established_ns;	/* CLOCK_MONOTONIC at ESTABLISHED; 0 = not collected */
	__u64 bytes_acked;	/* tcpi_bytes_acked at the last callback */
	__u32 rtt_min_us;	/* smallest RTT sample */
	__u32 rtt_max_us;	/* largest RTT sample */
	__u32 srtt_us;		/* smoothed RTT after the last sample */
	__u32 rtt_samples;	/* RTT samples seen */
	__u32 retrans_segs;	/* segments retransmitted */
	__u32 rto_events;	/* retransmission timeouts */
	__u32 state_changes;	/* TCP state transitions seen */
	__u8  state;		/* TCP state after the last transition (TCP_ESTABLISHED = 1) */
	__u8  passive;		/* 1 = accepted (passive open), 0 = connect()ed */
	__u16 __pad;
};

/* Which algorithm filled bpftcp_cc_export.u. */
enum bpftcp_cc_kind {
	BPFTCP_CC_NONE	= 0,	/* nothing exported */
	BPFTCP_CC_CUBIC	= 1,
	BPFTCP_CC_DCTCP	= 2,
	BPFTCP_CC_VEGAS	= 3,
	BPFTCP_CC_BBR	= 4,
	/* later algorithms take the next numbers */
};

/* cc/cubic.bpf.c: the fields of struct cubic_state a reader cares about. */
struct bpftcp_cubic_export {
	__u32 w_max;		/* last_max_cwnd: cwnd before the last reduction (packets) */
	__u32 k;		/* bic_K: epoch start to W_max, in 2^-10 s */
	__u32 origin_point;	/* bic_origin_point: the plateau of the curve (packets) */
	__u32 loss_events;	/* ssthresh() calls: fast recoveries, RTOs, ECN/local CWR */
	__u64 epoch_start_ns;	/* CLOCK_MONOTONIC at epoch start (to a jiffy); 0 = none */
};

/* cc/dctcp.bpf.c. */
struct bpftcp_dctcp_export {
	__u32 alpha;		/* fraction of CE-marked bytes, scaled by 1024 */
	__u32 ce_state;		/* 1 = the last received packet was CE-marked */
	__u32 alpha_updates;	/* observation windows completed */
	__u32 __pad;
};

/* cc/vegas.bpf.c. */
struct bpftcp_vegas_export {
	__u32 base_rtt_us;	/* smallest RTT seen (propagation delay estimate) */
	__u32 min_rtt_us;	/* smallest RTT of the last round */
	__u32 diff;		/* packets queued: cwnd * (rtt - base_rtt) / base_rtt,
				 * from the last round with enough samples */
	__u32 cnt_rtt;		/* RTT samples in the last round */
	__u32 adjustments;	/* rounds with > 2 samples, where Vegas decided */
};

/* cc/bbr.bpf.c: what the kernel's bbr_get_info() reports (INET_DIAG_BBRINFO,
 * shown by 'ss -ti' as bbr:(bw:...,mrtt:...,pacing_gain:...,cwnd_gain:...)),
 * and the state machine around it. */
struct bpftcp_bbr_export {
	__u64 bw;		/* bandwidth estimate, bytes/s (bbr_bw_lo/hi) */
	__u32 min_rtt_us;	/* windowed min RTT (bbr_min_rtt) */
	__u16 pacing_gain;	/* << 8: 256 = 1.0 (bbr_pacing_gain) */
	__u16 cwnd_gain;	/* << 8 (bbr_cwnd_gain) */
	__u8  mode;		/* 0 STARTUP, 1 DRAIN, 2 PROBE_BW, 3 PROBE_RTT */
	__u8  cycle_idx;	/* PROBE_BW gain cycle phase, 0..7 */
	__u8  full_bw_reached;	/* 1 = STARTUP filled the pipe */
	__u8  lt_use_bw;	/* 1 = policed: using the long-term bw */
	__u32 rtt_cnt;		/* packet-timed rounds elapsed */
};

#define BPFTCP_CC_EXPORT_BYTES	24

/* What a bpftcp congestion control exports about itself. */
struct bpftcp_cc_export {
	__u32 kind;		/* enum bpftcp_cc_kind; 0 = nothing exported */
	__u32 updates;		/* export writes, so a reader can see it move */
	union {
		struct bpftcp_cubic_export cubic;
		struct bpftcp_dctcp_export dctcp;
		struct bpftcp_vegas_export vegas;
		struct bpftcp_bbr_export bbr;
		__u64 raw[BPFTCP_CC_EXPORT_BYTES / 8];	/* room for later algorithms */
	} u;
};

/* bpftcp_delack_state.flags */
#define BPFTCP_DELACK_F_SENT		(1u << 0)	/* we advertised the option */
#define BPFTCP_DELACK_F_RECEIVED	(1u << 1)	/* the peer advertised it */
#define BPFTCP_DELACK_F_APPLIED		(1u << 2)	/* RTO min / delack max were set */
#define BPFTCP_DELACK_F_CLAMPED		(1u << 3)	/* RTO min hit the admin floor or ceiling */
#define BPFTCP_DELACK_F_RESEND		(1u << 4)	/* negotiated through a resend (syncookies) */
#define BPFTCP_DELACK_F_MALFORMED	(1u << 5)	/* the peer sent a malformed option */
/* Transient, while the option callbacks are still on for the socket. */
#define BPFTCP_DELACK_F_RESENDING	(1u << 6)	/* active: repeating our option after RESEND */
#define BPFTCP_DELACK_F_TFO_PENDING	(1u << 7)	/* passive TFO: SYN-ACK not yet confirmed */

/*
 * The max-delayed-ACK header option (hdropt/delack.bpf.c).  All times are in
 * microseconds, the unit of TCP_BPF_DELACK_MAX and TCP_BPF_RTO_MIN, whatever
 * unit the wire format uses.
 */
struct bpftcp_delack_state {
	__u32 flags;		/* BPFTCP_DELACK_F_*; 0 = the option program never ran */
	__u32 local_max_delack_us;	/* what this side advertised */
	__u32 peer_max_delack_us;	/* what the peer advertised */
	__u32 rto_min_us;	/* TCP_BPF_RTO_MIN applied; 0 = unchanged */
	__u32 delack_max_us;	/* TCP_BPF_DELACK_MAX applied; 0 = unchanged */
	__u32 __pad;
};

/* bpftcp_ccneg_state.flags */
#define BPFTCP_CCNEG_F_SENT		(1u << 0)	/* we offered (active) or answered (passive) */
#define BPFTCP_CCNEG_F_RECEIVED		(1u << 1)	/* the peer's option was valid */
#define BPFTCP_CCNEG_F_NEGOTIATED	(1u << 2)	/* switched to the negotiated algorithm */
#define BPFTCP_CCNEG_F_FALLBACK		(1u << 3)	/* switched to the fallback */
#define BPFTCP_CCNEG_F_NO_COMMON	(1u << 4)	/* both spoke; nothing in common */
#define BPFTCP_CCNEG_F_MALFORMED	(1u << 5)	/* the peer sent a malformed option */
#define BPFTCP_CCNEG_F_RESEND		(1u << 6)	/* negotiated through a resend (syncookies) */
#define BPFTCP_CCNEG_F_NO_ROOM		(1u << 7)	/* our SYN had no room for the offer */
#define BPFTCP_CCNEG_F_SWITCH_FAILED	(1u << 8)	/* bpf_setsockopt(TCP_CONGESTION) failed */
/* Transient, while the option callbacks are still on for the socket. */
#define BPFTCP_CCNEG_F_RESENDING	(1u << 9)	/* active: repeating our offer after RESEND */
#define BPFTCP_CCNEG_F_TFO_PENDING	(1u << 10)	/* passive TFO: SYN-ACK not yet confirmed */

/*
 * The congestion-control negotiation option (hdropt/ccneg.bpf.c).  Ids are
 * those of the registry in ccneg_opt.h (HDROPT_CCNEG_ID_*).
 */
struct bpftcp_ccneg_state {
	__u16 flags;		/* BPFTCP_CCNEG_F_*; 0 = the option program never ran */
	__u8  chosen_id;	/* the algorithm switched to; 0 = none */
	__u8  pref_index;	/* its place in this end's --prefer; 0xff = the fallback */
	__u8  peer_first_id;	/* the peer's most preferred id (passive); 0 = none */
	__u8  offer_n;		/* active: ids in our offer, when trimmed to fit; 0 = all */
	__u16 __pad;
};

struct bpftcp_sock_state {
	/* Header: set once by the program that creates the record. */
	__u16 version;		/* BPFTCP_SOCK_STATE_VERSION */
	__u16 size;		/* sizeof(struct bpftcp_sock_state) */
	__u32 __pad0;
	/* The algorithm in use when a bpftcp program last looked: set at
	 * establishment by the sockops program and at init by a bpftcp CC.
	 * 'bpftcp sockets' shows the kernel's live name beside it. */
	char ca_name[BPFTCP_CA_NAME_MAX];
	struct bpftcp_sock_stats stats;
	struct bpftcp_cc_export cc;
	struct bpftcp_delack_state delack;
	struct bpftcp_ccneg_state ccneg;	/* version 3 */
};

/*
 * The counters of the collector (skstorage/sock_state.bpf.c): a one-entry
 * per-CPU array (BPFTCP_COUNTERS() of bpf_counters.h) pinned beside each
 * collection link as "counters"; libbpftcp sums the CPUs.  Not part of the
 * record, so not under BPFTCP_SOCK_STATE_VERSION.
 */
struct bpftcp_sock_collect_counters {
	__u64 records_created;	/* records this program allocated */
	__u64 errors;		/* failure branches taken */
	__u32 last_err_line;	/* __LINE__ of the last one */
	__u32 __pad;
};
#define BPFTCP_SOCK_COLLECT_COUNTERS_MAP	"sock_counters"

#ifndef __bpf__
#ifdef __cplusplus
#define BPFTCP_STATIC_ASSERT static_assert
#else
#define BPFTCP_STATIC_ASSERT _Static_assert
#endif
/* The ABI: these sizes change only with BPFTCP_SOCK_STATE_VERSION. */
BPFTCP_STATIC_ASSERT(sizeof(struct bpftcp_sock_stats) == 48, "stats layout");
BPFTCP_STATIC_ASSERT(sizeof(struct bpftcp_cc_export) == 8 + BPFTCP_CC_EXPORT_BYTES, "cc layout");
BPFTCP_STATIC_ASSERT(sizeof(struct bpftcp_delack_state) == 24, "delack layout");
BPFTCP_STATIC_ASSERT(sizeof(struct bpftcp_ccneg_state) == 8, "ccneg layout");
BPFTCP_STATIC_ASSERT(sizeof(struct bpftcp_sock_state) == 136, "record layout");
#endif

#endif /* BPFTCP_SOCK_STATE_H */
