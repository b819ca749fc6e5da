// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * libbpftcp: where bpftcp keeps what must outlive a process (the pin root
 * on bpffs), the cgroup v2 paths it attaches to, and the small file helpers
 * every object uses (sysctls, pinned per-CPU counters).
 *
 * Mounts are read with getmntent(3) from /proc/self/mounts: the bpffs and
 * the cgroup v2 hierarchy may be mounted anywhere, or not at all.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <mntent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "libbpftcp_internal.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif
#ifndef BPF_FS_MAGIC
#define BPF_FS_MAGIC 0xcafe4a11
#endif

#define BPFFS_DEFAULT "/sys/fs/bpf"

int bpftcp_find_mount(const char *fstype, char *buf, size_t len)
{
	struct mntent ent, *m;
	char strings[4 * PATH_MAX];
	int ret = -ENOENT;
	FILE *f;

	f = setmntent("/proc/self/mounts", "re");
	if (!f)
		return -errno;
	while ((m = getmntent_r(f, &ent, strings, sizeof(strings)))) {
		if (strcmp(m->mnt_type, fstype))
			continue;
		/* Prefer the conventional bpffs location when several exist. */
		if (ret == 0 && strcmp(m->mnt_dir, BPFFS_DEFAULT))
			continue;
		if ((size_t)snprintf(buf, len, "%s", m->mnt_dir) >= len) {
			ret = -ENAMETOOLONG;
			break;
		}
		ret = 0;
	}
	endmntent(f);
	return ret;
}

int libbpftcp__mkdir_p(const char *path, unsigned int mode)
{
	char tmp[PATH_MAX];

	if (snprintf(tmp, sizeof(tmp), "%s", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, mode) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(tmp, mode) && errno != EEXIST)
		return -errno;
	return 0;
}

/* The bpffs mount point: $BPFTCP_BPFFS, else a bpf mount (mounting one at
 * /sys/fs/bpf with @create when there is none). */
int libbpftcp__bpffs(char *buf, size_t len, bool create)
{
	const char *env = getenv("BPFTCP_BPFFS");
	struct statfs st;
	int err;

	if (env && *env) {
		if ((size_t)snprintf(buf, len, "%s", env) >= len)
			return -ENAMETOOLONG;
		/* Readers only need the path; writers need a real bpffs. */
		if (create && (statfs(buf, &st) || st.f_type != BPF_FS_MAGIC)) {
			pr_warn("BPFTCP_BPFFS=%s is not a bpffs mount\n", env);
			return -EINVAL;
		}
		return 0;
	}
	err = bpftcp_find_mount("bpf", buf, len);
	if (err != -ENOENT || !create)
		return err;
	snprintf(buf, len, BPFFS_DEFAULT);
	err = libbpftcp__mkdir_p(buf, 0700);
	if (!err && mount("bpf", buf, "bpf", 0, "mode=0700"))
		err = -errno;
	if (err) {
		pr_warn("cannot mount bpffs at %s: %s (mount it by hand: mount -t bpf bpf %s)\n",
			buf, strerror(-err), BPFFS_DEFAULT);
		return err;
	}
	pr_info("mounted bpffs at %s\n", buf);
	return 0;
}

/* @base/@sub into @buf: made (with its parents) with @create, else it must
 * exist. */
static int subdir(char *buf, size_t len, const char *base, const char *sub, bool create)
{
	int err;

	if ((size_t)snprintf(buf, len, "%s/%s", base, sub) >= len)
		return -ENAMETOOLONG;
	if (!create)
		return access(buf, F_OK) ? -errno : 0;
	err = libbpftcp__mkdir_p(buf, 0700);
	if (err)
		pr_warn("cannot create %s: %s\n", buf, strerror(-err));
	return err;
}

int bpftcp_pin_root(char *buf, size_t len, unsigned int flags)
{
	bool create = flags & BPFTCP_PIN_CREATE;
	char fs[PATH_MAX];
	int err;

	if (flags & ~BPFTCP_PIN_CREATE)
		return -EINVAL;
	err = libbpftcp__bpffs(fs, sizeof(fs), create);
	return err ? err : subdir(buf, len, fs, "bpftcp", create);
}

