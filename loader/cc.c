// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * bpftcp cc: list, register, unregister, replace and show the congestion
 * controls.  A registration is a struct_ops link pinned at
 * <bpffs>/bpftcp/cc/<kname>/link, with the algorithm's counter map pinned
 * beside it (stats), so it outlives the command; unregistering unpins.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "bpftcp/cc_common.h"
#include "cc.h"
#include "common.h"
#include "sockets.h"

/* Where the kernel default goes when the default itself is unregistered. */
static const char *const fallback_defaults[] = { "cubic", "reno" };

const struct cc_algo *cc_find(const char *name)
{
	for (int i = 0; i < cc_algos_cnt; i++)
		if (!strcmp(name, cc_algos[i].name) || !strcmp(name, cc_algos[i].kname))
			return &cc_algos[i];
	return NULL;
}

static void print_valid_names(FILE *f)
{
	fprintf(f, "valid names: all");
	for (int i = 0; i < cc_algos_cnt; i++)
		fprintf(f, ", %s", cc_algos[i].name);
	fputc('\n', f);
}

int cc_parse_args(const char *verb, int argc, char **argv, struct cc_args *a,
		  bool allow_default, bool allow_empty)
{
	memset(a, 0, sizeof(*a));
	for (int i = 0; i < argc; i++) {
		const char *w = argv[i];
		const struct cc_algo *algo;
		bool dup = false;

		if (!strcmp(w, "--default") || !strcmp(w, "-d")) {
			if (!allow_default)
				return p_usage_err("'cc %s' does not take --default", verb);
			a->set_default = true;
			continue;
		}
		if (!strcmp(w, "--restricted")) {
			if (!allow_default)
				return p_usage_err("'cc %s' does not take --restricted", verb);
			a->restricted = true;
			continue;
		}
		if (w[0] == '-')
			return p_usage_err("unknown option '%s' for 'cc %s' (see 'bpftcp cc help')",
					   w, verb);
		if (!strcmp(w, "all")) {
			a->all = true;
			continue;
		}
		algo = cc_find(w);
		if (!algo) {
			p_usage_err("unknown congestion control '%s'", w);
			print_valid_names(stderr);
			return EXIT_USAGE;
		}
		for (int j = 0; j < a->n; j++)
			dup |= a->algos[j] == algo;
		if (dup)
			continue;
		if (a->n >= CC_MAX_ARGS)
			return p_usage_err("too many names");
		a->algos[a->n++] = algo;
	}
	if (a->all && a->n)
		return p_usage_err("'all' cannot be combined with names");
	if (!a->all && !a->n) {
		if (!allow_empty)
			return p_usage_err("'cc %s' needs NAME... or all (see 'bpftcp cc help')", verb);
		a->all = true;
	}
	if (a->all) {
		for (int i = 0; i < cc_algos_cnt && i < CC_MAX_ARGS; i++)
			a->algos[i] = &cc_algos[i];
		a->n = cc_algos_cnt < CC_MAX_ARGS ? cc_algos_cnt : CC_MAX_ARGS;
	}
	if (a->set_default && (a->all || a->n != 1))
		return p_usage_err("--default needs exactly one name");
	return 0;
}

int cc_pin_dir(const struct cc_algo *a, char *buf, size_t len)
{
	char root[PATH_MAX];
	int err;

	err = pin_root_lookup(root, sizeof(root));
	if (err)
		return err;
	snprintf(buf, len, "%s/cc/%s", root, a->kname);
	return 0;
}

bool cc_is_registered(const struct cc_algo *a)
{
	char dir[PATH_MAX], path[PATH_MAX + 8];

	if (cc_pin_dir(a, dir, sizeof(dir)))
		return false;
	snprintf(path, sizeof(path), "%s/link", dir);
	return access(path, F_OK) == 0;
}

static bool kernel_lists(const char *kname)
{
	char avail[4096];

	if (sysctl_read(SYSCTL_CC_AVAILABLE, avail, sizeof(avail)))
		return false;
	return word_in_list(avail, kname);
}

/* Removes what a (possibly partial) registration pinned. */
static void unpin_all(const char *dir)
{
	/* "bss": algorithm counters were pinned there before they moved into
	 * the stats map; removed so that an old registration leaves nothing. */
	static const char *const files[] = { "link", "stats", "bss" };
	char path[PATH_MAX + 8];

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		unlink(path);
	}
	rmdir(dir);
}

