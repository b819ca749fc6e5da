/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Per-algorithm counters, shared by the BPF congestion controls and user
 * space.  Each algorithm object has a one-entry per-CPU array map named
 * "cc_stats" (BPFTCP_COUNTERS() of bpf_counters.h, defined in bpf_tcp.h)
 * holding one struct bpftcp_cc_stats, or an algorithm's larger struct that
 * starts with the same members; the loader pins it next to the registration
 * link and sums it across CPUs.
 */
#ifndef BPFTCP_CC_STATS_H
#define BPFTCP_CC_STATS_H

#ifndef __bpf__
#include <linux/types.h>
#endif

enum bpftcp_cc_op {
	BPFTCP_OP_INIT,
	BPFTCP_OP_RELEASE,
	BPFTCP_OP_SSTHRESH,
	BPFTCP_OP_CONG_AVOID,
	BPFTCP_OP_SET_STATE,
	BPFTCP_OP_CWND_EVENT,
	BPFTCP_OP_IN_ACK_EVENT,
	BPFTCP_OP_PKTS_ACKED,
	BPFTCP_OP_MIN_TSO_SEGS,
	BPFTCP_OP_CONG_CONTROL,
	BPFTCP_OP_UNDO_CWND,
	BPFTCP_OP_SNDBUF_EXPAND,
	BPFTCP_OP__MAX,
};

/*
 * The members every algorithm's counters start with.  An algorithm that
 * counts events of its own (bpf_cubic's HyStart exits) declares
 *	struct <algo>_counters { BPFTCP_CC_STATS_MEMBERS; __u64 <event>; ... };
 * and defines BPFTCP_CC_COUNTERS as that struct before including bpf_tcp.h;
 * 'bpftcp cc stats' finds the extra members by name in the map's BTF.
 */
#define BPFTCP_CC_STATS_MEMBERS						\
	__u64 calls[BPFTCP_OP__MAX];	/* callback invocations, by op */	\
	__u64 errors;			/* failure branches taken */		\
	__u32 last_err_line;		/* __LINE__ of the last failure branch */ \
	__u32 __pad

struct bpftcp_cc_stats {
	BPFTCP_CC_STATS_MEMBERS;
};

#define BPFTCP_CC_STATS_MAP	"cc_stats"

#ifndef __bpf__
/* Field names for output, indexed by enum bpftcp_cc_op. */
static const char *const bpftcp_cc_op_names[BPFTCP_OP__MAX] = {
	[BPFTCP_OP_INIT]	  = "init",
	[BPFTCP_OP_RELEASE]	  = "release",
	[BPFTCP_OP_SSTHRESH]	  = "ssthresh",
	[BPFTCP_OP_CONG_AVOID]	  = "cong_avoid",
	[BPFTCP_OP_SET_STATE]	  = "set_state",
	[BPFTCP_OP_CWND_EVENT]	  = "cwnd_event",
	[BPFTCP_OP_IN_ACK_EVENT]  = "in_ack_event",
	[BPFTCP_OP_PKTS_ACKED]	  = "pkts_acked",
	[BPFTCP_OP_MIN_TSO_SEGS]  = "min_tso_segs",
	[BPFTCP_OP_CONG_CONTROL]  = "cong_control",
	[BPFTCP_OP_UNDO_CWND]	  = "undo_cwnd",
	[BPFTCP_OP_SNDBUF_EXPAND] = "sndbuf_expand",
};
#endif

#endif /* BPFTCP_CC_STATS_H */
