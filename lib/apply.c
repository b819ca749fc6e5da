// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * libbpftcp: making a host match a configuration (bpftcp_apply()) and
 * removing everything bpftcp made (bpftcp_reset()).
 *
 * The file is the whole truth about what bpftcp has on the host, as with
 * 'nft -f' of a ruleset that starts with a flush: what bpftcp registered or
 * attached and the file does not name is removed.  An apply reads what is
 * there (the pins under the pin root, the kernel's sysctls), plans the
 * difference as a list of steps, and carries them out in an order where
 * each step can count on the ones before (register before making an
 * algorithm the default, move the default away before unregistering it).
 * Each step knows its undo; a failed step undoes the ones before it.
 * Option attachments: delack's first, then ccneg's (on one cgroup the
 * programs run in attach order, and so write their options in the SYN).
 *
 * State that is not in the pins lives in the run directory (/run/bpftcp,
 * a tmpfs: gone at reboot, like the pins): "lock", which serialises applies
 * and resets (flock), and "default", the default congestion control the
 * host had before an apply first changed it, which is set back when the
 * file stops naming a default, and by a reset.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>
#include "libbpftcp_internal.h"

#define SAVED_DEFAULT "default"

const char *bpftcp_apply_action_name(int action)
{
	static const char *const names[] = {
		[BPFTCP_APPLY_REGISTER] = "register",
		[BPFTCP_APPLY_REPLACE] = "replace",
		[BPFTCP_APPLY_ALLOW] = "allow",
		[BPFTCP_APPLY_RESTRICT] = "restrict",
		[BPFTCP_APPLY_SET_DEFAULT] = "set-default",
		[BPFTCP_APPLY_RESTORE_DEFAULT] = "restore-default",
		[BPFTCP_APPLY_ATTACH] = "attach",
		[BPFTCP_APPLY_UPDATE] = "update",
		[BPFTCP_APPLY_DETACH] = "detach",
		[BPFTCP_APPLY_UNREGISTER] = "unregister",
	};

	if (action <= 0 || action >= (int)(sizeof(names) / sizeof(names[0])))
		return "?";
	return names[action];
}

/* --------------------------------------------------- run directory, lock */

/* The run directory ($BPFTCP_RUNDIR or BPFTCP_RUN_DIR)/@file into @buf. */
static int run_path(char *buf, size_t len, const char *file)
{
	const char *dir = getenv("BPFTCP_RUNDIR");
	int err;

	if (!dir || !*dir)
		dir = BPFTCP_RUN_DIR;
	err = libbpftcp__mkdir_p(dir, 0755);
	if (err) {
		pr_warn("cannot create %s: %s\n", dir, strerror(-err));
		return err;
	}
	return (size_t)snprintf(buf, len, "%s/%s", dir, file) >= len ? -ENAMETOOLONG : 0;
}

/* The apply lock: an fd holding it (close() releases it), or -errno. */
static int lock_take(bool no_wait)
{
	char path[PATH_MAX];
	int fd, err = run_path(path, sizeof(path), "lock");

	if (err)
		return err;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		err = -errno;
		pr_warn("cannot open %s: %s\n", path, strerror(-err));
		return err;
	}
	if (!flock(fd, LOCK_EX | LOCK_NB))
		return fd;
	if (errno == EWOULDBLOCK && !no_wait) {
		pr_info("another bpftcp apply or reset holds %s; waiting for it\n", path);
		if (!flock(fd, LOCK_EX))
			return fd;
	}
	err = errno == EWOULDBLOCK ? -EBUSY : -errno;
	close(fd);
	return err;
}

/* The saved default into @buf: 0, -ENOENT (none saved) or -errno. */
static int saved_default_get(char *buf, size_t len)
{
	char path[PATH_MAX];
	int err = run_path(path, sizeof(path), SAVED_DEFAULT);

	if (!err)
		err = libbpftcp__sysctl_read(path, buf, len);
	return err ? err : (buf[0] ? 0 : -ENOENT);
}

static int saved_default_set(const char *name)
{
	char path[PATH_MAX];
	int fd, err = run_path(path, sizeof(path), SAVED_DEFAULT);

	if (err)
		return err;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (dprintf(fd, "%s\n", name) < 0)
		err = -EIO;
	close(fd);
	return err;
}

static void saved_default_drop(void)
{
	char path[PATH_MAX];

	if (!run_path(path, sizeof(path), SAVED_DEFAULT))
		unlink(path);
}

/* -------------------------------------------------------------- the plan */

