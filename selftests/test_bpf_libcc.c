// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Privileged tests of libbpftcp's congestion-control API (lib/cc.c), called
 * the way an application would: no CLI.  bpf_cubic is registered, carries
 * a transfer in a private network namespace, shows its counters, is
 * replaced (also by two processes at once) and unregistered.  The options
 * structs follow the size rule, and with a print callback set the library
 * writes nothing to stderr: every message reaches the callback.
 * Registrations are global: the teardown always undoes them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "harness.h"
#include "bpftcp/libbpftcp.h"

#define MIB (1024ULL * 1024)

/* What the print callback received. */
static int nwarn, ninfo;
static char messages[4096];

static int record_print(enum libbpftcp_print_level level, const char *fmt, va_list ap)
{
	size_t len = strlen(messages);

	if (level == LIBBPFTCP_DEBUG)
		return 0;
	level == LIBBPFTCP_WARN ? nwarn++ : ninfo++;
	vsnprintf(messages + len, sizeof(messages) - len, fmt, ap);
	return 0;
}

/* stderr goes to a file between capture_begin() and capture_end(). */
static int stderr_copy = -1;
static char stderr_file[] = "/tmp/bpftcp-libcc-stderr-XXXXXX";

static void capture_begin(void)
{
	int fd = mkstemp(stderr_file);

	assert_true(fd >= 0);
	fflush(stderr);
	stderr_copy = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	close(fd);
	nwarn = ninfo = 0;
	messages[0] = '\0';
}

/* Restores stderr; returns how many bytes were written to it meanwhile. */
static long capture_end(void)
{
	char buf[1024];
	long total = 0;
	ssize_t n;
	int fd;

	if (stderr_copy < 0)
		return 0;
	fflush(stderr);
	dup2(stderr_copy, STDERR_FILENO);
	close(stderr_copy);
	stderr_copy = -1;
	fd = open(stderr_file, O_RDONLY | O_CLOEXEC);
	while (fd >= 0 && (n = read(fd, buf, sizeof(buf))) > 0) {
		fwrite(buf, 1, n, stderr);	/* shown, so a failure says what it was */
		total += n;
	}
	if (fd >= 0)
		close(fd);
	unlink(stderr_file);
	strcpy(stderr_file + strlen(stderr_file) - 6, "XXXXXX");
	return total;
}

static void unregister_cubic(void)
{
	if (bpftcp_cc_is_registered("cubic") == 1)
		bpftcp_cc_unregister("cubic", NULL);
}

static int group_setup(void **state)
{
	if (harness_bpf_unavailable())
		return 0;	/* each test reports the skip */
	libbpftcp_set_print(record_print);
	return harness_private_netns();
}

static int teardown(void **state)
{
	capture_end();
	if (!harness_bpf_unavailable())
		unregister_cubic();
	return 0;
}

static int count_counter(const char *name, __u64 v, void *ctx)
{
	int *seen = ctx;

	*seen += !strcmp(name, "hystart_train_detect");
	return 0;
}

struct listed {
	bool cubic_pinned, cubic_registered;
	int n;
};

static int list_entry(const struct bpftcp_cc_entry *e, void *ctx)
{
	struct listed *l = ctx;

	l->n++;
	if (!strcmp(e->name, "bpf_cubic")) {
		assert_non_null(e->shipped);
		assert_string_equal(e->shipped->name, "cubic");
		l->cubic_pinned = e->pinned;
		l->cubic_registered = e->registered;
	}
	return 0;
}

