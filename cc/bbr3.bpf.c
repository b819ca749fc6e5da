// SPDX-License-Identifier: GPL-2.0-only
/*
 * bpf_bbr3: BBRv3: model-based pacing bounded by loss and ECN (inflight_hi/lo, bw_hi/lo)
 *
 * BBR version 3 on a stock kernel, written from the IETF draft
 * draft-ietf-ccwg-bbr (BBR's congestion control, the "BBR" of the draft)
 * and its reference code, net/ipv4/tcp_bbr.c of the v3 branch of
 * github.com/google/bbr (BBR_VERSION 3), which needs a patched kernel.
 * Everything of that file but PLB: STARTUP (exits on a bw plateau, on a
 * loss rate above 2 % in a recovery round with >= 6 loss events, and on
 * 2 rounds with a CE ratio >= 50 %); DRAIN; PROBE_BW in its four phases,
 * CRUISE -> REFILL -> UP -> DOWN, with the randomized wait between bw
 * probes (2-3 s of wall clock, or 62-63 packet-timed rounds when a Reno
 * flow at our BDP would probe sooner); PROBE_RTT every 5 s at half the
 * BDP; the two-cycle bw_hi max filter, bw_lo and inflight_lo (cut by
 * beta = 0.3 on loss, by 1 - alpha/3 on ECN, once per round outside
 * probing), inflight_hi (cut to max(tx_in_flight, 0.7 * target) when
 * loss or ECN goes too high while probing, raised with a doubling slope
 * in PROBE_UP); the ECN alpha EWMA (gain 1/16, per round); ACK
 * aggregation; undo; the app-limited fast path.  The arithmetic is in
 * include/bpftcp/bbr3.h, shared with the host tests
 * (selftests/test_bbr3_math.c).
 *
 * State: v3's struct bbr needs the 144-byte private area of the v3 kernel.
 * struct bbr3_state (104 bytes, icsk_ca_priv) holds what every ACK uses;
 * struct bbr3_ext (the undo copies, the PROBE_UP slope counters, the ECN
 * alpha bookkeeping and the approximation's snapshots) lives in
 * sk_local_storage, the map bbr3_ext owned by this program, created at
 * init and deleted at release.  If the creation fails (counted in
 * storage_failed and the error counter) the connection runs on a stack
 * copy with the defaults of bbr3_ext_defaults(): no undo of the bounds,
 * no PROBE_UP slope, the loss rate of a sample reads 0 (only loss rounds
 * cut bw_lo/inflight_lo), alpha from the whole connection's CE ratio.
 *
 * The v3 kernel patches mainline lacks, and what stands in for each (each
 * changes behaviour where noted; docs/algorithms.md cites the draft's
 * sections):
 *  A. Per-skb tx_in_flight and tx.lost in the rate sample (rs->tx_in_flight,
 *     rs->lost: in flight when the ACKed packet was sent, and the losses
 *     marked since).  lost is tp->lost minus its value at the newest of
 *     16 snapshots (taken each time tp->delivered advanced by an eighth of
 *     the flight, so about two rounds) at or before the packet's send,
 *     found by rs->prior_delivered (tp->delivered at send): it also counts
 *     the losses marked in the up to an eighth of a round between that
 *     snapshot and the send, so the loss rate reads a little higher.
 *     tx_in_flight is what of the flight at send has since been delivered
 *     or marked lost, rs->delivered + lost (v3 estimates it the same way
 *     after a TLP: inflight_latest + lost); packets of that flight still
 *     unaccounted for (holes not yet marked lost) are missing from it, so
 *     it can read lower than v3's.  Without a delivered count (an invalid
 *     sample) it is rs->prior_in_flight, in flight when the ACK arrived.
 *  B. The skb_marked_lost hook (v3 checks the loss rate at each skb
 *     marked lost, and finds within that skb where the rate crossed 2 %).
 *     Here the check runs once per ACK that marked losses, at the start
 *     of cong_control (the kernel marks before it calls cong_control), on
 *     the sample's estimates of (A), with the ACK's rs->losses as one skb
 *     of that many segments.  Several skbs lost on one ACK are judged
 *     together, so inflight_hi is cut at most once per ACK instead of
 *     once per skb (v3 reacts once per probe anyway: bw_probe_samples).
 *     Losses an RTO marks are noted (a loss round) in set_state(Loss)
 *     without the probing check.  TLP-repaired losses
 *     (CA_EVENT_TLP_RECOVERY) are not seen: mainline has no such event.
 *  C. The tso_segs op (v3 sizes each TSO burst: pacing rate >> shift plus
 *     64 KB >> (min_rtt / 512 us), at least tcp_min_tso_segs).  Mainline's
 *     tcp_tso_autosize() computes the same sum with
 *     net.ipv4.tcp_tso_rtt_log (9 by default) and tcp_min_rtt(), and with
 *     no min_tso_segs op the floor is tcp_min_tso_segs, as in v3; so no
 *     op is set.  Differences: the kernel's min_rtt (windowed over
 *     tcp_min_rtt_wlen, 300 s) instead of BBR's (10 s), the device's
 *     gso_max_size instead of 64 KB, and a changed sysctl.  The
 *     quantization budget (bbr3_tso_segs_goal) is v3's, on BBR's min_rtt
 *     and the namespace's tcp_min_tso_segs read from the socket.
 *  D. ECT on retransmits (v3 sets TCP_ECN_ECT_PERMANENT, so that
 *     retransmissions and pure ACKs carry ECT).  A congestion control
 *     cannot set it in mainline.  With RFC 3168 ECN, retransmissions are
 *     Not-ECT: at an ECN-marking queue they are dropped where v3's would
 *     be marked, so a retransmission can be lost again (recovery takes an
 *     RTO more), and a loss is seen where v3 sees a mark.  AccECN
 *     (net.ipv4.tcp_ecn=3 on both ends) would set ECT on every segment, as
 *     v3 wants, and count CE per packet (delivered_ce) without v3's
 *     receiver changes, but 6.18 refuses the value: its tcp_ecn sysctl
 *     stops at 2 (EINVAL, in any namespace), so RFC 3168 ECN is all there
 *     is until a kernel accepts it.
 *  Also from the v3 kernel, not in the list:
 *  E. rs->is_ece: here rs->delivered_ce > 0 (the kernel counts
 *     delivered_ce only for ACKs with ECE); an ECE on an ACK that
 *     delivers nothing is missed.
 *  F. ECN eligibility: v3 uses ECN only when the route has the ecn_low
 *     feature and min_rtt <= 5 ms.  Mainline has no ecn_low: here ECN is
 *     used when it was negotiated and min_rtt <= ecn_max_rtt_us (5000,
 *     tunable; 0 = any RTT).  The flags are v3's minus
 *     TCP_CONG_WANTS_CE_EVENTS (no such flag): ECN is negotiated as the
 *     sysctl says, and the receiver-side precise ECE (v3's
 *     dctcp_ece_ack_update on CE events) is absent, so with RFC 3168 ECN
 *     a CE mark makes the peer echo ECE until our CWR, and the CE ratio
 *     reads high (AccECN would avoid it, but 6.18 refuses it: D).
 *  G. PLB (tcp_plb_update_state / tcp_plb_check_rehash) is not callable
 *     from BPF and off by default (net.ipv4.tcp_plb_enabled=0): left out.
 *     tp->fast_ack_mode does not exist in mainline: not set.
 *  H. get_info is replaced by the per-socket record (kind BPFTCP_CC_BBR3:
 *     mode, PROBE_BW phase, bw, min_rtt, inflight_hi, inflight_lo,
 *     ecn_alpha), which 'bpftcp sockets' prints; written when one of them
 *     changed.
 *  I. As in cc/bbr.bpf.c: the pacing-status cmpxchg is a load and a store,
 *     get_random_u32_below() is bpf_get_prandom_u32() scaled without the
 *     rejection step, MAX_TCP_HEADER is the tunable max_tcp_header, HZ
 *     comes from CONFIG_HZ; WARN_ONCEs are dropped (their cases return
 *     as the reference does after warning).  The reference's "disabled
 *     when 0" consts (beta, loss_thresh, ecn_factor, ecn_thresh,
 *     ecn_max_rtt_us, fast_path) are load-time tunables with its values.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "bpftcp/cc_stats.h"

/* This program's counters: mode and phase entries, bound cuts, storage. */
struct bbr3_counters {
	BPFTCP_CC_STATS_MEMBERS;
	__u64 enter_drain;
	__u64 enter_probe_bw;
	__u64 enter_probe_rtt;
	__u64 enter_startup;		/* back to STARTUP after PROBE_RTT */
	__u64 enter_probe_up;		/* PROBE_BW phase UP begun */
	__u64 startup_signal_exit;	/* STARTUP ended by loss or ECN */
	__u64 inflight_hi_cuts;		/* inflight_hi lowered */
	__u64 storage_created;
	__u64 storage_deleted;
	__u64 storage_failed;
};
#define BPFTCP_CC_COUNTERS struct bbr3_counters
#include "bpftcp/bpf_tcp.h"
#include "bpftcp/bbr3.h"
#include "bpftcp/bbr_sock.bpf.h"
#include "bpftcp/sock_state.bpf.h"

