// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * libbpftcp: header options attached to cgroups (hdropt/delack.bpf.c,
 * hdropt/ccneg.bpf.c).
 *
 * An attachment is one loaded copy of the option program, with the
 * caller's settings baked into its read-only data, attached to one cgroup
 * v2 as a BPF link.  Everything that must outlive the caller is pinned
 * under <pin root>/opt/<option>/<cgroup id>/:
 *   link      the cgroup link (unpinning it detaches the program)
 *   config    the settings (.rodata), kconfig (delack: the HZ it uses)
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
#include "bpftcp/ccneg_opt.h"
#include "bpftcp/delack_opt.h"
#include "hdropt/ccneg.skel.h"
#include "hdropt/delack.skel.h"

#define OPT_DELACK "delack"
#define OPT_CCNEG "ccneg"

/* "*_new": the maps of an update in place (opt_update()) that died before
 * renaming them. */
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

/* <pin root>/opt/<option>, created with @create. */
static int opt_dir(const char *option, char *buf, size_t len, bool create)
{
	char sub[32];

	snprintf(sub, sizeof(sub), "opt/%s", option);
	return libbpftcp__pin_path(buf, len, sub, create);
}

static void unpin_dir(const char *dir)
{
	libbpftcp__unpin_dir(dir, pin_files, sizeof(pin_files) / sizeof(pin_files[0]));
}

/* ------------------------------------------------------------- attach */

static int check_peers(const char *option, const struct bpftcp_cidr *peers, size_t cnt)
{
	if (cnt > HDROPT_PEERS_MAX || (cnt && !peers)) {
		pr_warn("%s: %zu peer prefixes (at most %d)\n", option, cnt, HDROPT_PEERS_MAX);
		return -EINVAL;
	}
	for (size_t i = 0; i < cnt; i++) {
		struct bpftcp_cidr c = peers[i];
		unsigned int max = c.family == AF_INET ? 32 : 128;
		char s[64];

		if ((c.family != AF_INET && c.family != AF_INET6) || c.prefix > max) {
			pr_warn("%s: peer %zu is not an IPv4 or IPv6 prefix\n", option, i);
			return -EINVAL;
		}
		for (unsigned int bit = c.prefix; bit < max; bit++)
			c.addr[bit / 8] &= ~(0x80 >> (bit % 8));
		if (memcmp(&c, &peers[i], sizeof(c))) {
			bpftcp_cidr_format(&peers[i], s, sizeof(s));
			pr_warn("%s: peer %s has bits set beyond its prefix\n", option, s);
			return -EINVAL;
		}
	}
	return 0;
}

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
	return check_peers(OPT_DELACK, o->peers, o->peers_cnt);
}

#define OPT_MAPS_MAX 4

/*
 * One opened copy of an option's program, its settings written into its
 * .rodata: what attach and update-in-place do the same way for every option.
 */
struct opt_obj {
	const char *option;
	struct bpf_object *obj;
	struct bpf_program *prog;
	struct bpf_map *peers_map;
	const struct bpftcp_cidr *peers;
	size_t peers_cnt;
	/* The maps pinned under the attachment's directory, and their names. */
	struct bpf_map *maps[OPT_MAPS_MAX];
	const char *map_names[OPT_MAPS_MAX];
	size_t nmaps;
	char cgpath[PATH_MAX];
	__u64 cgid;
};

/* Pins the maps of @o in @dir, each named map_names[i] followed by @suffix. */
static int pin_maps(const struct opt_obj *o, const char *dir, const char *suffix)
{
	char path[PATH_MAX + 48];
	int err;

	for (size_t i = 0; i < o->nmaps; i++) {
		snprintf(path, sizeof(path), "%s/%s%s", dir, o->map_names[i], suffix);
		err = bpf_map__pin(o->maps[i], path);
		if (err)
			return err;
	}
	return 0;
}

static void add_map(struct opt_obj *o, struct bpf_map *map, const char *name)
{
	o->maps[o->nmaps] = map;
	o->map_names[o->nmaps++] = name;
}

static int fill_peers(const struct opt_obj *o)
{
	int fd = bpf_map__fd(o->peers_map);
	__u8 one = 1;

	for (size_t i = 0; i < o->peers_cnt; i++) {
		struct hdropt_peer_key key;

		cidr_to_key(&o->peers[i], &key);
		if (bpf_map_update_elem(fd, &key, &one, BPF_ANY))
			return -errno;
	}
	return 0;
}