struct step {
	struct bpftcp_apply_step s;
	char object[64];
	char cgroup[PATH_MAX];
	char detail[256];
	bool restricted;		/* register: as restricted */
	bool saved_default;		/* set-default: saved the host's default */
	char prev[64];			/* set/restore-default: the default before */
	struct bpftcp_delack_opts dl;	/* delack attach/update: the settings */
	struct bpftcp_delack_opts old;	/* delack update/detach: the settings before */
	struct bpftcp_cidr *old_peers;	/* old.peers, cn_old.peers point here */
	char pin[PATH_MAX];		/* sockets attach and detach: the pin directory */
	__u64 cgid;			/* attach: the cgroup's id */
	struct libbpftcp__conf_ccneg cn;	/* ccneg attach/update: the settings
						 * (peers: the configuration's) */
	struct libbpftcp__conf_ccneg cn_old;	/* ccneg update/detach: the settings before */
	bool reattach;			/* ccneg update: by detach and attach */
	/* sockets detach: the collection, unpinned but held until the apply
	 * ends, so that a rollback can pin it back (released by plan_free()) */
	struct libbpftcp__sockets_held held;
	bool holding;
};

struct plan {
	struct step *steps;
	int n;
};

static struct step *plan_add(struct plan *p, int action, const char *object, const char *cgroup)
{
	struct step *s = realloc(p->steps, (p->n + 1) * sizeof(*s));

	if (!s)
		return NULL;
	p->steps = s;
	s += p->n++;
	memset(s, 0, sizeof(*s));
	s->s.sz = sizeof(s->s);
	s->s.action = action;
	snprintf(s->object, sizeof(s->object), "%s", object);
	snprintf(s->cgroup, sizeof(s->cgroup), "%s", cgroup ? cgroup : "");
	/* s->s's pointers are set when it is reported: the array moves. */
	s->s.cgroup = cgroup ? s->cgroup : NULL;
	return s;
}

/* plan_add(), and the step takes *@peers (the attachment's as it is, read
 * from its pins): freed with the plan. */
static struct step *plan_add_owning(struct plan *p, int action, const char *object,
				    const char *cgroup, struct bpftcp_cidr **peers)
{
	struct step *s = plan_add(p, action, object, cgroup);

	if (s) {
		s->old_peers = *peers;
		*peers = NULL;
	}
	return s;
}

static void plan_free(struct plan *p)
{
	for (int i = 0; i < p->n; i++) {
		free(p->steps[i].old_peers);
		if (p->steps[i].holding)
			libbpftcp__sockets_release(&p->steps[i].held);
	}
	free(p->steps);
	p->steps = NULL;
	p->n = 0;
}

/* What is attached now: read from the pins before planning. */
struct delack_now {
	char cgroup[PATH_MAX];
	__u64 id;
	struct bpftcp_delack_opts dl;	/* rto_* as in effect */
	struct bpftcp_cidr *peers;
	bool used;			/* the file names it */
};

struct ccneg_now {
	char cgroup[PATH_MAX];
	__u64 id;
	struct libbpftcp__conf_ccneg cn;	/* kernel names; peers owned */
	bool used;			/* the file names it */
};

struct sockets_now {
	__u64 id;
	char pin[PATH_MAX];
	bool used;
};

struct now {
	struct delack_now *delack;
	int n_delack;
	struct sockets_now *sockets;
	int n_sockets;
	struct ccneg_now *ccneg;
	int n_ccneg;
};

