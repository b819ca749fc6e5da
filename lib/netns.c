// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * libbpftcp: finding and opening network namespaces (see
 * include/bpftcp/libbpftcp.h), for listing the records of more than one.
 *
 * A namespace is known by the (device, inode) of its nsfs file; the same one
 * can be reached as /run/netns/NAME (a bind mount made by 'ip netns add')
 * and as /proc/PID/ns/net of every process in it, so a walk remembers what
 * it has seen.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/nsfs.h>
#include "bpftcp/libbpftcp.h"

#define RUN_NETNS "/run/netns"

/* Is @fd a network namespace?  0, or -EINVAL. */
static int check_netns(int fd)
{
	/* NS_GET_NSTYPE fails on files that are not namespaces (ENOTTY). */
	return ioctl(fd, NS_GET_NSTYPE) == CLONE_NEWNET ? 0 : -EINVAL;
}

int bpftcp_netns_open(const char *name_or_path)
{
	char path[PATH_MAX];
	int fd, err;

	if (!name_or_path || !*name_or_path)
		return -EINVAL;
	if (!strchr(name_or_path, '/')) {
		if (!strcmp(name_or_path, ".") || !strcmp(name_or_path, ".."))
			return -EINVAL;
		if ((size_t)snprintf(path, sizeof(path), RUN_NETNS "/%s", name_or_path) >=
		    sizeof(path))
			return -ENAMETOOLONG;
		name_or_path = path;
	}
	fd = open(name_or_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	err = check_netns(fd);
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

struct seen {
	struct { dev_t dev; ino_t ino; } *v;
	size_t n, cap;
};

/* Records (dev, ino); returns 1 if it was already there, 0, or -ENOMEM. */
static int seen_add(struct seen *s, const struct stat *st)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].dev == st->st_dev && s->v[i].ino == st->st_ino)
			return 1;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		void *nv = realloc(s->v, cap * sizeof(*s->v));

		if (!nv)
			return -ENOMEM;
		s->v = nv;
		s->cap = cap;
	}
	s->v[s->n].dev = st->st_dev;
	s->v[s->n].ino = st->st_ino;
	s->n++;
	return 0;
}

/* Opens @path and calls @fn unless it is not a netns or was seen already.
 * Files that vanish or cannot be opened are passed over (a process that
 * exited, a stale /run/netns entry). */
static int visit(struct seen *s, const char *path, const char *label,
		 bpftcp_netns_fn fn, void *ctx)
{
	struct stat st;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ret = 0;
	if (fstat(fd, &st) == 0 && check_netns(fd) == 0) {
		ret = seen_add(s, &st);
		if (ret == 0)
			ret = fn(fd, label, st.st_ino, ctx);
		else if (ret == 1)
			ret = 0;
	}
	close(fd);
	return ret;
}

static int only_pids(const struct dirent *e)
{
	return e->d_name[0] >= '1' && e->d_name[0] <= '9' &&
	       strspn(e->d_name, "0123456789") == strlen(e->d_name);
}

static int by_pid(const struct dirent **a, const struct dirent **b)
{
	long x = atol((*a)->d_name), y = atol((*b)->d_name);

	return x < y ? -1 : x > y;
}

static int not_dots(const struct dirent *e)
{
	return strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
}

int bpftcp_netns_foreach(bpftcp_netns_fn fn, void *ctx)
{
	struct dirent **names = NULL, **pids = NULL;
	struct seen s = { 0 };
	char path[PATH_MAX];
	int nn, np, ret = 0;

	/* Names first, so that a named namespace is labelled by its name;
	 * a missing /run/netns just means none. */
	nn = scandir(RUN_NETNS, &names, not_dots, alphasort);
	np = scandir("/proc", &pids, only_pids, by_pid);
	if (np < 0) {
		ret = -errno;
		goto out;
	}
	for (int i = 0; i < nn && !ret; i++) {
		snprintf(path, sizeof(path), RUN_NETNS "/%s", names[i]->d_name);
		ret = visit(&s, path, names[i]->d_name, fn, ctx);
	}
	if (!ret)
		ret = visit(&s, "/proc/self/ns/net", "/proc/self/ns/net", fn, ctx);
	for (int i = 0; i < np && !ret; i++) {
		snprintf(path, sizeof(path), "/proc/%s/ns/net", pids[i]->d_name);
		ret = visit(&s, path, path, fn, ctx);
	}
out:
	for (int i = 0; i < nn; i++)
		free(names[i]);
	for (int i = 0; i < np; i++)
		free(pids[i]);
	free(names);
	free(pids);
	free(s.v);
	return ret;
}

int bpftcp_netns_self_label(char *buf, size_t len)
{
	struct dirent **names = NULL;
	const char *label = "/proc/self/ns/net";
	struct stat self, st;
	char path[PATH_MAX];
	int nn, ret = 0;

	if (stat("/proc/self/ns/net", &self))
		return -errno;
	nn = scandir(RUN_NETNS, &names, not_dots, alphasort);
	for (int i = 0; i < nn; i++) {
		snprintf(path, sizeof(path), RUN_NETNS "/%s", names[i]->d_name);
		if (label[0] == '/' && stat(path, &st) == 0 && st.st_dev == self.st_dev &&
		    st.st_ino == self.st_ino)
			label = names[i]->d_name;
	}
	if ((size_t)snprintf(buf, len, "%s", label) >= len)
		ret = -ENAMETOOLONG;
	for (int i = 0; i < nn; i++)
		free(names[i]);
	free(names);
	return ret;
}
