// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Privileged tests of libbpftcp's header-option and collection API (lib/opt.c,
 * lib/sockets.c), called the way an application would: no CLI.
 *
 * Isolation: a private mount namespace with its own bpffs (BPFTCP_BPFFS), so
 * every pin is private and vanishes with the process, and a fresh cgroup
 * with a random name that no process joins (attaching needs none).
 *
 * What an application relies on: attach, see the attachment with its
 * settings, detach; no file descriptor left behind (an attach used to
 * disconnect its link before destroying it, which leaked the link's fd);
 * nothing written to stderr once a print callback is set.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "harness.h"
#include "bpftcp/libbpftcp.h"

static char bpffs[64];
static char cg[PATH_MAX];
static int stderr_copy = -1;
static char stderr_file[] = "/tmp/bpftcp-libopt-stderr-XXXXXX";
static int warnings;
static char last_warning[512];

static int count_print(enum libbpftcp_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPFTCP_WARN) {
		warnings++;
		vsnprintf(last_warning, sizeof(last_warning), fmt, ap);
	}
	return 0;
}

static void capture_flush(void);

static int group_setup(void **state)
{
	char mnt[PATH_MAX];
	int fd;

	if (harness_bpf_unavailable())
		return 0;
	if (harness_private_bpffs(bpffs, sizeof(bpffs)))
		return -1;
	if (bpftcp_find_mount("cgroup2", mnt, sizeof(mnt)))
		return -1;
	srand(time(NULL) ^ getpid());
	snprintf(cg, sizeof(cg), "%s/bpftcp-test-libopt-%d-%u", mnt, (int)getpid(),
		 (unsigned)rand());
	if (mkdir(cg, 0755))
		return -1;
	/* From here on stderr goes to a file the tests check is empty. */
	libbpftcp_set_print(count_print);
	fd = mkstemp(stderr_file);
	if (fd < 0)
		return -1;
	fflush(stderr);
	stderr_copy = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	close(fd);
	return 0;
}

static void restore_stderr(void)
{
	if (stderr_copy < 0)
		return;
	fflush(stderr);
	dup2(stderr_copy, STDERR_FILENO);
	close(stderr_copy);
	stderr_copy = -1;
}

static int group_teardown(void **state)
{
	if (harness_bpf_unavailable())
		return 0;
	capture_flush();
	restore_stderr();
	unlink(stderr_file);
	bpftcp_opt_detach("delack", cg);
	bpftcp_sockets_detach(cg);
	rmdir(cg);
	harness_private_bpffs_release();
	return 0;
}

/*
 * Passes what stderr captured on to the real stderr, and empties the
 * capture.  cmocka prints a failed assertion's message after the test's
 * teardown, so this runs before each test (and at the end).
 */
static void capture_flush(void)
{
	char buf[4096];
	ssize_t n;
	int fd;

	fflush(stderr);
	if (stderr_copy < 0)
		return;
	fd = open(stderr_file, O_RDONLY | O_CLOEXEC);
	while (fd >= 0 && (n = read(fd, buf, sizeof(buf))) > 0)
		if (write(stderr_copy, buf, n) != n)
			break;
	if (fd >= 0)
		close(fd);
	if (ftruncate(STDERR_FILENO, 0) == 0)
		lseek(STDERR_FILENO, 0, SEEK_SET);
}

/* Each test starts with no warning counted and an empty capture. */
static int capture_begin(void **state)
{
	capture_flush();
	warnings = 0;
	last_warning[0] = '\0';
	return 0;
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n - 1;	/* the directory's own fd */
}

static void stderr_is_empty(void)
{
	struct stat st;

	fflush(stderr);
	assert_int_equal(stat(stderr_file, &st), 0);
	if (st.st_size) {
		fail_msg("libbpftcp wrote %lld bytes to stderr with a print callback set",
			 (long long)st.st_size);
	}
}

struct seen {
	int n;
	__u64 cgroup_id;
	bool attached;
	char cgroup[PATH_MAX];
	char peers[2][64];
	size_t peers_cnt;
	__u32 max_delack_us, advertised_us, floor, ceiling, hz;
	bool record, restricted;
	__u64 sent;
};

