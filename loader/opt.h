/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* bpftcp opt: TCP header option programs attached to cgroups (delack, ccneg). */
#ifndef BPFTCP_OPT_H
#define BPFTCP_OPT_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>
#include "bpftcp/libbpftcp.h"

/* Defaults of the admin clamps on the RTO minimum a peer may cause. */
#define OPT_DEFAULT_RTO_FLOOR_US	BPFTCP_DELACK_DEFAULT_RTO_FLOOR_US
#define OPT_DEFAULT_RTO_CEILING_US	BPFTCP_DELACK_DEFAULT_RTO_CEILING_US
/* The kernel delays ACKs, and floors the RTO, by at most 200 ms. */
#define OPT_MAX_MS			(BPFTCP_DELACK_MAX_US / 1000)

/* --peers */
struct opt_peers {
	struct bpftcp_cidr v[BPFTCP_DELACK_PEERS_MAX];
	size_t n;			/* 0: no restriction (the cgroup is the scope) */
};

struct opt_attach_args {
	const char *cgroup;		/* --cgroup PATH as given */
	__u32 max_delack_us;		/* --max-delack */
	__u32 rto_floor_us;		/* --rto-floor */
	__u32 rto_ceiling_us;		/* --rto-ceiling */
	struct opt_peers peers;		/* --peers */
	bool record;			/* --record (--no-record: the default) */
};

/* attach ccneg */
struct opt_ccneg_args {
	const char *cgroup;		/* --cgroup PATH as given */
	char prefer_buf[BPFTCP_CCNEG_PREFER_MAX * 20];	/* --prefer, split in place */
	const char *prefer[BPFTCP_CCNEG_PREFER_MAX];
	size_t prefer_cnt;
	const char *fallback;		/* --fallback */
	struct opt_peers peers;		/* --peers */
	bool record;			/* --record (--no-record: the default) */
};

/*
 * Parses a duration in milliseconds: "20", "20ms", "2.5" (a tenth of a
 * millisecond is the finest the option carries).  Range 0.1 .. @max_ms.
 * Returns 0 and sets *@us, or -EINVAL (not a number) / -ERANGE.  The
 * command line's notation, so here and not in libbpftcp (which takes us).
 */
int opt_parse_ms(const char *s, __u32 max_ms, __u32 *us);
/*
 * Parses "attach delack" arguments (after the option name), through the
 * option table of args.h.  Returns 0, or EXIT_USAGE after printing the
 * error (missing --cgroup or --max-delack, a bad number or CIDR, a floor
 * above the ceiling...).
 */
int opt_parse_attach_args(int argc, char **argv, struct opt_attach_args *a);

/*
 * Parses "attach ccneg" arguments (after the option name).  Returns 0, or
 * EXIT_USAGE after printing the error (missing --cgroup, --prefer or
 * --fallback; an empty, too long or repeating --prefer list, a bad CIDR...).
 * Whether the names are algorithms the kernel offers is the library's
 * business (bpftcp_opt_ccneg_attach()).
 */
int opt_parse_ccneg_args(int argc, char **argv, struct opt_ccneg_args *a);

int do_opt(int argc, char **argv);
void opt_usage(FILE *f);

#endif
