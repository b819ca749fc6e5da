// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * libbpftcp: the declarative configuration, bpftcp.conf(5).
 *
 * An INI file read with Debian's libinih (ini_parse_stream()):
 *
 *	[cc]
 *	register = dctcp cubic
 *	restricted = no
 *	default = dctcp
 *
 *	[cgroup system.slice/web.service]
 *	sockets = yes
 *	delack = yes
 *	max-delack = 10
 *
 *	[ccneg system.slice/web.service]
 *	prefer = dctcp cubic
 *	fallback = cubic
 *
 * The whole file is checked, and every error is reported with its line,
 * before anything uses it.  libinih reports only the line of its first
 * syntax error and passes section names cut to 50 bytes, so the lines are
 * fed to it through our own reader (which knows the line number, the
 * section headers in full, and which lines libinih passed over as
 * malformed); the key = value pairs still come from libinih.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <ini.h>
#include "libbpftcp_internal.h"
#include "bpftcp/ccneg_opt.h"

#define SECTION_HELP "sections: [cc], [cgroup PATH], [ccneg PATH]"
#define CC_KEYS "register, restricted, default"
#define CGROUP_KEYS "sockets, delack, max-delack, rto-floor, rto-ceiling, peers, record"
#define CCNEG_KEYS "prefer, fallback, peers, record"

enum section { SEC_NONE, SEC_CC, SEC_CGROUP, SEC_CCNEG, SEC_BAD };

struct conf_error {
	unsigned int line;
	int seq;		/* keeps the order of one line's errors */
	char *msg;
};

struct parse {
	struct bpftcp_conf *c;
	bpftcp_conf_error_fn error;
	void *ctx;
	bool syntax_only;
	FILE *f;
	unsigned int line;		/* of the line last read */
	unsigned int pending;		/* a key line libinih has not passed on yet */
	struct conf_error *errors;	/* reported sorted by line at the end */
	int n_errors, n_kept;
	enum section sec;
	int cg;				/* SEC_CGROUP: index in c->cgroups */
	int cn;				/* SEC_CCNEG: index in c->ccneg */
	unsigned int line_cc;		/* of the [cc] header */
};

