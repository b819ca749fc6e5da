/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * BPF side of the header-option programs (hdropt/<option>.bpf.c): what every
 * option program does the same way.  Each function returns the helper's
 * result, so the caller counts a failure with its own BPFTCP_ERR() and the
 * recorded line is the caller's.
 *
 * Include after vmlinux.h and <bpf/bpf_helpers.h>; it declares the shared
 * record map (sock_state.bpf.h).
 */
#ifndef BPFTCP_HDROPT_BPF_H
#define BPFTCP_HDROPT_BPF_H

#include <bpf/bpf_helpers.h>
#include "bpftcp/hdropt_peers.h"
#include "bpftcp/sock_state.bpf.h"

#define AF_INET		2
#define AF_INET6	10
#define SOL_TCP		6
#define TCP_CONGESTION	13
#define TCP_SAVE_SYN	27
#define TCPHDR_SYN	0x02
#define TCPHDR_ACK	0x10
#define ENOENT		2
#define ENOSPC		28
#define ENOMSG		42

/* An LPM trie of struct hdropt_peer_key, for --peers. */
#define HDROPT_PEERS_MAP(_name)						\
	struct {							\
		__uint(type, BPF_MAP_TYPE_LPM_TRIE);			\
		__uint(map_flags, BPF_F_NO_PREALLOC); /* required for LPM tries */ \
		__uint(max_entries, HDROPT_PEERS_MAX);			\
		__type(key, struct hdropt_peer_key);			\
		__type(value, __u8);					\
	} _name SEC(".maps")

/* The peer's address as IPv6 (IPv4 as IPv4-mapped); false for another family. */
static __always_inline bool hdropt_peer_addr(const struct bpf_sock_ops *skops, __u8 *addr)
{
	if (skops->family == AF_INET) {
		__u32 ip4 = skops->remote_ip4;	/* network byte order */

		__builtin_memset(addr, 0, 10);
		addr[10] = 0xff;
		addr[11] = 0xff;
		__builtin_memcpy(&addr[12], &ip4, 4);
		return true;
	}
	if (skops->family == AF_INET6) {
		__u32 ip6[4] = { skops->remote_ip6[0], skops->remote_ip6[1],
				 skops->remote_ip6[2], skops->remote_ip6[3] };

		__builtin_memcpy(addr, ip6, 16);
		return true;
	}
	return false;
}

/* Is the peer of @skops in @peers (an LPM trie of HDROPT_PEERS_MAP())? */
static __always_inline bool hdropt_peer_in(const struct bpf_sock_ops *skops, void *peers)
{
	struct hdropt_peer_key key = { .prefixlen = 128 };

	if (!hdropt_peer_addr(skops, key.addr))
		return false;
	return bpf_map_lookup_elem(peers, &key) != NULL;
}

/* Turns @flags on, keeping those other programs set (they share the word). */
static __always_inline long hdropt_cb_flags_on(struct bpf_sock_ops *skops, __u32 flags)
{
	return bpf_sock_ops_cb_flags_set(skops, skops->bpf_sock_ops_cb_flags | flags);
}

/* The option callbacks the header-option programs turn on. */
#define HDROPT_CB_FLAGS	(BPF_SOCK_OPS_WRITE_HDR_OPT_CB_FLAG | BPF_SOCK_OPS_PARSE_ALL_HDR_OPT_CB_FLAG)

/*
 * Turns the option callbacks off once the handshake no longer needs them,
 * unless another bpftcp option program of the socket still does.  The flag
 * word is shared by every sockops program of the socket, and delack and
 * ccneg turn on the same bits: the first to turn them off would otherwise
 * silence the other's repeat after a SYN cookie, or its Fast Open SYN-ACK.
 * So a program that needs the callbacks after establishment marks that in
 * its section of the shared record (@st, NULL if none) and turns them on
 * (again) itself; a program that is done calls this.
 */
static __always_inline long hdropt_cb_flags_release(struct bpf_sock_ops *skops,
						    const struct bpftcp_sock_state *st)
{
	__u32 cur = skops->bpf_sock_ops_cb_flags;

	if (!(cur & HDROPT_CB_FLAGS))
		return 0;
	if (st && ((st->delack.flags & (BPFTCP_DELACK_F_RESENDING | BPFTCP_DELACK_F_TFO_PENDING)) ||
		   (st->ccneg.flags & (BPFTCP_CCNEG_F_RESENDING | BPFTCP_CCNEG_F_TFO_PENDING))))
		return 0;
	return bpf_sock_ops_cb_flags_set(skops, cur & ~HDROPT_CB_FLAGS);
}

/* The socket's bpftcp record, or NULL (a request socket has none). */
static __always_inline struct bpftcp_sock_state *hdropt_sock_state(struct bpf_sock_ops *skops,
								   bool create)
{
	struct bpf_sock *sk = skops->sk;	/* read once: the verifier tracks one pointer */

	return sk ? bpftcp_sock_state_get(sk, create, NULL) : NULL;
}

/*
 * Copies our kind-253 option with @exid from the packet in hand, or with
 * @from_syn from the SYN (BPF_LOAD_HDR_OPT_TCP_SYN: the SYN in hand on a
 * SYN-ACK, the saved SYN later), into @buf (@size bytes, a constant).  The
 * kernel finds a kind-253 option by its ExID (RFC 6994) and copies it
 * whole, or the first @size bytes and -ENOSPC when it is longer.  Returns
 * the bytes to decode, HDROPT_LOAD_TOO_LONG, or -errno (-ENOMSG: none;
 * -ENOENT: no SYN saved).
 */
#define HDROPT_LOAD_TOO_LONG	(1 << 30)
static __always_inline int hdropt_load(struct bpf_sock_ops *skops, bool from_syn, __u16 exid,
				       __u8 *buf, __u32 size)
{
	int ret;

	buf[0] = 253;
	buf[1] = 4;
	buf[2] = exid >> 8;
	buf[3] = exid & 0xff;
	ret = bpf_load_hdr_opt(skops, buf, size, from_syn ? BPF_LOAD_HDR_OPT_TCP_SYN : 0);
	if (ret == -ENOSPC)
		return HDROPT_LOAD_TOO_LONG;
	if (ret > (int)size)
		ret = size;
	return ret;
}

/*
 * On a listener: TCP_SAVE_SYN, so that the passive side can read the
 * client's option from the saved SYN when the connection is established.
 * Does not lower a 2 (save the MAC header too) the application asked for.
 */
static __always_inline long hdropt_listener_save_syn(struct bpf_sock_ops *skops)
{
	int one = 1, cur = 0;

	if (!bpf_getsockopt(skops, SOL_TCP, TCP_SAVE_SYN, &cur, sizeof(cur)) && cur)
		return 0;
	return bpf_setsockopt(skops, SOL_TCP, TCP_SAVE_SYN, &one, sizeof(one));
}

/*
 * LISTEN_CB: the saved SYN, then the write callback (for SYN-ACKs).
 * Without the saved SYN we could not honour what we answer, so the listener
 * stays silent.  Returns 0 or the failed helper's error.
 */
static __always_inline long hdropt_on_listen(struct bpf_sock_ops *skops)
{
	long err = hdropt_listener_save_syn(skops);

	return err ? err : hdropt_cb_flags_on(skops, BPF_SOCK_OPS_WRITE_HDR_OPT_CB_FLAG);
}

#endif /* BPFTCP_HDROPT_BPF_H */