/* Opens and loads the embedded object of @a. */
static struct bpf_object *cc_load_object(const struct cc_algo *a, struct bpf_map **ops)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo, .object_name = a->kname);
	struct bpf_object *obj;
	struct bpf_map *m;
	const void *bytes;
	size_t sz;
	int err;

	bytes = a->elf_bytes(&sz);
	obj = bpf_object__open_mem(bytes, sz, &oo);
	if (!obj) {
		err = -errno;
		p_err("cannot open the BPF object of %s: %s%s", a->kname, strerror(-err),
		      load_hint());
		errno = -err;
		return NULL;
	}
	*ops = NULL;
	bpf_object__for_each_map(m, obj)
		if (bpf_map__type(m) == BPF_MAP_TYPE_STRUCT_OPS)
			*ops = m;
	if (!*ops) {
		bpf_object__close(obj);
		p_err("%s: BPF object has no struct_ops map (build problem)", a->kname);
		errno = EINVAL;
		return NULL;
	}
	/* Shares the per-socket record map the algorithm exports into. */
	err = sock_state_load_object(obj, true);
	if (err) {
		p_err("cannot load %s: %s%s", a->kname, strerror(-err), load_hint());
		bpf_object__close(obj);
		errno = -err;
		return NULL;
	}
	return obj;
}

/* Pins the counter map of @obj into @dir (replacing an old pin). */
static int pin_counters(struct bpf_object *obj, const char *dir)
{
	char path[PATH_MAX + 8];
	struct bpf_map *m;
	int err;

	m = bpf_object__find_map_by_name(obj, BPFTCP_CC_STATS_MAP);
	if (m) {
		snprintf(path, sizeof(path), "%s/stats", dir);
		unlink(path);
		err = bpf_map__pin(m, path);
		if (err)
			return err;
	}
	return 0;
}

/*
 * Adds @kname to tcp_allowed_congestion_control.  The kernel lets only
 * "allowed" algorithms be chosen by unprivileged setsockopt() or be the
 * default of a network namespace other than the host's; the list is derived
 * from the registered algorithms, so unregistering drops the name by itself.
 * The sysctl is writable only from the host's network namespace.
 */
static void cc_allow(const char *kname)
{
	char list[4096], next[4096 + 32];
	int err;

	if (sysctl_read(SYSCTL_CC_ALLOWED, list, sizeof(list)) || word_in_list(list, kname))
		return;
	snprintf(next, sizeof(next), "%s%s%s", list, *list ? " " : "", kname);
	err = sysctl_write(SYSCTL_CC_ALLOWED, next);
	if (err)
		p_info("%s is registered but not in net.ipv4.tcp_allowed_congestion_control: %s "
		       "(it is writable only from the host network namespace); only privileged "
		       "sockets can select it", kname, strerror(-err));
}

int cc_register(const struct cc_algo *a, bool restricted)
{
	char root[PATH_MAX], dir[PATH_MAX + 64], path[PATH_MAX + 128];
	struct bpf_link *link = NULL;
	struct bpf_object *obj;
	struct bpf_map *ops;
	int err;

	err = pin_root(root, sizeof(root));
	if (err)
		return err;
	snprintf(dir, sizeof(dir), "%s/cc/%s", root, a->kname);
	snprintf(path, sizeof(path), "%s/link", dir);
	if (access(path, F_OK) == 0 || kernel_lists(a->kname)) {
		p_err("cannot register %s: %s (already registered? see 'bpftcp cc list')",
		      a->kname, strerror(EEXIST));
		return -EEXIST;
	}

	obj = cc_load_object(a, &ops);
	if (!obj)
		return -errno;

	link = bpf_map__attach_struct_ops(ops);
	if (!link) {
		err = -errno;
		p_err("cannot register %s: %s%s", a->kname, strerror(-err),
		      err == -EEXIST ? " (already registered? see 'bpftcp cc list')" : load_hint());
		goto out;
	}
	err = mkdir_p(dir, 0700);
	if (!err)
		err = bpf_link__pin(link, path);
	if (!err)
		err = pin_counters(obj, dir);
	if (err) {
		p_err("cannot pin %s under %s: %s", a->kname, dir, strerror(-err));
		/* Nothing half-registered: drop the pins, then the link. */
		unpin_all(dir);
		bpf_link__destroy(link);
		link = NULL;
		goto out;
	}
	/* The pin keeps the registration alive once our fd is gone.  Not
	 * bpf_link__disconnect(): that would leave the fd open, and an
	 * in-process caller (the selftests) could then never unregister. */
	bpf_link__destroy(link);
	if (!restricted)
		cc_allow(a->kname);
out:
	bpf_object__close(obj);
	return err;
}

