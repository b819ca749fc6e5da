// SPDX-License-Identifier: GPL-2.0-only
/*
 * drop_once: a tc (cls_bpf, direct action) program for the tests that drops
 * exactly one TCP data packet, the Nth one sent to a given port, so that a
 * loss on loopback is deterministic.  Attach it at ingress: a drop there is
 * a real loss for the sender (one at egress would be reported back to TCP as
 * a local drop).  The frame starts with the 14-byte Ethernet header that
 * loopback carries too.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

char _license[] SEC("license") = "GPL";

#define ETH_HLEN	14
#define ETH_P_IP	0x0800
#define TC_ACT_OK	0
#define TC_ACT_SHOT	2

const volatile __u16 dport = 0;		/* host order */
const volatile __u32 drop_nth = 1;	/* 1 = the first data packet */

__u64 data_packets = 0;		/* data packets to dport seen */
__u64 dropped = 0;
__u32 dropped_seq = 0;		/* sequence number of the dropped packet */

SEC("tc")
int drop_once(struct __sk_buff *skb)
{
	struct iphdr ip;
	struct tcphdr th;
	__u32 ihl, payload;
	__u64 n;

	if (skb->protocol != bpf_htons(ETH_P_IP))
		return TC_ACT_OK;
	if (bpf_skb_load_bytes(skb, ETH_HLEN, &ip, sizeof(ip)) || ip.protocol != IPPROTO_TCP)
		return TC_ACT_OK;
	ihl = ip.ihl * 4;
	if (ihl < sizeof(ip) || bpf_skb_load_bytes(skb, ETH_HLEN + ihl, &th, sizeof(th)))
		return TC_ACT_OK;
	if (th.dest != bpf_htons(dport))
		return TC_ACT_OK;
	/* skb->len, not tot_len: a GSO packet on loopback is one big skb. */
	payload = skb->len - ETH_HLEN - ihl - th.doff * 4;
	if ((int)payload <= 0)
		return TC_ACT_OK;
	n = __sync_fetch_and_add(&data_packets, 1) + 1;
	if (n != drop_nth)
		return TC_ACT_OK;
	dropped++;
	dropped_seq = bpf_ntohl(th.seq);
	return TC_ACT_SHOT;
}
