// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Privileged tests for bpf_bbr: registered with 'bpftcp cc register bbr', it
 * carries verified bytes over loopback (setsockopt and iperf3 -C), paces
 * (TCP_INFO's pacing rate is set), runs its own cong_control, and publishes
 * in the socket's record what the kernel's bbr reports through TCP_CC_INFO,
 * which 'bpftcp sockets' prints in ss's bbr:(...) form.  The process runs in
 * a private network namespace; the registration (host-wide by nature) is
 * undone in every teardown.
 */
#include <errno.h>
#include <stddef.h>
#include <linux/inet_diag.h>
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

static const struct bpftcp_cc_info *bbr;

static void unregister_quietly(void)
{
	if (bpftcp_cc_is_registered(bbr->name) == 1)
		harness_bpftcp_run(NULL, 0, "cc unregister bbr");
}

static int setup_registered(void **state)
{
	if (harness_bpf_unavailable())
		return 0;	/* the test itself reports the skip */
	unregister_quietly();
	return harness_bpftcp_run(NULL, 0, "cc register bbr") == 0 ? 0 : -1;
}

static int teardown(void **state)
{
	if (!harness_bpf_unavailable())
		unregister_quietly();
	return 0;
}

static int group_setup(void **state)
{
	bbr = bpftcp_cc_find("bbr");
	if (!bbr)
		return -1;
	if (harness_bpf_unavailable())
		return 0;
	return harness_private_netns();
}

/* The gains BBR uses (<< 8): STARTUP/DRAIN's 2.89 and 1/2.89, the gain
 * cycle's 1.25, 0.75 and 1, PROBE_BW's cwnd gain 2. */
static bool bbr_gain_valid(unsigned int g)
{
	return g == 739 || g == 88 || g == 320 || g == 192 || g == 256 || g == 512;
}

/* What one socket looked like midway through a transfer. */
struct midway_view {
	bool have_record, have_cc_info;
	struct bpftcp_sock_state st;
	struct tcp_bbr_info info;	/* native bbr: TCP_CC_INFO */
	__u64 pacing_rate;
	char sockets_out[8192];
};

static void look_midway(int fd, void *ctx)
{
	struct midway_view *v = ctx;
	union tcp_cc_info cc;
	socklen_t len = sizeof(cc);
	/* glibc's struct tcp_info stops at tcpi_total_retrans; the kernel's
	 * goes on with __u64 tcpi_pacing_rate. */
	unsigned char ti[512];
	size_t pacing_off = offsetof(struct tcp_info, tcpi_total_retrans) + 4;
	socklen_t tlen = sizeof(ti);

	/* Let the flow leave STARTUP and the first RTT samples in. */
	usleep(300 * 1000);
	v->have_record = bpftcp_sock_state_get(fd, &v->st) == 0;
	memset(&cc, 0, sizeof(cc));
	if (getsockopt(fd, IPPROTO_TCP, TCP_CC_INFO, &cc, &len) == 0 &&
	    len >= sizeof(cc.bbr)) {
		v->have_cc_info = true;
		v->info = cc.bbr;
	}
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, ti, &tlen) == 0 && tlen >= pacing_off + 8)
		memcpy(&v->pacing_rate, ti + pacing_off, sizeof(v->pacing_rate));
	harness_sh_out(v->sockets_out, sizeof(v->sockets_out), "%s sockets --cc bpf_bbr 2>&1",
		       harness_bpftcp());
}

