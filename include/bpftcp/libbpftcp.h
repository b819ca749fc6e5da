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
 * The record functions need nothing but -lbpftcp (they use the bpf(2) and
 * netlink system calls directly).  The probing and loading functions further
 * down (bpftcp_probe_features() and friends) use libbpf.  Functions never
 * print; they return 0 (or a documented positive value) or a negative errno.
 */
#ifndef BPFTCP_LIBBPFTCP_H
#define BPFTCP_LIBBPFTCP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <linux/bpf.h>
#include <bpftcp/sock_state.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The version of the library the caller compiled against. */
#define LIBBPFTCP_MAJOR_VERSION 0
#define LIBBPFTCP_MINOR_VERSION 2

/* The version of the library that runs, e.g. "0.2.0". */
const char *libbpftcp_version(void);

/* ------------------------------------------------------------- messages */

enum libbpftcp_print_level {
	LIBBPFTCP_WARN,		/* why an operation failed, or what it could not do */
	LIBBPFTCP_INFO,		/* what an operation did besides its result */
	LIBBPFTCP_DEBUG,	/* the BPF verifier's log of a rejected program */
};

typedef int (*libbpftcp_print_fn_t)(enum libbpftcp_print_level level, const char *fmt,
				    va_list ap);

/*
 * Chooses where the library's messages go: every message of libbpftcp,
 * the verifier's log of a rejected program included (as LIBBPFTCP_DEBUG),
 * is passed to @fn.  Messages end with a newline.  The default callback
 * writes WARN and INFO to stderr; NULL silences the library.  libbpf's own
 * messages are not redirected: they go where the application's
 * libbpf_set_print() sends them (a library must not take over that global
 * setting).  Not thread-safe against concurrent calls of the library.
 * Returns the previous callback.
 */
libbpftcp_print_fn_t libbpftcp_set_print(libbpftcp_print_fn_t fn);

/*
 * Options structs.  Each starts with "size_t sz", which must hold the size
 * of the struct as the caller compiled it; declare them with
 *
 *	BPFTCP_OPTS(bpftcp_cc_register_opts, opts, .restricted = true);
 *
 * which zeroes the struct and sets sz, as libbpf's LIBBPF_OPTS() does.  A
 * newer library reads only the fields the caller knows; an older library
 * refuses (-EINVAL) a struct with non-zero fields it does not know.
 */
#define BPFTCP_OPTS(TYPE, NAME, ...)					\
	struct TYPE NAME = ({						\
		memset(&NAME, 0, sizeof(struct TYPE));			\
		(struct TYPE){ .sz = sizeof(struct TYPE), __VA_ARGS__ };\
	})

/* ------------------------------------------------------------ the pin root */

/*
 * What bpftcp makes that must outlive a process (registrations, option and
 * collection attachments, the record map) is pinned below one directory on
 * bpffs, the pin root: <bpffs>/bpftcp.  The bpffs is found in
 * /proc/self/mounts (the conventional /sys/fs/bpf is preferred when several
 * are mounted); $BPFTCP_BPFFS names another one.
 */
#define BPFTCP_PIN_CREATE	0x1	/* mount bpffs if none is, and create the root */

/*
 * Writes the pin root's path into @buf.  With BPFTCP_PIN_CREATE, mounts
 * bpffs at /sys/fs/bpf when no bpffs is mounted and creates the directory.
 * Errors:
 *   -ENOENT        no bpffs mounted, or (without BPFTCP_PIN_CREATE) no root yet;
 *   -EINVAL        unknown @flags, or $BPFTCP_BPFFS is not a bpffs;
 *   -ENAMETOOLONG  @buf is too small;
 *   other          errno of mount(2) or mkdir(2), e.g. -EPERM.
 */
int bpftcp_pin_root(char *buf, size_t len, unsigned int flags);

/*
 * Once nothing of bpftcp's is registered or attached (no pinned link left
 * below the root), removes what is left (the record maps, the lock
 * directories, maps of an attach that was killed) and the root.  It takes
 * the root's lock exclusively without waiting: while a bpftcp operation
 * holds it (shared) it does nothing, and that operation runs it as it ends.
 * Returns 1 if it removed the root, 0 if something still uses it, an
 * operation is under way or there is no root, or -errno.
 */
int bpftcp_pin_root_gc(void);

/*
 * Writes the mount point of the first filesystem of type @fstype ("bpf",
 * "cgroup2") in /proc/self/mounts into @buf ("/sys/fs/bpf" is preferred for
 * bpf).  Returns 0, -ENOENT if none is mounted, -ENAMETOOLONG, or -errno.
 */
int bpftcp_find_mount(const char *fstype, char *buf, size_t len);

/*
 * Resolves a cgroup argument, absolute or relative to the cgroup v2 mount,
 * to its real path (into @path) and its cgroup id (what bpf_get_current_
 * cgroup_id() and 'bpftool cgroup' show).  Errors:
 *   -ENOENT   no such directory, or a relative path with no cgroup2 mount;
 *   -ENOTDIR  not a directory of a cgroup v2 hierarchy;
 *   -EINVAL   empty @arg;
 *   other     errno of realpath(3) or name_to_handle_at(2).
 */
int bpftcp_cgroup_resolve(const char *arg, char *path, size_t len, __u64 *id);

/*
 * Checks that the kernel's BTF can be loaded (libbpf looks in
 * /sys/kernel/btf/vmlinux and the usual vmlinux locations): bpftcp's
 * objects are CO-RE and struct_ops needs it.  Returns 0 or -errno
 * (-ENOENT: a kernel built without CONFIG_DEBUG_INFO_BTF).
 */
