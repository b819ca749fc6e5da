// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * bpftcp sockets: list the per-socket records, and turn their collection on
 * and off per cgroup: parsing and output on top of libbpftcp.
 *
 * Listing reads the records through the kernel's socket-diag interface, one
 * network namespace at a time (bpftcp_sock_records_foreach(),
 * lib/sock_diag.c): no socket fds and no BPF program are needed.
 * Collection is bpftcp_sockets_attach()/bpftcp_sockets_detach()
 * (lib/sockets.c).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "bpftcp/ccneg_opt.h"
#include "bpftcp/libbpftcp.h"
#include "args.h"
#include "common.h"
#include "sockets.h"

#define TCP_INFINITE_SSTHRESH 0x7fffffffu

/* ------------------------------------------------------- argument parsing */

static int parse_port(const char *opt, const char *val, void *field)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(val, &end, 10);
	if (errno || end == val || *end || v < 1 || v > 65535)
		return p_usage_err("bad port '%s' (expected 1-65535)", val);
	*(int *)field = v;
	return 0;
}

static const struct arg_opt list_opts[] = {
	{ .name = "--cc", .kind = ARG_STR, .offset = ARG_FIELD(struct sockets_filter, cc),
	  .metavar = "NAME", .help = "sockets running NAME (cubic: cubic and bpf_cubic)",
	  .missing = "a NAME (e.g. --cc bpf_cubic)" },
	{ .name = "--port", .kind = ARG_CUSTOM, .offset = ARG_FIELD(struct sockets_filter, port),
	  .metavar = "N", .help = "sockets with N at either end", .parse = parse_port,
	  .missing = "a number (1-65535)" },
	{ .name = "--netns", .alias = "-n", .kind = ARG_STR,
	  .offset = ARG_FIELD(struct sockets_filter, netns), .metavar = "NAME|PATH",
	  .help = "that network namespace", .flags = ARG_ONCE,
	  .missing = "a NAME (in /run/netns) or a PATH (e.g. /proc/PID/ns/net)" },
	{ .name = "--all-netns", .kind = ARG_FLAG,
	  .offset = ARG_FIELD(struct sockets_filter, all_netns),
	  .help = "every network namespace found" },
	{ .name = NULL }
};

int sockets_parse_list_args(int argc, char **argv, struct sockets_filter *f)
{
	static const struct arg_spec spec = {
		.cmd = "sockets",
		.help_ref = "bpftcp sockets help",
		.opts = list_opts,
	};

	memset(f, 0, sizeof(*f));
	if (args_parse(&spec, argc, argv, f))
		return EXIT_USAGE;
	if (f->netns && f->all_netns)
		return p_usage_err("--netns and --all-netns exclude each other");
	return 0;
}

static const struct arg_opt cgroup_opts[] = {
	{ .name = "--cgroup", .kind = ARG_STR, .offset = 0, .metavar = "PATH",
	  .help = "a cgroup v2 directory", .flags = ARG_REQUIRED | ARG_ONCE, .missing = "a PATH" },
	{ .name = NULL }
};

int sockets_parse_cgroup_args(const char *verb, int argc, char **argv, const char **cgroup)
{
	char cmd[64];
	const struct arg_spec spec = {
		.cmd = cmd,
		.help_ref = "bpftcp sockets help",
		.opts = cgroup_opts,
	};

	snprintf(cmd, sizeof(cmd), "sockets %s", verb);
	*cgroup = NULL;
	return args_parse(&spec, argc, argv, cgroup) ? EXIT_USAGE : 0;
}

/* Does the --cc filter @name name @ca_name?  The algorithm itself or, as in
 * 'bpftcp cc', bpftcp's port of it: "cubic" matches bpf_cubic too. */
static bool cc_name_matches(const char *name, const char *ca_name)
{
	const struct bpftcp_cc_info *a = bpftcp_cc_find(name);

	return !strncmp(ca_name, name, BPFTCP_CA_NAME_MAX) ||
	       (a && !strncmp(ca_name, a->kname, BPFTCP_CA_NAME_MAX));
}