/* A copy of @n peers (NULL when none), into *@out. */
static int peers_dup(const struct bpftcp_cidr *peers, size_t n, struct bpftcp_cidr **out)
{
	*out = NULL;
	if (!n)
		return 0;
	*out = calloc(n, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	memcpy(*out, peers, n * sizeof(**out));
	return 0;
}

static int read_delack(const struct bpftcp_opt_attachment *a, void *ctx)
{
	struct now *now = ctx;
	struct delack_now *d = realloc(now->delack, (now->n_delack + 1) * sizeof(*d));
	int err;

	if (!d)
		return -ENOMEM;
	now->delack = d;
	d += now->n_delack++;
	memset(d, 0, sizeof(*d));
	snprintf(d->cgroup, sizeof(d->cgroup), "%s", a->cgroup);
	d->id = a->cgroup_id;
	d->dl = (struct bpftcp_delack_opts){
		.sz = sizeof(d->dl), .max_delack_us = a->delack.max_delack_us,
		.rto_floor_us = a->delack.rto_floor_us, .rto_ceiling_us = a->delack.rto_ceiling_us,
		.record = a->delack.record,
		.peers_cnt = a->delack.peers_restricted ? a->delack.peers_cnt : 0,
	};
	err = peers_dup(a->delack.peers, d->dl.peers_cnt, &d->peers);
	d->dl.peers = d->peers;
	return err;
}

static int read_ccneg(const struct bpftcp_opt_attachment *a, void *ctx)
{
	struct now *now = ctx;
	struct ccneg_now *d = realloc(now->ccneg, (now->n_ccneg + 1) * sizeof(*d));
	struct libbpftcp__conf_ccneg *cn;

	if (!d)
		return -ENOMEM;
	now->ccneg = d;
	d += now->n_ccneg++;
	memset(d, 0, sizeof(*d));
	snprintf(d->cgroup, sizeof(d->cgroup), "%s", a->cgroup);
	d->id = a->cgroup_id;
	cn = &d->cn;
	cn->prefer_cnt = a->ccneg.prefer_cnt;
	for (size_t k = 0; k < cn->prefer_cnt; k++) {
		snprintf(cn->prefer[k], sizeof(cn->prefer[k]), "%s", a->ccneg.prefer[k]);
		cn->prefer_ids[k] = a->ccneg.prefer_ids[k];
	}
	snprintf(cn->fallback, sizeof(cn->fallback), "%s", a->ccneg.fallback);
	cn->fallback_id = a->ccneg.fallback_id;
	cn->record = a->ccneg.record;
	cn->peers_cnt = a->ccneg.peers_restricted ? a->ccneg.peers_cnt : 0;
	return peers_dup(a->ccneg.peers, cn->peers_cnt, &cn->peers);
}

static int read_sockets(const struct bpftcp_sockets_attachment *a, void *ctx)
{
	struct now *now = ctx;
	struct sockets_now *s = realloc(now->sockets, (now->n_sockets + 1) * sizeof(*s));

	if (!s)
		return -ENOMEM;
	now->sockets = s;
	s += now->n_sockets++;
	memset(s, 0, sizeof(*s));
	s->id = a->cgroup_id;
	snprintf(s->pin, sizeof(s->pin), "%s", a->pin);
	return 0;
}

static void now_free(struct now *now)
{
	for (int i = 0; i < now->n_delack; i++)
		free(now->delack[i].peers);
	free(now->delack);
	free(now->sockets);
	for (int i = 0; i < now->n_ccneg; i++)
		free(now->ccneg[i].cn.peers);
	free(now->ccneg);
}

static int now_read(struct now *now)
{
	int n;

	memset(now, 0, sizeof(*now));
	n = bpftcp_opt_foreach("delack", read_delack, now);
	if (n >= 0)
		n = bpftcp_opt_foreach("ccneg", read_ccneg, now);
	if (n >= 0)
		n = bpftcp_sockets_foreach(read_sockets, now);
	return n < 0 ? n : 0;
}

static int cidr_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct bpftcp_cidr));
}

/* Are the peer sets @a and @b (@n each) the same (in any order)? */
static bool same_peers(const struct bpftcp_cidr *a, size_t a_cnt, const struct bpftcp_cidr *b,
		       size_t b_cnt)
{
	struct bpftcp_cidr *x, *y;
	size_t n = a_cnt;
	bool same;

	if (a_cnt != b_cnt)
		return false;
	if (!n)
		return true;
	x = calloc(n, sizeof(*x));
	y = calloc(n, sizeof(*y));
	same = x && y;
	if (same) {
		memcpy(x, a, n * sizeof(*x));
		memcpy(y, b, n * sizeof(*y));
		qsort(x, n, sizeof(*x), cidr_cmp);
		qsort(y, n, sizeof(*y), cidr_cmp);
		same = !memcmp(x, y, n * sizeof(*x));
	}
	free(x);
	free(y);
	return same;
}

/* "max-delack 10.0 -> 5.0 ms, peers" into @buf: what differs from @was to
 * @want ("" when nothing does).  @want's rto_* are the effective ones. */
static void delack_diff(const struct bpftcp_delack_opts *was, const struct bpftcp_delack_opts *want,
			char *buf, size_t len)
{
	const struct { const char *key; __u32 a, b; } ms[] = {
		{ "max-delack", was->max_delack_us, want->max_delack_us },
		{ "rto-floor", was->rto_floor_us, want->rto_floor_us },
		{ "rto-ceiling", was->rto_ceiling_us, want->rto_ceiling_us },
	};
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(ms) / sizeof(ms[0]); i++)
		if (ms[i].a != ms[i].b && n < len)
			n += snprintf(buf + n, len - n, "%s%s %.1f -> %.1f ms", n ? ", " : "",
				      ms[i].key, ms[i].a / 1000.0, ms[i].b / 1000.0);
	if (was->record != want->record && n < len)
		n += snprintf(buf + n, len - n, "%srecord %s -> %s", n ? ", " : "",
			      was->record ? "yes" : "no", want->record ? "yes" : "no");
	if (!same_peers(was->peers, was->peers_cnt, want->peers, want->peers_cnt) && n < len)
		snprintf(buf + n, len - n, "%speers", n ? ", " : "");
}

/* The settings of @cg with the defaults in effect filled in. */
static struct bpftcp_delack_opts effective(const struct libbpftcp__conf_cgroup *cg)
{
	struct bpftcp_delack_opts o = cg->dl;

	o.rto_floor_us = o.rto_floor_us ?: BPFTCP_DELACK_DEFAULT_RTO_FLOOR_US;
	o.rto_ceiling_us = o.rto_ceiling_us ?: BPFTCP_DELACK_DEFAULT_RTO_CEILING_US;
	return o;
}

