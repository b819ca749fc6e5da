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

/* Does the tree at @dir hold any file other than top-level "sock_state*"? */
static bool pins_in_use(const char *dir, bool top)
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
			used = pins_in_use(path, false);
		else
			used = !(top && !strncmp(e->d_name, "sock_state", 10));
	}
	closedir(d);
	return used;
}

/* Removes the top-level shared pins and every empty directory below @dir. */
static void remove_unused(const char *dir, bool top)
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
			remove_unused(path, false);
			rmdir(path);
		} else if (top) {
			unlink(path);
		}
	}
	closedir(d);
}

int bpftcp_pin_root_gc(void)
{
	char root[PATH_MAX];
	int fd, err;

	err = bpftcp_pin_root(root, sizeof(root), 0);
	if (err)
		return err == -ENOENT ? 0 : err;
	fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	if (flock(fd, LOCK_EX)) {
		err = -errno;
	} else if (!pins_in_use(root, true)) {
		remove_unused(root, true);
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
