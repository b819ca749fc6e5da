/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * CAIA Delay-Gradient (CDG): state and arithmetic shared by cc/cdg.bpf.c
 * and the host unit tests (selftests/test_cdg_math.c).  Ported from
 * net/ipv4/tcp_cdg.c (Linux 6.x); names follow that file.  Nothing here
 * touches a socket: callers pass RTT samples, clocks, random numbers and a
 * copy of the window in, and the gradient window as a plain array.
 *
 * CDG backs off probabilistically on a rising delay gradient: each RTT it
 * takes the change of the RTT's minimum and maximum, sums them over a
 * moving window of `window` RTTs, and backs off (cwnd x 0.7071) with
 * probability 1 - exp(-gradient x backoff_factor / 1e6).  A "shadow
 * window" keeps what a loss-based flow would have, so a later loss does
 * not cut below what competing Reno flows keep; ineffective backoffs (the
 * delay did not fall) are counted and stopped after use_ineff in a row.
 *
 * It also contains the emulation of the kernel's CWR state that cdg.bpf.c
 * needs (struct cdg_cwr); see the comment there.
 */
#ifndef BPFTCP_CDG_H
#define BPFTCP_CDG_H

#include "bpftcp/cc_common.h"

#define CDG_HYSTART_ACK_TRAIN	1
#define CDG_HYSTART_DELAY	2

/* The largest gradient window tcp_cdg.c accepts (module parameter window). */
#define CDG_WINDOW_MAX		256

/* Module parameters of tcp_cdg.c, with the kernel's defaults. */
struct cdg_params {
	__s32 window;		/* 8: gradient window size, power of 2 <= 256 */
	__u32 backoff_beta;	/* 724 = 0.7071 * 1024 (sqrt 0.5) */
	__u32 backoff_factor;	/* 42: backoff probability scale */
	__u32 hystart_detect;	/* 3: ACK train (1) and delay (2) */
	__u32 use_ineff;	/* 5: ineffectual backoff detection threshold */
	bool use_shadow;	/* true: shadow window heuristic */
	bool use_tolerance;	/* false: loss tolerance heuristic */
};

#define CDG_PARAMS_DEFAULT { .window = 8, .backoff_beta = 724,	\
			     .backoff_factor = 42, .hystart_detect = 3,	\
			     .use_ineff = 5, .use_shadow = true,	\
			     .use_tolerance = false }

struct cdg_minmax {
	union {
		struct {
			__s32 min;
			__s32 max;
		};
		__u64 v64;
	};
};

/* enum cdg_state of tcp_cdg.c (renamed: struct cdg_state is the state struct here). */
enum cdg_path_state {
	CDG_UNKNOWN = 0,
	CDG_NONFULL = 1,
	CDG_FULL    = 2,
	CDG_BACKOFF = 3,
};

/*
 * What the kernel's tcp_enter_cwr() and TCP_CA_CWR state do, kept by the
 * BPF port (which cannot enter that state): see cc/cdg.bpf.c.  Counters are
 * snapshots of the socket's running totals at the backoff.
 */
struct cdg_cwr {
	__u8 active;		/* a backoff's CWR reduction is in progress */
	__u32 high_seq;		/* tp->high_seq: snd_nxt at the backoff */
	__u32 prior_cwnd;	/* tp->prior_cwnd: cwnd at the backoff */
	__u32 delivered;	/* tp->delivered at the backoff (prr_delivered) */
	__u32 segs_out;		/* tp->data_segs_out at the backoff (prr_out) */
	__u32 last_delivered;	/* tp->delivered at the previous ACK */
	__u32 last_lost;	/* tp->lost at the previous ACK */
	__u32 last_snd_una;	/* snd_una at the previous ACK */
};

/*
 * struct cdg of tcp_cdg.c: lives in icsk_ca_priv.  The kernel's pointer to
 * the kmalloc'ed gradient window is replaced by has_gradients: the window
 * itself lives in sk_local_storage (cc/cdg.bpf.c).
 */
struct cdg_state {
	struct cdg_minmax rtt;
	struct cdg_minmax rtt_prev;
	struct cdg_minmax gsum;
	bool gfilled;
	__u8 tail;
	__u8 state;
	__u8 delack;
	__u32 rtt_seq;
	__u32 shadow_wnd;
	__u16 backoff_cnt;
	__u16 sample_cnt;
	__s32 delay_min;
	__u32 last_ack;
	__u32 round_start;
	__u8 has_gradients;	/* the kernel's "ca->gradients != NULL" */
	struct cdg_cwr cwr;
};

