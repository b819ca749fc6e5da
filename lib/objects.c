// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * libbpftcp: loading bpftcp's BPF objects.  Every object that includes
 * bpftcp/sock_state.bpf.h declares the record map "sock_state"; all of them
 * must share the one map pinned at <pin root>/sock_state_v<N>, so every
 * object is loaded through libbpftcp__load_object().  A caller that means to
 * pin what it loads holds its kind's lock (libbpftcp__lock()), which keeps
 * the collector from unpinning the record map before its link is pinned.  How the last load of
 * this thread went (through bpftcp_object_load(), which every load uses)
 * is kept for bpftcp_last_load_diag().
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "libbpftcp_internal.h"

static __thread struct bpftcp_load_diag last_load = { .sz = sizeof(last_load) };

int bpftcp_last_load_diag(struct bpftcp_load_diag *d)
{
	if (!d || d->sz < sizeof(*d))
		return -EINVAL;
	memcpy(d, &last_load, sizeof(*d));
	return 0;
}

void libbpftcp__load_diag_reset(void)
{
	last_load = (struct bpftcp_load_diag){ .sz = sizeof(last_load), .prog_type = -1 };
}

void libbpftcp__remember_load(const struct bpftcp_load_diag *d)
{
	memcpy(&last_load, d, sizeof(last_load));
	last_load.sz = sizeof(last_load);
	if (d->result == BPFTCP_LOAD_REJECTED)
		pr_debug("-- verifier log of %s (tail) --\n%s-- end of the verifier log --\n",
			 d->prog_name, d->log);
}

static int load_remembered(struct bpf_object *obj)
{
	return bpftcp_object_load(obj, NULL);
}

/* Refuses a pinned map whose records are not the ones @map would write. */
static int check_pinned_map(int fd, const struct bpf_map *map, const char *path)
{
	struct bpf_map_info info = {};
	int err = libbpftcp__map_info(fd, &info);

	if (err)
		return err;
	if (info.type == bpf_map__type(map) && info.key_size == bpf_map__key_size(map) &&
	    info.value_size == bpf_map__value_size(map))
		return 0;
	pr_warn("pinned map %s holds %u-byte records, this bpftcp writes %u-byte ones (a bpftcp "
		"build that changed the record without bumping BPFTCP_SOCK_STATE_VERSION?)\n",
		path, info.value_size, bpf_map__value_size(map));
	return -EPROTO;
}

int libbpftcp__load_object(struct bpf_object *obj, bool create)
{
	struct bpf_map *map = bpf_object__find_map_by_name(obj, BPFTCP_SOCK_STATE_MAP);
	char root[PATH_MAX], path[PATH_MAX + 32];
	int lock_fd, fd, err;

	libbpftcp__load_diag_reset();
	if (!map)
		return load_remembered(obj);
	err = bpftcp_pin_root(root, sizeof(root), create ? BPFTCP_PIN_CREATE : 0);
	if (err)
		return err;
	snprintf(path, sizeof(path), "%s/%s", root, BPFTCP_SOCK_STATE_PIN);

	/* "Is it pinned? load; pin" must not interleave between two loaders:
	 * the innermost lock (lib/pin.c), <root>/lock/records. */
	lock_fd = libbpftcp__lock_dir(root, "records");
	if (lock_fd < 0)
		return lock_fd;
	fd = bpf_obj_get(path);
	if (fd >= 0) {
		err = check_pinned_map(fd, map, path);
		if (!err)
			err = bpf_map__reuse_fd(map, fd);
		close(fd);
		if (!err)
			err = load_remembered(obj);
		goto out;
	}
	err = -errno;
	if (err != -ENOENT || !create)
		goto out;
	err = load_remembered(obj);
	if (!err) {
		err = bpf_map__pin(map, path);
		if (err)
			pr_warn("cannot pin the record map at %s: %s\n", path, strerror(-err));
	}
out:
	close(lock_fd);
	return err;
}
