// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * libbpftcp: where the library's messages go (libbpftcp_set_print()), and
 * the options-struct size check shared by every API that takes one.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "libbpftcp_internal.h"

/* As libbpf does: warnings and notes to stderr until the caller decides. */
static int default_print(enum libbpftcp_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPFTCP_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static libbpftcp_print_fn_t print_fn = default_print;

libbpftcp_print_fn_t libbpftcp_set_print(libbpftcp_print_fn_t fn)
{
	libbpftcp_print_fn_t old = print_fn;

	print_fn = fn;
	return old;
}

void libbpftcp_print(enum libbpftcp_print_level level, const char *fmt, ...)
{
	libbpftcp_print_fn_t fn = print_fn;
	int saved = errno;
	va_list ap;

	if (!fn)
		return;
	va_start(ap, fmt);
	fn(level, fmt, ap);
	va_end(ap);
	/* A callback must not change what the caller reads from errno. */
	errno = saved;
}

bool libbpftcp_opts_valid(const void *opts, size_t user_sz, size_t known_sz, const char *type)
{
	const unsigned char *p = opts;

	if (user_sz < sizeof(size_t)) {
		pr_warn("%s: sz is %zu, smaller than its own field (use BPFTCP_OPTS())\n",
			type, user_sz);
		return false;
	}
	for (size_t i = known_sz; i < user_sz; i++) {
		if (p[i]) {
			pr_warn("%s: the caller sets fields this libbpftcp does not know "
				"(byte %zu of %zu; built for %zu)\n", type, i, user_sz, known_sz);
			return false;
		}
	}
	return true;
}

const char *libbpftcp_version(void)
{
	return BPFTCP__STR(LIBBPFTCP_MAJOR_VERSION) "." BPFTCP__STR(LIBBPFTCP_MINOR_VERSION) ".0";
}
