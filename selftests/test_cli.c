// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Host unit tests for the bpftcp command line: the dispatch and argument
 * parsers (called directly), and the binary's exit codes and messages for
 * bad input (run as a child; nothing here needs privileges or loads BPF).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "harness.h"
#include "common.h"
#include "cc.h"
#include "args.h"
#include "bpftcp/libbpftcp.h"
#include "libbpftcp_internal.h"	/* libbpftcp__word_in_list() */

#define ARGC(a) ((int)(sizeof(a) / sizeof((a)[0])) - 1)

static int dummy(int argc, char **argv) { return 0; }

static const struct cmd table[] = {
	{ "list", dummy }, { "register", dummy }, { "replace", dummy },
	{ "unregister", dummy }, { NULL, NULL }
};

static void cmd_lookup_exact_and_unambiguous_prefix(void **state)
{
	bool amb;

	assert_string_equal(cmd_lookup(table, "list", &amb)->name, "list");
	assert_string_equal(cmd_lookup(table, "l", &amb)->name, "list");
	assert_string_equal(cmd_lookup(table, "reg", &amb)->name, "register");
	assert_string_equal(cmd_lookup(table, "rep", &amb)->name, "replace");
	assert_string_equal(cmd_lookup(table, "u", &amb)->name, "unregister");
	assert_false(amb);
}

static void cmd_lookup_rejects_ambiguous_unknown_and_empty(void **state)
{
	bool amb;

	assert_null(cmd_lookup(table, "re", &amb));
	assert_true(amb);
	assert_null(cmd_lookup(table, "bogus", &amb));
	assert_false(amb);
	assert_null(cmd_lookup(table, "", &amb));
	assert_null(cmd_lookup(table, "listx", &amb));
}

static void global_options_before_the_object(void **state)
{
	char *argv[] = { "bpftcp", "-j", "-v", "cc", "register", "-x", NULL };
	struct global_opts o = { 0 };

	/* Taken out; what is left is the command, its own options included. */
	assert_int_equal(parse_global_opts(ARGC(argv), argv, &o), 4);
	assert_string_equal(argv[1], "cc");
	assert_string_equal(argv[2], "register");
	assert_string_equal(argv[3], "-x");
	assert_null(argv[4]);
	assert_true(o.json);
	assert_true(o.verbose);
	assert_false(o.pretty);
}

static void global_pretty_implies_json_and_long_forms(void **state)
{
	char *argv[] = { "bpftcp", "--pretty", "--verbose", "status", NULL };
	struct global_opts o = { 0 };

	assert_int_equal(parse_global_opts(ARGC(argv), argv, &o), 2);
	assert_string_equal(argv[1], "status");
	assert_true(o.json && o.pretty && o.verbose);
}

static void global_options_after_the_object_and_verb(void **state)
{
	char *argv[] = { "bpftcp", "cc", "--json", "list", "-pv", NULL };
	char *reg[] = { "bpftcp", "cc", "register", "cubic", "--default", "-j", "-d", NULL };
	struct global_opts o = { 0 };

	assert_int_equal(parse_global_opts(ARGC(argv), argv, &o), 3);
	assert_string_equal(argv[1], "cc");
	assert_string_equal(argv[2], "list");
	assert_true(o.json && o.pretty && o.verbose);
	/* The command's options (--default, -d) stay in their order. */
	memset(&o, 0, sizeof(o));
	assert_int_equal(parse_global_opts(ARGC(reg), reg, &o), 6);
	assert_string_equal(reg[4], "--default");
	assert_string_equal(reg[5], "-d");
	assert_true(o.json);
}

static void double_dash_ends_global_options(void **state)
{
	char *argv[] = { "bpftcp", "-p", "opt", "detach", "delack", "--cgroup", "--", "-j", "--", NULL };
	char *lead[] = { "bpftcp", "--", "-j", NULL };
	struct global_opts o = { 0 };

	/* "--" is dropped; later words, even "-j" and "--", go to the command. */
	assert_int_equal(parse_global_opts(ARGC(argv), argv, &o), 7);
	assert_string_equal(argv[4], "--cgroup");
	assert_string_equal(argv[5], "-j");
	assert_string_equal(argv[6], "--");
	assert_null(argv[7]);
	assert_true(o.json && o.pretty);
	memset(&o, 0, sizeof(o));
	assert_int_equal(parse_global_opts(ARGC(lead), lead, &o), 2);
	assert_string_equal(lead[1], "-j");
	assert_false(o.json);
}