static int plan_cc(const struct bpftcp_conf *c, struct plan *p)
{
	struct step *s;

	for (int i = 0; i < c->cc_cnt; i++) {
		const char *kname = c->cc[i]->kname;
		int reg = bpftcp_cc_is_registered(kname), allowed;

		if (reg < 0)
			return reg;
		if (!reg) {
			s = plan_add(p, BPFTCP_APPLY_REGISTER, kname, NULL);
			if (!s)
				return -ENOMEM;
			s->restricted = c->restricted;
			snprintf(s->detail, sizeof(s->detail), "%s",
				 c->restricted ? "restricted" : "");
			continue;
		}
		allowed = libbpftcp__cc_allowed(kname);
		if (allowed < 0)
			return allowed;
		if (allowed == c->restricted &&
		    !plan_add(p, c->restricted ? BPFTCP_APPLY_RESTRICT : BPFTCP_APPLY_ALLOW, kname,
			      NULL))
			return -ENOMEM;
	}
	return 0;
}

/* A step that makes @want the default, which is @cur now. */
static struct step *plan_add_default(struct plan *p, int action, const char *cur, const char *want)
{
	struct step *s = plan_add(p, action, want, NULL);

	if (s) {
		snprintf(s->detail, sizeof(s->detail), "was %s", cur);
		snprintf(s->prev, sizeof(s->prev), "%s", cur);
	}
	return s;
}

static int plan_default(const struct bpftcp_conf *c, struct plan *p)
{
	char cur[64] = "", saved[64] = "";
	const char *want;
	int action, err = bpftcp_cc_default_get(cur, sizeof(cur));

	if (err)
		return err;
	if (c->default_cc[0]) {
		action = BPFTCP_APPLY_SET_DEFAULT;
		want = c->default_cc;
	} else if (!saved_default_get(saved, sizeof(saved))) {
		action = BPFTCP_APPLY_RESTORE_DEFAULT;
		want = saved;
	} else {
		return 0;
	}
	if (!strcmp(cur, want))
		return 0;
	return plan_add_default(p, action, cur, want) ? 0 : -ENOMEM;
}

/* <pin root>/sockets/cg-<@id>: where a collection on cgroup @id is pinned. */
static int sockets_pin_dir(__u64 id, char *buf, size_t len)
{
	char root[PATH_MAX];
	int err = bpftcp_pin_root(root, sizeof(root), BPFTCP_PIN_CREATE);

	if (err)
		return err;
	return (size_t)snprintf(buf, len, "%s/sockets/cg-%llu", root, (unsigned long long)id) >= len ?
	       -ENAMETOOLONG : 0;
}

static int plan_cgroups(const struct bpftcp_conf *c, struct now *now, struct plan *p)
{
	struct step *s;

	for (int i = 0; i < c->cgroups_cnt; i++) {
		const struct libbpftcp__conf_cgroup *cg = &c->cgroups[i];
		struct bpftcp_delack_opts want = effective(cg);
		char real[PATH_MAX];
		bool found = false;
		__u64 id;
		int err = bpftcp_cgroup_resolve(cg->path, real, sizeof(real), &id);

		if (err) {
			pr_warn("%s:%u: cgroup '%s': %s\n", c->path, cg->line, cg->path,
				strerror(-err));
			return err;
		}
		for (int j = 0; j < now->n_sockets; j++)
			if (now->sockets[j].id == id && cg->sockets)
				found = now->sockets[j].used = true;
		if (cg->sockets && !found) {
			s = plan_add(p, BPFTCP_APPLY_ATTACH, "sockets", real);
			if (!s)
				return -ENOMEM;
			/* Its undo goes by the pin: the cgroup may be gone by then. */
			err = sockets_pin_dir(id, s->pin, sizeof(s->pin));
			if (err)
				return err;
		}
		if (!cg->delack)
			continue;
		found = false;
		for (int j = 0; j < now->n_delack && !found; j++) {
			struct delack_now *d = &now->delack[j];
			char diff[256];

			if (d->id != id)
				continue;
			found = d->used = true;
			delack_diff(&d->dl, &want, diff, sizeof(diff));
			if (!diff[0])
				continue;
			/* Its undo needs the peers after the attachments
			 * read (now) are freed. */
			s = plan_add_owning(p, BPFTCP_APPLY_UPDATE, "delack", real, &d->peers);
			if (!s)
				return -ENOMEM;
			snprintf(s->detail, sizeof(s->detail), "%s", diff);
			s->dl = cg->dl;
			s->old = d->dl;
		}
		if (found)
			continue;
		s = plan_add(p, BPFTCP_APPLY_ATTACH, "delack", real);
		if (!s)
			return -ENOMEM;
		s->cgid = id;
		s->dl = cg->dl;
		snprintf(s->detail, sizeof(s->detail), "max-delack %.1f ms",
			 cg->dl.max_delack_us / 1000.0);
	}
	return 0;
}

