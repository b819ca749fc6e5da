/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * libbpftcp internals: shared by the lib/ sources only, never installed.
 *
 * Messages: the library never writes to stdout or stderr itself; it hands
 * every message to the print callback that the application chose with
 * libbpftcp_set_print() (see include/bpftcp/libbpftcp.h).
 *
 * Options structs: every public options struct starts with "size_t sz", set
 * by the caller to sizeof() of the struct it was compiled against (use
 * BPFTCP_OPTS()).  A library newer than the caller reads only the fields the
 * caller knows; an older library refuses a larger struct unless every byte
 * it does not know is zero (the rule of libbpf's OPTS_VALID()).
 */
#ifndef BPFTCP_LIBBPFTCP_INTERNAL_H
#define BPFTCP_LIBBPFTCP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/bpf.h>
#include "bpftcp/libbpftcp.h"

/* lib/pin.c: the bpffs mount ($BPFTCP_BPFFS, a bpf mount, or with @create
 * one mounted at /sys/fs/bpf), and file helpers.  All return 0 or -errno. */
int libbpftcp__bpffs(char *buf, size_t len, bool create);
int libbpftcp__mkdir_p(const char *path, unsigned int mode);
int libbpftcp__sysctl_read(const char *path, char *buf, size_t len);
int libbpftcp__sysctl_write(const char *path, const char *val);
/* Is @name a word of the space-separated @list? */
bool libbpftcp__word_in_list(const char *list, const char *name);
/*
 * Reads key 0 of the pinned one-entry per-CPU array at @path.  Returns a
 * calloc'd buffer of *ncpu values of @value_size bytes, each at *stride
 * (8-byte aligned, as the kernel lays them out), or NULL with errno set.
 */
void *libbpftcp__percpu_read_pinned(const char *path, size_t value_size, int *ncpu,
				    size_t *stride);

/*
 * Reads the counters map pinned at @path (a BPFTCP_COUNTERS() per-CPU array
 * of a struct of @size bytes: __u64 counters, then the __u32 last_err_line
 * at @err_line_off) into @out: the counters summed over the CPUs, the last
 * error line of any CPU that recorded one.  Returns 0, or -errno with @out
 * zeroed.
 */
int libbpftcp__counters_read_pinned(const char *path, void *out, size_t size,
				    size_t err_line_off);
/* "<pin root>/@sub" into @buf; with @create, the root and the directory are
 * made, else they must exist.  Returns 0 or -errno (-ENOENT). */
int libbpftcp__pin_path(char *buf, size_t len, const char *sub, bool create);
/* Unlinks @files (@n names) in @dir, in that order (the link first), then
 * removes @dir if empty. */
void libbpftcp__unpin_dir(const char *dir, const char *const *files, size_t n);

/*
 * lib/pin.c: the locks of every mutating operation (the design: the comment
 * above lock_path() in lib/pin.c, and docs/architecture.md).
 *
 * libbpftcp__lock() takes the pin root shared, then the lock of @kind
 * ("cc", "delack", "ccneg", "sockets": <root>/lock/<kind>) exclusively, and
 * then repairs what a killed writer of that kind left (a pin directory
 * without its link pin is removed; a half-done update in place is finished
 * or undone).  Without @create, a missing pin root is -ENOENT (nothing of
 * that kind exists).  Returns 0 or -errno.  libbpftcp__unlock() releases
 * both, then runs bpftcp_pin_root_gc() (which never waits).  No caller
 * holding a lock may call a public function that takes one.
 */
struct libbpftcp__lock {
	int root_fd;
	int fd;
};
int libbpftcp__lock(const char *kind, bool create, struct libbpftcp__lock *l);
void libbpftcp__unlock(struct libbpftcp__lock *l);
/* Releases without the collector's pass (apply's detach that a rollback may
 * pin back keeps the record map pinned). */
void libbpftcp__unlock_keep(struct libbpftcp__lock *l);
/* An exclusive lock on <@root>/lock/@name (made if missing): the fd that
 * holds it, or -errno. */
int libbpftcp__lock_dir(const char *root, const char *name);

#define SYSCTL_CC_DEFAULT   "/proc/sys/net/ipv4/tcp_congestion_control"
#define SYSCTL_CC_AVAILABLE "/proc/sys/net/ipv4/tcp_available_congestion_control"
#define SYSCTL_CC_ALLOWED   "/proc/sys/net/ipv4/tcp_allowed_congestion_control"

struct bpf_object;
/*
 * lib/objects.c: loads @obj (bpftcp_object_load(), remembered for
 * bpftcp_last_load_diag(), the verifier's log at DEBUG level) so that its
 * "sock_state" map, if it has one, is the one pinned at
 * <pin root>/sock_state_v<N>: reused, or with @create made by this load and
 * pinned.  A lock (<pin root>/lock/records) serialises loaders.  Every bpftcp object
 * is loaded through here.  Returns 0 or -errno (-ENOENT: not pinned and
 * !@create).
 */
int libbpftcp__load_object(struct bpf_object *obj, bool create);
/* What bpftcp_object_load() found, kept for bpftcp_last_load_diag() (the
 * verifier's log of a rejected program goes to DEBUG). */
void libbpftcp__remember_load(const struct bpftcp_load_diag *d);

/* lib/opt.c: does the cgroup link pinned at @dir/link still hold its cgroup
 * (the kernel drops it when the cgroup is removed)? */
bool libbpftcp__link_holds_cgroup(const char *dir);

/* BPF_OBJ_GET_INFO_BY_FD on map @fd.  Returns 0 or -errno. */
int libbpftcp__map_info(int fd, struct bpf_map_info *info);

/*
 * lib/cc.c: the congestion controls bpftcp ships, generated from cc/<name>.bpf.c
 * by scripts/gen-cc-table.sh into build/lib/cc_table.c, with each one's BPF
 * object embedded (its skeleton's elf_bytes).  needs_ecn is filled in by
 * lib/cc.c from the object on first use.
 */
struct libbpftcp__cc_algo {
	struct bpftcp_cc_info info;	/* first: bpftcp_cc_get() returns &info */
	const void *(*elf_bytes)(size_t *sz);
};
extern struct libbpftcp__cc_algo libbpftcp__cc_algos[];
extern const int libbpftcp__cc_algos_cnt;

/* lib/objects.c: forget the last load, so that bpftcp_last_load_diag()
 * reports BPFTCP_LOAD_OK until the next one fails. */
void libbpftcp__load_diag_reset(void);

void libbpftcp_print(enum libbpftcp_print_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define pr_warn(fmt, ...)  libbpftcp_print(LIBBPFTCP_WARN, fmt, ##__VA_ARGS__)
#define pr_info(fmt, ...)  libbpftcp_print(LIBBPFTCP_INFO, fmt, ##__VA_ARGS__)
#define pr_debug(fmt, ...) libbpftcp_print(LIBBPFTCP_DEBUG, fmt, ##__VA_ARGS__)

/* True if the caller's struct (of @user_sz bytes) is usable: any byte past
 * @known_sz, the size this library was built with, must be zero. */
bool libbpftcp_opts_valid(const void *opts, size_t user_sz, size_t known_sz, const char *type);

#define OPTS_VALID(opts, type)						\
	(!(opts) || libbpftcp_opts_valid((opts), (opts)->sz, sizeof(struct type), #type))
/* A field of @opts, or @dflt when the caller's struct predates it or is NULL. */
#define OPTS_HAS(opts, field)						\
	((opts) && (opts)->sz >= offsetof(__typeof__(*(opts)), field) + sizeof((opts)->field))
#define OPTS_GET(opts, field, dflt) (OPTS_HAS(opts, field) ? (opts)->field : (dflt))

/*
 * lib/conf.c: a parsed configuration (bpftcp.conf(5)), read by lib/apply.c.
 * Lines are where each thing was said, for messages.
 */
struct libbpftcp__conf_cgroup {
	char *path;			/* as written in the section header */
	unsigned int line;		/* of the section header */
	bool sockets;			/* sockets = yes */
	bool delack;			/* delack = yes */
	struct bpftcp_delack_opts dl;	/* its settings (rto_* 0: the defaults) */
	struct bpftcp_cidr *peers;	/* dl.peers points here */
	/* Lines of the keys (0: not given), for the checks at the end. */
	unsigned int line_sockets, line_delack, line_max_delack, line_rto_floor,
		     line_rto_ceiling, line_peers, line_record;
};

/*
 * The settings of a ccneg attachment: a [ccneg PATH] section of the file
 * (names as written), or, in apply, what is attached (kernel names, from
 * the pins).  Algorithms are compared by their registry ids.
 */
struct libbpftcp__conf_ccneg {
	char *path;			/* the section's cgroup as written */
	unsigned int line;		/* of the section header */
	char prefer[BPFTCP_CCNEG_PREFER_MAX][BPFTCP_CA_NAME_MAX];
	__u8 prefer_ids[BPFTCP_CCNEG_PREFER_MAX];
	size_t prefer_cnt;
	char fallback[BPFTCP_CA_NAME_MAX];
	__u8 fallback_id;
	bool record;
	struct bpftcp_cidr *peers;
	size_t peers_cnt;
	unsigned int line_prefer, line_fallback, line_peers, line_record;
};

struct bpftcp_conf {
	char *path;
	/* [cc] */
	const struct bpftcp_cc_info **cc;	/* register = ..., in file order */
	int cc_cnt;
	bool restricted;
	char default_cc[64];			/* "" when the file sets none */
	unsigned int line_register, line_restricted, line_default;
	/* [cgroup PATH] sections */
	struct libbpftcp__conf_cgroup *cgroups;
	int cgroups_cnt;
	/* [ccneg PATH] sections */
	struct libbpftcp__conf_ccneg *ccneg;
	int ccneg_cnt;
};

/* lib/cc.c: for apply.  Is @kname in tcp_allowed_congestion_control?  Put
 * it in (@allowed) or take it out.  Return 1/0 or -errno, and 0 or -errno. */
int libbpftcp__cc_allowed(const char *kname);
int libbpftcp__cc_set_allowed(const char *kname, bool allowed);
/*
 * Do the programs behind @name's registration differ from the ones this
 * library carries?  Loads a fresh copy (not attached) and compares the
 * kernel's program tags with those of the programs the pinned link's
 * struct_ops map holds.  Returns 1 (they differ), 0, or -errno.
 */
int libbpftcp__cc_differs(const char *name);
/* lib/cc.c: the ids of the programs that struct_ops map @map_fd holds, into
 * @ids (at most @max).  Returns how many, or -errno. */
int libbpftcp__struct_ops_prog_ids(int map_fd, __u32 *ids, int max);

/* lib/sockets.c: removes the collection pinned at @dir (its cgroup may be
 * gone), then bpftcp_pin_root_gc(). */
void libbpftcp__sockets_unpin(const char *dir);
/* lib/sockets.c: a collection unpinned but still referenced, so that it can
 * be pinned back (apply's rollback of a detach); fd[] is the link, the
 * counters and the shared record map, -1 where none. */
struct libbpftcp__sockets_held {
	int fd[3];
};
void libbpftcp__sockets_unpin_hold(const char *dir, struct libbpftcp__sockets_held *h);
int libbpftcp__sockets_repin(const char *dir, struct libbpftcp__sockets_held *h);
void libbpftcp__sockets_release(struct libbpftcp__sockets_held *h);
/*
 * lib/opt.c: gives the delack (ccneg) attachment of @cgroup new settings in
 * place:
 * a copy of the program with @opts is loaded and the pinned cgroup link is
 * pointed at it (BPF_LINK_UPDATE), so the option never disappears; the new
 * maps replace the pinned ones.  Returns 0 or -errno (-ENOENT: not attached).
 */
int libbpftcp__opt_delack_update(const char *cgroup, const struct bpftcp_delack_opts *opts);
int libbpftcp__opt_ccneg_update(const char *cgroup, const struct bpftcp_ccneg_opts *opts);

#endif
