// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * libbpftcp: the congestion controls bpftcp ships, and their lifecycle
 * (see include/bpftcp/libbpftcp.h).
 *
 * A registration is the algorithm's struct_ops map attached as a BPF link
 * and pinned at <pin root>/cc/<kname>/link, with its counter map pinned
 * beside it (stats): the pin keeps it registered after the process exits;
 * unregistering unpins.  The BPF objects are embedded in the library (the
 * table generated into build/lib/cc_table.c), and opened from memory.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "bpftcp/cc_common.h"
#include "libbpftcp_internal.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Where the default goes when the default itself is unregistered. */
static const char *const fallback_defaults[] = { "cubic", "reno" };

/* ------------------------------------------------------------ the table */

/*
 * The .flags of @a's tcp_congestion_ops as its BPF object sets them, read
 * from the unloaded object (its struct_ops map's initial value, at the
 * offset BTF gives "flags"); 0 if they cannot be read.
 */
static __u32 ops_flags(const struct libbpftcp__cc_algo *a)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo, .object_name = a->info.kname);
	const void *bytes, *val = NULL;
	const struct btf_type *t;
	struct bpf_object *obj;
	struct bpf_map *m;
	const struct btf *btf;
	size_t sz, vsz = 0;
	__u32 flags = 0;
	int id;

	bytes = a->elf_bytes(&sz);
	obj = bpf_object__open_mem(bytes, sz, &oo);
	if (!obj)
		return 0;
	bpf_object__for_each_map(m, obj)
		if (bpf_map__type(m) == BPF_MAP_TYPE_STRUCT_OPS)
			val = bpf_map__initial_value(m, &vsz);
	btf = bpf_object__btf(obj);
	id = btf ? btf__find_by_name_kind(btf, "tcp_congestion_ops", BTF_KIND_STRUCT) : -1;
	t = id > 0 ? btf__type_by_id(btf, id) : NULL;
	for (int i = 0; val && t && i < btf_vlen(t); i++) {
		const struct btf_member *mem = btf_members(t) + i;
		size_t off = btf_member_bit_offset(t, i) / 8;

		if (!strcmp(btf__name_by_offset(btf, mem->name_off), "flags") &&
		    !btf_member_bitfield_size(t, i) && off + 4 <= vsz)
			memcpy(&flags, (const char *)val + off, 4);
	}
	bpf_object__close(obj);
	return flags;
}

static pthread_once_t flags_once = PTHREAD_ONCE_INIT;

static void read_flags(void)
{
	for (int i = 0; i < libbpftcp__cc_algos_cnt; i++)
		libbpftcp__cc_algos[i].info.needs_ecn =
			ops_flags(&libbpftcp__cc_algos[i]) & BPFTCP_TCP_CONG_NEEDS_ECN;
}

/* The table, with what is read from the objects filled in. */
static struct libbpftcp__cc_algo *table(void)
{
	pthread_once(&flags_once, read_flags);
	return libbpftcp__cc_algos;
}

int bpftcp_cc_count(void)
{
	return libbpftcp__cc_algos_cnt;
}

const struct bpftcp_cc_info *bpftcp_cc_get(int idx)
{
	if (idx < 0 || idx >= libbpftcp__cc_algos_cnt) {
		errno = ERANGE;
		return NULL;
	}
	return &table()[idx].info;
}

const struct bpftcp_cc_info *bpftcp_cc_find(const char *name)
{
	struct libbpftcp__cc_algo *t = table();

	for (int i = 0; name && i < libbpftcp__cc_algos_cnt; i++)
		if (!strcmp(name, t[i].info.name) || !strcmp(name, t[i].info.kname))
			return &t[i].info;
	errno = ENOENT;
	return NULL;
}

/* The algorithm @name, or NULL after saying so. */
static const struct libbpftcp__cc_algo *lookup(const char *name)
{
	const struct bpftcp_cc_info *info = bpftcp_cc_find(name);

	if (!info)
		pr_warn("'%s' is not a congestion control bpftcp ships\n", name ? name : "(null)");
	return (const struct libbpftcp__cc_algo *)info;
}

/* ------------------------------------------------------- sysctl and pins */

int bpftcp_cc_available(char *buf, size_t len)
{
	return libbpftcp__sysctl_read(SYSCTL_CC_AVAILABLE, buf, len);
}

int bpftcp_cc_default_get(char *buf, size_t len)
{
	return libbpftcp__sysctl_read(SYSCTL_CC_DEFAULT, buf, len);
}

static int default_set(const char *kname)
{
	return libbpftcp__sysctl_write(SYSCTL_CC_DEFAULT, kname);
}

/* Under the cc lock, so that an unregister's "is it the default? move it"
 * cannot interleave with it. */
int bpftcp_cc_default_set(const char *kname)
{
	struct libbpftcp__lock lk;
	int err;

	if (!kname || !*kname)
		return -EINVAL;
	/* Without a pin root (none can be made), nothing bpftcp registered
	 * can be unregistered meanwhile. */
	if (libbpftcp__lock("cc", true, &lk))
		return default_set(kname);
	err = default_set(kname);
	libbpftcp__unlock(&lk);
	return err;
}

