// SPDX-License-Identifier: GPL-2.0-only
/*
 * bpf_bbr: BBR (v1): paces at the measured bottleneck bandwidth, cwnd from the BDP
 *
 * A port of Linux net/ipv4/tcp_bbr.c as of 6.18 (with lib/win_minmax.c's
 * windowed max).  Reference: Cardwell, Cheng, Gunn, Hassas Yeganeh,
 * Jacobson, "BBR: Congestion-Based Congestion Control", ACM Queue 14(5),
 * 2016.  All of the kernel file: cong_control on the rate sample; the
 * STARTUP, DRAIN, PROBE_BW (the eight-phase pacing gain cycle with its
 * random start) and PROBE_RTT modes; full-bandwidth detection; the windowed
 * max bandwidth filter (10 rounds) and the min_rtt filter (10 s); long-term
 * (policer) bandwidth sampling; ACK aggregation (extra_acked); pacing
 * through sk_pacing_status and sk_pacing_rate with the 1% margin; the TSO
 * and cwnd quantization budget, EDT-aware inflight; min_tso_segs,
 * sndbuf_expand, undo_cwnd, ssthresh, idle restart (cwnd_event TX_START)
 * and set_state.  The arithmetic lives in include/bpftcp/bbr.h, which works
 * on a copy of the socket fields BBR reads and writes (struct bbr_sock), so
 * the host tests (selftests/test_bbr_math.c) run the code that runs here.
 *
 * Deviations from tcp_bbr.c, and why:
 *  1. get_info (INET_DIAG_BBRINFO, what 'ss -ti' prints as bbr:(bw:...))
 *     is not a member BPF may implement.  Its values (bw in bytes/s as
 *     get_info computes it, min_rtt, pacing and cwnd gain), with the mode,
 *     the cycle index, full_bw_reached, lt_use_bw and the round count, are
 *     published in the socket's bpftcp record (include/bpftcp/sock_state.h,
 *     'bpftcp sockets' prints them in ss's form).  init allocates the
 *     record; cong_control writes it only when one of those values changed.
 *  2. bbr_init's cmpxchg(&sk->sk_pacing_status, SK_PACING_NONE,
 *     SK_PACING_NEEDED) is a load and a store: BPF has no atomic operations
 *     on kernel (BTF) memory.  Only sch_fq writes the field concurrently,
 *     and it moves NEEDED to FQ, never NONE to anything, so the result is
 *     the same unless fq did so between the two instructions.
 *  3. get_random_u32_below(bbr_cycle_rand) is bpf_get_prandom_u32()
 *     scaled by the same multiply-and-shift, without the kernel's rejection
 *     of biased draws (a bias of 7 in 2^32).
 *  4. MAX_TCP_HEADER (bbr_tso_segs_goal's cap, 65536 - 1 - MAX_TCP_HEADER)
 *     is a kernel build constant absent from BTF: the tunable
 *     max_tcp_header, 192 by default (x86_64, 64-byte cache lines, no WLAN,
 *     AX.25, Hyper-V net or IP tunnels, as on the hosts bpftcp targets).
 *     It only matters above 64 KB per pacing slot (~67 MB/s at shift 10).
 *  5. HZ comes from CONFIG_HZ via libbpf's __kconfig, tcp_jiffies32 from
 *     bpf_jiffies64(), msecs_to_jiffies() is bpftcp_msecs_to_jiffies()
 *     (cc_common.h, rounding up as the kernel does).
 *  6. READ_ONCE/WRITE_ONCE of sk_pacing_rate are plain loads and stores,
 *     and the four fields BBR writes (snd_cwnd, snd_ssthresh,
 *     sk_pacing_rate, app_limited: all writable by tcp_congestion_ops
 *     programs) are stored back only when they changed.  WARN_ONCE on a
 *     bad mode is dropped (the mode is 2 bits of a 3-bit field set only
 *     to the four modes).
 *  7. struct bbr is struct bbr_state, and enum bbr_mode's values are
 *     BBR_MODE_*: vmlinux.h of a kernel with bbr built in defines the
 *     kernel's.  The entry points are bbr_on_*() in bbr.h: bbr_init,
 *     bbr_main, ... are kfuncs in vmlinux.h, and this port calls no kfunc.
 *  8. Each callback counts itself in this program's cc_stats map, with the
 *     mode changes (entries into DRAIN, PROBE_BW and PROBE_RTT) and the
 *     policer detections (lt_use_bw set) as counters of its own.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "bpftcp/cc_stats.h"

/* This program's counters: entries into each mode, policer detections. */
struct bbr_counters {
	BPFTCP_CC_STATS_MEMBERS;
	__u64 enter_drain;
	__u64 enter_probe_bw;
	__u64 enter_probe_rtt;
	__u64 enter_startup;	/* back to STARTUP after PROBE_RTT */
	__u64 lt_bw_detected;	/* long-term (policed) bw taken into use */
};
#define BPFTCP_CC_COUNTERS struct bbr_counters
#include "bpftcp/bpf_tcp.h"
#include "bpftcp/bbr.h"
#include "bpftcp/bbr_sock.bpf.h"
#include "bpftcp/sock_state.bpf.h"