char _license[] SEC("license") = "GPL";

/* Tunables (I), with the reference's values. */
const volatile __u32 max_tcp_header = BBR_MAX_TCP_HEADER_DEFAULT;
const volatile __u32 beta = BBR3_BETA_DEFAULT;
const volatile __u32 loss_thresh = BBR3_LOSS_THRESH_DEFAULT;
const volatile __u32 ecn_factor = BBR3_ECN_FACTOR_DEFAULT;
const volatile __u32 ecn_thresh = BBR3_ECN_THRESH_DEFAULT;
const volatile __u32 ecn_max_rtt_us = BBR3_ECN_MAX_RTT_US_DEFAULT;
const volatile bool fast_path = true;

/*
 * Per socket, in sk_local_storage: the part of v3's struct bbr that
 * icsk_ca_priv cannot hold (x), and the working copies a step runs on
 * (the private area, the socket's fields, the rate sample).  The step
 * works on map memory rather than the BPF stack because the verifier does
 * not track values in map memory: on the stack, every path of the state
 * machine kept distinct values and the program exceeded the verifier's
 * 1M-instruction budget.
 */
struct bbr3_work {
	struct bbr3_ext x;
	__u32 busy;			/* bbr3_scratch only: in use on this CPU */
	struct bbr3_state b;
	struct bbr3_sock s;
	struct bbr3_rate_sample rs;
};

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct bbr3_work);
} bbr3_ext SEC(".maps");

