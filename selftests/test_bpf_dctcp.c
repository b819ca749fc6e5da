// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Privileged tests for bpf_dctcp: real BPF, real bytes over loopback in a
 * private network namespace.  Between two DCTCP ends ECN must be negotiated
 * and the sender's and the receiver's DCTCP callbacks must run; a peer that
 * declines ECN must leave the connection on Reno without ECN, as the
 * kernel's dctcp does.  The registration is host-wide and is always
 * undone in the teardown; the sysctls changed are the private netns's.
 */
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "harness.h"
#include "bpftcp/libbpftcp.h"
#include "selftests/bpf/set_cc_established.skel.h"

#define MIB (1024ULL * 1024)

static const struct bpftcp_cc_info *dctcp;

/* A global counter of the registered program, from "bpftcp cc stats". */
static long long dctcp_counter(const char *name)
{
	char out[8192], *p;

	if (harness_bpftcp_run(out, sizeof(out), "cc stats dctcp"))
		return -1;
	p = strstr(out, name);
	return p ? strtoll(p + strlen(name), NULL, 10) : -1;
}

static int setup_registered(void **state)
{
	if (harness_bpf_unavailable())
		return 0;	/* the test itself reports the skip */
	if (bpftcp_cc_is_registered(dctcp->name) == 1)
		harness_bpftcp_run(NULL, 0, "cc unregister dctcp");
	return harness_bpftcp_run(NULL, 0, "cc register dctcp") == 0 ? 0 : -1;
}

static int teardown(void **state)
{
	if (harness_bpf_unavailable())
		return 0;
	/* Put this netns back as the group setup made it, then unregister
	 * (a default left on bpf_dctcp would pin the old program). */
	harness_sh("sysctl -qw net.ipv4.tcp_ecn=2 net.ipv4.tcp_congestion_control=reno");
	if (bpftcp_cc_is_registered(dctcp->name) == 1)
		harness_bpftcp_run(NULL, 0, "cc unregister dctcp");
	return 0;
}

static int group_setup(void **state)
{
	dctcp = bpftcp_cc_find("dctcp");
	if (!dctcp)
		return -1;
	if (harness_bpf_unavailable())
		return 0;
	/* Private netns: the sysctls and the traffic stay here. */
	if (harness_private_netns())
		return -1;
	return harness_sh("sysctl -qw net.ipv4.tcp_congestion_control=reno") ? -1 : 0;
}

static void both_ends_negotiate_ecn_and_run_dctcp(void **state)
{
	struct transfer_opts o = { .cc = "bpf_dctcp", .bytes = 16 * MIB, .ecn = true };
	struct bpftcp_cc_stats before, after;
	struct transfer_result r;

	harness_require_bpf();
	/* DCTCP's SYN is ECT, which RFC 3168 peers reject as an ECN request:
	 * the listener (the receiver) must run DCTCP too, from the default. */
	assert_int_equal(harness_sh("sysctl -qw net.ipv4.tcp_congestion_control=bpf_dctcp"), 0);
	assert_int_equal(bpftcp_cc_stats(dctcp->name, &before), 0);
	assert_int_equal(harness_transfer(&o, &r), 0);
	assert_int_equal(bpftcp_cc_stats(dctcp->name, &after), 0);
	assert_true(r.data_ok);
	assert_true(r.received == 16 * MIB);
	assert_string_equal(r.client_cc, "bpf_dctcp");
	assert_string_equal(r.server_cc, "bpf_dctcp");
	assert_true(r.info.tcpi_options & TCPI_OPT_ECN);
	/* Sender: init, Reno growth, and the per-ACK alpha bookkeeping ran. */
	assert_true(after.calls[BPFTCP_OP_INIT] >= before.calls[BPFTCP_OP_INIT] + 2);
	assert_true(after.calls[BPFTCP_OP_CONG_AVOID] > before.calls[BPFTCP_OP_CONG_AVOID]);
	assert_true(after.calls[BPFTCP_OP_IN_ACK_EVENT] > before.calls[BPFTCP_OP_IN_ACK_EVENT]);
	/* Receiver: every ECT data packet it takes in is an ECN_NO_CE (or
	 * ECN_IS_CE) cwnd_event for the CE state machine: 16 MiB is 256 of
	 * them even as 64 KiB (TSO-sized) loopback packets, while the sender's
	 * own cwnd_events (TX_START after idle) are a handful. */
	print_message("cwnd_event: %llu\n", (unsigned long long)(after.calls[BPFTCP_OP_CWND_EVENT] -
								  before.calls[BPFTCP_OP_CWND_EVENT]));
	assert_true(after.calls[BPFTCP_OP_CWND_EVENT] - before.calls[BPFTCP_OP_CWND_EVENT] >= 50);
	assert_int_equal(after.errors, 0);
}

static void both_ends_negotiate_ecn_over_ipv6(void **state)
{
	struct transfer_opts o = { .cc = "bpf_dctcp", .bytes = 4 * MIB, .ecn = true,
				   .family = AF_INET6 };
	struct transfer_result r;

	harness_require_bpf();
	assert_int_equal(harness_sh("sysctl -qw net.ipv4.tcp_congestion_control=bpf_dctcp"), 0);
	assert_int_equal(harness_transfer(&o, &r), 0);
	assert_true(r.data_ok);
	assert_string_equal(r.client_cc, "bpf_dctcp");
	assert_string_equal(r.server_cc, "bpf_dctcp");
	assert_true(r.info.tcpi_options & TCPI_OPT_ECN);
}

