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

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif
#ifndef BPF_FS_MAGIC
#define BPF_FS_MAGIC 0xcafe4a11
#endif

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
	if (access("/sys/kernel/btf/vmlinux", R_OK) == 0)
		return true;
	p_err("kernel BTF not found at /sys/kernel/btf/vmlinux: %s "
	      "(bpftcp needs a kernel built with CONFIG_DEBUG_INFO_BTF=y, Linux >= 6.4)",
	      strerror(errno));
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

/* How the last object_load() went (result BPFTCP_LOAD_OK before any). */
static struct bpftcp_load_diag last_load = { .sz = sizeof(last_load) };

int object_load(struct bpf_object *obj)
{
	int err;

	last_load.sz = sizeof(last_load);
	err = bpftcp_object_load(obj, &last_load);
	/* libbpf leaves the log of a program with its own buffer to us. */
	if (g_opts.verbose && last_load.result == BPFTCP_LOAD_REJECTED)
		fprintf(stderr, "-- verifier log of %s (tail) --\n%s-- end of the verifier log --\n",
			last_load.prog_name, last_load.log);
	return err;
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

	return load_hint_format(&last_load, g_opts.verbose, buf, sizeof(buf));
}

int find_mount(const char *fstype, char *buf, size_t len)
{
	char dev[256], dir[4096], type[64];
	int ret = -ENOENT;
	FILE *f;

	f = fopen("/proc/mounts", "r");
	if (!f)
		return -errno;
	while (fscanf(f, "%255s %4095s %63s %*[^\n]\n", dev, dir, type) == 3) {
		if (strcmp(type, fstype))
			continue;
		/* Prefer the conventional bpffs location when several exist. */
		if (ret == 0 && strcmp(dir, "/sys/fs/bpf"))
			continue;
		snprintf(buf, len, "%s", dir);
		ret = 0;
	}
	fclose(f);
	return ret;
}

int mkdir_p(const char *path, unsigned int mode)
{
	char tmp[4096];

	if (snprintf(tmp, sizeof(tmp), "%s", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, mode) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(tmp, mode) && errno != EEXIST)
		return -errno;
	return 0;
}

static int bpffs_dir(char *buf, size_t len, bool create)
{
	const char *env = getenv("BPFTCP_BPFFS");
	struct statfs st;
	int err;

	if (env && *env) {
		snprintf(buf, len, "%s", env);
		if (statfs(buf, &st) || st.f_type != BPF_FS_MAGIC) {
			p_err("BPFTCP_BPFFS=%s is not a bpffs mount", env);
			return -EINVAL;
		}
		return 0;
	}
	if (find_mount("bpf", buf, len) == 0)
		return 0;
	if (!create)
		return -ENOENT;

	snprintf(buf, len, "/sys/fs/bpf");
	err = mkdir_p(buf, 0700);
	if (!err && mount("bpf", buf, "bpf", 0, "mode=0700"))
		err = -errno;
	if (err) {
		p_err("cannot mount bpffs at %s: %s (mount it by hand: "
		      "mount -t bpf bpf /sys/fs/bpf)", buf, strerror(-err));
		return err;
	}
	p_info("mounted bpffs at %s", buf);
	return 0;
}

int pin_root(char *buf, size_t len)
{
	char fs[4096];
	int err;

	err = bpffs_dir(fs, sizeof(fs), true);
	if (err)
		return err;
	snprintf(buf, len, "%s/bpftcp", fs);
	err = mkdir_p(buf, 0700);
	if (err)
		p_err("cannot create %s: %s", buf, strerror(-err));
	return err;
}

int pin_root_lookup(char *buf, size_t len)
{
	char fs[4096];
	int err;

	err = bpffs_dir(fs, sizeof(fs), false);
	if (err)
		return err;
	snprintf(buf, len, "%s/bpftcp", fs);
	return access(buf, F_OK) ? -errno : 0;
}

/* Does the tree at @dir hold any file other than top-level "sock_state*"? */
static bool pins_in_use(const char *dir, bool top)
{
	bool used = false;
	struct dirent *e;
	DIR *d = opendir(dir);

	if (!d)
		return false;
	while (!used && (e = readdir(d))) {
		char path[4096];

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (e->d_type == DT_DIR)
			used = pins_in_use(path, false);
		else
			used = !(top && !strncmp(e->d_name, "sock_state", 10));
	}
	closedir(d);
	return used;
}