static void conf_err(struct parse *p, unsigned int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void conf_err(struct parse *p, unsigned int line, const char *fmt, ...)
{
	struct conf_error *e = realloc(p->errors, (p->n_kept + 1) * sizeof(*e));
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (e) {
		p->errors = e;
		e[p->n_kept++] = (struct conf_error){ line, p->n_errors, strdup(msg) };
	}
	p->n_errors++;	/* counted even when it cannot be kept */
}

static int error_cmp(const void *a, const void *b)
{
	const struct conf_error *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->seq - y->seq;
}

/* Passes the errors, in line order, to the caller's callback (or prints). */
static void errors_report(struct parse *p)
{
	int kept = p->n_kept;

	qsort(p->errors, kept, sizeof(*p->errors), error_cmp);
	for (int i = 0; i < kept; i++) {
		const char *msg = p->errors[i].msg ? p->errors[i].msg : "(out of memory)";

		if (p->error)
			p->error(p->c->path, p->errors[i].line, msg, p->ctx);
		else
			pr_warn("%s:%u: %s\n", p->c->path, p->errors[i].line, msg);
		free(p->errors[i].msg);
	}
	free(p->errors);
	p->errors = NULL;
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* ------------------------------------------------------------- sections */

/*
 * The path of a "[@kind PATH]" header @name (quotes taken off), or NULL
 * when @name is not of @kind; *@bad (and an error) when the path is
 * missing.
 */
static char *section_path(struct parse *p, char *name, const char *kind, bool *bad)
{
	size_t k = strlen(kind);
	char *path;

	*bad = false;
	if (strncmp(name, kind, k) || (name[k] && !isspace((unsigned char)name[k])))
		return NULL;
	path = trim(name + k);
	if (path[0] == '"' && strlen(path) >= 2 && path[strlen(path) - 1] == '"') {
		path[strlen(path) - 1] = '\0';
		path++;
	}
	if (!*path) {
		conf_err(p, p->line, "[%s] needs the cgroup's path: [%s system.slice/NAME]", kind,
			 kind);
		*bad = true;
	}
	return path;
}

/* What the two kinds of [KIND PATH] sections start with. */
struct section_head {
	char *path;
	unsigned int line;
};
_Static_assert(offsetof(struct libbpftcp__conf_cgroup, path) == offsetof(struct section_head, path) &&
	       offsetof(struct libbpftcp__conf_cgroup, line) == offsetof(struct section_head, line) &&
	       offsetof(struct libbpftcp__conf_ccneg, path) == offsetof(struct section_head, path) &&
	       offsetof(struct libbpftcp__conf_ccneg, line) == offsetof(struct section_head, line),
	       "[cgroup] and [ccneg] sections start with path and line");

/*
 * Appends a [@kind @path] section to *@arr (*@cnt elements of @size bytes,
 * each starting as struct section_head), zeroed but for its path and line;
 * NULL (with the error) when a section of @kind named @path before.
 */
static void *section_add(struct parse *p, const char *kind, const char *path, void **arr, int *cnt,
			 size_t size)
{
	struct section_head *h;
	char *a;

	for (int i = 0; i < *cnt; i++) {
		h = (struct section_head *)((char *)*arr + i * size);
		if (!strcmp(h->path, path)) {
			conf_err(p, p->line, "section [%s %s] given twice (first at line %u)", kind,
				 path, h->line);
			return NULL;
		}
	}
	a = realloc(*arr, (*cnt + 1) * size);
	if (!a)
		return NULL;
	*arr = a;
	h = (struct section_head *)(a + *cnt * size);
	memset(h, 0, size);
	h->path = strdup(path);
	if (!h->path)
		return NULL;
	h->line = p->line;
	(*cnt)++;
	return h;
}

static void cgroup_begin(struct parse *p, const char *path)
{
	struct libbpftcp__conf_cgroup *cg = section_add(p, "cgroup", path, (void **)&p->c->cgroups,
							&p->c->cgroups_cnt, sizeof(*cg));

	if (!cg)
		return;
	cg->dl.sz = sizeof(cg->dl);
	p->cg = p->c->cgroups_cnt - 1;
	p->sec = SEC_CGROUP;
}

static void ccneg_begin(struct parse *p, const char *path)
{
	if (!section_add(p, "ccneg", path, (void **)&p->c->ccneg, &p->c->ccneg_cnt,
			 sizeof(*p->c->ccneg)))
		return;
	p->cn = p->c->ccneg_cnt - 1;
	p->sec = SEC_CCNEG;
}

static void section_begin(struct parse *p, char *name)
{
	char *path;
	bool bad;

	name = trim(name);
	if (!strcmp(name, "cc")) {
		if (p->line_cc)
			conf_err(p, p->line, "section [cc] given twice (first at line %u)",
				 p->line_cc);
		p->line_cc = p->line;
		p->sec = SEC_CC;
		return;
	}
	p->sec = SEC_BAD;
	path = section_path(p, name, "cgroup", &bad);
	if (path && !bad) {
		cgroup_begin(p, path);
		return;
	}
	if (!path)
		path = section_path(p, name, "ccneg", &bad);
	if (path && !bad)
		ccneg_begin(p, path);
	else if (!path)
		conf_err(p, p->line, "unknown section [%s] (%s)", name, SECTION_HELP);
}

/* --------------------------------------------------------------- the reader */

/*
 * libinih's line source (an fgets() look-alike): counts lines, reads section
 * headers in full, drops leading blanks (which libinih would otherwise take
 * for a continuation of the previous value), refuses overlong lines, and
 * notices a key line that libinih did not pass to the handler (no '=').
 */
static char *reader(char *str, int num, void *stream)
{
	struct parse *p = stream;
	char *s, *end;
	size_t n;

	if (p->pending)
		conf_err(p, p->pending, "expected 'key = value'");
	p->pending = 0;
	if (!fgets(str, num, p->f))
		return NULL;
	p->line++;
	n = strlen(str);
	if (n && str[n - 1] != '\n' && !feof(p->f)) {
		int ch;

		while ((ch = fgetc(p->f)) != EOF && ch != '\n')
			;
		conf_err(p, p->line, "line longer than %d characters (a list may be split over "
			 "several 'register' or 'peers' lines)", num - 2);
		strcpy(str, "\n");
		return str;
	}
	s = str;
	if (p->line == 1 && !strncmp(s, "\xEF\xBB\xBF", 3))
		s += 3;
	while (*s == ' ' || *s == '\t')
		s++;
	memmove(str, s, strlen(s) + 1);
	if (!*str || *str == '\n' || *str == '\r' || *str == ';' || *str == '#')
		return str;
	if (*str == '[') {
		end = strchr(str, ']');
		if (!end) {
			conf_err(p, p->line, "section header without ']'");
			p->sec = SEC_BAD;
			strcpy(str, "\n");
			return str;
		}
		*end = '\0';
		section_begin(p, str + 1);
		*end = ']';
		return str;
	}
	p->pending = p->line;
	return str;
}

/* ------------------------------------------------------------------ values */

static int parse_bool(struct parse *p, const char *key, const char *v, bool *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (!strcasecmp(v, yes[i]))
			return *out = true, 0;
		if (!strcasecmp(v, no[i]))
			return *out = false, 0;
	}
	conf_err(p, p->line, "'%s' must be yes or no (got '%s')", key, v);
	return -EINVAL;
}

/* A key that may be given once: records its line, or says it is a repeat. */
static bool first_time(struct parse *p, const char *key, unsigned int *line)
{
	if (*line) {
		conf_err(p, p->line, "'%s' given twice (first at line %u)", key, *line);
		return false;
	}
	*line = p->line;
	return true;
}

static void cc_add(struct bpftcp_conf *c, const struct bpftcp_cc_info *a)
{
	const struct bpftcp_cc_info **cc;

	for (int i = 0; i < c->cc_cnt; i++)
		if (c->cc[i] == a)
			return;
	cc = realloc(c->cc, (c->cc_cnt + 1) * sizeof(*cc));
	if (!cc)
		return;
	c->cc = cc;
	c->cc[c->cc_cnt++] = a;
}

static void cc_register_list(struct parse *p, char *v)
{
	char *save, *w;

	if (!p->c->line_register)
		p->c->line_register = p->line;
	for (w = strtok_r(v, " \t,", &save); w; w = strtok_r(NULL, " \t,", &save)) {
		const struct bpftcp_cc_info *a = bpftcp_cc_find(w);

		if (!strcmp(w, "all")) {
			for (int i = 0; i < bpftcp_cc_count(); i++)
				cc_add(p->c, bpftcp_cc_get(i));
		} else if (a) {
			cc_add(p->c, a);
		} else {
			char names[1024] = "";
			size_t n = 0;

			for (int i = 0; i < bpftcp_cc_count() && n < sizeof(names); i++)
				n += snprintf(names + n, sizeof(names) - n, "%s%s", i ? " " : "",
					      bpftcp_cc_get(i)->name);
			conf_err(p, p->line, "unknown congestion control '%s' (bpftcp ships: %s)",
				 w, names);
		}
	}
}

static void cc_key(struct parse *p, const char *key, char *v)
{
	struct bpftcp_conf *c = p->c;

	if (!strcmp(key, "register")) {
		cc_register_list(p, v);
	} else if (!strcmp(key, "restricted")) {
		if (first_time(p, key, &c->line_restricted))
			parse_bool(p, key, v, &c->restricted);
	} else if (!strcmp(key, "default")) {
		if (!first_time(p, key, &c->line_default))
			return;
		if (!*v || strlen(v) >= BPFTCP_CA_NAME_MAX || strpbrk(v, " \t,")) {
			conf_err(p, p->line, "'default' must be one congestion control name "
				 "(got '%s')", v);
			return;
		}
		snprintf(c->default_cc, sizeof(c->default_cc), "%s", v);
	} else {
		conf_err(p, p->line, "unknown key '%s' in [cc] (keys: %s)", key, CC_KEYS);
	}
}

static void ms_key(struct parse *p, const char *key, const char *v, __u32 *us)
{
	int err = bpftcp_ms_parse(v, BPFTCP_DELACK_MAX_US / 1000, us);

	if (err == -EINVAL)
		conf_err(p, p->line, "'%s' must be milliseconds, e.g. 20 or 2.5 (got '%s')", key, v);
	else if (err)
		conf_err(p, p->line, "'%s' %s is out of range (0.1 to %u ms)", key, v,
			 BPFTCP_DELACK_MAX_US / 1000);
}

/* A 'peers' line: its prefixes added to *@peers (*@cnt of them). */
static void peers_list(struct parse *p, struct bpftcp_cidr **peersp, size_t *cnt,
		       unsigned int *line, char *v)
{
	char *save, *w, net[64];

	if (!*line)
		*line = p->line;
	for (w = strtok_r(v, " \t,", &save); w; w = strtok_r(NULL, " \t,", &save)) {
		struct bpftcp_cidr c, *peers;
		int err = bpftcp_cidr_parse(w, &c);

		if (err == -ENOTUNIQ) {
			for (unsigned int bit = c.prefix; bit < (c.family == AF_INET ? 32u : 128u); bit++)
				c.addr[bit / 8] &= ~(0x80 >> (bit % 8));
			bpftcp_cidr_format(&c, net, sizeof(net));
			conf_err(p, p->line, "peer '%s' has bits set beyond its prefix (%s?)", w, net);
			continue;
		}
		if (err) {
			conf_err(p, p->line, "peer '%s' is not an IPv4 or IPv6 prefix%s", w,
				 err == -ERANGE ? " (prefix length too long)" : "");
			continue;
		}
		peers = realloc(*peersp, (*cnt + 1) * sizeof(*peers));
		if (!peers)
			return;
		*peersp = peers;
		peers[(*cnt)++] = c;
	}
}

static void cgroup_key(struct parse *p, const char *key, char *v)
{
	struct libbpftcp__conf_cgroup *cg = &p->c->cgroups[p->cg];

	if (!strcmp(key, "sockets")) {
		if (first_time(p, key, &cg->line_sockets))
			parse_bool(p, key, v, &cg->sockets);
	} else if (!strcmp(key, "delack")) {
		if (first_time(p, key, &cg->line_delack))
			parse_bool(p, key, v, &cg->delack);
	} else if (!strcmp(key, "record")) {
		if (first_time(p, key, &cg->line_record))
			parse_bool(p, key, v, &cg->dl.record);
	} else if (!strcmp(key, "max-delack")) {
		if (first_time(p, key, &cg->line_max_delack))
			ms_key(p, key, v, &cg->dl.max_delack_us);
	} else if (!strcmp(key, "rto-floor")) {
		if (first_time(p, key, &cg->line_rto_floor))
			ms_key(p, key, v, &cg->dl.rto_floor_us);
	} else if (!strcmp(key, "rto-ceiling")) {
		if (first_time(p, key, &cg->line_rto_ceiling))
			ms_key(p, key, v, &cg->dl.rto_ceiling_us);
	} else if (!strcmp(key, "peers")) {
		peers_list(p, &cg->peers, &cg->dl.peers_cnt, &cg->line_peers, v);
	} else {
		conf_err(p, p->line, "unknown key '%s' in [cgroup %s] (keys: %s)", key, cg->path,
			 CGROUP_KEYS);
	}
}

/* The registry's names, for messages. */
static void registry_names(char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < HDROPT_CCNEG_REGISTRY_LEN && n < len; i++)
		n += snprintf(buf + n, len - n, "%s%s", i ? " " : "", hdropt_ccneg_registry[i].name);
}

