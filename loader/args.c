// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* Declarative argument parsing (see args.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "args.h"
#include "common.h"

static bool takes_value(const struct arg_opt *o)
{
	return o->kind != ARG_FLAG && o->kind != ARG_FLAG_OFF;
}

/* The option @w names; for "--name=VALUE" (an option that takes a value),
 * *@inline_val points at VALUE. */
static const struct arg_opt *find_opt(const struct arg_spec *spec, const char *w,
				      const char **inline_val)
{
	const char *eq = strncmp(w, "--", 2) ? NULL : strchr(w, '=');

	*inline_val = NULL;
	for (const struct arg_opt *o = spec->opts; o && o->name; o++) {
		if (!strcmp(w, o->name) || (o->alias && !strcmp(w, o->alias)))
			return o;
		if (eq && takes_value(o) && strlen(o->name) == (size_t)(eq - w) &&
		    !strncmp(w, o->name, eq - w)) {
			*inline_val = eq + 1;
			return o;
		}
	}
	return NULL;
}

static int parse_uint(const struct arg_opt *o, const char *val, unsigned int *dst)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(val, &end, 10);
	if (errno || end == val || *end || val[0] == '-' || v < o->min || v > o->max)
		return p_usage_err("bad value '%s' for %s (expected %lu-%lu)", val, o->name,
				   o->min, o->max);
	*dst = v;
	return 0;
}

int args_parse(const struct arg_spec *spec, int argc, char **argv, void *out)
{
	unsigned char seen[64] = {};
	const struct arg_opt *o;
	int ret, n = 0;

	for (o = spec->opts; o && o->name; o++)
		n++;
	if (n > (int)sizeof(seen))
		return p_usage_err("%s: too many options declared (build problem)", spec->cmd);
	for (int i = 0; i < argc; i++) {
		const char *w = argv[i], *val = NULL;
		void *field;

		o = w[0] == '-' ? find_opt(spec, w, &val) : NULL;
		if (!o && w[0] == '-' && spec->unknown)
			return spec->unknown(w, out);
		if (!o) {
			if (w[0] == '-' || !spec->positional)
				return p_usage_err("unknown argument '%s' for '%s' (see '%s')", w,
						   spec->cmd, spec->help_ref);
			ret = spec->positional(w, out);
			if (ret)
				return ret;
			continue;
		}
		if ((o->flags & ARG_ONCE) && seen[o - spec->opts])
			return p_usage_err("%s given twice", o->name);
		seen[o - spec->opts] = 1;
		field = (char *)out + o->offset;
		if (takes_value(o) && !val) {
			if (++i < argc)
				val = argv[i];
		}
		if (takes_value(o) && (!val || !val[0]))
			return p_usage_err("%s needs %s", o->name,
					   o->missing ? o->missing :
					   o->metavar ? o->metavar : "a value");
		switch (o->kind) {
		case ARG_FLAG:
			*(bool *)field = true;
			break;
		case ARG_FLAG_OFF:
			*(bool *)field = false;
			break;
		case ARG_STR:
			*(const char **)field = val;
			break;
		case ARG_UINT:
			ret = parse_uint(o, val, field);
			if (ret)
				return ret;
			break;
		case ARG_CUSTOM:
			ret = o->parse(o->name, val, field);
			if (ret)
				return ret;
			break;
		}
	}
	for (o = spec->opts; o && o->name; o++)
		if ((o->flags & ARG_REQUIRED) && !seen[o - spec->opts])
			return p_usage_err("'%s' needs %s %s", spec->cmd, o->name,
					   o->metavar ? o->metavar : "");
	return 0;
}

void args_print_options(FILE *f, const struct arg_spec *spec)
{
	for (const struct arg_opt *o = spec->opts; o && o->name; o++) {
		char lhs[64];

		snprintf(lhs, sizeof(lhs), "%s%s%s%s%s", o->alias ? o->alias : "",
			 o->alias ? "|" : "", o->name, o->metavar ? " " : "",
			 o->metavar ? o->metavar : "");
		fprintf(f, "  %-26s %s%s\n", lhs, o->help ? o->help : "",
			(o->flags & ARG_REQUIRED) ? " (required)" : "");
	}
}
