// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * libbpftcp: header options attached to cgroups (hdropt/delack.bpf.c).
 *
 * An attachment is one loaded copy of the option program, with the
 * caller's settings baked into its read-only data, attached to one cgroup
 * v2 as a BPF link.  Everything that must outlive the caller is pinned
 * under <pin root>/opt/delack/<cgroup id>/:
 *   link      the cgroup link (unpinning it detaches the program)
 *   config    the settings (.rodata), kconfig (the HZ the program uses)
 *   counters  the per-CPU counters, peers the peer-prefix LPM trie.
 * Per-socket records go to bpftcp's shared sk_local_storage map
 * (<pin root>/sock_state_v<N>, through libbpftcp__load_object()).
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "libbpftcp_internal.h"
#include "bpftcp/delack_opt.h"
#include "hdropt/delack.skel.h"

#define OPT_DELACK "delack"

/* "*_new": the maps of an update in place (libbpftcp__opt_delack_update())
 * that died before renaming them. */
static const char *const pin_files[] = { "link", "config", "kconfig", "counters", "peers",
					 "config_new", "kconfig_new", "counters_new",
					 "peers_new" };

/* ------------------------------------------------------------- prefixes */

int bpftcp_cidr_parse(const char *s, struct bpftcp_cidr *out)
{
	char addr[INET6_ADDRSTRLEN + 8];
	const char *slash;
	unsigned long len = ULONG_MAX;
	unsigned int maxlen;
	size_t n;

	if (!s || !out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	slash = strchr(s, '/');
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
	if (inet_pton(AF_INET, addr, out->addr) == 1) {
		out->family = AF_INET;
		maxlen = 32;
	} else if (inet_pton(AF_INET6, addr, out->addr) == 1) {
		out->family = AF_INET6;
		maxlen = 128;
	} else {
		return -EINVAL;
	}
	if (len == ULONG_MAX)
		len = maxlen;
	if (len > maxlen)
		return -ERANGE;
	out->prefix = len;
	/* Bits beyond the prefix are a typo more often than not. */
	for (unsigned int bit = len; bit < maxlen; bit++)
		if (out->addr[bit / 8] & (0x80 >> (bit % 8)))
			return -ENOTUNIQ;
	return 0;
}

int bpftcp_cidr_format(const struct bpftcp_cidr *c, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if (!c || (c->family != AF_INET && c->family != AF_INET6) ||
	    !inet_ntop(c->family, c->addr, a, sizeof(a)))
		return -EINVAL;
	if ((size_t)snprintf(buf, len, "%s/%u", a, c->prefix) >= len)
		return -ENAMETOOLONG;
	return 0;
}

int bpftcp_ms_parse(const char *s, __u32 max_ms, __u32 *us)
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

/* The program's LPM key: IPv4 as IPv4-mapped IPv6 (::ffff:a.b.c.d/96+len),
 * which is also what dual-stack sockets talking to IPv4 peers carry. */
static void cidr_to_key(const struct bpftcp_cidr *c, struct hdropt_peer_key *k)
{
	memset(k, 0, sizeof(*k));
	if (c->family == AF_INET) {
		k->addr[10] = k->addr[11] = 0xff;
		memcpy(&k->addr[12], c->addr, 4);
		k->prefixlen = 96 + c->prefix;
	} else {
		memcpy(k->addr, c->addr, 16);
		k->prefixlen = c->prefix;
	}
}

static void key_to_cidr(const struct hdropt_peer_key *k, struct bpftcp_cidr *c)
{
	static const __u8 mapped[12] = { [10] = 0xff, [11] = 0xff };

	memset(c, 0, sizeof(*c));
	if (k->prefixlen >= 96 && !memcmp(k->addr, mapped, sizeof(mapped))) {
		c->family = AF_INET;
		memcpy(c->addr, &k->addr[12], 4);
		c->prefix = k->prefixlen - 96;
	} else {
		c->family = AF_INET6;
		memcpy(c->addr, k->addr, 16);
		c->prefix = k->prefixlen;
	}
}

/* ------------------------------------------------------------- pins */

/* <pin root>/opt/delack, created with @create. */
static int opt_dir(char *buf, size_t len, bool create)
{
	return libbpftcp__pin_path(buf, len, "opt/" OPT_DELACK, create);
}

static void unpin_dir(const char *dir)
{
	libbpftcp__unpin_dir(dir, pin_files, sizeof(pin_files) / sizeof(pin_files[0]));
}

/* ------------------------------------------------------------- attach */

static int check_delack_opts(const struct bpftcp_delack_opts *o, __u32 floor, __u32 ceiling)
{
	if (!o->max_delack_us || o->max_delack_us > BPFTCP_DELACK_MAX_US ||
	    o->max_delack_us % HDROPT_DELACK_UNIT_US) {
		pr_warn("delack: max_delack_us %u is not a multiple of %u us in %u .. %u\n",
			o->max_delack_us, HDROPT_DELACK_UNIT_US, HDROPT_DELACK_UNIT_US,
			BPFTCP_DELACK_MAX_US);
		return -EINVAL;
	}
	if (floor > BPFTCP_DELACK_MAX_US || ceiling > BPFTCP_DELACK_MAX_US || floor > ceiling) {
		pr_warn("delack: the RTO clamp %u .. %u us is not within 0 .. %u us\n", floor,
			ceiling, BPFTCP_DELACK_MAX_US);
		return -EINVAL;
	}
	if (o->peers_cnt > BPFTCP_DELACK_PEERS_MAX || (o->peers_cnt && !o->peers)) {
		pr_warn("delack: %zu peer prefixes (at most %d)\n", o->peers_cnt,
			BPFTCP_DELACK_PEERS_MAX);
		return -EINVAL;
	}
	for (size_t i = 0; i < o->peers_cnt; i++) {
		struct bpftcp_cidr c = o->peers[i];
		unsigned int max = c.family == AF_INET ? 32 : 128;
		char s[64];

		if ((c.family != AF_INET && c.family != AF_INET6) || c.prefix > max) {
			pr_warn("delack: peer %zu is not an IPv4 or IPv6 prefix\n", i);
			return -EINVAL;
		}
		for (unsigned int bit = c.prefix; bit < max; bit++)
			c.addr[bit / 8] &= ~(0x80 >> (bit % 8));
		if (memcmp(&c, &o->peers[i], sizeof(c))) {
			bpftcp_cidr_format(&o->peers[i], s, sizeof(s));
			pr_warn("delack: peer %s has bits set beyond its prefix\n", s);
			return -EINVAL;
		}
	}
	return 0;
}

static const char *const map_pins[] = { "config", "kconfig", "counters", "peers" };
#define MAP_PINS (sizeof(map_pins) / sizeof(map_pins[0]))

/* Pins the maps of @skel in @dir, each named map_pins[i] followed by @suffix. */
static int pin_maps(struct hdropt_delack *skel, const char *dir, const char *suffix)
{
	struct bpf_map *maps[MAP_PINS] = {
		skel->maps.rodata, skel->maps.kconfig, skel->maps.delack_counters,
		skel->maps.delack_peers,
	};
	char path[PATH_MAX + 16];
	int err;

	for (size_t i = 0; i < MAP_PINS; i++) {
		snprintf(path, sizeof(path), "%s/%s%s", dir, map_pins[i], suffix);
		err = bpf_map__pin(maps[i], path);
		if (err)
			return err;
	}
	return 0;
}

static int fill_peers(struct hdropt_delack *skel, const struct bpftcp_delack_opts *o)
{
	int fd = bpf_map__fd(skel->maps.delack_peers);
	__u8 one = 1;

	for (size_t i = 0; i < o->peers_cnt; i++) {
		struct hdropt_peer_key key;

		cidr_to_key(&o->peers[i], &key);
		if (bpf_map_update_elem(fd, &key, &one, BPF_ANY))
			return -errno;
	}
	return 0;
}

/*
 * The settings of @opts (checked) into @o, and the cgroup's path and id:
 * what attach and update share.
 */
static int delack_settings(const char *cgroup, const struct bpftcp_delack_opts *opts,
			   struct bpftcp_delack_opts *o, char *cgpath, size_t len, __u64 *cgid)
{
	int err;

	if (!opts || !OPTS_VALID(opts, bpftcp_delack_opts))
		return -EINVAL;
	*o = (struct bpftcp_delack_opts){ .sz = sizeof(*o) };
	o->max_delack_us = OPTS_GET(opts, max_delack_us, 0);
	o->rto_floor_us = OPTS_GET(opts, rto_floor_us, 0) ?: BPFTCP_DELACK_DEFAULT_RTO_FLOOR_US;
	o->rto_ceiling_us = OPTS_GET(opts, rto_ceiling_us, 0) ?: BPFTCP_DELACK_DEFAULT_RTO_CEILING_US;
	o->peers = OPTS_GET(opts, peers, NULL);
	o->peers_cnt = OPTS_GET(opts, peers_cnt, 0);
	o->record = OPTS_GET(opts, record, false);
	err = check_delack_opts(o, o->rto_floor_us, o->rto_ceiling_us);
	return err ? err : bpftcp_cgroup_resolve(cgroup, cgpath, len, cgid);
}

/* Opens and loads a copy of the program with settings @o, its peers map
 * filled; NULL with *@errp set on failure. */
static struct hdropt_delack *delack_load(const struct bpftcp_delack_opts *o, const char *cgpath,
					 int *errp)
{
	struct hdropt_delack *skel = hdropt_delack__open();
	int err;

	if (!skel) {
		*errp = -errno;
		pr_warn("cannot open the delack BPF object: %s\n", strerror(errno));
		return NULL;
	}
	skel->rodata->cfg_max_delack_us = o->max_delack_us;
	skel->rodata->cfg_rto_floor_us = o->rto_floor_us;
	skel->rodata->cfg_rto_ceiling_us = o->rto_ceiling_us;
	skel->rodata->cfg_peers_restricted = o->peers_cnt > 0;
	skel->rodata->cfg_record = o->record;
	snprintf((char *)skel->rodata->cfg_cgroup_path, sizeof(skel->rodata->cfg_cgroup_path),
		 "%s", cgpath);
	/* The per-socket records go to the map shared by every bpftcp object. */
	err = libbpftcp__load_object(skel->obj, true);
	if (err) {
		pr_warn("cannot load delack: %s\n", strerror(-err));
	} else {
		err = fill_peers(skel, o);
		if (err)
			pr_warn("cannot fill the delack peers map: %s\n", strerror(-err));
	}
	if (!err)
		return skel;
	hdropt_delack__destroy(skel);
	*errp = err;
	return NULL;
}

/* <pin root>/opt/delack/<cgroup id> into @dir (made with @create). */
static int attachment_dir(__u64 cgid, char *dir, size_t len, bool create)
{
	char base[PATH_MAX];
	int err = opt_dir(base, sizeof(base), create);

	if (err)
		return err;
	return (size_t)snprintf(dir, len, "%s/%llu", base, (unsigned long long)cgid) >= len ?
	       -ENAMETOOLONG : 0;
}

int bpftcp_opt_delack_attach(const char *cgroup, const struct bpftcp_delack_opts *opts)
{
	char cgpath[PATH_MAX], dir[PATH_MAX + 32], path[PATH_MAX + 48];
	struct bpftcp_delack_opts o;
	struct hdropt_delack *skel = NULL;
	struct bpf_link *link = NULL;
	int cgfd = -1, err;
	__u64 cgid;

	err = delack_settings(cgroup, opts, &o, cgpath, sizeof(cgpath), &cgid);
	if (!err)
		err = attachment_dir(cgid, dir, sizeof(dir), true);
	if (err)
		return err;
	snprintf(path, sizeof(path), "%s/link", dir);
	if (access(path, F_OK) == 0)
		return -EEXIST;
	/* A directory without a link is what a crash mid-attach leaves. */
	unpin_dir(dir);

	skel = delack_load(&o, cgpath, &err);
	if (!skel)
		return err;
	cgfd = open(cgpath, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cgfd < 0) {
		err = -errno;
		pr_warn("cannot open cgroup %s: %s\n", cgpath, strerror(-err));
		goto out;
	}
	link = bpf_program__attach_cgroup(skel->progs.bpftcp_delack, cgfd);
	if (!link) {
		err = -errno;
		pr_warn("cannot attach delack to cgroup %s: %s%s\n", cgpath, strerror(-err),
			err == -EPERM ? " (a non-multi program is attached there already? see "
					"'bpftool cgroup show')" : "");
		goto out;
	}
	err = libbpftcp__mkdir_p(dir, 0700);
	if (!err)
		err = pin_maps(skel, dir, "");
	if (!err)
		err = bpf_link__pin(link, path);
	if (err) {
		pr_warn("cannot pin delack under %s: %s\n", dir, strerror(-err));
		/* Unpinned, the link goes with our fd below: nothing half-attached. */
		unpin_dir(dir);
	}
out:
	/* Closes our link fd; a pinned link stays attached.  (Disconnecting
	 * first would skip the close and leak the fd.) */
	bpf_link__destroy(link);
	if (cgfd >= 0)
		close(cgfd);
	hdropt_delack__destroy(skel);
	return err;
}

/*
 * New settings in place: the pinned cgroup link is pointed at a copy of the
 * program loaded with them (BPF_LINK_UPDATE), so the cgroup is never without
 * the option.  The new maps are pinned beside the old ones first ("*_new")
 * and take their names once the link runs the new program, so the pins
 * always describe what runs.
 */
int libbpftcp__opt_delack_update(const char *cgroup, const struct bpftcp_delack_opts *opts)
{
	char cgpath[PATH_MAX], dir[PATH_MAX + 32], path[PATH_MAX + 48], from[PATH_MAX + 48];
	struct bpftcp_delack_opts o;
	struct hdropt_delack *skel;
	int link_fd, err;
	__u64 cgid;

	err = delack_settings(cgroup, opts, &o, cgpath, sizeof(cgpath), &cgid);
	if (!err)
		err = attachment_dir(cgid, dir, sizeof(dir), false);
	if (err)
		return err;
	snprintf(path, sizeof(path), "%s/link", dir);
	link_fd = bpf_obj_get(path);
	if (link_fd < 0)
		return errno == ENOENT ? -ENOENT : -errno;
	skel = delack_load(&o, cgpath, &err);
	if (!skel)
		goto out;
	err = pin_maps(skel, dir, "_new");
	if (!err && bpf_link_update(link_fd, bpf_program__fd(skel->progs.bpftcp_delack), NULL))
		err = -errno;
	for (size_t i = 0; i < MAP_PINS; i++) {
		snprintf(from, sizeof(from), "%s/%s_new", dir, map_pins[i]);
		snprintf(path, sizeof(path), "%s/%s", dir, map_pins[i]);
		if (err)
			unlink(from);
		else if (rename(from, path))
			err = -errno;
	}
	if (err)
		pr_warn("cannot update delack on %s: %s\n", cgpath, strerror(-err));
	hdropt_delack__destroy(skel);
out:
	close(link_fd);
	return err;
}

/* ------------------------------------------------------------- reading */

/* One attachment as read from its pins; a's pointers point into it. */
struct delack_pins {
	struct bpftcp_opt_attachment a;
	char dir[PATH_MAX];
	struct hdropt_delack__rodata cfg;
	struct bpftcp_cidr *peers;
};

static int read_config(const char *dir, struct delack_pins *p)
{
	char path[PATH_MAX + 16];
	struct bpf_map_info info = {};
	__u32 zero = 0;
	unsigned char *val = NULL;
	int fd, err;

	snprintf(path, sizeof(path), "%s/config", dir);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -errno;
	err = libbpftcp__map_info(fd, &info);
	/* A pin from another bpftcp version has another layout. */
	if (!err && info.value_size < sizeof(p->cfg))
		err = -EPROTO;
	if (!err) {
		val = calloc(1, info.value_size);
		if (!val)
			err = -ENOMEM;
		else if (bpf_map_lookup_elem(fd, &zero, val))
			err = -errno;
		else
			memcpy(&p->cfg, val, sizeof(p->cfg));
	}
	free(val);
	close(fd);
	if (err)
		return err;
	snprintf(path, sizeof(path), "%s/kconfig", dir);
	fd = bpf_obj_get(path);
	if (fd >= 0) {
		if (bpf_map_lookup_elem(fd, &zero, &p->a.delack.hz))
			p->a.delack.hz = 0;
		close(fd);
	}
	return 0;
}

static void read_counters(const char *dir, struct bpftcp_delack_counters *out)
{
	struct hdropt_delack_counters c;
	char path[PATH_MAX + 16];

	snprintf(path, sizeof(path), "%s/counters", dir);
	libbpftcp__counters_read_pinned(path, &c, sizeof(c),
					offsetof(struct hdropt_delack_counters, last_err_line));
	*out = (struct bpftcp_delack_counters){
		.sent = c.sent, .received = c.received, .malformed = c.malformed,
		.clamped = c.clamped, .applied = c.applied, .errors = c.errors,
		.last_err_line = c.last_err_line,
	};
}

static int read_peers(const char *dir, struct delack_pins *p)
{
	struct hdropt_peer_key key, next, *prev = NULL;
	char path[PATH_MAX + 16];
	int fd;

	snprintf(path, sizeof(path), "%s/peers", dir);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return 0;
	p->peers = calloc(HDROPT_PEERS_MAX, sizeof(*p->peers));
	if (!p->peers) {
		close(fd);
		return -ENOMEM;
	}
	while (p->a.delack.peers_cnt < HDROPT_PEERS_MAX && bpf_map_get_next_key(fd, prev, &next) == 0) {
		key_to_cidr(&next, &p->peers[p->a.delack.peers_cnt++]);
		key = next;
		prev = &key;
	}
	close(fd);
	return 0;
}

/*
 * Does the link pinned at @dir/link still hold a cgroup?  The kernel drops
 * a cgroup link's cgroup when the cgroup goes away.  Shared with the
 * collection attachments (lib/sockets.c).
 */
bool libbpftcp__link_holds_cgroup(const char *dir)
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
	if (bpf_link_get_info_by_fd(fd, &info, &len) == 0)
		ok = info.type == BPF_LINK_TYPE_CGROUP && info.cgroup.cgroup_id != 0;
	close(fd);
	return ok;
}

