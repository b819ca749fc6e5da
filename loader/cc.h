/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* bpftcp cc: the congestion controls built into bpftcp, and their lifecycle. */
#ifndef BPFTCP_CC_H
#define BPFTCP_CC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "bpftcp/cc_stats.h"

struct cc_algo {
	const char *name;	/* "cubic" */
	const char *kname;	/* "bpf_cubic": the name the kernel lists */
	const char *summary;	/* one line, from the source's opening comment */
	const void *(*elf_bytes)(size_t *sz);	/* the embedded BPF object */
};

/* Generated from the cc/ sources into build/loader/cc_table.c. */
extern const struct cc_algo cc_algos[];
extern const int cc_algos_cnt;

#define CC_MAX_ARGS 64

/* Parsed arguments of register/unregister/replace/stats. */
struct cc_args {
	const struct cc_algo *algos[CC_MAX_ARGS];
	int n;
	bool all;
	bool set_default;
	bool restricted;	/* register: leave out of tcp_allowed_congestion_control */
};

/* Accepts "cubic" or "bpf_cubic". */
const struct cc_algo *cc_find(const char *name);
/*
 * Parses "NAME...|all [--default] [--restricted]" for @verb.  @allow_default
 * permits --default and --restricted (register only); @allow_empty permits no names (meaning all).  Returns 0, or
 * EXIT_USAGE after printing the error.
 */
int cc_parse_args(const char *verb, int argc, char **argv, struct cc_args *a,
		  bool allow_default, bool allow_empty);

/* Pin directory of @a under the pin root, e.g. /sys/fs/bpf/bpftcp/cc/bpf_cubic. */
int cc_pin_dir(const struct cc_algo *a, char *buf, size_t len);
bool cc_is_registered(const struct cc_algo *a);
/*
 * Registers @a; unless @restricted, also adds it to
 * net.ipv4.tcp_allowed_congestion_control so that unprivileged sockets and
 * other network namespaces may select it.  Returns 0 or -errno; prints its
 * own error message.
 */
int cc_register(const struct cc_algo *a, bool restricted);
int cc_unregister(const struct cc_algo *a);
int cc_replace(const struct cc_algo *a);
/* Sums the per-CPU callback counters of a registered algorithm. */
int cc_read_stats(const struct cc_algo *a, struct bpftcp_cc_stats *out);
/* Calls @cb with each counter of a registered algorithm's own, beyond the
 * common ones (e.g. bpf_cubic's hystart_train_detect), summed over CPUs. */
void cc_for_each_counter(const struct cc_algo *a,
			 void (*cb)(const char *name, unsigned long long v, void *ctx),
			 void *ctx);

/* A tcp_congestion_ops struct_ops map that no BPF link holds any more. */
struct cc_retained {
	unsigned int map_id;
	char name[16];		/* the algorithm's name, e.g. "bpf_cubic" */
};
/*
 * Finds the BPF congestion controls (bpftcp's or anyone's) that are still in
 * kernel memory although nothing registers them: an algorithm unregistered
 * or replaced while sockets use it stays until they close, and one whose
 * reference the kernel leaked stays until reboot (see bpftcp(8)).  Fills up
 * to @max entries in map id order and returns how many there are (maybe more
 * than @max), or -errno (-EPERM without CAP_SYS_ADMIN).
 */
int cc_retained_maps(struct cc_retained *out, int max);

int do_cc(int argc, char **argv);
void cc_usage(FILE *f);

#endif
