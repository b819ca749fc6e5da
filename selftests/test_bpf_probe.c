// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Privileged tests of libbpftcp's probing (lib/probe.c) on the host they
 * run on: the features bpftcp needs are reported present, the tracing
 * answer agrees with what libbpf manages to load, HZ is a Linux value and
 * CONFIG_HZ when /proc/config.gz has it; and a failed object load names its
 * real cause: a refused program type is not "the verifier rejected it", and
 * a verifier rejection keeps the verifier's log.  Nothing is attached or
 * registered.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "harness.h"
#include "common.h"
#include "bpftcp/libbpftcp.h"
#include "selftests/bpf/probe_tracing.skel.h"
#include "selftests/bpf/verifier_reject.skel.h"

static struct bpftcp_features features;

static int group_setup(void **state)
{
	/* Probed once: it takes ~250 ms (the HZ measurement sleeps). */
	features.sz = sizeof(features);
	if (!harness_bpf_unavailable())
		return bpftcp_probe_features(&features);
	return 0;
}

static void assert_present(const char *name, const struct bpftcp_feature *f)
{
	if (f->state != BPFTCP_FEATURE_PRESENT)
		print_message("%s: %s (%s)\n", name, bpftcp_feature_state_name(f->state),
			      strerror(-f->err));
	assert_int_equal(f->state, BPFTCP_FEATURE_PRESENT);
	assert_int_equal(f->err, 0);
}

static void features_bpftcp_needs_are_present(void **state)
{
	harness_require_bpf();
	assert_present("struct_ops_cc", &features.struct_ops_cc);
	assert_present("struct_ops_link", &features.struct_ops_link);
	assert_present("hdr_opt", &features.hdr_opt);
	assert_present("sk_storage", &features.sk_storage);
	assert_present("sock_diag_storage", &features.sock_diag_storage);
}

/* libbpf's own answer: loads probe_tracing with only @prog; 0 or -errno. */
static int load_only(const char *prog)
{
	struct selftests_bpf_probe_tracing *skel = selftests_bpf_probe_tracing__open();
	struct bpf_program *p;
	int err;

	assert_non_null(skel);
	bpf_object__for_each_program(p, skel->obj)
		bpf_program__set_autoload(p, !strcmp(bpf_program__name(p), prog));
	err = bpf_object__load(skel->obj);
	selftests_bpf_probe_tracing__destroy(skel);
	return err;
}

static void tracing_answer_matches_a_real_load(void **state)
{
	int fentry, iter, expected;

	harness_require_bpf();
	fentry = load_only("probe_fentry");
	iter = load_only("probe_iter");
	print_message("libbpf: fentry %d, iterator %d; probe: %s\n", fentry, iter,
		      bpftcp_feature_state_name(features.tracing.state));
	if (!fentry && !iter)
		expected = BPFTCP_FEATURE_PRESENT;
	else if (fentry == -EPERM || iter == -EPERM || fentry == -EACCES || iter == -EACCES)
		expected = BPFTCP_FEATURE_REFUSED;
	else
		expected = BPFTCP_FEATURE_MISSING;
	assert_int_equal(features.tracing.state, expected);
	assert_int_equal(bpftcp_probe_prog(BPF_PROG_TYPE_TRACING, BPF_TRACE_FENTRY, "tcp_sendmsg") == 1,
			 fentry == 0);
	assert_int_equal(bpftcp_probe_prog(BPF_PROG_TYPE_TRACING, BPF_TRACE_ITER,
					   "bpf_sk_storage_map") == 1, iter == 0);
}

static void prog_probe_answers(void **state)
{
	harness_require_bpf();
	assert_int_equal(bpftcp_probe_prog(BPF_PROG_TYPE_SOCK_OPS, BPF_CGROUP_SOCK_OPS, NULL), 1);
	assert_int_equal(bpftcp_probe_prog(BPF_PROG_TYPE_CGROUP_SKB, BPF_CGROUP_INET_EGRESS, NULL), 1);
	assert_int_equal(bpftcp_probe_prog(BPF_PROG_TYPE_STRUCT_OPS, 0, NULL), 1);
	/* A target the kernel does not have is "missing", not an error. */
	assert_int_equal(bpftcp_probe_prog(BPF_PROG_TYPE_TRACING, BPF_TRACE_FENTRY,
					   "bpftcp_no_such_function"), 0);
}

static void hz_is_linux_value_and_config_hz(void **state)
{
	char cfg[64] = "";

	harness_require_bpf();
	print_message("HZ %u (jiffies %u, CONFIG_HZ %u, source %#x)\n", features.hz,
		      features.hz_jiffies, features.hz_config, features.hz_source);
	assert_true(features.hz == 100 || features.hz == 250 || features.hz == 300 ||
		    features.hz == 1000);
	/* The measurement itself worked and agrees. */
	assert_true(features.hz_source & BPFTCP_HZ_JIFFIES);
	assert_int_equal(features.hz_jiffies, features.hz);
	if (access("/proc/config.gz", R_OK) == 0) {
		assert_int_equal(harness_sh_out(cfg, sizeof(cfg),
						"zcat /proc/config.gz | sed -n 's/^CONFIG_HZ=//p'"), 0);
		assert_int_equal(strtoul(cfg, NULL, 10), features.hz);
		assert_int_equal(features.hz_config, features.hz);
		assert_true(features.hz_source & BPFTCP_HZ_CONFIG);
	} else {
		assert_int_equal(features.hz_config, 0);
		assert_int_equal(features.hz_source, BPFTCP_HZ_JIFFIES);
	}
}

