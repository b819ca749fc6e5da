// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Parsers for linkem's option values: times, rates, sizes, counts and
 * probabilities.  Each rejects anything it does not fully understand, so a
 * typo is a usage error rather than a silently different experiment.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <strings.h>
#include "linkem.h"

struct unit {
	const char *suffix;
	double scale;
};

/* A finite non-negative number followed by one of the units (case-insensitive). */
static int parse_scaled(const char *s, const struct unit *units, double *out, const char **why)
{
	char *end;
	double v;

	if (!s || !*s || isspace((unsigned char)*s) || *s == '-' || *s == '+') {
		*why = "expected a non-negative number";
		return -1;
	}
	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno || !isfinite(v) || v < 0) {
		*why = "expected a non-negative number";
		return -1;
	}
	for (const struct unit *u = units; u->suffix; u++) {
		if (!strcasecmp(end, u->suffix)) {
			*out = v * u->scale;
			return 0;
		}
	}
	*why = "unknown unit";
	return -1;
}

int parse_time_ns(const char *s, uint64_t *ns, const char **why)
{
	static const struct unit units[] = {
		{ "", 1e3 }, { "us", 1e3 }, { "usec", 1e3 }, { "ns", 1 }, { "ms", 1e6 },
		{ "msec", 1e6 }, { "s", 1e9 }, { "sec", 1e9 }, { NULL, 0 },
	};
	double v;

	if (parse_scaled(s, units, &v, why))
		return -1;
	if (v > 3600e9) {
		*why = "longer than an hour";
		return -1;
	}
	*ns = (uint64_t)llround(v);
	return 0;
}

int parse_rate_bps(const char *s, uint64_t *bps, const char **why)
{
	/* tc's "mbps" means megabytes per second; it is refused to avoid the trap. */
	static const struct unit units[] = {
		{ "", 1 }, { "bit", 1 }, { "k", 1e3 }, { "kbit", 1e3 }, { "m", 1e6 },
		{ "mbit", 1e6 }, { "g", 1e9 }, { "gbit", 1e9 }, { NULL, 0 },
	};
	double v;

	if (parse_scaled(s, units, &v, why))
		return -1;
	if (v < 1000 || v > 1e12) {
		*why = "rate must be between 1kbit and 1000gbit";
		return -1;
	}
	*bps = (uint64_t)llround(v);
	return 0;
}

int parse_size_bytes(const char *s, uint64_t *bytes, const char **why)
{
	static const struct unit units[] = {
		{ "", 1 }, { "b", 1 }, { "k", 1e3 }, { "kb", 1e3 }, { "m", 1e6 }, { "mb", 1e6 },
		{ "ki", 1024 }, { "kib", 1024 }, { "mi", 1048576 }, { "mib", 1048576 },
		{ NULL, 0 },
	};
	double v;

	if (parse_scaled(s, units, &v, why))
		return -1;
	if (v < 1 || v > 1e12 || v != floor(v)) {
		*why = "size must be a whole number of bytes between 1 and 1e12";
		return -1;
	}
	*bytes = (uint64_t)v;
	return 0;
}

int parse_count(const char *s, uint64_t max, uint64_t *v, const char **why)
{
	char *end;
	unsigned long long n;

	if (!s || !isdigit((unsigned char)*s)) {
		*why = "expected a non-negative integer";
		return -1;
	}
	errno = 0;
	n = strtoull(s, &end, 10);
	if (*end || errno) {
		*why = "expected a non-negative integer";
		return -1;
	}
	if (n > max) {
		*why = "too large";
		return -1;
	}
	*v = n;
	return 0;
}

int parse_probability(const char *s, double *p, const char **why)
{
	static const struct unit units[] = { { "", 1 }, { "%", 0.01 }, { NULL, 0 } };
	double v;

	if (parse_scaled(s, units, &v, why))
		return -1;
	if (v > 1) {
		*why = "probability must be in [0, 1] (or 0%-100%)";
		return -1;
	}
	*p = v;
	return 0;
}
