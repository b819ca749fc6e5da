// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "bpftcp/libbpftcp.h"
#include "common.h"

struct global_opts g_opts;
struct json g_json;

/* The first error of the command: the cause (callers add context after). */
static char first_err[1024];

static void vmsg(const char *tag, const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", tag);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

static void verr(const char *fmt, va_list ap)
{
	va_list copy;

	va_copy(copy, ap);
	if (!first_err[0])
		vsnprintf(first_err, sizeof(first_err), fmt, copy);
	va_end(copy);
	vmsg("error", fmt, ap);
}

int p_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verr(fmt, ap);
	va_end(ap);
	return EXIT_FAIL;
}

int p_usage_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verr(fmt, ap);
	va_end(ap);
	return EXIT_USAGE;
}

const char *first_error(void)
{
	return first_err;
}

/* What the command writes in JSON mode, until output_end(). */
static FILE *out_mem;
static char *out_buf;
static size_t out_len;

void output_begin(void)
{
	if (!g_opts.json)
		return;
	out_mem = open_memstream(&out_buf, &out_len);
	json_init(&g_json, out_mem ? out_mem : stdout, g_opts.pretty);
}

int output_end(int ret)
{
	struct json j;

	if (!g_opts.json)
		return ret;
	/* Unbuffered (open_memstream failed): the command wrote to stdout. */
	if (!out_mem && ret == EXIT_OK)
		return ret;
	if (out_mem)
		fclose(out_mem);	/* out_buf, out_len now final */
	out_mem = NULL;
	/* Trailing newline (json_finish) off: the text is spliced as a value. */
	while (out_len && (out_buf[out_len - 1] == '\n'))
		out_buf[--out_len] = '\0';
	json_init(&j, stdout, g_opts.pretty);
	if (ret == EXIT_OK && out_len) {
		fwrite(out_buf, 1, out_len, stdout);
	} else if (ret == EXIT_OK) {
		json_null(&j);
	} else {
		json_obj_open(&j);
		json_kv_str(&j, "error", first_err[0] ? first_err : "failed (see stderr)");
		if (out_len) {
			json_key(&j, "result");
			json_raw(&j, out_buf);
		}
		json_obj_close(&j);
	}
	json_finish(&j);
	free(out_buf);
	out_buf = NULL;
	out_len = 0;
	return ret;
}

int print_usage(void (*usage)(FILE *))
{
	if (!g_opts.json) {
		usage(stdout);
		return EXIT_OK;
	}
	usage(stderr);
	json_null(&g_json);
	json_finish(&g_json);
	return EXIT_OK;
}

void p_info(const char *fmt, ...)
{
	va_list ap;

	if (g_opts.json && !g_opts.verbose)
		return;
	va_start(ap, fmt);
	vmsg("note", fmt, ap);
	va_end(ap);
}

const struct cmd *cmd_lookup(const struct cmd *cmds, const char *word, bool *ambiguous)
{
	const struct cmd *found = NULL;
	size_t n = strlen(word);

	*ambiguous = false;
	if (!n)
		return NULL;
	for (const struct cmd *c = cmds; c->name; c++) {
		if (!strcmp(c->name, word))
			return c;
		if (!strncmp(c->name, word, n)) {
			if (found)
				*ambiguous = true;
			found = c;
		}
	}
	return *ambiguous ? NULL : found;
}

int cmd_dispatch(const struct cmd *cmds, const char *what, int argc, char **argv,
		 void (*usage)(FILE *))
{
	const struct cmd *c;
	bool ambiguous;

	if (argc < 1) {
		usage(stderr);
		return p_usage_err("%s needs a command (see 'bpftcp %s help')", what ? what : "bpftcp",
				   what ? what : "");
	}
	if (!strcmp(argv[0], "help"))
		return print_usage(usage);
	c = cmd_lookup(cmds, argv[0], &ambiguous);
	if (!c && !what) {
		if (ambiguous)
			return p_usage_err("'%s' is ambiguous (see 'bpftcp help')", argv[0]);
		return p_usage_err("unknown object '%s' (see 'bpftcp help')", argv[0]);
	}
	if (!c) {
		if (ambiguous)
			return p_usage_err("'%s' is ambiguous for %s (see 'bpftcp %s help')",
					   argv[0], what, what);
		return p_usage_err("unknown %s command '%s' (see 'bpftcp %s help')",
				   what, argv[0], what);
	}
	return c->fn(argc - 1, argv + 1);
}

/* Sets the global option @c ("jpvhV"). */
static void set_global(struct global_opts *o, char c)
{
	switch (c) {
	case 'j': o->json = true; break;
	case 'p': o->json = o->pretty = true; break;
	case 'v': o->verbose = true; break;
	case 'h': o->help = true; break;
	case 'V': o->version = true; break;
	}
}

/* Is @w a global option ("-j", "-jv", "--json"...)?  Then sets it. */
static bool global_opt(const char *w, struct global_opts *o)
{
	static const char *const longs[] = { "--json", "--pretty", "--verbose", "--help", "--version" };
	static const char shorts[] = "jpvhV";

	if (w[0] != '-' || !w[1])
		return false;
	if (w[1] == '-') {
		for (size_t i = 0; i < sizeof(longs) / sizeof(longs[0]); i++) {
			if (!strcmp(w, longs[i])) {
				set_global(o, shorts[i]);
				return true;
			}
		}
		return false;
	}
	if (strspn(w + 1, shorts) != strlen(w + 1))
		return false;
	for (const char *p = w + 1; *p; p++)
		set_global(o, *p);
	return true;
}