static void probe_honours_sz(void **state)
{
	struct bpftcp_features f;

	harness_require_bpf();
	memset(&f, 0xa5, sizeof(f));
	f.sz = 0;
	assert_int_equal(bpftcp_probe_features(&f), -EINVAL);
	assert_int_equal(bpftcp_probe_features(NULL), -EINVAL);
	/* An older caller's struct ends before hz: nothing past it is written. */
	f.sz = offsetof(struct bpftcp_features, hz);
	assert_int_equal(bpftcp_probe_features(&f), 0);
	assert_int_equal(f.sz, offsetof(struct bpftcp_features, hz));
	assert_int_equal(f.hz, 0xa5a5a5a5u);
	assert_int_equal(f.struct_ops_cc.state, BPFTCP_FEATURE_PRESENT);
}

/*
 * Opens the object a skeleton embeds (@bytes, @sz) and loads it, with
 * bpftcp_object_load() into @d when @d, else with the CLI's object_load().
 */
static int load_embedded(const void *bytes, size_t sz, struct bpftcp_load_diag *d)
{
	struct bpf_object *obj = bpf_object__open_mem(bytes, sz, NULL);
	int err;

	assert_non_null(obj);
	err = bpftcp_object_load(obj, d);
	bpf_object__close(obj);
	if (d)
		print_message("load %d, result %d, type %d, prog %s; log tail:\n%s\n", err,
			      d->result, d->prog_type, d->prog_name, d->log);
	return err;
}

static void refused_load_names_the_program_type(void **state)
{
	struct bpftcp_load_diag d = { .sz = sizeof(d) };
	const void *bytes;
	char hint[256];
	size_t sz;
	int err;

	harness_require_bpf();
	bytes = selftests_bpf_probe_tracing__elf_bytes(&sz);
	err = load_embedded(bytes, sz, &d);
	if (features.tracing.state != BPFTCP_FEATURE_REFUSED) {
		/* A host that loads tracing programs loads these. */
		assert_int_equal(features.tracing.state, BPFTCP_FEATURE_PRESENT);
		assert_int_equal(err, 0);
		assert_int_equal(d.result, BPFTCP_LOAD_OK);
		return;
	}
	assert_true(err == -EPERM || err == -EACCES);
	assert_int_equal(d.err, err);
	assert_int_equal(d.result, BPFTCP_LOAD_REFUSED);
	assert_int_equal(d.prog_type, BPF_PROG_TYPE_TRACING);
	assert_true(!strcmp(d.prog_name, "probe_fentry") || !strcmp(d.prog_name, "probe_iter"));
	load_hint_format(&d, false, hint, sizeof(hint));
	assert_string_equal(hint, ": the kernel refused to load a BPF program of type tracing "
				  "(lockdown or a security policy?)");

	/* The CLI's path: the library remembers the load for load_hint(). */
	assert_int_equal(load_embedded(bytes, sz, NULL), err);
	assert_string_equal(load_hint(), hint);
}

static void verifier_rejection_keeps_its_log(void **state)
{
	struct bpftcp_load_diag d = { .sz = sizeof(d) };
	size_t sz;
	const void *bytes = selftests_bpf_verifier_reject__elf_bytes(&sz);
	char hint[256];
	int err;

	harness_require_bpf();
	err = load_embedded(bytes, sz, &d);
	assert_true(err < 0);
	assert_int_equal(d.result, BPFTCP_LOAD_REJECTED);
	assert_int_equal(d.prog_type, BPF_PROG_TYPE_SOCK_OPS);
	assert_string_equal(d.prog_name, "rejected_sockops");
	assert_non_null(strstr(d.log, "invalid bpf_context access"));
	load_hint_format(&d, false, hint, sizeof(hint));
	assert_string_equal(hint, ": the BPF verifier rejected program rejected_sockops "
				  "(run with -v to see its log)");
	/* A diag too small for the fixed fields is refused before loading. */
	d.sz = 1;
	assert_int_equal(load_embedded(bytes, sz, &d), -EINVAL);
}

static void status_reports_the_probe(void **state)
{
	char cmd[2048];

	harness_require_bpf();
	/* Options after the object; one JSON document; the same answers. */
	snprintf(cmd, sizeof(cmd),
		 "%s status -j | $(scripts/find-python.sh) -c 'import json,sys\n"
		 "d = json.loads(sys.stdin.read())\n"
		 "f = d[\"features\"]\n"
		 "assert f[\"tracing\"][\"state\"] == sys.argv[1], f\n"
		 "assert f[\"hz\"][\"value\"] == int(sys.argv[2]), f\n"
		 "for k in (\"struct_ops_cc\", \"struct_ops_link\", \"hdr_opt\", \"sk_storage\", "
		 "\"sock_diag_storage\", \"tracing\"):\n"
		 "    s = f[k]\n"
		 "    assert (s[\"state\"] == \"present\") == (s[\"disables\"] is None), s\n"
		 "' %s %u", harness_bpftcp(), bpftcp_feature_state_name(features.tracing.state),
		 features.hz);
	assert_int_equal(harness_sh("%s", cmd), 0);
	assert_int_equal(harness_sh("%s status | grep -Eq '^  HZ +%u \\(bpf_jiffies64'",
				    harness_bpftcp(), features.hz), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(features_bpftcp_needs_are_present),
		cmocka_unit_test(tracing_answer_matches_a_real_load),
		cmocka_unit_test(prog_probe_answers),
		cmocka_unit_test(hz_is_linux_value_and_config_hz),
		cmocka_unit_test(probe_honours_sz),
		cmocka_unit_test(refused_load_names_the_program_type),
		cmocka_unit_test(verifier_rejection_keeps_its_log),
		cmocka_unit_test(status_reports_the_probe),
	};

	return cmocka_run_group_tests_name("bpf_probe", tests, group_setup, NULL);
}
