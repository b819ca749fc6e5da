/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * libbpftcp: read the bpftcp record (include/bpftcp/sock_state.h) of your
 * own TCP sockets.
 *
 *	struct bpftcp_sock_state st;
 *	int err = bpftcp_sock_state_get(fd, &st);
 *	if (!err && st.cc.kind == BPFTCP_CC_CUBIC)
 *		printf("W_max %u\n", st.cc.u.cubic.w_max);
 *
 * The record lives in the sk_local_storage map that bpftcp pins at
 * <bpffs>/bpftcp/sock_state_v<version>; the socket fd is the key.  Records
 * exist for sockets of cgroups where 'bpftcp sockets attach' runs or where
 * 'bpftcp opt attach delack --record' negotiated, and for sockets using a
 * bpftcp congestion control; otherwise the call returns -ENOENT.  Reading
 * needs access to the pin (bpffs is usually root-only) and, with
 * kernel.unprivileged_bpf_disabled, CAP_BPF.
 *
 * Every record of a network namespace, without socket fds, comes from the
 * kernel's socket-diag interface (bpftcp_sock_records_foreach()); that is
 * how 'bpftcp sockets' lists them.
 *
 * Link with -lbpftcp (no other dependency: the library uses the bpf(2) and
 * netlink system calls directly).  Functions return 0 or a negative errno and
 * never print.
 */
#ifndef BPFTCP_LIBBPFTCP_H
#define BPFTCP_LIBBPFTCP_H

#include <stddef.h>
#include <bpftcp/sock_state.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Reads the record of socket @sock_fd into @out, through the pinned map
 * (opened on first use and kept open; if the pin has since been replaced by
 * a new map, a miss moves to the new one).  Thread-safe.  Errors:
 *   -ENOENT  the socket has no record (collection not attached to its
 *            cgroup, and no bpftcp congestion control on it);
 *   -ENODEV  the map is not pinned (nothing of bpftcp's is registered or
 *            attached: bpftcp removes the map once the last is gone);
 *   -EPROTO  the record was written by an incompatible bpftcp version;
 *   -EBADF, -ENOTSOCK, -EINVAL  @sock_fd is not a TCP socket;
 *   other    errno of bpf(2), e.g. -EPERM.
 */
int bpftcp_sock_state_get(int sock_fd, struct bpftcp_sock_state *out);

/* Like bpftcp_sock_state_get(), through @map_fd from bpftcp_sock_state_map_open(). */
int bpftcp_sock_state_get_from(int map_fd, int sock_fd, struct bpftcp_sock_state *out);

/*
 * Opens the map read-only: @pin_path, or the default location when NULL.
 * Returns a file descriptor, or a negative errno (-ENODEV if not pinned).
 */
int bpftcp_sock_state_map_open(const char *pin_path);

/*
 * Writes the default pin path into @buf: $BPFTCP_BPFFS/bpftcp/<pin> if that
 * variable is set, else <bpffs mount>/bpftcp/<pin>, where <pin> is
 * BPFTCP_SOCK_STATE_PIN ("sock_state_v2": the record version this header
 * describes).
 */
int bpftcp_sock_state_map_path(char *buf, size_t len);

/*
 * One TCP socket that has a bpftcp record, as the kernel's socket-diag dump
 * reports it: where it is, what the kernel says about it now, and the
 * record.  A plain user-space type filled by the library (not a wire format).
 */
struct bpftcp_sock_dump {
	__u16 family;		/* AF_INET or AF_INET6 */
	__u8  tcp_state;	/* live TCP state (TCP_ESTABLISHED = 1, ...) */
	__u8  __pad0;
	__u8  local_addr[16];	/* network byte order; IPv4: the first 4 bytes */
	__u8  peer_addr[16];
	__u16 local_port;	/* host byte order */
	__u16 peer_port;	/* host byte order */
	__u32 netns_ino;	/* inode of the socket's network namespace */
	__u32 snd_cwnd;		/* live, packets (tcp_info) */
	__u32 snd_ssthresh;	/* live, packets (tcp_info) */
	char ca_name[BPFTCP_CA_NAME_MAX];	/* live algorithm name */
	struct bpftcp_sock_state state;	/* the record */
};