/* @w's registry entry, or NULL with an error that names @key. */
static const struct hdropt_ccneg_alg *ccneg_alg(struct parse *p, const char *key, const char *w)
{
	const struct hdropt_ccneg_alg *a = NULL;
	char names[256];

	if (strlen(w) < BPFTCP_CA_NAME_MAX)
		a = hdropt_ccneg_alg_by_name(w);
	if (!a) {
		registry_names(names, sizeof(names));
		conf_err(p, p->line, "'%s': unknown algorithm '%s' (the ccneg registry: %s)", key,
			 w, names);
	}
	return a;
}

static void ccneg_prefer(struct parse *p, struct libbpftcp__conf_ccneg *cn, char *v)
{
	const struct hdropt_ccneg_alg *a;
	char *save, *w;
	int words = 0;

	for (w = strtok_r(v, " \t,", &save); w; w = strtok_r(NULL, " \t,", &save)) {
		size_t j;

		words++;
		a = ccneg_alg(p, "prefer", w);
		if (!a)
			continue;
		for (j = 0; j < cn->prefer_cnt && cn->prefer_ids[j] != a->id; j++)
			;
		if (j < cn->prefer_cnt) {
			conf_err(p, p->line, "'prefer' names %s twice ('%s' and '%s')", a->name,
				 cn->prefer[j], w);
			continue;
		}
		if (cn->prefer_cnt == BPFTCP_CCNEG_PREFER_MAX) {
			conf_err(p, p->line, "'prefer' names more than %d algorithms",
				 BPFTCP_CCNEG_PREFER_MAX);
			return;
		}
		snprintf(cn->prefer[cn->prefer_cnt], sizeof(cn->prefer[0]), "%s", w);
		cn->prefer_ids[cn->prefer_cnt++] = a->id;
	}
	if (!words)
		conf_err(p, p->line, "'prefer' needs one or more algorithms, most preferred first");
}