static int seen_cb(const struct bpftcp_opt_attachment *a, void *ctx)
{
	struct seen *s = ctx;

	assert_int_equal(a->sz, sizeof(*a));
	assert_string_equal(a->option, "delack");
	s->n++;
	s->cgroup_id = a->cgroup_id;
	s->attached = a->attached;
	snprintf(s->cgroup, sizeof(s->cgroup), "%s", a->cgroup);
	s->peers_cnt = a->delack.peers_cnt;
	for (size_t i = 0; i < a->delack.peers_cnt && i < 2; i++)
		assert_int_equal(bpftcp_cidr_format(&a->delack.peers[i], s->peers[i],
						    sizeof(s->peers[i])), 0);
	s->max_delack_us = a->delack.max_delack_us;
	s->advertised_us = a->delack.advertised_us;
	s->floor = a->delack.rto_floor_us;
	s->ceiling = a->delack.rto_ceiling_us;
	s->hz = a->delack.hz;
	s->record = a->delack.record;
	s->restricted = a->delack.peers_restricted;
	s->sent = a->counters.sent;
	return 0;
}

static void delack_attach_foreach_detach_without_fd_leak(void **state)
{
	struct bpftcp_cidr peers[2];
	BPFTCP_OPTS(bpftcp_delack_opts, o, .max_delack_us = 20000, .rto_floor_us = 10000,
		    .rto_ceiling_us = 100000, .peers = peers, .peers_cnt = 2, .record = true);
	char path[PATH_MAX];
	struct seen s;
	int fds;
	__u64 id;

	harness_require_bpf();
	assert_int_equal(bpftcp_cgroup_resolve(cg, path, sizeof(path), &id), 0);
	assert_int_equal(bpftcp_cidr_parse("198.18.0.0/15", &peers[0]), 0);
	assert_int_equal(bpftcp_cidr_parse("2001:2::/48", &peers[1]), 0);
	fds = count_fds();
	/* Several rounds: one leaked fd per attach would add up. */
	for (int round = 0; round < 3; round++) {
		assert_int_equal(bpftcp_opt_delack_attach(cg, &o), 0);
		assert_int_equal(bpftcp_opt_delack_attach(cg, &o), -EEXIST);

		memset(&s, 0, sizeof(s));
		assert_int_equal(bpftcp_opt_foreach("delack", seen_cb, &s), 1);
		assert_int_equal(s.n, 1);
		assert_int_equal(s.cgroup_id, id);
		assert_string_equal(s.cgroup, path);
		assert_true(s.attached);
		assert_int_equal(s.max_delack_us, 20000);
		assert_int_equal(s.floor, 10000);
		assert_int_equal(s.ceiling, 100000);
		assert_true(s.hz >= 100 && s.hz <= 1000);
		assert_true(s.advertised_us >= 20000 - 1000000 / s.hz && s.advertised_us > 0);
		assert_true(s.record);
		assert_true(s.restricted);
		assert_int_equal(s.peers_cnt, 2);
		/* The trie's order: either way round. */
		assert_true((!strcmp(s.peers[0], "198.18.0.0/15") && !strcmp(s.peers[1], "2001:2::/48")) ||
			    (!strcmp(s.peers[1], "198.18.0.0/15") && !strcmp(s.peers[0], "2001:2::/48")));
		assert_int_equal(s.sent, 0);
		/* NULL: every option; no callback: a count. */
		assert_int_equal(bpftcp_opt_foreach(NULL, NULL, NULL), 1);

		assert_int_equal(bpftcp_opt_detach("delack", cg), 0);
		assert_int_equal(bpftcp_opt_detach("delack", cg), -ENOENT);
		assert_int_equal(bpftcp_opt_foreach("delack", seen_cb, &s), 0);
	}
	assert_int_equal(count_fds(), fds);
	assert_int_equal(warnings, 0);
	stderr_is_empty();
}

