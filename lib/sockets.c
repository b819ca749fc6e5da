// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * libbpftcp: collection of the per-socket records on a cgroup.
 *
 * Collection is the sockops program of skstorage/sock_state.bpf.c attached
 * to a cgroup v2 as a BPF link, pinned at <pin root>/sockets/cg-<id>/link
 * with the program's per-CPU counters beside it ("counters"), so it
 * outlives the caller; detaching unpins.  The program writes the records
 * into the map shared by every bpftcp object (libbpftcp__load_object()).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "libbpftcp_internal.h"
#include "skstorage/sock_state.skel.h"

#define CG_PREFIX "cg-"

/* In the order they are removed: the link first. */
static const char *const pin_files[] = { "link", "counters" };

/* <pin root>/sockets, created with @create. */
static int sockets_dir(char *buf, size_t len, bool create)
{
	return libbpftcp__pin_path(buf, len, "sockets", create);
}

static void unpin_attachment(const char *dir)
{
	libbpftcp__unpin_dir(dir, pin_files, sizeof(pin_files) / sizeof(pin_files[0]));
}

/*
 * Under the sockets lock (libbpftcp__lock(), which removed any directory a
 * killed attach left without its link).  The counters are pinned first and
 * the link last, so "the link pin exists" means "attached and complete".
 */
static int attach_locked(const char *cg, __u64 id)
{
	char base[PATH_MAX], dir[PATH_MAX + 64], path[PATH_MAX + 128];
	struct skstorage_sock_state *skel = NULL;
	struct bpf_link *link = NULL;
	int cg_fd = -1, err;

	err = sockets_dir(base, sizeof(base), true);
	if (err)
		return err;
	snprintf(dir, sizeof(dir), "%s/" CG_PREFIX "%llu", base, (unsigned long long)id);
	snprintf(path, sizeof(path), "%s/link", dir);
	if (access(path, F_OK) == 0)
		return -EEXIST;
	cg_fd = open(cg, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg_fd < 0) {
		err = -errno;
		pr_warn("cannot open cgroup %s: %s\n", cg, strerror(-err));
		return err;
	}
	skel = skstorage_sock_state__open();
	if (!skel) {
		err = -errno;
		pr_warn("cannot open the sock_state BPF object: %s\n", strerror(-err));
		goto out;
	}
	err = libbpftcp__load_object(skel->obj, true);
	if (err) {
		pr_warn("cannot load the sock_state BPF object: %s\n", strerror(-err));
		goto out;
	}
	link = bpf_program__attach_cgroup(skel->progs.bpftcp_sock_stats, cg_fd);
	if (!link) {
		err = -errno;
		pr_warn("cannot attach collection to cgroup %s: %s\n", cg, strerror(-err));
		goto out;
	}
	err = libbpftcp__mkdir_p(dir, 0700);
	if (!err) {
		snprintf(path, sizeof(path), "%s/counters", dir);
		err = bpf_map__pin(skel->maps.sock_counters, path);
	}
	if (!err) {
		snprintf(path, sizeof(path), "%s/link", dir);
		err = bpf_link__pin(link, path);
	}
	if (err) {
		pr_warn("cannot pin the collection under %s: %s\n", dir, strerror(-err));
		unpin_attachment(dir);
	}
out:
	/* Closes our link fd; the pin keeps the attachment alive. */
	bpf_link__destroy(link);
	skstorage_sock_state__destroy(skel);
	close(cg_fd);
	return err;
}

int bpftcp_sockets_attach(const char *cgroup, const struct bpftcp_sockets_attach_opts *opts)
{
	struct libbpftcp__lock lk;
	char cg[PATH_MAX];
	__u64 id;
	int err;

	if (!OPTS_VALID(opts, bpftcp_sockets_attach_opts))
		return -EINVAL;
	err = bpftcp_cgroup_resolve(cgroup, cg, sizeof(cg), &id);
	if (err)
		return err;
	err = libbpftcp__lock("sockets", true, &lk);
	if (err)
		return err;
	err = attach_locked(cg, id);
	libbpftcp__unlock(&lk);
	return err;
}

int bpftcp_sockets_detach(const char *cgroup)
{
	char cg[PATH_MAX], base[PATH_MAX], dir[PATH_MAX + 64], path[PATH_MAX + 128];
	struct libbpftcp__lock lk;
	__u64 id;
	int err;

	err = bpftcp_cgroup_resolve(cgroup, cg, sizeof(cg), &id);
	if (err)
		return err;
	err = libbpftcp__lock("sockets", false, &lk);
	if (err)
		return err;
	err = -ENOENT;
	if (!sockets_dir(base, sizeof(base), false)) {
		snprintf(dir, sizeof(dir), "%s/" CG_PREFIX "%llu", base, (unsigned long long)id);
		snprintf(path, sizeof(path), "%s/link", dir);
		if (access(path, F_OK) == 0) {
			/* The link first: dropping its last reference detaches
			 * the program. */
			unpin_attachment(dir);
			err = 0;
		}
	}
	libbpftcp__unlock(&lk);
	return err;
}

void libbpftcp__sockets_unpin(const char *dir)
{
	struct libbpftcp__lock lk;

	if (libbpftcp__lock("sockets", false, &lk))
		return;
	unpin_attachment(dir);
	libbpftcp__unlock(&lk);
}