static void global_unknown_option_is_usage_error(void **state)
{
	char *argv[] = { "bpftcp", "--frobnicate", "cc", NULL };
	char *later[] = { "bpftcp", "-j", "-x", "cc", NULL };
	struct global_opts o = { 0 };

	assert_int_equal(parse_global_opts(ARGC(argv), argv, &o), -1);
	assert_int_equal(parse_global_opts(ARGC(later), later, &o), -1);
	assert_true(o.json);	/* so that the usage error is a JSON document */
}

static void global_help_and_version_anywhere(void **state)
{
	char *h[] = { "bpftcp", "cc", "register", "-h", NULL };
	char *v[] = { "bpftcp", "--version", NULL };
	struct global_opts o = { 0 };

	assert_int_equal(parse_global_opts(ARGC(h), h, &o), 3);
	assert_true(o.help);
	assert_false(o.version);
	memset(&o, 0, sizeof(o));
	assert_int_equal(parse_global_opts(ARGC(v), v, &o), 1);
	assert_true(o.version);
}

static void load_hint_names_the_real_cause(void **state)
{
	struct bpftcp_load_diag d = {
		.sz = sizeof(d), .result = BPFTCP_LOAD_REFUSED, .err = -EPERM,
		.prog_type = BPF_PROG_TYPE_TRACING, .prog_name = "bpftcp_sock_state_dump",
	};
	char buf[256];

	/* Refused before the verifier: never "the verifier rejected". */
	for (int verbose = 0; verbose < 2; verbose++)
		assert_string_equal(load_hint_format(&d, verbose, buf, sizeof(buf)),
				    ": the kernel refused to load a BPF program of type tracing "
				    "(lockdown or a security policy?)");
	d.result = BPFTCP_LOAD_REJECTED;
	d.err = -EACCES;
	d.prog_type = BPF_PROG_TYPE_SOCK_OPS;
	snprintf(d.prog_name, sizeof(d.prog_name), "bpftcp_delack");
	assert_string_equal(load_hint_format(&d, false, buf, sizeof(buf)),
			    ": the BPF verifier rejected program bpftcp_delack (run with -v to see its log)");
	assert_string_equal(load_hint_format(&d, true, buf, sizeof(buf)),
			    ": the BPF verifier rejected program bpftcp_delack (its log is above)");
	/* Anything else (a map, an attach after a good load): libbpf's words. */
	d.result = BPFTCP_LOAD_FAILED;
	assert_string_equal(load_hint_format(&d, false, buf, sizeof(buf)),
			    " (run with -v for libbpf's messages)");
	assert_string_equal(load_hint_format(&d, true, buf, sizeof(buf)), "");
	d.result = BPFTCP_LOAD_OK;
	assert_string_equal(load_hint_format(&d, false, buf, sizeof(buf)),
			    " (run with -v for libbpf's messages)");
}

static void hz_rounds_to_linux_values_only(void **state)
{
	assert_int_equal(bpftcp_hz_round(250.0), 250);
	assert_int_equal(bpftcp_hz_round(262.0), 250);
	assert_int_equal(bpftcp_hz_round(293.0), 300);
	assert_int_equal(bpftcp_hz_round(96.0), 100);
	assert_int_equal(bpftcp_hz_round(1040.0), 1000);
	/* Between 250 and 300, or far from any: no answer rather than a guess. */
	assert_int_equal(bpftcp_hz_round(275.0), 0);
	assert_int_equal(bpftcp_hz_round(500.0), 0);
	assert_int_equal(bpftcp_hz_round(0.0), 0);
}

static void cc_find_accepts_short_and_kernel_names(void **state)
{
	const struct bpftcp_cc_info *a = bpftcp_cc_find("cubic"), *b = bpftcp_cc_find("bpf_cubic");

	assert_non_null(a);
	assert_ptr_equal(a, b);
	assert_string_equal(a->kname, "bpf_cubic");
	assert_null(bpftcp_cc_find("cubicx"));
	assert_null(bpftcp_cc_find("bpf_"));
	assert_null(bpftcp_cc_find(""));
}

static void cc_args_names_dedup_and_default(void **state)
{
	char *argv[] = { "cubic", "bpf_cubic", "--default", NULL };
	struct cc_args a;

	assert_int_equal(cc_parse_args("register", 3, argv, &a, true, false), 0);
	assert_int_equal(a.n, 1);
	assert_true(a.set_default);
	assert_false(a.all);
}

