// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The short form of 'make fuzz', part of 'make test': every libFuzzer
 * target in build/fuzz/ (selftests/fuzz/<name>_fuzz.c) runs SHORT_RUNS
 * executions from its seed corpus in the repository
 * (selftests/fuzz/corpus/<name>/), with a fixed libFuzzer seed, through
 * scripts/run-fuzz.sh, the script 'make fuzz' and 'make stress' use.  One
 * test per target: it fails on a crash, a sanitizer report, an invariant
 * violation (the targets trap), or fewer executions than asked.  The
 * targets are found, not listed: a new target needs only its seed
 * directory, and a seed directory without a built target fails.
 * 'make fuzz' runs the same targets for 10 million executions each.
 */
#include <dirent.h>
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

#define SHORT_RUNS	200000
#define SEED_DIR	"selftests/fuzz/corpus"
#define MAX_TARGETS	32

static char build_dir[PATH_MAX];
static char names[MAX_TARGETS][NAME_MAX + 1];

/* Runs one target (its name is the test's state). */
static void target_survives_short_run(void **state)
{
	const char *name = *state;
	char work[] = "/tmp/bpftcp-fuzz-XXXXXX", out[16384] = "", want[128], rm[64];
	int st;

	assert_non_null(mkdtemp(work));
	st = harness_sh_out(out, sizeof(out), "bash scripts/run-fuzz.sh -r %d -s 1 -w %s %s %s 2>&1",
			    SHORT_RUNS, work, build_dir, name);
	print_message("%s", out);
	snprintf(rm, sizeof(rm), "rm -rf %s", work);
	if (system(rm))
		print_message("could not remove %s\n", work);
	assert_int_equal(st, 0);
	/* Its line in the table: every execution done, no crash. */
	snprintf(want, sizeof(want), "%s", name);
	assert_non_null(strstr(out, want));
	snprintf(want, sizeof(want), " %d ", SHORT_RUNS);
	assert_non_null(strstr(out, want));
}

/* Every seed directory has a target, and every target its seeds. */
static void seeds_and_targets_match(void **state)
{
	char path[PATH_MAX + NAME_MAX + 16];
	struct dirent *e;
	int seeds = 0;
	DIR *d;

	d = opendir(SEED_DIR);
	if (!d)
		fail_msg("no %s (run from the repository)", SEED_DIR);
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		seeds++;
		snprintf(path, sizeof(path), "%s/fuzz/%s_fuzz", build_dir, e->d_name);
		if (access(path, X_OK))
			fail_msg("seeds %s/%s have no target %s", SEED_DIR, e->d_name, path);
	}
	closedir(d);
	d = opendir(build_dir);
	assert_non_null(d);
	closedir(d);
	snprintf(path, sizeof(path), "%s/fuzz", build_dir);
	d = opendir(path);
	assert_non_null(d);
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);
		char seeddir[PATH_MAX];

		if (n <= 5 || strcmp(e->d_name + n - 5, "_fuzz"))
			continue;
		snprintf(seeddir, sizeof(seeddir), "%s/%.*s", SEED_DIR, (int)(n - 5), e->d_name);
		if (access(seeddir, R_OK))
			fail_msg("target %s has no seeds in %s", e->d_name, seeddir);
	}
	closedir(d);
	assert_true(seeds > 0);
}

int main(int argc, char **argv)
{
	struct CMUnitTest tests[MAX_TARGETS + 1];
	char self[PATH_MAX], fuzz_dir[PATH_MAX + 8];
	ssize_t len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	size_t n = 0;
	struct dirent *e;
	DIR *d;

	/* build/selftests/test_fuzz -> build */
	if (len <= 0)
		return 1;
	self[len] = '\0';
	*strrchr(self, '/') = '\0';
	*strrchr(self, '/') = '\0';
	snprintf(build_dir, sizeof(build_dir), "%s", self);

	tests[n++] = (struct CMUnitTest)cmocka_unit_test(seeds_and_targets_match);
	snprintf(fuzz_dir, sizeof(fuzz_dir), "%s/fuzz", build_dir);
	d = opendir(fuzz_dir);
	while (d && (e = readdir(d)) && n < MAX_TARGETS + 1) {
		size_t l = strlen(e->d_name);
		char path[PATH_MAX + NAME_MAX + 16];

		snprintf(path, sizeof(path), "%s/%s", fuzz_dir, e->d_name);
		if (l <= 5 || strcmp(e->d_name + l - 5, "_fuzz") || access(path, X_OK))
			continue;
		snprintf(names[n - 1], sizeof(names[0]), "%.*s", (int)(l - 5), e->d_name);
		tests[n] = (struct CMUnitTest){ .name = names[n - 1], .test_func = target_survives_short_run,
						.initial_state = names[n - 1] };
		n++;
	}
	if (d)
		closedir(d);
	if (n == 1) {
		/* Nothing built: say why, and count a skip, not a pass. */
		fprintf(stderr, "no fuzz targets in %s (needs clang-19 and libclang-rt-19-dev; "
			"make builds them for 'make test')\n", fuzz_dir);
		printf("[  SKIPPED ] 1 test(s)\n");
		return 0;
	}
	return _cmocka_run_group_tests("fuzz", tests, n, NULL, NULL);
}