/* "dctcp,cubic" (the names of @cn's preference) into @buf. */
static void prefer_list(const struct libbpftcp__conf_ccneg *cn, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (size_t k = 0; k < cn->prefer_cnt && n < len; k++)
		n += snprintf(buf + n, len - n, "%s%s", k ? "," : "", cn->prefer[k]);
}

/* What differs from @was to @want, by registry id, into @buf ("" if
 * nothing does). */
static void ccneg_diff(const struct libbpftcp__conf_ccneg *was,
		       const struct libbpftcp__conf_ccneg *want, char *buf, size_t len)
{
	char a[160], b[160];
	size_t n = 0;

	buf[0] = '\0';
	if (was->prefer_cnt != want->prefer_cnt ||
	    memcmp(was->prefer_ids, want->prefer_ids, want->prefer_cnt)) {
		prefer_list(was, a, sizeof(a));
		prefer_list(want, b, sizeof(b));
		n += snprintf(buf, len, "prefer %s -> %s", a, b);
	}
	if (was->fallback_id != want->fallback_id && n < len)
		n += snprintf(buf + n, len - n, "%sfallback %s -> %s", n ? ", " : "",
			      was->fallback, want->fallback);
	if (was->record != want->record && n < len)
		n += snprintf(buf + n, len - n, "%srecord %s -> %s", n ? ", " : "",
			      was->record ? "yes" : "no", want->record ? "yes" : "no");
	if (!same_peers(was->peers, was->peers_cnt, want->peers, want->peers_cnt) && n < len)
		snprintf(buf + n, len - n, "%speers", n ? ", " : "");
}

/* Is delack attached anew to cgroup @id by the plan so far? */
static bool delack_attached_by(const struct plan *p, __u64 id)
{
	for (int i = 0; i < p->n; i++)
		if (p->steps[i].s.action == BPFTCP_APPLY_ATTACH && p->steps[i].cgid == id &&
		    !strcmp(p->steps[i].object, "delack"))
			return true;
	return false;
}

/*
 * The [ccneg] sections, after every delack step: on one cgroup the programs
 * run in the order they were attached, and delack goes first (so the SYN's
 * options do not depend on the order of the file's sections).  An
 * attachment whose cgroup gets delack anew is attached again after it.
 */
static int plan_ccneg(const struct bpftcp_conf *c, struct now *now, struct plan *p)
{
	struct step *s;

	for (int i = 0; i < c->ccneg_cnt; i++) {
		const struct libbpftcp__conf_ccneg *cn = &c->ccneg[i];
		struct ccneg_now *d = NULL;
		char real[PATH_MAX], diff[256];
		bool after_delack;
		__u64 id;
		int err = bpftcp_cgroup_resolve(cn->path, real, sizeof(real), &id);

		if (err) {
			pr_warn("%s:%u: cgroup '%s': %s\n", c->path, cn->line, cn->path,
				strerror(-err));
			return err;
		}
		for (int j = 0; j < now->n_ccneg && !d; j++)
			if (now->ccneg[j].id == id)
				d = &now->ccneg[j];
		if (!d) {
			s = plan_add(p, BPFTCP_APPLY_ATTACH, "ccneg", real);
			if (!s)
				return -ENOMEM;
			s->cn = *cn;
			prefer_list(cn, diff, sizeof(diff));
			snprintf(s->detail, sizeof(s->detail), "prefer %s, fallback %s", diff,
				 cn->fallback);
			continue;
		}
		d->used = true;
		ccneg_diff(&d->cn, cn, diff, sizeof(diff));
		after_delack = delack_attached_by(p, id);
		if (!diff[0] && !after_delack)
			continue;
		s = plan_add_owning(p, BPFTCP_APPLY_UPDATE, "ccneg", real, &d->cn.peers);
		if (!s)
			return -ENOMEM;
		s->cn = *cn;
		s->cn_old = d->cn;
		s->reattach = after_delack;
		snprintf(s->detail, sizeof(s->detail), "%s%s%s", diff,
			 diff[0] && after_delack ? "; " : "",
			 after_delack ? "detached and attached again, after delack" : "");
	}
	return 0;
}