static void cc_args_all_expands_to_every_algorithm(void **state)
{
	char *argv[] = { "all", NULL };
	struct cc_args a;

	assert_int_equal(cc_parse_args("register", 1, argv, &a, true, false), 0);
	assert_true(a.all);
	assert_int_equal(a.n, bpftcp_cc_count());
	assert_true(bpftcp_cc_count() >= 1);
}

static void cc_args_rejects_bad_input(void **state)
{
	char *unknown[] = { "nosuch" }, *mixed[] = { "all", "cubic" };
	char *def_all[] = { "all", "--default" }, *opt[] = { "cubic", "--force" };
	char *def_unreg[] = { "cubic", "--default" };
	struct cc_args a;

	assert_int_equal(cc_parse_args("register", 1, unknown, &a, true, false), EXIT_USAGE);
	assert_int_equal(cc_parse_args("register", 2, mixed, &a, true, false), EXIT_USAGE);
	assert_int_equal(cc_parse_args("register", 0, NULL, &a, true, false), EXIT_USAGE);
	assert_int_equal(cc_parse_args("register", 2, def_all, &a, true, false), EXIT_USAGE);
	assert_int_equal(cc_parse_args("register", 2, opt, &a, true, false), EXIT_USAGE);
	assert_int_equal(cc_parse_args("unregister", 2, def_unreg, &a, false, false), EXIT_USAGE);
}

static void cc_args_empty_means_all_where_allowed(void **state)
{
	struct cc_args a;

	assert_int_equal(cc_parse_args("stats", 0, NULL, &a, false, true), 0);
	assert_true(a.all);
}

static void word_list_matches_whole_words_only(void **state)
{
	assert_true(libbpftcp__word_in_list("reno bbr cubic bpf_cubic", "cubic"));
	assert_true(libbpftcp__word_in_list("reno bbr cubic bpf_cubic", "bpf_cubic"));
	assert_true(libbpftcp__word_in_list("reno", "reno"));
	assert_false(libbpftcp__word_in_list("reno bpf_cubic", "cubic"));
	assert_false(libbpftcp__word_in_list("reno bpf_cubicx", "bpf_cubic"));
	assert_false(libbpftcp__word_in_list("", "reno"));
}

/* Runs the binary; returns the exit code and captures stdout+stderr. */
static int run(char *out, size_t len, const char *args)
{
	return harness_sh_out(out, len, "%s %s 2>&1", harness_bpftcp(), args);
}

static void binary_usage_errors_exit_2(void **state)
{
	static const char *const cases[][2] = {
		{ "", "Usage:" },
		{ "frobnicate", "unknown object 'frobnicate' (see 'bpftcp help')" },
		{ "--frobnicate cc list", "unknown option '--frobnicate'" },
		{ "cc frobnicate", "unknown cc command 'frobnicate'" },
		{ "cc re cubic", "'re' is ambiguous" },
		{ "cc register", "needs NAME... or all" },
		{ "cc register nosuch", "unknown congestion control 'nosuch'" },
		{ "cc register all cubic", "'all' cannot be combined" },
		{ "cc register all --default", "--default needs exactly one name" },
		{ "cc unregister cubic --default", "does not take --default" },
		{ "cc list extra", "takes no arguments" },
	};
	char out[8192];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = run(out, sizeof(out), cases[i][0]);

		print_message("bpftcp %s -> %d\n", cases[i][0], rc);
		assert_int_equal(rc, 2);
		assert_non_null(strstr(out, cases[i][1]));
	}
}

static void binary_unknown_name_lists_valid_names(void **state)
{
	char out[8192];

	assert_int_equal(run(out, sizeof(out), "cc register nosuch"), 2);
	assert_non_null(strstr(out, "valid names: all"));
	assert_non_null(strstr(out, "cubic"));
}

static void binary_help_and_version_exit_0(void **state)
{
	char out[8192];

	assert_int_equal(run(out, sizeof(out), "--help"), 0);
	assert_non_null(strstr(out, "OBJECT := { cc"));
	assert_int_equal(run(out, sizeof(out), "cc help"), 0);
	assert_non_null(strstr(out, "bpftcp cc register NAME...|all [-d|--default] [--restricted]"));
	assert_int_equal(run(out, sizeof(out), "-V"), 0);
	assert_non_null(strstr(out, "bpftcp " BPFTCP_VERSION));
}

