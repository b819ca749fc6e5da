// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* The tcpscript script parser: see script.h and docs/validation.md. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "script.h"

int64_t script_duration_us(const char *text)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(text, &end);
	if (errno || end == text || v < 0)
		return -1;
	if (!strcmp(end, "us"))
		return (int64_t)v;
	if (!strcmp(end, "ms"))
		return (int64_t)(v * 1000);
	if (!strcmp(end, "s"))
		return (int64_t)(v * 1000000);
	return -1;
}

struct parse {
	const char *path;
	int line;
	char *err;
	size_t errlen;
};

static int perr(struct parse *p, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(p->err, p->errlen, "%s:%d: %s", p->path, p->line, msg);
	return -1;
}

static int num(struct parse *p, const char *key, const char *v, uint64_t *out)
{
	char *end;

	errno = 0;
	*out = strtoull(v, &end, 10);
	if (errno || end == v || *end)
		return perr(p, "%s: '%s' is not a number", key, v);
	return 0;
}

static int dur(struct parse *p, const char *key, const char *v, uint64_t *out)
{
	int64_t d = script_duration_us(v);

	if (d < 0)
		return perr(p, "%s: '%s' is not a duration (like 20ms, 500us, 1s)", key, v);
	*out = (uint64_t)d;
	return 0;
}

/* A rate: bit/s, with an optional k, m or g before "bit" ("8mbit",
 * "500kbit"), stored in bytes per second. */
static int rate(struct parse *p, const char *key, const char *v, uint64_t *out)
{
	char *end;
	double r, mult = 1;

	errno = 0;
	r = strtod(v, &end);
	if (errno || end == v || r <= 0)
		return perr(p, "%s: '%s' is not a rate (like 8mbit, 500kbit)", key, v);
	if (*end == 'k')
		mult = 1e3, end++;
	else if (*end == 'm')
		mult = 1e6, end++;
	else if (*end == 'g')
		mult = 1e9, end++;
	if (strcmp(end, "bit"))
		return perr(p, "%s: '%s' is not a rate (like 8mbit, 500kbit)", key, v);
	*out = (uint64_t)(r * mult / 8);
	if (!*out || *out > SCRIPT_MAX_POLICE_BPS)
		return perr(p, "%s: '%s' is out of range", key, v);
	return 0;
}

/* One argument of command @c: "word" or "key=value". */
static int arg(struct parse *p, struct cmd *c, const char *verb, char *a)
{
	char *v = strchr(a, '=');
	uint64_t n;

	if (v)
		*v++ = '\0';
#define IS(k) (!strcmp(a, k) && v)
	switch (c->op) {
	case OP_PATH:
		if (IS("delay"))
			return dur(p, a, v, &c->delay_us);
		if (IS("spacing"))
			return dur(p, a, v, &c->spacing_us);
		if (IS("ackevery")) {
			if (num(p, a, v, &n) || !n)
				return perr(p, "ackevery must be >= 1");
			c->ackevery = n;
			return 0;
		}
		if (IS("rwnd")) {
			if (num(p, a, v, &n) || !n || n > (1u << 30))
				return perr(p, "rwnd must be 1..2^30 bytes");
			c->rwnd = n;
			return 0;
		}
		break;
	case OP_CONNECT:
		if (!v && !strcmp(a, "sack"))
			return c->sack = true, 0;
		if (!v && !strcmp(a, "ts"))
			return c->ts = true, 0;
		if (!v && !strcmp(a, "ecn"))
			return c->ecn = true, 0;
		if (IS("mss")) {
			if (num(p, a, v, &n) || n < 64 || n > 1460)
				return perr(p, "mss must be 64..1460");
			c->mss = n;
			return 0;
		}
		if (IS("tsahead")) {
			if (num(p, a, v, &n) || !n || n > 1000000000)
				return perr(p, "tsahead must be 1..1000000000 (ms)");
			c->tsahead = n;
			return 0;
		}
		if (IS("tshz")) {
			if (num(p, a, v, &n) || !n || n > 1000000)
				return perr(p, "tshz must be 1..1000000");
			c->tshz = n;
			return 0;
		}
		if (IS("wscale")) {
			if (num(p, a, v, &n) || n > 14)
				return perr(p, "wscale must be 0..14");
			c->wscale = n;
			return 0;
		}
		break;
	case OP_APP:
		if (!v && !strcmp(a, "bulk"))
			return c->app_mode = APP_MODE_BULK, 0;
		if (!v && !strcmp(a, "none"))
			return c->app_mode = APP_MODE_NONE, 0;
		if (IS("chunk")) {
			c->app_mode = APP_MODE_CHUNK;
			if (num(p, a, v, &n) || !n || n > 65536)
				return perr(p, "chunk must be 1..65536 bytes");
			c->chunk = n;
			return 0;
		}
		if (IS("every"))
			return dur(p, a, v, &c->interval_us);
		break;
	case OP_LOSE:
	case OP_ECE:
		if (IS("skip") && c->op == OP_LOSE)
			return num(p, a, v, &n) ? -1 : (c->skip = n, 0);
		if (IS("count"))
			return num(p, a, v, &n) ? -1 : (c->count = n, 0);
		break;
	case OP_BLACKHOLE:
	case OP_STALL:
		if (!v && !c->time_us)
			return dur(p, verb, a, &c->time_us);
		break;
	case OP_RUN:
		if (IS("acks"))
			return num(p, a, v, &c->acks);
		if (!v && !c->time_us)
			return dur(p, verb, a, &c->time_us);
		break;
	case OP_POLICE:
		if (!v && !strcmp(a, "off"))
			return c->rate_Bps = 0, c->burst = 0, 0;
		if (IS("rate"))
			return rate(p, a, v, &c->rate_Bps);
		if (IS("burst")) {
			if (num(p, a, v, &n) || !n)
				return perr(p, "burst must be >= 1 byte");
			c->burst = n;
			return 0;
		}
		break;
	case OP_RTO:
		break;
	}
#undef IS
	return perr(p, "%s: unknown argument '%s%s%s'", verb, a, v ? "=" : "", v ? v : "");
}