/* Removes the top-level shared pins and every empty directory below @dir. */
static void remove_unused(const char *dir, bool top)
{
	struct dirent *e;
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((e = readdir(d))) {
		char path[4096];

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (e->d_type == DT_DIR) {
			remove_unused(path, false);
			rmdir(path);
		} else if (top) {
			unlink(path);
		}
	}
	closedir(d);
}

void pin_root_gc(void)
{
	char root[4096];
	int fd;

	if (pin_root_lookup(root, sizeof(root)))
		return;
	fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (!flock(fd, LOCK_EX) && !pins_in_use(root, true)) {
		remove_unused(root, true);
		rmdir(root);
	}
	close(fd);
}

int sysctl_read(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return 0;
}

int sysctl_write(const char *path, const char *val)
{
	ssize_t n;
	int fd, err = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	if (n < 0)
		err = -errno;
	close(fd);
	return err;
}

bool word_in_list(const char *list, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = list; (p = strstr(p, name)); p += n) {
		bool start = p == list || p[-1] == ' ' || p[-1] == '\t';
		bool end = p[n] == '\0' || p[n] == ' ' || p[n] == '\t' || p[n] == '\n';

		if (start && end)
			return true;
	}
	return false;
}

/*
 * Resolves --cgroup (absolute, or relative to the cgroup2 mount) to a real
 * path on cgroup v2 and its id.  Returns 0 or -errno; with @quiet no message.
 */
int cgroup_resolve(const char *verb, const char *arg, char *path, size_t len,
		   __u64 *id, bool quiet)
{
	char mnt[PATH_MAX] = "", joined[PATH_MAX * 2];
	struct {
		struct file_handle fh;
		__u64 id;
	} h = { .fh.handle_bytes = sizeof(__u64) };
	bool have_mnt = find_mount("cgroup2", mnt, sizeof(mnt)) == 0;
	struct statfs st;
	int mount_id, err;

	if (arg[0] == '/') {
		snprintf(joined, sizeof(joined), "%s", arg);
	} else if (have_mnt) {
		snprintf(joined, sizeof(joined), "%s/%s", mnt, arg);
	} else {
		if (!quiet)
			p_err("cannot %s cgroup '%s': %s (no cgroup2 mount in /proc/mounts; "
			      "mount one: mount -t cgroup2 none /sys/fs/cgroup)", verb, arg, strerror(ENOENT));
		return -ENOENT;
	}
	if (!realpath(joined, path)) {
		err = -errno;
		if (!quiet)
			p_err("cannot %s cgroup '%s': %s (%s%s%s)", verb, arg, strerror(-err),
			      have_mnt ? "cgroup v2 is mounted at " : "no cgroup2 mount in /proc/mounts",
			      have_mnt ? mnt : "", have_mnt ? "; create the cgroup with mkdir" : "");
		return err;
	}
	(void)len;
	if (statfs(path, &st) || st.f_type != CGROUP2_SUPER_MAGIC) {
		if (!quiet)
			p_err("cannot %s cgroup '%s': %s (not a cgroup v2 directory%s%s)", verb, arg,
			      strerror(ENOTDIR), have_mnt ? "; cgroup v2 is mounted at " : "",
			      have_mnt ? mnt : "");
		return -ENOTDIR;
	}
	/* The cgroup id is the kernfs file handle of the directory. */
	if (name_to_handle_at(AT_FDCWD, path, &h.fh, &mount_id, 0)) {
		err = -errno;
		if (!quiet)
			p_err("cannot %s cgroup '%s': cannot read its id: %s", verb, arg, strerror(-err));
		return err;
	}
	memcpy(id, h.fh.f_handle, sizeof(*id));
	return 0;
}

void *percpu_read_pinned(const char *path, size_t value_size, int *ncpu, size_t *stride)
{
	__u32 zero = 0;
	void *vals;
	int fd, err;

	fd = bpf_obj_get(path);
	if (fd < 0)
		return NULL;
	*ncpu = libbpf_num_possible_cpus();
	if (*ncpu <= 0) {
		close(fd);
		errno = *ncpu ? -*ncpu : EINVAL;
		return NULL;
	}
	*stride = (value_size + 7) & ~(size_t)7;
	vals = calloc(*ncpu, *stride);
	if (vals && bpf_map_lookup_elem(fd, &zero, vals)) {
		err = errno;
		free(vals);
		vals = NULL;
		errno = err;
	}
	close(fd);
	return vals;
}