/* Detach what the file no longer names, then unregister. */
static int plan_removals(const struct bpftcp_conf *c, struct now *now, struct plan *p)
{
	struct step *s;

	for (int j = 0; j < now->n_delack; j++) {
		struct delack_now *d = &now->delack[j];

		if (d->used)
			continue;
		s = plan_add_owning(p, BPFTCP_APPLY_DETACH, "delack", d->cgroup, &d->peers);
		if (!s)
			return -ENOMEM;
		s->old = d->dl;
	}
	for (int j = 0; j < now->n_ccneg; j++) {
		struct ccneg_now *d = &now->ccneg[j];

		if (d->used)
			continue;
		s = plan_add_owning(p, BPFTCP_APPLY_DETACH, "ccneg", d->cgroup, &d->cn.peers);
		if (!s)
			return -ENOMEM;
		s->cn_old = d->cn;
	}
	for (int j = 0; j < now->n_sockets; j++) {
		struct sockets_now *k = &now->sockets[j];
		char id[64];

		if (k->used)
			continue;
		snprintf(id, sizeof(id), "cgroup id %llu", (unsigned long long)k->id);
		s = plan_add(p, BPFTCP_APPLY_DETACH, "sockets", id);
		if (!s)
			return -ENOMEM;
		snprintf(s->pin, sizeof(s->pin), "%s", k->pin);
	}
	for (int i = 0; i < bpftcp_cc_count(); i++) {
		const struct bpftcp_cc_info *a = bpftcp_cc_get(i);
		bool named = false;

		for (int k = 0; k < c->cc_cnt; k++)
			named |= c->cc[k] == a;
		if (named || bpftcp_cc_is_registered(a->name) != 1)
			continue;
		s = plan_add(p, BPFTCP_APPLY_UNREGISTER, a->kname, NULL);
		if (!s)
			return -ENOMEM;
		s->restricted = libbpftcp__cc_allowed(a->kname) == 0;
	}
	return 0;
}

/* Upgrades last: a replace is not undone. */
static int plan_replace(const struct bpftcp_conf *c, struct plan *p)
{
	for (int i = 0; i < c->cc_cnt; i++) {
		struct step *s;
		int differs;

		if (bpftcp_cc_is_registered(c->cc[i]->name) != 1)
			continue;
		differs = libbpftcp__cc_differs(c->cc[i]->name);
		if (differs < 0)
			return differs;
		if (!differs)
			continue;
		s = plan_add(p, BPFTCP_APPLY_REPLACE, c->cc[i]->kname, NULL);
		if (!s)
			return -ENOMEM;
		snprintf(s->detail, sizeof(s->detail), "the pinned programs differ from this bpftcp's");
	}
	return 0;
}

static int plan_make(const struct bpftcp_conf *c, struct plan *p)
{
	struct now now;
	int err;

	memset(p, 0, sizeof(*p));
	err = now_read(&now);
	if (!err)
		err = plan_cc(c, p);
	if (!err)
		err = plan_default(c, p);
	if (!err)
		err = plan_cgroups(c, &now, p);
	if (!err)
		err = plan_ccneg(c, &now, p);
	if (!err)
		err = plan_removals(c, &now, p);
	if (!err)
		err = plan_replace(c, p);
	now_free(&now);
	if (err)
		plan_free(p);
	return err;
}

/* ------------------------------------------------------- carrying it out */

static int attach_delack(const char *cgroup, const struct bpftcp_delack_opts *o)
{
	return bpftcp_opt_delack_attach(cgroup, o);
}

enum ccneg_op { CCNEG_ATTACH, CCNEG_UPDATE, CCNEG_REATTACH };

/* @cn as the library's options (@names: room for its preference). */
static void ccneg_opts(const struct libbpftcp__conf_ccneg *cn, const char **names,
		       struct bpftcp_ccneg_opts *o)
{
	for (size_t k = 0; k < cn->prefer_cnt; k++)
		names[k] = cn->prefer[k];
	*o = (struct bpftcp_ccneg_opts){
		.sz = sizeof(*o), .prefer = names, .prefer_cnt = cn->prefer_cnt,
		.fallback = cn->fallback, .peers = cn->peers, .peers_cnt = cn->peers_cnt,
		.record = cn->record,
	};
}

/* Attaches, updates in place or detaches and attaches ccneg on @cgroup
 * with @cn; a reattach that cannot attach @cn attaches @old again. */
static int ccneg_do(enum ccneg_op op, const char *cgroup, const struct libbpftcp__conf_ccneg *cn,
		    const struct libbpftcp__conf_ccneg *old)
{
	const char *names[BPFTCP_CCNEG_PREFER_MAX], *old_names[BPFTCP_CCNEG_PREFER_MAX];
	struct bpftcp_ccneg_opts o, was;
	int err;

	ccneg_opts(cn, names, &o);
	if (op == CCNEG_ATTACH)
		return bpftcp_opt_ccneg_attach(cgroup, &o);
	if (op == CCNEG_UPDATE) {
		err = libbpftcp__opt_ccneg_update(cgroup, &o);
		/* A kernel that cannot point the link at another program. */
		if (err != -EOPNOTSUPP)
			return err;
	}
	err = bpftcp_opt_detach("ccneg", cgroup);
	if (err)
		return err;
	err = bpftcp_opt_ccneg_attach(cgroup, &o);
	if (!err)
		return 0;
	ccneg_opts(old, old_names, &was);
	if (bpftcp_opt_ccneg_attach(cgroup, &was))
		pr_warn("cannot attach ccneg to %s again: it is detached\n", cgroup);
	return err;
}

