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
 * apply fails; and a collection's detach is rolled back to the same link,
 * still attached, when a later step fails (without a failure the link goes
 * away).
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

/* ------------------------------------------- rollback of a collection detach */

struct collection {
	__u64 cgroup_id;
	__u32 link_id;
	bool attached;
	int n;
};

static int read_collection(const struct bpftcp_sockets_attachment *a, void *ctx)
{
	struct collection *c = ctx;
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);
	char path[PATH_MAX + 16];
	int fd;

	snprintf(path, sizeof(path), "%s/link", a->pin);
	fd = bpf_obj_get(path);
	if (fd >= 0 && !bpf_link_get_info_by_fd(fd, &info, &len))
		c->link_id = info.id;
	if (fd >= 0)
		close(fd);
	c->cgroup_id = a->cgroup_id;
	c->attached = a->attached;
	c->n++;
	return 0;
}

/* Makes the unregister of @ctx fail: unregisters it just before apply does. */
static void unregister_first(const struct bpftcp_apply_step *s, int event, int err, void *ctx)
{
	struct events *e = ctx;
	char kname[64];

	snprintf(kname, sizeof(kname), "bpf_%s", free_cc[0]);
	if (event == BPFTCP_STEP_START && s->action == BPFTCP_APPLY_UNREGISTER &&
	    !strcmp(s->object, kname))
		assert_int_equal(bpftcp_cc_unregister(kname, NULL), 0);
	count_event(e, s, event, err);
}

static void collection_detach_is_rolled_back(void **state)
{
	struct collection before = {}, after = {};
	struct events e = {};
	struct bpftcp_conf *c1, *c2;
	char text[PATH_MAX + 256], root[PATH_MAX], path[PATH_MAX + 64];
	int fd = -1;

	two_free_algorithms_and_a_cgroup("sk-");
	snprintf(text, sizeof(text), "[cc]\nregister = %s\n[cgroup %s]\nsockets = yes\n",
		 free_cc[0], cgroup);
	c1 = conf_load(text);
	assert_int_equal(bpftcp_apply(c1, NULL), 2);
	assert_int_equal(bpftcp_sockets_foreach(read_collection, &before), 1);
	assert_true(before.attached && before.link_id);

	/* The file drops the collection and swaps the algorithm: register,
	 * detach, then an unregister that fails. */
	snprintf(text, sizeof(text), "[cc]\nregister = %s\n", free_cc[1]);
	c2 = conf_load(text);
	BPFTCP_OPTS(bpftcp_apply_opts, o, .step = unregister_first, .ctx = &e);
	assert_true(bpftcp_apply(c2, &o) < 0);
	assert_int_equal(e.done, 2);
	assert_int_equal(e.failed, 1);
	assert_int_equal(e.undone, 2);
	assert_int_equal(e.undo_failed, 0);
	assert_false(registered(free_cc[1]));
	/* The same link is pinned again, attached, with the record map. */
	assert_int_equal(bpftcp_sockets_foreach(read_collection, &after), 1);
	assert_int_equal(after.cgroup_id, before.cgroup_id);
	assert_int_equal(after.link_id, before.link_id);
	assert_true(after.attached);
	assert_int_equal(bpftcp_pin_root(root, sizeof(root), 0), 0);
	snprintf(path, sizeof(path), "%s/%s", root, BPFTCP_SOCK_STATE_PIN);
	assert_int_equal(access(path, F_OK), 0);
	/* Only the algorithm the test unregistered is missing. */
	assert_int_equal(bpftcp_apply(c1, NULL), 1);

	/* Without the failure the detach holds: the link goes away. */
	memset(&e, 0, sizeof(e));
	assert_int_equal(bpftcp_apply(c2, NULL), 3);
	assert_int_equal(bpftcp_sockets_foreach(NULL, NULL), 0);
	for (int i = 0; i < 100; i++) {
		fd = bpf_link_get_fd_by_id(before.link_id);
		if (fd < 0)
			break;
		close(fd);
		usleep(10000);
	}
	assert_true(fd < 0);
	bpftcp_conf_free(c1);
	bpftcp_conf_free(c2);
	rmdir(cgroup);
	/* The next test starts from nothing registered. */
	assert_true(bpftcp_reset(NULL) >= 0);
	assert_false(registered(free_cc[1]));
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
		cmocka_unit_test(collection_detach_is_rolled_back),
		cmocka_unit_test(upgrade_replaces_differing_programs),
	};

	return cmocka_run_group_tests_name("bpf_apply", tests, setup, teardown);
}