BPFTCP_CA_PRIV_ASSERT(struct cdg_state);

/* min_not_zero() */
static inline __s32 cdg_min_not_zero(__s32 x, __s32 y)
{
	return x == 0 ? y : y == 0 ? x : x < y ? x : y;
}

/*
 * Signed division truncating toward zero, as C's "/" on ints: the BPF
 * target before -mcpu=v4 has no signed division instruction, so it is done
 * on magnitudes.
 */
static inline __s32 cdg_sdiv32(__s32 a, __s32 b)
{
	__u32 ua = a < 0 ? -(__u32)a : (__u32)a;
	__u32 ub = b < 0 ? -(__u32)b : (__u32)b;
	__u32 q = ua / ub;

	return (a < 0) != (b < 0) ? -(__s32)q : (__s32)q;
}

/* DIV_ROUND_CLOSEST(x, d) for a signed x and a positive d */
static inline __s32 cdg_div_round_closest(__s32 x, __s32 d)
{
	return x > 0 ? cdg_sdiv32(x + d / 2, d) : cdg_sdiv32(x - d / 2, d);
}

/* is_power_of_2(window) and 1 <= window <= 256: what tcp_cdg_register checks */
static inline bool cdg_window_valid(__s32 window)
{
	return window >= 1 && window <= CDG_WINDOW_MAX && !(window & (window - 1));
}

/*
 * nexp_u32(): exp(-ux * 1e-6) * U32_MAX, from a table of
 * exp(-x) * 65536 - 1 for x = 0.000256 * 2^k: the lowest 8 bits of ux are
 * scaled linearly, and each set bit k of ux >> 8 multiplies in exp(-2^k *
 * 0.000256).  The kernel's loop over those bits runs at most 16 times; it
 * is bounded explicitly here for the verifier.
 */
static inline __u32 cdg_nexp_u32(__u32 ux)
{
	static const __u16 v[] = {
		/* exp(-x)*65536-1 for x = 0, 0.000256, 0.000512, ... */
		65535,
		65518, 65501, 65468, 65401, 65267, 65001, 64470, 63422,
		61378, 57484, 50423, 38795, 22965, 8047,  987,   14,
	};
	__u32 msb = ux >> 8;
	__u32 res;
	int i;

	/* Cut off when ux >= 2^24 (actual result is <= 222/U32_MAX). */
	if (msb > 0xffff)
		return 0;

	/* Scale first eight bits linearly: */
	res = 0xffffffffu - (ux & 0xff) * (0xffffffffu / 1000000);

	/* Obtain e^(x + y + ...) by computing e^x * e^y * ...: */
	for (i = 1; i <= 16 && msb; i++, msb >>= 1) {
		__u32 y = v[i & -(msb & 1)] + 1U;

		res = ((__u64)res * y) >> 16;
	}

	return res;
}

/* What the HyStart update reports, for the caller's counters. */
enum cdg_hystart_exit {
	CDG_HYSTART_NONE = 0,
	CDG_HYSTART_EXIT_TRAIN,		/* LINUX_MIB_TCPHYSTARTTRAINDETECT */
	CDG_HYSTART_EXIT_DELAY,		/* LINUX_MIB_TCPHYSTARTDELAYDETECT */
};

/*
 * tcp_cdg_hystart_update(): HyStart (Ha et al., as in tcp_cubic) with
 * Hayes' delayed ACK filter, a usec clock for the ACK train, the train
 * reset when application limited, at any cwnd.  @now_us is tp->tcp_mstamp;
 * on an exit *ssthresh is set to @cwnd.
 */
static inline enum cdg_hystart_exit
cdg_hystart_update(struct cdg_state *ca, __u32 now_us, bool cwnd_limited,
		   __u32 cwnd, __u32 *ssthresh, const struct cdg_params *p)
{
	ca->delay_min = cdg_min_not_zero(ca->delay_min, ca->rtt.min);
	if (ca->delay_min == 0)
		return CDG_HYSTART_NONE;

	if (p->hystart_detect & CDG_HYSTART_ACK_TRAIN) {
		if (ca->last_ack == 0 || !cwnd_limited) {
			ca->last_ack = now_us;
			ca->round_start = now_us;
		} else if (before(now_us, ca->last_ack + 3000)) {
			__u32 base_owd = cc_max_u32(ca->delay_min / 2U, 125U);

			ca->last_ack = now_us;
			if (after(now_us, ca->round_start + base_owd)) {
				*ssthresh = cwnd;
				return CDG_HYSTART_EXIT_TRAIN;
			}
		}
	}

	if (p->hystart_detect & CDG_HYSTART_DELAY) {
		if (ca->sample_cnt < 8) {
			ca->sample_cnt++;
		} else {
			__s32 thresh = cc_max_u32(ca->delay_min + ca->delay_min / 8U, 125U);

			if (ca->rtt.min > thresh) {
				*ssthresh = cwnd;
				return CDG_HYSTART_EXIT_DELAY;
			}
		}
	}
	return CDG_HYSTART_NONE;
}