static void non_dctcp_peer_declines_ecn_so_sender_falls_back_to_reno(void **state)
{
	struct transfer_opts o = { .cc = "bpf_dctcp", .bytes = 4 * MIB };
	struct bpftcp_cc_stats st;
	struct transfer_result r;
	long long fallbacks;

	harness_require_bpf();
	/* A Reno listener (default tcp_ecn=2: accept ECN) declines the ECT
	 * SYN's request, as it would the kernel's dctcp. */
	assert_int_equal(harness_sh("sysctl -qw net.ipv4.tcp_congestion_control=reno"), 0);
	fallbacks = dctcp_counter("reno_fallbacks");
	assert_true(fallbacks >= 0);
	assert_int_equal(harness_transfer(&o, &r), 0);
	assert_true(r.data_ok);
	assert_false(r.info.tcpi_options & TCPI_OPT_ECN);
	/* init switched the socket to the kernel's Reno, which clears ECT. */
	assert_string_equal(r.client_cc, "reno");
	assert_int_equal(dctcp_counter("reno_fallbacks"), fallbacks + 1);
	assert_int_equal(bpftcp_cc_stats(dctcp->name, &st), 0);
	assert_int_equal(st.errors, 0);
}

/* What the client socket looked like midway through the transfer. */
struct midway_view {
	int tos;			/* getsockopt(IP_TOS): inet->tos, ECN bits included */
	char cc[HARNESS_CC_NAME_MAX];
};

static void look_midway(int fd, void *ctx)
{
	struct midway_view *v = ctx;
	socklen_t len = sizeof(v->tos);

	if (getsockopt(fd, IPPROTO_IP, IP_TOS, &v->tos, &len))
		v->tos = -1;
	len = sizeof(v->cc);
	if (getsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, v->cc, &len))
		v->cc[0] = '\0';
}

/*
 * A sockops program switches an established non-ECN connection to
 * bpf_dctcp with bpf_setsockopt(TCP_CONGESTION); bpf_dctcp's init then runs
 * inside that change, so its own switch to reno fails with -EBUSY.  The
 * kernel's dctcp falls back to Reno there too, with ECT off: the socket must
 * end on Reno (switched on the first ACK), not send ECT, and lose no data.
 */
static void nested_fallback_still_ends_on_reno_without_ect(void **state)
{
	struct midway_view v = { .tos = -1 };
	struct transfer_opts o = { .cc = "reno", .bytes = 8 * MIB, .midway = look_midway,
				   .ctx = &v };
	struct selftests_bpf_set_cc_established *skel;
	struct bpftcp_cc_stats st;
	struct transfer_result r;
	long long nested, fallbacks;
	char cg[4096];
	int cg_fd, err;

	harness_require_bpf();
	assert_int_equal(harness_sh("sysctl -qw net.ipv4.tcp_congestion_control=reno "
				    "net.ipv4.tcp_ecn=2"), 0);
	nested = dctcp_counter("reno_fallbacks_nested");
	fallbacks = dctcp_counter("reno_fallbacks");

	skel = selftests_bpf_set_cc_established__open_and_load();
	assert_non_null(skel);
	assert_int_equal(harness_cgroup_enter("bpftcp-dctcp-nested", cg, sizeof(cg)), 0);
	cg_fd = open(cg, O_RDONLY | O_DIRECTORY);
	assert_true(cg_fd >= 0);
	err = bpf_prog_attach(bpf_program__fd(skel->progs.set_cc_established), cg_fd,
			      BPF_CGROUP_SOCK_OPS, 0);
	if (!err)
		err = harness_transfer(&o, &r);
	bpf_prog_detach2(bpf_program__fd(skel->progs.set_cc_established), cg_fd,
			 BPF_CGROUP_SOCK_OPS);
	close(cg_fd);
	harness_cgroup_leave();
	assert_int_equal(err, 0);
	/* The sockops program did switch the socket to bpf_dctcp ... */
	assert_int_equal(skel->data->set_result, 0);
	assert_int_equal(skel->bss->switched, 1);
	selftests_bpf_set_cc_established__destroy(skel);
	assert_true(r.data_ok);
	assert_false(r.info.tcpi_options & TCPI_OPT_ECN);
	/* ... whose init could not switch (nested) but fell back anyway:
	 * on Reno by the middle of the transfer, with ECT cleared, as
	 * INET_ECN_dontxmit() leaves it. */
	assert_string_equal(v.cc, "reno");
	assert_string_equal(r.client_cc, "reno");
	assert_true(v.tos >= 0);
	assert_int_equal(v.tos & 3, 0);
	assert_true(nested >= 0 && fallbacks >= 0);
	assert_int_equal(dctcp_counter("reno_fallbacks_nested"), nested + 1);
	assert_int_equal(dctcp_counter("reno_fallbacks"), fallbacks + 1);
	assert_int_equal(bpftcp_cc_stats(dctcp->name, &st), 0);
	assert_int_equal(st.errors, 0);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup_registered, teardown)
	const struct CMUnitTest tests[] = {
		T(both_ends_negotiate_ecn_and_run_dctcp),
		T(both_ends_negotiate_ecn_over_ipv6),
		T(non_dctcp_peer_declines_ecn_so_sender_falls_back_to_reno),
		T(nested_fallback_still_ends_on_reno_without_ect),
	};

	return cmocka_run_group_tests_name("bpf_dctcp", tests, group_setup, NULL);
}
