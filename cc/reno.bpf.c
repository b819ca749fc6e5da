// SPDX-License-Identifier: GPL-2.0-only
/*
 * bpf_reno: Reno congestion control (RFC 5681): slow start and AIMD, the kernel baseline
 *
 * A port of the "reno" congestion control of Linux net/ipv4/tcp_cong.c (6.x):
 * tcp_reno_cong_avoid() with tcp_slow_start() and tcp_cong_avoid_ai(),
 * tcp_reno_ssthresh() and tcp_reno_undo_cwnd().  Loss recovery itself
 * (NewReno, SACK, RACK) is the TCP stack's and is not part of any
 * congestion control.  The arithmetic lives in include/bpftcp/reno.h so the
 * host tests exercise the same code.
 *
 * Deviations from tcp_cong.c, and why:
 *  1. The functions are reno.h's copies (on a struct cc_window of
 *     snd_cwnd, snd_cwnd_cnt, snd_ssthresh and snd_cwnd_clamp that is
 *     written back), reached through bpf_tcp.h's cc_reno_*() as in every
 *     bpftcp port, instead of the kfuncs of the same names, so the whole
 *     algorithm is in reno.h and its host tests.  Same arithmetic, same
 *     results.
 *  2. The kernel's tcp_snd_cwnd_set() has a WARN_ON_ONCE for cwnd <= 0;
 *     BPF cannot warn, and Reno never produces such a value.
 *  3. The kernel's reno has .flags = TCP_CONG_NON_RESTRICTED (any user may
 *     select it).  bpf_reno leaves flags 0 so that bpftcp's register decides
 *     (it adds the name to tcp_allowed_congestion_control unless
 *     --restricted), as for every other algorithm it ships.
 *  4. Each callback counts itself in this program's cc_stats map (bpftcp's
 *     instrumentation; the kernel has no equivalent).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "bpftcp/bpf_tcp.h"
#include "bpftcp/reno.h"

char _license[] SEC("license") = "GPL";

SEC("struct_ops")
void BPF_PROG(bpf_reno_cong_avoid, struct sock *sk, __u32 ack, __u32 acked)
{
	BPFTCP_COUNT(calls[BPFTCP_OP_CONG_AVOID]);
	cc_reno_cong_avoid(sk, acked);
}

SEC("struct_ops")
__u32 BPF_PROG(bpf_reno_ssthresh, struct sock *sk)
{
	BPFTCP_COUNT(calls[BPFTCP_OP_SSTHRESH]);
	return cc_reno_ssthresh(sk);
}

SEC("struct_ops")
__u32 BPF_PROG(bpf_reno_undo_cwnd, struct sock *sk)
{
	BPFTCP_COUNT(calls[BPFTCP_OP_UNDO_CWND]);
	return cc_reno_undo_cwnd(sk);
}

SEC(".struct_ops.link")
struct tcp_congestion_ops reno = {
	.ssthresh	= (void *)bpf_reno_ssthresh,
	.cong_avoid	= (void *)bpf_reno_cong_avoid,
	.undo_cwnd	= (void *)bpf_reno_undo_cwnd,
	.name		= "bpf_reno",
};