/* Waits for the kernel to drop @kname from its list (link release is deferred). */
static bool wait_gone(const char *kname)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };

	for (int i = 0; i < 300; i++) {
		if (!kernel_lists(kname))
			return true;
		nanosleep(&ts, NULL);
	}
	return false;
}

/* Offset of member @name in the BTF struct @type_id, in bytes, or -1. */
static long btf_member_offset(const struct btf *btf, __u32 type_id, const char *name)
{
	const struct btf_type *t = btf__type_by_id(btf, type_id);
	const struct btf_member *m;

	if (!t || !btf_is_struct(t))
		return -1;
	m = btf_members(t);
	for (int i = 0; i < btf_vlen(t); i++, m++)
		if (!strcmp(btf__name_by_offset(btf, m->name_off), name))
			return btf_member_bit_offset(t, i) / 8;
	return -1;
}

/* Appends @id to the growing array *@ids of *@n. */
static int id_push(__u32 **ids, int *n, __u32 id)
{
	__u32 *p = realloc(*ids, (*n + 1) * sizeof(**ids));

	if (!p)
		return -ENOMEM;
	p[(*n)++] = id;
	*ids = p;
	return 0;
}

int cc_retained_maps(struct cc_retained *out, int max)
{
	long data_off = -1, name_off = -1;
	__u32 id = 0, *linked = NULL;
	int nlinked = 0, found = 0, err = 0, value_type;
	struct btf *vmlinux;

	vmlinux = btf__load_vmlinux_btf();
	if (!vmlinux)
		return -errno;
	/* The map value is struct bpf_struct_ops_tcp_congestion_ops, whose
	 * member "data" is the tcp_congestion_ops with its "name". */
	value_type = btf__find_by_name_kind(vmlinux, "bpf_struct_ops_tcp_congestion_ops", BTF_KIND_STRUCT);
	if (value_type > 0) {
		int ops = btf__find_by_name_kind(vmlinux, "tcp_congestion_ops", BTF_KIND_STRUCT);

		data_off = btf_member_offset(vmlinux, value_type, "data");
		if (ops > 0)
			name_off = btf_member_offset(vmlinux, ops, "name");
	}
	if (value_type <= 0) {
		err = -ENOENT;
		goto out;
	}
	/* Every struct_ops link's map. */
	while (!bpf_link_get_next_id(id, &id)) {
		struct bpf_link_info info = {};
		__u32 len = sizeof(info);
		int fd = bpf_link_get_fd_by_id(id);

		if (fd < 0) {
			if (errno == ENOENT)
				continue;	/* gone meanwhile */
			err = -errno;
			goto out;
		}
		if (!bpf_link_get_info_by_fd(fd, &info, &len) && info.type == BPF_LINK_TYPE_STRUCT_OPS)
			err = id_push(&linked, &nlinked, info.struct_ops.map_id);
		close(fd);
		if (err)
			goto out;
	}
	if (errno != ENOENT) {
		err = -errno;
		goto out;
	}
	/* Every tcp_congestion_ops struct_ops map that none of them holds. */
	id = 0;
	while (!bpf_map_get_next_id(id, &id)) {
		struct bpf_map_info info = {};
		__u32 len = sizeof(info);
		bool held = false;
		int fd = bpf_map_get_fd_by_id(id);

		if (fd < 0) {
			if (errno == ENOENT)
				continue;
			err = -errno;
			goto out;
		}
		/* Only link-based ones: a map registered the old way (no
		 * BPF_F_LINK) is held by the registration itself. */
		if (bpf_map_get_info_by_fd(fd, &info, &len) || info.type != BPF_MAP_TYPE_STRUCT_OPS ||
		    !(info.map_flags & BPF_F_LINK) || info.btf_vmlinux_value_type_id != (__u32)value_type) {
			close(fd);
			continue;
		}
		for (int i = 0; i < nlinked && !held; i++)
			held = linked[i] == id;
		if (!held && found < max) {
			struct cc_retained *r = &out[found];
			char *value = calloc(1, info.value_size);
			__u32 zero = 0;

			r->map_id = id;
			snprintf(r->name, sizeof(r->name), "%s", info.name);
			/* The kernel's name for it, when the value can be read. */
			if (value && data_off >= 0 && name_off >= 0 &&
			    (size_t)(data_off + name_off + sizeof(r->name)) <= info.value_size &&
			    !bpf_map_lookup_elem(fd, &zero, value) && value[data_off + name_off])
				snprintf(r->name, sizeof(r->name), "%.*s", (int)sizeof(r->name) - 1,
					 value + data_off + name_off);
			free(value);
		}
		if (!held)
			found++;
		close(fd);
	}
	if (errno != ENOENT)
		err = -errno;
out:
	free(linked);
	btf__free(vmlinux);
	return err ? err : found;
}

