// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * bpftcp cc: list, register, unregister, replace and show the congestion
 * controls.  Parsing and output only: what a command does is libbpftcp's
 * (lib/cc.c, the "congestion controls" part of bpftcp/libbpftcp.h); the
 * messages here are built from the errno it returns and the command's
 * context, and its own details show as "note: ..." lines.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "args.h"
#include "cc.h"
#include "common.h"

static void print_valid_names(FILE *f)
{
	fprintf(f, "valid names: all");
	for (int i = 0; i < bpftcp_cc_count(); i++)
		fprintf(f, ", %s", bpftcp_cc_get(i)->name);
	fputc('\n', f);
}

/* ------------------------------------------------------------ arguments */

/* A NAME or "all". */
static int cc_arg_name(const char *w, void *out)
{
	const struct bpftcp_cc_info *algo;
	struct cc_args *a = out;

	if (!strcmp(w, "all")) {
		a->all = true;
		return 0;
	}
	algo = bpftcp_cc_find(w);
	if (!algo) {
		p_usage_err("unknown congestion control '%s'", w);
		print_valid_names(stderr);
		return EXIT_USAGE;
	}
	for (int j = 0; j < a->n; j++)
		if (a->algos[j] == algo)
			return 0;
	if (a->n >= CC_MAX_ARGS)
		return p_usage_err("too many names");
	a->algos[a->n++] = algo;
	return 0;
}

/* An option the verb does not have: register's own are named as such. */
static int cc_arg_unknown(const char *w, void *out)
{
	const struct cc_args *a = out;

	if (!strcmp(w, "--default") || !strcmp(w, "-d"))
		return p_usage_err("'cc %s' does not take --default", a->verb);
	if (!strcmp(w, "--restricted"))
		return p_usage_err("'cc %s' does not take --restricted", a->verb);
	return p_usage_err("unknown option '%s' for 'cc %s' (see 'bpftcp cc help')", w, a->verb);
}

static const struct arg_opt register_opts[] = {
	{ .name = "--default", .alias = "-d", .kind = ARG_FLAG,
	  .offset = ARG_FIELD(struct cc_args, set_default),
	  .help = "also make it net.ipv4.tcp_congestion_control" },
	{ .name = "--restricted", .kind = ARG_FLAG,
	  .offset = ARG_FIELD(struct cc_args, restricted),
	  .help = "leave it out of net.ipv4.tcp_allowed_congestion_control" },
	{ NULL }
};

int cc_parse_args(const char *verb, int argc, char **argv, struct cc_args *a,
		  bool allow_default, bool allow_empty)
{
	char cmd[64];
	const struct arg_spec spec = {
		.cmd = cmd,
		.help_ref = "bpftcp cc help",
		.opts = allow_default ? register_opts : NULL,
		.positional = cc_arg_name,
		.unknown = cc_arg_unknown,
	};
	int ret;

	memset(a, 0, sizeof(*a));
	a->verb = verb;
	snprintf(cmd, sizeof(cmd), "cc %s", verb);
	ret = args_parse(&spec, argc, argv, a);
	if (ret)
		return ret;
	if (a->all && a->n)
		return p_usage_err("'all' cannot be combined with names");
	if (!a->all && !a->n) {
		if (!allow_empty)
			return p_usage_err("'cc %s' needs NAME... or all (see 'bpftcp cc help')", verb);
		a->all = true;
	}
	if (a->all) {
		a->n = bpftcp_cc_count() < CC_MAX_ARGS ? bpftcp_cc_count() : CC_MAX_ARGS;
		for (int i = 0; i < a->n; i++)
			a->algos[i] = bpftcp_cc_get(i);
	}
	if (a->set_default && (a->all || a->n != 1))
		return p_usage_err("--default needs exactly one name");
	return 0;
}

/* Did the last registration or replacement fail in loading its object? */
static bool load_failed(void)
{
	struct bpftcp_load_diag d = { .sz = sizeof(d) };

	return !bpftcp_last_load_diag(&d) && d.err;
}

static bool registered(const struct bpftcp_cc_info *a)
{
	return bpftcp_cc_is_registered(a->name) == 1;
}

/* ---------------------------------------------------------------- list */

struct list_ctx {
	const char *def;
	bool opened;	/* the header (JSON object, text columns) is out */
};

