// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Privileged tests for bpf_cubic and the bpftcp cc lifecycle: real BPF, real
 * bytes.  The process runs in a private network namespace (so sysctl changes
 * are private); registrations are global by nature and are always undone in
 * the teardown, whatever the test did.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include "harness.h"
#include "bpftcp/libbpftcp.h"

#define MIB (1024ULL * 1024)

static const struct bpftcp_cc_info *cubic;

static void unregister_quietly(void)
{
	if (bpftcp_cc_is_registered(cubic->name) == 1)
		harness_bpftcp_run(NULL, 0, "cc unregister cubic");
}

static int setup_registered(void **state)
{
	if (harness_bpf_unavailable())
		return 0;	/* the test itself reports the skip */
	unregister_quietly();
	return harness_bpftcp_run(NULL, 0, "cc register cubic") == 0 ? 0 : -1;
}

static int teardown(void **state)
{
	if (!harness_bpf_unavailable())
		unregister_quietly();
	return 0;
}

static int group_setup(void **state)
{
	cubic = bpftcp_cc_find("cubic");
	if (!cubic)
		return -1;
	if (harness_bpf_unavailable())
		return 0;
	/* Private netns: the default-CC sysctl and the traffic stay here. */
	return harness_private_netns();
}

static long link_map_id(void);

static void register_lists_in_kernel_and_bpftool(void **state)
{
	char out[16384], dir[4096], cmd[8192];

	harness_require_bpf();
	assert_true(harness_cc_available("bpf_cubic"));
	assert_true(bpftcp_cc_is_registered(cubic->name) == 1);
	/* The struct_ops map is named after the algorithm. */
	assert_int_equal(harness_sh_out(out, sizeof(out), "bpftool struct_ops list"), 0);
	assert_non_null(strstr(out, "bpf_cubic"));
	assert_non_null(strstr(out, "tcp_congestion_ops"));
	/* The registration is a pinned link that outlives the command. */
	assert_int_equal(bpftcp_cc_pin_dir(cubic->name, dir, sizeof(dir)), 0);
	snprintf(cmd, sizeof(cmd), "bpftool link show pinned %s/link | grep -q struct_ops", dir);
	assert_int_equal(harness_sh("%s", cmd), 0);
	assert_int_equal(harness_bpftcp_run(out, sizeof(out), "-j cc list"), 0);
	assert_non_null(strstr(out, "\"name\":\"bpf_cubic\",\"source\":\"bpftcp\",\"shipped\":true,"
				    "\"registered\":true,\"pinned\":true"));
	/* status lists it as registered, and its map (held by the link) is
	 * not among the retained ones. */
	assert_int_equal(harness_bpftcp_run(out, sizeof(out), "-j status"), 0);
	assert_non_null(strstr(out, "\"registered_cc\":[\"bpf_cubic\"]"));
	assert_non_null(strstr(out, "\"retained_cc\":["));
	snprintf(cmd, sizeof(cmd), "{\"name\":\"bpf_cubic\",\"map_id\":%ld}", link_map_id());
	assert_null(strstr(out, cmd));
}

static void selected_by_sysctl_in_private_netns(void **state)
{
	struct transfer_opts o = { .bytes = 4 * MIB };
	struct transfer_result r;
	char prev[64] = "";

	harness_require_bpf();
	harness_sh_out(prev, sizeof(prev), "sysctl -n net.ipv4.tcp_congestion_control | tr -d '\\n'");
	assert_int_equal(harness_sh("sysctl -qw net.ipv4.tcp_congestion_control=bpf_cubic"), 0);
	assert_int_equal(harness_transfer(&o, &r), 0);
	harness_sh("sysctl -qw net.ipv4.tcp_congestion_control=%s", prev);
	assert_true(r.data_ok);
	assert_string_equal(r.client_cc, "bpf_cubic");
	assert_string_equal(r.server_cc, "bpf_cubic");
}

static void setsockopt_moves_64mib_verified(void **state)
{
	struct transfer_opts o = { .cc = "bpf_cubic", .bytes = 64 * MIB };
	struct bpftcp_cc_stats before, after;
	struct transfer_result r;

	harness_require_bpf();
	assert_int_equal(bpftcp_cc_stats(cubic->name, &before), 0);
	assert_int_equal(harness_transfer(&o, &r), 0);
	assert_int_equal(bpftcp_cc_stats(cubic->name, &after), 0);
	print_message("64 MiB in %.3f s with %s\n", r.seconds, r.client_cc);
	assert_true(r.sent == 64 * MIB);
	assert_true(r.received == 64 * MIB);
	assert_true(r.data_ok);
	assert_string_equal(r.client_cc, "bpf_cubic");
	/* The BPF counters prove our callbacks ran for this connection. */
	assert_true(after.calls[BPFTCP_OP_INIT] > before.calls[BPFTCP_OP_INIT]);
	assert_true(after.calls[BPFTCP_OP_CONG_AVOID] > before.calls[BPFTCP_OP_CONG_AVOID]);
	assert_true(after.calls[BPFTCP_OP_PKTS_ACKED] > before.calls[BPFTCP_OP_PKTS_ACKED]);
	assert_int_equal(after.errors, 0);
}