/* Loads @o (sharing the record map) and fills its peers map. */
static int opt_load(const struct opt_obj *o)
{
	/* The per-socket records go to the map shared by every bpftcp object. */
	int err = libbpftcp__load_object(o->obj, true);

	if (err) {
		pr_warn("cannot load %s: %s\n", o->option, strerror(-err));
		return err;
	}
	err = fill_peers(o);
	if (err)
		pr_warn("cannot fill the %s peers map: %s\n", o->option, strerror(-err));
	return err;
}

/* <pin root>/opt/<option>/<cgroup id> into @dir (made with @create). */
static int attachment_dir(const char *option, __u64 cgid, char *dir, size_t len, bool create)
{
	char base[PATH_MAX];
	int err = opt_dir(option, base, sizeof(base), create);

	if (err)
		return err;
	return (size_t)snprintf(dir, len, "%s/%llu", base, (unsigned long long)cgid) >= len ?
	       -ENAMETOOLONG : 0;
}

/*
 * Loads @o, attaches it to its cgroup and pins the link and the maps.
 * -EEXIST when the option is attached there already; nothing is left
 * half-attached on failure.
 */
static int opt_attach_locked(const struct opt_obj *o)
{
	char dir[PATH_MAX + 32], path[PATH_MAX + 48];
	struct bpf_link *link = NULL;
	int cgfd, err;

	err = attachment_dir(o->option, o->cgid, dir, sizeof(dir), true);
	if (err)
		return err;
	snprintf(path, sizeof(path), "%s/link", dir);
	if (access(path, F_OK) == 0)
		return -EEXIST;
	/* (A directory without a link, what a crash mid-attach leaves, went
	 * when the lock was taken.) */
	err = opt_load(o);
	if (err)
		return err;
	cgfd = open(o->cgpath, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cgfd < 0) {
		err = -errno;
		pr_warn("cannot open cgroup %s: %s\n", o->cgpath, strerror(-err));
		return err;
	}
	link = bpf_program__attach_cgroup(o->prog, cgfd);
	if (!link) {
		err = -errno;
		pr_warn("cannot attach %s to cgroup %s: %s%s\n", o->option, o->cgpath,
			strerror(-err),
			err == -EPERM ? " (a non-multi program is attached there already? see "
					"'bpftool cgroup show')" : "");
		close(cgfd);
		return err;
	}
	/* The maps first, the link last: "the link pin exists" means the
	 * attachment is complete (readers skip a directory without one). */
	err = libbpftcp__mkdir_p(dir, 0700);
	if (!err)
		err = pin_maps(o, dir, "");
	if (!err)
		err = bpf_link__pin(link, path);
	if (err) {
		pr_warn("cannot pin %s under %s: %s\n", o->option, dir, strerror(-err));
		/* Unpinned, the link goes with our fd below: nothing half-attached. */
		unpin_dir(dir);
	}
	/* Closes our link fd; a pinned link stays attached.  (Disconnecting
	 * first would skip the close and leak the fd.) */
	bpf_link__destroy(link);
	close(cgfd);
	return err;
}

/*
 * New settings in place: the pinned cgroup link is pointed at @o, a copy of
 * the program loaded with them (BPF_LINK_UPDATE), so the cgroup is never
 * without the option.  The new maps are pinned beside the old ones first
 * ("*_new") and take their names once the link runs the new program, so the
 * pins always describe what runs.  -ENOENT when not attached.
 */
static int opt_update_locked(const struct opt_obj *o)
{
	char dir[PATH_MAX + 32], path[PATH_MAX + 48], from[PATH_MAX + 48];
	int link_fd, err;

	err = attachment_dir(o->option, o->cgid, dir, sizeof(dir), false);
	if (err)
		return err;
	snprintf(path, sizeof(path), "%s/link", dir);
	link_fd = bpf_obj_get(path);
	if (link_fd < 0)
		return errno == ENOENT ? -ENOENT : -errno;
	err = opt_load(o);
	if (!err)
		err = pin_maps(o, dir, "_new");
	if (!err && bpf_link_update(link_fd, bpf_program__fd(o->prog), NULL))
		err = -errno;
	for (size_t i = 0; i < o->nmaps; i++) {
		snprintf(from, sizeof(from), "%s/%s_new", dir, o->map_names[i]);
		snprintf(path, sizeof(path), "%s/%s", dir, o->map_names[i]);
		if (err)
			unlink(from);
		else if (rename(from, path))
			err = -errno;
	}
	if (err)
		pr_warn("cannot update %s on %s: %s\n", o->option, o->cgpath, strerror(-err));
	close(link_fd);
	return err;
}

