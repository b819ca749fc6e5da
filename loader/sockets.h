/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * bpftcp sockets: the command that lists the per-socket records and turns
 * their collection on and off (lib/sock_diag.c, lib/sockets.c).
 */
#ifndef BPFTCP_SOCKETS_H
#define BPFTCP_SOCKETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "bpftcp/libbpftcp.h"

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

/*
 * BBR's export as 'ss -ti' prints the kernel bbr's INET_DIAG_BBRINFO:
 * "bbr:(bw:<rate>bps,mrtt:<ms>,pacing_gain:<x>,cwnd_gain:<x>)", the gains
 * only when non-zero, the rate in bit/s with ss's units (sprint_bw() of
 * iproute2's misc/ss.c).  Returns what snprintf() returns.
 */
int sockets_format_bbr(char *buf, size_t len, const struct bpftcp_bbr_export *b);
/* "STARTUP", "DRAIN", "PROBE_BW", "PROBE_RTT" or "?". */
const char *sockets_bbr_mode_name(unsigned int mode);
/*
 * BBRv3's export: "bbr3:(mode:<MODE>[,phase:<PHASE>],bw:<rate>bps,mrtt:<ms>,
 * inflight_hi:<n|->,inflight_lo:<n|->,ecn_alpha:<x>)", the phase only in
 * PROBE_BW, "-" for a bound not set, bw as sockets_format_bbr() prints it.
 */
int sockets_format_bbr3(char *buf, size_t len, const struct bpftcp_bbr3_export *b);
/* The PROBE_BW phase: "UP", "DOWN", "CRUISE", "REFILL" or "?". */
const char *sockets_bbr3_phase_name(unsigned int phase);

int do_sockets(int argc, char **argv);
void sockets_usage(FILE *f);

#endif
