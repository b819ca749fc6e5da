/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The tcpscript script format (docs/validation.md): one command per line,
 * '#' starts a comment, arguments are words or key=value pairs, durations
 * take a unit (us, ms, s).  script_load() parses a file into a list of
 * commands and the header (name, sysctls); the differential runner reads
 * the header lines it needs (algorithms, tolerance, timing) itself.
 */
#ifndef TCPSCRIPT_SCRIPT_H
#define TCPSCRIPT_SCRIPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum op { OP_PATH, OP_CONNECT, OP_APP, OP_LOSE, OP_ECE, OP_BLACKHOLE, OP_RTO, OP_STALL, OP_RUN, OP_POLICE };
enum { APP_MODE_NONE, APP_MODE_BULK, APP_MODE_CHUNK };

struct cmd {
	enum op op;
	int line;
	/* path: UINT64_MAX / 0 = unchanged */
	uint64_t delay_us, spacing_us;
	uint32_t ackevery, rwnd;
	/* connect */
	uint32_t mss;
	int wscale;		/* -1: no window scale option */
	bool sack, ts, ecn;	/* ecn: accept an ECN-setup SYN (RFC 3168) */
	uint32_t tshz;		/* the peer's timestamp clock, ticks per second (0: 1000) */
	uint32_t tsahead;	/* >0: the peer's clock starts this many ms ahead of the sender's */
	/* app */
	int app_mode;
	uint32_t chunk;
	uint64_t interval_us;
	/* lose, ece */
	uint32_t skip, count;
	/* police: a token bucket (bytes/s, bytes); rate 0 = off */
	uint64_t rate_Bps, burst;
	/* blackhole, stall, run */
	uint64_t time_us;
	uint64_t acks;
};

struct sysctl_kv { char name[128], value[64]; };

#define SCRIPT_MAX_CMDS		256
#define SCRIPT_MAX_POLICE_BPS	(1ull << 40)
#define SCRIPT_MAX_SYSCTLS	16

struct script {
	char name[64];
	struct cmd cmd[SCRIPT_MAX_CMDS];
	size_t ncmd;
	struct sysctl_kv sysctl[SCRIPT_MAX_SYSCTLS];
	size_t nsysctl;
};

/* Parses @path; on error returns -1 with "FILE:LINE: what" in @err. */
int script_load(const char *path, struct script *s, char *err, size_t errlen);

/* "20ms", "500us", "1s" -> microseconds; -1 when malformed. */
int64_t script_duration_us(const char *text);

#endif