/*
 * tcp_cdg_grad(): this RTT's gradient of the min and max RTT, summed over
 * the moving window @gradients (p->window entries; NULL when it could not
 * be allocated).  Sums let gradients measured during cwnd reductions be
 * ignored; the paper's smoothed gradient otherwise simplifies to
 * (rtt_latest - rtt_oldest) / window, and the division by window is
 * dropped.
 */
static inline __s32 cdg_grad(struct cdg_state *ca, struct cdg_minmax *gradients,
			     const struct cdg_params *p)
{
	__s32 gmin = ca->rtt.min - ca->rtt_prev.min;
	__s32 gmax = ca->rtt.max - ca->rtt_prev.max;
	__s32 grad;

	if (gradients) {
		/* tail < window <= CDG_WINDOW_MAX; the mask only proves it. */
		__u32 tail = ca->tail & (CDG_WINDOW_MAX - 1);

		ca->gsum.min += gmin - gradients[tail].min;
		ca->gsum.max += gmax - gradients[tail].max;
		gradients[tail].min = gmin;
		gradients[tail].max = gmax;
		ca->tail = (ca->tail + 1) & (p->window - 1);
		gmin = ca->gsum.min;
		gmax = ca->gsum.max;
	}

	grad = gmin > 0 ? gmin : gmax;

	/* Extrapolate missing values in gradient window: */
	if (!ca->gfilled) {
		if (!gradients && p->window > 1)
			grad *= p->window;	/* Memory allocation failed. */
		else if (ca->tail == 0)
			ca->gfilled = true;
		else
			grad = cdg_sdiv32(grad * p->window, (__s32)ca->tail);
	}

	/* Backoff was effectual: */
	if (gmin <= -32 || gmax <= -32)
		ca->backoff_cnt = 0;

	if (p->use_tolerance) {
		/* Reduce small variations to zero: */
		gmin = cdg_div_round_closest(gmin, 64);
		gmax = cdg_div_round_closest(gmax, 64);

		if (gmin > 0 && gmax <= 0)
			ca->state = CDG_FULL;
		else if ((gmin > 0 && gmax > 0) || gmax < 0)
			ca->state = CDG_NONFULL;
	}
	return grad;
}

/*
 * The decision of tcp_cdg_backoff(): back off with probability
 * 1 - exp(-grad * backoff_factor / 1e6), @rand being a uniform u32, unless
 * more than use_ineff backoffs in a row were ineffectual.  On true the
 * caller backs off: cdg_backoff_begin(), then the CWR reduction.
 */
static inline bool cdg_backoff_decide(struct cdg_state *ca, __u32 grad, __u32 rand,
				      const struct cdg_params *p)
{
	if (rand <= cdg_nexp_u32(grad * p->backoff_factor))
		return false;

	if (p->use_ineff) {
		ca->backoff_cnt++;
		if (ca->backoff_cnt > p->use_ineff)
			return false;
	}
	return true;
}

/* The rest of tcp_cdg_backoff() before tcp_enter_cwr(). */
static inline void cdg_backoff_begin(struct cdg_state *ca, __u32 cwnd)
{
	ca->shadow_wnd = cc_max_u32(ca->shadow_wnd, cwnd);
	ca->state = CDG_BACKOFF;
}

/*
 * The per-RTT step at the top of tcp_cdg_cong_avoid() when @ack passes
 * rtt_seq and the round had samples: the gradient (when there was a
 * previous round), then a new round.  Returns the gradient (0 if none).
 */
static inline __s32 cdg_round_end(struct cdg_state *ca, __u32 snd_nxt,
				  struct cdg_minmax *gradients, const struct cdg_params *p)
{
	__s32 grad = 0;