/* opt_attach_locked() under the option's lock (libbpftcp__lock()): of two
 * attaches to one cgroup one wins, the other gets -EEXIST. */
static int opt_attach(const struct opt_obj *o)
{
	struct libbpftcp__lock lk;
	int err = libbpftcp__lock(o->option, true, &lk);

	if (err)
		return err;
	err = opt_attach_locked(o);
	libbpftcp__unlock(&lk);
	return err;
}

/* opt_update_locked() under the option's lock; killed half way, the next
 * operation under it finishes or undoes the renames. */
static int opt_update(const struct opt_obj *o)
{
	struct libbpftcp__lock lk;
	int err = libbpftcp__lock(o->option, false, &lk);

	if (err)
		return err;
	err = opt_update_locked(o);
	libbpftcp__unlock(&lk);
	return err;
}

/*
 * Opens the delack program with the settings of @opts (checked) for
 * @cgroup, described in @o; *@skelp to destroy after use.
 */
static int delack_open(const char *cgroup, const struct bpftcp_delack_opts *opts,
		       struct opt_obj *o, struct hdropt_delack **skelp)
{
	struct bpftcp_delack_opts c = { .sz = sizeof(c) };
	struct hdropt_delack *skel;
	__u32 floor, ceiling;
	int err;

	*skelp = NULL;
	if (!opts || !OPTS_VALID(opts, bpftcp_delack_opts))
		return -EINVAL;
	c.max_delack_us = OPTS_GET(opts, max_delack_us, 0);
	c.peers = OPTS_GET(opts, peers, NULL);
	c.peers_cnt = OPTS_GET(opts, peers_cnt, 0);
	c.record = OPTS_GET(opts, record, false);
	floor = OPTS_GET(opts, rto_floor_us, 0) ?: BPFTCP_DELACK_DEFAULT_RTO_FLOOR_US;
	ceiling = OPTS_GET(opts, rto_ceiling_us, 0) ?: BPFTCP_DELACK_DEFAULT_RTO_CEILING_US;
	err = check_delack_opts(&c, floor, ceiling);
	if (err)
		return err;
	*o = (struct opt_obj){ .option = OPT_DELACK, .peers = c.peers, .peers_cnt = c.peers_cnt };
	err = bpftcp_cgroup_resolve(cgroup, o->cgpath, sizeof(o->cgpath), &o->cgid);
	if (err)
		return err;
	skel = hdropt_delack__open();
	if (!skel) {
		err = -errno;
		pr_warn("cannot open the delack BPF object: %s\n", strerror(-err));
		return err;
	}
	skel->rodata->cfg_max_delack_us = c.max_delack_us;
	skel->rodata->cfg_rto_floor_us = floor;
	skel->rodata->cfg_rto_ceiling_us = ceiling;
	skel->rodata->cfg_peers_restricted = c.peers_cnt > 0;
	skel->rodata->cfg_record = c.record;
	snprintf((char *)skel->rodata->cfg_cgroup_path, sizeof(skel->rodata->cfg_cgroup_path),
		 "%s", o->cgpath);
	o->obj = skel->obj;
	o->prog = skel->progs.bpftcp_delack;
	o->peers_map = skel->maps.delack_peers;
	add_map(o, skel->maps.rodata, "config");
	add_map(o, skel->maps.kconfig, "kconfig");
	add_map(o, skel->maps.delack_counters, "counters");
	add_map(o, skel->maps.delack_peers, "peers");
	*skelp = skel;
	return 0;
}

int bpftcp_opt_delack_attach(const char *cgroup, const struct bpftcp_delack_opts *opts)
{
	struct hdropt_delack *skel;
	struct opt_obj o;
	int err = delack_open(cgroup, opts, &o, &skel);

	if (!err)
		err = opt_attach(&o);
	hdropt_delack__destroy(skel);
	return err;
}