char _license[] SEC("license") = "GPL";

/* Tunable: the kernel's MAX_TCP_HEADER (deviation 4). */
const volatile __u32 max_tcp_header = BBR_MAX_TCP_HEADER_DEFAULT;

/* What the record shows (deviation 1), to see whether it changed. */
struct bbr_view {
	__u32 bw, min_rtt_us, mss;
	__u32 pacing_gain, cwnd_gain;
	__u8 mode, cycle_idx, full_bw_reached, lt_use_bw;
};

static __always_inline void bbr_view_get(const struct bbr_state *bbr, __u32 mss,
					 struct bbr_view *v)
{
	v->bw = bbr_bw(bbr);
	v->min_rtt_us = bbr->min_rtt_us;
	v->mss = mss;
	v->pacing_gain = bbr->pacing_gain;
	v->cwnd_gain = bbr->cwnd_gain;
	v->mode = bbr->mode;
	v->cycle_idx = bbr->cycle_idx;
	v->full_bw_reached = bbr->full_bw_reached;
	v->lt_use_bw = bbr->lt_use_bw;
}

static __always_inline bool bbr_view_equal(const struct bbr_view *a, const struct bbr_view *b)
{
	return a->bw == b->bw && a->min_rtt_us == b->min_rtt_us && a->mss == b->mss &&
	       a->pacing_gain == b->pacing_gain && a->cwnd_gain == b->cwnd_gain &&
	       a->mode == b->mode && a->cycle_idx == b->cycle_idx &&
	       a->full_bw_reached == b->full_bw_reached && a->lt_use_bw == b->lt_use_bw;
}

/* Counts the mode changes and policer detections between two views. */
static __always_inline void bbr_count_changes(const struct bbr_view *a, const struct bbr_view *b)
{
	if (a->mode != b->mode)
		bbr_count_mode_entry(b->mode);
	if (!a->lt_use_bw && b->lt_use_bw)
		BPFTCP_COUNT(lt_bw_detected);
}

/* Publishes the record's BBR section (deviation 1). */
static __always_inline void bbr_export(struct sock *sk, const struct bbr_state *bbr)
{
	struct bpftcp_cc_export *e = bpftcp_cc_export(sk, BPFTCP_CC_BBR);
	struct bpftcp_bbr_export *x;

	if (!e)
		return;
	x = &e->u.bbr;
	x->bw = bbr_bw_bytes_per_sec(bbr_bw(bbr), tcp_sk(sk)->mss_cache);
	x->min_rtt_us = bbr->min_rtt_us;
	x->pacing_gain = bbr->pacing_gain;
	x->cwnd_gain = bbr->cwnd_gain;
	x->mode = bbr->mode;
	x->cycle_idx = bbr->cycle_idx;
	x->full_bw_reached = bbr->full_bw_reached;
	x->lt_use_bw = bbr->lt_use_bw;
	x->rtt_cnt = bbr->rtt_cnt;
}

/*
 * Runs @body between a socket copy and its write-back, and exports and
 * counts what changed.  On the active side the kernel calls cong_control
 * once before init (tcp_ack() of the SYN-ACK precedes tcp_finish_connect()),
 * on the zeroed private area: BBR then computes as the kernel's bbr does
 * (an expired min_rtt filter puts it in PROBE_RTT, which init undoes).  Such
 * a step, recognised by min_rtt_us == 0 before it (init sets it to
 * tcp_min_rtt(), >= 1 or ~0U), is not counted as a mode change (nor is one
 * after a 0 us RTT sample, which loopback can give: the counters are
 * diagnostics, the export is still written).
 */
#define BBR_STEP(sk, bbr, s, body)						\
	do {									\
		struct bbr_view before_, after_;				\
										\
		bbr_sock_get(sk, &s, max_tcp_header);			\
		bbr_view_get(bbr, s.mss_cache, &before_);			\
		body;								\
		bbr_sock_put(sk, &s);						\
		bbr_view_get(bbr, s.mss_cache, &after_);			\
		if (!bbr_view_equal(&before_, &after_)) {			\
			if (before_.min_rtt_us)					\
				bbr_count_changes(&before_, &after_);		\
			bbr_export(sk, bbr);					\
		}								\
	} while (0)

