// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * libbpftcp: per-socket reads of the bpftcp record for applications (see
 * include/bpftcp/libbpftcp.h).  Uses bpf(2) directly so that applications
 * need no libbpf.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/bpf.h>
#include "bpftcp/libbpftcp.h"
#include "libbpftcp_internal.h"

static long sys_bpf(int cmd, union bpf_attr *attr)
{
	return syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

int bpftcp_sock_state_map_path(char *buf, size_t len)
{
	char fs[4096];
	int err = libbpftcp__bpffs(fs, sizeof(fs), false);

	if (err)
		return err == -ENOENT ? -ENODEV : err;	/* no bpffs: nothing pinned */
	if ((size_t)snprintf(buf, len, "%s/bpftcp/%s", fs, BPFTCP_SOCK_STATE_PIN) >= len)
		return -ENAMETOOLONG;
	return 0;
}

int bpftcp_sock_state_map_open(const char *pin_path)
{
	char path[4096];
	union bpf_attr attr;
	int fd, err;

	if (!pin_path) {
		err = bpftcp_sock_state_map_path(path, sizeof(path));
		if (err)
			return err;
		pin_path = path;
	}
	/* Checked first so that a missing pin reads the same for everyone (an
	 * unprivileged bpf(2) may fail with EPERM before looking). */
	if (access(pin_path, F_OK))
		return errno == ENOENT ? -ENODEV : -errno;
	memset(&attr, 0, sizeof(attr));
	attr.pathname = (__u64)(unsigned long)pin_path;
	/* Read-only: the reader never needs more. */
	attr.file_flags = BPF_F_RDONLY;
	fd = sys_bpf(BPF_OBJ_GET, &attr);
	if (fd < 0)
		return errno == ENOENT ? -ENODEV : -errno;
	return fd;
}

int bpftcp_sock_state_get_from(int map_fd, int sock_fd, struct bpftcp_sock_state *out)
{
	struct bpf_map_info info;
	union bpf_attr attr;
	const struct bpftcp_sock_state *st;
	void *val;
	int err = 0;

	/* The value size comes from the map, not from this header, so a map of
	 * another bpftcp version can never overrun @out. */
	err = libbpftcp__map_info(map_fd, &info);
	if (err)
		return err;
	if (info.type != BPF_MAP_TYPE_SK_STORAGE || info.key_size != sizeof(int) ||
	    info.value_size < sizeof(st->version) + sizeof(st->size))
		return -EPROTO;
	val = calloc(1, info.value_size);
	if (!val)
		return -ENOMEM;
	memset(&attr, 0, sizeof(attr));
	attr.map_fd = map_fd;
	attr.key = (__u64)(unsigned long)&sock_fd;
	attr.value = (__u64)(unsigned long)val;
	if (sys_bpf(BPF_MAP_LOOKUP_ELEM, &attr)) {
		err = -errno;
		goto out;
	}
	st = val;
	if (st->version != BPFTCP_SOCK_STATE_VERSION || st->size != sizeof(*out) ||
	    info.value_size != sizeof(*out)) {
		err = -EPROTO;
		goto out;
	}
	memcpy(out, val, sizeof(*out));
out:
	free(val);
	return err;
}

int libbpftcp__map_info(int fd, struct bpf_map_info *info)
{
	union bpf_attr attr;

	memset(info, 0, sizeof(*info));
	memset(&attr, 0, sizeof(attr));
	attr.info.bpf_fd = fd;
	attr.info.info_len = sizeof(*info);
	attr.info.info = (__u64)(unsigned long)info;
	return sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &attr) ? -errno : 0;
}

/* The id of the map behind @fd, or 0. */
static __u32 map_id(int fd)
{
	struct bpf_map_info info;

	return libbpftcp__map_info(fd, &info) ? 0 : info.id;
}

/*
 * The pinned map is opened once and cached.  It can be replaced while a
 * program runs: bpftcp removes it when nothing is registered or attached any
 * more, and the next attach pins a new one.  So a miss with the cached map
 * looks at the pin again, and moves to the new map if it is another one.
 * One mutex guards the cache (a read is a syscall anyway).
 */
static pthread_mutex_t map_lock = PTHREAD_MUTEX_INITIALIZER;
static int map_fd = -1;

int bpftcp_sock_state_get(int sock_fd, struct bpftcp_sock_state *out)
{
	int err, fd;

	pthread_mutex_lock(&map_lock);
	if (map_fd < 0) {
		fd = bpftcp_sock_state_map_open(NULL);
		if (fd < 0) {
			err = fd;
			goto out;
		}
		map_fd = fd;
	}
	err = bpftcp_sock_state_get_from(map_fd, sock_fd, out);
	if (err != -ENOENT)
		goto out;
	fd = bpftcp_sock_state_map_open(NULL);
	if (fd == -ENODEV) {
		/* Nothing pinned any more: forget the old map too. */
		close(map_fd);
		map_fd = -1;
		err = fd;
	} else if (fd >= 0 && map_id(fd) != map_id(map_fd)) {
		close(map_fd);
		map_fd = fd;
		err = bpftcp_sock_state_get_from(map_fd, sock_fd, out);
	} else if (fd >= 0) {
		close(fd);
	}
out:
	pthread_mutex_unlock(&map_lock);
	return err;
}

const char *bpftcp_tcp_state_name(unsigned int state)
{
	static const char *const names[] = {
		[1] = "ESTAB", [2] = "SYN-SENT", [3] = "SYN-RECV", [4] = "FIN-WAIT-1",
		[5] = "FIN-WAIT-2", [6] = "TIME-WAIT", [7] = "UNCONN", [8] = "CLOSE-WAIT",
		[9] = "LAST-ACK", [10] = "LISTEN", [11] = "CLOSING", [12] = "NEW-SYN-RECV",
	};

	if (state < sizeof(names) / sizeof(names[0]) && names[state])
		return names[state];
	return "UNKNOWN";
}

const char *bpftcp_cc_kind_name(unsigned int kind)
{
	switch (kind) {
	case BPFTCP_CC_NONE:	return "none";
	case BPFTCP_CC_CUBIC:	return "cubic";
	case BPFTCP_CC_DCTCP:	return "dctcp";
	case BPFTCP_CC_VEGAS:	return "vegas";
	case BPFTCP_CC_BBR:	return "bbr";
	case BPFTCP_CC_BBR3:	return "bbr3";
	default:		return "unknown";
	}
}
