// SPDX-License-Identifier: GPL-2.0-only
/*
 * bpf_cubic: CUBIC congestion control (RFC 9438) as a BPF tcp_congestion_ops.
 *
 * A port of Linux net/ipv4/tcp_cubic.c as the running 6.18 kernel has it
 * (last_time in jiffies: netns-tests/test-cubic-clock.sh reads the native
 * cubic's private state and checks that): the cubic window function with
 * the table + one Newton step cube root, beta = 717/1024, fast convergence,
 * the TCP-friendly (Reno-emulation) region, HyStart with both ACK-train and
 * delay detection, epoch restart after idle (cwnd_event TX_START), and undo
 * (undo_cwnd, as tcp_reno_undo_cwnd).  The arithmetic lives in
 * include/bpftcp/cubic.h, and the window growth it shares with Reno in
 * include/bpftcp/reno.h, so the host tests exercise the same code.
 *
 * Deviations from tcp_cubic.c, and why:
 *  1. Module parameters (beta, bic_scale, fast_convergence, tcp_friendliness,
 *     hystart, hystart_detect, hystart_low_window, hystart_ack_delta_us,
 *     initial_ssthresh) are const volatile globals fixed at load time, with
 *     the kernel's defaults: BPF has no module_param.  The derived constants
 *     (beta_scale, cube_rtt_scale, cube_factor) are computed where used from
 *     those globals instead of once in cubictcp_register().
 *  2. The TCP-friendliness "while (ack_cnt > delta)" loop is computed in
 *     closed form (same result; see cubic_update()) because the verifier
 *     needs bounded loops.  The host tests compare it with the loop.
 *  3. Table indices in cubic_root() are masked with 63; the values are
 *     already < 64, so the mask only proves the bound to the verifier.
 *  4. fls64() is a portable binary search (BPF has no clz instruction).
 *  5. HZ comes from CONFIG_HZ via libbpf's __kconfig, tcp_jiffies32 from
 *     bpf_jiffies64(), and usecs_to_jiffies() is bpftcp_usecs_to_jiffies()
 *     (cc_common.h), which rounds up as the kernel does: by the same
 *     division for HZ 100, 250 and 1000, and for HZ 300 (which does not
 *     divide 1000000, so the kernel multiplies and shifts) with the same
 *     results for every delay below 43 minutes.
 *  6. The kernel's NET_INC_STATS(LINUX_MIB_TCPHYSTART*) counters are not
 *     reachable from BPF; HyStart exits are counted in this program's own
 *     cc_stats map instead (struct cubic_counters), and pr_debug() is
 *     dropped.
 *  7. tcp_slow_start, tcp_cong_avoid_ai and tcp_reno_undo_cwnd, which the
 *     kernel file uses, are not called as kfuncs: they are reno.h's maths
 *     on the socket's window (the policy of bpf_tcp.h, host-tested by
 *     selftests/test_reno_math.c), with identical results.
 *  8. Not in tcp_cubic.c: the state a reader cares about (W_max, K, the
 *     origin point, the epoch start, the loss count) is published in the
 *     socket's bpftcp record (include/bpftcp/sock_state.h), because the
 *     kernel has no get_info for BPF algorithms.  init allocates the record;
 *     later callbacks look it up without allocating, and only when one of
 *     those values changed (a loss, a new epoch, idle restart), so the
 *     per-ACK path pays one comparison.
 *
 * Not a deviation: RFC 9438 section 4.3 lets the Reno-friendly estimate grow
 * with alpha = 1 once it passes the pre-loss cwnd.  Linux does not do that
 * (it keeps alpha = 3(1 - beta)/(1 + beta)), and neither does this port.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "bpftcp/cc_stats.h"

/* This program's counters: HyStart exits, by detector (the kernel's
 * LINUX_MIB_TCPHYSTART*DETECT), after the common ones. */
struct cubic_counters {
	BPFTCP_CC_STATS_MEMBERS;
	__u64 hystart_train_detect;
	__u64 hystart_delay_detect;
};
#define BPFTCP_CC_COUNTERS struct cubic_counters
#include "bpftcp/bpf_tcp.h"
#include "bpftcp/cubic.h"
#include "bpftcp/sock_state.bpf.h"

char _license[] SEC("license") = "GPL";

/* Tunables: the module parameters of tcp_cubic.c, with its defaults. */
const volatile bool fast_convergence = true;
const volatile __u32 beta = 717;		/* = 717/1024 (BICTCP_BETA_SCALE) */
const volatile __u32 initial_ssthresh = 0;
const volatile __u32 bic_scale = 41;
const volatile bool tcp_friendliness = true;
const volatile bool hystart = true;
const volatile __u32 hystart_detect = HYSTART_ACK_TRAIN | HYSTART_DELAY;
const volatile __u32 hystart_low_window = 16;
const volatile __u32 hystart_ack_delta_us = 2000;