/* Where a socket without its storage (creation failed at init, or the
 * cong_control call before init) runs a step: one per CPU, on the
 * defaults of bbr3_ext_defaults().  A step that interrupts another on the
 * same CPU finds it busy and is skipped (counted as an error). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bbr3_work);
} bbr3_scratch SEC(".maps");

static __always_inline void bbr3_sock_get(const struct sock *sk, struct bbr3_sock *s)
{
	const struct tcp_sock *tp = tcp_sk(sk);

	bbr_sock_get(sk, &s->b, max_tcp_header);
	s->delivered_ce = tp->delivered_ce;
	s->rand2 = bpf_get_prandom_u32();
	s->min_tso_segs = sk->__sk_common.skc_net.net->ipv4.sysctl_tcp_min_tso_segs;
	s->ecn_ok = (tp->ecn_flags & TCP_ECN_MODE_ANY) != 0;
	s->is_cwnd_limited = tcp_sk_is_cwnd_limited(tp);
	s->fast_path = fast_path;
	s->__pad = 0;
	s->beta = beta;
	s->loss_thresh = loss_thresh;
	s->ecn_factor = ecn_factor;
	s->ecn_thresh = ecn_thresh;
	s->ecn_max_rtt_us = ecn_max_rtt_us;
}

/*
 * The socket's work area with the socket and private area copied in, or
 * NULL (scratch busy).  *@scratch says it is the per-CPU one, which
 * bbr3_work_put() releases.
 */