static void setsockopt_over_ipv6(void **state)
{
	struct transfer_opts o = { .cc = "bpf_cubic", .bytes = 8 * MIB, .family = AF_INET6 };
	struct transfer_result r;

	harness_require_bpf();
	assert_int_equal(harness_transfer(&o, &r), 0);
	assert_true(r.data_ok);
	assert_string_equal(r.client_cc, "bpf_cubic");
}

static void second_register_is_a_clear_error(void **state)
{
	char out[4096];

	harness_require_bpf();
	assert_int_equal(harness_bpftcp_run(out, sizeof(out), "cc register cubic"), 1);
	assert_non_null(strstr(out, "error: cannot register bpf_cubic: File exists "
				    "(already registered? see 'bpftcp cc list')"));
	/* ...and it did not disturb the existing registration. */
	assert_true(harness_cc_available("bpf_cubic"));
	assert_true(bpftcp_cc_is_registered(cubic->name) == 1);
}

/* Is struct_ops map @map_id among those bpftcp_cc_retained() reports (named
 * bpf_cubic)? */
static bool retained(long map_id)
{
	static struct bpftcp_cc_retained r[4096];
	int n = bpftcp_cc_retained(r, 4096);

	assert_true(n >= 0 && n <= 4096);
	for (int i = 0; i < n; i++)
		if (r[i].map_id == map_id) {
			assert_string_equal(r[i].name, "bpf_cubic");
			return true;
		}
	return false;
}

struct midway {
	int unreg_rc;
	long map_id;		/* the registration's struct_ops map */
	bool retained_while_open;
};

static void unregister_midway(int fd, void *ctx)
{
	struct midway *m = ctx;

	m->map_id = link_map_id();
	assert_false(retained(m->map_id));	/* registered: a link holds it */
	m->unreg_rc = harness_bpftcp_run(NULL, 0, "cc unregister bpf_cubic");
	m->retained_while_open = retained(m->map_id);
}

static void open_connection_survives_unregister(void **state)
{
	struct midway m = { .unreg_rc = -1 };
	struct transfer_opts o = { .cc = "bpf_cubic", .bytes = 64 * MIB,
				   .midway = unregister_midway, .ctx = &m };
	struct transfer_result r;
	bool gone = false;

	harness_require_bpf();
	assert_int_equal(harness_transfer(&o, &r), 0);
	assert_int_equal(m.unreg_rc, 0);
	/* Gone for new connections... */
	assert_false(harness_cc_available("bpf_cubic"));
	assert_false(bpftcp_cc_is_registered(cubic->name) == 1);
	/* ...but the open one ran to the end, on bpf_cubic, intact. */
	assert_true(r.data_ok);
	assert_true(r.received == 64 * MIB);
	assert_string_equal(r.client_cc, "bpf_cubic");
	/* 'bpftcp status' saw the algorithm retained while the connection was
	 * open, and sees it go once the connection's sockets are gone. */
	assert_true(m.map_id > 0);
	assert_true(m.retained_while_open);
	for (int i = 0; i < 100 && !gone; i++) {
		gone = !retained(m.map_id);
		if (!gone)
			usleep(50 * 1000);
	}
	assert_true(gone);
}

static void unregister_removes_from_kernel_list(void **state)
{
	struct transfer_opts o = { .cc = "bpf_cubic", .bytes = MIB };
	struct transfer_result r;
	char out[4096];

	harness_require_bpf();
	assert_int_equal(harness_bpftcp_run(out, sizeof(out), "cc unregister cubic"), 0);
	assert_false(harness_cc_available("bpf_cubic"));
	assert_false(bpftcp_cc_is_registered(cubic->name) == 1);
	/* New sockets can no longer select it. */
	assert_int_equal(harness_transfer(&o, &r), -ENOENT);
	/* A second unregister is a clear error. */
	assert_int_equal(harness_bpftcp_run(out, sizeof(out), "cc unregister cubic"), 1);
	assert_non_null(strstr(out, "not registered"));
}