bool sockets_filter_match(const struct sockets_filter *f, const struct bpftcp_sock_dump *d)
{
	if (f->port && d->local_port != f->port && d->peer_port != f->port)
		return false;
	return !f->cc || cc_name_matches(f->cc, d->ca_name);
}

/* ------------------------------------------------------------- listing */

/*
 * What one listing collects: the sockets that pass the filter, each with the
 * index of its namespace's label.  The sockets are stored in one growing
 * array and sorted through an array of pointers (a socket is 200 bytes:
 * sorting pointers moves far less memory).
 */
struct listed {
	struct bpftcp_sock_dump d;
	unsigned int ns;	/* index in listing.labels */
};

struct listing {
	struct listed *v;
	size_t n, cap;
	char **labels;		/* one per namespace listed */
	unsigned int nlabels;
	const struct sockets_filter *filter;
};

static int collect(const struct bpftcp_sock_dump *d, void *ctx)
{
	struct listing *l = ctx;

	if (!sockets_filter_match(l->filter, d))
		return 0;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 1024;
		void *nv = realloc(l->v, cap * sizeof(*l->v));

		if (!nv)
			return -ENOMEM;
		l->v = nv;
		l->cap = cap;
	}
	l->v[l->n].d = *d;
	l->v[l->n].ns = l->nlabels - 1;
	l->n++;
	return 0;
}

/* Lists the records of @netns_fd (-1: ours) into @l under @label. */
static int list_netns(struct listing *l, int netns_fd, const char *label)
{
	char **nl = realloc(l->labels, (l->nlabels + 1) * sizeof(*nl));
	int n;

	if (!nl)
		return -ENOMEM;
	l->labels = nl;
	l->labels[l->nlabels] = strdup(label);
	if (!l->labels[l->nlabels])
		return -ENOMEM;
	l->nlabels++;
	n = bpftcp_sock_records_foreach(netns_fd, collect, l);
	if (n < 0)
		p_err("cannot list the socket records of network namespace '%s': %s%s", label,
		       strerror(-n), n == -EPERM ? " (needs CAP_BPF and CAP_SYS_ADMIN)" : "");
	return n < 0 ? n : 0;
}

static int list_netns_cb(int fd, const char *label, __u32 ino, void *ctx)
{
	return list_netns(ctx, fd, label);
}

static void listing_free(struct listing *l)
{
	for (unsigned int i = 0; i < l->nlabels; i++)
		free(l->labels[i]);
	free(l->labels);
	free(l->v);
}

static int cmp_listed(const void *a, const void *b)
{
	const struct listed *p = *(const struct listed *const *)a, *q = *(const struct listed *const *)b;
	const struct bpftcp_sock_dump *x = &p->d, *y = &q->d;
	int c;

	if (p->ns != q->ns)
		return p->ns < q->ns ? -1 : 1;
	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	c = memcmp(x->local_addr, y->local_addr, sizeof(x->local_addr));
	if (c)
		return c;
	if (x->local_port != y->local_port)
		return x->local_port < y->local_port ? -1 : 1;
	c = memcmp(x->peer_addr, y->peer_addr, sizeof(x->peer_addr));
	if (c)
		return c;
	return (int)x->peer_port - (int)y->peer_port;
}

static void fmt_addr(char *buf, size_t len, int family, const __u8 *addr)
{
	if (!inet_ntop(family == 10 ? AF_INET6 : AF_INET, addr, buf, len))
		snprintf(buf, len, "?");
}

static void fmt_endpoint(char *buf, size_t len, int family, const __u8 *addr, __u16 port)
{
	char a[INET6_ADDRSTRLEN];

	fmt_addr(a, sizeof(a), family, addr);
	if (family == 10)
		snprintf(buf, len, "[%s]:%u", a, port);
	else
		snprintf(buf, len, "%s:%u", a, port);
}