int cc_unregister(const struct cc_algo *a)
{
	char dir[PATH_MAX], cur[256];

	if (!cc_is_registered(a) || cc_pin_dir(a, dir, sizeof(dir))) {
		p_err("cannot unregister %s: not registered by bpftcp (see 'bpftcp cc list')", a->kname);
		return -ENOENT;
	}
	/* A default that vanished from the list would still be used for new
	 * sockets in this netns (it holds a reference), so move it first. */
	if (!sysctl_read(SYSCTL_CC_DEFAULT, cur, sizeof(cur)) && !strcmp(cur, a->kname)) {
		for (size_t i = 0; i < sizeof(fallback_defaults) / sizeof(fallback_defaults[0]); i++) {
			if (!sysctl_write(SYSCTL_CC_DEFAULT, fallback_defaults[i])) {
				p_info("%s was the default; the default is now %s",
				       a->kname, fallback_defaults[i]);
				break;
			}
		}
	}
	/* Existing connections keep their reference to the struct_ops map and
	 * finish normally; new ones can no longer select the algorithm. */
	unpin_all(dir);
	pin_root_gc();
	if (!wait_gone(a->kname)) {
		p_err("%s unpinned but still listed by the kernel (is another process "
		      "holding its link? see 'bpftool link list')", a->kname);
		return -EBUSY;
	}
	return 0;
}

/*
 * Hot swap: point the pinned link at a freshly loaded struct_ops map.
 *
 * libbpf's bpf_link__update_map() only works on links it created itself
 * (it treats the link as its private struct_ops link type), not on one
 * reopened from a pin.  So this uses public calls only: the kernel needs the
 * new map's value filled in (state READY) before BPF_LINK_UPDATE accepts it,
 * and libbpf fills it in bpf_map__attach_struct_ops() before creating the
 * link.  That link creation fails with EEXIST while the algorithm is
 * registered, which is expected here; BPF_LINK_UPDATE then validates the map
 * state itself, so a map that was not filled in is refused, not half-used.
 */
int cc_replace(const struct cc_algo *a)
{
	char dir[PATH_MAX], path[PATH_MAX + 8];
	struct bpf_link *extra;
	struct bpf_object *obj;
	struct bpf_map *ops;
	int link_fd, err;

	if (!cc_is_registered(a) || cc_pin_dir(a, dir, sizeof(dir))) {
		p_err("cannot replace %s: not registered (register it first: 'bpftcp cc register %s')",
		      a->kname, a->name);
		return -ENOENT;
	}
	snprintf(path, sizeof(path), "%s/link", dir);
	link_fd = bpf_obj_get(path);
	if (link_fd < 0) {
		err = -errno;
		p_err("cannot open %s: %s", path, strerror(-err));
		return err;
	}
	obj = cc_load_object(a, &ops);
	if (!obj) {
		err = -errno;
		close(link_fd);
		return err;
	}
	extra = bpf_map__attach_struct_ops(ops);
	if (extra) {
		/* The kernel accepted a second registration of the name, so
		 * the pinned one is no longer what the kernel lists: undo. */
		bpf_link__destroy(extra);
		p_err("cannot replace %s: the pinned registration is stale (unregister and "
		      "register again)", a->kname);
		err = -ESTALE;
		goto out;
	}
	/* Existing sockets keep the old programs; new ones get the new. */
	if (bpf_link_update(link_fd, bpf_map__fd(ops), NULL)) {
		err = -errno;
		p_err("cannot replace %s: %s%s", a->kname, strerror(-err), load_hint());
		goto out;
	}
	err = pin_counters(obj, dir);
	if (err)
		p_err("replaced %s but cannot re-pin its counters: %s", a->kname, strerror(-err));
out:
	close(link_fd);
	bpf_object__close(obj);
	return err;
}

