// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * bpftcp apply and bpftcp reset: parsing and output on top of libbpftcp's
 * bpftcp_conf_load(), bpftcp_apply() and bpftcp_reset() (lib/conf.c,
 * lib/apply.c).  The file's errors are printed as FILE:LINE: messages and
 * end with exit status 2 before anything changes; a failed apply says which
 * step failed and what was rolled back.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "bpftcp/libbpftcp.h"
#include "apply.h"
#include "args.h"
#include "common.h"

struct apply_args {
	const char *file;
	bool dry_run;
};

static const struct arg_opt apply_opts[] = {
	{ .name = "--file", .alias = "-f", .kind = ARG_STR, .flags = ARG_ONCE,
	  .offset = ARG_FIELD(struct apply_args, file), .metavar = "FILE",
	  .help = "the configuration (default " BPFTCP_CONF_DEFAULT ")" },
	{ .name = "--dry-run", .kind = ARG_FLAG, .offset = ARG_FIELD(struct apply_args, dry_run),
	  .help = "print the plan, change nothing" },
	{ NULL }
};

static const struct arg_spec apply_spec = {
	.cmd = "apply",
	.help_ref = "bpftcp apply help",
	.opts = apply_opts,
};

int apply_parse_args(int argc, char **argv, const char **file, bool *dry_run)
{
	struct apply_args a = {};
	int ret = args_parse(&apply_spec, argc, argv, &a);

	if (ret)
		return ret;
	*file = a.file ? a.file : BPFTCP_CONF_DEFAULT;
	*dry_run = a.dry_run;
	return 0;
}

/* ------------------------------------------------------------ the file */

struct conf_errors {
	int n;
};

static void conf_error(const char *file, unsigned int line, const char *msg, void *ctx)
{
	struct conf_errors *e = ctx;

	if (!e->n++ && g_opts.json) {
		json_obj_open(&g_json);
		json_key(&g_json, "errors");
		json_arr_open(&g_json);
	}
	if (g_opts.json) {
		json_obj_open(&g_json);
		json_kv_str(&g_json, "file", file);
		json_kv_u64(&g_json, "line", line);
		json_kv_str(&g_json, "message", msg);
		json_obj_close(&g_json);
	}
	fprintf(stderr, "%s:%u: error: %s\n", file, line, msg);
}

/* Reads @file; prints its errors.  Returns 0, or the exit status. */
static int conf_read(const char *file, struct bpftcp_conf **conf)
{
	struct conf_errors e = {};
	BPFTCP_OPTS(bpftcp_conf_opts, o, .error = conf_error, .ctx = &e);
	int err = bpftcp_conf_load(file, &o, conf);

	if (e.n && g_opts.json) {
		json_arr_close(&g_json);
		json_obj_close(&g_json);
	}
	if (err == -EINVAL && e.n)
		return p_usage_err("%s: %d error%s; nothing was changed", file, e.n,
				   e.n == 1 ? "" : "s");
	if (err)
		return p_usage_err("cannot read %s: %s%s", file, strerror(-err),
				   err == -ENOENT ? " (write one: see bpftcp.conf(5), or give -f FILE)" : "");
	return 0;
}

/* ------------------------------------------------------------ the steps */

/* "attach delack to /sys/fs/cgroup/x (max-delack 10.0 ms)" into @buf. */
static const char *describe(const struct bpftcp_apply_step *s, char *buf, size_t len)
{
	const char *prep = s->action == BPFTCP_APPLY_ATTACH ? " to " :
			   s->action == BPFTCP_APPLY_DETACH ? " from " : " on ";
	size_t n;

	n = snprintf(buf, len, "%s %s", bpftcp_apply_action_name(s->action), s->object);
	if (s->cgroup && n < len)
		n += snprintf(buf + n, len - n, "%s%s", prep, s->cgroup);
	if (s->detail && s->detail[0] && n < len)
		snprintf(buf + n, len - n, " (%s)", s->detail);
	return buf;
}

static void step_json(const struct bpftcp_apply_step *s, int err)
{
	json_obj_open(&g_json);
	json_kv_str(&g_json, "action", bpftcp_apply_action_name(s->action));
	json_kv_str(&g_json, "object", s->object);
	json_key(&g_json, "cgroup");
	json_str(&g_json, s->cgroup);
	json_kv_str(&g_json, "detail", s->detail ? s->detail : "");
	if (err)
		json_kv_str(&g_json, "error", strerror(-err));
	json_obj_close(&g_json);
}

/* What happened, for the closing messages and the JSON document. */
struct progress {
	int undone, undo_failed;
	struct bpftcp_apply_step failed;	/* valid when failed_err */
	char failed_desc[PATH_MAX + 512];
	int failed_err;
};

static void on_step(const struct bpftcp_apply_step *s, int event, int err, void *ctx)
{
	struct progress *p = ctx;
	char desc[PATH_MAX + 512];

	describe(s, desc, sizeof(desc));
	switch (event) {
	case BPFTCP_STEP_PLANNED:
		if (g_opts.json)
			step_json(s, 0);
		else
			printf("would %s\n", desc);
		break;
	case BPFTCP_STEP_DONE:
		if (g_opts.json)
			step_json(s, 0);
		else
			printf("%s\n", desc);
		break;
	case BPFTCP_STEP_FAILED:
		p->failed = *s;
		p->failed_err = err;
		snprintf(p->failed_desc, sizeof(p->failed_desc), "%s", desc);
		p_err("cannot %s: %s%s", desc, strerror(-err),
		      s->action == BPFTCP_APPLY_REGISTER || s->action == BPFTCP_APPLY_REPLACE ||
		      s->action == BPFTCP_APPLY_ATTACH || s->action == BPFTCP_APPLY_UPDATE ?
		      load_hint() : "");
		break;
	case BPFTCP_STEP_UNDONE:
		p->undone++;
		p_info("rolled back: %s\n", desc);
		break;
	case BPFTCP_STEP_UNDO_FAILED:
		p->undo_failed++;
		fprintf(stderr, "error: cannot roll back '%s': %s\n", desc, strerror(-err));
		break;
	}
}