static __always_inline struct cubic_params cubic_params(void)
{
	struct cubic_params p = {
		.beta = beta,
		.bic_scale = bic_scale,
		.fast_convergence = fast_convergence,
		.tcp_friendliness = tcp_friendliness,
	};
	return p;
}

#define NSEC_PER_SEC 1000000000ULL

/*
 * Publishes cubic's state into the socket's record (deviation 8).  Returns
 * the export, or NULL when the socket has no record (allocation failed in
 * init, or another algorithm owns the export).
 */
static __always_inline struct bpftcp_cubic_export *cubic_export(struct sock *sk,
								const struct cubic_state *ca)
{
	struct bpftcp_cc_export *e = bpftcp_cc_export(sk, BPFTCP_CC_CUBIC);
	struct bpftcp_cubic_export *c;

	if (!e)
		return NULL;
	c = &e->u.cubic;
	c->w_max = ca->last_max_cwnd;
	c->k = ca->bic_K;
	c->origin_point = ca->bic_origin_point;
	/* The epoch start is in jiffies; readers get the monotonic clock. */
	c->epoch_start_ns = ca->epoch_start ?
		bpf_ktime_get_ns() - (__u64)(__u32)(tcp_jiffies32 - ca->epoch_start) *
				     (NSEC_PER_SEC / HZ) : 0;
	return c;
}

static __always_inline __u32 bictcp_clock_us(const struct sock *sk)
{
	return tcp_sk(sk)->tcp_mstamp;
}

static __always_inline void bictcp_hystart_reset(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct cubic_state *ca = inet_csk_ca(sk);

	ca->round_start = ca->last_ack = bictcp_clock_us(sk);
	ca->end_seq = tp->snd_nxt;
	ca->curr_rtt = ~0U;
	ca->sample_cnt = 0;
}

SEC("struct_ops")
void BPF_PROG(bpf_cubic_init, struct sock *sk)
{
	struct cubic_state *ca = inet_csk_ca(sk);

	BPFTCP_COUNT(calls[BPFTCP_OP_INIT]);
	cubic_reset(ca);
	if (!bpftcp_cc_export_init(sk, BPFTCP_CC_CUBIC, "bpf_cubic"))
		BPFTCP_ERR();

	if (hystart)
		bictcp_hystart_reset(sk);

	if (!hystart && initial_ssthresh)
		tcp_sk(sk)->snd_ssthresh = initial_ssthresh;
}

SEC("struct_ops")
void BPF_PROG(bpf_cubic_cwnd_event, struct sock *sk, enum tcp_ca_event event)
{
	BPFTCP_COUNT(calls[BPFTCP_OP_CWND_EVENT]);
	if (event == CA_EVENT_TX_START) {
		struct cubic_state *ca = inet_csk_ca(sk);
		__u32 now = tcp_jiffies32;
		__s32 delta;

		delta = now - tcp_sk(sk)->lsndtime;

		/* We were application limited (idle) for a while.
		 * Shift epoch_start to keep cwnd growth on the cubic curve. */
		if (ca->epoch_start && delta > 0) {
			ca->epoch_start += delta;
			if (after(ca->epoch_start, now))
				ca->epoch_start = now;
			cubic_export(sk, ca);
		}
	}
}

SEC("struct_ops")
void BPF_PROG(bpf_cubic_cong_avoid, struct sock *sk, __u32 ack, __u32 acked)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct cubic_state *ca = inet_csk_ca(sk);
	struct cubic_params p = cubic_params();
	__u32 epoch_start;

	BPFTCP_COUNT(calls[BPFTCP_OP_CONG_AVOID]);
	if (!cc_cong_avoid_begin(sk, &acked))
		return;
	epoch_start = ca->epoch_start;
	cubic_update(ca, tcp_snd_cwnd(tp), acked, tcp_jiffies32, HZ, &p);
	/* A new epoch computed a new K and origin point. */
	if (ca->epoch_start != epoch_start)
		cubic_export(sk, ca);
	cc_cong_avoid_ai(tp, ca->cnt, acked);
}

SEC("struct_ops")
__u32 BPF_PROG(bpf_cubic_recalc_ssthresh, struct sock *sk)
{
	const struct tcp_sock *tp = tcp_sk(sk);
	struct cubic_state *ca = inet_csk_ca(sk);
	struct cubic_params p = cubic_params();
	struct bpftcp_cubic_export *c;
	__u32 ssthresh;

	BPFTCP_COUNT(calls[BPFTCP_OP_SSTHRESH]);
	ssthresh = cubic_recalc_ssthresh(ca, tcp_snd_cwnd(tp), &p);
	c = cubic_export(sk, ca);
	if (c)
		c->loss_events++;
	return ssthresh;
}

