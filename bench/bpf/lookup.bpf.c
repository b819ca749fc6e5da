// SPDX-License-Identifier: GPL-2.0-only
/*
 * lookup: the per-packet cost of finding a socket's record in a hash map
 * keyed by the 4-tuple (10 000 entries) against bpf_sk_storage_get(), for
 * bench/skstorage.c.
 *
 * One cgroup_skb/egress program sees every packet a socket of the cgroup
 * sends and, on the same packet, times both ways to the same record value
 * (struct bpftcp_sock_state) with bpf_ktime_get_ns():
 *   hash   bpf_map_lookup_elem(&flows, &4-tuple)  LOOKUPS times
 *   sk     bpf_sk_storage_get(&store, sk, 0, 0)   LOOKUPS times
 *   empty  the same loop with nothing in it (timer + loop overhead)
 * The order of hash and sk alternates per packet, so neither always runs
 * with the caches the other warmed.  The key is built once per packet,
 * outside the timed region: the hash's cost is its lookup alone, which
 * favours the hash.  Records are created on a socket's first packet, also
 * outside the timed regions.  Sums go to a per-CPU array (no atomics).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "bpftcp/sock_state.h"

char _license[] SEC("license") = "GPL";

#define LOOKUPS		16
#define HASH_ENTRIES	10000

struct flow_key {
	__u32 family;
	__u32 local[4];		/* IPv4 in local[0] */
	__u32 remote[4];
	__u32 local_port;	/* host byte order */
	__u32 remote_port;	/* network byte order, as struct bpf_sock has it */
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, HASH_ENTRIES);
	__type(key, struct flow_key);
	__type(value, struct bpftcp_sock_state);
} flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct bpftcp_sock_state);
} store SEC(".maps");

struct lookup_totals {
	__u64 packets;		/* packets where all three were timed */
	__u64 hash_ns;
	__u64 sk_ns;
	__u64 empty_ns;
	__u64 hash_misses;	/* must stay 0: every timed lookup found the record */
	__u64 sk_misses;
	__u64 skipped;		/* packets without a full socket or a record */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct lookup_totals);
} totals SEC(".maps");

static __always_inline __u64 time_hash(const struct flow_key *key, __u64 *misses)
{
	__u64 t0 = bpf_ktime_get_ns();

	for (int i = 0; i < LOOKUPS; i++)
		if (!bpf_map_lookup_elem(&flows, key))
			(*misses)++;
	return bpf_ktime_get_ns() - t0;
}

static __always_inline __u64 time_sk(struct bpf_sock *sk, __u64 *misses)
{
	__u64 t0 = bpf_ktime_get_ns();

	for (int i = 0; i < LOOKUPS; i++)
		if (!bpf_sk_storage_get(&store, sk, 0, 0))
			(*misses)++;
	return bpf_ktime_get_ns() - t0;
}

static __always_inline __u64 time_empty(__u64 *misses)
{
	__u64 t0 = bpf_ktime_get_ns();

	for (int i = 0; i < LOOKUPS; i++)
		asm volatile("" : : "r"(misses) : "memory");
	return bpf_ktime_get_ns() - t0;
}

SEC("cgroup_skb/egress")
int bench_lookup(struct __sk_buff *skb)
{
	struct bpftcp_sock_state zero_rec = {};
	struct flow_key key = {};
	struct lookup_totals *t;
	struct bpf_sock *sk;
	__u32 zero = 0;

	t = bpf_map_lookup_elem(&totals, &zero);
	sk = skb->sk;
	if (!t || !sk)
		return 1;
	sk = bpf_sk_fullsock(sk);
	if (!sk || !bpf_sk_storage_get(&store, sk, 0, BPF_SK_STORAGE_GET_F_CREATE)) {
		if (t)
			t->skipped++;
		return 1;
	}
	/* Every field is loaded, whatever the family: the verifier wants each
	 * socket field read at a constant offset, so no branch may choose
	 * between fields (clang would merge them into pointer arithmetic). */
	key.family = sk->family;
	key.local_port = sk->src_port;
	key.remote_port = sk->dst_port;
	key.local[0] = *(volatile __u32 *)&sk->src_ip6[0];
	key.local[1] = *(volatile __u32 *)&sk->src_ip6[1];
	key.local[2] = *(volatile __u32 *)&sk->src_ip6[2];
	key.local[3] = *(volatile __u32 *)&sk->src_ip6[3];
	key.remote[0] = *(volatile __u32 *)&sk->dst_ip6[0];
	key.remote[1] = *(volatile __u32 *)&sk->dst_ip6[1];
	key.remote[2] = *(volatile __u32 *)&sk->dst_ip6[2];
	key.remote[3] = *(volatile __u32 *)&sk->dst_ip6[3];
	if (key.family == 2 /* AF_INET: the IPv6 fields read as 0 */) {
		key.local[0] = *(volatile __u32 *)&sk->src_ip4;
		key.remote[0] = *(volatile __u32 *)&sk->dst_ip4;
	}
	/* A new flow joins the table (user space filled the rest of it). */
	if (!bpf_map_lookup_elem(&flows, &key) &&
	    bpf_map_update_elem(&flows, &key, &zero_rec, BPF_NOEXIST)) {
		t->skipped++;
		return 1;
	}

	if (t->packets & 1) {
		t->sk_ns += time_sk(sk, &t->sk_misses);
		t->hash_ns += time_hash(&key, &t->hash_misses);
	} else {
		t->hash_ns += time_hash(&key, &t->hash_misses);
		t->sk_ns += time_sk(sk, &t->sk_misses);
	}
	t->empty_ns += time_empty(&t->skipped);
	t->packets++;
	return 1;
}