static void ccneg_key(struct parse *p, const char *key, char *v)
{
	struct libbpftcp__conf_ccneg *cn = &p->c->ccneg[p->cn];
	const struct hdropt_ccneg_alg *a;

	if (!strcmp(key, "prefer")) {
		if (first_time(p, key, &cn->line_prefer))
			ccneg_prefer(p, cn, v);
	} else if (!strcmp(key, "fallback")) {
		if (!first_time(p, key, &cn->line_fallback))
			return;
		if (!*v || strpbrk(v, " \t,")) {
			conf_err(p, p->line, "'fallback' must be one algorithm name (got '%s')", v);
			return;
		}
		a = ccneg_alg(p, key, v);
		if (!a)
			return;
		snprintf(cn->fallback, sizeof(cn->fallback), "%s", v);
		cn->fallback_id = a->id;
	} else if (!strcmp(key, "record")) {
		if (first_time(p, key, &cn->line_record))
			parse_bool(p, key, v, &cn->record);
	} else if (!strcmp(key, "peers")) {
		peers_list(p, &cn->peers, &cn->peers_cnt, &cn->line_peers, v);
	} else {
		conf_err(p, p->line, "unknown key '%s' in [ccneg %s] (keys: %s)", key, cn->path,
			 CCNEG_KEYS);
	}
}

