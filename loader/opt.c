// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * bpftcp opt: attach, detach and show TCP header option programs (delack,
 * ccneg): parsing and output on top of libbpftcp (bpftcp_opt_delack_attach(),
 * bpftcp_opt_ccneg_attach(), bpftcp_opt_detach(), bpftcp_opt_foreach() in
 * lib/opt.c).
 *
 * Durations (milliseconds with one decimal: the library takes microseconds)
 * and prefixes are parsed with the library's bpftcp_ms_parse() and
 * bpftcp_cidr_parse(), which the config file reader (lib/conf.c) shares.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "bpftcp/libbpftcp.h"
#include "args.h"
#include "common.h"
#include "opt.h"

/* ------------------------------------------------------------- parsing */

int opt_parse_ms(const char *s, __u32 max_ms, __u32 *us)
{
	return bpftcp_ms_parse(s, max_ms, us);
}

static int parse_ms_arg(const char *opt, const char *val, void *field)
{
	int err = opt_parse_ms(val, OPT_MAX_MS, field);

	if (err == -EINVAL)
		return p_usage_err("%s '%s' is not a number of milliseconds (e.g. 20 or 2.5)", opt, val);
	if (err)
		return p_usage_err("%s '%s' is out of range (0.1 to %u ms: the kernel delays ACKs "
				   "and floors the RTO by at most %u ms)", opt, val, OPT_MAX_MS, OPT_MAX_MS);
	return 0;
}