int libbpftcp__pin_path(char *buf, size_t len, const char *sub, bool create)
{
	char root[PATH_MAX];
	int err;

	err = bpftcp_pin_root(root, sizeof(root), create ? BPFTCP_PIN_CREATE : 0);
	return err ? err : subdir(buf, len, root, sub, create);
}

void libbpftcp__unpin_dir(const char *dir, const char *const *files, size_t n)
{
	char path[PATH_MAX + 64];

	for (size_t i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		unlink(path);
	}
	rmdir(dir);
}

/* ------------------------------------------------------------------ locks
 *
 * The locking design (docs/architecture.md, "Concurrency and crashes"):
 * every lock is an flock(2) on a directory of bpffs, so the kernel drops it
 * when its holder dies, however it dies.  In the order they are taken:
 *
 *   1. (bpftcp apply and reset only) <run dir>/lock, lib/apply.c;
 *   2. the pin root <bpffs>/bpftcp, SHARED by every mutating operation for
 *      its whole length, EXCLUSIVE (and never waited for) by the garbage
 *      collector, which alone removes the root and directories;
 *   3. one lock per kind of object, EXCLUSIVE: <root>/lock/cc (registrations,
 *      the default and tcp_allowed_congestion_control), <root>/lock/delack,
 *      <root>/lock/ccneg, <root>/lock/sockets;
 *   4. <root>/lock/records, around "is the record map pinned? load; pin"
 *      (libbpftcp__load_object()).
 *
 * A holder of one lock only ever waits for a lock further down, and no
 * operation takes two kind locks, so there is no cycle.  Readers take no
 * lock: a writer pins an object's maps first and its link last, and removes
 * the link first, so "the link pin exists" means "complete", and readers
 * skip a directory without one and tolerate pins that vanish as they read.
 */

/*
 * Opens directory @path (made first with @create) and flocks it with @op.
 * A directory can be removed (by the collector) between open() and flock():
 * the lock is then on a dead inode, so the path is checked to still name
 * the locked directory, and the whole is tried again if not.  Returns the
 * fd that holds the lock, or -errno (-ENOENT: no directory and !@create,
 * -EBUSY: LOCK_NB and held).
 */
static int lock_path(const char *path, int op, bool create)
{
	for (int tries = 0; tries < 64; tries++) {
		struct stat held, now;
		int fd, err;

		if (create) {
			err = libbpftcp__mkdir_p(path, 0700);
			if (err)
				return err;
		}
		fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		if (flock(fd, op)) {
			err = errno == EWOULDBLOCK ? -EBUSY : -errno;
			close(fd);
			return err;
		}
		if (!fstat(fd, &held) && !stat(path, &now) && held.st_dev == now.st_dev &&
		    held.st_ino == now.st_ino)
			return fd;
		err = errno;
		close(fd);
		if (!create && err == ENOENT)
			return -ENOENT;
	}
	return -EAGAIN;
}

int libbpftcp__lock_dir(const char *root, const char *name)
{
	char path[PATH_MAX + 64];

	if ((size_t)snprintf(path, sizeof(path), "%s/lock/%s", root, name) >= sizeof(path))
		return -ENAMETOOLONG;
	return lock_path(path, LOCK_EX, true);
}

/* Where each kind of object is pinned, below the root. */
static const char *kind_pins(const char *kind)
{
	if (!strcmp(kind, "delack"))
		return "opt/delack";
	if (!strcmp(kind, "ccneg"))
		return "opt/ccneg";
	return kind;	/* "cc", "sockets" */
}

static void repair(const char *root, const char *kind);