/* Does the kernel offer @kname now? */
static bool kernel_lists(const char *kname)
{
	char avail[4096];

	return !bpftcp_cc_available(avail, sizeof(avail)) && libbpftcp__word_in_list(avail, kname);
}

/* <pin root>/cc/<kname>[/@file] into @buf; with @create, the root is made. */
static int pin_path(const struct libbpftcp__cc_algo *a, const char *file, char *buf, size_t len,
		    bool create)
{
	char root[PATH_MAX];
	int err, n;

	err = bpftcp_pin_root(root, sizeof(root), create ? BPFTCP_PIN_CREATE : 0);
	if (err)
		return err;
	n = snprintf(buf, len, "%s/cc/%s%s%s", root, a->info.kname, file ? "/" : "",
		     file ? file : "");
	return (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int bpftcp_cc_pin_dir(const char *name, char *buf, size_t len)
{
	const struct libbpftcp__cc_algo *a = lookup(name);

	return a ? pin_path(a, NULL, buf, len, false) : -EINVAL;
}

static int is_registered(const struct libbpftcp__cc_algo *a)
{
	char path[PATH_MAX];
	int err = pin_path(a, "link", path, sizeof(path), false);

	if (err)
		return err == -ENOENT ? 0 : err;
	if (access(path, F_OK))
		return errno == ENOENT ? 0 : -errno;
	return 1;
}

int bpftcp_cc_is_registered(const char *name)
{
	const struct libbpftcp__cc_algo *a = lookup(name);

	return a ? is_registered(a) : -EINVAL;
}

/* Removes what a (possibly partial) registration pinned in @dir. */
static void unpin_all(const char *dir)
{
	/* "stats_new": a replace that died between pinning and renaming.
	 * "bss": algorithm counters were pinned there before they moved into
	 * the stats map; removed so that an old registration leaves nothing. */
	static const char *const files[] = { "link", "stats", "stats_new", "bss" };
	char path[PATH_MAX + 16];

	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		unlink(path);
	}
	rmdir(dir);
}

/*
 * The algorithm @name and its pin directory, if bpftcp registered it.
 * Returns 0, -EINVAL (unknown @name), -ENOENT (not registered), or -errno.
 */
static int find_registered(const char *name, const struct libbpftcp__cc_algo **a, char *dir,
			   size_t len)
{
	int err;

	*a = lookup(name);
	if (!*a)
		return -EINVAL;
	err = is_registered(*a);
	if (err <= 0)
		return err ?: -ENOENT;
	return pin_path(*a, NULL, dir, len, false);
}

/* ------------------------------------------------------------- loading */

/* Opens and loads the embedded object of @a; *@ops is its struct_ops map. */
static struct bpf_object *load_object(const struct libbpftcp__cc_algo *a, struct bpf_map **ops,
				      int *errp)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo, .object_name = a->info.kname);
	struct bpf_object *obj;
	struct bpf_map *m;
	const void *bytes;
	size_t sz;
	int err;

	bytes = a->elf_bytes(&sz);
	obj = bpf_object__open_mem(bytes, sz, &oo);
	if (!obj) {
		*errp = -errno;
		pr_warn("cannot open the BPF object of %s: %s\n", a->info.kname, strerror(errno));
		return NULL;
	}
	*ops = NULL;
	bpf_object__for_each_map(m, obj)
		if (bpf_map__type(m) == BPF_MAP_TYPE_STRUCT_OPS)
			*ops = m;
	if (!*ops) {
		pr_warn("the BPF object of %s has no struct_ops map (a build problem)\n",
			a->info.kname);
		err = -ENOEXEC;
		goto fail;
	}
	/* Shares the per-socket record map the algorithm exports into. */
	err = libbpftcp__load_object(obj, true);
	if (!err)
		return obj;
fail:
	bpf_object__close(obj);
	*errp = err;
	return NULL;
}

/* Pins the counter map of @obj at @path (replacing an old pin). */
static int pin_counters(struct bpf_object *obj, const char *path)
{
	struct bpf_map *m = bpf_object__find_map_by_name(obj, BPFTCP_CC_STATS_MAP);

	if (!m)
		return 0;
	unlink(path);
	return bpf_map__pin(m, path);
}

/* ------------------------------------------------------------ register */

/*
 * Adds @kname to tcp_allowed_congestion_control.  The kernel lets only
 * "allowed" algorithms be chosen by unprivileged setsockopt() or be the
 * default of a network namespace other than the host's; the list is derived
 * from the registered algorithms, so unregistering drops the name by itself.
 * The sysctl is writable only from the host's network namespace.
 */
static int set_allowed(const char *kname, bool allowed);

/* Under the cc lock, as every rewrite of the list (a read, then a write of
 * the whole list: two at once would lose one's change). */
