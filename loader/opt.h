/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* bpftcp opt: TCP header option programs attached to cgroups (delack). */
#ifndef BPFTCP_OPT_H
#define BPFTCP_OPT_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>
#include "bpftcp/delack_opt.h"

/* Defaults of the admin clamps on the RTO minimum a peer may cause. */
#define OPT_DEFAULT_RTO_FLOOR_US	5000
#define OPT_DEFAULT_RTO_CEILING_US	HDROPT_KERNEL_MAX_US
/* The kernel delays ACKs, and floors the RTO, by at most 200 ms. */
#define OPT_MAX_MS			200

struct opt_attach_args {
	const char *cgroup;		/* --cgroup PATH as given */
	__u32 max_delack_us;		/* --max-delack */
	__u32 rto_floor_us;		/* --rto-floor */
	__u32 rto_ceiling_us;		/* --rto-ceiling */
	struct hdropt_peer_key peers[HDROPT_PEERS_MAX];	/* --peers */
	int npeers;			/* 0: no restriction (the cgroup is the scope) */
	bool record;			/* --record (--no-record: the default) */
};

/*
 * Parses a duration in milliseconds: "20", "20ms", "2.5" (a tenth of a
 * millisecond is the finest the option carries).  Range 0.1 .. @max_ms.
 * Returns 0 and sets *@us, or -EINVAL (not a number) / -ERANGE.
 */
int opt_parse_ms(const char *s, __u32 max_ms, __u32 *us);
/*
 * Parses "198.18.0.0/15", "2001:2::/48" or a bare address (a host route)
 * into an LPM key: IPv4 becomes IPv4-mapped IPv6 (::ffff:a.b.c.d/96+len).
 * Returns 0, -EINVAL (not an address or prefix), -ERANGE (prefix length),
 * or -ENOTUNIQ when bits are set beyond the prefix (198.18.0.1/15).
 */
int opt_parse_cidr(const char *s, struct hdropt_peer_key *key);
/* Formats an LPM key back into CIDR notation (IPv4-mapped shown as IPv4). */
void opt_format_cidr(const struct hdropt_peer_key *key, char *buf, size_t len);
/*
 * Parses "attach delack" arguments (after the option name).  Returns 0, or
 * EXIT_USAGE after printing the error (missing --cgroup or --max-delack, a bad
 * number or CIDR, a floor above the ceiling...).
 */
int opt_parse_attach_args(int argc, char **argv, struct opt_attach_args *a);

int do_opt(int argc, char **argv);
void opt_usage(FILE *f);

#endif