static int load_attachment(const char *base, const char *name, struct delack_pins *p)
{
	struct hdropt_delack_local local = {};
	char *end;
	int err;

	memset(p, 0, sizeof(*p));
	p->a.sz = sizeof(p->a);
	p->a.option = OPT_DELACK;
	p->a.cgroup_id = strtoull(name, &end, 10);
	if (*end || !p->a.cgroup_id)
		return -EINVAL;
	snprintf(p->dir, sizeof(p->dir), "%s/%s", base, name);
	err = read_config(p->dir, p);
	if (err)
		return err;
	err = read_peers(p->dir, p);
	if (err)
		return err;
	p->cfg.cfg_cgroup_path[sizeof(p->cfg.cfg_cgroup_path) - 1] = '\0';
	p->a.cgroup = (const char *)p->cfg.cfg_cgroup_path;
	p->a.pin = p->dir;
	p->a.attached = libbpftcp__link_holds_cgroup(p->dir);
	p->a.delack.max_delack_us = p->cfg.cfg_max_delack_us;
	if (p->a.delack.hz) {
		hdropt_delack_local(p->cfg.cfg_max_delack_us, p->a.delack.hz, &local);
		p->a.delack.advertised_us = local.advertise_us;
	}
	p->a.delack.rto_floor_us = p->cfg.cfg_rto_floor_us;
	p->a.delack.rto_ceiling_us = p->cfg.cfg_rto_ceiling_us;
	p->a.delack.record = p->cfg.cfg_record;
	p->a.delack.peers_restricted = p->cfg.cfg_peers_restricted;
	p->a.delack.peers = p->peers;
	read_counters(p->dir, &p->a.counters);
	return 0;
}