static void register_stats_unregister_with_null_opts(void **state)
{
	struct transfer_opts o = { .cc = "bpf_cubic", .bytes = 4 * MIB };
	struct bpftcp_cc_stats st;
	struct transfer_result r;
	struct listed l = {};
	int seen = 0;

	harness_require_bpf();
	unregister_cubic();
	capture_begin();
	assert_int_equal(bpftcp_cc_register("cubic", NULL), 0);
	assert_int_equal(bpftcp_cc_is_registered("bpf_cubic"), 1);
	assert_true(harness_cc_available("bpf_cubic"));
	/* A second one is refused and disturbs nothing. */
	assert_int_equal(bpftcp_cc_register("bpf_cubic", NULL), -EEXIST);
	assert_int_equal(harness_transfer(&o, &r), 0);
	assert_true(r.data_ok);
	assert_string_equal(r.client_cc, "bpf_cubic");
	assert_int_equal(bpftcp_cc_stats("cubic", &st), 0);
	assert_true(st.calls[BPFTCP_OP_INIT] >= 1);
	assert_true(st.calls[BPFTCP_OP_CONG_AVOID] > 0);
	assert_int_equal(st.errors, 0);
	/* bpf_cubic's own counters, by their BTF names. */
	assert_true(bpftcp_cc_counters_foreach("cubic", count_counter, &seen) >= 1);
	assert_int_equal(seen, 1);
	assert_true(bpftcp_cc_list(list_entry, &l) >= bpftcp_cc_count());
	assert_true(l.cubic_pinned && l.cubic_registered);
	assert_int_equal(bpftcp_cc_unregister("cubic", NULL), 0);
	assert_int_equal(bpftcp_cc_is_registered("cubic"), 0);
	assert_false(harness_cc_available("bpf_cubic"));
	/* Gone: the counters with it. */
	assert_int_equal(bpftcp_cc_stats("cubic", &st), -ENOENT);
	assert_int_equal(bpftcp_cc_unregister("cubic", NULL), -ENOENT);
	assert_int_equal(bpftcp_cc_replace("cubic", NULL), -ENOENT);
	assert_int_equal(capture_end(), 0);
	assert_int_equal(nwarn, 0);
}

static void opts_with_unknown_fields_are_refused(void **state)
{
	/* A caller built against a newer library: its struct is larger. */
	struct {
		struct bpftcp_cc_register_opts o;
		long newer_field;
	} big = { .o = { .sz = sizeof(big) }, .newer_field = 1 };
	struct {
		struct bpftcp_cc_unregister_opts o;
		long newer_field;
	} ubig = { .o = { .sz = sizeof(ubig) }, .newer_field = 1 };
	BPFTCP_OPTS(bpftcp_cc_register_opts, opts, .restricted = true);

	harness_require_bpf();
	unregister_cubic();
	capture_begin();
	assert_int_equal(bpftcp_cc_register("cubic", &big.o), -EINVAL);
	assert_int_equal(nwarn, 1);
	assert_non_null(strstr(messages, "bpftcp_cc_register_opts"));
	assert_int_equal(bpftcp_cc_is_registered("cubic"), 0);
	assert_false(harness_cc_available("bpf_cubic"));
	/* The same struct with the unknown field zero is fine. */
	big.newer_field = 0;
	assert_int_equal(bpftcp_cc_register("cubic", &big.o), 0);
	assert_int_equal(bpftcp_cc_unregister("cubic", &ubig.o), -EINVAL);
	assert_int_equal(bpftcp_cc_is_registered("cubic"), 1);
	assert_int_equal(bpftcp_cc_unregister("cubic", NULL), 0);
	/* A BPFTCP_OPTS() one, with a field set. */
	assert_int_equal(bpftcp_cc_register("cubic", &opts), 0);
	assert_int_equal(bpftcp_cc_unregister("cubic", NULL), 0);
	assert_int_equal(capture_end(), 0);
}

static void unknown_names_are_einval_through_the_callback(void **state)
{
	struct bpftcp_cc_stats st;
	char dir[256];

	harness_require_bpf();
	capture_begin();
	assert_null(bpftcp_cc_find("nosuch"));
	assert_null(bpftcp_cc_get(bpftcp_cc_count()));
	assert_int_equal(bpftcp_cc_register("nosuch", NULL), -EINVAL);
	assert_int_equal(bpftcp_cc_is_registered("nosuch"), -EINVAL);
	assert_int_equal(bpftcp_cc_stats("nosuch", &st), -EINVAL);
	assert_int_equal(bpftcp_cc_pin_dir("nosuch", dir, sizeof(dir)), -EINVAL);
	assert_int_equal(nwarn, 4);
	assert_non_null(strstr(messages, "'nosuch' is not a congestion control bpftcp ships\n"));
	assert_int_equal(capture_end(), 0);
}