static void allow(const char *kname)
{
	int err = set_allowed(kname, true);

	if (err)
		pr_info("%s is registered but not in net.ipv4.tcp_allowed_congestion_control: %s "
			"(it is writable only from the host network namespace); only privileged "
			"sockets can select it\n", kname, strerror(-err));
}

int libbpftcp__cc_allowed(const char *kname)
{
	char list[4096];
	int err = libbpftcp__sysctl_read(SYSCTL_CC_ALLOWED, list, sizeof(list));

	return err ? err : libbpftcp__word_in_list(list, kname);
}

int libbpftcp__cc_set_allowed(const char *kname, bool allowed)
{
	struct libbpftcp__lock lk;
	int err = libbpftcp__lock("cc", true, &lk);

	if (err)
		return err;
	err = set_allowed(kname, allowed);
	libbpftcp__unlock(&lk);
	return err;
}

static int set_allowed(const char *kname, bool allowed)
{
	char list[4096], next[4096 + 32] = "", *save, *w;
	size_t n = 0;
	int err;

	err = libbpftcp__sysctl_read(SYSCTL_CC_ALLOWED, list, sizeof(list));
	if (err)
		return err;
	if (libbpftcp__word_in_list(list, kname) == allowed)
		return 0;
	for (w = strtok_r(list, " \t", &save); w; w = strtok_r(NULL, " \t", &save))
		if (strcmp(w, kname))
			n += snprintf(next + n, sizeof(next) - n, "%s%s", n ? " " : "", w);
	if (allowed)
		snprintf(next + n, sizeof(next) - n, "%s%s", n ? " " : "", kname);
	/* The kernel refuses an empty write: reno is always allowed. */
	return libbpftcp__sysctl_write(SYSCTL_CC_ALLOWED, next[0] ? next : "reno");
}

static int unregister_locked(const struct libbpftcp__cc_algo *a, unsigned int timeout);
static bool wait_gone(const char *kname, unsigned int ms);

/*
 * Under the cc lock: the check that the name is free and the registration
 * are one step for every bpftcp, so of two registers of one name one wins
 * and the other gets -EEXIST, having pinned nothing.  The counters are
 * pinned first and the link last: "the link pin exists" means "registered
 * and complete".  Killed before the link is pinned, the process takes the
 * registration with it (a struct_ops link lives as long as an fd or a pin
 * holds it), and the next operation under the lock removes the counters
 * (libbpftcp__lock()).
 */
static int register_locked(const struct libbpftcp__cc_algo *a,
			   const struct bpftcp_cc_register_opts *opts)
{
	char dir[PATH_MAX], path[PATH_MAX + 16];
	struct bpf_link *link;
	struct bpf_object *obj;
	struct bpf_map *ops;
	int err;

	err = pin_path(a, NULL, dir, sizeof(dir), true);
	if (err)
		return err;
	snprintf(path, sizeof(path), "%s/link", dir);
	if (access(path, F_OK) == 0)
		return -EEXIST;
	/* Listed but not pinned: another program's, or a killed process's
	 * whose link the kernel releases from a work queue: wait for that. */
	if (kernel_lists(a->info.kname) && !wait_gone(a->info.kname, 1000)) {
		pr_warn("%s is registered, but not by bpftcp (no pin at %s): another program "
			"holds its link (see 'bpftool link list')\n", a->info.kname, path);
		return -EEXIST;
	}

	obj = load_object(a, &ops, &err);
	if (!obj)
		return err;
	link = bpf_map__attach_struct_ops(ops);
	if (!link) {
		err = -errno;
		goto out;
	}
	err = libbpftcp__mkdir_p(dir, 0700);
	if (!err) {
		snprintf(path, sizeof(path), "%s/stats", dir);
		err = pin_counters(obj, path);
	}
	/* Before the link pin: killed after this, the registration goes with
	 * our fd and the kernel drops the name from the list itself. */
	if (!err && !OPTS_GET(opts, restricted, false))
		allow(a->info.kname);
	if (!err) {
		snprintf(path, sizeof(path), "%s/link", dir);
		err = bpf_link__pin(link, path);
	}
	if (err) {
		pr_warn("cannot pin %s under %s: %s\n", a->info.kname, dir, strerror(-err));
		/* Nothing half-registered: drop the pins, then the link. */
		unpin_all(dir);
		bpf_link__destroy(link);
		goto out;
	}
	/* The pin keeps the registration alive once our fd is gone.  Not
	 * bpf_link__disconnect(): that would leave the fd open, and a
	 * long-lived caller could then never unregister. */
	bpf_link__destroy(link);
	/* After the link pin (a default must not outlive its registration):
	 * killed before this, it is registered and not the default. */
	if (OPTS_GET(opts, set_default, false)) {
		err = default_set(a->info.kname);
		if (err) {
			pr_warn("cannot make %s the default: %s; registration undone\n",
				a->info.kname, strerror(-err));
			unregister_locked(a, 3000);
		}
	}
out:
	bpf_object__close(obj);
	return err;
}

