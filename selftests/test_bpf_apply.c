// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Privileged tests of bpftcp_apply() (lib/apply.c) where the CLI cannot
 * reach: a step that fails in the middle of an apply (the cgroup removed
 * between validation and attach, through the step callback) is rolled back;
 * and an upgrade: a registration whose pinned programs differ from the ones
 * the library carries (the link pointed at another algorithm's programs
 * under the same name, as an older bpftcp would have left it) is replaced
 * by the next apply, and the one after changes nothing; and a ccneg
 * attachment updated in place is set back when a later step of the same
 * apply fails.
 *
 * Every pin goes to a private bpffs (harness_private_bpffs()); apply's
 * state to a private run directory; the algorithms are ones nobody has
 * registered; no default is set, so the host's stays as it is.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <setjmp.h>
#include <cmocka.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "bpftcp/libbpftcp.h"
#include "harness.h"
#include "cc/reno.skel.h"

static char bpffs[PATH_MAX], rundir[PATH_MAX], conf_path[PATH_MAX], cgroup[PATH_MAX];
static const char *free_cc[2];

static int setup(void **state)
{
	static const char *const candidates[] = { "westwood", "yeah", "hybla", "illinois",
						  "scalable", "highspeed", "vegas", "veno" };
	char kname[64];
	int n = 0;

	if (harness_bpf_unavailable() || harness_private_bpffs(bpffs, sizeof(bpffs)))
		return 0;	/* each test skips with the reason */
	snprintf(rundir, sizeof(rundir), "/tmp/bpftcp-test-apply-run-%d", (int)getpid());
	snprintf(conf_path, sizeof(conf_path), "%s/bpftcp.conf", rundir);
	setenv("BPFTCP_RUNDIR", rundir, 1);
	for (size_t i = 0; i < sizeof(candidates) / sizeof(candidates[0]) && n < 2; i++) {
		snprintf(kname, sizeof(kname), "bpf_%s", candidates[i]);
		if (!harness_cc_available(kname))
			free_cc[n++] = candidates[i];
	}
	return 0;
}

static int teardown(void **state)
{
	BPFTCP_OPTS(bpftcp_reset_opts, o);

	if (!bpffs[0])
		return 0;
	bpftcp_reset(&o);
	harness_private_bpffs_release();
	unlink(conf_path);
	snprintf(conf_path, sizeof(conf_path), "%s/lock", rundir);
	unlink(conf_path);
	rmdir(rundir);
	return 0;
}

static struct bpftcp_conf *conf_load(const char *text)
{
	struct bpftcp_conf *c = NULL;
	FILE *f;

