/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The peer scope of the header options (--peers), shared by every option
 * program (hdropt/delack.bpf.c, hdropt/ccneg.bpf.c) and libbpftcp: an LPM
 * trie keyed by IPv6 address; IPv4 prefixes are stored as IPv4-mapped IPv6
 * (::ffff:a.b.c.d/96+len), which is also what dual-stack sockets talking to
 * IPv4 peers carry, so one lookup serves both families.
 */
#ifndef BPFTCP_HDROPT_PEERS_H
#define BPFTCP_HDROPT_PEERS_H

#ifndef __bpf__
#include <linux/types.h>
#endif

struct hdropt_peer_key {
	__u32 prefixlen;
	__u8  addr[16];
};
#define HDROPT_PEERS_MAX		1024

#endif /* BPFTCP_HDROPT_PEERS_H */
