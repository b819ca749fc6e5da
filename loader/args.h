/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Declarative argument parsing for bpftcp's commands, in the way xdp-tools
 * declares its options: each command lists its options in a table (name,
 * kind, where the value goes, metavar, help), and one parser reads argv
 * against it, with one set of error messages for every command.  The same
 * tables print the options part of each command's help.
 */
#ifndef BPFTCP_ARGS_H
#define BPFTCP_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum arg_kind {
	ARG_FLAG,	/* bool at offset, set to true */
	ARG_FLAG_OFF,	/* bool at offset, set to false (e.g. --no-record) */
	ARG_STR,	/* const char * at offset: the argv word itself */
	ARG_UINT,	/* unsigned int at offset, in [min, max] */
	ARG_CUSTOM,	/* parse(opt, value, field): returns 0 or EXIT_USAGE after printing */
};

#define ARG_REQUIRED	0x1	/* must be given */
#define ARG_ONCE	0x2	/* may not be given twice */

struct arg_opt {
	const char *name;	/* "--cgroup" */
	const char *alias;	/* "-n", or NULL */
	enum arg_kind kind;
	size_t offset;		/* of the field in the command's args struct */
	const char *metavar;	/* "PATH"; NULL for flags */
	const char *help;	/* one line */
	unsigned int flags;	/* ARG_REQUIRED, ARG_ONCE */
	unsigned long min, max;	/* ARG_UINT */
	int (*parse)(const char *opt, const char *val, void *field);	/* ARG_CUSTOM */
	/* What "--x needs ..." says when the value is missing or empty
	 * ("a NAME (e.g. ...)"); default: the metavar. */
	const char *missing;
};

struct arg_spec {
	const char *cmd;	/* "sockets list": named in error messages */
	const char *help_ref;	/* "bpftcp sockets help" */
	const struct arg_opt *opts;	/* ends with { NULL } */
	/* Words that are not options: NULL refuses them; else called for
	 * each (returns 0, or EXIT_USAGE after printing). */
	int (*positional)(const char *word, void *out);
	/* Words that look like options but are not in @opts: NULL gives the
	 * common "unknown argument" error; else called instead (returns
	 * EXIT_USAGE after printing a message of the command's own). */
	int (*unknown)(const char *word, void *out);
};

#define ARG_FIELD(type, field) offsetof(type, field)

/*
 * Parses @argv (@argc words, without the command's own name) into @out,
 * options that take a value as "--name VALUE" or "--name=VALUE",
 * which the caller zeroed or filled with defaults.  Returns 0, or EXIT_USAGE
 * after printing the error.
 */
int args_parse(const struct arg_spec *spec, int argc, char **argv, void *out);

/* Prints one line per option of @spec: "  --cgroup PATH   help". */
void args_print_options(FILE *f, const struct arg_spec *spec);

#endif
