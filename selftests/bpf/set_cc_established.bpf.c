// SPDX-License-Identifier: GPL-2.0-only
/*
 * Test-only sockops program (test_bpf_dctcp): when an active connection of
 * its cgroup is established, switches it to the congestion control in
 * cc_name with bpf_setsockopt(TCP_CONGESTION).  That algorithm's init then
 * runs inside this bpf_setsockopt(), where the kernel refuses a second,
 * nested bpf_setsockopt(TCP_CONGESTION) with -EBUSY (net/core/filter.c,
 * bpf_chg_cc_inprogress): the case bpf_dctcp's non-ECN fallback must still
 * handle as the kernel's dctcp does.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#ifndef SOL_TCP
#define SOL_TCP		6
#endif
#ifndef TCP_CONGESTION
#define TCP_CONGESTION	13
#endif

char _license[] SEC("license") = "GPL";

char cc_name[16] = "bpf_dctcp";
int set_result = 1;	/* bpf_setsockopt()'s return value, 1 until it ran */
__u32 switched;		/* connections switched */

SEC("sockops")
int set_cc_established(struct bpf_sock_ops *skops)
{
	if (skops->op != BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB)
		return 1;
	set_result = bpf_setsockopt(skops, SOL_TCP, TCP_CONGESTION, cc_name, sizeof(cc_name));
	if (!set_result)
		switched++;
	return 1;
}