int libbpftcp__opt_delack_update(const char *cgroup, const struct bpftcp_delack_opts *opts)
{
	struct hdropt_delack *skel;
	struct opt_obj o;
	int err = delack_open(cgroup, opts, &o, &skel);

	if (!err)
		err = opt_update(&o);
	hdropt_delack__destroy(skel);
	return err;
}

/* Does the kernel offer @kname now? */
static bool cc_available(const char *kname)
{
	char avail[4096];

	return !bpftcp_cc_available(avail, sizeof(avail)) && libbpftcp__word_in_list(avail, kname);
}

/*
 * Resolves a --prefer/--fallback name into its registry entry and the
 * kernel name to switch to (@kname, BPFTCP_CA_NAME_MAX bytes): the name as
 * given if the kernel offers it, else, for a short name, bpftcp's
 * bpf_<name> if registered.
 */
static int resolve_alg(const char *what, const char *name, const struct hdropt_ccneg_alg **alg,
		       char *kname)
{
	char bpf_name[BPFTCP_CA_NAME_MAX + 8];

	if (!name || !*name || strlen(name) >= BPFTCP_CA_NAME_MAX) {
		pr_warn("ccneg: %s: '%s' is not an algorithm name\n", what, name ? name : "");
		return -EINVAL;
	}
	*alg = hdropt_ccneg_alg_by_name(name);
	if (!*alg) {
		pr_warn("ccneg: %s: '%s' has no id in the ccneg registry (docs/hdropt-ccneg.md)\n",
			what, name);
		return -EINVAL;
	}
	if (cc_available(name)) {
		snprintf(kname, BPFTCP_CA_NAME_MAX, "%s", name);
		return 0;
	}
	snprintf(bpf_name, sizeof(bpf_name), "bpf_%s", name);
	if (strncmp(name, "bpf_", 4) && strlen(bpf_name) < BPFTCP_CA_NAME_MAX &&
	    cc_available(bpf_name)) {
		snprintf(kname, BPFTCP_CA_NAME_MAX, "%s", bpf_name);
		return 0;
	}
	pr_warn("ccneg: %s: the kernel offers no '%s'%s\n", what, name,
		strncmp(name, "bpf_", 4) ? "" : " (not registered)");
	return -ENOENT;
}

/*
 * Opens the ccneg program with the settings of @opts (checked, every name
 * resolved to an algorithm the kernel offers) for @cgroup, described in @o;
 * *@skelp to destroy after use.
 */
static int ccneg_open(const char *cgroup, const struct bpftcp_ccneg_opts *opts,
		      struct opt_obj *o, struct hdropt_ccneg **skelp)
{
	char kname[BPFTCP_CA_NAME_MAX];
	const char *const *prefer;
	const struct hdropt_ccneg_alg *alg;
	struct hdropt_ccneg *skel;
	size_t prefer_cnt;
	const char *fallback;
	bool ecn = false;
	int err;