/* Called once per socket with a record; a non-zero return stops the walk
 * and becomes the return value of bpftcp_sock_records_foreach(). */
typedef int (*bpftcp_sock_record_fn)(const struct bpftcp_sock_dump *s, void *ctx);

/*
 * Calls @fn for every TCP socket (IPv4 and IPv6, every state but TIME-WAIT)
 * of a network namespace that has a record in the pinned map, in the
 * kernel's hash order.  @netns_fd is an open network namespace
 * (/run/netns/NAME, /proc/PID/ns/net; see bpftcp_netns_open()), or -1 for
 * the caller's own.  The sockets come from one NETLINK_SOCK_DIAG dump
 * (SOCK_DIAG_BY_FAMILY with INET_DIAG_REQ_SK_BPF_STORAGES naming the map, and
 * INET_DIAG_INFO and INET_DIAG_CONG for cwnd, ssthresh and the live algorithm
 * name): no BPF program is loaded, so it works where the kernel refuses BPF
 * tracing programs.  @s points into a buffer of the library, valid during
 * the call.  Sockets created or closed during the walk may be missed.
 *
 * Returns the number of sockets passed to @fn (@fn may be NULL: a count),
 * or the non-zero value @fn returned to stop the walk, or a negative errno:
 *   0 (no sockets)  the map is not pinned: nothing of bpftcp's has made a
 *                   record yet (or everything was detached);
 *   -EPERM   the caller lacks CAP_BPF (the kernel checks it when the dump
 *            names a map), or CAP_SYS_ADMIN to enter @netns_fd;
 *   -EINVAL  @netns_fd is not a network namespace;
 *   -EPROTO  the pinned map's records are not this header's
 *            struct bpftcp_sock_state (another bpftcp version), or a reply
 *            the library does not understand;
 *   -ENOBUFS the kernel dropped part of the dump (retry);
 *   -ENOMEM, other  errno of socket(2), setns(2), bpf(2), recvmsg(2).
 */
int bpftcp_sock_records_foreach(int netns_fd, bpftcp_sock_record_fn fn, void *ctx);

/*
 * Opens the network namespace @name_or_path for reading: a NAME (no '/')
 * means /run/netns/NAME (ip netns add), anything else is a path to an nsfs
 * file such as /proc/PID/ns/net.  Returns an O_CLOEXEC fd, or -ENOENT (no
 * such file), -EINVAL (not a network namespace), other -errno of open(2).
 */
int bpftcp_netns_open(const char *name_or_path);

/* Called once per network namespace: @fd is open for the call only,
 * @label names the namespace (below), @ino is its inode.  A non-zero return
 * stops the walk and becomes the return value. */
typedef int (*bpftcp_netns_fn)(int fd, const char *label, __u32 ino, void *ctx);

/*
 * Calls @fn once for every network namespace it finds, deduplicated by the
 * (device, inode) of the namespace file: first the names under /run/netns
 * (label: NAME), then the caller's own (label "/proc/self/ns/net"), then
 * those of the processes in /proc (label "/proc/PID/ns/net").  Processes
 * that exit meanwhile are passed over.  Needs root (or CAP_SYS_PTRACE) to see
 * every process's namespace.  Returns 0, the first non-zero return of @fn,
 * or -errno (/proc not readable).
 */
int bpftcp_netns_foreach(bpftcp_netns_fn fn, void *ctx);

/*
 * The label bpftcp_netns_foreach() gives the caller's own network namespace:
 * its NAME if it is under /run/netns, else "/proc/self/ns/net".  Writes it
 * into @buf; returns 0, -ENAMETOOLONG, or -errno of stat(2).
 */
int bpftcp_netns_self_label(char *buf, size_t len);

/* "ESTAB", "SYN-SENT", ... (the names of ss(8)); "UNKNOWN" otherwise. */
const char *bpftcp_tcp_state_name(unsigned int state);
/* "cubic", "dctcp", "vegas"; "none" for 0; "unknown" otherwise. */
const char *bpftcp_cc_kind_name(unsigned int kind);

#ifdef __cplusplus
}
#endif

#endif /* BPFTCP_LIBBPFTCP_H */