	if (ca->rtt_prev.v64)
		grad = cdg_grad(ca, gradients, p);
	ca->rtt_seq = snd_nxt;
	ca->rtt_prev = ca->rtt;
	ca->rtt.v64 = 0;
	ca->last_ack = 0;
	ca->sample_cnt = 0;
	return grad;
}

/* The shadow window follows Reno's growth (tcp_cdg_cong_avoid's tail). */
static inline void cdg_shadow_grow(struct cdg_state *ca, __u32 incr)
{
	ca->shadow_wnd = cc_max_u32(ca->shadow_wnd, ca->shadow_wnd + incr);
}

/* Application limited: the shadow window may not exceed cwnd. */
static inline void cdg_shadow_app_limited(struct cdg_state *ca, __u32 cwnd)
{
	ca->shadow_wnd = cc_min_u32(ca->shadow_wnd, cwnd);
}

/*
 * tcp_cdg_acked(): min/max RTT of the round, with Hayes' delayed-ACK filter
 * ("Timing enhancements to the FreeBSD kernel to support delay and rate
 * based TCP mechanisms", CAIA TR 100219A, 2010): a single-packet ACK after
 * stretch ACKs is likely delayed, and only lowers an existing minimum.
 */
static inline void cdg_acked(struct cdg_state *ca, __s32 rtt_us, __u32 pkts_acked,
			     __u32 sacked_out)
{
	if (rtt_us <= 0)
		return;

	if (sacked_out == 0) {
		if (pkts_acked == 1 && ca->delack) {
			/* A delayed ACK only counts for the minimum if it
			 * is provably lower than an existing one. */
			ca->rtt.min = ca->rtt.min < rtt_us ? ca->rtt.min : rtt_us;
			ca->delack--;
			return;
		} else if (pkts_acked > 1 && ca->delack < 5) {
			ca->delack++;
		}
	}

	ca->rtt.min = cdg_min_not_zero(ca->rtt.min, rtt_us);
	ca->rtt.max = ca->rtt.max > rtt_us ? ca->rtt.max : rtt_us;
}

/*
 * tcp_cdg_ssthresh(): a delay backoff keeps backoff_beta; with the loss
 * tolerance heuristic, a loss on a non-full path is ignored; otherwise
 * halve, but not below the (halved) shadow window.
 */
static inline __u32 cdg_ssthresh(struct cdg_state *ca, __u32 cwnd,
				 const struct cdg_params *p)
{
	if (ca->state == CDG_BACKOFF)
		return cc_max_u32(2U, (cwnd * cc_min_u32(1024U, p->backoff_beta)) >> 10);

	if (ca->state == CDG_NONFULL && p->use_tolerance)
		return cwnd;

	ca->shadow_wnd = cc_min_u32(ca->shadow_wnd >> 1, cwnd);
	if (p->use_shadow)
		return cc_max_u32(cc_max_u32(2U, ca->shadow_wnd), cwnd >> 1);
	return cc_max_u32(2U, cwnd >> 1);
}

/* tcp_cdg_init(), after the gradient window is (or is not) allocated. */
static inline void cdg_init(struct cdg_state *ca, __u32 snd_nxt, __u32 cwnd)
{
	ca->rtt_seq = snd_nxt;
	ca->shadow_wnd = cwnd;
}

/*
 * CA_EVENT_CWND_RESTART: start over (the caller zeroes the window).  The
 * emulated CWR state is the TCP stack's, not CDG's, so it is kept.
 */
static inline void cdg_cwnd_restart(struct cdg_state *ca, __u32 snd_nxt, __u32 cwnd)
{
	__u8 has_gradients = ca->has_gradients;
	struct cdg_cwr cwr = ca->cwr;

	__builtin_memset(ca, 0, sizeof(*ca));
	ca->has_gradients = has_gradients;
	ca->cwr = cwr;
	ca->rtt_seq = snd_nxt;
	ca->shadow_wnd = cwnd;
}

/* CA_EVENT_COMPLETE_CWR: the reduction is over; a new round begins. */
static inline void cdg_complete_cwr(struct cdg_state *ca, __u32 snd_nxt)
{
	ca->state = CDG_UNKNOWN;
	ca->rtt_seq = snd_nxt;
	ca->rtt_prev = ca->rtt;
	ca->rtt.v64 = 0;
}

/* --- the emulated CWR state (see cc/cdg.bpf.c) --------------------------- */