static void binary_json_list_is_valid_json(void **state)
{
	static const char *const forms[] = { "-j cc list", "cc list -j", "cc -j list", "cc list --pretty" };
	char cmd[4096];

	/* python3 parses stdout alone; stderr notes must not leak into it. */
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		snprintf(cmd, sizeof(cmd),
			 "%s %s 2>/dev/null | $(scripts/find-python.sh) -c 'import json,sys; "
			 "d=json.loads(sys.stdin.read()); "
			 "names=[a[\"name\"] for a in d[\"algorithms\"]]; "
			 "assert \"bpf_cubic\" in names and \"reno\" in names, names; "
			 "assert isinstance(d[\"default\"], str)'", harness_bpftcp(), forms[i]);
		print_message("bpftcp %s\n", forms[i]);
		assert_int_equal(harness_sh("%s", cmd), 0);
	}
}

static void binary_options_after_the_verb(void **state)
{
	char out[8192];

	assert_int_equal(run(out, sizeof(out), "version -j"), 0);
	assert_string_equal(out, "{\"version\":\"" BPFTCP_VERSION "\"}\n");
	assert_int_equal(run(out, sizeof(out), "version --pretty"), 0);
	assert_non_null(strstr(out, "\"version\": \"" BPFTCP_VERSION "\""));
	/* -h after the verb: the object's help; -V anywhere: the version. */
	assert_int_equal(run(out, sizeof(out), "cc register -h"), 0);
	assert_non_null(strstr(out, "bpftcp cc register NAME...|all"));
	assert_int_equal(run(out, sizeof(out), "opt show --help"), 0);
	assert_non_null(strstr(out, "bpftcp opt attach delack --cgroup PATH"));
	assert_int_equal(run(out, sizeof(out), "sockets -h"), 0);
	assert_non_null(strstr(out, "bpftcp sockets { attach | detach } --cgroup PATH"));
	assert_int_equal(run(out, sizeof(out), "status -V"), 0);
	assert_string_equal(out, "bpftcp " BPFTCP_VERSION "\n");
	/* In JSON mode, help goes to stderr and the document is null. */
	assert_int_equal(harness_sh_out(out, sizeof(out), "%s cc help -j 2>/dev/null",
					harness_bpftcp()), 0);
	assert_string_equal(out, "null\n");
	/* After "--" a global option is the command's word. */
	assert_int_equal(run(out, sizeof(out), "cc register -- -j"), 2);
	assert_non_null(strstr(out, "unknown option '-j' for 'cc register'"));
}

/* A command prefix that drops root to nobody with no capabilities ("" when not root). */
static const char *unprivileged(void)
{
	return geteuid() == 0 ? "setpriv --reuid=65534 --regid=65534 --clear-groups "
				"--inh-caps=-all --bounding-set=-all " : "";
}

/* Runs the binary unprivileged; returns the exit code, captures stdout+stderr. */
static int run_unprivileged(char *out, size_t len, const char *args)
{
	return harness_sh_out(out, len, "%s%s %s 2>&1", unprivileged(), harness_bpftcp(), args);
}

/*
 * Runs "bpftcp @args" (unprivileged() if @unpriv), checks its exit code is
 * @rc, and that stdout is exactly one JSON document {"error": "...@msg..."}.
 */
static void assert_json_error(const char *args, bool unpriv, int rc, const char *msg)
{
	const char *drop = unpriv ? unprivileged() : "";
	char cmd[4096];

	print_message("bpftcp %s -> %d, {\"error\": ...%s...}\n", args, rc, msg);
	snprintf(cmd, sizeof(cmd),
		 "out=$(%s%s %s 2>/dev/null); rc=$?; [ $rc = %d ] || { echo \"exit $rc\"; exit 1; }; "
		 "printf '%%s' \"$out\" | $(scripts/find-python.sh) -c 'import json,sys\n"
		 "d = json.loads(sys.stdin.read())\n"
		 "assert isinstance(d, dict) and isinstance(d[\"error\"], str), d\n"
		 "assert sys.argv[1] in d[\"error\"], d\n' \"%s\"",
		 drop, harness_bpftcp(), args, rc, msg);
	assert_int_equal(harness_sh("%s", cmd), 0);
}

