// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Privileged tests for bpf_cdg's sk_local_storage: CDG's gradient window
 * does not fit in icsk_ca_priv, so cc/cdg.bpf.c keeps it in the
 * sk_storage map cdg_gradients, created in .init and deleted in .release.
 * These tests look the element up for a live connection's socket, and
 * check the program's storage_created/storage_deleted counters balance once
 * connections close or switch to another algorithm.  Traffic stays in a
 * private netns; the registration is undone in every teardown.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "harness.h"
#include "bpftcp/libbpftcp.h"
#include "bpftcp/cdg.h"

#define MIB (1024ULL * 1024)
#define GRADIENTS_MAP "cdg_gradients"

static const struct bpftcp_cc_info *cdg;

static int bpftcp(const char *args)
{
	char out[16384];
	int rc = harness_bpftcp_run(out, sizeof(out), args);

	if (rc)
		print_message("bpftcp %s -> %d: %s", args, rc, out);
	return rc;
}

static int setup_registered(void **state)
{
	if (harness_bpf_unavailable())
		return 0;	/* the test itself reports the skip */
	if (bpftcp_cc_is_registered(cdg->name) == 1)
		bpftcp("cc unregister cdg");
	return bpftcp("cc register cdg") == 0 ? 0 : -1;
}

static int teardown(void **state)
{
	if (harness_bpf_unavailable())
		return 0;
	harness_sh("sysctl -qw net.ipv4.tcp_congestion_control=reno");
	if (bpftcp_cc_is_registered(cdg->name) == 1)
		bpftcp("cc unregister cdg");
	return 0;
}

static int group_setup(void **state)
{
	cdg = bpftcp_cc_find("cdg");
	if (!cdg)
		return -1;
	if (harness_bpf_unavailable())
		return 0;
	return harness_private_netns();
}

struct storage_counters {
	unsigned long long created, deleted, failed;
	bool seen;
};

static int take_counter(const char *name, __u64 v, void *ctx)
{
	struct storage_counters *c = ctx;

	if (!strcmp(name, "storage_created")) {
		c->created = v;
		c->seen = true;
	} else if (!strcmp(name, "storage_deleted")) {
		c->deleted = v;
	} else if (!strcmp(name, "storage_failed")) {
		c->failed = v;
	}
	return 0;
}

static struct storage_counters counters(void)
{
	struct storage_counters c = { 0 };

	bpftcp_cc_counters_foreach(cdg->name, take_counter, &c);
	return c;
}

/* Waits (up to 3 s) until every storage element created was deleted:
 * sockets are destroyed shortly after close, not at close(). */
static struct storage_counters counters_when_balanced(void)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	struct storage_counters c = counters();

	for (int i = 0; i < 300 && c.created != c.deleted; i++) {
		nanosleep(&ts, NULL);
		c = counters();
	}
	return c;
}

static int map_id_of_pin(const char *path, __u32 *id)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);
	int fd = bpf_obj_get(path), err;

	if (fd < 0)
		return -errno;
	err = bpf_map_get_info_by_fd(fd, &info, &len) ? -errno : 0;
	*id = info.id;
	close(fd);
	return err;
}

/* The sk_storage map of the registered bpf_cdg, found through its programs
 * (the struct_ops programs that use its pinned counter map). */
static int gradients_map_fd(void)
{
	char dir[PATH_MAX], path[PATH_MAX + 16];
	__u32 stats_id = 0, id = 0;

	if (bpftcp_cc_pin_dir(cdg->name, dir, sizeof(dir)))
		return -ENOENT;
	snprintf(path, sizeof(path), "%s/stats", dir);
	if (map_id_of_pin(path, &stats_id))
		return -ENOENT;
	while (!bpf_prog_get_next_id(id, &id)) {
		__u32 map_ids[16], len = sizeof(struct bpf_prog_info);
		struct bpf_prog_info pi = { 0 };
		bool ours = false;
		int pfd = bpf_prog_get_fd_by_id(id);

		if (pfd < 0)
			continue;
		pi.nr_map_ids = 16;
		pi.map_ids = (__u64)(unsigned long)map_ids;
		if (bpf_prog_get_info_by_fd(pfd, &pi, &len) || pi.type != BPF_PROG_TYPE_STRUCT_OPS) {
			close(pfd);
			continue;
		}
		close(pfd);
		for (__u32 i = 0; i < pi.nr_map_ids && i < 16; i++)
			ours |= map_ids[i] == stats_id;
		for (__u32 i = 0; ours && i < pi.nr_map_ids && i < 16; i++) {
			struct bpf_map_info mi = { 0 };
			__u32 mlen = sizeof(mi);
			int mfd = bpf_map_get_fd_by_id(map_ids[i]);

			if (mfd < 0)
				continue;
			if (!bpf_map_get_info_by_fd(mfd, &mi, &mlen) &&
			    mi.type == BPF_MAP_TYPE_SK_STORAGE && !strcmp(mi.name, GRADIENTS_MAP))
				return mfd;
			close(mfd);
		}
	}
	return -ENOENT;
}