	mkdir(rundir, 0700);
	f = fopen(conf_path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(bpftcp_conf_load(conf_path, NULL, &c), 0);
	return c;
}

static bool registered(const char *name)
{
	char kname[64];

	snprintf(kname, sizeof(kname), "bpf_%s", name);
	return harness_cc_available(kname);
}

/* ------------------------------------------------------------ rollback */

/* Skips without BPF or two free algorithms; makes the test's cgroup
 * (bpftcp-test-apply-@tag<pid>). */
static void two_free_algorithms_and_a_cgroup(const char *tag)
{
	char mnt[PATH_MAX];

	harness_require_bpf();
	if (!free_cc[1]) {
		print_message("every candidate algorithm but one is registered (by someone else)\n");
		skip();
	}
	assert_int_equal(bpftcp_find_mount("cgroup2", mnt, sizeof(mnt)), 0);
	snprintf(cgroup, sizeof(cgroup), "%s/bpftcp-test-apply-%s%d", mnt, tag, (int)getpid());
	assert_int_equal(mkdir(cgroup, 0755), 0);
}

struct events {
	int done, failed, undone, undo_failed;
};

static void count_event(struct events *e, const struct bpftcp_apply_step *s, int event, int err)
{
	print_message("step %s %s: event %d, %s\n", bpftcp_apply_action_name(s->action), s->object,
		      event, err ? strerror(-err) : "ok");
	e->done += event == BPFTCP_STEP_DONE;
	e->failed += event == BPFTCP_STEP_FAILED;
	e->undone += event == BPFTCP_STEP_UNDONE;
	e->undo_failed += event == BPFTCP_STEP_UNDO_FAILED;
}

/* Removes the test's cgroup just before the delack attach: what happens
 * when a cgroup goes away between validation and the step. */
static void remove_cgroup_before_attach(const struct bpftcp_apply_step *s, int event, int err,
					void *ctx)
{
	if (event == BPFTCP_STEP_START && s->action == BPFTCP_APPLY_ATTACH &&
	    !strcmp(s->object, "delack"))
		assert_int_equal(rmdir(cgroup), 0);
	count_event(ctx, s, event, err);
}

static void failure_mid_apply_is_rolled_back(void **state)
{
	struct events e = {};
	struct bpftcp_conf *c;
	char text[PATH_MAX + 256];
	int ret;

	two_free_algorithms_and_a_cgroup("");
	snprintf(text, sizeof(text), "[cc]\nregister = %s %s\n[cgroup %s]\nsockets = yes\n"
		 "delack = yes\nmax-delack = 10\n", free_cc[0], free_cc[1], cgroup);
	c = conf_load(text);
	BPFTCP_OPTS(bpftcp_apply_opts, o, .step = remove_cgroup_before_attach, .ctx = &e);
	ret = bpftcp_apply(c, &o);
	rmdir(cgroup);
	bpftcp_conf_free(c);
	/* The attach failed; the registrations and the collection before it
	 * were undone, newest first. */
	assert_true(ret < 0);
	assert_int_equal(e.failed, 1);
	assert_int_equal(e.done, 3);
	assert_int_equal(e.undone, 3);
	assert_int_equal(e.undo_failed, 0);
	assert_false(registered(free_cc[0]));
	assert_false(registered(free_cc[1]));
	assert_int_equal(access(bpffs, F_OK), 0);
	{
		char root[PATH_MAX];

		/* Nothing of bpftcp's is left in the bpffs. */
		assert_int_equal(bpftcp_pin_root(root, sizeof(root), 0), -ENOENT);
	}
}

/* ------------------------------------------------------ ccneg rollback */

static char blocker[PATH_MAX + 16];

static int sockets_blocker(const struct bpftcp_sockets_attachment *a, void *ctx)
{
	snprintf(blocker, sizeof(blocker), "%s/blocker", a->pin);
	return 1;
}

/* Just before the collection's detach, a directory of ours in its pin
 * directory: the detach fails (not empty). */
static void block_sockets_detach(const struct bpftcp_apply_step *s, int event, int err, void *ctx)
{
	if (event == BPFTCP_STEP_START && s->action == BPFTCP_APPLY_DETACH &&
	    !strcmp(s->object, "sockets")) {
		assert_int_equal(bpftcp_sockets_foreach(sockets_blocker, NULL), 1);
		assert_int_equal(mkdir(blocker, 0700), 0);
	}
	count_event(ctx, s, event, err);
}

static int ccneg_prefer0(const struct bpftcp_opt_attachment *a, void *ctx)
{
	snprintf(ctx, 64, "%s", a->ccneg.prefer[0]);
	return 1;
}

static void ccneg_update_is_rolled_back(void **state)
{
	BPFTCP_OPTS(bpftcp_reset_opts, ro);
	struct events e = {};
	struct bpftcp_conf *c;
	char text[2 * PATH_MAX + 256], prefer0[64] = "";
	int ret;

	two_free_algorithms_and_a_cgroup("cn-");
	snprintf(text, sizeof(text), "[cc]\nregister = %s\n[cgroup %s]\nsockets = yes\n"
		 "[ccneg %s]\nprefer = %s, reno\nfallback = reno\n", free_cc[0], cgroup, cgroup,
		 free_cc[0]);
	c = conf_load(text);
	/* register, attach sockets, attach ccneg */
	assert_int_equal(bpftcp_apply(c, NULL), 3);
	bpftcp_conf_free(c);
	assert_int_equal(bpftcp_opt_foreach("ccneg", ccneg_prefer0, prefer0), 1);
	assert_non_null(strstr(prefer0, free_cc[0]));
	/* register B, update ccneg to prefer B, detach sockets: fails. */
	snprintf(text, sizeof(text), "[cc]\nregister = %s %s\n[ccneg %s]\nprefer = %s, reno\n"
		 "fallback = reno\n", free_cc[0], free_cc[1], cgroup, free_cc[1]);
	c = conf_load(text);
	BPFTCP_OPTS(bpftcp_apply_opts, o, .step = block_sockets_detach, .ctx = &e);
	ret = bpftcp_apply(c, &o);
	bpftcp_conf_free(c);
	rmdir(blocker);
	assert_true(ret < 0);
	assert_int_equal(e.done, 2);
	assert_int_equal(e.failed, 1);
	assert_int_equal(e.undone, 2);
	assert_int_equal(e.undo_failed, 0);
	/* ccneg prefers A again, B is unregistered. */
	assert_int_equal(bpftcp_opt_foreach("ccneg", ccneg_prefer0, prefer0), 1);
	assert_non_null(strstr(prefer0, free_cc[0]));
	assert_false(registered(free_cc[1]));
	assert_true(bpftcp_reset(&ro) >= 0);
	assert_int_equal(bpftcp_opt_foreach("ccneg", NULL, NULL), 0);
	assert_int_equal(rmdir(cgroup), 0);
}

/* -------------------------------------------------------------- upgrade */

/*
 * Points the pinned link of bpf_@name at bpf_reno's programs renamed
 * bpf_@name: the kernel takes a struct_ops map of the same name only.
 */
static void pin_other_programs(const char *name)
{
	char path[PATH_MAX + 64], kname[16];
	struct cc_reno *skel = cc_reno__open();
	const struct btf_type *t;
	const struct btf *btf;
	struct bpf_link *extra;
	size_t sz;
	char *data;
	long off = -1;
	int id, link_fd;

	assert_non_null(skel);
	snprintf(kname, sizeof(kname), "bpf_%s", name);
	data = bpf_map__initial_value(skel->maps.reno, &sz);
	btf = bpf_object__btf(skel->obj);
	id = btf__find_by_name_kind(btf, "tcp_congestion_ops", BTF_KIND_STRUCT);
	assert_true(data && id > 0);
	t = btf__type_by_id(btf, id);
	for (int i = 0; i < btf_vlen(t); i++)
		if (!strcmp(btf__name_by_offset(btf, btf_members(t)[i].name_off), "name"))
			off = btf_member_bit_offset(t, i) / 8;
	assert_true(off >= 0 && off + sizeof(kname) <= sz);
	memcpy(data + off, kname, sizeof(kname));
	assert_int_equal(cc_reno__load(skel), 0);
	/* Fills the map in (READY); the link itself fails: the name is taken. */
	extra = bpf_map__attach_struct_ops(skel->maps.reno);
	assert_null(extra);
	assert_int_equal(bpftcp_cc_pin_dir(name, path, sizeof(path)), 0);
	strcat(path, "/link");
	link_fd = bpf_obj_get(path);
	assert_true(link_fd >= 0);
	assert_int_equal(bpf_link_update(link_fd, bpf_map__fd(skel->maps.reno), NULL), 0);
	close(link_fd);
	cc_reno__destroy(skel);
}

static void on_replace(const struct bpftcp_apply_step *s, int event, int err, void *ctx)
{
	int *n = ctx;

	print_message("step %s %s: event %d, %s\n", bpftcp_apply_action_name(s->action), s->object,
		      event, err ? strerror(-err) : "ok");
	if (event == BPFTCP_STEP_DONE && s->action == BPFTCP_APPLY_REPLACE)
		(*n)++;
}

static void upgrade_replaces_differing_programs(void **state)
{
	struct bpftcp_conf *c;
	char text[256];
	int replaced = 0;

	harness_require_bpf();
	if (!free_cc[0]) {
		print_message("every candidate algorithm is registered (by someone else)\n");
		skip();
	}
	snprintf(text, sizeof(text), "[cc]\nregister = %s\n", free_cc[0]);
	c = conf_load(text);
	BPFTCP_OPTS(bpftcp_apply_opts, o, .step = on_replace, .ctx = &replaced);
	assert_int_equal(bpftcp_apply(c, &o), 1);		/* registered */
	assert_int_equal(bpftcp_apply(c, &o), 0);		/* same programs: nothing */
	pin_other_programs(free_cc[0]);
	assert_true(registered(free_cc[0]));
	/* The upgrade; the foreign update also took the algorithm out of
	 * tcp_allowed_congestion_control (the kernel takes the new ops' flags),
	 * so apply allows it again too. */
	assert_true(bpftcp_apply(c, &o) >= 1);
	assert_int_equal(replaced, 1);
	/* Ours run again, and the replace kept it allowed: nothing to do. */
	assert_int_equal(bpftcp_apply(c, &o), 0);
	bpftcp_conf_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(failure_mid_apply_is_rolled_back),
		cmocka_unit_test(ccneg_update_is_rolled_back),
		cmocka_unit_test(upgrade_replaces_differing_programs),
	};

	return cmocka_run_group_tests_name("bpf_apply", tests, setup, teardown);
}