static void delack_defaults_and_errors(void **state)
{
	struct bpftcp_cidr host_bits;
	BPFTCP_OPTS(bpftcp_delack_opts, o, .max_delack_us = 5000);
	struct {
		struct bpftcp_delack_opts o;
		long future;
	} newer = { .o = o, .future = 1 };
	struct seen s = {};
	int fds;

	harness_require_bpf();
	fds = count_fds();
	assert_int_equal(bpftcp_opt_foreach("nosuch", seen_cb, &s), -EINVAL);
	assert_int_equal(bpftcp_opt_detach("nosuch", cg), -EINVAL);
	assert_int_equal(bpftcp_opt_detach("delack", "/nonexistent-cgroup"), -ENOENT);
	assert_int_equal(bpftcp_opt_delack_attach(cg, NULL), -EINVAL);
	assert_int_equal(bpftcp_opt_delack_attach("/nonexistent-cgroup", &o), -ENOENT);
	/* A struct from a newer caller, with a field this library does not know. */
	newer.o.sz = sizeof(newer);
	assert_int_equal(bpftcp_opt_delack_attach(cg, &newer.o), -EINVAL);
	/* Invalid settings: each says why at LIBBPFTCP_WARN. */
	warnings = 0;
	o.max_delack_us = 0;
	assert_int_equal(bpftcp_opt_delack_attach(cg, &o), -EINVAL);
	o.max_delack_us = 250000;
	assert_int_equal(bpftcp_opt_delack_attach(cg, &o), -EINVAL);
	o.max_delack_us = 5000;
	o.rto_floor_us = 50000;
	o.rto_ceiling_us = 20000;
	assert_int_equal(bpftcp_opt_delack_attach(cg, &o), -EINVAL);
	o.rto_floor_us = o.rto_ceiling_us = 0;
	assert_int_equal(bpftcp_cidr_parse("198.18.0.1/15", &host_bits), -ENOTUNIQ);
	o.peers = &host_bits;
	o.peers_cnt = 1;
	assert_int_equal(bpftcp_opt_delack_attach(cg, &o), -EINVAL);
	assert_int_equal(warnings, 4);
	assert_non_null(strstr(last_warning, "198.18.0.1/15"));
	o.peers = NULL;
	o.peers_cnt = 0;

	/* 0 means the defaults; no peers means every peer. */
	assert_int_equal(bpftcp_opt_delack_attach(cg, &o), 0);
	assert_int_equal(bpftcp_opt_foreach("delack", seen_cb, &s), 1);
	assert_int_equal(s.floor, BPFTCP_DELACK_DEFAULT_RTO_FLOOR_US);
	assert_int_equal(s.ceiling, BPFTCP_DELACK_DEFAULT_RTO_CEILING_US);
	assert_false(s.restricted);
	assert_false(s.record);
	assert_int_equal(s.peers_cnt, 0);
	assert_int_equal(bpftcp_opt_detach("delack", cg), 0);
	assert_int_equal(count_fds(), fds);
	stderr_is_empty();
}

static int sockets_cb(const struct bpftcp_sockets_attachment *a, void *ctx)
{
	struct bpftcp_sockets_attachment *out = ctx;

	*out = *a;
	return 0;
}

static void sockets_attach_foreach_detach_without_fd_leak(void **state)
{
	BPFTCP_OPTS(bpftcp_sockets_attach_opts, o);
	struct bpftcp_sockets_attachment a;
	char path[PATH_MAX];
	__u64 id;
	int fds;

	harness_require_bpf();
	assert_int_equal(bpftcp_cgroup_resolve(cg, path, sizeof(path), &id), 0);
	fds = count_fds();
	for (int round = 0; round < 3; round++) {
		assert_int_equal(bpftcp_sockets_attach(cg, round ? NULL : &o), 0);
		assert_int_equal(bpftcp_sockets_attach(cg, NULL), -EEXIST);
		memset(&a, 0, sizeof(a));
		assert_int_equal(bpftcp_sockets_foreach(sockets_cb, &a), 1);
		assert_int_equal(a.sz, sizeof(a));
		assert_int_equal(a.cgroup_id, id);
		assert_true(a.attached);
		assert_int_equal(a.counters.records_created, 0);
		assert_int_equal(a.counters.errors, 0);
		assert_int_equal(bpftcp_sockets_detach(cg), 0);
		assert_int_equal(bpftcp_sockets_detach(cg), -ENOENT);
		assert_int_equal(bpftcp_sockets_foreach(NULL, NULL), 0);
	}
	assert_int_equal(bpftcp_sockets_detach("/nonexistent-cgroup"), -ENOENT);
	assert_int_equal(count_fds(), fds);
	assert_int_equal(warnings, 0);
	stderr_is_empty();
}