int bpftcp_kernel_btf_check(void);

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
 * BPFTCP_SOCK_STATE_PIN ("sock_state_v3": the record version this header
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


/* ------------------------------------------------------------ probing */

/*
 * What one kernel feature looks like on this host.  bpftcp_probe_features()
 * decides each one by trying it (loading a minimal program, creating a map,
 * a sock_diag dump), never by the kernel version.
 */
enum bpftcp_feature_state {
	BPFTCP_FEATURE_UNKNOWN = 0,	/* not probed, or the probe itself failed (see err) */
	BPFTCP_FEATURE_PRESENT,		/* the kernel has it and lets us use it */
	BPFTCP_FEATURE_MISSING,		/* the kernel does not have it */
	BPFTCP_FEATURE_REFUSED,		/* the kernel has it but refused it here, before the
					 * verifier ran (lockdown, an LSM policy, capabilities) */
};

struct bpftcp_feature {
	int state;	/* enum bpftcp_feature_state */
	int err;	/* the -errno that decided MISSING, REFUSED or UNKNOWN; 0 if PRESENT */
};

/* Where bpftcp_features.hz came from (a bit mask: both bits when both agree). */
enum bpftcp_hz_source {
	BPFTCP_HZ_JIFFIES = 1 << 0,	/* bpf_jiffies64() run twice ~200 ms apart by
					 * BPF_PROG_TEST_RUN, against CLOCK_MONOTONIC */
	BPFTCP_HZ_CONFIG  = 1 << 1,	/* CONFIG_HZ in /proc/config.gz */
};

struct bpftcp_features {
	size_t sz;	/* sizeof(struct bpftcp_features), set by the caller */
	/* struct_ops congestion control: a BPF_MAP_TYPE_STRUCT_OPS map of
	 * tcp_congestion_ops can be created and a tcp_congestion_ops program
	 * loads.  Without it 'bpftcp cc' cannot register anything. */
	struct bpftcp_feature struct_ops_cc;
	/* struct_ops links: such a map can be created with BPF_F_LINK (Linux
	 * 6.4), so a registration is a BPF link that can be pinned and updated. */
	struct bpftcp_feature struct_ops_link;
	/* sockops header options: bpf_reserve_hdr_opt, bpf_store_hdr_opt and
	 * bpf_load_hdr_opt are callable from BPF_PROG_TYPE_SOCK_OPS. */
	struct bpftcp_feature hdr_opt;
	/* sk_local_storage: BPF_MAP_TYPE_SK_STORAGE maps, and bpf_sk_storage_get
	 * from BPF_PROG_TYPE_SOCK_OPS and BPF_PROG_TYPE_CGROUP_SKB. */
	struct bpftcp_feature sk_storage;
	/* The sock_diag storage dump: a SOCK_DIAG_BY_FAMILY dump that asks for
	 * an sk_storage map (INET_DIAG_REQ_SK_BPF_STORAGES) returns the element
	 * of a probe socket (INET_DIAG_SK_BPF_STORAGES).  Probed on a listening
	 * socket in a private network namespace (on 127.0.0.1 in the current
	 * one when a namespace cannot be made). */
	struct bpftcp_feature sock_diag_storage;
	/* BPF tracing programs (BPF_PROG_TYPE_TRACING): fentry on tcp_sendmsg
	 * and an iterator over an sk_storage map; REFUSED if either is (hosts
	 * can refuse some attach targets and not others). */
	struct bpftcp_feature tracing;
	/* The kernel's HZ: 0 when no method gave it. */
	unsigned int hz;
	unsigned int hz_source;		/* enum bpftcp_hz_source bits behind @hz */
	unsigned int hz_jiffies;	/* the measurement rounded to 100, 250, 300 or 1000;
					 * 0 if it failed or matched none of them */
	unsigned int hz_config;		/* CONFIG_HZ from /proc/config.gz, 0 if absent */
};

/*
 * Probes every feature in struct bpftcp_features (about 250 ms: the HZ
 * measurement sleeps 200 ms).  Set @f->sz first; fields beyond it are not
 * written.  Loads nothing that outlives the call and registers nothing.
 * When @f->hz_config and @f->hz_jiffies disagree, @f->hz is CONFIG_HZ.
 * Returns 0 (each feature says how it went), or:
 *   -EINVAL  @f is NULL or @f->sz too small;
 *   -EPERM   the caller lacks CAP_BPF (or CAP_SYS_ADMIN) and CAP_NET_ADMIN:
 *            nothing can be probed.
 */
int bpftcp_probe_features(struct bpftcp_features *f);

/*
 * Rounds a measured tick rate (jiffies per second) to the HZ that Linux
 * offers: 100, 250, 300 or 1000, when within 8% of one; else returns 0.
 */
unsigned int bpftcp_hz_round(double per_second);

/*
 * Returns 0 if the caller has what loading bpftcp's programs needs in
 * effect (CAP_BPF, or CAP_SYS_ADMIN on kernels before 5.8, and
 * CAP_NET_ADMIN), else -EPERM.
 */
int bpftcp_check_privileges(void);

/* "present", "missing", "refused" or "unknown". */
const char *bpftcp_feature_state_name(int state);

/*
 * Tries to load a minimal program ("return 0") of @type, attached as
 * @attach_type to @target, the way bpftcp loads that type: STRUCT_OPS as a
 * tcp_congestion_ops callback (@attach_type and @target ignored); TRACING
 * and LSM need @target, a kernel function or iterator found in the kernel's
 * BTF as libbpf finds it ("tcp_sendmsg" with BPF_TRACE_FENTRY,
 * "bpf_sk_storage_map" with BPF_TRACE_ITER); other types ignore @target.
 * Nothing is attached.  Returns:
 *   1        the kernel loads such programs;
 *   0        it does not have the type or the target (EINVAL, ENOTSUPP, or
 *            the target is not in its BTF);
 *   -EPERM, -EACCES  it refused the load whatever the program does
 *            (lockdown, a security policy, or missing capabilities);
 *   other -errno     the probe could not be made.
 */
int bpftcp_probe_prog(enum bpf_prog_type type, enum bpf_attach_type attach_type,
		      const char *target);

/* ------------------------------------------------------------ loading */

struct bpf_object;

/* How a bpftcp_object_load() went. */
enum bpftcp_load_result {
	BPFTCP_LOAD_OK = 0,
	BPFTCP_LOAD_REJECTED,	/* the verifier rejected program @prog_name (its log is in @log) */
	BPFTCP_LOAD_REFUSED,	/* the kernel refused a program of type @prog_type before the
				 * verifier ran (lockdown or a security policy) */
	BPFTCP_LOAD_FAILED,	/* something else failed (a map, BTF, relocation...) */
};

struct bpftcp_load_diag {
	size_t sz;		/* sizeof(struct bpftcp_load_diag), set by the caller */
	int result;		/* enum bpftcp_load_result */
	int err;		/* what the load returned: 0 or -errno */
	int prog_type;		/* enum bpf_prog_type of the program concerned, -1 if none */
	char prog_name[64];	/* that program, "" if unknown */
	char log[8192];		/* REJECTED: the tail of the verifier's log */
};

/*
 * bpf_object__load(@obj), and says why it failed, without reading libbpf's
 * messages: each program gets a log buffer, which only the verifier writes
 * (libbpf asks for a log only when a load fails), so a failed load with a
 * written log is the one that failed.  After -EPERM or -EACCES, the failed
 * program (or, if none wrote a log, each) is compared with a minimal
 * program of the same type and attach target (bpftcp_probe_prog()): if the
 * kernel refuses that too, the load was refused before the verifier judged
 * the code (REFUSED); otherwise the verifier rejected it (REJECTED).
 * libbpf does not print the logs of programs with their own buffer:
 * @d->log has the tail.  @d may be NULL; else set @d->sz first.
 * Returns what bpf_object__load() returned: 0 or -errno; -EINVAL without
 * loading if @d->sz is too small.
 */
int bpftcp_object_load(struct bpf_object *obj, struct bpftcp_load_diag *d);

/*
 * How the last BPF object load made by a libbpftcp call of this thread went
 * (every call that loads BPF: registering, replacing, attaching): copies it
 * into @d, whose sz the caller sets.  After a failure, d->result says whether
 * the kernel refused the program type (lockdown, a security policy) or the
 * verifier rejected a program (d->log has its log's tail).  Returns 0, or
 * -EINVAL if @d is NULL or d->sz too small.
 */
int bpftcp_last_load_diag(struct bpftcp_load_diag *d);

/* ------------------------------------------------- congestion controls */

/*
 * The congestion controls bpftcp ships (cc/<name>.bpf.c, embedded in the
 * library), registered with the kernel as struct_ops links.  A registration
 * is pinned at <pin root>/cc/<kname>/link, with the algorithm's counter map
 * beside it (stats), so it outlives the process; unregistering unpins.
 *
 * Functions that take a @name accept the short name ("cubic") or the
 * kernel's ("bpf_cubic") of a shipped algorithm; any other name is -EINVAL.
 * "Registered" in this section means registered by bpftcp (the pinned link
 * exists), unless it says the kernel.  Registering, unregistering and
 * replacing need CAP_BPF, CAP_NET_ADMIN and CAP_SYS_ADMIN (root).  The
 * details of a failure are passed to the print callback as LIBBPFTCP_WARN;
 * after a failed BPF load, bpftcp_last_load_diag() says whether the kernel
 * refused the program type or the verifier rejected a program.
 */
#include <bpftcp/cc_stats.h>

/* One shipped algorithm.  The library owns it; new fields go at the end. */
struct bpftcp_cc_info {
	const char *name;	/* "cubic" */
	const char *kname;	/* "bpf_cubic": the name the kernel lists */
	const char *summary;	/* one line, from the source's opening comment */
	bool needs_ecn;		/* TCP_CONG_NEEDS_ECN: both ends must negotiate ECN,
				 * or the connection falls back to Reno (DCTCP) */
};

/* How many algorithms bpftcp ships. */
int bpftcp_cc_count(void);

/*
 * The @idx-th shipped algorithm (0 <= @idx < bpftcp_cc_count(), in name
 * order), or NULL with errno ERANGE.
 */
const struct bpftcp_cc_info *bpftcp_cc_get(int idx);

/*
 * The shipped algorithm called @name ("cubic" or "bpf_cubic"), or NULL
 * with errno ENOENT.
 */
const struct bpftcp_cc_info *bpftcp_cc_find(const char *name);

/*
 * One congestion control as bpftcp_cc_list() reports it.  Passed by the
 * library, valid during the call; new fields go at the end.
 */
struct bpftcp_cc_entry {
	const char *name;			/* the kernel's name */
	const struct bpftcp_cc_info *shipped;	/* bpftcp ships it; else NULL */
	bool registered;	/* the kernel offers it now (registered by anyone) */
	bool pinned;		/* bpftcp's registration of it (the pinned link) exists */
	bool is_default;	/* it is net.ipv4.tcp_congestion_control */
};

/* Called once per congestion control; a non-zero return stops the walk
 * and becomes the return value of bpftcp_cc_list(). */
typedef int (*bpftcp_cc_list_fn)(const struct bpftcp_cc_entry *e, void *ctx);

/*
 * Calls @fn for every congestion control the kernel offers now
 * (net.ipv4.tcp_available_congestion_control, in the kernel's order), then
 * for every shipped algorithm the kernel does not offer.  Returns the number
 * of entries passed to @fn, the non-zero value @fn returned, or -errno of
 * reading the kernel's list (/proc/sys/net/ipv4/...).
 */
int bpftcp_cc_list(bpftcp_cc_list_fn fn, void *ctx);

/*
 * Writes the kernel's list of congestion controls (space-separated, as
 * net.ipv4.tcp_available_congestion_control shows it) into @buf.  Returns
 * 0 or -errno (a list longer than @len is cut).
 */
int bpftcp_cc_available(char *buf, size_t len);

/*
 * Writes the pin directory of @name's registration into @buf, e.g.
 * "/sys/fs/bpf/bpftcp/cc/bpf_cubic" (it has "link" and "stats"), whether
 * or not it is registered.  Returns 0, -EINVAL (unknown @name), -ENOENT (no
 * pin root: nothing of bpftcp's is registered), -ENAMETOOLONG, or -errno.
 */
int bpftcp_cc_pin_dir(const char *name, char *buf, size_t len);

/*
 * Returns 1 if bpftcp has registered @name (its pinned link exists), 0 if
 * not, or -EINVAL (unknown @name), or another -errno of access(2).  The
 * kernel may list an algorithm that bpftcp did not register (another
 * loader's, under the same name): see bpftcp_cc_list().
 */
int bpftcp_cc_is_registered(const char *name);

struct bpftcp_cc_register_opts {
	size_t sz;		/* sizeof(struct bpftcp_cc_register_opts) */
	/* Leave the algorithm out of net.ipv4.tcp_allowed_congestion_control,
	 * where it goes otherwise: then only privileged sockets may select it,
	 * and it cannot be the default of a network namespace other than the
	 * host's.  (The sysctl is writable only from the host's network
	 * namespace: elsewhere the library says so as LIBBPFTCP_INFO and the
	 * algorithm is registered restricted.) */
	bool restricted;
	/* Also make it net.ipv4.tcp_congestion_control, the default of the
	 * caller's network namespace.  If that fails, the registration is
	 * undone and the error returned. */
	bool set_default;
	size_t :0;
};

/*
 * Registers @name: loads its embedded BPF object (sharing the pinned
 * per-socket record map, created if need be), attaches its struct_ops map as
 * a link and pins the link and the counter map under the pin root (mounting
 * bpffs and creating the root when missing).  @opts may be NULL.  On
 * failure nothing stays registered or pinned.  Errors:
 *   -EINVAL   unknown @name, or @opts has fields this library does not know;
 *   -EEXIST   the kernel already has an algorithm of that name (registered
 *             by bpftcp, or by another loader);
 *   -EPERM, -EACCES  no privileges, or the kernel refused the program type
 *             (bpftcp_last_load_diag() tells which);
 *   other     -errno of opening, loading (see bpftcp_last_load_diag()),
 *             attaching or pinning, or of setting the default.
 */
int bpftcp_cc_register(const char *name, const struct bpftcp_cc_register_opts *opts);

struct bpftcp_cc_unregister_opts {
	size_t sz;		/* sizeof(struct bpftcp_cc_unregister_opts) */
	/* How long to wait for the kernel to drop the name after the unpin
	 * (it releases links asynchronously); 0 means 3000 ms. */
	unsigned int timeout_ms;
	size_t :0;
};

/*
 * Unregisters @name: unpins its link and counters, so that new sockets can
 * no longer select it (open connections keep it until they close), and
 * removes the pin root once nothing of bpftcp's is left.  If @name was the
 * caller's network namespace's default, the default first moves to "cubic"
 * (or "reno"), which is reported as LIBBPFTCP_INFO.  @opts may be NULL.
 * Errors:
 *   -EINVAL   unknown @name, or unknown fields in @opts;
 *   -ENOENT   bpftcp has not registered it;
 *   -EBUSY    unpinned, but the kernel still lists it after the timeout
 *             (another process holds a reference to its link).
 */
int bpftcp_cc_unregister(const char *name, const struct bpftcp_cc_unregister_opts *opts);

struct bpftcp_cc_replace_opts {
	size_t sz;		/* sizeof(struct bpftcp_cc_replace_opts) */
	size_t :0;
};

/*
 * Hot swap: loads @name's BPF object afresh and points the registration's
 * pinned link at its struct_ops map (BPF_LINK_UPDATE), so the name never
 * disappears; existing sockets keep the old programs, new ones get the new.
 * The update names the map the link held when the call began
 * (BPF_F_REPLACE): if another process replaced it while this one loaded, the
 * kernel refuses, and the library tries once more from that process's map
 * (reported as LIBBPFTCP_INFO).  The counters pinned beside the link are
 * then the new program's.  @opts may be NULL.  Errors:
 *   -EINVAL   unknown @name or @opts fields, or the kernel refused the new
 *             map (not a complete tcp_congestion_ops);
 *   -ENOENT   bpftcp has not registered it (or it was unregistered meanwhile);
 *   -ESTALE   the kernel does not list it although bpftcp's link is pinned
 *             (unregister and register again);
 *   -EBUSY    the link's map changed again during the second try;
 *   other     -errno of loading (see bpftcp_last_load_diag()) or updating.
 */
int bpftcp_cc_replace(const char *name, const struct bpftcp_cc_replace_opts *opts);

/*
 * Sums the callback and error counters of @name's registered program over
 * the CPUs into @out.  Errors: -EINVAL (unknown @name), -ENOENT (not
 * registered), -EPROTO (the pinned map does not hold struct
 * bpftcp_cc_stats), other -errno of bpf(2).
 */
int bpftcp_cc_stats(const char *name, struct bpftcp_cc_stats *out);

/* Called once per counter; a non-zero return stops the walk and becomes
 * the return value of bpftcp_cc_counters_foreach(). */
typedef int (*bpftcp_cc_counter_fn)(const char *counter, __u64 value, void *ctx);

/*
 * Calls @fn with each counter of @name's own (the __u64 members of its
 * counter struct after those of struct bpftcp_cc_stats, e.g. bpf_cubic's
 * "hystart_train_detect"), by the name the map's BTF gives it, summed over
 * the CPUs, in declaration order.  Returns the number of counters (0 for an
 * algorithm with none), the non-zero value @fn returned, or -EINVAL
 * (unknown @name), -ENOENT (not registered), other -errno.
 */
int bpftcp_cc_counters_foreach(const char *name, bpftcp_cc_counter_fn fn, void *ctx);

/* A BPF congestion control still in kernel memory that nothing registers. */
struct bpftcp_cc_retained {
	__u32 map_id;		/* its struct_ops map */
	char name[16];		/* the algorithm's name, e.g. "bpf_cubic" */
};

/*
 * Finds the BPF congestion controls (bpftcp's or anyone's) whose
 * struct_ops map is still in kernel memory although no link holds it: one
 * unregistered or replaced while sockets use it stays until they close, and
 * one whose reference the kernel leaked stays until reboot.  Fills up to
 * @max entries of @out in map id order and returns how many there are
 * (maybe more than @max), or -errno (-EPERM without CAP_SYS_ADMIN).
 */
int bpftcp_cc_retained(struct bpftcp_cc_retained *out, int max);

/*
 * Writes the default congestion control of the caller's network namespace
 * (net.ipv4.tcp_congestion_control) into @buf.  Returns 0 or -errno.
 */
int bpftcp_cc_default_get(char *buf, size_t len);

/*
 * Makes @kname (the kernel's name, as is: "cubic" is the kernel's,
 * "bpf_cubic" bpftcp's) the default of the caller's network namespace.
 * Errors: -ENOENT (the kernel has no such algorithm), -EPERM (no
 * CAP_NET_ADMIN, or, outside the host's network namespace, @kname is not in
 * net.ipv4.tcp_allowed_congestion_control), other -errno.
 */
int bpftcp_cc_default_set(const char *kname);

/* ------------------------------------------------------------ header options */

/*
 * A header option is a sockops program (hdropt/<option>.bpf.c) that writes
 * and parses a TCP option in the handshake of every connection of one
 * cgroup v2.  An attachment is one loaded copy of the program, with its
 * settings baked in, attached to one cgroup as a BPF link, and pinned with
 * its maps under <pin root>/opt/<option>/<cgroup id>/ so that it outlives
 * the caller.  Options: "delack" (docs/hdropt-delack.md) and "ccneg"
 * (docs/hdropt-ccneg.md).
 */

/* An IPv4 or IPv6 prefix: 198.18.0.0/15, 2001:2::/48. */
struct bpftcp_cidr {
	__u16 family;		/* AF_INET or AF_INET6 */
	__u8  prefix;		/* 0-32 (AF_INET) or 0-128 (AF_INET6) */
	__u8  __pad;
	__u8  addr[16];		/* network byte order; AF_INET: the first 4 bytes */
};

/*
 * Parses "198.18.0.0/15", "2001:2::/48", or a bare address (a host prefix:
 * /32 or /128) into @out.  Returns 0, or:
 *   -EINVAL    not an address or a prefix;
 *   -ERANGE    prefix length above 32 (IPv4) or 128 (IPv6);
 *   -ENOTUNIQ  bits set beyond the prefix ("198.18.0.1/15", a typo more
 *              often than not); @out then holds the parsed value, so the
 *              caller can show the network with those bits cleared.
 */
int bpftcp_cidr_parse(const char *s, struct bpftcp_cidr *out);

/*
 * Writes @c in CIDR notation ("198.18.0.0/15") into @buf.  Returns 0,
 * -EINVAL (unknown family) or -ENAMETOOLONG (@buf too small; 50 bytes are
 * always enough).
 */
int bpftcp_cidr_format(const struct bpftcp_cidr *c, char *buf, size_t len);

/* The kernel delays ACKs, and floors the RTO, by at most 200 ms. */
#define BPFTCP_DELACK_MAX_US			200000
#define BPFTCP_DELACK_DEFAULT_RTO_FLOOR_US	5000
#define BPFTCP_DELACK_DEFAULT_RTO_CEILING_US	200000
#define BPFTCP_DELACK_PEERS_MAX			1024

/* Settings of a delack attachment (bpftcp_opt_delack_attach()). */
struct bpftcp_delack_opts {
	size_t sz;		/* sizeof(struct bpftcp_delack_opts) */
	/* The delayed-ACK bound this side promises in its handshakes:
	 * 100 .. BPFTCP_DELACK_MAX_US, a multiple of 100 us.  Required. */
	__u32 max_delack_us;
	/* Clamps on the RTO minimum a peer's promise may set, in us
	 * (0: BPFTCP_DELACK_DEFAULT_RTO_FLOOR_US / _CEILING_US). */
	__u32 rto_floor_us;
	__u32 rto_ceiling_us;
	/* Only peers in these prefixes take part (NULL/0: every peer; the
	 * cgroup is the scope).  At most BPFTCP_DELACK_PEERS_MAX. */
	const struct bpftcp_cidr *peers;
	size_t peers_cnt;
	/* Also keep, per socket, what was negotiated, in the record map
	 * (bpftcp_sock_records_foreach()); costs an sk_local_storage
	 * allocation on each end of each connection. */
	bool record;
	size_t :0;
};

/*
 * Attaches the delack option to @cgroup (absolute, or relative to the
 * cgroup v2 mount): loads hdropt/delack.bpf.c with @opts, sharing the
 * pinned record map (created if needed), attaches it as a cgroup link and
 * pins link and maps under <pin root>/opt/delack/<cgroup id>/.  The caller
 * keeps no file descriptor.  Needs CAP_BPF and CAP_NET_ADMIN.  Errors:
 *   -EEXIST   delack is attached to this cgroup already;
 *   -EINVAL   @opts invalid (max_delack_us missing or out of range, floor
 *             above ceiling, too many peers, a peer with host bits set...);
 *   -ENOENT, -ENOTDIR  from bpftcp_cgroup_resolve() (no such cgroup v2);
 *   -EPERM, -EACCES    the kernel refused the load or the attach (see
 *             bpftcp_last_load_diag() for why a load failed);
 *   other     -errno of libbpf, bpf(2), bpffs.
 * Details of a failure go to the print callback (LIBBPFTCP_WARN).
 */
int bpftcp_opt_delack_attach(const char *cgroup, const struct bpftcp_delack_opts *opts);

/* At most this many algorithms in a ccneg --prefer list (ids in one offer). */
#define BPFTCP_CCNEG_PREFER_MAX		8
#define BPFTCP_CCNEG_PEERS_MAX		1024

/* Settings of a ccneg attachment (bpftcp_opt_ccneg_attach()). */
struct bpftcp_ccneg_opts {
	size_t sz;		/* sizeof(struct bpftcp_ccneg_opts) */
	/* The algorithms this side may run, most preferred first: 1 ..
	 * BPFTCP_CCNEG_PREFER_MAX names of the registry (docs/hdropt-ccneg.md),
	 * each a kernel name ("dctcp", "bpf_dctcp") or a short one: a short
	 * name the kernel does not offer means bpftcp's bpf_<name>.  Each must
	 * be available now (registered or built in), and no algorithm twice.
	 * Required. */
	const char *const *prefer;
	size_t prefer_cnt;
	/* What runs when the peer does not speak the option, sent a malformed
	 * one, or has nothing in common with us.  Required; the same rules. */
	const char *fallback;
	/* Only peers in these prefixes take part (NULL/0: every peer); the
	 * others are left alone (no option, no switch). */
	const struct bpftcp_cidr *peers;
	size_t peers_cnt;
	/* Also keep, per socket, what was negotiated (the record's ccneg
	 * section); costs an sk_local_storage allocation on each end. */
	bool record;
	size_t :0;
};

/*
 * Attaches the ccneg option to @cgroup: loads hdropt/ccneg.bpf.c with
 * @opts (the names resolved to kernel names and registry ids), sharing the
 * pinned record map, attaches it as a cgroup link and pins link and maps
 * under <pin root>/opt/ccneg/<cgroup id>/.  Needs CAP_BPF and CAP_NET_ADMIN.
 * Errors:
 *   -EEXIST   ccneg is attached to this cgroup already;
 *   -EINVAL   @opts invalid (no or too many --prefer names, a name twice, a
 *             name that is not in the registry, no fallback, a bad peer);
 *   -ENOENT   an algorithm is not available in the kernel (register it
 *             with bpftcp_cc_register()), or no such cgroup;
 *   -ENOTDIR, -EPERM, -EACCES, other -errno as bpftcp_opt_delack_attach().
 * Details of a failure go to the print callback (LIBBPFTCP_WARN).
 */
int bpftcp_opt_ccneg_attach(const char *cgroup, const struct bpftcp_ccneg_opts *opts);

/*
 * Detaches @option ("delack" or "ccneg") from @cgroup: unpins the attachment, which
 * drops the last reference to its link (established connections keep what
 * they negotiated), then removes what bpftcp no longer needs under the pin
 * root (bpftcp_pin_root_gc()).  A cgroup that no longer exists is found by
 * the path it was attached with, so its attachment can still be removed.
 * Errors: -ENOENT not attached (or no such cgroup), -EINVAL unknown
 * @option, -ENOTDIR not a cgroup v2 directory, other -errno of bpffs.
 */
int bpftcp_opt_detach(const char *option, const char *cgroup);

/* What a delack attachment counted (summed over CPUs). */
struct bpftcp_delack_counters {
	__u64 sent;		/* options written (SYN, SYN-ACK, resends) */
	__u64 received;		/* valid options taken from a peer */
	__u64 malformed;	/* options of ours that failed to decode */
	__u64 clamped;		/* RTO minimums moved by the floor or ceiling */
	__u64 applied;		/* connections where both sides advertised */
	__u64 errors;		/* failure branches taken in the program */
	__u32 last_err_line;	/* its source line (hdropt/delack.bpf.c) */
	__u32 __pad;
};

/* What a ccneg attachment counted (summed over CPUs). */
struct bpftcp_ccneg_counters {
	__u64 offered;		/* offers written (SYN, repeats after a resend request) */
	__u64 answered;		/* answers written (SYN-ACK) */
	__u64 chosen[BPFTCP_CCNEG_PREFER_MAX];	/* connection ends switched to
						 * prefer[i] by negotiation */
	__u64 fallback;		/* connection ends switched to the fallback */
	__u64 no_common;	/* both ends spoke, nothing in common (also in fallback) */
	__u64 malformed;	/* malformed options received (ignored) */
	__u64 no_room;		/* handshakes without option space left for it */
	__u64 errors;		/* failure branches taken in the program */
	__u32 last_err_line;	/* its source line (hdropt/ccneg.bpf.c) */
	__u32 __pad;
};

/* One attachment, as bpftcp_opt_foreach() passes it. */
struct bpftcp_opt_attachment {
	size_t sz;		/* sizeof() of this struct as the library filled it */
	const char *option;	/* "delack" or "ccneg" */
	const char *cgroup;	/* the cgroup's path when it was attached */
	__u64 cgroup_id;
	bool attached;		/* false: the cgroup was removed (detach to clean up) */
	const char *pin;	/* the pin directory */
	struct {
		__u32 max_delack_us;	/* as attached */
		__u32 advertised_us;	/* what goes on the wire: whole ticks at @hz */
		__u32 rto_floor_us;
		__u32 rto_ceiling_us;
		unsigned int hz;	/* the kernel's HZ the program uses; 0 if unknown */
		bool record;
		bool peers_restricted;	/* false: every peer */
		const struct bpftcp_cidr *peers;	/* when restricted */
		size_t peers_cnt;
	} delack;
	struct bpftcp_delack_counters counters;	/* zero if unreadable */
	/* Option "ccneg" (the fields above that are not in "delack" apply). */
	struct {
		size_t prefer_cnt;
		const char *prefer[BPFTCP_CCNEG_PREFER_MAX];	/* kernel names */
		__u8 prefer_ids[BPFTCP_CCNEG_PREFER_MAX];	/* registry ids */
		const char *fallback;	/* kernel name */
		__u8 fallback_id;
		bool ecn;		/* the program asks for ECN in handshakes */
		bool record;
		bool peers_restricted;	/* false: every peer */
		const struct bpftcp_cidr *peers;	/* when restricted */
		size_t peers_cnt;
		struct bpftcp_ccneg_counters counters;	/* zero if unreadable */
	} ccneg;
};

typedef int (*bpftcp_opt_attachment_fn)(const struct bpftcp_opt_attachment *a, void *ctx);

/*
 * Calls @fn for every attachment of @option ("delack", "ccneg"; NULL: every
 * option), option by option,
 * in directory order.  @a and what it points to are valid during the call.
 * A pin directory that is not an attachment of this bpftcp version is
 * passed over with a LIBBPFTCP_INFO message.  Returns the number of
 * attachments passed to @fn (0 when nothing is attached, or there is no
 * pin root), the non-zero value @fn returned to stop the walk, or -EINVAL
 * (unknown @option), -ENOMEM, other -errno of bpffs.
 */
int bpftcp_opt_foreach(const char *option, bpftcp_opt_attachment_fn fn, void *ctx);

/* ------------------------------------------------ per-socket record collection */

/*
 * Collection is the sockops program of skstorage/sock_state.bpf.c attached
 * to a cgroup v2: it makes a record (struct bpftcp_sock_state) for each TCP
 * socket of the cgroup and keeps its statistics.  The link and the
 * program's counters are pinned under <pin root>/sockets/cg-<cgroup id>/.
 * Records are read with bpftcp_sock_state_get() and
 * bpftcp_sock_records_foreach().
 */
struct bpftcp_sockets_attach_opts {
	size_t sz;		/* sizeof(struct bpftcp_sockets_attach_opts) */
	size_t :0;		/* no options yet */
};

/*
 * Starts collection on @cgroup (absolute, or relative to the cgroup v2
 * mount).  @opts may be NULL.  Needs CAP_BPF and CAP_NET_ADMIN.  Errors:
 *   -EEXIST   collection is attached to this cgroup already;
 *   -ENOENT, -ENOTDIR  from bpftcp_cgroup_resolve();
 *   -EINVAL   @opts has fields this library does not know;
 *   -EPERM, -EACCES    the kernel refused the load or the attach;
 *   other     -errno of libbpf, bpf(2), bpffs.
 */
int bpftcp_sockets_attach(const char *cgroup, const struct bpftcp_sockets_attach_opts *opts);

/*
 * Stops collection on @cgroup (records stay until their sockets close),
 * then bpftcp_pin_root_gc().  Errors: -ENOENT not attached (or no such
 * cgroup), -ENOTDIR, other -errno.
 */
int bpftcp_sockets_detach(const char *cgroup);

/* One collection attachment, as bpftcp_sockets_foreach() passes it. */
struct bpftcp_sockets_attachment {
	size_t sz;		/* sizeof() of this struct as the library filled it */
	__u64 cgroup_id;
	const char *pin;	/* the pin directory */
	bool attached;		/* false: the cgroup was removed (detach to clean up) */
	/* The program's counters, summed over CPUs (zero if unreadable). */
	struct bpftcp_sock_collect_counters counters;
};

typedef int (*bpftcp_sockets_attachment_fn)(const struct bpftcp_sockets_attachment *a,
					    void *ctx);

/*
 * Calls @fn for every collection attachment.  Returns the number passed to
 * @fn (0 without a pin root), the non-zero value @fn returned, or -errno.
 */
int bpftcp_sockets_foreach(bpftcp_sockets_attachment_fn fn, void *ctx);

/* ------------------------------------------------ declarative configuration */

/*
 * What a host should have, in one file (bpftcp.conf(5)): the algorithms to
 * register, the default congestion control, and per cgroup the delack and
 * ccneg options and record collection.  bpftcp_conf_load() reads and validates a
 * file (with Debian's libinih); bpftcp_apply() makes the host match it:
 * registers what is missing, unregisters what bpftcp registered that the
 * file no longer names, hot-swaps programs whose tag differs from the one
 * this library carries, attaches, detaches and updates in place; it is
 * idempotent, serialised by a lock, and rolls back on failure.
 * bpftcp_reset() removes everything bpftcp made.
 */
#define BPFTCP_CONF_DEFAULT	"/etc/bpftcp/bpftcp.conf"
/* Where apply keeps its lock and state ($BPFTCP_RUNDIR overrides it). */
#define BPFTCP_RUN_DIR		"/run/bpftcp"

struct bpftcp_conf;	/* a parsed, validated configuration (opaque) */

/* Called once per error found in a file: @line is 1-based (0 when the
 * error is about the file as a whole); @msg has no newline. */
typedef void (*bpftcp_conf_error_fn)(const char *file, unsigned int line, const char *msg,
				     void *ctx);

struct bpftcp_conf_opts {
	size_t sz;		/* sizeof(struct bpftcp_conf_opts) */
	/* Where the errors go; NULL: the print callback, as
	 * "FILE:LINE: MSG" (LIBBPFTCP_WARN). */
	bpftcp_conf_error_fn error;
	void *ctx;
	/* Check the file only, not against this host: skips "no such
	 * cgroup" and "the kernel has no such algorithm" (for linting a file
	 * meant for another host). */
	bool syntax_only;
	size_t :0;
};

/*
 * Reads and validates the configuration at @path (NULL: BPFTCP_CONF_DEFAULT),
 * the whole file: every error is reported, each with its line.  On success
 * *@out holds it (bpftcp_conf_free()).  Errors:
 *   -EINVAL   the file has errors (each passed to opts->error), or @opts
 *             has unknown fields;
 *   -ENOENT, -EACCES, other  -errno of opening or reading it.
 */
int bpftcp_conf_load(const char *path, const struct bpftcp_conf_opts *opts,
		     struct bpftcp_conf **out);
void bpftcp_conf_free(struct bpftcp_conf *conf);

/* What one step of an apply does. */
enum bpftcp_apply_action {
	BPFTCP_APPLY_REGISTER = 1,	/* register @object (@detail: "restricted") */
	BPFTCP_APPLY_REPLACE,		/* hot-swap @object: its programs differ from ours */
	BPFTCP_APPLY_ALLOW,		/* add @object to tcp_allowed_congestion_control */
	BPFTCP_APPLY_RESTRICT,		/* take @object out of it */
	BPFTCP_APPLY_SET_DEFAULT,	/* make @object the default (@detail: "was X") */
	BPFTCP_APPLY_RESTORE_DEFAULT,	/* set back @object, the default apply found */
	BPFTCP_APPLY_ATTACH,		/* attach @object ("delack", "ccneg", "sockets") to @cgroup */
	BPFTCP_APPLY_UPDATE,		/* new settings for @object on @cgroup, in place */
	BPFTCP_APPLY_DETACH,		/* detach @object from @cgroup */
	BPFTCP_APPLY_UNREGISTER,	/* unregister @object */
};

/* "register", "replace", "allow", "restrict", "set-default",
 * "restore-default", "attach", "update", "detach", "unregister"; "?" else. */
const char *bpftcp_apply_action_name(int action);

struct bpftcp_apply_step {
	size_t sz;		/* sizeof() of this struct as the library filled it */
	int action;		/* enum bpftcp_apply_action */
	const char *object;	/* "bpf_dctcp", "delack", "ccneg", "sockets"; the default's name */
	const char *cgroup;	/* attach, update, detach: the cgroup; else NULL */
	const char *detail;	/* what changes, in words ("" if nothing to add) */
};

/* How a step went, as bpftcp_apply() reports it. */
enum bpftcp_apply_event {
	BPFTCP_STEP_PLANNED = 1,	/* part of the plan (dry run: all there is) */
	BPFTCP_STEP_START,		/* about to be carried out */
	BPFTCP_STEP_DONE,
	BPFTCP_STEP_FAILED,		/* @err says why; what was done is rolled back */
	BPFTCP_STEP_UNDONE,		/* rolled back */
	BPFTCP_STEP_UNDO_FAILED,	/* could not be rolled back (@err): the host is
					 * left partly changed */
};

typedef void (*bpftcp_apply_step_fn)(const struct bpftcp_apply_step *s, int event, int err,
				     void *ctx);

struct bpftcp_apply_opts {
	size_t sz;		/* sizeof(struct bpftcp_apply_opts) */
	/* Plan only: every step is reported as BPFTCP_STEP_PLANNED and nothing
	 * changes. */
	bool dry_run;
	/* Fail with -EBUSY instead of waiting when another apply or reset
	 * holds the lock. */
	bool no_wait;
	/* Called for every step and event (NULL: none). */
	bpftcp_apply_step_fn step;
	void *ctx;
	size_t :0;
};

/*
 * Makes the host match @conf.  Takes an exclusive lock (flock on
 * <run dir>/lock; waits for another apply or reset, saying so as
 * LIBBPFTCP_INFO, unless opts->no_wait), plans, then carries out the
 * steps in this order: register, allow/restrict, default, attach, update,
 * detach, unregister, replace.  If a step fails, the steps this call made
 * are undone in reverse order (a replace is not: the pinned programs are
 * then this library's, which a later apply would do again), and the step's
 * error is returned.  Returns the number of steps (0: the host already
 * matches; with dry_run: the number planned), or:
 *   -EINVAL   unknown fields in @opts, or @conf is NULL;
 *   -EBUSY    no_wait and the lock is held;
 *   other     -errno of the step that failed (see opts->step).
 */
int bpftcp_apply(const struct bpftcp_conf *conf, const struct bpftcp_apply_opts *opts);

struct bpftcp_reset_opts {
	size_t sz;		/* sizeof(struct bpftcp_reset_opts) */
	bool no_wait;		/* as in struct bpftcp_apply_opts */
	bpftcp_apply_step_fn step;	/* each step: START, then DONE or FAILED */
	void *ctx;
	size_t :0;
};

/*
 * Removes everything bpftcp made: every registration, option and
 * collection attachment (those of removed cgroups too) and the pins, and
 * sets back the default congestion control that bpftcp_apply() changed.
 * Under the apply lock.  Goes on after a failed step.  Returns the number
 * of steps, or the -errno of the first that failed (or -EBUSY, -EINVAL).
 */
int bpftcp_reset(const struct bpftcp_reset_opts *opts);

/*
 * Parses a duration in milliseconds with at most one decimal, optionally
 * followed by "ms" ("20", "2.5", "20ms"), into microseconds.  Returns 0,
 * -EINVAL (not such a number) or -ERANGE (0, or above @max_ms).
 */
int bpftcp_ms_parse(const char *s, __u32 max_ms, __u32 *us);

#ifdef __cplusplus
}
#endif

#endif /* BPFTCP_LIBBPFTCP_H */