static int register_cc(const char *kname, bool restricted)
{
	BPFTCP_OPTS(bpftcp_cc_register_opts, o, .restricted = restricted);

	return bpftcp_cc_register(kname, &o);
}

static int set_default(struct step *s, const char *kname)
{
	char saved[64];
	int err;

	if (s->s.action == BPFTCP_APPLY_SET_DEFAULT && saved_default_get(saved, sizeof(saved))) {
		err = saved_default_set(s->prev);
		if (err)
			return err;
		s->saved_default = true;
	}
	err = bpftcp_cc_default_set(kname);
	if (err && s->saved_default) {
		saved_default_drop();
		s->saved_default = false;
	}
	return err;
}

static int sockets_unpin(const char *dir)
{
	libbpftcp__sockets_unpin(dir);
	return access(dir, F_OK) ? 0 : -ENOTEMPTY;
}

static int step_do(struct step *s)
{
	switch (s->s.action) {
	case BPFTCP_APPLY_REGISTER:
		return register_cc(s->object, s->restricted);
	case BPFTCP_APPLY_REPLACE:
		return bpftcp_cc_replace(s->object, NULL);
	case BPFTCP_APPLY_ALLOW:
	case BPFTCP_APPLY_RESTRICT:
		return libbpftcp__cc_set_allowed(s->object, s->s.action == BPFTCP_APPLY_ALLOW);
	case BPFTCP_APPLY_SET_DEFAULT:
	case BPFTCP_APPLY_RESTORE_DEFAULT:
		return set_default(s, s->object);
	case BPFTCP_APPLY_ATTACH:
		if (!strcmp(s->object, "sockets"))
			return bpftcp_sockets_attach(s->cgroup, NULL);
		if (!strcmp(s->object, "ccneg"))
			return ccneg_do(CCNEG_ATTACH, s->cgroup, &s->cn, NULL);
		return attach_delack(s->cgroup, &s->dl);
	case BPFTCP_APPLY_UPDATE:
		if (!strcmp(s->object, "ccneg")) {
			s->cn_old.peers = s->old_peers;
			return ccneg_do(s->reattach ? CCNEG_REATTACH : CCNEG_UPDATE, s->cgroup,
					&s->cn, &s->cn_old);
		}
		return libbpftcp__opt_delack_update(s->cgroup, &s->dl);
	case BPFTCP_APPLY_DETACH:
		if (!strcmp(s->object, "sockets")) {
			libbpftcp__sockets_unpin_hold(s->pin, &s->held);
			s->holding = true;
			return access(s->pin, F_OK) ? 0 : -ENOTEMPTY;
		}
		if (!strcmp(s->object, "ccneg"))
			return bpftcp_opt_detach("ccneg", s->cgroup);
		return bpftcp_opt_detach("delack", s->cgroup);
	case BPFTCP_APPLY_UNREGISTER:
		return bpftcp_cc_unregister(s->object, NULL);
	}
	return -EINVAL;
}

/* The undo of a step that was carried out; a replace has none. */
static int step_undo(struct step *s)
{
	int err;

	switch (s->s.action) {
	case BPFTCP_APPLY_REGISTER:
		return bpftcp_cc_unregister(s->object, NULL);
	case BPFTCP_APPLY_ALLOW:
	case BPFTCP_APPLY_RESTRICT:
		return libbpftcp__cc_set_allowed(s->object, s->s.action != BPFTCP_APPLY_ALLOW);
	case BPFTCP_APPLY_SET_DEFAULT:
	case BPFTCP_APPLY_RESTORE_DEFAULT:
		err = bpftcp_cc_default_set(s->prev);
		if (!err && s->saved_default)
			saved_default_drop();
		return err;
	case BPFTCP_APPLY_ATTACH:
		if (!strcmp(s->object, "sockets"))
			return sockets_unpin(s->pin);
		return bpftcp_opt_detach(s->object, s->cgroup);
	case BPFTCP_APPLY_UPDATE:
		if (!strcmp(s->object, "ccneg")) {
			s->cn_old.peers = s->old_peers;
			return ccneg_do(s->reattach ? CCNEG_REATTACH : CCNEG_UPDATE, s->cgroup,
					&s->cn_old, &s->cn);
		}
		s->old.peers = s->old_peers;
		return libbpftcp__opt_delack_update(s->cgroup, &s->old);
	case BPFTCP_APPLY_DETACH:
		/* The same link and counters, held since the detach (the
		 * cgroup is known by its id only, and may be gone). */
		if (!strcmp(s->object, "sockets")) {
			s->holding = false;
			return libbpftcp__sockets_repin(s->pin, &s->held);
		}
		if (!strcmp(s->object, "ccneg")) {
			s->cn_old.peers = s->old_peers;
			return ccneg_do(CCNEG_ATTACH, s->cgroup, &s->cn_old, NULL);
		}
		s->old.peers = s->old_peers;
		return attach_delack(s->cgroup, &s->old);
	case BPFTCP_APPLY_UNREGISTER:
		return register_cc(s->object, s->restricted);
	}
	return -EOPNOTSUPP;
}