/* A cgroup removed under an attachment: shown as no longer attached, and
 * still detached by the path it had. */
static void delack_on_a_removed_cgroup_is_detached_by_path(void **state)
{
	BPFTCP_OPTS(bpftcp_delack_opts, o, .max_delack_us = 10000);
	char dead[PATH_MAX + 16];
	struct seen s = {};

	harness_require_bpf();
	snprintf(dead, sizeof(dead), "%s-dead", cg);
	assert_int_equal(mkdir(dead, 0755), 0);
	assert_int_equal(bpftcp_opt_delack_attach(dead, &o), 0);
	assert_int_equal(rmdir(dead), 0);
	/* The kernel lets go of the cgroup asynchronously. */
	for (int i = 0; i < 100; i++) {
		memset(&s, 0, sizeof(s));
		assert_int_equal(bpftcp_opt_foreach("delack", seen_cb, &s), 1);
		if (!s.attached)
			break;
		usleep(20 * 1000);
	}
	assert_false(s.attached);
	assert_string_equal(s.cgroup, dead);
	assert_int_equal(bpftcp_opt_detach("delack", dead), 0);
	assert_int_equal(bpftcp_opt_foreach("delack", NULL, NULL), 0);
	stderr_is_empty();
}

struct ccneg_seen {
	int n;
	char cgroup[PATH_MAX];
	size_t prefer_cnt;
	char prefer[2][16];
	__u8 prefer_ids[2];
	char fallback[16];
	__u8 fallback_id;
	bool ecn, record, restricted;
	size_t peers_cnt;
	__u64 offered;
};

static int ccneg_cb(const struct bpftcp_opt_attachment *a, void *ctx)
{
	struct ccneg_seen *s = ctx;

	assert_int_equal(a->sz, sizeof(*a));
	assert_string_equal(a->option, "ccneg");
	s->n++;
	snprintf(s->cgroup, sizeof(s->cgroup), "%s", a->cgroup);
	s->prefer_cnt = a->ccneg.prefer_cnt;
	for (size_t i = 0; i < a->ccneg.prefer_cnt && i < 2; i++) {
		snprintf(s->prefer[i], sizeof(s->prefer[i]), "%s", a->ccneg.prefer[i]);
		s->prefer_ids[i] = a->ccneg.prefer_ids[i];
	}
	snprintf(s->fallback, sizeof(s->fallback), "%s", a->ccneg.fallback);
	s->fallback_id = a->ccneg.fallback_id;
	s->ecn = a->ccneg.ecn;
	s->record = a->ccneg.record;
	s->restricted = a->ccneg.peers_restricted;
	s->peers_cnt = a->ccneg.peers_cnt;
	s->offered = a->ccneg.counters.offered;
	return 0;
}

/* ccneg through the library: names resolved to kernel names and registry
 * ids, beside delack on the same cgroup, detached by option. */
