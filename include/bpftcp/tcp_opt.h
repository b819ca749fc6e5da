/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The walk over a TCP option block that finds an RFC 6994 experimental
 * option by its ExID, as a pure function: the host tests and the
 * option-block fuzzer (selftests/fuzz/tcpopt_walk_fuzz.c) check it against
 * an independent walker.  The header-option programs (hdropt/<option>.bpf.c)
 * still leave this walk to the kernel (bpf_load_hdr_opt()); this function
 * has the kernel's rules, so that they can run it instead (not done yet:
 * docs/reliability.md).
 *
 * It follows the kernel's own search for bpf_load_hdr_opt()
 * (bpf_search_tcp_opt() in net/core/filter.c), which follows
 * tcp_parse_options():
 *   - EOL (kind 0) ends the block: not found;
 *   - NOP (kind 1) is one byte;
 *   - any other option needs its length byte inside the block, a length of
 *     at least 2, and all of its bytes inside the block: otherwise the whole
 *     block is bad (the kernel stops parsing there too);
 *   - the first option of the kind that is long enough for an ExID and
 *     carries ours is the one; an option of the kind too short to carry an
 *     ExID ends the search (not found), like the kernel's;
 *   - options of the kind with another ExID are skipped.
 *
 * No libc, no helpers, at most BPFTCP_TCPOPT_SPACE steps (each consumes at
 * least one byte), and every read is at an offset below @len: it compiles
 * unchanged for BPF and the host.
 */
#ifndef BPFTCP_TCP_OPT_H
#define BPFTCP_TCP_OPT_H

#ifndef __bpf__
#include <linux/types.h>
#endif

#define BPFTCP_TCPOPT_EOL	0
#define BPFTCP_TCPOPT_NOP	1
/* The option space: a TCP header is at most 60 bytes, 20 of them fixed. */
#define BPFTCP_TCPHDR_FIXED	20
#define BPFTCP_TCPHDR_MAX	60
#define BPFTCP_TCPOPT_SPACE	(BPFTCP_TCPHDR_MAX - BPFTCP_TCPHDR_FIXED)

/* Why bpftcp_tcpopt_find() found nothing (all negative: >= 0 is an offset). */
enum bpftcp_tcpopt_err {
	BPFTCP_TCPOPT_ABSENT	= -1,	/* not there (the kernel's -ENOMSG) */
	BPFTCP_TCPOPT_BAD	= -2,	/* an option runs past the block or has length < 2 (-EFAULT) */
	BPFTCP_TCPOPT_TOOBIG	= -3,	/* @len is more than a TCP header can hold */
};

/*
 * Finds the option of @kind whose first two data bytes are @exid (network
 * order) in the option block @opts of @len bytes.  Returns the offset of its
 * kind byte (its length byte, opts[off + 1], then says how long it is, and
 * all of it is inside the block), or a negative enum bpftcp_tcpopt_err.
 */
static inline int bpftcp_tcpopt_find(const __u8 *opts, __u32 len, __u8 kind, __u16 exid)
{
	__u32 off = 0, i, olen;

	if (len > BPFTCP_TCPOPT_SPACE)
		return BPFTCP_TCPOPT_TOOBIG;
	for (i = 0; i < BPFTCP_TCPOPT_SPACE; i++) {
		if (off >= len)
			break;
		if (opts[off] == BPFTCP_TCPOPT_EOL)
			return BPFTCP_TCPOPT_ABSENT;
		if (opts[off] == BPFTCP_TCPOPT_NOP) {
			off++;
			continue;
		}
		if (off + 1 >= len)
			return BPFTCP_TCPOPT_BAD;
		olen = opts[off + 1];
		if (olen < 2 || olen > len - off)
			return BPFTCP_TCPOPT_BAD;
		if (opts[off] == kind) {
			if (olen < 4)
				return BPFTCP_TCPOPT_ABSENT;
			if (opts[off + 2] == (exid >> 8) && opts[off + 3] == (exid & 0xff))
				return (int)off;
		}
		off += olen;
	}
	return BPFTCP_TCPOPT_ABSENT;
}

#endif /* BPFTCP_TCP_OPT_H */
