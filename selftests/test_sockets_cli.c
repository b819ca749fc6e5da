// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Host unit tests for 'bpftcp sockets' and the record ABI: the argument
 * parsers and the filter (called directly), the record layout that BPF and
 * applications share, the libbpftcp name tables, and the binary's usage
 * errors (nothing here needs privileges or loads BPF).
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "harness.h"
#include "common.h"
#include "sockets.h"
#include "bpftcp/delack_opt.h"
#include "bpftcp/libbpftcp.h"

#define ARGC(a) ((int)(sizeof(a) / sizeof((a)[0])) - 1)

static void list_args_filters(void **state)
{
	char *argv[] = { "--cc", "bpf_cubic", "--port", "5201", NULL };
	char *json[] = { "-j", NULL };
	struct sockets_filter f;

	assert_int_equal(sockets_parse_list_args(ARGC(argv), argv, &f), 0);
	assert_string_equal(f.cc, "bpf_cubic");
	assert_int_equal(f.port, 5201);
	assert_int_equal(sockets_parse_list_args(0, argv, &f), 0);
	assert_null(f.cc);
	assert_int_equal(f.port, 0);
	assert_null(f.netns);
	assert_false(f.all_netns);
	/* -j is a global option: main() takes it out wherever it stands, so
	 * it never reaches this parser (the binary test below checks that). */
	assert_int_equal(sockets_parse_list_args(ARGC(json), json, &f), EXIT_USAGE);
}

static void list_args_netns(void **state)
{
	char *name[] = { "-n", "blue", "--port", "80", NULL };
	char *path[] = { "--netns", "/proc/1/ns/net", NULL };
	char *all[] = { "--all-netns", "--cc", "reno", NULL };
	char *missing[] = { "--netns", NULL };
	char *empty[] = { "-n", "", NULL };
	char *twice[] = { "-n", "a", "--netns", "b", NULL };
	char *both[] = { "-n", "a", "--all-netns", NULL };
	struct sockets_filter f;

	assert_int_equal(sockets_parse_list_args(ARGC(name), name, &f), 0);
	assert_string_equal(f.netns, "blue");
	assert_int_equal(f.port, 80);
	assert_false(f.all_netns);
	assert_int_equal(sockets_parse_list_args(ARGC(path), path, &f), 0);
	assert_string_equal(f.netns, "/proc/1/ns/net");
	assert_int_equal(sockets_parse_list_args(ARGC(all), all, &f), 0);
	assert_true(f.all_netns);
	assert_null(f.netns);
	assert_string_equal(f.cc, "reno");
	assert_int_equal(sockets_parse_list_args(ARGC(missing), missing, &f), EXIT_USAGE);
	assert_int_equal(sockets_parse_list_args(ARGC(empty), empty, &f), EXIT_USAGE);
	assert_int_equal(sockets_parse_list_args(ARGC(twice), twice, &f), EXIT_USAGE);
	assert_int_equal(sockets_parse_list_args(ARGC(both), both, &f), EXIT_USAGE);
}

/* libbpftcp's namespace and record functions where no privilege matters. */
static void netns_open_and_records_without_map(void **state)
{
	char label[256];
	int fd;

	assert_int_equal(bpftcp_netns_open("bpftcp-no-such-netns"), -ENOENT);
	assert_int_equal(bpftcp_netns_open("/nonexistent/ns"), -ENOENT);
	assert_int_equal(bpftcp_netns_open("/dev/null"), -EINVAL);
	assert_int_equal(bpftcp_netns_open(""), -EINVAL);
	assert_int_equal(bpftcp_netns_open(".."), -EINVAL);
	fd = bpftcp_netns_open("/proc/self/ns/net");
	assert_true(fd >= 0);
	/* No pinned map: zero records, not an error. */
	setenv("BPFTCP_BPFFS", "/nonexistent-bpffs", 1);
	assert_int_equal(bpftcp_sock_records_foreach(-1, NULL, NULL), 0);
	close(fd);
	/* Not a namespace: an error even without a map. */
	fd = open("/dev/null", O_RDONLY);
	assert_int_equal(bpftcp_sock_records_foreach(fd, NULL, NULL), -EINVAL);
	close(fd);
	unsetenv("BPFTCP_BPFFS");
	assert_int_equal(bpftcp_netns_self_label(label, sizeof(label)), 0);
	assert_true(label[0] != '\0');
	assert_int_equal(bpftcp_netns_self_label(label, 2), -ENAMETOOLONG);
}

