/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * BPF side of tcp_opt.h: copies a segment's TCP option block, so that the
 * header-option programs walk it with bpftcp_tcpopt_find(), the function the
 * host tests and the option-block fuzzer check, rather than leaving the walk
 * to bpf_load_hdr_opt().  The bytes are the ones bpf_load_hdr_opt() walks:
 *   - the SYN (@from_syn): bpf_getsockopt(TCP_BPF_SYN), which is the SYN in
 *     hand on a SYN-ACK callback, the saved SYN afterwards (-ENOENT when
 *     none was saved), exactly as BPF_LOAD_HDR_OPT_TCP_SYN;
 *   - otherwise the packet in hand: skb_data .. skb_data_end is its TCP
 *     header in the callbacks that have one.
 * Include after vmlinux.h and <bpf/bpf_helpers.h>.
 */
#ifndef BPFTCP_TCP_OPT_BPF_H
#define BPFTCP_TCP_OPT_BPF_H

#include "bpftcp/tcp_opt.h"

/*
 * The buffer for bpftcp_load_tcpopts(): a whole header and room for a
 * decoder's reads past an option that starts near the end (the verifier
 * knows an option's offset is below the block's length, not that its bytes
 * are: 20 + 40 + 12 bytes, all zero unless copied).
 */
#define BPFTCP_TCPHDR_BUF	(BPFTCP_TCPHDR_MAX + 12)

/*
 * Copies the option block of the SYN (@from_syn) or of the packet in hand
 * to @hdr + BPFTCP_TCPHDR_FIXED; @hdr has BPFTCP_TCPHDR_BUF bytes, zeroed.
 * Returns the block's length (0..BPFTCP_TCPOPT_SPACE), or -errno: -ENOENT
 * (2) when no SYN was saved, -EPERM (1) when there is no packet, -EFAULT
 * (14) for a header shorter than 20 bytes.
 */
static __always_inline int bpftcp_load_tcpopts(struct bpf_sock_ops *skops, bool from_syn, __u8 *hdr)
{
	const __u8 *data, *end;
	int ret, i;

	if (from_syn) {
		ret = bpf_getsockopt(skops, 6 /* SOL_TCP */, TCP_BPF_SYN, hdr, BPFTCP_TCPHDR_MAX);
		if (ret < 0)
			return ret;
		if (ret < BPFTCP_TCPHDR_FIXED || ret > BPFTCP_TCPHDR_MAX)
			return -14;
		return ret - BPFTCP_TCPHDR_FIXED;
	}
	data = (const __u8 *)(long)skops->skb_data;
	end = (const __u8 *)(long)skops->skb_data_end;
	if (!data)
		return -1;
	if (data + BPFTCP_TCPHDR_FIXED > end)
		return -14;
	/* A bounded loop: the verifier follows each of the 40 steps. */
	for (i = 0; i < BPFTCP_TCPOPT_SPACE; i++) {
		if (data + BPFTCP_TCPHDR_FIXED + i + 1 > end)
			break;
		hdr[BPFTCP_TCPHDR_FIXED + i] = data[BPFTCP_TCPHDR_FIXED + i];
	}
	return i;
}

#endif /* BPFTCP_TCP_OPT_BPF_H */