/* libinih's handler: one key = value of the current section (ours: the
 * reader's, which has the header in full). */
static int handler(void *user, const char *section, const char *name, const char *value)
{
	struct parse *p = user;
	char v[INI_MAX_LINE + 1];

	p->pending = 0;
	snprintf(v, sizeof(v), "%s", value);
	switch (p->sec) {
	case SEC_NONE:
		conf_err(p, p->line, "'%s' is outside a section (%s)", name, SECTION_HELP);
		break;
	case SEC_CC:
		cc_key(p, name, v);
		break;
	case SEC_CGROUP:
		cgroup_key(p, name, v);
		break;
	case SEC_CCNEG:
		ccneg_key(p, name, v);
		break;
	case SEC_BAD:
		break;	/* the section header has its error */
	}
	return 1;
}

/* ------------------------------------------------------ checks at the end */

/* Is tcp_@name a module of the running kernel (loaded when first used)? */
static bool kernel_module_exists(const char *name)
{
	static const char *const lists[] = { "modules.dep", "modules.builtin" };
	char path[PATH_MAX], want[64], line[1024];
	struct utsname u;
	bool found = false;

	if (uname(&u))
		return false;
	snprintf(want, sizeof(want), "/tcp_%s.ko", name);
	for (size_t i = 0; !found && i < sizeof(lists) / sizeof(lists[0]); i++) {
		FILE *f;

		snprintf(path, sizeof(path), "/lib/modules/%s/%s", u.release, lists[i]);
		f = fopen(path, "re");
		if (!f)
			continue;
		while (!found && fgets(line, sizeof(line), f)) {
			char *m = strstr(line, want);

			found = m && (m[strlen(want)] == ':' || m[strlen(want)] == '\n' ||
				      m[strlen(want)] == '.');
		}
		fclose(f);
	}
	return found;
}