static void report(bpftcp_apply_step_fn fn, void *ctx, struct step *s, int event, int err)
{
	s->s.object = s->object;
	s->s.cgroup = s->s.cgroup ? s->cgroup : NULL;
	s->s.detail = s->detail;
	if (fn)
		fn(&s->s, event, err, ctx);
}

static int plan_run(struct plan *p, bpftcp_apply_step_fn fn, void *ctx)
{
	int err = 0, i;

	for (i = 0; i < p->n; i++) {
		report(fn, ctx, &p->steps[i], BPFTCP_STEP_START, 0);
		err = step_do(&p->steps[i]);
		report(fn, ctx, &p->steps[i], err ? BPFTCP_STEP_FAILED : BPFTCP_STEP_DONE, err);
		if (err)
			break;
	}
	if (!err)
		return p->n;
	/* All or nothing: undo what this apply did, newest first. */
	while (--i >= 0) {
		struct step *s = &p->steps[i];
		int e;

		if (s->s.action == BPFTCP_APPLY_REPLACE)
			continue;
		e = step_undo(s);
		report(fn, ctx, s, e ? BPFTCP_STEP_UNDO_FAILED : BPFTCP_STEP_UNDONE, e);
	}
	return err;
}

int bpftcp_apply(const struct bpftcp_conf *conf, const struct bpftcp_apply_opts *opts)
{
	bpftcp_apply_step_fn fn = OPTS_GET(opts, step, NULL);
	void *ctx = OPTS_GET(opts, ctx, NULL);
	char saved[64], cur[64] = "";
	struct plan p;
	int lock_fd, ret;

	if (!conf || !OPTS_VALID(opts, bpftcp_apply_opts))
		return -EINVAL;
	lock_fd = lock_take(OPTS_GET(opts, no_wait, false));
	if (lock_fd < 0)
		return lock_fd;
	ret = plan_make(conf, &p);
	if (ret)
		goto out;
	if (OPTS_GET(opts, dry_run, false)) {
		for (int i = 0; i < p.n; i++)
			report(fn, ctx, &p.steps[i], BPFTCP_STEP_PLANNED, 0);
		ret = p.n;
	} else {
		ret = plan_run(&p, fn, ctx);
		/* A default that is back where apply found it needs no record. */
		if (ret >= 0 && !conf->default_cc[0] && !saved_default_get(saved, sizeof(saved)) &&
		    !bpftcp_cc_default_get(cur, sizeof(cur)) && !strcmp(cur, saved))
			saved_default_drop();
	}
	plan_free(&p);
out:
	close(lock_fd);
	return ret;
}

/* ------------------------------------------------------------------ reset */

int bpftcp_reset(const struct bpftcp_reset_opts *opts)
{
	bpftcp_apply_step_fn fn = OPTS_GET(opts, step, NULL);
	void *ctx = OPTS_GET(opts, ctx, NULL);
	struct plan p = {};
	struct now now;
	char saved[64] = "", cur[64] = "";
	int lock_fd, err, first_err = 0;

	if (!OPTS_VALID(opts, bpftcp_reset_opts))
		return -EINVAL;
	lock_fd = lock_take(OPTS_GET(opts, no_wait, false));
	if (lock_fd < 0)
		return lock_fd;
	err = now_read(&now);
	if (err)
		goto out;
	if (!saved_default_get(saved, sizeof(saved))) {
		bpftcp_cc_default_get(cur, sizeof(cur));
		if (strcmp(cur, saved) &&
		    !plan_add_default(&p, BPFTCP_APPLY_RESTORE_DEFAULT, cur, saved)) {
			err = -ENOMEM;
			goto out;
		}
	}
	/* An empty file names nothing: everything goes. */
	{
		struct bpftcp_conf none = { .path = "(reset)" };

		err = plan_removals(&none, &now, &p);
	}
	now_free(&now);
	if (err)
		goto out;
	for (int i = 0; i < p.n; i++) {
		report(fn, ctx, &p.steps[i], BPFTCP_STEP_START, 0);
		err = step_do(&p.steps[i]);
		report(fn, ctx, &p.steps[i], err ? BPFTCP_STEP_FAILED : BPFTCP_STEP_DONE, err);
		if (err && !first_err)
			first_err = err;
		if (err && p.steps[i].s.action == BPFTCP_APPLY_RESTORE_DEFAULT)
			saved[0] = '\0';	/* keep the record: a later reset tries again */
	}
	if (saved[0])
		saved_default_drop();
	bpftcp_pin_root_gc();
	err = first_err ? first_err : p.n;
out:
	plan_free(&p);
	close(lock_fd);
	return err;
}