/* What tcp_init_cwnd_reduction() records, from the socket's counters. */
static inline void cdg_cwr_enter(struct cdg_cwr *cwr, __u32 snd_nxt, __u32 cwnd,
				 __u32 delivered, __u32 segs_out, __u32 lost,
				 __u32 snd_una)
{
	cwr->active = 1;
	cwr->high_seq = snd_nxt;
	cwr->prior_cwnd = cwnd;
	cwr->delivered = delivered;
	cwr->segs_out = segs_out;
	cwr->last_delivered = delivered;
	cwr->last_lost = lost;
	cwr->last_snd_una = snd_una;
}

/*
 * snd_cwnd_stamp while the emulated reduction runs, and at its end.
 * tcp_cwnd_validate() calls tcp_cwnd_application_limited() on a send that
 * is not cwnd-limited once jiffies - snd_cwnd_stamp >= the RTO.  In
 * TCP_CA_CWR that only refreshes the stamp; in Open, which is what the
 * kernel sees during the emulated reduction, it would raise ssthresh to
 * max(ssthresh, 3/4 cwnd) and halve cwnd towards the window used: undo
 * part of the backoff.  So the port stamps the window at the backoff and
 * on every ACK of the reduction (an ACK comes at least once per RTT, well
 * within the RTO, while the reduction has data in flight): the kernel's
 * path cannot fire, as in CWR, where a cwnd-limited send refreshes the
 * stamp too.  The end of the reduction stamps it as
 * tcp_end_cwnd_reduction() does.  Returns the socket's new stamp.
 */
static inline __u32 cdg_cwr_stamp(const struct cdg_cwr *cwr, __u32 stamp, __u32 now)
{
	return cwr->active ? now : stamp;
}

/* CWR ends when something above high_seq is ACKed (so the CWR flag reached
 * the receiver): tcp_fastretrans_alert()'s exit condition for TCP_CA_CWR. */
static inline bool cdg_cwr_done(const struct cdg_cwr *cwr, __u32 snd_una)
{
	return !before(snd_una, cwr->high_seq) && snd_una != cwr->high_seq;
}

/* The socket counters one ACK's PRR step reads. */
struct cdg_prr_in {
	__u32 ssthresh;
	__u32 in_flight;	/* tcp_packets_in_flight() */
	__u32 delivered;	/* tp->delivered */
	__u32 segs_out;		/* tp->data_segs_out */
	__u32 lost;		/* tp->lost */
	__u32 snd_una;
};

/*
 * tcp_cwnd_reduction(): Proportional Rate Reduction (RFC 6937) for one ACK.
 * While more than ssthresh is in flight, send ssthresh/prior_cwnd of what
 * is delivered; below it, up to ssthresh (one more on an advancing ACK
 * without new losses).  Returns false (cwnd untouched) when nothing was
 * newly delivered, as the kernel returns early.
 */
static inline bool cdg_cwr_prr(struct cdg_cwr *cwr, const struct cdg_prr_in *in,
			       __u32 *cwnd)
{
	int newly_acked_sacked = in->delivered - cwr->last_delivered;
	int newly_lost = in->lost - cwr->last_lost;
	bool una_advanced = in->snd_una != cwr->last_snd_una;
	int prr_delivered = in->delivered - cwr->delivered;
	int prr_out = in->segs_out - cwr->segs_out;
	int delta = in->ssthresh - in->in_flight;
	int sndcnt = 0;

	cwr->last_delivered = in->delivered;
	cwr->last_lost = in->lost;
	cwr->last_snd_una = in->snd_una;

	if (newly_acked_sacked <= 0 || !cwr->prior_cwnd)
		return false;

	if (delta < 0) {
		__u64 dividend = (__u64)in->ssthresh * (__u32)prr_delivered +
				 cwr->prior_cwnd - 1;

		sndcnt = (int)(dividend / cwr->prior_cwnd) - prr_out;
	} else {
		sndcnt = prr_delivered - prr_out > newly_acked_sacked ?
			 prr_delivered - prr_out : newly_acked_sacked;
		if (una_advanced && !newly_lost)
			sndcnt++;
		sndcnt = delta < sndcnt ? delta : sndcnt;
	}
	/* Force a fast retransmit upon entering fast recovery */
	if (sndcnt < (prr_out ? 0 : 1))
		sndcnt = prr_out ? 0 : 1;
	*cwnd = in->in_flight + sndcnt;
	return true;
}

#endif /* BPFTCP_CDG_H */
