// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Privileged test over every congestion control bpftcp ships (the generated
 * table, so new algorithms are covered without edits): each one registers,
 * is listed by the kernel, carries a verified transfer selected with
 * setsockopt(TCP_CONGESTION) in a private netns (the receiver runs it too,
 * from the netns default: DCTCP, for one, negotiates ECN only with a DCTCP
 * peer, and falls back to Reno otherwise), shows its callbacks ran in
 * its BPF counters without errors, and unregisters cleanly.  Also checks that
 * "register all" / "unregister all" round-trip.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "harness.h"
#include "bpftcp/libbpftcp.h"

#define MIB (1024ULL * 1024)

static int bpftcp(const char *args)
{
	char out[16384];
	int rc = harness_host_sh_out(out, sizeof(out), "%s %s 2>&1", harness_bpftcp(), args);

	if (rc)
		print_message("bpftcp %s -> %d: %s", args, rc, out);
	return rc;
}

/* The private netns's default CC as it started, restored after each use. */
static char netns_default[64];

static void restore_netns_default(void)
{
	if (netns_default[0])
		harness_sh("sysctl -qw net.ipv4.tcp_congestion_control=%s", netns_default);
}

static int group_setup(void **state)
{
	if (harness_bpf_unavailable())
		return 0;
	if (harness_private_netns())
		return -1;
	harness_sh_out(netns_default, sizeof(netns_default),
		       "sysctl -n net.ipv4.tcp_congestion_control");
	netns_default[strcspn(netns_default, "\n")] = '\0';
	return netns_default[0] ? 0 : -1;
}

static int teardown(void **state)
{
	if (harness_bpf_unavailable())
		return 0;
	/* First, so that no default pins an algorithm being unregistered. */
	restore_netns_default();
	for (int i = 0; i < bpftcp_cc_count(); i++)
		if (bpftcp_cc_is_registered(bpftcp_cc_get(i)->name) == 1)
			bpftcp("cc unregister all");
	return 0;
}

static void check_one(const struct bpftcp_cc_info *a)
{
	struct transfer_opts o = { .cc = a->kname, .bytes = 16 * MIB };
	struct bpftcp_cc_stats st;
	struct transfer_result r;
	char args[256];
	int err;

	print_message("-- %s: %s\n", a->kname, a->summary);
	snprintf(args, sizeof(args), "cc register %s", a->name);
	assert_int_equal(bpftcp(args), 0);
	assert_true(harness_cc_available(a->kname));

	/* The server side (the listener) takes the netns default. */
	assert_int_equal(harness_sh("sysctl -qw net.ipv4.tcp_congestion_control=%s", a->kname), 0);
	err = harness_transfer(&o, &r);
	restore_netns_default();
	assert_int_equal(err, 0);
	assert_true(r.data_ok);
	assert_true(r.received == 16 * MIB);
	assert_string_equal(r.client_cc, a->kname);
	assert_string_equal(r.server_cc, a->kname);

	assert_int_equal(bpftcp_cc_stats(a->name, &st), 0);
	print_message("   %.0f Mbit/s, init=%llu cong_avoid=%llu cong_control=%llu acked=%llu errors=%llu\n",
		      r.seconds > 0 ? r.received * 8 / r.seconds / 1e6 : 0,
		      (unsigned long long)st.calls[BPFTCP_OP_INIT],
		      (unsigned long long)st.calls[BPFTCP_OP_CONG_AVOID],
		      (unsigned long long)st.calls[BPFTCP_OP_CONG_CONTROL],
		      (unsigned long long)st.calls[BPFTCP_OP_PKTS_ACKED],
		      (unsigned long long)st.errors);
	/* Every algorithm either grows the window per ACK or controls it
	 * (init is optional: Reno has none, as in the kernel). */
	assert_true(st.calls[BPFTCP_OP_CONG_AVOID] + st.calls[BPFTCP_OP_CONG_CONTROL] > 0);
	assert_int_equal(st.errors, 0);

	snprintf(args, sizeof(args), "cc unregister %s", a->name);
	assert_int_equal(bpftcp(args), 0);
	assert_false(harness_cc_available(a->kname));
	assert_false(bpftcp_cc_is_registered(a->name) == 1);
}

static void every_algorithm_registers_carries_data_and_unregisters(void **state)
{
	harness_require_bpf();
	assert_true(bpftcp_cc_count() >= 1);
	for (int i = 0; i < bpftcp_cc_count(); i++)
		check_one(bpftcp_cc_get(i));
}

static void register_all_and_unregister_all_round_trip(void **state)
{
	harness_require_bpf();
	assert_int_equal(bpftcp("cc register all"), 0);
	for (int i = 0; i < bpftcp_cc_count(); i++) {
		assert_true(harness_cc_available(bpftcp_cc_get(i)->kname));
		assert_true(bpftcp_cc_is_registered(bpftcp_cc_get(i)->name) == 1);
	}
	/* "all" skips what is already there rather than failing. */
	assert_int_equal(bpftcp("cc register all"), 0);
	assert_int_equal(bpftcp("cc unregister all"), 0);
	for (int i = 0; i < bpftcp_cc_count(); i++)
		assert_false(harness_cc_available(bpftcp_cc_get(i)->kname));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(every_algorithm_registers_carries_data_and_unregisters, teardown),
		cmocka_unit_test_teardown(register_all_and_unregister_all_round_trip, teardown),
	};

	return cmocka_run_group_tests_name("bpf_cc", tests, group_setup, NULL);
}