static const struct { const char *verb; enum op op; } verbs[] = {
	{ "path", OP_PATH }, { "connect", OP_CONNECT }, { "app", OP_APP },
	{ "lose", OP_LOSE }, { "ece", OP_ECE }, { "blackhole", OP_BLACKHOLE },
	{ "rto", OP_RTO }, { "stall", OP_STALL }, { "run", OP_RUN }, { "police", OP_POLICE },
};

/* Header lines the runner reads; the peer accepts and ignores them. */
static const char *const runner_keys[] = { "algorithms", "models", "tolerance", "tick-tolerance",
						     "control", "timing", "fast", "compare-until",
						     "after-tolerance", "align", "segments", "lt-bw" };

static int parse_line(struct parse *p, struct script *s, char *line)
{
	char *save, *verb = strtok_r(line, " \t", &save), *a;
	struct cmd *c;
	size_t i;

	if (!verb)
		return 0;
	for (i = 0; i < sizeof(runner_keys) / sizeof(*runner_keys); i++)
		if (!strcmp(verb, runner_keys[i]))
			return 0;
	if (!strcmp(verb, "name")) {
		a = strtok_r(NULL, " \t", &save);
		if (!a)
			return perr(p, "name: missing");
		snprintf(s->name, sizeof(s->name), "%s", a);
		return 0;
	}
	if (!strcmp(verb, "sysctl")) {
		struct sysctl_kv *kv;
		char *eq;

		a = strtok_r(NULL, " \t", &save);
		if (!a || !(eq = strchr(a, '=')) || s->nsysctl == SCRIPT_MAX_SYSCTLS)
			return perr(p, "sysctl: expected NAME=VALUE (at most %d)", SCRIPT_MAX_SYSCTLS);
		*eq = '\0';
		if (strncmp(a, "net.", 4) || strstr(a, ".."))
			return perr(p, "sysctl: only net.* names (per network namespace)");
		kv = &s->sysctl[s->nsysctl++];
		snprintf(kv->name, sizeof(kv->name), "%s", a);
		snprintf(kv->value, sizeof(kv->value), "%s", eq + 1);
		return 0;
	}
	if (s->ncmd == SCRIPT_MAX_CMDS)
		return perr(p, "more than %d commands", SCRIPT_MAX_CMDS);
	c = &s->cmd[s->ncmd];
	memset(c, 0, sizeof(*c));
	c->line = p->line;
	c->delay_us = c->spacing_us = UINT64_MAX;
	c->wscale = -1;
	c->mss = 1000;
	for (i = 0; i < sizeof(verbs) / sizeof(*verbs); i++)
		if (!strcmp(verb, verbs[i].verb))
			break;
	if (i == sizeof(verbs) / sizeof(*verbs))
		return perr(p, "unknown command '%s'", verb);
	c->op = verbs[i].op;
	while ((a = strtok_r(NULL, " \t", &save)))
		if (arg(p, c, verb, a) < 0)
			return -1;
	if (c->op == OP_RUN && !c->acks && !c->time_us)
		return perr(p, "run: needs acks=N or a duration");
	if ((c->op == OP_BLACKHOLE || c->op == OP_STALL) && !c->time_us)
		return perr(p, "%s: needs a duration", verb);
	if (c->op == OP_APP && c->app_mode == APP_MODE_CHUNK && !c->interval_us)
		return perr(p, "app chunk=N: needs every=DURATION");
	if (c->op == OP_POLICE && c->rate_Bps && !c->burst)
		return perr(p, "police rate=R: needs burst=BYTES");
	if (c->op == OP_POLICE && !c->rate_Bps && c->burst)
		return perr(p, "police: burst without rate");
	s->ncmd++;
	return 0;
}

int script_load(const char *path, struct script *s, char *err, size_t errlen)
{
	struct parse p = { .path = path, .err = err, .errlen = errlen };
	char line[512], *hash;
	const char *base;
	bool connected = false;
	FILE *f = fopen(path, "r");

	memset(s, 0, sizeof(*s));
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	base = strrchr(path, '/');
	snprintf(s->name, sizeof(s->name), "%s", base ? base + 1 : path);
	while (fgets(line, sizeof(line), f)) {
		p.line++;
		if ((hash = strchr(line, '#')))
			*hash = '\0';
		line[strcspn(line, "\r\n")] = '\0';
		if (parse_line(&p, s, line) < 0) {
			fclose(f);
			return -1;
		}
		if (s->ncmd && s->cmd[s->ncmd - 1].line == p.line) {
			enum op op = s->cmd[s->ncmd - 1].op;

			if (op == OP_CONNECT)
				connected = true;
			else if (op != OP_PATH && !connected)
				return fclose(f), perr(&p, "'connect' must come first");
		}
	}
	fclose(f);
	if (!connected) {
		snprintf(err, errlen, "%s: no 'connect'", path);
		return -1;
	}
	return 0;
}