static void ccneg_attach_foreach_detach_beside_delack(void **state)
{
	const char *prefer[] = { "cubic", "reno" };
	const char *twice[] = { "cubic", "cubic" };
	const char *unknown[] = { "nosuch" };
	struct bpftcp_cidr peer;
	BPFTCP_OPTS(bpftcp_ccneg_opts, o, .prefer = prefer, .prefer_cnt = 2, .fallback = "reno",
		    .peers = &peer, .peers_cnt = 1, .record = true);
	BPFTCP_OPTS(bpftcp_delack_opts, d, .max_delack_us = 20000);
	char path[PATH_MAX], avail[4096];
	struct ccneg_seen s;
	int fds;
	__u64 id;

	harness_require_bpf();
	/* cubic and reno are built into the kernels bpftcp runs on; check. */
	assert_int_equal(bpftcp_cc_available(avail, sizeof(avail)), 0);
	if (!strstr(avail, "cubic") || !strstr(avail, "reno")) {
		print_message("SKIP: the kernel offers no cubic or reno: %s\n", avail);
		skip();
	}
	assert_int_equal(bpftcp_cgroup_resolve(cg, path, sizeof(path), &id), 0);
	assert_int_equal(bpftcp_cidr_parse("198.18.0.0/15", &peer), 0);
	fds = count_fds();
	for (int round = 0; round < 2; round++) {
		assert_int_equal(bpftcp_opt_delack_attach(cg, &d), 0);
		assert_int_equal(bpftcp_opt_ccneg_attach(cg, &o), 0);
		assert_int_equal(bpftcp_opt_ccneg_attach(cg, &o), -EEXIST);
		memset(&s, 0, sizeof(s));
		assert_int_equal(bpftcp_opt_foreach("ccneg", ccneg_cb, &s), 1);
		assert_string_equal(s.cgroup, path);
		assert_int_equal(s.prefer_cnt, 2);
		assert_string_equal(s.prefer[0], "cubic");
		assert_string_equal(s.prefer[1], "reno");
		assert_int_equal(s.prefer_ids[0], 2);
		assert_int_equal(s.prefer_ids[1], 1);
		assert_string_equal(s.fallback, "reno");
		assert_int_equal(s.fallback_id, 1);
		assert_false(s.ecn);
		assert_true(s.record);
		assert_true(s.restricted);
		assert_int_equal(s.peers_cnt, 1);
		assert_int_equal(s.offered, 0);
		/* Both options: two attachments. */
		assert_int_equal(bpftcp_opt_foreach(NULL, NULL, NULL), 2);
		assert_int_equal(bpftcp_opt_detach("ccneg", cg), 0);
		assert_int_equal(bpftcp_opt_detach("ccneg", cg), -ENOENT);
		assert_int_equal(bpftcp_opt_foreach(NULL, NULL, NULL), 1);
		assert_int_equal(bpftcp_opt_detach("delack", cg), 0);
	}
	assert_int_equal(count_fds(), fds);
	assert_int_equal(warnings, 0);
	/* Invalid settings, each said at LIBBPFTCP_WARN. */
	o.prefer = twice;
	assert_int_equal(bpftcp_opt_ccneg_attach(cg, &o), -EINVAL);
	o.prefer = unknown;
	o.prefer_cnt = 1;
	assert_int_equal(bpftcp_opt_ccneg_attach(cg, &o), -EINVAL);
	o.prefer = prefer;
	o.prefer_cnt = 0;
	assert_int_equal(bpftcp_opt_ccneg_attach(cg, &o), -EINVAL);
	o.prefer_cnt = 9;
	assert_int_equal(bpftcp_opt_ccneg_attach(cg, &o), -EINVAL);
	o.prefer_cnt = 2;
	o.fallback = NULL;
	assert_int_equal(bpftcp_opt_ccneg_attach(cg, &o), -EINVAL);
	/* In the registry, but not offered by the kernel (nor bpf_cdg
	 * registered, in this private bpffs). */
	if (!strstr(avail, "bpf_cdg")) {
		o.fallback = "bpf_cdg";
		assert_int_equal(bpftcp_opt_ccneg_attach(cg, &o), -ENOENT);
	} else {
		warnings++;	/* registered by someone else: nothing to check */
	}
	assert_int_equal(warnings, 6);
	assert_int_equal(bpftcp_opt_foreach("ccneg", ccneg_cb, &s), 0);
	assert_int_equal(count_fds(), fds);
	stderr_is_empty();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(delack_attach_foreach_detach_without_fd_leak,
						capture_begin, NULL),
		cmocka_unit_test_setup_teardown(delack_defaults_and_errors, capture_begin, NULL),
		cmocka_unit_test_setup_teardown(sockets_attach_foreach_detach_without_fd_leak,
						capture_begin, NULL),
		cmocka_unit_test_setup_teardown(delack_on_a_removed_cgroup_is_detached_by_path,
						capture_begin, NULL),
		cmocka_unit_test_setup_teardown(ccneg_attach_foreach_detach_beside_delack,
						capture_begin, NULL),
	};

	return cmocka_run_group_tests_name("bpf_libopt", tests, group_setup, group_teardown);
}