static void host_default(char *buf, size_t len)
{
	harness_host_sh_out(buf, len, "sysctl -n net.ipv4.tcp_congestion_control");
	buf[strcspn(buf, "\n")] = '\0';
}

static void register_default_sets_and_unregister_restores(void **state)
{
	char out[4096], saved[64] = "", cur[64] = "", allowed[4096] = "", after[4096] = "";

	harness_require_bpf();
	unregister_quietly();
	/* Setting a default also marks it allowed (a kernel side effect that
	 * outlives the default): restore the allowed list as well. */
	harness_host_sh_out(allowed, sizeof(allowed), "sysctl -n net.ipv4.tcp_allowed_congestion_control");
	allowed[strcspn(allowed, "\n")] = '\0';
	/* This one changes the host's default, as the user would: restore it
	 * whatever happens (the teardown unregisters bpf_cubic too). */
	host_default(saved, sizeof(saved));
	assert_true(saved[0] != '\0');
	int rc = harness_bpftcp_run(out, sizeof(out), "cc register cubic --default");
	host_default(cur, sizeof(cur));
	if (rc || strcmp(cur, "bpf_cubic"))
		harness_host_sh_out(NULL, 0, "sysctl -qw net.ipv4.tcp_congestion_control=%s", saved);
	assert_int_equal(rc, 0);
	assert_string_equal(cur, "bpf_cubic");
	assert_int_equal(harness_bpftcp_run(out, sizeof(out), "cc unregister cubic"), 0);
	/* The default moves to the kernel's cubic rather than dangling. */
	host_default(cur, sizeof(cur));
	harness_host_sh_out(NULL, 0, "sysctl -qw net.ipv4.tcp_congestion_control=%s", saved);
	harness_host_sh_out(NULL, 0, "sysctl -qw net.ipv4.tcp_allowed_congestion_control='%s'", allowed);
	assert_string_equal(cur, "cubic");
	host_default(cur, sizeof(cur));
	assert_string_equal(cur, saved);
	harness_host_sh_out(after, sizeof(after), "sysctl -n net.ipv4.tcp_allowed_congestion_control");
	after[strcspn(after, "\n")] = '\0';
	assert_string_equal(after, allowed);
}

/*
 * setsockopt(TCP_CONGESTION, @name) on a new socket, from a child that gave
 * up root (and so CAP_NET_ADMIN): 0, or the errno it failed with.
 */
static int unprivileged_setsockopt_cc(const char *name)
{
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		int fd;

		if (setgid(65534) || setuid(65534))
			_exit(100);
		fd = socket(AF_INET, SOCK_STREAM, 0);
		if (fd < 0)
			_exit(101);
		if (setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, name, strlen(name)))
			_exit(errno < 100 ? errno : 102);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_true(WEXITSTATUS(status) < 100);
	return WEXITSTATUS(status);
}

static void registered_is_allowed_unless_restricted(void **state)
{
	char out[4096], allowed[4096];

	harness_require_bpf();
	harness_host_sh_out(allowed, sizeof(allowed), "sysctl -n net.ipv4.tcp_allowed_congestion_control");
	assert_non_null(strstr(allowed, "bpf_cubic"));
	unregister_quietly();
	/* The kernel derives the list, so unregistering dropped the name. */
	harness_host_sh_out(allowed, sizeof(allowed), "sysctl -n net.ipv4.tcp_allowed_congestion_control");
	assert_null(strstr(allowed, "bpf_cubic"));
	assert_int_equal(harness_bpftcp_run(out, sizeof(out), "cc register cubic --restricted"), 0);
	harness_host_sh_out(allowed, sizeof(allowed), "sysctl -n net.ipv4.tcp_allowed_congestion_control");
	assert_null(strstr(allowed, "bpf_cubic"));
	/* A restricted algorithm is for privileged sockets only.  (Not checked
	 * by trying it as a netns default: that EPERM leaks a reference to the
	 * algorithm in Linux's tcp_set_default_congestion_control(), up to
	 * 6.18 at least, and the unregistered struct_ops map would stay in
	 * memory until reboot.  docs/algorithms.md says so for users.) */
	assert_int_equal(unprivileged_setsockopt_cc("bpf_cubic"), EPERM);
	assert_int_equal(unprivileged_setsockopt_cc("reno"), 0);
}

/* The struct_ops map id behind the pinned registration link. */
static long link_map_id(void)
{
	char dir[4096], out[256];

	if (bpftcp_cc_pin_dir(cubic->name, dir, sizeof(dir)) ||
	    harness_sh_out(out, sizeof(out), "bpftool -j link show pinned %s/link | "
			   "python3 -c 'import json,sys; print(json.load(sys.stdin)[\"map_id\"])'", dir))
		return -1;
	return atol(out);
}

