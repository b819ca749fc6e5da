/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Helpers for the privileged selftests: a private network namespace, a
 * verified TCP transfer over loopback with a chosen congestion control, and
 * skip reporting.  Every privileged test calls harness_require_bpf() first:
 * when the machine cannot run BPF tests it says why and the test counts as
 * skipped (never as passed).
 */
#ifndef BPFTCP_HARNESS_H
#define BPFTCP_HARNESS_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

/* The kernel's TCP_CA_NAME_MAX (include/net/tcp.h), which no uapi header has. */
#define HARNESS_CC_NAME_MAX 16

/* Skips the calling test, with a reason, unless root + BPF + BTF are there. */
#define harness_require_bpf()						\
	do {								\
		const char *__why = harness_bpf_unavailable();		\
		if (__why) {						\
			print_message("SKIP: %s\n", __why);		\
			skip();						\
		}							\
	} while (0)

/* NULL when privileged BPF tests can run, else the reason they cannot. */
const char *harness_bpf_unavailable(void);

/*
 * Moves the calling process into a new network namespace with lo up.  The
 * original namespace stays reachable for harness_host_sh() (bpftcp itself
 * runs there: registrations and the allowed-CC list are host-wide).
 */
int harness_private_netns(void);
/* Like harness_sh_out(), but runs the command in the original netns. */
int harness_host_sh_out(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

struct transfer_opts {
	const char *cc;		/* TCP_CONGESTION for the client (sender); NULL = default */
	uint64_t bytes;		/* bytes the client sends */
	int family;		/* AF_INET (default) or AF_INET6 */
	bool ecn;		/* enable net.ipv4.tcp_ecn=1 in this netns first */
	/* Called once mid-transfer with the client fd (e.g. to unregister). */
	void (*midway)(int client_fd, void *ctx);
	void *ctx;
};

struct transfer_result {
	uint64_t sent, received;
	bool data_ok;			/* every byte matched the pattern */
	char client_cc[HARNESS_CC_NAME_MAX];	/* getsockopt(TCP_CONGESTION) at the end */
	char server_cc[HARNESS_CC_NAME_MAX];
	double seconds;
	struct tcp_info info;		/* client's TCP_INFO at the end */
};

/*
 * Sends opts->bytes from a client to a server thread over loopback in the
 * current netns; the receiver verifies a position-dependent byte pattern.
 * Returns 0 or -errno (setsockopt failures included).
 */
int harness_transfer(const struct transfer_opts *opts, struct transfer_result *res);

/* Runs a command with sh -c; returns its exit status (or -1). */
int harness_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Runs a command and captures its stdout (NUL-terminated, truncated). */
int harness_sh_out(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Is @name in net.ipv4.tcp_available_congestion_control? */
bool harness_cc_available(const char *name);

/* Absolute path of the bpftcp binary under test (BPFTCP env or build/bpftcp). */
const char *harness_bpftcp(void);
/*
 * Runs "bpftcp ARGS" in the original netns (registrations and the allowed
 * list are host-wide), stdout and stderr into @out (NULL: discarded).
 * Returns its exit status.
 */
int harness_bpftcp_run(char *out, size_t len, const char *args);

/*
 * Gives the process a private mount namespace with its own bpffs, mounted
 * over /sys/fs/bpf (or, where that fails, on a new directory under /tmp),
 * and points BPFTCP_BPFFS at it: every pin of the test is private and goes
 * with the process.  The path goes to @path.  harness_private_bpffs_release()
 * unmounts it.  Returns 0 or -errno.
 */
int harness_private_bpffs(char *path, size_t len);
void harness_private_bpffs_release(void);

/*
 * Moves the calling process (all its threads) into a new cgroup
 * <cgroup2 mount>/<@prefix>-<pid>, whose path goes to @path.  Sockets made
 * afterwards belong to it.  harness_cgroup_leave() moves the process back to
 * its cgroup and removes the new one; a cgroup left by a run that died is
 * removed by the next one with the same @prefix.  Returns 0 or -errno.
 */
int harness_cgroup_enter(const char *prefix, char *path, size_t len);
void harness_cgroup_leave(void);

#endif