static void list_args_reject_bad_input(void **state)
{
	char *port0[] = { "--port", "0", NULL };
	char *port_big[] = { "--port", "65536", NULL };
	char *port_text[] = { "--port", "80x", NULL };
	char *port_missing[] = { "--port", NULL };
	char *cc_missing[] = { "--cc", NULL };
	char *cc_empty[] = { "--cc", "", NULL };
	char *unknown[] = { "--bogus", NULL };
	struct sockets_filter f;

	assert_int_equal(sockets_parse_list_args(ARGC(port0), port0, &f), EXIT_USAGE);
	assert_int_equal(sockets_parse_list_args(ARGC(port_big), port_big, &f), EXIT_USAGE);
	assert_int_equal(sockets_parse_list_args(ARGC(port_text), port_text, &f), EXIT_USAGE);
	assert_int_equal(sockets_parse_list_args(ARGC(port_missing), port_missing, &f), EXIT_USAGE);
	assert_int_equal(sockets_parse_list_args(ARGC(cc_missing), cc_missing, &f), EXIT_USAGE);
	assert_int_equal(sockets_parse_list_args(ARGC(cc_empty), cc_empty, &f), EXIT_USAGE);
	assert_int_equal(sockets_parse_list_args(ARGC(unknown), unknown, &f), EXIT_USAGE);
}

static void cgroup_args_need_exactly_one_path(void **state)
{
	char *ok[] = { "--cgroup", "/sys/fs/cgroup/x", NULL };
	char *none[] = { NULL };
	char *missing[] = { "--cgroup", NULL };
	char *twice[] = { "--cgroup", "a", "--cgroup", "b", NULL };
	char *extra[] = { "--cgroup", "a", "--port", NULL };
	const char *cg;

	assert_int_equal(sockets_parse_cgroup_args("attach", ARGC(ok), ok, &cg), 0);
	assert_string_equal(cg, "/sys/fs/cgroup/x");
	assert_int_equal(sockets_parse_cgroup_args("attach", 0, none, &cg), EXIT_USAGE);
	assert_int_equal(sockets_parse_cgroup_args("detach", ARGC(missing), missing, &cg), EXIT_USAGE);
	assert_int_equal(sockets_parse_cgroup_args("attach", ARGC(twice), twice, &cg), EXIT_USAGE);
	assert_int_equal(sockets_parse_cgroup_args("attach", ARGC(extra), extra, &cg), EXIT_USAGE);
}

static struct bpftcp_sock_dump dump(const char *ca, __u16 lport, __u16 pport)
{
	struct bpftcp_sock_dump d;

	memset(&d, 0, sizeof(d));
	snprintf(d.ca_name, sizeof(d.ca_name), "%s", ca);
	d.local_port = lport;
	d.peer_port = pport;
	return d;
}

static void filter_matches_port_either_end_and_cc_names(void **state)
{
	struct sockets_filter f = { 0 };
	struct bpftcp_sock_dump a = dump("bpf_cubic", 40000, 5201);
	struct bpftcp_sock_dump b = dump("cubic", 5201, 40000);
	struct bpftcp_sock_dump c = dump("reno", 40001, 80);

	assert_true(sockets_filter_match(&f, &a));
	f.port = 5201;
	assert_true(sockets_filter_match(&f, &a));
	assert_true(sockets_filter_match(&f, &b));
	assert_false(sockets_filter_match(&f, &c));
	f.port = 0;
	/* "cubic" names both the kernel's cubic and bpftcp's bpf_cubic. */
	f.cc = "cubic";
	assert_true(sockets_filter_match(&f, &a));
	assert_true(sockets_filter_match(&f, &b));
	assert_false(sockets_filter_match(&f, &c));
	f.cc = "bpf_cubic";
	assert_true(sockets_filter_match(&f, &a));
	assert_false(sockets_filter_match(&f, &b));
	f.cc = "reno";
	assert_true(sockets_filter_match(&f, &c));
	assert_false(sockets_filter_match(&f, &a));
}