/*
 * Apply's detach, which a rollback can undo (lib/apply.c): takes a reference
 * on the collection's link and counters at @dir and on the shared record
 * map, then unpins the collection without bpftcp_pin_root_gc().  The link
 * holds its attachment while a reference lives: the collection stops when
 * libbpftcp__sockets_release() drops them, or comes back, the same link
 * with its counters, with libbpftcp__sockets_repin().  @h->fd[i] is -1 for
 * what was not pinned.
 */
void libbpftcp__sockets_unpin_hold(const char *dir, struct libbpftcp__sockets_held *h)
{
	char path[PATH_MAX + 64], root[PATH_MAX];
	struct libbpftcp__lock lk;
	bool locked = !libbpftcp__lock("sockets", false, &lk);

	for (size_t i = 0; i < sizeof(pin_files) / sizeof(pin_files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, pin_files[i]);
		h->fd[i] = bpf_obj_get(path);
	}
	h->fd[2] = -1;
	if (!bpftcp_pin_root(root, sizeof(root), 0)) {
		snprintf(path, sizeof(path), "%s/%s", root, BPFTCP_SOCK_STATE_PIN);
		h->fd[2] = bpf_obj_get(path);
	}
	if (locked) {
		unpin_attachment(dir);
		libbpftcp__unlock_keep(&lk);
	}
}

/* Pins what libbpftcp__sockets_unpin_hold() took at @dir again, and drops
 * the references.  The record map is pinned again only if no other is. */
int libbpftcp__sockets_repin(const char *dir, struct libbpftcp__sockets_held *h)
{
	char path[PATH_MAX + 64], root[PATH_MAX];
	struct libbpftcp__lock lk;
	int err = libbpftcp__lock("sockets", true, &lk);

	if (!err)
		err = libbpftcp__mkdir_p(dir, 0700);
	/* The record map, then the counters, then the link (pin_files[]
	 * backwards): the link pin is the last, as in an attach. */
	if (!err && h->fd[2] >= 0 && !bpftcp_pin_root(root, sizeof(root), 0)) {
		snprintf(path, sizeof(path), "%s/%s", root, BPFTCP_SOCK_STATE_PIN);
		if (bpf_obj_pin(h->fd[2], path) && errno != EEXIST)
			err = -errno;
	}
	for (size_t i = sizeof(pin_files) / sizeof(pin_files[0]); !err && i-- > 0;) {
		snprintf(path, sizeof(path), "%s/%s", dir, pin_files[i]);
		if (h->fd[i] >= 0 && bpf_obj_pin(h->fd[i], path))
			err = -errno;
		/* Unpins only what this call pinned (not another's attach). */
		for (size_t j = sizeof(pin_files) / sizeof(pin_files[0]); err && j-- > i + 1;) {
			snprintf(path, sizeof(path), "%s/%s", dir, pin_files[j]);
			if (h->fd[j] >= 0)
				unlink(path);
		}
	}
	if (lk.root_fd >= 0)
		libbpftcp__unlock(&lk);
	libbpftcp__sockets_release(h);
	return err;
}

/* Drops the references: a collection not pinned again stops here. */
void libbpftcp__sockets_release(struct libbpftcp__sockets_held *h)
{
	bool held = false;

	for (size_t i = 0; i < sizeof(h->fd) / sizeof(h->fd[0]); i++) {
		if (h->fd[i] >= 0) {
			close(h->fd[i]);
			held = true;
		}
		h->fd[i] = -1;
	}
	if (held)
		bpftcp_pin_root_gc();
}

static void read_counters(const char *dir, struct bpftcp_sock_collect_counters *out)
{
	char path[PATH_MAX + 16];

	snprintf(path, sizeof(path), "%s/counters", dir);
	libbpftcp__counters_read_pinned(path, out, sizeof(*out),
					offsetof(struct bpftcp_sock_collect_counters, last_err_line));
}

int bpftcp_sockets_foreach(bpftcp_sockets_attachment_fn fn, void *ctx)
{
	char base[PATH_MAX], dir[PATH_MAX + 300], link[PATH_MAX + 316];
	struct dirent *de;
	int ret = 0, n = 0;
	DIR *d;

	if (sockets_dir(base, sizeof(base), false))
		return 0;
	d = opendir(base);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while (!ret && (de = readdir(d))) {
		struct bpftcp_sockets_attachment a = { .sz = sizeof(a), .pin = dir };
		char *end;

		if (strncmp(de->d_name, CG_PREFIX, strlen(CG_PREFIX)))
			continue;
		a.cgroup_id = strtoull(de->d_name + strlen(CG_PREFIX), &end, 10);
		if (*end || !a.cgroup_id)
			continue;
		snprintf(dir, sizeof(dir), "%s/%s", base, de->d_name);
		/* No link pin: being attached or detached now (or left by a
		 * killed bpftcp, until the next attach or detach removes it). */
		snprintf(link, sizeof(link), "%s/link", dir);
		if (access(link, F_OK))
			continue;
		a.attached = libbpftcp__link_holds_cgroup(dir);
		read_counters(dir, &a.counters);
		n++;
		ret = fn ? fn(&a, ctx) : 0;
	}
	closedir(d);
	return ret ? ret : n;
}
