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
 * Link with -lbpftcp (no other dependency: the library uses the bpf(2)
 * system call directly).  Functions return 0 or a negative errno.
 */
#ifndef BPFTCP_LIBBPFTCP_H
#define BPFTCP_LIBBPFTCP_H

#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <bpftcp/sock_state.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The version of the library the caller compiled against. */
#define LIBBPFTCP_MAJOR_VERSION 0
#define LIBBPFTCP_MINOR_VERSION 1

/* The version of the library that runs, e.g. "0.1.0". */
const char *libbpftcp_version(void);

/* ------------------------------------------------------------- messages */

enum libbpftcp_print_level {
	LIBBPFTCP_WARN,		/* why an operation failed, or what it could not do */
	LIBBPFTCP_INFO,		/* what an operation did besides its result */
	LIBBPFTCP_DEBUG,	/* libbpf's and the BPF verifier's output */
};

typedef int (*libbpftcp_print_fn_t)(enum libbpftcp_print_level level, const char *fmt,
				    va_list ap);

/*
 * Chooses where the library's messages go.  libbpftcp never prints by
 * itself: every message, libbpf's and the verifier's included (as
 * LIBBPFTCP_DEBUG), is passed to @fn.  Messages end with a newline.  The
 * default callback writes WARN and INFO to stderr; NULL silences the
 * library.  Not thread-safe against concurrent calls of the library.
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

/* "ESTAB", "SYN-SENT", ... (the names of ss(8)); "UNKNOWN" otherwise. */
const char *bpftcp_tcp_state_name(unsigned int state);
/* "cubic", "dctcp", "vegas"; "none" for 0; "unknown" otherwise. */
const char *bpftcp_cc_kind_name(unsigned int kind);

#ifdef __cplusplus
}
#endif

#endif /* BPFTCP_LIBBPFTCP_H */