SEC("struct_ops")
void BPF_PROG(bpf_bbr_init, struct sock *sk)
{
	struct bbr_state *bbr = inet_csk_ca(sk);
	struct bbr_sock s;

	BPFTCP_COUNT(calls[BPFTCP_OP_INIT]);
	bbr_sock_get(sk, &s, max_tcp_header);
	bbr_on_init(bbr, &s);
	bbr_sock_put(sk, &s);
	bbr_sock_need_pacing(sk);	/* deviation 2 */

	if (!bpftcp_cc_export_init(sk, BPFTCP_CC_BBR, "bpf_bbr"))
		BPFTCP_ERR();
	bbr_export(sk, bbr);
}

SEC("struct_ops")
void BPF_PROG(bpf_bbr_main, struct sock *sk, __u32 ack, int flag, const struct rate_sample *rs)
{
	struct bbr_state *bbr = inet_csk_ca(sk);
	struct bbr_rate_sample r = {
		.interval_us = rs->interval_us,
		.rtt_us = rs->rtt_us,
		.prior_delivered = rs->prior_delivered,
		.delivered = rs->delivered,
		.losses = rs->losses,
		.acked_sacked = rs->acked_sacked,
		.prior_in_flight = rs->prior_in_flight,
		.is_app_limited = rs->is_app_limited,
		.is_ack_delayed = rs->is_ack_delayed,
	};
	struct bbr_sock s;

	BPFTCP_COUNT(calls[BPFTCP_OP_CONG_CONTROL]);
	BBR_STEP(sk, bbr, s, bbr_on_ack(bbr, &s, &r));
}

SEC("struct_ops")
void BPF_PROG(bpf_bbr_cwnd_event, struct sock *sk, enum tcp_ca_event event)
{
	struct bbr_state *bbr = inet_csk_ca(sk);
	struct bbr_sock s;

	BPFTCP_COUNT(calls[BPFTCP_OP_CWND_EVENT]);
	if (event != CA_EVENT_TX_START || !tcp_sk(sk)->app_limited)
		return;
	BBR_STEP(sk, bbr, s, bbr_on_tx_start(bbr, &s));
}

SEC("struct_ops")
__u32 BPF_PROG(bpf_bbr_undo_cwnd, struct sock *sk)
{
	struct bbr_state *bbr = inet_csk_ca(sk);
	struct bbr_sock s;
	__u32 cwnd = 0;

	BPFTCP_COUNT(calls[BPFTCP_OP_UNDO_CWND]);
	BBR_STEP(sk, bbr, s, cwnd = bbr_on_undo(bbr, &s));
	return cwnd;
}

SEC("struct_ops")
__u32 BPF_PROG(bpf_bbr_ssthresh, struct sock *sk)
{
	struct bbr_state *bbr = inet_csk_ca(sk);
	struct bbr_sock s;

	BPFTCP_COUNT(calls[BPFTCP_OP_SSTHRESH]);
	bbr_sock_get(sk, &s, max_tcp_header);
	return bbr_on_ssthresh(bbr, &s);
}

SEC("struct_ops")
void BPF_PROG(bpf_bbr_set_state, struct sock *sk, __u8 new_state)
{
	struct bbr_state *bbr = inet_csk_ca(sk);
	struct bbr_sock s;

	BPFTCP_COUNT(calls[BPFTCP_OP_SET_STATE]);
	if (new_state != TCP_CA_Loss)
		return;
	BBR_STEP(sk, bbr, s, bbr_on_loss_state(bbr, &s));
}

SEC("struct_ops")
__u32 BPF_PROG(bpf_bbr_min_tso_segs, struct sock *sk)
{
	BPFTCP_COUNT(calls[BPFTCP_OP_MIN_TSO_SEGS]);
	return bbr_min_tso_segs_at(sk->sk_pacing_rate);
}

SEC("struct_ops")
__u32 BPF_PROG(bpf_bbr_sndbuf_expand, struct sock *sk)
{
	BPFTCP_COUNT(calls[BPFTCP_OP_SNDBUF_EXPAND]);
	/* Provision 3 * cwnd since BBR may slow-start even during recovery. */
	return 3;
}

SEC(".struct_ops.link")
struct tcp_congestion_ops bpf_bbr = {
	.init		= (void *)bpf_bbr_init,
	.cong_control	= (void *)bpf_bbr_main,
	.sndbuf_expand	= (void *)bpf_bbr_sndbuf_expand,
	.undo_cwnd	= (void *)bpf_bbr_undo_cwnd,
	.cwnd_event	= (void *)bpf_bbr_cwnd_event,
	.ssthresh	= (void *)bpf_bbr_ssthresh,
	.min_tso_segs	= (void *)bpf_bbr_min_tso_segs,
	.set_state	= (void *)bpf_bbr_set_state,
	.name		= "bpf_bbr",
};