/*
 * Reads every CPU's value of the pinned counter map of @a, whose values are
 * struct bpftcp_cc_stats or an algorithm's larger struct that starts with it
 * (cc_stats.h); @info gets the map's info (value size, BTF).
 */
static char *cc_read_counters(const struct cc_algo *a, struct bpf_map_info *info,
			      int *ncpu, size_t *stride)
{
	char dir[PATH_MAX], path[PATH_MAX + 8];
	__u32 len = sizeof(*info);
	int fd, err;

	if (cc_pin_dir(a, dir, sizeof(dir))) {
		errno = ENOENT;
		return NULL;
	}
	snprintf(path, sizeof(path), "%s/stats", dir);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return NULL;
	memset(info, 0, sizeof(*info));
	err = bpf_map_get_info_by_fd(fd, info, &len) ? errno : 0;
	close(fd);
	if (!err && info->value_size < sizeof(struct bpftcp_cc_stats))
		err = EINVAL;
	if (err) {
		errno = err;
		return NULL;
	}
	return percpu_read_pinned(path, info->value_size, ncpu, stride);
}

int cc_read_stats(const struct cc_algo *a, struct bpftcp_cc_stats *out)
{
	struct bpf_map_info info;
	size_t stride;
	char *vals;
	int ncpu;

	memset(out, 0, sizeof(*out));
	vals = cc_read_counters(a, &info, &ncpu, &stride);
	if (!vals)
		return -errno;
	for (int c = 0; c < ncpu; c++) {
		const struct bpftcp_cc_stats *s = (void *)(vals + c * stride);

		for (int op = 0; op < BPFTCP_OP__MAX; op++)
			out->calls[op] += s->calls[op];
		out->errors += s->errors;
		if (s->last_err_line)
			out->last_err_line = s->last_err_line;
	}
	free(vals);
	return 0;
}

/*
 * Calls @cb with each counter of the algorithm's own (the __u64 members of
 * its counter struct after the common ones), by the name BTF gives it,
 * summed over the CPUs.
 */
void cc_for_each_counter(const struct cc_algo *a,
			 void (*cb)(const char *name, unsigned long long v, void *ctx),
			 void *ctx)
{
	const struct btf_member *m;
	const struct btf_type *t;
	struct bpf_map_info info;
	struct btf *btf = NULL;
	size_t stride;
	char *vals;
	int ncpu;

	vals = cc_read_counters(a, &info, &ncpu, &stride);
	if (!vals || !info.btf_id)
		goto out;
	btf = btf__load_from_kernel_by_id(info.btf_id);
	t = btf ? btf__type_by_id(btf, info.btf_value_type_id) : NULL;
	if (!t || !btf_is_struct(t))
		goto out;
	m = btf_members(t);
	for (int i = 0; i < btf_vlen(t); i++, m++) {
		size_t off = btf_member_bit_offset(t, i) / 8;
		unsigned long long v = 0;

		if (off < sizeof(struct bpftcp_cc_stats) || btf__resolve_size(btf, m->type) != 8 ||
		    off + 8 > info.value_size)
			continue;
		for (int c = 0; c < ncpu; c++)
			v += *(const __u64 *)(vals + c * stride + off);
		cb(btf__name_by_offset(btf, m->name_off), v, ctx);
	}
out:
	btf__free(btf);
	free(vals);
}

/* ---------------------------------------------------------------- list */

/*
 * The .flags of @a's tcp_congestion_ops as its BPF object sets them (e.g.
 * TCP_CONG_NEEDS_ECN: the peer must negotiate ECN, or the algorithm falls
 * back), read from the unloaded object; 0 if it cannot be read.
 */