static __always_inline struct bbr3_work *bbr3_work_get(struct sock *sk, bool *scratch)
{
	struct bbr3_state *bbr = inet_csk_ca(sk);
	struct bbr3_work *w = NULL;
	__u32 zero = 0;

	*scratch = false;
	if (bbr->has_ext) {
		w = bpf_sk_storage_get(&bbr3_ext, sk, NULL, 0);
		if (!w)
			BPFTCP_ERR();	/* created at init, deleted only at release */
	}
	if (!w) {
		w = bpf_map_lookup_elem(&bbr3_scratch, &zero);
		if (!w || w->busy) {
			BPFTCP_ERR();
			return NULL;
		}
		w->busy = 1;
		*scratch = true;
	}
	bbr3_sock_get(sk, &w->s);
	if (*scratch)
		bbr3_ext_defaults(&w->x, &w->s);
	w->b = *bbr;
	return w;
}

static __always_inline void bbr3_work_put(struct sock *sk, struct bbr3_work *w, bool scratch)
{
	struct bbr3_state *bbr = inet_csk_ca(sk);

	*bbr = w->b;
	bbr_sock_put(sk, &w->s.b);
	if (scratch)
		w->busy = 0;
}

/* What the record shows (H), to see whether it changed. */
struct bbr3_view {
	__u32 bw, min_rtt_us, mss, inflight_hi, inflight_lo;
	__u16 ecn_alpha;
	__u8 mode, cycle_idx, full_bw_reached;
};

static __always_inline void bbr3_view_get(const struct bbr3_state *bbr, __u32 mss,
					  struct bbr3_view *v)
{
	v->bw = bbr3_bw(bbr);
	v->min_rtt_us = bbr->min_rtt_us;
	v->mss = mss;
	v->inflight_hi = bbr->inflight_hi;
	v->inflight_lo = bbr->inflight_lo;
	v->ecn_alpha = bbr->ecn_alpha;
	v->mode = bbr->mode;
	v->cycle_idx = bbr->cycle_idx;
	v->full_bw_reached = bbr->full_bw_reached;
}

static __always_inline bool bbr3_view_equal(const struct bbr3_view *a, const struct bbr3_view *b)
{
	return a->bw == b->bw && a->min_rtt_us == b->min_rtt_us && a->mss == b->mss &&
	       a->inflight_hi == b->inflight_hi && a->inflight_lo == b->inflight_lo &&
	       a->ecn_alpha == b->ecn_alpha && a->mode == b->mode &&
	       a->cycle_idx == b->cycle_idx && a->full_bw_reached == b->full_bw_reached;
}

static __always_inline void bbr3_count_changes(const struct bbr3_view *a, const struct bbr3_view *b)
{
	if (a->mode != b->mode) {
		/* STARTUP leaves only through DRAIN, which one ACK can also
		 * leave (bbr3_check_drain): count the DRAIN it went through. */
		if (a->mode == BBR_MODE_STARTUP && b->mode == BBR_MODE_PROBE_BW)
			BPFTCP_COUNT(enter_drain);
		bbr_count_mode_entry(b->mode);
	}
	if (b->mode == BBR_MODE_PROBE_BW && b->cycle_idx == BBR3_BW_PROBE_UP &&
	    (a->mode != b->mode || a->cycle_idx != b->cycle_idx))
		BPFTCP_COUNT(enter_probe_up);
	if (!a->full_bw_reached && b->full_bw_reached && b->inflight_hi != ~0U)
		BPFTCP_COUNT(startup_signal_exit);
	if (b->inflight_hi < a->inflight_hi && a->inflight_hi != ~0U)
		BPFTCP_COUNT(inflight_hi_cuts);
}