/* Once, before the first entry: nothing is written if the list fails. */
static void list_header(struct list_ctx *l)
{
	if (l->opened)
		return;
	l->opened = true;
	if (g_opts.json) {
		json_obj_open(&g_json);
		json_kv_str(&g_json, "default", l->def);
		json_key(&g_json, "algorithms");
		json_arr_open(&g_json);
	} else {
		printf("%-16s %-8s %-14s %s\n", "NAME", "SOURCE", "STATE", "DEFAULT");
	}
}

static int list_one(const struct bpftcp_cc_entry *e, void *ctx)
{
	struct list_ctx *l = ctx;
	struct json *j = &g_json;
	const char *source;

	list_header(l);
	/* bpftcp's when it ships it and either registered it or nothing did;
	 * another loader's under the same name is "bpf". */
	if (e->shipped)
		source = !e->registered || e->pinned ? "bpftcp" : "bpf";
	else
		source = strncmp(e->name, "bpf_", 4) ? "kernel" : "bpf";
	if (g_opts.json) {
		json_obj_open(j);
		json_kv_str(j, "name", e->name);
		json_kv_str(j, "source", source);
		json_kv_bool(j, "shipped", e->shipped != NULL);
		json_kv_bool(j, "registered", e->registered);
		json_kv_bool(j, "pinned", e->pinned);
		json_kv_bool(j, "default", e->is_default);
		if (e->shipped)
			json_kv_bool(j, "needs_ecn", e->shipped->needs_ecn);
		json_obj_close(j);
	} else if (e->registered) {
		printf("%-16s %-8s %-14s %s\n", e->name, source, "registered",
		       e->is_default ? "*" : "");
	} else {
		printf("%-16s %-8s %-14s\n", e->name, source, "available");
	}
	return 0;
}

static int do_list(int argc, char **argv)
{
	char def[256] = "";
	struct list_ctx l = { .def = def };
	int n;

	if (argc > 0)
		return p_usage_err("'cc list' takes no arguments (got '%s')", argv[0]);
	bpftcp_cc_default_get(def, sizeof(def));
	n = bpftcp_cc_list(list_one, &l);
	if (n < 0)
		return p_err("cannot read /proc/sys/net/ipv4/tcp_available_congestion_control: %s",
			     strerror(-n));
	list_header(&l);
	if (g_opts.json) {
		json_arr_close(&g_json);
		json_obj_close(&g_json);
		json_finish(&g_json);
	}
	return EXIT_OK;
}

/* ------------------------------------------------- register / unregister */

static void register_error(const struct bpftcp_cc_info *a, int err)
{
	if (err == -EEXIST)
		p_err("cannot register %s: %s (already registered? see 'bpftcp cc list')",
		      a->kname, strerror(EEXIST));
	else if (load_failed())
		p_err("cannot load %s: %s%s", a->kname, strerror(-err), load_hint());
	else
		p_err("cannot register %s: %s%s", a->kname, strerror(-err), load_hint());
}

