// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Runs the libFuzzer target of the delack option decoder
 * (selftests/fuzz/hdropt_decode_fuzz.c, built to build/fuzz/) for a few
 * thousand inputs, from seeds, with a fixed random seed: part of 'make test'
 * so a decoder change that crashes, reads out of bounds or accepts what it
 * should not fails the build.  'make fuzz' runs the same target for longer.
 */
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <setjmp.h>
#include <cmocka.h>
#include "harness.h"

#define RUNS 20000

static char fuzzer[PATH_MAX];

static void write_seed(const char *dir, const char *name, const void *b, size_t n)
{
	char path[PATH_MAX + 64];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(b, 1, n, f), n);
	fclose(f);
}

static void decoder_survives_fuzzing(void **state)
{
	static const unsigned char valid[] = { 253, 7, 0xDA, 0x1C, 0x00, 0x00, 0xC8 };
	static const unsigned char resend[] = { 253, 7, 0xDA, 0x1C, 0x01, 0x27, 0x10, 1, 1 };
	static const unsigned char longer[] = { 253, 8, 0xDA, 0x1C, 0x00, 0x00, 0xC8, 1 };
	char dir[] = "/tmp/bpftcp-fuzz-XXXXXX", cmd[PATH_MAX * 2 + 128], out[65536] = "";
	int st;

	if (access(fuzzer, X_OK)) {
		print_message("SKIP: no fuzzer at %s (needs libclang-rt-19-dev; run make)\n", fuzzer);
		skip();
	}
	assert_non_null(mkdtemp(dir));
	write_seed(dir, "valid", valid, sizeof(valid));
	write_seed(dir, "resend", resend, sizeof(resend));
	write_seed(dir, "longer", longer, sizeof(longer));
	/* -seed fixes libFuzzer's random choices: the same inputs every run. */
	st = harness_sh_out(out, sizeof(out), "cd %s && %s -runs=%d -seed=1 -rss_limit_mb=1024 %s "
			    "> log 2>&1; rc=$?; tail -n 40 log; exit $rc", dir, fuzzer, RUNS, dir);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd))
		print_message("could not remove %s\n", dir);
	if (st != 0)
		print_message("%s\n", out);
	assert_int_equal(st, 0);
	/* It really ran, instrumented: every run done, coverage recorded. */
	snprintf(cmd, sizeof(cmd), "Done %d runs", RUNS);
	assert_non_null(strstr(out, cmd));
	assert_non_null(strstr(out, "cov: "));
}

int main(int argc, char **argv)
{
	char self[PATH_MAX];
	ssize_t len = readlink("/proc/self/exe", self, sizeof(self) - 1);

	/* build/selftests/test_hdropt_fuzz -> build/fuzz/hdropt_decode_fuzz */
	if (len > 0) {
		self[len] = '\0';
		*strrchr(self, '/') = '\0';
		snprintf(fuzzer, sizeof(fuzzer), "%s/../fuzz/hdropt_decode_fuzz", self);
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(decoder_survives_fuzzing),
	};

	return cmocka_run_group_tests_name("hdropt_fuzz", tests, NULL, NULL);
}
