/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * BPF side of bbr.h's struct bbr_sock: the copy of the socket fields BBR
 * reads and writes, taken before a step and written back after it, and the
 * mode-entry counters.  Shared by cc/bbr.bpf.c and cc/bbr3.bpf.c.  Include
 * after bpf_tcp.h and bbr.h.
 */
#ifndef BPFTCP_BBR_SOCK_BPF_H
#define BPFTCP_BBR_SOCK_BPF_H

/* The socket as bbr.h sees it; @max_tcp_header is the program's tunable. */
static __always_inline void bbr_sock_get(const struct sock *sk, struct bbr_sock *s,
					 __u32 max_tcp_header)
{
	const struct tcp_sock *tp = tcp_sk(sk);

	s->tcp_mstamp = tp->tcp_mstamp;
	s->delivered_mstamp = tp->delivered_mstamp;
	s->tcp_clock_cache = tp->tcp_clock_cache;
	s->tcp_wstamp_ns = tp->tcp_wstamp_ns;
	s->max_pacing_rate = sk->sk_max_pacing_rate;
	s->mss_cache = tp->mss_cache;
	s->srtt_us = tp->srtt_us;
	s->tcp_min_rtt = tp->rtt_min.s[0].v;	/* tcp_min_rtt() */
	s->delivered = tp->delivered;
	s->lost = tp->lost;
	s->in_flight = tcp_packets_in_flight(tp);
	s->cwnd_clamp = tp->snd_cwnd_clamp;
	s->jiffies = tcp_jiffies32;
	s->hz = HZ;
	s->rand = bpf_get_prandom_u32();
	s->max_tcp_header = max_tcp_header;
	s->ca_state = tcp_ca_state(sk);
	s->pacing_shift = sk->sk_pacing_shift;
	s->__pad = 0;
	s->pacing_rate = sk->sk_pacing_rate;
	s->cwnd = tp->snd_cwnd;
	s->ssthresh = tp->snd_ssthresh;
	s->app_limited = tp->app_limited;
}

/* ...and back: the four fields BBR writes, where they changed. */
static __always_inline void bbr_sock_put(struct sock *sk, const struct bbr_sock *s)
{
	struct tcp_sock *tp = tcp_sk(sk);

	if (sk->sk_pacing_rate != s->pacing_rate)
		sk->sk_pacing_rate = s->pacing_rate;
	if (tp->snd_cwnd != s->cwnd)
		tp->snd_cwnd = s->cwnd;
	if (tp->snd_ssthresh != s->ssthresh)
		tp->snd_ssthresh = s->ssthresh;
	if (tp->app_limited != s->app_limited)
		tp->app_limited = s->app_limited;
}

/* bbr_init's cmpxchg(&sk->sk_pacing_status, SK_PACING_NONE,
 * SK_PACING_NEEDED), as a load and a store: BPF has no atomic operations on
 * kernel memory.  Only sch_fq writes the field concurrently, and it moves
 * NEEDED to FQ, never NONE to anything. */
static __always_inline void bbr_sock_need_pacing(struct sock *sk)
{
	if (sk->sk_pacing_status == SK_PACING_NONE)
		sk->sk_pacing_status = SK_PACING_NEEDED;
}

/* Counts an entry into @mode; the program's counter struct has the four
 * enter_* members (both BBR programs' do). */
static __always_inline void bbr_count_mode_entry(__u8 mode)
{
	switch (mode) {
	case BBR_MODE_STARTUP:
		BPFTCP_COUNT(enter_startup);
		break;
	case BBR_MODE_DRAIN:
		BPFTCP_COUNT(enter_drain);
		break;
	case BBR_MODE_PROBE_BW:
		BPFTCP_COUNT(enter_probe_bw);
		break;
	case BBR_MODE_PROBE_RTT:
		BPFTCP_COUNT(enter_probe_rtt);
		break;
	}
}

#endif /* BPFTCP_BBR_SOCK_BPF_H */
