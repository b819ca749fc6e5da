// SPDX-License-Identifier: GPL-2.0-only
/*
 * sock_state: per-connection statistics in sk_local_storage.
 *
 * bpftcp_sock_stats (sockops, attached to a cgroup by 'bpftcp sockets
 * attach') creates the record of each TCP socket of the cgroup when the
 * connection is established, then subscribes to the RTT, retransmit, RTO and
 * state-change callbacks with bpf_sock_ops_cb_flags_set() and keeps the
 * statistics in struct bpftcp_sock_stats (include/bpftcp/sock_state.h).
 * The record goes away with the socket (bpf_sk_storage_free() in
 * __sk_destruct()), so nothing is deleted here.
 *
 * User space lists the records without any program of its own: the kernel's
 * socket-diag dump returns a socket's sk_local_storage value when asked for
 * the map (lib/sock_diag.c).
 *
 * References: the kernel selftest progs/tcp_rtt.c (sockops + sk_storage); the
 * callback arguments are those of tcp_bpf_rtt(), tcp_retransmit_skb(),
 * tcp_retransmit_timer() and tcp_set_state() in Linux 6.x.
 *
 * Choices, and why:
 *  - Established sockets only: request sockets and time-wait sockets have no
 *    sk_local_storage, and a listener's record would only hold zeros.
 *  - Callback flags are OR-ed into the socket's current flags, and never
 *    cleared, because other sockops programs on the same socket (the delack
 *    option program) set and clear their own.
 *  - RTT min/max come from every sample (args[0] of BPF_SOCK_OPS_RTT_CB);
 *    the smoothed RTT is the kernel's own estimator (args[1] >> 3).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "bpftcp/bpf_counters.h"
#include "bpftcp/sock_state.bpf.h"

char _license[] SEC("license") = "GPL";

#define SOL_TCP		6
#define TCP_CONGESTION	13

#define SOCK_STATS_CB_FLAGS (BPF_SOCK_OPS_RTT_CB_FLAG | BPF_SOCK_OPS_RETRANS_CB_FLAG | \
			     BPF_SOCK_OPS_STATE_CB_FLAG | BPF_SOCK_OPS_RTO_CB_FLAG)

/* Counters (struct bpftcp_sock_collect_counters): per CPU, pinned beside the
 * collection link, summed by libbpftcp (bpftcp_sockets_foreach()). */
BPFTCP_COUNTERS(sock_counters, struct bpftcp_sock_collect_counters)

static __always_inline void stats_established(struct bpf_sock_ops *skops,
					      struct bpftcp_sock_state *st)
{
	char ca[BPFTCP_CA_NAME_MAX] = {};
	__u32 srtt = skops->srtt_us >> 3;

	st->stats.established_ns = bpf_ktime_get_ns();
	st->stats.passive = skops->op == BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB;
	st->stats.state = BPF_TCP_ESTABLISHED;
	st->stats.bytes_acked = skops->bytes_acked;
	/* The handshake gave the first RTT sample before we subscribed. */
	if (srtt) {
		st->stats.rtt_min_us = st->stats.rtt_max_us = srtt;
		st->stats.srtt_us = srtt;
		st->stats.rtt_samples = 1;
	}
	if (bpf_getsockopt(skops, SOL_TCP, TCP_CONGESTION, ca, sizeof(ca)) == 0)
		bpftcp_sock_state_set_ca(st, ca);
	else
		BPFTCP_ERR();
	if (bpf_sock_ops_cb_flags_set(skops, skops->bpf_sock_ops_cb_flags | SOCK_STATS_CB_FLAGS))
		BPFTCP_ERR();
}

static __always_inline void stats_rtt(struct bpf_sock_ops *skops, struct bpftcp_sock_stats *s)
{
	__u32 mrtt = skops->args[0];

	if (!s->rtt_samples || mrtt < s->rtt_min_us)
		s->rtt_min_us = mrtt;
	if (mrtt > s->rtt_max_us)
		s->rtt_max_us = mrtt;
	s->rtt_samples++;
	s->srtt_us = skops->args[1] >> 3;
	s->bytes_acked = skops->bytes_acked;
}

SEC("sockops")
int bpftcp_sock_stats(struct bpf_sock_ops *skops)
{
	struct bpftcp_sock_state *st;
	struct bpf_sock *sk;
	bool establishing, created;
	__u32 op = skops->op;

	switch (op) {
	case BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB:
	case BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB:
	case BPF_SOCK_OPS_RTT_CB:
	case BPF_SOCK_OPS_RETRANS_CB:
	case BPF_SOCK_OPS_RTO_CB:
	case BPF_SOCK_OPS_STATE_CB:
		break;
	default:
		return 1;
	}
	sk = skops->sk;
	if (!sk)
		return 1;
	establishing = op == BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB ||
		       op == BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB;
	st = bpftcp_sock_state_get(sk, establishing, &created);
	if (!st) {
		/* Later callbacks find no record only if allocation failed. */
		BPFTCP_ERR();
		return 1;
	}
	if (created)
		BPFTCP_COUNT(records_created);

	switch (op) {
	case BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB:
	case BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB:
		stats_established(skops, st);
		break;
	case BPF_SOCK_OPS_RTT_CB:
		stats_rtt(skops, &st->stats);
		break;
	case BPF_SOCK_OPS_RETRANS_CB:
		/* args: seq, segments, result of the transmit (0 = sent). */
		if (skops->args[2] == 0)
			st->stats.retrans_segs += skops->args[1];
		break;
	case BPF_SOCK_OPS_RTO_CB:
		st->stats.rto_events++;
		break;
	case BPF_SOCK_OPS_STATE_CB:
		/* args: old state, new state. */
		st->stats.state_changes++;
		st->stats.state = skops->args[1];
		st->stats.bytes_acked = skops->bytes_acked;
		break;
	}
	return 1;
}