int bpftcp_cc_register(const char *name, const struct bpftcp_cc_register_opts *opts)
{
	const struct libbpftcp__cc_algo *a;
	struct libbpftcp__lock lk;
	int err;

	libbpftcp__load_diag_reset();
	if (!OPTS_VALID(opts, bpftcp_cc_register_opts))
		return -EINVAL;
	a = lookup(name);
	if (!a)
		return -EINVAL;
	err = libbpftcp__lock("cc", true, &lk);
	if (err)
		return err;
	err = register_locked(a, opts);
	libbpftcp__unlock(&lk);
	return err;
}

/* --------------------------------------------------------- unregister */

/* Waits up to @ms for the kernel to drop @kname (link release is deferred). */
static bool wait_gone(const char *kname, unsigned int ms)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };

	for (unsigned int waited = 0; kernel_lists(kname); waited += 10) {
		if (waited >= ms)
			return false;
		nanosleep(&ts, NULL);
	}
	return true;
}

/*
 * Under the cc lock.  The link pin goes first (unpin_all()), so a reader
 * never sees counters without a registration; the wait for the kernel to
 * drop the name is under the lock too, so the next register of the name
 * does not find it still listed.
 */
static int unregister_locked(const struct libbpftcp__cc_algo *a, unsigned int timeout)
{
	char dir[PATH_MAX], cur[256];
	int err;

	err = is_registered(a);
	if (err <= 0)
		return err ?: -ENOENT;
	err = pin_path(a, NULL, dir, sizeof(dir), false);
	if (err)
		return err;
	/* A default that vanished from the list would still be used for new
	 * sockets in this netns (it holds a reference), so move it first. */
	if (!bpftcp_cc_default_get(cur, sizeof(cur)) && !strcmp(cur, a->info.kname)) {
		for (size_t i = 0; i < ARRAY_SIZE(fallback_defaults); i++) {
			if (!default_set(fallback_defaults[i])) {
				pr_info("%s was the default; the default is now %s\n",
					a->info.kname, fallback_defaults[i]);
				break;
			}
		}
	}
	/* Existing connections keep their reference to the struct_ops map and
	 * finish normally; new ones can no longer select the algorithm. */
	unpin_all(dir);
	if (!wait_gone(a->info.kname, timeout)) {
		pr_warn("%s is unpinned but the kernel still lists it after %u ms (another "
			"process holds its link? see 'bpftool link list')\n", a->info.kname, timeout);
		return -EBUSY;
	}
	return 0;
}

int bpftcp_cc_unregister(const char *name, const struct bpftcp_cc_unregister_opts *opts)
{
	const struct libbpftcp__cc_algo *a;
	struct libbpftcp__lock lk;
	int err;

	if (!OPTS_VALID(opts, bpftcp_cc_unregister_opts))
		return -EINVAL;
	a = lookup(name);
	if (!a)
		return -EINVAL;
	/* No pin root: nothing is registered. */
	err = libbpftcp__lock("cc", false, &lk);
	if (err)
		return err;
	err = unregister_locked(a, OPTS_GET(opts, timeout_ms, 0) ?: 3000);
	libbpftcp__unlock(&lk);
	return err;
}

/* ------------------------------------------------------------- replace */

/* An fd of the struct_ops map that link @link_fd holds now, or -errno. */
static int link_map_fd(int link_fd)
{
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);
	int fd;

	if (bpf_link_get_info_by_fd(link_fd, &info, &len))
		return -errno;
	if (info.type != BPF_LINK_TYPE_STRUCT_OPS)
		return -EINVAL;
	fd = bpf_map_get_fd_by_id(info.struct_ops.map_id);
	return fd < 0 ? -errno : fd;
}

/* BPF_LINK_UPDATE of @link_fd to @new_fd if it still holds @old_fd. */
static int link_update_from(int link_fd, int new_fd, int old_fd)
{
	LIBBPF_OPTS(bpf_link_update_opts, uo, .flags = BPF_F_REPLACE, .old_map_fd = old_fd);

	return bpf_link_update(link_fd, new_fd, &uo) ? -errno : 0;
}

/*
 * Points link @link_fd at map @new_fd, naming the map it held when this
 * replace began (@seen_fd, BPF_F_REPLACE): if another process replaced it
 * meanwhile, the kernel refuses with EPERM (bpf_struct_ops_map_link_update())
 * rather than letting one replace overwrite the other unawares.  Then, said
 * as INFO, once more from the map the link holds now: -EBUSY if that one
 * changed too.
 */
static int link_update_checked(int link_fd, int new_fd, int seen_fd, const char *kname)
{
	int err = link_update_from(link_fd, new_fd, seen_fd), cur_fd;

	if (err != -EPERM)
		return err;
	pr_info("another process replaced %s while this one loaded it; replacing that version\n",
		kname);
	cur_fd = link_map_fd(link_fd);
	if (cur_fd < 0)
		return cur_fd;
	err = link_update_from(link_fd, new_fd, cur_fd);
	close(cur_fd);
	if (err == -EPERM) {
		pr_warn("the link of %s changed again while replacing it (another process keeps "
			"replacing it); nothing was changed\n", kname);
		return -EBUSY;
	}
	return err;
}