int libbpftcp__lock(const char *kind, bool create, struct libbpftcp__lock *l)
{
	char root[PATH_MAX];
	int err;

	l->root_fd = l->fd = -1;
	err = bpftcp_pin_root(root, sizeof(root), create ? BPFTCP_PIN_CREATE : 0);
	if (err)
		return err;
	l->root_fd = lock_path(root, LOCK_SH, create);
	if (l->root_fd < 0) {
		err = l->root_fd;
		goto fail;
	}
	/* The root cannot go while we hold it shared: this directory stays. */
	l->fd = libbpftcp__lock_dir(root, kind);
	if (l->fd < 0) {
		err = l->fd;
		goto fail;
	}
	repair(root, kind);
	return 0;
fail:
	if (err != -ENOENT)
		pr_warn("cannot take the %s lock under %s: %s\n", kind, root, strerror(-err));
	libbpftcp__unlock(l);
	return err;
}

void libbpftcp__unlock_keep(struct libbpftcp__lock *l)
{
	if (l->fd >= 0)
		close(l->fd);
	if (l->root_fd >= 0)
		close(l->root_fd);
	l->fd = l->root_fd = -1;
}

void libbpftcp__unlock(struct libbpftcp__lock *l)
{
	bool held = l->root_fd >= 0;

	libbpftcp__unlock_keep(l);
	/* The last operation out removes what nobody uses any more. */
	if (held)
		bpftcp_pin_root_gc();
}

/* ----------------------------------------------------------------- repair */

/* Unlinks every file in @dir (not below), then removes @dir if empty. */
static void remove_files(const char *dir)
{
	struct dirent *e;
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((e = readdir(d))) {
		char path[PATH_MAX + 256];

		if (e->d_type == DT_DIR)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

/* Adds the ids of the maps program @prog_id uses to @ids (*@n of @max). */
static int prog_map_ids(__u32 prog_id, __u32 *ids, __u32 *n, __u32 max)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	int fd = bpf_prog_get_fd_by_id(prog_id), err = 0;

	if (fd < 0)
		return -errno;
	info.nr_map_ids = max - *n;
	info.map_ids = (__u64)(unsigned long)(ids + *n);
	if (bpf_prog_get_info_by_fd(fd, &info, &len))
		err = -errno;
	else
		*n += info.nr_map_ids < max - *n ? info.nr_map_ids : max - *n;
	close(fd);
	return err;
}

/* The ids of the maps that the programs behind the link at @link use. */
static int link_map_ids(const char *link, __u32 *ids, __u32 *n, __u32 max)
{
	struct bpf_link_info info = {};
	__u32 len = sizeof(info), progs[64];
	int fd = bpf_obj_get(link), nprogs, err = 0;

	*n = 0;
	if (fd < 0)
		return -errno;
	if (bpf_link_get_info_by_fd(fd, &info, &len)) {
		err = -errno;
	} else if (info.type == BPF_LINK_TYPE_STRUCT_OPS) {
		int map_fd = bpf_map_get_fd_by_id(info.struct_ops.map_id);

		nprogs = map_fd < 0 ? -errno : libbpftcp__struct_ops_prog_ids(map_fd, progs, 64);
		if (map_fd >= 0)
			close(map_fd);
		err = nprogs < 0 ? nprogs : 0;
		for (int i = 0; !err && i < nprogs; i++)
			err = prog_map_ids(progs[i], ids, n, max);
	} else {
		err = prog_map_ids(info.prog_id, ids, n, max);
	}
	close(fd);
	return err;
}

/*
 * An update in place (cc replace, opt update) pins the new maps as
 * "<name>_new", points the link at the new programs, then renames each over
 * "<name>".  Killed in between, it leaves the *_new pins: if the link runs
 * programs that use them, the update happened and the renames finish it;
 * if not, it did not, and they go.  Either way the pins describe what runs.
 */
static void finish_update(const char *dir)
{
	char link[PATH_MAX + 16], from[PATH_MAX + 256], to[PATH_MAX + 256];
	__u32 ids[256], n = 0;
	bool used = false, any = false;
	struct dirent *e;
	DIR *d;

	snprintf(link, sizeof(link), "%s/link", dir);
	for (int pass = 0; pass < 2; pass++) {
		d = opendir(dir);
		if (!d)
			return;
		while ((e = readdir(d))) {
			size_t len = strlen(e->d_name);
			struct bpf_map_info info = {};
			int fd;

			if (len <= 4 || strcmp(e->d_name + len - 4, "_new"))
				continue;
			snprintf(from, sizeof(from), "%s/%s", dir, e->d_name);
			if (pass == 0) {
				if (!any && link_map_ids(link, ids, &n, 256))
					n = 0;
				any = true;
				fd = bpf_obj_get(from);
				if (fd < 0)
					continue;
				if (!libbpftcp__map_info(fd, &info))
					for (__u32 i = 0; i < n; i++)
						used |= ids[i] == info.id;
				close(fd);
				continue;
			}
			snprintf(to, sizeof(to), "%s/%.*s", dir, (int)len - 4, e->d_name);
			if (!used || rename(from, to))
				unlink(from);
		}
		closedir(d);
		if (!any)
			return;
	}
	pr_info("%s: finished an update that a killed bpftcp left half done (%s)\n", dir,
		used ? "the link runs the new programs: their maps renamed" :
		       "the link runs the old programs: the new maps removed");
}

/*
 * Puts right, under the lock of @kind (so no live writer is half way), what
 * a killed writer of that kind left in its pins: a directory without a link
 * pin (an attach or register that died before pinning the link, or a
 * removal that died after unpinning it) goes, and a half-done update in
 * place is finished or undone (finish_update()).  Nothing else is touched:
 * what the kernel holds only through a killed process's fds (a struct_ops
 * or cgroup link not yet pinned) went with those fds.
 */
static void repair(const char *root, const char *kind)
{
	char base[PATH_MAX + 32], dir[PATH_MAX + 300], link[PATH_MAX + 316];
	struct dirent *e;
	DIR *d;

	snprintf(base, sizeof(base), "%s/%s", root, kind_pins(kind));
	d = opendir(base);
	if (!d)
		return;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || e->d_type != DT_DIR)
			continue;
		snprintf(dir, sizeof(dir), "%s/%s", base, e->d_name);
		snprintf(link, sizeof(link), "%s/link", dir);
		if (access(link, F_OK) == 0) {
			finish_update(dir);
			continue;
		}
		pr_info("removing %s: it has no link pin (left by a bpftcp that was killed)\n", dir);
		remove_files(dir);
	}
	closedir(d);
}