int bpftcp_opt_foreach(const char *option, bpftcp_opt_attachment_fn fn, void *ctx)
{
	char base[PATH_MAX];
	struct delack_pins *p;
	struct dirent *de;
	int ret = 0, n = 0;
	DIR *d;

	if (option && strcmp(option, OPT_DELACK))
		return -EINVAL;
	if (opt_dir(base, sizeof(base), false))
		return 0;
	d = opendir(base);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	p = malloc(sizeof(*p));
	if (!p) {
		closedir(d);
		return -ENOMEM;
	}
	while (!ret && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (load_attachment(base, de->d_name, p)) {
			pr_info("skipping %s/%s: not a bpftcp delack pin of this version\n", base,
				de->d_name);
		} else {
			n++;
			ret = fn ? fn(&p->a, ctx) : 0;
		}
		free(p->peers);
		p->peers = NULL;
	}
	free(p);
	closedir(d);
	return ret ? ret : n;
}

/* ------------------------------------------------------------- detach */

struct find_by_path {
	const char *path;
	__u64 id;
};

static int match_path(const struct bpftcp_opt_attachment *a, void *ctx)
{
	struct find_by_path *f = ctx;

	if (strcmp(a->cgroup, f->path))
		return 0;
	f->id = a->cgroup_id;
	return 1;
}

