// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Host unit tests of the bpftcp.conf reader (lib/conf.c, bpftcp_conf_load()):
 * a valid file is read as written, and each kind of error is reported with
 * its line, all of them in one pass and in line order.  Nothing here needs
 * privileges: the host checks only read /proc and the cgroup2 mount.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <setjmp.h>
#include <cmocka.h>
#include "bpftcp/libbpftcp.h"
#include "libbpftcp_internal.h"

#define MAX_ERRORS 64

struct errors {
	int n;
	unsigned int line[MAX_ERRORS];
	char msg[MAX_ERRORS][512];
	char file[PATH_MAX];
};

static char conf_path[PATH_MAX];
static struct errors errs;
static struct bpftcp_conf *conf;

static void on_error(const char *file, unsigned int line, const char *msg, void *ctx)
{
	struct errors *e = ctx;

	snprintf(e->file, sizeof(e->file), "%s", file);
	if (e->n < MAX_ERRORS) {
		e->line[e->n] = line;
		snprintf(e->msg[e->n], sizeof(e->msg[0]), "%s", msg);
	}
	e->n++;
}

/* Writes @text to a file of the test's and loads it. */
static int load_text(const char *text, bool syntax_only)
{
	BPFTCP_OPTS(bpftcp_conf_opts, o, .error = on_error, .ctx = &errs,
		    .syntax_only = syntax_only);
	FILE *f = fopen(conf_path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	memset(&errs, 0, sizeof(errs));
	bpftcp_conf_free(conf);
	conf = NULL;
	return bpftcp_conf_load(conf_path, &o, &conf);
}

/* The file has the error @what on @line (among others, maybe). */
static void expect_error_in(const char *text, unsigned int line, const char *what)
{
	assert_int_equal(load_text(text, false), -EINVAL);
	assert_null(conf);
	for (int i = 0; i < errs.n && i < MAX_ERRORS; i++)
		if (errs.line[i] == line && strstr(errs.msg[i], what))
			return;
	for (int i = 0; i < errs.n && i < MAX_ERRORS; i++)
		print_message("  %u: %s\n", errs.line[i], errs.msg[i]);
	fail_msg("no error '%s' at line %u", what, line);
}

/* The cgroup2 mount, where the host checks look. */
static const char *cgroup2(void)
{
	static char mnt[PATH_MAX];

	if (!mnt[0])
		assert_int_equal(bpftcp_find_mount("cgroup2", mnt, sizeof(mnt)), 0);
	return mnt;
}

static int setup(void **state)
{
	snprintf(conf_path, sizeof(conf_path), "/tmp/bpftcp-test-conf-%d.conf", (int)getpid());
	return 0;
}

static int teardown(void **state)
{
	bpftcp_conf_free(conf);
	conf = NULL;
	unlink(conf_path);
	return 0;
}

/* ---------------------------------------------------------------- valid */

static void valid_file_is_read_as_written(void **state)
{
	char text[2048];

	snprintf(text, sizeof(text),
		 "\xEF\xBB\xBF# a comment\n"
		 "; another\n"
		 "[cc]\r\n"
		 "   register = dctcp, bpf_cubic   ; inline comment\n"
		 "register = dctcp vegas\n"
		 "restricted = YES\n"
		 "default = bpf_cubic\n"
		 "\n"
		 "[cgroup %s]\n"
		 "  sockets = on\n"
		 "  delack = yes\n"
		 "  max-delack = 2.5\n"
		 "  rto-ceiling = 100ms\n"
		 "  peers = 198.18.0.0/15, 2001:2::/48\n"
		 "  peers = 198.19.0.1\n"
		 "  record = 1\n", cgroup2());
	assert_int_equal(load_text(text, false), 0);
	assert_int_equal(errs.n, 0);
	assert_non_null(conf);
	assert_int_equal(conf->cc_cnt, 3);
	assert_string_equal(conf->cc[0]->kname, "bpf_dctcp");
	assert_string_equal(conf->cc[1]->kname, "bpf_cubic");
	assert_string_equal(conf->cc[2]->kname, "bpf_vegas");
	assert_true(conf->restricted);
	assert_string_equal(conf->default_cc, "bpf_cubic");
	assert_int_equal(conf->line_default, 7);
	assert_int_equal(conf->cgroups_cnt, 1);
	assert_string_equal(conf->cgroups[0].path, cgroup2());
	assert_int_equal(conf->cgroups[0].line, 9);
	assert_true(conf->cgroups[0].sockets && conf->cgroups[0].delack);
	assert_int_equal(conf->cgroups[0].dl.max_delack_us, 2500);
	assert_int_equal(conf->cgroups[0].dl.rto_floor_us, 0);	/* the default */
	assert_int_equal(conf->cgroups[0].dl.rto_ceiling_us, 100000);
	assert_int_equal(conf->cgroups[0].dl.peers_cnt, 3);
	assert_int_equal(conf->cgroups[0].dl.peers[2].prefix, 32);
	assert_true(conf->cgroups[0].dl.record);
}

static void register_all_and_kernel_default(void **state)
{
	char avail[4096], first[64] = "";

	/* A default the kernel offers (whatever this host's first one is). */
	assert_int_equal(bpftcp_cc_available(avail, sizeof(avail)), 0);
	sscanf(avail, "%63s", first);
	snprintf(avail, sizeof(avail), "[cc]\nregister = all\ndefault = %s\n", first);
	assert_int_equal(load_text(avail, false), 0);
	assert_int_equal(conf->cc_cnt, bpftcp_cc_count());
	assert_string_equal(conf->default_cc, first);
}

static void empty_file_names_nothing(void **state)
{
	assert_int_equal(load_text("# nothing\n", false), 0);
	assert_int_equal(conf->cc_cnt, 0);
	assert_int_equal(conf->cgroups_cnt, 0);
	assert_string_equal(conf->default_cc, "");
}

static void example_config_is_valid(void **state)
{
	BPFTCP_OPTS(bpftcp_conf_opts, o, .error = on_error, .ctx = &errs, .syntax_only = true);

	memset(&errs, 0, sizeof(errs));
	assert_int_equal(bpftcp_conf_load("deploy/bpftcp.conf", &o, &conf), 0);
	assert_int_equal(errs.n, 0);
	assert_true(conf->cc_cnt > 0);
}

static void syntax_only_skips_the_host_checks(void **state)
{
	const char *text = "[cc]\ndefault = no_such_cc\n[cgroup /no/such/cgroup]\nsockets = yes\n";

	assert_int_equal(load_text(text, true), 0);
	assert_int_equal(load_text(text, false), -EINVAL);
	assert_int_equal(errs.n, 2);
}

static void missing_file_is_enoent(void **state)
{
	assert_int_equal(bpftcp_conf_load("/nonexistent/bpftcp.conf", NULL, &conf), -ENOENT);
	assert_null(conf);
}

/* ----------------------------------------------------------- structure */

static void key_outside_a_section(void **state)
{
	expect_error_in("\nregister = cubic\n", 2, "outside a section");
}

static void unknown_section(void **state)
{
	expect_error_in("[cc]\n\n[algorithms]\nx = 1\n", 3, "unknown section [algorithms]");
}

static void section_without_closing_bracket(void **state)
{
	expect_error_in("[cc\nregister = cubic\n", 1, "without ']'");
}

static void cgroup_section_without_path(void **state)
{
	expect_error_in("[cgroup]\nsockets = yes\n", 1, "needs the cgroup's path");
}

static void section_given_twice(void **state)
{
	char text[1024];

	expect_error_in("[cc]\nregister = cubic\n[cc]\ndefault = cubic\n", 3,
			"[cc] given twice (first at line 1)");
	snprintf(text, sizeof(text), "[cgroup %s]\nsockets = yes\n[cgroup %s]\nsockets = no\n",
		 cgroup2(), cgroup2());
	expect_error_in(text, 3, "given twice (first at line 1)");
}

static void line_without_equals(void **state)
{
	expect_error_in("[cc]\nregister cubic\n", 2, "expected 'key = value'");
	/* The last line, without a newline, too. */
	expect_error_in("[cc]\nregister = cubic\ndefault", 3, "expected 'key = value'");
}

static void line_too_long(void **state)
{
	char text[1024] = "[cc]\nregister =";

	for (int i = 0; i < 40; i++)
		strcat(text, " cubic");
	strcat(text, "\ndefault = nosuch\n");
	expect_error_in(text, 2, "line longer than");
	/* The reader keeps counting lines after it. */
	expect_error_in(text, 3, "no congestion control 'nosuch'");
}

static void unknown_keys(void **state)
{
	char text[1024];

	expect_error_in("[cc]\nregister = cubic\ndefualt = cubic\n", 3, "unknown key 'defualt' in [cc]");
	snprintf(text, sizeof(text), "[cgroup %s]\nmax_delack = 10\n", cgroup2());
	expect_error_in(text, 2, "unknown key 'max_delack' in [cgroup");
}

static void key_given_twice(void **state)
{
	expect_error_in("[cc]\nregister = cubic\ndefault = cubic\ndefault = reno\n", 4,
			"'default' given twice (first at line 3)");
}

/* -------------------------------------------------------------- values */

static void bad_boolean(void **state)
{
	expect_error_in("[cc]\nrestricted = maybe\n", 2, "must be yes or no");
}

static void unknown_algorithm(void **state)
{
	expect_error_in("[cc]\nregister = cubic cubbic\n", 2, "unknown congestion control 'cubbic'");
}

static void default_not_registered_by_the_file(void **state)
{
	expect_error_in("[cc]\nregister = cubic\n\ndefault = bpf_dctcp\n", 4,
			"default bpf_dctcp is not registered by this file");
}

static void default_the_kernel_lacks(void **state)
{
	expect_error_in("[cc]\ndefault = no_such_cc\n", 2, "the kernel has no congestion control");
	expect_error_in("[cc]\ndefault = two words\n", 2, "one congestion control name");
}

/* A [cgroup] section of the cgroup2 root with @body. */
static void expect_cgroup_error(const char *body, unsigned int line, const char *what)
{
	char text[1024];

	snprintf(text, sizeof(text), "[cgroup %s]\n%s", cgroup2(), body);
	expect_error_in(text, line, what);
}

static void bad_durations(void **state)
{
	expect_cgroup_error("delack = yes\nmax-delack = ten\n", 3, "must be milliseconds");
	expect_cgroup_error("delack = yes\nmax-delack = 250\n", 3, "out of range");
	expect_cgroup_error("delack = yes\nmax-delack = 2.55\n", 3, "out of range");
}

static void bad_peers(void **state)
{
	expect_cgroup_error("delack = yes\nmax-delack = 10\npeers = 198.18.0.1/15\n", 4,
			    "bits set beyond its prefix (198.18.0.0/15?)");
	expect_cgroup_error("delack = yes\nmax-delack = 10\npeers = 198.18.0.0/15 nowhere\n", 4,
			    "peer 'nowhere' is not");
	expect_cgroup_error("delack = yes\nmax-delack = 10\npeers = 2001:2::/129\n", 4,
			    "prefix length too long");
}

static void too_many_peers(void **state)
{
	char *text = malloc(64 * 1024);
	size_t n;

	assert_non_null(text);
	n = snprintf(text, 64 * 1024, "[cgroup %s]\ndelack = yes\nmax-delack = 10\n", cgroup2());
	/* 1025 prefixes, 10 a line; the error is on the first peers line (4). */
	for (int i = 0; i < BPFTCP_DELACK_PEERS_MAX + 1; i++)
		n += snprintf(text + n, 64 * 1024 - n, "%s10.%d.%d.0/24%s", i % 10 ? " " : "peers =",
			      i / 256, i % 256, i % 10 == 9 ? "\n" : "");
	strcat(text, "\n");
	expect_error_in(text, 4, "1025 peer prefixes (at most 1024)");
	free(text);
}

static void delack_settings_without_delack(void **state)
{
	expect_cgroup_error("sockets = yes\nrecord = yes\n", 3, "'record' is a delack setting");
	/* With 'delack = no' they are kept for later: no error. */
	{
		char text[512];

		snprintf(text, sizeof(text), "[cgroup %s]\ndelack = no\nmax-delack = 10\n", cgroup2());
		assert_int_equal(load_text(text, false), 0);
	}
}

static void delack_without_max_delack(void **state)
{
	expect_cgroup_error("sockets = yes\ndelack = yes\n", 3, "needs 'max-delack'");
}

static void floor_above_ceiling(void **state)
{
	expect_cgroup_error("delack = yes\nmax-delack = 10\nrto-ceiling = 20\nrto-floor = 50\n", 5,
			    "rto-floor 50.0 ms is above rto-ceiling 20.0 ms");
}

/* ------------------------------------------------------------- cgroups */

static void missing_cgroup(void **state)
{
	expect_error_in("[cc]\n[cgroup no-such-cgroup-of-bpftcp-tests]\nsockets = yes\n", 2,
			"no such cgroup 'no-such-cgroup-of-bpftcp-tests'");
}

static void not_a_cgroup(void **state)
{
	expect_error_in("[cgroup /tmp]\nsockets = yes\n", 1, "not a cgroup v2 directory");
}

static void one_cgroup_named_twice(void **state)
{
	char text[1024];

	/* The root, relative ("." of the mount) and absolute. */
	snprintf(text, sizeof(text), "[cgroup %s]\nsockets = yes\n[cgroup .]\nsockets = yes\n",
		 cgroup2());
	expect_error_in(text, 3, "is the cgroup of line 1");
}

/* ---------------------------------------------------------------- ccneg */

/* A [ccneg] section of the cgroup2 root with @body, after @head. */
static void expect_ccneg_error(const char *head, const char *body, unsigned int line,
			       const char *what)
{
	char text[2048];

	snprintf(text, sizeof(text), "%s[ccneg %s]\n%s", head, cgroup2(), body);
	expect_error_in(text, line, what);
}

static void ccneg_section_is_read_as_written(void **state)
{
	char text[1024];
	const struct libbpftcp__conf_ccneg *cn;

	snprintf(text, sizeof(text),
		 "[cc]\nregister = dctcp\n"
		 "[ccneg %s]\n"
		 "prefer = bpf_dctcp, reno\n"
		 "fallback = reno\n"
		 "peers = 198.18.0.0/15\n"
		 "peers = 2001:2::/48\n"
		 "record = yes\n", cgroup2());
	assert_int_equal(load_text(text, false), 0);
	assert_int_equal(errs.n, 0);
	assert_int_equal(conf->ccneg_cnt, 1);
	cn = &conf->ccneg[0];
	assert_string_equal(cn->path, cgroup2());
	assert_int_equal(cn->line, 3);
	assert_int_equal(cn->prefer_cnt, 2);
	assert_string_equal(cn->prefer[0], "bpf_dctcp");
	assert_string_equal(cn->prefer[1], "reno");
	/* Registry ids (docs/hdropt-ccneg.md): reno 1, dctcp 3. */
	assert_int_equal(cn->prefer_ids[0], 3);
	assert_int_equal(cn->prefer_ids[1], 1);
	assert_string_equal(cn->fallback, "reno");
	assert_int_equal(cn->fallback_id, 1);
	assert_int_equal(cn->peers_cnt, 2);
	assert_true(cn->record);
	/* A [cgroup] section of the same cgroup is another kind: no clash. */
	snprintf(text, sizeof(text), "[cgroup %s]\nsockets = yes\n[ccneg %s]\nprefer = reno\n"
		 "fallback = reno\n", cgroup2(), cgroup2());
	assert_int_equal(load_text(text, false), 0);
	assert_int_equal(conf->cgroups_cnt, 1);
	assert_int_equal(conf->ccneg_cnt, 1);
}

static void ccneg_bad_algorithms(void **state)
{
	expect_ccneg_error("", "prefer = reno, nosuch\nfallback = reno\n", 2,
			   "'prefer': unknown algorithm 'nosuch' (the ccneg registry: reno cubic");
	expect_ccneg_error("", "prefer = reno\nfallback = nosuch\n", 3,
			   "'fallback': unknown algorithm 'nosuch'");
	expect_ccneg_error("", "prefer = reno\nfallback = reno cubic\n", 3,
			   "'fallback' must be one algorithm name");
	/* Compared by registry id: bpf_reno is reno. */
	expect_ccneg_error("", "prefer = reno bpf_reno\nfallback = reno\n", 2,
			   "'prefer' names reno twice ('reno' and 'bpf_reno')");
	expect_ccneg_error("", "prefer = reno cubic dctcp bbr vegas westwood bic htcp highspeed\n"
			   "fallback = reno\n", 2, "'prefer' names more than 8 algorithms");
	expect_ccneg_error("", "prefer = ,\nfallback = reno\n", 2, "'prefer' needs one or more");
}

static void ccneg_missing_and_repeated_keys(void **state)
{
	expect_ccneg_error("", "fallback = reno\n", 1, "needs 'prefer'");
	expect_ccneg_error("", "prefer = reno\n", 1, "needs 'fallback'");
	expect_ccneg_error("", "prefer = reno\nfallback = reno\nprefer = cubic\n", 4,
			   "'prefer' given twice (first at line 2)");
	expect_ccneg_error("", "prefer = reno\nfallback = reno\nmax-delack = 10\n", 4,
			   "unknown key 'max-delack' in [ccneg");
	expect_ccneg_error("", "prefer = reno\nfallback = reno\nrecord = maybe\n", 4,
			   "'record' must be yes or no");
	expect_ccneg_error("", "prefer = reno\nfallback = reno\npeers = 198.18.0.1/15\n", 4,
			   "bits set beyond its prefix");
	expect_error_in("[ccneg]\nprefer = reno\n", 1, "[ccneg] needs the cgroup's path");
}

static void ccneg_algorithms_the_file_does_not_register(void **state)
{
	char text[1024];

	/* bpftcp's, by its kernel name: apply would unregister it. */
	expect_ccneg_error("", "prefer = bpf_dctcp\nfallback = reno\n", 2,
			   "'prefer': bpf_dctcp is not registered by this file (add dctcp to "
			   "'register' in [cc])");
	expect_ccneg_error("[cc]\nregister = cubic\n", "prefer = reno\nfallback = bpf_dctcp\n",
			   5, "'fallback': bpf_dctcp is not registered by this file");
	/* Not a check of the file itself. */
	snprintf(text, sizeof(text), "[ccneg %s]\nprefer = bpf_dctcp\nfallback = reno\n",
		 cgroup2());
	assert_int_equal(load_text(text, true), 0);
}

static void ccneg_cgroups(void **state)
{
	char text[1024];

	expect_error_in("[ccneg /no/such/cgroup]\nprefer = reno\nfallback = reno\n", 1,
			"no such cgroup '/no/such/cgroup'");
	snprintf(text, sizeof(text), "[ccneg %s]\nprefer = reno\nfallback = reno\n"
		 "[ccneg .]\nprefer = reno\nfallback = reno\n", cgroup2());
	expect_error_in(text, 4, "[ccneg .] is the cgroup of line 1");
	snprintf(text, sizeof(text), "[ccneg %s]\nprefer = reno\nfallback = reno\n"
		 "[ccneg %s]\n", cgroup2(), cgroup2());
	expect_error_in(text, 4, "section [ccneg");
}

/* ----------------------------------------------------------- reporting */

static void every_error_in_line_order(void **state)
{
	const char *text = "[cc]\n"
			   "register = nosuch\n"		/* 2 */
			   "default = bpf_cubic\n"		/* 3: checked at the end */
			   "[cgroup /no/such]\n"		/* 4: checked at the end */
			   "sockets = maybe\n"			/* 5 */
			   "bogus\n";				/* 6 */

	assert_int_equal(load_text(text, false), -EINVAL);
	assert_int_equal(errs.n, 5);
	assert_string_equal(errs.file, conf_path);
	for (int i = 0; i < errs.n; i++)
		assert_int_equal(errs.line[i], (unsigned int)i + 2);
}

static char printed[1024];

static int capture(enum libbpftcp_print_level level, const char *fmt, va_list ap)
{
	size_t n = strlen(printed);

	return vsnprintf(printed + n, sizeof(printed) - n, fmt, ap);
}

static void without_a_callback_errors_go_to_the_print_callback(void **state)
{
	libbpftcp_print_fn_t old = libbpftcp_set_print(capture);
	FILE *f = fopen(conf_path, "w");
	char want[PATH_MAX + 64];

	assert_non_null(f);
	fputs("[cc]\n\nrestricted = perhaps\n", f);
	fclose(f);
	printed[0] = '\0';
	assert_int_equal(bpftcp_conf_load(conf_path, NULL, &conf), -EINVAL);
	libbpftcp_set_print(old);
	snprintf(want, sizeof(want), "%s:3: 'restricted' must be yes or no", conf_path);
	assert_non_null(strstr(printed, want));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(valid_file_is_read_as_written),
		cmocka_unit_test(register_all_and_kernel_default),
		cmocka_unit_test(empty_file_names_nothing),
		cmocka_unit_test(example_config_is_valid),
		cmocka_unit_test(syntax_only_skips_the_host_checks),
		cmocka_unit_test(missing_file_is_enoent),
		cmocka_unit_test(key_outside_a_section),
		cmocka_unit_test(unknown_section),
		cmocka_unit_test(section_without_closing_bracket),
		cmocka_unit_test(cgroup_section_without_path),
		cmocka_unit_test(section_given_twice),
		cmocka_unit_test(line_without_equals),
		cmocka_unit_test(line_too_long),
		cmocka_unit_test(unknown_keys),
		cmocka_unit_test(key_given_twice),
		cmocka_unit_test(bad_boolean),
		cmocka_unit_test(unknown_algorithm),
		cmocka_unit_test(default_not_registered_by_the_file),
		cmocka_unit_test(default_the_kernel_lacks),
		cmocka_unit_test(bad_durations),
		cmocka_unit_test(bad_peers),
		cmocka_unit_test(too_many_peers),
		cmocka_unit_test(delack_settings_without_delack),
		cmocka_unit_test(delack_without_max_delack),
		cmocka_unit_test(floor_above_ceiling),
		cmocka_unit_test(missing_cgroup),
		cmocka_unit_test(not_a_cgroup),
		cmocka_unit_test(one_cgroup_named_twice),
		cmocka_unit_test(ccneg_section_is_read_as_written),
		cmocka_unit_test(ccneg_bad_algorithms),
		cmocka_unit_test(ccneg_missing_and_repeated_keys),
		cmocka_unit_test(ccneg_algorithms_the_file_does_not_register),
		cmocka_unit_test(ccneg_cgroups),
		cmocka_unit_test(every_error_in_line_order),
		cmocka_unit_test(without_a_callback_errors_go_to_the_print_callback),
	};

	return cmocka_run_group_tests_name("conf", tests, setup, teardown);
}