/* Is a link pinned anywhere below @dir? */
static bool pins_in_use(const char *dir)
{
	bool used = false;
	struct dirent *e;
	DIR *d = opendir(dir);

	if (!d)
		return false;
	while (!used && (e = readdir(d))) {
		char path[PATH_MAX];

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (e->d_type == DT_DIR)
			used = pins_in_use(path);
		else
			used = !strcmp(e->d_name, "link");
	}
	closedir(d);
	return used;
}

/* Removes everything below @dir. */
static void remove_tree(const char *dir)
{
	struct dirent *e;
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((e = readdir(d))) {
		char path[PATH_MAX];

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (e->d_type == DT_DIR) {
			remove_tree(path);
			rmdir(path);
		} else {
			unlink(path);
		}
	}
	closedir(d);
}

/*
 * Under the root's lock taken exclusively and without waiting: nobody is
 * then half way through an operation, so with no link pinned anywhere what
 * is left (the shared record map, the lock directories, maps a killed
 * writer left) is unused, and goes with the root.  When the lock is busy,
 * its holders run this themselves as they finish (libbpftcp__unlock()).
 */
int bpftcp_pin_root_gc(void)
{
	char root[PATH_MAX];
	int fd, err = 0;

	err = bpftcp_pin_root(root, sizeof(root), 0);
	if (err)
		return err == -ENOENT ? 0 : err;
	fd = lock_path(root, LOCK_EX | LOCK_NB, false);
	if (fd == -ENOENT || fd == -EBUSY)
		return 0;
	if (fd < 0)
		return fd;
	if (!pins_in_use(root)) {
		remove_tree(root);
		if (rmdir(root) && errno != ENOENT)
			err = -errno;
		else
			err = 1;
	}
	close(fd);
	return err;
}

int libbpftcp__sysctl_read(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return 0;
}