static int parse_peers_arg(const char *opt, const char *list, void *field)
{
	struct opt_peers *peers = field;
	char buf[4096], *save, *w;

	if (peers->n)
		return p_usage_err("--peers given twice (use one comma-separated list)");
	if (strlen(list) >= sizeof(buf))
		return p_usage_err("--peers list is too long");
	strcpy(buf, list);
	for (w = strtok_r(buf, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		struct bpftcp_cidr c;
		char canon[64];
		int err;

		while (*w == ' ')
			w++;
		err = bpftcp_cidr_parse(w, &c);
		if (err == -ENOTUNIQ) {
			/* Show the network the admin probably meant. */
			for (unsigned int bit = c.prefix; bit < 128; bit++)
				c.addr[bit / 8] &= ~(0x80 >> (bit % 8));
			bpftcp_cidr_format(&c, canon, sizeof(canon));
			return p_usage_err("bad CIDR '%s' in --peers: host bits set (did you mean %s?)",
					   w, canon);
		}
		if (err == -ERANGE)
			return p_usage_err("bad CIDR '%s' in --peers: prefix length out of range "
					   "(0-32 for IPv4, 0-128 for IPv6)", w);
		if (err)
			return p_usage_err("bad CIDR '%s' in --peers: not an address or prefix "
					   "(e.g. 198.18.0.0/15 or 2001:2::/48)", w);
		if (peers->n >= BPFTCP_DELACK_PEERS_MAX)
			return p_usage_err("--peers has more than %d prefixes", BPFTCP_DELACK_PEERS_MAX);
		peers->v[peers->n++] = c;
	}
	if (!peers->n)
		return p_usage_err("--peers needs at least one CIDR (omit it to allow every peer)");
	return 0;
}

#define OPT_NEEDS "a value (see 'bpftcp opt help')"

/* --prefer NAME,...: split in place into the args' prefer[]. */
static int parse_prefer_arg(const char *opt, const char *list, void *field)
{
	struct opt_ccneg_args *a = (void *)((char *)field - offsetof(struct opt_ccneg_args, prefer_buf));
	char *save, *w;

	if (a->prefer_cnt)
		return p_usage_err("--prefer given twice (use one comma-separated list)");
	if (strlen(list) >= sizeof(a->prefer_buf))
		return p_usage_err("--prefer list is too long");
	strcpy(a->prefer_buf, list);
	for (w = strtok_r(a->prefer_buf, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		while (*w == ' ')
			w++;
		if (!*w)
			continue;
		if (a->prefer_cnt >= BPFTCP_CCNEG_PREFER_MAX)
			return p_usage_err("--prefer names more than %d algorithms (one offer carries "
					   "at most %d)", BPFTCP_CCNEG_PREFER_MAX, BPFTCP_CCNEG_PREFER_MAX);
		for (size_t i = 0; i < a->prefer_cnt; i++)
			if (!strcmp(a->prefer[i], w))
				return p_usage_err("--prefer names '%s' twice", w);
		a->prefer[a->prefer_cnt++] = w;
	}
	if (!a->prefer_cnt)
		return p_usage_err("--prefer needs at least one algorithm (e.g. dctcp,cubic)");
	return 0;
}

static const struct arg_opt attach_opts[] = {
	{ .name = "--cgroup", .kind = ARG_STR, .offset = ARG_FIELD(struct opt_attach_args, cgroup),
	  .metavar = "PATH", .help = "a cgroup v2 directory", .missing = OPT_NEEDS },
	{ .name = "--max-delack", .kind = ARG_CUSTOM,
	  .offset = ARG_FIELD(struct opt_attach_args, max_delack_us), .metavar = "MS",
	  .help = "the delayed-ACK bound this side promises", .parse = parse_ms_arg,
	  .missing = OPT_NEEDS },
	{ .name = "--rto-floor", .kind = ARG_CUSTOM,
	  .offset = ARG_FIELD(struct opt_attach_args, rto_floor_us), .metavar = "MS",
	  .help = "lowest RTO minimum a peer may cause", .parse = parse_ms_arg,
	  .missing = OPT_NEEDS },
	{ .name = "--rto-ceiling", .kind = ARG_CUSTOM,
	  .offset = ARG_FIELD(struct opt_attach_args, rto_ceiling_us), .metavar = "MS",
	  .help = "highest RTO minimum a peer may cause", .parse = parse_ms_arg,
	  .missing = OPT_NEEDS },
	{ .name = "--peers", .kind = ARG_CUSTOM, .offset = ARG_FIELD(struct opt_attach_args, peers),
	  .metavar = "CIDR,...", .help = "only these peers", .parse = parse_peers_arg,
	  .missing = OPT_NEEDS },
	{ .name = "--record", .kind = ARG_FLAG, .offset = ARG_FIELD(struct opt_attach_args, record),
	  .help = "keep a per-socket record" },
	{ .name = "--no-record", .kind = ARG_FLAG_OFF,
	  .offset = ARG_FIELD(struct opt_attach_args, record), .help = "counters only (default)" },
	{ .name = NULL }
};

int opt_parse_attach_args(int argc, char **argv, struct opt_attach_args *a)
{
	static const struct arg_spec spec = {
		.cmd = "opt attach delack",
		.help_ref = "bpftcp opt help",
		.opts = attach_opts,
	};
	bool have_floor, have_ceiling;

	memset(a, 0, sizeof(*a));
	if (args_parse(&spec, argc, argv, a))
		return EXIT_USAGE;
	if (!a->cgroup)
		return p_usage_err("'opt attach delack' needs --cgroup PATH (a cgroup v2 directory)");
	if (!a->max_delack_us)
		return p_usage_err("'opt attach delack' needs --max-delack MS (the delayed-ACK "
				   "bound this side promises)");
	/* 0 is not a valid duration: it stands for "not given" here. */
	have_floor = a->rto_floor_us;
	have_ceiling = a->rto_ceiling_us;
	if (!have_floor)
		a->rto_floor_us = OPT_DEFAULT_RTO_FLOOR_US;
	if (!have_ceiling)
		a->rto_ceiling_us = OPT_DEFAULT_RTO_CEILING_US;
	if (a->rto_floor_us > a->rto_ceiling_us)
		return p_usage_err("--rto-floor %.1f ms is above --rto-ceiling %.1f ms%s",
				   a->rto_floor_us / 1000.0, a->rto_ceiling_us / 1000.0,
				   have_floor && have_ceiling ? "" :
				   have_floor ? " (the default ceiling)" : " (the default floor)");
	return 0;
}

static const struct arg_opt ccneg_opts[] = {
	{ .name = "--cgroup", .kind = ARG_STR, .offset = ARG_FIELD(struct opt_ccneg_args, cgroup),
	  .metavar = "PATH", .help = "a cgroup v2 directory", .missing = OPT_NEEDS },
	{ .name = "--prefer", .kind = ARG_CUSTOM,
	  .offset = ARG_FIELD(struct opt_ccneg_args, prefer_buf), .metavar = "CC,...",
	  .help = "algorithms this side runs, most preferred first", .parse = parse_prefer_arg,
	  .missing = OPT_NEEDS },
	{ .name = "--fallback", .kind = ARG_STR,
	  .offset = ARG_FIELD(struct opt_ccneg_args, fallback), .metavar = "CC",
	  .help = "the algorithm when the peer does not negotiate", .flags = ARG_ONCE,
	  .missing = OPT_NEEDS },
	{ .name = "--peers", .kind = ARG_CUSTOM, .offset = ARG_FIELD(struct opt_ccneg_args, peers),
	  .metavar = "CIDR,...", .help = "only these peers", .parse = parse_peers_arg,
	  .missing = OPT_NEEDS },
	{ .name = "--record", .kind = ARG_FLAG, .offset = ARG_FIELD(struct opt_ccneg_args, record),
	  .help = "keep a per-socket record" },
	{ .name = "--no-record", .kind = ARG_FLAG_OFF,
	  .offset = ARG_FIELD(struct opt_ccneg_args, record), .help = "counters only (default)" },
	{ .name = NULL }
};

int opt_parse_ccneg_args(int argc, char **argv, struct opt_ccneg_args *a)
{
	static const struct arg_spec spec = {
		.cmd = "opt attach ccneg",
		.help_ref = "bpftcp opt help",
		.opts = ccneg_opts,
	};

	memset(a, 0, sizeof(*a));
	if (args_parse(&spec, argc, argv, a))
		return EXIT_USAGE;
	if (!a->cgroup)
		return p_usage_err("'opt attach ccneg' needs --cgroup PATH (a cgroup v2 directory)");
	if (!a->prefer_cnt)
		return p_usage_err("'opt attach ccneg' needs --prefer CC,... (the algorithms this side "
				   "runs, most preferred first)");
	if (!a->fallback)
		return p_usage_err("'opt attach ccneg' needs --fallback CC (what runs when the peer "
				   "does not negotiate)");
	return 0;
}

static double ms(__u32 us)
{
	return us / 1000.0;
}

static void peer_list(const struct bpftcp_cidr *peers, size_t cnt, bool json)
{
	char cidr[64];

	for (size_t i = 0; i < cnt; i++) {
		bpftcp_cidr_format(&peers[i], cidr, sizeof(cidr));
		if (json)
			json_str(&g_json, cidr);
		else
			printf("%s%s", i ? ", " : "", cidr);
	}
}

static void json_peers(bool restricted, const struct bpftcp_cidr *peers, size_t cnt)
{
	json_key(&g_json, "peers");
	if (!restricted) {
		json_null(&g_json);
	} else {
		json_arr_open(&g_json);
		peer_list(peers, cnt, true);
		json_arr_close(&g_json);
	}
}

/* What every attachment has: option, cgroup, pin. */
static void json_attachment_head(const struct bpftcp_opt_attachment *o)
{
	struct json *j = &g_json;

	json_obj_open(j);
	json_kv_str(j, "option", o->option);
	json_kv_str(j, "cgroup", o->cgroup);
	json_kv_u64(j, "cgroup_id", o->cgroup_id);
	json_kv_bool(j, "attached", o->attached);
	json_kv_str(j, "pin", o->pin);
}

static void json_ccneg(const struct bpftcp_opt_attachment *o)
{
	const struct bpftcp_ccneg_counters *c = &o->ccneg.counters;
	struct json *j = &g_json;

	json_attachment_head(o);
	json_key(j, "settings");
	json_obj_open(j);
	json_key(j, "prefer");
	json_arr_open(j);
	for (size_t i = 0; i < o->ccneg.prefer_cnt; i++)
		json_str(j, o->ccneg.prefer[i]);
	json_arr_close(j);
	json_key(j, "prefer_ids");
	json_arr_open(j);
	for (size_t i = 0; i < o->ccneg.prefer_cnt; i++)
		json_u64(j, o->ccneg.prefer_ids[i]);
	json_arr_close(j);
	json_kv_str(j, "fallback", o->ccneg.fallback);
	json_kv_u64(j, "fallback_id", o->ccneg.fallback_id);
	json_kv_bool(j, "ecn", o->ccneg.ecn);
	json_kv_bool(j, "record", o->ccneg.record);
	json_peers(o->ccneg.peers_restricted, o->ccneg.peers, o->ccneg.peers_cnt);
	json_obj_close(j);
	json_key(j, "counters");
	json_obj_open(j);
	json_kv_u64(j, "offered", c->offered);
	json_kv_u64(j, "answered", c->answered);
	json_key(j, "chosen");
	json_obj_open(j);
	for (size_t i = 0; i < o->ccneg.prefer_cnt; i++)
		json_kv_u64(j, o->ccneg.prefer[i], c->chosen[i]);
	json_obj_close(j);
	json_kv_u64(j, "fallback", c->fallback);
	json_kv_u64(j, "no_common", c->no_common);
	json_kv_u64(j, "malformed", c->malformed);
	json_kv_u64(j, "no_room", c->no_room);
	json_kv_u64(j, "errors", c->errors);
	json_kv_u64(j, "last_error_line", c->last_err_line);
	json_obj_close(j);
	json_obj_close(j);
}

static void json_attachment(const struct bpftcp_opt_attachment *o)
{
	struct json *j = &g_json;

	json_attachment_head(o);
	json_key(j, "settings");
	json_obj_open(j);
	json_kv_u64(j, "max_delack_us", o->delack.max_delack_us);
	json_kv_u64(j, "advertised_us", o->delack.advertised_us);
	json_kv_u64(j, "rto_floor_us", o->delack.rto_floor_us);
	json_kv_u64(j, "rto_ceiling_us", o->delack.rto_ceiling_us);
	json_kv_u64(j, "hz", o->delack.hz);
	json_kv_bool(j, "record", o->delack.record);
	json_peers(o->delack.peers_restricted, o->delack.peers, o->delack.peers_cnt);
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
}

static void show_head(const struct bpftcp_opt_attachment *o)
{
	printf("%s on %s (cgroup id %llu)%s\n", o->option, o->cgroup, (unsigned long long)o->cgroup_id,
	       o->attached ? "" : "  [cgroup removed: detach to clean up]");
}

static void show_peers(bool restricted, const struct bpftcp_cidr *peers, size_t cnt)
{
	printf("  peers        ");
	if (!restricted)
		printf("any (the cgroup is the scope)");
	else
		peer_list(peers, cnt, false);
}

static void show_ccneg(const struct bpftcp_opt_attachment *o)
{
	const struct bpftcp_ccneg_counters *c = &o->ccneg.counters;

	show_head(o);
	printf("  prefer       ");
	for (size_t i = 0; i < o->ccneg.prefer_cnt; i++)
		printf("%s%s (id %u)", i ? ", " : "", o->ccneg.prefer[i], o->ccneg.prefer_ids[i]);
	printf("\n  fallback     %s (id %u)\n", o->ccneg.fallback, o->ccneg.fallback_id);
	printf("  ecn          %s\n", o->ccneg.ecn ? "requested in handshakes (an ECN algorithm may run)" :
	       "not requested");
	printf("  per-socket   %s\n", o->ccneg.record ? "recorded (--record; bpftcp sockets)" :
	       "counters only (attach --record for a per-socket record)");
	show_peers(o->ccneg.peers_restricted, o->ccneg.peers, o->ccneg.peers_cnt);
	printf("\n  counters     offered %llu  answered %llu  chosen",
	       (unsigned long long)c->offered, (unsigned long long)c->answered);
	for (size_t i = 0; i < o->ccneg.prefer_cnt; i++)
		printf(" %s:%llu", o->ccneg.prefer[i], (unsigned long long)c->chosen[i]);
	printf("  fallback %llu (no common %llu)  malformed %llu  no room %llu  errors %llu",
	       (unsigned long long)c->fallback, (unsigned long long)c->no_common,
	       (unsigned long long)c->malformed, (unsigned long long)c->no_room,
	       (unsigned long long)c->errors);
	if (c->errors)
		printf(" (last at ccneg.bpf.c:%u)", c->last_err_line);
	putchar('\n');
}

static int show_one(const struct bpftcp_opt_attachment *o, void *ctx)
{
	const struct bpftcp_delack_counters *c = &o->counters;
	bool ccneg = !strcmp(o->option, "ccneg");

	if (g_opts.json) {
		if (ccneg)
			json_ccneg(o);
		else
			json_attachment(o);
		return 0;
	}
	if (ccneg) {
		show_ccneg(o);
		return 0;
	}
	show_head(o);
	printf("  max delack   %.1f ms", ms(o->delack.max_delack_us));
	if (o->delack.hz)
		printf(" (advertised %.1f ms: whole ticks at HZ %u)", ms(o->delack.advertised_us),
		       o->delack.hz);
	printf("\n  rto clamp    %.1f .. %.1f ms\n", ms(o->delack.rto_floor_us),
	       ms(o->delack.rto_ceiling_us));
	printf("  per-socket   %s\n", o->delack.record ? "recorded (--record; bpftcp sockets)" :
	       "counters only (attach --record for a per-socket record)");
	show_peers(o->delack.peers_restricted, o->delack.peers, o->delack.peers_cnt);
	printf("\n  counters     sent %llu  received %llu  malformed %llu  clamped %llu  applied %llu"
	       "  errors %llu",
	       (unsigned long long)c->sent, (unsigned long long)c->received,
	       (unsigned long long)c->malformed, (unsigned long long)c->clamped,
	       (unsigned long long)c->applied, (unsigned long long)c->errors);
	if (c->errors)
		printf(" (last at delack.bpf.c:%u)", c->last_err_line);
	putchar('\n');
	return 0;
}

static int do_show(int argc, char **argv)
{
	int n;

	if (argc > 1 || (argc == 1 && strcmp(argv[0], "delack") && strcmp(argv[0], "ccneg")))
		return p_usage_err("'opt show' takes no arguments, 'delack' or 'ccneg' (got '%s')",
				   argv[0]);
	if (!require_privileges())
		return EXIT_FAIL;
	if (g_opts.json) {
		json_obj_open(&g_json);
		json_key(&g_json, "attachments");
		json_arr_open(&g_json);
	}
	n = bpftcp_opt_foreach(argc ? argv[0] : NULL, show_one, NULL);
	if (n < 0)
		p_info("cannot list the header option attachments: %s", strerror(-n));
	if (g_opts.json) {
		json_arr_close(&g_json);
		json_obj_close(&g_json);
		json_finish(&g_json);
	} else if (n <= 0) {
		printf("no header option programs attached (see 'bpftcp opt help')\n");
	}
	return EXIT_OK;
}

/* ----------------------------------------------------- attach / detach */

/* argv[0] must name an option program: delack or ccneg. */
static int check_option_name(const char *verb, int argc, char **argv)
{
	if (argc < 1 || argv[0][0] == '-')
		return p_usage_err("'opt %s' needs an option name: delack or ccneg (see 'bpftcp opt "
				   "help')", verb);
	if (strcmp(argv[0], "delack") && strcmp(argv[0], "ccneg"))
		return p_usage_err("unknown header option '%s' (valid: delack, ccneg)", argv[0]);
	return 0;
}

static int attach_delack(const struct opt_attach_args *a, const char *cgpath)
{
	BPFTCP_OPTS(bpftcp_delack_opts, o,
		.max_delack_us = a->max_delack_us,
		.rto_floor_us = a->rto_floor_us,
		.rto_ceiling_us = a->rto_ceiling_us,
		.peers = a->peers.v,
		.peers_cnt = a->peers.n,
		.record = a->record);
	int err = bpftcp_opt_delack_attach(cgpath, &o);

	if (err == -EEXIST)
		return p_err("cannot attach delack to cgroup %s: %s (already attached; see 'bpftcp opt "
			     "show', or 'bpftcp opt detach delack --cgroup %s' first)", cgpath,
			     strerror(EEXIST), a->cgroup);
	if (err)
		return p_err("cannot attach delack to cgroup %s: %s%s", cgpath, strerror(-err),
			     load_hint());
	return 0;
}

/* {"attached": {...}}: what an attach printed in JSON mode. */
static void json_attached(const char *option, const char *cgpath, __u64 cgid, bool record)
{
	json_obj_open(&g_json);
	json_key(&g_json, "attached");
	json_obj_open(&g_json);
	json_kv_str(&g_json, "option", option);
	json_kv_str(&g_json, "cgroup", cgpath);
	json_kv_u64(&g_json, "cgroup_id", cgid);
	json_kv_bool(&g_json, "record", record);
	json_obj_close(&g_json);
	json_obj_close(&g_json);
	json_finish(&g_json);
}

static int attach_ccneg(const struct opt_ccneg_args *a, const char *cgpath)
{
	BPFTCP_OPTS(bpftcp_ccneg_opts, o,
		.prefer = a->prefer,
		.prefer_cnt = a->prefer_cnt,
		.fallback = a->fallback,
		.peers = a->peers.v,
		.peers_cnt = a->peers.n,
		.record = a->record);
	int err = bpftcp_opt_ccneg_attach(cgpath, &o);

	if (err == -EEXIST)
		return p_err("cannot attach ccneg to cgroup %s: %s (already attached; see 'bpftcp opt "
			     "show', or 'bpftcp opt detach ccneg --cgroup %s' first)", cgpath,
			     strerror(EEXIST), a->cgroup);
	if (err == -ENOENT)
		return p_err("cannot attach ccneg to cgroup %s: %s (an algorithm of --prefer or "
			     "--fallback is not available: see 'bpftcp cc list', and register "
			     "bpftcp's with 'bpftcp cc register NAME')", cgpath, strerror(ENOENT));
	if (err == -EINVAL)
		return p_err("cannot attach ccneg to cgroup %s: %s (a name without a ccneg id? "
			     "see docs/hdropt-ccneg.md)", cgpath, strerror(EINVAL));
	if (err)
		return p_err("cannot attach ccneg to cgroup %s: %s%s", cgpath, strerror(-err),
			     load_hint());
	return 0;
}

static int do_attach_ccneg(int argc, char **argv)
{
	struct opt_ccneg_args *a = malloc(sizeof(*a));
	char cgpath[PATH_MAX];
	__u64 cgid = 0;
	int ret = EXIT_OK;

	if (!a)
		return p_err("out of memory");
	if (opt_parse_ccneg_args(argc, argv, a)) {
		free(a);
		return EXIT_USAGE;
	}
	if (!require_privileges() || !require_kernel_btf() ||
	    cgroup_resolve("attach ccneg to", a->cgroup, cgpath, sizeof(cgpath), &cgid, false) ||
	    attach_ccneg(a, cgpath)) {
		ret = EXIT_FAIL;
	} else if (g_opts.json) {
		json_attached("ccneg", cgpath, cgid, a->record);
	} else {
		printf("attached ccneg to %s (prefer ", cgpath);
		for (size_t i = 0; i < a->prefer_cnt; i++)
			printf("%s%s", i ? "," : "", a->prefer[i]);
		printf(", fallback %s, peers: %s%s)\n", a->fallback, a->peers.n ? "restricted" : "any",
		       a->record ? ", per-socket record" : "");
	}
	free(a);
	return ret;
}

static int do_attach(int argc, char **argv)
{
	struct opt_attach_args *a;
	char cgpath[PATH_MAX];
	__u64 cgid = 0;
	int ret = EXIT_OK;

	if (check_option_name("attach", argc, argv))
		return EXIT_USAGE;
	if (!strcmp(argv[0], "ccneg"))
		return do_attach_ccneg(argc - 1, argv + 1);
	a = malloc(sizeof(*a));
	if (!a)
		return p_err("out of memory");
	if (opt_parse_attach_args(argc - 1, argv + 1, a)) {
		free(a);
		return EXIT_USAGE;
	}
	if (!require_privileges() || !require_kernel_btf() ||
	    cgroup_resolve("attach delack to", a->cgroup, cgpath, sizeof(cgpath), &cgid, false) ||
	    attach_delack(a, cgpath)) {
		ret = EXIT_FAIL;
	} else if (g_opts.json) {
		json_attached("delack", cgpath, cgid, a->record);
	} else {
		printf("attached delack to %s (max delack %.1f ms, rto clamp %.1f..%.1f ms, peers: %s%s)\n",
		       cgpath, ms(a->max_delack_us), ms(a->rto_floor_us), ms(a->rto_ceiling_us),
		       a->peers.n ? "restricted" : "any", a->record ? ", per-socket record" : "");
	}
	free(a);
	return ret;
}

static const struct arg_opt detach_opts[] = {
	{ .name = "--cgroup", .kind = ARG_STR, .offset = 0, .metavar = "PATH",
	  .help = "a cgroup v2 directory", .flags = ARG_REQUIRED, .missing = OPT_NEEDS },
	{ .name = NULL }
};

static int do_detach(int argc, char **argv)
{
	static const struct arg_spec spec = {
		.cmd = "opt detach",
		.help_ref = "bpftcp opt help",
		.opts = detach_opts,
	};
	char cgpath[PATH_MAX], what[32];
	const char *cgroup = NULL, *name;
	__u64 cgid = 0;
	int err;

	if (check_option_name("detach", argc, argv))
		return EXIT_USAGE;
	name = argv[0];
	snprintf(what, sizeof(what), "detach %s from", name);
	if (args_parse(&spec, argc - 1, argv + 1, &cgroup))
		return EXIT_USAGE;
	if (!require_privileges())
		return EXIT_FAIL;
	/* A cgroup that is gone is still found by the path it was attached
	 * with, so a dead attachment can be cleaned. */
	if (cgroup_resolve(what, cgroup, cgpath, sizeof(cgpath), &cgid, true))
		snprintf(cgpath, sizeof(cgpath), "%s", cgroup);
	err = bpftcp_opt_detach(name, cgpath);
	if (err && !cgid) {
		/* Not a dead attachment either: say what is wrong with it. */
		cgroup_resolve(what, cgroup, cgpath, sizeof(cgpath), &cgid, false);
		return EXIT_FAIL;
	}
	if (err == -ENOENT)
		return p_err("cannot detach %s from cgroup %s: not attached (see 'bpftcp opt show')",
			     name, cgpath);
	if (err)
		return p_err("cannot detach %s from cgroup %s: %s", name, cgpath, strerror(-err));
	if (g_opts.json) {
		json_obj_open(&g_json);
		json_key(&g_json, "detached");
		json_obj_open(&g_json);
		json_kv_str(&g_json, "option", name);
		json_kv_str(&g_json, "cgroup", cgpath);
		json_obj_close(&g_json);
		json_obj_close(&g_json);
		json_finish(&g_json);
	} else {
		printf("detached %s from %s\n", name, cgpath);
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
		"       bpftcp opt attach ccneg --cgroup PATH --prefer CC,... --fallback CC\n"
		"                               [--peers CIDR,...] [--record | --no-record]\n"
		"                 negotiate, in the handshake of every TCP connection of the cgroup,\n"
		"                 the congestion control both ends run: the client offers --prefer,\n"
		"                 the server picks the first of its own --prefer the client offered;\n"
		"                 both switch at establishment; --fallback runs when the peer does\n"
		"                 not negotiate (CC: kernel or short names, e.g. dctcp = bpf_dctcp\n"
		"                 when the kernel has no dctcp)\n"
		"       bpftcp opt detach delack --cgroup PATH\n"
		"       bpftcp opt detach ccneg --cgroup PATH\n"
		"       bpftcp opt { show | list } [delack | ccneg]   attachments, settings and counters\n"
		"PATH is a cgroup v2 directory, absolute or relative to the cgroup2 mount.\n"
		"--peers limits the option to these IPv4/IPv6 prefixes (default: every peer).\n"
		"--record also keeps, per socket, what was negotiated ('bpftcp sockets'), at the cost\n"
		"of an sk_local_storage allocation on each end of each connection ('make bench'\n"
		"measures it: delack_crr_record_ratio); without it, only the counters are kept.\n"
		"Attachments are BPF links pinned under <bpffs>/bpftcp/opt/{delack,ccneg}/.\n",
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
