// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * bpftcp opt: attach, detach and show TCP header option programs.
 *
 * An attachment is one loaded copy of hdropt/delack.bpf.c, with the admin's
 * settings baked into its read-only data, attached to one cgroup v2 as a
 * BPF link.  Everything that must outlive the command is pinned under
 * <bpffs>/bpftcp/opt/delack/<cgroup id>/:
 *   link     the cgroup link (unpinning it detaches the program)
 *   config   the settings (.rodata), kconfig (the HZ the program uses)
 *   counters the per-CPU counters, peers the --peers LPM trie.
 * The per-socket records go to bpftcp's shared sk_local_storage map
 * (<bpffs>/bpftcp/sock_state, see loader/sockets.c), read by 'bpftcp sockets'.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "common.h"
#include "opt.h"
#include "sockets.h"
#include "hdropt/delack.skel.h"


static const char *const pin_files[] = { "link", "config", "kconfig", "counters", "peers" };

/* ------------------------------------------------------------- parsing */

int opt_parse_ms(const char *s, __u32 max_ms, __u32 *us)
{
	unsigned long long whole = 0;
	unsigned int tenths = 0;
	const char *p = s;

	if (!s || !(*p >= '0' && *p <= '9'))
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		whole = whole * 10 + (*p - '0');
		if (whole > 1000000)
			return -ERANGE;
	}
	if (*p == '.') {
		p++;
		/* One decimal: the option's unit is 100 us. */
		if (!(*p >= '0' && *p <= '9'))
			return -EINVAL;
		tenths = *p++ - '0';
		if (*p >= '0' && *p <= '9')
			return -ERANGE;
	}
	if (!strcmp(p, "ms"))
		p += 2;
	if (*p)
		return -EINVAL;
	if ((whole == 0 && tenths == 0) || whole > max_ms || (whole == max_ms && tenths))
		return -ERANGE;
	*us = (__u32)(whole * 1000 + tenths * 100);
	return 0;
}

int opt_parse_cidr(const char *s, struct hdropt_peer_key *key)
{
	char addr[INET6_ADDRSTRLEN + 8];
	const char *slash = strchr(s, '/');
	unsigned long len = ULONG_MAX;
	unsigned char v4[4];
	int maxlen;
	size_t n;

	memset(key, 0, sizeof(*key));
	n = slash ? (size_t)(slash - s) : strlen(s);
	if (n == 0 || n >= sizeof(addr))
		return -EINVAL;
	memcpy(addr, s, n);
	addr[n] = '\0';
	if (slash) {
		const char *p = slash + 1;

		if (!*p || strlen(p) > 3)
			return -EINVAL;
		len = 0;
		for (; *p; p++) {
			if (*p < '0' || *p > '9')
				return -EINVAL;
			len = len * 10 + (*p - '0');
		}
	}
	if (inet_pton(AF_INET, addr, v4) == 1) {
		maxlen = 32;
		key->addr[10] = key->addr[11] = 0xff;
		memcpy(&key->addr[12], v4, 4);
	} else if (inet_pton(AF_INET6, addr, key->addr) == 1) {
		maxlen = 128;
	} else {
		return -EINVAL;
	}
	if (len == ULONG_MAX)
		len = maxlen;
	if (len > (unsigned long)maxlen)
		return -ERANGE;
	key->prefixlen = (maxlen == 32 ? 96 : 0) + len;
	/* Bits beyond the prefix are a typo more often than not. */
	for (unsigned int bit = key->prefixlen; bit < 128; bit++)
		if (key->addr[bit / 8] & (0x80 >> (bit % 8)))
			return -ENOTUNIQ;
	return 0;
}

static bool key_is_v4(const struct hdropt_peer_key *key)
{
	static const __u8 prefix[12] = { [10] = 0xff, [11] = 0xff };

	return key->prefixlen >= 96 && !memcmp(key->addr, prefix, sizeof(prefix));
}

