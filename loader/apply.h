/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* bpftcp apply and bpftcp reset: the declarative configuration (lib/apply.c). */
#ifndef BPFTCP_APPLY_H
#define BPFTCP_APPLY_H

#include <stdbool.h>
#include <stdio.h>

/* Parses apply's options: -f/--file FILE (default BPFTCP_CONF_DEFAULT),
 * --dry-run.  Returns 0, or EXIT_USAGE after printing the error. */
int apply_parse_args(int argc, char **argv, const char **file, bool *dry_run);

int do_apply(int argc, char **argv);
int do_reset(int argc, char **argv);
void apply_usage(FILE *f);

#endif
