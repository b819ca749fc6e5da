// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Structure-aware libFuzzer target for the walk over a whole TCP option
 * block: bpftcp_tcpopt_find() (include/bpftcp/tcp_opt.h), the rules of the
 * kernel's bpf_load_hdr_opt() search that hdropt/delack.bpf.c relies on, and
 * hdropt_delack_find() (delack_opt.h), the program's verdict on a block.
 * Built with -fsanitize=fuzzer,address,undefined.
 *
 * The input is not the block: tcpopt_build() (tcpopt_block.h) reads it as
 * a sequence of options (EOL, NOP, MSS, WS, SACK-perm, SACK, TS, TFO, ours
 * with any length, flags and value, other experiments, random kinds and
 * lengths, raw bytes, truncations) and lays them out in at most 40 bytes,
 * so the fuzzer spends its time on plausible blocks rather than on finding
 * the kind and the ExID.  The block is copied to a buffer of exactly its
 * size, and then:
 *   - the walker and an independent reference (a tokenizer, then a search)
 *     give the same verdict for three searches (tcpopt_check());
 *   - a found option is whole, inside the block, of the kind and ExID asked;
 *   - hdropt_delack_find() agrees with a reference decoder: valid with the
 *     same value, or rejected without writing its output;
 *   - no read goes past the block (AddressSanitizer) and every call returns
 *     (libFuzzer's -timeout; the walker takes at most 40 steps).
 * A violation traps, and libFuzzer saves the input.
 *
 * Seeds: selftests/fuzz/corpus/tcpopt_walk/ (inputs in the structured form).
 * selftests/test_tcpopt_walk.c shows that these checks catch walkers with
 * planted bugs.
 */
#include <stdio.h>
#include <stdlib.h>
#include "tcpopt_block.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tcpopt_src src = { data, size };
	struct tcpopt_block blk;
	const char *why;
	uint8_t *copy;

	tcpopt_build(&blk, &src);
	/* malloc(0) is a valid zero-byte block: any read of it is reported. */
	copy = malloc(blk.len);
	if (!copy)
		return 0;
	memcpy(copy, blk.b, blk.len);
	why = tcpopt_check(copy, blk.len, bpftcp_tcpopt_find);
	if (why) {
		fprintf(stderr, "tcpopt_walk: %s; block (%zu bytes):", why, blk.len);
		for (size_t i = 0; i < blk.len; i++)
			fprintf(stderr, " %02x", blk.b[i]);
		fprintf(stderr, "\n");
		__builtin_trap();
	}
	free(copy);
	return 0;
}