int parse_global_opts(int argc, char **argv, struct global_opts *o)
{
	const char *unknown = NULL;
	bool object = false, literal = false;
	int n = 1;

	for (int i = 1; i < argc; i++) {
		const char *w = argv[i];

		if (!literal && !strcmp(w, "--")) {
			literal = true;
			continue;
		}
		if (!literal && global_opt(w, o))
			continue;
		/* Before the object, any other option is not ours. */
		if (!literal && !object && w[0] == '-' && !unknown)
			unknown = w;
		object |= w[0] != '-' || literal;
		argv[n++] = argv[i];
	}
	argv[n] = NULL;
	/* Reported once every option is known, so -j applies to the error too. */
	if (unknown) {
		p_usage_err("unknown option '%s' (see 'bpftcp --help')", unknown);
		return -1;
	}
	return n;
}

bool require_privileges(void)
{
	if (bpftcp_check_privileges() == 0)
		return true;
	p_err("bpftcp needs CAP_BPF and CAP_NET_ADMIN (run as root)");
	return false;
}

bool require_kernel_btf(void)
{
	int err = bpftcp_kernel_btf_check();

	if (!err)
		return true;
	p_err("kernel BTF not found: %s (libbpf looked in /sys/kernel/btf/vmlinux and the usual "
	      "vmlinux locations; bpftcp needs a kernel built with CONFIG_DEBUG_INFO_BTF=y, "
	      "Linux >= 6.4)", strerror(-err));
	return false;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (!g_opts.verbose)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

void libbpf_setup(void)
{
	libbpf_set_print(libbpf_print);
}

const char *load_hint_format(const struct bpftcp_load_diag *d, bool verbose, char *buf, size_t len)
{
	const char *type = d->prog_type >= 0 ? libbpf_bpf_prog_type_str(d->prog_type) : NULL;

	switch (d->result) {
	case BPFTCP_LOAD_REFUSED:
		snprintf(buf, len, ": the kernel refused to load a BPF program of type %s "
			 "(lockdown or a security policy?)", type ? type : "unknown");
		break;
	case BPFTCP_LOAD_REJECTED:
		snprintf(buf, len, ": the BPF verifier rejected program %s (%s)", d->prog_name,
			 verbose ? "its log is above" : "run with -v to see its log");
		break;
	default:
		snprintf(buf, len, "%s", verbose ? "" : " (run with -v for libbpf's messages)");
	}
	return buf;
}

const char *load_hint(void)
{
	static char buf[256];

	struct bpftcp_load_diag d = { .sz = sizeof(d) };

	bpftcp_last_load_diag(&d);
	return load_hint_format(&d, g_opts.verbose, buf, sizeof(buf));
}

/* libbpftcp's messages: "note: ..." on stderr (details of a failure the
 * command reports itself); INFO only in text mode or with -v; DEBUG (libbpf,
 * the verifier) only with -v. */
static int lib_print(enum libbpftcp_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPFTCP_DEBUG && !g_opts.verbose)
		return 0;
	if (level == LIBBPFTCP_INFO && g_opts.json && !g_opts.verbose)
		return 0;
	fputs("note: ", stderr);
	return vfprintf(stderr, fmt, ap);
}

void lib_print_setup(void)
{
	libbpftcp_set_print(lib_print);
}

int pin_root(char *buf, size_t len)
{
	char fs[PATH_MAX];
	/* No bpffs yet: the library mounts one, and that is what can fail. */
	bool mounting = !getenv("BPFTCP_BPFFS") && bpftcp_find_mount("bpf", fs, sizeof(fs)) == -ENOENT;
	int err = bpftcp_pin_root(buf, len, BPFTCP_PIN_CREATE);

	if (err && mounting && bpftcp_find_mount("bpf", fs, sizeof(fs)) == -ENOENT)
		p_err("cannot mount bpffs at /sys/fs/bpf: %s (mount it by hand: mount -t bpf bpf "
		      "/sys/fs/bpf)", strerror(-err));
	else if (err == -EPERM || err == -EACCES)
		p_err("cannot create the pin root on bpffs: %s (bpftcp needs root)", strerror(-err));
	else if (err)
		p_err("cannot create the pin root on bpffs: %s (see the note above; or set "
		      "BPFTCP_BPFFS to a bpffs mount)", strerror(-err));
	return err;
}

int pin_root_lookup(char *buf, size_t len)
{
	return bpftcp_pin_root(buf, len, 0);
}

void pin_root_gc(void)
{
	bpftcp_pin_root_gc();
}

int cgroup_resolve(const char *verb, const char *arg, char *path, size_t len,
		   __u64 *id, bool quiet)
{
	char mnt[PATH_MAX] = "";
	bool have_mnt = bpftcp_find_mount("cgroup2", mnt, sizeof(mnt)) == 0;
	int err = bpftcp_cgroup_resolve(arg, path, len, id);

	if (!err || quiet)
		return err;
	if (err == -ENOENT && arg[0] != '/' && !have_mnt)
		p_err("cannot %s cgroup '%s': %s (no cgroup2 mount in /proc/mounts; "
		      "mount one: mount -t cgroup2 none /sys/fs/cgroup)", verb, arg, strerror(-err));
	else if (err == -ENOTDIR)
		p_err("cannot %s cgroup '%s': %s (not a cgroup v2 directory%s%s)", verb, arg,
		      strerror(-err), have_mnt ? "; cgroup v2 is mounted at " : "",
		      have_mnt ? mnt : "");
	else
		p_err("cannot %s cgroup '%s': %s (%s%s%s)", verb, arg, strerror(-err),
		      have_mnt ? "cgroup v2 is mounted at " : "no cgroup2 mount in /proc/mounts",
		      have_mnt ? mnt : "", have_mnt ? "; create the cgroup with mkdir" : "");
	return err;
}