	*skelp = NULL;
	if (!opts || !OPTS_VALID(opts, bpftcp_ccneg_opts))
		return -EINVAL;
	prefer = OPTS_GET(opts, prefer, NULL);
	prefer_cnt = OPTS_GET(opts, prefer_cnt, 0);
	fallback = OPTS_GET(opts, fallback, NULL);
	*o = (struct opt_obj){ .option = OPT_CCNEG, .peers = OPTS_GET(opts, peers, NULL),
			       .peers_cnt = OPTS_GET(opts, peers_cnt, 0) };
	if (!prefer || !prefer_cnt || prefer_cnt > BPFTCP_CCNEG_PREFER_MAX) {
		pr_warn("ccneg: %zu preferred algorithms (1 to %d)\n", prefer_cnt,
			BPFTCP_CCNEG_PREFER_MAX);
		return -EINVAL;
	}
	if (!fallback) {
		pr_warn("ccneg: no fallback algorithm\n");
		return -EINVAL;
	}
	err = check_peers(OPT_CCNEG, o->peers, o->peers_cnt);
	if (err)
		return err;
	skel = hdropt_ccneg__open();
	if (!skel) {
		err = -errno;
		pr_warn("cannot open the ccneg BPF object: %s\n", strerror(-err));
		return err;
	}
	*skelp = skel;
	for (size_t i = 0; i < prefer_cnt; i++) {
		err = resolve_alg("--prefer", prefer[i], &alg, kname);
		if (err)
			return err;
		for (size_t j = 0; j < i; j++) {
			if (skel->rodata->cfg_prefer_ids[j] == alg->id) {
				pr_warn("ccneg: --prefer names %s twice\n", alg->name);
				return -EINVAL;
			}
		}
		skel->rodata->cfg_prefer_ids[i] = alg->id;
		memcpy((char *)skel->rodata->cfg_prefer_names[i], kname, sizeof(kname));
		ecn |= alg->needs_ecn;
	}
	skel->rodata->cfg_prefer_cnt = (__u8)prefer_cnt;
	err = resolve_alg("--fallback", fallback, &alg, kname);
	if (err)
		return err;
	skel->rodata->cfg_fallback_id = alg->id;
	memcpy((char *)skel->rodata->cfg_fallback_name, kname, sizeof(kname));
	ecn |= alg->needs_ecn;
	skel->rodata->cfg_ecn = ecn;
	skel->rodata->cfg_peers_restricted = o->peers_cnt > 0;
	skel->rodata->cfg_record = OPTS_GET(opts, record, false);
	err = bpftcp_cgroup_resolve(cgroup, o->cgpath, sizeof(o->cgpath), &o->cgid);
	if (err)
		return err;
	snprintf((char *)skel->rodata->cfg_cgroup_path, sizeof(skel->rodata->cfg_cgroup_path),
		 "%s", o->cgpath);
	o->obj = skel->obj;
	o->prog = skel->progs.bpftcp_ccneg;
	o->peers_map = skel->maps.ccneg_peers;
	add_map(o, skel->maps.rodata, "config");
	add_map(o, skel->maps.ccneg_counters, "counters");
	add_map(o, skel->maps.ccneg_peers, "peers");
	return 0;
}

int bpftcp_opt_ccneg_attach(const char *cgroup, const struct bpftcp_ccneg_opts *opts)
{
	struct hdropt_ccneg *skel;
	struct opt_obj o;
	int err = ccneg_open(cgroup, opts, &o, &skel);

	if (!err)
		err = opt_attach(&o);
	hdropt_ccneg__destroy(skel);
	return err;
}

/*
 * The record of SYN-ACKs that had no room for the answer (ccneg_unanswered)
 * is per copy of the program and not carried over (docs/hdropt-ccneg.md,
 * Limitations).
 */
int libbpftcp__opt_ccneg_update(const char *cgroup, const struct bpftcp_ccneg_opts *opts)
{
	struct hdropt_ccneg *skel;
	struct opt_obj o;
	int err = ccneg_open(cgroup, opts, &o, &skel);

	if (!err)
		err = opt_update(&o);
	hdropt_ccneg__destroy(skel);
	return err;
}

/* ------------------------------------------------------------- reading */

/* One attachment as read from its pins; a's pointers point into it. */
struct opt_pins {
	struct bpftcp_opt_attachment a;
	char dir[PATH_MAX];
	union {
		struct hdropt_delack__rodata delack;
		struct hdropt_ccneg__rodata ccneg;
	} cfg;
	struct bpftcp_cidr *peers;
	size_t peers_cnt;
};

/* The settings (@size bytes of the pinned .rodata) of the attachment at @dir. */
static int read_config(const char *dir, void *cfg, size_t size)
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
	if (!err && info.value_size < size)
		err = -EPROTO;
	if (!err) {
		val = calloc(1, info.value_size);
		if (!val)
			err = -ENOMEM;
		else if (bpf_map_lookup_elem(fd, &zero, val))
			err = -errno;
		else
			memcpy(cfg, val, size);
	}
	free(val);
	close(fd);
	return err;
}

/* delack's HZ, from its pinned .kconfig; 0 if unknown. */
static unsigned int read_hz(const char *dir)
{
	char path[PATH_MAX + 16];
	unsigned int hz = 0;
	__u32 zero = 0;
	int fd;

	snprintf(path, sizeof(path), "%s/kconfig", dir);
	fd = bpf_obj_get(path);
	if (fd >= 0) {
		if (bpf_map_lookup_elem(fd, &zero, &hz))
			hz = 0;
		close(fd);
	}
	return hz;
}