/* ------------------------------------------------------------ commands */

int do_apply(int argc, char **argv)
{
	struct progress p = {};
	struct bpftcp_conf *conf = NULL;
	const char *file;
	bool dry_run;
	int ret;

	if (argc > 0 && !strcmp(argv[0], "help"))
		return print_usage(apply_usage);
	ret = apply_parse_args(argc, argv, &file, &dry_run);
	if (ret)
		return ret;
	ret = conf_read(file, &conf);
	if (ret)
		return ret;
	if (!require_privileges() || !require_kernel_btf()) {
		bpftcp_conf_free(conf);
		return EXIT_FAIL;
	}
	if (g_opts.json) {
		json_obj_open(&g_json);
		json_kv_str(&g_json, "file", file);
		json_kv_bool(&g_json, "dry_run", dry_run);
		json_key(&g_json, dry_run ? "plan" : "steps");
		json_arr_open(&g_json);
	}
	BPFTCP_OPTS(bpftcp_apply_opts, o, .dry_run = dry_run, .step = on_step, .ctx = &p);
	ret = bpftcp_apply(conf, &o);
	bpftcp_conf_free(conf);
	if (g_opts.json) {
		json_arr_close(&g_json);
		json_kv_bool(&g_json, "changed", !dry_run && ret > 0);
		if (ret < 0 && p.failed_err) {
			json_key(&g_json, "failed");
			step_json(&p.failed, p.failed_err);
			json_kv_u64(&g_json, "rolled_back", p.undone);
			json_kv_u64(&g_json, "rollback_failed", p.undo_failed);
		}
		json_obj_close(&g_json);
		json_finish(&g_json);
	}
	if (ret == -EBUSY)
		return p_err("another bpftcp apply or reset is running");
	if (ret < 0 && !p.failed_err)
		return p_err("cannot apply %s: %s%s", file, strerror(-ret), load_hint());
	if (ret < 0 && p.undo_failed) {
		p_err("apply failed, and %d of the %d change(s) it made could not be rolled back: "
		      "the host is partly changed (run 'bpftcp apply' again, or 'bpftcp reset')",
		      p.undo_failed, p.undo_failed + p.undone);
		return EXIT_PARTIAL;
	}
	if (ret < 0) {
		p_info("apply failed: %s; %s\n", p.failed_desc,
		       p.undone ? "the changes it made were rolled back" : "nothing had been changed");
		return EXIT_FAIL;
	}
	if (g_opts.json)
		return EXIT_OK;
	if (!ret)
		printf("nothing to change: the host matches %s\n", file);
	else if (dry_run)
		printf("%d change%s planned (dry run: nothing was changed)\n", ret, ret == 1 ? "" : "s");
	else
		printf("applied %s: %d change%s\n", file, ret, ret == 1 ? "" : "s");
	return EXIT_OK;
}

int do_reset(int argc, char **argv)
{
	struct progress p = {};
	int ret;

	if (argc > 0 && !strcmp(argv[0], "help"))
		return print_usage(apply_usage);
	if (argc > 0)
		return p_usage_err("'reset' takes no arguments (got '%s')", argv[0]);
	if (!require_privileges())
		return EXIT_FAIL;
	if (g_opts.json) {
		json_obj_open(&g_json);
		json_key(&g_json, "steps");
		json_arr_open(&g_json);
	}
	BPFTCP_OPTS(bpftcp_reset_opts, o, .step = on_step, .ctx = &p);
	ret = bpftcp_reset(&o);
	if (g_opts.json) {
		json_arr_close(&g_json);
		json_obj_close(&g_json);
		json_finish(&g_json);
	}
	if (ret == -EBUSY)
		return p_err("another bpftcp apply or reset is running");
	if (ret < 0)
		return p.failed_err ? EXIT_FAIL : p_err("cannot reset: %s", strerror(-ret));
	if (!g_opts.json && ret)
		printf("reset: %d change%s\n", ret, ret == 1 ? "" : "s");
	else if (!g_opts.json)
		printf("nothing to reset\n");
	return EXIT_OK;
}

void apply_usage(FILE *f)
{
	fprintf(f,
		"Usage: bpftcp [-j|-p] [-v] apply [-f|--file FILE] [--dry-run]\n"
		"       bpftcp apply [-f|--file FILE] [--dry-run]\n"
		"                                              make this host match the configuration\n"
		"                                              (bpftcp.conf(5)): validate it whole, then\n"
		"                                              register, attach, update, detach and\n"
		"                                              unregister; all or nothing\n"
		"       bpftcp reset                           remove everything bpftcp made and set back\n"
		"                                              the default congestion control\n");
	args_print_options(f, &apply_spec);
	fprintf(f, "Exit status: 0 done (or nothing to do), 1 failed and rolled back, 2 the file has\n"
		   "errors (nothing changed), 3 failed and not all was rolled back.\n");
}
