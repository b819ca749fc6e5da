/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * bpftcp sockets: the per-socket records (sk_local_storage map "sock_state"),
 * their collection on a cgroup, and their listing (read through libbpftcp's
 * sock_diag reader, lib/sock_diag.c).
 */
#ifndef BPFTCP_SOCKETS_H
#define BPFTCP_SOCKETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "bpftcp/libbpftcp.h"

struct bpf_object;

/*
 * Loads @obj so that its "sock_state" map (if it has one) is the one pinned
 * at <bpffs>/bpftcp/sock_state_v<N>, shared by every bpftcp object: the
 * pinned map is reused, or, with @create, created by this load and then
 * pinned.  A lock on the pin root serializes concurrent loaders, so two never
 * create two maps.  Objects without the map are just loaded.  Every loader of an object
 * that includes bpftcp/sock_state.bpf.h must load it through here.
 * Returns 0 or -errno (-ENOENT: not pinned and !@create).
 */
int sock_state_load_object(struct bpf_object *obj, bool create);

/* <pin root>/sock_state.  Returns 0 or -errno. */
int sock_state_pin_path(char *buf, size_t len);

/* Collection on a cgroup (cgroup path absolute, or relative to the cgroup2 mount). */
int sockets_attach(const char *cgroup);
int sockets_detach(const char *cgroup);
/* Pin directory of the collection on @cgroup_id. */
int sockets_attach_dir(__u64 cgroup_id, char *buf, size_t len);

/* Parsed options of 'bpftcp sockets [list]'. */
struct sockets_filter {
	const char *cc;		/* --cc NAME, or NULL */
	int port;		/* --port N, or 0 */
	const char *netns;	/* -n/--netns NAME|PATH, or NULL: the caller's */
	bool all_netns;		/* --all-netns */
};
/* Returns 0, or EXIT_USAGE after printing the error. */
int sockets_parse_list_args(int argc, char **argv, struct sockets_filter *f);
/* Parses "--cgroup PATH" of attach/detach; returns 0 or EXIT_USAGE. */
int sockets_parse_cgroup_args(const char *verb, int argc, char **argv, const char **cgroup);
/* Does record @d pass @f? */
bool sockets_filter_match(const struct sockets_filter *f, const struct bpftcp_sock_dump *d);

int do_sockets(int argc, char **argv);
void sockets_usage(FILE *f);

#endif
