/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* Shared pieces of the bpftcp command: options, errors, dispatch, bpffs, sysctl. */
#ifndef BPFTCP_COMMON_H
#define BPFTCP_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>
#include "json.h"

#define BPFTCP_VERSION "0.1.0"

/* Exit codes.  EXIT_PARTIAL: 'apply' failed and could not roll back all it
 * had changed. */
enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2, EXIT_PARTIAL = 3 };

struct global_opts {
	bool json;
	bool pretty;
	bool verbose;
	bool help;	/* -h anywhere: the object's help (or the main one) */
	bool version;	/* -V anywhere */
};
extern struct global_opts g_opts;
/* The JSON writer for stdout, valid when g_opts.json. */
extern struct json g_json;

/* A command table: { "register", do_register }. */
struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
};

/*
 * Finds @word in @cmds: an exact match, or an unambiguous prefix.
 * Returns the entry, or NULL and sets *ambiguous when several match.
 */
const struct cmd *cmd_lookup(const struct cmd *cmds, const char *word, bool *ambiguous);
/* Dispatches argv[0] through @cmds; @what names the object for errors
 * (NULL at the top level). */
int cmd_dispatch(const struct cmd *cmds, const char *what, int argc, char **argv,
		 void (*usage)(FILE *));

/*
 * Takes the global options (-j -p -v -h -V, their long forms, and bundles
 * such as -jv) out of argv, wherever they stand: before or after the object
 * and verb, as in bpftool and ip.  "--" ends them: it is dropped and every
 * later word goes to the command as it is (for a value that looks like an
 * option).  Another option before the object is a usage error.
 * Returns the new argc (argv[0] kept, argv[argc] = NULL), or -1 on a usage
 * error (message printed).
 */
int parse_global_opts(int argc, char **argv, struct global_opts *o);

/*
 * "error: ..." to stderr; returns EXIT_FAIL so callers can `return p_err()`.
 * The first error of a command is also what its JSON error document says.
 */
int p_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "error: ..." to stderr; returns EXIT_USAGE. */
int p_usage_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The first error message printed by this process, or "". */
const char *first_error(void);

/*
 * One document on stdout in JSON mode.  output_begin() points g_json at a
 * buffer; output_end(@ret) writes, for a command that returned @ret:
 *   success            what the command wrote (null if nothing);
 *   failure (1 or 2)   {"error": first_error()}, plus "result": what the
 *                      command wrote before failing, if anything.
 * Returns @ret.  In text mode both do nothing.
 */
void output_begin(void);
int output_end(int ret);
/* Help text: to stdout, or in JSON mode to stderr with null as the document. */
int print_usage(void (*usage)(FILE *));
/* "note: ..." to stderr, suppressed in JSON mode unless verbose. */
void p_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Checks CAP_BPF and CAP_NET_ADMIN; prints the error and returns false. */
bool require_privileges(void);
/* Checks that the kernel exposes BTF; prints the error and returns false. */
bool require_kernel_btf(void);

/* libbpf output: hidden unless -v. */
void libbpf_setup(void);

struct bpftcp_load_diag;
/*
 * The hint appended to an error after a failed libbpftcp call, from how its
 * last BPF load went (bpftcp_last_load_diag()):
 *   refused   ": the kernel refused to load a BPF program of type X
 *             (lockdown or a security policy?)";
 *   rejected  ": the BPF verifier rejected program P (run with -v to see its
 *             log)" ("its log is above" with -v);
 *   other     " (run with -v for libbpf's messages)", "" with -v.
 */
const char *load_hint(void);
/* The same, from @d and @verbose, into @buf; returns @buf (unit-tested). */
const char *load_hint_format(const struct bpftcp_load_diag *d, bool verbose, char *buf, size_t len);

/* libbpftcp's messages go to stderr as notes (DEBUG only with -v). */
void lib_print_setup(void);

/*
 * bpftcp_pin_root(BPFTCP_PIN_CREATE), with the error printed.  Writes e.g.
 * "/sys/fs/bpf/bpftcp" into @buf.  Returns 0 or -errno.
 */
int pin_root(char *buf, size_t len);
/* bpftcp_pin_root() without creating: -ENOENT if absent (nothing printed). */
int pin_root_lookup(char *buf, size_t len);
/* bpftcp_pin_root_gc(), after each unregister/detach. */
void pin_root_gc(void);

/*
 * bpftcp_cgroup_resolve() for a --cgroup argument; unless @quiet, prints
 * "cannot @verb cgroup '@arg': ..." with a hint.  @path needs PATH_MAX bytes.
 */
int cgroup_resolve(const char *verb, const char *arg, char *path, size_t len,
		   __u64 *id, bool quiet);

#endif
