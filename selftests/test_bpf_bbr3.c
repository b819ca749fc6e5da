// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Privileged tests for bpf_bbr3: registered with 'bpftcp cc register bbr3',
 * it carries verified bytes over loopback (setsockopt and iperf3 -C), paces,
 * runs its own cong_control without a failure branch, creates its
 * sk_local_storage at init and deletes it at release, and publishes its
 * model in the socket's record (mode, PROBE_BW phase, bw, min_rtt,
 * inflight_hi, inflight_lo, ecn_alpha), read here on a live connection both
 * directly and through 'bpftcp sockets' (text and JSON).  The process runs
 * in a private network namespace; the registration (host-wide) is undone in
 * every teardown.
 */
#include <errno.h>
#include <stddef.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include "harness.h"
#include "bpftcp/libbpftcp.h"
#include "bpftcp/sock_state.h"

#define MIB (1024ULL * 1024)

static const struct bpftcp_cc_info *bbr3;

static void unregister_quietly(void)
{
	if (bpftcp_cc_is_registered(bbr3->name) == 1)
		harness_bpftcp_run(NULL, 0, "cc unregister bbr3");
}

static int setup_registered(void **state)
{
	if (harness_bpf_unavailable())
		return 0;	/* the test itself reports the skip */
	unregister_quietly();
	return harness_bpftcp_run(NULL, 0, "cc register bbr3") == 0 ? 0 : -1;
}

static int teardown(void **state)
{
	if (!harness_bpf_unavailable())
		unregister_quietly();
	return 0;
}

static int group_setup(void **state)
{
	bbr3 = bpftcp_cc_find("bbr3");
	if (!bbr3)
		return -1;
	if (harness_bpf_unavailable())
		return 0;
	return harness_private_netns();
}

/* One of bpf_bbr3's own counters, by name; -1 if it has none such. */
struct counter_query {
	const char *name;
	long long value;
};

static int find_counter(const char *counter, __u64 value, void *ctx)
{
	struct counter_query *q = ctx;

	if (!strcmp(counter, q->name))
		q->value = (long long)value;
	return 0;
}

static long long counter(const char *name)
{
	struct counter_query q = { .name = name, .value = -1 };

	bpftcp_cc_counters_foreach(bbr3->name, find_counter, &q);
	return q.value;
}

/* What one socket looked like midway through a transfer. */
struct midway_view {
	bool have_record;
	struct bpftcp_sock_state st;
	__u64 pacing_rate;
	char sockets_out[8192];
	char sockets_json[16384];
};

static void look_midway(int fd, void *ctx)
{
	struct midway_view *v = ctx;
	/* glibc's struct tcp_info stops at tcpi_total_retrans; the kernel's
	 * goes on with __u64 tcpi_pacing_rate. */
	unsigned char ti[512];
	size_t pacing_off = offsetof(struct tcp_info, tcpi_total_retrans) + 4;
	socklen_t tlen = sizeof(ti);

	/* Let the flow leave STARTUP and the first RTT samples in. */
	usleep(300 * 1000);
	v->have_record = bpftcp_sock_state_get(fd, &v->st) == 0;
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, ti, &tlen) == 0 && tlen >= pacing_off + 8)
		memcpy(&v->pacing_rate, ti + pacing_off, sizeof(v->pacing_rate));
	harness_sh_out(v->sockets_out, sizeof(v->sockets_out), "%s sockets --cc bpf_bbr3 2>&1",
		       harness_bpftcp());
	harness_sh_out(v->sockets_json, sizeof(v->sockets_json),
		       "%s -j sockets --cc bpf_bbr3 2>&1", harness_bpftcp());
}

/* A bound in packets: unset (~0) or at least the 4-packet floor. */
static bool bound_valid(__u32 v)
{
	return v == ~0U || (v >= 4 && v < 1000000);
}