static void read_delack_counters(const char *dir, struct bpftcp_delack_counters *out)
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

static void read_ccneg_counters(const char *dir, struct bpftcp_ccneg_counters *out)
{
	struct hdropt_ccneg_counters c;
	char path[PATH_MAX + 16];

	snprintf(path, sizeof(path), "%s/counters", dir);
	libbpftcp__counters_read_pinned(path, &c, sizeof(c),
					offsetof(struct hdropt_ccneg_counters, last_err_line));
	*out = (struct bpftcp_ccneg_counters){
		.offered = c.offered, .answered = c.answered, .fallback = c.fallback,
		.no_common = c.no_common, .malformed = c.malformed, .no_room = c.no_room,
		.errors = c.errors, .last_err_line = c.last_err_line,
	};
	for (int i = 0; i < BPFTCP_CCNEG_PREFER_MAX; i++)
		out->chosen[i] = c.chosen[i];
}

static int read_peers(const char *dir, struct opt_pins *p)
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
	while (p->peers_cnt < HDROPT_PEERS_MAX && bpf_map_get_next_key(fd, prev, &next) == 0) {
		key_to_cidr(&next, &p->peers[p->peers_cnt++]);
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

static void fill_delack(struct opt_pins *p)
{
	const struct hdropt_delack__rodata *cfg = &p->cfg.delack;
	struct hdropt_delack_local local = {};

	p->a.cgroup = (const char *)cfg->cfg_cgroup_path;
	p->a.delack.max_delack_us = cfg->cfg_max_delack_us;
	p->a.delack.hz = read_hz(p->dir);
	if (p->a.delack.hz) {
		hdropt_delack_local(cfg->cfg_max_delack_us, p->a.delack.hz, &local);
		p->a.delack.advertised_us = local.advertise_us;
	}
	p->a.delack.rto_floor_us = cfg->cfg_rto_floor_us;
	p->a.delack.rto_ceiling_us = cfg->cfg_rto_ceiling_us;
	p->a.delack.record = cfg->cfg_record;
	p->a.delack.peers_restricted = cfg->cfg_peers_restricted;
	p->a.delack.peers = p->peers;
	p->a.delack.peers_cnt = p->peers_cnt;
	read_delack_counters(p->dir, &p->a.counters);
}

static int fill_ccneg(struct opt_pins *p)
{
	struct hdropt_ccneg__rodata *cfg = &p->cfg.ccneg;

	if (!cfg->cfg_prefer_cnt || cfg->cfg_prefer_cnt > BPFTCP_CCNEG_PREFER_MAX)
		return -EPROTO;
	p->a.cgroup = (const char *)cfg->cfg_cgroup_path;
	p->a.ccneg.prefer_cnt = cfg->cfg_prefer_cnt;
	for (int i = 0; i < cfg->cfg_prefer_cnt; i++) {
		((char *)cfg->cfg_prefer_names[i])[BPFTCP_CA_NAME_MAX - 1] = '\0';
		p->a.ccneg.prefer[i] = (const char *)cfg->cfg_prefer_names[i];
		p->a.ccneg.prefer_ids[i] = cfg->cfg_prefer_ids[i];
	}
	((char *)cfg->cfg_fallback_name)[BPFTCP_CA_NAME_MAX - 1] = '\0';
	p->a.ccneg.fallback = (const char *)cfg->cfg_fallback_name;
	p->a.ccneg.fallback_id = cfg->cfg_fallback_id;
	p->a.ccneg.ecn = cfg->cfg_ecn;
	p->a.ccneg.record = cfg->cfg_record;
	p->a.ccneg.peers_restricted = cfg->cfg_peers_restricted;
	p->a.ccneg.peers = p->peers;
	p->a.ccneg.peers_cnt = p->peers_cnt;
	read_ccneg_counters(p->dir, &p->a.ccneg.counters);
	return 0;
}

static int load_attachment(const char *option, const char *base, const char *name,
			   struct opt_pins *p)
{
	bool delack = !strcmp(option, OPT_DELACK);
	char link[PATH_MAX + 16], *end;
	int err;

	memset(p, 0, sizeof(*p));
	p->a.sz = sizeof(p->a);
	p->a.option = delack ? OPT_DELACK : OPT_CCNEG;
	p->a.cgroup_id = strtoull(name, &end, 10);
	if (*end || !p->a.cgroup_id)
		return -EINVAL;
	snprintf(p->dir, sizeof(p->dir), "%s/%s", base, name);
	/* No link pin: being attached or detached now (or left by a killed
	 * bpftcp, until the next attach or detach removes it). */
	snprintf(link, sizeof(link), "%s/link", p->dir);
	if (access(link, F_OK))
		return -ENOENT;
	err = delack ? read_config(p->dir, &p->cfg.delack, sizeof(p->cfg.delack)) :
		       read_config(p->dir, &p->cfg.ccneg, sizeof(p->cfg.ccneg));
	if (err)
		return err;
	err = read_peers(p->dir, p);
	if (err)
		return err;
	/* Both layouts end with the 256-byte cgroup path. */
	if (delack)
		p->cfg.delack.cfg_cgroup_path[sizeof(p->cfg.delack.cfg_cgroup_path) - 1] = '\0';
	else
		p->cfg.ccneg.cfg_cgroup_path[sizeof(p->cfg.ccneg.cfg_cgroup_path) - 1] = '\0';
	p->a.pin = p->dir;
	p->a.attached = libbpftcp__link_holds_cgroup(p->dir);
	if (delack) {
		fill_delack(p);
		return 0;
	}
	return fill_ccneg(p);
}

/* Calls @fn for each attachment of @option; adds how many to *@n. */
static int foreach_of(const char *option, bpftcp_opt_attachment_fn fn, void *ctx, int *n)
{
	char base[PATH_MAX];
	struct opt_pins *p;
	struct dirent *de;
	int ret = 0, err;
	DIR *d;

	if (opt_dir(option, base, sizeof(base), false))
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
		err = load_attachment(option, base, de->d_name, p);
		if (err == -ENOENT) {
			/* Incomplete, or detached as we read it: not there. */
		} else if (err) {
			pr_info("skipping %s/%s: not a bpftcp %s pin of this version\n", base,
				de->d_name, option);
		} else {
			(*n)++;
			ret = fn ? fn(&p->a, ctx) : 0;
		}
		free(p->peers);
		p->peers = NULL;
	}
	free(p);
	closedir(d);
	return ret;
}