int libbpftcp__sysctl_write(const char *path, const char *val)
{
	ssize_t n;
	int fd, err = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	if (n < 0)
		err = -errno;
	close(fd);
	return err;
}

bool libbpftcp__word_in_list(const char *list, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = list; (p = strstr(p, name)); p += n) {
		bool start = p == list || p[-1] == ' ' || p[-1] == '\t';
		bool end = p[n] == '\0' || p[n] == ' ' || p[n] == '\t' || p[n] == '\n';

		if (start && end)
			return true;
	}
	return false;
}

int bpftcp_cgroup_resolve(const char *arg, char *path, size_t len, __u64 *id)
{
	char mnt[PATH_MAX] = "", joined[PATH_MAX * 2], real[PATH_MAX];
	struct {
		struct file_handle fh;
		__u64 id;
	} h = { .fh.handle_bytes = sizeof(__u64) };
	struct statfs st;
	int mount_id;

	if (!arg || !*arg)
		return -EINVAL;
	if (arg[0] == '/')
		snprintf(joined, sizeof(joined), "%s", arg);
	else if (bpftcp_find_mount("cgroup2", mnt, sizeof(mnt)) == 0)
		snprintf(joined, sizeof(joined), "%s/%s", mnt, arg);
	else
		return -ENOENT;
	if (!realpath(joined, real))
		return -errno;
	if (statfs(real, &st) || st.f_type != CGROUP2_SUPER_MAGIC)
		return -ENOTDIR;
	/* The cgroup id is the kernfs file handle of the directory. */
	if (name_to_handle_at(AT_FDCWD, real, &h.fh, &mount_id, 0))
		return -errno;
	if ((size_t)snprintf(path, len, "%s", real) >= len)
		return -ENAMETOOLONG;
	memcpy(id, h.fh.f_handle, sizeof(*id));
	return 0;
}

void *libbpftcp__percpu_read_pinned(const char *path, size_t value_size, int *ncpu,
				    size_t *stride)
{
	__u32 zero = 0;
	void *vals;
	int fd, err;

	fd = bpf_obj_get(path);
	if (fd < 0)
		return NULL;
	*ncpu = libbpf_num_possible_cpus();
	if (*ncpu <= 0) {
		close(fd);
		errno = *ncpu ? -*ncpu : EINVAL;
		return NULL;
	}
	*stride = (value_size + 7) & ~(size_t)7;
	vals = calloc(*ncpu, *stride);
	if (vals && bpf_map_lookup_elem(fd, &zero, vals)) {
		err = errno;
		free(vals);
		vals = NULL;
		errno = err;
	}
	close(fd);
	return vals;
}

int libbpftcp__counters_read_pinned(const char *path, void *out, size_t size,
				    size_t err_line_off)
{
	__u32 *line = (__u32 *)((char *)out + err_line_off);
	size_t stride;
	char *vals;
	int ncpu;

	memset(out, 0, size);
	vals = libbpftcp__percpu_read_pinned(path, size, &ncpu, &stride);
	if (!vals)
		return -errno;
	for (int c = 0; c < ncpu; c++) {
		const char *v = vals + c * stride;
		__u32 l;

		for (size_t off = 0; off + sizeof(__u64) <= err_line_off; off += sizeof(__u64)) {
			__u64 a, b;

			memcpy(&a, (char *)out + off, sizeof(a));
			memcpy(&b, v + off, sizeof(b));
			a += b;
			memcpy((char *)out + off, &a, sizeof(a));
		}
		memcpy(&l, v + err_line_off, sizeof(l));
		if (l)
			*line = l;
	}
	free(vals);
	return 0;
}

int bpftcp_kernel_btf_check(void)
{
	struct btf *btf;
	int err;

	/* libbpf looks where kernels put it (/sys/kernel/btf/vmlinux, then
	 * vmlinux images under /boot and /lib/modules), so no path is
	 * hard-coded here. */
	btf = btf__load_vmlinux_btf();
	err = btf ? 0 : -errno;
	btf__free(btf);
	return err;
}