static __u64 now_ns(void)
{
	struct timespec ts;

	/* The clock of bpf_ktime_get_ns(). */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static double age_s(__u64 then_ns, __u64 now)
{
	return then_ns && now > then_ns ? (now - then_ns) / 1e9 : 0;
}

/* Is the export from the algorithm the socket runs now? */
static bool export_current(const struct bpftcp_sock_dump *d)
{
	return !strncmp(d->ca_name, d->state.ca_name, BPFTCP_CA_NAME_MAX);
}

static bool record_ok(const struct bpftcp_sock_dump *d)
{
	return d->state.version == BPFTCP_SOCK_STATE_VERSION &&
	       d->state.size == sizeof(d->state);
}

static void json_kv_double(struct json *j, const char *k, double v)
{
	json_key(j, k);
	json_double(j, v);
}

/* sprint_bw() of iproute2's misc/ss.c (not numeric): bits per second. */
static void fmt_ss_bw(char *buf, size_t len, double bw)
{
	if (bw >= 1e12)
		snprintf(buf, len, "%.3gT", bw / 1e12);
	else if (bw >= 1e9)
		snprintf(buf, len, "%.3gG", bw / 1e9);
	else if (bw >= 1e6)
		snprintf(buf, len, "%.3gM", bw / 1e6);
	else if (bw >= 1e3)
		snprintf(buf, len, "%.3gk", bw / 1e3);
	else
		snprintf(buf, len, "%g", bw);
}

int sockets_format_bbr(char *buf, size_t len, const struct bpftcp_bbr_export *b)
{
	char bw[32], pg[32] = "", cg[32] = "";

	fmt_ss_bw(bw, sizeof(bw), b->bw * 8.0);
	if (b->pacing_gain)
		snprintf(pg, sizeof(pg), ",pacing_gain:%g", b->pacing_gain / 256.0);
	if (b->cwnd_gain)
		snprintf(cg, sizeof(cg), ",cwnd_gain:%g", b->cwnd_gain / 256.0);
	return snprintf(buf, len, "bbr:(bw:%sbps,mrtt:%g%s%s)", bw, b->min_rtt_us / 1000.0,
			pg, cg);
}

const char *sockets_bbr_mode_name(unsigned int mode)
{
	static const char *const names[] = { "STARTUP", "DRAIN", "PROBE_BW", "PROBE_RTT" };

	return mode < sizeof(names) / sizeof(names[0]) ? names[mode] : "?";
}

static void json_export(struct json *j, const struct bpftcp_sock_dump *d, __u64 now)
{
	const struct bpftcp_cc_export *e = &d->state.cc;

	json_obj_open(j);
	json_kv_str(j, "algorithm", bpftcp_cc_kind_name(e->kind));
	json_kv_bool(j, "current", export_current(d));
	json_kv_u64(j, "updates", e->updates);
	switch (e->kind) {
	case BPFTCP_CC_CUBIC:
		json_kv_u64(j, "w_max", e->u.cubic.w_max);
		json_kv_u64(j, "k", e->u.cubic.k);
		json_kv_double(j, "k_s", e->u.cubic.k / 1024.0);
		json_kv_u64(j, "origin_point", e->u.cubic.origin_point);
		json_kv_double(j, "epoch_age_s", age_s(e->u.cubic.epoch_start_ns, now));
		json_kv_u64(j, "loss_events", e->u.cubic.loss_events);
		break;
	case BPFTCP_CC_DCTCP:
		json_kv_u64(j, "alpha", e->u.dctcp.alpha);
		json_kv_double(j, "alpha_fraction", e->u.dctcp.alpha / 1024.0);
		json_kv_u64(j, "ce_state", e->u.dctcp.ce_state);
		json_kv_u64(j, "alpha_updates", e->u.dctcp.alpha_updates);
		break;
	case BPFTCP_CC_VEGAS:
		json_kv_u64(j, "base_rtt_us", e->u.vegas.base_rtt_us);
		json_kv_u64(j, "min_rtt_us", e->u.vegas.min_rtt_us);
		json_kv_u64(j, "diff", e->u.vegas.diff);
		json_kv_u64(j, "cnt_rtt", e->u.vegas.cnt_rtt);
		json_kv_u64(j, "adjustments", e->u.vegas.adjustments);
		break;
	case BPFTCP_CC_BBR:
		json_kv_u64(j, "bw", e->u.bbr.bw);
		json_kv_u64(j, "min_rtt_us", e->u.bbr.min_rtt_us);
		json_kv_u64(j, "pacing_gain", e->u.bbr.pacing_gain);
		json_kv_u64(j, "cwnd_gain", e->u.bbr.cwnd_gain);
		json_kv_str(j, "mode", sockets_bbr_mode_name(e->u.bbr.mode));
		json_kv_u64(j, "cycle_idx", e->u.bbr.cycle_idx);
		json_kv_bool(j, "full_bw_reached", e->u.bbr.full_bw_reached);
		json_kv_bool(j, "lt_use_bw", e->u.bbr.lt_use_bw);
		json_kv_u64(j, "rtt_cnt", e->u.bbr.rtt_cnt);
		break;
	}
	json_obj_close(j);
}

/* A registry id's name ("dctcp"), or NULL. */
static const char *ccneg_name(__u8 id)
{
	const struct hdropt_ccneg_alg *a = hdropt_ccneg_alg_by_id(id);

	return a ? a->name : NULL;
}

static void json_ccneg(struct json *j, const struct bpftcp_ccneg_state *cn)
{
	const char *name = ccneg_name(cn->chosen_id);

	json_obj_open(j);
	json_kv_bool(j, "sent", cn->flags & BPFTCP_CCNEG_F_SENT);
	json_kv_bool(j, "received", cn->flags & BPFTCP_CCNEG_F_RECEIVED);
	json_kv_bool(j, "negotiated", cn->flags & BPFTCP_CCNEG_F_NEGOTIATED);
	json_kv_bool(j, "fallback", cn->flags & BPFTCP_CCNEG_F_FALLBACK);
	json_kv_bool(j, "no_common", cn->flags & BPFTCP_CCNEG_F_NO_COMMON);
	json_kv_bool(j, "malformed", cn->flags & BPFTCP_CCNEG_F_MALFORMED);
	json_kv_bool(j, "resend", cn->flags & BPFTCP_CCNEG_F_RESEND);
	json_kv_bool(j, "no_room", cn->flags & BPFTCP_CCNEG_F_NO_ROOM);
	json_kv_bool(j, "switch_failed", cn->flags & BPFTCP_CCNEG_F_SWITCH_FAILED);
	json_kv_u64(j, "chosen_id", cn->chosen_id);
	json_key(j, "chosen");
	if (name)
		json_str(j, name);
	else
		json_null(j);
	json_key(j, "pref_index");
	if (cn->flags & BPFTCP_CCNEG_F_NEGOTIATED)
		json_u64(j, cn->pref_index);
	else
		json_null(j);
	json_kv_u64(j, "peer_first_id", cn->peer_first_id);
	json_kv_u64(j, "offer_n", cn->offer_n);
	json_obj_close(j);
}

static void json_socket(struct json *j, const struct bpftcp_sock_dump *d, const char *netns,
			__u64 now)
{
	const struct bpftcp_sock_stats *s = &d->state.stats;
	const struct bpftcp_delack_state *dl = &d->state.delack;
	char addr[INET6_ADDRSTRLEN];
	bool ok = record_ok(d);

	json_obj_open(j);
	json_kv_str(j, "family", d->family == 10 ? "inet6" : "inet");
	json_kv_str(j, "state", bpftcp_tcp_state_name(d->tcp_state));
	fmt_addr(addr, sizeof(addr), d->family, d->local_addr);
	json_kv_str(j, "local", addr);
	json_kv_u64(j, "local_port", d->local_port);
	fmt_addr(addr, sizeof(addr), d->family, d->peer_addr);
	json_kv_str(j, "peer", addr);
	json_kv_u64(j, "peer_port", d->peer_port);
	json_kv_str(j, "netns", netns);
	json_kv_u64(j, "netns_ino", d->netns_ino);
	json_kv_str(j, "cc", d->ca_name);
	json_kv_u64(j, "cwnd", d->snd_cwnd);
	json_kv_u64(j, "ssthresh", d->snd_ssthresh);
	json_kv_u64(j, "record_version", d->state.version);

	json_key(j, "stats");
	if (ok && s->established_ns) {
		json_obj_open(j);
		json_kv_bool(j, "passive", s->passive);
		json_kv_double(j, "age_s", age_s(s->established_ns, now));
		json_kv_u64(j, "rtt_min_us", s->rtt_min_us);
		json_kv_u64(j, "rtt_max_us", s->rtt_max_us);
		json_kv_u64(j, "srtt_us", s->srtt_us);
		json_kv_u64(j, "rtt_samples", s->rtt_samples);
		json_kv_u64(j, "retrans_segs", s->retrans_segs);
		json_kv_u64(j, "rto_events", s->rto_events);
		json_kv_u64(j, "state_changes", s->state_changes);
		json_kv_u64(j, "bytes_acked", s->bytes_acked);
		json_obj_close(j);
	} else {
		json_null(j);
	}
	json_key(j, "export");
	if (ok && d->state.cc.kind)
		json_export(j, d, now);
	else
		json_null(j);
	json_key(j, "delack");
	if (ok && dl->flags) {
		json_obj_open(j);
		json_kv_bool(j, "sent", dl->flags & BPFTCP_DELACK_F_SENT);
		json_kv_bool(j, "received", dl->flags & BPFTCP_DELACK_F_RECEIVED);
		json_kv_bool(j, "applied", dl->flags & BPFTCP_DELACK_F_APPLIED);
		json_kv_bool(j, "clamped", dl->flags & BPFTCP_DELACK_F_CLAMPED);
		json_kv_bool(j, "resend", dl->flags & BPFTCP_DELACK_F_RESEND);
		json_kv_bool(j, "malformed", dl->flags & BPFTCP_DELACK_F_MALFORMED);
		json_kv_u64(j, "local_max_delack_us", dl->local_max_delack_us);
		json_kv_u64(j, "peer_max_delack_us", dl->peer_max_delack_us);
		json_kv_u64(j, "rto_min_us", dl->rto_min_us);
		json_kv_u64(j, "delack_max_us", dl->delack_max_us);
		json_obj_close(j);
	} else {
		json_null(j);
	}
	json_key(j, "ccneg");
	if (ok && d->state.ccneg.flags)
		json_ccneg(j, &d->state.ccneg);
	else
		json_null(j);
	json_obj_close(j);
}

/* A growing text line. */
struct line {
	char buf[1024];
	size_t len;
};

static void add(struct line *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(struct line *l, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (l->len >= sizeof(l->buf) - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(l->buf + l->len, sizeof(l->buf) - l->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		l->len = l->len + n < sizeof(l->buf) ? l->len + n : sizeof(l->buf) - 1;
}

/* @netns: the namespace's label, or NULL when only the caller's is listed. */
static void text_ccneg(struct line *l, const struct bpftcp_ccneg_state *cn)
{
	const char *name = ccneg_name(cn->chosen_id);

	if (cn->flags & BPFTCP_CCNEG_F_NEGOTIATED)
		add(l, " ccneg(negotiated:%s pref:%u", name ? name : "?", cn->pref_index);
	else if (cn->flags & BPFTCP_CCNEG_F_FALLBACK)
		add(l, " ccneg(fallback:%s", name ? name : "?");
	else
		add(l, " ccneg(unchanged");
	if (cn->flags & BPFTCP_CCNEG_F_NO_COMMON)
		add(l, " no_common");
	if (cn->flags & BPFTCP_CCNEG_F_MALFORMED)
		add(l, " malformed");
	if (cn->flags & BPFTCP_CCNEG_F_RESEND)
		add(l, " resend");
	if (cn->flags & BPFTCP_CCNEG_F_NO_ROOM)
		add(l, " no_room");
	if (cn->flags & BPFTCP_CCNEG_F_SWITCH_FAILED)
		add(l, " switch_failed");
	add(l, ")");
}

static void text_socket(const struct bpftcp_sock_dump *d, const char *netns, __u64 now)
{
	const struct bpftcp_sock_stats *s = &d->state.stats;
	const struct bpftcp_cc_export *e = &d->state.cc;
	const struct bpftcp_delack_state *dl = &d->state.delack;
	char local[64], peer[64];
	struct line l = { .len = 0 };

	fmt_endpoint(local, sizeof(local), d->family, d->local_addr, d->local_port);
	fmt_endpoint(peer, sizeof(peer), d->family, d->peer_addr, d->peer_port);
	add(&l, "cwnd:%u", d->snd_cwnd);
	if (d->snd_ssthresh < TCP_INFINITE_SSTHRESH)
		add(&l, " ssthresh:%u", d->snd_ssthresh);
	if (!record_ok(d)) {
		add(&l, " record:v%u(unknown layout)", d->state.version);
		goto print;
	}
	if (e->kind == BPFTCP_CC_BBR) {
		char bbr[160];

		/* ss's form, so the two read side by side; then the state. */
		sockets_format_bbr(bbr, sizeof(bbr), &e->u.bbr);
		add(&l, " %s%s", bbr, export_current(d) ? "" : "(stale)");
		add(&l, " bbr_state:(mode:%s,cycle:%u,full_bw_reached:%u,lt_use_bw:%u)",
		    sockets_bbr_mode_name(e->u.bbr.mode), e->u.bbr.cycle_idx,
		    e->u.bbr.full_bw_reached, e->u.bbr.lt_use_bw);
	} else if (e->kind) {
		add(&l, " %s%s", bpftcp_cc_kind_name(e->kind),
		    export_current(d) ? "" : "(stale)");
		switch (e->kind) {
		case BPFTCP_CC_CUBIC:
			add(&l, "(wmax:%u K:%.3fs origin:%u", e->u.cubic.w_max,
			    e->u.cubic.k / 1024.0, e->u.cubic.origin_point);
			if (e->u.cubic.epoch_start_ns)
				add(&l, " epoch:%.1fs", age_s(e->u.cubic.epoch_start_ns, now));
			add(&l, " losses:%u)", e->u.cubic.loss_events);
			break;
		case BPFTCP_CC_DCTCP:
			add(&l, "(alpha:%.3f)", e->u.dctcp.alpha / 1024.0);
			break;
		case BPFTCP_CC_VEGAS:
			add(&l, "(base_rtt:%.3fms diff:%u)", e->u.vegas.base_rtt_us / 1000.0,
			    e->u.vegas.diff);
			break;
		}
	}
	if (s->established_ns) {
		add(&l, " rtt:%.3f/%.3f/%.3fms", s->rtt_min_us / 1000.0, s->srtt_us / 1000.0,
		    s->rtt_max_us / 1000.0);
		add(&l, " samples:%u retrans:%u rto:%u acked:%llu age:%.1fs", s->rtt_samples,
		    s->retrans_segs, s->rto_events, (unsigned long long)s->bytes_acked,
		    age_s(s->established_ns, now));
	}
	if (dl->flags) {
		add(&l, " delack(local:%.1fms peer:%.1fms", dl->local_max_delack_us / 1000.0,
		    dl->peer_max_delack_us / 1000.0);
		if (dl->flags & BPFTCP_DELACK_F_APPLIED)
			add(&l, " rto_min:%.1fms delack_max:%.1fms", dl->rto_min_us / 1000.0,
			    dl->delack_max_us / 1000.0);
		add(&l, "%s)", dl->flags & BPFTCP_DELACK_F_CLAMPED ? " clamped" : "");
	}
	if (d->state.ccneg.flags)
		text_ccneg(&l, &d->state.ccneg);
print:
	if (netns)
		add(&l, " netns:%s", netns);
	printf("%-11s %-27s %-27s %-12s %s\n", bpftcp_tcp_state_name(d->tcp_state), local, peer,
	       d->ca_name, l.buf);
}

/* Collects what @f asks for into @l; returns 0, or EXIT_FAIL after the error. */
static int list_sockets(const struct sockets_filter *f, struct listing *l)
{
	char label[PATH_MAX];
	int fd, err;

	if (f->netns) {
		/* Before the privilege check: a wrong name is the same error
		 * for everyone. */
		fd = bpftcp_netns_open(f->netns);
		if (fd < 0) {
			p_err("cannot open network namespace '%s': %s%s", f->netns, strerror(-fd),
			       fd == -EINVAL ? " (not a network namespace; see 'ip netns list')" :
			       fd == -ENOENT && !strchr(f->netns, '/') ?
			       " (no /run/netns/NAME; see 'ip netns list')" : "");
			return EXIT_FAIL;
		}
		err = require_privileges() ? list_netns(l, fd, f->netns) : -EPERM;
		close(fd);
		return err ? EXIT_FAIL : 0;
	}
	if (!require_privileges())
		return EXIT_FAIL;
	if (f->all_netns) {
		err = bpftcp_netns_foreach(list_netns_cb, l);
		if (err && !first_error()[0])
			p_err("cannot list the network namespaces: %s", strerror(-err));
		return err ? EXIT_FAIL : 0;
	}
	if (bpftcp_netns_self_label(label, sizeof(label)))
		snprintf(label, sizeof(label), "/proc/self/ns/net");
	return list_netns(l, -1, label) ? EXIT_FAIL : 0;
}

static int do_list(int argc, char **argv)
{
	struct sockets_filter f;
	struct listing l = { .filter = &f };
	const struct listed **sorted;
	bool one_ns;
	__u64 now;

	if (sockets_parse_list_args(argc, argv, &f))
		return EXIT_USAGE;
	if (list_sockets(&f, &l)) {
		listing_free(&l);
		return EXIT_FAIL;
	}
	sorted = malloc((l.n ? l.n : 1) * sizeof(*sorted));
	if (!sorted) {
		listing_free(&l);
		return p_err("cannot list the socket records: %s", strerror(ENOMEM));
	}
	for (size_t i = 0; i < l.n; i++)
		sorted[i] = &l.v[i];
	qsort(sorted, l.n, sizeof(*sorted), cmp_listed);
	now = now_ns();
	/* The text form names the namespace only when it is not the usual one. */
	one_ns = !f.netns && !f.all_netns;
	if (g_opts.json) {
		json_obj_open(&g_json);
		json_kv_u64(&g_json, "record_version", BPFTCP_SOCK_STATE_VERSION);
		json_key(&g_json, "sockets");
		json_arr_open(&g_json);
		for (size_t i = 0; i < l.n; i++)
			json_socket(&g_json, &sorted[i]->d, l.labels[sorted[i]->ns], now);
		json_arr_close(&g_json);
		json_obj_close(&g_json);
		json_finish(&g_json);
	} else {
		printf("%-11s %-27s %-27s %-12s %s\n", "State", "Local Address:Port",
		       "Peer Address:Port", "CC", "Details");
		for (size_t i = 0; i < l.n; i++)
			text_socket(&sorted[i]->d, one_ns ? NULL : l.labels[sorted[i]->ns], now);
	}
	free(sorted);
	listing_free(&l);
	return EXIT_OK;
}

static void print_done(const char *what, const char *cgroup)
{
	if (g_opts.json) {
		json_obj_open(&g_json);
		json_kv_str(&g_json, what, cgroup);
		json_obj_close(&g_json);
		json_finish(&g_json);
	} else {
		printf("%s %s\n", what, cgroup);
	}
}

static int do_attach(int argc, char **argv)
{
	char cg[PATH_MAX];
	const char *cgroup;
	__u64 id;
	int err;

	if (sockets_parse_cgroup_args("attach", argc, argv, &cgroup))
		return EXIT_USAGE;
	if (!require_privileges() || !require_kernel_btf())
		return EXIT_FAIL;
	if (cgroup_resolve("attach collection to", cgroup, cg, sizeof(cg), &id, false))
		return EXIT_FAIL;
	err = bpftcp_sockets_attach(cg, NULL);
	if (err == -EEXIST)
		return p_err("cannot attach to cgroup %s: %s (already attached; see 'bpftcp sockets "
			     "detach')", cg, strerror(EEXIST));
	if (err)
		return p_err("cannot attach collection to cgroup %s: %s%s", cg, strerror(-err),
			     load_hint());
	print_done("attached", cgroup);
	return EXIT_OK;
}

static int do_detach(int argc, char **argv)
{
	char cg[PATH_MAX];
	const char *cgroup;
	__u64 id;
	int err;

	if (sockets_parse_cgroup_args("detach", argc, argv, &cgroup))
		return EXIT_USAGE;
	if (!require_privileges())
		return EXIT_FAIL;
	if (cgroup_resolve("detach collection from", cgroup, cg, sizeof(cg), &id, false))
		return EXIT_FAIL;
	err = bpftcp_sockets_detach(cg);
	if (err == -ENOENT)
		return p_err("cannot detach from cgroup %s: not attached by bpftcp (see 'bpftcp "
			     "sockets attach')", cg);
	if (err)
		return p_err("cannot detach collection from cgroup %s: %s", cg, strerror(-err));
	print_done("detached", cgroup);
	return EXIT_OK;
}

void sockets_usage(FILE *f)
{
	fprintf(f,
		"Usage: bpftcp [-j|-p] [-v] sockets [ list | show ] [--cc NAME] [--port N]\n"
		"                                               [ -n|--netns NAME|PATH | --all-netns ]\n"
		"       bpftcp sockets { attach | detach } --cgroup PATH\n"
		"       bpftcp sockets [list|show]           one line per socket with a bpftcp record:\n"
		"                                            4-tuple, algorithm, its exported state,\n"
		"                                            statistics; --cc and --port filter\n"
		"                                            (--cc cubic matches cubic and bpf_cubic)\n"
		"                                            of this network namespace, or of NAME\n"
		"                                            (/run/netns/NAME) or PATH (/proc/PID/ns/net),\n"
		"                                            or of every one found (--all-netns)\n"
		"       bpftcp sockets attach --cgroup PATH  collect statistics for the TCP sockets of\n"
		"                                            a cgroup (pinned under <bpffs>/bpftcp/sockets/)\n"
		"       bpftcp sockets detach --cgroup PATH  stop collecting; records go with their sockets\n"
		"PATH is a cgroup2 directory, absolute or relative to the cgroup2 mount.\n");
}

static const struct cmd sockets_cmds[] = {
	{ "list",	do_list },
	{ "show",	do_list },
	{ "attach",	do_attach },
	{ "detach",	do_detach },
	{ NULL, NULL }
};

int do_sockets(int argc, char **argv)
{
	if (argc < 1 || argv[0][0] == '-')
		return do_list(argc, argv);
	return cmd_dispatch(sockets_cmds, "sockets", argc, argv, sockets_usage);
}