/*
 * Hot swap: point the pinned link at a freshly loaded struct_ops map.
 *
 * The kernel accepts a struct_ops map in BPF_LINK_UPDATE only once its value
 * is filled in (state READY: bpf_struct_ops_valid_to_reg()).  libbpf fills
 * it in bpf_map__attach_struct_ops(), from the program fds it keeps in a
 * private copy of the value (no public libbpf call writes it for us: building
 * the value here would mean redoing libbpf's struct_ops layout code), and
 * then creates a link.  That link creation fails with EEXIST while the
 * algorithm is registered, which is what happens here; the map stays READY.
 * BPF_LINK_UPDATE checks the state itself, so a map that was not filled in
 * is refused (EINVAL), never half used.  libbpf's bpf_link__update_map()
 * cannot be used: it works only on links libbpf created, not one opened
 * from a pin.
 *
 * All of it runs under the cc lock (libbpftcp__lock()), so "stats" always
 * belongs to the programs the link runs; killed between pinning
 * "stats_new" and renaming it, the next operation under the lock finishes
 * or undoes the move by which programs the link runs.
 */
static int replace_locked(const char *name)
{
	char dir[PATH_MAX], path[PATH_MAX + 16], fresh[PATH_MAX + 16];
	int link_fd, seen_fd, err;
	const struct libbpftcp__cc_algo *a;
	struct bpf_object *obj;
	struct bpf_link *extra;
	bool allowed;
	struct bpf_map *ops;

	err = find_registered(name, &a, dir, sizeof(dir));
	if (err)
		return err;
	snprintf(path, sizeof(path), "%s/link", dir);
	link_fd = bpf_obj_get(path);
	if (link_fd < 0) {
		err = -errno;
		pr_warn("cannot open %s: %s\n", path, strerror(-err));
		return err;
	}
	/* What this replace replaces: the map the link holds now. */
	seen_fd = link_map_fd(link_fd);
	if (seen_fd < 0) {
		err = seen_fd;
		pr_warn("cannot read the map of the link pinned at %s: %s\n", path, strerror(-err));
		goto out_link;
	}
	obj = load_object(a, &ops, &err);
	if (!obj)
		goto out_seen;
	extra = bpf_map__attach_struct_ops(ops);
	if (extra) {
		/* The kernel accepted a second registration of the name, so
		 * the pinned one is no longer what the kernel lists: undo. */
		bpf_link__destroy(extra);
		err = -ESTALE;
		goto out;
	}
	/* The new counters go in beside the old ones first, and take their
	 * name once the new programs run (rename(2) on bpffs is atomic).  No
	 * dot in the name: bpffs refuses to pin names with one (EPERM). */
	snprintf(fresh, sizeof(fresh), "%s/stats_new", dir);
	err = pin_counters(obj, fresh);
	if (err) {
		pr_warn("cannot pin the counters of %s at %s: %s\n", a->info.kname, fresh,
			strerror(-err));
		goto out;
	}
	/* Existing sockets keep the old programs; new ones get the new.  The
	 * kernel takes the new tcp_congestion_ops' flags as they are, so an
	 * algorithm in tcp_allowed_congestion_control drops out of it with
	 * the update: put it back. */
	allowed = libbpftcp__cc_allowed(a->info.kname) == 1;
	err = link_update_checked(link_fd, bpf_map__fd(ops), seen_fd, a->info.kname);
	if (!err && allowed)
		allow(a->info.kname);
	snprintf(path, sizeof(path), "%s/stats", dir);
	if (err) {
		unlink(fresh);
	} else if (access(fresh, F_OK) == 0 && rename(fresh, path)) {
		err = -errno;
		pr_warn("replaced %s, but cannot move its counters to %s: %s\n", a->info.kname,
			path, strerror(-err));
	}
out:
	bpf_object__close(obj);
out_seen:
	close(seen_fd);
out_link:
	close(link_fd);
	return err;
}

int bpftcp_cc_replace(const char *name, const struct bpftcp_cc_replace_opts *opts)
{
	struct libbpftcp__lock lk;
	int err;

	libbpftcp__load_diag_reset();
	if (!OPTS_VALID(opts, bpftcp_cc_replace_opts))
		return -EINVAL;
	if (!lookup(name))
		return -EINVAL;
	err = libbpftcp__lock("cc", false, &lk);
	if (err)
		return err;
	err = replace_locked(name);
	libbpftcp__unlock(&lk);
	return err;
}

/* ------------------------------------------------------------ upgrades */

static int tag_cmp(const void *a, const void *b)
{
	return memcmp(a, b, BPF_TAG_SIZE);
}

/* Appends the tag of program @fd to @tags (at most @max), sorted later. */
static int tag_push(int fd, __u8 (*tags)[BPF_TAG_SIZE], int *n, int max)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	if (bpf_prog_get_info_by_fd(fd, &info, &len))
		return -errno;
	if (*n >= max)
		return -E2BIG;
	memcpy(tags[(*n)++], info.tag, BPF_TAG_SIZE);
	return 0;
}