/* Publishes the record's BBRv3 section (H). */
static __always_inline void bbr3_export(struct sock *sk, const struct bbr3_state *bbr)
{
	struct bpftcp_cc_export *e = bpftcp_cc_export(sk, BPFTCP_CC_BBR3);
	struct bpftcp_bbr3_export *r;

	if (!e)
		return;
	r = &e->u.bbr3;
	r->bw = bbr_bw_bytes_per_sec(bbr3_bw(bbr), tcp_sk(sk)->mss_cache);
	r->min_rtt_us = bbr->min_rtt_us;
	r->inflight_hi = bbr->inflight_hi;
	r->inflight_lo = bbr->inflight_lo;
	r->ecn_alpha = bbr->ecn_alpha;
	r->mode = bbr->mode;
	r->phase = bbr->cycle_idx;
}

/*
 * Runs @body on the work area @w (bbr3_work_get), writes the socket and
 * the private area back, and exports and counts what changed.  The
 * cong_control call the kernel makes before init (active open) finds the
 * private area zeroed (min_rtt_us 0, has_ext 0): it runs on the scratch
 * area and is not counted.
 */
#define BBR3_STEP(sk, w, body)							\
	do {									\
		struct bbr3_view before_, after_;				\
		bool scratch_;							\
										\
		w = bbr3_work_get(sk, &scratch_);				\
		if (!w)								\
			break;							\
		bbr3_view_get(&w->b, w->s.b.mss_cache, &before_);		\
		body;								\
		bbr3_view_get(&w->b, w->s.b.mss_cache, &after_);		\
		bbr3_work_put(sk, w, scratch_);					\
		if (!bbr3_view_equal(&before_, &after_)) {			\
			if (before_.min_rtt_us)					\
				bbr3_count_changes(&before_, &after_);		\
			bbr3_export(sk, inet_csk_ca(sk));			\
		}								\
	} while (0)

/* bbr_main(), as a global function: verified once, on its own. */
__noinline int bbr3_ack_step(struct bbr3_work *w)
{
	if (!w)
		return -1;
	bbr3_on_ack(&w->b, &w->x, &w->s, &w->rs);
	return 0;
}

SEC("struct_ops")
void BPF_PROG(bpf_bbr3_init, struct sock *sk)
{
	struct bbr3_state *bbr = inet_csk_ca(sk);
	struct bbr3_work *w;
	bool scratch;

	BPFTCP_COUNT(calls[BPFTCP_OP_INIT]);
	/* Created here (or found: one an earlier owner of the socket left
	 * is overwritten by the init below). */
	w = bpf_sk_storage_get(&bbr3_ext, sk, NULL, BPF_SK_STORAGE_GET_F_CREATE);
	bbr->has_ext = w != NULL;
	if (w) {
		BPFTCP_COUNT(storage_created);
	} else {
		BPFTCP_COUNT(storage_failed);
		BPFTCP_ERR();
	}
	w = bbr3_work_get(sk, &scratch);
	if (w) {
		bbr3_on_init(&w->b, &w->x, &w->s, tcp_sk(sk)->prior_cwnd);
		w->b.has_ext = bbr->has_ext;
		bbr3_work_put(sk, w, scratch);
	}
	bbr_sock_need_pacing(sk);

	if (!bpftcp_cc_export_init(sk, BPFTCP_CC_BBR3, "bpf_bbr3"))
		BPFTCP_ERR();
	bbr3_export(sk, bbr);
}

SEC("struct_ops")
void BPF_PROG(bpf_bbr3_release, struct sock *sk)
{
	struct bbr3_state *bbr = inet_csk_ca(sk);

	BPFTCP_COUNT(calls[BPFTCP_OP_RELEASE]);
	if (!bbr->has_ext)
		return;
	if (bpf_sk_storage_delete(&bbr3_ext, sk) == 0)
		BPFTCP_COUNT(storage_deleted);
	else
		BPFTCP_ERR();
	bbr->has_ext = 0;
}