static __u32 cc_ops_flags(const struct cc_algo *a)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo, .object_name = a->kname);
	const struct btf_member *mem;
	const struct btf_type *t;
	struct bpf_object *obj;
	const void *bytes, *val = NULL;
	struct bpf_map *m;
	__u32 flags = 0;
	size_t sz, vsz = 0;
	int id;

	bytes = a->elf_bytes(&sz);
	obj = bpf_object__open_mem(bytes, sz, &oo);
	if (!obj)
		return 0;
	bpf_object__for_each_map(m, obj)
		if (bpf_map__type(m) == BPF_MAP_TYPE_STRUCT_OPS)
			val = bpf_map__initial_value(m, &vsz);
	id = btf__find_by_name_kind(bpf_object__btf(obj), "tcp_congestion_ops", BTF_KIND_STRUCT);
	t = id > 0 ? btf__type_by_id(bpf_object__btf(obj), id) : NULL;
	for (int i = 0; val && t && i < btf_vlen(t); i++) {
		mem = btf_members(t) + i;
		if (strcmp(btf__name_by_offset(bpf_object__btf(obj), mem->name_off), "flags"))
			continue;
		if (!btf_member_bitfield_size(t, i) && btf_member_bit_offset(t, i) / 8 + 4 <= vsz)
			memcpy(&flags, (const char *)val + btf_member_bit_offset(t, i) / 8, 4);
	}
	bpf_object__close(obj);
	return flags;
}

/* JSON "needs_ecn" of a shipped algorithm: both ends must negotiate ECN. */
static void json_needs_ecn(struct json *j, const struct cc_algo *a)
{
	json_kv_bool(j, "needs_ecn", cc_ops_flags(a) & BPFTCP_TCP_CONG_NEEDS_ECN);
}