/* Offset of member @name of @type_id, and the member's type id, or -1. */
static long btf_member(const struct btf *btf, __u32 type_id, const char *name, __u32 *mtype)
{
	const struct btf_type *t = btf__type_by_id(btf, type_id);
	const struct btf_member *m;

	if (!t || !btf_is_struct(t))
		return -1;
	m = btf_members(t);
	for (int i = 0; i < btf_vlen(t); i++, m++) {
		if (strcmp(btf__name_by_offset(btf, m->name_off), name))
			continue;
		if (mtype)
			*mtype = m->type;
		return btf_member_bit_offset(t, i) / 8;
	}
	return -1;
}

/*
 * The ids of the programs struct_ops map @map_fd holds.  Its value (struct
 * bpf_struct_ops_tcp_congestion_ops) holds, as the kernel reports it, each
 * program's id where the tcp_congestion_ops has the function pointer.
 */
int libbpftcp__struct_ops_prog_ids(int map_fd, __u32 *ids, int max)
{
	struct bpf_map_info info = {};
	const struct btf_type *ops;
	struct btf *vmlinux;
	__u32 zero = 0, ops_id = 0;
	char *value = NULL;
	long data_off;
	int err = 0, n = 0;

	err = libbpftcp__map_info(map_fd, &info);
	if (err)
		return err;
	vmlinux = btf__load_vmlinux_btf();
	if (!vmlinux)
		return -errno;
	value = calloc(1, info.value_size);
	data_off = btf_member(vmlinux, info.btf_vmlinux_value_type_id, "data", &ops_id);
	ops = btf__type_by_id(vmlinux, ops_id);
	if (!value || data_off < 0 || !ops || !btf_is_struct(ops)) {
		err = value ? -EPROTO : -ENOMEM;
		goto out;
	}
	if (bpf_map_lookup_elem(map_fd, &zero, value)) {
		err = -errno;
		goto out;
	}
	for (int i = 0; !err && i < btf_vlen(ops); i++) {
		const struct btf_type *mt = btf__type_by_id(vmlinux, btf_members(ops)[i].type);
		size_t off = data_off + btf_member_bit_offset(ops, i) / 8;
		__u64 id = 0;

		if (!mt || !btf_is_ptr(mt))
			continue;
		mt = btf__type_by_id(vmlinux, mt->type);
		if (!mt || !btf_is_func_proto(mt) || off + sizeof(id) > info.value_size)
			continue;
		memcpy(&id, value + off, sizeof(id));
		if (!id)
			continue;
		if (n >= max)
			err = -E2BIG;
		else
			ids[n++] = (__u32)id;
	}
out:
	free(value);
	btf__free(vmlinux);
	return err ? err : n;
}

/* The tags of the programs struct_ops map @map_fd holds. */
static int map_prog_tags(int map_fd, __u8 (*tags)[BPF_TAG_SIZE], int *n, int max)
{
	__u32 ids[64];
	int cnt = libbpftcp__struct_ops_prog_ids(map_fd, ids, 64), err = 0;

	if (cnt < 0)
		return cnt;
	for (int i = 0; !err && i < cnt; i++) {
		int fd = bpf_prog_get_fd_by_id(ids[i]);

		if (fd < 0)
			return -errno;
		err = tag_push(fd, tags, n, max);
		close(fd);
	}
	return err;
}

int libbpftcp__cc_differs(const char *name)
{
	enum { MAX_PROGS = 64 };
	__u8 pinned[MAX_PROGS][BPF_TAG_SIZE], ours[MAX_PROGS][BPF_TAG_SIZE];
	char dir[PATH_MAX], path[PATH_MAX + 16];
	const struct libbpftcp__cc_algo *a;
	int n_pinned = 0, n_ours = 0, link_fd, map_fd, err;
	struct bpf_program *prog;
	struct bpf_object *obj;
	struct bpf_map *ops;

	err = find_registered(name, &a, dir, sizeof(dir));
	if (err)
		return err;
	snprintf(path, sizeof(path), "%s/link", dir);
	link_fd = bpf_obj_get(path);
	if (link_fd < 0)
		return -errno;
	map_fd = link_map_fd(link_fd);
	close(link_fd);
	if (map_fd < 0)
		return map_fd;
	err = map_prog_tags(map_fd, pinned, &n_pinned, MAX_PROGS);
	close(map_fd);
	if (err) {
		pr_warn("cannot read the programs of the registration of %s: %s\n", a->info.kname,
			strerror(-err));
		return err;
	}
	/* The kernel computes a program's tag when it loads it, so ours are
	 * known only once a copy is loaded (and then closed, unattached). */
	obj = load_object(a, &ops, &err);
	if (!obj)
		return err;
	bpf_object__for_each_program(prog, obj)
		if (!err && bpf_program__fd(prog) >= 0)
			err = tag_push(bpf_program__fd(prog), ours, &n_ours, MAX_PROGS);
	bpf_object__close(obj);
	if (err)
		return err;
	if (n_ours != n_pinned)
		return 1;
	qsort(pinned, n_pinned, BPF_TAG_SIZE, tag_cmp);
	qsort(ours, n_ours, BPF_TAG_SIZE, tag_cmp);
	return memcmp(pinned, ours, n_ours * BPF_TAG_SIZE) != 0;
}

