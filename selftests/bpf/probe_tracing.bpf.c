// SPDX-License-Identifier: GPL-2.0-only
/*
 * probe_tracing: the two kinds of BPF tracing program that bpftcp's feature
 * probe tries (an fentry on tcp_sendmsg, an iterator over an sk_storage
 * map), as real compiled programs, so that test_bpf_probe can check the
 * probe's answer against what libbpf actually manages to load.  They do
 * nothing and are never attached.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char _license[] SEC("license") = "GPL";

SEC("fentry/tcp_sendmsg")
int BPF_PROG(probe_fentry)
{
	return 0;
}

SEC("iter/bpf_sk_storage_map")
int probe_iter(struct bpf_iter__bpf_sk_storage_map *ctx)
{
	return 0;
}
