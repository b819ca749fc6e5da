/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * BPF side of the per-socket record (include/bpftcp/sock_state.h): the
 * sk_local_storage map "sock_state" and get-or-create helpers, for every
 * bpftcp BPF object that writes the record (the sockops collector, the
 * congestion controls, the header-option programs).
 *
 * Each object declares its own copy of the map; libbpftcp makes them all one
 * map by reusing the pin <bpffs>/bpftcp/sock_state_v<version> before load (see
 * libbpftcp__load_object() in lib/objects.c).  An object loaded some other
 * way (a test opening the skeleton directly) just gets a private map.
 *
 * Include after vmlinux.h and <bpf/bpf_helpers.h>.
 */
#ifndef BPFTCP_SOCK_STATE_BPF_H
#define BPFTCP_SOCK_STATE_BPF_H

#include <bpf/bpf_helpers.h>
#include "bpftcp/sock_state.h"

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	/* sk_local_storage maps must not be preallocated. */
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct bpftcp_sock_state);
} sock_state SEC(".maps");

/*
 * The record of @sk, or NULL.  With @create, a missing record is allocated
 * (zeroed by the kernel) and its header filled; *@created (if not NULL) then
 * says whether this call made it.  @sk is a struct sock * (struct_ops,
 * tracing) or the struct bpf_sock * of a sockops context; both are accepted
 * by bpf_sk_storage_get().
 */
static __always_inline struct bpftcp_sock_state *
bpftcp_sock_state_get(void *sk, bool create, bool *created)
{
	struct bpftcp_sock_state *st;

	st = bpf_sk_storage_get(&sock_state, sk, 0,
				create ? BPF_SK_STORAGE_GET_F_CREATE : 0);
	if (created)
		*created = false;
	if (st && !st->version) {
		st->version = BPFTCP_SOCK_STATE_VERSION;
		st->size = sizeof(*st);
		if (created)
			*created = true;
	}
	return st;
}

/* Copies a NUL-terminated name of at most BPFTCP_CA_NAME_MAX bytes. */
static __always_inline void bpftcp_sock_state_set_ca(struct bpftcp_sock_state *st,
						     const char *name)
{
	__builtin_memcpy(st->ca_name, name, BPFTCP_CA_NAME_MAX);
}

/*
 * For a congestion control: marks the export section as @kind, records the
 * algorithm's name, and clears what a previous algorithm left.  Call from
 * init; it is the only export call that allocates.
 */
static __always_inline struct bpftcp_sock_state *
bpftcp_cc_export_init(struct sock *sk, __u32 kind, const char *name)
{
	struct bpftcp_sock_state *st = bpftcp_sock_state_get(sk, true, NULL);

	if (!st)
		return NULL;
	bpftcp_sock_state_set_ca(st, name);
	__builtin_memset(&st->cc.u, 0, sizeof(st->cc.u));
	st->cc.kind = kind;
	st->cc.updates++;
	return st;
}

/*
 * For a congestion control's later callbacks: the export section if this
 * algorithm owns it, else NULL.  Never allocates, so it is cheap enough for
 * the per-ACK path; still, call it only when an exported value changed.
 */
static __always_inline struct bpftcp_cc_export *bpftcp_cc_export(struct sock *sk, __u32 kind)
{
	struct bpftcp_sock_state *st = bpftcp_sock_state_get(sk, false, NULL);

	if (!st || st->cc.kind != kind)
		return NULL;
	st->cc.updates++;
	return &st->cc;
}

#endif /* BPFTCP_SOCK_STATE_BPF_H */