SEC("struct_ops")
void BPF_PROG(bpf_cubic_state, struct sock *sk, __u8 new_state)
{
	BPFTCP_COUNT(calls[BPFTCP_OP_SET_STATE]);
	if (new_state == TCP_CA_Loss) {
		cubic_reset(inet_csk_ca(sk));
		bictcp_hystart_reset(sk);
		cubic_export(sk, inet_csk_ca(sk));
	}
}

/*
 * Account for TSO/GRO delays: short-RTT flows would otherwise get too small
 * an ssthresh, since slow start begins with small TSO packets.  Allow for one
 * TSO packet in flight and one in the qdisc, doubled since the rate is
 * doubled at this point; capped at 1 ms.
 */
static __always_inline __u32 hystart_ack_delay(const struct sock *sk)
{
	unsigned long rate;
	__u64 d;

	rate = sk->sk_pacing_rate;
	if (!rate)
		return 0;
	d = (__u64)sk->sk_gso_max_size * 4 * USEC_PER_SEC / rate;
	return d < USEC_PER_MSEC ? d : USEC_PER_MSEC;
}

static __always_inline void hystart_update(struct sock *sk, __u32 delay)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct cubic_state *ca = inet_csk_ca(sk);
	__u32 threshold;

	if (after(tp->snd_una, ca->end_seq))
		bictcp_hystart_reset(sk);

	/* HyStart triggers only when cwnd is larger than some threshold. */
	if (tcp_snd_cwnd(tp) < hystart_low_window)
		return;

	if (hystart_detect & HYSTART_ACK_TRAIN) {
		__u32 now = bictcp_clock_us(sk);

		/* First detector: ACK-train length. */
		if ((__s32)(now - ca->last_ack) <= (__s32)hystart_ack_delta_us) {
			ca->last_ack = now;

			threshold = ca->delay_min + hystart_ack_delay(sk);

			/* The train triggers past delay_min/2.  Pacing may
			 * have delayed packets up to RTT/2 in slow start. */
			if (sk->sk_pacing_status == SK_PACING_NONE)
				threshold >>= 1;

			if ((__s32)(now - ca->round_start) > (__s32)threshold) {
				ca->found = 1;
				BPFTCP_COUNT(hystart_train_detect);
				tp->snd_ssthresh = tcp_snd_cwnd(tp);
			}
		}
	}

	if (hystart_detect & HYSTART_DELAY) {
		/* Second detector: the minimum delay over enough samples. */
		if (ca->curr_rtt > delay)
			ca->curr_rtt = delay;
		if (ca->sample_cnt < HYSTART_MIN_SAMPLES) {
			ca->sample_cnt++;
		} else {
			if (ca->curr_rtt > ca->delay_min +
			    cubic_hystart_delay_thresh(ca->delay_min >> 3)) {
				ca->found = 1;
				BPFTCP_COUNT(hystart_delay_detect);
				tp->snd_ssthresh = tcp_snd_cwnd(tp);
			}
		}
	}
}

SEC("struct_ops")
void BPF_PROG(bpf_cubic_acked, struct sock *sk, const struct ack_sample *sample)
{
	const struct tcp_sock *tp = tcp_sk(sk);
	struct cubic_state *ca = inet_csk_ca(sk);
	__u32 delay;

	BPFTCP_COUNT(calls[BPFTCP_OP_PKTS_ACKED]);
	/* Some calls are for duplicates without timestamps. */
	if (sample->rtt_us < 0)
		return;

	/* Discard delay samples right after fast recovery. */
	if (ca->epoch_start && (__s32)(tcp_jiffies32 - ca->epoch_start) < (__s32)HZ)
		return;

	delay = sample->rtt_us;
	if (delay == 0)
		delay = 1;

	/* First call, or the link delay decreased. */
	if (ca->delay_min == 0 || ca->delay_min > delay)
		ca->delay_min = delay;

	if (!ca->found && tcp_in_slow_start(tp) && hystart)
		hystart_update(sk, delay);
}

SEC("struct_ops")
__u32 BPF_PROG(bpf_cubic_undo_cwnd, struct sock *sk)
{
	BPFTCP_COUNT(calls[BPFTCP_OP_UNDO_CWND]);
	return cc_reno_undo_cwnd(sk);
}

SEC(".struct_ops.link")
struct tcp_congestion_ops bpf_cubic = {
	.init		= (void *)bpf_cubic_init,
	.ssthresh	= (void *)bpf_cubic_recalc_ssthresh,
	.cong_avoid	= (void *)bpf_cubic_cong_avoid,
	.set_state	= (void *)bpf_cubic_state,
	.undo_cwnd	= (void *)bpf_cubic_undo_cwnd,
	.cwnd_event	= (void *)bpf_cubic_cwnd_event,
	.pkts_acked	= (void *)bpf_cubic_acked,
	.name		= "bpf_cubic",
};
