/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* bpftcp cc: the command over libbpftcp's congestion controls. */
#ifndef BPFTCP_CC_H
#define BPFTCP_CC_H

#include <stdbool.h>
#include <stdio.h>
#include "bpftcp/libbpftcp.h"

#define CC_MAX_ARGS 64

/* Parsed arguments of register/unregister/replace/stats. */
struct cc_args {
	const char *verb;	/* "register": named in messages */
	const struct bpftcp_cc_info *algos[CC_MAX_ARGS];
	int n;
	bool all;
	bool set_default;
	bool restricted;	/* register: leave out of tcp_allowed_congestion_control */
};

/*
 * Parses "NAME...|all [--default] [--restricted]" for @verb.  @allow_default
 * permits --default and --restricted (register only); @allow_empty permits
 * no names (meaning all).  Returns 0, or EXIT_USAGE after printing the error.
 */
int cc_parse_args(const char *verb, int argc, char **argv, struct cc_args *a,
		  bool allow_default, bool allow_empty);

int do_cc(int argc, char **argv);
void cc_usage(FILE *f);

#endif