/* The struct_ops map id behind cubic's pinned link, or -errno. */
static long link_map_id(void)
{
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);
	char path[4096 + 8];
	int fd, err;

	err = bpftcp_cc_pin_dir("cubic", path, sizeof(path) - 8);
	if (err)
		return err;
	strcat(path, "/link");
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -errno;
	err = bpf_link_get_info_by_fd(fd, &info, &len) ? -errno : 0;
	close(fd);
	return err ? err : (long)info.struct_ops.map_id;
}

static void replace_swaps_the_map_and_counters(void **state)
{
	struct transfer_opts o = { .cc = "bpf_cubic", .bytes = 2 * MIB };
	struct bpftcp_cc_stats st;
	struct transfer_result r;
	long before, after;

	harness_require_bpf();
	unregister_cubic();
	capture_begin();
	assert_int_equal(bpftcp_cc_register("cubic", NULL), 0);
	assert_int_equal(harness_transfer(&o, &r), 0);
	before = link_map_id();
	assert_int_equal(bpftcp_cc_replace("cubic", NULL), 0);
	after = link_map_id();
	assert_true(before > 0 && after > 0 && after != before);
	/* The pinned counters are the new program's: nothing counted yet. */
	assert_int_equal(bpftcp_cc_stats("cubic", &st), 0);
	assert_int_equal(st.calls[BPFTCP_OP_INIT], 0);
	assert_int_equal(harness_transfer(&o, &r), 0);
	assert_int_equal(bpftcp_cc_stats("cubic", &st), 0);
	assert_true(st.calls[BPFTCP_OP_INIT] >= 1);
	assert_int_equal(capture_end(), 0);
	assert_int_equal(nwarn, 0);
}

/*
 * Two processes replacing at once: each update names the map it replaces,
 * so neither overwrites the other unawares; each call either succeeds (on
 * the first try or, after the other's update, on the second) or says
 * -EBUSY.  Afterwards the link holds a map one of them loaded, the name is
 * listed throughout, and the registration carries data.
 */
static void concurrent_replaces_are_serialised(void **state)
{
	struct transfer_opts o = { .cc = "bpf_cubic", .bytes = 2 * MIB };
	struct transfer_result r;
	enum { ROUNDS = 4 };
	pid_t pids[2];
	int ok = 0;

	harness_require_bpf();
	unregister_cubic();
	assert_int_equal(bpftcp_cc_register("cubic", NULL), 0);
	for (int p = 0; p < 2; p++) {
		pids[p] = fork();
		assert_true(pids[p] >= 0);
		if (pids[p] == 0) {
			int good = 0;

			libbpftcp_set_print(NULL);
			for (int i = 0; i < ROUNDS; i++) {
				int err = bpftcp_cc_replace("cubic", NULL);

				if (!err)
					good++;
				else if (err != -EBUSY)
					_exit(100 + (-err & 0x7f) % 100);
			}
			_exit(good);
		}
	}
	for (int p = 0; p < 2; p++) {
		int status;

		assert_int_equal(waitpid(pids[p], &status, 0), pids[p]);
		assert_true(WIFEXITED(status));
		print_message("replacer %d: %d of %d replaced (exit %d)\n", p,
			      WEXITSTATUS(status) < 100 ? WEXITSTATUS(status) : 0, ROUNDS,
			      WEXITSTATUS(status));
		assert_true(WEXITSTATUS(status) <= ROUNDS);
		ok += WEXITSTATUS(status);
	}
	assert_true(ok >= 1);
	assert_true(harness_cc_available("bpf_cubic"));
	assert_int_equal(bpftcp_cc_is_registered("cubic"), 1);
	assert_int_equal(harness_transfer(&o, &r), 0);
	assert_true(r.data_ok);
	assert_string_equal(r.client_cc, "bpf_cubic");
}

int main(void)
{
#define T(f) cmocka_unit_test_teardown(f, teardown)
	const struct CMUnitTest tests[] = {
		T(register_stats_unregister_with_null_opts),
		T(opts_with_unknown_fields_are_refused),
		T(unknown_names_are_einval_through_the_callback),
		T(replace_swaps_the_map_and_counters),
		T(concurrent_replaces_are_serialised),
	};

	if (getenv("TEST_FILTER"))
		cmocka_set_test_filter(getenv("TEST_FILTER"));
	return cmocka_run_group_tests_name("libbpftcp cc", tests, group_setup, NULL);
}