/* --------------------------------------------------------------- stats */

/*
 * Reads every CPU's value of the pinned counter map of @a, whose values are
 * struct bpftcp_cc_stats or an algorithm's larger struct that starts with it
 * (cc_stats.h); @info gets the map's info (value size, BTF).  Returns the
 * values (free()) or NULL with *@errp set.
 */
static char *read_counters(const struct libbpftcp__cc_algo *a, struct bpf_map_info *info,
			   int *ncpu, size_t *stride, int *errp)
{
	char path[PATH_MAX];
	char *vals;
	int fd, err;

	err = pin_path(a, "stats", path, sizeof(path), false);
	if (err)
		goto fail;
	fd = bpf_obj_get(path);
	if (fd < 0) {
		err = -errno;
		goto fail;
	}
	memset(info, 0, sizeof(*info));
	err = libbpftcp__map_info(fd, info);
	close(fd);
	if (!err && info->value_size < sizeof(struct bpftcp_cc_stats)) {
		pr_warn("%s holds %u-byte values, smaller than struct bpftcp_cc_stats\n", path,
			info->value_size);
		err = -EPROTO;
	}
	if (err)
		goto fail;
	vals = libbpftcp__percpu_read_pinned(path, info->value_size, ncpu, stride);
	if (vals)
		return vals;
	err = -errno;
fail:
	*errp = err;
	return NULL;
}