void opt_format_cidr(const struct hdropt_peer_key *key, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if (key_is_v4(key)) {
		inet_ntop(AF_INET, &key->addr[12], a, sizeof(a));
		snprintf(buf, len, "%s/%u", a, key->prefixlen - 96);
	} else {
		inet_ntop(AF_INET6, key->addr, a, sizeof(a));
		snprintf(buf, len, "%s/%u", a, key->prefixlen);
	}
}

static int parse_ms_arg(const char *opt, const char *val, __u32 *us)
{
	int err = opt_parse_ms(val, OPT_MAX_MS, us);

	if (err == -EINVAL)
		return p_usage_err("%s '%s' is not a number of milliseconds (e.g. 20 or 2.5)", opt, val);
	if (err)
		return p_usage_err("%s '%s' is out of range (0.1 to %u ms: the kernel delays ACKs "
				   "and floors the RTO by at most %u ms)", opt, val, OPT_MAX_MS, OPT_MAX_MS);
	return 0;
}

static int parse_peers_arg(const char *list, struct opt_attach_args *a)
{
	char buf[4096], *save, *w;

	if (strlen(list) >= sizeof(buf))
		return p_usage_err("--peers list is too long");
	strcpy(buf, list);
	for (w = strtok_r(buf, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		struct hdropt_peer_key key;
		char canon[64];
		int err;

		while (*w == ' ')
			w++;
		err = opt_parse_cidr(w, &key);
		if (err == -ENOTUNIQ) {
			/* Show the network the admin probably meant. */
			for (unsigned int bit = key.prefixlen; bit < 128; bit++)
				key.addr[bit / 8] &= ~(0x80 >> (bit % 8));
			opt_format_cidr(&key, canon, sizeof(canon));
			return p_usage_err("bad CIDR '%s' in --peers: host bits set (did you mean %s?)",
					   w, canon);
		}
		if (err == -ERANGE)
			return p_usage_err("bad CIDR '%s' in --peers: prefix length out of range "
					   "(0-32 for IPv4, 0-128 for IPv6)", w);
		if (err)
			return p_usage_err("bad CIDR '%s' in --peers: not an address or prefix "
					   "(e.g. 198.18.0.0/15 or 2001:2::/48)", w);
		if (a->npeers >= HDROPT_PEERS_MAX)
			return p_usage_err("--peers has more than %d prefixes", HDROPT_PEERS_MAX);
		a->peers[a->npeers++] = key;
	}
	if (!a->npeers)
		return p_usage_err("--peers needs at least one CIDR (omit it to allow every peer)");
	return 0;
}

/* "--name VALUE" or "--name=VALUE" at argv[*i]; advances *i. */
static const char *option_value(int argc, char **argv, int *i, const char *name, bool *err)
{
	size_t n = strlen(name);
	const char *w = argv[*i];

	*err = false;
	if (strncmp(w, name, n))
		return NULL;
	if (w[n] == '=')
		return w + n + 1;
	if (w[n])
		return NULL;
	if (*i + 1 >= argc) {
		p_usage_err("%s needs a value (see 'bpftcp opt help')", name);
		*err = true;
		return NULL;
	}
	return argv[++*i];
}

int opt_parse_attach_args(int argc, char **argv, struct opt_attach_args *a)
{
	bool have_delack = false, have_floor = false, have_ceiling = false, have_peers = false;

	memset(a, 0, sizeof(*a));
	a->rto_floor_us = OPT_DEFAULT_RTO_FLOOR_US;
	a->rto_ceiling_us = OPT_DEFAULT_RTO_CEILING_US;
	for (int i = 0; i < argc; i++) {
		const char *v;
		bool err;

		if ((v = option_value(argc, argv, &i, "--cgroup", &err))) {
			a->cgroup = v;
		} else if (!err && (v = option_value(argc, argv, &i, "--max-delack", &err))) {
			if (parse_ms_arg("--max-delack", v, &a->max_delack_us))
				return EXIT_USAGE;
			have_delack = true;
		} else if (!err && (v = option_value(argc, argv, &i, "--rto-floor", &err))) {
			if (parse_ms_arg("--rto-floor", v, &a->rto_floor_us))
				return EXIT_USAGE;
			have_floor = true;
		} else if (!err && (v = option_value(argc, argv, &i, "--rto-ceiling", &err))) {
			if (parse_ms_arg("--rto-ceiling", v, &a->rto_ceiling_us))
				return EXIT_USAGE;
			have_ceiling = true;
		} else if (!err && (v = option_value(argc, argv, &i, "--peers", &err))) {
			if (have_peers)
				return p_usage_err("--peers given twice (use one comma-separated list)");
			if (parse_peers_arg(v, a))
				return EXIT_USAGE;
			have_peers = true;
		} else if (err) {
			return EXIT_USAGE;
		} else if (!strcmp(argv[i], "--record")) {
			a->record = true;
		} else if (!strcmp(argv[i], "--no-record")) {
			a->record = false;
		} else {
			return p_usage_err("unknown argument '%s' for 'opt attach delack' "
					   "(see 'bpftcp opt help')", argv[i]);
		}
	}
	if (!a->cgroup || !*a->cgroup)
		return p_usage_err("'opt attach delack' needs --cgroup PATH (a cgroup v2 directory)");
	if (!have_delack)
		return p_usage_err("'opt attach delack' needs --max-delack MS (the delayed-ACK "
				   "bound this side promises)");
	if (a->rto_floor_us > a->rto_ceiling_us)
		return p_usage_err("--rto-floor %.1f ms is above --rto-ceiling %.1f ms%s",
				   a->rto_floor_us / 1000.0, a->rto_ceiling_us / 1000.0,
				   have_floor && have_ceiling ? "" :
				   have_floor ? " (the default ceiling)" : " (the default floor)");
	return 0;
}

/* ------------------------------------------------------------- cgroups */


/* <bpffs>/bpftcp/opt/delack, created with @create. */
static int opt_dir(char *buf, size_t len, bool create)
{
	char root[PATH_MAX];
	int err;

	err = create ? pin_root(root, sizeof(root)) : pin_root_lookup(root, sizeof(root));
	if (err)
		return err;
	snprintf(buf, len, "%s/opt/delack", root);
	if (create) {
		err = mkdir_p(buf, 0700);
		if (err)
			p_err("cannot create %s: %s", buf, strerror(-err));
	}
	return err;
}

static void unpin_dir(const char *dir)
{
	char path[PATH_MAX + 16];

	for (size_t i = 0; i < sizeof(pin_files) / sizeof(pin_files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, pin_files[i]);
		unlink(path);
	}
	rmdir(dir);
}

/* ------------------------------------------------------------- attach */

static int pin_maps(struct hdropt_delack *skel, const char *dir)
{
	const struct { struct bpf_map *map; const char *name; } pins[] = {
		{ skel->maps.rodata, "config" },
		{ skel->maps.kconfig, "kconfig" },
		{ skel->maps.delack_counters, "counters" },
		{ skel->maps.delack_peers, "peers" },
	};
	char path[PATH_MAX + 16];
	int err;

	for (size_t i = 0; i < sizeof(pins) / sizeof(pins[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, pins[i].name);
		err = bpf_map__pin(pins[i].map, path);
		if (err)
			return err;
	}
	return 0;
}

static int opt_attach(const struct opt_attach_args *a, char *cgpath, size_t cglen, __u64 *cgid)
{
	char base[PATH_MAX], dir[PATH_MAX + 32], path[PATH_MAX + 48];
	struct hdropt_delack *skel = NULL;
	struct bpf_link *link = NULL;
	int cgfd = -1, err;
	__u8 one = 1;

	err = cgroup_resolve("attach delack to", a->cgroup, cgpath, cglen, cgid, false);
	if (err)
		return err;
	err = opt_dir(base, sizeof(base), true);
	if (err)
		return err;
	snprintf(dir, sizeof(dir), "%s/%llu", base, (unsigned long long)*cgid);
	snprintf(path, sizeof(path), "%s/link", dir);
	if (access(path, F_OK) == 0) {
		p_err("cannot attach delack to cgroup %s: %s (already attached; see 'bpftcp opt show', "
		      "or 'bpftcp opt detach delack --cgroup %s' first)", cgpath, strerror(EEXIST), a->cgroup);
		return -EEXIST;
	}
	/* A directory without a link is what a crash mid-attach leaves. */
	unpin_dir(dir);

	skel = hdropt_delack__open();
	if (!skel) {
		err = -errno;
		p_err("cannot open the delack BPF object: %s%s", strerror(-err), load_hint());
		return err;
	}
	skel->rodata->cfg_max_delack_us = a->max_delack_us;
	skel->rodata->cfg_rto_floor_us = a->rto_floor_us;
	skel->rodata->cfg_rto_ceiling_us = a->rto_ceiling_us;
	skel->rodata->cfg_peers_restricted = a->npeers > 0;
	skel->rodata->cfg_record = a->record;
	snprintf((char *)skel->rodata->cfg_cgroup_path, sizeof(skel->rodata->cfg_cgroup_path),
		 "%s", cgpath);
	/* The per-socket records go to the map shared by every bpftcp object. */
	err = sock_state_load_object(skel->obj, true);
	if (err) {
		p_err("cannot load delack: %s%s", strerror(-err), load_hint());
		goto out;
	}
	for (int i = 0; i < a->npeers; i++) {
		if (bpf_map_update_elem(bpf_map__fd(skel->maps.delack_peers), &a->peers[i], &one, BPF_ANY)) {
			err = -errno;
			p_err("cannot fill the delack peers map: %s", strerror(-err));
			goto out;
		}
	}
	cgfd = open(cgpath, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cgfd < 0) {
		err = -errno;
		p_err("cannot open cgroup %s: %s", cgpath, strerror(-err));
		goto out;
	}
	link = bpf_program__attach_cgroup(skel->progs.bpftcp_delack, cgfd);
	if (!link) {
		err = -errno;
		p_err("cannot attach delack to cgroup %s: %s%s", cgpath, strerror(-err),
		      err == -EPERM ? " (a non-multi program is attached there already? see "
				      "'bpftool cgroup show')" : load_hint());
		goto out;
	}
	err = mkdir_p(dir, 0700);
	if (!err)
		err = pin_maps(skel, dir);
	if (!err)
		err = bpf_link__pin(link, path);
	if (err) {
		p_err("cannot pin delack under %s: %s", dir, strerror(-err));
		unpin_dir(dir);
		bpf_link__destroy(link);	/* detaches: nothing half-attached */
		link = NULL;
		goto out;
	}
	/* The pin keeps the attachment once our fd is gone. */
	bpf_link__disconnect(link);
	bpf_link__destroy(link);
out:
	if (cgfd >= 0)
		close(cgfd);
	hdropt_delack__destroy(skel);
	return err;
}

/* ------------------------------------------------------------- show */

struct opt_attachment {
	__u64 cgroup_id;
	char pin_dir[PATH_MAX];
	struct hdropt_delack__rodata cfg;
	bool have_cfg;
	unsigned int hz;
	bool linked;		/* the link still holds its cgroup */
	struct hdropt_delack_counters counters;
	bool have_counters;
	struct hdropt_peer_key *peers;
	int npeers;
};

static int read_config(const char *dir, struct opt_attachment *o)
{
	char path[PATH_MAX + 16];
	struct bpf_map_info info = {};
	__u32 len = sizeof(info), zero = 0;
	unsigned char *val = NULL;
	int fd, err = 0;

	snprintf(path, sizeof(path), "%s/config", dir);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -errno;
	if (bpf_map_get_info_by_fd(fd, &info, &len)) {
		err = -errno;
		goto out;
	}
	/* A pin from another bpftcp version has another layout: say so. */
	if (info.value_size < sizeof(o->cfg)) {
		err = -EPROTO;
		goto out;
	}
	val = calloc(1, info.value_size);
	if (!val || bpf_map_lookup_elem(fd, &zero, val)) {
		err = val ? -errno : -ENOMEM;
		goto out;
	}
	memcpy(&o->cfg, val, sizeof(o->cfg));
	o->have_cfg = true;
out:
	free(val);
	close(fd);
	if (err)
		return err;
	snprintf(path, sizeof(path), "%s/kconfig", dir);
	fd = bpf_obj_get(path);
	if (fd >= 0) {
		if (bpf_map_lookup_elem(fd, &zero, &o->hz))
			o->hz = 0;
		close(fd);
	}
	return 0;
}

static int read_counters(const char *dir, struct hdropt_delack_counters *out)
{
	char path[PATH_MAX + 16];
	size_t stride;
	char *vals;
	int ncpu;

	memset(out, 0, sizeof(*out));
	snprintf(path, sizeof(path), "%s/counters", dir);
	vals = percpu_read_pinned(path, sizeof(*out), &ncpu, &stride);
	if (!vals)
		return -errno;
	for (int c = 0; c < ncpu; c++) {
		const struct hdropt_delack_counters *s = (void *)(vals + c * stride);

		out->sent += s->sent;
		out->received += s->received;
		out->malformed += s->malformed;
		out->clamped += s->clamped;
		out->applied += s->applied;
		out->errors += s->errors;
		if (s->last_err_line)
			out->last_err_line = s->last_err_line;
	}
	free(vals);
	return 0;
}

static void read_peers(const char *dir, struct opt_attachment *o)
{
	struct hdropt_peer_key key, next, *prev = NULL;
	char path[PATH_MAX + 16];
	int fd;

	snprintf(path, sizeof(path), "%s/peers", dir);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return;
	o->peers = calloc(HDROPT_PEERS_MAX, sizeof(*o->peers));
	while (o->peers && o->npeers < HDROPT_PEERS_MAX &&
	       bpf_map_get_next_key(fd, prev, &next) == 0) {
		o->peers[o->npeers++] = next;
		key = next;
		prev = &key;
	}
	close(fd);
}

static bool link_holds_cgroup(const char *dir)
{
	char path[PATH_MAX + 16];
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);
	bool ok = false;
	int fd;

	snprintf(path, sizeof(path), "%s/link", dir);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return false;
	/* The kernel drops a cgroup link's cgroup when the cgroup goes away. */
	if (bpf_link_get_info_by_fd(fd, &info, &len) == 0)
		ok = info.type == BPF_LINK_TYPE_CGROUP && info.cgroup.cgroup_id != 0;
	close(fd);
	return ok;
}

static int load_attachment(const char *base, const char *name, struct opt_attachment *o)
{
	char *end;

	memset(o, 0, sizeof(*o));
	o->cgroup_id = strtoull(name, &end, 10);
	if (*end || !o->cgroup_id)
		return -EINVAL;
	snprintf(o->pin_dir, sizeof(o->pin_dir), "%s/%s", base, name);
	if (read_config(o->pin_dir, o))
		return -EPROTO;
	o->have_counters = read_counters(o->pin_dir, &o->counters) == 0;
	o->linked = link_holds_cgroup(o->pin_dir);
	read_peers(o->pin_dir, o);
	return 0;
}

/* Calls @cb for each attachment pinned under the opt directory. */
static int for_each_attachment(int (*cb)(struct opt_attachment *o, void *ctx), void *ctx)
{
	char base[PATH_MAX];
	struct dirent *de;
	DIR *d;
	int ret = 0;

	if (opt_dir(base, sizeof(base), false))
		return 0;
	d = opendir(base);
	if (!d)
		return 0;
	while (!ret && (de = readdir(d))) {
		struct opt_attachment o;

		if (de->d_name[0] == '.')
			continue;
		if (load_attachment(base, de->d_name, &o)) {
			p_info("skipping %s/%s: not a bpftcp delack pin of this version", base, de->d_name);
			continue;
		}
		ret = cb(&o, ctx);
		free(o.peers);
	}
	closedir(d);
	return ret;
}

static double ms(__u32 us)
{
	return us / 1000.0;
}

static int show_one(struct opt_attachment *o, void *ctx)
{
	struct hdropt_delack_local local = {};
	const char *cg = (const char *)o->cfg.cfg_cgroup_path;
	struct json *j = &g_json;
	char cidr[64];
	int *count = ctx;

	(*count)++;
	if (o->hz)
		hdropt_delack_local(o->cfg.cfg_max_delack_us, o->hz, &local);
	if (g_opts.json) {
		json_obj_open(j);
		json_kv_str(j, "option", "delack");
		json_kv_str(j, "cgroup", cg);
		json_kv_u64(j, "cgroup_id", o->cgroup_id);
		json_kv_bool(j, "attached", o->linked);
		json_kv_str(j, "pin", o->pin_dir);
		json_key(j, "settings");
		json_obj_open(j);
		json_kv_u64(j, "max_delack_us", o->cfg.cfg_max_delack_us);
		json_kv_u64(j, "advertised_us", local.advertise_us);
		json_kv_u64(j, "rto_floor_us", o->cfg.cfg_rto_floor_us);
		json_kv_u64(j, "rto_ceiling_us", o->cfg.cfg_rto_ceiling_us);
		json_kv_u64(j, "hz", o->hz);
		json_kv_bool(j, "record", o->cfg.cfg_record);
		json_key(j, "peers");
		if (!o->cfg.cfg_peers_restricted) {
			json_null(j);
		} else {
			json_arr_open(j);
			for (int i = 0; i < o->npeers; i++) {
				opt_format_cidr(&o->peers[i], cidr, sizeof(cidr));
				json_str(j, cidr);
			}
			json_arr_close(j);
		}
		json_obj_close(j);
		json_key(j, "counters");
		json_obj_open(j);
		json_kv_u64(j, "sent", o->counters.sent);
		json_kv_u64(j, "received", o->counters.received);
		json_kv_u64(j, "malformed", o->counters.malformed);
		json_kv_u64(j, "clamped", o->counters.clamped);
		json_kv_u64(j, "applied", o->counters.applied);
		json_kv_u64(j, "errors", o->counters.errors);
		json_kv_u64(j, "last_error_line", o->counters.last_err_line);
		json_obj_close(j);
		json_obj_close(j);
		return 0;
	}
	printf("delack on %s (cgroup id %llu)%s\n", cg, (unsigned long long)o->cgroup_id,
	       o->linked ? "" : "  [cgroup removed: detach to clean up]");
	printf("  max delack   %.1f ms", ms(o->cfg.cfg_max_delack_us));
	if (o->hz)
		printf(" (advertised %.1f ms: whole ticks at HZ %u)", ms(local.advertise_us), o->hz);
	printf("\n  rto clamp    %.1f .. %.1f ms\n", ms(o->cfg.cfg_rto_floor_us),
	       ms(o->cfg.cfg_rto_ceiling_us));
	printf("  per-socket   %s\n", o->cfg.cfg_record ? "recorded (--record; bpftcp sockets)" :
	       "counters only (attach --record for a per-socket record)");
	printf("  peers        ");
	if (!o->cfg.cfg_peers_restricted) {
		printf("any (the cgroup is the scope)");
	} else {
		for (int i = 0; i < o->npeers; i++) {
			opt_format_cidr(&o->peers[i], cidr, sizeof(cidr));
			printf("%s%s", i ? ", " : "", cidr);
		}
	}
	printf("\n  counters     sent %llu  received %llu  malformed %llu  clamped %llu  applied %llu"
	       "  errors %llu",
	       (unsigned long long)o->counters.sent, (unsigned long long)o->counters.received,
	       (unsigned long long)o->counters.malformed, (unsigned long long)o->counters.clamped,
	       (unsigned long long)o->counters.applied, (unsigned long long)o->counters.errors);
	if (o->counters.errors)
		printf(" (last at delack.bpf.c:%u)", o->counters.last_err_line);
	putchar('\n');
	return 0;
}

static int do_show(int argc, char **argv)
{
	int count = 0;

	if (argc > 1 || (argc == 1 && strcmp(argv[0], "delack")))
		return p_usage_err("'opt show' takes no arguments or 'delack' (got '%s')", argv[0]);
	if (!require_privileges())
		return EXIT_FAIL;
	if (g_opts.json) {
		json_obj_open(&g_json);
		json_key(&g_json, "attachments");
		json_arr_open(&g_json);
	}
	for_each_attachment(show_one, &count);
	if (g_opts.json) {
		json_arr_close(&g_json);
		json_obj_close(&g_json);
		json_finish(&g_json);
	} else if (!count) {
		printf("no header option programs attached (see 'bpftcp opt help')\n");
	}
	return EXIT_OK;
}

/* ----------------------------------------------------- attach / detach */

/* argv[0] must name an option program: only "delack" so far. */
static int check_option_name(const char *verb, int argc, char **argv)
{
	if (argc < 1 || argv[0][0] == '-')
		return p_usage_err("'opt %s' needs an option name: delack (see 'bpftcp opt help')", verb);
	if (strcmp(argv[0], "delack"))
		return p_usage_err("unknown header option '%s' (valid: delack)", argv[0]);
	return 0;
}

static int do_attach(int argc, char **argv)
{
	struct opt_attach_args *a;
	char cgpath[PATH_MAX];
	__u64 cgid = 0;
	int ret = EXIT_OK;

	if (check_option_name("attach", argc, argv))
		return EXIT_USAGE;
	a = malloc(sizeof(*a));
	if (!a)
		return p_err("out of memory");
	if (opt_parse_attach_args(argc - 1, argv + 1, a)) {
		free(a);
		return EXIT_USAGE;
	}
	if (!require_privileges() || !require_kernel_btf()) {
		free(a);
		return EXIT_FAIL;
	}
	if (opt_attach(a, cgpath, sizeof(cgpath), &cgid)) {
		ret = EXIT_FAIL;
	} else if (g_opts.json) {
		json_obj_open(&g_json);
		json_key(&g_json, "attached");
		json_obj_open(&g_json);
		json_kv_str(&g_json, "option", "delack");
		json_kv_str(&g_json, "cgroup", cgpath);
		json_kv_u64(&g_json, "cgroup_id", cgid);
		json_kv_bool(&g_json, "record", a->record);
		json_obj_close(&g_json);
		json_obj_close(&g_json);
		json_finish(&g_json);
	} else {
		printf("attached delack to %s (max delack %.1f ms, rto clamp %.1f..%.1f ms, peers: %s%s)\n",
		       cgpath, ms(a->max_delack_us), ms(a->rto_floor_us), ms(a->rto_ceiling_us),
		       a->npeers ? "restricted" : "any", a->record ? ", per-socket record" : "");
	}
	free(a);
	return ret;
}

struct find_by_path {
	const char *path;
	__u64 id;
};

static int match_path(struct opt_attachment *o, void *ctx)
{
	struct find_by_path *f = ctx;

	if (!strcmp((const char *)o->cfg.cfg_cgroup_path, f->path)) {
		f->id = o->cgroup_id;
		return 1;
	}
	return 0;
}

static int do_detach(int argc, char **argv)
{
	char base[PATH_MAX], dir[PATH_MAX + 32], link[PATH_MAX + 48], cgpath[PATH_MAX];
	const char *cgroup = NULL;
	__u64 cgid = 0;

	if (check_option_name("detach", argc, argv))
		return EXIT_USAGE;
	for (int i = 1; i < argc; i++) {
		const char *v;
		bool err;

		if ((v = option_value(argc, argv, &i, "--cgroup", &err)))
			cgroup = v;
		else if (err)
			return EXIT_USAGE;
		else
			return p_usage_err("unknown argument '%s' for 'opt detach delack' "
					   "(see 'bpftcp opt help')", argv[i]);
	}
	if (!cgroup || !*cgroup)
		return p_usage_err("'opt detach delack' needs --cgroup PATH");
	if (!require_privileges())
		return EXIT_FAIL;
	if (cgroup_resolve("detach delack from", cgroup, cgpath, sizeof(cgpath), &cgid, true)) {
		/* The cgroup is gone (or never was): find the pin by the path
		 * it was attached with, so a dead attachment can be cleaned. */
		struct find_by_path f = { .path = cgroup };

		for_each_attachment(match_path, &f);
		if (!f.id) {
			/* Not a dead attachment either: say what is wrong with it. */
			cgroup_resolve("detach delack from", cgroup, cgpath, sizeof(cgpath), &cgid, false);
			return EXIT_FAIL;
		}
		cgid = f.id;
		snprintf(cgpath, sizeof(cgpath), "%s", cgroup);
	}
	if (opt_dir(base, sizeof(base), false)) {
		p_err("cannot detach delack from cgroup %s: not attached (see 'bpftcp opt show')", cgpath);
		return EXIT_FAIL;
	}
	snprintf(dir, sizeof(dir), "%s/%llu", base, (unsigned long long)cgid);
	snprintf(link, sizeof(link), "%s/link", dir);
	if (access(link, F_OK)) {
		p_err("cannot detach delack from cgroup %s: not attached (see 'bpftcp opt show')", cgpath);
		return EXIT_FAIL;
	}
	/* Dropping the last reference to the link detaches the program;
	 * connections keep the settings they negotiated. */
	unpin_dir(dir);
	if (access(dir, F_OK) == 0) {
		p_err("cannot remove %s: %s", dir, strerror(ENOTEMPTY));
		return EXIT_FAIL;
	}
	pin_root_gc();
	if (g_opts.json) {
		json_obj_open(&g_json);
		json_key(&g_json, "detached");
		json_obj_open(&g_json);
		json_kv_str(&g_json, "option", "delack");
		json_kv_str(&g_json, "cgroup", cgpath);
		json_obj_close(&g_json);
		json_obj_close(&g_json);
		json_finish(&g_json);
	} else {
		printf("detached delack from %s\n", cgpath);
	}
	return EXIT_OK;
}

void opt_usage(FILE *f)
{
	fprintf(f,
		"Usage: bpftcp [-j|-p] [-v] opt { attach | detach | show | list }\n"
		"       bpftcp opt attach delack --cgroup PATH --max-delack MS\n"
		"                                [--rto-floor MS] [--rto-ceiling MS] [--peers CIDR,...]\n"
		"                                [--record | --no-record]\n"
		"                 advertise, in the handshake of every TCP connection of the cgroup,\n"
		"                 that this side delays ACKs by at most MS; when the peer does too,\n"
		"                 set TCP_BPF_DELACK_MAX and lower the RTO minimum to the peer's\n"
		"                 promise plus a margin, clamped to [floor, ceiling]\n"
		"                 (defaults: floor %.0f ms, ceiling %.0f ms; MS may have one decimal)\n"
		"       bpftcp opt detach delack --cgroup PATH\n"
		"       bpftcp opt { show | list } [delack]   attachments, settings and counters\n"
		"PATH is a cgroup v2 directory, absolute or relative to the cgroup2 mount.\n"
		"--peers limits the option to these IPv4/IPv6 prefixes (default: every peer).\n"
		"--record also keeps, per socket, what was negotiated ('bpftcp sockets'), at the cost\n"
		"of an sk_local_storage allocation on each end of each connection ('make bench'\n"
		"measures it: delack_crr_record_ratio); without it, only the counters are kept.\n"
		"Attachments are BPF links pinned under <bpffs>/bpftcp/opt/delack/.\n",
		ms(OPT_DEFAULT_RTO_FLOOR_US), ms(OPT_DEFAULT_RTO_CEILING_US));
}

static const struct cmd opt_cmds[] = {
	{ "attach",	do_attach },
	{ "detach",	do_detach },
	{ "show",	do_show },
	{ "list",	do_show },
	{ NULL, NULL }
};

int do_opt(int argc, char **argv)
{
	if (argc < 1)
		return do_show(0, argv);
	return cmd_dispatch(opt_cmds, "opt", argc, argv, opt_usage);
}