struct midway_check {
	int lookup_err;			/* 0 if the client's element was found */
	__u32 value_size;
	struct storage_counters during;
	const char *switch_to;		/* setsockopt(TCP_CONGESTION) to this first */
	int switch_err;
};

/* Looks up the client socket's gradient window while the transfer runs. */
static void check_midway(int client_fd, void *ctx)
{
	struct cdg_minmax window[CDG_WINDOW_MAX];
	struct midway_check *m = ctx;
	struct bpf_map_info mi = { 0 };
	__u32 mlen = sizeof(mi);
	int fd = gradients_map_fd();

	if (m->switch_to && setsockopt(client_fd, IPPROTO_TCP, TCP_CONGESTION, m->switch_to,
				       strlen(m->switch_to)))
		m->switch_err = -errno;
	m->during = counters();
	if (fd < 0) {
		m->lookup_err = fd;
		return;
	}
	if (!bpf_map_get_info_by_fd(fd, &mi, &mlen))
		m->value_size = mi.value_size;
	m->lookup_err = bpf_map_lookup_elem(fd, &client_fd, window) ? -errno : 0;
	close(fd);
}

static void gradient_window_lives_in_sk_storage_and_is_freed(void **state)
{
	struct midway_check m = { .lookup_err = 1 };
	struct transfer_opts o = { .cc = "bpf_cdg", .bytes = 16 * MIB,
				   .midway = check_midway, .ctx = &m };
	struct storage_counters before, after;
	struct bpftcp_cc_stats st;
	struct transfer_result r;
	int err;

	harness_require_bpf();
	before = counters();
	assert_true(before.seen);
	/* The accepted socket runs bpf_cdg too: two elements. */
	assert_int_equal(harness_sh("sysctl -qw net.ipv4.tcp_congestion_control=bpf_cdg"), 0);
	err = harness_transfer(&o, &r);
	harness_sh("sysctl -qw net.ipv4.tcp_congestion_control=reno");
	assert_int_equal(err, 0);
	assert_true(r.data_ok);
	assert_string_equal(r.client_cc, "bpf_cdg");
	assert_string_equal(r.server_cc, "bpf_cdg");

	/* Mid-transfer the client's window was in the map, and both
	 * connections' elements existed. */
	assert_int_equal(m.lookup_err, 0);
	assert_int_equal(m.value_size, sizeof(struct cdg_minmax) * CDG_WINDOW_MAX);
	assert_true(m.during.created - m.during.deleted >= 2);

	/* Once the sockets are gone, every element was deleted in .release. */
	after = counters_when_balanced();
	print_message("storage: created %llu, deleted %llu, failed %llu\n",
		      after.created - before.created, after.deleted - before.deleted,
		      after.failed - before.failed);
	assert_int_equal(after.created - before.created, 2);
	assert_int_equal(after.deleted - before.deleted, 2);
	assert_int_equal(after.failed, before.failed);
	assert_int_equal(bpftcp_cc_stats(cdg->name, &st), 0);
	assert_true(st.calls[BPFTCP_OP_RELEASE] >= 2);
	assert_true(st.calls[BPFTCP_OP_CONG_AVOID] > 0);
	assert_int_equal(st.errors, 0);
}

static void switching_away_releases_storage_at_once(void **state)
{
	struct midway_check m = { .lookup_err = 1, .switch_to = "reno" };
	struct transfer_opts o = { .cc = "bpf_cdg", .bytes = 16 * MIB,
				   .midway = check_midway, .ctx = &m };
	struct storage_counters before, after;
	struct transfer_result r;

	harness_require_bpf();
	before = counters();
	assert_int_equal(harness_transfer(&o, &r), 0);
	assert_true(r.data_ok);
	assert_int_equal(m.switch_err, 0);
	assert_string_equal(r.client_cc, "reno");
	/* The switch ran bpf_cdg's .release on the live socket: its element
	 * is gone while the connection is still open. */
	assert_int_equal(m.lookup_err, -ENOENT);
	assert_int_equal(m.during.created - before.created, 1);
	assert_int_equal(m.during.deleted - before.deleted, 1);
	after = counters_when_balanced();
	assert_int_equal(after.created - before.created, 1);
	assert_int_equal(after.deleted - before.deleted, 1);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup_registered, teardown)
	const struct CMUnitTest tests[] = {
		T(gradient_window_lives_in_sk_storage_and_is_freed),
		T(switching_away_releases_storage_at_once),
	};

	return cmocka_run_group_tests_name("bpf_cdg", tests, group_setup, NULL);
}
