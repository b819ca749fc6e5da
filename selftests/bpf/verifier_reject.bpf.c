// SPDX-License-Identifier: GPL-2.0-only
/*
 * verifier_reject: a sockops program that every verifier rejects (it reads
 * past the end of its context), for test_bpf_probe: a load the verifier
 * refuses must be reported as that, with the verifier's log, and not as a
 * kernel that refused the program type.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char _license[] SEC("license") = "GPL";

SEC("sockops")
int rejected_sockops(struct bpf_sock_ops *skops)
{
	/* Out of bounds on purpose: "invalid bpf_context access". */
	return *(volatile __u32 *)((char *)skops + 4096);
}
