// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Runs the libFuzzer targets of the header option decoders
 * (selftests/fuzz/hdropt_decode_fuzz.c for delack, ccneg_decode_fuzz.c for
 * ccneg, built to build/fuzz/) for a few thousand inputs each, from seeds,
 * with a fixed random seed: part of 'make test' so a decoder change that
 * crashes, reads out of bounds or accepts what it should not fails the
 * build.  'make fuzz' runs the same targets for longer.
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

static char fuzz_dir[PATH_MAX];

struct seed {
	const char *name;
	const unsigned char *bytes;
	size_t len;
};

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

/* Runs build/fuzz/@target over @seeds; fails on a crash or a short run. */
static void run_fuzzer(const char *target, const struct seed *seeds, size_t nseeds)
{
	char dir[] = "/tmp/bpftcp-fuzz-XXXXXX", cmd[PATH_MAX * 2 + 128], out[65536] = "";
	char fuzzer[PATH_MAX + 64];
	int st;

	snprintf(fuzzer, sizeof(fuzzer), "%s/%s", fuzz_dir, target);
	if (access(fuzzer, X_OK)) {
		print_message("SKIP: no fuzzer at %s (needs libclang-rt-19-dev; run make)\n", fuzzer);
		skip();
	}
	assert_non_null(mkdtemp(dir));
	for (size_t i = 0; i < nseeds; i++)
		write_seed(dir, seeds[i].name, seeds[i].bytes, seeds[i].len);
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

static void delack_decoder_survives_fuzzing(void **state)
{
	static const unsigned char valid[] = { 253, 7, 0xDA, 0x1C, 0x00, 0x00, 0xC8 };
	static const unsigned char resend[] = { 253, 7, 0xDA, 0x1C, 0x01, 0x27, 0x10, 1, 1 };
	static const unsigned char longer[] = { 253, 8, 0xDA, 0x1C, 0x00, 0x00, 0xC8, 1 };
	static const struct seed seeds[] = {
		{ "valid", valid, sizeof(valid) },
		{ "resend", resend, sizeof(resend) },
		{ "longer", longer, sizeof(longer) },
	};

	run_fuzzer("hdropt_decode_fuzz", seeds, sizeof(seeds) / sizeof(seeds[0]));
}

static void ccneg_decoder_survives_fuzzing(void **state)
{
	static const unsigned char offer[] = { 253, 7, 0xCC, 0x4E, 0x00, 3, 2 };
	static const unsigned char full[] = { 253, 13, 0xCC, 0x4E, 0x00, 3, 2, 1, 4, 5, 6, 7, 8, 1, 1 };
	static const unsigned char answer[] = { 253, 6, 0xCC, 0x4E, 0x03, 2 };
	static const unsigned char none[] = { 253, 6, 0xCC, 0x4E, 0x02, 0, 1 };
	static const struct seed seeds[] = {
		{ "offer", offer, sizeof(offer) },
		{ "full", full, sizeof(full) },
		{ "answer", answer, sizeof(answer) },
		{ "none", none, sizeof(none) },
	};

	run_fuzzer("ccneg_decode_fuzz", seeds, sizeof(seeds) / sizeof(seeds[0]));
}

int main(int argc, char **argv)
{
	char self[PATH_MAX];
	ssize_t len = readlink("/proc/self/exe", self, sizeof(self) - 1);

	/* build/selftests/test_hdropt_fuzz -> build/fuzz/ */
	if (len > 0) {
		self[len] = '\0';
		*strrchr(self, '/') = '\0';
		snprintf(fuzz_dir, sizeof(fuzz_dir), "%s/../fuzz", self);
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(delack_decoder_survives_fuzzing),
		cmocka_unit_test(ccneg_decoder_survives_fuzzing),
	};

	return cmocka_run_group_tests_name("hdropt_fuzz", tests, NULL, NULL);
}