static void binary_json_errors_are_one_document(void **state)
{
	/* Usage errors (exit 2) of every object, and of the command line. */
	assert_json_error("-j cc list extra", false, 2, "takes no arguments");
	assert_json_error("cc register nosuch -j", false, 2, "unknown congestion control");
	assert_json_error("opt show bogus -j", false, 2, "takes no arguments, 'delack' or");
	assert_json_error("opt attach delack --cgroup x -j", false, 2, "needs --max-delack");
	assert_json_error("sockets --bogus -j", false, 2, "unknown argument");
	assert_json_error("status extra --json", false, 2, "takes no arguments");
	assert_json_error("version extra -p", false, 2, "takes no arguments");
	assert_json_error("-j frobnicate", false, 2, "unknown object");
	assert_json_error("--frobnicate -j cc list", false, 2, "unknown option");
	assert_json_error("-j", false, 2, "missing OBJECT");
	/* Failed operations (exit 1): without privileges. */
	assert_json_error("cc register cubic -j", true, 1, "needs CAP_BPF and CAP_NET_ADMIN");
	assert_json_error("cc unregister all -j", true, 1, "needs CAP_BPF and CAP_NET_ADMIN");
	assert_json_error("opt show -j", true, 1, "needs CAP_BPF and CAP_NET_ADMIN");
	assert_json_error("sockets -j", true, 1, "needs CAP_BPF and CAP_NET_ADMIN");
	assert_json_error("sockets detach --cgroup x -p", true, 1, "needs CAP_BPF and CAP_NET_ADMIN");
}

static void binary_status_unprivileged_says_why(void **state)
{
	char out[8192];

	/* Features cannot be probed without privileges: status says so. */
	assert_int_equal(run_unprivileged(out, sizeof(out), "status -j"), 0);
	assert_non_null(strstr(out, "\"features\":null,\"features_error\":\"Operation not permitted\""));
}

static void binary_needs_privileges(void **state)
{
	char out[8192];

	assert_int_equal(run_unprivileged(out, sizeof(out), "cc register cubic"), 1);
	assert_non_null(strstr(out, "error: bpftcp needs CAP_BPF and CAP_NET_ADMIN (run as root)"));
}