/* The record is an ABI between BPF objects, the CLI and applications. */
static void record_layout_is_stable(void **state)
{
	/* With the kernel's 72-byte element header: 208 bytes, kmalloc-256. */
	assert_int_equal(sizeof(struct bpftcp_sock_state), 136);
	assert_int_equal(offsetof(struct bpftcp_sock_state, version), 0);
	assert_int_equal(offsetof(struct bpftcp_sock_state, size), 2);
	assert_int_equal(offsetof(struct bpftcp_sock_state, ca_name), 8);
	assert_int_equal(offsetof(struct bpftcp_sock_state, stats), 24);
	assert_int_equal(offsetof(struct bpftcp_sock_state, cc), 72);
	assert_int_equal(offsetof(struct bpftcp_sock_state, cc.u), 80);
	assert_int_equal(offsetof(struct bpftcp_sock_state, delack), 104);
	assert_int_equal(offsetof(struct bpftcp_sock_state, ccneg), 128);
	assert_int_equal(offsetof(struct bpftcp_ccneg_state, offer_n), 5);
	assert_int_equal(offsetof(struct bpftcp_sock_stats, established_ns), 0);
	assert_int_equal(offsetof(struct bpftcp_sock_stats, state), 44);
	assert_int_equal(offsetof(struct bpftcp_cubic_export, epoch_start_ns), 16);
	assert_true(sizeof(struct bpftcp_cubic_export) <= BPFTCP_CC_EXPORT_BYTES);
	assert_true(sizeof(struct bpftcp_dctcp_export) <= BPFTCP_CC_EXPORT_BYTES);
	assert_true(sizeof(struct bpftcp_vegas_export) <= BPFTCP_CC_EXPORT_BYTES);
	assert_int_equal(sizeof(struct bpftcp_bbr_export), BPFTCP_CC_EXPORT_BYTES);
	assert_int_equal(offsetof(struct bpftcp_bbr_export, mode), 16);
	assert_int_equal(offsetof(struct bpftcp_delack_state, rto_min_us), 12);
}

/* The strings 'ss -ti' prints for the kernel's bbr with the same values
 * (iproute2 misc/ss.c: sprint_bw() with %.3g and k/M/G/T, mrtt in ms with
 * %g, gains / 256 with %g and only when non-zero). */
static void bbr_export_printed_as_ss_does(void **state)
{
	struct bpftcp_bbr_export b = {
		.bw = 12500000, .min_rtt_us = 20123, .pacing_gain = 320, .cwnd_gain = 512,
	};
	char buf[160];

	sockets_format_bbr(buf, sizeof(buf), &b);
	assert_string_equal(buf, "bbr:(bw:100Mbps,mrtt:20.123,pacing_gain:1.25,cwnd_gain:2)");
	b = (struct bpftcp_bbr_export){ .bw = 1234, .min_rtt_us = 500, .pacing_gain = 739,
					.cwnd_gain = 739 };
	sockets_format_bbr(buf, sizeof(buf), &b);
	assert_string_equal(buf, "bbr:(bw:9.87kbps,mrtt:0.5,pacing_gain:2.88672,cwnd_gain:2.88672)");
	b = (struct bpftcp_bbr_export){ .bw = 150000000000ULL, .min_rtt_us = 7 };
	sockets_format_bbr(buf, sizeof(buf), &b);
	assert_string_equal(buf, "bbr:(bw:1.2Tbps,mrtt:0.007)");
	b = (struct bpftcp_bbr_export){ .bw = 100, .min_rtt_us = 1000000, .cwnd_gain = 256 };
	sockets_format_bbr(buf, sizeof(buf), &b);
	assert_string_equal(buf, "bbr:(bw:800bps,mrtt:1000,cwnd_gain:1)");
	b.bw = 125000000;	/* 1 Gbit/s exactly */
	sockets_format_bbr(buf, sizeof(buf), &b);
	assert_string_equal(buf, "bbr:(bw:1Gbps,mrtt:1000,cwnd_gain:1)");
	assert_string_equal(sockets_bbr_mode_name(0), "STARTUP");
	assert_string_equal(sockets_bbr_mode_name(3), "PROBE_RTT");
	assert_string_equal(sockets_bbr_mode_name(4), "?");
	assert_string_equal(bpftcp_cc_kind_name(BPFTCP_CC_BBR), "bbr");
}