static void setsockopt_moves_32mib_verified_paced_and_exported(void **state)
{
	static struct midway_view v;
	struct transfer_opts o = { .cc = "bpf_bbr", .bytes = 32 * MIB, .midway = look_midway,
				   .ctx = &v };
	struct bpftcp_cc_stats before, after;
	const struct bpftcp_bbr_export *x = &v.st.cc.u.bbr;
	struct transfer_result r;

	harness_require_bpf();
	memset(&v, 0, sizeof(v));
	assert_true(harness_cc_available("bpf_bbr"));
	assert_int_equal(bpftcp_cc_stats(bbr->name, &before), 0);
	assert_int_equal(harness_transfer(&o, &r), 0);
	assert_int_equal(bpftcp_cc_stats(bbr->name, &after), 0);
	print_message("32 MiB in %.3f s with %s; record: bw %llu B/s, min_rtt %u us, "
		      "pacing_gain %u, cwnd_gain %u, mode %u, cycle %u, full_bw %u, rounds %u; "
		      "pacing rate %llu B/s\n", r.seconds, r.client_cc,
		      (unsigned long long)x->bw, x->min_rtt_us, x->pacing_gain, x->cwnd_gain,
		      x->mode, x->cycle_idx, x->full_bw_reached, x->rtt_cnt,
		      (unsigned long long)v.pacing_rate);
	assert_true(r.received == 32 * MIB);
	assert_true(r.data_ok);
	assert_string_equal(r.client_cc, "bpf_bbr");
	/* Our callbacks ran: init, and cong_control (not cong_avoid). */
	assert_true(after.calls[BPFTCP_OP_INIT] > before.calls[BPFTCP_OP_INIT]);
	assert_true(after.calls[BPFTCP_OP_CONG_CONTROL] > before.calls[BPFTCP_OP_CONG_CONTROL]);
	assert_true(after.calls[BPFTCP_OP_CONG_AVOID] == before.calls[BPFTCP_OP_CONG_AVOID]);
	assert_int_equal(after.errors, 0);
	/* It paces: sk_pacing_rate was set (~0 means "no pacing rate"). */
	assert_true(v.pacing_rate > 0 && v.pacing_rate != ~0ULL);
	/* The record: BBR's section, filled with plausible values. */
	assert_true(v.have_record);
	assert_string_equal(v.st.ca_name, "bpf_bbr");
	assert_int_equal(v.st.cc.kind, BPFTCP_CC_BBR);
	assert_true(x->bw > 0);
	assert_true(x->min_rtt_us > 0 && x->min_rtt_us < 100000);	/* loopback */
	assert_true(bbr_gain_valid(x->pacing_gain));
	assert_true(bbr_gain_valid(x->cwnd_gain));
	assert_true(x->mode <= 3);
	assert_true(x->cycle_idx < 8);
	assert_true(x->rtt_cnt > 0);
	/* 'bpftcp sockets' prints it as ss prints the kernel's bbr. */
	print_message("%s", v.sockets_out);
	assert_non_null(strstr(v.sockets_out, "bpf_bbr"));
	assert_non_null(strstr(v.sockets_out, " bbr:(bw:"));
	assert_non_null(strstr(v.sockets_out, ",mrtt:"));
	assert_non_null(strstr(v.sockets_out, ",cwnd_gain:"));
	assert_non_null(strstr(v.sockets_out, " bbr_state:(mode:"));
}

/* The kernel's bbr on the same transfer, for the side-by-side reading: its
 * TCP_CC_INFO has the fields bpf_bbr's record has, in the same units. */