/* Reads a file of the source tree (tests run from the top directory). */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, n + 1);
	if (buf && fread(buf, 1, n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

static void every_shipped_algorithm_is_documented(void **state)
{
	static const char *const docs[] = { "README.md", "docs/algorithms.md" };

	for (size_t d = 0; d < sizeof(docs) / sizeof(docs[0]); d++) {
		char *text = slurp(docs[d]);

		assert_non_null(text);
		for (int i = 0; i < bpftcp_cc_count(); i++) {
			char row[64];

			/* A table row of its own: "| `bpf_x` | reference | ..." */
			snprintf(row, sizeof(row), "\n| `%s` |", bpftcp_cc_get(i)->kname);
			if (!strstr(text, row))
				print_message("%s has no table row for %s\n", docs[d], bpftcp_cc_get(i)->kname);
			assert_non_null(strstr(text, row));
		}
		free(text);
	}
}

/* The declarative parser: every kind, the required/once flags, positional
 * words, and the shared error paths. */
struct args_probe {
	bool flag;
	bool on;
	const char *path;
	unsigned int n;
	unsigned int custom;
	int words;
};

static int parse_double(const char *opt, const char *val, void *field)
{
	if (strcmp(val, "x2"))
		return p_usage_err("%s: bad value '%s'", opt, val);
	*(unsigned int *)field = 2;
	return 0;
}

static int count_word(const char *w, void *out)
{
	if (!strcmp(w, "bad"))
		return p_usage_err("bad word");
	((struct args_probe *)out)->words++;
	return 0;
}

static const struct arg_opt probe_opts[] = {
	{ .name = "--flag", .alias = "-f", .kind = ARG_FLAG,
	  .offset = ARG_FIELD(struct args_probe, flag), .help = "a flag" },
	{ .name = "--off", .kind = ARG_FLAG_OFF, .offset = ARG_FIELD(struct args_probe, on),
	  .help = "clears on" },
	{ .name = "--path", .kind = ARG_STR, .offset = ARG_FIELD(struct args_probe, path),
	  .metavar = "PATH", .help = "a path", .flags = ARG_REQUIRED | ARG_ONCE },
	{ .name = "--n", .kind = ARG_UINT, .offset = ARG_FIELD(struct args_probe, n),
	  .metavar = "N", .help = "1 to 9", .min = 1, .max = 9 },
	{ .name = "--custom", .kind = ARG_CUSTOM, .offset = ARG_FIELD(struct args_probe, custom),
	  .metavar = "V", .help = "x2", .parse = parse_double },
	{ .name = NULL }
};

static void args_table_parses_every_kind(void **state)
{
	const struct arg_spec spec = { .cmd = "probe", .help_ref = "bpftcp probe help",
					.opts = probe_opts, .positional = count_word };
	const struct arg_spec closed = { .cmd = "probe", .help_ref = "bpftcp probe help",
					  .opts = probe_opts };
	char *ok[] = { "w1", "-f", "--off", "--path", "/x", "--n", "9", "--custom", "x2", "w2", NULL };
	char *missing[] = { "--flag", NULL };
	char *twice[] = { "--path", "a", "--path", "b", NULL };
	char *no_value[] = { "--path", NULL };
	char *range[] = { "--path", "a", "--n", "10", NULL };
	char *negative[] = { "--path", "a", "--n", "-1", NULL };
	char *custom_bad[] = { "--path", "a", "--custom", "x3", NULL };
	char *unknown[] = { "--path", "a", "--bogus", NULL };
	char *word[] = { "--path", "a", "w", NULL };
	char *bad_word[] = { "--path", "a", "bad", NULL };
	struct args_probe p = { .on = true };

	assert_int_equal(args_parse(&spec, 10, ok, &p), 0);
	assert_true(p.flag);
	assert_false(p.on);
	assert_string_equal(p.path, "/x");
	assert_int_equal(p.n, 9);
	assert_int_equal(p.custom, 2);
	assert_int_equal(p.words, 2);
	assert_int_equal(args_parse(&spec, 1, missing, &p), EXIT_USAGE);
	assert_int_equal(args_parse(&spec, 4, twice, &p), EXIT_USAGE);
	assert_int_equal(args_parse(&spec, 1, no_value, &p), EXIT_USAGE);
	assert_int_equal(args_parse(&spec, 4, range, &p), EXIT_USAGE);
	assert_int_equal(args_parse(&spec, 4, negative, &p), EXIT_USAGE);
	assert_int_equal(args_parse(&spec, 4, custom_bad, &p), EXIT_USAGE);
	assert_int_equal(args_parse(&spec, 3, unknown, &p), EXIT_USAGE);
	assert_int_equal(args_parse(&closed, 3, word, &p), EXIT_USAGE);
	assert_int_equal(args_parse(&spec, 3, bad_word, &p), EXIT_USAGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(cmd_lookup_exact_and_unambiguous_prefix),
		cmocka_unit_test(cmd_lookup_rejects_ambiguous_unknown_and_empty),
		cmocka_unit_test(global_options_before_the_object),
		cmocka_unit_test(global_pretty_implies_json_and_long_forms),
		cmocka_unit_test(global_options_after_the_object_and_verb),
		cmocka_unit_test(double_dash_ends_global_options),
		cmocka_unit_test(global_unknown_option_is_usage_error),
		cmocka_unit_test(global_help_and_version_anywhere),
		cmocka_unit_test(load_hint_names_the_real_cause),
		cmocka_unit_test(hz_rounds_to_linux_values_only),
		cmocka_unit_test(cc_find_accepts_short_and_kernel_names),
		cmocka_unit_test(cc_args_names_dedup_and_default),
		cmocka_unit_test(cc_args_all_expands_to_every_algorithm),
		cmocka_unit_test(cc_args_rejects_bad_input),
		cmocka_unit_test(cc_args_empty_means_all_where_allowed),
		cmocka_unit_test(word_list_matches_whole_words_only),
		cmocka_unit_test(args_table_parses_every_kind),
		cmocka_unit_test(binary_usage_errors_exit_2),
		cmocka_unit_test(binary_unknown_name_lists_valid_names),
		cmocka_unit_test(binary_help_and_version_exit_0),
		cmocka_unit_test(binary_json_list_is_valid_json),
		cmocka_unit_test(binary_options_after_the_verb),
		cmocka_unit_test(binary_json_errors_are_one_document),
		cmocka_unit_test(binary_status_unprivileged_says_why),
		cmocka_unit_test(binary_needs_privileges),
		cmocka_unit_test(every_shipped_algorithm_is_documented),
	};

	return cmocka_run_group_tests_name("cli", tests, NULL, NULL);
}