static void check_cc(struct parse *p)
{
	struct bpftcp_conf *c = p->c;
	const struct bpftcp_cc_info *a;
	char avail[4096];

	if (!c->default_cc[0])
		return;
	/* The kernel's name, as is (bpftcp_cc_default_set()): "cubic" is the
	 * kernel's, "bpf_cubic" bpftcp's. */
	a = bpftcp_cc_find(c->default_cc);
	if (a && !strcmp(a->kname, c->default_cc)) {
		for (int i = 0; i < c->cc_cnt; i++)
			if (c->cc[i] == a)
				return;
		conf_err(p, c->line_default, "default %s is not registered by this file (add %s to "
			 "'register')", a->kname, a->name);
		return;
	}
	if (p->syntax_only)
		return;
	if (!bpftcp_cc_available(avail, sizeof(avail)) &&
	    libbpftcp__word_in_list(avail, c->default_cc))
		return;
	if (!strncmp(c->default_cc, "bpf_", 4) || !kernel_module_exists(c->default_cc))
		conf_err(p, c->line_default, "the kernel has no congestion control '%s' "
			 "(available: %s%s)", c->default_cc, avail,
			 a ? "; bpftcp's is bpf_" : "");
}

/* The cgroup ids and header lines of the sections of one kind. */
struct seen {
	__u64 *ids;
	unsigned int *lines;
};

/*
 * Section @i of its kind names @path, header at @line: is it a cgroup, and
 * not the cgroup of an earlier section of its kind (in @seen)?
 */
static void check_path(struct parse *p, const char *kind, const char *path, unsigned int line,
		       struct seen *seen, int i)
{
	char real[PATH_MAX];
	int err = bpftcp_cgroup_resolve(path, real, sizeof(real), &seen->ids[i]);

	seen->lines[i] = line;

	if (err == -ENOENT)
		conf_err(p, line, "no such cgroup '%s'", path);
	else if (err == -ENOTDIR)
		conf_err(p, line, "'%s' is not a cgroup v2 directory", path);
	else if (err)
		conf_err(p, line, "cgroup '%s': %s", path, strerror(-err));
	for (int j = 0; !err && j < i; j++)
		if (seen->ids[j] == seen->ids[i])
			conf_err(p, line, "[%s %s] is the cgroup of line %u", kind, path,
				 seen->lines[j]);
}

static void check_cgroup(struct parse *p, struct libbpftcp__conf_cgroup *cg, struct seen *seen,
			 int i)
{
	const struct { const char *key; unsigned int line; } settings[] = {
		{ "max-delack", cg->line_max_delack }, { "rto-floor", cg->line_rto_floor },
		{ "rto-ceiling", cg->line_rto_ceiling }, { "peers", cg->line_peers },
		{ "record", cg->line_record },
	};
	__u32 floor = cg->dl.rto_floor_us ?: BPFTCP_DELACK_DEFAULT_RTO_FLOOR_US;
	__u32 ceiling = cg->dl.rto_ceiling_us ?: BPFTCP_DELACK_DEFAULT_RTO_CEILING_US;

	cg->dl.peers = cg->peers;
	/* Settings with 'delack = no' are kept for later; with no 'delack'
	 * at all they are a mistake. */
	for (size_t k = 0; !cg->line_delack && k < sizeof(settings) / sizeof(settings[0]); k++)
		if (settings[k].line)
			conf_err(p, settings[k].line, "'%s' is a delack setting: add 'delack = yes' "
				 "to [cgroup %s]", settings[k].key, cg->path);
	if (cg->delack && !cg->line_max_delack)
		conf_err(p, cg->line_delack, "'delack = yes' needs 'max-delack' (milliseconds)");
	if (floor > ceiling)
		conf_err(p, cg->line_rto_floor ?: cg->line_rto_ceiling,
			 "rto-floor %.1f ms is above rto-ceiling %.1f ms", floor / 1000.0,
			 ceiling / 1000.0);
	if (cg->dl.peers_cnt > BPFTCP_DELACK_PEERS_MAX)
		conf_err(p, cg->line_peers, "%zu peer prefixes (at most %d)", cg->dl.peers_cnt,
			 BPFTCP_DELACK_PEERS_MAX);
	if (!p->syntax_only)
		check_path(p, "cgroup", cg->path, cg->line, seen, i);
}

/*
 * Will @name (of @key, at @line) be there when the file is applied: bpftcp's
 * algorithm that the file registers, or one of the kernel's own (@avail)?
 * bpftcp's that the file does not register are unregistered by the apply.
 */