int bpftcp_opt_detach(const char *option, const char *cgroup)
{
	char base[PATH_MAX], dir[PATH_MAX + 32], link[PATH_MAX + 48], cgpath[PATH_MAX];
	__u64 cgid = 0;
	int err;

	if (!option || strcmp(option, OPT_DELACK))
		return -EINVAL;
	err = bpftcp_cgroup_resolve(cgroup, cgpath, sizeof(cgpath), &cgid);
	if (err) {
		/* The cgroup is gone (or never was): find the pin by the path
		 * it was attached with, so a dead attachment can be removed. */
		struct find_by_path f = { .path = cgroup };

		if (!cgroup || bpftcp_opt_foreach(OPT_DELACK, match_path, &f) != 1)
			return err;
		cgid = f.id;
	}
	if (opt_dir(base, sizeof(base), false))
		return -ENOENT;
	snprintf(dir, sizeof(dir), "%s/%llu", base, (unsigned long long)cgid);
	snprintf(link, sizeof(link), "%s/link", dir);
	if (access(link, F_OK))
		return -ENOENT;
	/* Dropping the last reference to the link detaches the program;
	 * connections keep the settings they negotiated. */
	unpin_dir(dir);
	if (access(dir, F_OK) == 0) {
		pr_warn("cannot remove %s: %s\n", dir, strerror(ENOTEMPTY));
		return -ENOTEMPTY;
	}
	bpftcp_pin_root_gc();
	return 0;
}
