// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * A sockops program that reads a socket's congestion-control private area
 * (inet_connection_sock.icsk_ca_priv) each time the socket sends a segment,
 * whichever algorithm owns it, the kernel's own or a BPF one, and keeps the
 * first words with the clocks of that moment: jiffies and tp->tcp_mstamp
 * (usec).  netns-tests/test-cubic-clock.sh uses it to find which clock the
 * running kernel's cubic keeps last_time and epoch_start in, and checks that
 * bpf_cubic keeps the same.  It uses no tracing program: only sockops and
 * the BTF-typed tcp_sock pointer that bpf_skc_to_tcp_sock() gives.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char _license[] SEC("license") = "GPL";

#define PEEK_WORDS	10
#define PEEK_SAMPLES	16384

struct peek_sample {
	__u64 jiffies;
	__u32 mstamp;		/* tp->tcp_mstamp, low 32 bits (usec) */
	__u32 cwnd;
	__u32 w[PEEK_WORDS];	/* the first words of icsk_ca_priv */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PEEK_SAMPLES);
	__type(key, __u32);
	__type(value, struct peek_sample);
} samples SEC(".maps");

/* [0]: samples taken; [1]: samples dropped (full or a failed lookup) */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u32);
} count SEC(".maps");

SEC("sockops")
int ca_priv_peek(struct bpf_sock_ops *skops)
{
	__u32 zero = 0, one = 1, i, *n, *dropped;
	struct peek_sample *s;
	struct bpf_sock *sk;
	struct tcp_sock *tp;
	__u32 *priv;

	if (skops->op == BPF_SOCK_OPS_TCP_CONNECT_CB) {
		bpf_sock_ops_cb_flags_set(skops, BPF_SOCK_OPS_WRITE_HDR_OPT_CB_FLAG);
		return 1;
	}
	if (skops->op != BPF_SOCK_OPS_HDR_OPT_LEN_CB)
		return 1;
	n = bpf_map_lookup_elem(&count, &zero);
	dropped = bpf_map_lookup_elem(&count, &one);
	if (!n || !dropped)
		return 1;
	sk = skops->sk;
	tp = sk ? bpf_skc_to_tcp_sock(sk) : NULL;
	i = *n;
	s = i < PEEK_SAMPLES ? bpf_map_lookup_elem(&samples, &i) : NULL;
	if (!tp || !s) {
		__sync_fetch_and_add(dropped, 1);
		return 1;
	}
	*n = i + 1;
	s->jiffies = bpf_jiffies64();
	s->mstamp = (__u32)tp->tcp_mstamp;
	s->cwnd = tp->snd_cwnd;
	priv = (__u32 *)tp->inet_conn.icsk_ca_priv;
	for (int k = 0; k < PEEK_WORDS; k++)
		s->w[k] = priv[k];
	return 1;
}