static int do_register(int argc, char **argv)
{
	const struct bpftcp_cc_info *done[CC_MAX_ARGS];
	int ndone = 0, err = 0;
	char root[PATH_MAX];
	struct cc_args args;

	if (cc_parse_args("register", argc, argv, &args, true, false))
		return EXIT_USAGE;
	if (!require_privileges() || !require_kernel_btf())
		return EXIT_FAIL;
	if (pin_root(root, sizeof(root)))
		return EXIT_FAIL;

	BPFTCP_OPTS(bpftcp_cc_register_opts, opts, .restricted = args.restricted);
	for (int i = 0; i < args.n; i++) {
		const struct bpftcp_cc_info *a = args.algos[i];

		/* "all" registers what is missing; named ones must be new. */
		if (args.all && registered(a))
			continue;
		err = bpftcp_cc_register(a->name, &opts);
		/* Registered by another bpftcp since registered() looked. */
		if (err == -EEXIST && args.all) {
			err = 0;
			continue;
		}
		if (err) {
			register_error(a, err);
			break;
		}
		done[ndone++] = a;
	}
	if (err) {
		/* All or nothing: roll back what this command registered. */
		for (int i = 0; i < ndone; i++)
			bpftcp_cc_unregister(done[i]->name, NULL);
		if (ndone)
			p_info("rolled back %d registration(s) made by this command", ndone);
		return EXIT_FAIL;
	}
	/* Not opts.set_default: a default that cannot be set leaves the
	 * registration in place here, and the message says which step failed. */
	if (args.set_default) {
		int e = bpftcp_cc_default_set(args.algos[0]->kname);

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

/*
 * unregister and replace: @fn on each name, "<verb>ed NAME" (a JSON array
 * under @key) for each success, @error() for each failure.
 */
static int for_each_registered(const char *verb, const char *key, int argc, char **argv,
			       bool need_btf, int (*fn)(const struct bpftcp_cc_info *a),
			       void (*error)(const struct bpftcp_cc_info *a, int err))
{
	struct cc_args args;
	int ret = EXIT_OK;

	if (cc_parse_args(verb, argc, argv, &args, false, false))
		return EXIT_USAGE;
	if (!require_privileges() || (need_btf && !require_kernel_btf()))
		return EXIT_FAIL;
	if (g_opts.json) {
		json_obj_open(&g_json);
		json_key(&g_json, key);
		json_arr_open(&g_json);
	}
	for (int i = 0; i < args.n; i++) {
		const struct bpftcp_cc_info *a = args.algos[i];
		int err;

		if (args.all && !registered(a))
			continue;
		err = fn(a);
		/* "all": unregistered by another bpftcp since registered() looked. */
		if (err == -ENOENT && args.all)
			continue;
		if (err) {
			error(a, err);
			ret = EXIT_FAIL;
		} else if (g_opts.json) {
			json_str(&g_json, a->kname);
		} else {
			printf("%s %s\n", key, a->kname);
		}
	}
	/*
	 * "all" with nothing left to do still clears what a killed bpftcp left
	 * unused (e.g. only the shared record map, pinned before the first
	 * registration): the collector removes nothing while a link is pinned.
	 */
	if (args.all)
		pin_root_gc();
	if (g_opts.json) {
		json_arr_close(&g_json);
		json_obj_close(&g_json);
		json_finish(&g_json);
	}
	return ret;
}

static int unregister_one(const struct bpftcp_cc_info *a)
{
	return bpftcp_cc_unregister(a->name, NULL);
}

static void unregister_error(const struct bpftcp_cc_info *a, int err)
{
	if (err == -ENOENT)
		p_err("cannot unregister %s: not registered by bpftcp (see 'bpftcp cc list')",
		      a->kname);
	else if (err == -EBUSY)
		p_err("%s unpinned but still listed by the kernel (is another process "
		      "holding its link? see 'bpftool link list')", a->kname);
	else
		p_err("cannot unregister %s: %s", a->kname, strerror(-err));
}

static int do_unregister(int argc, char **argv)
{
	return for_each_registered("unregister", "unregistered", argc, argv, false,
				   unregister_one, unregister_error);
}

static int replace_one(const struct bpftcp_cc_info *a)
{
	return bpftcp_cc_replace(a->name, NULL);
}

static void replace_error(const struct bpftcp_cc_info *a, int err)
{
	if (err == -ENOENT)
		p_err("cannot replace %s: not registered (register it first: 'bpftcp cc register %s')",
		      a->kname, a->name);
	else if (err == -ESTALE)
		p_err("cannot replace %s: the pinned registration is stale (unregister and "
		      "register again)", a->kname);
	else if (load_failed())
		p_err("cannot load %s: %s%s", a->kname, strerror(-err), load_hint());
	else
		p_err("cannot replace %s: %s%s", a->kname, strerror(-err), load_hint());
}

static int do_replace(int argc, char **argv)
{
	return for_each_registered("replace", "replaced", argc, argv, true, replace_one,
				   replace_error);
}

/* ---------------------------------------------------------------- stats */

static int print_counter(const char *name, __u64 v, void *ctx)
{
	if (g_opts.json)
		json_kv_u64(&g_json, name, v);
	else
		printf("  %-22s %llu\n", name, (unsigned long long)v);
	return 0;
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
		const struct bpftcp_cc_info *a = args.algos[i];
		struct bpftcp_cc_stats st;
		int err;

		if (!registered(a)) {
			if (!args.all)
				p_err("%s is not registered (see 'bpftcp cc list')", a->kname);
			continue;
		}
		err = bpftcp_cc_stats(a->name, &st);
		/* Unregistered by another process since registered() looked. */
		if (err == -ENOENT) {
			if (!args.all)
				p_err("%s is not registered (see 'bpftcp cc list')", a->kname);
			continue;
		}
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
			bpftcp_cc_counters_foreach(a->name, print_counter, NULL);
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
			bpftcp_cc_counters_foreach(a->name, print_counter, NULL);
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