int bpftcp_cc_stats(const char *name, struct bpftcp_cc_stats *out)
{
	const struct libbpftcp__cc_algo *a;
	struct bpf_map_info info;
	size_t stride;
	char *vals;
	int ncpu, err;

	if (!out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	a = lookup(name);
	if (!a)
		return -EINVAL;
	vals = read_counters(a, &info, &ncpu, &stride, &err);
	if (!vals)
		return err;
	for (int c = 0; c < ncpu; c++) {
		const struct bpftcp_cc_stats *s = (void *)(vals + c * stride);

		for (int op = 0; op < BPFTCP_OP__MAX; op++)
			out->calls[op] += s->calls[op];
		out->errors += s->errors;
		if (s->last_err_line)
			out->last_err_line = s->last_err_line;
	}
	free(vals);
	return 0;
}

int bpftcp_cc_counters_foreach(const char *name, bpftcp_cc_counter_fn fn, void *ctx)
{
	const struct libbpftcp__cc_algo *a = lookup(name);
	const struct btf_member *m;
	const struct btf_type *t;
	struct bpf_map_info info;
	struct btf *btf = NULL;
	int ncpu, err, n = 0;
	size_t stride;
	char *vals;

	if (!a)
		return -EINVAL;
	vals = read_counters(a, &info, &ncpu, &stride, &err);
	if (!vals)
		return err;
	if (!info.btf_id)
		goto out;	/* no BTF, so no names: only the common counters */
	btf = btf__load_from_kernel_by_id(info.btf_id);
	if (!btf) {
		n = -errno;
		goto out;
	}
	t = btf__type_by_id(btf, info.btf_value_type_id);
	if (!t || !btf_is_struct(t))
		goto out;
	m = btf_members(t);
	for (int i = 0; i < btf_vlen(t); i++, m++) {
		size_t off = btf_member_bit_offset(t, i) / 8;
		__u64 v = 0;
		int ret;

		if (off < sizeof(struct bpftcp_cc_stats) || btf__resolve_size(btf, m->type) != 8 ||
		    off + 8 > info.value_size)
			continue;
		for (int c = 0; c < ncpu; c++)
			v += *(const __u64 *)(vals + c * stride + off);
		n++;
		ret = fn ? fn(btf__name_by_offset(btf, m->name_off), v, ctx) : 0;
		if (ret) {
			n = ret;
			break;
		}
	}
out:
	btf__free(btf);
	free(vals);
	return n;
}

/* ------------------------------------------------------------ retained */

/* Appends @id to the growing array *@ids of *@n. */
static int id_push(__u32 **ids, int *n, __u32 id)
{
	__u32 *p = realloc(*ids, (*n + 1) * sizeof(**ids));

	if (!p)
		return -ENOMEM;
	p[(*n)++] = id;
	*ids = p;
	return 0;
}

/* The ids of the maps every struct_ops link holds, into *@ids. */
static int linked_map_ids(__u32 **ids, int *n)
{
	__u32 id = 0;
	int err = 0;

	while (!bpf_link_get_next_id(id, &id)) {
		struct bpf_link_info info = {};
		__u32 len = sizeof(info);
		int fd = bpf_link_get_fd_by_id(id);

		if (fd < 0) {
			if (errno == ENOENT)
				continue;	/* gone meanwhile */
			return -errno;
		}
		if (!bpf_link_get_info_by_fd(fd, &info, &len) && info.type == BPF_LINK_TYPE_STRUCT_OPS)
			err = id_push(ids, n, info.struct_ops.map_id);
		close(fd);
		if (err)
			return err;
	}
	return errno == ENOENT ? 0 : -errno;
}

int bpftcp_cc_retained(struct bpftcp_cc_retained *out, int max)
{
	long data_off = -1, name_off = -1;
	__u32 id = 0, *linked = NULL;
	int nlinked = 0, found = 0, err = 0, value_type, ops_type;
	struct btf *vmlinux;

	if (max < 0 || (max && !out))
		return -EINVAL;
	vmlinux = btf__load_vmlinux_btf();
	if (!vmlinux)
		return -errno;
	/* The map value is struct bpf_struct_ops_tcp_congestion_ops, whose
	 * member "data" is the tcp_congestion_ops with its "name". */
	value_type = btf__find_by_name_kind(vmlinux, "bpf_struct_ops_tcp_congestion_ops",
					    BTF_KIND_STRUCT);
	if (value_type <= 0) {
		err = -ENOENT;
		goto out;
	}
	data_off = btf_member(vmlinux, value_type, "data", NULL);
	ops_type = btf__find_by_name_kind(vmlinux, "tcp_congestion_ops", BTF_KIND_STRUCT);
	if (ops_type > 0)
		name_off = btf_member(vmlinux, ops_type, "name", NULL);
	err = linked_map_ids(&linked, &nlinked);
	if (err)
		goto out;
	/* Every tcp_congestion_ops struct_ops map that none of them holds. */
	while (!bpf_map_get_next_id(id, &id)) {
		struct bpf_map_info info = {};
		bool held = false;
		int fd = bpf_map_get_fd_by_id(id);

		if (fd < 0) {
			if (errno == ENOENT)
				continue;
			err = -errno;
			goto out;
		}
		/* Only link-based ones: a map registered the old way (no
		 * BPF_F_LINK) is held by the registration itself. */
		if (libbpftcp__map_info(fd, &info) || info.type != BPF_MAP_TYPE_STRUCT_OPS ||
		    !(info.map_flags & BPF_F_LINK) ||
		    info.btf_vmlinux_value_type_id != (__u32)value_type) {
			close(fd);
			continue;
		}
		for (int i = 0; i < nlinked && !held; i++)
			held = linked[i] == id;
		if (!held && found < max) {
			struct bpftcp_cc_retained *r = &out[found];
			char *value = calloc(1, info.value_size);
			__u32 zero = 0;

			r->map_id = id;
			snprintf(r->name, sizeof(r->name), "%s", info.name);
			/* The kernel's name for it, when the value can be read. */
			if (value && data_off >= 0 && name_off >= 0 &&
			    (size_t)(data_off + name_off + sizeof(r->name)) <= info.value_size &&
			    !bpf_map_lookup_elem(fd, &zero, value) && value[data_off + name_off])
				snprintf(r->name, sizeof(r->name), "%.*s", (int)sizeof(r->name) - 1,
					 value + data_off + name_off);
			free(value);
		}
		if (!held)
			found++;
		close(fd);
	}
	if (errno != ENOENT)
		err = -errno;
out:
	free(linked);
	btf__free(vmlinux);
	return err ? err : found;
}

/* ---------------------------------------------------------------- list */

int bpftcp_cc_list(bpftcp_cc_list_fn fn, void *ctx)
{
	char avail[4096], def[256] = "", *save, *w;
	bool shown[libbpftcp__cc_algos_cnt + 1];
	struct libbpftcp__cc_algo *t = table();
	int err, n = 0, ret;

	memset(shown, 0, sizeof(shown));
	err = bpftcp_cc_available(avail, sizeof(avail));
	if (err)
		return err;
	bpftcp_cc_default_get(def, sizeof(def));
	/* What the kernel offers now, in its order... */
	for (w = strtok_r(avail, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		struct bpftcp_cc_entry e = { .name = w, .registered = true,
					     .is_default = !strcmp(w, def) };

		for (int i = 0; i < libbpftcp__cc_algos_cnt; i++) {
			if (strcmp(w, t[i].info.kname))
				continue;
			e.shipped = &t[i].info;
			e.pinned = is_registered(&t[i]) == 1;
			shown[i] = true;
		}
		n++;
		ret = fn ? fn(&e, ctx) : 0;
		if (ret)
			return ret;
	}
	/* ...then what bpftcp ships that the kernel does not offer. */
	for (int i = 0; i < libbpftcp__cc_algos_cnt; i++) {
		struct bpftcp_cc_entry e = { .name = t[i].info.kname, .shipped = &t[i].info,
					     .pinned = is_registered(&t[i]) == 1 };

		if (shown[i])
			continue;
		n++;
		ret = fn ? fn(&e, ctx) : 0;
		if (ret)
			return ret;
	}
	return n;
}