static bool known_option(const char *option)
{
	return option && (!strcmp(option, OPT_DELACK) || !strcmp(option, OPT_CCNEG));
}

int bpftcp_opt_foreach(const char *option, bpftcp_opt_attachment_fn fn, void *ctx)
{
	int ret = 0, n = 0;

	if (option && !known_option(option))
		return -EINVAL;
	if (!option || !strcmp(option, OPT_DELACK))
		ret = foreach_of(OPT_DELACK, fn, ctx, &n);
	if (!ret && (!option || !strcmp(option, OPT_CCNEG)))
		ret = foreach_of(OPT_CCNEG, fn, ctx, &n);
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

/* Under the option's lock.  The link pin goes first (unpin_dir()): a reader
 * never sees the maps without it. */
static int detach_locked(const char *option, __u64 cgid)
{
	char base[PATH_MAX], dir[PATH_MAX + 32], link[PATH_MAX + 48];

	if (opt_dir(option, base, sizeof(base), false))
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
	return 0;
}

int bpftcp_opt_detach(const char *option, const char *cgroup)
{
	char cgpath[PATH_MAX];
	struct libbpftcp__lock lk;
	__u64 cgid = 0;
	int err;

	if (!known_option(option))
		return -EINVAL;
	err = bpftcp_cgroup_resolve(cgroup, cgpath, sizeof(cgpath), &cgid);
	if (err) {
		/* The cgroup is gone (or never was): find the pin by the path
		 * it was attached with, so a dead attachment can be removed. */
		struct find_by_path f = { .path = cgroup };

		if (!cgroup || bpftcp_opt_foreach(option, match_path, &f) != 1)
			return err;
		cgid = f.id;
	}
	err = libbpftcp__lock(option, false, &lk);
	if (err)
		return err;
	err = detach_locked(option, cgid);
	libbpftcp__unlock(&lk);
	return err;
}