static void native_bbr_reports_what_the_record_holds(void **state)
{
	static struct midway_view kv, pv;
	struct transfer_opts k = { .cc = "bbr", .bytes = 16 * MIB, .midway = look_midway,
				   .ctx = &kv };
	struct transfer_opts p = { .cc = "bpf_bbr", .bytes = 16 * MIB, .midway = look_midway,
				   .ctx = &pv };
	struct transfer_result r;
	__u64 kbw;

	harness_require_bpf();
	assert_true(harness_cc_available("bbr"));
	memset(&kv, 0, sizeof(kv));
	memset(&pv, 0, sizeof(pv));
	assert_int_equal(harness_transfer(&k, &r), 0);
	assert_true(r.data_ok);
	assert_int_equal(harness_transfer(&p, &r), 0);
	assert_true(r.data_ok);
	assert_true(kv.have_cc_info && pv.have_record);
	kbw = (__u64)kv.info.bbr_bw_hi << 32 | kv.info.bbr_bw_lo;
	print_message("bbr: bw %llu B/s mrtt %u us gains %u/%u; bpf_bbr: bw %llu B/s mrtt %u us "
		      "gains %u/%u\n", (unsigned long long)kbw, kv.info.bbr_min_rtt,
		      kv.info.bbr_pacing_gain, kv.info.bbr_cwnd_gain,
		      (unsigned long long)pv.st.cc.u.bbr.bw, pv.st.cc.u.bbr.min_rtt_us,
		      pv.st.cc.u.bbr.pacing_gain, pv.st.cc.u.bbr.cwnd_gain);
	assert_true(kbw > 0 && pv.st.cc.u.bbr.bw > 0);
	assert_true(bbr_gain_valid(kv.info.bbr_pacing_gain));
	assert_true(bbr_gain_valid(kv.info.bbr_cwnd_gain));
	/* Both measure loopback: a min RTT well under a millisecond or so. */
	assert_true(kv.info.bbr_min_rtt < 100000 && pv.st.cc.u.bbr.min_rtt_us < 100000);
	/* Both pace. */
	assert_true(kv.pacing_rate != ~0ULL && pv.pacing_rate != ~0ULL);
}

/* The check: iperf3 -C bpf_bbr carries traffic. */
static void iperf3_carries_traffic_with_bpf_bbr(void **state)
{
	char out[65536];

	harness_require_bpf();
	assert_int_equal(harness_sh("ip link set lo up"), 0);
	assert_int_equal(harness_sh_out(out, sizeof(out),
		"iperf3 -s -1 -p 5399 >/dev/null 2>&1 & sleep 0.5; "
		"iperf3 -c 127.0.0.1 -p 5399 -C bpf_bbr -t 2 -J; rc=$?; wait; exit $rc"), 0);
	assert_non_null(strstr(out, "\"sender_tcp_congestion\":\t\"bpf_bbr\""));
	assert_non_null(strstr(out, "\"bits_per_second\""));
	assert_null(strstr(out, "\"error\""));
}

/* Its own counters are listed by 'bpftcp cc stats' by name. */
static void cc_stats_lists_mode_counters(void **state)
{
	struct transfer_opts o = { .cc = "bpf_bbr", .bytes = 8 * MIB };
	struct transfer_result r;
	char out[8192];

	harness_require_bpf();
	assert_int_equal(harness_transfer(&o, &r), 0);
	assert_int_equal(harness_bpftcp_run(out, sizeof(out), "cc stats bbr"), 0);
	print_message("%s", out);
	assert_non_null(strstr(out, "enter_drain"));
	assert_non_null(strstr(out, "enter_probe_bw"));
	assert_non_null(strstr(out, "enter_probe_rtt"));
	assert_non_null(strstr(out, "lt_bw_detected"));
	/* The cong_control call before init (on the SYN-ACK) enters PROBE_RTT
	 * on the zeroed state, as the kernel's bbr does; it is not counted, and
	 * a transfer this short never stays 10 s without a new min RTT. */
	assert_non_null(strstr(out, "enter_probe_rtt        0"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(setsockopt_moves_32mib_verified_paced_and_exported,
						setup_registered, teardown),
		cmocka_unit_test_setup_teardown(native_bbr_reports_what_the_record_holds,
						setup_registered, teardown),
		cmocka_unit_test_setup_teardown(iperf3_carries_traffic_with_bpf_bbr,
						setup_registered, teardown),
		cmocka_unit_test_setup_teardown(cc_stats_lists_mode_counters,
						setup_registered, teardown),
	};

	return cmocka_run_group_tests_name("bpf_bbr", tests, group_setup, NULL);
}