static int do_list(int argc, char **argv)
{
	char avail[4096] = "", def[256] = "", *save, *w;
	struct json *j = &g_json;
	bool shown[256] = {};

	if (argc > 0)
		return p_usage_err("'cc list' takes no arguments (got '%s')", argv[0]);
	if (sysctl_read(SYSCTL_CC_AVAILABLE, avail, sizeof(avail)))
		return p_err("cannot read %s: %s", SYSCTL_CC_AVAILABLE, strerror(errno));
	sysctl_read(SYSCTL_CC_DEFAULT, def, sizeof(def));

	if (g_opts.json) {
		json_obj_open(j);
		json_kv_str(j, "default", def);
		json_key(j, "algorithms");
		json_arr_open(j);
	} else {
		printf("%-16s %-8s %-14s %s\n", "NAME", "SOURCE", "STATE", "DEFAULT");
	}
	/* What the kernel offers now, in its order... */
	for (w = strtok_r(avail, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		const struct cc_algo *a = NULL;
		const char *source = "kernel";
		bool reg = false;

		for (int i = 0; i < cc_algos_cnt; i++)
			if (!strcmp(w, cc_algos[i].kname))
				a = &cc_algos[i];
		if (a) {
			reg = cc_is_registered(a);
			shown[a - cc_algos] = true;
			source = reg ? "bpftcp" : "bpf";
		} else if (!strncmp(w, "bpf_", 4)) {
			source = "bpf";
		}
		if (g_opts.json) {
			json_obj_open(j);
			json_kv_str(j, "name", w);
			json_kv_str(j, "source", source);
			json_kv_bool(j, "shipped", a != NULL);
			json_kv_bool(j, "registered", true);
			json_kv_bool(j, "pinned", reg);
			json_kv_bool(j, "default", !strcmp(w, def));
			if (a)
				json_needs_ecn(j, a);
			json_obj_close(j);
		} else {
			printf("%-16s %-8s %-14s %s\n", w, source, "registered",
			       !strcmp(w, def) ? "*" : "");
		}
	}
	/* ...then what bpftcp ships that is not registered. */
	for (int i = 0; i < cc_algos_cnt; i++) {
		if (shown[i])
			continue;
		if (g_opts.json) {
			json_obj_open(j);
			json_kv_str(j, "name", cc_algos[i].kname);
			json_kv_str(j, "source", "bpftcp");
			json_kv_bool(j, "shipped", true);
			json_kv_bool(j, "registered", false);
			json_kv_bool(j, "pinned", cc_is_registered(&cc_algos[i]));
			json_kv_bool(j, "default", false);
			json_needs_ecn(j, &cc_algos[i]);
			json_obj_close(j);
		} else {
			printf("%-16s %-8s %-14s\n", cc_algos[i].kname, "bpftcp", "available");
		}
	}
	if (g_opts.json) {
		json_arr_close(j);
		json_obj_close(j);
		json_finish(j);
	}
	return EXIT_OK;
}

/* ------------------------------------------------- register / unregister */

static int do_register(int argc, char **argv)
{
	const struct cc_algo *done[CC_MAX_ARGS];
	int ndone = 0, err = 0;
	struct cc_args args;

	if (cc_parse_args("register", argc, argv, &args, true, false))
		return EXIT_USAGE;
	if (!require_privileges() || !require_kernel_btf())
		return EXIT_FAIL;

	for (int i = 0; i < args.n; i++) {
		const struct cc_algo *a = args.algos[i];

		/* "all" registers what is missing; named ones must be new. */
		if (args.all && cc_is_registered(a))
			continue;
		err = cc_register(a, args.restricted);
		if (err)
			break;
		done[ndone++] = a;
	}
	if (err) {
		/* All or nothing: roll back what this command registered. */
		for (int i = 0; i < ndone; i++)
			cc_unregister(done[i]);
		if (ndone)
			p_info("rolled back %d registration(s) made by this command", ndone);
		return EXIT_FAIL;
	}
	if (args.set_default) {
		int e = sysctl_write(SYSCTL_CC_DEFAULT, args.algos[0]->kname);

		if (e) {
			p_err("registered %s but cannot set it as default: %s%s",
			      args.algos[0]->kname, strerror(-e),
			      e == -EPERM ? " (outside the host network namespace only algorithms in "
					    "net.ipv4.tcp_allowed_congestion_control may be the default; "
					    "register it from the host namespace without --restricted)" : "");
			return EXIT_FAIL;
		}
	}
	if (g_opts.json) {
		json_obj_open(&g_json);
		json_key(&g_json, "registered");
		json_arr_open(&g_json);
		for (int i = 0; i < ndone; i++)
			json_str(&g_json, done[i]->kname);
		json_arr_close(&g_json);
		if (args.set_default)
			json_kv_str(&g_json, "default", args.algos[0]->kname);
		json_obj_close(&g_json);
		json_finish(&g_json);
	} else {
		for (int i = 0; i < ndone; i++)
			printf("registered %s\n", done[i]->kname);
		if (args.set_default)
			printf("default is now %s\n", args.algos[0]->kname);
	}
	return EXIT_OK;
}

static int do_unregister(int argc, char **argv)
{
	struct cc_args args;
	int ret = EXIT_OK;

	if (cc_parse_args("unregister", argc, argv, &args, false, false))
		return EXIT_USAGE;
	if (!require_privileges())
		return EXIT_FAIL;
	if (g_opts.json) {
		json_obj_open(&g_json);
		json_key(&g_json, "unregistered");
		json_arr_open(&g_json);
	}
	for (int i = 0; i < args.n; i++) {
		const struct cc_algo *a = args.algos[i];

		if (args.all && !cc_is_registered(a))
			continue;
		if (cc_unregister(a)) {
			ret = EXIT_FAIL;
			continue;
		}
		if (g_opts.json)
			json_str(&g_json, a->kname);
		else
			printf("unregistered %s\n", a->kname);
	}
	if (g_opts.json) {
		json_arr_close(&g_json);
		json_obj_close(&g_json);
		json_finish(&g_json);
	}
	return ret;
}

static int do_replace(int argc, char **argv)
{
	struct cc_args args;
	int ret = EXIT_OK;

	if (cc_parse_args("replace", argc, argv, &args, false, false))
		return EXIT_USAGE;
	if (!require_privileges() || !require_kernel_btf())
		return EXIT_FAIL;
	if (g_opts.json) {
		json_obj_open(&g_json);
		json_key(&g_json, "replaced");
		json_arr_open(&g_json);
	}
	for (int i = 0; i < args.n; i++) {
		if (args.all && !cc_is_registered(args.algos[i]))
			continue;
		if (cc_replace(args.algos[i]))
			ret = EXIT_FAIL;
		else if (g_opts.json)
			json_str(&g_json, args.algos[i]->kname);
		else
			printf("replaced %s\n", args.algos[i]->kname);
	}
	if (g_opts.json) {
		json_arr_close(&g_json);
		json_obj_close(&g_json);
		json_finish(&g_json);
	}
	return ret;
}

/* ---------------------------------------------------------------- stats */

static void print_counter(const char *name, unsigned long long v, void *ctx)
{
	if (g_opts.json)
		json_kv_u64(&g_json, name, v);
	else
		printf("  %-22s %llu\n", name, v);
}

static int do_stats(int argc, char **argv)
{
	struct cc_args args;
	int shown = 0;

	if (cc_parse_args("stats", argc, argv, &args, false, true))
		return EXIT_USAGE;
	if (!require_privileges())
		return EXIT_FAIL;
	if (g_opts.json)
		json_arr_open(&g_json);
	for (int i = 0; i < args.n; i++) {
		const struct cc_algo *a = args.algos[i];
		struct bpftcp_cc_stats st;
		int err;

		if (!cc_is_registered(a)) {
			if (!args.all)
				p_err("%s is not registered (see 'bpftcp cc list')", a->kname);
			continue;
		}
		err = cc_read_stats(a, &st);
		if (err) {
			p_err("cannot read counters of %s: %s", a->kname, strerror(-err));
			continue;
		}
		shown++;
		if (g_opts.json) {
			json_obj_open(&g_json);
			json_kv_str(&g_json, "name", a->kname);
			json_key(&g_json, "calls");
			json_obj_open(&g_json);
			for (int op = 0; op < BPFTCP_OP__MAX; op++)
				json_kv_u64(&g_json, bpftcp_cc_op_names[op], st.calls[op]);
			json_obj_close(&g_json);
			json_kv_u64(&g_json, "errors", st.errors);
			json_kv_u64(&g_json, "last_error_line", st.last_err_line);
			json_key(&g_json, "counters");
			json_obj_open(&g_json);
			cc_for_each_counter(a, print_counter, NULL);
			json_obj_close(&g_json);
			json_obj_close(&g_json);
		} else {
			printf("%s:\n", a->kname);
			for (int op = 0; op < BPFTCP_OP__MAX; op++)
				if (st.calls[op])
					printf("  %-22s %llu\n", bpftcp_cc_op_names[op],
					       (unsigned long long)st.calls[op]);
			printf("  %-22s %llu", "errors", (unsigned long long)st.errors);
			if (st.errors)
				printf(" (last at %s.bpf.c:%u)", a->name, st.last_err_line);
			putchar('\n');
			cc_for_each_counter(a, print_counter, NULL);
		}
	}
	if (g_opts.json) {
		json_arr_close(&g_json);
		json_finish(&g_json);
	}
	return (!args.all && shown < args.n) ? EXIT_FAIL : EXIT_OK;
}

void cc_usage(FILE *f)
{
	fprintf(f,
		"Usage: bpftcp [-j|-p] [-v] cc { list | show | register | unregister | replace | stats }\n"
		"       bpftcp cc { list | show }              every congestion control the kernel offers,\n"
		"                                              and those bpftcp ships; * marks the default\n"
		"       bpftcp cc register NAME...|all [-d|--default] [--restricted]\n"
		"                                              register as struct_ops links pinned under\n"
		"                                              <bpffs>/bpftcp/cc/ and add to\n"
		"                                              net.ipv4.tcp_allowed_congestion_control\n"
		"                                              (not with --restricted); --default also\n"
		"                                              sets net.ipv4.tcp_congestion_control\n"
		"       bpftcp cc unregister NAME...|all       unregister; open connections keep working\n"
		"       bpftcp cc replace NAME...|all          hot-swap the loaded program in place\n"
		"       bpftcp cc stats [NAME...]              callback and error counters\n"
		"NAME is e.g. cubic or bpf_cubic. ");
	print_valid_names(f);
}

static const struct cmd cc_cmds[] = {
	{ "list",	do_list },
	{ "show",	do_list },
	{ "register",	do_register },
	{ "unregister",	do_unregister },
	{ "replace",	do_replace },
	{ "stats",	do_stats },
	{ NULL, NULL }
};

int do_cc(int argc, char **argv)
{
	if (argc < 1)
		return do_list(0, argv);
	return cmd_dispatch(cc_cmds, "cc", argc, argv, cc_usage);
}