static void name_tables(void **state)
{
	assert_string_equal(bpftcp_tcp_state_name(1), "ESTAB");
	assert_string_equal(bpftcp_tcp_state_name(10), "LISTEN");
	assert_string_equal(bpftcp_tcp_state_name(0), "UNKNOWN");
	assert_string_equal(bpftcp_tcp_state_name(99), "UNKNOWN");
	assert_string_equal(bpftcp_cc_kind_name(BPFTCP_CC_CUBIC), "cubic");
	assert_string_equal(bpftcp_cc_kind_name(BPFTCP_CC_NONE), "none");
	assert_string_equal(bpftcp_cc_kind_name(77), "unknown");
}

static void map_path_follows_bpftcp_bpffs(void **state)
{
	char path[256];

	setenv("BPFTCP_BPFFS", "/x/bpffs", 1);
	assert_int_equal(bpftcp_sock_state_map_path(path, sizeof(path)), 0);
	assert_string_equal(path, "/x/bpffs/bpftcp/sock_state_v3");
	assert_int_equal(bpftcp_sock_state_map_path(path, 10), -ENAMETOOLONG);
	/* A pin that does not exist is -ENODEV, whatever the privileges. */
	assert_int_equal(bpftcp_sock_state_map_open("/nonexistent/bpftcp/sock_state"), -ENODEV);
	unsetenv("BPFTCP_BPFFS");
}

static void binary_usage_errors_exit_2(void **state)
{
	char out[4096];
	const char *b = harness_bpftcp();

	assert_int_equal(harness_sh_out(out, sizeof(out), "%s sockets --port 0 2>&1", b), 2);
	assert_non_null(strstr(out, "error: bad port '0' (expected 1-65535)"));
	assert_int_equal(harness_sh_out(out, sizeof(out), "%s sockets attach 2>&1", b), 2);
	assert_non_null(strstr(out, "error: 'sockets attach' needs --cgroup PATH"));
	assert_int_equal(harness_sh_out(out, sizeof(out), "%s sockets frobnicate 2>&1", b), 2);
	/* JSON mode: the error is also a JSON document on stdout. */
	assert_int_equal(harness_sh_out(out, sizeof(out), "%s -j sockets --bogus 2>/dev/null", b), 2);
	assert_int_equal(harness_sh("%s -j sockets --bogus 2>/dev/null | python3 -c "
				    "'import json,sys; assert \"unknown argument\" in "
				    "json.load(sys.stdin)[\"error\"]'", b), 0);
	assert_int_equal(harness_sh_out(out, sizeof(out), "%s sockets --netns 2>&1", b), 2);
	assert_non_null(strstr(out, "error: --netns needs a NAME"));
	assert_int_equal(harness_sh_out(out, sizeof(out), "%s sockets -n a --all-netns 2>&1", b), 2);
	assert_non_null(strstr(out, "error: --netns and --all-netns exclude each other"));
	/* A namespace that does not exist: a failed operation, for anyone. */
	assert_int_equal(harness_sh_out(out, sizeof(out), "%s sockets -n bpftcp-no-such-ns 2>&1",
					b), 1);
	assert_non_null(strstr(out, "error: cannot open network namespace 'bpftcp-no-such-ns': "
			       "No such file or directory"));
	assert_int_equal(harness_sh_out(out, sizeof(out), "%s sockets help", b), 0);
	assert_non_null(strstr(out, "--all-netns"));
	assert_non_null(strstr(out, "bpftcp sockets { attach | detach } --cgroup PATH"));
	assert_int_equal(harness_sh_out(out, sizeof(out), "%s help", b), 0);
	assert_non_null(strstr(out, "sockets"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(list_args_filters),
		cmocka_unit_test(list_args_reject_bad_input),
		cmocka_unit_test(list_args_netns),
		cmocka_unit_test(netns_open_and_records_without_map),
		cmocka_unit_test(cgroup_args_need_exactly_one_path),
		cmocka_unit_test(filter_matches_port_either_end_and_cc_names),
		cmocka_unit_test(record_layout_is_stable),
		cmocka_unit_test(name_tables),
		cmocka_unit_test(bbr_export_printed_as_ss_does),
		cmocka_unit_test(map_path_follows_bpftcp_bpffs),
		cmocka_unit_test(binary_usage_errors_exit_2),
	};

	return cmocka_run_group_tests_name("sockets_cli", tests, NULL, NULL);
}
