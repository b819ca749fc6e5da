// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * libbpftcp's ABI: the version script (lib/libbpftcp.map), the public header
 * (include/bpftcp/libbpftcp.h) and the shared object (build/libbpftcp.so)
 * name the same functions, and the options-struct rules hold.
 */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>
#include "bpftcp/libbpftcp.h"

#ifndef BUILD_DIR
#define BUILD_DIR "build"
#endif

#define MAX_SYMS 512

struct names {
	char *v[MAX_SYMS];
	int n;
};

static void names_add(struct names *s, const char *name, size_t len)
{
	for (int i = 0; i < s->n; i++)
		if (strlen(s->v[i]) == len && !strncmp(s->v[i], name, len))
			return;
	assert_true(s->n < MAX_SYMS);
	s->v[s->n++] = strndup(name, len);
}

static bool names_has(const struct names *s, const char *name)
{
	for (int i = 0; i < s->n; i++)
		if (!strcmp(s->v[i], name))
			return true;
	return false;
}

static void names_free(struct names *s)
{
	for (int i = 0; i < s->n; i++)
		free(s->v[i]);
	s->n = 0;
}

static bool is_ident(int c)
{
	return isalnum(c) || c == '_';
}

/* "name;" lines of the global: part of the version script. */
static void read_map(struct names *s)
{
	FILE *f = fopen("lib/libbpftcp.map", "r");
	char line[256];
	bool global = false;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		char *p = line;

		while (isspace((unsigned char)*p))
			p++;
		if (!strncmp(p, "global:", 7)) {
			global = true;
			continue;
		}
		if (!strncmp(p, "local:", 6))
			global = false;
		if (global && is_ident(*p)) {
			size_t n = 0;

			while (is_ident(p[n]))
				n++;
			assert_int_equal(p[n], ';');
			names_add(s, p, n);
		}
	}
	fclose(f);
}

/* Functions the header declares: an identifier starting bpftcp_ or
 * libbpftcp_ directly followed by "(" on a line that is not a comment or a
 * macro. */
static void read_header(struct names *s)
{
	FILE *f = fopen("include/bpftcp/libbpftcp.h", "r");
	char line[512];
	bool comment = false;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		char *p = line;

		if (comment) {
			if (strstr(line, "*/"))
				comment = false;
			continue;
		}
		while (isspace((unsigned char)*p))
			p++;
		if (!strncmp(p, "/*", 2)) {
			comment = !strstr(p, "*/");
			continue;
		}
		if (*p == '#' || *p == '*' || line[0] == '\t' || line[0] == ' ')
			continue;	/* macros, comments, struct members, continuations */
		for (char *q = p; *q; q++) {
			size_t n = 0;

			if (q > p && is_ident(q[-1]))
				continue;
			if (strncmp(q, "bpftcp_", 7) && strncmp(q, "libbpftcp_", 10))
				continue;
			while (is_ident(q[n]))
				n++;
			if (q[n] == '(') {
				names_add(s, q, n);
				break;
			}
			q += n - 1;
		}
	}
	fclose(f);
}

static void read_so(struct names *s)
{
	FILE *f = popen("nm -D --defined-only " BUILD_DIR "/libbpftcp.so", "r");
	char line[512];

	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		char addr[64], type[8], name[256];

		if (sscanf(line, "%63s %7s %255[^@\n]", addr, type, name) != 3)
			continue;
		if (!strcmp(type, "T"))
			names_add(s, name, strlen(name));
	}
	assert_int_equal(pclose(f), 0);
}

static void map_header_and_so_agree(void **state)
{
	struct names map = {}, hdr = {}, so = {};

	read_map(&map);
	read_header(&hdr);
	read_so(&so);
	assert_true(map.n > 0);
	for (int i = 0; i < hdr.n; i++) {
		if (!names_has(&map, hdr.v[i]))
			fail_msg("%s is declared in libbpftcp.h but not exported by libbpftcp.map",
				 hdr.v[i]);
	}
	for (int i = 0; i < map.n; i++) {
		if (!names_has(&hdr, map.v[i]))
			fail_msg("%s is in libbpftcp.map but not declared in libbpftcp.h", map.v[i]);
		if (!names_has(&so, map.v[i]))
			fail_msg("%s is in libbpftcp.map but libbpftcp.so does not define it",
				 map.v[i]);
	}
	for (int i = 0; i < so.n; i++) {
		if (!names_has(&map, so.v[i]))
			fail_msg("libbpftcp.so exports %s, which libbpftcp.map does not list",
				 so.v[i]);
	}
	names_free(&map);
	names_free(&hdr);
	names_free(&so);
}

static void soname_is_versioned(void **state)
{
	FILE *f = popen("objdump -p " BUILD_DIR "/libbpftcp.so | awk '$1 == \"SONAME\" { print $2 }'",
			"r");
	char soname[128] = "";

	assert_non_null(f);
	assert_non_null(fgets(soname, sizeof(soname), f));
	pclose(f);
	soname[strcspn(soname, "\n")] = '\0';
	assert_string_equal(soname, "libbpftcp.so.0");
}

static int count_print(enum libbpftcp_print_level level, const char *fmt, va_list ap)
{
	return 0;
}

static void version_matches_header(void **state)
{
	char want[32];

	snprintf(want, sizeof(want), "%d.%d.", LIBBPFTCP_MAJOR_VERSION, LIBBPFTCP_MINOR_VERSION);
	assert_memory_equal(libbpftcp_version(), want, strlen(want));
}

static void set_print_returns_the_previous_callback(void **state)
{
	libbpftcp_print_fn_t first = libbpftcp_set_print(count_print);

	assert_non_null(first);	/* the default callback */
	assert_ptr_equal(libbpftcp_set_print(NULL), count_print);
	assert_null(libbpftcp_set_print(first));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(map_header_and_so_agree),
		cmocka_unit_test(soname_is_versioned),
		cmocka_unit_test(version_matches_header),
		cmocka_unit_test(set_print_returns_the_previous_callback),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