SEC("struct_ops")
void BPF_PROG(bpf_bbr3_main, struct sock *sk, __u32 ack, int flag, const struct rate_sample *rs)
{
	struct bbr3_work *w;

	BPFTCP_COUNT(calls[BPFTCP_OP_CONG_CONTROL]);
	BBR3_STEP(sk, w, {
		w->rs.interval_us = rs->interval_us;
		w->rs.rtt_us = rs->rtt_us;
		w->rs.prior_delivered = rs->prior_delivered;
		w->rs.delivered = rs->delivered;
		w->rs.delivered_ce = rs->delivered_ce;
		w->rs.losses = rs->losses;
		w->rs.acked_sacked = rs->acked_sacked;
		w->rs.prior_in_flight = rs->prior_in_flight;
		w->rs.is_app_limited = rs->is_app_limited;
		w->rs.is_ack_delayed = rs->is_ack_delayed;
		w->rs.is_ece = false;
		w->rs.tx_in_flight = 0;
		w->rs.lost = 0;
		if (bbr3_ack_step(w))
			BPFTCP_ERR();
	});
}

SEC("struct_ops")
void BPF_PROG(bpf_bbr3_cwnd_event, struct sock *sk, enum tcp_ca_event event)
{
	struct bbr3_work *w;

	BPFTCP_COUNT(calls[BPFTCP_OP_CWND_EVENT]);
	/* CA_EVENT_ECN_IS_CE/NO_CE come only to TCP_CONG_NEEDS_ECN algorithms
	 * in mainline, and CA_EVENT_TLP_RECOVERY not at all (F, B). */
	if (event != CA_EVENT_TX_START || !tcp_sk(sk)->app_limited)
		return;
	BBR3_STEP(sk, w, bbr3_on_tx_start(&w->b, &w->x, &w->s));
}

SEC("struct_ops")
__u32 BPF_PROG(bpf_bbr3_undo_cwnd, struct sock *sk)
{
	struct bbr3_work *w;
	__u32 cwnd = tcp_sk(sk)->snd_cwnd;

	BPFTCP_COUNT(calls[BPFTCP_OP_UNDO_CWND]);
	BBR3_STEP(sk, w, cwnd = bbr3_on_undo(&w->b, &w->x));
	return cwnd;
}

SEC("struct_ops")
__u32 BPF_PROG(bpf_bbr3_ssthresh, struct sock *sk)
{
	struct bbr3_work *w;
	__u32 ssthresh = tcp_sk(sk)->snd_ssthresh;

	BPFTCP_COUNT(calls[BPFTCP_OP_SSTHRESH]);
	BBR3_STEP(sk, w, ssthresh = bbr3_on_ssthresh(&w->b, &w->x, &w->s));
	return ssthresh;
}

SEC("struct_ops")
void BPF_PROG(bpf_bbr3_set_state, struct sock *sk, __u8 new_state)
{
	struct bbr3_state *bbr = inet_csk_ca(sk);
	struct bbr3_work *w;

	BPFTCP_COUNT(calls[BPFTCP_OP_SET_STATE]);
	if (new_state != TCP_CA_Loss && bbr->prev_ca_state != TCP_CA_Loss)
		return;
	BBR3_STEP(sk, w, bbr3_on_set_state(&w->b, &w->s, new_state));
}

SEC("struct_ops")
__u32 BPF_PROG(bpf_bbr3_sndbuf_expand, struct sock *sk)
{
	BPFTCP_COUNT(calls[BPFTCP_OP_SNDBUF_EXPAND]);
	/* Provision 3 * cwnd since BBR may slow-start even during recovery. */
	return 3;
}

SEC(".struct_ops.link")
struct tcp_congestion_ops bpf_bbr3 = {
	.init		= (void *)bpf_bbr3_init,
	.release	= (void *)bpf_bbr3_release,
	.cong_control	= (void *)bpf_bbr3_main,
	.sndbuf_expand	= (void *)bpf_bbr3_sndbuf_expand,
	.undo_cwnd	= (void *)bpf_bbr3_undo_cwnd,
	.cwnd_event	= (void *)bpf_bbr3_cwnd_event,
	.ssthresh	= (void *)bpf_bbr3_ssthresh,
	.set_state	= (void *)bpf_bbr3_set_state,
	.name		= "bpf_bbr3",
};