static void replace_hot_swaps_in_place(void **state)
{
	struct transfer_opts o = { .cc = "bpf_cubic", .bytes = 4 * MIB };
	struct bpftcp_cc_stats st;
	struct transfer_result r;
	long before, after;
	char out[4096];

	harness_require_bpf();
	before = link_map_id();
	assert_true(before > 0);
	assert_int_equal(harness_bpftcp_run(out, sizeof(out), "cc replace cubic"), 0);
	after = link_map_id();
	/* Same link, new struct_ops map behind it, name never missing. */
	assert_true(after > 0 && after != before);
	assert_true(harness_cc_available("bpf_cubic"));
	assert_int_equal(harness_transfer(&o, &r), 0);
	assert_true(r.data_ok);
	/* The re-pinned counters belong to the new program. */
	assert_int_equal(bpftcp_cc_stats(cubic->name, &st), 0);
	assert_true(st.calls[BPFTCP_OP_INIT] >= 1);
}

static void stats_json_reports_callbacks(void **state)
{
	struct transfer_opts o = { .cc = "bpf_cubic", .bytes = 4 * MIB };
	struct transfer_result r;

	harness_require_bpf();
	assert_int_equal(harness_transfer(&o, &r), 0);
	assert_int_equal(harness_sh("%s -j cc stats cubic | python3 -c 'import json,sys; "
				    "d=json.load(sys.stdin)[0]; assert d[\"name\"]==\"bpf_cubic\"; "
				    "assert d[\"calls\"][\"cong_avoid\"]>0 and d[\"errors\"]==0, d; "
				    "assert \"hystart_train_detect\" in d[\"counters\"]'",
				    harness_bpftcp()), 0);
}

static void no_kernel_btf_is_a_clear_error(void **state)
{
	char out[4096];

	harness_require_bpf();
	unregister_quietly();
	/* Hide /sys/kernel/btf in a private mount namespace. */
	assert_int_equal(harness_sh_out(out, sizeof(out),
		"unshare -m --propagation private sh -c 'mount -t tmpfs none /sys/kernel/btf && "
		"exec %s cc register cubic' 2>&1", harness_bpftcp()), 1);
	assert_non_null(strstr(out, "error: kernel BTF not found: "));
	assert_non_null(strstr(out, "CONFIG_DEBUG_INFO_BTF"));
	assert_false(harness_cc_available("bpf_cubic"));
}

static void bpffs_not_mountable_is_a_clear_error(void **state)
{
	char out[4096];

	harness_require_bpf();
	unregister_quietly();
	/* In a private mount namespace: no bpffs anywhere, and /sys/fs is a
	 * read-only empty tmpfs, so /sys/fs/bpf cannot even be created. */
	assert_int_equal(harness_sh_out(out, sizeof(out),
		"unshare -m --propagation private sh -c '"
		"for m in $(awk \"\\$3 == \\\"bpf\\\" { print \\$2 }\" /proc/mounts); do umount -l $m; done; "
		"mount -t tmpfs -o ro none /sys/fs && exec %s cc register cubic' 2>&1",
		harness_bpftcp()), 1);
	print_message("%s", out);
	assert_non_null(strstr(out, "error: cannot mount bpffs at /sys/fs/bpf"));
	/* Nothing half-registered: the kernel does not list it. */
	assert_false(harness_cc_available("bpf_cubic"));
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup_registered, teardown)
	const struct CMUnitTest tests[] = {
		T(register_lists_in_kernel_and_bpftool),
		T(selected_by_sysctl_in_private_netns),
		T(setsockopt_moves_64mib_verified),
		T(setsockopt_over_ipv6),
		T(second_register_is_a_clear_error),
		T(open_connection_survives_unregister),
		T(unregister_removes_from_kernel_list),
		T(register_default_sets_and_unregister_restores),
		T(registered_is_allowed_unless_restricted),
		T(replace_hot_swaps_in_place),
		T(stats_json_reports_callbacks),
		T(no_kernel_btf_is_a_clear_error),
		T(bpffs_not_mountable_is_a_clear_error),
	};

	/* TEST_FILTER=pattern runs a subset (cmocka wildcards). */
	if (getenv("TEST_FILTER"))
		cmocka_set_test_filter(getenv("TEST_FILTER"));
	return cmocka_run_group_tests_name("bpf_cubic", tests, group_setup, NULL);
}