static void check_ccneg_alg(struct parse *p, const char *key, unsigned int line, const char *name,
			    const char *avail)
{
	const struct bpftcp_cc_info *a = bpftcp_cc_find(name);

	for (int i = 0; a && i < p->c->cc_cnt; i++)
		if (p->c->cc[i] == a)
			return;
	if (strncmp(name, "bpf_", 4) && libbpftcp__word_in_list(avail, name))
		return;
	if (a)
		conf_err(p, line, "'%s': %s is not registered by this file (add %s to 'register' "
			 "in [cc])", key, a->kname, a->name);
	else
		conf_err(p, line, "'%s': the kernel has no congestion control '%s' (available: %s)",
			 key, name, avail);
}

static void check_ccneg(struct parse *p, struct libbpftcp__conf_ccneg *cn, struct seen *seen, int i)
{
	char avail[4096];

	if (!cn->line_prefer)
		conf_err(p, cn->line, "[ccneg %s] needs 'prefer' (the algorithms, most preferred "
			 "first)", cn->path);
	if (!cn->line_fallback)
		conf_err(p, cn->line, "[ccneg %s] needs 'fallback' (what runs with a peer that "
			 "does not speak the option)", cn->path);
	if (cn->peers_cnt > BPFTCP_CCNEG_PEERS_MAX)
		conf_err(p, cn->line_peers, "%zu peer prefixes (at most %d)", cn->peers_cnt,
			 BPFTCP_CCNEG_PEERS_MAX);
	if (p->syntax_only)
		return;
	if (bpftcp_cc_available(avail, sizeof(avail)))
		avail[0] = '\0';
	for (size_t k = 0; k < cn->prefer_cnt; k++)
		check_ccneg_alg(p, "prefer", cn->line_prefer, cn->prefer[k], avail);
	if (cn->fallback[0])
		check_ccneg_alg(p, "fallback", cn->line_fallback, cn->fallback, avail);
	check_path(p, "ccneg", cn->path, cn->line, seen, i);
}

/* --------------------------------------------------------------- loading */

void bpftcp_conf_free(struct bpftcp_conf *c)
{
	if (!c)
		return;
	for (int i = 0; i < c->cgroups_cnt; i++) {
		free(c->cgroups[i].path);
		free(c->cgroups[i].peers);
	}
	free(c->cgroups);
	for (int i = 0; i < c->ccneg_cnt; i++) {
		free(c->ccneg[i].path);
		free(c->ccneg[i].peers);
	}
	free(c->ccneg);
	free(c->cc);
	free(c->path);
	free(c);
}

int bpftcp_conf_load(const char *path, const struct bpftcp_conf_opts *opts,
		     struct bpftcp_conf **out)
{
	struct parse p = {};
	struct seen seen = {};
	int n, err = 0;

	if (!out || !OPTS_VALID(opts, bpftcp_conf_opts))
		return -EINVAL;
	*out = NULL;
	p.error = OPTS_GET(opts, error, NULL);
	p.ctx = OPTS_GET(opts, ctx, NULL);
	p.syntax_only = OPTS_GET(opts, syntax_only, false);
	p.c = calloc(1, sizeof(*p.c));
	if (!p.c)
		return -ENOMEM;
	p.c->path = strdup(path ? path : BPFTCP_CONF_DEFAULT);
	if (!p.c->path) {
		err = -ENOMEM;
		goto out;
	}
	p.f = fopen(p.c->path, "re");
	if (!p.f) {
		err = -errno;
		goto out;
	}
	if (ini_parse_stream(reader, &p, handler, &p) == -2)
		err = -ENOMEM;
	if (!err && ferror(p.f))
		err = -EIO;
	fclose(p.f);
	if (err)
		goto out;
	check_cc(&p);
	n = (p.c->cgroups_cnt > p.c->ccneg_cnt ? p.c->cgroups_cnt : p.c->ccneg_cnt) + 1;
	seen.ids = calloc(n, sizeof(*seen.ids));
	seen.lines = calloc(n, sizeof(*seen.lines));
	if (!seen.ids || !seen.lines) {
		err = -ENOMEM;
		goto out;
	}
	for (int i = 0; i < p.c->cgroups_cnt; i++)
		check_cgroup(&p, &p.c->cgroups[i], &seen, i);
	for (int i = 0; i < p.c->ccneg_cnt; i++)
		check_ccneg(&p, &p.c->ccneg[i], &seen, i);
	if (p.n_errors)
		err = -EINVAL;
out:
	errors_report(&p);
	free(seen.ids);
	free(seen.lines);
	if (err)
		bpftcp_conf_free(p.c);
	else
		*out = p.c;
	return err;
}