static void setsockopt_moves_64mib_verified_paced_and_exported(void **state)
{
	static struct midway_view v;
	struct transfer_opts o = { .cc = "bpf_bbr3", .bytes = 64 * MIB, .midway = look_midway,
				   .ctx = &v };
	struct bpftcp_cc_stats before, after;
	const struct bpftcp_bbr3_export *x = &v.st.cc.u.bbr3;
	long long created0, deleted0, created, deleted;
	struct transfer_result r;

	harness_require_bpf();
	memset(&v, 0, sizeof(v));
	assert_true(harness_cc_available("bpf_bbr3"));
	assert_int_equal(bpftcp_cc_stats(bbr3->name, &before), 0);
	created0 = counter("storage_created");
	deleted0 = counter("storage_deleted");
	assert_true(created0 >= 0 && deleted0 >= 0);
	assert_int_equal(harness_transfer(&o, &r), 0);
	assert_int_equal(bpftcp_cc_stats(bbr3->name, &after), 0);
	print_message("64 MiB in %.3f s with %s; record: mode %u phase %u bw %llu B/s "
		      "min_rtt %u us inflight_hi %d inflight_lo %d ecn_alpha %u; pacing %llu B/s\n",
		      r.seconds, r.client_cc, x->mode, x->phase, (unsigned long long)x->bw,
		      x->min_rtt_us, (int)x->inflight_hi, (int)x->inflight_lo, x->ecn_alpha,
		      (unsigned long long)v.pacing_rate);
	assert_true(r.received == 64 * MIB);
	assert_true(r.data_ok);
	assert_string_equal(r.client_cc, "bpf_bbr3");
	/* Our callbacks ran: init, and cong_control (not cong_avoid); no
	 * failure branch (storage found on every ACK, scratch never busy). */
	assert_true(after.calls[BPFTCP_OP_INIT] > before.calls[BPFTCP_OP_INIT]);
	assert_true(after.calls[BPFTCP_OP_CONG_CONTROL] > before.calls[BPFTCP_OP_CONG_CONTROL]);
	assert_true(after.calls[BPFTCP_OP_CONG_AVOID] == before.calls[BPFTCP_OP_CONG_AVOID]);
	assert_int_equal(after.errors, 0);
	/* It paces. */
	assert_true(v.pacing_rate > 0 && v.pacing_rate != ~0ULL);
	/* The record, read on the live connection. */
	assert_true(v.have_record);
	assert_string_equal(v.st.ca_name, "bpf_bbr3");
	assert_int_equal(v.st.cc.kind, BPFTCP_CC_BBR3);
	assert_true(x->bw > 0);
	assert_true(x->min_rtt_us > 0 && x->min_rtt_us < 100000);	/* loopback */
	assert_true(x->mode <= BPFTCP_BBR_MODE_PROBE_RTT);
	assert_true(x->phase <= 3);
	assert_true(x->ecn_alpha <= 256);
	assert_true(bound_valid(x->inflight_hi));
	assert_true(bound_valid(x->inflight_lo));
	/* No ECN on loopback here: alpha keeps its initial 1.0. */
	assert_int_equal(x->ecn_alpha, 256);
	/* 'bpftcp sockets' prints the same, in text and JSON. */
	print_message("%s", v.sockets_out);
	assert_non_null(strstr(v.sockets_out, "bpf_bbr3"));
	assert_non_null(strstr(v.sockets_out, " bbr3:(mode:"));
	assert_non_null(strstr(v.sockets_out, ",mrtt:"));
	assert_non_null(strstr(v.sockets_out, ",inflight_hi:"));
	assert_non_null(strstr(v.sockets_out, ",inflight_lo:"));
	assert_non_null(strstr(v.sockets_out, ",ecn_alpha:1)"));
	assert_non_null(strstr(v.sockets_json, "\"algorithm\":\"bbr3\""));
	assert_non_null(strstr(v.sockets_json, "\"inflight_hi\":"));
	assert_non_null(strstr(v.sockets_json, "\"ecn_alpha\":256"));
	/* The client's storage was created at init and deleted at release. */
	for (int i = 0; i < 40; i++) {
		created = counter("storage_created");
		deleted = counter("storage_deleted");
		if (created - created0 == deleted - deleted0)
			break;
		usleep(50 * 1000);
	}
	assert_true(created - created0 >= 1);
	assert_int_equal(created - created0, deleted - deleted0);
	assert_int_equal(counter("storage_failed"), 0);
}

/* The check: iperf3 -C bpf_bbr3 carries traffic. */
static void iperf3_carries_traffic_with_bpf_bbr3(void **state)
{
	char out[65536];

	harness_require_bpf();
	assert_int_equal(harness_sh("ip link set lo up"), 0);
	assert_int_equal(harness_sh_out(out, sizeof(out),
		"iperf3 -s -1 -p 5398 >/dev/null 2>&1 & sleep 0.5; "
		"iperf3 -c 127.0.0.1 -p 5398 -C bpf_bbr3 -t 2 -J; rc=$?; wait; exit $rc"), 0);
	assert_non_null(strstr(out, "\"sender_tcp_congestion\":\t\"bpf_bbr3\""));
	assert_non_null(strstr(out, "\"bits_per_second\""));
	assert_null(strstr(out, "\"error\""));
}

/* The state machine runs: on loopback the Reno-coexistence bound
 * (min(63, target inflight) rounds of tens of microseconds) starts bw
 * probes within a transfer, so PROBE_BW and its UP phase are entered; the
 * counters are listed by 'bpftcp cc stats' by name. */
static void state_machine_reaches_probe_bw_up(void **state)
{
	struct transfer_opts o = { .cc = "bpf_bbr3", .bytes = 256 * MIB };
	struct transfer_result r;
	char out[8192];

	harness_require_bpf();
	assert_int_equal(harness_transfer(&o, &r), 0);
	assert_true(r.data_ok);
	assert_int_equal(harness_bpftcp_run(out, sizeof(out), "cc stats bbr3"), 0);
	print_message("%s", out);
	assert_non_null(strstr(out, "enter_probe_up"));
	assert_non_null(strstr(out, "inflight_hi_cuts"));
	assert_true(counter("enter_drain") >= 1);
	assert_true(counter("enter_probe_bw") >= 1);
	assert_true(counter("enter_probe_up") >= 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(setsockopt_moves_64mib_verified_paced_and_exported,
						setup_registered, teardown),
		cmocka_unit_test_setup_teardown(iperf3_carries_traffic_with_bpf_bbr3,
						setup_registered, teardown),
		cmocka_unit_test_setup_teardown(state_machine_reaches_probe_bw_up,
						setup_registered, teardown),
	};

	return cmocka_run_group_tests_name("bpf_bbr3", tests, group_setup, NULL);
}
